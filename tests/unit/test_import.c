/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_import.c: the station-data import (src/core/import.c): column maps
 * from presets and from JSON (every M0xx error), small synthetic files that
 * exercise ids, names, areas, types, constituencies and every CSV error of
 * the import (C002-C008 with their row and column), out-of-memory at every
 * allocation, and the three real files in data/ with their exact
 * published sums: Russia 2018 and 2011, Poland 2020 round 1. The real-data
 * tests skip when the data folder is missing ($TALLY_DATA overrides
 * its place).
 */
#include "testutil.h"
#include "core/core_int.h"

/* A small map over the ru-19fz template: 12 line columns l1..l12. */
static const char *small_map =
	"{\"name\": \"small\", \"template\": \"ru-19fz\",\n"
	" \"election_id\": \"t-1\", \"election_name\": \"Test\", \"date\": \"2024-01-01\",\n"
	" \"station\": [\"#region\", \"uik\"],\n"
	" \"station_name\": [\"region\", \"УИК {uik}\"], \"area\": \"region\",\n"
	" \"lines\": [\"l1\",\"l2\",\"l3\",\"l4\",\"l5\",\"l6\",\"l7\",\"l8\",\"l9\",\"l10\",\"l11\",\"l12\"],\n"
	" \"candidates_from\": \"A\", \"skip\": [\"url\"], \"registered_line\": \"voters_on_list\"}";

static const char *small_head = "region,uik,l1,l2,l3,l4,l5,l6,l7,l8,l9,l10,l11,l12,A,B,url\n";
/* a row that satisfies every relation of ru-19fz */
static const char *good_tail = "100,100,0,50,5,45,5,50,1,54,0,0,30,24,http://x\n";

static tally_import_map *parse_map(const char *json)
{
	tally_import_map *m = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_import_map_parse(json, strlen(json), "map.json", &m, &err);
	if (rc)
		fail_msg("map: %s %s %s", err.code, err.where, err.msg);
	return m;
}

static int import_text(const char *map_json, const char *csv, tally_import **out,
                       tally_error *err)
{
	tally_import_map *m = parse_map(map_json);
	int rc = tally_import_csv(m, csv, strlen(csv), "t.csv", out, err);
	tally_import_map_free(m);
	return rc;
}

static void expect_import_error(const char *csv, int status, const char *code, const char *where,
                                const char *msg_part)
{
	tally_import *im = (tally_import *)0x1;
	tally_error err = TALLY_ERROR_INIT;
	int rc = import_text(small_map, csv, &im, &err);
	if (rc != status)
		fail_msg("status %d (%s %s %s), expected %d", rc, err.code, err.where, err.msg, status);
	assert_ptr_equal(im, (tally_import *)0x1); /* untouched on error */
	assert_string_equal(err.code, code);
	if (where)
		assert_string_equal(err.where, where);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
}

/* ==== Presets ==== */

static void test_presets(void **state)
{
	(void)state;
	const char *const *names = tally_import_map_preset_names();
	size_t n = 0;
	for (; names[n]; n++) {
		tally_import_map *m = NULL;
		tally_template *t = NULL;
		assert_int_equal(tally_import_map_preset(names[n], &m, NULL), TALLY_OK);
		assert_int_equal(tally_template_preset(m->template_preset, &t, NULL), TALLY_OK);
		assert_int_equal(m->n_line_cols, t->n_lines);
		assert_true(tally_template_line(t, m->registered_line) >= 0);
		tally_template_free(t);
		tally_import_map_free(m);
	}
	assert_int_equal(n, 3);
	tally_import_map *m = (tally_import_map *)0x1;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_import_map_preset("xx-1999", &m, &err), TALLY_ENOTFOUND);
	assert_string_equal(err.code, "M005");
	assert_ptr_equal(m, (tally_import_map *)0x1);
	tally_import_map_free(NULL);
	tally_import_free(NULL);
}

/* ==== The JSON map ==== */

