/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_submit.c: `tally submit` enters protocols from JSON or CSV files. A
 * file is parsed whole first (a malformed file stores nothing); each entry
 * is then decided by the double-entry rules and the control relations, and
 * all stored entries are committed durably together. Refused entries are
 * listed with their reason and code; differences between two entries are
 * printed as difference reports.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: tally submit [--db PATH] [--format json|csv] [--quiet] FILE...\n"
	"       tally submit --sign COMMISSION.key [--receipt FILE --key CEC.key] FILE\n"
	"\n"
	"Enter protocols. FILE holds one protocol, an array of them, {\"protocols\": [...]}\n"
	"(JSON), or a CSV with the columns station, operator, [reason], the template's\n"
	"line keys and candidate ids (empty cells for candidates of other\n"
	"constituencies). '-' reads standard input.\n"
	"\n"
	"With double entry on (the default), a station's protocol is accepted when two\n"
	"entries by different operators agree; when they differ, neither is accepted\n"
	"and a difference report is printed: a third operator's entry that agrees with\n"
	"one of them, or 'tally resolve', settles it. A protocol that breaks an\n"
	"error-severity control relation is refused; warnings are recorded and shown.\n"
	"A correction of an accepted protocol needs a \"reason\" and becomes a new\n"
	"version; earlier versions are kept.\n"
	"\n"
	"  --db PATH          the database (default $TALLY_DB, else ./tally.db)\n"
	"  --format F         json or csv (default: guessed from the content)\n"
	"  -q, --quiet        print only the summary and refusals\n"
	"  --sign KEY         sign FILE's exact bytes with a commission's key (one\n"
	"                     protocol per file [L022]). The station's registered key must\n"
	"                     verify it [L019, L014]; a signed protocol needs no second\n"
	"                     entry. A refused signed protocol is logged as evidence.\n"
	"  --receipt FILE     write the accepted protocol's receipt (log entry, leaf hash,\n"
	"                     inclusion proof, checkpoint signed with --key CEC.key)\n"
	"\n"
	"exit status: 0 if every entry was stored, 1 if any was refused or a file is bad.\n";

