/* SPDX-License-Identifier: Apache-2.0 */
/*
 * klimek.c: the fraud model of Klimek, Yegorov, Hanel & Thurner (PNAS
 * 109(41), 2012; forensics.md 1.2) as a secondary estimate of the shares
 * of stations with incremental (f_i) and extreme (f_e) fraud.
 *
 * Model. A fair station with N registered voters has turnout a ~ N(a0, sa)
 * and leader share w ~ N(l0, sl), both cut to [0, 1]. A fraudulent one
 * moves x (N - cast) non-voters' ballots and round(x^alpha * opponents)
 * opponents' votes to the leader, with x = |N(0, theta)| (incremental) or
 * x = 1 - |N(0, 0.075)| (extreme). a0, sa, l0 and sl come from the low side
 * of the observed distributions (the mode and the root mean square below
 * it), where fraud does not reach.
 *
 * Fit. Every station is drawn REPS times as fair, as incremental and as
 * extreme with the same random numbers, on its own N, giving three 2-D
 * histograms (turnout x leader share, 2 pp cells). A mixture with shares
 * f_i and f_e is their linear combination, so the sum of squared cell
 * differences from the observed histogram is a quadratic in (f_i, f_e):
 * its minimum over f_i, f_e >= 0, f_i + f_e <= 1 is found exactly (a 2 x 2
 * linear system, else the edges of the triangle), for each theta and alpha
 * of a small grid; the best is kept. This replaces the original's random
 * grid search over f_i and f_e, and is deterministic for a seed.
 *
 * Calibration. The fit is biased and, on a few thousand stations, noisy:
 * the fair parameters are estimated, the Gaussian is cut at 0 and 1, and a
 * least-squares mixture rarely returns exactly zero. So the same procedure
 * is run on clean twins of the election (1 to 8, more for small elections),
 * drawn from the fitted fair model on the same electorates, and the largest
 * (f_i, f_e) they give is subtracted (at least 0 is reported): what is left
 * is what no clean twin showed (docs/methods-forensics.md).
 */
#include "core/forensics/fx_int.h"

#include <math.h>

#define KB 50u          /* histogram cells per axis (2 pp) */
#define REPS 2u         /* model draws per station */
#define EXT_SD 0.075    /* spread of extreme fraud (Klimek et al.) */

static const double thetas[] = {0.1, 0.2, 0.3};
static const double alphas[] = {1.0, 2.0};
#define N_THETA (sizeof thetas / sizeof thetas[0])
#define N_ALPHA (sizeof alphas / sizeof alphas[0])

/* What one fit needs: the stations' electorates and observed points. */
typedef struct kl_data {
	size_t n;
	const uint64_t *N;
	const double *t, *w;
} kl_data;

typedef struct kl_fit {
	double a0, sa, l0, sl, theta, alpha, fi, fe, loss, loss0;
} kl_fit;

static uint32_t cell(double v)
{
	if (!(v > 0))
		return 0;
	uint32_t k = (uint32_t)(v * KB);
	return k >= KB ? KB - 1 : k;
}

/* The mode (of a 1-pp histogram smoothed over 5 bins) and the spread of
 * the values below it, from the half width at half maximum on that side
 * (sd = HWHM / 1.1774 for a Gaussian): unlike a root mean square, it is
 * not widened by a second, smaller cluster far below the mode. */
static void low_side(const double *v, size_t n, double *mode, double *sd)
{
	double h[100] = {0}, sm[100], best = -1;
	uint32_t m = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)(v[i] * 100);
		h[k >= 100 ? 99 : k] += 1;
	}
	for (uint32_t k = 0; k < 100; k++) {
		double s = 0;
		for (int d = -2; d <= 2; d++)
			if ((int)k + d >= 0 && (int)k + d < 100)
				s += h[(int)k + d];
		sm[k] = s;
		if (s > best) {
			best = s;
			m = k;
		}
	}
	*mode = (m + 0.5) / 100.0;
	uint32_t k = m;
	while (k > 0 && sm[k] > best / 2)
		k--;
	/* interpolate where the smoothed histogram crosses half the maximum */
	double x = (double)k;
	if (sm[k] <= best / 2 && sm[k + 1] > sm[k])
		x = k + (best / 2 - sm[k]) / (sm[k + 1] - sm[k]);
	*sd = ((double)m - x) / 100.0 / 1.1774;
	if (*sd < 0.005)
		*sd = 0.005;
}

static double cut01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* One station drawn as fair: its cast ballots and the leader's votes. */
static void draw_fair(uint64_t N, double zt, double zw, const kl_fit *f, double *cast,
                      double *lead)
{
	*cast = floor((double)N * cut01(f->a0 + f->sa * zt) + 0.5);
	*lead = floor(*cast * cut01(f->l0 + f->sl * zw) + 0.5);
}

static void add_point(double *h, uint64_t N, double cast, double lead, double wgt)
{
	double t = N ? cast / (double)N : 0, w = cast > 0 ? lead / cast : 0;
	h[cell(w) * KB + cell(t)] += wgt;
}