static void test_map_parse(void **state)
{
	(void)state;
	tally_import_map *m = parse_map(small_map);
	assert_string_equal(m->name, "small");
	assert_string_equal(m->template_preset, "ru-19fz");
	assert_int_equal(m->n_station_cols, 2);
	assert_string_equal(m->station_cols[0], "#region");
	assert_int_equal(m->n_name_cols, 2);
	assert_string_equal(m->name_cols[1], "УИК {uik}");
	assert_int_equal(m->n_line_cols, 12);
	assert_true(m->cand_rest);
	assert_int_equal(m->n_cand_cols, 1);
	assert_string_equal(m->cand_cols[0], "A");
	assert_int_equal(m->n_skip_cols, 1);
	assert_int_equal(m->delim, 0);
	assert_int_equal(m->seats, 1);
	tally_import_map_free(m);

	m = parse_map("{\"template\": \"pl-pkw\", \"delimiter\": \";\", \"station\": [\"id\"],"
	              " \"constituency\": \"okw\", \"candidates\": [\"x\", \"y\"], \"seats\": 3,"
	              " \"lines\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\","
	              "\"11\",\"12\",\"13\",\"14\",\"15\"]}");
	assert_int_equal(m->delim, ';');
	assert_false(m->cand_rest);
	assert_int_equal(m->n_cand_cols, 2);
	assert_string_equal(m->constituency_col, "okw");
	assert_int_equal(m->seats, 3);
	assert_null(m->registered_line);
	tally_import_map_free(m);
}

static void expect_map_error(const char *json, const char *code)
{
	tally_import_map *m = (tally_import_map *)0x1;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_import_map_parse(json, strlen(json), "map.json", &m, &err);
	if (rc != TALLY_EINVAL || strcmp(err.code, code) != 0)
		fail_msg("'%s': status %d code %s (%s), expected %s", json, rc, err.code, err.msg, code);
	assert_ptr_equal(m, (tally_import_map *)0x1);
}

#define L12 "\"lines\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\"]"

static void test_map_errors(void **state)
{
	(void)state;
	/* M001: malformed JSON, a key twice */
	expect_map_error("{\"template\": ", "M001");
	expect_map_error("{\"template\": \"ru-19fz\"} x", "M001");
	expect_map_error("{\"template\": \"ru-19fz\", \"template\": \"ru-19fz\"}", "M001");
	/* M002: wrong types and values */
	expect_map_error("[]", "M002");
	expect_map_error("{\"template\": 5, \"station\": [\"s\"], " L12 ", \"candidates\": [\"x\"]}",
	                 "M002");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": \"s\", " L12
	                 ", \"candidates\": [\"x\"]}", "M002");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [1], " L12
	                 ", \"candidates\": [\"x\"]}", "M002");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [], " L12
	                 ", \"candidates\": [\"x\"]}", "M002");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [\"s\"], " L12
	                 ", \"candidates\": [\"x\"], \"delimiter\": \"|\"}", "M002");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [\"s\"], " L12
	                 ", \"candidates\": [\"x\"], \"seats\": 0}", "M002");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [\"s\"], " L12
	                 ", \"candidates\": [\"x\"], \"candidates_from\": \"x\"}", "M002");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [\"s\"], " L12
	                 ", \"candidates\": [\"x\"], \"station_name\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}",
	                 "M002");
	/* M003: a required key missing */
	expect_map_error("{\"station\": [\"s\"], " L12 ", \"candidates\": [\"x\"]}", "M003");
	expect_map_error("{\"template\": \"ru-19fz\", " L12 ", \"candidates\": [\"x\"]}", "M003");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [\"s\"], \"candidates\": [\"x\"]}",
	                 "M003");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [\"s\"], " L12 "}", "M003");
	/* M004: an unknown key */
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [\"s\"], " L12
	                 ", \"candidates\": [\"x\"], \"colour\": \"red\"}", "M004");
	/* M005: an unknown template */
	expect_map_error("{\"template\": \"xx\", \"station\": [\"s\"], " L12
	                 ", \"candidates\": [\"x\"]}", "M005");
	/* M006: the map does not fit the template */
	expect_map_error("{\"template\": \"pl-pkw\", \"station\": [\"s\"], " L12
	                 ", \"candidates\": [\"x\"]}", "M006");
	expect_map_error("{\"template\": \"ru-19fz\", \"station\": [\"s\"], " L12
	                 ", \"candidates\": [\"x\"], \"registered_line\": \"eligible\"}", "M006");
}

/* ==== Small files ==== */

