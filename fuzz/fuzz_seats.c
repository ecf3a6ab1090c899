/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_seats.c: libFuzzer harness for the votes-table reader of `tally
 * seats` (src/core/seats/table.c, CSV and JSON) and the allocation that
 * follows it. The first byte picks the method (low 4 bits, modulo the
 * number of methods) and whether a 5 % threshold, a district threshold and
 * qualification by two wins apply (high bits); the rest is the table. What
 * parses is allocated; the harness checks the invariants every result must
 * keep, so that a wrong allocation aborts as loudly as a memory error:
 * every completed district hands out exactly its seats, and no list takes
 * a seat where it has no list or is excluded. Each district is also run as
 * a plurality contest and as a two-round first round. Build:
 *   clang -fsanitize=fuzzer,address -Iinclude -Isrc fuzz/fuzz_seats.c \
 *         src/core/[a-z]*.c src/core/seats/[a-z]*.c \
 *         $(pkg-config --cflags --libs jansson) -lm -o fuzz_seats
 *   ./fuzz_seats fuzz/corpus/seats
 */
#include "tally/tally.h"
#include "tally/seats.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_seats_table *t = NULL;
	tally_seats_result *r = NULL;
	tally_error err = TALLY_ERROR_INIT;
	tally_seats_config c;
	int rc;

	if (size < 1)
		return 0;
	rc = tally_seats_table_parse((const char *)data + 1, size - 1, "fuzz", &t, &err);
	if (rc != TALLY_OK) {
		if (t != NULL || (rc != TALLY_ENOMEM && err.code[0] == '\0'))
			abort();
		return 0;
	}
	if (t->n_parties == 0 || t->n_districts == 0)
		abort();
	memset(&c, 0, sizeof c);
	c.rule.method = (tally_seats_method)((data[0] & 15) % TALLY_SEATS_N_METHODS);
	c.rule.tie[0] = TALLY_SEATS_TIE_VOTES;
	c.rule.tie[1] = TALLY_SEATS_TIE_LOT;
	c.rule.n_tie = data[0] & 16 ? 0 : 2;
	c.rule.seed = 1;
	if (data[0] & 32)
		c.threshold = (tally_ratio){5, 100};
	if (data[0] & 64)
		c.district_threshold = (tally_ratio){3, 100};
	if (data[0] & 128)
		c.wins_qualify = 2;
	uint64_t seats = 0;
	for (uint32_t d = 0; d < t->n_districts; d++)
		seats += t->seats[d];
	/* keep each input fast: the limits allow 10^5 seats x 10^5 districts */
	if (seats <= 20000 && tally_seats_allocate(t, &c, &r, &err) == TALLY_OK) {
		uint32_t np = t->n_parties;
		for (uint32_t d = 0; d < t->n_districts; d++) {
			const tally_apportionment *a = &r->district[d];
			uint32_t sum = 0;
			for (uint32_t p = 0; p < np; p++) {
				uint32_t s = a->alloc[p];
				if (s && (!t->present[(size_t)d * np + p] ||
				          r->qualification[p] == TALLY_SEATS_Q_EXCLUDED ||
				          r->district_excluded[(size_t)d * np + p]))
					abort();
				sum += s;
			}
			if (sum != a->allocated || (a->state == TALLY_SEATS_DONE && sum != t->seats[d]) ||
			    sum > t->seats[d])
				abort();
		}
		tally_seats_result_free(r, t);
	}
	/* every district as a plurality contest and a two-round first round */
	for (uint32_t d = 0; d < t->n_districts && d < 64; d++) {
		uint32_t np = t->n_parties;
		tally_candidates_input in = {np, &t->votes[(size_t)d * np], NULL, t->seats[d]};
		tally_apportionment a;
		if (tally_seats_plurality(&c.rule, &in, &a, &err) == TALLY_OK) {
			if (a.allocated > t->seats[d] ||
			    (a.state == TALLY_SEATS_DONE && a.allocated != t->seats[d]))
				abort();
			tally_apportionment_release(&a);
		}
		tally_two_round_rule tr = {{1, 2}, true, (data[0] & 1) != 0, {0, 0}, {1, 8}};
		tally_two_round_result o;
		if (tally_seats_two_round(&c.rule, &tr, &in, t->valid[d], t->registered[d], &o, &err) ==
		    TALLY_OK) {
			if (o.state == TALLY_SEATS_DONE && !o.elected && o.n_runoff < 2)
				abort();
			tally_two_round_release(&o);
		}
	}
	tally_seats_table_free(t);
	return 0;
}
