/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fingerprint.c: the election fingerprint of Klimek, Yegorov, Hanel &
 * Thurner (PNAS 109(41), 2012): stations on a grid of turnout by leader
 * share, counted and weighted by registered voters, with the share in the
 * corner of (near) 100 % turnout and 100 % leader share, the turnout
 * histogram and the leader's cumulative votes against turnout.
 */
#include "core/forensics/fx_int.h"

/* bin of num/den on a 1-pp grid; 100 % and above go to the last bin */
static uint32_t bin_of(uint64_t num, uint64_t den)
{
	uint64_t b = 100 * num / den;
	return b >= TALLY_FX_BINS ? TALLY_FX_BINS - 1 : (uint32_t)b;
}

int tally_fx_fingerprint_run(tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	tally_fx_fingerprint *fp = &r->fp;
	const size_t cells = (size_t)TALLY_FX_BINS * TALLY_FX_BINS;
	tally_free(fp->count);
	tally_free(fp->weighted);
	memset(fp, 0, sizeof *fp);
	fp->count = tally_calloc(cells, sizeof *fp->count);
	fp->weighted = tally_calloc(cells, sizeof *fp->weighted);
	if (!fp->count || !fp->weighted)
		return TALLY_ENOMEM;
	double lead_bin[TALLY_FX_BINS] = {0}, lead_all = 0;
	for (size_t i = 0; i < in->n; i++) {
		uint64_t reg = in->registered[i], base = in->base[i];
		if (reg == 0 || base == 0)
			continue;
		uint32_t tb = bin_of(in->cast[i], reg), wb = bin_of(in->leader[i], base);
		fp->n++;
		fp->count[(size_t)wb * TALLY_FX_BINS + tb]++;
		fp->weighted[(size_t)wb * TALLY_FX_BINS + tb] += (double)reg;
		fp->weight_total += (double)reg;
		fp->turnout_hist[tb]++;
		lead_bin[tb] += (double)in->leader[i];
		lead_all += (double)in->leader[i];
		/* Klimek et al.: t >= 95 % and w >= 95 %, in exact arithmetic */
		if (100 * in->cast[i] >= 95 * reg && 100 * in->leader[i] >= 95 * base) {
			fp->corner++;
			fp->corner_weighted_share += (double)reg;
			if (r->flags)
				r->flags[i] |= TALLY_FX_FLAG_CORNER;
		}
	}
	if (fp->n) {
		fp->corner_share = (double)fp->corner / (double)fp->n;
		fp->corner_weighted_share /= fp->weight_total;
	}
	uint32_t best = 0;
	for (size_t c = 1; c < cells; c++)
		if (fp->count[c] > fp->count[best])
			best = (uint32_t)c;
	fp->mode_t = best % TALLY_FX_BINS;
	fp->mode_w = best / TALLY_FX_BINS;
	double acc = 0;
	for (uint32_t k = 0; k < TALLY_FX_BINS; k++) {
		acc += lead_bin[k];
		fp->cum_leader[k] = lead_all > 0 ? acc / lead_all : 0;
	}
	return TALLY_OK;
}
