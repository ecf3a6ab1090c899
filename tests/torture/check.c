/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.c: the database checks of the crash-torture harness
 * (tests/torture/torture.sh), run once the server has been killed and
 * restarted many times and finally stopped. It reads the database with
 * SQLite directly, not through tally, and the history the clients wrote
 * (tests/torture/storm.c), and checks:
 *
 *   - PRAGMA integrity_check is "ok";
 *   - the log's indexes run 0..n-1 and every protocol entry decodes
 *     (docs/log-format.md, "Log entries");
 *   - nothing is half present: every accepted version (table protocols) has
 *     its entry row (accepted, same version, same packed counts) and exactly
 *     one log entry of that station and version, whose counts are the
 *     version's, and every protocol log entry has its version row; a
 *     station's versions run 1..n;
 *   - against the history: every payload acknowledged (a 2xx reply) is in
 *     the log exactly once, byte for byte, at the version and log index the
 *     reply named; a payload refused (an error reply) and never acknowledged
 *     is absent; one without a reply is present at most once; and no stored
 *     protocol is a payload nobody sent.
 *
 * Prints "ok NAME" or "FAILED NAME: why" per check, then "figures ...".
 * Exit 0 when every check passed, 1 otherwise, 2 on a usage error.
 *
 * usage: check --db DB --history FILE
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <sys/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHOW 8

typedef struct {
	char *payload;
	char outcome;  /* 'o' ok, 'f' fail, 'i' info */
	char action[32];
	char station[65];
	unsigned long long version, log_index;
} attempt;

typedef struct {
	char *body;
	char station[65];
	unsigned long long version, idx;
	unsigned char *counts;
	size_t counts_len;
} logged;

static int n_pass, n_fail;
static char detail[MAX_SHOW][512];
static int n_detail, n_problems;

static void problem(const char *fmt, ...)
{
	va_list ap;
	n_problems++;
	if (n_detail < MAX_SHOW) {
		va_start(ap, fmt);
		vsnprintf(detail[n_detail++], sizeof detail[0], fmt, ap);
		va_end(ap);
	}
}

