/* SPDX-License-Identifier: Apache-2.0 */
/*
 * digits.c: digit tests on the leader's station counts, descriptive only
 * (forensics.md 3.1 and 4.1): the second-digit Benford mean and chi-square
 * (Mebane 2006; expected mean 4.187), last-digit uniformity by Pearson
 * chi-square on 9 degrees of freedom (Beber & Scacco 2012), the share of
 * counts ending in 0 or 5 (C05s, expected 0.2), and the share of whole
 * turnout percentages ending in 0 or 5 (P05s, expected 0.2). Minimum-count
 * filters apply, and n is always reported.
 */
#include "core/forensics/fx_int.h"

#include <math.h>

void tally_fx_digits_run(tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	tally_fx_digits *d = &r->digits;
	memset(d, 0, sizeof *d);
	uint64_t second[10] = {0}, p05 = 0, c05 = 0;
	double sum2 = 0, sumlast = 0;
	uint64_t min2 = r->opt.min_2bl < 10 ? 10 : r->opt.min_2bl;
	for (size_t i = 0; i < in->n; i++) {
		uint64_t v = in->leader[i];
		if (v >= min2) {
			uint64_t x = v;
			while (x >= 100)
				x /= 10;
			second[x % 10]++;
			sum2 += (double)(x % 10);
			d->n_2bl++;
		}
		if (v >= r->opt.min_last) {
			d->last[v % 10]++;
			sumlast += (double)(v % 10);
			c05 += v % 5 == 0;
			d->n_last++;
		}
		uint64_t reg = in->registered[i];
		if (reg > 0 && reg >= r->opt.min_voters) {
			uint64_t c = in->cast[i] > reg ? reg : in->cast[i];
			uint64_t pct = (200 * c + reg) / (2 * reg);
			p05 += pct % 5 == 0;
			d->n_p05++;
		}
	}
	if (d->n_2bl) {
		d->mean_2bl = sum2 / (double)d->n_2bl;
		double chi = 0;
		for (int k = 0; k < 10; k++) {
			double p = 0;
			for (int j = 1; j <= 9; j++)
				p += log10(1.0 + 1.0 / (10.0 * j + k));
			double e = p * (double)d->n_2bl;
			chi += ((double)second[k] - e) * ((double)second[k] - e) / e;
		}
		d->chi2_2bl = chi;
		d->p_2bl = fx__chi2_sf(chi, 9);
	}
	if (d->n_last) {
		d->mean_last = sumlast / (double)d->n_last;
		double e = (double)d->n_last / 10, chi = 0;
		for (int k = 0; k < 10; k++)
			chi += ((double)d->last[k] - e) * ((double)d->last[k] - e) / e;
		d->chi2_last = chi;
		d->p_last = fx__chi2_sf(chi, 9);
		d->c05 = (double)c05 / (double)d->n_last;
	}
	if (d->n_p05)
		d->p05 = (double)p05 / (double)d->n_p05;
}
