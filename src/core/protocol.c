/* SPDX-License-Identifier: Apache-2.0 */
/*
 * protocol.c: protocol numbers: reading entries from JSON and CSV, the
 * control-relation check, the difference between two entries, the rules
 * of double entry (tally_entry_decide) and the compact packed form the
 * store keeps.
 */
#include "json_int.h"

/* ==== Values ==== */

int tally_protocol_init(tally_protocol *p, const tally_election *e, uint32_t st)
{
	uint32_t nl = e->tmpl->n_lines;
	uint32_t nc = e->constituencies[e->stations[st].constituency].n_candidates;
	uint64_t *v = tally_calloc((size_t)nl + nc + 1, sizeof *v);
	if (!v)
		return TALLY_ENOMEM;
	p->station = st;
	p->lines = v;
	p->cand = v + nl;
	p->n_lines = nl;
	p->n_cand = nc;
	return TALLY_OK;
}

void tally_protocol_release(tally_protocol *p)
{
	if (!p)
		return;
	tally_free(p->lines);
	memset(p, 0, sizeof *p);
}

int tally_protocol_copy(tally_protocol *dst, const tally_protocol *src)
{
	size_t n = (size_t)src->n_lines + src->n_cand;
	uint64_t *v = tally_calloc(n + 1, sizeof *v);
	if (!v)
		return TALLY_ENOMEM;
	memcpy(v, src->lines, src->n_lines * sizeof *v);
	memcpy(v + src->n_lines, src->cand, src->n_cand * sizeof *v);
	*dst = *src;
	dst->lines = v;
	dst->cand = v + src->n_lines;
	return TALLY_OK;
}

uint64_t tally_protocol_cand_sum(const tally_protocol *p)
{
	uint64_t s = 0;
	for (uint32_t i = 0; i < p->n_cand; i++)
		s += p->cand[i];
	return s;
}

static bool protocol_equal(const tally_protocol *a, const tally_protocol *b)
{
	return a->n_lines == b->n_lines && a->n_cand == b->n_cand &&
	       memcmp(a->lines, b->lines, a->n_lines * sizeof *a->lines) == 0 &&
	       memcmp(a->cand, b->cand, a->n_cand * sizeof *a->cand) == 0;
}

/* ==== JSON entries ==== */

static int set_text(char *dst, size_t cap, const char *src, const char *code, const char *what,
                    const char *path, tally_error *err)
{
	size_t n = strlen(src);
	if (n >= cap)
		return tally_error_set(err, TALLY_EINVAL, code, path, "%s is longer than %zu bytes",
		                       what, cap - 1);
	memcpy(dst, src, n + 1);
	return TALLY_OK;
}

