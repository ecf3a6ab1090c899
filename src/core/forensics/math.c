/* SPDX-License-Identifier: Apache-2.0 */
/*
 * math.c: the numerical pieces of the forensic tests: log-factorials, the
 * exact probability that a binomial count gives an integer percentage
 * (forensics.md section 7), and the chi-square tail through the regularised
 * incomplete gamma function (series below a + 1, continued fraction above,
 * as in Abramowitz & Stegun 6.5.29 and 6.5.31).
 */
#include "core/forensics/fx_int.h"

#include <math.h>

/* Beyond this many entries the table would cost more than lgamma saves. */
#define LFACT_TABLE_MAX (1u << 22)

int fx__lfact_init(fx__lfact *lf, uint64_t n)
{
	lf->t = NULL;
	lf->n = 0;
	if (n >= LFACT_TABLE_MAX)
		n = LFACT_TABLE_MAX - 1;
	if (!(lf->t = tally_malloc((size_t)(n + 1) * sizeof(double))))
		return TALLY_ENOMEM;
	lf->t[0] = 0;
	/* a running sum drifts by ~1e-16 per term: far below what matters here */
	for (uint64_t k = 1; k <= n; k++)
		lf->t[k] = lf->t[k - 1] + log((double)k);
	lf->n = n;
	return TALLY_OK;
}

void fx__lfact_release(fx__lfact *lf)
{
	tally_free(lf->t);
	lf->t = NULL;
	lf->n = 0;
}

double fx__lfact_get(const fx__lfact *lf, uint64_t k)
{
	if (lf && lf->t && k <= lf->n)
		return lf->t[k];
	return lgamma((double)k + 1.0);
}

bool tally_fx_is_integer(uint64_t k, uint64_t n)
{
	TALLY_ASSERT(n > 0);
	/* j = round(100 k / n); integer when |100 k - j n| <= 0.05 n */
	uint64_t j = (200 * k + n) / (2 * n);
	uint64_t a = 100 * k, b = j * n;
	uint64_t d = a > b ? a - b : b - a;
	return 20 * d <= n;
}

double fx__integer_prob(const fx__lfact *lf, uint64_t k, uint64_t n)
{
	if (n == 0)
		return 0;
	if (k == 0 || k >= n) /* a degenerate binomial always gives k back */
		return tally_fx_is_integer(k, n) ? 1.0 : 0.0;
	double p = (double)k / (double)n;
	double lp = log(p), lq = log1p(-p), lfn = fx__lfact_get(lf, n);
	double mean = 100.0 * p, sd = 100.0 * sqrt(p * (1 - p) / (double)n);
	/* whole percentages more than 9 sd away carry < 1e-18 of the mass */
	double lo = floor(mean - 9 * sd - 1), hi = ceil(mean + 9 * sd + 1);
	if (lo < 0)
		lo = 0;
	if (hi > 100)
		hi = 100;
	double sum = 0;
	for (uint64_t j = (uint64_t)lo; j <= (uint64_t)hi; j++) {
		/* counts x with |2000 x - 20 j n| <= n */
		uint64_t c = 20 * j * n;
		uint64_t xlo = c > n ? (c - n + 1999) / 2000 : 0;
		uint64_t xhi = (c + n) / 2000;
		if (xhi > n)
			xhi = n;
		for (uint64_t x = xlo; x <= xhi; x++) {
			double lpmf = lfn - fx__lfact_get(lf, x) - fx__lfact_get(lf, n - x) +
			              (double)x * lp + (double)(n - x) * lq;
			sum += exp(lpmf);
		}
	}
	return sum > 1 ? 1 : sum;
}

double tally_fx_integer_prob(uint64_t k, uint64_t n)
{
	return fx__integer_prob(NULL, k, n);
}

