/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ballots.c: the ranked-ballot store (rcv_int.h): candidates, and every
 * distinct ranking pattern once with its count. Grouping identical ballots
 * is what makes a count of a million ballots fast and small, and what makes
 * it independent of the order in which ballots were read. Also the names of
 * the rules' options and the decimal formatting of vote values.
 */
#include "rcv_int.h"

tally_rcv_ballots *tally_rcv_ballots_new(void)
{
	return tally_calloc(1, sizeof(tally_rcv_ballots));
}

void tally_rcv_ballots_free(tally_rcv_ballots *b)
{
	if (!b)
		return;
	for (uint32_t i = 0; i < b->n_cand; i++) {
		tally_free(b->ids[i]);
		tally_free(b->names[i]);
	}
	tally_free(b->ids);
	tally_free(b->names);
	tally__map_release(&b->by_id);
	tally_free(b->marks);
	tally_free(b->off);
	tally_free(b->count);
	tally_free(b->slots);
	tally_free(b->hash);
	tally_free(b);
}

void tally_rcv_ballots_info(const tally_rcv_ballots *b, tally_rcv_info *out)
{
	out->n_candidates = b->n_cand;
	out->n_ballots = b->n_ballots;
	out->n_patterns = b->n_pat;
	out->bytes = b->cap_marks * sizeof *b->marks +
	             (size_t)b->cap_pat * (2 * sizeof(uint64_t) + sizeof(uint32_t)) +
	             (size_t)b->n_slots * sizeof(uint32_t);
}

int tally_rcv_add_candidate(tally_rcv_ballots *b, const char *id, const char *name,
                            uint32_t *index, tally_error *err)
{
	if (!tally__id_ok(id))
		return tally_error_set(err, TALLY_EINVAL, "R003", NULL,
		                       "candidate id '%.80s' must be 1-64 characters of A-Z a-z 0-9 . _ "
		                       "- : / @",
		                       id);
	if (name && strlen(name) > TALLY_MAX_NAME_LEN)
		return tally_error_set(err, TALLY_ELIMIT, "R004", NULL,
		                       "candidate '%s': names are at most %d bytes", id,
		                       TALLY_MAX_NAME_LEN);
	if (tally__map_get(&b->by_id, id) != TALLY_NONE)
		return tally_error_set(err, TALLY_EINVAL, "R003", NULL, "candidate '%s' is listed twice",
		                       id);
	if (b->n_cand == TALLY_RCV_MAX_CANDIDATES)
		return tally_error_set(err, TALLY_ELIMIT, "R004", NULL,
		                       "more than %d candidates in one contest", TALLY_RCV_MAX_CANDIDATES);
	if (b->n_cand == b->cap_cand) {
		uint32_t cap = b->cap_cand ? 2 * b->cap_cand : 16;
		char **ids = tally_realloc(b->ids, cap * sizeof *ids);
		if (!ids)
			goto oom;
		b->ids = ids;
		char **names = tally_realloc(b->names, cap * sizeof *names);
		if (!names)
			goto oom;
		b->names = names;
		b->cap_cand = cap;
	}
	char *i = tally_strdup(id), *n = tally_strdup(name ? name : id);
	if (!i || !n || tally__map_put(&b->by_id, i, b->n_cand, NULL)) {
		tally_free(i);
		tally_free(n);
		goto oom;
	}
	b->ids[b->n_cand] = i;
	b->names[b->n_cand] = n;
	if (index)
		*index = b->n_cand;
	b->n_cand++;
	return TALLY_OK;
oom:
	return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
}

uint32_t tally_rcv_find_candidate(const tally_rcv_ballots *b, const char *id, size_t len)
{
	return tally__map_getn(&b->by_id, id, len);
}

const char *tally_rcv_candidate_id(const tally_rcv_ballots *b, uint32_t c)
{
	return c < b->n_cand ? b->ids[c] : "?";
}

const char *tally_rcv_candidate_name(const tally_rcv_ballots *b, uint32_t c)
{
	return c < b->n_cand ? b->names[c] : "?";
}

static uint32_t hash_marks(const uint16_t *m, size_t n)
{
	return (uint32_t)tally__hash((const char *)m, n * sizeof *m);
}

static int grow_slots(tally_rcv_ballots *b)
{
	uint32_t ns = b->n_slots ? 2 * b->n_slots : 1024;
	uint32_t *s = tally_calloc(ns, sizeof *s);
	if (!s)
		return TALLY_ENOMEM;
	for (uint32_t p = 0; p < b->n_pat; p++) {
		uint32_t j = b->hash[p] & (ns - 1);
		while (s[j])
			j = (j + 1) & (ns - 1);
		s[j] = p + 1;
	}
	tally_free(b->slots);
	b->slots = s;
	b->n_slots = ns;
	return TALLY_OK;
}

