/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_count.c: counting and outcomes: sums per constituency and nation,
 * progress, turnout, the art. 170.1 tie (failed) and the lot policy, the
 * art. 170.2 rule at its exact 2/5 boundary, annulled constituencies,
 * incomplete counts, too few candidates, seats by party, bloc and
 * independents.
 */
#include "testutil.h"
#include "fixture.h"

static tally_election *load(const char *patch_from, const char *patch_to)
{
	char *buf = malloc(strlen(fixture_def) + 256);
	const char *at = patch_from ? strstr(fixture_def, patch_from) : NULL;
	if (at) {
		size_t pre = (size_t)(at - fixture_def);
		memcpy(buf, fixture_def, pre);
		strcpy(buf + pre, patch_to);
		strcat(buf, at + strlen(patch_from));
	} else
		strcpy(buf, fixture_def);
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_election_parse(buf, strlen(buf), "fx", &e, &err);
	if (rc)
		fprintf(stderr, "%s %s\n", err.code, err.msg);
	assert_int_equal(rc, TALLY_OK);
	free(buf);
	return e;
}

static void add(tally_results *r, const char *sid, const uint64_t *votes, uint32_t n)
{
	const tally_election *e = r->e;
	tally_protocol p;
	fixture_protocol(e, tally_election_station(e, sid), votes, n, 10, &p);
	assert_int_equal(tally_results_add(r, &p, 1, NULL), TALLY_OK);
	tally_protocol_release(&p);
}

/* Everyone reports: C1 Ann (party A) wins, C2 Dan (party B) wins, C3 Fay (A). */
static void add_all(tally_results *r)
{
	uint64_t c1[] = {300, 200, 100};
	add(r, "S11", c1, 3);
	add(r, "S12", c1, 3);
	add(r, "S13", c1, 3);
	add(r, "S14", c1, 3);
	add(r, "S15", c1, 3);
	uint64_t c2[] = {150, 100};
	add(r, "S21", c2, 2);
	add(r, "S22", c2, 2);
	uint64_t c3[] = {400, 100};
	add(r, "S31", c3, 2);
}

static void test_full_count(void **state)
{
	(void)state;
	tally_election *e = load(NULL, NULL);
	tally_results *r = NULL;
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	add_all(r);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->reported, 8);
	assert_int_equal(r->registered, 6800);
	assert_int_equal(r->registered_reported, 6800);
	assert_int_equal(r->by_outcome[TALLY_OUT_ELECTED], 3);
	assert_int_equal(r->valid, 5 * 600 + 2 * 250 + 500);
	/* ballots cast = valid + 10 invalid per station */
	assert_int_equal(r->ballots_cast, r->valid + 80);
	assert_int_equal(r->registered_lines, 6800);
	assert_int_equal(tally_permyriad(r->ballots_cast, r->registered_lines), 6000);
	tally_constituency_result *c1 = &r->cons[0];
	assert_int_equal(c1->outcome, TALLY_OUT_ELECTED);
	assert_int_equal(c1->n_elected, 1);
	assert_int_equal(c1->elected[0], 0);
	assert_int_equal(c1->votes[1], 1000);
	/* seats: A 2 (C1, C3), B 1 (C2), bloc 0, independents 0 */
	uint32_t A = tally_election_party(e, "A"), B = tally_election_party(e, "B");
	assert_int_equal(r->aff[A].seats, 2);
	assert_int_equal(r->aff[B].seats, 1);
	assert_int_equal(r->aff[e->n_parties].seats, 0); /* the bloc */
	assert_int_equal(r->aff[e->n_parties].votes, 1000); /* Bob's votes count for the bloc */
	assert_int_equal(r->aff[e->n_parties + 1].votes, 500 + 200); /* Cid (self) + Eve (initiative) */
	assert_int_equal(r->seats_filled, 3);
	const uint32_t *v = tally_results_station_values(r, 0);
	assert_non_null(v);
	assert_int_equal(v[e->tmpl->n_lines], 300);
	tally_error err = TALLY_ERROR_INIT;
	tally_protocol p;
	fixture_protocol(e, 0, (uint64_t[]){1, 1, 1}, 3, 0, &p);
	tally_results_free(r);
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	assert_int_equal(tally_results_add(r, &p, 1, &err), TALLY_OK);
	assert_int_equal(tally_results_add(r, &p, 1, &err), TALLY_ECONFLICT);
	tally_protocol_release(&p);
	tally_results_free(r);
	tally_election_free(e);
}

static void test_incomplete(void **state)
{
	(void)state;
	tally_election *e = load(NULL, NULL);
	tally_results *r = NULL;
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	uint64_t c1[] = {300, 200, 100};
	add(r, "S11", c1, 3);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_INCOMPLETE);
	assert_int_equal(r->cons[0].n_elected, 0);
	assert_int_equal(r->cons[0].order[0], 0); /* the leader is still shown */
	assert_int_equal(r->by_outcome[TALLY_OUT_INCOMPLETE], 3);
	assert_int_equal(r->seats_filled, 0);
	assert_int_equal(r->registered_reported, 1000);
	assert_null(tally_results_station_values(r, 1));
	tally_results_free(r);
	tally_election_free(e);
}

