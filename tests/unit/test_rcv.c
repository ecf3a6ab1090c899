/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_rcv.c: ranked ballots (src/core/rcv): textbook counts checked by
 * hand for every method, ballot rule and tie policy; properties on random
 * elections (a majority of first preferences wins IRV; every round
 * conserves the ballots exactly; the order of the ballots changes nothing);
 * real elections against their published counts, every figure of every
 * round (data/rcv: Minneapolis 2013 and 2017, three Scottish wards of
 * 2017); the readers (CSV and NIST SP 1500-103 JSON) and every R0xx error.
 */
#include <jansson.h>

#include "testutil.h"

#define SC 100000ULL     /* Scottish units: 10^-5 */
#define MK 1000000000ULL /* Meek units: 10^-9 */

static tally_rcv_ballots *csv(const char *text)
{
	tally_rcv_ballots *b = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_rcv_parse_csv(text, strlen(text), "t.csv", NULL, &b, &err);
	if (rc)
		fprintf(stderr, "%s: %s [%s]\n", err.where, err.msg, err.code);
	assert_int_equal(rc, TALLY_OK);
	return b;
}

static uint32_t cand(const tally_rcv_ballots *b, const char *id)
{
	uint32_t c = tally_rcv_find_candidate(b, id, strlen(id));
	assert_true(c != UINT32_MAX);
	return c;
}

static tally_rcv_result *count(const tally_rcv_ballots *b, const tally_rcv_rules *r)
{
	tally_rcv_result *res = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_rcv_count(b, r, &res, &err);
	if (rc)
		fprintf(stderr, "%s [%s]\n", err.msg, err.code);
	assert_int_equal(rc, TALLY_OK);
	return res;
}

static uint64_t votes(const tally_rcv_ballots *b, const tally_rcv_result *r, uint32_t round,
                      const char *id)
{
	return r->rounds[round - 1].votes[cand(b, id)];
}

static uint64_t exhausted(const tally_rcv_round *rd)
{
	uint64_t t = 0;
	for (int i = 0; i < TALLY_RCV_EX_N; i++)
		t += rd->exhausted[i];
	return t;
}

/* every round: all votes held + exhausted + lost = every ballot at full value */
static void assert_conserved(const tally_rcv_result *r)
{
	for (uint32_t i = 0; i < r->n_rounds; i++) {
		const tally_rcv_round *rd = &r->rounds[i];
		uint64_t sum = exhausted(rd) + rd->lost;
		for (uint32_t c = 0; c < r->n_candidates; c++)
			sum += rd->votes[c];
		assert_true(sum == r->ballots * r->scale);
	}
}

/* ==== IRV ==== */

/* The Tennessee capital example (a textbook case of IRV): Memphis 42,
 * Nashville 26, Chattanooga 15, Knoxville 17. Chattanooga goes first (to
 * Knoxville: 32), then Nashville (its ballots skip the eliminated
 * Chattanooga, to Knoxville: 58): Knoxville wins 58 to 42 in round 3. */
static void test_irv_tennessee(void **state)
{
	(void)state;
	tally_rcv_ballots *b = csv("count,rank1,rank2,rank3,rank4\n"
	                           "42,Memphis,Nashville,Chattanooga,Knoxville\n"
	                           "26,Nashville,Chattanooga,Knoxville,Memphis\n"
	                           "15,Chattanooga,Knoxville,Nashville,Memphis\n"
	                           "17,Knoxville,Chattanooga,Nashville,Memphis\n");
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	tally_rcv_result *res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_DONE);
	assert_int_equal(res->n_rounds, 3);
	assert_int_equal(res->rounds[0].excluded[0], cand(b, "Chattanooga"));
	assert_int_equal(votes(b, res, 2, "Knoxville"), 32);
	assert_int_equal(res->rounds[1].excluded[0], cand(b, "Nashville"));
	assert_int_equal(votes(b, res, 3, "Knoxville"), 58);
	assert_int_equal(votes(b, res, 3, "Memphis"), 42);
	assert_int_equal(res->n_elected, 1);
	assert_int_equal(res->elected[0], cand(b, "Knoxville"));
	assert_int_equal(res->rounds[2].change[cand(b, "Knoxville")], 26);
	assert_conserved(res);
	tally_rcv_result_free(res);

	/* batch elimination: Chattanooga + Knoxville = 32 is not below
	 * Nashville's 26, so only one goes; until two remain changes nothing */
	r.batch = true;
	r.until_two = true;
	res = count(b, &r);
	assert_int_equal(res->n_rounds, 3);
	assert_int_equal(res->elected[0], cand(b, "Knoxville"));
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
}

/* A majority in round 1 ends the count; --until-two goes on. Batch: D (1)
 * + C (2) = 3 < B (4): both go at once. */
static void test_irv_batch_until_two(void **state)
{
	(void)state;
	tally_rcv_ballots *b = csv("count,rank1,rank2\n"
	                           "10,A,B\n4,B,A\n2,C,B\n1,D,C\n");
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	tally_rcv_result *res = count(b, &r);
	assert_int_equal(res->n_rounds, 1); /* 10 of 17 */
	assert_int_equal(res->elected[0], cand(b, "A"));
	tally_rcv_result_free(res);

	r.until_two = true;
	res = count(b, &r);
	assert_int_equal(res->n_rounds, 3); /* D, then C, then A against B */
	assert_int_equal(votes(b, res, 3, "B"), 6); /* C's two; D's one ends at C */
	assert_int_equal(votes(b, res, 3, "A"), 10);
	tally_rcv_result_free(res);

	r.batch = true;
	res = count(b, &r);
	assert_int_equal(res->n_rounds, 2);
	assert_int_equal(res->rounds[0].n_excluded, 2);
	assert_int_equal(votes(b, res, 2, "B"), 6);
	assert_int_equal(res->elected[0], cand(b, "A"));
	assert_conserved(res);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
}

/* Undeclared write-ins go first and alone, even when another candidate has
 * fewer votes (RCTab's rule, as Minneapolis counts). */
