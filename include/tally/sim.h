/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.h: a synthetic national election, deterministic for a given seed. The
 * default is shaped like the Azerbaijani Milli Majlis election of 2015: 125
 * single-member constituencies, about 5,500 polling stations, 5.2-5.9
 * million registered voters, 13 parties and one bloc plus self-nominated and
 * initiative-group candidates (700+), national turnout near 55 % with spread
 * between constituencies and stations, five intraday turnout reports, and
 * two independent data entries of every protocol, in which a few entries
 * carry typing mistakes (caught by double entry) and a few protocols break
 * control relations (caught by the checks). docs/methods.md describes the
 * model.
 */
#ifndef TALLY_SIM_H
#define TALLY_SIM_H

#include "tally/common.h"
#include "tally/model.h"
#include "tally/protocol.h"
#include "tally/turnout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_sim_options {
	uint64_t seed;              /* default 2015 */
	uint32_t constituencies;    /* default 125 */
	uint32_t stations;          /* default 5,500 (spread over constituencies) */
	uint64_t voters;            /* registered voters in all, default 5,200,000-5,900,000 by seed */
	uint32_t ties;              /* constituencies made to tie for first place */
	uint32_t invalid;           /* constituencies with more than 2/5 of stations annulled */
	uint32_t bad_protocols;     /* first entries that break an error relation (default 6) */
	uint32_t typos;             /* first entries with a mistyped number (default 12) */
	uint32_t warnings;          /* protocols that break a warning relation (default 4) */
	bool double_entry;          /* default true */
} tally_sim_options;

/* tally_sim_options_default fills the defaults above. */
TALLY_API void tally_sim_options_default(tally_sim_options *o);

/* An annulment the simulation asks for (to make a constituency invalid). */
typedef struct tally_sim_annulment {
	uint32_t station;
	char reason[128];
} tally_sim_annulment;

typedef struct tally_sim {
	tally_election *e;
	/* entry rounds: [0] first operator, [1] second operator, [2] third
	 * operator re-entering the stations whose first two entries disagreed
	 * or whose first entry was refused */
	tally_entry *round[3];
	size_t n_round[3];
	tally_turnout *turnout;
	size_t n_turnout;
	tally_sim_annulment *annul;
	size_t n_annul;
} tally_sim;

/* tally_simulate generates the election. Errors: TALLY_EINVAL (code S101)
 * for impossible options (more ties than constituencies, fewer stations than
 * constituencies, ...); TALLY_ENOMEM. Free with tally_sim_free. */
TALLY_API int tally_simulate(const tally_sim_options *o, tally_sim **out, tally_error *err);
TALLY_API void tally_sim_free(tally_sim *s);

#ifdef __cplusplus
}
#endif
#endif
