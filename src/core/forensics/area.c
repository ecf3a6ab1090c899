/* SPDX-License-Identifier: Apache-2.0 */
/*
 * area.c: the battery's main figures per area (region, voivodeship), since
 * anomalies concentrate in some regions (forensics.md section 7): the
 * fingerprint's corner share, the integer-percent excess over its exact
 * Poisson-binomial null (the resampling is national only: per area the
 * exact null needs no randomness) and the stations flagged.
 */
#include "core/forensics/fx_int.h"

#include <math.h>

int tally_fx_areas_run(tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	fx__lfact lf = {NULL, 0};
	uint32_t na = in->n_areas ? in->n_areas : 1;
	tally_free(r->areas);
	r->areas = tally_calloc(na, sizeof *r->areas);
	if (!r->areas)
		return TALLY_ENOMEM;
	uint64_t maxn = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (in->registered[i] > maxn)
			maxn = in->registered[i];
		if (in->base[i] > maxn)
			maxn = in->base[i];
	}
	if (fx__lfact_init(&lf, maxn))
		return TALLY_ENOMEM;
	double *var = tally_calloc(na, sizeof *var);
	if (!var) {
		fx__lfact_release(&lf);
		return TALLY_ENOMEM;
	}
	for (size_t i = 0; i < in->n; i++) {
		tally_fx_area *a = &r->areas[in->n_areas ? in->area[i] : 0];
		uint64_t reg = in->registered[i], cast = in->cast[i];
		uint64_t base = in->base[i], lead = in->leader[i];
		if (r->flags && r->flags[i])
			a->flagged++;
		if (reg == 0 || base == 0)
			continue;
		a->n++;
		if (r->flags && (r->flags[i] & TALLY_FX_FLAG_CORNER))
			a->corner++;
		/* the integer test's inclusion rules (integer.c) */
		if (reg < r->opt.min_voters || 100 * cast > 99 * reg || 100 * lead > 99 * base)
			continue;
		double p = fx__integer_prob(&lf, cast, reg), q = fx__integer_prob(&lf, lead, base);
		double e = 1 - (1 - p) * (1 - q);
		a->n_integer++;
		a->integer_observed += tally_fx_is_integer(cast, reg) || tally_fx_is_integer(lead, base);
		a->integer_expected += e;
		var[a - r->areas] += e * (1 - e);
	}
	for (uint32_t k = 0; k < na; k++) {
		tally_fx_area *a = &r->areas[k];
		a->corner_share = a->n ? (double)a->corner / (double)a->n : 0;
		a->integer_sd = sqrt(var[k]);
		a->integer_excess = a->integer_observed - a->integer_expected;
		a->integer_z = a->integer_sd > 0 ? a->integer_excess / a->integer_sd : 0;
	}
	tally_free(var);
	fx__lfact_release(&lf);
	return TALLY_OK;
}
