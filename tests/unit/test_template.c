/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_template.c: protocol template presets, the relation language, and
 * intraday turnout reports (parsing and checks, every T code).
 */
#include "testutil.h"
#include "fixture.h"

static void test_presets(void **state)
{
	(void)state;
	const char *const *names = tally_template_preset_names();
	size_t n = 0;
	for (; names[n]; n++) {
		tally_template *t = NULL;
		assert_int_equal(tally_template_preset(names[n], &t, NULL), TALLY_OK);
		assert_true(t->n_lines > 0);
		assert_true(t->n_relations >= 3);
		assert_true(t->ballots_cast.n_terms > 0);
		char *js = NULL;
		size_t len = 0;
		assert_int_equal(tally_template_to_json(t, &js, &len), TALLY_OK);
		tally_template *u = NULL;
		assert_int_equal(tally_template_from_json(js, len, "t", &u, NULL), TALLY_OK);
		assert_string_equal(u->preset, t->preset);
		tally_free(js);
		tally_template_free(u);
		tally_template_free(t);
	}
	assert_int_equal(n, 4);
	tally_template *t = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_template_preset("xx", &t, &err), TALLY_ENOTFOUND);
	assert_string_equal(err.code, "D012");
	/* the Russian relations as 20-FZ appendix 5 states them */
	assert_int_equal(tally_template_preset("ru-20fz", &t, NULL), TALLY_OK);
	assert_int_equal(t->n_lines, 12);
	assert_string_equal(t->relations[1].code, "RU02");
	assert_int_equal(t->relations[1].op, TALLY_REL_EQ);
	assert_int_equal(t->relations[1].rhs.n_terms, 6);
	assert_int_equal(t->relations[1].rhs.terms[5].coef, -1); /* - unaccounted */
	assert_int_equal(t->relations[0].op, TALLY_REL_GE);
	tally_template_free(t);
	tally_template_free(NULL);
}

/* Every control relation of every preset is evaluated and caught: from an
 * all-zero protocol (which satisfies every relation), raising one line on the
 * side that must not grow breaks exactly the relations that say so, and the
 * relation under test is among them with its own code. */
static void test_every_relation_is_caught(void **state)
{
	(void)state;
	const char *const *names = tally_template_preset_names();
	for (size_t n = 0; names[n]; n++) {
		tally_template *t = NULL;
		assert_int_equal(tally_template_preset(names[n], &t, NULL), TALLY_OK);
		/* a one-constituency election with one candidate around the template */
		tally_election *e = NULL;
		uint32_t c, k;
		assert_int_equal(tally_election_new("r", "R", "2020-01-01", "", 1, t, &e), TALLY_OK);
		tally_election_add_contest(e, "c", "C", &c);
		tally_election_add_constituency(e, "D", "D", c, 1, 1, &k);
		tally_election_add_station(e, "s", "", k, 1000, TALLY_STATION_ORDINARY, "", NULL);
		tally_election_add_candidate(e, "k", "K", k, TALLY_NOM_SELF, TALLY_NONE, "", NULL);
		assert_int_equal(tally_election_finish(e, NULL), TALLY_OK);
		for (uint32_t r = 0; r < t->n_relations; r++) {
			const tally_relation *rel = &t->relations[r];
			const tally_expr *side = rel->op == TALLY_REL_GE ? &rel->rhs : &rel->lhs;
			tally_protocol p;
			assert_int_equal(tally_protocol_init(&p, e, 0), TALLY_OK);
			tally_check ck;
			tally_protocol_check(e, &p, &ck);
			assert_int_equal(ck.n, 0);
			/* a term with a positive coefficient on the side that must not grow */
			const tally_term *term = NULL;
			for (uint32_t i = 0; i < side->n_terms && !term; i++)
				if (side->terms[i].coef > 0)
					term = &side->terms[i];
			assert_non_null(term);
			if (term->line == TALLY_LINE_CANDIDATES)
				p.cand[0] = 1;
			else
				p.lines[term->line] = 1;
			tally_protocol_check(e, &p, &ck);
			bool found = false;
			for (uint32_t i = 0; i < ck.n; i++)
				if (ck.v[i].relation == r)
					found = true;
			if (!found)
				fprintf(stderr, "%s: relation %s not caught\n", names[n], rel->code);
			assert_true(found);
			char d[400];
			for (uint32_t i = 0; i < ck.n; i++)
				if (ck.v[i].relation == r) {
					tally_violation_describe(e, &ck.v[i], d, sizeof d);
					assert_non_null(strstr(d, rel->code));
					assert_non_null(strstr(d, rel->severity == TALLY_SEV_ERROR ? "error" : "warning"));
				}
			tally_protocol_release(&p);
		}
		tally_election_free(e);
	}
}

