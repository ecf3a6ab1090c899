/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seats_int.h: what the files of src/core/seats share: exact comparisons of
 * quotients and ratios (arith.c), and the tie-settling chain (apportion.c)
 * that the multi-step procedures reuse.
 */
#ifndef TALLY_SEATS_INT_H
#define TALLY_SEATS_INT_H

#include "core/core_int.h"
#include "tally/seats.h"

typedef unsigned __int128 seats_u128;

/* sign of a*b - c*d, computed in 256 bits */
int seats_cmp_prod(seats_u128 a, seats_u128 b, seats_u128 c, seats_u128 d);

/* The rule's divisor d(s) = n/m for every method but Huntington-Hill, whose
 * divisor is sqrt(r) with r = s(s+1) returned in *n (and *m = 1). */
void seats_divisor(const tally_seats_rule *rule, uint32_t s, uint64_t *n, uint64_t *m);

/* sign of v/d(s) - D */
int seats_cmp_quot_ratio(const tally_seats_rule *rule, uint64_t v, uint32_t s, tally_ratio D);

/* floor(v/d(s) * scale), or the largest value for an infinite quotient */
seats_u128 seats_quot_scaled(const tally_seats_rule *rule, uint64_t v, uint32_t s,
                             uint64_t scale);

/* first divisor of modified Sainte-Lague (7/5 when unset) */
tally_ratio seats_first(const tally_seats_rule *rule);

/* Settles a tie between "k" parties "tied" for "r" < k seats under the
 * rule's chain. On return the record is filled (tied, winners) and the
 * return value is the state: DONE, LOTS_REQUIRED or FAILED. */
int seats_settle(const tally_seats_rule *rule, const tally_apportion_input *in,
                 const uint32_t *tied, uint32_t k, uint32_t r, bool removal,
                 tally_apportionment *a, uint32_t *winners, tally_seats_state *state);

const char *seats_id(const tally_apportion_input *in, uint32_t i, char buf[16]);

#endif
