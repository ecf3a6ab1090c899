/* SPDX-License-Identifier: Apache-2.0 */
/*
 * read.c: the readers of ranked ballots into the store: a plain CSV of
 * rankings (through the strict CSV reader, csv.c) and cast vote records in
 * the NIST SP 1500-103 common data format, JSON serialisation (through
 * jansson with duplicate keys refused, json.c). Both check everything they
 * read against the limits of common.h and report errors in the R0xx family
 * (docs/errors.md) with the row or the JSON path; on error nothing is
 * returned.
 */
#include "rcv_int.h"
#include "core/json_int.h"

/* a growing list of (rank, candidate) marks of one ballot */
typedef struct marks {
	uint32_t *rank;
	uint16_t *cand;
	size_t n, cap;
	/* the ballot in the store's form */
	uint32_t *first;
	uint16_t *sorted;
	size_t cap_first, cap_sorted;
} marks;

static void marks_release(marks *m)
{
	tally_free(m->rank);
	tally_free(m->cand);
	tally_free(m->first);
	tally_free(m->sorted);
}

static int marks_add(marks *m, uint32_t rank, uint16_t cand)
{
	if (m->n == m->cap) {
		size_t nc = m->cap ? 2 * m->cap : 32;
		uint32_t *nr = tally_realloc(m->rank, nc * sizeof *nr);
		if (!nr)
			return TALLY_ENOMEM;
		m->rank = nr;
		uint16_t *ncd = tally_realloc(m->cand, nc * sizeof *ncd);
		if (!ncd)
			return TALLY_ENOMEM;
		m->cand = ncd;
		m->cap = nc;
	}
	m->rank[m->n] = rank;
	m->cand[m->n] = cand;
	m->n++;
	return TALLY_OK;
}

/* adds the collected marks (ranks 1-based, any order) as "count" ballots */
static int marks_flush(marks *m, tally_rcv_ballots *b, uint64_t count, tally_error *err)
{
	uint32_t n_ranks = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->rank[i] > n_ranks)
			n_ranks = m->rank[i];
	if (n_ranks + 1 > m->cap_first) {
		size_t nc = n_ranks + 1;
		uint32_t *nf = tally_realloc(m->first, nc * sizeof *nf);
		if (!nf)
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		m->first = nf;
		m->cap_first = nc;
	}
	if (m->n > m->cap_sorted) {
		uint16_t *ns = tally_realloc(m->sorted, m->n * sizeof *ns);
		if (!ns)
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		m->sorted = ns;
		m->cap_sorted = m->n;
	}
	/* counting sort by rank: first[r] counts rank r (1-based), then holds
	 * where rank r ends, then (filling backwards) where it starts */
	memset(m->first, 0, (n_ranks + 1) * sizeof *m->first);
	for (size_t i = 0; i < m->n; i++)
		m->first[m->rank[i]]++;
	for (uint32_t r = 1; r <= n_ranks; r++)
		m->first[r] += m->first[r - 1];
	for (size_t i = m->n; i-- > 0;)
		m->sorted[--m->first[m->rank[i]]] = m->cand[i];
	/* the store's form: rank r (0-based) starts at first[r] */
	for (uint32_t r = 0; r < n_ranks; r++)
		m->first[r] = m->first[r + 1];
	m->first[n_ranks] = (uint32_t)m->n;
	int rc = tally_rcv_add_ballot(b, m->first, m->sorted, n_ranks, count, err);
	m->n = 0;
	return rc;
}

/* ==== CSV of rankings ==== */

static bool is_rank_col(const tally_csv_field *f, uint32_t want)
{
	char name[24];
	int n = snprintf(name, sizeof name, "rank%u", want);
	return f->len == (size_t)n && memcmp(f->s, name, (size_t)n) == 0;
}

