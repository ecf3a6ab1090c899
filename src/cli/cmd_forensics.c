/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_forensics.c: `tally forensics` runs the forensic battery
 * (tally/forensics.h) on a stored election or on a CSV file read with an
 * import preset or column map, prints a report for people (or JSON), writes
 * the flagged stations with their reasons (CSV or JSON) and the plots (SVG).
 */
#include "cli/cli.h"
#include "render/forensics.h"
#include "render/render.h"
#include "tally/forensics.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char help[] =
	"usage: tally forensics [FILE.csv (--preset NAME | --map MAP.json)] [--db PATH]\n"
	"                       [--format text|json] [--flags OUT.csv|OUT.json] [--out DIR]\n"
	"                       [--seed N] [--resamples N] [--peak K] [--leader ID]\n"
	"                       [--ballots EXPR] [--share-of ballots|valid] [--all-stations]\n"
	"\n"
	"Statistical tests for manufactured results (docs/methods-forensics.md): the\n"
	"election fingerprint and its 95 %/95 % corner, the integer-percent test with a\n"
	"binomial null, Shpilkin's estimate of anomalous votes, digit tests, turnout\n"
	"regressions and Klimek's fraud model, with a breakdown by area (region).\n"
	"The report opens with which tests flag the election under their alarm rules.\n"
	"They estimate; they prove nothing about any one station.\n"
	"Reads the stored election (--db, default $TALLY_DB, else ./tally.db) or a CSV\n"
	"file ('-' for standard input) with an import preset or column map.\n"
	"\n"
	"  --format F       the report: text (default) or json\n"
	"  --flags OUT      write the flagged stations with their reasons; JSON when\n"
	"                   OUT ends in .json, else CSV\n"
	"  --out DIR        write fingerprint.svg, turnout.svg, cumulative.svg and\n"
	"                   shpilkin.svg into DIR\n"
	"  --seed N         seed of the resampling (default 42); same seed, same report\n"
	"  --resamples N    binomial resamples of the integer test (default 1000, at\n"
	"                   most 100000; 0 uses the exact null alone)\n"
	"  --peak K         Shpilkin: take the turnout bin K (K %% < t <= K+1 %%) as the\n"
	"                   clean peak instead of finding it\n"
	"  --leader ID      the party, bloc or candidate to test (default: most votes)\n"
	"  --ballots EXPR   ballots found in the boxes, over the template's lines\n"
	"                   (default: the preset's, e.g. 'invalid + valid')\n"
	"  --share-of B     the leader share's denominator: ballots (default) or valid\n"
	"  --all-stations   include special, mobile and abroad stations\n";

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* Loads the stored protocols: one per reported, not annulled station. */
static int load_db(const char *db, tally_store **s, tally_election **e, tally_protocol **out,
                   size_t *n)
{
	tally_error err = TALLY_ERROR_INIT;
	tally_results *r = NULL;
	if (cli_open(db, s, e))
		return EXIT_USER;
	if (tally_store_count(*s, *e, &r, &err)) {
		cli_error(&err);
		return EXIT_USER;
	}
	int rc = render_fx_protocols(*e, r, out, n);
	tally_results_free(r);
	if (rc) {
		cli_errorf("out of memory");
		return EXIT_USER;
	}
	return EXIT_OK;
}

/* The name of a party id of the input: a party's, bloc's or candidate's. */
static const char *name_of(const tally_election *e, const char *id)
{
	uint32_t k;
	if ((k = tally_election_party(e, id)) != TALLY_NONE)
		return e->parties[k].name;
	if ((k = tally_election_bloc(e, id)) != TALLY_NONE)
		return e->blocs[k].name;
	if ((k = tally_election_candidate(e, id)) != TALLY_NONE)
		return e->candidates[k].name;
	return id;
}

static const char *pct(double x, char buf[32])
{
	snprintf(buf, 32, "%.2f %%", 100 * x);
	return buf;
}

