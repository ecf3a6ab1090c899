/* SPDX-License-Identifier: Apache-2.0 */
/*
 * klimek.c: the fraud model of Klimek, Yegorov, Hanel & Thurner (PNAS
 * 109(41), 2012; forensics.md 1.2) as a secondary estimate of the shares
 * of stations with incremental (f_i) and extreme (f_e) fraud.
 *
 * Model. A fair station with N registered voters has turnout a ~ N(a0, sa)
 * and leader share w ~ N(l0, sl), both cut to [0, 1]. A fraudulent one
 * moves x (N - cast) non-voters' ballots and x^alpha of the opponents'
 * votes to the leader, with x = |N(0, theta)| (incremental) or
 * x = 1 - |N(0, 0.075)| (extreme).
 *
 * Fit. The model's distribution over 2-pp cells of turnout x leader share
 * is computed, not sampled: the fair Gaussians on 1-pp nodes, each pair of
 * nodes carried through the fraud at 16 strengths (model() below). The
 * stations' cells are then a multinomial sample from the mixture
 * (1 - f_i - f_e) fair + f_i incremental + f_e extreme, whose
 * log-likelihood is concave in (f_i, f_e) and maximised exactly over the
 * triangle f_i, f_e >= 0, f_i + f_e <= 1 (ml_mix), for each theta and
 * alpha of a grid; the best is kept. The fair parameters start from the
 * low side of the observed distributions, where fraud does not reach, and
 * are refined by EM on the fair part's share of each cell (fit). This
 * replaces the original's least squares and random grid search: it is
 * deterministic, and on data drawn from the model it finds the shares the
 * data were drawn with (tests/unit/test_forensics.c).
 *
 * Calibration. On a few thousand stations the fit is noisy where
 * incremental fraud is weak (theta 0.1 moves a station by a few points,
 * much like a slightly wider fair part). So the same procedure is run on
 * clean twins of the election (1 to 8, more for small elections), drawn
 * from the fitted fair model on the same electorates, and the mean
 * (f_i, f_e) they give is subtracted, at least 0 reported
 * (docs/methods-forensics.md).
 */
#include "core/forensics/fx_int.h"

#include <math.h>

#define KB 50u          /* histogram cells per axis (2 pp) */
#define EXT_SD 0.075    /* spread of extreme fraud (Klimek et al.) */

static const double thetas[] = {0.1, 0.2, 0.3, 0.4, 0.5};
static const double alphas[] = {1.0, 2.0};
#define N_THETA (sizeof thetas / sizeof thetas[0])
#define N_ALPHA (sizeof alphas / sizeof alphas[0])

/* What one fit needs: the stations' observed turnouts and shares. */
typedef struct kl_data {
	size_t n;
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

/* The mode (of a 1-pp histogram smoothed over 5 bins) and the spread
 * about it, from the half width at half maximum (sd = HWHM / 1.1774 for a
 * Gaussian): on the low side only ("both" false) or the mean of the two
 * sides. Unlike a root mean square, it is not widened by a second, smaller
 * cluster away from the mode. */
static void spread(const double *v, size_t n, bool both, double *mode, double *sd)
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
	double hw = (double)m - x;
	if (both) {
		k = m;
		while (k < 99 && sm[k] > best / 2)
			k++;
		x = (double)k;
		if (sm[k] <= best / 2 && sm[k - 1] > sm[k])
			x = k - (best / 2 - sm[k]) / (sm[k - 1] - sm[k]);
		hw = (hw + (x - (double)m)) / 2;
	}
	*sd = hw / 100.0 / 1.1774;
	if (*sd < 0.005)
		*sd = 0.005;
}

static double cut01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* One station drawn as fair: its cast ballots and the leader's votes
 * (the clean twins). */
static void draw_fair(uint64_t N, double zt, double zw, const kl_fit *f, double *cast,
                      double *lead)
{
	*cast = floor((double)N * cut01(f->a0 + f->sa * zt) + 0.5);
	*lead = floor(*cast * cut01(f->l0 + f->sl * zw) + 0.5);
}

