/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_protocol.c: protocol entries from JSON and CSV (every error code),
 * the control-relation check, the difference of two entries, every rule of
 * double entry, and the packed form.
 */
#include "testutil.h"
#include "fixture.h"

static tally_election *E;

static int setup(void **state)
{
	(void)state;
	tally_error err = TALLY_ERROR_INIT;
	return tally_election_parse(fixture_def, strlen(fixture_def), "fx", &E, &err);
}

static int teardown(void **state)
{
	(void)state;
	tally_election_free(E);
	return 0;
}

static const char good21[] =
	"{\"station\": \"S21\", \"operator\": \"op1\", \"lines\": {\"voters_on_list\": 500,"
	" \"ballots_received\": 500, \"voters_received\": 300, \"issued_outside\": 10, \"unused\": 195,"
	" \"cancelled\": 5, \"in_mobile\": 10, \"in_stationary\": 290, \"valid\": 296, \"invalid\": 4},"
	" \"candidates\": {\"K21\": 200, \"K22\": 96}}";

static int parse_json(const char *text, tally_entry **v, size_t *n, tally_error *err)
{
	return tally_entries_parse(E, text, strlen(text), "p.json", NULL, v, n, err);
}

static void expect_entry_code(const char *from, const char *to, const char *code)
{
	const char *at = strstr(good21, from);
	assert_non_null(at);
	char buf[2048];
	size_t pre = (size_t)(at - good21);
	memcpy(buf, good21, pre);
	snprintf(buf + pre, sizeof buf - pre, "%s%s", to, at + strlen(from));
	tally_entry *v = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	int rc = parse_json(buf, &v, &n, &err);
	if (rc == TALLY_OK || strcmp(err.code, code))
		fprintf(stderr, "'%s'->'%s': want %s got %d %s %s\n", from, to, code, rc, err.code, err.msg);
	assert_int_not_equal(rc, TALLY_OK);
	assert_string_equal(err.code, code);
	assert_null(v);
}

static void test_parse_good(void **state)
{
	(void)state;
	tally_entry *v = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(parse_json(good21, &v, &n, &err), TALLY_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].p.station, tally_election_station(E, "S21"));
	assert_string_equal(v[0].operator_id, "op1");
	assert_int_equal(v[0].p.n_cand, 2);
	assert_int_equal(v[0].p.cand[0], 200);
	assert_int_equal(tally_protocol_cand_sum(&v[0].p), 296);
	tally_check ck;
	tally_protocol_check(E, &v[0].p, &ck);
	assert_int_equal(ck.n, 0);
	/* canonical JSON parses back to the same numbers */
	char *js = NULL;
	assert_int_equal(tally_entry_to_json(E, &v[0], &js, NULL), TALLY_OK);
	tally_entry *w = NULL;
	size_t m = 0;
	assert_int_equal(parse_json(js, &w, &m, &err), TALLY_OK);
	assert_int_equal(tally_protocol_diff(&v[0].p, &w[0].p, NULL, 0), 0);
	tally_free(js);
	tally_entries_free(w, m);
	/* array and {"protocols": [...]} forms */
	char arr[4096];
	snprintf(arr, sizeof arr, "[%s, %s]", good21, good21);
	assert_int_equal(parse_json(arr, &w, &m, &err), TALLY_OK);
	assert_int_equal(m, 2);
	tally_entries_free(w, m);
	snprintf(arr, sizeof arr, "{\"protocols\": [%s]}", good21);
	assert_int_equal(parse_json(arr, &w, &m, &err), TALLY_OK);
	assert_int_equal(m, 1);
	tally_entries_free(w, m);
	tally_entries_free(v, n);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_entry_code("\"op1\",", "\"op1\",,", "P001");
	expect_entry_code("\"voters_on_list\": 500", "\"voters_on_list\": \"500\"", "P002");
	expect_entry_code("\"voters_on_list\": 500", "\"voters_on_list\": 5.0", "P002");
	expect_entry_code("\"operator\": \"op1\", ", "", "P003");
	expect_entry_code("\"voters_on_list\": 500,", "", "P003");
	expect_entry_code("\"invalid\": 4", "\"invalid\": 4, \"extra\": 1", "P004");
	expect_entry_code("{\"station\"", "{\"stamp\": 1, \"station\"", "P004");
	expect_entry_code("\"S21\"", "\"S99\"", "P005");
	expect_entry_code("\"K22\": 96", "\"K22\": 96, \"K11\": 0", "P006");
	expect_entry_code(", \"K22\": 96", "", "P007");
	expect_entry_code("\"K21\": 200", "\"K21\": -200", "P008");
	expect_entry_code("\"K21\": 200", "\"K21\": 1000000001", "P008");
	expect_entry_code("\"K21\": 200", "\"K21\": 99999999999999999999", "P001");
	expect_entry_code("\"op1\"", "\"op 1\"", "P016");
	char reason[TALLY_MAX_REASON_LEN + 40];
	memset(reason, 'r', sizeof reason);
	memcpy(reason, "\"reason\": \"", 11);
	reason[11 + TALLY_MAX_REASON_LEN + 1] = '\0';
	strcat(reason, "\", \"lines\"");
	expect_entry_code("\"lines\"", reason, "P017");
	expect_entry_code("\"K21\": 200", "\"K21\": 200, \"K21\": 200", "P018");
	expect_entry_code("{\"station\"", "[{\"station\"", "P001");
	tally_entry *v = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_entries_parse(E, "42", 2, "x", "json", &v, &n, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "P002");
	assert_int_equal(tally_entries_parse(E, "{}", 2, "x", "xml", &v, &n, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "P001");
	/* the reason at exactly the limit is accepted */
	char ok[TALLY_MAX_REASON_LEN + 64];
	char *big = malloc(sizeof good21 + sizeof ok);
	memset(ok, 'r', TALLY_MAX_REASON_LEN);
	ok[TALLY_MAX_REASON_LEN] = '\0';
	snprintf(big, sizeof good21 + sizeof ok, "{\"reason\": \"%s\", %s", ok, good21 + 1);
	assert_int_equal(parse_json(big, &v, &n, &err), TALLY_OK);
	assert_int_equal(strlen(v[0].reason), TALLY_MAX_REASON_LEN);
	tally_entries_free(v, n);
	free(big);
}

