/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seats.h: seat allocation with exact arithmetic. One apportionment
 * (tally_apportion) hands a number of seats to parties by a divisor method
 * (D'Hondt, Sainte-Lague/Schepers, modified Sainte-Lague, Danish, Imperiali,
 * Adams, Dean, Huntington-Hill), optionally with per-party minimums
 * (constrained divisor apportionment), or by largest remainders after a
 * quota (Hare, Droop, Hagenbach-Bischoff, Imperiali). A table of districts
 * (tally_seats_table, read from CSV or JSON, docs/formats-seats.md) is
 * allocated district by district after national thresholds
 * (tally_seats_allocate), and the Bundestag procedure of BWahlG section 6
 * as amended in 2020 is tally_seats_bundestag2020.
 *
 * Every comparison of quotients v1/d1 against v2/d2 is made on integer
 * cross products (128 bits, 256 for intermediate products); no decision uses
 * floating point. Every step is recorded for publication: the range of valid
 * divisors and a simple divisor inside it, quotas and remainders, which
 * thresholds applied, who was excluded and why, and every tie with the named
 * policy that settled it. A tie no policy settles stops the allocation in
 * the state TALLY_SEATS_LOTS_REQUIRED; array order never decides anything.
 * docs/methods-seats.md states each rule with its legal source.
 */
#ifndef TALLY_SEATS_H
#define TALLY_SEATS_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of the engine (the products of section "arith" need them). */
#define TALLY_SEATS_MAX_VOTES 1000000000000ULL /* votes (or population) of one entry */
#define TALLY_SEATS_MAX_SEATS 100000u          /* seats in one apportionment */
#define TALLY_SEATS_MAX_FIRST 1000u            /* numerator and denominator of a first divisor */
#define TALLY_SEATS_MAX_TIE 4                  /* policies in a tie chain */
#define TALLY_SEATS_MAX_KIND 31                /* bytes in a party kind */

/* An exact non-negative rational num/den (den > 0 when in use). */
typedef struct tally_ratio {
	uint64_t num, den;
} tally_ratio;

typedef enum tally_seats_method {
	TALLY_SEATS_DHONDT,             /* divisors 1, 2, 3, ... */
	TALLY_SEATS_SAINTE_LAGUE,       /* 0.5, 1.5, 2.5, ... (= 1, 3, 5, ...) */
	TALLY_SEATS_MODIFIED_SL,        /* first divisor f (default 7/5), then 3, 5, 7, ... */
	TALLY_SEATS_DANISH,             /* 1, 4, 7, ... */
	TALLY_SEATS_IMPERIALI,          /* 2, 3, 4, ... */
	TALLY_SEATS_ADAMS,              /* 0, 1, 2, ... */
	TALLY_SEATS_DEAN,               /* s(s+1)/(s+1/2): 0, 4/3, 12/5, ... */
	TALLY_SEATS_HUNTINGTON_HILL,    /* sqrt(s(s+1)): 0, 1.414, 2.449, ... */
	TALLY_SEATS_HARE,               /* quota V/S, largest remainders */
	TALLY_SEATS_DROOP,              /* quota floor(V/(S+1)) + 1 */
	TALLY_SEATS_HAGENBACH_BISCHOFF, /* quota V/(S+1) */
	TALLY_SEATS_IMPERIALI_QUOTA,    /* quota V/(S+2) */
	TALLY_SEATS_N_METHODS
} tally_seats_method;

/* tally_seats_method_name returns the method's name as the command line
 * spells it ("dhondt", "sainte-lague", ...); tally_seats_method_title a
 * one-line description; both static. tally_seats_method_find looks a name
 * up (returns TALLY_OK or TALLY_ENOTFOUND). */
TALLY_API const char *tally_seats_method_name(tally_seats_method m);
TALLY_API const char *tally_seats_method_title(tally_seats_method m);
TALLY_API int tally_seats_method_find(const char *name, tally_seats_method *out);
TALLY_API bool tally_seats_method_is_divisor(tally_seats_method m);

