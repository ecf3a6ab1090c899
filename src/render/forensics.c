/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forensics.c: the forensic report (docs/methods-forensics.md) as JSON and
 * its plots as SVG, written the same way by `tally forensics` and by the
 * server's GET /api/v1/forensics, and the protocols the report reads from a
 * count.
 */
#include "render/forensics.h"
#include "render/render.h"
#include "render/svg.h"

#include <stdlib.h>
#include <string.h>

int render_fx_protocols(const tally_election *e, const tally_results *r, tally_protocol **out,
                        size_t *n)
{
	tally_protocol *p = tally_calloc(e->n_stations ? e->n_stations : 1, sizeof *p);
	size_t k = 0;
	if (!p)
		return TALLY_ENOMEM;
	for (uint32_t st = 0; st < e->n_stations; st++) {
		const uint32_t *v = tally_results_station_values(r, st);
		if (!v || r->st[st].annulled || r->cons[e->stations[st].constituency].annulled)
			continue;
		if (tally_protocol_init(&p[k], e, st)) {
			render_fx_protocols_free(p, k);
			return TALLY_ENOMEM;
		}
		for (uint32_t i = 0; i < p[k].n_lines; i++)
			p[k].lines[i] = v[i];
		for (uint32_t i = 0; i < p[k].n_cand; i++)
			p[k].cand[i] = v[p[k].n_lines + i];
		k++;
	}
	*out = p;
	*n = k;
	return TALLY_OK;
}

void render_fx_protocols_free(tally_protocol *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		tally_protocol_release(&p[i]);
	tally_free(p);
}

static void icount_json(FILE *f, const char *name, const tally_fx_icount *c, bool last)
{
	fprintf(f, "    \"%s\": {\"observed\": %.0f, \"mc_mean\": %.3f, \"mc_sd\": %.3f, "
	        "\"mc_z\": %.4f, \"excess\": %.3f, \"z\": %.4f, \"p\": %.6f, \"exact_mean\": %.3f, "
	        "\"exact_sd\": %.3f, \"exact_z\": %.4f}%s\n",
	        name, c->observed, c->mc_mean, c->mc_sd, c->mc_z, c->excess, c->z, c->p, c->exact_mean,
	        c->exact_sd, c->exact_z, last ? "" : ",");
}

