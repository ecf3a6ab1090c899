/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svg.h: a small SVG writer for the plots of `tally forensics` (and later
 * the dashboard): a heat map of counts on a grid and a bar chart, both on a
 * fixed canvas with axes from 0 to 100 %. Plain SVG 1.1, no scripts, no
 * external resources.
 */
#ifndef TALLY_RENDER_SVG_H
#define TALLY_RENDER_SVG_H

#include <stdint.h>
#include <stdio.h>

/* svg_heatmap draws cells[y * nx + x] (x to the right, y upwards) with a
 * logarithmic grey-to-red scale; empty cells stay white. The axes run from
 * 0 to 100 %. Returns 0, or -1 if writing failed. */
int svg_heatmap(FILE *f, const char *title, const char *xlabel, const char *ylabel,
                const uint32_t *cells, uint32_t nx, uint32_t ny);

/* svg_bars draws n bars of height v[i] over an axis from 0 to 100 %, and,
 * when v2 is not NULL, a second series as a line over them. */
int svg_bars(FILE *f, const char *title, const char *xlabel, const char *ylabel,
             const double *v, const double *v2, uint32_t n);

/* svg_line draws v[i], a share from 0 to 1 at the end of bin i of n bins
 * over an axis from 0 to 100 %, as a line from the origin. */
int svg_line(FILE *f, const char *title, const char *xlabel, const char *ylabel, const double *v,
             uint32_t n);

#endif
