/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_csv.c: the strict CSV reader (src/core/csv.c): records and fields,
 * the byte order mark, the delimiter guess, quoting and "" escapes, CRLF and
 * LF, blank lines, record and line numbers, every error code it raises (C001
 * malformed quoting, C007 limits, C009 invalid text) with its line, the
 * limits at their boundary, the number parser, and out-of-memory at every
 * allocation.
 */
#include "testutil.h"
#include "core/core_int.h"

/* Reads every record of "text"; returns the last status. */
static int read_all(const char *text, size_t len, char delim, uint64_t *records,
                    tally_error *err)
{
	tally_csv c;
	int rc;
	tally_csv_init(&c, text, len, delim, "t.csv");
	while ((rc = tally_csv_next(&c, err)) == 1)
		;
	if (records)
		*records = c.record;
	tally_csv_release(&c);
	return rc;
}

static void assert_field(const tally_csv *c, size_t i, const char *want)
{
	assert_true(i < c->n_fields);
	if (!tally_csv_eq(&c->fields[i], want))
		fail_msg("field %zu is '%.*s', expected '%s'", i, (int)c->fields[i].len,
		         c->fields[i].s, want);
}

static void test_simple(void **state)
{
	(void)state;
	const char *t = "a,b,c\n1,22,333\n";
	tally_csv c;
	tally_error err = TALLY_ERROR_INIT;
	tally_csv_init(&c, t, strlen(t), 0, "t.csv");
	assert_int_equal(c.delim, ',');
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_int_equal(c.n_fields, 3);
	assert_field(&c, 0, "a");
	assert_field(&c, 2, "c");
	assert_int_equal(c.record, 1);
	assert_int_equal(c.line, 1);
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_field(&c, 1, "22");
	assert_int_equal(c.record, 2);
	assert_int_equal(c.line, 2);
	/* unquoted fields point into the buffer: nothing copied */
	assert_ptr_equal(c.fields[0].s, t + 6);
	assert_int_equal(tally_csv_next(&c, &err), 0);
	assert_int_equal(tally_csv_next(&c, &err), 0);
	tally_csv_release(&c);
}

static void test_bom_crlf_blank(void **state)
{
	(void)state;
	const char t[] = "\xEF\xBB\xBFx;y\r\n\r\n\n1;2\r\n\n3;\n;\r\n4;5";
	tally_csv c;
	tally_error err = TALLY_ERROR_INIT;
	tally_csv_init(&c, t, sizeof t - 1, 0, "t.csv");
	assert_int_equal(c.delim, ';');
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_field(&c, 0, "x"); /* the BOM is not part of the first name */
	assert_field(&c, 1, "y");
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_int_equal(c.record, 2);
	assert_int_equal(c.line, 4); /* two blank lines skipped */
	assert_field(&c, 1, "2");
	assert_int_equal(c.fields[1].len, 1); /* the CR is not data */
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_int_equal(c.line, 6);
	assert_int_equal(c.n_fields, 2);
	assert_field(&c, 1, "");
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_int_equal(c.n_fields, 2);
	assert_field(&c, 0, "");
	assert_field(&c, 1, "");
	assert_int_equal(tally_csv_next(&c, &err), 1); /* the last line has no newline */
	assert_int_equal(c.line, 8);
	assert_field(&c, 1, "5");
	assert_int_equal(c.record, 5);
	assert_int_equal(tally_csv_next(&c, &err), 0);
	tally_csv_release(&c);
}

static void test_delimiter_guess(void **state)
{
	(void)state;
	tally_csv c;
	tally_csv_init(&c, "a\tb,c\n", 6, 0, NULL);
	assert_int_equal(c.delim, '\t');
	tally_csv_init(&c, "\"a,b\";c\n", 8, 0, NULL); /* commas inside quotes do not count */
	assert_int_equal(c.delim, ';');
	tally_csv_init(&c, "abc\n1;2\n", 8, 0, NULL); /* nothing on line 1: comma */
	assert_int_equal(c.delim, ',');
	tally_csv_init(&c, "a;b\n", 4, ',', NULL); /* a given delimiter wins */
	assert_int_equal(c.delim, ',');
	tally_csv_init(&c, "", 0, 0, NULL);
	assert_int_equal(c.delim, ',');
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_csv_next(&c, &err), 0);
	tally_csv_release(&c);
}

