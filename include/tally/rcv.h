/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcv.h: ranked ballots. A ballot store (tally_rcv_ballots) keeps every
 * distinct ranking pattern once with the number of ballots that carry it, so
 * a million ballots take the memory of their distinct patterns and every
 * count is independent of the order in which ballots arrive. It is filled
 * from cast vote records in the NIST SP 1500-103 CVR common data format
 * (JSON) or from a plain CSV of rankings, or by tally_rcv_add_ballot.
 *
 * tally_rcv_count tabulates the store under a tally_rcv_rules:
 *   - instant-runoff (one seat; majority of the continuing ballots; batch
 *     elimination and "continue until two remain" as options),
 *   - the single transferable vote as the Scottish Local Government
 *     Elections Order 2007 counts it (weighted inclusive Gregory; transfer
 *     values truncated to five decimal places, in integers of 10^-5),
 *   - Meek's method as the Reference Meek Rule states it (fixed point of nine
 *     decimal places, in integers of 10^-9),
 * with the ballot rules of certified tabulators (overvotes, skipped rankings,
 * duplicate rankings) and a named chain of tie-break policies. Every round's
 * totals, transfers, exhausted ballots, eliminations, elections and ties are
 * recorded in the result for publication; array order never decides
 * anything. docs/methods-rcv.md states each rule with its legal source.
 */
#ifndef TALLY_RCV_H
#define TALLY_RCV_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== The ballot store ==== */

typedef struct tally_rcv_ballots tally_rcv_ballots;

/* In tally_rcv_add_ballot, a mark for "an overvote whose candidates are not
 * known" (as ES&S exports write 'overvote'). */
#define TALLY_RCV_OVERVOTE 0xFFFFu

/* Read-only view of a store. */
typedef struct tally_rcv_info {
	uint32_t n_candidates;
	uint64_t n_ballots;   /* ballots added (with their counts) */
	uint32_t n_patterns;  /* distinct ranking patterns among them */
	size_t bytes;         /* memory held by the store */
} tally_rcv_info;

/* tally_rcv_ballots_new makes an empty store (NULL when out of memory); free
 * it with tally_rcv_ballots_free (NULL is a no-op). */
TALLY_API tally_rcv_ballots *tally_rcv_ballots_new(void);
TALLY_API void tally_rcv_ballots_free(tally_rcv_ballots *b);
TALLY_API void tally_rcv_ballots_info(const tally_rcv_ballots *b, tally_rcv_info *out);

/* tally_rcv_add_candidate adds a candidate with an id (an id as everywhere in
 * tally: 1 to 64 bytes of A-Z a-z 0-9 . _ - : / @) and a display name (NULL:
 * the id; at most TALLY_MAX_NAME_LEN bytes, copied). "*index" gets its index.
 * Errors: R003 (bad or duplicate id), R004 (more than
 * TALLY_RCV_MAX_CANDIDATES), ENOMEM. */
TALLY_API int tally_rcv_add_candidate(tally_rcv_ballots *b, const char *id, const char *name,
                                      uint32_t *index, tally_error *err);
/* tally_rcv_find_candidate returns the index of "id" (len bytes), or
 * TALLY_NONE. */
TALLY_API uint32_t tally_rcv_find_candidate(const tally_rcv_ballots *b, const char *id,
                                            size_t len);
TALLY_API const char *tally_rcv_candidate_id(const tally_rcv_ballots *b, uint32_t c);
TALLY_API const char *tally_rcv_candidate_name(const tally_rcv_ballots *b, uint32_t c);

/* tally_rcv_add_ballot adds "count" identical ballots of "n_ranks" ranks:
 * rank r marks the candidates cand[first[r]] .. cand[first[r+1]-1] ("first"
 * has n_ranks + 1 entries, first[0] = 0): none is a skipped rank, two or
 * more an overvote, and TALLY_RCV_OVERVOTE among them an overvote of
 * unknown candidates. A candidate marked twice at one rank counts once. Trailing empty ranks are dropped. Errors: R004
 * (more than TALLY_RCV_MAX_RANKS ranks, more than TALLY_RCV_MAX_BALLOTS
 * ballots in the store), R003 (a candidate index out of range), ENOMEM. The
 * store is unchanged on error. */
TALLY_API int tally_rcv_add_ballot(tally_rcv_ballots *b, const uint32_t *first,
                                   const uint16_t *cand, uint32_t n_ranks, uint64_t count,
                                   tally_error *err);

/* ==== Readers ==== */

/* tally_rcv_parse_csv reads a CSV of rankings (docs/methods-rcv.md,
 * "Input"): a header of optional 'id' and 'count' columns and the rank
 * columns 'rank1', 'rank2', ... in order; a cell is a candidate id, empty
 * or 'undervote' (a skipped rank), ids joined by '=' (an overvote), or
 * 'overvote' (an overvote of unknown candidates). Candidates are taken
 * in order of first appearance unless "declared" (NULL-terminated ids, in
 * order) lists them, when any other id is R003. "*out" is a new store.
 * Errors: C0xx (CSV syntax), R001 (header), R002 (count), R003 (candidate),
 * R004 (limits), R005 (no ballots), ENOMEM. */