int tally_rcv_add_ballot(tally_rcv_ballots *b, const uint32_t *first, const uint16_t *cand,
                         uint32_t n_ranks, uint64_t count, tally_error *err)
{
	uint16_t small[256];
	uint16_t *m = small;
	size_t n = 0, cap = sizeof small / sizeof small[0];
	int rc = TALLY_OK;

	if (n_ranks > TALLY_RCV_MAX_RANKS)
		return tally_error_set(err, TALLY_ELIMIT, "R004", NULL,
		                       "a ballot has %u ranks; at most %d are read", n_ranks,
		                       TALLY_RCV_MAX_RANKS);
	if (count > TALLY_RCV_MAX_BALLOTS || b->n_ballots + count > TALLY_RCV_MAX_BALLOTS)
		return tally_error_set(err, TALLY_ELIMIT, "R004", NULL,
		                       "more than %llu ballots in one contest",
		                       (unsigned long long)TALLY_RCV_MAX_BALLOTS);
	if (count == 0)
		return TALLY_OK;
	/* trailing empty ranks say nothing */
	while (n_ranks > 0 && first[n_ranks] == first[n_ranks - 1])
		n_ranks--;
	for (uint32_t r = 0; r < n_ranks; r++) {
		uint32_t k = first[r + 1] - first[r];
		const uint16_t *cs = cand + first[r];
		bool unknown = false;
		for (uint32_t i = 0; i < k; i++)
			if (cs[i] == TALLY_RCV_OVERVOTE)
				unknown = true;
			else if (cs[i] >= b->n_cand) {
				rc = tally_error_set(err, TALLY_EINVAL, "R003", NULL,
				                     "candidate index %u out of range (%u candidates)", cs[i],
				                     b->n_cand);
				goto out;
			}
		if (n + k + 1 > cap) {
			size_t nc = 2 * cap + k + 1;
			uint16_t *nm = tally_malloc(nc * sizeof *nm);
			if (!nm)
				goto oom;
			memcpy(nm, m, n * sizeof *m);
			if (m != small)
				tally_free(m);
			m = nm;
			cap = nc;
		}
		if (k == 0) {
			m[n++] = RCV_SKIP;
			continue;
		}
		if (unknown) {
			m[n++] = RCV_GROUP; /* an overvote of unknown candidates */
			continue;
		}
		/* the rank's marks, ascending and without repeats (insertion sort:
		 * an overvote marks few candidates) */
		size_t at = n + 1, got = 0;
		for (uint32_t i = 0; i < k; i++) {
			uint16_t c = cs[i];
			size_t j = got;
			bool dup = false;
			for (size_t x = 0; x < got; x++)
				if (m[at + x] == c)
					dup = true;
			if (dup)
				continue;
			while (j > 0 && m[at + j - 1] > c) {
				m[at + j] = m[at + j - 1];
				j--;
			}
			m[at + j] = c;
			got++;
		}
		if (got == 1) {
			m[n] = m[n + 1];
			n += 1;
		} else {
			m[n] = (uint16_t)(RCV_GROUP | got);
			n += 1 + got;
		}
	}
	/* the same pattern again: add to its count */
	uint32_t h = hash_marks(m, n);
	if (b->n_slots) {
		uint32_t j = h & (b->n_slots - 1);
		while (b->slots[j]) {
			uint32_t p = b->slots[j] - 1;
			uint64_t len = b->off[p + 1] - b->off[p];
			if (b->hash[p] == h && len == n &&
			    (n == 0 || memcmp(b->marks + b->off[p], m, n * sizeof *m) == 0)) {
				b->count[p] += count;
				b->n_ballots += count;
				goto out;
			}
			j = (j + 1) & (b->n_slots - 1);
		}
	}
	if (b->n_pat == UINT32_MAX - 1 ||
	    (b->n_marks + n) * sizeof *m > TALLY_RCV_MAX_PATTERN_BYTES) {
		rc = tally_error_set(err, TALLY_ELIMIT, "R004", NULL,
		                     "more distinct rankings than one contest may hold");
		goto out;
	}
	if (b->n_marks + n > b->cap_marks) {
		uint64_t nc = b->cap_marks ? b->cap_marks : 4096;
		while (nc < b->n_marks + n)
			nc *= 2;
		uint16_t *nm = tally_realloc(b->marks, nc * sizeof *nm);
		if (!nm)
			goto oom;
		b->marks = nm;
		b->cap_marks = nc;
	}
	if (b->n_pat + 1 >= b->cap_pat) {
		uint32_t nc = b->cap_pat ? 2 * b->cap_pat : 1024;
		uint64_t *no = tally_realloc(b->off, ((size_t)nc + 1) * sizeof *no);
		if (!no)
			goto oom;
		b->off = no;
		uint64_t *ncnt = tally_realloc(b->count, nc * sizeof *ncnt);
		if (!ncnt)
			goto oom;
		b->count = ncnt;
		uint32_t *nh = tally_realloc(b->hash, nc * sizeof *nh);
		if (!nh)
			goto oom;
		b->hash = nh;
		b->cap_pat = nc;
		if (b->n_pat == 0)
			b->off[0] = 0;
	}
	if ((uint64_t)(b->n_pat + 1) * 2 > b->n_slots && grow_slots(b))
		goto oom;
	if (n)
		memcpy(b->marks + b->n_marks, m, n * sizeof *m);
	b->n_marks += n;
	b->hash[b->n_pat] = h;
	b->count[b->n_pat] = count;
	b->off[b->n_pat + 1] = b->n_marks;
	{
		uint32_t j = h & (b->n_slots - 1);
		while (b->slots[j])
			j = (j + 1) & (b->n_slots - 1);
		b->slots[j] = b->n_pat + 1;
	}
	b->n_pat++;
	b->n_ballots += count;
	goto out;
oom:
	rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
out:
	if (m != small)
		tally_free(m);
	return rc;
}

