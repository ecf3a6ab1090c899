/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_results.c: `tally results` counts what is stored and prints it:
 * nationally, for one constituency, or for one station (its protocol line
 * by line, the relations it breaks, and every entry and version).
 */
#include "cli/cli.h"
#include "render/render.h"
#include "render/standards.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char help[] =
	"usage: tally results [--db PATH] [--format text|csv|json]\n"
	"                     [--constituency ID | --station ID]\n"
	"       tally results [--db PATH] --format nist-err-json|nist-err-xml|eml-510|eml-520\n"
	"                     [-o FILE] [--issuer NAME] [--issuer-abbrev ABBR] [--language TAG]\n"
	"\n"
	"Count every accepted protocol and print the results: reporting progress,\n"
	"turnout, seats and votes by party and bloc (independents apart), every\n"
	"constituency's outcome (elected, failed, invalid, incomplete) with winner and\n"
	"margin, and the protocols flagged by a control relation.\n"
	"\n"
	"  --constituency ID  one constituency: candidates and every station\n"
	"  --station ID       one station: its protocol, checks and history\n"
	"  --format F         text (default), csv or json; or a standard interchange\n"
	"                     format of the whole election (docs/formats.md section 10):\n"
	"                       nist-err-json  NIST SP 1500-100 v2 Election Results\n"
	"                       nist-err-xml   Reporting, JSON or XML\n"
	"                       eml-510        OASIS EML 5.0 count: every station\n"
	"                       eml-520        OASIS EML 5.0 result: ranking, elected\n"
	"  -o, --output FILE  write to FILE (atomically) instead of standard output\n"
	"  --issuer NAME      the issuing body in a standard format (default 'Central\n"
	"                     Election Commission'); --issuer-abbrev its abbreviation\n"
	"                     (default CEC)\n"
	"  --language TAG     the language of the names, a BCP 47 tag (default und:\n"
	"                     not stated)\n"
	"\n"
	"A standard export is the same bytes for the same database: it is dated\n"
	"with the time of the last entry of the transparency log.\n";