/* The model's distributions are computed, not sampled: a fair station's
 * turnout and share are independent Gaussians cut to [0, 1], so each is
 * put on GN nodes (the midpoints of 0.5-pp intervals, with the mass of the
 * interval) plus the two cut ends; a fraud strength x = |N(0, s)| on XN
 * nodes over [0, 5 s]. Every fair pair of nodes is carried through the
 * fraud at every strength node and its mass added to the 2-pp cell it
 * lands in. The histograms are then exact up to the node spacing, with
 * none of the Monte Carlo noise that drawn histograms carry. */
#define GN 100u
#define XN 16u
#define TINY 1e-10

typedef struct kl_nodes {
	double v[GN + 2], m[GN + 2];
	uint32_t n;
} kl_nodes;

static void gauss_nodes(double mean, double sd, kl_nodes *g)
{
	g->n = 0;
	double below = fx__norm_cdf(-mean / sd), above = 1 - fx__norm_cdf((1 - mean) / sd);
	if (below > TINY) {
		g->v[g->n] = 0;
		g->m[g->n++] = below;
	}
	for (uint32_t k = 0; k < GN; k++) {
		double lo = (double)k / GN, hi = (double)(k + 1) / GN;
		double m = fx__norm_cdf((hi - mean) / sd) - fx__norm_cdf((lo - mean) / sd);
		if (m > TINY) {
			g->v[g->n] = (lo + hi) / 2;
			g->m[g->n++] = m;
		}
	}
	if (above > TINY) {
		g->v[g->n] = 1;
		g->m[g->n++] = above;
	}
}

/* |N(0, s)| on XN nodes: midpoints of equal intervals over [0, 5 s]. */
static void half_nodes(double s, double *x, double *m)
{
	double tot = 0;
	for (uint32_t k = 0; k < XN; k++) {
		double lo = 5 * s * k / XN, hi = 5 * s * (k + 1) / XN;
		x[k] = (lo + hi) / 2;
		m[k] = erf(hi / (s * sqrt(2.0))) - erf(lo / (s * sqrt(2.0)));
		tot += m[k];
	}
	for (uint32_t k = 0; k < XN; k++)
		m[k] /= tot;
}

/* Adds the fair pair (a, w) of mass "mass" moved by strengths x[] (masses
 * xm[]) to "h": kind 0 incremental, 1 extreme (x is then 1 - x[k]). */
static void add_fraud(double *h, double a, double w, double mass, const double *x,
                      const double *xm, int extreme, double alpha)
{
	for (uint32_t k = 0; k < XN; k++) {
		double s = extreme ? 1 - x[k] : x[k];
		if (s > 0.999)
			s = 0.999;
		double stuffed = s * (1 - a), opp = a * (1 - w);
		double taken = (alpha == 2 ? s * s : s) * opp;
		double cast = a + stuffed, lead = a * w + stuffed + taken;
		double ww = cast > 0 ? lead / cast : 0;
		h[cell(ww) * KB + cell(cast)] += mass * xm[k];
	}
}

/* The mixture's log-likelihood of the observed cells and its first and
 * second derivatives in (fi, fe) at one point. */
typedef struct kl_ll {
	double v, gi, ge, gii, gie, gee;
} kl_ll;

typedef struct kl_mix {
	const double *p0, *p1, *p2; /* fair, incremental, extreme cell masses */
	const uint32_t *ix;         /* the occupied cells */
	const double *o;            /* their counts */
	size_t m;
} kl_mix;

static kl_ll ll_at(const kl_mix *x, double fi, double fe)
{
	kl_ll l = {0, 0, 0, 0, 0, 0};
	for (size_t j = 0; j < x->m; j++) {
		uint32_t c = x->ix[j];
		double u = x->p1[c] - x->p0[c], v = x->p2[c] - x->p0[c];
		double r = x->p0[c] + fi * u + fe * v, o = x->o[j];
		l.v += o * log(r);
		l.gi += o * u / r;
		l.ge += o * v / r;
		l.gii -= o * u * u / (r * r);
		l.gie -= o * u * v / (r * r);
		l.gee -= o * v * v / (r * r);
	}
	return l;
}

/* The maximum over [lo, hi] of a concave function of one variable, given
 * its slope and curvature at t ("slope"): an end when the slope there
 * points outwards, else Newton's method kept inside a shrinking bracket
 * (bisection when a step leaves it), to 1e-10. */
