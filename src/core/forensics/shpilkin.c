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
 */
#include "core/forensics/fx_int.h"

void tally_fx_shpilkin_run(tally_fx_report *r)
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
		/* k < 100 t <= k + 1, i.e. k = ceil(100 b / reg) - 1 */
		uint64_t up = (100 * b + reg - 1) / reg;
		uint64_t k = up == 0 ? 0 : up - 1;
		if (k > TALLY_FX_BINS)
			k = TALLY_FX_BINS;
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
		return;
	}
	if (O <= 0) {
		snprintf(sp->reason, sizeof sp->reason,
		         "no votes for the other parties in the peak bin %u-%u %%", sp->peak, sp->peak + 1);
		return;
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
		return;
	}
	if (sp->anomalous <= 0) {
		snprintf(sp->reason, sizeof sp->reason,
		         "the estimate is not positive (%.0f votes): the leader's share falls with "
		         "turnout, so the method's assumption fails",
		         sp->anomalous);
		return;
	}
	sp->applicable = true;
}