static int cell_candidate(tally_rcv_ballots *b, const char *s, size_t n, bool declared,
                          const char *where, uint16_t *out, tally_error *err)
{
	while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	uint32_t c = tally_rcv_find_candidate(b, s, n);
	if (c != TALLY_NONE) {
		*out = (uint16_t)c;
		return TALLY_OK;
	}
	if (declared || n == 0 || n > TALLY_MAX_ID_LEN)
		return tally_error_set(err, TALLY_EINVAL, "R003", where,
		                       n == 0 ? "an empty candidate id in an overvote ('A=B')"
		                              : "'%.*s' is not a candidate of the contest",
		                       (int)(n > 80 ? 80 : n), s);
	char id[TALLY_MAX_ID_LEN + 1];
	memcpy(id, s, n);
	id[n] = '\0';
	int rc = tally_rcv_add_candidate(b, id, NULL, &c, err);
	if (rc) {
		snprintf(err->where, sizeof err->where, "%s", where);
		return rc;
	}
	*out = (uint16_t)c;
	return TALLY_OK;
}

int tally_rcv_parse_csv(const char *buf, size_t len, const char *file,
                        const char *const *declared, tally_rcv_ballots **out, tally_error *err)
{
	tally_csv c;
	tally_rcv_ballots *b = tally_rcv_ballots_new();
	marks m;
	char where[300];
	const char *fn = file ? file : "input";
	int rc;
	size_t id_col = SIZE_MAX, count_col = SIZE_MAX, nf = 0;
	uint32_t n_ranks = 0;
	size_t *rank_col = NULL;

	memset(&m, 0, sizeof m);
	tally_csv_init(&c, buf, len, 0, file);
	if (!b) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	for (const char *const *d = declared; d && *d; d++)
		if ((rc = tally_rcv_add_candidate(b, *d, NULL, NULL, err)) != TALLY_OK)
			goto out;
	rc = tally_csv_next(&c, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "R005", fn, "the file is empty: no ballots");
		goto out;
	}
	nf = c.n_fields;
	rank_col = tally_malloc(nf * sizeof *rank_col);
	if (!rank_col) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nf; i++) {
		const tally_csv_field *f = &c.fields[i];
		snprintf(where, sizeof where, "%s: line 1, column %zu", fn, i + 1);
		if (tally_csv_eq(f, "id") && id_col == SIZE_MAX)
			id_col = i;
		else if (tally_csv_eq(f, "count") && count_col == SIZE_MAX)
			count_col = i;
		else if (is_rank_col(f, n_ranks + 1)) {
			if (n_ranks == TALLY_RCV_MAX_RANKS) {
				rc = tally_error_set(err, TALLY_ELIMIT, "R004", where,
				                     "more than %d rank columns", TALLY_RCV_MAX_RANKS);
				goto out;
			}
			rank_col[n_ranks++] = i;
		} else {
			rc = tally_error_set(err, TALLY_EINVAL, "R001", where,
			                     "column '%.*s' is not 'id', 'count' or the next rank "
			                     "column 'rank%u' (each once, ranks in order)",
			                     (int)(f->len > 80 ? 80 : f->len), f->s, n_ranks + 1);
			goto out;
		}
	}
	if (n_ranks == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "R001", fn,
		                     "the header has no rank columns 'rank1', 'rank2', ...");
		goto out;
	}
	/* "where" is written only when it is needed: formatting it for every
	 * row would cost more than reading the row */
