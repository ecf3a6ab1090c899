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
	/* Fraud injection, after the fraud model of Klimek et al. (PNAS 2012;
	 * docs/methods-forensics.md, "Fraud injection"). Each share is of the
	 * eligible stations (ordinary stations of constituencies that neither tie
	 * nor are made invalid); the three sets are disjoint and all are off (0)
	 * by default, which leaves every output as it was. The beneficiary is the
	 * constituency's candidate of the leading party (New Azerbaijan Party),
	 * else its designated winner. Every control relation stays true. */
	double fraud_incremental;   /* f_i: ballots stuffed from non-voters and votes
	                               taken from opponents, x = |N(0, theta)| */
	double fraud_extreme;       /* f_e: the same with x = 1 - |N(0, 0.075)| */
	double fraud_rounding;      /* turnout and leader share rounded up to whole percents */
	double fraud_theta;         /* spread of incremental fraud; 0 means 0.1 */
	double fraud_alpha;         /* votes taken = x^alpha * opponents' votes; 0 means 1 */
} tally_sim_options;

/* What tally_sim.fraud holds per station. */
#define TALLY_SIM_FRAUD_NONE 0u
#define TALLY_SIM_FRAUD_INCREMENTAL 1u
#define TALLY_SIM_FRAUD_EXTREME 2u
#define TALLY_SIM_FRAUD_ROUNDING 3u

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
	/* fraud injected: per station (e->n_stations) a TALLY_SIM_FRAUD_* kind,
	 * and the votes it gave the beneficiary (stuffed plus taken) */
	uint8_t *fraud;
	uint64_t *fraud_votes;
	uint64_t fraud_total;       /* sum of fraud_votes */
} tally_sim;

/* tally_simulate generates the election. Errors: TALLY_EINVAL (code S101)
 * for impossible options (more ties than constituencies, fewer stations than
 * constituencies, ...); TALLY_EINVAL (code S102) for fraud shares outside
 * 0..1 or adding up to more than 1, theta outside 0..1 or alpha outside 0..4;
 * TALLY_ENOMEM. Free with tally_sim_free. */
TALLY_API int tally_simulate(const tally_sim_options *o, tally_sim **out, tally_error *err);
TALLY_API void tally_sim_free(tally_sim *s);

#ifdef __cplusplus
}
#endif
#endif
