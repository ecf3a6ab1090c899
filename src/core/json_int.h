/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_int.h: strict JSON reading on top of jansson for every JSON input of
 * libtally (definitions, templates, protocols, column maps). Each reader
 * passes the error codes of its family (definition D0xx, protocol P0xx,
 * map M0xx), so a wrong type, a missing key, an unknown key and a number out
 * of range are reported with the input's own codes and the JSON path.
 */
#ifndef TALLY_JSON_INT_H
#define TALLY_JSON_INT_H

#include "core_int.h"
#include <jansson.h>

typedef struct tj_codes {
	const char *malformed; /* syntax */
	const char *type;      /* wrong JSON type */
	const char *missing;   /* required key absent */
	const char *unknown;   /* key not in the schema */
	const char *range;     /* number out of range */
	const char *dupkey;    /* the same key twice in an object */
	const char *limit;     /* a string longer than its limit */
	const char *depth;     /* nesting deeper than TALLY_MAX_JSON_DEPTH */
} tj_codes;

extern const tj_codes tj_def_codes, tj_proto_codes, tj_map_codes;

/* tj_load parses "buf" with duplicate keys rejected and no trailing text.
 * "*out" is a new reference. */
int tj_load(const char *buf, size_t len, const char *file, const tj_codes *c, json_t **out,
            tally_error *err);

/* tj_load_until is tj_load that asks go_on(arg) before each piece of the
 * input (1,024 bytes) jansson reads, and stops reading, as at a malformed
 * input ("malformed" code), when it says false. A caller bounds jansson's
 * memory this way: jansson 2.14 must never see a failed allocation, which
 * it does not survive inside a string (jansson issue #362). */
int tj_load_until(const char *buf, size_t len, const char *file, const tj_codes *c,
                  bool (*go_on)(void *arg), void *arg, json_t **out, tally_error *err);

/* tj_keys fails on any key of "obj" not in the NULL-terminated "allowed". */
int tj_keys(const json_t *obj, const char *const *allowed, const char *path, const tj_codes *c,
            tally_error *err);

/* Typed member access. "out" is untouched when the key is absent and not
 * required. Strings are borrowed from the JSON value. */
int tj_obj(const json_t *obj, const char *key, bool required, const char *path,
           const tj_codes *c, json_t **out, tally_error *err);
int tj_arr(const json_t *obj, const char *key, bool required, const char *path,
           const tj_codes *c, json_t **out, tally_error *err);
int tj_str(const json_t *obj, const char *key, bool required, size_t maxlen, const char *path,
           const tj_codes *c, const char **out, tally_error *err);
int tj_u64(const json_t *obj, const char *key, bool required, uint64_t min, uint64_t max,
           const char *path, const tj_codes *c, uint64_t *out, tally_error *err);
int tj_bool(const json_t *obj, const char *key, bool required, const char *path,
            const tj_codes *c, bool *out, tally_error *err);
/* A JSON value as a count (non-negative integer <= max). */
int tj_count(const json_t *v, uint64_t max, const char *path, const tj_codes *c, uint64_t *out,
             tally_error *err);

/* Path building: "base.key" or "base[i]" into "buf". */
const char *tj_path_key(char *buf, size_t size, const char *base, const char *key);
const char *tj_path_idx(char *buf, size_t size, const char *base, size_t i);

/* tally__turnout_json reads turnout reports from a parsed JSON array, with
 * the checks and codes of tally_turnout_parse (turnout.c); "*out" is freed
 * with tally_free. For callers that have the JSON already (the server). */
int tally__turnout_json(const tally_election *e, const json_t *root, const char *file,
                        tally_turnout **out, size_t *n, tally_error *err);

/* Template object <-> JSON (template.c), shared with the definition parser. */
int tally__template_from_json_value(const json_t *v, const char *path, tally_template **out,
                                    tally_error *err);
void tally__template_write(const tally_template *t, tally__buf *b, int indent);

#endif