static void test_expressions(void **state)
{
	(void)state;
	tally_template *t = NULL;
	assert_int_equal(tally_template_preset("az-mm", &t, NULL), TALLY_OK);
	tally_expr x;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_expr_parse(t, "valid + 2 * invalid - candidates", &x, &err), TALLY_OK);
	assert_int_equal(x.n_terms, 3);
	uint64_t lines[TALLY_MAX_LINES] = {0};
	lines[tally_template_line(t, "valid")] = 100;
	lines[tally_template_line(t, "invalid")] = 5;
	assert_int_equal(tally_expr_eval(&x, lines, 40), 100 + 10 - 40);
	tally_free(x.terms);
	assert_int_equal(tally_expr_parse(t, "-valid", &x, &err), TALLY_OK);
	assert_int_equal(tally_expr_eval(&x, lines, 0), -100);
	tally_free(x.terms);
	const char *bad[][2] = {
		{"", "D013"},        {"valid +", "D013"},    {"valid valid", "D013"},
		{"2 valid", "D013"}, {"0*valid", "D013"},    {"1001*valid", "D013"},
		{"nope", "D014"},    {"valid + * 2", "D013"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = tally_expr_parse(t, bad[i][0], &x, &err);
		if (rc == TALLY_OK)
			tally_free(x.terms);
		assert_int_not_equal(rc, TALLY_OK);
		assert_string_equal(err.code, bad[i][1]);
	}
	/* 32 terms pass, 33 do not */
	char buf[1024] = "valid";
	for (int i = 1; i < TALLY_MAX_TERMS; i++)
		strcat(buf, " + valid");
	assert_int_equal(tally_expr_parse(t, buf, &x, &err), TALLY_OK);
	tally_free(x.terms);
	strcat(buf, " + valid");
	assert_int_equal(tally_expr_parse(t, buf, &x, &err), TALLY_ELIMIT);
	assert_string_equal(err.code, "D015");
	tally_template_free(t);
	/* relation syntax */
	static const char *const rels[] = {"a < b", "a == b", "a = b = c", "a + b", "a => b"};
	for (size_t i = 0; i < 5; i++) {
		char js[512];
		snprintf(js, sizeof js,
		         "{\"lines\": [{\"key\": \"a\"}, {\"key\": \"b\"}, {\"key\": \"c\"}], \"relations\": "
		         "[{\"code\": \"R\", \"severity\": \"error\", \"relation\": \"%s\"}], \"ballots_cast\": \"a\"}",
		         rels[i]);
		assert_int_not_equal(tally_template_from_json(js, strlen(js), "t", &t, &err), TALLY_OK);
		assert_string_equal(err.code, "D013");
	}
	const char *tbad[][2] = {
		{"{\"lines\": [{\"key\": \"a\"}, {\"key\": \"a\"}], \"ballots_cast\": \"a\"}", "D005"},
		{"{\"lines\": [{\"key\": \"A\"}], \"ballots_cast\": \"A\"}", "D010"},
		{"{\"lines\": [{\"key\": \"candidates\"}], \"ballots_cast\": \"a\"}", "D010"},
		{"{\"lines\": [{\"key\": \"a\"}]}", "D003"},
		{"{\"lines\": [], \"ballots_cast\": \"a\"}", "D003"},
		{"{\"lines\": [{\"key\": \"a\"}], \"ballots_cast\": \"a\", \"relations\": [{\"code\": \"R\", "
		 "\"severity\": \"fatal\", \"relation\": \"a = a\"}]}", "D009"},
		{"{\"lines\": [{\"key\": \"a\"}], \"ballots_cast\": \"a\", \"relations\": [{\"code\": \"R\", "
		 "\"severity\": \"error\", \"relation\": \"a = a\"}, {\"code\": \"R\", \"severity\": "
		 "\"error\", \"relation\": \"a = a\"}]}", "D005"},
		{"{\"lines\": [{\"key\": \"a\"}], \"ballots_cast\": \"a\", \"colour\": 1}", "D004"},
		{"[1]", "D002"},
	};
	for (size_t i = 0; i < sizeof tbad / sizeof tbad[0]; i++) {
		int rc = tally_template_from_json(tbad[i][0], strlen(tbad[i][0]), "t", &t, &err);
		if (rc == TALLY_OK || strcmp(err.code, tbad[i][1]))
			fprintf(stderr, "%s: want %s got %s %s\n", tbad[i][0], tbad[i][1], err.code, err.msg);
		assert_int_not_equal(rc, TALLY_OK);
		assert_string_equal(err.code, tbad[i][1]);
	}
}

