/* SPDX-License-Identifier: Apache-2.0 */
/*
 * regress.c: turnout regressions after Myagkov, Ordeshook & Shakin (The
 * Forensics of Election Fraud, CUP 2009) and Sobyanin & Sukhovolsky: over
 * stations with registered >= min_voters, each party's votes per registered
 * voter are regressed (OLS) on turnout. The slope is the share of marginal
 * voters the party gains; a clean election has slopes in [0, 1] summing to
 * about the valid share, while ballot stuffing gives the leader a slope
 * above 1 and the others negative slopes (forensics.md 3.2). Also the
 * Pearson correlation of turnout and leader share (EFToolkit's flag at
 * |r| > 0.4).
 */
#include "core/forensics/fx_int.h"

#include <math.h>

int tally_fx_regress_run(tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	tally_fx_regress *g = &r->reg;
	uint32_t np = in->n_parties;
	tally_free(g->party);
	memset(g, 0, sizeof *g);
	double *my = tally_calloc(np, sizeof *my), *sxy = tally_calloc(np, sizeof *sxy);
	double *tot = tally_calloc(np, sizeof *tot);
	g->party = tally_calloc(np, sizeof *g->party);
	int rc = TALLY_OK;
	if (!my || !sxy || !tot || !g->party) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	double mx = 0, mw = 0, mxw = 0, base = 0;
	uint64_t nw = 0;
	for (size_t i = 0; i < in->n; i++) {
		uint64_t reg = in->registered[i];
		if (reg == 0 || reg < r->opt.min_voters)
			continue;
		g->n++;
		mx += (double)in->cast[i] / (double)reg;
		for (uint32_t j = 0; j < np; j++) {
			my[j] += (double)in->votes[i * np + j] / (double)reg;
			tot[j] += (double)in->votes[i * np + j];
		}
		base += (double)in->base[i];
		if (in->base[i]) {
			mw += (double)in->leader[i] / (double)in->base[i];
			mxw += (double)in->cast[i] / (double)reg;
			nw++;
		}
	}
	if (g->n < 2)
		goto out;
	mx /= (double)g->n;
	for (uint32_t j = 0; j < np; j++)
		my[j] /= (double)g->n;
	if (nw) {
		mw /= (double)nw;
		mxw /= (double)nw;
	}
	/* second pass: centred sums, for accuracy */
	double sxx = 0, cw = 0, ww = 0, tt = 0;
	for (size_t i = 0; i < in->n; i++) {
		uint64_t reg = in->registered[i];
		if (reg == 0 || reg < r->opt.min_voters)
			continue;
		double dx = (double)in->cast[i] / (double)reg - mx;
		sxx += dx * dx;
		for (uint32_t j = 0; j < np; j++)
			sxy[j] += dx * ((double)in->votes[i * np + j] / (double)reg - my[j]);
		if (in->base[i]) {
			double dt = (double)in->cast[i] / (double)reg - mxw;
			double dw = (double)in->leader[i] / (double)in->base[i] - mw;
			cw += dt * dw;
			ww += dw * dw;
			tt += dt * dt;
		}
	}
	for (uint32_t j = 0; j < np; j++) {
		tally_fx_slope *s = &g->party[j];
		s->slope = sxx > 0 ? sxy[j] / sxx : 0;
		s->intercept = my[j] - s->slope * mx;
		s->share = base > 0 ? tot[j] / base : 0;
		g->sum_slopes += s->slope;
	}
	g->r_turnout_share = tt > 0 && ww > 0 ? cw / sqrt(tt * ww) : 0;
out:
	tally_free(my);
	tally_free(sxy);
	tally_free(tot);
	return rc;
}