#define ROW_WHERE() snprintf(where, sizeof where, "%s: line %llu", fn, (unsigned long long)c.line)
	while ((rc = tally_csv_next(&c, err)) == 1) {
		if (c.n_fields != nf) {
			ROW_WHERE();
			rc = tally_error_set(err, TALLY_EINVAL, "C002", where,
			                     "%zu fields where the header has %zu", c.n_fields, nf);
			goto out;
		}
		uint64_t count = 1;
		if (count_col != SIZE_MAX &&
		    (tally_csv_u64(&c.fields[count_col], TALLY_RCV_MAX_BALLOTS, &count) || count == 0)) {
			const tally_csv_field *f = &c.fields[count_col];
			ROW_WHERE();
			rc = tally_error_set(err, TALLY_EINVAL, "R002", where,
			                     "count '%.*s' is not a number of ballots from 1 to %llu",
			                     (int)(f->len > 40 ? 40 : f->len), f->s,
			                     (unsigned long long)TALLY_RCV_MAX_BALLOTS);
			goto out;
		}
		for (uint32_t r = 0; r < n_ranks; r++) {
			const tally_csv_field *f = &c.fields[rank_col[r]];
			const char *s = f->s, *e = f->s + f->len;
			bool blank = true;
			for (const char *q = s; q < e; q++)
				if (*q != ' ' && *q != '\t')
					blank = false;
			if (blank || (f->len == 9 && memcmp(s, "undervote", 9) == 0))
				continue;
			if (f->len == 8 && memcmp(s, "overvote", 8) == 0) {
				if (marks_add(&m, r + 1, (uint16_t)TALLY_RCV_OVERVOTE)) {
					rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
					goto out;
				}
				continue;
			}
			while (s <= e) {
				const char *eq = memchr(s, '=', (size_t)(e - s));
				const char *stop = eq ? eq : e;
				uint32_t known = tally_rcv_find_candidate(b, s, (size_t)(stop - s));
				uint16_t cand = (uint16_t)known;
				if (known == TALLY_NONE) {
					snprintf(where, sizeof where, "%s: line %llu, column %zu", fn,
					         (unsigned long long)c.line, rank_col[r] + 1);
					rc = cell_candidate(b, s, (size_t)(stop - s), declared != NULL, where,
					                    &cand, err);
					if (rc)
						goto out;
				}
				if (marks_add(&m, r + 1, cand)) {
					rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
					goto out;
				}
				s = stop + 1;
			}
		}
		if ((rc = marks_flush(&m, b, count, err)) != TALLY_OK) {
			ROW_WHERE();
			if (!err->where[0])
				snprintf(err->where, sizeof err->where, "%s", where);
			goto out;
		}
	}
#undef ROW_WHERE
	if (rc < 0)
		goto out;
	if (b->n_ballots == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "R005", fn, "no ballots after the header");
		goto out;
	}
	*out = b;
	b = NULL;
	rc = TALLY_OK;
out:
	tally_free(rank_col);
	marks_release(&m);
	tally_csv_release(&c);
	tally_rcv_ballots_free(b);
	return rc;
}

/* ==== NIST SP 1500-103 CVR, JSON ==== */

static const tj_codes tj_cdf_codes = {"R006", "R007", "R007", "R007",
                                      "R010", "R006", "R004", "R006"};

/* the contest to read: "want" by @id, else the only "rcv" contest, else
 * the only candidate contest */
static int find_contest(json_t *elections, const char *want, json_t **out, const char **path,
                        tally_error *err)
{
	static char pbuf[128];
	json_t *found = NULL, *only_rcv = NULL, *only_cand = NULL;
	int n_rcv = 0, n_cand = 0;
	char ids[200] = "";
	for (size_t e = 0; e < json_array_size(elections); e++) {
		json_t *contests = json_object_get(json_array_get(elections, e), "Contest");
		for (size_t i = 0; i < json_array_size(contests); i++) {
			json_t *ct = json_array_get(contests, i);
			const char *id = json_string_value(json_object_get(ct, "@id"));
			const char *type = json_string_value(json_object_get(ct, "@type"));
			const char *vv = json_string_value(json_object_get(ct, "VoteVariation"));
			if (!id || !json_is_object(ct))
				continue;
			if (want && strcmp(id, want) == 0 && !found) {
				found = ct;
				snprintf(pbuf, sizeof pbuf, "$.Election[%zu].Contest[%zu]", e, i);
			}
			/* "CVR.CandidateContest" as the schema spells it; some
			 * exporters leave the prefix out */
			if (type && (strcmp(type, "CVR.CandidateContest") == 0 ||
			             strcmp(type, "CandidateContest") == 0)) {
				n_cand++;
				only_cand = ct;
				size_t l = strlen(ids);
				if (l < sizeof ids - 70)
					snprintf(ids + l, sizeof ids - l, "%s'%s'", l ? ", " : "", id);
			}
			if (vv && strcmp(vv, "rcv") == 0) {
				n_rcv++;
				only_rcv = ct;
				snprintf(pbuf, sizeof pbuf, "$.Election[%zu].Contest[%zu]", e, i);
			}
		}
	}
	if (want && !found)
		return tally_error_set(err, TALLY_EINVAL, "R008", "$.Election",
		                       "no contest with @id '%.80s' (candidate contests: %s)", want,
		                       ids[0] ? ids : "none");
	if (!want) {
		if (n_rcv == 1)
			found = only_rcv;
		else if (n_rcv == 0 && n_cand == 1) {
			found = only_cand;
			snprintf(pbuf, sizeof pbuf, "$.Election");
		} else
			return tally_error_set(err, TALLY_EINVAL, "R008", "$.Election",
			                       "%d ranked and %d candidate contests: name one with "
			                       "--contest (%s)",
			                       n_rcv, n_cand, ids[0] ? ids : "none");
	}
	*out = found;
	*path = pbuf;
	return TALLY_OK;
}