static double argmax_1d(void (*slope)(const void *ctx, double t, double *d1, double *d2),
                        const void *ctx, double lo, double hi)
{
	double d1, d2;
	slope(ctx, lo, &d1, &d2);
	if (d1 <= 0)
		return lo;
	slope(ctx, hi, &d1, &d2);
	if (d1 >= 0)
		return hi;
	double t = (lo + hi) / 2;
	for (int it = 0; it < 100; it++) {
		slope(ctx, t, &d1, &d2);
		if (d1 > 0)
			lo = t;
		else
			hi = t;
		double nt = d2 < 0 ? t - d1 / d2 : (lo + hi) / 2;
		if (!(nt > lo && nt < hi))
			nt = (lo + hi) / 2;
		if (fabs(nt - t) < 1e-10 || hi - lo < 1e-10)
			return nt;
		t = nt;
	}
	return t;
}

/* The log-likelihood along fi at a fixed fe. */
typedef struct kl_at_fe {
	const kl_mix *x;
	double fe;
} kl_at_fe;

static void slope_fi(const void *ctx, double fi, double *d1, double *d2)
{
	const kl_at_fe *a = ctx;
	kl_ll l = ll_at(a->x, fi, a->fe);
	*d1 = l.gi;
	*d2 = l.gii;
}

/* The derivative in fe of h(fe) = max over fi in [0, 1 - fe] of the
 * log-likelihood (concave, as the partial maximum of a jointly concave
 * function), and its second derivative, from the inner optimum fi; with
 * that optimum and h(fe) itself when "fi" and "v" are not NULL. */
static void h_at(const kl_mix *x, double fe, double *fi, double *d1, double *d2, double *v)
{
	kl_at_fe a = {x, fe};
	double f = argmax_1d(slope_fi, &a, 0, 1 - fe);
	kl_ll l = ll_at(x, f, fe);
	if (f <= 0) {
		*d1 = l.ge;
		*d2 = l.gee;
	} else if (f >= 1 - fe) {
		*d1 = l.ge - l.gi;
		*d2 = l.gee - 2 * l.gie + l.gii;
	} else {
		*d1 = l.ge;
		*d2 = l.gee - l.gie * l.gie / l.gii;
	}
	if (fi)
		*fi = f;
	if (v)
		*v = l.v;
}

static void slope_fe(const void *ctx, double fe, double *d1, double *d2)
{
	h_at(ctx, fe, NULL, d1, d2, NULL);
}

/* Maximises sum_c o_c log(p0_c + fi (p1_c - p0_c) + fe (p2_c - p0_c)) over
 * fi, fe >= 0, fi + fe <= 1: the multinomial likelihood of the observed
 * cells under the mixture, which is concave, so the maximum is found
 * exactly (to 1e-10) by nested safeguarded Newton steps. Returns the
 * log-likelihood. */
static double ml_mix(const kl_mix *x, double *fi, double *fe)
{
	double d1, d2, v;
	*fe = argmax_1d(slope_fe, x, 0, 1);
	h_at(x, *fe, fi, &d1, &d2, &v);
	return v;
}

/* Mixes the cell masses "h" with a uniform floor of weight FLOOR, so that
 * a station the model cannot produce (a cell of mass 0) costs a finite
 * amount rather than ruling the model out. */
#define FLOOR 1e-4
static void add_floor(double *h)
{
	const size_t C = (size_t)KB * KB;
	for (size_t c = 0; c < C; c++)
		h[c] = (1 - FLOOR) * h[c] + FLOOR / (double)C;
}

/* The cell masses of fraud of strength |N(0, sd)| ("extreme": 1 minus
 * that) and exponent "alpha" on every fair pair of nodes, into "h". */
static void fraud_cells(double *h, const kl_nodes *ga, const kl_nodes *gw, double sd, int extreme,
                        double alpha)
{
	double x[XN], xm[XN];
	half_nodes(sd, x, xm);
	memset(h, 0, (size_t)KB * KB * sizeof *h);
	for (uint32_t i = 0; i < ga->n; i++)
		for (uint32_t j = 0; j < gw->n; j++) {
			double mass = ga->m[i] * gw->m[j];
			if (mass >= TINY)
				add_fraud(h, ga->v[i], gw->v[j], mass, x, xm, extreme, alpha);
		}
	add_floor(h);
}

