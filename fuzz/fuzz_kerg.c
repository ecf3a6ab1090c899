/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_kerg.c: libFuzzer harness for the Bundeswahlleiterin's results file
 * (kerg, tally_kerg_parse) and the population table of `tally seats
 * --system bundestag2020` (tally_seats_population_parse). With the first
 * byte even, the rest is a kerg file; what parses must hold its Laender
 * and parties, and fills the Bundestag input. With it odd, the rest is a
 * population file read against the sixteen Laender.
 */
#include "tally/tally.h"
#include "tally/seats.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[16] = {"SH", "HH", "NI", "HB", "NW", "HE", "RP", "BW",
	                                    "BY", "SL", "BE", "BB", "MV", "SN", "ST", "TH"};
	static const char *const names[16] = {
		"Schleswig-Holstein", "Hamburg", "Niedersachsen", "Bremen", "Nordrhein-Westfalen",
		"Hessen", "Rheinland-Pfalz", "Baden-Württemberg", "Bayern", "Saarland", "Berlin",
		"Brandenburg", "Mecklenburg-Vorpommern", "Sachsen", "Sachsen-Anhalt", "Thüringen"};
	static const uint32_t numbers[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	tally_error err = TALLY_ERROR_INIT;
	int rc;

	if (size < 1)
		return 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	if (data[0] & 1) {
		uint64_t pop[16];
		uint32_t lands = 1 + (uint32_t)(data[0] >> 1) % 16;
		rc = tally_seats_population_parse(s, n, "pop.csv", lands, ids,
		                                  data[0] & 0x40 ? names : NULL,
		                                  data[0] & 0x80 ? numbers : NULL, pop, &err);
		if (rc == TALLY_OK) {
			for (uint32_t i = 0; i < lands; i++)
				if (pop[i] == 0)
					abort();
		} else if (rc != TALLY_ENOMEM && err.code[0] == '\0') {
			abort();
		}
		return 0;
	}
	tally_kerg *k = NULL;
	rc = tally_kerg_parse(s, n, "kerg.csv", &k, &err);
	if (rc != TALLY_OK) {
		if (k || (rc != TALLY_ENOMEM && err.code[0] == '\0'))
			abort();
		return 0;
	}
	if (k->n_lands == 0 || k->n_parties == 0)
		abort();
	uint64_t sum = 0;
	for (uint32_t p = 0; p < k->n_parties; p++)
		for (uint32_t l = 0; l < k->n_lands; l++)
			sum += k->votes[(size_t)p * k->n_lands + l] + k->wins[(size_t)p * k->n_lands + l];
	tally_bundestag_input in;
	memset(&in, 0, sizeof in);
	tally_kerg_bundestag_input(k, &in);
	(void)sum;
	tally_kerg_free(k);
	return 0;
}