static void icount_text(const char *name, const tally_fx_icount *c, uint32_t R)
{
	char a[32];
	printf("  %-22s %9s observed, null %9.1f (sd %6.1f): excess %8.1f, z %6.2f", name,
	       cli_commas((uint64_t)c->observed, a), c->exact_mean, c->exact_sd, c->excess, c->z);
	if (R)
		printf(", p %.4f\n  %-22s %9s resampled null %9.1f (sd %6.1f), z %6.2f\n", c->p, "", "",
		       c->mc_mean, c->mc_sd, c->mc_z);
	else
		printf("\n");
}

static void report_text(const tally_fx_report *r, const tally_election *e)
{
	const tally_fx_input *in = r->in;
	char a[32], b[32], c[32], f1[32], f2[32];
	printf("Forensic report: %s\n", e->name);
	printf("%s stations tested (%s left out by type, %s without a protocol)\nleader: %s (%s)\n\n",
	       cli_commas(in->n, a), cli_commas(in->skipped_type, b), cli_commas(in->skipped_empty, c),
	       name_of(e, in->party_ids[in->leader_party]), in->party_ids[in->leader_party]);

	/* which tests flag what, first: the details follow */
	tally_fx_verdict v[TALLY_FX_N_TESTS];
	tally_fx_verdicts(r, v);
	int nflag = 0, ntests = 0;
	for (int t = 0; t < TALLY_FX_N_TESTS; t++) {
		nflag += v[t].flags;
		ntests += !v[t].descriptive;
	}
	printf("Summary: %d of %d tests flag the election (their alarm rules: "
	       "docs/methods-forensics.md)\n",
	       nflag, ntests);
	for (int t = 0; t < TALLY_FX_N_TESTS; t++) {
		char nm[96], val[160];
		printf("  %-6s %s %s (%s)\n",
		       !v[t].applies ? "n/a" : v[t].descriptive ? "info" : v[t].flags ? "FLAGS" : "-",
		       render_fit(nm, sizeof nm, v[t].name, 24), render_fit(val, sizeof val, v[t].value, 44),
		       v[t].rule);
	}
	printf("  They estimate; they prove nothing about any one station.\n\n");

	const tally_fx_fingerprint *fp = &r->fp;
	printf("Fingerprint (Klimek et al. 2012): %s stations\n", cli_commas(fp->n, a));
	printf("  corner (turnout >= 95 %%, leader share >= 95 %%): %s stations, %s "
	       "(%s of voters)\n",
	       cli_commas(fp->corner, a), pct(fp->corner_share, b), pct(fp->corner_weighted_share, c));
	printf("  fullest cell: turnout %u-%u %%, leader share %u-%u %%\n\n", fp->mode_t,
	       fp->mode_t + 1, fp->mode_w, fp->mode_w + 1);

	const tally_fx_integer *it = &r->integer;
	printf("Integer percentages (Kobak, Shpilkin & Pshenichnikov 2016): %s stations,\n",
	       cli_commas(it->n, a));
	if (it->resamples)
		printf("  null: exact binomial moments (excess, z); %u binomial resamples, seed %llu "
		       "(p, resampled null)\n",
		       it->resamples, (unsigned long long)it->seed);
	else
		printf("  null: exact (Poisson-binomial), no resampling\n");
	icount_text("turnout or share", &it->either, it->resamples);
	icount_text("leader share", &it->leader, it->resamples);
	icount_text("turnout", &it->turnout, it->resamples);
	printf("  %-22s excess %.0f voters\n", "voters at such stations", it->either_voters.excess);
	printf("\n");

	const tally_fx_shpilkin *sp = &r->shp;
	printf("Shpilkin's estimate: %s stations with more than 100 voters, peak %u-%u %% (%s)\n",
	       cli_commas(sp->n, a), sp->peak, sp->peak + 1, sp->manual ? "given" : "found");
	if (sp->applicable)
	{
		printf("  anomalous votes %s (%s at or above the peak); clean share %s, "
		       "official %s\n",
		       cli_commas((uint64_t)(sp->anomalous + 0.5), a),
		       cli_commas(sp->anomalous_above > 0 ? (uint64_t)(sp->anomalous_above + 0.5) : 0, b),
		       pct(sp->clean_share, c), pct(sp->official_share, (char[32]){0}));
		printf("  95 %% bootstrap interval %s to %s (stations resampled, peak kept)\n\n",
		       cli_commas((uint64_t)(sp->boot_lo + 0.5), a),
		       cli_commas((uint64_t)(sp->boot_hi + 0.5), b));
	}
	else
		printf("  not applicable: %s\n\n", sp->reason);

	const tally_fx_digits *d = &r->digits;
	printf("Digits of the leader's counts (descriptive only):\n");
	printf("  second digit      n %9s  mean %.3f (Benford 4.187)  chi2 %.1f, p %.3g\n",
	       cli_commas(d->n_2bl, a), d->mean_2bl, d->chi2_2bl, d->p_2bl);
	printf("  last digit        n %9s  mean %.3f (uniform 4.5)    chi2 %.1f, p %.3g\n",
	       cli_commas(d->n_last, a), d->mean_last, d->chi2_last, d->p_last);
	printf("  ending in 0 or 5  n %9s  %.3f (0.2)\n", cli_commas(d->n_last, a), d->c05);
	printf("  turnout %% in 0/5  n %9s  %.3f (0.2)\n\n", cli_commas(d->n_p05, a), d->p05);

	const tally_fx_regress *g = &r->reg;
	printf("Turnout regressions (votes per registered voter on turnout): %s stations\n",
	       cli_commas(g->n, a));
	printf("  r(turnout, leader share) %.3f; slopes sum to %.3f\n", g->r_turnout_share,
	       g->sum_slopes);
	for (uint32_t j = 0; j < in->n_parties; j++) {
		char nm[160];
		printf("  %s slope %7.3f   share %s\n",
		       render_fit(nm, sizeof nm, name_of(e, in->party_ids[j]), 40), g->party[j].slope,
		       pct(g->party[j].share, a));
	}

	const tally_fx_klimek *k = &r->klimek;
	printf("\nKlimek's fraud model (secondary estimate, calibrated on clean twins): %s "
	       "stations\n",
	       cli_commas(k->n, a));
	if (k->fitted) {
		printf("  incremental fraud f_i %.3f, extreme fraud f_e %.4f (fit %.3f / %.4f, "
		       "%.3f / %.4f on average on %u clean twin%s)\n",
		       k->fi, k->fe, k->fi_raw, k->fe_raw, k->fi_null, k->fe_null, k->twins,
		       k->twins == 1 ? "" : "s");
		printf("  fair turnout %.1f %% (sd %.1f), fair leader share %.1f %% (sd %.1f); "
		       "theta %.2f, alpha %.1f\n",
		       100 * k->turnout_mode, 100 * k->turnout_sd, 100 * k->share_mode,
		       100 * k->share_sd, k->theta, k->alpha);
	} else {
		printf("  not fitted: %s\n", k->reason);
	}

	printf("\nBy area: stations, corner share, integer excess (exact null, z), flagged\n");
	int w = 4;
	for (uint32_t j = 0; j < in->n_areas; j++) {
		int L = (int)strlen(in->area_names[j]);
		if (L > w)
			w = L < 40 ? L : 40;
	}
	for (uint32_t j = 0; j < in->n_areas; j++) {
		const tally_fx_area *ar = &r->areas[j];
		char nm[160];
		printf("  %-*s %9s  %6.2f %%  %8.1f (z %6.2f)  %7s\n", w,
		       render_fit(nm, sizeof nm, *in->area_names[j] ? in->area_names[j] : "(none)",
		                  40),
		       cli_commas(ar->n, a), 100 * ar->corner_share, ar->integer_excess, ar->integer_z,
		       cli_commas(ar->flagged, b));
	}

	char pv[32];
	if (it->both_p < 1e-15)
		snprintf(pv, sizeof pv, "< 1e-15");
	else
		snprintf(pv, sizeof pv, "%.3g", it->both_p);
	printf("\nStations flagged: %s (corner %s; integer turnout and share %s, %.1f expected "
	       "by chance,\n  more than %s with probability 0.001%s; P(%s or more) %s)\n",
	       cli_commas(r->flagged, a), cli_commas(fp->corner, b), cli_commas(it->both, c),
	       it->both_expected, cli_commas(it->both_bound, f1), it->both_exact ? "" : " (approx.)",
	       cli_commas(it->both, f2), pv);
}

