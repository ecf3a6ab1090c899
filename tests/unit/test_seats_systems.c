/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_seats_systems.c: the electoral systems built on the apportionment
 * engine (src/core/seats: single.c, mixed.c, leveling.c, bundestag2023.c):
 * plurality and the block vote with every tie policy, the two-round rule
 * (majority of votes or of registered voters, runoff by top two or by a
 * share of registered voters), parallel, New Zealand's MMP reproducing the
 * official 2008 (122 seats) and 2014 (121) results, Norway's leveling seats
 * on a worked example checked by hand (and by an independent
 * implementation in exact fractions) and on the official 2021 Storting
 * result (tests/data/seats/no-2021: every county's district seats and the
 * placement of the 19 leveling seats), the 2023 Bundestag reform run as a
 * what-if on the official 2021 data (data/seats, skipped when
 * absent), with invariants that can be checked by hand.
 */
#include "testutil.h"
#include "fixture.h"
#include "tally/seats.h"
#include "tally/csv.h"

static tally_seats_rule chain(int n, ...)
{
	tally_seats_rule r;
	va_list ap;
	memset(&r, 0, sizeof r);
	r.method = TALLY_SEATS_DHONDT;
	r.seed = 11;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		r.tie[r.n_tie++] = (tally_seats_tie)va_arg(ap, int);
	va_end(ap);
	return r;
}

/* ==== plurality and block vote ==== */

