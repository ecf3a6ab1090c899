/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arith.c: the exact arithmetic of seat allocation. A quotient v/d(s) is
 * never computed; two of them are compared by cross-multiplying in 128-bit
 * integers, with the products taken in 256 bits, so that no rounding can
 * decide a seat. Huntington-Hill's divisor sqrt(s(s+1)) is irrational: its
 * quotients are compared squared (v1^2 * s2(s2+1) against v2^2 * s1(s1+1)).
 * Decimal formatting (rounded half up at the third decimal, as
 * the official German tables print divisors) is here too, for display only.
 */
#include "seats_int.h"

/* 128 x 128 -> 256 bits, as (hi, lo) */
static void mul256(seats_u128 a, seats_u128 b, seats_u128 *hi, seats_u128 *lo)
{
	const seats_u128 M = ((seats_u128)1 << 64) - 1;
	seats_u128 a0 = a & M, a1 = a >> 64, b0 = b & M, b1 = b >> 64;
	seats_u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	seats_u128 mid = (p00 >> 64) + (p01 & M) + (p10 & M);
	*lo = (p00 & M) | (mid << 64);
	*hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

int seats_cmp_prod(seats_u128 a, seats_u128 b, seats_u128 c, seats_u128 d)
{
	seats_u128 h1, l1, h2, l2;
	mul256(a, b, &h1, &l1);
	mul256(c, d, &h2, &l2);
	if (h1 != h2)
		return h1 < h2 ? -1 : 1;
	if (l1 != l2)
		return l1 < l2 ? -1 : 1;
	return 0;
}

tally_ratio seats_first(const tally_seats_rule *rule)
{
	if (rule->first.den == 0)
		return (tally_ratio){7, 5};
	return rule->first;
}

void seats_divisor(const tally_seats_rule *rule, uint32_t s, uint64_t *n, uint64_t *m)
{
	uint64_t x = s;
	*m = 1;
	switch (rule->method) {
	case TALLY_SEATS_SAINTE_LAGUE: *n = 2 * x + 1; *m = 2; break;
	case TALLY_SEATS_MODIFIED_SL:
		if (s == 0) {
			tally_ratio f = seats_first(rule);
			*n = f.num;
			*m = f.den;
		} else {
			*n = 2 * x + 1;
		}
		break;
	case TALLY_SEATS_DANISH: *n = 3 * x + 1; break;
	case TALLY_SEATS_IMPERIALI: *n = x + 2; break;
	case TALLY_SEATS_ADAMS: *n = x; break;
	case TALLY_SEATS_DEAN: *n = 2 * x * (x + 1); *m = 2 * x + 1; break;
	case TALLY_SEATS_HUNTINGTON_HILL: *n = x * (x + 1); break;
	default: *n = x + 1; break; /* D'Hondt */
	}
}

/* 0: zero quotient (no votes), 1: finite and positive, 2: infinite */
static int quot_class(uint64_t v, uint64_t n)
{
	if (v == 0)
		return 0;
	return n == 0 ? 2 : 1;
}

int tally_seats_quotient_cmp(const tally_seats_rule *rule, uint64_t v1, uint32_t s1, uint64_t v2,
                             uint32_t s2)
{
	uint64_t n1, m1, n2, m2;
	seats_divisor(rule, s1, &n1, &m1);
	seats_divisor(rule, s2, &n2, &m2);
	int c1 = quot_class(v1, n1), c2 = quot_class(v2, n2);
	if (c1 != c2)
		return c1 < c2 ? -1 : 1;
	if (c1 != 1)
		return 0;
	if (rule->method == TALLY_SEATS_HUNTINGTON_HILL)
		return seats_cmp_prod((seats_u128)v1 * v1, n2, (seats_u128)v2 * v2, n1);
	return seats_cmp_prod((seats_u128)v1 * m1, n2, (seats_u128)v2 * m2, n1);
}

int seats_cmp_quot_ratio(const tally_seats_rule *rule, uint64_t v, uint32_t s, tally_ratio D)
{
	uint64_t n, m;
	seats_divisor(rule, s, &n, &m);
	int c = quot_class(v, n);
	if (c == 0)
		return D.num > 0 ? -1 : 0;
	if (c == 2)
		return 1;
	if (rule->method == TALLY_SEATS_HUNTINGTON_HILL)
		return seats_cmp_prod((seats_u128)v * v, (seats_u128)D.den * D.den,
		                      (seats_u128)D.num * D.num, n);
	return seats_cmp_prod((seats_u128)v * m, D.den, D.num, n);
}

uint32_t tally_seats_at_divisor(const tally_seats_rule *rule, uint64_t v, tally_ratio d,
                                uint32_t cap)
{
	/* v/d(s) falls as s grows: find the first s with v/d(s) < D */
	uint32_t lo = 0, hi = cap;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (seats_cmp_quot_ratio(rule, v, mid, d) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static seats_u128 isqrt(seats_u128 x)
{
	seats_u128 r = 0, bit = (seats_u128)1 << 126;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

seats_u128 seats_quot_scaled(const tally_seats_rule *rule, uint64_t v, uint32_t s, uint64_t scale)
{
	uint64_t n, m;
	seats_divisor(rule, s, &n, &m);
	int c = quot_class(v, n);
	if (c == 0)
		return 0;
	if (c == 2)
		return ~(seats_u128)0;
	if (rule->method == TALLY_SEATS_HUNTINGTON_HILL)
		return isqrt((seats_u128)v * v * scale * scale / n);
	return (seats_u128)v * m * scale / n;
}

static const char *fmt_milli(seats_u128 x, char buf[48])
{
	char c[32];
	seats_u128 whole = x / 1000;
	if (whole > UINT64_MAX) {
		snprintf(buf, 48, "inf");
		return buf;
	}
	snprintf(buf, 48, "%s.%03u", tally_thousands((uint64_t)whole, c), (unsigned)(x % 1000));
	return buf;
}

const char *tally_seats_quotient_fmt(const tally_seats_rule *rule, uint64_t v, uint32_t s,
                                     char buf[48])
{
	/* rounded half up at the third decimal, as the official tables print */
	seats_u128 x = seats_quot_scaled(rule, v, s, 10000);
	return fmt_milli(x == ~(seats_u128)0 ? x : (x + 5) / 10, buf);
}

const char *tally_ratio_fmt(tally_ratio r, char buf[48])
{
	if (r.den == 0) {
		snprintf(buf, 48, "inf");
		return buf;
	}
	if (r.num % r.den == 0) {
		char c[32];
		snprintf(buf, 48, "%s", tally_thousands(r.num / r.den, c));
		return buf;
	}
	return fmt_milli(((seats_u128)r.num * 10000 / r.den + 5) / 10, buf);
}
