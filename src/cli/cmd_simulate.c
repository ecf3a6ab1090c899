/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_simulate.c: `tally simulate` writes a synthetic election to a folder:
 * the definition, the protocol entries of three operators (double entry and
 * re-entry), intraday turnout and the annulments it asks for. Everything is
 * a deterministic function of the options.
 */
#include "cli/cli.h"
#include "core/core_int.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char help[] =
	"usage: tally simulate --out DIR [options]\n"
	"\n"
	"Generate a synthetic national election shaped like the Azerbaijani Milli Majlis\n"
	"election of 2015 (125 single-member constituencies, about 5,500 stations, 5.2-5.9\n"
	"million voters, 13 parties and a bloc, 700+ candidates, turnout near 55 %) and\n"
	"write into DIR:\n"
	"  definition.json   the election definition (tally init)\n"
	"  entries-1.json    every protocol as entered by a first operator, a few with\n"
	"                    typing mistakes and a few breaking control relations\n"
	"  entries-2.json    every protocol as entered by a second operator (with\n"
	"                    --no-double-entry: the corrections of the refused ones)\n"
	"  entries-3.json    re-entries by a third operator where the first two differ\n"
	"                    or the first was refused (empty with --no-double-entry)\n"
	"  turnout.csv       intraday turnout at 10:00, 12:00, 15:00, 17:00, 19:00\n"
	"  annulments.csv    station annulments asked for by --invalid (else only the\n"
	"                    header)\n"
	"\n"
	"  --seed N            random seed (default 2015); the same seed gives the same files\n"
	"  --constituencies N  (default 125)\n"
	"  --stations N        (default 5,500)\n"
	"  --voters N          registered voters in all (default: 5.2-5.9 million by seed)\n"
	"  --ties N            constituencies where the top two tie (the election fails)\n"
	"  --invalid N         constituencies with more than 2/5 of stations annulled\n"
	"  --typos N           first entries with a typing mistake (default 12)\n"
	"  --bad N             first entries that break an error relation (default 6)\n"
	"  --warnings N        protocols that break a warning relation (default 4)\n"
	"  --no-double-entry   a definition with double entry off\n"
	"\n"
	"Fraud injection (Klimek et al. 2012; docs/methods-forensics.md), for testing\n"
	"`tally forensics`; shares of the ordinary stations, off by default. The leading\n"
	"party's candidate (else the constituency's favourite) gains; every control\n"
	"relation still holds. With any of them, DIR also gets fraud.csv (the stations,\n"
	"the kind of fraud and the votes gained).\n"
	"  --fraud-incremental F  share F (0-1) of stations where a share x = |N(0, theta)|\n"
	"                      of the non-voters' ballots is stuffed and x^alpha of the\n"
	"                      opponents' votes is taken\n"
	"  --fraud-extreme F   the same with x = 1 - |N(0, 0.075)|: turnout and leader\n"
	"                      share near 100 %%\n"
	"  --fraud-rounding F  turnout and leader share rounded up to whole percentages\n"
	"  --fraud-theta X     spread of incremental fraud (default 0.1)\n"
	"  --fraud-alpha X     exponent of the votes taken (default 1)\n";

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !end || *end || s[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_share(const char *s, double max, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || !end || *end || end == s || !(v >= 0 && v <= max))
		return -1;
	*out = v;
	return 0;
}

static int write_fraud(const char *dir, const tally_sim *sim)
{
	static const char *const kinds[] = {"none", "incremental", "extreme", "rounding"};
	tally__buf b = TALLY__BUF_INIT;
	size_t len = 0;
	tally__buf_str(&b, "station,kind,votes_gained\n");
	for (uint32_t st = 0; st < sim->e->n_stations; st++)
		if (sim->fraud[st])
			tally__buf_printf(&b, "%s,%s,%llu\n", sim->e->stations[st].id, kinds[sim->fraud[st]],
			                  (unsigned long long)sim->fraud_votes[st]);
	char *t = tally__buf_detach(&b, &len);
	char path[4096];
	snprintf(path, sizeof path, "%s/fraud.csv", dir);
	int rc = t ? cli_write(path, t, len) : EXIT_USER;
	tally_free(t);
	return rc;
}