static const char csv_head[] =
	"station,operator,voters_on_list,ballots_received,voters_received,issued_outside,unused,"
	"cancelled,in_mobile,in_stationary,valid,invalid,K21,K22,K31,K32\n";

static int parse_csv(const char *rows, tally_entry **v, size_t *n, tally_error *err)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s%s", csv_head, rows);
	return tally_entries_parse(E, buf, strlen(buf), "p.csv", "csv", v, n, err);
}

static void expect_csv_code(const char *rows, const char *code)
{
	tally_entry *v = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	int rc = parse_csv(rows, &v, &n, &err);
	if (rc == TALLY_OK || strcmp(err.code, code))
		fprintf(stderr, "csv '%s': want %s got %d %s %s\n", rows, code, rc, err.code, err.msg);
	assert_int_not_equal(rc, TALLY_OK);
	assert_string_equal(err.code, code);
	assert_null(v);
}

static void test_csv(void **state)
{
	(void)state;
	tally_entry *v = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(parse_csv("S21,op1,500,500,300,10,195,5,10,290,296,4,200,96,,\n"
	                           "S31,op1,800,800,100,0,700,0,0,100,100,0,,,60,40\n",
	                           &v, &n, &err),
	                 TALLY_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].p.cand[1], 40);
	tally_entries_free(v, n);
	/* the format is guessed from the first byte */
	char buf[4096];
	snprintf(buf, sizeof buf, "%sS21,op1,500,500,300,10,195,5,10,290,296,4,200,96,,\n", csv_head);
	assert_int_equal(tally_entries_parse(E, buf, strlen(buf), "g", NULL, &v, &n, &err), TALLY_OK);
	tally_entries_free(v, n);
	expect_csv_code("S21,op1,500,500,300,10,195,5,10,290,296,4,200,96,\n", "C002");
	expect_csv_code("S21,op1,500,500,300,10,195,5,10,290,296,4,2x0,96,,\n", "C004");
	expect_csv_code("S21,op1,500,500,300,10,195,5,10,290,296,4,200,96,1,\n", "P006");
	expect_csv_code("S21,op1,500,500,300,10,195,5,10,290,296,4,200,,,\n", "P007");
	expect_csv_code("S99,op1,500,500,300,10,195,5,10,290,296,4,200,96,,\n", "P005");
	expect_csv_code("S21,\"op1,500\n", "C001");
	expect_csv_code("S21,o p,500,500,300,10,195,5,10,290,296,4,200,96,,\n", "P016");
	const char *bad_heads[][2] = {
		{"station,operator,voters_on_list,voters_on_list\n", "C005"},
		{"station,operator,bogus\n", "C006"},
		{"station,operator,voters_on_list\n", "C003"},
		{"", "C003"},
	};
	for (size_t i = 0; i < 4; i++) {
		tally_error e2 = TALLY_ERROR_INIT;
		assert_int_not_equal(tally_entries_parse(E, bad_heads[i][0], strlen(bad_heads[i][0]), "h",
		                                         "csv", &v, &n, &e2),
		                     TALLY_OK);
		assert_string_equal(e2.code, bad_heads[i][1]);
	}
}

