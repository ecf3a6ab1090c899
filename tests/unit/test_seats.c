/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_seats.c: the seat-allocation engine (src/core/seats): textbook
 * examples for every method (the Wikipedia D'Hondt / Sainte-Lague example
 * and a second one with six lists; expected figures checked by hand and
 * with an independent exact implementation), properties (seats add up,
 * permuting parties permutes the result, house monotonicity of divisor
 * methods, the recorded divisor reproduces the result), every tie policy,
 * thresholds, the votes table reader and its error codes, and two official
 * results read from data/seats: Poland's Sejm 2023 and the
 * German Bundestag 2021 (skipped when the data are absent).
 */
#include "testutil.h"
#include "tally/seats.h"
#include "tally/csv.h"

static tally_seats_rule rule_of(tally_seats_method m)
{
	tally_seats_rule r;
	memset(&r, 0, sizeof r);
	r.method = m;
	r.tie[0] = TALLY_SEATS_TIE_LOT;
	r.n_tie = 1;
	r.seed = 42;
	return r;
}

static void run(const tally_seats_rule *r, const uint64_t *v, uint32_t n, uint32_t seats,
                tally_apportionment *a)
{
	tally_apportion_input in = {n, v, NULL, NULL, seats, NULL, NULL, NULL};
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_apportion(r, &in, a, &err);
	if (rc)
		fprintf(stderr, "%s %s\n", err.code, err.msg);
	assert_int_equal(rc, TALLY_OK);
}

static void expect(tally_seats_method m, const uint64_t *v, uint32_t n, uint32_t seats,
                   const uint32_t *want)
{
	tally_seats_rule r = rule_of(m);
	tally_apportionment a;
	run(&r, v, n, seats, &a);
	assert_int_equal(a.state, TALLY_SEATS_DONE);
	for (uint32_t i = 0; i < n; i++) {
		if (a.alloc[i] != want[i])
			fprintf(stderr, "%s: party %u has %u, want %u\n", tally_seats_method_name(m), i,
			        a.alloc[i], want[i]);
		assert_int_equal(a.alloc[i], want[i]);
	}
	assert_int_equal(a.allocated, seats);
	tally_apportionment_release(&a);
}

static void test_textbook(void **state)
{
	(void)state;
	static const uint64_t w[] = {100000, 80000, 30000, 20000};
	static const uint32_t want[TALLY_SEATS_N_METHODS][4] = {
		{4, 3, 1, 0}, {3, 3, 1, 1}, {4, 3, 1, 0}, {3, 3, 1, 1}, {5, 3, 0, 0}, {3, 3, 1, 1},
		{3, 3, 1, 1}, {3, 3, 1, 1}, {3, 3, 1, 1}, {4, 3, 1, 0}, {4, 3, 1, 0}, {4, 3, 1, 0}};
	static const uint64_t x[] = {47000, 16000, 15900, 12000, 6000, 3100};
	static const uint32_t want2[TALLY_SEATS_N_METHODS][6] = {
		{5, 2, 2, 1, 0, 0}, {4, 2, 2, 1, 1, 0}, {5, 2, 2, 1, 0, 0}, {4, 2, 2, 1, 1, 0},
		{7, 1, 1, 1, 0, 0}, {3, 2, 2, 1, 1, 1}, {4, 2, 1, 1, 1, 1}, {4, 2, 1, 1, 1, 1},
		{5, 2, 1, 1, 1, 0}, {5, 2, 2, 1, 0, 0}, {5, 2, 2, 1, 0, 0}, {5, 2, 2, 1, 0, 0}};
	for (int m = 0; m < TALLY_SEATS_N_METHODS; m++) {
		if (m != TALLY_SEATS_MODIFIED_SL)
			expect((tally_seats_method)m, w, 4, 8, want[m]);
		expect((tally_seats_method)m, x, 6, 10, want2[m]);
	}
	/* modified Sainte-Lague (1.4) on the first example: the 8th seat is an
	 * exact tie, 100000/7 = 20000/1.4 = 14,285.714..., which floating point
	 * would break by accident: here it goes to the lot */
	tally_seats_rule ms = rule_of(TALLY_SEATS_MODIFIED_SL);
	tally_apportionment t;
	run(&ms, w, 4, 8, &t);
	assert_int_equal(t.n_ties, 1);
	assert_int_equal(t.ties[0].n_tied, 2);
	assert_int_equal(t.ties[0].tied[0] + t.ties[0].tied[1], 0 + 3);
	assert_int_equal(t.alloc[0] + t.alloc[3], 4);
	assert_int_equal(t.alloc[1], 3);
	tally_apportionment_release(&t);
	/* Hare: quota 28,750; remainders B .783 and D .696 take the two seats */
	tally_seats_rule r = rule_of(TALLY_SEATS_HARE);
	tally_apportionment a;
	run(&r, w, 4, 8, &a);
	assert_int_equal(a.quota.num / a.quota.den, 28750);
	assert_int_equal(a.whole[0], 3);
	assert_int_equal(a.whole[1], 2);
	assert_int_equal(a.remainder[1], 80000 * 8 - 2 * 230000);
	tally_apportionment_release(&a);
	/* Droop quota floor(230000/9) + 1 = 25,556 */
	r = rule_of(TALLY_SEATS_DROOP);
	run(&r, w, 4, 8, &a);
	assert_int_equal(a.quota.num, 25556);
	assert_int_equal(a.quota.den, 1);
	tally_apportionment_release(&a);
	/* Imperiali quota 230000/10 = 23,000: 4+3+1+0 = 8 whole seats */
	r = rule_of(TALLY_SEATS_IMPERIALI_QUOTA);
	run(&r, w, 4, 8, &a);
	assert_int_equal(a.whole[0] + a.whole[1] + a.whole[2] + a.whole[3], 8);
	tally_apportionment_release(&a);
	/* modified Sainte-Lague with a first divisor of 6/5 and of 2, and
	 * Sweden's case where it matters: 1.2 lets the small list in */
	static const uint64_t y[] = {1000, 560};
	r = rule_of(TALLY_SEATS_MODIFIED_SL);
	r.first = (tally_ratio){6, 5}; /* 560/1.2 = 466.7 > 1000/3 = 333.3 */
	run(&r, y, 2, 2, &a);
	assert_int_equal(a.alloc[1], 1);
	tally_apportionment_release(&a);
	r.first = (tally_ratio){2, 1}; /* 560/2 = 280 < 333.3 */
	run(&r, y, 2, 2, &a);
	assert_int_equal(a.alloc[0], 2);
	tally_apportionment_release(&a);
	/* Adams, Dean and Huntington-Hill give every list with votes a seat
	 * first: the zero divisor */
	static const uint64_t z[] = {1000000, 1, 0};
	for (tally_seats_method m = TALLY_SEATS_ADAMS; m <= TALLY_SEATS_HUNTINGTON_HILL; m++) {
		r = rule_of(m);
		run(&r, z, 3, 3, &a);
		assert_int_equal(a.alloc[0], 2);
		assert_int_equal(a.alloc[1], 1);
		assert_int_equal(a.alloc[2], 0);
		tally_apportionment_release(&a);
	}
}

