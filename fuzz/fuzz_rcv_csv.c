/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_rcv_csv.c: libFuzzer harness for the CSV of rankings that `tally
 * rcv` reads (tally_rcv_parse_csv, src/core/rcv/read.c) and the count that
 * follows it. The first byte picks the method and the ballot rules
 * (fuzz_rcv.h), the rest is the file. A refusal must carry an error code;
 * what parses is counted and the result checked (fuzz_rcv.h). Build: make
 * build/fuzz/fuzz_rcv_csv; run: build/fuzz/fuzz_rcv_csv fuzz/corpus/rcv_csv
 */
#include "fuzz_rcv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_rcv_ballots *b = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (size < 1)
		return 0;
	int rc = tally_rcv_parse_csv((const char *)data + 1, size - 1, "fuzz", NULL, &b, &err);
	if (rc != TALLY_OK) {
		if (b || (rc != TALLY_ENOMEM && err.code[0] == '\0'))
			abort();
		return 0;
	}
	fuzz_rcv_count(b, data[0]);
	tally_rcv_ballots_free(b);
	return 0;
}