int tally_entry_parse_json(const tally_election *e, const void *vobj, const char *where,
                           tally_entry *out, tally_error *err)
{
	const json_t *obj = vobj;
	const tj_codes *c = &tj_proto_codes;
	char p[256];
	int rc;
	if (!json_is_object(obj))
		return tally_error_set(err, TALLY_EINVAL, "P002", where, "a protocol must be an object");
	static const char *const keys[] = {"station", "operator", "reason", "lines", "candidates",
	                                   NULL};
	const char *station = NULL, *op = NULL, *reason = "";
	json_t *lines = NULL, *cands = NULL;
	if ((rc = tj_keys(obj, keys, where, c, err)) ||
	    (rc = tj_str(obj, "station", true, 4096, where, c, &station, err)) ||
	    (rc = tj_str(obj, "operator", true, 4096, where, c, &op, err)) ||
	    (rc = tj_str(obj, "reason", false, 1 << 20, where, c, &reason, err)) ||
	    (rc = tj_obj(obj, "lines", true, where, c, &lines, err)) ||
	    (rc = tj_obj(obj, "candidates", true, where, c, &cands, err)))
		return rc;
	uint32_t st = tally_election_station(e, station);
	if (st == TALLY_NONE)
		return tally_error_set(err, TALLY_ENOTFOUND, "P005", tj_path_key(p, sizeof p, where, "station"),
		                       "unknown station '%s'", station);
	if (!tally__id_ok(op))
		return tally_error_set(err, TALLY_EINVAL, "P016", tj_path_key(p, sizeof p, where, "operator"),
		                       "operator id '%s' must be 1-%d characters of A-Z a-z 0-9 . _ - : / @",
		                       op, TALLY_MAX_ID_LEN);
	tally_entry en;
	memset(&en, 0, sizeof en);
	if ((rc = set_text(en.operator_id, sizeof en.operator_id, op, "P016", "operator", where, err)) ||
	    (rc = set_text(en.reason, sizeof en.reason, reason, "P017", "reason",
	                   tj_path_key(p, sizeof p, where, "reason"), err)))
		return rc;
	if (tally_protocol_init(&en.p, e, st))
		return tally_error_set(err, TALLY_ENOMEM, "", where, "out of memory");
	const tally_template *t = e->tmpl;
	const tally_constituency *cons = &e->constituencies[e->stations[st].constituency];
	char lp[256];
	snprintf(lp, sizeof lp, "%s.lines", where);
	const char *key;
	json_t *v;
	json_object_foreach(lines, key, v) {
		int li = tally_template_line(t, key);
		if (li < 0) {
			rc = tally_error_set(err, TALLY_EINVAL, "P004", tj_path_key(p, sizeof p, lp, key),
			                     "'%s' is not a line of the protocol template", key);
			goto fail;
		}
		if ((rc = tj_count(v, TALLY_MAX_COUNT, tj_path_key(p, sizeof p, lp, key), c,
		                   &en.p.lines[li], err)))
			goto fail;
	}
	for (uint32_t i = 0; i < t->n_lines; i++)
		if (!json_object_get(lines, t->lines[i].key)) {
			rc = tally_error_set(err, TALLY_EINVAL, "P003",
			                     tj_path_key(p, sizeof p, lp, t->lines[i].key),
			                     "line '%s' (%s) is missing", t->lines[i].key, t->lines[i].label);
			goto fail;
		}
	snprintf(lp, sizeof lp, "%s.candidates", where);
	json_object_foreach(cands, key, v) {
		uint32_t ci = tally_election_candidate(e, key);
		if (ci == TALLY_NONE || e->candidates[ci].constituency != e->stations[st].constituency) {
			rc = tally_error_set(err, TALLY_EINVAL, "P006", tj_path_key(p, sizeof p, lp, key),
			                     "candidate '%s' is not on the ballot of station '%s' "
			                     "(constituency '%s')",
			                     key, station, cons->id);
			goto fail;
		}
		if ((rc = tj_count(v, TALLY_MAX_COUNT, tj_path_key(p, sizeof p, lp, key), c,
		                   &en.p.cand[e->candidates[ci].slot], err)))
			goto fail;
	}
	for (uint32_t i = 0; i < cons->n_candidates; i++) {
		const char *cid = e->candidates[cons->candidates[i]].id;
		if (!json_object_get(cands, cid)) {
			rc = tally_error_set(err, TALLY_EINVAL, "P007", tj_path_key(p, sizeof p, lp, cid),
			                     "the votes of candidate '%s' (%s) are missing", cid,
			                     e->candidates[cons->candidates[i]].name);
			goto fail;
		}
	}
	*out = en;
	return TALLY_OK;
fail:
	tally_protocol_release(&en.p);
	return rc;
}

void tally_entries_free(tally_entry *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		tally_protocol_release(&v[i].p);
	tally_free(v);
}

static int push_entry(tally_entry **v, size_t *n, size_t *cap, const tally_entry *en)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		tally_entry *nv = tally_realloc(*v, nc * sizeof *nv);
		if (!nv)
			return TALLY_ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *en;
	return TALLY_OK;
}

