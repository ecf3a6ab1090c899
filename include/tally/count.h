/* SPDX-License-Identifier: Apache-2.0 */
/*
 * count.h: counting. Stations' accepted protocols are added one by one
 * (tally_count_add), annulments are marked, and tally_count_finish sums
 * station -> constituency -> nation, works out each constituency's outcome
 * through the election's seat rule, and the seats per party or bloc.
 *
 * The seat rule sits behind tally_seat_rule, so that the other electoral
 * systems plug in without touching the counting.
 */
#ifndef TALLY_COUNT_H
#define TALLY_COUNT_H

#include "tally/common.h"
#include "tally/model.h"
#include "tally/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tally_outcome {
	TALLY_OUT_INCOMPLETE, /* stations still to report */
	TALLY_OUT_ELECTED,    /* every seat filled */
	TALLY_OUT_FAILED,     /* a tie for a seat the tie policy cannot settle (art. 170.1) */
	TALLY_OUT_INVALID,    /* annulled, or too many stations invalid (art. 170.2) */
	TALLY_OUT_NO_CANDIDATES, /* fewer candidates than seats (art. 149: postponed) */
	TALLY_OUT_COUNTED     /* votes counted; the election's rule assigns no seats here */
} tally_outcome;

TALLY_API const char *tally_outcome_name(tally_outcome o);

/* ==== The seat rule interface ==== */

/* One constituency as the rule sees it. */
typedef struct tally_seat_input {
	const tally_election *e;
	uint32_t constituency;
	const uint64_t *votes;   /* per candidate slot */
	uint32_t n_cand;
	uint32_t magnitude;
} tally_seat_input;

typedef struct tally_seat_output {
	tally_outcome outcome;  /* TALLY_OUT_ELECTED or TALLY_OUT_FAILED */
	uint32_t *elected;      /* candidate slots, room for magnitude; best first */
	uint32_t n_elected;
	uint32_t *seats;        /* per candidate slot (room for n_cand, zeroed): seats won;
	                         * a list rule can give a slot several. A rule that leaves
	                         * it zero gives each elected slot one seat. */
	bool lot_drawn;         /* a tie was settled by lot */
	char note[256];         /* what the rule decided about a tie, for people */
} tally_seat_output;

typedef struct tally_seat_rule tally_seat_rule;
struct tally_seat_rule {
	const char *name;
	int (*decide)(const tally_seat_rule *rule, const tally_seat_input *in,
	              tally_seat_output *out, tally_error *err);
};

/* tally_seat_rule_find returns the rule with "name" (e.g. "plurality"), or
 * NULL. */
TALLY_API const tally_seat_rule *tally_seat_rule_find(const char *name);

/* ==== Results ==== */

typedef struct tally_constituency_result {
	tally_outcome outcome;
	bool annulled;                 /* annulled as a whole */
	uint32_t stations, reported, invalid_stations; /* invalid = annulled stations */
	uint32_t warned;               /* reported stations with warnings */
	uint64_t registered;           /* from the definition, all stations */
	uint64_t registered_reported;  /* from the definition, reported stations */
	uint64_t *lines;               /* summed protocol lines (n_lines) */
	uint64_t *votes;               /* per candidate slot */
	uint64_t valid;                /* sum of votes */
	uint64_t ballots_cast, registered_lines; /* role expressions summed */
	uint32_t *order;               /* candidate slots by votes, most first; ties by id */
	uint32_t *elected;             /* candidate slots */
	uint32_t n_elected;
	uint32_t *seats;               /* per candidate slot: seats won (a list can win several) */
	bool lot_drawn;
	char note[256];
} tally_constituency_result;

/* Per-station record kept by the count. */
typedef struct tally_station_result {
	bool reported;
	bool annulled;
	uint32_t version;
	uint16_t n_errors, n_warnings; /* failed relations of the accepted protocol */
	uint64_t failed;      /* bit i set: relation i fails */
} tally_station_result;

typedef struct tally_affiliation_result {
	/* kind: 0 party, 1 bloc, 2 independents (initiative groups and self) */
	int kind;
	uint32_t index;       /* party or bloc index; unused for independents */
	uint64_t votes;
	uint32_t seats;
	uint32_t candidates;
} tally_affiliation_result;

typedef struct tally_results {
	const tally_election *e;
	tally_constituency_result *cons;   /* n_constituencies */
	tally_station_result *st;          /* n_stations */
	uint64_t *lines;                   /* national line totals */
	uint64_t valid, ballots_cast, registered_lines;
	uint64_t registered, registered_reported;
	uint32_t stations, reported, annulled_stations, warned;
	uint32_t by_outcome[6];            /* constituencies per tally_outcome */
	/* parties in definition order, then blocs, then independents */
	tally_affiliation_result *aff;
	uint32_t n_aff;
	uint32_t seats_filled;
	bool finished;
	void *priv;
} tally_results;

/* tally_results_new makes an empty count for "e" (which must outlive it). */
TALLY_API int tally_results_new(const tally_election *e, tally_results **out);
TALLY_API void tally_results_free(tally_results *r);

/* tally_results_add adds the accepted protocol "p" as the station's current
 * version (its numbers are copied). A station may be added once. Errors:
 * TALLY_ECONFLICT if added twice, TALLY_EINVAL if the protocol does not fit
 * the station. Adds and annulments may come in any order before finish. */
TALLY_API int tally_results_add(tally_results *r, const tally_protocol *p, uint32_t version,
                                tally_error *err);

/* Annulments: a station's result, or a whole constituency's. */
TALLY_API void tally_results_annul_station(tally_results *r, uint32_t st);
TALLY_API void tally_results_annul_constituency(tally_results *r, uint32_t c);

/* tally_results_finish sums, decides every constituency through the seat
 * rule, and counts seats. Call once. Errors: TALLY_EINVAL (unknown rule). */
TALLY_API int tally_results_finish(tally_results *r, tally_error *err);

/* tally_results_station_values returns the station's counted numbers (lines
 * then candidate votes, as added) or NULL if it has not reported. */
TALLY_API const uint32_t *tally_results_station_values(const tally_results *r, uint32_t st);

/* turnout in basis points of a ratio, rounded half up; 0 if den is 0 */
TALLY_API uint32_t tally_permyriad(uint64_t num, uint64_t den);

#ifdef __cplusplus
}
#endif
#endif