static void test_tie_fails(void **state)
{
	(void)state;
	tally_election *e = load(NULL, NULL);
	tally_results *r = NULL;
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	add_all(r);
	tally_results_free(r);
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	uint64_t c1[] = {300, 300, 100};
	const char *ids[] = {"S11", "S12", "S13", "S14", "S15"};
	for (int i = 0; i < 5; i++)
		add(r, ids[i], c1, 3);
	uint64_t c2[] = {150, 100}, c3[] = {400, 100};
	add(r, "S21", c2, 2);
	add(r, "S22", c2, 2);
	add(r, "S31", c3, 2);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_FAILED);
	assert_int_equal(r->cons[0].n_elected, 0);
	assert_non_null(strstr(r->cons[0].note, "K11, K12"));
	assert_int_equal(r->by_outcome[TALLY_OUT_FAILED], 1);
	assert_int_equal(r->seats_filled, 2);
	tally_results_free(r);
	tally_election_free(e);
}

/* The lot: reproducible for a seed, and independent of the candidates'
 * order in the definition (never array order). */
static uint32_t lot_winner(const char *def_from, const char *def_to, uint64_t seed)
{
	char seedtxt[64];
	snprintf(seedtxt, sizeof seedtxt, "\"tie\": \"lot\", \"lot_seed\": %llu", (unsigned long long)seed);
	tally_election *e = load("\"tie\": \"fail\"", seedtxt);
	if (def_from) {
		/* swap the order of K11 and K12 in the candidate list by renaming */
		(void)def_to;
	}
	tally_results *r = NULL;
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	uint64_t c1[] = {300, 300, 100};
	const char *ids[] = {"S11", "S12", "S13", "S14", "S15"};
	for (int i = 0; i < 5; i++)
		add(r, ids[i], c1, 3);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_ELECTED);
	assert_true(r->cons[0].lot_drawn);
	assert_non_null(strstr(r->cons[0].note, "lot"));
	uint32_t w = e->constituencies[0].candidates[r->cons[0].elected[0]];
	tally_results_free(r);
	tally_election_free(e);
	return w;
}

static void test_tie_lot(void **state)
{
	(void)state;
	uint32_t w1 = lot_winner(NULL, NULL, 7);
	assert_int_equal(lot_winner(NULL, NULL, 7), w1);
	/* some seed picks each of the two tied candidates */
	bool seen[2] = {false, false};
	for (uint64_t s = 0; s < 64; s++) {
		uint32_t w = lot_winner(NULL, NULL, s);
		assert_true(w == 0 || w == 1);
		seen[w] = true;
	}
	assert_true(seen[0] && seen[1]);
}

static void test_two_fifths_boundary(void **state)
{
	(void)state;
	tally_election *e = load(NULL, NULL);
	tally_results *r = NULL;
	/* exactly 2 of 5 stations annulled: not more than 2/5, so valid */
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	add_all(r);
	tally_results_annul_station(r, 0);
	tally_results_annul_station(r, 1);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_ELECTED);
	assert_int_equal(r->cons[0].invalid_stations, 2);
	assert_int_equal(r->cons[0].reported, 3);
	assert_int_equal(r->annulled_stations, 2);
	assert_int_equal(r->cons[0].votes[0], 900); /* annulled stations do not count */
	tally_results_free(r);
	/* 3 of 5: invalid (art. 170.2) */
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	tally_results_annul_station(r, 2); /* annulments may precede the adds */
	add_all(r);
	tally_results_annul_station(r, 0);
	tally_results_annul_station(r, 1);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_INVALID);
	assert_int_equal(r->cons[0].n_elected, 0);
	assert_non_null(strstr(r->cons[0].note, "3 of 5"));
	assert_int_equal(r->seats_filled, 2);
	tally_results_free(r);
	/* C3 has one station: annulling it makes 1/1 > 2/5 */
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	add_all(r);
	tally_results_annul_station(r, tally_election_station(e, "S31"));
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[2].outcome, TALLY_OUT_INVALID);
	tally_results_free(r);
	tally_election_free(e);
}

static void test_annulled_constituency(void **state)
{
	(void)state;
	tally_election *e = load(NULL, NULL);
	tally_results *r = NULL;
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	add_all(r);
	tally_results_annul_constituency(r, 1);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[1].outcome, TALLY_OUT_INVALID);
	assert_true(r->cons[1].annulled);
	/* the national totals leave the annulled constituency out */
	assert_int_equal(r->valid, 5 * 600 + 500);
	assert_int_equal(r->aff[tally_election_party(e, "B")].seats, 0);
	assert_int_equal(r->aff[tally_election_party(e, "B")].votes, 0);
	assert_int_equal(r->seats_filled, 2);
	tally_results_free(r);
	tally_election_free(e);
}