static void test_plurality(void **state)
{
	(void)state;
	static const char *const ids[] = {"ali", "bahar", "chingiz", "dilara", "elvin"};
	static const uint64_t v[] = {100, 80, 80, 30, 0};
	tally_candidates_input in = {5, v, ids, 1};
	tally_apportionment a;
	tally_seats_rule r = chain(0);
	assert_int_equal(tally_seats_plurality(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.state, TALLY_SEATS_DONE);
	assert_int_equal(a.alloc[0], 1);
	assert_int_equal(a.allocated, 1);
	assert_int_equal(a.n_ties, 0);
	tally_apportionment_release(&a);

	/* a tie for first place: Azerbaijan art. 170.1, the election fails */
	static const uint64_t t[] = {80, 80, 10};
	in = (tally_candidates_input){3, t, ids, 1};
	r = chain(1, TALLY_SEATS_TIE_FAIL);
	assert_int_equal(tally_seats_plurality(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.state, TALLY_SEATS_FAILED);
	assert_int_equal(a.allocated, 0);
	assert_int_equal(a.n_ties, 1);
	assert_int_equal(a.ties[0].n_tied, 2);
	assert_int_equal(a.ties[0].settled_by, TALLY_SEATS_TIE_FAIL);
	tally_apportionment_release(&a);
	/* no policy: drawing of lots required; "votes" cannot separate equal votes */
	r = chain(1, TALLY_SEATS_TIE_VOTES);
	assert_int_equal(tally_seats_plurality(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.state, TALLY_SEATS_LOTS_REQUIRED);
	assert_int_equal(a.ties[0].settled_by, -1);
	tally_apportionment_release(&a);
	/* lot: the higher key of splitmix64(11 ^ fnv(id)) wins */
	r = chain(2, TALLY_SEATS_TIE_VOTES, TALLY_SEATS_TIE_LOT);
	assert_int_equal(tally_seats_plurality(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.state, TALLY_SEATS_DONE);
	int lot_winner = tally_seats_lot_key(11, "ali") > tally_seats_lot_key(11, "bahar") ? 0 : 1;
	assert_int_equal(a.alloc[lot_winner], 1);
	assert_int_equal(a.alloc[1 - lot_winner], 0);
	assert_int_equal(a.ties[0].settled_by, TALLY_SEATS_TIE_LOT);
	tally_apportionment_release(&a);

	/* block vote, 3 seats: ali and the two tied at 80 all win without a tie;
	 * 2 seats: ali, then a tie for the last seat */
	in = (tally_candidates_input){5, v, ids, 3};
	r = chain(0);
	assert_int_equal(tally_seats_plurality(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.state, TALLY_SEATS_DONE);
	assert_int_equal(a.alloc[0] + a.alloc[1] + a.alloc[2], 3);
	assert_int_equal(a.n_ties, 0);
	tally_apportionment_release(&a);
	in.seats = 2;
	assert_int_equal(tally_seats_plurality(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(a.state, TALLY_SEATS_LOTS_REQUIRED);
	assert_int_equal(a.allocated, 1);
	assert_int_equal(a.alloc[0], 1);
	assert_int_equal(a.ties[0].seats, 1);
	tally_apportionment_release(&a);
	/* never array order: the reversed candidates give the same winners */
	static const char *const rids[] = {"elvin", "dilara", "chingiz", "bahar", "ali"};
	static const uint64_t rv[] = {0, 30, 80, 80, 100};
	r = chain(1, TALLY_SEATS_TIE_LOT);
	in = (tally_candidates_input){5, v, ids, 2};
	tally_candidates_input rin = {5, rv, rids, 2};
	tally_apportionment b;
	assert_int_equal(tally_seats_plurality(&r, &in, &a, NULL), TALLY_OK);
	assert_int_equal(tally_seats_plurality(&r, &rin, &b, NULL), TALLY_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(a.alloc[i], b.alloc[4 - i]);
	tally_apportionment_release(&a);
	tally_apportionment_release(&b);

	/* errors */
	tally_error err = TALLY_ERROR_INIT;
	in.seats = 6;
	assert_int_equal(tally_seats_plurality(&r, &in, &a, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E025");
	static const uint64_t huge[] = {TALLY_SEATS_MAX_VOTES + 1, 1};
	in = (tally_candidates_input){2, huge, NULL, 1};
	assert_int_equal(tally_seats_plurality(&r, &in, &a, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E022");
	r.n_tie = TALLY_SEATS_MAX_TIE + 1;
	assert_int_equal(tally_seats_plurality(&r, &in, &a, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
}

/* ==== two-round ==== */

static void test_two_round(void **state)
{
	(void)state;
	static const char *const ids[] = {"A", "B", "C", "D"};
	tally_seats_rule r = chain(1, TALLY_SEATS_TIE_LOT);
	/* Azerbaijan, Election Code art. 203.4: more than half of the votes */
	tally_two_round_rule az = {{1, 2}, true, false, {0, 0}, {0, 0}};
	tally_two_round_result o;
	static const uint64_t v1[] = {601, 300, 99};
	tally_candidates_input in = {3, v1, ids, 1};
	assert_int_equal(tally_seats_two_round(&r, &az, &in, 0, 0, &o, NULL), TALLY_OK);
	assert_true(o.elected);
	assert_int_equal(o.winner, 0);
	assert_int_equal(o.valid, 1000);
	assert_string_equal(o.note, "elected in the first round: A");
	tally_two_round_release(&o);
	/* exactly half is not more than half */
	static const uint64_t v2[] = {500, 300, 200};
	in.votes = v2;
	assert_int_equal(tally_seats_two_round(&r, &az, &in, 0, 0, &o, NULL), TALLY_OK);
	assert_false(o.elected);
	assert_int_equal(o.n_runoff, 2);
	assert_int_equal(o.runoff[0], 0);
	assert_int_equal(o.runoff[1], 1);
	assert_string_equal(o.note, "runoff needed between A and B");
	tally_two_round_release(&o);
	/* ... but "at least half" elects; and the base can be larger than the
	 * candidates' votes (valid votes including blank ones) */
	az.majority_strict = false;
	assert_int_equal(tally_seats_two_round(&r, &az, &in, 0, 0, &o, NULL), TALLY_OK);
	assert_true(o.elected);
	tally_two_round_release(&o);
	assert_int_equal(tally_seats_two_round(&r, &az, &in, 1001, 0, &o, NULL), TALLY_OK);
	assert_false(o.elected);
	tally_two_round_release(&o);
	/* a majority of the registered voters */
	az = (tally_two_round_rule){{1, 2}, true, true, {0, 0}, {0, 0}};
	in.votes = v1;
	assert_int_equal(tally_seats_two_round(&r, &az, &in, 0, 1202, &o, NULL), TALLY_OK);
	assert_false(o.elected); /* 601 is not more than 601 */
	tally_two_round_release(&o);
	assert_int_equal(tally_seats_two_round(&r, &az, &in, 0, 1201, &o, NULL), TALLY_OK);
	assert_true(o.elected);
	tally_two_round_release(&o);

	/* France, Code electoral L126 and L162: more than half of the votes
	 * and a quarter of the registered; runoff for every candidate with an
	 * eighth of the registered, at least two */
	tally_two_round_rule fr = {{1, 2}, true, false, {1, 4}, {1, 8}};
	static const uint64_t v3[] = {300, 200, 150, 100};
	in = (tally_candidates_input){4, v3, ids, 1};
	assert_int_equal(tally_seats_two_round(&r, &fr, &in, 0, 1000, &o, NULL), TALLY_OK);
	assert_false(o.elected);
	assert_int_equal(o.n_runoff, 3); /* 125 registered voters needed */
	assert_string_equal(o.note, "runoff needed between A, B and C");
	tally_two_round_release(&o);
	/* 57 % of the votes but 20 % of the registered: no winner; only A has
	 * an eighth (250 of 2,000): B joins as the next by votes */
	static const uint64_t v4[] = {400, 200, 100};
	in = (tally_candidates_input){3, v4, ids, 1};
	assert_int_equal(tally_seats_two_round(&r, &fr, &in, 0, 2000, &o, NULL), TALLY_OK);
	assert_false(o.elected);
	assert_string_equal(o.note, "runoff needed between A and B");
	tally_two_round_release(&o);
	assert_int_equal(tally_seats_two_round(&r, &fr, &in, 0, 1600, &o, NULL), TALLY_OK);
	assert_true(o.elected); /* 400 >= 1600 / 4 */
	tally_two_round_release(&o);

	/* a tie for the second runoff place */
	static const uint64_t v5[] = {500, 200, 200, 100};
	in = (tally_candidates_input){4, v5, ids, 1};
	tally_two_round_rule top2 = {{1, 2}, true, false, {0, 0}, {0, 0}};
	tally_seats_rule f = chain(1, TALLY_SEATS_TIE_FAIL);
	assert_int_equal(tally_seats_two_round(&f, &top2, &in, 0, 0, &o, NULL), TALLY_OK);
	assert_int_equal(o.state, TALLY_SEATS_FAILED);
	assert_int_equal(o.n_runoff, 1);
	assert_int_equal(o.pick.n_ties, 1);
	tally_two_round_release(&o);
	assert_int_equal(tally_seats_two_round(&r, &top2, &in, 0, 0, &o, NULL), TALLY_OK);
	assert_int_equal(o.state, TALLY_SEATS_DONE);
	assert_int_equal(o.n_runoff, 2);
	int second = tally_seats_lot_key(11, "B") > tally_seats_lot_key(11, "C") ? 1 : 2;
	assert_int_equal(o.runoff[1], second);
	tally_two_round_release(&o);
	/* a tie for the win when a low share lets two through */
	tally_two_round_rule low = {{1, 10}, false, false, {0, 0}, {0, 0}};
	static const uint64_t v6[] = {40, 40, 20};
	in = (tally_candidates_input){3, v6, ids, 1};
	tally_seats_rule none = chain(0);
	assert_int_equal(tally_seats_two_round(&none, &low, &in, 0, 0, &o, NULL), TALLY_OK);
	assert_false(o.elected);
	assert_int_equal(o.state, TALLY_SEATS_LOTS_REQUIRED);
	tally_two_round_release(&o);

	/* errors */
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_seats_two_round(&r, &fr, &in, 0, 0, &o, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	tally_two_round_rule bad = {{3, 2}, true, false, {0, 0}, {0, 0}};
	assert_int_equal(tally_seats_two_round(&r, &bad, &in, 0, 0, &o, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	in.n = 1;
	assert_int_equal(tally_seats_two_round(&r, &top2, &in, 0, 0, &o, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E025");
}

/* ==== parallel and MMP ==== */

static void test_parallel(void **state)
{
	(void)state;
	/* a 25-seat list tier (D'Hondt, 6 %) beside 100 constituencies */
	const char *csv = "district,seats,P,Q,R,S\n"
	                  "@wins,,70,20,0,10\n"
	                  "nation,25,500000,300000,150000,50000\n";
	tally_seats_table *t = NULL;
	assert_int_equal(tally_seats_table_parse(csv, strlen(csv), "p.csv", &t, NULL), TALLY_OK);
	tally_seats_config c;
	memset(&c, 0, sizeof c);
	c.rule = chain(1, TALLY_SEATS_TIE_LOT);
	c.threshold = (tally_ratio){6, 100};
	tally_seats_result *r = NULL;
	uint32_t total[4];
	assert_int_equal(tally_seats_parallel(t, &c, &r, total, NULL), TALLY_OK);
	/* D'Hondt over 500, 300, 150 (S 5 % excluded): divisor 30,000 gives
	 * 16 + 10 + 5 = 31 > 25; 37,500: 13 + 8 + 4 = 25 */
	assert_int_equal(r->party_seats[0], 13);
	assert_int_equal(r->party_seats[1], 8);
	assert_int_equal(r->party_seats[2], 4);
	assert_int_equal(r->party_seats[3], 0);
	assert_int_equal(total[0], 83);
	assert_int_equal(total[1], 28);
	assert_int_equal(total[2], 4);
	assert_int_equal(total[3], 10); /* constituency seats need no threshold */
	tally_seats_result_free(r, t);
	tally_seats_table_free(t);
}

static void test_mmp_new_zealand(void **state)
{
	(void)state;
	/* Electoral Commission, 2014 official party votes (also in votelib's
	 * tests/real/test_real_mmp.py) and electorate seats */
	static const char *const ids14[] = {"National", "Labour", "Green", "NZ First",
	                                    "Conservative", "Internet MANA", "Maori", "ACT",
	                                    "United Future", "Legalise Cannabis", "Ban1080",
	                                    "Democrats", "Focus", "NZ Independent", "Civilian"};
	static const uint64_t v14[] = {1131501, 604535, 257359, 208300, 95598, 34094, 31849, 16689,
	                               5286,    10961,  5113,   1730,   639,   872,   1096};
	static const uint32_t w14[] = {41, 27, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0};
	static const uint32_t s14[] = {60, 32, 14, 11, 0, 0, 2, 1, 1, 0, 0, 0, 0, 0, 0};
	tally_mmp_input in;
	memset(&in, 0, sizeof in);
	in.n = 15;
	in.votes = v14;
	in.wins = w14;
	in.ids = ids14;
	in.house = 120;
	in.threshold = (tally_ratio){5, 100};
	in.wins_qualify = 1;
	in.rule = chain(1, TALLY_SEATS_TIE_LOT);
	in.rule.method = TALLY_SEATS_SAINTE_LAGUE;
	tally_mmp_result *r = NULL;
	assert_int_equal(tally_seats_mmp(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_DONE);
	assert_int_equal(r->denominator, 2405622);
	assert_int_equal(r->qualification[4], TALLY_SEATS_Q_EXCLUDED); /* 3.97 % */
	assert_int_equal(r->qualification[8], TALLY_SEATS_Q_BY_WINS);  /* Ohariu */
	assert_int_equal(r->apportioned, 120);
	assert_int_equal(r->party.alloc[8], 0);  /* entitled to none ... */
	assert_int_equal(r->overhang[8], 1);     /* ... keeps Ohariu */
	assert_int_equal(r->list_seats[0], 19);  /* National 41 + 19 */
	for (int p = 0; p < 15; p++)
		assert_int_equal(r->seats[p], s14[p]);
	assert_int_equal(r->total, 121);
	tally_mmp_result_free(r);

	/* 2008: the Maori Party won 5 electorates on an entitlement of 3:
	 * 122 seats. NZ First 4.07 % and no electorate: out. */
	static const char *const ids08[] = {"National", "Labour", "Green", "ACT", "Maori",
	                                    "Progressive", "United Future", "NZ First", "others"};
	static const uint64_t v08[] = {1053398, 796880, 157613, 85496, 55980,
	                               21241,   20497,  95356,  58105};
	static const uint32_t w08[] = {41, 21, 0, 1, 5, 1, 1, 0, 0};
	static const uint32_t s08[] = {58, 43, 9, 5, 5, 1, 1, 0, 0};
	static const bool list08[] = {true, true, true, true, true, true, true, true, false};
	in.n = 9;
	in.votes = v08;
	in.wins = w08;
	in.ids = ids08;
	in.list = list08; /* "others" are eleven small parties summed: no list */
	assert_int_equal(tally_seats_mmp(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->qualification[7], TALLY_SEATS_Q_EXCLUDED);
	assert_int_equal(r->party.alloc[4], 3);
	assert_int_equal(r->overhang[4], 2);
	for (int p = 0; p < 9; p++)
		assert_int_equal(r->seats[p], s08[p]);
	assert_int_equal(r->total, 122);
	tally_mmp_result_free(r);

	/* an independent's electorate comes off the 120 first (s.191(5)):
	 * 119 seats shared, house 120 */
	static const uint32_t w08i[] = {41, 21, 0, 1, 5, 1, 1, 0, 1};
	in.wins = w08i;
	assert_int_equal(tally_seats_mmp(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->other_wins, 1);
	assert_int_equal(r->apportioned, 119);
	assert_int_equal(r->seats[8], 1);
	assert_int_equal(r->total, 119 + 1 + 2);
	tally_mmp_result_free(r);
	tally_error err = TALLY_ERROR_INIT;
	in.house = 0;
	assert_int_equal(tally_seats_mmp(&in, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	in.house = 1;
	static const uint32_t w_many[] = {0, 0, 0, 0, 0, 0, 0, 0, 2};
	in.wins = w_many;
	assert_int_equal(tally_seats_mmp(&in, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	in.house = 120;
	in.wins = w08;
	in.threshold = (tally_ratio){1, 1};
	in.wins_qualify = 0;
	assert_int_equal(tally_seats_mmp(&in, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E024");
}

/* ==== Norway's leveling seats ==== */

static void test_leveling(void **state)
{
	(void)state;
	/* Three counties of 4, 3 and 2 district seats and one leveling seat
	 * each (12 seats); divisors 1.4, 3, 5, ...
	 *   X  A 5000  B 3100  C 1500  D 500          A 2  B 1  C 1
	 *      (3571 B 2214 A 1667 C 1071 | next B 1033, A 1000)
	 *   Y  A 2000  B 3000  C 800   D 300          B 2  A 1
	 *      (B 2143 A 1429 B 1000 | next C 571)
	 *   Z  A 1000  B 600   C 900   D 100  E 2600  E 2
	 *      (E 1857 E 867 | next A 714)
	 * Nationally A 8000, B 6700, C 3200, D 900, E 2600 of 21,400: 4 % is
	 * 856, everyone passes. Run 1: 12 seats; E's 1857 is its only quotient
	 * in the top 12 (the 12th is A 8000/9 = 889 > E 867): 1 < 2 district
	 * seats, E is left out. Run 2: 12 - 2 = 10 seats over A-D: A 4, B 4,
	 * C 2, D 0; leveling A 4-3 = 1, B 4-3 = 1, C 2-1 = 1.
	 * Placement, q = v/d / (county votes / district seats) with d = 1 for
	 * no seat: X 10100/4 = 2525, Y 6100/3, Z 5200/2 = 2600:
	 *   B in X 3100/3/2525 = .4092, A in X 5000/5/2525 = .3960,
	 *   C in Y 800/1/2033.3 = .3934, A in Z 1000/2600 = .3846, ...
	 * B takes X; A's X is skipped (X is full); C takes Y; A takes Z. */
	static const char *const parties[] = {"A", "B", "C", "D", "E"};
	static const char *const counties[] = {"X", "Y", "Z"};
	static const uint32_t seats[] = {4, 3, 2}, lev[] = {1, 1, 1};
	uint64_t votes[] = {5000, 3100, 1500, 500, 0,   2000, 3000, 800,
	                    300,  0,    1000, 600,  900, 100,  2600};
	tally_leveling_input in;
	memset(&in, 0, sizeof in);
	in.n_districts = 3;
	in.n_parties = 5;
	in.district_ids = counties;
	in.party_ids = parties;
	in.seats = seats;
	in.leveling = lev;
	in.votes = votes;
	in.threshold = (tally_ratio){4, 100};
	in.rule = chain(1, TALLY_SEATS_TIE_VOTES);
	in.rule.method = TALLY_SEATS_MODIFIED_SL;
	tally_leveling_result *r = NULL;
	assert_int_equal(tally_seats_leveling(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_DONE);
	static const uint32_t dist[3][5] = {{2, 1, 1, 0, 0}, {1, 2, 0, 0, 0}, {0, 0, 0, 0, 2}};
	for (int d = 0; d < 3; d++)
		for (int p = 0; p < 5; p++)
			assert_int_equal(r->district[d].alloc[p], dist[d][p]);
	assert_int_equal(r->runs, 2);
	assert_true(r->eligible[4]);
	assert_true(r->removed[4]);
	assert_int_equal(r->removed_in[4], 1);
	assert_int_equal(r->national_seats, 10);
	static const uint32_t lv[5] = {1, 1, 1, 0, 0}, tot[5] = {4, 4, 2, 0, 2};
	for (int p = 0; p < 5; p++) {
		assert_int_equal(r->leveling[p], lv[p]);
		assert_int_equal(r->seats[p], tot[p]);
	}
	assert_int_equal(r->n_order, 3);
	assert_int_equal(r->order[0].district, 0);
	assert_int_equal(r->order[0].party, 1);
	assert_int_equal(r->order[1].district, 1);
	assert_int_equal(r->order[1].party, 2);
	assert_int_equal(r->order[2].district, 2);
	assert_int_equal(r->order[2].party, 0);
	assert_int_equal(r->placed[0 * 5 + 1] + r->placed[1 * 5 + 2] + r->placed[2 * 5 + 0], 3);
	tally_leveling_result_free(r);

	/* with B at 3000 in X, A and B tie in X at exactly 2/5 (5000/5/2500 =
	 * 3000/3/2500): more votes nationally (A 8000 > B 6600) places A
	 * there; B then goes to Z (Y is C's). Without a policy: lots. */
	votes[1] = 3000;
	assert_int_equal(tally_seats_leveling(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_DONE);
	assert_int_equal(r->placing.n_ties, 1);
	assert_int_equal(r->order[0].party, 0);
	assert_int_equal(r->order[2].district, 2);
	assert_int_equal(r->order[2].party, 1);
	tally_leveling_result_free(r);
	in.rule.n_tie = 0;
	assert_int_equal(tally_seats_leveling(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_LOTS_REQUIRED);
	assert_int_equal(r->n_order, 0);
	tally_leveling_result_free(r);

	/* level figures that can all be placed are no tie: X A 100 B 60, Y A 60
	 * B 100, one district seat each (A in X, B in Y); nationally 160 each,
	 * 4 seats: 2 and 2, one leveling seat each; A in Y 60/1/160 = B in X
	 * 60/1/160 = .375: both are placed, no lot needed even without a policy */
	{
		static const uint32_t s1[] = {1, 1}, l1[] = {1, 1};
		uint64_t v1[] = {100, 60, 60, 100};
		static const char *const xy[] = {"X", "Y"};
		tally_leveling_input sym = in;
		sym.n_districts = 2;
		sym.n_parties = 2;
		sym.district_ids = xy;
		sym.seats = s1;
		sym.leveling = l1;
		sym.votes = v1;
		sym.rule.n_tie = 0;
		assert_int_equal(tally_seats_leveling(&sym, &r, NULL), TALLY_OK);
		assert_int_equal(r->state, TALLY_SEATS_DONE);
		assert_int_equal(r->placing.n_ties, 0);
		assert_int_equal(r->placed[0 * 2 + 1], 1); /* B in X */
		assert_int_equal(r->placed[1 * 2 + 0], 1); /* A in Y */
		tally_leveling_result_free(r);
	}

	/* errors: no party reaches the threshold; a seat that cannot be placed
	 * (one county with a leveling seat, where the party does not stand) */
	tally_error err = TALLY_ERROR_INIT;
	in.rule.n_tie = 1;
	in.threshold = (tally_ratio){1, 2};
	assert_int_equal(tally_seats_leveling(&in, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E026");
	static const uint32_t s2[] = {1, 1}, l2[] = {0, 1};
	uint64_t v2[] = {100, 0, 0, 100};
	static const char *const two[] = {"X", "Y"};
	tally_leveling_input in2 = in;
	in2.n_districts = 2;
	in2.n_parties = 2;
	in2.district_ids = two;
	in2.seats = s2;
	in2.leveling = l2;
	in2.votes = v2;
	in2.threshold = (tally_ratio){4, 100};
	/* X: A 1 seat; Y: B 1 seat; nationally 3 seats: A 2? 100/1.4 = 71.4,
	 * B 71.4, then 100/3 each: a tie */
	v2[3] = 90;
	assert_int_equal(tally_seats_leveling(&in2, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E026"); /* A's seat: Y is the only county with room */
	in2.seats = (const uint32_t[]){1, 0};
	assert_int_equal(tally_seats_leveling(&in2, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
}

/* ==== Bundestag 2023 reform, what-if on 2021 ==== */

static void test_bundestag2023_whatif(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof path, "%s/seats/de-2021/kerg2021.csv", tu_shared_data());
	if (access(path, R_OK) != 0)
		skip();
	static const char *const land[16] = {"SH", "HH", "NI", "HB", "NW", "HE", "RP", "BW",
	                                     "BY", "SL", "BE", "BB", "MV", "SN", "ST", "TH"};
	size_t len = 0;
	char *buf = tu_read_file(path, &len);
	assert_non_null(buf);
	tally_csv c;
	tally_csv_init(&c, buf, len, ';', path);
	uint32_t np = 0, nc = 0;
	char **names = NULL;
	const char **ids = NULL;
	uint64_t *votes = NULL, valid = 0;
	char *cids[299];
	const char *cid[299];
	uint32_t cland[299], cwin[299];
	uint64_t cwv[299], cvalid[299];
	int rc;
	while ((rc = tally_csv_next(&c, NULL)) == 1) {
		const tally_csv_field *f = c.fields;
		if (c.record == 3) {
			for (size_t i = 19; i + 3 < c.n_fields; i += 4)
				np++;
			names = calloc(np, sizeof *names);
			ids = calloc(np, sizeof *ids);
			votes = calloc((size_t)np * 16, sizeof *votes);
			for (uint32_t p = 0; p < np; p++)
				ids[p] = names[p] = strndup(f[19 + 4 * p].s, f[19 + 4 * p].len);
			continue;
		}
		uint64_t nr = 0, parent = 0;
		if (c.record < 6 || c.n_fields < 19 + 4 * (size_t)np || tally_csv_u64(&f[0], 1000, &nr))
			continue;
		if (tally_csv_u64(&f[2], 1000, &parent)) { /* the federal row */
			assert_int_equal(tally_csv_u64(&f[17], UINT64_MAX, &valid), 0);
			continue;
		}
		if (parent == 99) { /* a Land (kerg numbers 1-16 in the order above) */
			for (uint32_t p = 0; p < np; p++) {
				uint64_t x = 0;
				if (f[19 + 4 * p + 2].len)
					assert_int_equal(tally_csv_u64(&f[19 + 4 * p + 2], UINT64_MAX, &x), 0);
				votes[(size_t)p * 16 + nr - 1] = x;
			}
			continue;
		}
		assert_true(nc < 299);
		uint32_t best = 0;
		uint64_t bv = 0;
		for (uint32_t p = 0; p < np; p++) {
			uint64_t x = 0;
			if (f[19 + 4 * p].len)
				assert_int_equal(tally_csv_u64(&f[19 + 4 * p], UINT64_MAX, &x), 0);
			if (x > bv) {
				bv = x;
				best = p;
			}
		}
		assert_int_equal(tally_csv_u64(&f[15], UINT64_MAX, &cvalid[nc]), 0);
		cid[nc] = cids[nc] = strndup(f[0].s, f[0].len);
		cland[nc] = (uint32_t)parent - 1;
		cwin[nc] = best;
		cwv[nc] = bv;
		nc++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(nc, 299);
	tally_csv_release(&c);
	static const char *const party[8] = {
		"Sozialdemokratische Partei Deutschlands", "Christlich Demokratische Union Deutschlands",
		"BÜNDNIS 90/DIE GRÜNEN", "Freie Demokratische Partei", "Alternative für Deutschland",
		"Christlich-Soziale Union in Bayern e.V.", "DIE LINKE", "Südschleswigscher Wählerverband"};
	uint32_t pidx[8];
	bool *exempt = calloc(np, sizeof *exempt);
	for (int w = 0; w < 8; w++) {
		uint32_t p = 0;
		while (p < np && strcmp(names[p], party[w]))
			p++;
		assert_true(p < np);
		pidx[w] = p;
	}
	exempt[pidx[7]] = true;
	tally_bundestag2023_input in;
	memset(&in, 0, sizeof in);
	in.n_lands = 16;
	in.n_parties = np;
	in.n_constituencies = nc;
	in.land_ids = land;
	in.party_ids = ids;
	in.constituency_ids = cid;
	in.exempt = exempt;
	in.votes = votes;
	in.valid = valid;
	in.land = cland;
	in.winner = cwin;
	in.winner_votes = cwv;
	in.valid_first = cvalid;
	in.house = 630;
	in.threshold = (tally_ratio){5, 100};
	in.wins_qualify = 3;
	in.rule = chain(1, TALLY_SEATS_TIE_LOT);
	in.rule.method = TALLY_SEATS_SAINTE_LAGUE;
	tally_bundestag2023_result *r = NULL;
	tally_error err = TALLY_ERROR_INIT;
	rc = tally_seats_bundestag2023(&in, &r, &err);
	if (rc)
		fprintf(stderr, "%s %s %s\n", err.code, err.where, err.msg);
	assert_int_equal(rc, TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_DONE);
	/* 630 seats, exactly the Oberverteilung: no party has more than its
	 * second votes give it (SPD 177, CDU 130, GRUENE 102, FDP 79, AfD 71,
	 * CSU 36, LINKE 34, SSW 1: Sainte-Lague over the 8 totals, also
	 * computed apart in exact fractions); the divisor reproduces them */
	static const uint32_t want[8] = {177, 130, 102, 79, 71, 36, 34, 1};
	static const uint32_t wins[8] = {121, 98, 16, 0, 16, 45, 3, 0};
	assert_int_equal(r->total, 630);
	assert_int_equal(r->majority_bonus, 0);
	assert_true(r->ober.has_divisor);
	uint32_t sum = 0, covered = 0, from_list = 0, uncovered = 0;
	for (int w = 0; w < 8; w++) {
		uint32_t p = pidx[w];
		assert_int_equal(r->seats[p], want[w]);
		assert_int_equal(r->party_wins[p], wins[w]);
		assert_int_equal(tally_seats_at_divisor(&in.rule, r->party_votes[p], r->ober.divisor, 700),
		                 want[w]);
		sum += r->seats[p];
		uncovered += r->uncovered[p];
		uint32_t ls = 0;
		for (int l = 0; l < 16; l++) {
			ls += r->list_seats[(size_t)p * 16 + l];
			from_list += r->from_list[(size_t)p * 16 + l];
		}
		assert_int_equal(ls, want[w]);
		/* winners with seats + uncovered = wins */
		uint32_t cov = 0;
		for (uint32_t k = 0; k < nc; k++)
			cov += cwin[k] == p && r->covered[k];
		assert_int_equal(cov + r->uncovered[p], wins[w]);
		covered += cov;
	}
	assert_int_equal(sum, 630);
	assert_int_equal(covered + from_list, 630);
	assert_int_equal(covered + uncovered, 299);
	/* CSU has one Land list: 36 seats for 45 winners, 9 without a seat */
	assert_int_equal(r->uncovered[pidx[5]], 9);
	/* in every Land list, no uncovered winner has a higher first-vote
	 * share than a covered one */
	for (uint32_t a = 0; a < nc; a++)
		for (uint32_t b = 0; b < nc; b++)
			if (cwin[a] == cwin[b] && cland[a] == cland[b] && r->covered[a] && !r->covered[b])
				assert_true(cwv[a] * cvalid[b] >= cwv[b] * cvalid[a]);
	tally_bundestag2023_result_free(r);

	/* the 2023 text without the three-wins clause: DIE LINKE (4.9 %) is
	 * out and its 3 winners take no seat */
	in.wins_qualify = 0;
	assert_int_equal(tally_seats_bundestag2023(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->qualification[pidx[6]], TALLY_SEATS_Q_EXCLUDED);
	assert_int_equal(r->seats[pidx[6]], 0);
	assert_int_equal(r->uncovered[pidx[6]], 3);
	assert_int_equal(r->seats[pidx[0]], 188);
	assert_int_equal(r->total, 630);
	tally_bundestag2023_result_free(r);

	/* an independent winner: 629 seats shared, 630 in all */
	uint32_t keep = cwin[0];
	cwin[0] = np;
	assert_int_equal(tally_seats_bundestag2023(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->independents, 1);
	assert_int_equal(r->size, 629);
	assert_int_equal(r->total, 630);
	tally_bundestag2023_result_free(r);
	cwin[0] = keep;
	/* bad input */
	cwv[0] = cvalid[0] + 1;
	assert_int_equal(tally_seats_bundestag2023(&in, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
	for (uint32_t p = 0; p < np; p++)
		free(names[p]);
	for (uint32_t k = 0; k < nc; k++)
		free(cids[k]);
	free(names);
	free(ids);
	free(votes);
	free(exempt);
	free(buf);
}

static void test_bundestag2023_small(void **state)
{
	(void)state;
	/* two Laender, three parties, 10 seats. A has 60 % of the votes of the
	 * qualifying parties: Sainte-Lague gives A 6 of 10, no bonus. The
	 * majority clause: with 51 % of the votes and 5 of 10 seats A would get
	 * one more seat (6 of 11). */
	static const char *const lands[] = {"L1", "L2"};
	static const char *const parties[] = {"A", "B", "C"};
	static const char *const cons[] = {"c1", "c2", "c3", "c4"};
	uint64_t votes[] = {300, 210, /* A */ 150, 150, /* B */ 60, 30 /* C */};
	static const uint32_t land[] = {0, 0, 0, 1};
	uint32_t winner[] = {0, 0, 0, 1};
	uint64_t wv[] = {40, 55, 50, 45}, vf[] = {100, 100, 100, 100};
	tally_bundestag2023_input in;
	memset(&in, 0, sizeof in);
	in.n_lands = 2;
	in.n_parties = 3;
	in.n_constituencies = 4;
	in.land_ids = lands;
	in.party_ids = parties;
	in.constituency_ids = cons;
	in.votes = votes;
	in.valid = 900;
	in.land = land;
	in.winner = winner;
	in.winner_votes = wv;
	in.valid_first = vf;
	in.house = 10;
	in.threshold = (tally_ratio){5, 100};
	in.rule = chain(1, TALLY_SEATS_TIE_LOT);
	in.rule.method = TALLY_SEATS_SAINTE_LAGUE;
	tally_bundestag2023_result *r = NULL;
	assert_int_equal(tally_seats_bundestag2023(&in, &r, NULL), TALLY_OK);
	/* A 510, B 300, C 90 of 900: 5.67 / 3.33 / 1: A 6, B 3, C 1; A over
	 * L1 300 and L2 210 with 6 seats: 4 + 2? 300/3.5 = 85.7 vs 210/2.5 =
	 * 84: L1 4, L2 2. Winners in L1: c2 55 %, c3 50 %, c1 40 %: all three
	 * covered by 4 seats, one list seat */
	assert_int_equal(r->seats[0], 6);
	assert_int_equal(r->seats[1], 3);
	assert_int_equal(r->seats[2], 1);
	assert_int_equal(r->list_seats[0], 4);
	assert_int_equal(r->list_seats[1], 2);
	assert_int_equal(r->rank[1], 1);
	assert_int_equal(r->rank[2], 2);
	assert_int_equal(r->rank[0], 3);
	assert_true(r->covered[0] && r->covered[1] && r->covered[2]);
	assert_int_equal(r->from_list[0], 1);
	tally_bundestag2023_result_free(r);
	/* B wins all four; B's lists L1 100, L2 250 (A 510, B 350, C 90 of
	 * 950: A 5, B 4, C 1) give L1 one seat (L2 500, L1 200, L2 166.7,
	 * L2 100 | L1 66.7): c2 and c3 level at 50 % for it; the lot (rule
	 * chain, section 6(3)) decides; c1 (40 %) and nobody else is left out
	 * in L1; c4 is covered by L2's 3 seats */
	winner[0] = winner[1] = winner[2] = winner[3] = 1;
	wv[1] = 50;
	votes[2] = 100;
	votes[3] = 250;
	in.valid = 950;
	assert_int_equal(tally_seats_bundestag2023(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_DONE);
	assert_int_equal(r->seats[1], 4);
	assert_int_equal(r->list_seats[1 * 2 + 0], 1);
	assert_int_equal(r->list_seats[1 * 2 + 1], 3);
	assert_int_equal(r->ranking.n_ties, 1);
	assert_int_equal(r->ranking.ties[0].n_tied, 2);
	assert_int_equal(r->ranking.ties[0].settled_by, TALLY_SEATS_TIE_LOT);
	assert_int_equal(r->rank[1], 1);
	assert_int_equal(r->rank[2], 1);
	assert_false(r->covered[0]);
	bool c2 = tally_seats_lot_key(11, "c2") > tally_seats_lot_key(11, "c3");
	assert_int_equal(r->covered[1], c2);
	assert_int_equal(r->covered[2], !c2);
	assert_true(r->covered[3]);
	assert_int_equal(r->uncovered[1], 2);
	assert_int_equal(r->from_list[1 * 2 + 1], 2);
	tally_bundestag2023_result_free(r);
	/* the same tie with no policy: drawing of lots required */
	in.rule.n_tie = 0;
	assert_int_equal(tally_seats_bundestag2023(&in, &r, NULL), TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_LOTS_REQUIRED);
	tally_bundestag2023_result_free(r);
	in.rule.n_tie = 1;
	in.valid = 900;
	/* the majority clause, section 4(4) */
	winner[0] = winner[1] = winner[2] = 0;
	winner[3] = 1;
	wv[1] = 55;
	votes[0] = 250;
	votes[1] = 210; /* A 460 of 900 = 51.1 % */
	votes[2] = 170;
	votes[3] = 180;
	votes[4] = 60;
	votes[5] = 30;
	assert_int_equal(tally_seats_bundestag2023(&in, &r, NULL), TALLY_OK);
	/* A 460/90 = 5.1, B 350/90 = 3.9, C 1: 5 + 4 + 1 = 10, A not above half */
	assert_int_equal(r->ober.alloc[0], 5);
	assert_int_equal(r->majority_bonus, 1);
	assert_int_equal(r->seats[0], 6);
	assert_int_equal(r->total, 11);
	tally_bundestag2023_result_free(r);
	tally_error err = TALLY_ERROR_INIT;
	in.house = 0;
	assert_int_equal(tally_seats_bundestag2023(&in, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E020");
}


/* ==== list PR inside an election (count.c's seat rules) ==== */

static tally_results *count_lists(const char *rule, const char *tie, const uint64_t *votes,
                                  tally_election **ep)
{
	char def[2048];
	snprintf(def, sizeof def,
	         "{\"format\": \"tally-definition/1\", \"election\": {\"id\": \"x\", \"name\": \"X\","
	         " \"date\": \"2024-01-01\", \"seats\": 8}, \"template\": \"az-mm\","
	         " \"system\": {\"rule\": \"%s\", \"tie\": \"%s\", \"lot_seed\": 5},"
	         " \"parties\": [{\"id\": \"A\", \"name\": \"A\"}, {\"id\": \"B\", \"name\": \"B\"},"
	         "  {\"id\": \"C\", \"name\": \"C\"}, {\"id\": \"D\", \"name\": \"D\"}],"
	         " \"contests\": [{\"id\": \"c\", \"name\": \"C\"}],"
	         " \"constituencies\": [{\"id\": \"W\", \"name\": \"W\", \"contest\": \"c\", \"magnitude\": 8}],"
	         " \"stations\": [{\"id\": \"s\", \"constituency\": \"W\", \"registered\": 300000}],"
	         " \"candidates\": ["
	         "  {\"id\": \"LA\", \"name\": \"List A\", \"constituency\": \"W\", \"nominator\": \"party\", \"party\": \"A\"},"
	         "  {\"id\": \"LB\", \"name\": \"List B\", \"constituency\": \"W\", \"nominator\": \"party\", \"party\": \"B\"},"
	         "  {\"id\": \"LC\", \"name\": \"List C\", \"constituency\": \"W\", \"nominator\": \"party\", \"party\": \"C\"},"
	         "  {\"id\": \"LD\", \"name\": \"List D\", \"constituency\": \"W\", \"nominator\": \"party\", \"party\": \"D\"}]}",
	         rule, tie);
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_election_parse(def, strlen(def), "d", &e, &err);
	if (rc)
		fprintf(stderr, "%s %s %s\n", err.code, err.where, err.msg);
	assert_int_equal(rc, TALLY_OK);
	tally_results *r = NULL;
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	tally_protocol p;
	fixture_protocol(e, 0, votes, 4, 100, &p);
	assert_int_equal(tally_results_add(r, &p, 1, NULL), TALLY_OK);
	tally_protocol_release(&p);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	*ep = e;
	return r;
}

static void test_list_rules_in_an_election(void **state)
{
	(void)state;
	/* the textbook case of test_seats.c: 100,000 / 80,000 / 30,000 /
	 * 20,000 over 8 seats: D'Hondt 4 3 1 0, Sainte-Lague 3 3 1 1 */
	static const uint64_t v[] = {100000, 80000, 30000, 20000};
	static const struct {
		const char *rule;
		uint32_t seats[4];
	} want[] = {{"dhondt", {4, 3, 1, 0}}, {"sainte-lague", {3, 3, 1, 1}},
	            {"hare", {3, 3, 1, 1}},   {"droop", {4, 3, 1, 0}}};
	for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
		tally_election *e = NULL;
		tally_results *r = count_lists(want[w].rule, "fail", v, &e);
		const tally_constituency_result *cr = &r->cons[0];
		assert_int_equal(cr->outcome, TALLY_OUT_ELECTED);
		uint32_t listed = 0;
		for (int i = 0; i < 4; i++) {
			assert_int_equal(cr->seats[i], want[w].seats[i]);
			assert_int_equal(r->aff[i].seats, want[w].seats[i]);
			listed += want[w].seats[i] > 0;
		}
		assert_int_equal(cr->n_elected, listed);
		assert_int_equal(cr->elected[0], 0); /* most seats first */
		assert_int_equal(r->seats_filled, 8);
		assert_non_null(strstr(cr->note, want[w].rule));
		tally_results_free(r);
		tally_election_free(e);
	}
	/* modified Sainte-Lague meets the exact tie 100000/7 = 20000/1.4 for
	 * the 8th seat: "fail" fails the constituency, "lot" draws */
	tally_election *e = NULL;
	tally_results *r = count_lists("modified-sainte-lague", "fail", v, &e);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_FAILED);
	assert_non_null(strstr(r->cons[0].note, "the election fails"));
	assert_int_equal(r->seats_filled, 7);
	tally_results_free(r);
	tally_election_free(e);
	r = count_lists("modified-sainte-lague", "lot", v, &e);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_ELECTED);
	assert_true(r->cons[0].lot_drawn);
	assert_int_equal(r->seats_filled, 8);
	bool a_wins = tally_seats_lot_key(5, "LA") > tally_seats_lot_key(5, "LD");
	assert_int_equal(r->cons[0].seats[0], a_wins ? 4u : 3u);
	assert_int_equal(r->cons[0].seats[3], a_wins ? 0u : 1u);
	tally_results_free(r);
	tally_election_free(e);
	/* an unknown rule is still refused */
	assert_null(tally_seat_rule_find("stv"));
	assert_non_null(tally_seat_rule_find("imperiali-quota"));
}

/* ==== the table's registered and region columns ==== */

static void test_table_columns(void **state)
{
	(void)state;
	const char *csv = "district,seats,valid,registered,region,A,B\n"
	                  "c1,1,120,2000,north,60,50\n"
	                  "c2,1,,,,10,20\n";
	tally_seats_table *t = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_seats_table_parse(csv, strlen(csv), "t.csv", &t, &err), TALLY_OK);
	assert_int_equal(t->n_parties, 2);
	assert_int_equal(t->valid[0], 120);
	assert_int_equal(t->registered[0], 2000);
	assert_string_equal(t->region[0], "north");
	assert_int_equal(t->registered[1], 0);
	assert_null(t->region[1]);
	tally_seats_table_free(t);
	/* registered without valid, region alone */
	const char *c2 = "district,seats,registered,A\nd,1,7,3\n";
	assert_int_equal(tally_seats_table_parse(c2, strlen(c2), "t.csv", &t, NULL), TALLY_OK);
	assert_int_equal(t->registered[0], 7);
	assert_int_equal(t->n_parties, 1);
	tally_seats_table_free(t);
	const char *js = "{\"parties\":[{\"id\":\"A\"}],\"districts\":[{\"id\":\"d\",\"seats\":1,"
	                 "\"registered\":9,\"region\":\"BY\",\"votes\":{\"A\":1}}]}";
	assert_int_equal(tally_seats_table_parse(js, strlen(js), "t.json", &t, NULL), TALLY_OK);
	assert_int_equal(t->registered[0], 9);
	assert_string_equal(t->region[0], "BY");
	tally_seats_table_free(t);
	/* errors: a bad count of registered voters (E004), a bad region (E006) */
	const char *b1 = "district,seats,registered,A\nd,1,x,3\n";
	assert_int_equal(tally_seats_table_parse(b1, strlen(b1), "t.csv", &t, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E004");
	const char *b2 = "district,seats,region,A\nd,1,@x,3\n";
	assert_int_equal(tally_seats_table_parse(b2, strlen(b2), "t.csv", &t, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "E006");
}

/* ==== Norway 2021, official (tests/data/seats/no-2021) ==== */

static void test_leveling_norway_2021(void **state)
{
	(void)state;
	size_t len = 0, elen = 0;
	char *buf = tu_read_file("tests/data/seats/no-2021/votes.csv", &len);
	char *exp = tu_read_file("tests/data/seats/no-2021/expected.csv", &elen);
	assert_non_null(buf);
	assert_non_null(exp);
	tally_seats_table *t = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_seats_table_parse(buf, len, "votes.csv", &t, &err), TALLY_OK);
	uint32_t nd = t->n_districts, np = t->n_parties;
	assert_int_equal(nd, 19);
	uint32_t lev[19];
	const char *pids[64];
	assert_true(np <= 64);
	for (uint32_t d = 0; d < nd; d++)
		lev[d] = 1;
	for (uint32_t p = 0; p < np; p++)
		pids[p] = t->parties[p].id;
	tally_leveling_input in;
	memset(&in, 0, sizeof in);
	in.n_districts = nd;
	in.n_parties = np;
	in.district_ids = (const char *const *)t->district_ids;
	in.party_ids = pids;
	in.seats = t->seats;
	in.leveling = lev;
	in.votes = t->votes;
	in.threshold = (tally_ratio){4, 100};
	in.rule = chain(1, TALLY_SEATS_TIE_VOTES);
	in.rule.method = TALLY_SEATS_MODIFIED_SL;
	tally_leveling_result *r = NULL;
	assert_int_equal(tally_seats_leveling(&in, &r, &err), TALLY_OK);
	assert_int_equal(r->state, TALLY_SEATS_DONE);
	assert_int_equal(r->n_order, 19);
	/* every county and party of the official table, and nothing else */
	uint32_t *want_d = calloc((size_t)nd * np, sizeof *want_d);
	uint32_t *want_l = calloc((size_t)nd * np, sizeof *want_l);
	tally_csv c;
	tally_csv_init(&c, exp, elen, ',', "expected.csv");
	assert_int_equal(tally_csv_next(&c, NULL), 1); /* header */
	uint32_t rows = 0, total = 0, total_lev = 0;
	while (tally_csv_next(&c, NULL) == 1) {
		uint32_t d = 0, p = 0;
		while (d < nd && !tally_csv_eq(&c.fields[0], t->district_ids[d]))
			d++;
		while (p < np && !tally_csv_eq(&c.fields[1], pids[p]))
			p++;
		assert_true(d < nd && p < np);
		uint64_t ds = 0, ls = 0;
		assert_int_equal(tally_csv_u64(&c.fields[2], 100, &ds), 0);
		assert_int_equal(tally_csv_u64(&c.fields[3], 100, &ls), 0);
		want_d[(size_t)d * np + p] = (uint32_t)ds;
		want_l[(size_t)d * np + p] = (uint32_t)ls;
		total += (uint32_t)(ds + ls);
		total_lev += (uint32_t)ls;
		rows++;
	}
	tally_csv_release(&c);
	assert_true(rows > 90);
	assert_int_equal(total, 169);
	assert_int_equal(total_lev, 19);
	for (uint32_t d = 0; d < nd; d++)
		for (uint32_t p = 0; p < np; p++) {
			size_t x = (size_t)d * np + p;
			if (r->district[d].alloc[p] != want_d[x] || r->placed[x] != want_l[x])
				fprintf(stderr, "%s %s: %u + %u, official %u + %u\n", t->district_ids[d],
				        pids[p], r->district[d].alloc[p], r->placed[x], want_d[x], want_l[x]);
			assert_int_equal(r->district[d].alloc[p], want_d[x]);
			assert_int_equal(r->placed[x], want_l[x]);
		}
	/* A and SP have more district seats than their shares: left out in
	 * runs 1 and 2; KRF and MDG are below 4 % */
	static const struct {
		const char *id;
		uint32_t seats, leveling, removed_in;
		bool eligible;
	} want[] = {{"A", 48, 0, 2, true},   {"SP", 28, 0, 1, true},  {"H", 36, 1, 0, true},
	            {"FRP", 21, 4, 0, true}, {"SV", 13, 5, 0, true},  {"RØDT", 8, 4, 0, true},
	            {"V", 8, 5, 0, true},    {"KRF", 3, 0, 0, false}, {"MDG", 3, 0, 0, false},
	            {"PF", 1, 0, 0, false}};
	for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
		uint32_t p = 0;
		while (p < np && strcmp(pids[p], want[w].id))
			p++;
		assert_true(p < np);
		assert_int_equal(r->seats[p], want[w].seats);
		assert_int_equal(r->leveling[p], want[w].leveling);
		assert_int_equal(r->removed_in[p], want[w].removed_in);
		assert_int_equal(r->eligible[p], want[w].eligible);
	}
	assert_int_equal(r->runs, 3);
	free(want_d);
	free(want_l);
	tally_leveling_result_free(r);
	tally_seats_table_free(t);
	free(buf);
	free(exp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plurality),
		cmocka_unit_test(test_two_round),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_mmp_new_zealand),
		cmocka_unit_test(test_leveling),
		cmocka_unit_test(test_leveling_norway_2021),
		cmocka_unit_test(test_bundestag2023_whatif),
		cmocka_unit_test(test_bundestag2023_small),
		cmocka_unit_test(test_list_rules_in_an_election),
		cmocka_unit_test(test_table_columns),
	};
	return cmocka_run_group_tests_name("seats_systems", tests, NULL, NULL);
}
