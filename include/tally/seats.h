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
 * as amended in 2020 is tally_seats_bundestag2020. Built on these:
 * plurality and the block vote, the first round of a two-round election
 * (single.c), parallel and New Zealand's MMP keeping overhang (mixed.c),
 * Norway's county leveling seats (leveling.c) and the Bundestag under the
 * 2023 reform with Zweitstimmendeckung (bundestag2023.c).
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
	uint64_t *registered; /* per district: registered voters (two-round); 0 = not given */
	char **region;        /* per district: the region it belongs to (a Land), or NULL */
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

/* ==== The Bundeswahlleiterin's result file "kerg" (kerg.c) ==== */

/* The official final result in the layout of btw21_kerg.csv (also
 * btw17_kerg.csv): ';'-separated UTF-8 with an optional BOM; title and
 * status lines; three heading rows (area columns "Nr", "Gebiet", "gehoert
 * zu", then groups of four columns: first votes final and previous term,
 * second votes final and previous term, named in the first heading row;
 * "Gueltige Stimmen" and one group per party); then one row per area. The
 * federal row has no "gehoert zu" (its number 99 is also constituency 99's),
 * a Land row belongs to 99, a constituency to its Land. The group "Uebrige"
 * (other first-vote candidates) is no party. */
typedef struct tally_kerg {
	char *title, *status;           /* the first two lines' first fields */
	uint32_t n_lands, n_parties, n_constituencies;
	char **land_ids;                /* per Land, in file order: the two-letter code of Land
	                                 * numbers 1-16 (SH HH NI HB NW HE RP BW BY SL BE BB MV
	                                 * SN ST TH), else its number */
	char **land_names;              /* as in the file ("Schleswig-Holstein") */
	uint32_t *land_nr;              /* as in the file (1 for "01") */
	char **party_ids;               /* the party names of the headings, in file order */
	uint64_t *votes;                /* second votes [party * n_lands + land] */
	uint32_t *wins;                 /* constituency wins [party * n_lands + land] */
	uint64_t valid;                 /* valid second votes, federal row */
	uint64_t *land_valid;           /* valid second votes per Land */
	char **cons_names;              /* per constituency, in file order */
	uint32_t *cons_nr;
	uint32_t *cons_land;            /* index of its Land */
	uint32_t *cons_winner;          /* party with the most first votes */
	uint64_t *cons_votes;           /* its first votes */
	uint64_t *cons_valid;           /* valid first votes */
} tally_kerg;

/* tally_kerg_parse reads a kerg file; "file" names it in errors. "*out" is
 * the caller's, freed with tally_kerg_free. Errors: TALLY_EINVAL with E029
 * (not the kerg layout: no heading rows "Nr;Gebiet;gehoert zu", no group
 * "Gueltige Stimmen" or no party with final first and second votes), E030
 * (a row with another number of fields than the headings, a number that is
 * not a whole number up to 10^12, a bad area number or "gehoert zu"), E031
 * (the areas do not fit: no federal row or two, no Land, a Land twice, a
 * constituency of a Land without a Land row, a constituency without a
 * single winner (a tie, no first votes, or "Uebrige" ahead: an independent
 * is not supported), a Land's second votes above its valid votes, the
 * Laender's second votes of a party not adding up to the federal row), or
 * the CSV reader's C0xx codes; TALLY_ENOMEM. */
TALLY_API int tally_kerg_parse(const char *buf, size_t len, const char *file, tally_kerg **out,
                               tally_error *err);
TALLY_API void tally_kerg_free(tally_kerg *k);

/* tally_kerg_bundestag_input fills "in" from "k" (which must outlive it):
 * Laender (land_ids), parties, second votes, constituency wins and valid
 * second votes, and the parameters of the 2020 law: house 598, threshold
 * 5/100, 3 wins, 3 uncompensated overhang seats, Sainte-Lague/Schepers with
 * no tie policy. population and exempt are NULL: the caller's. */
TALLY_API void tally_kerg_bundestag_input(const tally_kerg *k, tally_bundestag_input *in);

/* tally_seats_population_parse reads CSV "land,population" (header line
 * required; ',' or ';'; optional BOM) into population[n_lands]. A row's land
 * is matched against ids, then names (NULL: none), then numbers (NULL:
 * none; "1" or "01"). Every Land exactly once. Errors: TALLY_EINVAL with
 * E032 (a bad header, an unknown Land, a Land twice or missing, a
 * population not a whole number from 1 to 10^12, a row without two fields),
 * the CSV reader's C0xx codes. */