void render_fx_json(FILE *f, const tally_fx_report *r)
{
	const tally_fx_input *in = r->in;
	const tally_fx_fingerprint *fp = &r->fp;
	const tally_fx_integer *it = &r->integer;
	const tally_fx_shpilkin *sp = &r->shp;
	const tally_fx_digits *d = &r->digits;
	fprintf(f, "{\n  \"stations\": %zu,\n  \"leader\": ", in->n);
	render_json_str(f, in->party_ids[in->leader_party]);
	tally_fx_verdict v[TALLY_FX_N_TESTS];
	tally_fx_verdicts(r, v);
	fprintf(f, ",\n  \"summary\": [");
	for (int t = 0; t < TALLY_FX_N_TESTS; t++) {
		fprintf(f, "%s\n    {\"test\": \"%s\", \"applies\": %s, \"descriptive\": %s, "
		        "\"flags\": %s, \"value\": ",
		        t ? "," : "", v[t].test, v[t].applies ? "true" : "false",
		        v[t].descriptive ? "true" : "false", v[t].flags ? "true" : "false");
		render_json_str(f, v[t].value);
		fprintf(f, ", \"rule\": ");
		render_json_str(f, v[t].rule);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ]");
	fprintf(f, ",\n  \"fingerprint\": {\"n\": %llu, \"corner\": %llu, \"corner_share\": %.6f, "
	        "\"corner_weighted_share\": %.6f, \"mode_turnout\": %u, \"mode_share\": %u},\n",
	        (unsigned long long)fp->n, (unsigned long long)fp->corner, fp->corner_share,
	        fp->corner_weighted_share, fp->mode_t, fp->mode_w);
	fprintf(f, "  \"integer\": {\n    \"n\": %llu, \"resamples\": %u, \"seed\": %llu, "
	        "\"both\": %llu, \"both_expected\": %.3f, \"both_bound\": %llu, \"both_p\": %.6g, "
	        "\"both_exact\": %s,\n",
	        (unsigned long long)it->n, it->resamples, (unsigned long long)it->seed,
	        (unsigned long long)it->both, it->both_expected, (unsigned long long)it->both_bound,
	        it->both_p, it->both_exact ? "true" : "false");
	icount_json(f, "either", &it->either, false);
	icount_json(f, "leader", &it->leader, false);
	icount_json(f, "turnout", &it->turnout, false);
	icount_json(f, "either_voters", &it->either_voters, true);
	fprintf(f, "  },\n  \"shpilkin\": {\"applicable\": %s, \"reason\": ",
	        sp->applicable ? "true" : "false");
	render_json_str(f, sp->reason);
	fprintf(f, ", \"peak\": %u, \"manual\": %s, \"n\": %llu, \"clean_share\": %.6f, "
	        "\"official_share\": %.6f, \"anomalous\": %.0f, \"anomalous_above_peak\": %.0f, "
	        "\"interval95\": [%.0f, %.0f]},\n",
	        sp->peak, sp->manual ? "true" : "false", (unsigned long long)sp->n, sp->clean_share,
	        sp->official_share, sp->anomalous, sp->anomalous_above, sp->boot_lo, sp->boot_hi);
	fprintf(f, "  \"digits\": {\"n_2bl\": %llu, \"mean_2bl\": %.4f, \"chi2_2bl\": %.3f, "
	        "\"p_2bl\": %.6g, \"n_last\": %llu, \"mean_last\": %.4f, \"chi2_last\": %.3f, "
	        "\"p_last\": %.6g, \"c05\": %.4f, \"n_p05\": %llu, \"p05\": %.4f},\n",
	        (unsigned long long)d->n_2bl, d->mean_2bl, d->chi2_2bl, d->p_2bl,
	        (unsigned long long)d->n_last, d->mean_last, d->chi2_last, d->p_last, d->c05,
	        (unsigned long long)d->n_p05, d->p05);
	fprintf(f, "  \"regressions\": {\"n\": %llu, \"r_turnout_share\": %.4f, \"sum_slopes\": %.4f, "
	        "\"parties\": [",
	        (unsigned long long)r->reg.n, r->reg.r_turnout_share, r->reg.sum_slopes);
	for (uint32_t j = 0; j < in->n_parties; j++) {
		fprintf(f, "%s{\"id\": ", j ? ", " : "");
		render_json_str(f, in->party_ids[j]);
		fprintf(f, ", \"slope\": %.4f, \"share\": %.6f}", r->reg.party[j].slope,
		        r->reg.party[j].share);
	}
	const tally_fx_klimek *k = &r->klimek;
	fprintf(f, "]},\n  \"klimek\": {\"fitted\": %s, \"reason\": ", k->fitted ? "true" : "false");
	render_json_str(f, k->reason);
	fprintf(f, ", \"n\": %llu, \"fi\": %.4f, \"fe\": %.5f, \"fi_raw\": %.4f, \"fe_raw\": %.5f, "
	        "\"fi_null\": %.4f, \"fe_null\": %.5f, \"twins\": %u, \"turnout_mode\": %.4f, "
	        "\"turnout_sd\": %.4f, \"share_mode\": %.4f, \"share_sd\": %.4f, \"theta\": %.2f, "
	        "\"alpha\": %.1f, \"loss\": %.1f, \"loss_fair\": %.1f},\n",
	        (unsigned long long)k->n, k->fi, k->fe, k->fi_raw, k->fe_raw, k->fi_null, k->fe_null,
	        k->twins, k->turnout_mode, k->turnout_sd, k->share_mode, k->share_sd, k->theta, k->alpha,
	        k->loss, k->loss_fair);
	fprintf(f, "  \"areas\": [");
	for (uint32_t j = 0; j < in->n_areas; j++) {
		const tally_fx_area *ar = &r->areas[j];
		fprintf(f, "%s\n    {\"area\": ", j ? "," : "");
		render_json_str(f, in->area_names[j]);
		fprintf(f, ", \"n\": %llu, \"corner\": %llu, \"corner_share\": %.6f, \"n_integer\": %llu, "
		        "\"integer_observed\": %.0f, \"integer_expected\": %.3f, \"integer_sd\": %.3f, "
		        "\"integer_excess\": %.3f, \"integer_z\": %.4f, \"flagged\": %llu}",
		        (unsigned long long)ar->n, (unsigned long long)ar->corner, ar->corner_share,
		        (unsigned long long)ar->n_integer, ar->integer_observed, ar->integer_expected,
		        ar->integer_sd, ar->integer_excess, ar->integer_z,
		        (unsigned long long)ar->flagged);
	}
	fprintf(f, "\n  ],\n  \"flagged\": %llu\n}\n", (unsigned long long)r->flagged);
}

const char *const render_fx_plots[RENDER_FX_PLOTS] = {"fingerprint", "turnout", "cumulative",
                                                      "shpilkin"};

int render_fx_plot(FILE *f, const char *name, const tally_fx_report *r)
{
	if (strcmp(name, "fingerprint") == 0)
		return svg_heatmap(f, "Election fingerprint: stations by turnout and leader share",
		                   "turnout, %", "leader share, %", r->fp.count, TALLY_FX_BINS,
		                   TALLY_FX_BINS);
	if (strcmp(name, "turnout") == 0) {
		double h[TALLY_FX_BINS];
		for (uint32_t k = 0; k < TALLY_FX_BINS; k++)
			h[k] = r->fp.turnout_hist[k];
		return svg_bars(f, "Stations by turnout (1 pp bins)", "turnout, %", "stations", h, NULL,
		                TALLY_FX_BINS);
	}
	if (strcmp(name, "cumulative") == 0)
		return svg_line(f, "Leader's votes cast at stations up to each turnout", "turnout, %",
		                "share of the leader's votes, %", r->fp.cum_leader, TALLY_FX_BINS);
	if (strcmp(name, "shpilkin") == 0)
		return svg_bars(f, "Shpilkin: leader (bars) and other votes (line) by turnout",
		                "turnout, %", "votes", r->shp.leader_bin, r->shp.others_bin,
		                TALLY_FX_BINS);
	return -2;
}