static void test_quotes(void **state)
{
	(void)state;
	const char *t = "\"a\",\"b\"\"c\",\"\",\"x\ny\",\"d,e\"\r\n"
	                "\"\"\"\",\"p\"\"q\"\"r\",plain,\"s\"\"\"\n"
	                "last\n";
	tally_csv c;
	tally_error err = TALLY_ERROR_INIT;
	tally_csv_init(&c, t, strlen(t), ',', "t.csv");
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_int_equal(c.n_fields, 5);
	assert_field(&c, 0, "a");
	assert_ptr_equal(c.fields[0].s, t + 1); /* quoted, no escape: not copied */
	assert_field(&c, 1, "b\"c");
	assert_field(&c, 2, "");
	assert_field(&c, 3, "x\ny");
	assert_field(&c, 4, "d,e");
	assert_int_equal(c.line, 1);
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_int_equal(c.line, 3); /* the quoted newline made record 1 two lines */
	assert_int_equal(c.n_fields, 4);
	assert_field(&c, 0, "\"");
	assert_field(&c, 1, "p\"q\"r");
	assert_field(&c, 2, "plain");
	assert_field(&c, 3, "s\"");
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_int_equal(c.line, 4);
	assert_field(&c, 0, "last");
	assert_int_equal(tally_csv_next(&c, &err), 0);
	tally_csv_release(&c);
}

static void test_many_escapes(void **state)
{
	(void)state;
	/* many escaped fields in one record: scratch grows while fields point into it */
	tally__buf b = TALLY__BUF_INIT;
	for (int i = 0; i < 300; i++) {
		if (i)
			tally__buf_str(&b, ",");
		tally__buf_printf(&b, "\"%d\"\"%0100d\"", i, i);
	}
	tally__buf_str(&b, "\n");
	size_t len;
	char *t = tally__buf_detach(&b, &len);
	tally_csv c;
	tally_error err = TALLY_ERROR_INIT;
	tally_csv_init(&c, t, len, ',', "t.csv");
	assert_int_equal(tally_csv_next(&c, &err), 1);
	assert_int_equal(c.n_fields, 300);
	for (int i = 0; i < 300; i++) {
		char want[128];
		snprintf(want, sizeof want, "%d\"%0100d", i, i);
		assert_field(&c, (size_t)i, want);
	}
	tally_csv_release(&c);
	tally_free(t);
}

static void expect_error(const char *text, size_t len, int status, const char *code,
                         const char *where)
{
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(read_all(text, len, ',', NULL, &err), status);
	assert_string_equal(err.code, code);
	if (where)
		assert_string_equal(err.where, where);
}

static void test_c001(void **state)
{
	(void)state;
	expect_error("a,b\n\"open,x\n", 12, TALLY_EINVAL, "C001", "t.csv: row 2, line 2");
	expect_error("a,b\n1,2\nab\"c,d\n", 15, TALLY_EINVAL, "C001", "t.csv: row 3, line 3");
	expect_error("a,\"b\"x\n", 7, TALLY_EINVAL, "C001", "t.csv: row 1, line 1");
	expect_error("a,\"b\" \n", 7, TALLY_EINVAL, "C001", NULL);
	expect_error(" \"a\",b\n", 7, TALLY_EINVAL, "C001", NULL);  /* space before a quote */
	expect_error("a\rb,c\n", 6, TALLY_EINVAL, "C001", NULL);     /* bare CR */
	expect_error("\"q\",a\rb\n", 8, TALLY_EINVAL, "C001", NULL); /* bare CR, quoted record */
	expect_error("a,b\r", 4, TALLY_EINVAL, "C001", NULL);        /* CR without LF at the end */
	/* the line of an error inside a record that spans lines */
	expect_error("h\n\"x\ny\nz\"w\n", 11, TALLY_EINVAL, "C001", "t.csv: row 2, line 4");
	/* a quoted CR is data */
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(read_all("\"a\rb\",c\n", 8, ',', NULL, &err), 0);
}