/* Tie policies, tried in the order of the rule's chain. */
typedef enum tally_seats_tie {
	TALLY_SEATS_TIE_VOTES,     /* more votes (in the apportionment: tie_votes) */
	TALLY_SEATS_TIE_DISTRICTS, /* more districts won (tie_districts) */
	TALLY_SEATS_TIE_LOT,       /* the published lot with the recorded seed */
	TALLY_SEATS_TIE_FAIL       /* the allocation fails */
} tally_seats_tie;

/* tally_seats_tie_name: "votes", "districts", "lot", "fail". */
TALLY_API const char *tally_seats_tie_name(tally_seats_tie t);
TALLY_API int tally_seats_tie_find(const char *name, tally_seats_tie *out);

/* The published lot: each tied party gets the key
 * splitmix64(seed XOR fnv1a64(party id)) (as for candidates in count.c);
 * the highest keys win. */
TALLY_API uint64_t tally_seats_lot_key(uint64_t seed, const char *id);

typedef struct tally_seats_rule {
	tally_seats_method method;
	tally_ratio first;                       /* modified SL's first divisor; {0,0}: 7/5 */
	tally_seats_tie tie[TALLY_SEATS_MAX_TIE]; /* tried in order */
	uint32_t n_tie;                          /* 0: every tie needs a drawing of lots */
	uint64_t seed;                           /* for TALLY_SEATS_TIE_LOT */
} tally_seats_rule;

typedef enum tally_seats_state {
	TALLY_SEATS_DONE,          /* every seat allocated */
	TALLY_SEATS_LOTS_REQUIRED, /* a tie no policy settled: drawing of lots required */
	TALLY_SEATS_FAILED         /* a tie under the policy "fail" */
} tally_seats_state;

TALLY_API const char *tally_seats_state_name(tally_seats_state s);

/* One tie: n_tied parties level at the boundary for "seats" seats (fewer
 * than n_tied). winners (n_winners == seats) are filled when settled_by is
 * a policy; settled_by is -1 when the tie stopped the allocation. Parties
 * above the boundary that a policy's first criterion separated are not in
 * the record. */
typedef struct tally_seats_tie_record {
	uint32_t seats;
	uint32_t n_tied;
	uint32_t *tied;
	uint32_t n_winners;
	uint32_t *winners;
	int settled_by;
	bool removal;  /* a seat was taken back (over-allocation) rather than given */
} tally_seats_tie_record;

/* One apportionment's inputs. Arrays have n entries; only votes is required. */
typedef struct tally_apportion_input {
	uint32_t n;
	const uint64_t *votes;          /* <= TALLY_SEATS_MAX_VOTES each */
	const uint32_t *minimum;        /* constrained divisor apportionment; NULL: none */
	const bool *eligible;           /* NULL: every party; others get no seat */
	uint32_t seats;
	const char *const *ids;         /* party ids (for the lot); NULL: "1", "2", ... */
	const uint64_t *tie_votes;      /* for TALLY_SEATS_TIE_VOTES; NULL: votes */
	const uint64_t *tie_districts;  /* for TALLY_SEATS_TIE_DISTRICTS; NULL: none */
} tally_apportion_input;

/* The result of one apportionment, with every figure to publish. */
typedef struct tally_apportionment {
	tally_seats_state state;
	uint32_t n, seats;
	uint32_t *alloc;       /* seats per party; when not DONE only the sure seats */
	uint32_t allocated;    /* sum of alloc */
	/* divisor methods: the divisors D giving this allocation with
	 * seats(v) = #{s : v / d(s) >= D} form the range (lower, upper], where
	 * lower is the best quotient left without a seat (party lower_party for
	 * its seat lower_seat + 1) and upper the last quotient that won one. */
	bool has_lower, has_upper;
	uint32_t lower_party, lower_seat, upper_party, upper_seat;
	bool has_divisor;      /* a divisor in the range with the fewest digits */
	tally_ratio divisor;   /* (only for a range wider than a point and <= 10^-6) */
	/* quota methods */
	tally_ratio quota;
	uint32_t *whole;       /* floor(v / quota) */
	uint64_t *remainder;   /* v - whole * quota, times quota.den (exact numerator) */
	tally_seats_tie_record *ties;
	uint32_t n_ties;
} tally_apportionment;