static void station_text(FILE *f, const tally_results *r, tally_store *s, uint32_t st,
                         render_format fmt)
{
	const tally_election *e = r->e;
	const tally_station *sta = &e->stations[st];
	const tally_constituency *con = &e->constituencies[sta->constituency];
	const tally_station_result *sr = &r->st[st];
	const uint32_t *v = tally_results_station_values(r, st);
	tally_entry_row *rows = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_entries(s, e, st, &rows, &n, &err))
		cli_error(&err);
	static const char *const states[] = {"pending", "disputed", "accepted", "discarded"};
	char a[32], b[32];
	if (fmt == RENDER_JSON) {
		fprintf(f, "{\"station\":");
		render_json_str(f, sta->id);
		fprintf(f, ",\"name\":");
		render_json_str(f, sta->name);
		fprintf(f, ",\"constituency\":");
		render_json_str(f, con->id);
		fprintf(f, ",\"registered\":%llu,\"type\":\"%s\",\"reported\":%s,\"annulled\":%s,"
		           "\"version\":%u,\"lines\":{",
		        (unsigned long long)sta->registered, tally_station_type_name(sta->type),
		        sr->reported ? "true" : "false", sr->annulled ? "true" : "false", sr->version);
		for (uint32_t k = 0; v && k < e->tmpl->n_lines; k++) {
			fprintf(f, "%s", k ? "," : "");
			render_json_str(f, e->tmpl->lines[k].key);
			fprintf(f, ":%u", v[k]);
		}
		fprintf(f, "},\"candidates\":{");
		for (uint32_t k = 0; v && k < con->n_candidates; k++) {
			fprintf(f, "%s", k ? "," : "");
			render_json_str(f, e->candidates[con->candidates[k]].id);
			fprintf(f, ":%u", v[e->tmpl->n_lines + k]);
		}
		fprintf(f, "},\"failed\":[");
		bool first = true;
		for (uint32_t k = 0; k < e->tmpl->n_relations; k++)
			if (sr->failed & ((uint64_t)1 << k)) {
				fprintf(f, "%s", first ? "" : ",");
				first = false;
				render_json_str(f, e->tmpl->relations[k].code);
			}
		fprintf(f, "],\"entries\":[");
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%s{\"id\":%lld,\"version\":%u,\"operator\":", i ? "," : "",
			        (long long)rows[i].id, rows[i].version);
			render_json_str(f, rows[i].operator_id);
			fprintf(f, ",\"state\":\"%s\",\"created\":", states[rows[i].state & 3]);
			render_json_str(f, rows[i].created);
			fprintf(f, ",\"reason\":");
			render_json_str(f, rows[i].reason);
			fprintf(f, "}");
		}
		fprintf(f, "]}\n");
		tally_store_rows_free(rows, n);
		return;
	}
	if (fmt == RENDER_CSV) {
		fprintf(f, "station,item,key,label,value\n");
		for (uint32_t k = 0; v && k < e->tmpl->n_lines; k++) {
			render_csv_str(f, sta->id);
			fprintf(f, ",line,%s,", e->tmpl->lines[k].key);
			render_csv_str(f, e->tmpl->lines[k].label);
			fprintf(f, ",%u\n", v[k]);
		}
		for (uint32_t k = 0; v && k < con->n_candidates; k++) {
			const tally_candidate *cd = &e->candidates[con->candidates[k]];
			render_csv_str(f, sta->id);
			fputs(",candidate,", f);
			render_csv_str(f, cd->id);
			fputc(',', f);
			render_csv_str(f, cd->name);
			fprintf(f, ",%u\n", v[e->tmpl->n_lines + k]);
		}
		tally_store_rows_free(rows, n);
		return;
	}
	fprintf(f, "Station %s %s\n", sta->id, sta->name);
	fprintf(f, "  Constituency %s %s; %s; %s registered voters\n", con->id, con->name,
	        tally_station_type_name(sta->type), cli_commas(sta->registered, a));
	fprintf(f, "  Status       %s, version %u\n",
	        sr->annulled ? "annulled" : sr->reported ? "reported" : "not reported", sr->version);
	if (v) {
		fprintf(f, "\n  Protocol (accepted version %u)\n", sr->version);
		for (uint32_t k = 0; k < e->tmpl->n_lines; k++) {
			char n1[300];
			fprintf(f, "    %s %12s\n", render_fit(n1, sizeof n1, e->tmpl->lines[k].label, 58),
			        cli_commas(v[k], a));
		}
		for (uint32_t k = 0; k < con->n_candidates; k++) {
			const tally_candidate *cd = &e->candidates[con->candidates[k]];
			char label[160];
			snprintf(label, sizeof label, "%s (%s)", cd->name,
			         tally_candidate_affiliation(e, con->candidates[k]));
			char n1[300];
			fprintf(f, "    %s %12s\n", render_fit(n1, sizeof n1, label, 58),
			        cli_commas(v[e->tmpl->n_lines + k], b));
		}
		/* re-check to describe each failed relation */
		tally_protocol p;
		if (tally_protocol_init(&p, e, st) == TALLY_OK) {
			for (uint32_t k = 0; k < p.n_lines; k++)
				p.lines[k] = v[k];
			for (uint32_t k = 0; k < p.n_cand; k++)
				p.cand[k] = v[p.n_lines + k];
			tally_check ck;
			tally_protocol_check(e, &p, &ck);
			fprintf(f, "\n  Checks       %u relations, %u broken\n", e->tmpl->n_relations, ck.n);
			for (uint32_t k = 0; k < ck.n; k++) {
				char d[400];
				tally_violation_describe(e, &ck.v[k], d, sizeof d);
				fprintf(f, "    %s\n", d);
			}
			tally_protocol_release(&p);
		}
	}
	fprintf(f, "\n  History\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "    entry %-6lld for version %u by %-18s %-9s %s%s%s\n", (long long)rows[i].id,
		        rows[i].version, rows[i].operator_id, states[rows[i].state & 3], rows[i].created,
		        rows[i].reason[0] ? "  reason: " : "", rows[i].reason);
	if (!n)
		fprintf(f, "    no entries\n");
	tally_store_rows_free(rows, n);
}

/* A BCP 47 tag as xsd:language takes it: 1-8 letters, then "-" and 1-8
 * letters or digits, repeated (RFC 5646's well-formed subset). */
static bool language_ok(const char *s)
{
	size_t n = 0;
	bool first = true;
	for (;; s++) {
		char ch = *s;
		bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		if (alpha || (!first && ch >= '0' && ch <= '9')) {
			if (++n > 8)
				return false;
		} else if (ch == '-' || ch == '\0') {
			if (n == 0)
				return false;
			if (ch == '\0')
				return true;
			n = 0;
			first = false;
		} else {
			return false;
		}
	}
}

/* Writes the count in a standard format to standard output, or to "outp"
 * through a temporary file beside it, synced and renamed into place, so
 * that a reader never sees half an export (the exports of a large election
 * run to hundreds of megabytes: they are streamed, not held in memory). */
