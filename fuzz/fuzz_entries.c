/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_entries.c: libFuzzer harness for protocol entry files (JSON and CSV,
 * tally_entries_parse) and intraday turnout files (tally_turnout_parse),
 * against a fixed small election. The first byte picks the parser and
 * format. Every parsed entry is checked, compared and packed/unpacked.
 */
#include "tally/tally.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char def[] =
	"{\"format\": \"tally-definition/1\", \"election\": {\"id\": \"f\", \"name\": \"F\","
	" \"date\": \"2015-11-01\", \"seats\": 2}, \"template\": \"az-mm\","
	" \"contests\": [{\"id\": \"mm\", \"name\": \"M\"}],"
	" \"constituencies\": [{\"id\": \"C1\", \"name\": \"One\", \"contest\": \"mm\"},"
	"  {\"id\": \"C2\", \"name\": \"Two\", \"contest\": \"mm\"}],"
	" \"stations\": [{\"id\": \"S1\", \"constituency\": \"C1\", \"registered\": 1000},"
	"  {\"id\": \"S2\", \"constituency\": \"C2\", \"registered\": 500}],"
	" \"candidates\": [{\"id\": \"K1\", \"name\": \"A\", \"constituency\": \"C1\", \"nominator\": \"self\"},"
	"  {\"id\": \"K2\", \"name\": \"B\", \"constituency\": \"C1\", \"nominator\": \"self\"},"
	"  {\"id\": \"K3\", \"name\": \"C\", \"constituency\": \"C2\", \"nominator\": \"self\"}]}";

static tally_election *E;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!E && tally_election_parse(def, strlen(def), "def", &E, NULL) != TALLY_OK)
		abort();
	if (size < 1)
		return 0;
	static const char *const formats[] = {NULL, "json", "csv"};
	const char *fmt = formats[data[0] % 3];
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] & 0x80) {
		tally_turnout *t = NULL;
		size_t n = 0;
		if (tally_turnout_parse(E, buf, len, "fuzz", fmt, &t, &n, NULL) == TALLY_OK) {
			for (size_t i = 0; i < n; i++) {
				bool dup;
				tally_turnout_check(E, &t[i], t, n, &dup, NULL);
			}
			tally_free(t);
		}
		return 0;
	}
	tally_entry *v = NULL;
	size_t n = 0;
	if (tally_entries_parse(E, buf, len, "fuzz", fmt, &v, &n, NULL) != TALLY_OK)
		return 0;
	for (size_t i = 0; i < n; i++) {
		tally_check ck;
		tally_protocol_check(E, &v[i].p, &ck);
		for (uint32_t k = 0; k < ck.n; k++) {
			char d[400];
			tally_violation_describe(E, &ck.v[k], d, sizeof d);
		}
		if (i > 0 && v[i].p.station == v[0].p.station)
			tally_protocol_diff(&v[0].p, &v[i].p, NULL, 0);
		unsigned char *packed = NULL;
		size_t pl = 0;
		tally_protocol back;
		if (tally_protocol_pack(&v[i].p, &packed, &pl) != TALLY_OK)
			abort();
		if (tally_protocol_unpack(E, v[i].p.station, packed, pl, &back, NULL) != TALLY_OK ||
		    tally_protocol_diff(&v[i].p, &back, NULL, 0) != 0)
			abort();
		tally_protocol_release(&back);
		tally_free(packed);
		char *js = NULL;
		if (tally_entry_to_json(E, &v[i], &js, NULL) == TALLY_OK)
			tally_free(js);
	}
	tally_entries_free(v, n);
	return 0;
}
