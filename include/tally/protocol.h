/* SPDX-License-Identifier: Apache-2.0 */
/*
 * protocol.h: a polling station's result protocol as numbers, read from JSON
 * or from a CSV row, checked against the template's control relations, and
 * compared between the two independent entries of double entry.
 *
 * The double-entry rules (tally_entry_decide) are pure: given what is stored
 * for a station and a new entry, they say what to do. The store carries the
 * decision out in one transaction. docs/design.md has the state diagram.
 */
#ifndef TALLY_PROTOCOL_H
#define TALLY_PROTOCOL_H

#include "tally/common.h"
#include "tally/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The numbers of one protocol. "lines" has tmpl->n_lines values in template
 * order; "cand" has one value per candidate of the station's constituency,
 * in the constituency's candidate order. */
typedef struct tally_protocol {
	uint32_t station;
	uint64_t *lines;
	uint64_t *cand;
	uint32_t n_lines, n_cand;
} tally_protocol;

/* One entry as submitted: the protocol plus who entered it and why. */
typedef struct tally_entry {
	tally_protocol p;
	char operator_id[TALLY_MAX_ID_LEN + 1];
	char reason[TALLY_MAX_REASON_LEN + 1]; /* correction reason or empty */
} tally_entry;

/* tally_protocol_init allocates zeroed values for station "st". */
TALLY_API int tally_protocol_init(tally_protocol *p, const tally_election *e, uint32_t st);
TALLY_API void tally_protocol_release(tally_protocol *p);
TALLY_API int tally_protocol_copy(tally_protocol *dst, const tally_protocol *src);
TALLY_API uint64_t tally_protocol_cand_sum(const tally_protocol *p);

/* tally_entry_parse_json reads one entry from a JSON object:
 *   {"station": "...", "operator": "...", "reason": "...",
 *    "lines": {"key": n, ...}, "candidates": {"cand-id": n, ...}}
 * Every template line and every candidate of the station's constituency must
 * be present, nothing else. "obj" is a json_t* (jansson), passed as void* so
 * this header does not need jansson's. "where" is the JSON path for errors.
 * Errors (TALLY_EINVAL unless noted): P002 wrong type, P003 missing field,
 * P004 unknown field or line, P005 unknown station (TALLY_ENOTFOUND),
 * P006 candidate not on this ballot, P007 missing candidate, P008 number out
 * of range, P016 operator id invalid, P017 reason too long. */
TALLY_API int tally_entry_parse_json(const tally_election *e, const void *obj,
                                     const char *where, tally_entry *out, tally_error *err);

/* tally_entries_parse reads a file of entries: JSON (one object, an array of
 * objects, or {"protocols": [...]}) or CSV (header: station, operator,
 * optional reason, then line keys and candidate ids; an empty cell means the
 * candidate is not on that station's ballot). "format" is "json", "csv" or
 * NULL to guess from the first byte. On success "*out" is an array of
 * "*n" entries (free with tally_entries_free). The first bad entry stops the
 * parse and nothing is returned: a file is taken whole or not at all.
 * Errors: as tally_entry_parse_json, plus P001 (malformed JSON), C001-C009
 * (CSV; docs/errors.md). */
TALLY_API int tally_entries_parse(const tally_election *e, const char *buf, size_t len,
                                  const char *file, const char *format, tally_entry **out,
                                  size_t *n, tally_error *err);
TALLY_API void tally_entries_free(tally_entry *v, size_t n);

/* tally_entry_to_json writes the canonical JSON of an entry (keys in
 * template order, candidates in ballot order, no spaces). "*out" is freed
 * with tally_free. */
TALLY_API int tally_entry_to_json(const tally_election *e, const tally_entry *en, char **out,
                                  tally_error *err);

/* ==== Checking ==== */

/* The outcome of one failed relation. */
typedef struct tally_violation {
	uint32_t relation;  /* index into tmpl->relations */
	int64_t lhs, rhs;   /* the two sides' values */
} tally_violation;

typedef struct tally_check {
	tally_violation v[TALLY_MAX_RELATIONS];
	uint32_t n;          /* failed relations, in template order */
	uint32_t n_errors;   /* of which severity error */
	uint32_t n_warnings;
} tally_check;

/* A check in 16 bytes, for keeping one per station of a large election. */
typedef struct tally_check_summary {
	uint16_t n_errors, n_warnings;
	uint64_t failed;     /* bit i set: relation i fails */
} tally_check_summary;