static void test_small_import(void **state)
{
	(void)state;
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_str(&b, small_head);
	tally__buf_printf(&b, "Region One,1,%s", good_tail);
	tally__buf_printf(&b, "Region One,2,%s", good_tail);
	tally__buf_str(&b, "\n"); /* a blank line is no station */
	tally__buf_printf(&b, "\"Region, Two\",1,%s", good_tail);
	/* breaks RU04 (valid 54 != 30 + 25) and RU05 (in_mobile 6 > issued_outside 5) */
	tally__buf_str(&b, "Region One,3,100,100,0,50,5,45,6,49,1,54,0,0,30,25,u\n");
	tally__buf_str(&b, "Region One,4,-,-,-,-,-,-,-,-,-,-,-,-,-,-,u\n");
	/* breaks only RU05, a warning */
	tally__buf_str(&b, "Region One,5,100,100,0,50,5,45,6,49,1,54,0,0,30,24,u\n");
	size_t len;
	char *csv = tally__buf_detach(&b, &len);
	tally_import *im = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = import_text(small_map, csv, &im, &err);
	if (rc)
		fail_msg("%s %s %s", err.code, err.where, err.msg);
	tally_election *e = im->e;
	assert_int_equal(im->n, 6);
	assert_int_equal(im->rows, 6);
	assert_int_equal(e->n_stations, 6);
	assert_string_equal(e->id, "t-1");
	assert_string_equal(e->system.rule, "none");
	assert_false(e->double_entry);
	assert_string_equal(e->stations[0].id, "1/1");
	assert_string_equal(e->stations[2].id, "2/1");
	assert_string_equal(e->stations[3].id, "1/3");
	assert_string_equal(e->stations[0].name, "Region One, УИК 1");
	assert_string_equal(e->stations[2].name, "Region, Two, УИК 1");
	assert_string_equal(e->stations[2].area, "Region, Two");
	assert_int_equal(e->stations[0].registered, 100);
	assert_int_equal(e->stations[4].registered, 0);
	assert_int_equal(e->stations[0].type, TALLY_STATION_ORDINARY);
	/* parties and candidates from the columns after "A", without "url" */
	assert_int_equal(e->n_parties, 2);
	assert_string_equal(e->parties[0].id, "P1");
	assert_string_equal(e->parties[1].name, "B");
	assert_int_equal(e->n_constituencies, 1);
	assert_int_equal(e->n_candidates, 2);
	assert_int_equal(e->candidates[1].nominator, TALLY_NOM_PARTY);
	assert_int_equal(e->candidates[1].nominated_by, 1);
	/* numbers and checks */
	for (size_t i = 0; i < im->n; i++)
		assert_int_equal(im->protocols[i].station, i);
	assert_int_equal(im->protocols[3].cand[1], 25);
	assert_int_equal(im->protocols[3].lines[6], 6);
	assert_int_equal(im->protocols[4].lines[0], 0); /* "-" is nil */
	assert_int_equal(im->checks[0].failed, 0);
	assert_int_equal(im->checks[3].n_errors, 1);
	assert_int_equal(im->checks[3].n_warnings, 1);
	assert_int_equal(im->stations_with_errors, 1);
	assert_int_equal(im->checks[5].n_warnings, 1);
	assert_int_equal(im->stations_with_warnings, 1); /* station 3 counts under errors */
	tally_import_free(im);
	tally_free(csv);
}