static int cdf_candidates(json_t *root, json_t *contest, const char *cpath, tally_rcv_ballots *b,
                          tally_error *err)
{
	const tj_codes *C = &tj_cdf_codes;
	char p[256], q[256];
	json_t *sels = NULL;
	int rc = tj_arr(contest, "ContestSelection", true, cpath, C, &sels, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < json_array_size(sels); i++) {
		json_t *s = json_array_get(sels, i);
		const char *id = NULL, *name = NULL;
		json_t *cids = NULL;
		tj_path_idx(p, sizeof p, tj_path_key(q, sizeof q, cpath, "ContestSelection"), i);
		if (!json_is_object(s))
			return tally_error_set(err, TALLY_EINVAL, "R007", p, "a selection is an object");
		if ((rc = tj_str(s, "@id", true, TALLY_MAX_ID_LEN, p, C, &id, err)) ||
		    (rc = tj_arr(s, "CandidateIds", false, p, C, &cids, err)))
			return rc;
		/* the name of the selection's first candidate, from any election */
		const char *cid = json_string_value(json_array_get(cids, 0));
		json_t *els = json_object_get(root, "Election");
		for (size_t e = 0; cid && !name && e < json_array_size(els); e++) {
			json_t *cands = json_object_get(json_array_get(els, e), "Candidate");
			for (size_t k = 0; !name && k < json_array_size(cands); k++) {
				json_t *cd = json_array_get(cands, k);
				const char *cdid = json_string_value(json_object_get(cd, "@id"));
				if (cdid && strcmp(cdid, cid) == 0)
					name = json_string_value(json_object_get(cd, "Name"));
			}
		}
		if (name && strlen(name) > TALLY_MAX_NAME_LEN)
			name = NULL;
		if ((rc = tally_rcv_add_candidate(b, id, name, NULL, err)) != TALLY_OK) {
			snprintf(err->where, sizeof err->where, "%s", p);
			return rc;
		}
	}
	return TALLY_OK;
}

