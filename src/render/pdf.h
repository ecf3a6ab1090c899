/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf.h: printed protocols, as the commissions sign them: a polling
 * station's result protocol, a constituency's summary protocol and the
 * Central Election Commission's final protocol, in Azerbaijani, Russian or
 * English (cairo and pango, font DejaVu Sans; a QR code by libqrencode).
 * Each carries the protocol's lines, the control relations and whether
 * they hold, signature lines, and the transparency-log entry it rests on.
 * The PDF is a function of the count and of the options: its dates are the
 * "as of" time given, so the same database gives the same bytes.
 */
#ifndef TALLY_RENDER_PDF_H
#define TALLY_RENDER_PDF_H

#include "tally/tally.h"

#include <stddef.h>

typedef enum render_proto_kind {
	RENDER_PROTO_STATION,       /* a precinct commission's result protocol */
	RENDER_PROTO_CONSTITUENCY,  /* a constituency commission's summary protocol */
	RENDER_PROTO_FINAL          /* the central commission's final protocol */
} render_proto_kind;

/* A transparency-log entry a protocol rests on. */
typedef struct render_log_ref {
	bool found;
	uint64_t index;          /* the entry's index in the log */
	char leaf_hex[65];       /* its leaf hash (RFC 9162), hex */
	uint64_t covered;        /* a results statement: the entries it covers */
} render_log_ref;

typedef struct render_protocol_opts {
	render_proto_kind kind;
	uint32_t index;          /* the station or constituency */
	const char *lang;        /* "az", "ru" or "en" (render_i18n_use already called) */
	const char *as_of;       /* "YYYY-MM-DDTHH:MM:SSZ": the data's time, the PDF's dates */
	render_log_ref log;      /* the station's accepted version, or the latest statement */
} render_protocol_opts;

/* The font every protocol is set in, and the Debian package that holds it. */
#define RENDER_PDF_FONT "DejaVu Sans"
#define RENDER_PDF_FONT_MONO "DejaVu Sans Mono"
#define RENDER_PDF_FONT_PACKAGE "fonts-dejavu-core"

/* render_pdf_font_ok tells whether the font above is installed (fontconfig
 * finds it by name, not a substitute); "found" gets the family it found. */
bool render_pdf_font_ok(char *found, size_t size);

/* render_pdf_release frees what cairo and fontconfig cache for the
 * process; call it once, when no more PDF will be made. */
void render_pdf_release(void);

/* render_protocol_pdf renders the protocol into "*out" ("*len" bytes, freed
 * with free()). Returns 0, or -1 with the reason in "why". */
int render_protocol_pdf(const tally_results *r, const render_protocol_opts *o, char **out,
                        size_t *len, char *why, size_t why_size);

#endif
