/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shpilkin.c: Sergey Shpilkin's estimate of anomalous votes, as in the
 * open notebook of Cedar-Russia/electoral_statistics (forensics.md 2.4).
 * Stations with more than 100 registered voters are binned by turnout
 * t = ballots / registered on a 1-pp grid (k % < t <= (k+1) %). The peak
 * of the other parties' votes O (argmax of the 5-bin moving average,
 * leaving out the last 3 bins below 100 %) fixes the "clean" ratio
 * c = L/O of the leader's votes L to the others'; every vote of the leader
 * above c * O in a bin is anomalous. The method assumes the leader's share
 * does not depend on turnout: when the estimate is not positive, or the
 * peak lies in the top decile of turnout, it is "not applicable".
 *
 * Its sampling error: c rests on the stations of one bin, so the estimate
 * moves with them. A bootstrap over stations (SHP_BOOT resamples drawn with
 * replacement, seeded, the peak bin kept) gives a 95 % interval; when the
 * interval reaches zero, the estimate cannot be told apart from no
 * anomalous votes at all and is "not applicable" too. Without this, a clean
 * election of a few thousand stations gets a positive "estimate" half the
 * time (bench/README.md, detection table).
 */
#include "core/forensics/fx_int.h"

#include <stdlib.h>

#define SHP_BOOT 200u

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static uint32_t bin_of(uint64_t b, uint64_t reg)
{
	/* k < 100 t <= k + 1, i.e. k = ceil(100 b / reg) - 1 */
	uint64_t up = (100 * b + reg - 1) / reg;
	uint64_t k = up == 0 ? 0 : up - 1;
	return k > TALLY_FX_BINS ? TALLY_FX_BINS : (uint32_t)k;
}

/* The 95 % bootstrap interval of the estimate with the peak bin fixed.
 * Each station's leader and other votes and whether it lies in the peak
 * bin are laid out once; a resample then costs a random index and three
 * loads per station. Returns -1 when out of memory. */
static int boot_interval(const tally_fx_input *in, uint32_t peak, uint64_t seed, double *lo,
                         double *hi)
{
	size_t m = 0, cap = in->n ? in->n : 1;
	double *lv = tally_malloc(cap * sizeof *lv), *ov = tally_malloc(cap * sizeof *ov);
	uint8_t *atp = tally_malloc(cap);
	double *est = tally_malloc(SHP_BOOT * sizeof *est);
	int rc = -1;
	if (!lv || !ov || !atp || !est)
		goto out;
	for (size_t i = 0; i < in->n; i++) {
		if (in->registered[i] <= 100)
			continue;
		uint64_t bal = in->ballots[i], l = in->leader[i];
		lv[m] = (double)l;
		ov[m] = (double)(bal > l ? bal - l : 0);
		atp[m] = bin_of(bal, in->registered[i]) == peak;
		m++;
	}
	tally__rng r;
	tally__rng_seed(&r, seed ^ 0x7368706c6b6eULL);
	for (uint32_t b = 0; b < SHP_BOOT; b++) {
		double Lt = 0, Ot = 0, Lp = 0, Op = 0;
		uint64_t x = 0;
		for (size_t j = 0; j < m; j++) {
			/* an index from 32 random bits by multiply and shift (m < 2^32;
			 * its bias, under m / 2^32, is far below the bootstrap's own
			 * error); one 64-bit draw serves two stations */
			if (!(j & 1))
				x = tally__rng_next(&r);
			uint64_t u = j & 1 ? x & 0xffffffffu : x >> 32;
			size_t i = (size_t)((u * (uint64_t)m) >> 32);
			Lt += lv[i];
			Ot += ov[i];
			if (atp[i]) {
				Lp += lv[i];
				Op += ov[i];
			}
		}
		/* an empty peak bin leaves no clean ratio: count it as no estimate */
		est[b] = Op > 0 ? Lt - Lp / Op * Ot : 0;
	}
	qsort(est, SHP_BOOT, sizeof *est, cmp_double);
	*lo = est[(SHP_BOOT * 25) / 1000];
	*hi = est[(SHP_BOOT * 975) / 1000 - 1];
	rc = 0;
out:
	tally_free(lv);
	tally_free(ov);
	tally_free(atp);
	tally_free(est);
	return rc;
}

int tally_fx_shpilkin_run(tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	tally_fx_shpilkin *sp = &r->shp;
	const uint32_t NB = TALLY_FX_BINS + 1;
	memset(sp, 0, sizeof *sp);
	double lead_all = 0, ballots_all = 0;
	for (size_t i = 0; i < in->n; i++) {
		uint64_t reg = in->registered[i], b = in->ballots[i], l = in->leader[i];
		if (reg <= 100)
			continue;
		uint32_t k = bin_of(b, reg);
		uint64_t o = b > l ? b - l : 0;
		sp->leader_bin[k] += (double)l;
		sp->others_bin[k] += (double)o;
		lead_all += (double)l;
		ballots_all += (double)b;
		sp->n++;
	}
	sp->official_share = ballots_all > 0 ? lead_all / ballots_all : 0;
	if (r->opt.shpilkin_peak >= 0) {
		sp->manual = true;
		sp->peak = (uint32_t)r->opt.shpilkin_peak;
	} else {
		/* 5-bin centred moving average, zero outside the grid */
		double best = -1;
		for (uint32_t k = 0; k + 3 < TALLY_FX_BINS; k++) {
			double m = 0;
			for (int d = -2; d <= 2; d++) {
				int64_t j = (int64_t)k + d;
				if (j >= 0 && j < (int64_t)NB)
					m += sp->others_bin[j];
			}
			if (m > best) {
				best = m;
				sp->peak = k;
			}
		}
	}
	double L = sp->leader_bin[sp->peak], O = sp->others_bin[sp->peak];
	if (sp->n == 0) {
		snprintf(sp->reason, sizeof sp->reason, "no station has more than 100 voters");
		return TALLY_OK;
	}
	if (O <= 0) {
		snprintf(sp->reason, sizeof sp->reason,
		         "no votes for the other parties in the peak bin %u-%u %%", sp->peak, sp->peak + 1);
		return TALLY_OK;
	}
	double c = L / O;
	sp->clean_share = c / (1 + c);
	for (uint32_t k = 0; k < NB; k++) {
		double a = sp->leader_bin[k] - c * sp->others_bin[k];
		sp->anomalous += a;
		if (k >= sp->peak)
			sp->anomalous_above += a;
	}
	if (sp->peak >= 90) {
		snprintf(sp->reason, sizeof sp->reason,
		         "the others' peak lies at %u-%u %% turnout, in the top decile: no clean "
		         "reference below it",
		         sp->peak, sp->peak + 1);
		return TALLY_OK;
	}
	if (sp->anomalous <= 0) {
		snprintf(sp->reason, sizeof sp->reason,
		         "the estimate is not positive (%.0f votes): the leader's share falls with "
		         "turnout, so the method's assumption fails",
		         sp->anomalous);
		return TALLY_OK;
	}
	if (boot_interval(in, sp->peak, r->opt.seed, &sp->boot_lo, &sp->boot_hi))
		return TALLY_ENOMEM;
	if (sp->boot_lo <= 0) {
		snprintf(sp->reason, sizeof sp->reason,
		         "the estimate (%.0f votes) is within its sampling error (95 %% interval "
		         "%.0f to %.0f): no anomalous votes can be told apart",
		         sp->anomalous, sp->boot_lo, sp->boot_hi);
		return TALLY_OK;
	}
	sp->applicable = true;
	return TALLY_OK;
}
