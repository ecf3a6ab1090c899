/* SPDX-License-Identifier: Apache-2.0 */
/*
 * integer.c: the integer-percent test of Kobak, Shpilkin & Pshenichnikov
 * (Ann. Appl. Stat. 10(1), 2016; Significance 2016, 2018), with the
 * inclusion rules of their notebooks (forensics.md 2.2): stations with
 * base > 0, registered >= min_voters, turnout <= 99 % and leader share
 * <= 99 %. A station is integer in a percentage when it lies within
 * +-0.05 pp of a whole number.
 *
 * The null keeps every denominator and redraws every numerator as a
 * binomial with the observed rate. Each resample needs only whether the
 * redrawn turnout and share are integer, and for a station that is a
 * Bernoulli event whose probability is a finite sum of binomial
 * probabilities (forensics.md section 7). So each station's two
 * probabilities are computed once, exactly, and each resample draws the two
 * events from them: the same distribution as redrawing the counts, at a
 * thousandth of the cost. The exact Poisson-binomial mean and sd are
 * reported beside the resampled ones as a cross-check.
 */
#include "core/forensics/fx_int.h"

#include <math.h>

typedef struct ist {
	uint64_t thr_t, thr_l;  /* probability * 2^32 */
	uint64_t w;             /* registered voters */
} ist;

static void fill_count(tally_fx_icount *c, double observed, double sum, double sumsq,
                       uint32_t R, uint32_t ge, double emean, double evar)
{
	c->observed = observed;
	c->exact_mean = emean;
	c->exact_sd = sqrt(evar);
	c->exact_z = c->exact_sd > 0 ? (observed - emean) / c->exact_sd : 0;
	/* The headline excess and z use the null's exact moments: they are what
	 * the resampling converges to, without its Monte Carlo error (with 1,000
	 * resamples the estimated sd alone is uncertain by about 2 %). The
	 * resamples give the empirical p and their own mean, sd and z beside. */
	c->excess = observed - emean;
	c->z = c->exact_z;
	if (R > 0) {
		c->mc_mean = sum / R;
		double v = R > 1 ? (sumsq - sum * sum / R) / (R - 1) : 0;
		c->mc_sd = v > 0 ? sqrt(v) : 0;
		c->mc_z = c->mc_sd > 0 ? (observed - c->mc_mean) / c->mc_sd : 0;
		c->p = (1.0 + ge) / (1.0 + R);
	} else {
		c->p = 1.0;
	}
}

static uint64_t to_thr(double p)
{
	double t = p * 4294967296.0 + 0.5;
	return t >= 4294967296.0 ? 4294967296ull : (uint64_t)t;
}

int tally_fx_integer_run(tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	tally_fx_integer *it = &r->integer;
	fx__lfact lf = {NULL, 0};
	ist *s = NULL;
	double *qb = NULL; /* each station's probability of a flag */
	int rc = TALLY_OK;
	memset(it, 0, sizeof *it);
	it->resamples = r->opt.resamples;
	it->seed = r->opt.seed;

	uint64_t maxn = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (in->registered[i] > maxn)
			maxn = in->registered[i];
		if (in->base[i] > maxn)
			maxn = in->base[i];
	}
	if ((rc = fx__lfact_init(&lf, maxn)))
		goto out;
	if (!(s = tally_malloc((in->n ? in->n : 1) * sizeof *s)) ||
	    !(qb = tally_malloc((in->n ? in->n : 1) * sizeof *qb))) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	size_t m = 0;
	double o_t = 0, o_l = 0, o_e = 0, o_ev = 0;
	double e_t = 0, v_t = 0, e_l = 0, v_l = 0, e_e = 0, v_e = 0, e_ev = 0, v_ev = 0;
	for (size_t i = 0; i < in->n; i++) {
		uint64_t reg = in->registered[i], cast = in->cast[i];
		uint64_t base = in->base[i], lead = in->leader[i];
		if (base == 0 || reg < r->opt.min_voters || reg == 0 || 100 * cast > 99 * reg ||
		    100 * lead > 99 * base)
			continue;
		bool int_t = tally_fx_is_integer(cast, reg), int_l = tally_fx_is_integer(lead, base);
		double a = fx__integer_prob(&lf, cast, reg), b = fx__integer_prob(&lf, lead, base);
		double q = 1 - (1 - a) * (1 - b), w = (double)reg;
		o_t += int_t;
		o_l += int_l;
		o_e += int_t || int_l;
		o_ev += (int_t || int_l) ? w : 0;
		e_t += a;
		v_t += a * (1 - a);
		e_l += b;
		v_l += b * (1 - b);
		e_e += q;
		v_e += q * (1 - q);
		e_ev += w * q;
		v_ev += w * w * q * (1 - q);
		if (r->null_p)
			r->null_p[i] = a * b;
		it->both_expected += a * b;
		if (int_t && int_l) {
			it->both++;
			if (r->flags)
				r->flags[i] |= TALLY_FX_FLAG_INTEGER;
		}
		s[m].thr_t = to_thr(a);
		s[m].thr_l = to_thr(b);
		s[m].w = reg;
		qb[m] = a * b;
		m++;
	}
	it->n = m;
	/* the flags' null distribution: the count of a Poisson-binomial */
	if ((rc = fx__pb_tail(qb, m, it->both, 0.999, &it->both_p, &it->both_bound,
	                      &it->both_exact)))
		goto out;

	uint32_t R = r->opt.resamples;
	double st = 0, sst = 0, sl = 0, ssl = 0, se = 0, sse = 0, sev = 0, ssev = 0;
	uint32_t ge_t = 0, ge_l = 0, ge_e = 0, ge_ev = 0;
	tally__rng rng;
	tally__rng_seed(&rng, r->opt.seed);
	for (uint32_t rep = 0; rep < R; rep++) {
		uint64_t ct = 0, cl = 0, ce = 0;
		uint64_t cevi = 0; /* registered voters at "either" stations */
		for (size_t k = 0; k < m; k++) {
			uint64_t x = tally__rng_next(&rng);
			uint64_t ht = (x >> 32) < s[k].thr_t, hl = (x & 0xffffffffu) < s[k].thr_l;
			ct += ht;
			cl += hl;
			uint64_t he = ht | hl;
			ce += he;
			cevi += he * s[k].w; /* no branch: "he" is 0 or 1 */
		}
		st += (double)ct;
		sst += (double)ct * (double)ct;
		sl += (double)cl;
		ssl += (double)cl * (double)cl;
		se += (double)ce;
		sse += (double)ce * (double)ce;
		double cev = (double)cevi; /* exact: far below 2^53 */
		sev += cev;
		ssev += cev * cev;
		ge_t += (double)ct >= o_t;
		ge_l += (double)cl >= o_l;
		ge_e += (double)ce >= o_e;
		ge_ev += cev >= o_ev;
	}
	fill_count(&it->turnout, o_t, st, sst, R, ge_t, e_t, v_t);
	fill_count(&it->leader, o_l, sl, ssl, R, ge_l, e_l, v_l);
	fill_count(&it->either, o_e, se, sse, R, ge_e, e_e, v_e);
	fill_count(&it->either_voters, o_ev, sev, ssev, R, ge_ev, e_ev, v_ev);
out:
	fx__lfact_release(&lf);
	tally_free(s);
	tally_free(qb);
	return rc;
}
