/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_rcv.h: what the two ranked-ballot harnesses share: the input's
 * first byte picks the method and the ballot rules, the count runs, and
 * every result is checked against the invariants a count must keep, so
 * that a wrong count aborts as loudly as a memory error: each round holds
 * every ballot at full value (votes + exhausted + lost), a complete count
 * fills its seats, and no candidate is both elected and excluded.
 */
#ifndef TALLY_FUZZ_RCV_H
#define TALLY_FUZZ_RCV_H

#include "tally/tally.h"

#include <stdlib.h>

static void fuzz_rcv_count(const tally_rcv_ballots *b, uint8_t pick)
{
	tally_rcv_info info;
	tally_rcv_rules r;
	tally_rcv_result *res = NULL;
	tally_error err = TALLY_ERROR_INIT;
	tally_rcv_ballots_info(b, &info);
	if (info.n_candidates == 0 || info.n_patterns > 20000)
		return;
	tally_rcv_rules_default(&r, (tally_rcv_method)(pick % 3));
	r.seats = r.method == TALLY_RCV_IRV ? 1 : 1 + (pick >> 2) % 3;
	if (r.seats > info.n_candidates)
		r.seats = info.n_candidates;
	r.overvote = (tally_rcv_overvote)((pick >> 4) % 3);
	r.max_skipped = pick & 64 ? 1 : TALLY_RCV_UNLIMITED;
	r.duplicate_exhausts = (pick & 128) != 0;
	r.batch = r.until_two = r.method == TALLY_RCV_IRV && (pick & 2);
	r.tie[1] = TALLY_RCV_TIE_LOT;
	r.n_tie = pick & 8 ? 2 : 1;
	r.seed = pick;
	int rc = tally_rcv_count(b, &r, &res, &err);
	if (rc != TALLY_OK) {
		if (res || (rc != TALLY_ENOMEM && err.code[0] == '\0'))
			abort();
		return;
	}
	for (uint32_t i = 0; i < res->n_rounds; i++) {
		const tally_rcv_round *rd = &res->rounds[i];
		uint64_t sum = rd->lost;
		for (int k = 0; k < TALLY_RCV_EX_N; k++)
			sum += rd->exhausted[k];
		for (uint32_t c = 0; c < res->n_candidates; c++)
			sum += rd->votes[c];
		if (sum != res->ballots * res->scale)
			abort();
	}
	if (res->state == TALLY_RCV_DONE && res->n_elected != r.seats)
		abort();
	if (res->n_elected > r.seats)
		abort();
	for (uint32_t i = 0; i < res->n_elected; i++)
		if (res->status[res->elected[i]] != TALLY_RCV_ELECTED)
			abort();
	tally_rcv_result_free(res);
}

#endif
