/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model.h: the election model (election, contests, constituencies, polling
 * stations, parties, blocs, candidates, electoral system, protocol template)
 * and its definition file (JSON, docs/formats.md).
 *
 * An election is built once, by tally_election_parse from a definition or by
 * a generator (simulation, import) through tally_election_new and the
 * tally_election_add_* functions followed by tally_election_finish, and is
 * read-only afterwards. Arrays keep definition order, so writing the
 * definition back (tally_election_write) reproduces it. Every string in the
 * model is owned by the election.
 */
#ifndef TALLY_MODEL_H
#define TALLY_MODEL_H

#include "tally/common.h"
#include "tally/template.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TALLY_NONE UINT32_MAX

typedef enum tally_station_type {
	TALLY_STATION_ORDINARY,
	TALLY_STATION_SPECIAL,
	TALLY_STATION_MOBILE,
	TALLY_STATION_ABROAD
} tally_station_type;

typedef enum tally_nominator {
	TALLY_NOM_PARTY,
	TALLY_NOM_BLOC,
	TALLY_NOM_INITIATIVE, /* a voters' initiative group */
	TALLY_NOM_SELF
} tally_nominator;

/* What the seat rule does with a tie for the last seat of a constituency. */
typedef enum tally_tie_policy {
	TALLY_TIE_FAIL, /* the constituency election fails (Azerbaijan, art. 170.1) */
	TALLY_TIE_LOT   /* drawing of lots with the recorded seed (docs/methods.md) */
} tally_tie_policy;

typedef struct tally_contest {
	char *id, *name;
} tally_contest;

typedef struct tally_constituency {
	char *id, *name;
	uint32_t contest;    /* index into contests */
	uint32_t magnitude;  /* seats */
	uint32_t tier;       /* 1 = the only or lowest tier */
	/* Filled by tally_election_finish: the stations and candidates of this
	 * constituency, as indexes, in definition order. */
	uint32_t *stations, n_stations;
	uint32_t *candidates, n_candidates;
} tally_constituency;

typedef struct tally_station {
	char *id, *name;
	uint32_t constituency;
	uint64_t registered;
	tally_station_type type;
	char *area;     /* administrative area for breakdowns (region, district); may be empty */
	uint32_t slot;  /* filled by finish: position in its constituency's list */
} tally_station;

typedef struct tally_party {
	char *id, *name, *abbrev, *color; /* color "#rrggbb" or empty */
	uint32_t bloc;  /* filled by finish: the bloc it belongs to, or TALLY_NONE */
} tally_party;

typedef struct tally_bloc {
	char *id, *name, *abbrev, *color;
	uint32_t *members, n_members; /* party indexes */
} tally_bloc;

typedef struct tally_candidate {
	char *id, *name;
	uint32_t constituency;
	tally_nominator nominator;
	uint32_t nominated_by; /* party or bloc index, else TALLY_NONE */
	char *group;           /* initiative group's name, else empty */
	uint32_t slot;         /* filled by finish: position on its ballot */
} tally_candidate;

typedef struct tally_system {
	char *rule;                  /* "plurality", or "none" (count votes, assign no seats) */
	tally_tie_policy tie;
	uint64_t lot_seed;           /* used when tie == TALLY_TIE_LOT */
	/* art. 170.2: a constituency result is invalid when the results of more
	 * than invalid_num/invalid_den of its stations are invalid. */
	uint32_t invalid_num, invalid_den;
} tally_system;

typedef struct tally_election tally_election;

struct tally_election {
	char *id, *name, *date, *body;  /* date is YYYY-MM-DD */
	uint32_t seats;
	bool double_entry;
	tally_system system;
	tally_template *tmpl;

	tally_contest *contests;             uint32_t n_contests;
	tally_constituency *constituencies;  uint32_t n_constituencies;
	tally_station *stations;             uint32_t n_stations;
	tally_party *parties;                uint32_t n_parties;
	tally_bloc *blocs;                   uint32_t n_blocs;
	tally_candidate *candidates;         uint32_t n_candidates;

