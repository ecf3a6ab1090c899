/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core_int.h: helpers shared by the files of libtally (not exported): a
 * growable byte buffer, a string-to-index hash table, checked integer
 * parsing, JSON helpers over jansson, and the assertion that stays on in
 * release builds. Included by every core .c file after the public headers.
 */
#ifndef TALLY_CORE_INT_H
#define TALLY_CORE_INT_H

#include "tally/tally.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Invariants (never input) are checked in every build. */
#define TALLY_ASSERT(x) \
	((x) ? (void)0 : tally__assert_fail(#x, __FILE__, __LINE__))
void tally__assert_fail(const char *expr, const char *file, int line)
	__attribute__((noreturn));

/* ==== Growable buffer ==== */
typedef struct tally__buf {
	char *s;
	size_t len, cap;
	int oom;   /* sticky: set once an allocation failed */
} tally__buf;

#define TALLY__BUF_INIT {NULL, 0, 0, 0}
void tally__buf_add(tally__buf *b, const char *s, size_t n);
void tally__buf_str(tally__buf *b, const char *s);
void tally__buf_printf(tally__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tally__buf_u64(tally__buf *b, uint64_t v);
/* Appends "s" as a JSON string literal (quotes and escapes included). */
void tally__buf_json_str(tally__buf *b, const char *s);
/* tally__buf_detach returns the NUL-terminated text (never NULL unless OOM)
 * and resets the buffer; the caller frees it with tally_free. */
char *tally__buf_detach(tally__buf *b, size_t *len);
void tally__buf_release(tally__buf *b);

/* ==== String -> index hash table (open addressing) ==== */
typedef struct tally__map {
	const char **keys;   /* borrowed; must outlive the map */
	uint32_t *vals;
	uint64_t *hashes;    /* of each key, so probes and growth need no rehash */
	uint32_t cap, n;     /* cap is a power of two */
} tally__map;

#define TALLY__MAP_INIT {NULL, NULL, NULL, 0, 0}
/* Returns TALLY_OK, TALLY_EEXIST when the key is present (its value is in
 * *existing if not NULL), or TALLY_ENOMEM. */
int tally__map_put(tally__map *m, const char *key, uint32_t val, uint32_t *existing);
uint32_t tally__map_get(const tally__map *m, const char *key); /* TALLY_NONE if absent */
uint32_t tally__map_getn(const tally__map *m, const char *key, size_t len);
void tally__map_release(tally__map *m);
uint64_t tally__hash(const char *s, size_t n);

/* ==== Checks on text ==== */
/* An id is 1..TALLY_MAX_ID_LEN bytes of [A-Za-z0-9._:/@-]. */
bool tally__id_ok(const char *s);
bool tally__utf8_ok(const char *s, size_t n);

/* ==== Deterministic random numbers (xoshiro256**, seeded by splitmix64) ==== */
typedef struct tally__rng { uint64_t s[4]; } tally__rng;
void tally__rng_seed(tally__rng *r, uint64_t seed);
uint64_t tally__rng_next(tally__rng *r);
/* uniform in [0, n) without modulo bias; n > 0 */
uint64_t tally__rng_below(tally__rng *r, uint64_t n);
/* uniform double in [0, 1) (simulation only; never decides a seat) */
double tally__rng_unit(tally__rng *r);
double tally__rng_normal(tally__rng *r);
/* binomial(n, p) draw, exact for small n, normal approximation above 1000 */
uint64_t tally__rng_binomial(tally__rng *r, uint64_t n, double p);
uint64_t tally__splitmix64(uint64_t *state);

#endif