static int standard(tally_store *s, const tally_results *r, render_std_format fmt,
                    const render_std_opts *opts_in, const char *outp)
{
	char when[32], tmp[4096];
	render_std_opts o = *opts_in;
	cli_as_of(s, r->e, when);
	o.generated = when;
	bool to_file = outp && strcmp(outp, "-") != 0;
	FILE *f = stdout;
	if (to_file) {
		snprintf(tmp, sizeof tmp, "%s.tmp.%ld", outp, (long)getpid());
		if (!(f = fopen(tmp, "wb"))) {
			cli_errorf("cannot create '%s': %s", tmp, strerror(errno));
			return EXIT_USER;
		}
	}
	uint64_t replaced = 0;
	int rc = render_standard(f, r, fmt, &o, &replaced);
	if (fflush(f) != 0 || rc != 0 || (to_file && fsync(fileno(f)) != 0))
		rc = -1;
	if (to_file && fclose(f) != 0)
		rc = -1;
	if (rc == 0 && to_file && rename(tmp, outp) != 0) {
		cli_errorf("cannot rename '%s' to '%s': %s", tmp, outp, strerror(errno));
		unlink(tmp);
		return EXIT_USER;
	}
	if (rc != 0) {
		cli_errorf("cannot write %s: %s", to_file ? tmp : "to standard output",
		           strerror(errno));
		if (to_file)
			unlink(tmp);
		return EXIT_USER;
	}
	if (replaced)
		fprintf(stderr, "warning: %llu character%s of names could not be written as XML "
		                "and %s replaced by U+FFFD\n",
		        (unsigned long long)replaced, replaced == 1 ? "" : "s",
		        replaced == 1 ? "was" : "were");
	return EXIT_OK;
}

int cmd_results(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"constituency", required_argument, NULL, 'c'},
	                                     {"station", required_argument, NULL, 's'},
	                                     {"output", required_argument, NULL, 'o'},
	                                     {"issuer", required_argument, NULL, 'I'},
	                                     {"issuer-abbrev", required_argument, NULL, 'A'},
	                                     {"language", required_argument, NULL, 'L'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *format = "text", *cons = NULL, *station = NULL;
	const char *outp = NULL;
	render_std_opts sopts = {"Central Election Commission", "CEC", "und", NULL};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:f:c:s:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f': format = optarg; break;
		case 'c': cons = optarg; break;
		case 's': station = optarg; break;
		case 'o': outp = optarg; break;
		case 'I': sopts.issuer = optarg; break;
		case 'A': sopts.issuer_abbrev = optarg; break;
		case 'L': sopts.language = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("results", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("results", "unexpected argument '%s'", argv[optind]);
	render_format fmt = RENDER_TEXT;
	render_std_format sfmt;
	bool std = render_std_format_parse(format, &sfmt);
	if (std) {
		if (cons || station)
			return cli_usage("results", "--format %s exports the whole election: "
			                            "no --constituency or --station", format);
		if (!*sopts.issuer || !*sopts.issuer_abbrev)
			return cli_usage("results", "--issuer and --issuer-abbrev must not be empty");
		if (!language_ok(sopts.language))
			return cli_usage("results", "--language '%s' is not a language tag "
			                            "(letters, digits and '-', such as az, ru, en, "
			                            "az-Latn)", sopts.language);
	} else if (outp) {
		return cli_usage("results", "-o is for the standard formats");
	} else if (strcmp(format, "text") == 0)
		fmt = RENDER_TEXT;
	else if (strcmp(format, "csv") == 0)
		fmt = RENDER_CSV;
	else if (strcmp(format, "json") == 0)
		fmt = RENDER_JSON;
	else
		return cli_usage("results", "--format is text, csv, json, nist-err-json, "
		                            "nist-err-xml, eml-510 or eml-520");
	if (cons && station)
		return cli_usage("results", "give --constituency or --station, not both");
	tally_store *s = NULL;
	tally_election *e = NULL;
	int rc = cli_open(db, &s, &e);
	if (rc)
		return rc;
	tally_results *r = NULL;
	tally_error err = TALLY_ERROR_INIT;
	uint32_t idx = TALLY_NONE;
	if (cons && (idx = tally_election_constituency(e, cons)) == TALLY_NONE) {
		tally_error_set(&err, TALLY_ENOTFOUND, "A003", cons, "unknown constituency '%s'", cons);
		cli_error(&err);
		rc = EXIT_USER;
	} else if (station && (idx = tally_election_station(e, station)) == TALLY_NONE) {
		tally_error_set(&err, TALLY_ENOTFOUND, "P005", station, "unknown station '%s'", station);
		cli_error(&err);
		rc = EXIT_USER;
	} else if (tally_store_count(s, e, &r, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
	} else if (std) {
		rc = standard(s, r, sfmt, &sopts, outp);
	} else if (cons) {
		render_constituency(stdout, r, idx, fmt);
	} else if (station) {
		station_text(stdout, r, s, idx, fmt);
	} else {
		render_results(stdout, r, fmt);
	}
	tally_results_free(r);
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}