TALLY_API int tally_rcv_parse_csv(const char *buf, size_t len, const char *file,
                                  const char *const *declared, tally_rcv_ballots **out,
                                  tally_error *err);

/* tally_rcv_parse_cdf reads a NIST SP 1500-103 CastVoteRecordReport in its
 * JSON serialisation and keeps the contest "contest" (its @id; NULL: the
 * only contest with VoteVariation "rcv", else the only candidate contest).
 * Candidates are the contest's selections (id: the selection's @id; name:
 * the name of its first candidate). Each CVR's current snapshot is read; a
 * selection position counts when HasIndication is "yes", IsAllocable is not
 * "no" and NumberVotes is positive, at its Rank (the position's Rank, else
 * the selection's). Errors: R006 (not JSON, a duplicate key, too deep),
 * R007 (not a CVR report: a wrong type or missing member), R008 (the
 * contest is missing or ambiguous), R009 (a selection or snapshot that the
 * report does not define), R010 (a rank missing or out of 1 ..
 * TALLY_RCV_MAX_RANKS), R004, R005, ENOMEM. */
TALLY_API int tally_rcv_parse_cdf(const char *buf, size_t len, const char *file,
                                  const char *contest, tally_rcv_ballots **out,
                                  tally_error *err);

/* ==== Rules ==== */

typedef enum tally_rcv_method {
	TALLY_RCV_IRV,      /* instant-runoff, one seat */
	TALLY_RCV_SCOTTISH, /* STV, SSI 2007/42 Schedule 1 rules 45-52 */
	TALLY_RCV_MEEK      /* STV, the Reference Meek Rule (9 decimals) */
} tally_rcv_method;

typedef enum tally_rcv_overvote {
	TALLY_RCV_OV_EXHAUST,  /* the ballot is exhausted when it reaches an overvote */
	TALLY_RCV_OV_SKIP,     /* the overvoted rank is skipped */
	TALLY_RCV_OV_MULTIPLE  /* exhausted if two or more of the overvoted candidates
	                          are continuing; counts for the one if only one is */
} tally_rcv_overvote;

typedef enum tally_rcv_tie {
	TALLY_RCV_TIE_PREVIOUS, /* the most recent earlier round where they differ */
	TALLY_RCV_TIE_FIRST,    /* the earliest round where they differ */
	TALLY_RCV_TIE_LOT,      /* the published lot with the recorded seed */
	TALLY_RCV_TIE_FAIL      /* the count fails */
} tally_rcv_tie;

#define TALLY_RCV_MAX_TIE 4
#define TALLY_RCV_UNLIMITED UINT32_MAX
#define TALLY_RCV_NO_CANDIDATE UINT32_MAX

typedef struct tally_rcv_rules {
	tally_rcv_method method;
	uint32_t seats;                 /* 1 for IRV */
	tally_rcv_overvote overvote;
	uint32_t max_skipped;           /* consecutive skipped ranks a ballot may
	                                   jump; more exhaust it (TALLY_RCV_UNLIMITED) */
	bool duplicate_exhausts;        /* a repeated candidate exhausts the ballot
	                                   (else the repeat is skipped) */
	bool batch;                     /* IRV: batch elimination */
	bool until_two;                 /* IRV: go on until two candidates remain */
	uint32_t write_in;              /* IRV: the candidate that stands for undeclared
	                                   write-ins, eliminated alone before anyone
	                                   else; TALLY_RCV_NO_CANDIDATE for none */
	tally_rcv_tie tie[TALLY_RCV_MAX_TIE]; /* tried in order */
	uint32_t n_tie;
	uint64_t seed;                  /* for TALLY_RCV_TIE_LOT */
} tally_rcv_rules;

/* tally_rcv_rules_default fills "r" for a method: seats 1, overvote exhaust,
 * unlimited skipped ranks, duplicates skipped, no batch, no write-in
 * candidate, tie chain
 * "previous" (a tie it cannot settle stops the count: lots required). */
TALLY_API void tally_rcv_rules_default(tally_rcv_rules *r, tally_rcv_method m);

TALLY_API const char *tally_rcv_method_name(tally_rcv_method m);
TALLY_API int tally_rcv_method_find(const char *name, tally_rcv_method *out);
TALLY_API const char *tally_rcv_overvote_name(tally_rcv_overvote o);
TALLY_API int tally_rcv_overvote_find(const char *name, tally_rcv_overvote *out);
TALLY_API const char *tally_rcv_tie_name(tally_rcv_tie t);
TALLY_API int tally_rcv_tie_find(const char *name, tally_rcv_tie *out);

/* ==== The count ==== */

typedef enum tally_rcv_state {
	TALLY_RCV_DONE,
	TALLY_RCV_LOTS_REQUIRED, /* a tie no policy settled: the count stops there */
	TALLY_RCV_FAILED         /* tie policy "fail" applied */
} tally_rcv_state;

