/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_rcv_cdf.c: libFuzzer harness for cast vote records in the NIST SP
 * 1500-103 JSON format as `tally rcv` reads them (tally_rcv_parse_cdf,
 * src/core/rcv/read.c) and the count that follows. The first byte picks the
 * method and the ballot rules (fuzz_rcv.h); its low bit also names the
 * contest "mayor" instead of letting the reader choose. A refusal must carry
 * an error code; what parses is counted and the result checked. Build: make
 * build/fuzz/fuzz_rcv_cdf; run: build/fuzz/fuzz_rcv_cdf fuzz/corpus/rcv_cdf
 */
#include "fuzz_rcv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_rcv_ballots *b = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (size < 1)
		return 0;
	int rc = tally_rcv_parse_cdf((const char *)data + 1, size - 1, "fuzz",
	                             data[0] & 1 ? "mayor" : NULL, &b, &err);
	if (rc != TALLY_OK) {
		if (b || (rc != TALLY_ENOMEM && err.code[0] == '\0'))
			abort();
		return 0;
	}
	fuzz_rcv_count(b, data[0]);
	tally_rcv_ballots_free(b);
	return 0;
}