static int write_flags(const char *path, const tally_fx_report *r, const tally_election *e)
{
	const tally_fx_input *in = r->in;
	size_t L = strlen(path);
	bool json = L >= 5 && strcmp(path + L - 5, ".json") == 0;
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		cli_errorf("cannot create '%s': %s", path, strerror(errno));
		return EXIT_USER;
	}
	fputs(json ? "[\n" : "station,reasons,turnout,leader_share,null_p\n", f);
	bool first = true;
	for (size_t i = 0; i < in->n; i++) {
		uint8_t fl = r->flags[i];
		if (!fl)
			continue;
		const char *why = fl == (TALLY_FX_FLAG_CORNER | TALLY_FX_FLAG_INTEGER)
		                  ? "corner;integer"
		                  : fl & TALLY_FX_FLAG_CORNER ? "corner" : "integer";
		double t = in->registered[i] ? (double)in->cast[i] / (double)in->registered[i] : 0;
		double w = in->base[i] ? (double)in->leader[i] / (double)in->base[i] : 0;
		const char *id = e->stations[in->station[i]].id;
		if (json) {
			fprintf(f, "%s  {\"station\": ", first ? "" : ",\n");
			render_json_str(f, id);
			fprintf(f, ", \"reasons\": [\"%s\"], \"turnout\": %.5f, \"leader_share\": %.5f, "
			           "\"null_p\": %.6g}",
			        fl == 3 ? "corner\", \"integer" : why, t, w, r->null_p[i]);
		} else {
			render_csv_str(f, id);
			fprintf(f, ",%s,%.5f,%.5f,%.6g\n", why, t, w, r->null_p[i]);
		}
		first = false;
	}
	if (json)
		fputs(first ? "]\n" : "\n]\n", f);
	if (f != stdout ? fclose(f) != 0 : fflush(f) != 0) {
		cli_errorf("cannot write '%s'", path);
		return EXIT_USER;
	}
	return EXIT_OK;
}

