/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_turnout.c: `tally turnout FILE...` records intraday turnout reports;
 * `tally turnout` with no file shows national turnout at each reporting
 * time (voters who had received ballots by then, over all registered).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: tally turnout [--db PATH] [FILE...]\n"
	"       tally turnout [--db PATH] [--format text|csv|json]\n"
	"\n"
	"With files, record intraday turnout reports: CSV 'station,time,voters' (time\n"
	"HH:MM) or a JSON array of {\"station\",\"time\",\"voters\"}. A report above the\n"
	"station's registered voters, or below an earlier one, is refused with the whole\n"
	"file. Without files, print national turnout at each reporting time.\n";

int cmd_turnout(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *format = "text";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:f:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f': format = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("turnout", "bad option");
		}
	}
	if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json"))
		return cli_usage("turnout", "--format is text, csv or json");
	tally_store *s = NULL;
	tally_election *e = NULL;
	int rc = cli_open(db, &s, &e);
	if (rc)
		return rc;
	tally_error err = TALLY_ERROR_INIT;
	for (int i = optind; i < argc && rc == EXIT_OK; i++) {
		size_t len = 0, n = 0, stored = 0;
		char *buf = cli_read(argv[i], TALLY_MAX_INPUT_BYTES, &len);
		tally_turnout *t = NULL;
		if (!buf) {
			rc = EXIT_USER;
			break;
		}
		if (tally_turnout_parse(e, buf, len, argv[i], NULL, &t, &n, &err) ||
		    tally_store_turnout_add(s, e, t, n, &stored, &err)) {
			cli_error(&err);
			fprintf(stderr, "nothing from '%s' was stored\n", argv[i]);
			rc = EXIT_USER;
		} else {
			printf("%s: %zu turnout reports stored (%zu repeats skipped)\n", argv[i], stored,
			       n - stored);
		}
		free(buf);
		tally_free(t);
	}
	if (optind < argc || rc)
		goto out;
	tally_turnout *all = NULL;
	size_t n = 0;
	if (tally_store_turnout(s, e, &all, &n, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
		goto out;
	}
	tally_turnout_point pts[TALLY_MAX_TURNOUT_REPORTS];
	size_t nt = tally_turnout_by_time(all, n, pts, TALLY_MAX_TURNOUT_REPORTS);
	uint64_t reg = 0;
	for (uint32_t i = 0; i < e->n_stations; i++)
		reg += e->stations[i].registered;
	if (strcmp(format, "json") == 0)
		printf("{\"registered\":%llu,\"stations\":%u,\"reports\":[", (unsigned long long)reg,
		       e->n_stations);
	else if (strcmp(format, "csv") == 0)
		printf("time,stations_reporting,voters,registered,turnout_permyriad\n");
	else
		printf("Turnout during the day (%s registered voters)\n\n  time   stations  voters so "
		       "far   turnout\n", cli_commas(reg, (char[32]){0}));
	for (size_t i = 0; i < nt; i++) {
		char hm[6], a[32], b[32], p[16];
		tally_minute_format(pts[i].minute, hm);
		if (strcmp(format, "json") == 0)
			printf("%s{\"time\":\"%s\",\"stations\":%llu,\"voters\":%llu,\"permyriad\":%u}",
			       i ? "," : "", hm, (unsigned long long)pts[i].stations,
			       (unsigned long long)pts[i].voters, tally_permyriad(pts[i].voters, reg));
		else if (strcmp(format, "csv") == 0)
			printf("%s,%llu,%llu,%llu,%u\n", hm, (unsigned long long)pts[i].stations,
			       (unsigned long long)pts[i].voters, (unsigned long long)reg,
			       tally_permyriad(pts[i].voters, reg));
		else
			printf("  %s  %8s  %14s  %8s\n", hm, cli_commas(pts[i].stations, a),
			       cli_commas(pts[i].voters, b), cli_pct(pts[i].voters, reg, p));
	}
	if (strcmp(format, "json") == 0)
		printf("]}\n");
	tally_free(all);
out:
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}