/* The fraud of Klimek's model with strength x on a fair station. */
static void defraud(uint64_t N, double x, double alpha, double *cast, double *lead)
{
	double stuffed = floor(x * ((double)N - *cast));
	double taken = floor(pow(x, alpha) * (*cast - *lead) + 0.5);
	*cast += stuffed;
	*lead += stuffed + taken;
}

/* Minimises |y - fi a - fe b|^2 over fi, fe >= 0, fi + fe <= 1, given the
 * Gram entries aa = a.a, ab = a.b, bb = b.b, ay = a.y and by = b.y. */
static void qp2(double aa, double ab, double bb, double ay, double by, double *fi, double *fe)
{
	/* candidates: the interior solution, the three edges, the vertices */
	double best = 0, bi = 0, be = 0; /* gain = 2 fi ay + 2 fe by - fi^2 aa - 2 fi fe ab - fe^2 bb */
#define GAIN(x, y) (2 * (x) * ay + 2 * (y) * by - (x) * (x) * aa - 2 * (x) * (y) * ab - (y) * (y) * bb)
	double det = aa * bb - ab * ab, c[8][2];
	int nc = 0;
	if (det > 1e-12 * (aa * bb + 1e-300)) {
		c[nc][0] = (ay * bb - by * ab) / det;
		c[nc][1] = (by * aa - ay * ab) / det;
		nc++;
	}
	if (aa > 0) {
		c[nc][0] = ay / aa;
		c[nc][1] = 0;
		nc++;
	}
	if (bb > 0) {
		c[nc][0] = 0;
		c[nc][1] = by / bb;
		nc++;
	}
	/* the edge fi + fe = 1: fi = s, fe = 1 - s */
	double q = aa - 2 * ab + bb;
	if (q > 0) {
		c[nc][0] = (ay - by - ab + bb) / q;
		c[nc][1] = 1 - c[nc][0];
		nc++;
	}
	c[nc][0] = 1, c[nc][1] = 0, nc++;
	c[nc][0] = 0, c[nc][1] = 1, nc++;
	for (int k = 0; k < nc; k++) {
		double x = c[k][0], y = c[k][1];
		if (!(x >= 0 && y >= 0 && x + y <= 1 + 1e-12))
			continue;
		double g = GAIN(x, y);
		if (g > best) {
			best = g;
			bi = x;
			be = y;
		}
	}
#undef GAIN
	*fi = bi;
	*fe = be;
}

/* Fits the model to "d" with random numbers from "rng"; "h" is scratch of
 * 4 * KB * KB doubles. Every kind and every (theta, alpha) uses the same
 * random numbers (four normals per station and draw: turnout, share, the
 * extreme and the incremental strength), so the fair draws and the
 * incremental strengths are made once and kept. TALLY_ENOMEM or TALLY_OK. */
static int fit(const kl_data *d, tally__rng *rng, double *h, kl_fit *out)
{
	const size_t C = (size_t)KB * KB;
	double *obs = h, *hf = h + C, *hi = h + 2 * C, *he = h + 3 * C;
	kl_fit f;
	memset(&f, 0, sizeof f);
	low_side(d->t, d->n, &f.a0, &f.sa);
	low_side(d->w, d->n, &f.l0, &f.sl);
	size_t m = d->n * REPS;
	double *fc = tally_malloc((m ? m : 1) * 3 * sizeof *fc);
	if (!fc)
		return TALLY_ENOMEM;
	double *fl = fc + m, *zs = fl + m;
	memset(obs, 0, 4 * C * sizeof *h);
	for (size_t i = 0; i < d->n; i++)
		obs[cell(d->w[i]) * KB + cell(d->t[i])] += 1;
	uint64_t seed = tally__rng_next(rng);
	const double wgt = 1.0 / REPS;
	tally__rng r;
	tally__rng_seed(&r, seed);
	for (size_t i = 0, j = 0; i < d->n; i++)
		for (uint32_t k = 0; k < REPS; k++, j++) {
			double zt = tally__rng_normal(&r), zw = tally__rng_normal(&r);
			double ze = tally__rng_normal(&r), cast, lead;
			zs[j] = tally__rng_normal(&r);
			draw_fair(d->N[i], zt, zw, &f, &cast, &lead);
			fc[j] = cast;
			fl[j] = lead;
			add_point(hf, d->N[i], cast, lead, wgt);
			/* the extreme kind does not depend on theta or alpha (alpha = 1
			 * hardly matters at x near 1) */
			defraud(d->N[i], cut01(1 - fabs(EXT_SD * ze)), 1.0, &cast, &lead);
			add_point(he, d->N[i], cast, lead, wgt);
		}
	double y0 = 0;
	for (size_t c = 0; c < C; c++)
		y0 += (obs[c] - hf[c]) * (obs[c] - hf[c]);
	f.loss0 = y0;
	kl_fit best = f;
	best.loss = y0;
	best.theta = thetas[0];
	best.alpha = alphas[0];
	for (size_t a = 0; a < N_ALPHA; a++)
		for (size_t b = 0; b < N_THETA; b++) {
			memset(hi, 0, C * sizeof *h);
			for (size_t i = 0, j = 0; i < d->n; i++)
				for (uint32_t k = 0; k < REPS; k++, j++) {
					double cast = fc[j], lead = fl[j];
					double x = fabs(thetas[b] * zs[j]);
					defraud(d->N[i], x < 0.999 ? x : 0.999, alphas[a], &cast, &lead);
					add_point(hi, d->N[i], cast, lead, wgt);
				}
			double aa = 0, ab = 0, bb = 0, ay = 0, by = 0;
			for (size_t c = 0; c < C; c++) {
				double u = hi[c] - hf[c], v = he[c] - hf[c], y = obs[c] - hf[c];
				aa += u * u;
				ab += u * v;
				bb += v * v;
				ay += u * y;
				by += v * y;
			}
			double fi, fe;
			qp2(aa, ab, bb, ay, by, &fi, &fe);
			double loss = 0;
			for (size_t c = 0; c < C; c++) {
				double mix = (1 - fi - fe) * hf[c] + fi * hi[c] + fe * he[c];
				loss += (obs[c] - mix) * (obs[c] - mix);
			}
			if (loss < best.loss - 1e-9) {
				best.loss = loss;
				best.fi = fi;
				best.fe = fe;
				best.theta = thetas[b];
				best.alpha = alphas[a];
			}
		}
	tally_free(fc);
	*out = best;
	return TALLY_OK;
}

