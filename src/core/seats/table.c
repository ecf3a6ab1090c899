/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table.c: reading a votes table for seat allocation (docs/formats-seats.md),
 * CSV through the strict reader of csv.h or JSON through json_int.h. CSV:
 * a header "district,seats[,valid][,registered][,region],PARTY...", optional attribute rows whose
 * first field is "@kind", "@exempt", "@wins" or "@districts_won", then one
 * row per district; an empty vote cell means the party has no list there.
 * JSON: {"parties":[{"id",...}], "districts":[{"id","seats","valid","registered","region",
 * "votes":{PARTY: n}}]}. Every input error names its row and column (or
 * JSON path) and carries a code E001-E013.
 */
#include "seats_int.h"
#include "core/json_int.h"
#include "tally/csv.h"

static const tj_codes tj_seat_codes = {"E010", "E011", "E012", "E013",
                                       "E004", "E010", "E009", "E010"};

#define MAX_DISTRICTS 100000u

void tally_seats_table_free(tally_seats_table *t)
{
	if (!t)
		return;
	for (uint32_t p = 0; p < t->n_parties; p++)
		tally_free(t->parties[p].id);
	for (uint32_t d = 0; d < t->n_districts; d++) {
		tally_free(t->district_ids[d]);
		tally_free(t->region[d]);
	}
	tally_free(t->region);
	tally_free(t->parties);
	tally_free(t->district_ids);
	tally_free(t->seats);
	tally_free(t->valid);
	tally_free(t->registered);
	tally_free(t->votes);
	tally_free(t->present);
	tally_free(t);
}

typedef struct builder {
	tally_seats_table *t;
	uint32_t cap;
	tally__map dmap, pmap;
} builder;

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > TALLY_MAX_NAME_LEN || s[0] == '@')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return tally__utf8_ok(s, n);
}

