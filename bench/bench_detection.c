/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_detection.c: how often each test of the forensic battery raises an
 * alarm on simulated elections: on clean ones (the false-alarm rate, over
 * several seeds) and with fraud injected by the simulation (the detection
 * power, per kind of fraud and share of stations). Every run is the
 * simulation of `tally simulate` (no typing mistakes, no refused or warned
 * protocols) followed by the whole battery on its protocols; the integer
 * test uses its exact null (no resampling), so a run is deterministic.
 * Built and run by `make bench-detection`; the table goes to bench/README.md
 * under "Forensics: detection power".
 *
 * usage: bench_detection [--quick] [--seeds N] [--stations N]
 *   default 20 seeds of 5,500 stations; --quick: 3 seeds (for CI)
 *
 * The alarm rules (one per test; each is what a reader of the report would
 * call "flagged") are in the table "rules" below.
 */
#include "tally/tally.h"
#include "tally/forensics.h"
#include "tally/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One run's alarms, per test. */
enum { T_CORNER, T_INTEGER, T_SHPILKIN, T_LAST, T_2BL, T_REGRESS, T_KLIMEK, N_TESTS };

static const char *const test_names[N_TESTS] = {
	"fingerprint corner >= 0.5 %",
	"integer excess, exact z >= 3",
	"Shpilkin applicable, A >= 1 % of leader votes",
	"last digit chi2 p < 0.01",
	"second digit chi2 p < 0.01 (descriptive)",
	"leader's turnout slope >= 1",
	"Klimek f_e >= 0.005 or f_i >= 0.3",
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Simulates one election and runs the battery; alarms[t] is set per test
 * and "fi"/"fe" get the Klimek estimate. Returns 0 or -1. */
static int one_run(uint64_t seed, uint32_t stations, int kind, double share, bool *alarm,
                   double *fi, double *fe)
{
	tally_sim_options o;
	tally_sim_options_default(&o);
	o.seed = seed;
	o.stations = stations;
	o.typos = o.bad_protocols = o.warnings = 0;
	o.double_entry = false;
	if (kind == 1)
		o.fraud_incremental = share;
	else if (kind == 2)
		o.fraud_extreme = share;
	else if (kind == 3)
		o.fraud_rounding = share;
	tally_error err = TALLY_ERROR_INIT;
	tally_sim *s = NULL;
	tally_fx_input *in = NULL;
	tally_fx_report *r = NULL;
	tally_protocol *p = NULL;
	int rc = -1;
	if (tally_simulate(&o, &s, &err))
		goto out;
	size_t n = s->n_round[0];
	p = malloc(n * sizeof *p);
	if (!p)
		goto out;
	for (size_t i = 0; i < n; i++)
		p[i] = s->round[0][i].p; /* borrowed: released with the simulation */
	if (tally_fx_input_build(s->e, p, n, NULL, &in, &err))
		goto out;
	tally_fx_options fo;
	tally_fx_options_init(&fo);
	fo.resamples = 0;
	if (tally_fx_run(in, &fo, &r, &err))
		goto out;
	/* the rules the report applies (tally_fx_verdicts), except the second
	 * digit, which the report never lets flag: measured here to show why */
	tally_fx_verdict v[TALLY_FX_N_TESTS];
	tally_fx_verdicts(r, v);
	alarm[T_CORNER] = v[TALLY_FX_T_CORNER].flags;
	alarm[T_INTEGER] = v[TALLY_FX_T_INTEGER].flags;
	alarm[T_SHPILKIN] = v[TALLY_FX_T_SHPILKIN].flags;
	alarm[T_LAST] = v[TALLY_FX_T_LAST_DIGIT].flags;
	alarm[T_2BL] = r->digits.n_2bl > 0 && r->digits.p_2bl < 0.01;
	alarm[T_REGRESS] = v[TALLY_FX_T_REGRESSION].flags;
	alarm[T_KLIMEK] = v[TALLY_FX_T_KLIMEK].flags;
	*fi = r->klimek.fi;
	*fe = r->klimek.fe;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_detection: seed %llu: %s %s\n", (unsigned long long)seed,
		        err.code, err.msg);
	tally_fx_report_free(r);
	tally_fx_input_free(in);
	free(p);
	tally_sim_free(s);
	return rc;
}

int main(int argc, char **argv)
{
	uint32_t seeds = 20, stations = 5500;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			seeds = 3;
		else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc)
			seeds = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--stations") == 0 && i + 1 < argc)
			stations = (uint32_t)strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: bench_detection [--quick] [--seeds N] [--stations N]\n");
			return 2;
		}
	}
	if (seeds == 0 || stations < 125) {
		fprintf(stderr, "bench_detection: need at least 1 seed and 125 stations\n");
		return 2;
	}
	static const char *const kinds[] = {"clean", "incremental", "extreme", "rounding"};
	static const double shares[] = {0.01, 0.02, 0.05, 0.10, 0.20};
	const size_t n_shares = sizeof shares / sizeof shares[0];
	/* columns: clean, then each kind x share */
	const size_t n_cols = 1 + 3 * n_shares;
	unsigned hits[1 + 3 * 5][N_TESTS];
	double mfi[1 + 3 * 5], mfe[1 + 3 * 5];
	memset(hits, 0, sizeof hits);
	memset(mfi, 0, sizeof mfi);
	memset(mfe, 0, sizeof mfe);
	double t0 = now();
	for (size_t c = 0; c < n_cols; c++) {
		int kind = c == 0 ? 0 : 1 + (int)((c - 1) / n_shares);
		double share = c == 0 ? 0 : shares[(c - 1) % n_shares];
		for (uint32_t k = 0; k < seeds; k++) {
			bool alarm[N_TESTS] = {false};
			double fi = 0, fe = 0;
			/* seeds 1000.. for every column: the same elections, with and
			 * without fraud */
			if (one_run(1000 + k, stations, kind, share, alarm, &fi, &fe))
				return 1;
			for (int t = 0; t < N_TESTS; t++)
				hits[c][t] += alarm[t];
			mfi[c] += fi / seeds;
			mfe[c] += fe / seeds;
		}
		fprintf(stderr, "%s %.2f done (%.1f s)\n", kinds[kind], share, now() - t0);
	}
	printf("Detection on simulated elections: %u stations, %u seeds per column "
	       "(%.1f s in all).\n",
	       stations, seeds, now() - t0);
	printf("Share of runs with an alarm: \"clean\" is the false-alarm rate; the others the "
	       "detection power at that share of stations with fraud.\n\n");
	printf("| test (alarm rule) | clean |");
	for (int kd = 1; kd <= 3; kd++)
		for (size_t j = 0; j < n_shares; j++)
			printf(" %c %g %% |", kinds[kd][0], 100 * shares[j]);
	printf("\n|---|---:|");
	for (size_t c = 1; c < n_cols; c++)
		printf("---:|");
	printf("\n");
	for (int t = 0; t < N_TESTS; t++) {
		printf("| %s |", test_names[t]);
		for (size_t c = 0; c < n_cols; c++)
			printf(" %.2f |", (double)hits[c][t] / seeds);
		printf("\n");
	}
	printf("| Klimek mean f_i (estimate) |");
	for (size_t c = 0; c < n_cols; c++)
		printf(" %.3f |", mfi[c]);
	printf("\n| Klimek mean f_e (estimate) |");
	for (size_t c = 0; c < n_cols; c++)
		printf(" %.4f |", mfe[c]);
	printf("\n\ni = incremental, e = extreme, r = rounding (kind and share of the eligible "
	       "stations).\n");
	return 0;
}
