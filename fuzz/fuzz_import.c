/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_import.c: libFuzzer harness for the station-data import
 * (src/core/import.c) with the "ru-2018" preset. Random bytes rarely make
 * the 24-column Russian header, so when the first byte is odd the harness
 * puts a valid header (built from the preset's own column names) before the
 * rest of the input and the fuzzer spends its time on the rows: ids, names,
 * counts, duplicates, wrong field counts. Whatever the input, the import
 * must either fail with a code or return an election whose every station
 * has a protocol and a check. Build:
 *   clang -fsanitize=fuzzer,address -Iinclude -Isrc fuzz/fuzz_import.c src/core/[a-z]*.c \
 *         $(pkg-config --cflags --libs jansson) -lm -o fuzz_import
 *   ./fuzz_import fuzz/corpus/import
 */
#include "fuzz_import.h"
#include "tally/tally.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tally_import_map *map;
static char header[8192];
static size_t header_len;

static void add(const char *s, bool quote)
{
	size_t n = strlen(s);
	if (header_len + n + 4 >= sizeof header)
		abort();
	if (header_len)
		header[header_len++] = ',';
	if (quote)
		header[header_len++] = '"';
	memcpy(header + header_len, s, n);
	header_len += n;
	if (quote)
		header[header_len++] = '"';
}

static void setup(void)
{
	if (tally_import_map_preset("ru-2018", &map, NULL) != TALLY_OK)
		abort();
	add("region", false);
	add("tik", false);
	add("uik", false);
	for (uint32_t i = 0; i < map->n_line_cols; i++)
		add(map->line_cols[i], true);
	add(map->cand_cols[0], false);
	add("Второй Кандидат", false);
	add("url", false);
	header[header_len++] = '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_import *im = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char *buf;
	size_t len = 0;
	int rc;

	if (!map)
		setup();
	if (size < 1)
		return 0;
	buf = malloc(header_len + size);
	if (!buf)
		return 0;
	if (data[0] & 1) {
		memcpy(buf, header, header_len);
		len = header_len;
	}
	memcpy(buf + len, data + 1, size - 1);
	len += size - 1;
	rc = tally_import_csv(map, buf, len, "fuzz.csv", &im, &err);
	fuzz_check_import(rc, im, &err, 2);
	free(buf);
	return 0;
}