static char *dupn(const char *s, size_t n)
{
	char *d = tally_malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int add_party(builder *b, const char *s, size_t n, const char *where, tally_error *err)
{
	tally_seats_table *t = b->t;
	if (!name_ok(s, n))
		return tally_error_set(err, TALLY_EINVAL, "E002", where,
		                       "a party id must be 1 to %d bytes of text, not starting with '@'",
		                       TALLY_MAX_NAME_LEN);
	if (t->n_parties >= TALLY_MAX_PARTIES)
		return tally_error_set(err, TALLY_ELIMIT, "E007", where, "more than %d parties",
		                       TALLY_MAX_PARTIES);
	tally_seats_party *np = tally_realloc(t->parties, (t->n_parties + 1) * sizeof *np);
	if (!np)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	t->parties = np;
	tally_seats_party *p = &t->parties[t->n_parties];
	memset(p, 0, sizeof *p);
	p->id = dupn(s, n);
	if (!p->id)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	t->n_parties++;
	int rc = tally__map_put(&b->pmap, p->id, t->n_parties - 1, NULL);
	if (rc == TALLY_EEXIST)
		return tally_error_set(err, TALLY_EINVAL, "E002", where, "party '%s' appears twice",
		                       p->id);
	if (rc)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	return TALLY_OK;
}

static int add_district(builder *b, const char *s, size_t n, uint64_t seats, uint64_t valid,
                        uint64_t registered, const char *region, size_t rlen, const char *where,
                        tally_error *err)
{
	tally_seats_table *t = b->t;
	uint32_t np = t->n_parties;
	if (!name_ok(s, n))
		return tally_error_set(err, TALLY_EINVAL, "E006", where,
		                       "a district id must be 1 to %d bytes of text, not starting "
		                       "with '@'", TALLY_MAX_NAME_LEN);
	if (rlen > 0 && !name_ok(region, rlen))
		return tally_error_set(err, TALLY_EINVAL, "E006", where,
		                       "a region must be 1 to %d bytes of text, not starting with '@'",
		                       TALLY_MAX_NAME_LEN);
	if (t->n_districts >= MAX_DISTRICTS)
		return tally_error_set(err, TALLY_ELIMIT, "E007", where, "more than %u districts",
		                       MAX_DISTRICTS);
	if (t->n_districts == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 16;
		char **ids = tally_realloc(t->district_ids, cap * sizeof *ids);
		if (ids)
			t->district_ids = ids;
		uint32_t *st = tally_realloc(t->seats, cap * sizeof *st);
		if (st)
			t->seats = st;
		uint64_t *va = tally_realloc(t->valid, cap * sizeof *va);
		if (va)
			t->valid = va;
		uint64_t *re = tally_realloc(t->registered, cap * sizeof *re);
		if (re)
			t->registered = re;
		char **rg = tally_realloc(t->region, cap * sizeof *rg);
		if (rg)
			t->region = rg;
		uint64_t *vo = tally_realloc(t->votes, (size_t)cap * (np ? np : 1) * sizeof *vo);
		if (vo)
			t->votes = vo;
		bool *pr = tally_realloc(t->present, (size_t)cap * (np ? np : 1) * sizeof *pr);
		if (pr)
			t->present = pr;
		if (!ids || !st || !va || !re || !rg || !vo || !pr)
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		b->cap = cap;
	}
	uint32_t d = t->n_districts;
	t->district_ids[d] = dupn(s, n);
	t->region[d] = rlen ? dupn(region, rlen) : NULL;
	if (!t->district_ids[d] || (rlen && !t->region[d])) {
		tally_free(t->district_ids[d]);
		tally_free(t->region[d]);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	t->seats[d] = (uint32_t)seats;
	t->valid[d] = valid;
	t->registered[d] = registered;
	memset(&t->votes[(size_t)d * np], 0, np * sizeof *t->votes);
	memset(&t->present[(size_t)d * np], 0, np * sizeof *t->present);
	t->n_districts++;
	int rc = tally__map_put(&b->dmap, t->district_ids[d], d, NULL);
	if (rc == TALLY_EEXIST)
		return tally_error_set(err, TALLY_EINVAL, "E006", where,
		                       "district '%s' appears twice", t->district_ids[d]);
	if (rc)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	return TALLY_OK;
}

static int set_kind(tally_seats_party *p, const char *s, size_t n, const char *where,
                    tally_error *err)
{
	if (n > TALLY_SEATS_MAX_KIND)
		return tally_error_set(err, TALLY_EINVAL, "E009", where,
		                       "a kind is at most %d bytes", TALLY_SEATS_MAX_KIND);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return tally_error_set(err, TALLY_EINVAL, "E009", where,
			                       "a kind is letters, digits, '-' and '_'");
	}
	memcpy(p->kind, s, n);
	p->kind[n] = '\0';
	return TALLY_OK;
}

/* ==== CSV ==== */

enum { A_KIND, A_EXEMPT, A_WINS, A_DISTRICTS_WON, A_N };
static const char *const attr_names[A_N] = {"@kind", "@exempt", "@wins", "@districts_won"};

static int parse_csv(builder *b, const char *buf, size_t len, const char *file, tally_error *err)
{
	tally_csv c;
	tally_csv_init(&c, buf, len, 0, file);
	tally_seats_table *t = b->t;
	bool seen[A_N] = {false};
	size_t first = 2; /* first party column */
	char where[300];
	int rc = tally_csv_next(&c, err);
	if (rc < 0)
		goto out;
	if (rc == 0 || c.n_fields < 3 || !tally_csv_eq(&c.fields[0], "district") ||
	    !tally_csv_eq(&c.fields[1], "seats")) {
		rc = tally_error_set(err, TALLY_EINVAL, "E001", file ? file : "input",
		                     "the header must be 'district,seats[,valid][,registered][,region],"
		                     "PARTY...'");
		goto out;
	}
	size_t vcol = 0, rcol = 0; /* the optional columns, 0: absent */
	if (tally_csv_eq(&c.fields[first], "valid"))
		vcol = first++;
	if (first < c.n_fields && tally_csv_eq(&c.fields[first], "registered"))
		rcol = first++;
	size_t gcol = 0;
	if (first < c.n_fields && tally_csv_eq(&c.fields[first], "region"))
		gcol = first++;
	if (c.n_fields <= first) {
		rc = tally_error_set(err, TALLY_EINVAL, "E001", file ? file : "input",
		                     "the header names no party");
		goto out;
	}
	for (size_t i = first; i < c.n_fields; i++) {
		snprintf(where, sizeof where, "%s: line 1, column %zu", file ? file : "input", i + 1);
		rc = add_party(b, c.fields[i].s, c.fields[i].len, where, err);
		if (rc)
			goto out;
	}
	size_t nf = c.n_fields;
	while ((rc = tally_csv_next(&c, err)) == 1) {
		unsigned long long line = (unsigned long long)c.line;
		snprintf(where, sizeof where, "%s: line %llu", file ? file : "input", line);
		if (c.n_fields != nf) {
			rc = tally_error_set(err, TALLY_EINVAL, "E005", where,
			                     "%zu fields, the header has %zu", c.n_fields, nf);
			goto out;
		}
		const tally_csv_field *f = c.fields;
		if (f[0].len > 0 && f[0].s[0] == '@') {
			int a = 0;
			while (a < A_N && !tally_csv_eq(&f[0], attr_names[a]))
				a++;
			if (a == A_N || seen[a]) {
				rc = tally_error_set(err, TALLY_EINVAL, "E003", where,
				                     a == A_N ? "unknown attribute row: use @kind, @exempt, "
				                                "@wins or @districts_won"
				                              : "the attribute row appears twice");
				goto out;
			}
			seen[a] = true;
			for (size_t i = 1; i < first; i++)
				if (f[i].len) {
					rc = tally_error_set(err, TALLY_EINVAL, "E009", where,
					                     "an attribute row leaves column %zu empty", i + 1);
					goto out;
				}
			for (size_t i = first; i < nf; i++) {
				tally_seats_party *p = &t->parties[i - first];
				uint64_t x = 0;
				snprintf(where, sizeof where, "%s: line %llu, column %zu",
				         file ? file : "input", line, i + 1);
				if (a == A_KIND) {
					rc = set_kind(p, f[i].s, f[i].len, where, err);
					if (rc)
						goto out;
					continue;
				}
				if (f[i].len == 0)
					continue;
				uint64_t max = a == A_EXEMPT ? 1 : a == A_WINS ? TALLY_SEATS_MAX_SEATS
				                                               : TALLY_SEATS_MAX_VOTES;
				if (tally_csv_u64(&f[i], max, &x)) {
					rc = tally_error_set(err, TALLY_EINVAL, "E009", where,
					                     "'%.*s' is not a number from 0 to %llu",
					                     (int)(f[i].len > 40 ? 40 : f[i].len), f[i].s,
					                     (unsigned long long)max);
					goto out;
				}
				if (a == A_EXEMPT)
					p->exempt = x == 1;
				else if (a == A_WINS)
					p->wins = (uint32_t)x;
				else
					p->districts_won = x;
			}
			continue;
		}
		uint64_t seats = 0, valid = 0, registered = 0;
		if (tally_csv_u64(&f[1], TALLY_SEATS_MAX_SEATS, &seats)) {
			rc = tally_error_set(err, TALLY_EINVAL, "E008", where,
			                     "seats must be a number from 0 to %u", TALLY_SEATS_MAX_SEATS);
			goto out;
		}
		if (vcol && f[vcol].len && tally_csv_u64(&f[vcol], UINT64_MAX / 2, &valid)) {
			rc = tally_error_set(err, TALLY_EINVAL, "E004", where,
			                     "'valid' must be a count of votes");
			goto out;
		}
		if (rcol && f[rcol].len && tally_csv_u64(&f[rcol], UINT64_MAX / 2, &registered)) {
			rc = tally_error_set(err, TALLY_EINVAL, "E004", where,
			                     "'registered' must be a count of voters");
			goto out;
		}
		rc = add_district(b, f[0].s, f[0].len, seats, valid, registered,
		                  gcol ? f[gcol].s : NULL, gcol ? f[gcol].len : 0, where, err);
		if (rc)
			goto out;
		uint32_t d = t->n_districts - 1;
		for (size_t i = first; i < nf; i++) {
			if (f[i].len == 0)
				continue;
			uint64_t x;
			if (tally_csv_u64(&f[i], TALLY_SEATS_MAX_VOTES, &x)) {
				snprintf(where, sizeof where, "%s: line %llu, column %zu",
				         file ? file : "input", line, i + 1);
				rc = tally_error_set(err, TALLY_EINVAL, "E004", where,
				                     "'%.*s' is not a count of votes (0 to 10^12)",
				                     (int)(f[i].len > 40 ? 40 : f[i].len), f[i].s);
				goto out;
			}
			t->votes[(size_t)d * t->n_parties + (i - first)] = x;
			t->present[(size_t)d * t->n_parties + (i - first)] = true;
		}
	}
	if (rc < 0)
		goto out;
	rc = TALLY_OK;
out:
	tally_csv_release(&c);
	return rc;
}

/* ==== JSON ==== */

static int parse_json(builder *b, const char *buf, size_t len, const char *file,
                      tally_error *err)
{
	const tj_codes *C = &tj_seat_codes;
	json_t *root = NULL, *parties = NULL, *districts = NULL;
	char path[256], p2[256];
	int rc = tj_load(buf, len, file, C, &root, err);
	if (rc)
		return rc;
	static const char *const top[] = {"parties", "districts", NULL};
	static const char *const pkeys[] = {"id", "kind", "exempt", "wins", "districts_won", NULL};
	static const char *const dkeys[] = {"id",     "seats", "valid", "registered",
	                                    "region", "votes", NULL};
	if (!json_is_object(root)) {
		rc = tally_error_set(err, TALLY_EINVAL, "E011", "$", "the table must be an object");
		goto out;
	}
	if ((rc = tj_keys(root, top, "$", C, err)) || (rc = tj_arr(root, "parties", true, "$", C,
	                                                          &parties, err)) ||
	    (rc = tj_arr(root, "districts", true, "$", C, &districts, err)))
		goto out;
	size_t i;
	json_t *v;
	json_array_foreach(parties, i, v) {
		tj_path_idx(path, sizeof path, "$.parties", i);
		const char *id = NULL, *kind = "";
		bool exempt = false;
		uint64_t wins = 0, won = 0;
		if (!json_is_object(v)) {
			rc = tally_error_set(err, TALLY_EINVAL, "E011", path, "a party must be an object");
			goto out;
		}
		if ((rc = tj_keys(v, pkeys, path, C, err)) ||
		    (rc = tj_str(v, "id", true, TALLY_MAX_NAME_LEN, path, C, &id, err)) ||
		    (rc = tj_str(v, "kind", false, TALLY_SEATS_MAX_KIND, path, C, &kind, err)) ||
		    (rc = tj_bool(v, "exempt", false, path, C, &exempt, err)) ||
		    (rc = tj_u64(v, "wins", false, 0, TALLY_SEATS_MAX_SEATS, path, C, &wins, err)) ||
		    (rc = tj_u64(v, "districts_won", false, 0, TALLY_SEATS_MAX_VOTES, path, C, &won,
		                 err)) ||
		    (rc = add_party(b, id, strlen(id), path, err)))
			goto out;
		tally_seats_party *p = &b->t->parties[b->t->n_parties - 1];
		if ((rc = set_kind(p, kind, strlen(kind), path, err)))
			goto out;
		p->exempt = exempt;
		p->wins = (uint32_t)wins;
		p->districts_won = won;
	}
	if (b->t->n_parties == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "E007", "$.parties", "no party");
		goto out;
	}
	json_array_foreach(districts, i, v) {
		tj_path_idx(path, sizeof path, "$.districts", i);
		const char *id = NULL, *region = "";
		uint64_t seats = 0, valid = 0, registered = 0;
		json_t *votes = NULL;
		if (!json_is_object(v)) {
			rc = tally_error_set(err, TALLY_EINVAL, "E011", path,
			                     "a district must be an object");
			goto out;
		}
		if ((rc = tj_keys(v, dkeys, path, C, err)) ||
		    (rc = tj_str(v, "id", true, TALLY_MAX_NAME_LEN, path, C, &id, err)) ||
		    (rc = tj_u64(v, "seats", true, 0, TALLY_SEATS_MAX_SEATS, path, C, &seats, err)) ||
		    (rc = tj_u64(v, "valid", false, 0, UINT64_MAX / 2, path, C, &valid, err)) ||
		    (rc = tj_u64(v, "registered", false, 0, UINT64_MAX / 2, path, C, &registered,
		                 err)) ||
		    (rc = tj_str(v, "region", false, TALLY_MAX_NAME_LEN, path, C, &region, err)) ||
		    (rc = tj_obj(v, "votes", true, path, C, &votes, err)) ||
		    (rc = add_district(b, id, strlen(id), seats, valid, registered, region,
		                       strlen(region), path, err)))
			goto out;
		uint32_t d = b->t->n_districts - 1;
		const char *key;
		json_t *x;
		tj_path_key(p2, sizeof p2, path, "votes");
		json_object_foreach(votes, key, x) {
			char p3[300];
			snprintf(p3, sizeof p3, "%s.%s", p2, key);
			uint32_t p = tally__map_get(&b->pmap, key);
			if (p == TALLY_NONE) {
				rc = tally_error_set(err, TALLY_EINVAL, "E002", p3,
				                     "no party '%s' in $.parties", key);
				goto out;
			}
			uint64_t n = 0;
			if ((rc = tj_count(x, TALLY_SEATS_MAX_VOTES, p3, C, &n, err)))
				goto out;
			b->t->votes[(size_t)d * b->t->n_parties + p] = n;
			b->t->present[(size_t)d * b->t->n_parties + p] = true;
		}
	}
out:
	json_decref(root);
	return rc;
}

int tally_seats_table_parse(const char *buf, size_t len, const char *file,
                            tally_seats_table **out, tally_error *err)
{
	builder b = {NULL, 0, TALLY__MAP_INIT, TALLY__MAP_INIT};
	int rc;
	b.t = tally_calloc(1, sizeof *b.t);
	if (!b.t)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	size_t i = 0;
	if (len >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && buf[i] == '{')
		rc = parse_json(&b, buf, len, file, err);
	else
		rc = parse_csv(&b, buf, len, file, err);
	if (rc == TALLY_OK && b.t->n_districts == 0)
		rc = tally_error_set(err, TALLY_EINVAL, "E007", file ? file : "input",
		                     "the table has no district");
	tally__map_release(&b.dmap);
	tally__map_release(&b.pmap);
	if (rc) {
		tally_seats_table_free(b.t);
		return rc;
	}
	*out = b.t;
	return TALLY_OK;
}