int cmd_submit(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"quiet", no_argument, NULL, 'q'},
	                                     {"sign", required_argument, NULL, 'S'},
	                                     {"receipt", required_argument, NULL, 'R'},
	                                     {"key", required_argument, NULL, 'K'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *format = NULL;
	const char *signkey = NULL, *receipt = NULL, *cec = NULL;
	tally_note_signer signer;
	uint64_t receipt_entry = 0;
	bool has_receipt_entry = false;
	bool quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:f:q", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f': format = optarg; break;
		case 'q': quiet = true; break;
		case 'S': signkey = optarg; break;
		case 'R': receipt = optarg; break;
		case 'K': cec = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("submit", "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage("submit", "give at least one protocol file");
	if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
		return cli_usage("submit", "--format is json or csv");
	if ((signkey || receipt) && argc - optind != 1)
		return cli_usage("submit", "--sign and --receipt take exactly one file");
	if ((receipt != NULL) != (cec != NULL))
		return cli_usage("submit", "--receipt needs --key CEC.key (and --key needs --receipt)");
	memset(&signer, 0, sizeof signer);
	if (signkey && cli_read_signer(signkey, &signer) != EXIT_OK)
		return EXIT_USER;
	if (cec) {
		/* the CEC key signs the receipt after the commit: read it now, so that
		 * a bad key refuses the submission before anything is stored */
		tally_note_signer probe;
		memset(&probe, 0, sizeof probe);
		int bad = cli_read_signer(cec, &probe) != EXIT_OK;
		tally_note_signer_release(&probe);
		if (bad) {
			tally_note_signer_release(&signer);
			return EXIT_USER;
		}
	}
	tally_store *s = NULL;
	tally_election *e = NULL;
	int rc = cli_open(db, &s, &e);
	if (rc) {
		tally_note_signer_release(&signer);
		return rc;
	}
	size_t counts[5] = {0}, refused = 0, warned = 0;
	for (int fi = optind; fi < argc && rc == EXIT_OK; fi++) {
		const char *path = argv[fi];
		size_t len = 0, n = 0;
		char *buf = cli_read(path, TALLY_MAX_INPUT_BYTES, &len);
		if (!buf) {
			rc = EXIT_USER;
			break;
		}
		tally_entry *entries = NULL;
		tally_error err = TALLY_ERROR_INIT;
		if (tally_entries_parse(e, buf, len, path, format, &entries, &n, &err)) {
			cli_error(&err);
			fprintf(stderr, "nothing from '%s' was stored\n", path);
			free(buf);
			rc = EXIT_USER;
			break;
		}
		if (signkey && n != 1) {
			tally_error_set(&err, TALLY_EINVAL, "L022", path,
			                "a signed file holds exactly one protocol (this one holds %zu)", n);
			cli_error(&err);
			fprintf(stderr, "nothing from '%s' was stored\n", path);
			tally_entries_free(entries, n);
			free(buf);
			rc = EXIT_USER;
			break;
		}
		tally_submit_outcome *out = calloc(n ? n : 1, sizeof *out);
		int src = TALLY_OK;
		if (signkey && out) {
			tally_store_signed sb;
			memset(&sb, 0, sizeof sb);
			sb.body = (const uint8_t *)buf;
			sb.len = len;
			memcpy(sb.pub, signer.v.pub, sizeof sb.pub);
			tally_ed25519_sign(signer.sk, buf, len, sb.sig);
			src = tally_store_submit_signed(s, e, &entries[0], &sb, out, &err);
		} else if (out) {
			src = tally_store_submit(s, e, entries, n, out, &err);
		}
		free(buf);
		if (!out) {
			cli_errorf("out of memory");
			tally_entries_free(entries, n);
			rc = EXIT_USER;
			break;
		}
		if (src) {
			cli_error(&err);
			fprintf(stderr, "nothing from '%s' was stored\n", path);
			rc = EXIT_USER;
		} else {
			for (size_t i = 0; i < n; i++) {
				const char *sid = e->stations[entries[i].p.station].id;
				if (out[i].status != TALLY_OK) {
					refused++;
					cli_error(&out[i].err);
					continue;
				}
				counts[out[i].action]++;
				if (out[i].log_index) {
					receipt_entry = out[i].log_index;
					has_receipt_entry = true;
				}
				if (out[i].check.n_warnings) {
					warned++;
					if (!quiet)
						for (uint32_t k = 0; k < out[i].check.n; k++) {
							char d[400];
							tally_violation_describe(e, &out[i].check.v[k], d, sizeof d);
							printf("warning: station %s: %s\n", sid, d);
						}
				}
				if (out[i].action == TALLY_ACT_CONFLICT && !quiet)
					cli_print_diff(stdout, s, e, entries[i].p.station);
			}
		}
		free(out);
		tally_entries_free(entries, n);
	}
	char a[32], b[32], c3[32], d[32], e5[32], f6[32], g[32];
	printf("submitted: %s accepted, %s waiting for a second entry, %s in conflict, %s "
	       "resolved by a third entry, %s repeats, %s refused, %s with warnings\n",
	       cli_commas(counts[TALLY_ACT_ACCEPT], a), cli_commas(counts[TALLY_ACT_PEND], b),
	       cli_commas(counts[TALLY_ACT_CONFLICT], c3), cli_commas(counts[TALLY_ACT_RESOLVE], d),
	       cli_commas(counts[TALLY_ACT_DUPLICATE], e5), cli_commas(refused, f6),
	       cli_commas(warned, g));
	if (refused && rc == EXIT_OK)
		rc = EXIT_USER;
	if (receipt && rc == EXIT_OK) {
		if (!has_receipt_entry) {
			cli_errorf("no protocol version was accepted, so there is no receipt to write "
			           "(with double entry on, the second agreeing entry is accepted)");
			rc = EXIT_USER;
		} else {
			rc = cli_log_receipt(s, receipt_entry, cec, receipt);
		}
	}
	tally_note_signer_release(&signer);
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}