static void test_c009(void **state)
{
	(void)state;
	expect_error("a,b\n1,\xff\n", 8, TALLY_EINVAL, "C009", "t.csv: row 2, line 2");
	expect_error("a,\xC0\x80\n", 6, TALLY_EINVAL, "C009", NULL);        /* overlong */
	expect_error("a,\xED\xA0\x80\n", 7, TALLY_EINVAL, "C009", NULL);    /* surrogate */
	expect_error("a,\xE2\x82\n", 6, TALLY_EINVAL, "C009", NULL);        /* truncated */
	expect_error("\"q\",\"\xE2\x82\"\n", 9, TALLY_EINVAL, "C009", NULL); /* in quotes */
	expect_error("abcdefghij,a\0b\n", 15, TALLY_EINVAL, "C009", NULL);  /* NUL */
	expect_error("h\n\"x\ny\xff\"\n", 9, TALLY_EINVAL, "C009", "t.csv: row 2, line 3");
	/* valid multibyte text of every length passes, also around 8-byte blocks */
	const char *ok = "Przewodniczący,Выборы,日本語,😀😀,abcdefgh\xC3\xA9xyz\n";
	tally_error err = TALLY_ERROR_INIT;
	uint64_t n = 0;
	assert_int_equal(read_all(ok, strlen(ok), ',', &n, &err), 0);
	assert_int_equal(n, 1);
}

static void test_c007_fields(void **state)
{
	(void)state;
	tally_error err = TALLY_ERROR_INIT;
	for (int quoted = 0; quoted < 2; quoted++) {
		for (int n = TALLY_MAX_CSV_FIELDS; n <= TALLY_MAX_CSV_FIELDS + 1; n++) {
			tally__buf b = TALLY__BUF_INIT;
			for (int i = 0; i < n; i++)
				tally__buf_str(&b, i == 0 ? (quoted ? "\"1\"" : "1") : ",1");
			tally__buf_str(&b, "\n");
			size_t len;
			char *t = tally__buf_detach(&b, &len);
			tally_csv c;
			tally_csv_init(&c, t, len, ',', "t.csv");
			int rc = tally_csv_next(&c, &err);
			if (n == TALLY_MAX_CSV_FIELDS) {
				assert_int_equal(rc, 1);
				assert_int_equal(c.n_fields, TALLY_MAX_CSV_FIELDS);
			} else {
				assert_int_equal(rc, TALLY_ELIMIT);
				assert_string_equal(err.code, "C007");
			}
			tally_csv_release(&c);
			tally_free(t);
		}
	}
}

static void test_c007_length(void **state)
{
	(void)state;
	tally_error err = TALLY_ERROR_INIT;
	/* mode 0: unquoted; 1: quoted; 2: quoted with an escape; 3: unquoted in a quoted record */
	for (int mode = 0; mode < 4; mode++) {
		for (size_t n = TALLY_MAX_CSV_FIELD; n <= TALLY_MAX_CSV_FIELD + 1; n++) {
			tally__buf b = TALLY__BUF_INIT;
			if (mode == 3)
				tally__buf_str(&b, "\"q\",");
			if (mode == 1 || mode == 2)
				tally__buf_str(&b, "\"");
			for (size_t i = 0; i < n - (mode == 2); i++)
				tally__buf_add(&b, "x", 1);
			if (mode == 2)
				tally__buf_str(&b, "\"\"");
			if (mode == 1 || mode == 2)
				tally__buf_str(&b, "\"");
			tally__buf_str(&b, ",z\n");
			size_t len;
			char *t = tally__buf_detach(&b, &len);
			tally_csv c;
			tally_csv_init(&c, t, len, ',', "t.csv");
			int rc = tally_csv_next(&c, &err);
			if (n == TALLY_MAX_CSV_FIELD) {
				assert_int_equal(rc, 1);
				assert_int_equal(c.fields[mode == 3].len, TALLY_MAX_CSV_FIELD);
			} else {
				assert_int_equal(rc, TALLY_ELIMIT);
				assert_string_equal(err.code, "C007");
			}
			tally_csv_release(&c);
			tally_free(t);
		}
	}
}