static void test_check_and_describe(void **state)
{
	(void)state;
	tally_protocol p;
	uint64_t votes[] = {200, 96};
	fixture_protocol(E, tally_election_station(E, "S21"), votes, 2, 4, &p);
	tally_check ck;
	tally_protocol_check(E, &p, &ck);
	assert_int_equal(ck.n, 0);
	p.cand[0] = 210; /* AZ03: valid = candidates fails */
	tally_protocol_check(E, &p, &ck);
	assert_int_equal(ck.n, 1);
	assert_int_equal(ck.n_errors, 1);
	assert_string_equal(E->tmpl->relations[ck.v[0].relation].code, "AZ03");
	assert_int_equal(ck.v[0].lhs, 296);
	assert_int_equal(ck.v[0].rhs, 306);
	char d[400];
	tally_violation_describe(E, &ck.v[0], d, sizeof d);
	assert_non_null(strstr(d, "AZ03"));
	assert_non_null(strstr(d, "296 < 306"));
	p.cand[0] = 200;
	/* AZ05 warning: more in the boxes than issued */
	p.lines[tally_template_line(E->tmpl, "in_stationary")] += 5;
	p.lines[tally_template_line(E->tmpl, "invalid")] += 5;
	tally_protocol_check(E, &p, &ck);
	assert_int_equal(ck.n_errors, 0);
	assert_int_equal(ck.n_warnings, 1);
	assert_string_equal(E->tmpl->relations[ck.v[0].relation].code, "AZ05");
	tally_protocol_release(&p);
	tally_protocol_release(&p); /* releasing twice is harmless */
}

static void test_diff_and_pack(void **state)
{
	(void)state;
	tally_protocol a, b;
	uint64_t votes[] = {200, 96};
	uint32_t st = tally_election_station(E, "S21");
	fixture_protocol(E, st, votes, 2, 4, &a);
	assert_int_equal(tally_protocol_copy(&b, &a), TALLY_OK);
	assert_int_equal(tally_protocol_diff(&a, &b, NULL, 0), 0);
	b.cand[0] = 96;
	b.cand[1] = 200;
	b.lines[0] = 499;
	tally_diff_item items[8];
	assert_int_equal(tally_protocol_diff(&a, &b, items, 8), 3);
	assert_int_equal(items[0].line, 0);
	assert_int_equal(items[1].line, TALLY_LINE_CANDIDATES);
	assert_int_equal(items[1].cand, 0);
	assert_int_equal(items[1].a, 200);
	assert_int_equal(items[1].b, 96);
	assert_int_equal(tally_protocol_diff(&a, &b, items, 1), 3); /* count beyond cap */
	/* pack / unpack, including the largest count */
	a.lines[1] = TALLY_MAX_COUNT;
	unsigned char *buf = NULL;
	size_t len = 0;
	assert_int_equal(tally_protocol_pack(&a, &buf, &len), TALLY_OK);
	tally_protocol c;
	assert_int_equal(tally_protocol_unpack(E, st, buf, len, &c, NULL), TALLY_OK);
	assert_int_equal(tally_protocol_diff(&a, &c, NULL, 0), 0);
	tally_protocol_release(&c);
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_protocol_unpack(E, st, buf, len - 1, &c, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "S006");
	unsigned char *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 1;
	assert_int_equal(tally_protocol_unpack(E, st, longer, len + 1, &c, &err), TALLY_EINVAL);
	assert_int_equal(tally_protocol_unpack(E, 999, buf, len, &c, &err), TALLY_EINVAL);
	free(longer);
	tally_free(buf);
	tally_protocol_release(&a);
	tally_protocol_release(&b);
}