static void test_irv_write_in(void **state)
{
	(void)state;
	tally_rcv_ballots *b = csv("count,rank1,rank2\n10,A,\n6,B,\n2,C,B\n3,UWI,C\n");
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	tally_rcv_result *res = count(b, &r);
	assert_int_equal(res->rounds[0].excluded[0], cand(b, "C"));
	tally_rcv_result_free(res);
	r.write_in = cand(b, "UWI");
	r.batch = true; /* C + UWI = 5 < B: a batch, but the write-ins go alone */
	res = count(b, &r);
	assert_int_equal(res->rounds[0].n_excluded, 1);
	assert_int_equal(res->rounds[0].excluded[0], cand(b, "UWI"));
	assert_int_equal(votes(b, res, 2, "C"), 5);
	assert_conserved(res);
	tally_rcv_result_free(res);
	tally_rcv_result *none = NULL;
	tally_error err = TALLY_ERROR_INIT;
	r.method = TALLY_RCV_MEEK;
	assert_int_equal(tally_rcv_count(b, &r, &none, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "R011");
	tally_rcv_ballots_free(b);
}

/* The ballot rules on one ballot each, as certified tabulators offer them. */
static void test_ballot_rules(void **state)
{
	(void)state;
	/* A leads on first preferences; the ballots under test sit with Z,
	 * who is eliminated first, and say where they go next */
	tally_rcv_ballots *b = csv("count,rank1,rank2,rank3,rank4\n"
	                           "10,A,,,\n8,B,,,\n"
	                           "1,Z,A=B,B,\n"    /* overvote after Z */
	                           "1,Z,,,B\n"       /* two skipped ranks */
	                           "1,Z,Z,A,\n"      /* Z repeated */
	                           "1,Z,A=C,,\n");   /* overvote with C (no votes) */
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	r.until_two = true;
	/* defaults: overvote exhausts, skips unlimited, repeats skipped */
	tally_rcv_result *res = count(b, &r);
	/* round 1: A 10, B 8, Z 4, C 0 (C is only in an overvote): C goes,
	 * then Z; the last round shows where Z's four ballots went */
	const tally_rcv_round *last = &res->rounds[res->n_rounds - 1];
	assert_int_equal(last->votes[cand(b, "A")], 11);
	assert_int_equal(last->votes[cand(b, "B")], 9);
	assert_int_equal(last->exhausted[TALLY_RCV_EX_OVERVOTE], 2);
	assert_conserved(res);
	tally_rcv_result_free(res);

	/* skip: both overvotes pass over to the next rank (B; the last has none) */
	r.overvote = TALLY_RCV_OV_SKIP;
	res = count(b, &r);
	last = &res->rounds[res->n_rounds - 1];
	assert_int_equal(last->votes[cand(b, "A")], 11);
	assert_int_equal(last->votes[cand(b, "B")], 10);
	assert_int_equal(last->exhausted[TALLY_RCV_EX_CHOICES], 1);
	tally_rcv_result_free(res);

	/* exhaust-if-multiple: {A,B} both continuing exhausts; {A,C} with C
	 * eliminated counts for A */
	r.overvote = TALLY_RCV_OV_MULTIPLE;
	res = count(b, &r);
	last = &res->rounds[res->n_rounds - 1];
	assert_int_equal(last->votes[cand(b, "A")], 12);
	assert_int_equal(last->votes[cand(b, "B")], 9);
	assert_int_equal(last->exhausted[TALLY_RCV_EX_OVERVOTE], 1);
	tally_rcv_result_free(res);

	/* one skipped rank allowed (Maine): "Z,,,B" exhausts */
	r.overvote = TALLY_RCV_OV_EXHAUST;
	r.max_skipped = 1;
	res = count(b, &r);
	last = &res->rounds[res->n_rounds - 1];
	assert_int_equal(last->votes[cand(b, "A")], 11);
	assert_int_equal(last->votes[cand(b, "B")], 8);
	assert_int_equal(last->exhausted[TALLY_RCV_EX_SKIPPED], 1);
	tally_rcv_result_free(res);

	/* a repeated candidate exhausts the ballot */
	r.max_skipped = TALLY_RCV_UNLIMITED;
	r.duplicate_exhausts = true;
	res = count(b, &r);
	last = &res->rounds[res->n_rounds - 1];
	assert_int_equal(last->votes[cand(b, "A")], 10);
	assert_int_equal(last->votes[cand(b, "B")], 9);
	assert_int_equal(last->exhausted[TALLY_RCV_EX_DUPLICATE], 1);
	assert_conserved(res);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
}

/* Ties for elimination: "previous" looks at the most recent earlier round
 * where the tied differ, "first" at the earliest; the lot is seeded and
 * recorded; "fail" fails; none left over stops the count. */
static void test_ties(void **state)
{
	(void)state;
	/* round 1: A 10, B 5, C 4, D 4: C and D tie at the bottom with no
	 * earlier round, so "previous" cannot settle it */
	tally_rcv_ballots *b = csv("count,rank1,rank2\n10,A,\n5,B,\n4,C,B\n4,D,B\n");
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	tally_rcv_result *res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_LOTS_REQUIRED);
	assert_int_equal(res->rounds[0].n_ties, 1);
	assert_int_equal(res->rounds[0].ties[0].settled_by, -1);
	assert_int_equal(res->rounds[0].ties[0].n_tied, 2);
	assert_int_equal(res->n_elected, 0);
	tally_rcv_result_free(res);

	r.tie[1] = TALLY_RCV_TIE_FAIL;
	r.n_tie = 2;
	res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_FAILED);
	assert_int_equal(res->rounds[0].ties[0].settled_by, TALLY_RCV_TIE_FAIL);
	tally_rcv_result_free(res);

	/* the lot: the same seed, the same loser, recorded */
	r.tie[1] = TALLY_RCV_TIE_LOT;
	r.seed = 2024;
	res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_DONE);
	assert_int_equal(res->rounds[0].ties[0].settled_by, TALLY_RCV_TIE_LOT);
	uint32_t loser = res->rounds[0].excluded[0];
	assert_true(loser == cand(b, "C") || loser == cand(b, "D"));
	assert_int_equal(res->rounds[0].ties[0].chosen, loser);
	tally_rcv_result *again = count(b, &r);
	assert_int_equal(again->rounds[0].excluded[0], loser);
	tally_rcv_result_free(again);
	tally_rcv_result_free(res);
	/* another seed makes the other one lose: the lot is not array order */
	bool other = false;
	for (uint64_t s = 0; s < 64 && !other; s++) {
		r.seed = s;
		res = count(b, &r);
		other = res->rounds[0].excluded[0] != loser;
		tally_rcv_result_free(res);
	}
	assert_true(other);
	tally_rcv_ballots_free(b);

	/* "previous" and "first" disagree: round 1 A 30, B 20, C 5, D 4, Y 3,
	 * X 2; X goes (to D): round 2 C 5, D 6, Y 3; Y goes (1 to C, 2
	 * exhausted): round 3 C 6, D 6. The most recent earlier round where
	 * they differ is round 2 (C lower), the earliest round 1 (D lower). */
	b = csv("count,rank1,rank2\n30,A,\n20,B,\n5,C,\n4,D,\n1,Y,C\n2,Y,\n2,X,D\n");
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	res = count(b, &r);
	assert_int_equal(votes(b, res, 3, "C"), 6);
	assert_int_equal(votes(b, res, 3, "D"), 6);
	assert_int_equal(res->rounds[2].n_ties, 1);
	assert_int_equal(res->rounds[2].ties[0].settled_by, TALLY_RCV_TIE_PREVIOUS);
	assert_int_equal(res->rounds[2].excluded[0], cand(b, "C"));
	assert_int_equal(res->elected[0], cand(b, "A"));
	tally_rcv_result_free(res);
	r.tie[0] = TALLY_RCV_TIE_FIRST;
	res = count(b, &r);
	assert_int_equal(res->rounds[2].ties[0].settled_by, TALLY_RCV_TIE_FIRST);
	assert_int_equal(res->rounds[2].excluded[0], cand(b, "D"));
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);

	/* Scottish: equal surpluses are taken in the order of the chain
	 * (rule 49): A and B reach 6 each with quota 5; neither earlier
	 * stage separates them, so the lot orders them */
	b = csv("count,rank1,rank2\n6,A,C\n6,B,D\n3,C,\n2,D,\n");
	tally_rcv_rules_default(&r, TALLY_RCV_SCOTTISH);
	r.seats = 3;
	res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_LOTS_REQUIRED);
	assert_int_equal(res->rounds[0].ties[0].lowest, false);
	tally_rcv_result_free(res);
	r.tie[1] = TALLY_RCV_TIE_LOT;
	r.n_tie = 2;
	res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_DONE);
	assert_int_equal(res->rounds[1].from[0], res->rounds[0].ties[0].chosen);
	assert_conserved(res);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
}

/* ==== Scottish STV ==== */

/* Worked by hand from SSI 2007/42 Sch. 1 (3 seats, 32 ballots):
 *   quota floor(32/4) + 1 = 9 (rule 46);
 *   stage 1: A 14, B 6, C 5, D 4, E 3: A elected;
 *   stage 2: A's surplus 5 at 5/14 = 0.35714 (five decimals, rule 48(3)):
 *            9 papers to B (3.21426), 3 to C (1.07142), 2 without a next
 *            preference (0.71428), 0.00004 lost: B 9.21426 elected;
 *   stage 3: B's surplus 0.21426 of 9.21426: its 6 papers of value 1 at
 *            0.02325 (non-transferable, 0.13950), the 9 from A of value
 *            0.35714 at 0.00830 (to C, 0.07470), 0.00006 lost: C 6.14612;
 *   stage 4: E (3) excluded, to D: D 7 (C 6.14612);
 *   stage 5: C excluded (no rule elects D before: the order goes on): its
 *            5 papers of value 1 to D (12), the papers from A and B end
 *            there (1.14612 more non-transferable): elected A, B, D. */