/* ==== Names ==== */

static const char *const method_names[] = {"irv", "scottish-stv", "meek"};
static const char *const ov_names[] = {"exhaust", "skip", "exhaust-if-multiple"};
static const char *const tie_names[] = {"previous", "first", "lot", "fail"};

#define FIND(names, n, name, out, type)                                                    \
	do {                                                                                  \
		for (int i_ = 0; i_ < (n); i_++)                                                  \
			if (strcmp((names)[i_], (name)) == 0) {                                       \
				*(out) = (type)i_;                                                        \
				return TALLY_OK;                                                          \
			}                                                                             \
		return TALLY_ENOTFOUND;                                                           \
	} while (0)

const char *tally_rcv_method_name(tally_rcv_method m)
{
	return (unsigned)m < 3 ? method_names[m] : "?";
}

int tally_rcv_method_find(const char *name, tally_rcv_method *out)
{
	FIND(method_names, 3, name, out, tally_rcv_method);
}

const char *tally_rcv_overvote_name(tally_rcv_overvote o)
{
	return (unsigned)o < 3 ? ov_names[o] : "?";
}

int tally_rcv_overvote_find(const char *name, tally_rcv_overvote *out)
{
	FIND(ov_names, 3, name, out, tally_rcv_overvote);
}

const char *tally_rcv_tie_name(tally_rcv_tie t)
{
	return (unsigned)t < 4 ? tie_names[t] : "?";
}

int tally_rcv_tie_find(const char *name, tally_rcv_tie *out)
{
	FIND(tie_names, 4, name, out, tally_rcv_tie);
}

const char *tally_rcv_state_name(tally_rcv_state s)
{
	static const char *const names[] = {"done", "drawing of lots required", "failed"};
	return (unsigned)s < 3 ? names[s] : "?";
}

const char *tally_rcv_exhausted_name(int why)
{
	static const char *const names[] = {"no further choices", "overvote", "skipped rankings",
	                                    "repeated ranking"};
	return why >= 0 && why < TALLY_RCV_EX_N ? names[why] : "?";
}

void tally_rcv_rules_default(tally_rcv_rules *r, tally_rcv_method m)
{
	memset(r, 0, sizeof *r);
	r->method = m;
	r->seats = 1;
	r->overvote = TALLY_RCV_OV_EXHAUST;
	r->max_skipped = TALLY_RCV_UNLIMITED;
	r->write_in = TALLY_RCV_NO_CANDIDATE;
	r->tie[0] = TALLY_RCV_TIE_PREVIOUS;
	r->n_tie = 1;
}

const char *tally_rcv_value_fmt(uint64_t v, uint64_t scale, char buf[48])
{
	char c[32];
	if (scale <= 1) {
		snprintf(buf, 48, "%s", tally_thousands(v, c));
		return buf;
	}
	int digits = 0;
	for (uint64_t s = scale; s > 1; s /= 10)
		digits++;
	snprintf(buf, 48, "%s.%0*llu", tally_thousands(v / scale, c), digits,
	         (unsigned long long)(v % scale));
	return buf;
}
