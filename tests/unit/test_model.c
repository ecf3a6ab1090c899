/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_model.c: the election model and its definition file: parsing,
 * lookups, the canonical writer's exact round trip, and one test for every
 * definition error code (each with its JSON path).
 */
#include "testutil.h"
#include "fixture.h"
#include "core/model_int.h"

static tally_election *parse_ok(const char *text)
{
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_election_parse(text, strlen(text), "def.json", &e, &err);
	if (rc)
		fprintf(stderr, "unexpected: %s %s %s\n", err.code, err.where, err.msg);
	assert_int_equal(rc, TALLY_OK);
	return e;
}

/* Replaces the first "from" in the fixture by "to", parses, and checks the
 * error code and that "where" contains "path". */
static void expect_code(const char *from, const char *to, const char *code, const char *path)
{
	const char *at = strstr(fixture_def, from);
	assert_non_null(at);
	size_t n = strlen(fixture_def) + strlen(to) + 1;
	char *buf = malloc(n);
	size_t pre = (size_t)(at - fixture_def);
	memcpy(buf, fixture_def, pre);
	strcpy(buf + pre, to);
	strcat(buf, at + strlen(from));
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_election_parse(buf, strlen(buf), "def.json", &e, &err);
	if (rc == TALLY_OK || strcmp(err.code, code) != 0 || (path && !strstr(err.where, path)))
		fprintf(stderr, "replacing '%s' by '%s': want %s at %s, got %d %s at '%s': %s\n", from,
		        to, code, path ? path : "-", rc, err.code, err.where, err.msg);
	assert_int_not_equal(rc, TALLY_OK);
	assert_null(e);
	assert_string_equal(err.code, code);
	if (path)
		assert_non_null(strstr(err.where, path));
	assert_non_null(strstr(err.where, "def.json"));
	free(buf);
}

static void test_parse_fixture(void **state)
{
	(void)state;
	tally_election *e = parse_ok(fixture_def);
	assert_int_equal(e->n_constituencies, 3);
	assert_int_equal(e->n_stations, 8);
	assert_int_equal(e->n_candidates, 7);
	assert_int_equal(e->n_blocs, 1);
	assert_int_equal(e->seats, 3);
	assert_true(e->double_entry);
	uint32_t c1 = tally_election_constituency(e, "C1");
	assert_int_equal(c1, 0);
	assert_int_equal(e->constituencies[c1].n_stations, 5);
	assert_int_equal(e->constituencies[c1].n_candidates, 3);
	assert_int_equal(tally_election_station(e, "S22"), 6);
	assert_int_equal(e->stations[6].type, TALLY_STATION_ABROAD);
	assert_string_equal(e->stations[5].area, "North");
	assert_int_equal(tally_election_station(e, "nope"), TALLY_NONE);
	uint32_t b = tally_election_party(e, "B");
	assert_int_equal(e->parties[b].bloc, 0);
	assert_int_equal(e->parties[tally_election_party(e, "A")].bloc, TALLY_NONE);
	uint32_t k12 = tally_election_candidate(e, "K12");
	assert_int_equal(e->candidates[k12].nominator, TALLY_NOM_BLOC);
	assert_string_equal(tally_candidate_affiliation(e, k12), "BL");
	assert_string_equal(tally_candidate_affiliation(e, tally_election_candidate(e, "K22")),
	                    "Independent");
	assert_string_equal(e->parties[0].abbrev, "A"); /* abbrev defaults to the id */
	tally_election_free(e);
}

