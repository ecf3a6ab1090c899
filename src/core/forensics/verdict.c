/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verdict.c: which tests of the battery flag the election. One alarm rule
 * per test, applied to the finished report; the same rules are measured
 * for false alarms on clean simulations and for power on injected fraud
 * by bench/bench_detection.c (bench/README.md, docs/methods-forensics.md).
 * A rule says "this test sees what it is built to see", not that any one
 * station or the election was falsified.
 */
#include "core/forensics/fx_int.h"

#include <stdio.h>

void tally_fx_verdicts(const tally_fx_report *r, tally_fx_verdict out[TALLY_FX_N_TESTS])
{
	const tally_fx_input *in = r->in;
	memset(out, 0, TALLY_FX_N_TESTS * sizeof *out);
	tally_fx_verdict *v;

	v = &out[TALLY_FX_T_CORNER];
	v->test = "corner";
	v->name = "fingerprint corner";
	v->rule = "corner share >= 0.5 %";
	v->applies = r->fp.n > 0;
	v->flags = v->applies && r->fp.corner_share >= 0.005;
	snprintf(v->value, sizeof v->value, "%.2f %% of stations", 100 * r->fp.corner_share);

	v = &out[TALLY_FX_T_INTEGER];
	v->test = "integer";
	v->name = "integer percentages";
	v->rule = "z >= 3 (exact null)";
	v->applies = r->integer.n > 0 && r->integer.either.exact_sd > 0;
	v->flags = v->applies && r->integer.either.z >= 3;
	snprintf(v->value, sizeof v->value, "z %.2f, excess %.1f stations", r->integer.either.z,
	         r->integer.either.excess);

	v = &out[TALLY_FX_T_SHPILKIN];
	double lead = 0;
	for (size_t i = 0; i < in->n; i++)
		lead += (double)in->leader[i];
	v->test = "shpilkin";
	v->name = "Shpilkin's estimate";
	v->rule = "applicable, >= 1 % of the leader's votes";
	v->applies = r->shp.n > 0;
	v->flags = v->applies && r->shp.applicable && r->shp.anomalous >= 0.01 * lead;
	if (r->shp.applicable)
		snprintf(v->value, sizeof v->value, "%.0f votes, %.1f %% of the leader's",
		         r->shp.anomalous, lead > 0 ? 100 * r->shp.anomalous / lead : 0);
	else
		snprintf(v->value, sizeof v->value, "not applicable");

	v = &out[TALLY_FX_T_LAST_DIGIT];
	v->test = "last_digit";
	v->name = "last digit";
	v->rule = "chi-square p < 0.01";
	v->applies = r->digits.n_last > 0;
	v->flags = v->applies && r->digits.p_last < 0.01;
	snprintf(v->value, sizeof v->value, "p %.3g, n %llu", r->digits.p_last,
	         (unsigned long long)r->digits.n_last);

	v = &out[TALLY_FX_T_SECOND_DIGIT];
	v->test = "second_digit";
	v->name = "second digit (Benford)";
	v->rule = "descriptive only";
	v->applies = r->digits.n_2bl > 0;
	v->descriptive = true;
	snprintf(v->value, sizeof v->value, "p %.3g, n %llu", r->digits.p_2bl,
	         (unsigned long long)r->digits.n_2bl);

	v = &out[TALLY_FX_T_REGRESSION];
	v->test = "regression";
	v->name = "turnout regression";
	v->rule = "the leader's slope >= 1";
	v->applies = r->reg.n > 0 && r->reg.party != NULL;
	double slope = v->applies ? r->reg.party[in->leader_party].slope : 0;
	v->flags = v->applies && slope >= 1;
	snprintf(v->value, sizeof v->value, "the leader's slope %.3f", slope);

	v = &out[TALLY_FX_T_KLIMEK];
	v->test = "klimek";
	v->name = "Klimek's model";
	v->rule = "f_e >= 0.005 or f_i >= 0.3";
	v->applies = r->klimek.fitted;
	v->flags = v->applies && (r->klimek.fe >= 0.005 || r->klimek.fi >= 0.3);
	if (r->klimek.fitted)
		snprintf(v->value, sizeof v->value, "f_e %.4f, f_i %.3f", r->klimek.fe, r->klimek.fi);
	else
		snprintf(v->value, sizeof v->value, "not fitted");
}
