/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcv.h: a ranked-choice count (tally_rcv_result) as text, CSV and JSON
 * (render/rcv.c), every round with its totals, transfers, exhausted
 * ballots, eliminations, elections and ties; for `tally rcv` and the server.
 */
#ifndef TALLY_RENDER_RCV_H
#define TALLY_RENDER_RCV_H

#include "render/render.h"
#include "tally/rcv.h"

/* render_rcv writes the count "r" of the ballots "b" in "fmt". Values are
 * exact: text and CSV print them as decimals with every digit of the count's
 * scale, JSON as integers of 1/scale of a vote with the scale given. */
void render_rcv(FILE *f, const tally_rcv_ballots *b, const tally_rcv_result *r,
                render_format fmt);

#endif
