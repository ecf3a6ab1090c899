/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fx_int.h: what the files of src/core/forensics/ share: the log-factorial
 * table behind exact binomial probabilities, the chi-square tail, and the
 * per-station probability of an integer percentage under the binomial null,
 * and the tail of a Poisson-binomial count.
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

/* The standard normal distribution function. */
double fx__norm_cdf(double z);

/* Upper tail of the chi-square distribution with "df" degrees of freedom. */
double fx__chi2_sf(double x, double df);

/* The Poisson-binomial count of "m" independent events of probabilities
 * q[0..m-1]: *p = P(count >= obs) and *bound = the smallest k with
 * P(count <= k) >= level. Exact (the recursion over events, truncated at
 * mean + 10 sd + 20, beyond which Bernstein's inequality leaves less than
 * 1e-15) when that takes at most FX_PB_EXACT_STEPS steps, else the
 * refined normal approximation; *exact says which. TALLY_OK or
 * TALLY_ENOMEM. */
#define FX_PB_EXACT_STEPS 20000000.0
int fx__pb_tail(const double *q, size_t m, uint64_t obs, double level, double *p,
                uint64_t *bound, bool *exact);

#endif