/* tally_apportion allocates in->seats by "rule". On success "out" holds the
 * result, to release with tally_apportionment_release (also on error it may
 * be released; it is then empty). Errors: TALLY_EINVAL with E020 (a rule
 * parameter out of range, minimums with a quota method), E021 (the
 * minimums exceed the seats), E022 (votes or seats above the limits);
 * TALLY_ENOMEM. */
TALLY_API int tally_apportion(const tally_seats_rule *rule, const tally_apportion_input *in,
                              tally_apportionment *out, tally_error *err);
TALLY_API void tally_apportionment_release(tally_apportionment *a);

/* tally_seats_quotient_cmp compares v1/d(s1) with v2/d(s2) under "rule"'s
 * divisors; returns -1, 0 or 1. A quotient of zero votes is 0; a positive
 * vote over a zero divisor is infinite (and infinities are equal). */
TALLY_API int tally_seats_quotient_cmp(const tally_seats_rule *rule, uint64_t v1, uint32_t s1,
                                       uint64_t v2, uint32_t s2);

/* tally_seats_at_divisor returns #{s < cap : v / d(s) >= D} for D = "d"
 * (d.den > 0, d.num > 0): the seats "v" earns at divisor D. */
TALLY_API uint32_t tally_seats_at_divisor(const tally_seats_rule *rule, uint64_t v,
                                          tally_ratio d, uint32_t cap);

/* Formatting for people (display only; never used to decide): a quotient
 * v/d(s), a ratio, with thousands separators and three decimals rounded half up
 * ("121,164.342", "inf"). Return "buf". */
TALLY_API const char *tally_seats_quotient_fmt(const tally_seats_rule *rule, uint64_t v,
                                               uint32_t s, char buf[48]);
TALLY_API const char *tally_ratio_fmt(tally_ratio r, char buf[48]);

/* ==== A table of districts and its allocation ==== */

typedef struct tally_seats_party {
	char *id;
	char kind[TALLY_SEATS_MAX_KIND + 1]; /* "" = ordinary party; e.g. "coalition" */
	bool exempt;                          /* exempt from thresholds (national minority) */
	uint32_t wins;                        /* constituency wins (alternative qualification) */
	uint64_t districts_won;               /* for TALLY_SEATS_TIE_DISTRICTS */
} tally_seats_party;

typedef struct tally_seats_table {
	uint32_t n_parties, n_districts;
	tally_seats_party *parties;
	char **district_ids;
	uint32_t *seats;      /* per district */
	uint64_t *valid;      /* per district: the district threshold's denominator; 0 = sum */
	uint64_t *votes;      /* [district * n_parties + party] */
	bool *present;        /* [district * n_parties + party]: the list stands there */
} tally_seats_table;

/* tally_seats_table_parse reads a votes table, CSV or JSON (a buffer whose
 * first non-blank byte is '{'), as docs/formats-seats.md describes; "file"
 * names it in errors. "*out" is the caller's, freed with
 * tally_seats_table_free. Errors: TALLY_EINVAL with E001-E013 or the CSV
 * reader's C0xx codes; TALLY_ELIMIT; TALLY_ENOMEM. */
TALLY_API int tally_seats_table_parse(const char *buf, size_t len, const char *file,
                                      tally_seats_table **out, tally_error *err);
TALLY_API void tally_seats_table_free(tally_seats_table *t);

typedef struct tally_seats_threshold {
	char kind[TALLY_SEATS_MAX_KIND + 1]; /* parties of this kind */
	tally_ratio share;                    /* of the national denominator */
} tally_seats_threshold;

typedef struct tally_seats_config {
	tally_seats_rule rule;
	tally_ratio threshold;          /* national share for every other kind; den 0: none */
	const tally_seats_threshold *by_kind;
	uint32_t n_by_kind;
	uint32_t wins_qualify;          /* at least this many wins qualify instead; 0: no such rule */
	tally_ratio district_threshold; /* share of the district's denominator; den 0: none */
	uint64_t national_denominator;  /* 0: the sum of every vote in the table */
} tally_seats_config;

typedef enum tally_seats_qualification {
	TALLY_SEATS_Q_NO_THRESHOLD, /* no threshold applies */
	TALLY_SEATS_Q_PASSED,       /* at or above its threshold */
	TALLY_SEATS_Q_BY_WINS,      /* below, but qualified by constituency wins */
	TALLY_SEATS_Q_EXEMPT,       /* below, but exempt */
	TALLY_SEATS_Q_EXCLUDED      /* below its threshold: no seats */
} tally_seats_qualification;