static void test_round_trip(void **state)
{
	(void)state;
	tally_election *e = parse_ok(fixture_def);
	char *w1 = NULL, *w2 = NULL;
	size_t l1 = 0, l2 = 0;
	assert_int_equal(tally_election_write(e, &w1, &l1, NULL), TALLY_OK);
	tally_election *e2 = parse_ok(w1);
	assert_int_equal(tally_election_write(e2, &w2, &l2, NULL), TALLY_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(w1, w2, l1);
	tally_free(w1);
	tally_free(w2);
	tally_election_free(e);
	tally_election_free(e2);
}

static void test_round_trip_custom_template(void **state)
{
	(void)state;
	static const char def[] =
		"{\"format\": \"tally-definition/1\", \"election\": {\"id\": \"x\", \"name\": \"X\","
		" \"date\": \"2024-02-29\", \"seats\": 2},"
		" \"template\": {\"name\": \"mini\", \"lines\": [{\"key\": \"cast\", \"label\": \"Cast\"},"
		"  {\"key\": \"valid\"}], \"relations\": [{\"code\": \"M1\", \"severity\": \"error\","
		"  \"relation\": \"valid = candidates\"}, {\"code\": \"M2\", \"severity\": \"warning\","
		"  \"relation\": \"2*valid - cast <= cast\"}], \"ballots_cast\": \"cast\"},"
		" \"contests\": [{\"id\": \"c\", \"name\": \"C\"}],"
		" \"constituencies\": [{\"id\": \"D\", \"name\": \"D\", \"contest\": \"c\", \"magnitude\": 2}],"
		" \"stations\": [{\"id\": \"s\", \"constituency\": \"D\", \"registered\": 10}],"
		" \"candidates\": [{\"id\": \"k\", \"name\": \"K\", \"constituency\": \"D\", \"nominator\": \"self\"}]}";
	tally_election *e = parse_ok(def);
	assert_null(e->tmpl->preset);
	assert_int_equal(e->tmpl->n_relations, 2);
	assert_int_equal(e->tmpl->relations[1].lhs.terms[0].coef, 2);
	assert_int_equal(e->tmpl->relations[1].lhs.terms[1].coef, -1);
	char *w1 = NULL, *w2 = NULL;
	size_t l1, l2;
	assert_int_equal(tally_election_write(e, &w1, &l1, NULL), TALLY_OK);
	tally_election *e2 = parse_ok(w1);
	assert_int_equal(tally_election_write(e2, &w2, &l2, NULL), TALLY_OK);
	assert_string_equal(w1, w2);
	tally_free(w1);
	tally_free(w2);
	tally_election_free(e);
	tally_election_free(e2);
}

/* The canonical layout is read without a JSON tree (model.c,
 * tally__election_parse_canonical): it must give exactly the election the
 * full parser gives, and leave every other layout and every error to it. */
static char *replace_first(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	assert_non_null(at);
	size_t pre = (size_t)(at - s), n = strlen(s) + strlen(to) + 1;
	char *buf = malloc(n);
	memcpy(buf, s, pre);
	strcpy(buf + pre, to);
	strcat(buf, at + strlen(from));
	return buf;
}

static void test_canonical_fast_path(void **state)
{
	(void)state;
	tally_election *e = parse_ok(fixture_def), *f = NULL;
	char *w1 = NULL, *w2 = NULL, *v = NULL;
	size_t l1 = 0, l2 = 0;
	tally_error err = TALLY_ERROR_INIT;

	assert_int_equal(tally_election_write(e, &w1, &l1, NULL), TALLY_OK);
	/* the writer's output takes the fast path and round-trips byte for byte */
	assert_int_equal(tally__election_parse_canonical(w1, l1, &f), TALLY_OK);
	assert_int_equal(tally_election_write(f, &w2, &l2, NULL), TALLY_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(w1, w2, l1);
	tally_election_free(f);
	f = NULL;
	tally_free(w2);
	w2 = NULL;
	/* the hand-written fixture is not canonical: the full parser reads it */
	assert_int_not_equal(tally__election_parse_canonical(fixture_def, strlen(fixture_def), &f),
	                     TALLY_OK);
	assert_null(f);
	/* an escape is left to the full parser, which decodes it */
	v = replace_first(w1, "\"name\": \"", "\"name\": \"\\u0041");
	assert_int_not_equal(tally__election_parse_canonical(v, strlen(v), &f), TALLY_OK);
	f = parse_ok(v);
	assert_int_equal(f->name[0], 'A');
	tally_election_free(f);
	f = NULL;
	free(v);
	/* keys in another order: the same election */
	v = replace_first(w1, "\"seats\": 3, \"double_entry\": true", "\"double_entry\": true, \"seats\": 3");
	assert_int_not_equal(tally__election_parse_canonical(v, strlen(v), &f), TALLY_OK);
	f = parse_ok(v);
	assert_int_equal(tally_election_write(f, &w2, &l2, NULL), TALLY_OK);
	assert_string_equal(w1, w2);
	tally_election_free(f);
	f = NULL;
	free(v);
	/* errors in the canonical layout keep the full parser's code and path */
	v = replace_first(w1, "\"registered\": ", "\"registered\": 1000000001");
	assert_int_not_equal(tally__election_parse_canonical(v, strlen(v), &f), TALLY_OK);
	assert_int_equal(tally_election_parse(v, strlen(v), "def.json", &f, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "D007");
	assert_non_null(strstr(err.where, "def.json: $.stations[0].registered"));
	free(v);
	v = replace_first(w1, "\"constituency\": \"C1\"", "\"constituency\": \"C9\"");
	assert_int_equal(tally_election_parse(v, strlen(v), "def.json", &f, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "D006");
	assert_non_null(strstr(err.where, "def.json: $.stations[0].constituency"));
	assert_null(f);
	free(v);
	tally_free(w1);
	tally_free(w2);
	tally_election_free(e);
}

static void test_errors(void **state)
{
	(void)state;
	expect_code("\"seats\": 3,", "\"seats\": 3,,", "D001", "line 1");
	expect_code("\"seats\": 3,", "\"seats\": \"3\",", "D002", "$.election.seats");
	expect_code("\"name\": \"Test\",", "", "D003", "$.election.name");
	expect_code("\"body\": \"Assembly\",", "\"bodyy\": \"Assembly\",", "D004", "$.election.bodyy");
	expect_code("{\"id\": \"S12\"", "{\"id\": \"S11\"", "D005", "$.stations[1].id");
	expect_code("\"constituency\": \"C1\", \"registered\": 1000}", "\"constituency\": \"C9\", \"registered\": 1000}",
	            "D006", "$.stations[0].constituency");
	expect_code("\"contest\": \"mm\", \"magnitude\": 1}", "\"contest\": \"mm\", \"magnitude\": 0}",
	            "D007", "$.constituencies[0].magnitude");
	expect_code("\"seats\": 3,", "\"seats\": 4,", "D008", "$.constituencies");
	expect_code("\"type\": \"mobile\"", "\"type\": \"boat\"", "D009", "$.stations[4].type");
	expect_code("{\"id\": \"K11\"", "{\"id\": \"K 11\"", "D010", "$.candidates[0].id");
	expect_code("\"2015-11-01\"", "\"2015-02-29\"", "D011", "$.election.date");
	expect_code("\"template\": \"az-mm\"", "\"template\": \"zz\"", "D012", "$.template");
	expect_code("\"template\": \"az-mm\"",
	            "\"template\": {\"lines\": [{\"key\": \"a\"}], \"relations\": [{\"code\": \"X\","
	            " \"severity\": \"error\", \"relation\": \"a + = a\"}], \"ballots_cast\": \"a\"}",
	            "D013", "$.template.relations[0]");
	expect_code("\"template\": \"az-mm\"",
	            "\"template\": {\"lines\": [{\"key\": \"a\"}], \"relations\": [{\"code\": \"X\","
	            " \"severity\": \"error\", \"relation\": \"a <= b\"}], \"ballots_cast\": \"a\"}",
	            "D014", "$.template.relations[0]");
	char longname[700];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	char repl[800];
	snprintf(repl, sizeof repl, "\"name\": \"%s\"", longname);
	expect_code("\"name\": \"Ann\"", repl, "D015", "$.candidates[0].name");
	expect_code("{\"id\": \"S31\", \"constituency\": \"C3\"", "{\"id\": \"S31\", \"constituency\": \"C2\"",
	            "D016", "$.constituencies[2]");
	expect_code("\"members\": [\"B\", \"C\"]", "\"members\": [\"B\"]", "D017", "$.blocs[0].members");
	expect_code("\"members\": [\"B\", \"C\"]", "\"members\": [\"B\", \"B\"]", "D017", "$.blocs[0].members");
	expect_code("tally-definition/1", "tally-definition/9", "D018", "$.format");
	expect_code("\"rule\": \"plurality\"", "\"rule\": \"stv\"", "D019", "$.system.rule");
	expect_code("\"tie\": \"fail\"", "\"tie\": \"coin\"", "D019", "$.system.tie");
	expect_code("\"seats\": 3,", "\"seats\": 3, \"seats\": 3,", "D020", "line 1");
	/* nominator keys must match the nominator */
	expect_code("\"nominator\": \"self\"}", "\"nominator\": \"self\", \"party\": \"A\"}", "D004",
	            "$.candidates[2].party");
	expect_code("\"group\": \"Friends\"", "\"group\": \"\"", "D003", "$.candidates[4].group");
	expect_code("\"registered\": 800", "\"registered\": -1", "D007", "$.stations[7].registered");
	expect_code("\"registered\": 800", "\"registered\": 1.5", "D002", "$.stations[7].registered");
	expect_code("\"color\": \"#112233\"", "\"color\": \"red\"", "D009", "$.parties[0].color");
}

static void test_builder_and_limits(void **state)
{
	(void)state;
	tally_template *t = NULL;
	assert_int_equal(tally_template_preset("az-mm", &t, NULL), TALLY_OK);
	tally_election *e = NULL;
	assert_int_equal(tally_election_new("b", "B", "2020-01-01", "", 1, t, &e), TALLY_OK);
	uint32_t c, k;
	assert_int_equal(tally_election_add_contest(e, "c", "C", &c), TALLY_OK);
	assert_int_equal(tally_election_add_constituency(e, "D", "D", c, 1, 1, &k), TALLY_OK);
	assert_int_equal(tally_election_add_station(e, "s1", "", k, TALLY_MAX_REGISTERED,
	                                            TALLY_STATION_ORDINARY, "", NULL), TALLY_OK);
	assert_int_equal(tally_election_add_candidate(e, "k1", "K", k, TALLY_NOM_PARTY, 5, "", NULL),
	                 TALLY_OK);
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_election_finish(e, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "D006"); /* party index 5 does not exist */
	tally_election_free(e);

	/* the registered limit is inclusive */
	assert_int_equal(tally_template_preset("az-mm", &t, NULL), TALLY_OK);
	assert_int_equal(tally_election_new("b", "B", "2020-01-01", "", 1, t, &e), TALLY_OK);
	tally_election_add_contest(e, "c", "C", &c);
	tally_election_add_constituency(e, "D", "D", c, 1, 1, &k);
	tally_election_add_station(e, "s1", "", k, TALLY_MAX_REGISTERED + 1, TALLY_STATION_ORDINARY,
	                           "", NULL);
	assert_int_equal(tally_election_finish(e, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "D007");
	tally_election_free(e);
	tally_election_free(NULL);
}

static void test_id_length_boundary(void **state)
{
	(void)state;
	char id64[TALLY_MAX_ID_LEN + 1], id65[TALLY_MAX_ID_LEN + 2];
	memset(id64, 'a', TALLY_MAX_ID_LEN);
	id64[TALLY_MAX_ID_LEN] = '\0';
	memset(id65, 'a', TALLY_MAX_ID_LEN + 1);
	id65[TALLY_MAX_ID_LEN + 1] = '\0';
	char from[] = "{\"id\": \"S11\"", to[128];
	snprintf(to, sizeof to, "{\"id\": \"%s\"", id64);
	const char *at = strstr(fixture_def, from);
	char *buf = malloc(strlen(fixture_def) + 100);
	size_t pre = (size_t)(at - fixture_def);
	memcpy(buf, fixture_def, pre);
	strcpy(buf + pre, to);
	strcat(buf, at + strlen(from));
	tally_election *e = parse_ok(buf);
	tally_election_free(e);
	free(buf);
	snprintf(to, sizeof to, "{\"id\": \"%s\"", id65);
	expect_code(from, to, "D010", "$.stations[0].id");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fixture),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_custom_template),
		cmocka_unit_test(test_canonical_fast_path),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_builder_and_limits),
		cmocka_unit_test(test_id_length_boundary),
	};
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