static int write_plot(const char *dir, const char *name, const tally_fx_report *r)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.svg", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		cli_errorf("cannot create '%s': %s", path, strerror(errno));
		return EXIT_USER;
	}
	int bad = render_fx_plot(f, name, r);
	if (fclose(f) != 0 || bad) {
		cli_errorf("cannot write '%s'", path);
		return EXIT_USER;
	}
	return EXIT_OK;
}

int cmd_forensics(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"preset", required_argument, NULL, 'p'},
	                                     {"map", required_argument, NULL, 'm'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"flags", required_argument, NULL, 'F'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"seed", required_argument, NULL, 's'},
	                                     {"resamples", required_argument, NULL, 'r'},
	                                     {"peak", required_argument, NULL, 'k'},
	                                     {"leader", required_argument, NULL, 'l'},
	                                     {"ballots", required_argument, NULL, 'b'},
	                                     {"share-of", required_argument, NULL, 'S'},
	                                     {"all-stations", no_argument, NULL, 'A'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = NULL, *preset = NULL, *mapf = NULL, *format = "text", *flags = NULL,
	           *outdir = NULL;
	tally_fx_options o;
	tally_fx_options_init(&o);
	o.threads = 2; /* Klimek's model beside the other tests (the same report) */
	tally_fx_defs defs = {0};
	uint64_t v = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:p:m:f:F:o:s:r:k:l:b:S:A", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'p': preset = optarg; break;
		case 'm': mapf = optarg; break;
		case 'f': format = optarg; break;
		case 'F': flags = optarg; break;
		case 'o': outdir = optarg; break;
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &o.seed))
				return cli_usage("forensics", "--seed takes a whole number");
			break;
		case 'r':
			/* above the limit is the library's F005, below UINT32_MAX */
			if (!parse_u64(optarg, UINT32_MAX, &v))
				return cli_usage("forensics", "--resamples takes a whole number");
			o.resamples = (uint32_t)v;
			break;
		case 'k':
			if (!parse_u64(optarg, 1000, &v))
				return cli_usage("forensics", "--peak takes a turnout bin (0-99)");
			o.shpilkin_peak = (int32_t)v;
			break;
		case 'l': defs.leader = optarg; break;
		case 'b': defs.ballots = optarg; break;
		case 'S':
			if (strcmp(optarg, "ballots") == 0)
				defs.share_of = TALLY_FX_SHARE_BALLOTS;
			else if (strcmp(optarg, "valid") == 0)
				defs.share_of = TALLY_FX_SHARE_VALID;
			else
				return cli_usage("forensics", "--share-of is ballots or valid");
			break;
		case 'A': defs.all_types = true; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("forensics", "bad option");
		}
	}
	bool json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "text"))
		return cli_usage("forensics", "--format is text or json");
	if (argc - optind > 1)
		return cli_usage("forensics", "give at most one input file");
	bool from_csv = argc - optind == 1;
	if (from_csv && (preset != NULL) == (mapf != NULL))
		return cli_usage("forensics", "a CSV file needs either --preset NAME or --map MAP.json");
	if (!from_csv && (preset || mapf))
		return cli_usage("forensics", "--preset and --map go with an input file");
	if (from_csv && db)
		return cli_usage("forensics", "give an input file or --db, not both");

	tally_error err = TALLY_ERROR_INIT;
	tally_import_map *map = NULL;
	tally_import *im = NULL;
	tally_store *s = NULL;
	tally_election *e_db = NULL;
	tally_protocol *prot = NULL;
	size_t n_prot = 0;
	tally_fx_input *in = NULL;
	tally_fx_report *r = NULL;
	const tally_election *e = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc = EXIT_USER;
	if (from_csv) {
		if (cli_load_map(preset, mapf, &map))
			goto out;
		const char *path = argv[optind];
		if (!(buf = cli_read(path, TALLY_MAX_INPUT_BYTES, &len)))
			goto out;
		if (tally_import_csv(map, buf, len, strcmp(path, "-") ? path : "stdin", &im, &err)) {
			cli_error(&err);
			goto out;
		}
		free(buf);
		buf = NULL;
		e = im->e;
		if (tally_fx_input_build(e, im->protocols, im->n, &defs, &in, &err)) {
			cli_error(&err);
			goto out;
		}
	} else {
		if (load_db(db ? db : cli_default_db(), &s, &e_db, &prot, &n_prot))
			goto out;
		e = e_db;
		if (tally_fx_input_build(e, prot, n_prot, &defs, &in, &err)) {
			cli_error(&err);
			goto out;
		}
	}
	if (o.resamples >= 2000 && !json)
		fprintf(stderr, "resampling %u times...\n", o.resamples);
	if (tally_fx_run(in, &o, &r, &err)) {
		cli_error(&err);
		goto out;
	}
	if (json)
		render_fx_json(stdout, r);
	else
		report_text(r, e);
	if (flags && write_flags(flags, r, e))
		goto out;
	if (outdir) {
		if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
			cli_errorf("cannot create the directory '%s': %s", outdir, strerror(errno));
			goto out;
		}
		for (size_t k = 0; k < RENDER_FX_PLOTS; k++)
			if (write_plot(outdir, render_fx_plots[k], r))
				goto out;
	}
	rc = EXIT_OK;
out:
	free(buf);
	tally_fx_report_free(r);
	tally_fx_input_free(in);
	render_fx_protocols_free(prot, n_prot);
	tally_election_free(e_db);
	tally_store_close(s);
	tally_import_free(im);
	tally_import_map_free(map);
	return rc;
}