typedef enum tally_rcv_round_kind {
	TALLY_RCV_ROUND_FIRST,     /* first preferences */
	TALLY_RCV_ROUND_EXCLUSION, /* the ballots of excluded candidates transferred */
	TALLY_RCV_ROUND_SURPLUS,   /* a surplus transferred (Scottish) */
	TALLY_RCV_ROUND_MEEK       /* keep values iterated after an election (Meek) */
} tally_rcv_round_kind;

/* Why ballots are exhausted (inactive), as certified tabulators report it. */
enum {
	TALLY_RCV_EX_CHOICES,   /* no further continuing candidate ranked */
	TALLY_RCV_EX_OVERVOTE,  /* reached an overvote */
	TALLY_RCV_EX_SKIPPED,   /* too many consecutive skipped ranks */
	TALLY_RCV_EX_DUPLICATE, /* reached a repeated candidate */
	TALLY_RCV_EX_N
};

typedef struct tally_rcv_tie_record {
	uint32_t n_tied;
	uint32_t *tied;        /* candidate indexes */
	uint32_t chosen;       /* the candidate the tie was settled for */
	bool lowest;           /* choosing whom to exclude (else whom to favour) */
	int settled_by;        /* tally_rcv_tie, or -1: not settled */
} tally_rcv_tie_record;

/* One round (a stage, in the Scottish order's words). Values are in units
 * of 1/scale of a vote (scale 1 for IRV, 10^5 Scottish, 10^9 Meek). */
typedef struct tally_rcv_round {
	tally_rcv_round_kind kind;
	uint32_t n_from;
	uint32_t *from;        /* whose ballots were transferred into this round */
	uint64_t transferred;  /* the value moved (surplus or excluded votes) */
	uint64_t transfer_value; /* Scottish surplus: surplus/total (units), else 0 */
	uint64_t *votes;       /* per candidate, after the transfers */
	int64_t *change;       /* per candidate, this round's change */
	uint64_t exhausted[TALLY_RCV_EX_N]; /* cumulative */
	int64_t exhausted_change;
	uint64_t lost;         /* cumulative value lost to truncation (Scottish) */
	uint64_t quota;        /* in units (0 for IRV) */
	uint64_t continuing;   /* IRV: votes of continuing candidates */
	uint32_t n_elected;
	uint32_t *elected;     /* elected at the end of this round, in order */
	uint32_t n_excluded;
	uint32_t *excluded;    /* excluded at the end of this round */
	uint32_t n_ties;
	tally_rcv_tie_record *ties;
	uint64_t *keep;        /* Meek: keep values (units), else NULL */
	uint32_t iterations;   /* Meek: iterations in this round */
} tally_rcv_round;

typedef enum tally_rcv_status {
	TALLY_RCV_CONTINUING,
	TALLY_RCV_ELECTED,
	TALLY_RCV_EXCLUDED
} tally_rcv_status;

typedef struct tally_rcv_result {
	tally_rcv_method method;
	tally_rcv_rules rules;
	tally_rcv_state state;
	uint32_t n_candidates;
	uint64_t scale;
	uint64_t ballots;      /* every ballot in the store */
	uint64_t valid;        /* ballots with a first preference counted */
	uint64_t quota;        /* Scottish: fixed quota; Meek: the final one (units) */
	uint32_t n_rounds;
	tally_rcv_round *rounds;
	uint32_t n_elected;
	uint32_t *elected;     /* in order of election */
	tally_rcv_status *status;  /* per candidate at the end */
	uint32_t *decided_in;  /* per candidate: the round (1-based) it was elected
	                          or excluded in, 0 if neither */
} tally_rcv_result;

/* tally_rcv_count tabulates "b" under "r" into a new "*out" (free with
 * tally_rcv_result_free; NULL is a no-op). A tie that no policy of the chain
 * settles ends the count in TALLY_RCV_LOTS_REQUIRED with the tie recorded in
 * the last round; policy "fail" ends it in TALLY_RCV_FAILED. Errors: R011
 * (rules that cannot apply: no seat, IRV with more than one, more seats than
 * candidates), R012 (nothing to count: no candidate, no ballot with a first
 * preference), ENOMEM. */
TALLY_API int tally_rcv_count(const tally_rcv_ballots *b, const tally_rcv_rules *r,
                              tally_rcv_result **out, tally_error *err);
TALLY_API void tally_rcv_result_free(tally_rcv_result *res);

TALLY_API const char *tally_rcv_state_name(tally_rcv_state s);
TALLY_API const char *tally_rcv_exhausted_name(int why);

/* tally_rcv_value_fmt writes v units of 1/scale as a decimal with every
 * digit of the scale ("1,234.56789" for 10^5) into buf. */
TALLY_API const char *tally_rcv_value_fmt(uint64_t v, uint64_t scale, char buf[48]);

#ifdef __cplusplus
}
#endif
#endif