/* one CVR: the contest's marks in its current snapshot */
static int cdf_ballot(json_t *cvr, const char *path, const char *contest_id,
                      tally_rcv_ballots *b, marks *m, bool *has, tally_error *err)
{
	const tj_codes *C = &tj_cdf_codes;
	char p[256], q[256], r[256];
	const char *cur = NULL;
	json_t *snaps = NULL, *snap = NULL;
	int rc;
	*has = false;
	if (!json_is_object(cvr))
		return tally_error_set(err, TALLY_EINVAL, "R007", path, "a CVR is an object");
	if ((rc = tj_str(cvr, "CurrentSnapshotId", true, 4096, path, C, &cur, err)) ||
	    (rc = tj_arr(cvr, "CVRSnapshot", true, path, C, &snaps, err)))
		return rc;
	size_t si = 0;
	for (; si < json_array_size(snaps); si++) {
		json_t *s = json_array_get(snaps, si);
		const char *sid = json_string_value(json_object_get(s, "@id"));
		if (json_is_object(s) && sid && strcmp(sid, cur) == 0) {
			snap = s;
			break;
		}
	}
	if (!snap)
		return tally_error_set(err, TALLY_EINVAL, "R009", tj_path_key(p, sizeof p, path, "CurrentSnapshotId"),
		                       "no CVRSnapshot has the @id '%.80s'", cur);
	snprintf(q, sizeof q, "%s.CVRSnapshot[%zu]", path, si);
	json_t *ccs = NULL;
	if ((rc = tj_arr(snap, "CVRContest", false, q, C, &ccs, err)))
		return rc;
	for (size_t i = 0; i < json_array_size(ccs); i++) {
		json_t *cc = json_array_get(ccs, i);
		const char *cid = NULL;
		char cp[256];
		snprintf(cp, sizeof cp, "%s.CVRContest[%zu]", q, i);
		if (!json_is_object(cc))
			return tally_error_set(err, TALLY_EINVAL, "R007", cp, "a CVRContest is an object");
		if ((rc = tj_str(cc, "ContestId", true, 4096, cp, C, &cid, err)))
			return rc;
		if (strcmp(cid, contest_id) != 0)
			continue;
		*has = true;
		json_t *sels = NULL;
		if ((rc = tj_arr(cc, "CVRContestSelection", false, cp, C, &sels, err)))
			return rc;
		for (size_t k = 0; k < json_array_size(sels); k++) {
			json_t *s = json_array_get(sels, k);
			const char *sid = NULL;
			json_t *pos = NULL;
			char sp[256];
			snprintf(sp, sizeof sp, "%s.CVRContestSelection[%zu]", cp, k);
			if (!json_is_object(s))
				return tally_error_set(err, TALLY_EINVAL, "R007", sp, "a selection is an object");
			if ((rc = tj_str(s, "ContestSelectionId", false, TALLY_MAX_ID_LEN, sp, C, &sid, err)) ||
			    (rc = tj_arr(s, "SelectionPosition", true, sp, C, &pos, err)))
				return rc;
			if (!sid)
				continue; /* a mark not attributed to any selection */
			uint32_t cand = tally_rcv_find_candidate(b, sid, strlen(sid));
			if (cand == TALLY_NONE)
				return tally_error_set(err, TALLY_EINVAL, "R009",
				                       tj_path_key(r, sizeof r, sp, "ContestSelectionId"),
				                       "'%s' is no selection of contest '%s'", sid, contest_id);
			json_t *srank = json_object_get(s, "Rank");
			for (size_t j = 0; j < json_array_size(pos); j++) {
				json_t *sp1 = json_array_get(pos, j);
				const char *ind = NULL, *alloc = NULL;
				uint64_t votes = 0;
				tj_path_idx(p, sizeof p, tj_path_key(r, sizeof r, sp, "SelectionPosition"), j);
				if (!json_is_object(sp1))
					return tally_error_set(err, TALLY_EINVAL, "R007", p,
					                       "a SelectionPosition is an object");
				if ((rc = tj_str(sp1, "HasIndication", true, 16, p, C, &ind, err)) ||
				    (rc = tj_str(sp1, "IsAllocable", false, 16, p, C, &alloc, err)) ||
				    (rc = tj_u64(sp1, "NumberVotes", true, 0, 1000000, p, C, &votes, err)))
					return rc;
				if (strcmp(ind, "yes") != 0 || (alloc && strcmp(alloc, "no") == 0) || votes == 0)
					continue;
				json_t *rk = json_object_get(sp1, "Rank");
				if (!rk)
					rk = srank;
				if (!rk)
					return tally_error_set(err, TALLY_EINVAL, "R010", p,
					                       "a mark without a Rank (neither the position nor "
					                       "the selection has one)");
				if (!json_is_integer(rk) || json_integer_value(rk) < 1 ||
				    json_integer_value(rk) > TALLY_RCV_MAX_RANKS)
					return tally_error_set(err, TALLY_EINVAL, "R010",
					                       tj_path_key(r, sizeof r, p, "Rank"),
					                       "a Rank is a whole number from 1 to %d",
					                       TALLY_RCV_MAX_RANKS);
				if (marks_add(m, (uint32_t)json_integer_value(rk), (uint16_t)cand))
					return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
			}
		}
		break;
	}
	return TALLY_OK;
}

/* ---- The CVR array, one record at a time ----
 * jansson builds a whole document in memory (about ten times its size), and
 * a report of a million CVRs is most of a gigabyte of JSON. So the reader
 * finds the top-level "CVR" array with a small scanner, parses the rest of
 * the document (with "CVR" emptied) as before, and then each CVR on its own.
 * The scanner only finds boundaries: every byte is still parsed by jansson,
 * and what lies between records is checked here (',' and ']'). Anything the
 * scanner does not expect makes the reader parse the whole document the
 * ordinary way, which reports the error. */