static void test_u64(void **state)
{
	(void)state;
	struct {
		const char *s;
		uint64_t max;
		int rc;
		uint64_t v;
	} cases[] = {
		{"0", 10, TALLY_OK, 0},
		{"  42 ", 100, TALLY_OK, 42},
		{"007", 100, TALLY_OK, 7},
		{"1000", 1000, TALLY_OK, 1000},
		{"1001", 1000, TALLY_EINVAL, 0},
		{"1000000000", TALLY_MAX_COUNT, TALLY_OK, TALLY_MAX_COUNT},
		{"1000000001", TALLY_MAX_COUNT, TALLY_EINVAL, 0},
		{"18446744073709551615", UINT64_MAX, TALLY_OK, UINT64_MAX},
		{"18446744073709551616", UINT64_MAX, TALLY_EINVAL, 0},
		{"99999999999999999999999", UINT64_MAX, TALLY_EINVAL, 0},
		{"", 10, TALLY_EINVAL, 0},
		{"   ", 10, TALLY_EINVAL, 0},
		{"-1", 10, TALLY_EINVAL, 0},
		{"+1", 10, TALLY_EINVAL, 0},
		{"1 2", 100, TALLY_EINVAL, 0},
		{"1.0", 100, TALLY_EINVAL, 0},
		{"0x1", 100, TALLY_EINVAL, 0},
		{"\t1", 100, TALLY_EINVAL, 0},
		{"9", 8, TALLY_EINVAL, 0},
		{"8", 8, TALLY_OK, 8},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tally_csv_field f = {cases[i].s, strlen(cases[i].s)};
		uint64_t v = 12345;
		int rc = tally_csv_u64(&f, cases[i].max, &v);
		if (rc != cases[i].rc)
			fail_msg("'%s': status %d, expected %d", cases[i].s, rc, cases[i].rc);
		assert_int_equal(v, rc == TALLY_OK ? cases[i].v : 12345);
	}
	tally_csv_field f = {"12", 1}; /* only the first byte belongs to the field */
	uint64_t v;
	assert_int_equal(tally_csv_u64(&f, 100, &v), TALLY_OK);
	assert_int_equal(v, 1);
}

static void test_eq(void **state)
{
	(void)state;
	tally_csv_field f = {"abc", 2};
	assert_true(tally_csv_eq(&f, "ab"));
	assert_false(tally_csv_eq(&f, "abc"));
	assert_false(tally_csv_eq(&f, "a"));
	tally_csv_field e = {"x", 0};
	assert_true(tally_csv_eq(&e, ""));
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
	for (int i = 0; i < 100; i++)
		tally__buf_printf(&b, "%d,\"a\"\"%0300d\",x\n", i, i);
	size_t len;
	char *t = tally__buf_detach(&b, &len);
	tally_allocator a = {oom_malloc, oom_realloc, oom_free, NULL};
	bool done = false;
	for (fail_at = 1; !done && fail_at < 1000; fail_at++) {
		n_alloc = 0;
		tally_set_allocator(&a);
		tally_error err = TALLY_ERROR_INIT;
		uint64_t records = 0;
		int rc = read_all(t, len, ',', &records, &err);
		tally_set_allocator(NULL);
		if (rc == 0) {
			assert_int_equal(records, 100);
			done = true;
		} else {
			assert_int_equal(rc, TALLY_ENOMEM);
		}
	}
	assert_true(done);
	tally_free(t);
}

/* ==== Real files, and a speed check ==== */

static void test_real_files(void **state)
{
	(void)state;
	struct {
		const char *zip;
		uint64_t records;
		size_t fields;
	} files[] = {
		{"ru/2018.csv.zip", 97700, 24},
		{"ru/2011.csv.zip", 95226, 29},
		{"pl/2020-r1-stations.csv.zip", 27230, 44},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[512];
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s", tu_shared_data(), files[i].zip);
		if (access(path, R_OK) != 0)
			skip();
		char *t = tu_read_zip(path, &len);
		assert_non_null(t);
		tally_csv c;
		tally_error err = TALLY_ERROR_INIT;
		int rc;
		tally_csv_init(&c, t, len, 0, path);
		while ((rc = tally_csv_next(&c, &err)) == 1)
			if (c.n_fields != files[i].fields)
				fail_msg("%s: record %llu has %zu fields", path,
				         (unsigned long long)c.record, c.n_fields);
		assert_int_equal(rc, 0);
		assert_int_equal(c.record, files[i].records);
		tally_csv_release(&c);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_bom_crlf_blank),
		cmocka_unit_test(test_delimiter_guess),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_many_escapes),
		cmocka_unit_test(test_c001),
		cmocka_unit_test(test_c009),
		cmocka_unit_test(test_c007_fields),
		cmocka_unit_test(test_c007_length),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_eq),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_real_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
