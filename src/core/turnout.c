/* SPDX-License-Identifier: Apache-2.0 */
/*
 * turnout.c: intraday turnout reports: reading them (CSV or JSON) and
 * checking each against the station's registered voters and its other
 * reports (turnout never falls during the day).
 */
#include "json_int.h"

int tally_minute_parse(const char *s, uint32_t *minute)
{
	if (strlen(s) != 5 || s[2] != ':')
		return TALLY_EINVAL;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return TALLY_EINVAL;
	uint32_t h = (uint32_t)((s[0] - '0') * 10 + (s[1] - '0'));
	uint32_t m = (uint32_t)((s[3] - '0') * 10 + (s[4] - '0'));
	if (h > 23 || m > 59)
		return TALLY_EINVAL;
	*minute = h * 60 + m;
	return TALLY_OK;
}

void tally_minute_format(uint32_t minute, char buf[6])
{
	snprintf(buf, 6, "%02u:%02u", (minute / 60) % 24, minute % 60);
}

static int one(const tally_election *e, const char *station, size_t slen, const char *time,
               uint64_t voters, const char *where, tally_turnout *out, tally_error *err)
{
	char sid[TALLY_MAX_ID_LEN + 1];
	uint32_t st = TALLY_NONE;
	if (slen <= TALLY_MAX_ID_LEN) {
		memcpy(sid, station, slen);
		sid[slen] = '\0';
		st = tally_election_station(e, sid);
	}
	if (st == TALLY_NONE)
		return tally_error_set(err, TALLY_ENOTFOUND, "T005", where, "unknown station '%.*s'",
		                       (int)(slen > 64 ? 64 : slen), station);
	uint32_t minute;
	if (tally_minute_parse(time, &minute))
		return tally_error_set(err, TALLY_EINVAL, "T001", where,
		                       "time '%s' is not a time of day as HH:MM", time);
	if (voters > e->stations[st].registered)
		return tally_error_set(err, TALLY_EINVAL, "T002", where,
		                       "%llu voters at %s exceed the %llu registered at station '%s'",
		                       (unsigned long long)voters, time,
		                       (unsigned long long)e->stations[st].registered, sid);
	out->station = st;
	out->minute = minute;
	out->voters = voters;
	return TALLY_OK;
}

static int push(tally_turnout **v, size_t *n, size_t *cap, const tally_turnout *t)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		tally_turnout *nv = tally_realloc(*v, nc * sizeof *nv);
		if (!nv)
			return TALLY_ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *t;
	return TALLY_OK;
}

static int cmp_turnout(const void *a, const void *b)
{
	const tally_turnout *x = a, *y = b;
	if (x->station != y->station)
		return x->station < y->station ? -1 : 1;
	return x->minute < y->minute ? -1 : x->minute > y->minute;
}

/* the reports of a JSON array of {"station","time","voters"} objects,
 * appended to v (n of cap) */
static int from_json(const tally_election *e, const json_t *root, tally_turnout **v, size_t *n,
                     size_t *cap, tally_error *err)
{
	char where[256];
	int rc = TALLY_OK;
	if (!json_is_array(root))
		return tally_error_set(err, TALLY_EINVAL, "P002", "$",
		                       "turnout reports are an array of objects");
	for (size_t i = 0; i < json_array_size(root); i++) {
		json_t *o = json_array_get(root, i);
		const char *sid = NULL, *time = NULL;
		uint64_t voters = 0;
		static const char *const keys[] = {"station", "time", "voters", NULL};
		tj_path_idx(where, sizeof where, "$", i);
		if (!json_is_object(o))
			rc = tally_error_set(err, TALLY_EINVAL, "P002", where, "expected an object");
		else if (!(rc = tj_keys(o, keys, where, &tj_proto_codes, err)) &&
		         !(rc = tj_str(o, "station", true, 4096, where, &tj_proto_codes, &sid, err)) &&
		         !(rc = tj_str(o, "time", true, 16, where, &tj_proto_codes, &time, err)) &&
		         !(rc = tj_u64(o, "voters", true, 0, TALLY_MAX_COUNT, where, &tj_proto_codes,
		                       &voters, err))) {
			tally_turnout t;
			rc = one(e, sid, strlen(sid), time, voters, where, &t, err);
			if (!rc && push(v, n, cap, &t))
				rc = tally_error_set(err, TALLY_ENOMEM, "", where, "out of memory");
		}
		if (rc)
			return rc;
	}
	return TALLY_OK;
}

/* one report per station and time within a file (T006) */
static int unique(const tally_election *e, const tally_turnout *v, size_t n, const char *file,
                  tally_error *err)
{
	int rc = TALLY_OK;
	if (n < 2)
		return TALLY_OK;
	tally_turnout *sorted = tally_malloc(n * sizeof *sorted);
	if (!sorted)
		return tally_error_set(err, TALLY_ENOMEM, "", file, "out of memory");
	memcpy(sorted, v, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_turnout);
	for (size_t i = 1; i < n; i++)
		if (sorted[i].station == sorted[i - 1].station &&
		    sorted[i].minute == sorted[i - 1].minute) {
			char hm[6];
			tally_minute_format(sorted[i].minute, hm);
			rc = tally_error_set(err, TALLY_EINVAL, "T006", file,
			                     "station '%s' reports %s twice in this file",
			                     e->stations[sorted[i].station].id, hm);
			break;
		}
	tally_free(sorted);
	return rc;
}

int tally__turnout_json(const tally_election *e, const json_t *root, const char *file,
                        tally_turnout **out, size_t *nout, tally_error *err)
{
	tally_turnout *v = NULL;
	size_t n = 0, cap = 0;
	int rc = from_json(e, root, &v, &n, &cap, err);
	if (!rc)
		rc = unique(e, v, n, file ? file : "input", err);
	if (rc) {
		tally_free(v);
		return rc;
	}
	*out = v;
	*nout = n;
	return TALLY_OK;
}