TALLY_API const char *tally_seats_qualification_name(tally_seats_qualification q);

typedef struct tally_seats_result {
	tally_seats_state state;        /* the first district not DONE decides */
	uint64_t denominator;           /* of the national thresholds */
	uint64_t *party_votes;          /* per party, summed over districts */
	tally_ratio *party_threshold;   /* the share applied to each party (den 0: none) */
	tally_seats_qualification *qualification;
	uint32_t *party_seats;
	bool *district_excluded;        /* [district * n + party]: below the district threshold */
	tally_apportionment *district;  /* per district */
} tally_seats_result;

/* tally_seats_allocate applies the thresholds of "c" and allocates every
 * district of "t" by c->rule. "*out" is freed with tally_seats_result_free
 * (n_districts is taken from "t", which must be the same at free). Errors:
 * those of tally_apportion; E020 for a threshold with den 0 and num > 0 or
 * a share above 1. */
TALLY_API int tally_seats_allocate(const tally_seats_table *t, const tally_seats_config *c,
                                   tally_seats_result **out, tally_error *err);
TALLY_API void tally_seats_result_free(tally_seats_result *r, const tally_seats_table *t);

/* ==== Bundestag, BWahlG section 6 as amended in 2020 ==== */

typedef struct tally_bundestag_input {
	uint32_t n_lands, n_parties;
	const char *const *land_ids;
	const uint64_t *population;     /* per Land (German population) */
	const char *const *party_ids;
	const bool *exempt;             /* national-minority parties (section 6(3) sentence 2) */
	const uint64_t *votes;          /* second votes [party * n_lands + land] */
	const uint32_t *wins;           /* constituency wins [party * n_lands + land] */
	uint64_t valid;                 /* valid second votes nationally (threshold base) */
	uint32_t house;                 /* 598 */
	tally_ratio threshold;          /* 5/100 */
	uint32_t wins_qualify;          /* 3 */
	uint32_t uncompensated;         /* overhang seats left uncompensated: 3 */
	tally_seats_rule rule;          /* Sainte-Lague/Schepers and its tie chain */
} tally_bundestag_input;

typedef struct tally_bundestag_result {
	tally_seats_state state;
	uint32_t n_lands, n_parties;
	bool *qualified;                /* per party */
	tally_seats_qualification *qualification;
	uint64_t *party_votes;          /* per party */
	uint32_t *party_wins;
	tally_apportionment ober1;      /* 1st Oberverteilung over the Laender */
	tally_apportionment *unter1;    /* per Land: 1st Unterverteilung over its lists */
	uint32_t *contingent;           /* [party * n_lands + land] Sitzkontingent */
	uint32_t *minimum;              /* [party * n_lands + land] Mindestsitzzahl */
	uint32_t *claim;                /* per party: Mindestsitzanspruch */
	uint32_t *overhang;             /* per party: threatened overhang, sum of wins - contingent */
	uint32_t claims_total;
	uint32_t size;                  /* house size N of the 2nd Oberverteilung */
	tally_apportionment ober2;      /* 2nd Oberverteilung over the parties at N */
	uint32_t *uncompensated;        /* per party: shortfall kept as overhang */
	uint32_t *seats;                /* per party: final seats */
	uint32_t total;                 /* final house size */
	tally_apportionment *unter2;    /* per party: 2nd Unterverteilung over its Land lists */
	uint32_t *list_seats;           /* [party * n_lands + land] final */
} tally_bundestag_result;

/* tally_seats_bundestag2020 runs the six steps of BWahlG section 6 (2020).
 * "*out" is the caller's, freed with tally_bundestag_result_free. A tie the
 * rule cannot settle stops the procedure with out->state set. Errors: E020
 * (parameters), E023 (a constituency won by a party without list seats:
 * section 6(1) sentence 2 is not implemented), those of tally_apportion. */
TALLY_API int tally_seats_bundestag2020(const tally_bundestag_input *in,
                                        tally_bundestag_result **out, tally_error *err);
TALLY_API void tally_bundestag_result_free(tally_bundestag_result *r);

#ifdef __cplusplus
}
#endif
#endif
