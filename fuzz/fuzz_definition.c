/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_definition.c: libFuzzer harness for the definition parser
 * (tally_election_parse). A definition that parses must write back
 * canonically and parse again to the same bytes (the exact round trip).
 */
#include "tally/tally.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_election *e = NULL, *e2 = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char *w1 = NULL, *w2 = NULL;
	size_t l1 = 0, l2 = 0;
	if (tally_election_parse((const char *)data, size, "fuzz", &e, &err) != TALLY_OK)
		return 0;
	if (tally_election_write(e, &w1, &l1, &err) != TALLY_OK)
		abort();
	if (tally_election_parse(w1, l1, "fuzz-rt", &e2, &err) != TALLY_OK)
		abort();
	if (tally_election_write(e2, &w2, &l2, &err) != TALLY_OK || l1 != l2 || memcmp(w1, w2, l1))
		abort();
	tally_free(w1);
	tally_free(w2);
	tally_election_free(e);
	tally_election_free(e2);
	return 0;
}