TALLY_API int tally_seats_population_parse(const char *buf, size_t len, const char *file,
                                           uint32_t n_lands, const char *const *ids,
                                           const char *const *names, const uint32_t *numbers,
                                           uint64_t *population, tally_error *err);


/* ==== Single-member and block vote, two-round (single.c) ==== */

/* One contest between candidates (or lists taking at most one seat each). */
typedef struct tally_candidates_input {
	uint32_t n;
	const uint64_t *votes;         /* per candidate, <= TALLY_SEATS_MAX_VOTES */
	const char *const *ids;        /* for the lot and notes; NULL: "1", "2", ... */
	uint32_t seats;                /* 1: single-member; more: block vote */
} tally_candidates_input;

/* tally_seats_plurality elects the in->seats candidates with the most votes
 * (single-member plurality, or the block vote where each voter marks up to
 * "seats" names). A tie at the last seat goes through rule->tie (the method
 * is ignored; "votes" and "districts" cannot separate equal votes and pass
 * the tie on, so the chain that decides is "lot" or "fail", Election Code of
 * Azerbaijan art. 170.1). out->alloc[i] is 1 for an elected candidate; the
 * tie, if any, is in out->ties; state LOTS_REQUIRED or FAILED when the chain
 * did not settle it (only the sure winners then have alloc 1). Released
 * with tally_apportionment_release. Errors: E020 (a bad tie chain), E022
 * (votes above the limit), E025 (fewer candidates than seats). */
TALLY_API int tally_seats_plurality(const tally_seats_rule *rule, const tally_candidates_input *in,
                                    tally_apportionment *out, tally_error *err);

/* The first round of a two-round election. */
typedef struct tally_two_round_rule {
	tally_ratio majority;          /* share a winner needs, e.g. 1/2 */
	bool majority_strict;          /* "more than" the share (art. 203.4: more than half);
	                                * false: "at least" */
	bool majority_of_registered;   /* the share is of registered voters, not of valid votes */
	tally_ratio also_registered;   /* and at least this share of registered voters
	                                * (France, Code electoral L126: 1/4); den 0: none */
	tally_ratio runoff_registered; /* runoff: every candidate with at least this share of
	                                * registered voters (L162: 1/8), completed to two by
	                                * votes; den 0: the top two */
} tally_two_round_rule;

typedef struct tally_two_round_result {
	tally_seats_state state;       /* of the tie settling, if any */
	bool elected;                  /* a winner in the first round */
	uint32_t winner;               /* when elected */
	uint64_t valid, registered;    /* the denominators used */
	uint32_t n_runoff;             /* when not elected: candidates in the runoff */
	uint32_t *runoff;              /* ... by votes, most first */
	tally_apportionment pick;      /* alloc 1 for the winner or the runoff candidates;
	                                * the ties that decided them */
	char note[512];                /* "elected: X" or "runoff needed between X and Y" */
} tally_two_round_result;

/* tally_seats_two_round decides a first round: a candidate meeting the
 * majority (and the share of registered voters, when required) is elected,
 * the most votes first when several do; otherwise the runoff candidates are
 * chosen and out->note says "runoff needed between X and Y". "valid" is the
 * majority's base when not of registered voters (0: the sum of votes).
 * Ties for the win or the last runoff place go through rule->tie. Release
 * "out" with tally_two_round_release. Errors: E020 (a share above 1 or with
 * den 0 where required, shares of registered voters without "registered"),
 * E022, E025 (fewer than two candidates). */
TALLY_API int tally_seats_two_round(const tally_seats_rule *rule, const tally_two_round_rule *tr,
                                    const tally_candidates_input *in, uint64_t valid,
                                    uint64_t registered, tally_two_round_result *out,
                                    tally_error *err);
TALLY_API void tally_two_round_release(tally_two_round_result *r);

/* ==== Mixed systems (mixed.c) ==== */

/* tally_seats_parallel: a parallel (mixed-member majoritarian) system, two
 * independent tallies summed: the list tier of "t" allocated by "c" as
 * tally_seats_allocate does, plus each party's constituency seats (its
 * @wins). "*out" is as tally_seats_allocate's; total[p] (caller's array of
 * t->n_parties) receives list seats + wins. Errors: those of
 * tally_seats_allocate. */
TALLY_API int tally_seats_parallel(const tally_seats_table *t, const tally_seats_config *c,
                                   tally_seats_result **out, uint32_t *total, tally_error *err);

