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