/* tally_check_summarize condenses "c" into "*out". */
TALLY_API void tally_check_summarize(const tally_check *c, tally_check_summary *out);

/* tally_protocol_check evaluates every relation of the template over "p"
 * and fills "*out". It never fails. */
TALLY_API void tally_protocol_check(const tally_election *e, const tally_protocol *p,
                                    tally_check *out);

/* tally_violation_describe writes a sentence for people, for example
 * "AZ05 warning: 'in_mobile + in_stationary <= voters_received' fails:
 * 1,210 > 1,190 (more ballots in the boxes than were issued: possible
 * ballot stuffing)" into buf (always NUL-terminated). */
TALLY_API void tally_violation_describe(const tally_election *e, const tally_violation *v,
                                        char *buf, size_t size);

/* ==== Double entry ==== */

/* One differing line between two entries. "line" is a template line index,
 * or TALLY_LINE_CANDIDATES + 0 with "cand" naming the candidate slot. */
typedef struct tally_diff_item {
	uint32_t line;
	uint32_t cand;      /* candidate slot when line == TALLY_LINE_CANDIDATES */
	uint64_t a, b;
} tally_diff_item;

/* tally_protocol_diff lists every differing line of "a" and "b" (same
 * station) into "out" (room for "cap" items) and returns how many differ
 * (which may exceed cap). */
TALLY_API size_t tally_protocol_diff(const tally_protocol *a, const tally_protocol *b,
                                     tally_diff_item *out, size_t cap);

/* What is stored for a station, as tally_entry_decide sees it. */
typedef enum tally_station_state {
	TALLY_ST_EMPTY,     /* nothing entered, or a correction not yet begun */
	TALLY_ST_PENDING,   /* one entry waits for its second */
	TALLY_ST_CONFLICT,  /* two entries differ; a resolution is needed */
	TALLY_ST_ACCEPTED   /* the current version is accepted */
} tally_station_state;

typedef struct tally_station_view {
	tally_station_state state;
	bool annulled;
	uint32_t version;             /* accepted versions so far (0 = none) */
	const tally_protocol *accepted;  /* the current accepted version, or NULL */
	/* pending or disputed entries (1 when pending, 2 when in conflict) */
	const tally_protocol *open[2];
	const char *open_operator[2];
	uint32_t n_open;
} tally_station_view;

typedef enum tally_action {
	TALLY_ACT_PEND,      /* store as the first of two entries */
	TALLY_ACT_ACCEPT,    /* store and accept as version+1 */
	TALLY_ACT_CONFLICT,  /* store; the station is now in conflict */
	TALLY_ACT_RESOLVE,   /* a third entry agrees with open[which]: accept that one */
	TALLY_ACT_DUPLICATE  /* identical to the accepted version: store nothing */
} tally_action;

typedef struct tally_decision {
	tally_action action;
	uint32_t which;      /* for TALLY_ACT_RESOLVE */
	tally_check check;   /* the new entry's check */
} tally_decision;

/* tally_entry_decide applies the entry rules to a new entry:
 *   - an error-severity relation fails: TALLY_EREJECTED (code P009; the
 *     relation's own code is in err->msg);
 *   - the station is annulled: TALLY_ECONFLICT (P012);
 *   - a changed protocol for an accepted station without a reason:
 *     TALLY_ECONFLICT (P011); the same numbers again: TALLY_ACT_DUPLICATE;
 *   - with double entry on: the first entry pends; a second from another
 *     operator is accepted when it agrees and makes a conflict when it does
 *     not; the same operator twice is TALLY_ECONFLICT (P010); in conflict, a
 *     third operator's entry that agrees with one disputed entry resolves it,
 *     one that agrees with neither is TALLY_ECONFLICT (P014), and one by an
 *     operator of the disputed entries is P010;
 *   - with double entry off, a valid entry is accepted at once. */
TALLY_API int tally_entry_decide(const tally_election *e, const tally_station_view *view,
                                 const tally_entry *en, tally_decision *out, tally_error *err);

/* ==== Packing ====
 * The compact byte form in which stores keep protocol numbers: every line,
 * then every candidate value, each as an unsigned LEB128 varint. */
TALLY_API int tally_protocol_pack(const tally_protocol *p, unsigned char **out, size_t *len);
TALLY_API int tally_protocol_unpack(const tally_election *e, uint32_t st,
                                    const unsigned char *buf, size_t len, tally_protocol *out,
                                    tally_error *err);

#ifdef __cplusplus
}
#endif
#endif