static void test_turnout(void **state)
{
	(void)state;
	tally_election *e = NULL;
	assert_int_equal(tally_election_parse(fixture_def, strlen(fixture_def), "fx", &e, NULL),
	                 TALLY_OK);
	uint32_t m;
	assert_int_equal(tally_minute_parse("10:00", &m), TALLY_OK);
	assert_int_equal(m, 600);
	assert_int_equal(tally_minute_parse("23:59", &m), TALLY_OK);
	assert_int_equal(tally_minute_parse("24:00", &m), TALLY_EINVAL);
	assert_int_equal(tally_minute_parse("9:00", &m), TALLY_EINVAL);
	char hm[6];
	tally_minute_format(1140, hm);
	assert_string_equal(hm, "19:00");
	tally_turnout *t = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	const char good[] = "station,time,voters\nS11,10:00,100\nS11,12:00,250\nS21,10:00,50\n";
	assert_int_equal(tally_turnout_parse(e, good, strlen(good), "t.csv", NULL, &t, &n, &err),
	                 TALLY_OK);
	assert_int_equal(n, 3);
	assert_int_equal(t[1].minute, 720);
	bool dup = false;
	tally_turnout later = {0, 900, 240};
	assert_int_equal(tally_turnout_check(e, &later, t, n, &dup, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "T003");
	tally_turnout earlier = {0, 540, 120};
	assert_int_equal(tally_turnout_check(e, &earlier, t, n, &dup, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "T003");
	tally_turnout same = {0, 600, 101};
	assert_int_equal(tally_turnout_check(e, &same, t, n, &dup, &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "T004");
	tally_turnout again = {0, 600, 100};
	assert_int_equal(tally_turnout_check(e, &again, t, n, &dup, &err), TALLY_OK);
	assert_true(dup);
	tally_free(t);
	/* grouped by reporting time, earliest first, with a bound on the times kept */
	tally_turnout mix[] = {{0, 720, 250}, {5, 600, 40}, {0, 600, 100}, {7, 1140, 700}};
	tally_turnout_point pts[3];
	assert_int_equal(tally_turnout_by_time(mix, 4, pts, 3), 3);
	assert_int_equal(pts[0].minute, 600);
	assert_int_equal(pts[0].stations, 2);
	assert_int_equal(pts[0].voters, 140);
	assert_int_equal(pts[1].minute, 720);
	assert_int_equal(pts[2].minute, 1140);
	assert_int_equal(pts[2].voters, 700);
	assert_int_equal(tally_turnout_by_time(mix, 4, pts, 1), 1);
	assert_int_equal(pts[0].minute, 720); /* the first time seen; later ones left out */
	assert_int_equal(tally_turnout_by_time(mix, 0, pts, 3), 0);
	const char json[] = "[{\"station\": \"S31\", \"time\": \"17:00\", \"voters\": 800}]";
	assert_int_equal(tally_turnout_parse(e, json, strlen(json), "t.json", NULL, &t, &n, &err),
	                 TALLY_OK);
	assert_int_equal(t[0].voters, 800);
	tally_free(t);
	const char *bad[][2] = {
		{"station,time,voters\nS11,25:00,1\n", "T001"},
		{"station,time,voters\nS11,10:00,1001\n", "T002"},
		{"station,time,voters\nS99,10:00,1\n", "T005"},
		{"station,time,voters\nS11,10:00,1\nS11,10:00,2\n", "T006"},
		{"station,time\nS11,10:00\n", "C003"},
		{"station,time,voters\nS11,10:00\n", "C002"},
		{"station,time,voters\nS11,10:00,x\n", "C004"},
		{"[{\"station\": \"S11\", \"time\": \"10:00\"}]", "P003"},
		{"{\"station\": \"S11\"}", "P002"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = tally_turnout_parse(e, bad[i][0], strlen(bad[i][0]), "t", NULL, &t, &n, &err);
		if (rc == TALLY_OK || strcmp(err.code, bad[i][1]))
			fprintf(stderr, "%s: want %s got %s %s\n", bad[i][0], bad[i][1], err.code, err.msg);
		assert_int_not_equal(rc, TALLY_OK);
		assert_string_equal(err.code, bad[i][1]);
	}
	tally_election_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_every_relation_is_caught),
		cmocka_unit_test(test_turnout),
	};
	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
