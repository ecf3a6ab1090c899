/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standards.h: results in the published interchange formats: NIST SP
 * 1500-100 Election Results Reporting, version 2 (the common data format
 * of the U.S. National Institute of Standards and Technology, in its JSON
 * and its XML serialisation) and OASIS Election Markup Language 5.0
 * messages 510 (count) and 520 (result). docs/formats.md section 10 maps
 * tally's model onto each of them, element by element.
 *
 * Every export is a function of the count and of the options only: the
 * same database gives the same bytes. Names are written as UTF-8 and
 * escaped for their format; characters XML 1.0 cannot carry are replaced
 * (xml.h). The files are validated against the official schemas in
 * data/standards/ by tests/standards/check.sh.
 */
#ifndef TALLY_RENDER_STANDARDS_H
#define TALLY_RENDER_STANDARDS_H

#include "tally/tally.h"
#include <stdio.h>

typedef enum render_std_format {
	RENDER_ERR_JSON, /* NIST SP 1500-100 v2, JSON (JSON Schema draft-04) */
	RENDER_ERR_XML,  /* NIST SP 1500-100 v2, XML */
	RENDER_EML_510,  /* OASIS EML 5.0, 510 count: per station and per constituency */
	RENDER_EML_520   /* OASIS EML 5.0, 520 result: ranking and the elected */
} render_std_format;

typedef struct render_std_opts {
	const char *issuer;         /* the body that issues the results */
	const char *issuer_abbrev;  /* its abbreviation */
	const char *language;       /* BCP 47 tag of the names ("und": not known) */
	const char *generated;      /* "YYYY-MM-DDTHH:MM:SSZ": as of when */
} render_std_opts;

/* render_std_format_parse maps "nist-err-json", "nist-err-xml", "eml-510",
 * "eml-520" onto the enum; false for anything else. */
bool render_std_format_parse(const char *name, render_std_format *out);

/* render_standard writes the finished count "r" in format "fmt" to "f".
 * "*replaced" (may be NULL) gets how many characters of names could not be
 * written as they are (invalid UTF-8, characters XML forbids) and were
 * replaced by U+FFFD. Returns 0, or -1 when writing to "f" failed. */
int render_standard(FILE *f, const tally_results *r, render_std_format fmt,
                    const render_std_opts *o, uint64_t *replaced);

/* ==== Shared by err.c and eml.c ==== */

#define STD_ID_MAX 256

/* std_id writes "prefix" followed by "id" encoded for an XML ID (NCName) or
 * NMTOKEN: A-Z a-z 0-9 . - are kept, every other byte of a tally id (_ : /
 * @) becomes _XX (its hex value), so the encoding is one to one. */
const char *std_id(char buf[STD_ID_MAX], const char *prefix, const char *id);

/* Which template lines the formats have a place for. */
typedef struct std_lines {
	int valid;                        /* the line a relation 'x = candidates' ties to
	                                   * the candidates' votes, or -1 */
	bool rejected[TALLY_MAX_LINES];   /* lines keyed 'invalid' or 'invalid_*' */
	uint32_t n_rejected;
} std_lines;

void std_lines_init(const tally_template *t, std_lines *out);

/* The numbers every level carries. */
typedef struct std_counts {
	uint64_t registered;  /* the template's 'registered' role (else the definition's) */
	uint64_t cast;        /* the 'ballots_cast' role: voters who received ballots */
	uint64_t valid;       /* the candidates' votes */
	uint64_t rejected;    /* the rejected lines' sum */
	uint64_t counted;     /* valid + rejected: the ballots counted */
} std_counts;

/* The counts of a counted station (v: its values as the count holds them),
 * of a constituency and of the nation (annulled constituencies left out,
 * as in the national totals). */
void std_station_counts(const tally_results *r, const std_lines *L, uint32_t st,
                        const uint32_t *v, std_counts *out);
void std_constituency_counts(const tally_results *r, const std_lines *L, uint32_t c,
                             std_counts *out);
void std_nation_counts(const tally_results *r, const std_lines *L, std_counts *out);

/* A station whose numbers are counted: reported, not annulled, and its
 * constituency not annulled. */
bool std_station_counted(const tally_results *r, uint32_t st);

/* Whether the count of a constituency is complete: every station reported
 * or annulled. */
bool std_constituency_complete(const tally_results *r, uint32_t c);

/* The outcome's name as a token: "elected", ..., "no-candidates". */
const char *std_outcome_code(tally_outcome o);

/* The seat rule assigns seats to lists (a PR method), not to persons. */
bool std_rule_is_list(const tally_election *e);

int render_err(FILE *f, const tally_results *r, bool json, const render_std_opts *o,
               uint64_t *replaced);
int render_eml(FILE *f, const tally_results *r, int message, const render_std_opts *o,
               uint64_t *replaced);

#endif