/* The model's cell masses for the fair parameters of "f": the fair part
 * (hf), the extreme fraud (he) and the incremental fraud for every theta
 * and alpha of the grid (or only f's when "only" is set), each mixed with
 * the observed cells by ml_mix; the best (theta, alpha) is kept in "f"
 * with its shares and likelihood, its incremental masses in "hb". "hi" is
 * scratch. */
static void model(kl_fit *f, const kl_mix *obs, bool only, double *hf, double *he, double *hi,
                  double *hb)
{
	const size_t C = (size_t)KB * KB;
	kl_nodes ga, gw;
	gauss_nodes(f->a0, f->sa, &ga);
	gauss_nodes(f->l0, f->sl, &gw);
	memset(hf, 0, C * sizeof *hf);
	for (uint32_t i = 0; i < ga.n; i++)
		for (uint32_t j = 0; j < gw.n; j++)
			if (ga.m[i] * gw.m[j] >= TINY)
				hf[cell(gw.v[j]) * KB + cell(ga.v[i])] += ga.m[i] * gw.m[j];
	add_floor(hf);
	/* the extreme kind does not depend on theta or alpha (alpha = 1 hardly
	 * matters at x near 1) */
	fraud_cells(he, &ga, &gw, EXT_SD, 1, 1.0);
	kl_mix mx = *obs;
	mx.p0 = mx.p1 = hf;
	mx.p2 = he;
	f->loss0 = -ll_at(&mx, 0, 0).v;
	f->loss = f->loss0;
	f->fi = f->fe = 0;
	if (!only) {
		f->theta = thetas[0];
		f->alpha = alphas[0];
	}
	memcpy(hb, hf, C * sizeof *hb);
	for (size_t a = 0; a < N_ALPHA; a++)
		for (size_t b = 0; b < N_THETA; b++) {
			if (only && (thetas[b] != f->theta || alphas[a] != f->alpha))
				continue;
			fraud_cells(hi, &ga, &gw, thetas[b], 0, alphas[a]);
			double fi, fe;
			mx.p1 = hi;
			double loss = -ml_mix(&mx, &fi, &fe);
			if (loss < f->loss - 1e-9) {
				f->loss = loss;
				f->fi = fi;
				f->fe = fe;
				f->theta = thetas[b];
				f->alpha = alphas[a];
				memcpy(hb, hi, C * sizeof *hb);
			}
		}
}

/* Fits the model to "d"; "h" is scratch of 5 * KB * KB doubles.
 *
 * The fair parameters start from the low side of the observed
 * distributions (the turnout's mode and half width below it; the share's
 * mode and half widths among the stations at or below that turnout, which
 * fraud adding ballots has not reached) and are then refined by EM: each
 * observed cell is split between the fair part, the two frauds and the
 * floor in proportion to their masses in the fitted mixture, and the fair
 * part's mean and sd are re-estimated from the cells' centres weighted by
 * their fair counts (less the cell width's variance, 1/12 of its square).
 * On data drawn from the model, the low-side estimates alone are a point
 * or so off, which the likelihood reads as incremental fraud; with the
 * refinement the fit finds the shares the data were drawn with
 * (tests/unit/test_forensics.c). TALLY_ENOMEM or TALLY_OK. */