/* Regularised lower incomplete gamma P(a, x) by its series (x < a + 1). */
static double gamma_p_series(double a, double x)
{
	double sum = 1.0 / a, term = sum, ap = a;
	for (int i = 0; i < 1000; i++) {
		ap += 1;
		term *= x / ap;
		sum += term;
		if (fabs(term) < fabs(sum) * 1e-15)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Regularised upper incomplete gamma Q(a, x) by Lentz's continued fraction
 * (x >= a + 1). */
static double gamma_q_cf(double a, double x)
{
	const double tiny = 1e-300;
	double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
	for (int i = 1; i < 1000; i++) {
		double an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double fx__chi2_sf(double x, double df)
{
	if (!(x > 0))
		return 1.0;
	double a = df / 2, y = x / 2;
	if (y < a + 1)
		return 1.0 - gamma_p_series(a, y);
	return gamma_q_cf(a, y);
}

double fx__norm_cdf(double z)
{
	return 0.5 * erfc(-z / sqrt(2.0));
}

/* The Poisson-binomial tail. Exact: P[k] over the events seen so far,
 * updated event by event (P[k] = P[k] (1 - q) + P[k - 1] q), keeping
 * k <= L. Approximate: the refined normal approximation of Volkova (1996),
 * G(x) = Phi(x) + g (1 - x^2) phi(x) / 6 with the continuity correction,
 * g the skewness sum q (1 - q) (1 - 2q) / sd^3; Hong (2013, Comput. Stat.
 * Data Anal. 59:41) finds it accurate to about 1e-3 and better as the sd
 * grows, which is where it is used here (sd of 30 and more). */
static double rna_cdf(double k, double mu, double sd, double g)
{
	double x = (k + 0.5 - mu) / sd;
	double phi = exp(-x * x / 2) / sqrt(2 * M_PI);
	double v = fx__norm_cdf(x) + g * (1 - x * x) * phi / 6;
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

int fx__pb_tail(const double *q, size_t m, uint64_t obs, double level, double *p,
                uint64_t *bound, bool *exact)
{
	double mu = 0, var = 0, g3 = 0;
	for (size_t i = 0; i < m; i++) {
		mu += q[i];
		var += q[i] * (1 - q[i]);
		g3 += q[i] * (1 - q[i]) * (1 - 2 * q[i]);
	}
	if (!(var > 0)) { /* every probability 0 or 1: the count is certain */
		uint64_t c = (uint64_t)llround(mu);
		*p = obs <= c ? 1 : 0;
		*bound = c;
		*exact = true;
		return TALLY_OK;
	}
	double sd = sqrt(var);
	size_t L = (size_t)ceil(mu + 10 * sd + 20);
	if (L > m)
		L = m;
	*exact = (double)m * (double)(L + 1) <= FX_PB_EXACT_STEPS;
	if (!*exact) {
		double g = g3 / (var * sd);
		*p = obs == 0 ? 1 : 1 - rna_cdf((double)obs - 1, mu, sd, g);
		uint64_t k = (uint64_t)floor(mu);
		while (rna_cdf((double)k, mu, sd, g) < level)
			k++;
		*bound = k;
		return TALLY_OK;
	}
	double *P = tally_calloc(L + 1, sizeof *P);
	if (!P)
		return TALLY_ENOMEM;
	P[0] = 1;
	size_t top = 0;
	for (size_t i = 0; i < m; i++) {
		double a = q[i];
		if (top < L)
			top++;
		for (size_t k = top; k >= 1; k--)
			P[k] = P[k] * (1 - a) + P[k - 1] * a;
		P[0] *= 1 - a;
	}
	double tail = 0, cum = 0;
	for (size_t k = L + 1; k-- > 0;)
		if (k >= obs)
			tail += P[k];
	*p = obs > L ? 0 : tail > 1 ? 1 : tail;
	size_t k = 0;
	for (cum = P[0]; cum < level && k < L; cum += P[++k])
		;
	*bound = k;
	tally_free(P);
	return TALLY_OK;
}