static void test_constituencies_and_types(void **state)
{
	(void)state;
	const char *map =
		"{\"template\": \"ru-19fz\", \"delimiter\": \"\\t\", \"station\": [\"st\"],"
		" \"constituency\": \"district\", \"seats\": 7,"
		" \"lines\": [\"l1\",\"l2\",\"l3\",\"l4\",\"l5\",\"l6\",\"l7\",\"l8\",\"l9\",\"l10\",\"l11\",\"l12\"],"
		" \"candidates\": [\"B\", \"A\"]}";
	const char *csv =
		"st\tdistrict\ttype\tl1\tl2\tl3\tl4\tl5\tl6\tl7\tl8\tl9\tl10\tl11\tl12\tA\tB\n"
		"s1\tD-1\tstały\t100\t100\t0\t50\t5\t45\t5\t50\t1\t54\t0\t0\t30\t24\n"
		"s2\tOkręg nr 2\tzagranica\t100\t100\t0\t50\t5\t45\t5\t50\t1\t54\t0\t0\t30\t24\n"
		"s3\tD-1\tstatek\t100\t100\t0\t50\t5\t45\t5\t50\t1\t54\t0\t0\t30\t24\n"
		"s4\tD-1\tmobile\t100\t100\t0\t50\t5\t45\t5\t50\t1\t54\t0\t0\t30\t24\n";
	tally_import *im = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = import_text(map, csv, &im, &err);
	if (rc)
		fail_msg("%s %s %s", err.code, err.where, err.msg);
	tally_election *e = im->e;
	assert_int_equal(e->n_constituencies, 2);
	assert_string_equal(e->constituencies[0].id, "D-1");
	assert_string_equal(e->constituencies[1].id, "K2"); /* not a valid id: numbered */
	assert_string_equal(e->constituencies[1].name, "Okręg nr 2");
	assert_int_equal(e->seats, 2);
	assert_int_equal(e->n_candidates, 4);
	assert_string_equal(e->candidates[0].id, "P1@D-1");
	assert_string_equal(e->candidates[0].name, "B"); /* listed order */
	assert_string_equal(e->candidates[3].id, "P2@K2");
	assert_int_equal(e->candidates[3].constituency, 1);
	assert_int_equal(e->stations[1].constituency, 1);
	assert_string_equal(e->stations[0].name, "s1"); /* no name columns: the id */
	assert_int_equal(e->stations[0].type, TALLY_STATION_ORDINARY);
	assert_int_equal(e->stations[1].type, TALLY_STATION_ABROAD);
	assert_int_equal(e->stations[2].type, TALLY_STATION_SPECIAL);
	assert_int_equal(e->stations[3].type, TALLY_STATION_MOBILE);
	assert_int_equal(e->stations[0].registered, 0); /* no registered_line */
	assert_int_equal(im->protocols[1].cand[0], 24); /* B first */
	assert_int_equal(im->protocols[1].cand[1], 30);
	tally_import_free(im);
}

static void test_csv_errors(void **state)
{
	(void)state;
	char csv[2048];
	/* C002: a row with the wrong number of fields */
	snprintf(csv, sizeof csv, "%sR,1,%sR,2,1,%s", small_head, good_tail, good_tail);
	expect_import_error(csv, TALLY_EINVAL, "C002", "t.csv: row 3", "18 fields");
	/* C003: a missing column, named */
	expect_import_error("region,uik,l1\nR,1,2\n", TALLY_EINVAL, "C003", "t.csv: row 1", "'l2'");
	expect_import_error("", TALLY_EINVAL, "C003", NULL, "empty");
	/* C004: not a count, with row and column */
	snprintf(csv, sizeof csv, "%sR,1,%sR,2,100,100,0,50,x5,45,5,50,1,54,0,0,30,24,u\n",
	         small_head, good_tail);
	expect_import_error(csv, TALLY_EINVAL, "C004", "t.csv: row 3, column 'l5'", "'x5'");
	snprintf(csv, sizeof csv, "%sR,1,100,100,0,50,5,45,5,50,1,54,0,0,,24,u\n", small_head);
	expect_import_error(csv, TALLY_EINVAL, "C004", "t.csv: row 2, column 'A'", "empty");
	snprintf(csv, sizeof csv, "%sR,1,100,100,0,50,5,45,5,50,1,54,0,0,30,1000000001,u\n",
	         small_head);
	expect_import_error(csv, TALLY_EINVAL, "C004", "t.csv: row 2, column 'B'", NULL);
	snprintf(csv, sizeof csv, "%sR,1,-1,100,0,50,5,45,5,50,1,54,0,0,30,24,u\n", small_head);
	expect_import_error(csv, TALLY_EINVAL, "C004", "t.csv: row 2, column 'l1'", NULL);
	/* C005: a column name twice */
	expect_import_error("region,uik,l1,l1\n", TALLY_EINVAL, "C005", "t.csv: row 1", "'l1'");
	/* C006: a value that makes no valid id */
	snprintf(csv, sizeof csv, "%sR,1 a,%s", small_head, good_tail);
	expect_import_error(csv, TALLY_EINVAL, "C006", "t.csv: row 2, column 'uik'", NULL);
	snprintf(csv, sizeof csv, "%sR,%070d,%s", small_head, 1, good_tail);
	expect_import_error(csv, TALLY_EINVAL, "C006", "t.csv: row 2, column 'uik'", "...");
	{
		/* the column named is the one with the bad character */
		const char *map2 =
			"{\"template\": \"ru-19fz\", \"station\": [\"region\", \"uik\"],"
			" \"lines\": [\"l1\",\"l2\",\"l3\",\"l4\",\"l5\",\"l6\",\"l7\",\"l8\","
			"\"l9\",\"l10\",\"l11\",\"l12\"], \"candidates\": [\"A\", \"B\"]}";
		tally_import *im = NULL;
		tally_error err = TALLY_ERROR_INIT;
		snprintf(csv, sizeof csv, "%sR-1,1,%sR 2,1,%s", small_head, good_tail, good_tail);
		assert_int_equal(import_text(map2, csv, &im, &err), TALLY_EINVAL);
		assert_string_equal(err.code, "C006");
		assert_string_equal(err.where, "t.csv: row 3, column 'region'");
		assert_null(im);
	}
	/* C008: a duplicate station, with both rows */
	snprintf(csv, sizeof csv, "%sR,1,%sQ,1,%sR,1,%s", small_head, good_tail, good_tail,
	         good_tail);
	expect_import_error(csv, TALLY_EINVAL, "C008", "t.csv: row 4", "first in row 2");
	/* the CSV reader's own errors pass through with their row */
	snprintf(csv, sizeof csv, "%sR,\"1,%s", small_head, good_tail);
	expect_import_error(csv, TALLY_EINVAL, "C001", "t.csv: row 2, line 2", NULL);
	snprintf(csv, sizeof csv, "%sR\xff,1,%s", small_head, good_tail);
	expect_import_error(csv, TALLY_EINVAL, "C009", NULL, NULL);
	/* a header only: no stations, no constituency with stations */
	tally_import *im = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_not_equal(import_text(small_map, small_head, &im, &err), TALLY_OK);
	assert_null(im);
}