/* ends the check NAME that collected problems since the last one */
static void verdict(const char *name)
{
	if (n_problems == 0) {
		printf("ok %s\n", name);
		n_pass++;
	} else {
		printf("FAILED %s: %d problem%s\n", name, n_problems, n_problems == 1 ? "" : "s");
		for (int i = 0; i < n_detail; i++)
			printf("    %s\n", detail[i]);
		if (n_problems > n_detail)
			printf("    ... and %d more\n", n_problems - n_detail);
		n_fail++;
	}
	n_problems = n_detail = 0;
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* a protocol entry: tag, time u64, station id, version u64, key id 32,
 * signature 64, body bytes (docs/log-format.md); 1 if it is one, 0 if
 * another type, -1 if malformed */
static int decode_protocol(const unsigned char *e, size_t n, logged *out)
{
	static const char tag[] = "tally/v2/protocol";
	size_t tl = sizeof tag;  /* with its NUL */
	if (n < tl || memcmp(e, tag, tl) != 0)
		return strncmp((const char *)e, "tally/v2/", 9) == 0 ? 0 : -1;
	size_t at = tl + 8;
	if (at + 4 > n)
		return -1;
	uint32_t sl = be32(e + at);
	at += 4;
	if (sl == 0 || sl > 64 || at + sl > n)
		return -1;
	memcpy(out->station, e + at, sl);
	out->station[sl] = '\0';
	at += sl;
	if (at + 8 + 32 + 64 + 4 > n)
		return -1;
	out->version = be64(e + at);
	at += 8 + 32 + 64;
	uint32_t bl = be32(e + at);
	at += 4;
	if (at + bl != n)
		return -1;
	out->body = malloc((size_t)bl + 1);
	if (!out->body)
		return -1;
	memcpy(out->body, e + at, bl);
	out->body[bl] = '\0';
	return 1;
}

/* the numbers of a canonical protocol body in order (lines, then
 * candidates), packed as the store packs them: 7-bit groups, low first */
static int pack_body(const char *body, unsigned char **out, size_t *len)
{
	const char *p = strstr(body, "\"lines\":{");
	size_t cap = strlen(body) + 16, at = 0;
	unsigned char *buf = malloc(cap);
	if (!p || !buf) {
		free(buf);
		return -1;
	}
	for (; *p; p++) {
		if (p[0] != ':' || p[1] < '0' || p[1] > '9')
			continue;
		unsigned long long v = strtoull(p + 1, NULL, 10);
		do {
			unsigned char b = (unsigned char)(v & 0x7f);
			v >>= 7;
			buf[at++] = (unsigned char)(b | (v ? 0x80 : 0));
		} while (v && at < cap);
	}
	*out = buf;
	*len = at;
	return 0;
}

static int cmp_attempt(const void *a, const void *b)
{
	return strcmp(((const attempt *)a)->payload, ((const attempt *)b)->payload);
}

static int cmp_logged(const void *a, const void *b)
{
	return strcmp(((const logged *)a)->body, ((const logged *)b)->body);
}

static int cmp_logged_sv(const void *a, const void *b)
{
	const logged *x = a, *y = b;
	int c = strcmp(x->station, y->station);
	if (c)
		return c;
	return x->version < y->version ? -1 : x->version > y->version;
}

static attempt *load_history(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	attempt *v = NULL;
	size_t cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	*n = 0;
	if (!f)
		return NULL;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] != '\n')
			break;  /* a line cut short: the clients were killed while writing */
		line[len - 1] = '\0';
		char *fld[8];
		char *s = line;
		int k = 0;
		for (; k < 7; k++) {
			char *t = strchr(s, '\t');
			if (!t)
				break;
			*t = '\0';
			fld[k] = s;
			s = t + 1;
		}
		if (k != 7)
			continue;
		fld[7] = s;
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			attempt *nv = realloc(v, cap * sizeof *v);
			if (!nv)
				break;
			v = nv;
		}
		attempt *a = &v[*n];
		memset(a, 0, sizeof *a);
		a->outcome = fld[2][0];
		snprintf(a->station, sizeof a->station, "%s", fld[1]);
		snprintf(a->action, sizeof a->action, "%s", fld[4]);
		a->version = strtoull(fld[5], NULL, 10);
		a->log_index = strtoull(fld[6], NULL, 10);
		a->payload = strdup(fld[7]);
		if (a->payload)
			(*n)++;
	}
	free(line);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	const char *db_path = NULL, *hist_path = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	logged *lg = NULL;
	size_t n_lg = 0, cap_lg = 0, n_entries = 0, n_versions = 0;
	attempt *h = NULL;
	size_t n_h = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--db"))
			db_path = argv[i + 1];
		else if (!strcmp(argv[i], "--history"))
			hist_path = argv[i + 1];
	}
	if (!db_path || !hist_path || argc != 5) {
		fprintf(stderr, "usage: check --db DB --history FILE\n");
		return 2;
	}
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		printf("FAILED open the database: %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	sqlite3_busy_timeout(db, 5000);

	/* ---- SQLite's own check ---- */
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK) {
		int rows = 0;
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(q, 0);
			rows++;
			if (!t || strcmp(t, "ok") != 0)
				problem("%s", t ? t : "(null)");
		}
		if (rows == 0)
			problem("no answer");
		sqlite3_finalize(q);
	} else {
		problem("%s", sqlite3_errmsg(db));
	}
	verdict("PRAGMA integrity_check is ok");

	/* ---- the log ---- */
	if (sqlite3_prepare_v2(db, "SELECT idx, entry FROM log ORDER BY idx", -1, &q, NULL) !=
	    SQLITE_OK) {
		printf("FAILED read the log: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	unsigned long long expect = 0;
	int bad_idx = 0, bad_dec = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		unsigned long long idx = (unsigned long long)sqlite3_column_int64(q, 0);
		const unsigned char *e = sqlite3_column_blob(q, 1);
		size_t len = (size_t)sqlite3_column_bytes(q, 1);
		n_entries++;
		if (idx != expect && bad_idx++ < 3)
			problem("log index %llu where %llu was expected", idx, expect);
		expect = idx + 1;
		if (n_lg == cap_lg) {
			cap_lg = cap_lg ? cap_lg * 2 : 1024;
			logged *nl = realloc(lg, cap_lg * sizeof *lg);
			if (!nl) {
				printf("FAILED out of memory\n");
				return 1;
			}
			lg = nl;
		}
		memset(&lg[n_lg], 0, sizeof *lg);
		int d = e ? decode_protocol(e, len, &lg[n_lg]) : -1;
		if (d < 0) {
			if (bad_dec++ < 3)
				problem("log entry %llu does not decode", idx);
			continue;
		}
		if (d == 0)
			continue;
		lg[n_lg].idx = idx;
		if (pack_body(lg[n_lg].body, &lg[n_lg].counts, &lg[n_lg].counts_len))
			problem("log entry %llu: a protocol body without lines", idx);
		n_lg++;
	}
	sqlite3_finalize(q);
	verdict("the log runs 0..n-1 and every entry decodes");

	/* ---- versions, entries and log entries agree ---- */
	qsort(lg, n_lg, sizeof *lg, cmp_logged_sv);
	for (size_t i = 1; i < n_lg; i++)
		if (!strcmp(lg[i].station, lg[i - 1].station) && lg[i].version == lg[i - 1].version)
			problem("station %s version %llu is logged twice (entries %llu and %llu)",
			        lg[i].station, lg[i].version, lg[i - 1].idx, lg[i].idx);
	static const char vq[] =
		"SELECT s.id, p.version, p.vals, e.id, e.version, e.state, e.vals, e.station = p.station"
		" FROM protocols p JOIN stations s ON s.idx = p.station"
		" LEFT JOIN entries e ON e.id = p.entry_id ORDER BY s.id, p.version";
	if (sqlite3_prepare_v2(db, vq, -1, &q, NULL) != SQLITE_OK) {
		printf("FAILED read the versions: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	char last_st[65] = "";
	unsigned long long last_v = 0;
	size_t matched = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(q, 0);
		unsigned long long ver = (unsigned long long)sqlite3_column_int64(q, 1);
		const void *vals = sqlite3_column_blob(q, 2);
		size_t vlen = (size_t)sqlite3_column_bytes(q, 2);
		n_versions++;
		if (!sid)
			continue;
		if (strcmp(sid, last_st) != 0)
			last_v = 0;
		if (ver != last_v + 1)
			problem("station %s: version %llu follows version %llu", sid, ver, last_v);
		snprintf(last_st, sizeof last_st, "%s", sid);
		last_v = ver;
		if (sqlite3_column_type(q, 3) == SQLITE_NULL)
			problem("station %s version %llu: no entry row", sid, ver);
		else if ((unsigned long long)sqlite3_column_int64(q, 4) != ver ||
		         sqlite3_column_int(q, 5) != 2 || sqlite3_column_int(q, 7) != 1 ||
		         (size_t)sqlite3_column_bytes(q, 6) != vlen ||
		         memcmp(sqlite3_column_blob(q, 6), vals, vlen) != 0)
			problem("station %s version %llu: its entry row differs (version, state or counts)",
			        sid, ver);
		logged key;
		memset(&key, 0, sizeof key);
		snprintf(key.station, sizeof key.station, "%s", sid);
		key.version = ver;
		logged *l = bsearch(&key, lg, n_lg, sizeof *lg, cmp_logged_sv);
		if (!l) {
			problem("station %s version %llu: stored but not logged", sid, ver);
			continue;
		}
		matched++;
		if (l->counts_len != vlen || memcmp(l->counts, vals, vlen) != 0)
			problem("station %s version %llu: the logged counts (entry %llu) are not the stored ones",
			        sid, ver, l->idx);
	}
	sqlite3_finalize(q);
	if (matched != n_lg)
		problem("%zu protocol log entries, only %zu of them with a stored version", n_lg, matched);
	verdict("nothing half present: versions, entry rows and log entries agree");

	/* ---- against what the clients were told ---- */
	h = load_history(hist_path, &n_h);
	if (!h || n_h == 0) {
		printf("FAILED read the history %s\n", hist_path);
		return 1;
	}
	qsort(h, n_h, sizeof *h, cmp_attempt);
	qsort(lg, n_lg, sizeof *lg, cmp_logged);
	size_t n_payloads = 0, n_acked = 0, n_refused = 0, n_unknown = 0, n_unknown_stored = 0;
	for (size_t i = 0; i < n_h;) {
		size_t j = i;
		int ok = 0, fail = 0;
		while (j < n_h && !strcmp(h[j].payload, h[i].payload)) {
			ok += h[j].outcome == 'o';
			fail += h[j].outcome == 'f';
			j++;
		}
		n_payloads++;
		logged key;
		key.body = h[i].payload;
		logged *l = bsearch(&key, lg, n_lg, sizeof *lg, cmp_logged);
		size_t cnt = 0;
		if (l) {
			while (l > lg && !strcmp(l[-1].body, h[i].payload))
				l--;
			for (logged *m = l; m < lg + n_lg && !strcmp(m->body, h[i].payload); m++)
				cnt++;
		}
		if (ok) {
			n_acked++;
			if (cnt != 1) {
				problem("acknowledged %s is stored %zu times: %.120s", h[i].station, cnt,
				        h[i].payload);
			}
			for (size_t k = i; cnt == 1 && k < j; k++) {
				if (h[k].outcome != 'o')
					continue;
				int dup = !strcmp(h[k].action, "duplicate");
				if (h[k].version != l->version || (!dup && h[k].log_index != l->idx)) {
					problem("%s: the reply named version %llu, log index %llu; stored as "
					        "version %llu at %llu",
					        h[k].station, h[k].version, h[k].log_index, l->version, l->idx);
				}
			}
			if (fail) {
				problem("%s: the same bytes were both acknowledged and refused", h[i].station);
			}
		} else if (fail) {
			n_refused++;
			if (cnt != 0) {
				problem("refused %s is stored (log entry %llu)", h[i].station, l->idx);
			}
		} else {
			n_unknown++;
			n_unknown_stored += cnt;
			if (cnt > 1) {
				problem("unanswered %s is stored %zu times", h[i].station, cnt);
			}
		}
		i = j;
	}
	/* stored protocols nobody sent */
	for (size_t i = 0; i < n_lg; i++) {
		attempt key;
		key.payload = lg[i].body;
		if (!bsearch(&key, h, n_h, sizeof *h, cmp_attempt)) {
			problem("log entry %llu (%s version %llu) is no payload that was sent", lg[i].idx,
			        lg[i].station, lg[i].version);
		}
	}
	verdict("acknowledged payloads stored exactly once as acknowledged; refused ones absent; "
	        "unanswered ones at most once; nothing stored that was not sent");

	printf("figures: %zu log entries (%zu protocols), %zu versions, %zu requests, %zu payloads: "
	       "%zu acknowledged, %zu refused, %zu without an answer (%zu of them stored)\n",
	       n_entries, n_lg, n_versions, n_h, n_payloads, n_acked, n_refused, n_unknown,
	       n_unknown_stored);
	printf("check: %d passed, %d failed\n", n_pass, n_fail);
	for (size_t i = 0; i < n_lg; i++) {
		free(lg[i].body);
		free(lg[i].counts);
	}
	free(lg);
	for (size_t i = 0; i < n_h; i++)
		free(h[i].payload);
	free(h);
	sqlite3_close(db);
	return n_fail ? 1 : 0;
}
