/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_import.h: what the import harnesses (fuzz_import.c, fuzz_importmap.c)
 * check of tally_import_csv's outcome: a success is a whole election, one
 * protocol per station in order (each with "n_cand" candidates, unless 0),
 * its error count consistent; a failure leaves nothing and says why.
 * Aborts otherwise. Frees the import.
 */
#ifndef TALLY_FUZZ_IMPORT_H
#define TALLY_FUZZ_IMPORT_H

#include "tally/tally.h"

#include <stdlib.h>

static void fuzz_check_import(int rc, tally_import *im, const tally_error *err, uint32_t n_cand)
{
	if (rc == TALLY_OK) {
		if (!im || im->n != im->e->n_stations || im->n == 0)
			abort();
		uint32_t errs = 0;
		for (size_t i = 0; i < im->n; i++) {
			if (im->protocols[i].station != i || (n_cand && im->protocols[i].n_cand != n_cand))
				abort();
			errs += im->checks[i].n_errors > 0;
		}
		if (errs != im->stations_with_errors)
			abort();
		tally_import_free(im);
	} else if (im || (rc != TALLY_ENOMEM && err->code[0] == '\0')) {
		abort();
	}
}

#endif