/* Mixed-member proportional with overhang kept (New Zealand). */
typedef struct tally_mmp_input {
	uint32_t n;
	const uint64_t *votes;         /* party votes */
	const uint32_t *wins;          /* electorate seats won */
	const bool *list;              /* NULL: every entry is a party with a list; false: an
	                                * independent or unregistered party (its wins only) */
	const char *const *ids;
	uint64_t denominator;          /* threshold base; 0: the sum of votes */
	uint32_t house;                /* 120 */
	tally_ratio threshold;         /* 5/100; den 0: none */
	uint32_t wins_qualify;         /* 1; 0: no qualification by wins */
	tally_seats_rule rule;         /* Sainte-Lague (s.191(2)) and its tie chain */
} tally_mmp_input;

typedef struct tally_mmp_result {
	tally_seats_state state;
	uint32_t n;
	uint64_t denominator;
	tally_seats_qualification *qualification;
	uint32_t other_wins;           /* electorate seats of the non-qualifying, subtracted */
	uint32_t apportioned;          /* house - other_wins: seats over the qualifying */
	tally_apportionment party;     /* the apportionment over the qualifying parties */
	uint32_t *list_seats;          /* entitlement - wins, or 0 */
	uint32_t *overhang;            /* wins - entitlement, or 0 (kept) */
	uint32_t *seats;               /* final */
	uint32_t total;                /* house + overhang */
} tally_mmp_result;

/* tally_seats_mmp runs the Electoral Act 1993 (NZ) s.191: parties with at
 * least the threshold of the party votes or wins_qualify electorate seats
 * qualify; the electorate seats of everyone else are subtracted from the
 * house; the rest is apportioned over the qualifying parties by their party
 * votes; a party's list seats fill its entitlement above its electorate
 * seats, and electorate seats beyond it are kept as overhang (the house
 * grows). "*out" is freed with tally_mmp_result_free. Errors: E020 (bad
 * parameters, more electorate seats outside the qualifying than the house),
 * those of tally_apportion. */
TALLY_API int tally_seats_mmp(const tally_mmp_input *in, tally_mmp_result **out,
                              tally_error *err);
TALLY_API void tally_mmp_result_free(tally_mmp_result *r);


/* ==== Leveling seats, Norway (leveling.c) ==== */

typedef struct tally_leveling_input {
	uint32_t n_districts, n_parties;
	const char *const *district_ids;
	const char *const *party_ids;
	const uint32_t *seats;          /* per district: district seats (county seats - leveling) */
	const uint32_t *leveling;       /* per district: leveling seats (Norway: 1 each) */
	const uint64_t *votes;          /* [district * n_parties + party] */
	tally_ratio threshold;          /* of the national votes, for leveling seats: 4/100 */
	tally_seats_rule rule;          /* modified Sainte-Lague, first divisor 7/5 */
} tally_leveling_input;

/* One leveling seat placed, in order: the party's quotient in the county
 * votes / d(won) (d = 1 for won = 0, else 2 won + 1), divided by the
 * county's votes per district seat (county_votes / county_seats). */
typedef struct tally_leveling_place {
	uint32_t district, party;
	uint64_t votes;                 /* the party's votes in the county */
	uint32_t won;                   /* its district seats there */
	uint64_t county_votes;
	uint32_t county_seats;          /* district seats of the county */
} tally_leveling_place;

typedef struct tally_leveling_result {
	tally_seats_state state;
	uint32_t n_districts, n_parties;
	tally_apportionment *district;  /* per district: its district seats */
	uint64_t *party_votes;          /* national */
	uint32_t *district_seats;       /* per party, summed */
	bool *eligible;                 /* at or above the threshold */
	bool *removed;                  /* eligible, but more district seats than its national
	                                 * share in some run: left out (Valgloven 11-6(2)) */
	uint32_t *removed_in;           /* per party: the run that removed it (1-based), 0 */
	uint32_t runs;                  /* national runs until stable */
	uint32_t national_seats;        /* seats of the last national run */
	tally_apportionment national;   /* the last national run */
	uint32_t *leveling;             /* per party: national share - district seats */
	uint32_t *placed;               /* [district * n_parties + party]: leveling seats */
	tally_leveling_place *order;    /* the placements in order */
	uint32_t n_order;
	tally_apportionment placing;    /* only ties/n_ties: ties between quotients in the
	                                 * placement, entries district * n_parties + party */
	uint32_t *seats;                /* per party: district + leveling */
} tally_leveling_result;

