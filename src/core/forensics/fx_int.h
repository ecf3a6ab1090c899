/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fx_int.h: what the files of src/core/forensics/ share: the log-factorial
 * table behind exact binomial probabilities, the chi-square tail, and the
 * per-station probability of an integer percentage under the binomial null.
 */
#ifndef TALLY_FX_INT_H
#define TALLY_FX_INT_H

#include "tally/forensics.h"
#include "core/core_int.h"

/* Log-factorials ln(k!) for k = 0..n (a table when n is small enough,
 * lgamma beyond it). */
typedef struct fx__lfact {
	double *t;
	uint64_t n;
} fx__lfact;

int fx__lfact_init(fx__lfact *lf, uint64_t n);
void fx__lfact_release(fx__lfact *lf);
double fx__lfact_get(const fx__lfact *lf, uint64_t k);

/* P(Bin(n, k/n) lands within +-0.05 pp of an integer percentage). */
double fx__integer_prob(const fx__lfact *lf, uint64_t k, uint64_t n);

/* Upper tail of the chi-square distribution with "df" degrees of freedom. */
double fx__chi2_sf(double x, double df);

#endif