static void test_scottish_hand(void **state)
{
	(void)state;
	tally_rcv_ballots *b = csv("count,rank1,rank2,rank3\n"
	                           "9,A,B,C\n3,A,C,\n2,A,,\n6,B,,\n5,C,D,\n4,D,E,\n3,E,D,\n");
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_SCOTTISH);
	r.seats = 3;
	tally_rcv_result *res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_DONE);
	assert_int_equal(res->quota, 9 * SC);
	assert_int_equal(res->n_rounds, 5);
	assert_int_equal(res->rounds[1].kind, TALLY_RCV_ROUND_SURPLUS);
	assert_int_equal(res->rounds[1].transfer_value, 35714);
	assert_int_equal(votes(b, res, 2, "B"), 921426);
	assert_int_equal(votes(b, res, 2, "C"), 607142);
	assert_int_equal(votes(b, res, 2, "A"), 9 * SC);
	assert_int_equal(exhausted(&res->rounds[1]), 71428);
	assert_int_equal(res->rounds[1].lost, 4);
	assert_int_equal(res->rounds[2].kind, TALLY_RCV_ROUND_SURPLUS);
	assert_int_equal(res->rounds[2].transfer_value, 2325);
	assert_int_equal(votes(b, res, 3, "C"), 614612);
	assert_int_equal(exhausted(&res->rounds[2]), 71428 + 13950);
	assert_int_equal(res->rounds[2].lost, 10);
	assert_int_equal(res->rounds[3].kind, TALLY_RCV_ROUND_EXCLUSION);
	assert_int_equal(res->rounds[3].from[0], cand(b, "E"));
	assert_int_equal(votes(b, res, 4, "D"), 7 * SC);
	assert_int_equal(res->rounds[4].from[0], cand(b, "C"));
	assert_int_equal(votes(b, res, 5, "D"), 12 * SC);
	assert_int_equal(exhausted(&res->rounds[4]), 199990);
	assert_int_equal(res->n_elected, 3);
	assert_int_equal(res->elected[0], cand(b, "A"));
	assert_int_equal(res->elected[1], cand(b, "B"));
	assert_int_equal(res->elected[2], cand(b, "D"));
	assert_conserved(res);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
}

/* ==== Meek ==== */

/* By hand under the Reference Meek Rule (2 seats, 15 ballots: 7 A B,
 * 3 B, 5 C): quota trunc(15/3) + 10^-9 = 5.000000001; A elected; keep
 * factor ceil(5.000000001/7) = 0.714285715; then A 5.000000005, B
 * 4.999999995, C 5: the surplus 0.000000004 is below omega (10^-6), B is
 * defeated by 0.000000005; then one elected and one hopeful candidate
 * remain for two seats, and C is elected (step C). */
static void test_meek_hand(void **state)
{
	(void)state;
	tally_rcv_ballots *b = csv("count,rank1,rank2\n7,A,B\n3,B,\n5,C,\n");
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_MEEK);
	r.seats = 2;
	tally_rcv_result *res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_DONE);
	assert_int_equal(res->rounds[0].quota, 5 * MK + 1);
	assert_int_equal(res->rounds[0].n_elected, 1);
	assert_int_equal(res->rounds[0].elected[0], cand(b, "A"));
	const tally_rcv_round *r2 = &res->rounds[1];
	assert_int_equal(r2->keep[cand(b, "A")], 714285715);
	assert_int_equal(r2->votes[cand(b, "A")], 5 * MK + 5);
	assert_int_equal(r2->votes[cand(b, "B")], 5 * MK - 5);
	assert_int_equal(r2->votes[cand(b, "C")], 5 * MK);
	assert_int_equal(r2->n_excluded, 1);
	assert_int_equal(r2->excluded[0], cand(b, "B"));
	/* step C: one elected and one hopeful for two seats: C is elected */
	assert_int_equal(res->n_rounds, 2);
	assert_int_equal(r2->n_elected, 1);
	assert_int_equal(r2->elected[0], cand(b, "C"));
	assert_int_equal(res->n_elected, 2);
	assert_conserved(res);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);

	/* B.3: candidates within the total surplus of the lowest are tied with
	 * it. 4 A B, 2 B, 3 C, 1 A C: after A's keep factor falls to
	 * 0.666666667, B has 3.333333332 and C 3.333333333 with a surplus of
	 * 0.000000002 left: a tie, settled by the earlier round (B 2, C 3) */
	b = csv("count,rank1,rank2\n4,A,B\n2,B,\n3,C,\n1,A,C\n");
	res = count(b, &r);
	r2 = &res->rounds[1];
	assert_int_equal(r2->votes[cand(b, "B")], 3333333332ULL);
	assert_int_equal(r2->votes[cand(b, "C")], 3333333333ULL);
	assert_int_equal(r2->n_ties, 1);
	assert_int_equal(r2->ties[0].n_tied, 2);
	assert_int_equal(r2->ties[0].settled_by, TALLY_RCV_TIE_PREVIOUS);
	assert_int_equal(r2->excluded[0], cand(b, "B"));
	tally_rcv_result_free(res);
	/* "first" finds them apart in round 1 as well */
	r.tie[0] = TALLY_RCV_TIE_FIRST;
	r.n_tie = 1;
	tally_rcv_ballots_free(b);
	b = csv("count,rank1,rank2\n4,A,B\n2,B,\n3,C,\n1,A,C\n");
	res = count(b, &r);
	assert_int_equal(res->rounds[1].ties[0].settled_by, TALLY_RCV_TIE_FIRST);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
}

/* ==== Properties on random elections ==== */

static uint64_t rng_state;
static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

typedef struct rb {
	uint32_t first[9];
	uint16_t cand[16];
	uint32_t n_ranks;
	uint64_t count;
} rb;

/* a random ballot of up to 6 ranks over nc candidates, with skipped
 * ranks, overvotes and repeats now and then */
static void random_ballot(rb *x, uint32_t nc)
{
	uint32_t n = 0;
	x->n_ranks = (uint32_t)rnd(7);
	x->first[0] = 0;
	for (uint32_t k = 0; k < x->n_ranks; k++) {
		uint64_t t = rnd(20);
		if (t == 0) {
			/* skipped */
		} else if (t == 1) {
			x->cand[n++] = (uint16_t)rnd(nc);
			x->cand[n++] = (uint16_t)rnd(nc);
		} else {
			x->cand[n++] = (uint16_t)rnd(nc);
		}
		x->first[k + 1] = n;
	}
	x->count = 1 + rnd(3);
}

static tally_rcv_ballots *store_of(rb *bs, uint32_t n, uint32_t nc, bool split)
{
	tally_rcv_ballots *b = tally_rcv_ballots_new();
	tally_error err = TALLY_ERROR_INIT;
	for (uint32_t c = 0; c < nc; c++) {
		char id[8];
		snprintf(id, sizeof id, "c%u", c);
		assert_int_equal(tally_rcv_add_candidate(b, id, NULL, NULL, &err), TALLY_OK);
	}
	for (uint32_t i = 0; i < n; i++) {
		if (split)
			for (uint64_t k = 0; k < bs[i].count; k++)
				assert_int_equal(tally_rcv_add_ballot(b, bs[i].first, bs[i].cand,
				                                      bs[i].n_ranks, 1, &err),
				                 TALLY_OK);
		else
			assert_int_equal(tally_rcv_add_ballot(b, bs[i].first, bs[i].cand, bs[i].n_ranks,
			                                      bs[i].count, &err),
			                 TALLY_OK);
	}
	return b;
}