typedef struct scan {
	const char *p, *end;
	int depth, max_depth;
} scan;

static void sc_ws(scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* skips one JSON value; false if the input ends or is not JSON enough to
 * find its end */
static bool sc_value(scan *s)
{
	int depth = 0;
	sc_ws(s);
	if (s->p >= s->end)
		return false;
	do {
		if (s->p >= s->end)
			return false;
		char c = *s->p;
		if (c == '"') {
			for (s->p++; s->p < s->end && *s->p != '"'; s->p++)
				if (*s->p == '\\' && s->p + 1 < s->end)
					s->p++;
			if (s->p >= s->end)
				return false;
			s->p++;
		} else if (c == '{' || c == '[') {
			if (++depth > 2 * TALLY_MAX_JSON_DEPTH)
				return false;
			if (depth > s->max_depth)
				s->max_depth = depth;
			s->p++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return false;
			depth--;
			s->p++;
		} else if (depth > 0) {
			s->p++;
		} else {
			/* a number, true, false or null at the top */
			while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
				s->p++;
		}
	} while (depth > 0);
	return true;
}

/* finds the top-level "CVR" member: the span of its value [*a, *z) */
static bool sc_find_cvr(const char *buf, size_t len, const char **a, const char **z)
{
	scan s = {buf, buf + len, 0, 0};
	bool found = false;
	if (len >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb &&
	    (unsigned char)buf[2] == 0xbf)
		s.p += 3;
	sc_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return false;
	s.p++;
	for (;;) {
		sc_ws(&s);
		if (s.p < s.end && *s.p == '}')
			return found;
		const char *k = s.p;
		if (k >= s.end || *k != '"' || !sc_value(&s))
			return false;
		bool is_cvr = s.p - k == 5 && memcmp(k, "\"CVR\"", 5) == 0;
		sc_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return false;
		s.p++;
		sc_ws(&s);
		const char *v = s.p;
		if (!sc_value(&s))
			return false;
		if (is_cvr) {
			if (found || *v != '[')
				return false; /* a repeated key or not an array: the full parse says so */
			*a = v;
			*z = s.p;
			found = true;
		}
		sc_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (s.p < s.end && *s.p == '}')
			return found;
		return false;
	}
}

static void sc_where(const char *buf, const char *at, const char *file, char *where, size_t n)
{
	unsigned long line = 1, col = 0;
	for (const char *q = buf; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 0;
		} else {
			col++;
		}
	}
	snprintf(where, n, "%s: line %lu, column %lu", file ? file : "input", line, col);
}