/* tally_seats_leveling allocates each district's seats by in->rule, then
 * the leveling seats as the Norwegian Election Act (valgloven) sections
 * 11-3 to 11-6 describe: the parties with at least the threshold of the
 * national votes share the district seats they won plus all leveling seats
 * by their national votes (same rule); a party whose district seats exceed
 * its share is left out with its seats and the run repeated; each party's
 * leveling seats are its share less its district seats; they are placed in
 * the order of the quotients v / d(s) (d = 1, 3, 5, ...: the first divisor
 * is 1 here, not 1.4) divided by the county's votes per district seat,
 * skipping a county whose leveling seats are placed and a party whose
 * leveling seats are. Ties go through the rule's chain (the party's
 * national votes for "votes"). "*out" is freed with
 * tally_leveling_result_free. Errors: E020 (parameters), E026 (a party's
 * leveling seat cannot be placed: every county where it stands is full),
 * those of tally_apportion. */
TALLY_API int tally_seats_leveling(const tally_leveling_input *in, tally_leveling_result **out,
                                   tally_error *err);
TALLY_API void tally_leveling_result_free(tally_leveling_result *r);

/* ==== Bundestag, BWahlG as reformed in 2023 (bundestag2023.c) ==== */

typedef struct tally_bundestag2023_input {
	uint32_t n_lands, n_parties, n_constituencies;
	const char *const *land_ids;
	const char *const *party_ids;
	const char *const *constituency_ids;
	const bool *exempt;             /* national-minority parties */
	const uint64_t *votes;          /* second votes [party * n_lands + land], already net
	                                 * of section 4(2) sentence 2 (voters of successful
	                                 * independents) */
	uint64_t valid;                 /* valid second votes nationally (threshold base) */
	const uint32_t *land;           /* per constituency */
	const uint32_t *winner;         /* per constituency: the winner's party, or
	                                 * n_parties for an independent */
	const uint64_t *winner_votes;   /* per constituency: the winner's first votes */
	const uint64_t *valid_first;    /* per constituency: valid first votes */
	uint32_t house;                 /* 630 */
	tally_ratio threshold;          /* 5/100 */
	uint32_t wins_qualify;          /* 3 (BVerfG 2 BvF 1/23, 30 July 2024); 0: the 2023 text */
	tally_seats_rule rule;          /* Sainte-Lague/Schepers; the chain for ranking ties: lot */
} tally_bundestag2023_input;

typedef struct tally_bundestag2023_result {
	tally_seats_state state;
	uint32_t n_lands, n_parties, n_constituencies;
	tally_seats_qualification *qualification;
	uint64_t *party_votes;
	uint32_t *party_wins;
	uint32_t independents;          /* successful independents: section 4(1) */
	uint32_t size;                  /* house - independents */
	tally_apportionment ober;       /* over the parties at "size" */
	uint32_t majority_bonus;        /* section 4(4) */
	uint32_t majority_party;        /* when majority_bonus > 0 */
	uint32_t *seats;                /* per party */
	uint32_t total;                 /* size + majority_bonus + independents */
	tally_apportionment *unter;     /* per party: over its Land lists */
	uint32_t *list_seats;           /* [party * n_lands + land] */
	bool *covered;                  /* per constituency: the winner takes the seat */
	uint32_t *rank;                 /* per constituency: 1-based rank in its Land list's
	                                 * winners by first-vote share; 0: an independent */
	uint32_t *uncovered;            /* per party: winners without a seat */
	uint32_t *from_list;            /* [party * n_lands + land]: seats for list candidates */
	tally_apportionment ranking;    /* only ties/n_ties: ties in the rankings, entries are
	                                 * constituencies */
} tally_bundestag2023_result;

/* tally_seats_bundestag2023 runs BWahlG sections 4 to 6 as reformed in
 * 2023 (in force for 2025): 630 seats less the successful independents;
 * parties with 5 % of the valid second votes (or, after BVerfG 2024,
 * wins_qualify constituency wins; minorities exempt) share them by second
 * votes (Oberverteilung, section 4(2)); a party with more than half of the
 * second votes of all qualifying parties but not more than half of the
 * seats gets seats until it has one more than half, the house growing
 * (4(4)); each party's seats go over its Land lists (Unterverteilung,
 * 4(3)); in each Land list the party's constituency winners, ranked by
 * their share of the valid first votes, take the list's seats in that
 * order while they last (Zweitstimmendeckung, section 6(1)); the rest go to
 * list candidates. Ties in the ranking go through rule->tie (the law: lot,
 * 6(3)). "*out" is freed with tally_bundestag2023_result_free. Errors:
 * E020 (parameters, a constituency's winner votes above its valid first
 * votes), those of tally_apportion. */
TALLY_API int tally_seats_bundestag2023(const tally_bundestag2023_input *in,
                                        tally_bundestag2023_result **out, tally_error *err);
TALLY_API void tally_bundestag2023_result_free(tally_bundestag2023_result *r);

#ifdef __cplusplus
}
#endif
#endif