int tally_turnout_parse(const tally_election *e, const char *buf, size_t len, const char *file,
                        const char *format, tally_turnout **out, size_t *nout, tally_error *err)
{
	tally_turnout *v = NULL;
	size_t n = 0, cap = 0;
	int rc = TALLY_OK;
	char where[256];
	if (!file)
		file = "input";
	if (len > TALLY_MAX_INPUT_BYTES)
		return tally_error_set(err, TALLY_ELIMIT, "P019", file, "input too large");
	bool csv;
	if (format)
		csv = strcmp(format, "csv") == 0;
	else {
		size_t i = 0;
		if (len >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb &&
		    (unsigned char)buf[2] == 0xbf)
			i = 3;
		while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
			i++;
		csv = !(i < len && (buf[i] == '[' || buf[i] == '{'));
	}
	if (csv) {
		tally_csv c;
		tally_csv_init(&c, buf, len, ',', file);
		rc = tally_csv_next(&c, err);
		if (rc == 1 && !(c.n_fields == 3 && tally_csv_eq(&c.fields[0], "station") &&
		                 tally_csv_eq(&c.fields[1], "time") && tally_csv_eq(&c.fields[2], "voters")))
			rc = tally_error_set(err, TALLY_EINVAL, "C003", file,
			                     "the header must be 'station,time,voters'");
		else if (rc == 0)
			rc = tally_error_set(err, TALLY_EINVAL, "C003", file, "the file is empty");
		while (rc == 1 && (rc = tally_csv_next(&c, err)) == 1) {
			snprintf(where, sizeof where, "%s: line %llu", file, (unsigned long long)c.line);
			if (c.n_fields != 3) {
				rc = tally_error_set(err, TALLY_EINVAL, "C002", where,
				                     "%zu fields where the header has 3", c.n_fields);
				break;
			}
			char time[8] = "";
			uint64_t voters;
			if (c.fields[1].len < sizeof time) {
				memcpy(time, c.fields[1].s, c.fields[1].len);
				time[c.fields[1].len] = '\0';
			}
			if (tally_csv_u64(&c.fields[2], TALLY_MAX_COUNT, &voters)) {
				rc = tally_error_set(err, TALLY_EINVAL, "C004", where,
				                     "voters '%.*s' is not a count",
				                     (int)(c.fields[2].len > 32 ? 32 : c.fields[2].len),
				                     c.fields[2].s);
				break;
			}
			tally_turnout t;
			if ((rc = one(e, c.fields[0].s, c.fields[0].len, time, voters, where, &t, err)))
				break;
			if (push(&v, &n, &cap, &t)) {
				rc = tally_error_set(err, TALLY_ENOMEM, "", where, "out of memory");
				break;
			}
			rc = 1;
		}
		tally_csv_release(&c);
		if (rc < 0)
			goto fail;
	} else {
		json_t *root = NULL;
		if ((rc = tj_load(buf, len, file, &tj_proto_codes, &root, err)))
			goto fail;
		rc = from_json(e, root, &v, &n, &cap, err);
		json_decref(root);
		if (rc)
			goto fail;
	}
	if ((rc = unique(e, v, n, file, err)))
		goto fail;
	*out = v;
	*nout = n;
	return TALLY_OK;
fail:
	tally_free(v);
	return rc;
}

size_t tally_turnout_by_time(const tally_turnout *t, size_t n, tally_turnout_point *out,
                             size_t cap)
{
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < nt && out[k].minute != t[i].minute)
			k++;
		if (k == nt) {
			if (nt == cap)
				continue;
			out[nt] = (tally_turnout_point){t[i].minute, 0, 0};
			nt++;
		}
		out[k].voters += t[i].voters;
		out[k].stations++;
	}
	/* insertion sort: a day has a handful of reporting times */
	for (size_t i = 1; i < nt; i++)
		for (size_t j = i; j > 0 && out[j - 1].minute > out[j].minute; j--) {
			tally_turnout_point x = out[j];
			out[j] = out[j - 1];
			out[j - 1] = x;
		}
	return nt;
}

int tally_turnout_check(const tally_election *e, const tally_turnout *t,
                        const tally_turnout *known, size_t n_known, bool *duplicate,
                        tally_error *err)
{
	const char *sid = e->stations[t->station].id;
	char a[6], b[6];
	*duplicate = false;
	for (size_t i = 0; i < n_known; i++) {
		const tally_turnout *k = &known[i];
		if (k->station != t->station)
			continue;
		if (k->minute == t->minute) {
			if (k->voters == t->voters) {
				*duplicate = true;
				continue;
			}
			tally_minute_format(t->minute, a);
			return tally_error_set(err, TALLY_ECONFLICT, "T004", sid,
			                       "station '%s' already reported %llu voters at %s, not %llu",
			                       sid, (unsigned long long)k->voters, a,
			                       (unsigned long long)t->voters);
		}
		bool earlier = k->minute < t->minute;
		if ((earlier && k->voters > t->voters) || (!earlier && k->voters < t->voters)) {
			tally_minute_format(t->minute, a);
			tally_minute_format(k->minute, b);
			return tally_error_set(err, TALLY_EINVAL, "T003", sid,
			                       "station '%s': %llu voters at %s against %llu at %s; "
			                       "turnout cannot fall during the day",
			                       sid, (unsigned long long)t->voters, a,
			                       (unsigned long long)k->voters, b);
		}
	}
	return TALLY_OK;
}