static void test_huntington_hill_exact(void **state)
{
	(void)state;
	/* 7 and 10 votes, 4 seats: priorities 7/sqrt2 = 4.95, 10/sqrt6 = 4.08,
	 * 10/sqrt2 = 7.07: A 1+1, B 1+1. With 5 seats the next is 7/sqrt6 =
	 * 2.858 against 10/sqrt12 = 2.887: B. Squared: 49*12 = 588 < 100*6 = 600. */
	static const uint64_t v[] = {7, 10};
	tally_seats_rule r = rule_of(TALLY_SEATS_HUNTINGTON_HILL);
	tally_apportionment a;
	run(&r, v, 2, 5, &a);
	assert_int_equal(a.alloc[0], 2);
	assert_int_equal(a.alloc[1], 3);
	assert_int_equal(tally_seats_quotient_cmp(&r, 7, 2, 10, 3), -1);
	char b[48];
	assert_string_equal(tally_seats_quotient_fmt(&r, 10, 1, b), "7.071");
	tally_apportionment_release(&a);
	/* exact Sainte-Lague 0.5 case: 3 and 1 votes, 2 seats, quotients
	 * 3/1.5 = 2 and 1/0.5 = 2: a genuine tie, settled by lot */
	static const uint64_t t[] = {3, 1};
	r = rule_of(TALLY_SEATS_SAINTE_LAGUE);
	run(&r, t, 2, 2, &a);
	assert_int_equal(a.n_ties, 1);
	assert_int_equal(a.ties[0].settled_by, TALLY_SEATS_TIE_LOT);
	tally_apportionment_release(&a);
}

/* ==== ties ==== */