static void test_map_misfit(void **state)
{
	(void)state;
	/* a hand-built map that does not fit its template is refused at import */
	tally_import_map *m = parse_map(small_map);
	tally_import *im = NULL;
	tally_error err = TALLY_ERROR_INIT;
	m->n_line_cols = 11;
	assert_int_equal(tally_import_csv(m, small_head, strlen(small_head), "t.csv", &im, &err),
	                 TALLY_EINVAL);
	assert_string_equal(err.code, "M006");
	m->n_line_cols = 12;
	char *saved = m->template_preset;
	m->template_preset = (char *)"nope";
	assert_int_equal(tally_import_csv(m, small_head, strlen(small_head), "t.csv", &im, &err),
	                 TALLY_EINVAL);
	assert_string_equal(err.code, "M005");
	m->template_preset = saved;
	tally_import_map_free(m);
	assert_null(im);
}

/* ==== Out of memory at every allocation ==== */

static long fail_at, n_alloc;

static void *oom_malloc(size_t n, void *ud)
{
	(void)ud;
	return ++n_alloc == fail_at ? NULL : malloc(n);
}

static void *oom_realloc(void *p, size_t n, void *ud)
{
	(void)ud;
	return ++n_alloc == fail_at ? NULL : realloc(p, n);
}

static void oom_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

static void test_oom(void **state)
{
	(void)state;
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_str(&b, small_head);
	for (int i = 0; i < 40; i++)
		tally__buf_printf(&b, "Region %d,%d,%s", i % 3, i, good_tail);
	size_t len;
	char *csv = tally__buf_detach(&b, &len);
	tally_allocator a = {oom_malloc, oom_realloc, oom_free, NULL};
	bool done = false;
	for (fail_at = 1; !done && fail_at < 100000; fail_at++) {
		tally_import_map *m = NULL;
		tally_import *im = NULL;
		tally_error err = TALLY_ERROR_INIT;
		n_alloc = 0;
		tally_set_allocator(&a);
		int rc = tally_import_map_parse(small_map, strlen(small_map), "m.json", &m, &err);
		if (rc == TALLY_OK)
			rc = tally_import_csv(m, csv, len, "t.csv", &im, &err);
		tally_set_allocator(NULL);
		if (rc == TALLY_OK) {
			assert_int_equal(im->n, 40);
			done = true;
		} else if (rc != TALLY_ENOMEM) {
			fail_msg("allocation %ld failed: status %d %s %s", fail_at, rc, err.code, err.msg);
		}
		tally_import_free(im);
		tally_import_map_free(m);
	}
	assert_true(done);
	/* the presets too */
	for (fail_at = 1, done = false; !done; fail_at++) {
		tally_import_map *m = NULL;
		n_alloc = 0;
		tally_set_allocator(&a);
		int rc = tally_import_map_preset("ru-2018", &m, NULL);
		tally_set_allocator(NULL);
		assert_true(rc == TALLY_OK || rc == TALLY_ENOMEM);
		done = rc == TALLY_OK;
		tally_import_map_free(m);
	}
	tally_free(csv);
}