static int write_entries(const char *dir, const char *name, const tally_election *e,
                         const tally_entry *v, size_t n)
{
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_str(&b, "{\"protocols\": [\n");
	for (size_t i = 0; i < n; i++) {
		char *js = NULL;
		if (tally_entry_to_json(e, &v[i], &js, NULL)) {
			tally__buf_release(&b);
			cli_errorf("out of memory");
			return EXIT_USER;
		}
		tally__buf_str(&b, js);
		tally__buf_str(&b, i + 1 < n ? ",\n" : "\n");
		tally_free(js);
	}
	tally__buf_str(&b, "]}\n");
	size_t len = 0;
	char *s = tally__buf_detach(&b, &len);
	if (!s) {
		cli_errorf("out of memory");
		return EXIT_USER;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int rc = cli_write(path, s, len);
	tally_free(s);
	return rc;
}

int cmd_simulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},     {"seed", required_argument, NULL, 's'},
		{"constituencies", required_argument, NULL, 'c'},
		{"stations", required_argument, NULL, 'n'}, {"voters", required_argument, NULL, 'v'},
		{"ties", required_argument, NULL, 't'},     {"invalid", required_argument, NULL, 'i'},
		{"typos", required_argument, NULL, 'y'},    {"bad", required_argument, NULL, 'b'},
		{"warnings", required_argument, NULL, 'w'},
		{"no-double-entry", no_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'},
		{"fraud-incremental", required_argument, NULL, 'I'},
		{"fraud-extreme", required_argument, NULL, 'E'},
		{"fraud-rounding", required_argument, NULL, 'R'},
		{"fraud-theta", required_argument, NULL, 'T'},
		{"fraud-alpha", required_argument, NULL, 'A'},
		{NULL, 0, NULL, 0}};
	tally_sim_options o;
	tally_sim_options_default(&o);
	const char *dir = NULL;
	int c;
	uint64_t v;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:s:", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		}
		if (c == 'o') {
			dir = optarg;
			continue;
		}
		if (c == 'D') {
			o.double_entry = false;
			continue;
		}
		if (c == '?' || !optarg)
			return cli_usage("simulate", "bad option");
		if (c == 'I' || c == 'E' || c == 'R' || c == 'T' || c == 'A') {
			double *dst = c == 'I' ? &o.fraud_incremental : c == 'E' ? &o.fraud_extreme
			            : c == 'R' ? &o.fraud_rounding : c == 'T' ? &o.fraud_theta
			                                                  : &o.fraud_alpha;
			/* the range is the library's S102; here only "a number" */
			if (parse_share(optarg, 1e9, dst))
				return cli_usage("simulate", "'%s' is not a valid number here", optarg);
			continue;
		}
		if (parse_u64(optarg, c == 's' ? UINT64_MAX : c == 'v' ? 2000000000ULL : 10000000ULL, &v))
			return cli_usage("simulate", "'%s' is not a valid number here", optarg);
		switch (c) {
		case 's': o.seed = v; break;
		case 'c': o.constituencies = (uint32_t)v; break;
		case 'n': o.stations = (uint32_t)v; break;
		case 'v': o.voters = v; break;
		case 't': o.ties = (uint32_t)v; break;
		case 'i': o.invalid = (uint32_t)v; break;
		case 'y': o.typos = (uint32_t)v; break;
		case 'b': o.bad_protocols = (uint32_t)v; break;
		case 'w': o.warnings = (uint32_t)v; break;
		default: return cli_usage("simulate", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("simulate", "unexpected argument '%s'", argv[optind]);
	if (!dir)
		return cli_usage("simulate", "give the output folder with --out DIR");
	tally_sim *sim = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_simulate(&o, &sim, &err)) {
		cli_error(&err);
		return EXIT_USER;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		cli_errorf("cannot create '%s': %s", dir, strerror(errno));
		tally_sim_free(sim);
		return EXIT_USER;
	}
	const tally_election *e = sim->e;
	char *def = NULL, path[4096];
	size_t len = 0;
	int rc = EXIT_OK;
	if (tally_election_write(e, &def, &len, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
		goto out;
	}
	snprintf(path, sizeof path, "%s/definition.json", dir);
	if ((rc = cli_write(path, def, len)))
		goto out;
	static const char *const names[] = {"entries-1.json", "entries-2.json", "entries-3.json"};
	for (int i = 0; i < 3; i++)
		if ((rc = write_entries(dir, names[i], e, sim->round[i], sim->n_round[i])))
			goto out;
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_str(&b, "station,time,voters\n");
	for (size_t i = 0; i < sim->n_turnout; i++) {
		char hm[6];
		tally_minute_format(sim->turnout[i].minute, hm);
		tally__buf_printf(&b, "%s,%s,%llu\n", e->stations[sim->turnout[i].station].id, hm,
		                  (unsigned long long)sim->turnout[i].voters);
	}
	char *t = tally__buf_detach(&b, &len);
	snprintf(path, sizeof path, "%s/turnout.csv", dir);
	rc = t ? cli_write(path, t, len) : EXIT_USER;
	tally_free(t);
	if (rc)
		goto out;
	tally__buf_str(&b, "station,reason\n");
	for (size_t i = 0; i < sim->n_annul; i++) {
		tally__buf_str(&b, e->stations[sim->annul[i].station].id);
		tally__buf_str(&b, ",\"");
		tally__buf_str(&b, sim->annul[i].reason);
		tally__buf_str(&b, "\"\n");
	}
	t = tally__buf_detach(&b, &len);
	snprintf(path, sizeof path, "%s/annulments.csv", dir);
	rc = t ? cli_write(path, t, len) : EXIT_USER;
	tally_free(t);
	if (rc)
		goto out;
	bool fraud = o.fraud_incremental > 0 || o.fraud_extreme > 0 || o.fraud_rounding > 0;
	if (fraud && (rc = write_fraud(dir, sim)))
		goto out;
	uint64_t reg = 0;
	for (uint32_t i = 0; i < e->n_stations; i++)
		reg += e->stations[i].registered;
	char a[32], bb[32];
	printf("simulated %s: %u constituencies, %s stations, %s registered voters, %u parties, "
	       "%u bloc%s, %u candidates (seed %llu)\n",
	       e->name, e->n_constituencies, cli_commas(e->n_stations, a), cli_commas(reg, bb),
	       e->n_parties, e->n_blocs, e->n_blocs == 1 ? "" : "s", e->n_candidates,
	       (unsigned long long)o.seed);
	printf("wrote %s/{definition.json, entries-1.json (%zu), entries-2.json (%zu), "
	       "entries-3.json (%zu), turnout.csv (%zu), annulments.csv (%zu)}\n",
	       dir, sim->n_round[0], sim->n_round[1], sim->n_round[2], sim->n_turnout, sim->n_annul);
	if (fraud) {
		size_t nf = 0;
		for (uint32_t st = 0; st < e->n_stations; st++)
			nf += sim->fraud[st] != 0;
		printf("fraud at %s stations, %s votes gained by the beneficiaries (fraud.csv)\n",
		       cli_commas(nf, a), cli_commas(sim->fraud_total, bb));
	}
out:
	tally_free(def);
	tally_sim_free(sim);
	return rc;
}