static void tie_case(const tally_seats_tie *chain, uint32_t n_chain, const uint64_t *dw,
                     tally_seats_state want_state, int want_loser)
{
	static const uint64_t v[] = {100, 300, 100};
	static const char *const ids[] = {"alpha", "beta", "gamma"};
	tally_seats_rule r = rule_of(TALLY_SEATS_DHONDT);
	if (n_chain)
		memcpy(r.tie, chain, n_chain * sizeof *chain);
	r.n_tie = n_chain;
	r.seed = 7;
	/* beta takes 300 and 150; the last 2 seats are a tie at 100 between
	 * alpha, beta (3rd quotient 300/3) and gamma: 3 tied for 2 seats */
	tally_apportion_input in = {3, v, NULL, NULL, 4, ids, NULL, dw};
	tally_apportionment a;
	assert_int_equal(tally_apportion(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.state, want_state);
	assert_int_equal(a.n_ties, 1);
	assert_int_equal(a.ties[0].n_tied, 3);
	assert_int_equal(a.ties[0].seats, 2);
	if (want_state == TALLY_SEATS_DONE) {
		assert_int_equal(a.allocated, 4);
		assert_int_equal(a.alloc[want_loser], want_loser == 1 ? 2 : 0);
	} else {
		assert_true(a.allocated < 4);
		assert_false(a.has_divisor);
	}
	tally_apportionment_release(&a);
}

static void test_tie_policies(void **state)
{
	(void)state;
	/* votes: beta has more votes than alpha and gamma: beta takes one of
	 * the two seats; alpha and gamma stay level for the other */
	tally_seats_tie votes_only[] = {TALLY_SEATS_TIE_VOTES};
	tie_case(votes_only, 1, NULL, TALLY_SEATS_LOTS_REQUIRED, 0);
	/* then districts won: gamma 5 > alpha 3 */
	uint64_t dw[] = {3, 0, 5};
	tally_seats_tie vd[] = {TALLY_SEATS_TIE_VOTES, TALLY_SEATS_TIE_DISTRICTS};
	tie_case(vd, 2, dw, TALLY_SEATS_DONE, 0); /* alpha loses: 0 seats */
	/* fail */
	tally_seats_tie f[] = {TALLY_SEATS_TIE_FAIL};
	tie_case(f, 1, NULL, TALLY_SEATS_FAILED, 0);
	/* no policy: drawing of lots required */
	tie_case(NULL, 0, NULL, TALLY_SEATS_LOTS_REQUIRED, 0);
	/* lot: the two highest keys of splitmix64(7 ^ fnv(id)) win */
	static const uint64_t v[] = {100, 300, 100};
	static const char *const ids[] = {"alpha", "beta", "gamma"};
	tally_seats_rule r = rule_of(TALLY_SEATS_DHONDT);
	r.seed = 7;
	tally_apportion_input in = {3, v, NULL, NULL, 4, ids, NULL, NULL};
	tally_apportionment a;
	assert_int_equal(tally_apportion(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.state, TALLY_SEATS_DONE);
	uint64_t k[3];
	for (int i = 0; i < 3; i++)
		k[i] = tally_seats_lot_key(7, ids[i]);
	int loser = k[0] < k[1] && k[0] < k[2] ? 0 : k[1] < k[2] ? 1 : 2;
	assert_int_equal(a.ties[0].settled_by, TALLY_SEATS_TIE_LOT);
	assert_int_equal(a.alloc[loser], loser == 1 ? 2 : 0);
	tally_apportionment_release(&a);
	/* never array order: the same tie with the parties reversed */
	static const uint64_t v2[] = {100, 300, 100};
	static const char *const ids2[] = {"gamma", "beta", "alpha"};
	tally_apportion_input in2 = {3, v2, NULL, NULL, 4, ids2, NULL, NULL};
	assert_int_equal(tally_apportion(&r, &in2, &a, NULL), TALLY_OK);
	assert_int_equal(a.alloc[2 - loser], loser == 1 ? 2 : 0);
	tally_apportionment_release(&a);
	/* quota methods: equal remainders; and a seat taken back (Imperiali
	 * quota over-allocates: 50 and 50 over 1 seat, quota 100/3) */
	static const uint64_t e[] = {50, 50};
	r = rule_of(TALLY_SEATS_IMPERIALI_QUOTA);
	r.n_tie = 0;
	run(&r, e, 2, 1, &a);
	assert_int_equal(a.state, TALLY_SEATS_LOTS_REQUIRED);
	assert_true(a.ties[0].removal);
	tally_apportionment_release(&a);
	r.n_tie = 1;
	run(&r, e, 2, 1, &a);
	assert_int_equal(a.state, TALLY_SEATS_DONE);
	assert_int_equal(a.alloc[0] + a.alloc[1], 1);
	tally_apportionment_release(&a);
	r = rule_of(TALLY_SEATS_HARE);
	r.tie[0] = TALLY_SEATS_TIE_FAIL;
	run(&r, e, 2, 1, &a);
	assert_int_equal(a.state, TALLY_SEATS_FAILED);
	tally_apportionment_release(&a);
	tally_seats_tie t;
	assert_int_equal(tally_seats_tie_find("districts", &t), TALLY_OK);
	assert_int_equal(t, TALLY_SEATS_TIE_DISTRICTS);
	assert_int_equal(tally_seats_tie_find("coin", &t), TALLY_ENOTFOUND);
	assert_string_equal(tally_seats_state_name(TALLY_SEATS_LOTS_REQUIRED),
	                    "drawing of lots required");
}

/* ==== properties ==== */

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static void test_properties(void **state)
{
	(void)state;
	uint64_t seed = 12345;
	char names[8][8];
	const char *ids[8], *rids[8];
	for (int i = 0; i < 8; i++) {
		snprintf(names[i], sizeof names[i], "p%d", i);
		ids[i] = names[i];
		rids[7 - i] = names[i];
	}
	for (int iter = 0; iter < 300; iter++) {
		tally_seats_method m = (tally_seats_method)(iter % TALLY_SEATS_N_METHODS);
		tally_seats_rule r = rule_of(m);
		uint32_t n = 2 + (uint32_t)(lcg(&seed) % 7), S = 1 + (uint32_t)(lcg(&seed) % 40);
		uint64_t v[8], rv[8];
		for (uint32_t i = 0; i < n; i++)
			v[i] = lcg(&seed) % (iter % 3 ? 1000000 : 20); /* small votes: many ties */
		for (uint32_t i = 0; i < n; i++)
			rv[n - 1 - i] = v[i];
		const char **rid = rids + (8 - n);
		tally_apportion_input in = {n, v, NULL, NULL, S, ids, NULL, NULL};
		tally_apportion_input rin = {n, rv, NULL, NULL, S, rid, NULL, NULL};
		tally_apportionment a, b, c;
		assert_int_equal(tally_apportion(&r, &in, &a, NULL), TALLY_OK);
		assert_int_equal(tally_apportion(&r, &rin, &b, NULL), TALLY_OK);
		assert_int_equal(a.state, TALLY_SEATS_DONE);
		assert_int_equal(a.allocated, S); /* seats add up */
		for (uint32_t i = 0; i < n; i++)
			assert_int_equal(a.alloc[i], b.alloc[n - 1 - i]); /* anonymity */
		if (tally_seats_method_is_divisor(m)) {
			in.seats = S + 1; /* house monotonicity */
			assert_int_equal(tally_apportion(&r, &in, &c, NULL), TALLY_OK);
			for (uint32_t i = 0; i < n; i++)
				assert_true(c.alloc[i] >= a.alloc[i]);
			tally_apportionment_release(&c);
			/* the recorded divisor gives the result: seats(v) = #{s: v/d(s) >= D} */
			if (a.has_divisor) {
				for (uint32_t i = 0; i < n; i++)
					assert_int_equal(tally_seats_at_divisor(&r, v[i], a.divisor, S + 1),
					                 a.alloc[i]);
				if (a.has_lower)
					assert_true(tally_seats_quotient_cmp(&r, v[a.lower_party], a.lower_seat,
					                                     v[a.upper_party], a.upper_seat) < 0 ||
					            !a.has_upper);
			} else {
				assert_true(a.n_ties > 0); /* only a tie leaves no divisor */
			}
		}
		tally_apportionment_release(&a);
		tally_apportionment_release(&b);
	}
}

static void test_constrained(void **state)
{
	(void)state;
	/* Sainte-Lague over 10 seats: 600, 300, 100 -> 6, 3, 1; with a minimum
	 * of 3 for the third list the others give way: max(round(v/D), min) */
	static const uint64_t v[] = {600, 300, 100};
	static const uint32_t mins[] = {0, 0, 3};
	tally_seats_rule r = rule_of(TALLY_SEATS_SAINTE_LAGUE);
	tally_apportion_input in = {3, v, mins, NULL, 10, NULL, NULL, NULL};
	tally_apportionment a;
	assert_int_equal(tally_apportion(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.alloc[0], 5);
	assert_int_equal(a.alloc[1], 2);
	assert_int_equal(a.alloc[2], 3);
	assert_true(a.has_divisor);
	for (int i = 0; i < 3; i++) {
		uint32_t s = tally_seats_at_divisor(&r, v[i], a.divisor, 11);
		assert_int_equal(s > mins[i] ? s : mins[i], a.alloc[i]);
	}
	tally_apportionment_release(&a);
	static const uint32_t big[] = {5, 5, 3};
	in.minimum = big;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_apportion(&r, &in, &a, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E021");
	r.method = TALLY_SEATS_HARE;
	in.minimum = mins;
	assert_int_equal(tally_apportion(&r, &in, &a, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	r.method = TALLY_SEATS_MODIFIED_SL;
	r.first = (tally_ratio){0, 5};
	in.minimum = NULL;
	assert_int_equal(tally_apportion(&r, &in, &a, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	r = rule_of(TALLY_SEATS_DHONDT);
	static const uint64_t huge[] = {TALLY_SEATS_MAX_VOTES + 1, 1};
	tally_apportion_input hin = {2, huge, NULL, NULL, 3, NULL, NULL, NULL};
	assert_int_equal(tally_apportion(&r, &hin, &a, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E022");
	static const bool none[] = {false, false};
	hin.votes = v;
	hin.eligible = none;
	assert_int_equal(tally_apportion(&r, &hin, &a, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E024");
	/* the largest figures the limits allow, through the 256-bit products */
	static const uint64_t max[] = {TALLY_SEATS_MAX_VOTES, TALLY_SEATS_MAX_VOTES - 1};
	for (tally_seats_method m = 0; m < TALLY_SEATS_N_METHODS; m++) {
		r = rule_of(m);
		tally_apportion_input min = {2, max, NULL, NULL, TALLY_SEATS_MAX_SEATS, NULL, NULL,
		                             NULL};
		assert_int_equal(tally_apportion(&r, &min, &a, NULL), TALLY_OK);
		assert_int_equal(a.allocated, TALLY_SEATS_MAX_SEATS);
		assert_true(a.alloc[0] >= a.alloc[1]);
		tally_apportionment_release(&a);
	}
}

/* ==== tables and thresholds ==== */

static tally_seats_table *parse(const char *text, int want_rc, const char *want_code)
{
	tally_seats_table *t = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_seats_table_parse(text, strlen(text), "t.csv", &t, &err);
	if (rc != want_rc || (want_code && strcmp(err.code, want_code)))
		fprintf(stderr, "got %d %s %s: %s\n", rc, err.code, err.where, err.msg);
	assert_int_equal(rc, want_rc);
	if (want_code)
		assert_string_equal(err.code, want_code);
	return t;
}

static void test_table_and_thresholds(void **state)
{
	(void)state;
	const char *csv = "district,seats,valid,A,B,C,M\n"
	                  "@kind,,,,coalition,,\n"
	                  "@exempt,,,0,0,0,1\n"
	                  "@wins,,,0,0,3,0\n"
	                  "north,5,,600,70,40,5\n"
	                  "south,3,1000,300,100,,40\n";
	tally_seats_table *t = parse(csv, TALLY_OK, NULL);
	assert_int_equal(t->n_parties, 4);
	assert_int_equal(t->n_districts, 2);
	assert_string_equal(t->parties[1].kind, "coalition");
	assert_true(t->parties[3].exempt);
	assert_false(t->present[1 * 4 + 2]);
	/* total 1155: B 170 = 14.7 % < 15 % (coalitions), C 40 = 3.5 % < 5 %
	 * but 3 wins, M exempt */
	tally_seats_threshold k = {"coalition", {15, 100}};
	tally_seats_config c;
	memset(&c, 0, sizeof c);
	c.rule = rule_of(TALLY_SEATS_DHONDT);
	c.threshold = (tally_ratio){5, 100};
	c.by_kind = &k;
	c.n_by_kind = 1;
	c.wins_qualify = 3;
	tally_seats_result *r = NULL;
	assert_int_equal(tally_seats_allocate(t, &c, &r, NULL), TALLY_OK);
	assert_int_equal(r->denominator, 1155);
	assert_int_equal(r->qualification[0], TALLY_SEATS_Q_PASSED);
	assert_int_equal(r->qualification[1], TALLY_SEATS_Q_EXCLUDED);
	assert_int_equal(r->qualification[2], TALLY_SEATS_Q_BY_WINS);
	assert_int_equal(r->qualification[3], TALLY_SEATS_Q_EXEMPT);
	assert_int_equal(r->party_seats[1], 0);
	assert_int_equal(r->party_seats[0] + r->party_seats[2] + r->party_seats[3], 8);
	tally_seats_result_free(r, t);
	/* the threshold with an explicit denominator: 170 of 1,100 passes 15 % */
	c.national_denominator = 1100;
	assert_int_equal(tally_seats_allocate(t, &c, &r, NULL), TALLY_OK);
	assert_int_equal(r->qualification[1], TALLY_SEATS_Q_PASSED);
	tally_seats_result_free(r, t);
	/* a district threshold of 10 % of "valid" (1000 in the south) */
	c.national_denominator = 0;
	c.n_by_kind = 0;
	c.threshold = (tally_ratio){0, 0};
	c.district_threshold = (tally_ratio){10, 100};
	assert_int_equal(tally_seats_allocate(t, &c, &r, NULL), TALLY_OK);
	assert_false(r->district_excluded[4 + 1]); /* B 100 of 1000 */
	assert_true(r->district_excluded[0 * 4 + 1]); /* B 70 of 715 in the north */
	assert_false(r->district_excluded[4 + 3]);   /* M exempt */
	tally_seats_result_free(r, t);
	c.district_threshold = (tally_ratio){3, 2};
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_seats_allocate(t, &c, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	tally_seats_table_free(t);

	/* JSON */
	const char *js = "{\"parties\":[{\"id\":\"A\"},{\"id\":\"B\",\"kind\":\"coalition\","
	                 "\"exempt\":false,\"wins\":1,\"districts_won\":4}],"
	                 "\"districts\":[{\"id\":\"d1\",\"seats\":3,\"votes\":{\"A\":10,\"B\":5}},"
	                 "{\"id\":\"d2\",\"seats\":2,\"valid\":20,\"votes\":{\"A\":1}}]}";
	t = parse(js, TALLY_OK, NULL);
	assert_int_equal(t->n_districts, 2);
	assert_int_equal(t->parties[1].districts_won, 4);
	assert_false(t->present[2 + 1]);
	assert_int_equal(t->valid[1], 20);
	tally_seats_table_free(t);

	/* every input error */
	parse("x,seats,A\n", TALLY_EINVAL, "E001");
	parse("district,seats\n", TALLY_EINVAL, "E001");
	parse("district,seats,valid\n", TALLY_EINVAL, "E001");
	parse("district,seats,A,A\n", TALLY_EINVAL, "E002");
	parse("district,seats,@A\n", TALLY_EINVAL, "E002");
	parse("district,seats,A\n@colour,,red\n", TALLY_EINVAL, "E003");
	parse("district,seats,A\n@wins,,1\n@wins,,1\n", TALLY_EINVAL, "E003");
	parse("district,seats,A\nd,1,x\n", TALLY_EINVAL, "E004");
	parse("district,seats,A\nd,1,1000000000001\n", TALLY_EINVAL, "E004");
	parse("district,seats,valid,A\nd,1,-1,2\n", TALLY_EINVAL, "E004");
	parse("district,seats,A\nd,1\n", TALLY_EINVAL, "E005");
	parse("district,seats,A\nd,1,1\nd,1,1\n", TALLY_EINVAL, "E006");
	parse("district,seats,A\n,1,1\n", TALLY_EINVAL, "E006");
	parse("district,seats,A\n", TALLY_EINVAL, "E007");
	parse("district,seats,A\nd,100001,1\n", TALLY_EINVAL, "E008");
	parse("district,seats,A\n@exempt,,2\n", TALLY_EINVAL, "E009");
	parse("district,seats,A\n@kind,,a b\n", TALLY_EINVAL, "E009");
	parse("district,seats,A\n@kind,1,x\n", TALLY_EINVAL, "E009");
	parse("district,seats,A\n@kind,,abcdefghijabcdefghijabcdefghijabc\n", TALLY_EINVAL, "E009");
	parse("{\"parties\":[", TALLY_EINVAL, "E010");
	parse("{\"parties\":[],\"parties\":[]}", TALLY_EINVAL, "E010");
	parse("{\"parties\":{},\"districts\":[]}", TALLY_EINVAL, "E011");
	parse("{\"parties\":[3],\"districts\":[]}", TALLY_EINVAL, "E011");
	parse("{\"parties\":[{\"id\":\"A\"}]}", TALLY_EINVAL, "E012");
	parse("{\"parties\":[{\"id\":\"A\",\"x\":1}],\"districts\":[]}", TALLY_EINVAL, "E013");
	parse("{\"parties\":[{\"id\":\"A\"}],\"districts\":[{\"id\":\"d\",\"seats\":1,"
	      "\"votes\":{\"B\":1}}]}", TALLY_EINVAL, "E002");
	parse("{\"parties\":[],\"districts\":[]}", TALLY_EINVAL, "E007");
	parse("{\"parties\":[{\"id\":\"A\"}],\"districts\":[]}", TALLY_EINVAL, "E007");
	parse("{\"parties\":[{\"id\":\"A\"}],\"districts\":[{\"id\":\"d\",\"seats\":1,"
	      "\"votes\":{\"A\":-1}}]}", TALLY_EINVAL, "E004");
	parse("district,seats,A\nd,1,\"1\n", TALLY_EINVAL, "C001");
}

/* ==== Poland, Sejm 2023 ==== */

static char *shared_path(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/seats/%s", tu_shared_data(), rel);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

static void test_poland_2023(void **state)
{
	(void)state;
	char path[1024];
	if (!shared_path(path, sizeof path, "pl-2023/wyniki_gl_na_listy_po_okregach_sejm_utf8.csv"))
		skip();
	static const uint32_t mag[41] = {12, 8,  14, 12, 13, 15, 12, 12, 10, 9,  12, 8, 14, 10,
	                                 9,  10, 9,  12, 20, 12, 12, 11, 15, 14, 12, 14, 9, 7,
	                                 9,  9,  12, 9,  16, 8,  10, 12, 9,  9,  10, 8,  12};
	size_t len = 0;
	char *buf = tu_read_file(path, &len);
	assert_non_null(buf);
	/* rewrite the PKW file as a votes table (docs/formats-seats.md) */
	size_t cap = len * 2 + 4096, at = 0;
	char *out = malloc(cap);
	tally_csv c;
	tally_csv_init(&c, buf, len, ';', path);
	assert_int_equal(tally_csv_next(&c, NULL), 1);
	assert_int_equal(c.n_fields, 38);
	at += (size_t)snprintf(out + at, cap - at, "district,seats,valid");
	char kinds[256] = "@kind,,", exempt[256] = "@exempt,,";
	for (size_t i = 26; i < 38; i++) {
		at += (size_t)snprintf(out + at, cap - at, ",\"%.*s\"", (int)c.fields[i].len,
		                       c.fields[i].s);
		bool coal = c.fields[i].len > 10 && memcmp(c.fields[i].s, "KOALICYJNY", 10) == 0;
		bool minority = strstr(c.fields[i].s, "MNIEJSZOŚĆ NIEMIECKA") != NULL &&
		                strstr(c.fields[i].s, "MNIEJSZOŚĆ NIEMIECKA") <
		                        c.fields[i].s + c.fields[i].len;
		strcat(kinds, coal ? ",coalition" : ",");
		strcat(exempt, minority ? ",1" : ",0");
	}
	at += (size_t)snprintf(out + at, cap - at, "\n%s\n%s\n", kinds, exempt);
	int d = 0;
	while (tally_csv_next(&c, NULL) == 1) {
		assert_int_equal(c.n_fields, 38);
		at += (size_t)snprintf(out + at, cap - at, "%.*s,%u,%.*s", (int)c.fields[0].len,
		                       c.fields[0].s, mag[d], (int)c.fields[25].len, c.fields[25].s);
		for (size_t i = 26; i < 38; i++)
			at += (size_t)snprintf(out + at, cap - at, ",%.*s", (int)c.fields[i].len,
			                       c.fields[i].s);
		at += (size_t)snprintf(out + at, cap - at, "\n");
		d++;
	}
	assert_int_equal(d, 41);
	tally_csv_release(&c);
	out[at] = '\0';
	tally_seats_table *t = parse(out, TALLY_OK, NULL);
	/* Kodeks wyborczy art. 196-197 and 232 */
	tally_seats_threshold k = {"coalition", {8, 100}};
	tally_seats_config cf;
	memset(&cf, 0, sizeof cf);
	cf.rule = rule_of(TALLY_SEATS_DHONDT);
	cf.rule.tie[0] = TALLY_SEATS_TIE_VOTES;
	cf.rule.tie[1] = TALLY_SEATS_TIE_DISTRICTS;
	cf.rule.tie[2] = TALLY_SEATS_TIE_LOT;
	cf.rule.n_tie = 3;
	cf.threshold = (tally_ratio){5, 100};
	cf.by_kind = &k;
	cf.n_by_kind = 1;
	tally_seats_result *r = NULL;
	assert_int_equal(tally_seats_allocate(t, &cf, &r, NULL), TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_DONE);
	assert_int_equal(r->denominator, 21596674);
	static const struct {
		const char *prefix;
		uint64_t votes;
		uint32_t seats;
		tally_seats_qualification q;
	} want[] = {
		{"KOMITET WYBORCZY PRAWO", 7640854, 194, TALLY_SEATS_Q_PASSED},
		{"KOALICYJNY KOMITET WYBORCZY KOALICJA", 6629402, 157, TALLY_SEATS_Q_PASSED},
		{"KOALICYJNY KOMITET WYBORCZY TRZECIA", 3110670, 65, TALLY_SEATS_Q_PASSED},
		{"KOMITET WYBORCZY NOWA LEWICA", 1859018, 26, TALLY_SEATS_Q_PASSED},
		{"KOMITET WYBORCZY KONFEDERACJA", 1547364, 18, TALLY_SEATS_Q_PASSED},
		{"KOMITET WYBORCZY BEZPARTYJNI", 401054, 0, TALLY_SEATS_Q_EXCLUDED},
		{"KOMITET WYBORCZY WYBORCÓW MNIEJSZOŚĆ", 25778, 0, TALLY_SEATS_Q_EXEMPT},
	};
	uint32_t total = 0;
	for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
		uint32_t p = 0;
		while (p < t->n_parties &&
		       strncmp(t->parties[p].id, want[w].prefix, strlen(want[w].prefix)))
			p++;
		assert_true(p < t->n_parties);
		assert_int_equal(r->party_votes[p], want[w].votes);
		assert_int_equal(r->party_seats[p], want[w].seats);
		assert_int_equal(r->qualification[p], want[w].q);
	}
	for (uint32_t p = 0; p < t->n_parties; p++)
		total += r->party_seats[p];
	assert_int_equal(total, 460);
	/* every district's divisor reproduces it */
	for (uint32_t dd = 0; dd < t->n_districts; dd++) {
		const tally_apportionment *a = &r->district[dd];
		assert_true(a->has_divisor);
		for (uint32_t p = 0; p < t->n_parties; p++)
			if (r->qualification[p] != TALLY_SEATS_Q_EXCLUDED && t->present[dd * t->n_parties + p])
				assert_int_equal(tally_seats_at_divisor(&cf.rule,
				                                        t->votes[dd * t->n_parties + p],
				                                        a->divisor, 100),
				                 a->alloc[p]);
	}
	tally_seats_result_free(r, t);
	tally_seats_table_free(t);
	free(out);
	free(buf);
}

/* ==== Germany, Bundestag 2021 ==== */

static void test_germany_2021(void **state)
{
	(void)state;
	char path[1024];
	if (!shared_path(path, sizeof path, "de-2021/kerg2021.csv"))
		skip();
	/* German population by Land, 31 May 2021 (data/seats/README.md),
	 * in the order of the official tables; kerg Land numbers beside */
	static const char *const land[16] = {"SH", "MV", "HH", "NI", "HB", "BB", "ST", "BE",
	                                     "NW", "SN", "HE", "TH", "RP", "BY", "BW", "SL"};
	static const int kerg_nr[16] = {1, 13, 2, 3, 4, 12, 15, 11, 5, 14, 6, 16, 7, 9, 8, 10};
	static const uint64_t pop[16] = {2659792, 1532412, 1537766,  7207587, 548941,  2397701,
	                                 2056177, 2942960, 15415642, 3826905, 5222158, 1996822,
	                                 3610865, 11328866, 9313413, 865191};
	static const uint32_t ober1[16] = {22, 13, 13, 59, 5, 20, 17, 24,
	                                   127, 32, 43, 16, 30, 93, 77, 7};
	static const char *const party[8] = {
		"Sozialdemokratische Partei Deutschlands", "Christlich Demokratische Union Deutschlands",
		"BÜNDNIS 90/DIE GRÜNEN", "Freie Demokratische Partei", "Alternative für Deutschland",
		"Christlich-Soziale Union in Bayern e.V.", "DIE LINKE", "Südschleswigscher Wählerverband"};
	static const uint64_t want_votes[8] = {11955434, 8775471, 6852206, 5319952,
	                                       4803902,  2402827, 2270906, 55578};
	static const uint32_t want_claim[8] = {170, 122, 94, 76, 69, 45, 32, 1};
	static const uint32_t want_wins[8] = {121, 98, 16, 0, 16, 45, 3, 0};
	static const uint32_t want_seats[8] = {206, 152, 118, 92, 83, 45, 39, 1};
	size_t len = 0;
	char *buf = tu_read_file(path, &len);
	assert_non_null(buf);
	/* the official file through the library's reader (kerg.c) */
	tally_kerg *k = NULL;
	tally_error kerr = TALLY_ERROR_INIT;
	int rc = tally_kerg_parse(buf, len, path, &k, &kerr);
	if (rc)
		fprintf(stderr, "%s %s %s\n", kerr.code, kerr.where, kerr.msg);
	assert_int_equal(rc, TALLY_OK);
	assert_string_equal(k->title, "Bundestagswahl 2021");
	assert_string_equal(k->status, "Amtliches Endergebnis");
	assert_int_equal(k->n_lands, 16);
	assert_int_equal(k->n_constituencies, 299);
	for (int l = 0; l < 16; l++) {
		assert_int_equal(k->land_nr[l], kerg_nr[l]);
		assert_string_equal(k->land_ids[l], land[l]);
	}
	/* constituency 99 (Guetersloh I, in NW) is not the federal row 99 */
	uint32_t c99 = 0;
	while (c99 < k->n_constituencies && k->cons_nr[c99] != 99)
		c99++;
	assert_true(c99 < k->n_constituencies);
	assert_int_equal(k->cons_land[c99], 8);
	assert_int_equal(k->valid, 46442023);
	uint32_t np = k->n_parties;
	char **names = k->party_ids;
	const char *const *ids = (const char *const *)k->party_ids;
	uint64_t *votes = k->votes;
	uint32_t *wins = k->wins;
	uint64_t valid = k->valid;
	bool *exempt = calloc(np, sizeof *exempt);
	uint32_t pidx[8];
	for (int w = 0; w < 8; w++) {
		uint32_t p = 0;
		while (p < np && strcmp(names[p], party[w]))
			p++;
		assert_true(p < np);
		pidx[w] = p;
	}
	exempt[pidx[7]] = true; /* SSW: Danish minority, section 6(3) sentence 2 */
	/* the reader's input matches the fields set by hand below */
	tally_bundestag_input kin;
	tally_kerg_bundestag_input(k, &kin);
	assert_int_equal(kin.n_lands, 16);
	assert_int_equal(kin.n_parties, np);
	assert_ptr_equal(kin.votes, votes);
	assert_ptr_equal(kin.wins, wins);
	assert_int_equal(kin.valid, valid);
	assert_int_equal(kin.house, 598);
	assert_int_equal(kin.uncompensated, 3);
	assert_int_equal(kin.wins_qualify, 3);
	assert_int_equal(kin.rule.method, TALLY_SEATS_SAINTE_LAGUE);
	assert_null(kin.population);
	/* the population file: a Land by its code, its name or its number */
	char popcsv[1024];
	uint64_t pop2[16];
	size_t at = (size_t)snprintf(popcsv, sizeof popcsv, "land,population\n");
	for (int l = 0; l < 16; l++) {
		if (l % 3 == 0)
			at += (size_t)snprintf(popcsv + at, sizeof popcsv - at, "%s", land[l]);
		else if (l % 3 == 1)
			at += (size_t)snprintf(popcsv + at, sizeof popcsv - at, "\"%s\"", k->land_names[l]);
		else
			at += (size_t)snprintf(popcsv + at, sizeof popcsv - at, "%02d", kerg_nr[l]);
		at += (size_t)snprintf(popcsv + at, sizeof popcsv - at, ",%llu\n",
		                       (unsigned long long)pop[l]);
	}
	assert_int_equal(tally_seats_population_parse(popcsv, at, "pop.csv", 16, kin.land_ids,
	                                              (const char *const *)k->land_names,
	                                              k->land_nr, pop2, &kerr),
	                 TALLY_OK);
	for (int l = 0; l < 16; l++)
		assert_int_equal(pop2[l], pop[l]);
	/* without names and numbers only the codes match */
	assert_int_equal(tally_seats_population_parse(popcsv, at, "pop.csv", 16, kin.land_ids, NULL,
	                                              NULL, pop2, &kerr),
	                 TALLY_EINVAL);
	assert_string_equal(kerr.code, "E032");
	tally_bundestag_input in;
	memset(&in, 0, sizeof in);
	in.n_lands = 16;
	in.n_parties = np;
	in.land_ids = land;
	in.population = pop;
	in.party_ids = ids;
	in.exempt = exempt;
	in.votes = votes;
	in.wins = wins;
	in.valid = valid;
	in.house = 598;
	in.threshold = (tally_ratio){5, 100};
	in.wins_qualify = 3;
	in.uncompensated = 3;
	in.rule = rule_of(TALLY_SEATS_SAINTE_LAGUE);
	in.rule.tie[0] = TALLY_SEATS_TIE_FAIL; /* no lot should be needed */
	tally_bundestag_result *r = NULL;
	tally_error err = TALLY_ERROR_INIT;
	rc = tally_seats_bundestag2020(&in, &r, &err);
	if (rc)
		fprintf(stderr, "%s %s %s\n", err.code, err.where, err.msg);
	assert_int_equal(rc, TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_DONE);
	/* step 1: DIE LINKE qualifies by wins, SSW as exempt */
	assert_int_equal(r->qualification[pidx[6]], TALLY_SEATS_Q_BY_WINS);
	assert_int_equal(r->qualification[pidx[7]], TALLY_SEATS_Q_EXEMPT);
	/* step 2: 1st Oberverteilung; the divisor range
	 * (121,164.342, 121,489.048] contains the official 121,400 */
	for (int l = 0; l < 16; l++)
		assert_int_equal(r->ober1.alloc[l], ober1[l]);
	char lo[48], hi[48];
	tally_seats_quotient_fmt(&in.rule, pop[r->ober1.lower_party], r->ober1.lower_seat, lo);
	tally_seats_quotient_fmt(&in.rule, pop[r->ober1.upper_party], r->ober1.upper_seat, hi);
	assert_string_equal(lo, "121,164.342");
	assert_string_equal(hi, "121,489.048");
	for (int l = 0; l < 16; l++)
		assert_int_equal(tally_seats_at_divisor(&in.rule, pop[l], (tally_ratio){121400, 1}, 600),
		                 ober1[l]);
	/* step 3: Schleswig-Holstein at divisor 78,000: CDU 5, SPD 6, FDP 3,
	 * GRUENE 4, AfD 2, LINKE 1, SSW 1 */
	static const uint32_t sh[8] = {6, 5, 4, 3, 2, 0, 1, 1};
	for (int w = 0; w < 8; w++)
		assert_int_equal(r->contingent[(size_t)pidx[w] * 16 + 0], sh[w]);
	/* step 4: BB SPD (7 + 10)/2 = 8.5 -> 9 < 10 wins: minimum 10 */
	assert_int_equal(r->contingent[(size_t)pidx[0] * 16 + 5], 7);
	assert_int_equal(r->minimum[(size_t)pidx[0] * 16 + 5], 10);
	for (int w = 0; w < 8; w++) {
		assert_int_equal(r->party_votes[pidx[w]], want_votes[w]);
		assert_int_equal(r->party_wins[pidx[w]], want_wins[w]);
		assert_int_equal(r->claim[pidx[w]], want_claim[w]);
	}
	assert_int_equal(r->claims_total, 609);
	/* step 5: N = 733, CSU 42 + 3 uncompensated overhang; divisor 57,898 */
	assert_int_equal(r->size, 733);
	assert_int_equal(r->total, 736);
	for (int w = 0; w < 8; w++)
		assert_int_equal(r->seats[pidx[w]], want_seats[w]);
	assert_int_equal(r->ober2.alloc[pidx[5]], 42);
	assert_int_equal(r->uncompensated[pidx[5]], 3);
	tally_ratio dv = {57898, 1};
	for (int w = 0; w < 8; w++)
		assert_int_equal(tally_seats_at_divisor(&in.rule, want_votes[w], dv, 800),
		                 r->ober2.alloc[pidx[w]]);
	/* step 6: every party's Land lists add up; none below its minimum;
	 * CDU BW 33 (all constituency seats), CSU BY 45 */
	for (int w = 0; w < 8; w++) {
		uint32_t sum = 0;
		for (int l = 0; l < 16; l++) {
			size_t x = (size_t)pidx[w] * 16 + l;
			assert_true(r->list_seats[x] >= r->minimum[x]);
			sum += r->list_seats[x];
		}
		assert_int_equal(sum, want_seats[w]);
	}
	assert_int_equal(r->list_seats[(size_t)pidx[1] * 16 + 14], 33);
	assert_int_equal(r->list_seats[(size_t)pidx[5] * 16 + 13], 45);
	tally_bundestag_result_free(r);
	/* a party below the threshold that won a constituency: not implemented */
	wins[(size_t)pidx[7] * 16] = 0;
	exempt[pidx[7]] = false;
	wins[(size_t)pidx[7] * 16] = 1;
	assert_int_equal(tally_seats_bundestag2020(&in, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E023");
	free(exempt);
	tally_kerg_free(k);
	free(buf);
}

/* the kerg reader on a small file of the official layout, and its errors */
#define KERG_HEAD                                                                          \
	"\xEF\xBB\xBF" "Bundestagswahl 2099;\nAmtliches Endergebnis;\n"                        \
	"Nr;Gebiet;gehört zu;Gültige Stimmen;;;;A;;;;B;;;;Übrige;;;;\n"                         \
	";;;Erststimmen;;Zweitstimmen;;Erststimmen;;Zweitstimmen;;Erststimmen;;Zweitstimmen;;" \
	"Erststimmen;;Zweitstimmen;;\n"                                                         \
	";;;Endgültig;Vorperiode;Endgültig;Vorperiode;Endgültig;Vorperiode;Endgültig;"         \
	"Vorperiode;Endgültig;Vorperiode;Endgültig;Vorperiode;Endgültig;Vorperiode;Endgültig;" \
	"Vorperiode;\n"

static const char *kerg_code(const char *text)
{
	static char code[16];
	tally_kerg *k = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_kerg_parse(text, strlen(text), "k.csv", &k, &err);
	tally_kerg_free(k);
	snprintf(code, sizeof code, "%s", rc ? err.code : "ok");
	return code;
}

static void test_kerg(void **state)
{
	(void)state;
	const char *good = KERG_HEAD
		"001;W1;01;100;;100;;60;;55;;40;;45;;0;;;;\n"
		"099;W99;01;80;;80;;30;;35;;50;;45;;0;;;;\n"
		"01;Eins;99;180;;180;;90;;90;;90;;90;;0;;;;\n"
		";\n"
		"99;Bund;;180;;180;;90;;90;;90;;90;;0;;;;\n";
	tally_kerg *k = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_kerg_parse(good, strlen(good), "k.csv", &k, &err), TALLY_OK);
	assert_string_equal(k->title, "Bundestagswahl 2099");
	assert_int_equal(k->n_parties, 2); /* "Übrige" is no party */
	assert_int_equal(k->n_lands, 1);
	assert_string_equal(k->land_ids[0], "SH");
	assert_string_equal(k->land_names[0], "Eins");
	assert_int_equal(k->n_constituencies, 2);
	assert_int_equal(k->wins[0], 1);
	assert_int_equal(k->wins[1], 1);
	assert_int_equal(k->cons_winner[1], 1);
	assert_int_equal(k->votes[0], 90);
	assert_int_equal(k->valid, 180);
	/* one Land: the whole house goes to it */
	tally_bundestag_input in;
	tally_kerg_bundestag_input(k, &in);
	uint64_t pop = 0;
	const char *pf = "land,population\n01,1000\n";
	assert_int_equal(tally_seats_population_parse(pf, strlen(pf), "p.csv", 1, in.land_ids,
	                                              (const char *const *)k->land_names, k->land_nr,
	                                              &pop, &err),
	                 TALLY_OK);
	assert_int_equal(pop, 1000);
	in.population = &pop;
	in.house = 10;
	tally_bundestag_result *r = NULL;
	assert_int_equal(tally_seats_bundestag2020(&in, &r, &err), TALLY_OK);
	assert_int_equal(r->total, 10);
	assert_int_equal(r->seats[0], 5);
	tally_bundestag_result_free(r);
	in.population = NULL; /* E020: the population is the caller's */
	assert_int_equal(tally_seats_bundestag2020(&in, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	tally_kerg_free(k);

	/* E029: not the layout */
	assert_string_equal(kerg_code("Nr;Name;Land\n1;a;b\n"), "E029");
	assert_string_equal(kerg_code(KERG_HEAD), "E031"); /* the layout, but no area */
	char buf[2048];
	snprintf(buf, sizeof buf, "%s", good);
	*strstr(buf, "Gültige Stimmen") = 'X';
	assert_string_equal(kerg_code(buf), "E029");
	/* E030: a bad number, a short row, a bad "gehört zu" */
	snprintf(buf, sizeof buf, "%s", good);
	memcpy(strstr(buf, "40;;45"), "4x", 2);
	assert_string_equal(kerg_code(buf), "E030");
	snprintf(buf, sizeof buf, "%s%s", KERG_HEAD, "001;W1;01;100\n");
	assert_string_equal(kerg_code(buf), "E030");
	snprintf(buf, sizeof buf, "%s%s", KERG_HEAD, "001;W1;zz;100;;100;;60;;55;;40;;45;;0;;;;\n");
	assert_string_equal(kerg_code(buf), "E030");
	/* E031: no federal row; a tie; "Übrige" ahead; a Land missing; sums */
	snprintf(buf, sizeof buf, "%s", good);
	*strstr(buf, "99;Bund") = '\0';
	assert_string_equal(kerg_code(buf), "E031");
	snprintf(buf, sizeof buf, "%s", good);
	memcpy(strstr(buf, "60;;55;;40"), "40", 2);
	assert_string_equal(kerg_code(buf), "E031");
	snprintf(buf, sizeof buf, "%s%s", KERG_HEAD,
	         "001;W1;01;170;;100;;60;;55;;40;;45;;70;;;;\n"
	         "01;Eins;99;170;;100;;60;;55;;40;;45;;70;;;;\n"
	         "99;Bund;;170;;100;;60;;55;;40;;45;;70;;;;\n");
	assert_string_equal(kerg_code(buf), "E031");
	snprintf(buf, sizeof buf, "%s", good);
	memcpy(strstr(buf, "099;W99;01"), "099;W99;02", 10);
	assert_string_equal(kerg_code(buf), "E031");
	snprintf(buf, sizeof buf, "%s", good);
	memcpy(strstr(buf, "Bund;;180;;180;;90;;90"), "Bund;;180;;180;;90;;91", 22);
	assert_string_equal(kerg_code(buf), "E031");

	/* E032: the population file */
	static const char *const bad_pop[] = {
		"land;pop\nSH;1\n", "land,population\nXX,1\n", "land,population\nSH,1\nSH,2\n",
		"land,population\n", "land,population\nSH,0\n", "land,population\nSH\n"};
	const char *const code1[1] = {"SH"};
	for (size_t i = 0; i < sizeof bad_pop / sizeof bad_pop[0]; i++) {
		tally_error_clear(&err);
		assert_int_equal(tally_seats_population_parse(bad_pop[i], strlen(bad_pop[i]), "p.csv", 1,
		                                              code1, NULL, NULL, &pop, &err),
		                 TALLY_EINVAL);
		assert_string_equal(err.code, "E032");
	}
}

static void test_names(void **state)
{
	(void)state;
	tally_seats_method m;
	for (int i = 0; i < TALLY_SEATS_N_METHODS; i++) {
		assert_int_equal(tally_seats_method_find(tally_seats_method_name((tally_seats_method)i), &m),
		                 TALLY_OK);
		assert_int_equal(m, i);
	}
	assert_int_equal(tally_seats_method_find("borda", &m), TALLY_ENOTFOUND);
	char b[48];
	assert_string_equal(tally_ratio_fmt((tally_ratio){7, 5}, b), "1.400");
	assert_string_equal(tally_ratio_fmt((tally_ratio){121400, 1}, b), "121,400");
	assert_string_equal(tally_seats_qualification_name(TALLY_SEATS_Q_BY_WINS),
	                    "qualified by wins");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_textbook),
		cmocka_unit_test(test_huntington_hill_exact),
		cmocka_unit_test(test_tie_policies),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_constrained),
		cmocka_unit_test(test_table_and_thresholds),
		cmocka_unit_test(test_poland_2023),
		cmocka_unit_test(test_germany_2021),
		cmocka_unit_test(test_kerg),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("seats", tests, NULL, NULL);
}