static void assert_same(const tally_rcv_result *x, const tally_rcv_result *y)
{
	assert_int_equal(x->state, y->state);
	assert_int_equal(x->n_rounds, y->n_rounds);
	assert_int_equal(x->n_elected, y->n_elected);
	for (uint32_t i = 0; i < x->n_elected; i++)
		assert_int_equal(x->elected[i], y->elected[i]);
	for (uint32_t i = 0; i < x->n_rounds; i++) {
		assert_memory_equal(x->rounds[i].votes, y->rounds[i].votes,
		                    x->n_candidates * sizeof(uint64_t));
		assert_memory_equal(x->rounds[i].exhausted, y->rounds[i].exhausted,
		                    sizeof x->rounds[i].exhausted);
		assert_int_equal(x->rounds[i].lost, y->rounds[i].lost);
	}
}

static void test_properties(void **state)
{
	(void)state;
	enum { N = 120 };
	rb *bs = calloc(N, sizeof *bs), *shuf = calloc(N, sizeof *shuf);
	assert_non_null(bs);
	assert_non_null(shuf);
	rng_state = 88172645463325252ULL;
	for (int trial = 0; trial < 60; trial++) {
		uint32_t nc = 2 + (uint32_t)rnd(7), n = 5 + (uint32_t)rnd(N - 5);
		for (uint32_t i = 0; i < n; i++)
			random_ballot(&bs[i], nc);
		/* shuffled copy */
		memcpy(shuf, bs, n * sizeof *bs);
		for (uint32_t i = n - 1; i > 0; i--) {
			uint32_t j = (uint32_t)rnd(i + 1);
			rb t = shuf[i];
			shuf[i] = shuf[j];
			shuf[j] = t;
		}
		tally_rcv_ballots *b1 = store_of(bs, n, nc, false), *b2 = store_of(shuf, n, nc, true);
		for (int m = 0; m < 3; m++) {
			tally_rcv_rules r;
			tally_rcv_rules_default(&r, (tally_rcv_method)m);
			r.seats = m == 0 ? 1 : 1 + (uint32_t)rnd(nc < 4 ? nc : 4);
			r.overvote = (tally_rcv_overvote)rnd(3);
			r.max_skipped = rnd(2) ? TALLY_RCV_UNLIMITED : (uint32_t)rnd(2);
			r.duplicate_exhausts = rnd(2) != 0;
			r.batch = m == 0 && rnd(2);
			r.until_two = m == 0 && rnd(2);
			r.tie[1] = TALLY_RCV_TIE_LOT;
			r.n_tie = 2;
			r.seed = (uint64_t)trial;
			tally_rcv_result *x = NULL, *y = NULL;
			tally_error err = TALLY_ERROR_INIT;
			int rc1 = tally_rcv_count(b1, &r, &x, &err);
			int rc2 = tally_rcv_count(b2, &r, &y, &err);
			assert_int_equal(rc1, rc2);
			if (rc1) {
				assert_string_equal(err.code, "R012"); /* every ballot blank */
				continue;
			}
			/* order and grouping of the ballots change nothing */
			assert_same(x, y);
			/* transfers conserve every ballot exactly */
			assert_conserved(x);
			/* a complete count fills the seats */
			assert_int_equal(x->state, TALLY_RCV_DONE);
			assert_int_equal(x->n_elected, r.seats);
			tally_rcv_result_free(x);
			tally_rcv_result_free(y);
		}
		tally_rcv_ballots_free(b1);
		tally_rcv_ballots_free(b2);
	}

	/* a majority of first preferences wins IRV in round 1 */
	for (int trial = 0; trial < 60; trial++) {
		uint32_t nc = 2 + (uint32_t)rnd(6), n = 10 + (uint32_t)rnd(N - 10);
		uint64_t total = 0, first_w = 0;
		uint32_t w = (uint32_t)rnd(nc);
		for (uint32_t i = 0; i < n; i++) {
			random_ballot(&bs[i], nc);
			if (bs[i].n_ranks == 0)
				bs[i].n_ranks = 1, bs[i].first[1] = 1, bs[i].cand[0] = 0;
			if (i < n / 2 + 1 || rnd(3) == 0) { /* make w first, alone */
				bs[i].cand[0] = (uint16_t)w;
				if (bs[i].first[1] > 1) {
					/* first rank was an overvote: keep one mark */
					memmove(&bs[i].cand[1], &bs[i].cand[2],
					        (bs[i].first[bs[i].n_ranks] - 2) * sizeof(uint16_t));
					for (uint32_t k = 1; k <= bs[i].n_ranks; k++)
						bs[i].first[k]--;
				}
			}
			total += bs[i].count;
			if (bs[i].first[1] == 1 && bs[i].cand[0] == w)
				first_w += bs[i].count;
		}
		tally_rcv_ballots *b = store_of(bs, n, nc, false);
		tally_rcv_rules r;
		tally_rcv_rules_default(&r, TALLY_RCV_IRV);
		tally_rcv_result *res = count(b, &r);
		if (2 * first_w > total) {
			assert_int_equal(res->n_rounds, 1);
			assert_int_equal(res->elected[0], w);
		}
		tally_rcv_result_free(res);
		tally_rcv_ballots_free(b);
	}
	free(bs);
	free(shuf);
}

/* ==== Readers and errors ==== */

static void expect_csv_error(const char *text, const char *const *decl, const char *code)
{
	tally_rcv_ballots *b = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_not_equal(tally_rcv_parse_csv(text, strlen(text), "t.csv", decl, &b, &err),
	                     TALLY_OK);
	assert_null(b);
	assert_string_equal(err.code, code);
}

static void test_csv_reader(void **state)
{
	(void)state;
	tally_rcv_ballots *b = csv("id,rank1,count,rank2\n"
	                           "x1,A,2,B\nx2,A, 2, B \nx3,overvote,1,undervote\nx4,B=A,1,C\n");
	tally_rcv_info info;
	tally_rcv_ballots_info(b, &info);
	assert_int_equal(info.n_candidates, 3);
	assert_int_equal(info.n_ballots, 6);
	assert_int_equal(info.n_patterns, 3); /* "A,B" twice is one pattern */
	tally_rcv_ballots_free(b);

	expect_csv_error("", NULL, "R005");
	expect_csv_error("count,rank1\n", NULL, "R005");
	expect_csv_error("count,rank2\n1,A\n", NULL, "R001");
	expect_csv_error("count,precinct\n1,A\n", NULL, "R001");
	expect_csv_error("count\n1\n", NULL, "R001");
	expect_csv_error("count,rank1\n0,A\n", NULL, "R002");
	expect_csv_error("count,rank1\nx,A\n", NULL, "R002");
	expect_csv_error("rank1\nA B\n", NULL, "R003");
	expect_csv_error("rank1\nA=\n", NULL, "R003");
	static const char *const decl[] = {"A", "B", NULL};
	expect_csv_error("rank1\nC\n", decl, "R003");
	static const char *const dup[] = {"A", "A", NULL};
	expect_csv_error("rank1\nA\n", dup, "R003");
	expect_csv_error("rank1,rank2\nA\n", NULL, "C002");
	expect_csv_error("rank1\n\"A\n", NULL, "C001");
	/* limits: candidates, ballots */
	char *big = malloc(16 * 1100 + 32);
	assert_non_null(big);
	size_t at = (size_t)sprintf(big, "rank1\n");
	for (int i = 0; i <= TALLY_RCV_MAX_CANDIDATES; i++)
		at += (size_t)sprintf(big + at, "c%d\n", i);
	expect_csv_error(big, NULL, "R004");
	free(big);
	char many[128];
	snprintf(many, sizeof many, "count,rank1\n%llu,A\n%llu,B\n",
	         (unsigned long long)TALLY_RCV_MAX_BALLOTS, 1ULL);
	expect_csv_error(many, NULL, "R004");
}

