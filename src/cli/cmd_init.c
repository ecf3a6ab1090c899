/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_init.c: `tally init` creates a database from a definition file, and
 * `tally check` checks a definition without storing anything. Both read the
 * whole file and report the first problem with its file, JSON path, reason
 * and code; nothing is stored on error.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char init_help[] =
	"usage: tally init DEFINITION.json [--db PATH]\n"
	"\n"
	"Create a new election database from a definition file (docs/formats.md).\n"
	"The definition is checked whole first; on any error nothing is created.\n"
	"\n"
	"  --db PATH   the database to create (default $TALLY_DB, else ./tally.db);\n"
	"              it must not exist yet\n"
	"  -h, --help  this text\n";

static const char check_help[] =
	"usage: tally check DEFINITION.json\n"
	"\n"
	"Check a definition file (ids, references, magnitudes, template, limits)\n"
	"and print a summary. Stores nothing. Exit 0 if it is valid, 1 if not.\n";

static int load_def(const char *path, tally_election **e)
{
	size_t len = 0;
	char *buf = cli_read(path, TALLY_MAX_DEF_BYTES, &len);
	if (!buf)
		return EXIT_USER;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_election_parse(buf, len, path, e, &err);
	free(buf);
	if (rc) {
		cli_error(&err);
		return EXIT_USER;
	}
	return EXIT_OK;
}

static void summary(const tally_election *e)
{
	char a[32], b[32];
	uint64_t reg = 0;
	for (uint32_t i = 0; i < e->n_stations; i++)
		reg += e->stations[i].registered;
	printf("%s (%s, %s): %u seats, %u constituencies, %s stations, %s registered voters,\n"
	       "%u parties, %u blocs, %u candidates; template %s, rule %s, double entry %s\n",
	       e->name, e->body, e->date, e->seats, e->n_constituencies, cli_commas(e->n_stations, a),
	       cli_commas(reg, b), e->n_parties, e->n_blocs, e->n_candidates,
	       e->tmpl->preset ? e->tmpl->preset : "(custom)", e->system.rule,
	       e->double_entry ? "on" : "off");
}

int cmd_init(int argc, char **argv)
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
		case 'h': fputs(init_help, stdout); return EXIT_OK;
		default: return cli_usage("init", "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage("init", "give exactly one definition file");
	tally_election *e = NULL;
	int rc = load_def(argv[optind], &e);
	if (rc)
		return rc;
	tally_store *s = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_create(db, e, &s, &err)) {
		cli_error(&err);
		tally_election_free(e);
		return EXIT_USER;
	}
	tally_store_close(s);
	printf("created %s\n", db);
	summary(e);
	tally_election_free(e);
	return EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(check_help, stdout);
		return EXIT_OK;
	}
	if (argc != 2)
		return cli_usage("check", "give exactly one definition file");
	tally_election *e = NULL;
	int rc = load_def(argv[1], &e);
	if (rc)
		return rc;
	printf("%s: valid\n", argv[1]);
	summary(e);
	tally_election_free(e);
	return EXIT_OK;
}