static void test_too_few_candidates_and_rule_none(void **state)
{
	(void)state;
	tally_election *e = load("\"contest\": \"mm\", \"magnitude\": 1},\n",
	                         "\"contest\": \"mm\", \"magnitude\": 1},\n");
	tally_election_free(e);
	/* magnitude 3 with 3 candidates elects all; rule none counts only */
	e = load("\"rule\": \"plurality\"", "\"rule\": \"none\"");
	tally_results *r = NULL;
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	add_all(r);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->by_outcome[TALLY_OUT_COUNTED], 3);
	assert_int_equal(r->seats_filled, 0);
	assert_int_equal(r->valid, 4000);
	tally_results_free(r);
	tally_election_free(e);
	/* a magnitude larger than the candidates: no candidates outcome */
	static const char def[] =
		"{\"format\": \"tally-definition/1\", \"election\": {\"id\": \"x\", \"name\": \"X\","
		" \"date\": \"2024-01-01\", \"seats\": 3}, \"template\": \"az-mm\","
		" \"contests\": [{\"id\": \"c\", \"name\": \"C\"}],"
		" \"constituencies\": [{\"id\": \"D\", \"name\": \"D\", \"contest\": \"c\", \"magnitude\": 3}],"
		" \"stations\": [{\"id\": \"s\", \"constituency\": \"D\", \"registered\": 100}],"
		" \"candidates\": [{\"id\": \"k1\", \"name\": \"K\", \"constituency\": \"D\", \"nominator\": \"self\"},"
		"  {\"id\": \"k2\", \"name\": \"L\", \"constituency\": \"D\", \"nominator\": \"self\"}]}";
	assert_int_equal(tally_election_parse(def, strlen(def), "d", &e, NULL), TALLY_OK);
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_NO_CANDIDATES);
	tally_results_free(r);
	tally_election_free(e);
}

static void test_multi_member(void **state)
{
	(void)state;
	static const char def[] =
		"{\"format\": \"tally-definition/1\", \"election\": {\"id\": \"x\", \"name\": \"X\","
		" \"date\": \"2024-01-01\", \"seats\": 2}, \"template\": \"az-mm\","
		" \"contests\": [{\"id\": \"c\", \"name\": \"C\"}],"
		" \"constituencies\": [{\"id\": \"D\", \"name\": \"D\", \"contest\": \"c\", \"magnitude\": 2}],"
		" \"stations\": [{\"id\": \"s\", \"constituency\": \"D\", \"registered\": 1000}],"
		" \"candidates\": [{\"id\": \"a\", \"name\": \"A\", \"constituency\": \"D\", \"nominator\": \"self\"},"
		"  {\"id\": \"b\", \"name\": \"B\", \"constituency\": \"D\", \"nominator\": \"self\"},"
		"  {\"id\": \"c\", \"name\": \"C\", \"constituency\": \"D\", \"nominator\": \"self\"}]}";
	tally_election *e = NULL;
	assert_int_equal(tally_election_parse(def, strlen(def), "d", &e, NULL), TALLY_OK);
	tally_results *r = NULL;
	/* a clear second seat */
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	add(r, "s", (uint64_t[]){100, 300, 200}, 3);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_ELECTED);
	assert_int_equal(r->cons[0].n_elected, 2);
	assert_int_equal(r->cons[0].elected[0], 1);
	assert_int_equal(r->cons[0].elected[1], 2);
	tally_results_free(r);
	/* a tie for the second seat: the first is elected, the election fails for the second */
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	add(r, "s", (uint64_t[]){200, 300, 200}, 3);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_FAILED);
	assert_int_equal(r->cons[0].n_elected, 1);
	assert_int_equal(r->cons[0].elected[0], 1);
	tally_results_free(r);
	tally_election_free(e);
}

static void test_permyriad(void **state)
{
	(void)state;
	assert_int_equal(tally_permyriad(0, 0), 0);
	assert_int_equal(tally_permyriad(1, 3), 3333);
	assert_int_equal(tally_permyriad(2, 3), 6667);
	assert_int_equal(tally_permyriad(1, 20000), 1); /* 0.5 rounds up */
	assert_int_equal(tally_permyriad(UINT64_MAX / 2, UINT64_MAX / 2), 10000);
	assert_null(tally_seat_rule_find("stv"));
	assert_string_equal(tally_outcome_name(TALLY_OUT_FAILED), "failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_count),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_tie_fails),
		cmocka_unit_test(test_tie_lot),
		cmocka_unit_test(test_two_fifths_boundary),
		cmocka_unit_test(test_annulled_constituency),
		cmocka_unit_test(test_too_few_candidates_and_rule_none),
		cmocka_unit_test(test_multi_member),
		cmocka_unit_test(test_permyriad),
	};
	return cmocka_run_group_tests_name("count", tests, NULL, NULL);
}
