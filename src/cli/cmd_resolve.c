/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_resolve.c: the double-entry differences: `tally conflicts` lists them
 * with their difference reports, `tally resolve` settles one by keeping one
 * of the two entries or discarding both (the station is then entered again).
 */
#include "cli/cli.h"
#include "render/render.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cli_print_diff(FILE *f, tally_store *s, const tally_election *e, uint32_t st)
{
	tally_entry_row *rows = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_entries(s, e, st, &rows, &n, &err)) {
		cli_error(&err);
		return EXIT_USER;
	}
	const tally_entry_row *d[2] = {NULL, NULL};
	size_t nd = 0;
	for (size_t i = 0; i < n && nd < 2; i++)
		if (rows[i].state == TALLY_ENTRY_DISPUTED)
			d[nd++] = &rows[i];
	if (nd == 2) {
		const tally_station *sta = &e->stations[st];
		const tally_constituency *c = &e->constituencies[sta->constituency];
		tally_diff_item items[TALLY_MAX_LINES + TALLY_MAX_CANDIDATES];
		size_t k = tally_protocol_diff(&d[0]->p, &d[1]->p, items,
		                               sizeof items / sizeof items[0]);
		fprintf(f, "difference: station %s (%s): entry %lld by %s and entry %lld by %s differ "
		           "in %zu line%s; neither is accepted\n",
		        sta->id, c->id, (long long)d[0]->id, d[0]->operator_id, (long long)d[1]->id,
		        d[1]->operator_id, k, k == 1 ? "" : "s");
		for (size_t i = 0; i < k && i < sizeof items / sizeof items[0]; i++) {
			char a[32], b[32];
			if (items[i].line == TALLY_LINE_CANDIDATES) {
				const tally_candidate *cd = &e->candidates[c->candidates[items[i].cand]];
				char n1[160];
				fprintf(f, "  candidate %-18s %s %12s  %12s\n", cd->id,
				        render_fit(n1, sizeof n1, cd->name, 30),
				        cli_commas(items[i].a, a), cli_commas(items[i].b, b));
			} else {
				const tally_line *l = &e->tmpl->lines[items[i].line];
				char n1[160];
				fprintf(f, "  line %-23s %s %12s  %12s\n", l->key,
				        render_fit(n1, sizeof n1, l->label, 30),
				        cli_commas(items[i].a, a), cli_commas(items[i].b, b));
			}
		}
	}
	tally_store_rows_free(rows, n);
	return EXIT_OK;
}

static const char conflicts_help[] =
	"usage: tally conflicts [--db PATH]\n"
	"\n"
	"List every station whose two entries differ, with the difference report.\n"
	"Settle each with a third operator's entry or with 'tally resolve'.\n";

int cmd_conflicts(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db();
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'h': fputs(conflicts_help, stdout); return EXIT_OK;
		default: return cli_usage("conflicts", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("conflicts", "unexpected argument '%s'", argv[optind]);
	tally_store *s = NULL;
	tally_election *e = NULL;
	int rc = cli_open(db, &s, &e);
	if (rc)
		return rc;
	uint32_t *list = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_conflicts(s, e, &list, &n, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
	} else {
		for (size_t i = 0; i < n; i++)
			cli_print_diff(stdout, s, e, list[i]);
		printf("%zu station%s in conflict\n", n, n == 1 ? "" : "s");
	}
	tally_free(list);
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}

static const char resolve_help[] =
	"usage: tally resolve STATION (--keep ENTRY | --discard) [--by WHO] [--db PATH]\n"
	"\n"
	"Settle the double-entry difference of STATION: --keep ENTRY accepts that one\n"
	"of the two differing entries (their ids are in 'tally conflicts'); --discard\n"
	"sets both aside so the station is entered again by two operators.\n"
	"\n"
	"  --by WHO    who decides (recorded; default $USER)\n";

int cmd_resolve(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"keep", required_argument, NULL, 'k'},
	                                     {"discard", no_argument, NULL, 'x'},
	                                     {"by", required_argument, NULL, 'b'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *who = getenv("USER");
	long long keep = -1;
	bool discard = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:k:xb:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'k': {
			char *end = NULL;
			errno = 0;
			keep = strtoll(optarg, &end, 10);
			/* ERANGE: a number beyond int64 is refused, never clamped */
			if (!end || *end || end == optarg || errno == ERANGE || keep <= 0)
				return cli_usage("resolve", "--keep takes an entry id (a positive number)");
			break;
		}
		case 'x': discard = true; break;
		case 'b': who = optarg; break;
		case 'h': fputs(resolve_help, stdout); return EXIT_OK;
		default: return cli_usage("resolve", "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage("resolve", "give exactly one station id");
	if ((keep > 0) == discard)
		return cli_usage("resolve", "give either --keep ENTRY or --discard");
	if (!who || !*who)
		who = "cli";
	tally_store *s = NULL;
	tally_election *e = NULL;
	int rc = cli_open(db, &s, &e);
	if (rc)
		return rc;
	uint32_t st = tally_election_station(e, argv[optind]);
	tally_error err = TALLY_ERROR_INIT;
	if (st == TALLY_NONE) {
		tally_error_set(&err, TALLY_ENOTFOUND, "P005", argv[optind], "unknown station");
		cli_error(&err);
		rc = EXIT_USER;
	} else if (tally_store_resolve(s, e, st, discard ? 0 : keep, who, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
	} else if (discard) {
		printf("station %s: both entries discarded; enter the protocol again\n", argv[optind]);
	} else {
		printf("station %s: entry %lld accepted\n", argv[optind], keep);
	}
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}
