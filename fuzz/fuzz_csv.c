/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_csv.c: libFuzzer harness for the strict CSV reader (src/core/csv.c).
 * The first byte picks the delimiter (guess, ',', ';' or tab); the rest is
 * the file. Every record is read to the end or to the first error, and each
 * field goes through the number parser and the comparison, so that a field
 * pointing outside the buffer or into freed scratch memory is caught by
 * AddressSanitizer. Build:
 *   clang -fsanitize=fuzzer,address -Iinclude -Isrc fuzz/fuzz_csv.c src/core/[a-z]*.c \
 *         $(pkg-config --cflags --libs jansson) -lm -o fuzz_csv
 *   ./fuzz_csv fuzz/corpus/csv
 */
#include "tally/tally.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[4] = {0, ',', ';', '\t'};
	char delim;
	tally_csv c;
	tally_error err = TALLY_ERROR_INIT;
	uint64_t sum = 0, records = 0;
	int rc;

	if (size < 1)
		return 0;
	delim = delims[data[0] & 3];
	tally_csv_init(&c, (const char *)data + 1, size - 1, delim, "fuzz.csv");
	while ((rc = tally_csv_next(&c, &err)) == 1) {
		records++;
		if (c.record != records || c.line < records)
			abort();
		if (c.n_fields == 0 || c.n_fields > TALLY_MAX_CSV_FIELDS)
			abort();
		for (size_t i = 0; i < c.n_fields; i++) {
			const tally_csv_field *f = &c.fields[i];
			uint64_t v;
			if (f->len > TALLY_MAX_CSV_FIELD)
				abort();
			if (tally_csv_u64(f, TALLY_MAX_COUNT, &v) == TALLY_OK) {
				if (v > TALLY_MAX_COUNT)
					abort();
				sum += v;
			}
			if (tally_csv_eq(f, "") != (f->len == 0))
				abort();
			for (size_t k = 0; k < f->len; k++) /* every byte must be readable */
				sum += (unsigned char)f->s[k];
		}
	}
	if (rc < 0 && (err.code[0] != 'C' || err.where[0] == '\0') && rc != TALLY_ENOMEM)
		abort();
	/* after the end, the reader stays at the end */
	if (rc == 0 && tally_csv_next(&c, &err) != 0)
		abort();
	tally_csv_release(&c);
	(void)sum;
	return 0;
}