int tally_fx_klimek_run(tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	tally_fx_klimek *kl = &r->klimek;
	memset(kl, 0, sizeof *kl);
	size_t m = in->n ? in->n : 1;
	double *t = tally_malloc(2 * m * sizeof *t), *tw = tally_malloc(2 * m * sizeof *tw);
	uint64_t *N = tally_malloc(m * sizeof *N);
	double *h = tally_malloc(4 * (size_t)KB * KB * sizeof *h);
	int rc = TALLY_OK;
	if (!t || !tw || !N || !h) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	double *w = t + m, *w2 = tw + m;
	size_t n = 0;
	for (size_t i = 0; i < in->n; i++) {
		uint64_t reg = in->registered[i], base = in->base[i];
		/* where the leader got nothing it did not stand (single-member
		 * constituencies); the model is about stations it contests */
		if (reg < r->opt.min_voters || base == 0 || in->leader[i] == 0)
			continue;
		N[n] = reg;
		t[n] = cut01((double)in->cast[i] / (double)reg);
		w[n] = cut01((double)in->leader[i] / (double)base);
		n++;
	}
	kl->n = n;
	if (n < 100) {
		snprintf(kl->reason, sizeof kl->reason,
		         "%zu stations with at least %u voters where the leader has votes; the fit "
		         "needs 100",
		         n, (unsigned)r->opt.min_voters);
		goto out;
	}
	tally__rng rng;
	tally__rng_seed(&rng, r->opt.seed ^ 0x6b6c696d656bULL);
	kl_data d = {n, N, t, w};
	kl_fit f, g;
	if ((rc = fit(&d, &rng, h, &f)) != TALLY_OK)
		goto out;
	/* clean twins: the fitted fair model drawn on the same electorates and
	 * fitted in turn. What they give is what the procedure reads into a
	 * clean election of this shape; the largest is subtracted. A small
	 * election, whose fit is noisier and cheaper, gets more of them: about
	 * 100,000 stations fitted in all, from 1 to 8 twins. */
	uint32_t twins = (uint32_t)(100000 / n);
	twins = twins < 1 ? 1 : twins > 8 ? 8 : twins;
	double gi = 0, ge = 0;
	for (uint32_t k = 0; k < twins; k++) {
		tally__rng tr;
		tally__rng_seed(&tr, tally__rng_next(&rng));
		for (size_t i = 0; i < n; i++) {
			double cast, lead;
			draw_fair(N[i], tally__rng_normal(&tr), tally__rng_normal(&tr), &f, &cast, &lead);
			tw[i] = (double)N[i] > 0 ? cast / (double)N[i] : 0;
			w2[i] = cast > 0 ? lead / cast : 0;
		}
		kl_data d2 = {n, N, tw, w2};
		if ((rc = fit(&d2, &rng, h, &g)) != TALLY_OK)
			goto out;
		gi = g.fi > gi ? g.fi : gi;
		ge = g.fe > ge ? g.fe : ge;
	}
	g.fi = gi;
	g.fe = ge;
	kl->twins = twins;
	kl->fitted = true;
	kl->turnout_mode = f.a0;
	kl->turnout_sd = f.sa;
	kl->share_mode = f.l0;
	kl->share_sd = f.sl;
	kl->theta = f.theta;
	kl->alpha = f.alpha;
	kl->fi_raw = f.fi;
	kl->fe_raw = f.fe;
	kl->fi_null = g.fi;
	kl->fe_null = g.fe;
	kl->fi = f.fi > g.fi ? f.fi - g.fi : 0;
	kl->fe = f.fe > g.fe ? f.fe - g.fe : 0;
	kl->loss = f.loss;
	kl->loss_fair = f.loss0;
out:
	tally_free(t);
	tally_free(tw);
	tally_free(N);
	tally_free(h);
	return rc;
}
