/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_import.c: `tally import` reads real polling-station data (CSV) with a
 * preset or a column map, builds the election, checks every protocol
 * against the template's relations, stores it all in a new database that
 * appears complete or not at all, and prints the results and the stations that break a
 * relation (never dropping them).
 */
#include "cli/cli.h"
#include "render/render.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: tally import FILE.csv (--preset NAME | --map MAP.json) [--db PATH]\n"
	"                    [--violations OUT.csv] [--format text|csv|json] [--no-store] [--log]\n"
	"\n"
	"Import a polling-station results file ('-' reads standard input; for a zip,\n"
	"pipe it: unzip -p FILE.zip | tally import - ...). Presets: ru-2018, ru-2011,\n"
	"pl-2020 ('tally presets'); a column map describes any other layout\n"
	"(docs/formats.md). Every protocol is checked; stations that break a control\n"
	"relation are counted, listed and kept.\n"
	"\n"
	"  --db PATH            the database to create (must not exist; default $TALLY_DB,\n"
	"                       else ./tally.db)\n"
	"  --violations OUT     write every broken relation as CSV\n"
	"                       (station,code,severity,relation,lhs,rhs)\n"
	"  --format F           how to print the results (default text)\n"
	"  --no-store           check and count only; create no database\n"
	"  --log                also enter every imported protocol in the transparency log,\n"
	"                       so that results published over the import verify (slower)\n";

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"preset", required_argument, NULL, 'p'},
	                                     {"map", required_argument, NULL, 'm'},
	                                     {"violations", required_argument, NULL, 'V'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"no-store", no_argument, NULL, 'N'},
	                                     {"log", no_argument, NULL, 'L'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = NULL, *preset = NULL, *mapf = NULL, *viol = NULL, *format = "text";
	bool store = true, logged = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:p:m:V:f:NL", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'p': preset = optarg; break;
		case 'm': mapf = optarg; break;
		case 'V': viol = optarg; break;
		case 'f': format = optarg; break;
		case 'N': store = false; break;
		case 'L': logged = true; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("import", "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage("import", "give exactly one input file");
	if ((preset != NULL) == (mapf != NULL))
		return cli_usage("import", "give either --preset NAME or --map MAP.json");
	if (store && !db)
		db = cli_default_db();
	render_format fmt = strcmp(format, "json") == 0 ? RENDER_JSON
	                  : strcmp(format, "csv") == 0  ? RENDER_CSV
	                                                : RENDER_TEXT;
	if (strcmp(format, "text") && fmt == RENDER_TEXT)
		return cli_usage("import", "--format is text, csv or json");
	tally_error err = TALLY_ERROR_INIT;
	tally_import_map *map = NULL;
	tally_import *im = NULL;
	tally_store *s = NULL;
	tally_results *r = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc = EXIT_USER;
	if (cli_load_map(preset, mapf, &map))
		goto out;
	const char *in = argv[optind];
	if (!(buf = cli_read(in, TALLY_MAX_INPUT_BYTES, &len)))
		goto out;
	if (tally_import_csv(map, buf, len, strcmp(in, "-") ? in : "stdin", &im, &err)) {
		cli_error(&err);
		fprintf(stderr, "nothing was imported\n");
		goto out;
	}
	free(buf);
	buf = NULL;
	if (tally_results_new(im->e, &r)) {
		cli_errorf("out of memory");
		goto out;
	}
	for (size_t i = 0; i < im->n; i++)
		if (tally_results_add(r, &im->protocols[i], 1, &err)) {
			cli_error(&err);
			goto out;
		}
	if (tally_results_finish(r, &err)) {
		cli_error(&err);
		goto out;
	}
	if (viol) {
		FILE *vf = strcmp(viol, "-") ? fopen(viol, "w") : stdout;
		if (!vf) {
			cli_errorf("cannot create '%s'", viol);
			goto out;
		}
		fprintf(vf, "station,code,severity,relation,lhs,rhs\n");
		for (size_t i = 0; i < im->n; i++) {
			if (!im->checks[i].failed)
				continue;
			tally_check ck;
			tally_protocol_check(im->e, &im->protocols[i], &ck);
			for (uint32_t k = 0; k < ck.n; k++) {
				const tally_violation *v = &ck.v[k];
				const tally_relation *rel = &im->e->tmpl->relations[v->relation];
				render_csv_str(vf, im->e->stations[im->protocols[i].station].id);
				fprintf(vf, ",%s,%s,", rel->code,
				        rel->severity == TALLY_SEV_ERROR ? "error" : "warning");
				render_csv_str(vf, rel->text);
				fprintf(vf, ",%lld,%lld\n", (long long)v->lhs, (long long)v->rhs);
			}
		}
		if (vf != stdout && fclose(vf) != 0) {
			cli_errorf("cannot write '%s'", viol);
			goto out;
		}
	}
	/* the database last, so that nothing is created when anything before fails */
	if (store) {
		if (tally_store_create_import(db, im->e, im->protocols, im->n, "import", logged, &s, &err)) {
			cli_error(&err);
			goto out;
		}
	}
	render_results(stdout, r, fmt);
	if (fmt == RENDER_TEXT) {
		char a[32], b[32], d[32];
		printf("\nImported %s rows: %s stations, %s break an error relation, %s only a "
		       "warning relation%s%s\n",
		       cli_commas(im->rows, a), cli_commas(im->n, b),
		       cli_commas(im->stations_with_errors, d),
		       cli_commas(im->stations_with_warnings, (char[32]){0}), store ? "; stored in " : "",
		       store ? db : "");
		uint32_t per[TALLY_MAX_RELATIONS] = {0};
		for (size_t i = 0; i < im->n; i++)
			for (uint32_t k = 0; k < im->e->tmpl->n_relations; k++)
				per[k] += (uint32_t)((im->checks[i].failed >> k) & 1);
		for (uint32_t k = 0; k < im->e->tmpl->n_relations; k++)
			printf("  %-6s %-7s %8s stations  %s\n", im->e->tmpl->relations[k].code,
			       im->e->tmpl->relations[k].severity == TALLY_SEV_ERROR ? "error" : "warning",
			       cli_commas(per[k], a), im->e->tmpl->relations[k].text);
	}
	rc = EXIT_OK;
out:
	free(buf);
	tally_results_free(r);
	tally_store_close(s);
	tally_import_free(im);
	tally_import_map_free(map);
	return rc;
}
