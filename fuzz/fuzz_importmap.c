/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_importmap.c: libFuzzer harness for import column maps (the JSON
 * file of `tally import --map`, read by tally_import_map_parse through
 * cli_load_map) and for the import with every preset. With the first
 * byte's high bit clear, the rest is a map, optionally followed by a NUL
 * byte and a CSV file that is imported with it; with it set, the low bits
 * pick a preset (tally_import_map_preset_names) and the rest is the CSV.
 * A map that parses must name its columns; an import that succeeds must
 * return one protocol and one check per station, and one that fails must
 * say why with a code.
 */
#include "fuzz_import.h"
#include "tally/tally.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void import(const tally_import_map *m, const char *buf, size_t len)
{
	tally_import *im = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_import_csv(m, buf, len, "fuzz.csv", &im, &err);
	fuzz_check_import(rc, im, &err, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_import_map *m = NULL;
	tally_error err = TALLY_ERROR_INIT;

	if (size < 1)
		return 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	if (data[0] & 0x80) {
		const char *const *names = tally_import_map_preset_names();
		size_t k = 0;
		while (names[k])
			k++;
		if (k == 0 || tally_import_map_preset(names[(data[0] & 0x7f) % k], &m, NULL) != TALLY_OK)
			abort();
		import(m, s, n);
		tally_import_map_free(m);
		return 0;
	}
	const char *nul = memchr(s, '\0', n);
	size_t ml = nul ? (size_t)(nul - s) : n;
	int rc = tally_import_map_parse(s, ml, "fuzz.json", &m, &err);
	if (rc != TALLY_OK) {
		if (m || (rc != TALLY_ENOMEM && err.code[0] == '\0'))
			abort();
		return 0;
	}
	if (m->n_line_cols == 0)
		abort();
	if (nul)
		import(m, nul + 1, n - ml - 1);
	tally_import_map_free(m);
	return 0;
}