static tally_entry mk(uint32_t st, const uint64_t *votes, const char *op, const char *reason)
{
	tally_entry en;
	memset(&en, 0, sizeof en);
	fixture_protocol(E, st, votes, E->constituencies[E->stations[st].constituency].n_candidates,
	                 4, &en.p);
	snprintf(en.operator_id, sizeof en.operator_id, "%s", op);
	snprintf(en.reason, sizeof en.reason, "%s", reason);
	return en;
}

static void test_decide(void **state)
{
	(void)state;
	uint32_t st = tally_election_station(E, "S21");
	uint64_t v1[] = {200, 96}, v2[] = {201, 95};
	tally_entry a = mk(st, v1, "op1", ""), b = mk(st, v1, "op2", ""), c = mk(st, v2, "op2", "");
	tally_entry d = mk(st, v1, "op3", ""), x = mk(st, v2, "op1", "recount");
	tally_station_view view;
	tally_decision dec;
	tally_error err = TALLY_ERROR_INIT;

	memset(&view, 0, sizeof view);
	assert_int_equal(tally_entry_decide(E, &view, &a, &dec, &err), TALLY_OK);
	assert_int_equal(dec.action, TALLY_ACT_PEND);

	view.state = TALLY_ST_PENDING;
	view.open[0] = &a.p;
	view.open_operator[0] = "op1";
	view.n_open = 1;
	assert_int_equal(tally_entry_decide(E, &view, &b, &dec, &err), TALLY_OK);
	assert_int_equal(dec.action, TALLY_ACT_ACCEPT);
	assert_int_equal(tally_entry_decide(E, &view, &c, &dec, &err), TALLY_OK);
	assert_int_equal(dec.action, TALLY_ACT_CONFLICT);
	assert_int_equal(tally_entry_decide(E, &view, &a, &dec, &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "P010");

	view.state = TALLY_ST_CONFLICT;
	view.open[1] = &c.p;
	view.open_operator[1] = "op2";
	view.n_open = 2;
	assert_int_equal(tally_entry_decide(E, &view, &d, &dec, &err), TALLY_OK);
	assert_int_equal(dec.action, TALLY_ACT_RESOLVE);
	assert_int_equal(dec.which, 0);
	assert_int_equal(tally_entry_decide(E, &view, &b, &dec, &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "P010");
	tally_entry e3 = mk(st, (uint64_t[]){150, 146}, "op3", "");
	assert_int_equal(tally_entry_decide(E, &view, &e3, &dec, &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "P014");

	/* accepted: the same numbers again are a duplicate; others need a reason */
	memset(&view, 0, sizeof view);
	view.state = TALLY_ST_ACCEPTED;
	view.version = 1;
	view.accepted = &a.p;
	assert_int_equal(tally_entry_decide(E, &view, &d, &dec, &err), TALLY_OK);
	assert_int_equal(dec.action, TALLY_ACT_DUPLICATE);
	assert_int_equal(tally_entry_decide(E, &view, &c, &dec, &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "P011");
	assert_int_equal(tally_entry_decide(E, &view, &x, &dec, &err), TALLY_OK);
	assert_int_equal(dec.action, TALLY_ACT_PEND);

	/* annulled stations take nothing */
	view.annulled = true;
	assert_int_equal(tally_entry_decide(E, &view, &x, &dec, &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "P012");

	/* an error relation refuses, whatever the state */
	memset(&view, 0, sizeof view);
	a.p.cand[0] += 1;
	assert_int_equal(tally_entry_decide(E, &view, &a, &dec, &err), TALLY_EREJECTED);
	assert_string_equal(err.code, "P009");
	assert_non_null(strstr(err.msg, "AZ03"));

	/* double entry off: accepted at once */
	E->double_entry = false;
	assert_int_equal(tally_entry_decide(E, &view, &b, &dec, &err), TALLY_OK);
	assert_int_equal(dec.action, TALLY_ACT_ACCEPT);
	E->double_entry = true;

	tally_entry *all[] = {&a, &b, &c, &d, &x, &e3};
	for (size_t i = 0; i < 6; i++)
		tally_protocol_release(&all[i]->p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_check_and_describe),
		cmocka_unit_test(test_diff_and_pack),
		cmocka_unit_test(test_decide),
	};
	return cmocka_run_group_tests_name("protocol", tests, setup, teardown);
}
