/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_export.c: `tally export` writes the stored definition back in its
 * canonical form (docs/formats.md); `tally init` of that file and another
 * export give the same bytes.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>

static const char help[] =
	"usage: tally export [--db PATH] [-o FILE]\n"
	"\n"
	"Write the election definition stored in the database as canonical JSON.\n"
	"\n"
	"  --db PATH        the database (default $TALLY_DB, else ./tally.db)\n"
	"  -o, --output F   write to F (atomically) instead of standard output\n";

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"output", required_argument, NULL, 'o'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *outp = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'o': outp = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("export", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("export", "unexpected argument '%s'", argv[optind]);
	tally_store *s = NULL;
	tally_election *e = NULL;
	int rc = cli_open(db, &s, &e);
	if (rc)
		return rc;
	char *text = NULL;
	size_t len = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_election_write(e, &text, &len, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
	} else {
		rc = cli_write(outp, text, len);
	}
	tally_free(text);
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}