static int parse_json_entries(const tally_election *e, const char *buf, size_t len,
                              const char *file, tally_entry **out, size_t *nout,
                              tally_error *err)
{
	json_t *root = NULL, *arr;
	tally_entry *v = NULL;
	size_t n = 0, cap = 0;
	char base[64], p[256];
	int rc = tj_load(buf, len, file, &tj_proto_codes, &root, err);
	if (rc)
		return rc;
	snprintf(base, sizeof base, "$");
	if (json_is_object(root) && json_object_get(root, "protocols")) {
		static const char *const keys[] = {"protocols", NULL};
		if ((rc = tj_keys(root, keys, "$", &tj_proto_codes, err)) ||
		    (rc = tj_arr(root, "protocols", true, "$", &tj_proto_codes, &arr, err)))
			goto out;
		snprintf(base, sizeof base, "$.protocols");
	} else if (json_is_object(root)) {
		tally_entry en;
		if ((rc = tally_entry_parse_json(e, root, "$", &en, err)))
			goto out;
		if ((rc = push_entry(&v, &n, &cap, &en))) {
			tally_protocol_release(&en.p);
			goto oom;
		}
		goto done;
	} else if (json_is_array(root)) {
		arr = root;
	} else {
		rc = tally_error_set(err, TALLY_EINVAL, "P002", "$",
		                     "expected a protocol object, an array of them, or "
		                     "{\"protocols\": [...]}");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		tally_entry en;
		if ((rc = tally_entry_parse_json(e, json_array_get(arr, i),
		                                 tj_path_idx(p, sizeof p, base, i), &en, err)))
			goto out;
		if ((rc = push_entry(&v, &n, &cap, &en))) {
			tally_protocol_release(&en.p);
			goto oom;
		}
	}
done:
	*out = v;
	*nout = n;
	v = NULL;
	n = 0;
	rc = TALLY_OK;
	goto out;
oom:
	rc = tally_error_set(err, TALLY_ENOMEM, "", file, "out of memory");
out:
	tally_entries_free(v, n);
	json_decref(root);
	return rc;
}

