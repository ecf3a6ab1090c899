/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forensics.h: the forensic report as JSON and SVG (render/forensics.c),
 * shared by `tally forensics` and the server.
 */
#ifndef TALLY_RENDER_FORENSICS_H
#define TALLY_RENDER_FORENSICS_H

#include "tally/forensics.h"
#include "tally/tally.h"
#include <stdio.h>

/* render_fx_protocols makes one protocol per station of the count "r"
 * that has one and is not annulled (nor its constituency), with the
 * counted values, for tally_fx_input_build. Free them with
 * render_fx_protocols_free. TALLY_OK or TALLY_ENOMEM. */
int render_fx_protocols(const tally_election *e, const tally_results *r, tally_protocol **out,
                        size_t *n);
void render_fx_protocols_free(tally_protocol *p, size_t n);

/* render_fx_json writes the whole report as one JSON object (the format of
 * `tally forensics --format json`, docs/methods-forensics.md). */
void render_fx_json(FILE *f, const tally_fx_report *r);

/* The plots, by name: fingerprint, turnout, cumulative and shpilkin. */
#define RENDER_FX_PLOTS 4
extern const char *const render_fx_plots[RENDER_FX_PLOTS];

/* render_fx_plot writes the plot "name" as SVG. Returns 0, -1 if writing
 * failed, -2 if there is no plot of that name. */
int render_fx_plot(FILE *f, const char *name, const tally_fx_report *r);

#endif