static const char cdf_small[] =
    "{\"@type\":\"CVR.CastVoteRecordReport\",\"Election\":[{\"@id\":\"e1\","
    "\"Candidate\":[{\"@id\":\"k-a\",\"Name\":\"Alice\"},{\"@id\":\"k-b\",\"Name\":\"Bob\"}],"
    "\"Contest\":[{\"@id\":\"mayor\",\"@type\":\"CVR.CandidateContest\",\"VoteVariation\":\"rcv\","
    "\"ContestSelection\":[{\"@id\":\"cs-a\",\"CandidateIds\":[\"k-a\"]},"
    "{\"@id\":\"cs-b\",\"CandidateIds\":[\"k-b\"]},{\"@id\":\"cs-c\"}]},"
    "{\"@id\":\"other\",\"@type\":\"CVR.CandidateContest\",\"ContestSelection\":[{\"@id\":\"y\"}]}]}],"
    "\"CVR\":["
    /* cs-b first, cs-a second (the rank on the selection) */
    "{\"CurrentSnapshotId\":\"s1\",\"CVRSnapshot\":[{\"@id\":\"s0\"},{\"@id\":\"s1\",\"CVRContest\":["
    "{\"ContestId\":\"mayor\",\"CVRContestSelection\":["
    "{\"ContestSelectionId\":\"cs-a\",\"Rank\":2,\"SelectionPosition\":[{\"HasIndication\":\"yes\",\"NumberVotes\":1}]},"
    "{\"ContestSelectionId\":\"cs-b\",\"SelectionPosition\":[{\"HasIndication\":\"yes\",\"NumberVotes\":1,\"Rank\":1}]}]}]}]},"
    /* not allocable, no indication: a blank ballot */
    "{\"CurrentSnapshotId\":\"s\",\"CVRSnapshot\":[{\"@id\":\"s\",\"CVRContest\":[{\"ContestId\":\"mayor\","
    "\"CVRContestSelection\":[{\"ContestSelectionId\":\"cs-a\",\"SelectionPosition\":["
    "{\"HasIndication\":\"yes\",\"IsAllocable\":\"no\",\"NumberVotes\":1,\"Rank\":1},"
    "{\"HasIndication\":\"no\",\"NumberVotes\":1,\"Rank\":2}]}]}]}]},"
    /* without the contest: not a ballot of it */
    "{\"CurrentSnapshotId\":\"s\",\"CVRSnapshot\":[{\"@id\":\"s\",\"CVRContest\":[{\"ContestId\":\"other\"}]}]},"
    /* an overvote at rank 1 (cs-a and cs-c), then cs-b */
    "{\"CurrentSnapshotId\":\"s\",\"CVRSnapshot\":[{\"@id\":\"s\",\"CVRContest\":[{\"ContestId\":\"mayor\","
    "\"CVRContestSelection\":["
    "{\"ContestSelectionId\":\"cs-a\",\"SelectionPosition\":[{\"HasIndication\":\"yes\",\"NumberVotes\":1,\"Rank\":1}]},"
    "{\"ContestSelectionId\":\"cs-c\",\"SelectionPosition\":[{\"HasIndication\":\"yes\",\"NumberVotes\":1,\"Rank\":1}]},"
    "{\"ContestSelectionId\":\"cs-b\",\"SelectionPosition\":[{\"HasIndication\":\"yes\",\"NumberVotes\":1,\"Rank\":2}]}"
    "]}]}]}]}";

static int cdf(const char *text, const char *contest, tally_rcv_ballots **b, tally_error *err)
{
	return tally_rcv_parse_cdf(text, strlen(text), "t.json", contest, b, err);
}

static void expect_cdf_error(const char *text, const char *contest, const char *code)
{
	tally_rcv_ballots *b = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_not_equal(cdf(text, contest, &b, &err), TALLY_OK);
	assert_null(b);
	assert_string_equal(err.code, code);
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	assert_non_null(at);
	size_t n = strlen(s) - strlen(from) + strlen(to);
	char *o = malloc(n + 1);
	assert_non_null(o);
	memcpy(o, s, (size_t)(at - s));
	strcpy(o + (at - s), to);
	strcat(o, at + strlen(from));
	return o;
}

static void test_cdf_reader(void **state)
{
	(void)state;
	tally_rcv_ballots *b = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char *t;
	assert_int_equal(cdf(cdf_small, NULL, &b, &err), TALLY_OK);
	tally_rcv_info info;
	tally_rcv_ballots_info(b, &info);
	assert_int_equal(info.n_candidates, 3);
	assert_int_equal(info.n_ballots, 3);
	assert_string_equal(tally_rcv_candidate_name(b, cand(b, "cs-a")), "Alice");
	assert_string_equal(tally_rcv_candidate_name(b, cand(b, "cs-c")), "cs-c");
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	tally_rcv_result *res = count(b, &r);
	/* round 1: B 1, A 0, C 0, the blank and the overvote exhausted */
	assert_int_equal(votes(b, res, 1, "cs-b"), 1);
	assert_int_equal(res->rounds[0].exhausted[TALLY_RCV_EX_OVERVOTE], 1);
	assert_int_equal(res->elected[0], cand(b, "cs-b"));
	tally_rcv_result_free(res);
	/* skip the overvote: its ballot goes to B */
	r.overvote = TALLY_RCV_OV_SKIP;
	res = count(b, &r);
	assert_int_equal(votes(b, res, 1, "cs-b"), 2);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
	b = NULL;

	/* the other contest by name: one ballot has it, blank: nothing to count */
	assert_int_equal(cdf(cdf_small, "other", &b, &err), TALLY_OK);
	tally_rcv_ballots_info(b, &info);
	assert_int_equal(info.n_ballots, 1);
	assert_int_equal(tally_rcv_count(b, &r, &res, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "R012");
	tally_rcv_ballots_free(b);
	b = NULL;
	/* no CVR has the contest at all */
	t = replace(cdf_small, "{\"ContestId\":\"other\"}", "{\"ContestId\":\"x\"}");
	expect_cdf_error(t, "other", "R005");
	free(t);
	expect_cdf_error(cdf_small, "nope", "R008");
	expect_cdf_error("{\"Election\":[{\"Contest\":[]}],\"CVR\":[]}", NULL, "R008");
	expect_cdf_error("{\"Election\":", NULL, "R006");
	expect_cdf_error("{\"Election\":[],\"Election\":[]}", NULL, "R006");
	expect_cdf_error("[]", NULL, "R007");
	expect_cdf_error("{\"CVR\":[]}", NULL, "R007");
	expect_cdf_error("{\"Election\":{}}", NULL, "R007");
	t = replace(cdf_small, "\"CurrentSnapshotId\":\"s1\"", "\"CurrentSnapshotId\":\"s9\"");
	expect_cdf_error(t, NULL, "R009");
	free(t);
	t = replace(cdf_small, "{\"ContestSelectionId\":\"cs-a\",\"Rank\":2",
	            "{\"ContestSelectionId\":\"cs-x\",\"Rank\":2");
	expect_cdf_error(t, NULL, "R009");
	free(t);
	t = replace(cdf_small, "\"Rank\":2,", "");
	expect_cdf_error(t, NULL, "R010");
	free(t);
	t = replace(cdf_small, "\"Rank\":2,", "\"Rank\":0,");
	expect_cdf_error(t, NULL, "R010");
	free(t);
	t = replace(cdf_small, "\"NumberVotes\":1,\"Rank\":1}]}]}]}]},",
	            "\"NumberVotes\":\"1\",\"Rank\":1}]}]}]}]},");
	expect_cdf_error(t, NULL, "R007");
	free(t);
	t = replace(cdf_small, "{\"@id\":\"cs-c\"}", "{\"@id\":\"cs c\"}");
	expect_cdf_error(t, NULL, "R003");
	free(t);
	/* the CVR array is read one record at a time: what lies between
	 * records, and each record, are checked as strictly as a whole parse */
	t = replace(cdf_small, "]}]}]}]},{\"CurrentSnapshotId\":\"s\"", "]}]}]}]} {\"CurrentSnapshotId\":\"s\"");
	expect_cdf_error(t, NULL, "R006");
	free(t);
	t = replace(cdf_small, "]}]}]}]}]}", "]}]}]}]},]}");
	expect_cdf_error(t, NULL, "R006");
	free(t);
	t = replace(cdf_small, "{\"CurrentSnapshotId\":\"s1\",", "{\"CurrentSnapshotId\":\"s1\",\"CurrentSnapshotId\":\"s1\",");
	expect_cdf_error(t, NULL, "R006");
	free(t);
	t = replace(cdf_small, "{\"CurrentSnapshotId\":\"s1\",", "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],\"CurrentSnapshotId\":\"s1\",");
	expect_cdf_error(t, NULL, "R006");
	free(t);
	t = replace(cdf_small, "\"CVR\":[", "\"CVR\":[], \"CVR\":[");
	expect_cdf_error(t, NULL, "R006");
	free(t);
	/* the same report with its key escaped ("\u0043VR") is read whole, the
	 * ordinary way: the same ballots */
	t = replace(cdf_small, "\"CVR\":[", "\"\\u0043VR\":[");
	assert_int_equal(cdf(t, NULL, &b, &err), TALLY_OK);
	tally_rcv_info info2;
	tally_rcv_ballots_info(b, &info2);
	assert_int_equal(info2.n_ballots, 3);
	assert_int_equal(info2.n_patterns, 3);
	tally_rcv_ballots_free(b);
	b = NULL;
	free(t);
	/* deeper than the limit */
	char deep[200] = "{\"Election\":";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	expect_cdf_error(deep, NULL, "R006");
}

/* The NIST test election GEN-01 (data/standards/nist-cdf-test-method): no
 * ranked contest, so none is chosen by default; its president contest is
 * read by name and its marks have no Rank: R010 names the first. */
static void test_nist_gen01(void **state)
{
	(void)state;
	size_t len = 0;
	char *buf = tu_read_file(
	    "data/standards/nist-cdf-test-method/test_data/synthetic/gen-01/cvr_v1/cvr-gen-01.json",
	    &len);
	assert_non_null(buf);
	tally_rcv_ballots *b = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_rcv_parse_cdf(buf, len, "gen-01", NULL, &b, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "R008");
	assert_int_equal(tally_rcv_parse_cdf(buf, len, "gen-01", "cc-president", &b, &err),
	                 TALLY_EINVAL);
	assert_string_equal(err.code, "R010");
	assert_null(b);
	free(buf);
}

/* ==== Real elections (data/rcv): every official figure, round by round ====
 *
 * The ballots are the CSVs of rankings made from the published files
 * (the README of each folder of data/rcv says how); the figures to reproduce are read from
 * the published reports themselves, not copied into this file. Each check
 * returns the number of figures that differ (printing the first ones), so
 * a control with a wrong rule can show that the comparison does fail. */

static tally_rcv_ballots *csv_file(const char *path)
{
	size_t len = 0;
	char *buf = tu_read_file(path, &len);
	if (!buf)
		fprintf(stderr, "%s: cannot read (run from the repository root)\n", path);
	assert_non_null(buf);
	tally_rcv_ballots *b = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_rcv_parse_csv(buf, len, path, NULL, &b, &err);
	if (rc)
		fprintf(stderr, "%s: %s [%s]\n", err.where, err.msg, err.code);
	assert_int_equal(rc, TALLY_OK);
	free(buf);
	return b;
}

static json_t *json_file(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j)
		fprintf(stderr, "%s: line %d: %s\n", path, e.line, e.text);
	assert_non_null(j);
	return j;
}

