/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_annul.c: `tally annul` annuls a station's or a constituency's result
 * with a reason, one at a time or from a CSV file (station,reason or
 * constituency,reason). A file is taken whole or not at all.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: tally annul (--station ID | --constituency ID) --reason TEXT [--by WHO]\n"
	"       tally annul --file FILE.csv [--by WHO]\n"
	"\n"
	"Annul a polling station's result (it no longer counts, and counts as an invalid\n"
	"station for the 2/5 rule of art. 170.2) or a whole constituency's result (its\n"
	"outcome becomes invalid). A reason is required and recorded with who and when.\n"
	"FILE has the header 'station,reason' or 'constituency,reason'.\n"
	"\n"
	"  --db PATH   the database (default $TALLY_DB, else ./tally.db)\n";

static int annul_one(tally_store *s, const tally_election *e, bool cons, const char *id,
                     const char *reason, const char *who)
{
	tally_error err = TALLY_ERROR_INIT;
	uint32_t idx = cons ? tally_election_constituency(e, id) : tally_election_station(e, id);
	int rc;
	if (idx == TALLY_NONE) {
		tally_error_set(&err, TALLY_ENOTFOUND, cons ? "A003" : "P005", id, "unknown %s '%s'",
		                cons ? "constituency" : "station", id);
		cli_error(&err);
		return EXIT_USER;
	}
	rc = cons ? tally_store_annul_constituency(s, e, idx, reason, who, &err)
	          : tally_store_annul_station(s, e, idx, reason, who, &err);
	if (rc) {
		cli_error(&err);
		return EXIT_USER;
	}
	return EXIT_OK;
}

int cmd_annul(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"station", required_argument, NULL, 's'},
	                                     {"constituency", required_argument, NULL, 'c'},
	                                     {"reason", required_argument, NULL, 'r'},
	                                     {"file", required_argument, NULL, 'f'},
	                                     {"by", required_argument, NULL, 'b'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *station = NULL, *cons = NULL, *reason = NULL;
	const char *file = NULL, *who = getenv("USER");
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:s:c:r:f:b:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': station = optarg; break;
		case 'c': cons = optarg; break;
		case 'r': reason = optarg; break;
		case 'f': file = optarg; break;
		case 'b': who = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("annul", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("annul", "unexpected argument '%s'", argv[optind]);
	if ((station != NULL) + (cons != NULL) + (file != NULL) != 1)
		return cli_usage("annul", "give one of --station, --constituency or --file");
	if (!file && (!reason || !*reason)) {
		tally_error err = TALLY_ERROR_INIT;
		tally_error_set(&err, TALLY_EINVAL, "A002", station ? station : cons,
		                "an annulment needs a reason (--reason)");
		cli_error(&err);
		return EXIT_USER;
	}
	if (!who || !*who)
		who = "cli";
	tally_store *s = NULL;
	tally_election *e = NULL;
	int rc = cli_open(db, &s, &e);
	if (rc)
		return rc;
	if (!file) {
		rc = annul_one(s, e, cons != NULL, cons ? cons : station, reason, who);
		if (!rc)
			printf("annulled %s %s: %s\n", cons ? "constituency" : "station",
			       cons ? cons : station, reason);
		goto out;
	}
	size_t len = 0;
	char *buf = cli_read(file, TALLY_MAX_INPUT_BYTES, &len);
	if (!buf) {
		rc = EXIT_USER;
		goto out;
	}
	/* check the whole file before annulling anything */
	tally_csv csv;
	tally_error err = TALLY_ERROR_INIT;
	tally_csv_init(&csv, buf, len, ',', file);
	int r = tally_csv_next(&csv, &err);
	bool by_cons = false;
	if (r == 1 && csv.n_fields == 2 && tally_csv_eq(&csv.fields[1], "reason") &&
	    (tally_csv_eq(&csv.fields[0], "station") || tally_csv_eq(&csv.fields[0], "constituency")))
		by_cons = tally_csv_eq(&csv.fields[0], "constituency");
	else if (r >= 0)
		r = tally_error_set(&err, TALLY_EINVAL, "C003", file,
		                    "the header must be 'station,reason' or 'constituency,reason'");
	size_t cap = 0, n = 0;
	char **ids = NULL, **reasons = NULL;
	while (r >= 0 && (r = tally_csv_next(&csv, &err)) == 1) {
		char where[300];
		snprintf(where, sizeof where, "%s: line %llu", file, (unsigned long long)csv.line);
		if (csv.n_fields != 2) {
			r = tally_error_set(&err, TALLY_EINVAL, "C002", where, "expected 2 fields");
			break;
		}
		if (csv.fields[1].len == 0) {
			r = tally_error_set(&err, TALLY_EINVAL, "A002", where, "the reason is empty");
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **ni = realloc(ids, cap * sizeof *ni), **nr = NULL;
			if (ni)
				ids = ni;
			nr = realloc(reasons, cap * sizeof *nr);
			if (nr)
				reasons = nr;
			if (!ni || !nr) {
				r = tally_error_set(&err, TALLY_ENOMEM, "", where, "out of memory");
				break;
			}
		}
		ids[n] = strndup(csv.fields[0].s, csv.fields[0].len);
		reasons[n] = strndup(csv.fields[1].s, csv.fields[1].len);
		n++;
		uint32_t idx = by_cons ? tally_election_constituency(e, ids[n - 1])
		                       : tally_election_station(e, ids[n - 1]);
		if (!ids[n - 1] || !reasons[n - 1] || idx == TALLY_NONE) {
			r = tally_error_set(&err, TALLY_ENOTFOUND, by_cons ? "A003" : "P005", where,
			                    "unknown %s '%s'", by_cons ? "constituency" : "station",
			                    ids[n - 1] ? ids[n - 1] : "?");
			break;
		}
	}
	tally_csv_release(&csv);
	free(buf);
	/* refuse the file whole if any row is already annulled, or twice in it */
	if (r >= 0) {
		tally_annulment_row *done = NULL;
		size_t nd = 0;
		if (tally_store_annulments(s, e, &done, &nd, &err))
			r = -1;
		for (size_t i = 0; r >= 0 && i < n; i++) {
			uint32_t idx = by_cons ? tally_election_constituency(e, ids[i])
			                       : tally_election_station(e, ids[i]);
			bool dup = false;
			for (size_t j = 0; j < nd; j++)
				dup |= done[j].kind == (by_cons ? 1 : 0) && done[j].target == idx;
			for (size_t j = 0; j < i; j++)
				dup |= strcmp(ids[j], ids[i]) == 0;
			if (dup)
				r = tally_error_set(&err, TALLY_ECONFLICT, "A001", file,
				                    "%s '%s' is already annulled (or listed twice)",
				                    by_cons ? "constituency" : "station", ids[i]);
		}
		tally_free(done);
	}
	if (r < 0) {
		cli_error(&err);
		fprintf(stderr, "nothing was annulled\n");
		rc = EXIT_USER;
	} else {
		size_t done = 0;
		for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
			rc = annul_one(s, e, by_cons, ids[i], reasons[i], who);
			done += rc == EXIT_OK;
		}
		printf("annulled %zu %s%s\n", done, by_cons ? "constituenc" : "station",
		       by_cons ? (done == 1 ? "y" : "ies") : (done == 1 ? "" : "s"));
	}
	for (size_t i = 0; i < n; i++) {
		free(ids[i]);
		free(reasons[i]);
	}
	free(ids);
	free(reasons);
out:
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}
