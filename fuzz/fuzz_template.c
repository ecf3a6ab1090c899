/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_template.c: libFuzzer harness for protocol templates as a
 * definition carries them (tally_template_from_json: a preset's name or a
 * whole custom template with its lines, relations and roles) and for the
 * control-relation expressions (tally_expr_parse) that `tally forensics
 * --ballots` also reads. With the first byte even, the rest is a template:
 * one that parses must write back (tally_template_to_json) and parse again
 * to the same text. With it odd, the rest is an expression parsed against
 * the az-mm preset; one that parses is evaluated.
 */
#include "tally/tally.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tally_template *az;
	tally_error err = TALLY_ERROR_INIT;

	if (!az && tally_template_from_json("\"az-mm\"", 7, "fuzz", &az, NULL) != TALLY_OK)
		abort();
	if (size < 1)
		return 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	if (data[0] & 1) {
		char *text = malloc(n + 1);
		tally_expr x;
		if (!text)
			return 0;
		memcpy(text, s, n);
		text[n] = '\0';
		memset(&x, 0, sizeof x);
		if (tally_expr_parse(az, text, &x, &err) == TALLY_OK) {
			uint64_t lines[64];
			if (az->n_lines > 64)
				abort();
			for (size_t i = 0; i < 64; i++)
				lines[i] = TALLY_MAX_COUNT - i;
			(void)tally_expr_eval(&x, lines, TALLY_MAX_COUNT);
			tally_free(x.terms);
		} else if (err.code[0] == '\0') {
			abort();
		}
		free(text);
		return 0;
	}
	tally_template *t = NULL, *t2 = NULL;
	char *j1 = NULL, *j2 = NULL;
	size_t l1 = 0, l2 = 0;
	if (tally_template_from_json(s, n, "fuzz", &t, &err) != TALLY_OK)
		return 0;
	if (tally_template_to_json(t, &j1, &l1) != TALLY_OK ||
	    tally_template_from_json(j1, l1, "fuzz-rt", &t2, &err) != TALLY_OK ||
	    tally_template_to_json(t2, &j2, &l2) != TALLY_OK || l1 != l2 || memcmp(j1, j2, l1))
		abort();
	tally_free(j1);
	tally_free(j2);
	tally_template_free(t);
	tally_template_free(t2);
	return 0;
}