/* A whole number written as a JSON string ("38852") or integer. */
static uint64_t json_count(const json_t *v)
{
	if (json_is_integer(v)) {
		assert_true(json_integer_value(v) >= 0);
		return (uint64_t)json_integer_value(v);
	}
	const char *s = json_string_value(v);
	assert_non_null(s);
	char *end = NULL;
	unsigned long long n = strtoull(s, &end, 10);
	assert_true(end != s && *end == '\0');
	return (uint64_t)n;
}

static int mismatch(int n, const char *what, const char *who, uint32_t round, uint64_t want,
                    uint64_t got)
{
	if (n < 10)
		fprintf(stderr, "  round %u, %s %s: published %llu, counted %llu\n", round, what, who,
		        (unsigned long long)want, (unsigned long long)got);
	return n + 1;
}

/* --- Minneapolis: RCTab's detailed report (data/rcv/minneapolis) --- */

/* The id xlsx2csv.py makes of a name: each run of characters other than
 * A-Z a-z 0-9 . _ - becomes '_', none at either end; RCTab's name for the
 * undeclared write-ins is the UWI of the records. */
static void rctab_id(const char *name, char *out, size_t size)
{
	if (strcmp(name, "Undeclared Write-ins") == 0)
		name = "UWI";
	size_t n = 0;
	bool gap = false;
	for (const char *p = name; *p; p++) {
		char ch = *p;
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		          (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
		if (!ok) {
			gap = n > 0;
			continue;
		}
		if (gap)
			out[n++] = '_';
		gap = false;
		out[n++] = ch;
		assert_true(n + 2 < size);
	}
	out[n] = '\0';
}

static uint32_t rctab_cand(const tally_rcv_ballots *b, const char *name)
{
	char id[128];
	rctab_id(name, id, sizeof id);
	uint32_t c = tally_rcv_find_candidate(b, id, strlen(id));
	if (c == UINT32_MAX)
		fprintf(stderr, "RCTab's '%s' (id '%s') is no candidate of the ballots\n", name, id);
	assert_true(c != UINT32_MAX);
	return c;
}

static bool in_list(const uint32_t *list, uint32_t n, uint32_t c)
{
	for (uint32_t i = 0; i < n; i++)
		if (list[i] == c)
			return true;
	return false;
}

/* Counts the ballots under Minneapolis's rules (RCTab's configuration:
 * batch elimination, write-ins first, at most one skipped ranking) and
 * compares every round of the report: every candidate's votes (one the
 * report no longer lists has none), the threshold (more than half of the
 * continuing votes), the inactive ballots by reason (tally counts the
 * ballots without any ranking, the report's undervotes, with the
 * exhausted choices), and who was eliminated and elected. */
static int check_rctab(const char *ballots, const char *report, tally_rcv_overvote ov,
                       uint32_t max_skipped)
{
	tally_rcv_ballots *b = csv_file(ballots);
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	r.batch = true;
	r.max_skipped = max_skipped;
	r.overvote = ov;
	r.write_in = cand(b, "UWI");
	tally_rcv_result *res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_DONE);
	assert_conserved(res);

	json_t *rep = json_file(report);
	const json_t *summary = json_object_get(rep, "summary");
	const json_t *results = json_object_get(rep, "results");
	assert_true(json_is_array(results));
	assert_int_equal(json_count(json_object_get(summary, "totalNumBallots")), res->ballots);
	uint64_t undervotes = json_count(json_object_get(summary, "undervotes"));
	int bad = 0;
	if (json_array_size(results) != res->n_rounds)
		bad = mismatch(bad, "number of", "rounds", 0, json_array_size(results), res->n_rounds);
	uint32_t n = res->n_rounds < json_array_size(results) ? res->n_rounds
	                                                      : (uint32_t)json_array_size(results);
	const char *winner = NULL;
	for (uint32_t i = 0; i < n; i++) {
		const json_t *jr = json_array_get(results, i);
		const tally_rcv_round *rd = &res->rounds[i];
		uint32_t round = i + 1;
		assert_int_equal(json_count(json_object_get(jr, "round")), round);
		bool *listed = calloc(res->n_candidates, sizeof *listed);
		assert_non_null(listed);
		const char *name;
		const json_t *v;
		json_object_foreach((json_t *)json_object_get(jr, "tally"), name, v) {
			uint32_t c = rctab_cand(b, name);
			listed[c] = true;
			if (rd->votes[c] != json_count(v))
				bad = mismatch(bad, "votes of", name, round, json_count(v), rd->votes[c]);
		}
		for (uint32_t c = 0; c < res->n_candidates; c++)
			if (!listed[c] && rd->votes[c] != 0)
				bad = mismatch(bad, "votes of", tally_rcv_candidate_id(b, c), round, 0,
				               rd->votes[c]);
		free(listed);
		uint64_t th = json_count(json_object_get(jr, "threshold"));
		if (rd->continuing / 2 + 1 != th)
			bad = mismatch(bad, "threshold", "", round, th, rd->continuing / 2 + 1);
		const json_t *in = json_object_get(jr, "inactiveBallots");
		struct { const char *key; int why; uint64_t extra; } inactive[] = {
		    {"exhaustedChoices", TALLY_RCV_EX_CHOICES, undervotes},
		    {"overvotes", TALLY_RCV_EX_OVERVOTE, 0},
		    {"skippedRankings", TALLY_RCV_EX_SKIPPED, 0},
		    {"repeatedRankings", TALLY_RCV_EX_DUPLICATE, 0},
		};
		for (size_t k = 0; k < sizeof inactive / sizeof inactive[0]; k++) {
			uint64_t want = json_count(json_object_get(in, inactive[k].key)) + inactive[k].extra;
			if (rd->exhausted[inactive[k].why] != want)
				bad = mismatch(bad, "inactive", inactive[k].key, round, want,
				               rd->exhausted[inactive[k].why]);
		}
		uint32_t n_elim = 0, n_elec = 0;
		size_t k;
		const json_t *tr;
		json_array_foreach(json_object_get(jr, "tallyResults"), k, tr) {
			const char *who = json_string_value(json_object_get(tr, "eliminated"));
			if (who) {
				n_elim++;
				if (!in_list(rd->excluded, rd->n_excluded, rctab_cand(b, who)))
					bad = mismatch(bad, "not eliminated:", who, round, 1, 0);
			}
			who = json_string_value(json_object_get(tr, "elected"));
			if (who) {
				n_elec++;
				winner = who;
				if (!in_list(rd->elected, rd->n_elected, rctab_cand(b, who)))
					bad = mismatch(bad, "not elected:", who, round, 1, 0);
			}
		}
		if (n_elim != rd->n_excluded || n_elec != rd->n_elected)
			bad = mismatch(bad, "eliminated and elected", "", round, n_elim + n_elec,
			               rd->n_excluded + rd->n_elected);
	}
	assert_non_null(winner);
	assert_int_equal(res->n_elected, 1);
	if (res->elected[0] != rctab_cand(b, winner))
		bad = mismatch(bad, "winner", winner, res->n_rounds, 1, 0);
	json_decref(rep);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
	return bad;
}

