/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.h: one renderer for results, used by the command line (and by the
 * server later): text tables for people, CSV and JSON for programs.
 */
#ifndef TALLY_RENDER_H
#define TALLY_RENDER_H

#include "tally/tally.h"
#include <stdio.h>

typedef enum render_format { RENDER_TEXT, RENDER_CSV, RENDER_JSON } render_format;

/* The whole election: progress, turnout, seats and votes, every
 * constituency, flagged protocols. */
void render_results(FILE *f, const tally_results *r, render_format fmt);

/* One constituency: its outcome, candidates and stations. */
void render_constituency(FILE *f, const tally_results *r, uint32_t c, render_format fmt);

/* Sort helpers shared with other views. */
void render_affiliation_order(const tally_results *r, uint32_t *order);
const char *render_affiliation_name(const tally_results *r, uint32_t a);
const char *render_affiliation_abbrev(const tally_results *r, uint32_t a);

/* render_pct writes num/den as a percentage with two decimals ("55.48 %"),
 * from exact integer arithmetic, into "buf". */
const char *render_pct(uint64_t num, uint64_t den, char buf[16]);

/* render_fit copies "s" into "buf" cut to "width" characters (UTF-8 code
 * points, never half a character) and padded with spaces to that width, for
 * aligned columns of names in any script. Returns buf. */
const char *render_fit(char *buf, size_t size, const char *s, int width);

/* Writes s as a JSON string / CSV field. */
void render_json_str(FILE *f, const char *s);
void render_csv_str(FILE *f, const char *s);

#endif