/* CSV: station, operator, [reason], line keys..., candidate ids... */
static int parse_csv_entries(const tally_election *e, const char *buf, size_t len,
                             const char *file, tally_entry **out, size_t *nout,
                             tally_error *err)
{
	tally_csv csv;
	tally_entry *v = NULL;
	size_t n = 0, cap = 0;
	/* column -> what: -1 station, -2 operator, -3 reason, >= 0 line,
	 * <= -10: candidate index (-10 - idx) */
	int64_t *col = NULL;
	size_t ncol = 0;
	char where[256];
	int rc;
	tally_csv_init(&csv, buf, len, ',', file);
	rc = tally_csv_next(&csv, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "C003", file, "the CSV file is empty");
		goto out;
	}
	rc = TALLY_OK;
	ncol = csv.n_fields;
	col = tally_calloc(ncol, sizeof *col);
	if (!col) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", file, "out of memory");
		goto out;
	}
	int have_station = -1, have_op = -1;
	uint32_t *seen_line = tally_calloc(e->tmpl->n_lines + 1, sizeof *seen_line);
	if (!seen_line) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", file, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ncol; i++) {
		char name[TALLY_MAX_ID_LEN + 1];
		const tally_csv_field *f = &csv.fields[i];
		snprintf(where, sizeof where, "%s: line 1, column %zu", file, i + 1);
		if (f->len > TALLY_MAX_ID_LEN) {
			rc = tally_error_set(err, TALLY_EINVAL, "C006", where, "column name too long");
			break;
		}
		memcpy(name, f->s, f->len);
		name[f->len] = '\0';
		for (size_t j = 0; j < i; j++)
			if (tally_csv_eq(&csv.fields[j], name)) {
				rc = tally_error_set(err, TALLY_EINVAL, "C005", where,
				                     "column '%s' appears twice", name);
				break;
			}
		if (rc)
			break;
		int li;
		uint32_t ci;
		if (strcmp(name, "station") == 0)
			col[i] = -1, have_station = (int)i;
		else if (strcmp(name, "operator") == 0)
			col[i] = -2, have_op = (int)i;
		else if (strcmp(name, "reason") == 0)
			col[i] = -3;
		else if ((li = tally_template_line(e->tmpl, name)) >= 0)
			col[i] = li, seen_line[li] = 1;
		else if ((ci = tally_election_candidate(e, name)) != TALLY_NONE)
			col[i] = -10 - (int64_t)ci;
		else {
			rc = tally_error_set(err, TALLY_EINVAL, "C006", where,
			                     "column '%s' is neither station, operator, reason, a "
			                     "protocol line nor a candidate id", name);
			break;
		}
	}
	for (uint32_t li = 0; !rc && li < e->tmpl->n_lines; li++)
		if (!seen_line[li])
			rc = tally_error_set(err, TALLY_EINVAL, "C003", file,
			                     "column '%s' (a protocol line) is missing",
			                     e->tmpl->lines[li].key);
	tally_free(seen_line);
	if (!rc && (have_station < 0 || have_op < 0))
		rc = tally_error_set(err, TALLY_EINVAL, "C003", file,
		                     "the header needs the columns 'station' and 'operator'");
	if (rc)
		goto out;
	while ((rc = tally_csv_next(&csv, err)) == 1) {
		tally_entry en;
		memset(&en, 0, sizeof en);
		rc = TALLY_OK;
		snprintf(where, sizeof where, "%s: line %llu", file, (unsigned long long)csv.line);
		if (csv.n_fields != ncol) {
			rc = tally_error_set(err, TALLY_EINVAL, "C002", where,
			                     "%zu fields where the header has %zu", csv.n_fields, ncol);
			goto out;
		}
		char sid[TALLY_MAX_ID_LEN + 1];
		const tally_csv_field *sf = &csv.fields[have_station];
		uint32_t st = TALLY_NONE;
		if (sf->len <= TALLY_MAX_ID_LEN) {
			memcpy(sid, sf->s, sf->len);
			sid[sf->len] = '\0';
			st = tally_election_station(e, sid);
		}
		if (st == TALLY_NONE) {
			rc = tally_error_set(err, TALLY_ENOTFOUND, "P005", where, "unknown station '%.*s'",
			                     (int)(sf->len > 64 ? 64 : sf->len), sf->s);
			goto out;
		}
		if (tally_protocol_init(&en.p, e, st)) {
			rc = tally_error_set(err, TALLY_ENOMEM, "", where, "out of memory");
			goto out;
		}
		uint32_t cons = e->stations[st].constituency;
		uint32_t got_cand = 0;
		for (size_t i = 0; i < ncol && !rc; i++) {
			const tally_csv_field *f = &csv.fields[i];
			char w[300];
			snprintf(w, sizeof w, "%s, column %zu", where, i + 1);
			if (col[i] == -2 || col[i] == -3) {
				char *dst = col[i] == -2 ? en.operator_id : en.reason;
				size_t capd = col[i] == -2 ? sizeof en.operator_id : sizeof en.reason;
				if (f->len >= capd)
					rc = tally_error_set(err, TALLY_EINVAL, col[i] == -2 ? "P016" : "P017", w,
					                     "%s too long", col[i] == -2 ? "operator" : "reason");
				else {
					memcpy(dst, f->s, f->len);
					dst[f->len] = '\0';
					if (col[i] == -2 && !tally__id_ok(dst))
						rc = tally_error_set(err, TALLY_EINVAL, "P016", w,
						                     "operator id '%s' is not a valid id", dst);
				}
			} else if (col[i] >= 0) {
				if (tally_csv_u64(f, TALLY_MAX_COUNT, &en.p.lines[col[i]]))
					rc = tally_error_set(err, TALLY_EINVAL, "C004", w,
					                     "'%.*s' is not a count from 0 to %llu (line '%s')",
					                     (int)(f->len > 32 ? 32 : f->len), f->s,
					                     (unsigned long long)TALLY_MAX_COUNT,
					                     e->tmpl->lines[col[i]].key);
			} else if (col[i] <= -10) {
				const tally_candidate *cd = &e->candidates[-10 - col[i]];
				if (cd->constituency != cons) {
					if (f->len != 0)
						rc = tally_error_set(err, TALLY_EINVAL, "P006", w,
						                     "candidate '%s' is not on the ballot of "
						                     "station '%s'; leave the cell empty",
						                     cd->id, e->stations[st].id);
				} else if (tally_csv_u64(f, TALLY_MAX_COUNT, &en.p.cand[cd->slot])) {
					rc = tally_error_set(err, f->len ? TALLY_EINVAL : TALLY_EINVAL,
					                     f->len ? "C004" : "P007", w,
					                     f->len ? "'%.*s' is not a count (candidate '%s')"
					                            : "%.*sthe votes of candidate '%s' are missing",
					                     (int)(f->len > 32 ? 32 : f->len), f->s, cd->id);
				} else
					got_cand++;
			}
		}
		if (!rc && got_cand != e->constituencies[cons].n_candidates)
			rc = tally_error_set(err, TALLY_EINVAL, "P007", where,
			                     "station '%s' needs a column for each of its %u candidates",
			                     e->stations[st].id, e->constituencies[cons].n_candidates);
		if (!rc && push_entry(&v, &n, &cap, &en))
			rc = tally_error_set(err, TALLY_ENOMEM, "", where, "out of memory");
		if (rc) {
			tally_protocol_release(&en.p);
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	*out = v;
	*nout = n;
	v = NULL;
	n = 0;
	rc = TALLY_OK;
out:
	tally_entries_free(v, n);
	tally_free(col);
	tally_csv_release(&csv);
	return rc;
}

int tally_entries_parse(const tally_election *e, const char *buf, size_t len, const char *file,
                        const char *format, tally_entry **out, size_t *n, tally_error *err)
{
	if (!file)
		file = "input";
	if (len > TALLY_MAX_INPUT_BYTES)
		return tally_error_set(err, TALLY_ELIMIT, "P019", file, "input larger than %u bytes",
		                       TALLY_MAX_INPUT_BYTES);
	bool csv;
	if (format && strcmp(format, "csv") == 0)
		csv = true;
	else if (format && strcmp(format, "json") == 0)
		csv = false;
	else if (format)
		return tally_error_set(err, TALLY_EINVAL, "P001", file,
		                       "unknown format '%s' (json or csv)", format);
	else {
		size_t i = 0;
		if (len >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb &&
		    (unsigned char)buf[2] == 0xbf)
			i = 3;
		while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
			i++;
		csv = !(i < len && (buf[i] == '{' || buf[i] == '['));
	}
	return csv ? parse_csv_entries(e, buf, len, file, out, n, err)
	           : parse_json_entries(e, buf, len, file, out, n, err);
}

int tally_entry_to_json(const tally_election *e, const tally_entry *en, char **out,
                        tally_error *err)
{
	tally__buf b = TALLY__BUF_INIT;
	const tally_station *s = &e->stations[en->p.station];
	const tally_constituency *c = &e->constituencies[s->constituency];
	tally__buf_str(&b, "{\"station\":");
	tally__buf_json_str(&b, s->id);
	tally__buf_str(&b, ",\"operator\":");
	tally__buf_json_str(&b, en->operator_id);
	if (en->reason[0]) {
		tally__buf_str(&b, ",\"reason\":");
		tally__buf_json_str(&b, en->reason);
	}
	tally__buf_str(&b, ",\"lines\":{");
	for (uint32_t i = 0; i < e->tmpl->n_lines; i++) {
		if (i)
			tally__buf_str(&b, ",");
		tally__buf_json_str(&b, e->tmpl->lines[i].key);
		tally__buf_str(&b, ":");
		tally__buf_u64(&b, en->p.lines[i]);
	}
	tally__buf_str(&b, "},\"candidates\":{");
	for (uint32_t i = 0; i < c->n_candidates; i++) {
		if (i)
			tally__buf_str(&b, ",");
		tally__buf_json_str(&b, e->candidates[c->candidates[i]].id);
		tally__buf_str(&b, ":");
		tally__buf_u64(&b, en->p.cand[i]);
	}
	tally__buf_str(&b, "}}");
	char *s2 = tally__buf_detach(&b, NULL);
	if (!s2)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	*out = s2;
	return TALLY_OK;
}

/* ==== Checking ==== */

void tally_protocol_check(const tally_election *e, const tally_protocol *p, tally_check *out)
{
	const tally_template *t = e->tmpl;
	uint64_t cs = tally_protocol_cand_sum(p);
	out->n = out->n_errors = out->n_warnings = 0;
	for (uint32_t i = 0; i < t->n_relations; i++) {
		const tally_relation *r = &t->relations[i];
		int64_t l = tally_expr_eval(&r->lhs, p->lines, cs);
		int64_t rr = tally_expr_eval(&r->rhs, p->lines, cs);
		bool ok = r->op == TALLY_REL_EQ ? l == rr : r->op == TALLY_REL_LE ? l <= rr : l >= rr;
		if (ok)
			continue;
		tally_violation *v = &out->v[out->n++];
		v->relation = i;
		v->lhs = l;
		v->rhs = rr;
		if (r->severity == TALLY_SEV_ERROR)
			out->n_errors++;
		else
			out->n_warnings++;
	}
}

void tally_check_summarize(const tally_check *c, tally_check_summary *out)
{
	out->n_errors = (uint16_t)c->n_errors;
	out->n_warnings = (uint16_t)c->n_warnings;
	out->failed = 0;
	for (uint32_t i = 0; i < c->n; i++)
		out->failed |= (uint64_t)1 << c->v[i].relation;
}

static const char *signed_commas(int64_t v, char buf[32])
{
	if (v >= 0)
		return tally_thousands((uint64_t)v, buf);
	char tmp[32];
	tally_thousands((uint64_t)(-(v + 1)) + 1, tmp);
	snprintf(buf, 32, "-%s", tmp);
	return buf;
}

void tally_violation_describe(const tally_election *e, const tally_violation *v, char *buf,
                              size_t size)
{
	const tally_relation *r = &e->tmpl->relations[v->relation];
	char a[32], b[32];
	const char *rel = r->op == TALLY_REL_EQ ? (v->lhs < v->rhs ? "<" : ">")
	                : r->op == TALLY_REL_LE ? ">" : "<";
	snprintf(buf, size, "%s %s: '%s' fails: %s %s %s%s%s", r->code,
	         r->severity == TALLY_SEV_ERROR ? "error" : "warning", r->text,
	         signed_commas(v->lhs, a), rel, signed_commas(v->rhs, b),
	         r->description && *r->description ? " (" : "",
	         r->description && *r->description ? r->description : "");
	size_t n = strlen(buf);
	if (r->description && *r->description && n + 1 < size) {
		buf[n] = ')';
		buf[n + 1] = '\0';
	}
}

/* ==== Double entry ==== */

size_t tally_protocol_diff(const tally_protocol *a, const tally_protocol *b, tally_diff_item *out,
                           size_t cap)
{
	size_t n = 0;
	for (uint32_t i = 0; i < a->n_lines && i < b->n_lines; i++)
		if (a->lines[i] != b->lines[i]) {
			if (n < cap)
				out[n] = (tally_diff_item){i, 0, a->lines[i], b->lines[i]};
			n++;
		}
	for (uint32_t i = 0; i < a->n_cand && i < b->n_cand; i++)
		if (a->cand[i] != b->cand[i]) {
			if (n < cap)
				out[n] = (tally_diff_item){TALLY_LINE_CANDIDATES, i, a->cand[i], b->cand[i]};
			n++;
		}
	return n;
}

int tally_entry_decide(const tally_election *e, const tally_station_view *view,
                       const tally_entry *en, tally_decision *out, tally_error *err)
{
	const char *sid = e->stations[en->p.station].id;
	tally_decision d;
	memset(&d, 0, sizeof d);
	tally_protocol_check(e, &en->p, &d.check);
	if (view->annulled)
		return tally_error_set(err, TALLY_ECONFLICT, "P012", sid,
		                       "station '%s' has been annulled; no protocol can be entered", sid);
	if (d.check.n_errors) {
		char desc[400];
		for (uint32_t i = 0; i < d.check.n; i++) {
			const tally_violation *v = &d.check.v[i];
			if (e->tmpl->relations[v->relation].severity != TALLY_SEV_ERROR)
				continue;
			tally_violation_describe(e, v, desc, sizeof desc);
			break;
		}
		tally_error_set(err, TALLY_EREJECTED, "P009", sid,
		                "station '%s': %s%s; fix the protocol and enter it again", sid, desc,
		                d.check.n_errors > 1 ? " (and more)" : "");
		*out = d;
		return TALLY_EREJECTED;
	}
	bool correction = view->version > 0;
	if (correction && view->state == TALLY_ST_ACCEPTED && view->accepted &&
	    protocol_equal(view->accepted, &en->p)) {
		d.action = TALLY_ACT_DUPLICATE;
		*out = d;
		return TALLY_OK;
	}
	if (correction && !en->reason[0] && view->n_open == 0)
		return tally_error_set(err, TALLY_ECONFLICT, "P011", sid,
		                       "station '%s' already has an accepted protocol (version %u); "
		                       "submit a correction with a reason",
		                       sid, view->version);
	if (!e->double_entry) {
		d.action = TALLY_ACT_ACCEPT;
		*out = d;
		return TALLY_OK;
	}
	switch (view->state) {
	case TALLY_ST_EMPTY:
	case TALLY_ST_ACCEPTED:
		d.action = TALLY_ACT_PEND;
		break;
	case TALLY_ST_PENDING:
		TALLY_ASSERT(view->n_open == 1);
		if (strcmp(view->open_operator[0], en->operator_id) == 0)
			return tally_error_set(err, TALLY_ECONFLICT, "P010", sid,
			                       "operator '%s' already entered station '%s'; the second "
			                       "entry must come from another operator",
			                       en->operator_id, sid);
		d.action = protocol_equal(view->open[0], &en->p) ? TALLY_ACT_ACCEPT : TALLY_ACT_CONFLICT;
		break;
	case TALLY_ST_CONFLICT:
		TALLY_ASSERT(view->n_open == 2);
		for (uint32_t i = 0; i < 2; i++)
			if (strcmp(view->open_operator[i], en->operator_id) == 0)
				return tally_error_set(err, TALLY_ECONFLICT, "P010", sid,
				                       "operator '%s' made one of the two differing entries of "
				                       "station '%s'; a third operator must re-enter it",
				                       en->operator_id, sid);
		for (uint32_t i = 0; i < 2; i++)
			if (protocol_equal(view->open[i], &en->p)) {
				d.action = TALLY_ACT_RESOLVE;
				d.which = i;
				*out = d;
				return TALLY_OK;
			}
		return tally_error_set(err, TALLY_ECONFLICT, "P014", sid,
		                       "station '%s' is in conflict and this entry agrees with neither "
		                       "of its two entries; resolve it with 'tally resolve'",
		                       sid);
	}
	*out = d;
	return TALLY_OK;
}

/* ==== Packing ==== */

int tally_protocol_pack(const tally_protocol *p, unsigned char **out, size_t *len)
{
	size_t n = (size_t)p->n_lines + p->n_cand;
	unsigned char *buf = tally_malloc(n * 10 + 1);
	if (!buf)
		return TALLY_ENOMEM;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = i < p->n_lines ? p->lines[i] : p->cand[i - p->n_lines];
		do {
			unsigned char byte = (unsigned char)(v & 0x7f);
			v >>= 7;
			buf[at++] = (unsigned char)(byte | (v ? 0x80 : 0));
		} while (v);
	}
	*out = buf;
	*len = at;
	return TALLY_OK;
}