/* Minneapolis 2013 (33 rounds) and 2017 (6 rounds): RCTab's reports of the
 * city's cast vote records, every figure of every round. 2013 exhausts a
 * ballot at an overvote, 2017 passes over it (the configurations). The
 * controls: 2013 with an overvote passed over, and with skipped rankings
 * unlimited, does not give the report. */
static void test_real_minneapolis(void **state)
{
	(void)state;
	const char *d = "data/rcv/minneapolis/";
	char ballots[128], report[128];
	snprintf(ballots, sizeof ballots, "%s2013-ballots.csv", d);
	snprintf(report, sizeof report, "%s2013_minneapolis_mayor_expected_detailed_report.json", d);
	assert_int_equal(check_rctab(ballots, report, TALLY_RCV_OV_EXHAUST, 1), 0);
	fprintf(stderr, "(controls: the next mismatches are expected)\n");
	assert_true(check_rctab(ballots, report, TALLY_RCV_OV_SKIP, 1) > 0);
	assert_true(check_rctab(ballots, report, TALLY_RCV_OV_EXHAUST, TALLY_RCV_UNLIMITED) > 0);
	snprintf(ballots, sizeof ballots, "%s2017-ballots.csv", d);
	snprintf(report, sizeof report, "%s2017_minneapolis_mayor_expected_detailed_report.json", d);
	assert_int_equal(check_rctab(ballots, report, TALLY_RCV_OV_SKIP, 1), 0);
}

/* --- Scotland 2017: the official stage sheets (data/rcv/scotland-2017) --- */

/* A total as the sheet prints it ("1364.82", "874.00000", "0") in units of
 * 10^-5, and how many decimals it has. */