#define EM_ITER 40
#define TRIM 2.5        /* the M step's cells within 2.5 sd of the fair mean */
#define TRIM_VAR 0.91125 /* a Gaussian's variance within +-2.5 sd, over its own */
static int fit(const kl_data *d, double *h, kl_fit *out)
{
	const size_t C = (size_t)KB * KB;
	double *obs = h, *hf = h + C, *he = h + 2 * C, *hi = h + 3 * C, *hb = h + 4 * C;
	kl_fit f;
	memset(&f, 0, sizeof f);
	uint32_t *ix = tally_malloc(C * sizeof *ix);
	double *o = tally_malloc(C * sizeof *o);
	double *lw = tally_malloc((d->n ? d->n : 1) * sizeof *lw);
	int rc = TALLY_ENOMEM;
	if (!ix || !o || !lw)
		goto out;
	spread(d->t, d->n, false, &f.a0, &f.sa);
	size_t nl = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->t[i] <= f.a0)
			lw[nl++] = d->w[i];
	if (nl >= 50)
		spread(lw, nl, true, &f.l0, &f.sl);
	else
		spread(d->w, d->n, false, &f.l0, &f.sl);
	memset(obs, 0, C * sizeof *obs);
	for (size_t i = 0; i < d->n; i++)
		obs[cell(d->w[i]) * KB + cell(d->t[i])] += 1;
	size_t m = 0;
	for (size_t c = 0; c < C; c++)
		if (obs[c] > 0) {
			ix[m] = (uint32_t)c;
			o[m++] = obs[c];
		}
	kl_mix mx = {NULL, NULL, NULL, ix, o, m};
	const double cw = 1.0 / KB, floor_c = FLOOR / (double)C;
	/* EM with the (theta, alpha) of the last scan of the whole grid; once
	 * the parameters settle, the grid is scanned again, and EM goes on if
	 * it chose another */
	int scans = 0;
	bool only = false;
	for (int it = 0;; it++) {
		double th = f.theta, al = f.alpha;
		model(&f, &mx, only, hf, he, hi, hb);
		if (!only &&
		    (scans++ >= 3 || it >= EM_ITER || (it > 0 && th == f.theta && al == f.alpha)))
			break;
		only = true;
		double w0 = 1 - f.fi - f.fe, nt = 0, st = 0, stt = 0, nw = 0, sw = 0, sww = 0;
		for (size_t j = 0; j < m; j++) {
			uint32_t c = ix[j];
			double mix = w0 * hf[c] + f.fi * hb[c] + f.fe * he[c];
			double fair = hf[c] - floor_c; /* the fair part without the floor */
			double r = o[j] * w0 * (fair > 0 ? fair : 0) / mix;
			double t = ((c % KB) + 0.5) * cw, w = ((c / KB) + 0.5) * cw;
			if (fabs(t - f.a0) <= TRIM * f.sa) {
				nt += r;
				st += r * t;
				stt += r * t * t;
			}
			if (fabs(w - f.l0) <= TRIM * f.sl) {
				nw += r;
				sw += r * w;
				sww += r * w * w;
			}
		}
		if (!(nt > 0) || !(nw > 0))
			break;
		double a0 = st / nt, l0 = sw / nw;
		double va = (stt / nt - a0 * a0 - cw * cw / 12) / TRIM_VAR;
		double vl = (sww / nw - l0 * l0 - cw * cw / 12) / TRIM_VAR;
		double sa = va > 0.005 * 0.005 ? sqrt(va) : 0.005;
		double sl = vl > 0.005 * 0.005 ? sqrt(vl) : 0.005;
		double moved = fabs(a0 - f.a0) + fabs(sa - f.sa) + fabs(l0 - f.l0) + fabs(sl - f.sl);
		f.a0 = a0;
		f.sa = sa;
		f.l0 = l0;
		f.sl = sl;
		if (moved < 2e-5 || it >= EM_ITER)
			only = false; /* settled: scan the grid at these parameters */
	}
	*out = f;
	rc = TALLY_OK;
out:
	tally_free(ix);
	tally_free(o);
	tally_free(lw);
	return rc;
}

int tally_fx_klimek_run(tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	tally_fx_klimek *kl = &r->klimek;
	memset(kl, 0, sizeof *kl);
	size_t m = in->n ? in->n : 1;
	double *t = tally_malloc(2 * m * sizeof *t), *tw = tally_malloc(2 * m * sizeof *tw);
	uint64_t *N = tally_malloc(m * sizeof *N);
	double *h = tally_malloc(5 * (size_t)KB * KB * sizeof *h);
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
	kl_data d = {n, t, w};
	kl_fit f, g;
	if ((rc = fit(&d, h, &f)) != TALLY_OK)
		goto out;
	/* clean twins: the fitted fair model drawn on the same electorates and
	 * fitted in turn. What they give is what the procedure reads into a
	 * clean election of this shape; their mean is subtracted. A small
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
		kl_data d2 = {n, tw, w2};
		if ((rc = fit(&d2, h, &g)) != TALLY_OK)
			goto out;
		gi += g.fi / twins;
		ge += g.fe / twins;
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