int tally_protocol_unpack(const tally_election *e, uint32_t st, const unsigned char *buf,
                          size_t len, tally_protocol *out, tally_error *err)
{
	tally_protocol p;
	if (st >= e->n_stations)
		return tally_error_set(err, TALLY_EINVAL, "S006", NULL, "stored station %u out of range",
		                       st);
	if (tally_protocol_init(&p, e, st))
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	size_t n = (size_t)p.n_lines + p.n_cand, at = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0;
		int shift = 0;
		for (;;) {
			if (at >= len || shift > 56) {
				tally_protocol_release(&p);
				return tally_error_set(err, TALLY_EINVAL, "S006", e->stations[st].id,
				                       "stored protocol of station '%s' is damaged",
				                       e->stations[st].id);
			}
			unsigned char byte = buf[at++];
			v |= (uint64_t)(byte & 0x7f) << shift;
			shift += 7;
			if (!(byte & 0x80))
				break;
		}
		if (i < p.n_lines)
			p.lines[i] = v;
		else
			p.cand[i - p.n_lines] = v;
	}
	if (at != len) {
		tally_protocol_release(&p);
		return tally_error_set(err, TALLY_EINVAL, "S006", e->stations[st].id,
		                       "stored protocol of station '%s' has trailing bytes",
		                       e->stations[st].id);
	}
	*out = p;
	return TALLY_OK;
}