	void *priv; /* indexes and storage; see model_int.h */
};

/* tally_election_parse parses and checks a definition held in "buf" (not
 * necessarily NUL-terminated). "file" names it in error locations. On
 * success "*out" owns a new election (free with tally_election_free).
 * Errors: TALLY_EINVAL with codes D001-D019 and the JSON path in err->where;
 * TALLY_ELIMIT (D015); TALLY_ENOMEM. */
TALLY_API int tally_election_parse(const char *buf, size_t len, const char *file,
                                   tally_election **out, tally_error *err);

/* tally_election_write serialises "e" as its canonical definition (two-space
 * indented JSON with keys in a fixed order, a final newline). Parsing the
 * result and writing it again gives the same bytes. "*out" is NUL-terminated
 * and freed with tally_free; "*len" excludes the NUL. */
TALLY_API int tally_election_write(const tally_election *e, char **out, size_t *len,
                                   tally_error *err);

TALLY_API void tally_election_free(tally_election *e);

/* Lookups by id; each returns the index or TALLY_NONE. */
TALLY_API uint32_t tally_election_station(const tally_election *e, const char *id);
TALLY_API uint32_t tally_election_constituency(const tally_election *e, const char *id);
TALLY_API uint32_t tally_election_candidate(const tally_election *e, const char *id);
TALLY_API uint32_t tally_election_party(const tally_election *e, const char *id);
TALLY_API uint32_t tally_election_bloc(const tally_election *e, const char *id);

/* ==== Building an election in code ====
 * tally_election_new makes an empty election with the given template (taken
 * over: the election frees it) and system rule "plurality", tie policy fail,
 * invalid share 2/5, double entry on. The add functions copy their strings
 * and return the new index through "*idx" (may be NULL). References are by
 * index and are checked by tally_election_finish, which must be called once
 * before the election is used; it builds the indexes and checks everything
 * tally_election_parse checks (errors as there, with "where" naming the
 * object). */
TALLY_API int tally_election_new(const char *id, const char *name, const char *date,
                                 const char *body, uint32_t seats, tally_template *tmpl,
                                 tally_election **out);
TALLY_API int tally_election_add_contest(tally_election *e, const char *id, const char *name,
                                         uint32_t *idx);
TALLY_API int tally_election_add_constituency(tally_election *e, const char *id,
                                              const char *name, uint32_t contest,
                                              uint32_t magnitude, uint32_t tier, uint32_t *idx);
TALLY_API int tally_election_add_station(tally_election *e, const char *id, const char *name,
                                         uint32_t constituency, uint64_t registered,
                                         tally_station_type type, const char *area,
                                         uint32_t *idx);
TALLY_API int tally_election_add_party(tally_election *e, const char *id, const char *name,
                                       const char *abbrev, const char *color, uint32_t *idx);
TALLY_API int tally_election_add_bloc(tally_election *e, const char *id, const char *name,
                                      const char *abbrev, const char *color,
                                      const uint32_t *members, uint32_t n_members,
                                      uint32_t *idx);
TALLY_API int tally_election_add_candidate(tally_election *e, const char *id, const char *name,
                                           uint32_t constituency, tally_nominator nominator,
                                           uint32_t nominated_by, const char *group,
                                           uint32_t *idx);
TALLY_API int tally_election_finish(tally_election *e, tally_error *err);

/* Names of enum values as they appear in definition files. */
TALLY_API const char *tally_station_type_name(tally_station_type t);
TALLY_API const char *tally_nominator_name(tally_nominator n);
TALLY_API const char *tally_tie_policy_name(tally_tie_policy p);

/* tally_candidate_label returns the name under which a candidate's seat is
 * counted: the party's or bloc's abbreviation, or "Independent". Static or
 * owned by the election. */
TALLY_API const char *tally_candidate_affiliation(const tally_election *e, uint32_t cand);

#ifdef __cplusplus
}
#endif
#endif
