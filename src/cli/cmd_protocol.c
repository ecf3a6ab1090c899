/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_protocol.c: `tally protocol` prints a protocol as a commission signs
 * it, as PDF (src/render/pdf.c): a polling station's result protocol, a
 * constituency's summary protocol or the final protocol of the central
 * commission, in Azerbaijani, Russian or English.
 */
#include "cli/cli.h"
#include "render/i18n.h"
#include "render/pdf.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: tally protocol (--station ID | --constituency ID | --final)\n"
	"                      [--lang az|ru|en] -o FILE.pdf [--db PATH]\n"
	"\n"
	"Print a protocol as PDF, as the commission signs it: the protocol's lines\n"
	"(labelled in the language), the votes of every candidate, the control\n"
	"relations and whether they hold, signature lines for the chairman, the\n"
	"deputy, the secretary and the members, and the transparency-log entry it\n"
	"rests on (its index, leaf hash and a QR code).\n"
	"\n"
	"  --station ID       a polling station's result protocol (its accepted\n"
	"                     version and that version's log entry; a station that has\n"
	"                     not reported gives a blank protocol to fill in)\n"
	"  --constituency ID  a constituency commission's summary protocol: totals,\n"
	"                     candidates, outcome, every station\n"
	"  --final            the central commission's final protocol: totals, seats by\n"
	"                     party and bloc, every elected candidate, the\n"
	"                     constituencies without one\n"
	"                     (both name the latest results statement in the log)\n"
	"  --lang L           az (Azerbaijani), ru (Russian) or en (English, default)\n"
	"  -o, --output FILE  the PDF to write (atomically; - for standard output)\n"
	"  --db PATH          the database (default $TALLY_DB, else ./tally.db)\n"
	"\n"
	"The PDF is the same bytes for the same database: it is dated with the time\n"
	"of the last entry of the transparency log. It is set in " RENDER_PDF_FONT "\n"
	"(Debian package " RENDER_PDF_FONT_PACKAGE "); translations are looked for in\n"
	"$TALLY_LOCALEDIR, else the installed locale directory.\n";

int cmd_protocol(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"station", required_argument, NULL, 's'},
	                                     {"constituency", required_argument, NULL, 'c'},
	                                     {"final", no_argument, NULL, 'F'},
	                                     {"lang", required_argument, NULL, 'l'},
	                                     {"output", required_argument, NULL, 'o'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *station = NULL, *cons = NULL, *lang = "en";
	const char *outp = NULL;
	bool final = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:s:c:l:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': station = optarg; break;
		case 'c': cons = optarg; break;
		case 'F': final = true; break;
		case 'l': lang = optarg; break;
		case 'o': outp = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("protocol", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("protocol", "unexpected argument '%s'", argv[optind]);
	if ((station != NULL) + (cons != NULL) + final != 1)
		return cli_usage("protocol", "give one of --station ID, --constituency ID, --final");
	if (!outp)
		return cli_usage("protocol", "give the PDF to write with -o FILE.pdf");
	char dir[1024];
	int lrc = render_i18n_use(lang, dir, sizeof dir);
	tally_error err = TALLY_ERROR_INIT;
	if (lrc == -1)
		return cli_usage("protocol", "--lang is az, ru or en, not '%s'", lang);
	if (lrc == -2) {
		tally_error_set(&err, TALLY_ENOTFOUND, "G001", dir,
		                "no '%s' message catalogue (tally.mo) here; run make install, or set "
		                "TALLY_LOCALEDIR to the directory that holds %s/LC_MESSAGES/tally.mo",
		                lang, lang);
		cli_error(&err);
		return EXIT_USER;
	}
	char found[128];
	if (!render_pdf_font_ok(found, sizeof found)) {
		tally_error_set(&err, TALLY_ENOTFOUND, "G002", RENDER_PDF_FONT,
		                "the font '%s' is not installed (fontconfig offers '%s'); install the "
		                "Debian package %s (scripts/install-deps.sh)",
		                RENDER_PDF_FONT, found, RENDER_PDF_FONT_PACKAGE);
		cli_error(&err);
		render_pdf_release();
		return EXIT_USER;
	}

	tally_store *s = NULL;
	tally_election *e = NULL;
	int rc = cli_open(db, &s, &e);
	if (rc)
		return rc;
	tally_results *r = NULL;
	render_protocol_opts o;
	memset(&o, 0, sizeof o);
	o.lang = lang;
	char as_of[32];
	char *pdf = NULL;
	size_t len = 0;
	if (station) {
		o.kind = RENDER_PROTO_STATION;
		if ((o.index = tally_election_station(e, station)) == TALLY_NONE) {
			tally_error_set(&err, TALLY_ENOTFOUND, "P005", station, "unknown station '%s'",
			                station);
			goto fail;
		}
	} else if (cons) {
		o.kind = RENDER_PROTO_CONSTITUENCY;
		if ((o.index = tally_election_constituency(e, cons)) == TALLY_NONE) {
			tally_error_set(&err, TALLY_ENOTFOUND, "A003", cons, "unknown constituency '%s'",
			                cons);
			goto fail;
		}
	} else {
		o.kind = RENDER_PROTO_FINAL;
	}
	if (tally_store_count(s, e, &r, &err))
		goto fail;
	cli_as_of(s, e, as_of);
	o.as_of = as_of;
	if (o.kind == RENDER_PROTO_STATION) {
		const tally_station_result *sr = &r->st[o.index];
		if (sr->reported && !sr->annulled &&
		    (rc = cli_log_find(s, e, o.index, sr->version, &o.log.found, &o.log.index,
		                       o.log.leaf_hex, &o.log.covered)))
			goto out;
	} else if ((rc = cli_log_find(s, e, TALLY_NONE, 0, &o.log.found, &o.log.index,
	                              o.log.leaf_hex, &o.log.covered))) {
		goto out;
	}
	char why[256];
	if (render_protocol_pdf(r, &o, &pdf, &len, why, sizeof why)) {
		cli_errorf("%s", why);
		rc = EXIT_USER;
		goto out;
	}
	rc = cli_write(outp, pdf, len);
	goto out;
fail:
	cli_error(&err);
	rc = EXIT_USER;
out:
	free(pdf);
	tally_results_free(r);
	tally_election_free(e);
	tally_store_close(s);
	render_pdf_release();
	return rc;
}