/* ==== The real files ==== */

static char *read_shared(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", tu_shared_data(), rel);
	if (access(path, R_OK) != 0)
		return NULL;
	char *buf = tu_read_zip(path, len);
	if (!buf)
		fail_msg("cannot read %s (is unzip installed?)", path);
	return buf;
}

static tally_import *import_real(const char *preset, const char *rel, const char *file)
{
	size_t len = 0;
	char *buf = read_shared(rel, &len);
	if (!buf)
		return NULL;
	tally_import_map *m = NULL;
	tally_import *im = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_import_map_preset(preset, &m, &err), TALLY_OK);
	int rc = tally_import_csv(m, buf, len, file, &im, &err);
	if (rc)
		fail_msg("%s: %s %s %s", preset, err.code, err.where, err.msg);
	tally_import_map_free(m);
	free(buf);
	return im;
}

static uint64_t registered(const tally_import *im)
{
	uint64_t r = 0;
	for (uint32_t i = 0; i < im->e->n_stations; i++)
		r += im->e->stations[i].registered;
	return r;
}

static void cand_sums(const tally_import *im, uint64_t *sums)
{
	memset(sums, 0, im->e->n_candidates * sizeof *sums);
	for (size_t i = 0; i < im->n; i++)
		for (uint32_t k = 0; k < im->protocols[i].n_cand; k++)
			sums[k] += im->protocols[i].cand[k];
}

/* relation_counts prints, and returns through "out", how many stations
 * break each relation of the template. */
static void relation_counts(const tally_import *im, const char *label, uint32_t *out)
{
	const tally_template *t = im->e->tmpl;
	memset(out, 0, t->n_relations * sizeof *out);
	for (size_t i = 0; i < im->n; i++)
		for (uint32_t k = 0; k < im->e->tmpl->n_relations; k++)
			out[k] += (uint32_t)((im->checks[i].failed >> k) & 1);
	for (uint32_t k = 0; k < t->n_relations; k++)
		print_message("%s: %s (%s) broken at %u stations\n", label, t->relations[k].code,
		              t->relations[k].text, out[k]);
}

static void test_ru2018(void **state)
{
	(void)state;
	tally_import *im = import_real("ru-2018", "ru/2018.csv.zip", "2018.csv");
	if (!im)
		skip();
	tally_election *e = im->e;
	assert_int_equal(im->n, 97699);
	assert_int_equal(registered(im), 109008428ULL);
	/* the official national result, to the vote */
	static const struct { const char *name; uint64_t votes; } want[] = {
		{"Бабурин Сергей Николаевич", 479013},
		{"Грудинин Павел Николаевич", 8659206},
		{"Жириновский Владимир Вольфович", 4154985},
		{"Путин Владимир Владимирович", 56430712},
		{"Собчак Ксения Анатольевна", 1238031},
		{"Сурайкин Максим Александрович", 499342},
		{"Титов Борис Юрьевич", 556801},
		{"Явлинский Григорий Алексеевич", 769644},
	};
	assert_int_equal(e->n_candidates, 8);
	uint64_t sums[8];
	cand_sums(im, sums);
	for (uint32_t k = 0; k < 8; k++) {
		assert_string_equal(e->candidates[k].name, want[k].name);
		if (sums[k] != want[k].votes)
			fail_msg("%s: %llu in the file, %llu official", want[k].name,
			         (unsigned long long)sums[k], (unsigned long long)want[k].votes);
	}
	/* ids: region index / uik; names and areas */
	assert_string_equal(e->stations[0].id, "1/1");
	assert_string_equal(e->stations[0].name, "Республика Адыгея (Адыгея), 1 Адыгейская, УИК 1");
	assert_string_equal(e->stations[0].area, "Республика Адыгея (Адыгея)");
	assert_string_equal(e->stations[im->n - 1].id, "87/8443");
	/* relations: the four of the law hold everywhere in this file; the two
	 * warnings fire where they fire (counted independently with pandas) */
	uint32_t rel[TALLY_MAX_RELATIONS];
	relation_counts(im, "ru-2018", rel);
	static const uint32_t want_rel[] = {0, 0, 0, 0, 1682, 6};
	assert_int_equal(e->tmpl->n_relations, 6);
	for (uint32_t k = 0; k < 6; k++)
		assert_int_equal(rel[k], want_rel[k]);
	assert_int_equal(im->stations_with_errors, 0);
	assert_int_equal(im->stations_with_warnings, 1685);
	/* the four stations the CEC later cancelled (rows 45559, 45563, 92554,
	 * 92561) make the difference between the file and the CEC's register */
	uint64_t cancelled = 0;
	static const uint32_t rows[] = {45559, 45563, 92554, 92561};
	for (size_t i = 0; i < 4; i++)
		cancelled += e->stations[rows[i] - 2].registered;
	assert_int_equal(registered(im) - cancelled, 109001306ULL);
	tally_import_free(im);
}