int tally_rcv_parse_cdf(const char *buf, size_t len, const char *file, const char *contest,
                        tally_rcv_ballots **out, tally_error *err)
{
	const tj_codes *C = &tj_cdf_codes;
	json_t *root = NULL, *els = NULL, *cvrs = NULL, *ct = NULL;
	tally_rcv_ballots *b = NULL;
	const char *cpath = NULL, *cid = NULL;
	marks m;
	char p[256];
	int rc;

	memset(&m, 0, sizeof m);
	if (len > TALLY_MAX_INPUT_BYTES)
		return tally_error_set(err, TALLY_ELIMIT, "R004", file, "input larger than %u bytes",
		                       TALLY_MAX_INPUT_BYTES);
	/* the document without its CVRs, which are read one by one below */
	const char *ca = NULL, *cz = NULL;
	if (sc_find_cvr(buf, len, &ca, &cz)) {
		size_t head = (size_t)(ca - buf), tail = len - (size_t)(cz - buf);
		char *copy = tally_malloc(head + 2 + tail);
		if (!copy)
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		memcpy(copy, buf, head);
		memcpy(copy + head, "[]", 2);
		memcpy(copy + head + 2, cz, tail);
		rc = tj_load(copy, head + 2 + tail, file, C, &root, err);
		tally_free(copy);
	} else {
		ca = NULL;
		rc = tj_load(buf, len, file, C, &root, err);
	}
	if (rc)
		return rc;
	if (!json_is_object(root)) {
		rc = tally_error_set(err, TALLY_EINVAL, "R007", "$",
		                     "a CastVoteRecordReport is a JSON object");
		goto out;
	}
	if ((rc = tj_arr(root, "Election", true, "$", C, &els, err)) ||
	    (rc = tj_arr(root, "CVR", false, "$", C, &cvrs, err)))
		goto out;
	if ((rc = find_contest(els, contest, &ct, &cpath, err)))
		goto out;
	char cpath_copy[128];
	snprintf(cpath_copy, sizeof cpath_copy, "%s", cpath);
	if ((rc = tj_str(ct, "@id", true, 4096, cpath_copy, C, &cid, err)))
		goto out;
	b = tally_rcv_ballots_new();
	if (!b) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	if ((rc = cdf_candidates(root, ct, cpath_copy, b, err)))
		goto out;
	scan sc = {ca ? ca + 1 : NULL, cz ? cz - 1 : NULL, 0, 0};
	for (size_t i = 0;; i++) {
		json_t *one = NULL, *cvr;
		bool has = false;
		tj_path_idx(p, sizeof p, "$.CVR", i);
		if (!ca) {
			if (i == json_array_size(cvrs))
				break;
			cvr = json_array_get(cvrs, i);
		} else {
			/* the next record: a value, then ',' or the end of the array */
			char where[300];
			sc_ws(&sc);
			if (i == 0 && sc.p >= sc.end)
				break;
			const char *va = sc.p;
			sc.max_depth = 0;
			json_error_t je;
			if (!sc_value(&sc)) {
				sc_where(buf, va, file, where, sizeof where);
				rc = tally_error_set(err, TALLY_EINVAL, "R006", where,
				                     "malformed JSON in the CVR array");
				goto out;
			}
			if (sc.max_depth + 2 > TALLY_MAX_JSON_DEPTH) {
				sc_where(buf, va, file, where, sizeof where);
				rc = tally_error_set(err, TALLY_ELIMIT, "R006", where,
				                     "JSON nested deeper than %d levels", TALLY_MAX_JSON_DEPTH);
				goto out;
			}
			one = json_loadb(va, (size_t)(sc.p - va), JSON_REJECT_DUPLICATES, &je);
			if (!one) {
				sc_where(buf, va + (je.position > 0 ? je.position - 1 : 0), file, where,
				         sizeof where);
				rc = tally_error_set(err, TALLY_EINVAL, "R006", where, "%s in %s: %s",
				                     json_error_code(&je) == json_error_duplicate_key
				                         ? "a duplicate key"
				                         : "malformed JSON",
				                     p, je.text);
				goto out;
			}
			cvr = one;
			sc_ws(&sc);
			if (sc.p < sc.end) {
				if (*sc.p != ',') {
					json_decref(one);
					sc_where(buf, sc.p, file, where, sizeof where);
					rc = tally_error_set(err, TALLY_EINVAL, "R006", where,
					                     "malformed JSON: ',' or ']' expected after %s", p);
					goto out;
				}
				sc.p++;
				sc_ws(&sc);
				if (sc.p >= sc.end) {
					json_decref(one);
					sc_where(buf, sc.p, file, where, sizeof where);
					rc = tally_error_set(err, TALLY_EINVAL, "R006", where,
					                     "malformed JSON: a value expected after ','");
					goto out;
				}
			}
		}
		rc = cdf_ballot(cvr, p, cid, b, &m, &has, err);
		json_decref(one);
		if (rc) {
			m.n = 0;
			goto out;
		}
		/* a CVR without the contest is no ballot of it; one with the contest
		 * and no mark is a blank ballot */
		if (has && (rc = marks_flush(&m, b, 1, err))) {
			if (!err->where[0])
				snprintf(err->where, sizeof err->where, "%s", p);
			goto out;
		}
		m.n = 0;
		if (ca && sc.p >= sc.end)
			break;
	}
	if (b->n_ballots == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "R005", file ? file : "input",
		                     "no cast vote record has contest '%s'", cid);
		goto out;
	}
	*out = b;
	b = NULL;
	rc = TALLY_OK;
out:
	marks_release(&m);
	tally_rcv_ballots_free(b);
	json_decref(root);
	return rc;
}