static uint64_t sheet_value(const char *s, int *decimals)
{
	uint64_t v = 0;
	int dec = -1;
	assert_true(*s != '\0');
	for (; *s; s++) {
		if (*s == '.' && dec < 0) {
			dec = 0;
			continue;
		}
		assert_true(*s >= '0' && *s <= '9');
		v = v * 10 + (uint64_t)(*s - '0');
		if (dec >= 0)
			dec++;
	}
	if (dec < 0)
		dec = 0;
	assert_true(dec <= 5);
	for (int i = dec; i < 5; i++)
		v *= 10;
	*decimals = dec;
	return v;
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* The candidate of the ballots that is the sheet's (Firstname, Surname):
 * blt2csv.awk's id ends in the surname and starts with the first name; the
 * sheets spell some first names otherwise ("Gord", "Gordon William"), so the
 * surname and the first initial are matched, and the match must be unique. */
static uint32_t sheet_cand(const tally_rcv_ballots *b, uint32_t n, const char *first,
                           const char *surname)
{
	uint32_t found = UINT32_MAX;
	for (uint32_t c = 0; c < n; c++) {
		const char *id = tally_rcv_candidate_id(b, c);
		const char *last = strrchr(id, '_');
		last = last ? last + 1 : id;
		if (strlen(last) != strlen(surname) || upper(id[0]) != upper(first[0]))
			continue;
		bool same = true;
		for (size_t i = 0; last[i]; i++)
			same = same && upper(last[i]) == upper(surname[i]);
		if (same) {
			assert_true(found == UINT32_MAX);
			found = c;
		}
	}
	if (found == UINT32_MAX)
		fprintf(stderr, "the sheet's %s %s is no candidate of the ballots\n", first, surname);
	assert_true(found != UINT32_MAX);
	return found;
}

/* Counts a ward by the Scottish rules with the tie policy "tie" and
 * compares the sheet: the quota, the valid poll, the number of stages,
 * every candidate's total at every stage (exactly where the sheet has five
 * decimals, else to the decimals it prints), and at the last stage who was
 * elected or excluded at which stage. */
static int check_sheet(const char *ballots, const char *sheet, tally_rcv_tie tie)
{
	tally_rcv_ballots *b = csv_file(ballots);
	json_t *j = json_file(sheet);
	const json_t *con = json_object_get(j, "Constituency");
	const json_t *info = json_object_get(con, "countInfo");
	const json_t *group = json_object_get(con, "countGroup");
	assert_true(json_is_array(group));
	tally_rcv_rules r;
	tally_rcv_rules_default(&r, TALLY_RCV_SCOTTISH);
	r.seats = (uint32_t)json_count(json_object_get(info, "Number_Of_Seats"));
	r.tie[0] = tie;
	r.n_tie = 1;
	tally_rcv_result *res = count(b, &r);
	assert_int_equal(res->state, TALLY_RCV_DONE);
	assert_conserved(res);

	int bad = 0;
	uint64_t quota = json_count(json_object_get(info, "Quota"));
	if (res->quota != quota * SC)
		bad = mismatch(bad, "quota", "", 1, quota * SC, res->quota);
	uint64_t valid = json_count(json_object_get(info, "Valid_Poll"));
	if (res->valid != valid)
		bad = mismatch(bad, "valid poll", "", 1, valid, res->valid);
	uint32_t stages = 0, checked = 0;
	size_t i;
	const json_t *row;
	json_array_foreach(group, i, row) {
		uint64_t s = json_count(json_object_get(row, "Count_Number"));
		assert_true(s >= 1 && s < 1000);
		if (s > stages)
			stages = (uint32_t)s;
	}
	if (stages != res->n_rounds)
		bad = mismatch(bad, "number of", "stages", 0, stages, res->n_rounds);
	bool *seen = calloc(res->n_candidates, sizeof *seen);
	assert_non_null(seen);
	json_array_foreach(group, i, row) {
		uint32_t s = (uint32_t)json_count(json_object_get(row, "Count_Number"));
		const char *first = json_string_value(json_object_get(row, "Firstname"));
		const char *surname = json_string_value(json_object_get(row, "Surname"));
		assert_non_null(first);
		assert_non_null(surname);
		uint32_t c = sheet_cand(b, res->n_candidates, first, surname);
		if (s > res->n_rounds)
			continue;
		int dec;
		uint64_t want =
		    sheet_value(json_string_value(json_object_get(row, "Total_Votes")), &dec);
		uint64_t got = res->rounds[s - 1].votes[c];
		uint64_t half = 0; /* half a unit of the last printed decimal */
		if (dec < 5) {
			half = 5;
			for (int k = dec + 1; k < 5; k++)
				half *= 10;
		}
		uint64_t diff = got > want ? got - want : want - got;
		if (diff > half)
			bad = mismatch(bad, "total of", surname, s, want, got);
		checked++;
		if (s != stages)
			continue;
		seen[c] = true;
		const char *st = json_string_value(json_object_get(row, "Status"));
		const json_t *on = json_object_get(row, "Occurred_On_Count");
		uint64_t when = json_is_string(on) && !*json_string_value(on) ? 0 : json_count(on);
		tally_rcv_status want_status = TALLY_RCV_CONTINUING;
		if (st && strcmp(st, "Elected") == 0)
			want_status = TALLY_RCV_ELECTED;
		else if (st && strcmp(st, "Excluded") == 0)
			want_status = TALLY_RCV_EXCLUDED;
		else
			assert_true(st && !*st);
		if (res->status[c] != want_status || res->decided_in[c] != when)
			bad = mismatch(bad, "stage elected or excluded:", surname, s, when,
			               res->decided_in[c]);
	}
	/* every candidate of the ballots is on the sheet's last stage */
	for (uint32_t c = 0; c < res->n_candidates; c++)
		assert_true(seen[c]);
	assert_true(checked == (uint64_t)stages * res->n_candidates);
	free(seen);
	json_decref(j);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
	return bad;
}

/* Three wards of 2017, every total of every stage as the official sheets
 * give it: Renfrewshire ward 3 (9 stages, the equal surpluses of Graham and
 * Sharkey at stage 6), Glasgow ward 19 Shettleston (11 stages), Dundee ward
 * 2 Lochee (10 stages). The control: Renfrewshire with the tie policy
 * 'first' transfers Graham's surplus first, and stage 7 is not the
 * sheet's. */
static void test_real_scotland(void **state)
{
	(void)state;
	const char *d = "data/rcv/scotland-2017/";
	static const char *const wards[][2] = {
	    {"renfrewshire_2017_ward3.csv", "renfrewshire-S13003077-ResultsJson.json"},
	    {"glasgow_2017_ward19.csv", "glasgow-city-S13002985-ResultsJson.json"},
	    {"dundee_2017_ward2.csv", "dundee-city-S13002546-ResultsJson.json"},
	};
	char ballots[128], sheet[128];
	for (size_t w = 0; w < sizeof wards / sizeof wards[0]; w++) {
		snprintf(ballots, sizeof ballots, "%s%s", d, wards[w][0]);
		snprintf(sheet, sizeof sheet, "%s%s", d, wards[w][1]);
		assert_int_equal(check_sheet(ballots, sheet, TALLY_RCV_TIE_PREVIOUS), 0);
	}
	snprintf(ballots, sizeof ballots, "%s%s", d, wards[0][0]);
	snprintf(sheet, sizeof sheet, "%s%s", d, wards[0][1]);
	fprintf(stderr, "(control: the next mismatches are expected)\n");
	assert_true(check_sheet(ballots, sheet, TALLY_RCV_TIE_FIRST) > 0);
}

static void test_count_errors(void **state)
{
	(void)state;
	tally_rcv_ballots *b = csv("rank1\nA\nB\n");
	tally_rcv_rules r;
	tally_rcv_result *res = NULL;
	tally_error err = TALLY_ERROR_INIT;
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	r.seats = 2;
	assert_int_equal(tally_rcv_count(b, &r, &res, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "R011");
	tally_rcv_rules_default(&r, TALLY_RCV_MEEK);
	r.seats = 3;
	assert_int_equal(tally_rcv_count(b, &r, &res, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "R011");
	r.seats = 0;
	assert_int_equal(tally_rcv_count(b, &r, &res, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "R011");
	assert_null(res);
	tally_rcv_ballots_free(b);

	b = tally_rcv_ballots_new();
	tally_rcv_rules_default(&r, TALLY_RCV_IRV);
	assert_int_equal(tally_rcv_count(b, &r, &res, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "R012");
	tally_rcv_ballots_free(b);
	b = csv("rank1,rank2\novervote,A\n");
	assert_int_equal(tally_rcv_count(b, &r, &res, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "R012");
	assert_null(res);
	/* seats = candidates: everyone elected */
	tally_rcv_rules_default(&r, TALLY_RCV_SCOTTISH);
	r.overvote = TALLY_RCV_OV_SKIP;
	res = count(b, &r);
	assert_int_equal(res->n_elected, 1);
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
}

/* Allocation failures: every one ends in TALLY_ENOMEM, nothing leaks
 * (the sanitizer build checks), no result is returned. */
static int fail_at, n_alloc;
static void *f_malloc(size_t n, void *ud)
{
	(void)ud;
	return ++n_alloc == fail_at ? NULL : malloc(n);
}
static void *f_realloc(void *p, size_t n, void *ud)
{
	(void)ud;
	return ++n_alloc == fail_at ? NULL : realloc(p, n);
}
static void f_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

static void test_alloc_failures(void **state)
{
	(void)state;
	static const char text[] = "count,rank1,rank2,rank3\n9,A,B,C\n3,A,C,\n2,A,,\n6,B,,\n"
	                           "5,C,D,\n4,D,E,\n3,E,D,\n1,A=B,C,\n";
	tally_allocator a = {f_malloc, f_realloc, f_free, NULL};
	for (int m = 0; m < 3; m++) {
		for (fail_at = 1;; fail_at++) {
			n_alloc = 0;
			tally_set_allocator(&a);
			tally_rcv_ballots *b = NULL;
			tally_rcv_result *res = NULL;
			tally_error err = TALLY_ERROR_INIT;
			tally_rcv_rules r;
			tally_rcv_rules_default(&r, (tally_rcv_method)m);
			r.seats = m ? 3 : 1;
			int rc = tally_rcv_parse_csv(text, sizeof text - 1, "t", NULL, &b, &err);
			if (rc == TALLY_OK)
				rc = tally_rcv_count(b, &r, &res, &err);
			tally_set_allocator(NULL);
			tally_rcv_result_free(res);
			tally_rcv_ballots_free(b);
			if (rc == TALLY_OK)
				break;
			assert_int_equal(rc, TALLY_ENOMEM);
			assert_null(res);
		}
		assert_true(fail_at > 10);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_irv_tennessee),   cmocka_unit_test(test_irv_batch_until_two),
	    cmocka_unit_test(test_irv_write_in),    cmocka_unit_test(test_ballot_rules),
	    cmocka_unit_test(test_ties),
	    cmocka_unit_test(test_scottish_hand),   cmocka_unit_test(test_meek_hand),
	    cmocka_unit_test(test_properties),      cmocka_unit_test(test_csv_reader),
	    cmocka_unit_test(test_cdf_reader),      cmocka_unit_test(test_nist_gen01),
	    cmocka_unit_test(test_real_minneapolis), cmocka_unit_test(test_real_scotland),
	    cmocka_unit_test(test_count_errors),    cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