static void test_ru2011(void **state)
{
	(void)state;
	tally_import *im = import_real("ru-2011", "ru/2011.csv.zip", "2011.csv");
	if (!im)
		skip();
	tally_election *e = im->e;
	assert_int_equal(im->n, 95225);
	assert_int_equal(registered(im), 109229337ULL);
	assert_int_equal(e->n_candidates, 7);
	uint64_t sums[7], ballots = 0;
	cand_sums(im, sums);
	for (size_t i = 0; i < im->n; i++)
		ballots += im->protocols[i].lines[8] + im->protocols[i].lines[9];
	/* United Russia (list 6): 49.3 % (the CEC's share is of valid and
	 * invalid ballots together: lines 9 + 10) */
	assert_true(strstr(e->candidates[5].name, "ЕДИНАЯ РОССИЯ") != NULL);
	uint64_t permille = (sums[5] * 1000 + ballots / 2) / ballots;
	assert_int_equal(permille, 493);
	assert_int_equal(sums[5], 32371737ULL);
	uint32_t rel[TALLY_MAX_RELATIONS];
	relation_counts(im, "ru-2011", rel);
	static const uint32_t want_rel[] = {0, 0, 0, 0, 1310, 18};
	for (uint32_t k = 0; k < 6; k++)
		assert_int_equal(rel[k], want_rel[k]);
	tally_import_free(im);
}

static void test_pl2020(void **state)
{
	(void)state;
	tally_import *im = import_real("pl-2020", "pl/2020-r1-stations.csv.zip",
	                               "wyniki_gl_na_kand_po_obwodach_utf8.csv");
	if (!im)
		skip();
	tally_election *e = im->e;
	assert_int_equal(im->n, 27229);
	assert_int_equal(e->n_candidates, 11);
	uint64_t sums[11];
	cand_sums(im, sums);
	assert_string_equal(e->candidates[2].name, "Andrzej Sebastian DUDA");
	assert_string_equal(e->candidates[8].name, "Rafał Kazimierz TRZASKOWSKI");
	assert_int_equal(sums[2], 8450341ULL); /* the file's own sums (PKW: 8,450,513) */
	assert_int_equal(sums[8], 5917256ULL); /* (PKW: 5,917,340) */
	assert_string_equal(e->stations[0].id, "020101/1");
	assert_string_equal(e->stations[0].area, "dolnośląskie");
	uint32_t types[4] = {0};
	for (uint32_t i = 0; i < e->n_stations; i++)
		types[e->stations[i].type]++;
	assert_int_equal(types[TALLY_STATION_ORDINARY], 25433);
	assert_int_equal(types[TALLY_STATION_ABROAD], 169);
	assert_int_equal(types[TALLY_STATION_SPECIAL], 27229 - 25433 - 169);
	uint32_t rel[TALLY_MAX_RELATIONS];
	relation_counts(im, "pl-2020", rel);
	/* the three relations the README says hold in the official data */
	assert_int_equal(rel[0], 0);
	assert_int_equal(rel[1], 0);
	assert_int_equal(rel[2], 0);
	assert_int_equal(im->stations_with_errors, 0);
	tally_import_free(im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_map_parse),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_small_import),
		cmocka_unit_test(test_constituencies_and_types),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_map_misfit),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_ru2018),
		cmocka_unit_test(test_ru2011),
		cmocka_unit_test(test_pl2020),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
