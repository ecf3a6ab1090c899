/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.h: what every part of libtally shares: the status codes every
 * fallible function returns, the error record that carries detail for
 * people (what, where, why, and a stable error code such as "D005"), the
 * allocator hook, and the library's limits.
 *
 * Conventions (see docs/design.md):
 *   - every fallible function returns tally_status; TALLY_OK is 0 and every
 *     error is negative;
 *   - on error, out-parameters are left untouched and, when the caller passed
 *     a tally_error, it holds the detail;
 *   - the library never prints and never exits.
 */
#ifndef TALLY_COMMON_H
#define TALLY_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TALLY_API __attribute__((visibility("default")))
#else
#define TALLY_API
#endif

#define TALLY_VERSION_STRING "0.1.0"

/* Status codes. Bad input is TALLY_EINVAL (or a more specific code below);
 * the tally_error record then names the exact rule (its code field). */
typedef enum tally_status {
	TALLY_OK = 0,
	TALLY_ENOMEM = -1,     /* an allocation failed */
	TALLY_EINVAL = -2,     /* malformed or inconsistent input */
	TALLY_ENOTFOUND = -3,  /* no such station, candidate, entry, file */
	TALLY_ECONFLICT = -4,  /* conflicts with what is stored */
	TALLY_EREJECTED = -5,  /* a protocol failed an error-severity check */
	TALLY_ELIMIT = -6,     /* a limit in this header was exceeded */
	TALLY_EIO = -7,        /* reading or writing a file failed */
	TALLY_ESTORE = -8,     /* the database refused an operation */
	TALLY_EEXIST = -9      /* the thing to create already exists */
} tally_status;

/* tally_strerror returns a static, lower-case description of a status. */
TALLY_API const char *tally_strerror(int status);

/* The detail of an error, for people and for programs.
 *   code:  a stable identifier of the rule that was broken ("D005", "P009",
 *          "AZ01"); docs/errors.md lists every code. Empty when none applies.
 *   where: the file, JSON path, CSV row and column, or station concerned.
 *   msg:   what is wrong and, where useful, what to do about it.
 * Each field is NUL-terminated and truncated to fit. */
typedef struct tally_error {
	int status;
	char code[16];
	char where[256];
	char msg[512];
} tally_error;

#define TALLY_ERROR_INIT {0, "", "", ""}

/* tally_error_set fills "err" (if not NULL) and returns "status", so that a
 * failing path can read `return tally_error_set(err, TALLY_EINVAL, "D005",
 * path, "duplicate id '%s'", id);`. "where" may be NULL. */
TALLY_API int tally_error_set(tally_error *err, int status, const char *code,
                              const char *where, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/* tally_error_clear resets "err" to TALLY_ERROR_INIT; NULL is a no-op. */
TALLY_API void tally_error_clear(tally_error *err);

/* The allocator hook. Every allocation in libtally goes through these, so
 * tests can fail the Nth allocation and count leaks. realloc(p, 0) is never
 * requested. Passing NULL restores the C library's functions. The hook is
 * process-wide and must be set before any other call. */
typedef struct tally_allocator {
	void *(*malloc_fn)(size_t size, void *ud);
	void *(*realloc_fn)(void *ptr, size_t size, void *ud);
	void (*free_fn)(void *ptr, void *ud);
	void *ud;
} tally_allocator;

TALLY_API void tally_set_allocator(const tally_allocator *a);
TALLY_API void *tally_malloc(size_t size);
TALLY_API void *tally_calloc(size_t n, size_t size);
TALLY_API void *tally_realloc(void *ptr, size_t size);
TALLY_API void tally_free(void *ptr);
TALLY_API char *tally_strdup(const char *s);

/* tally_thousands writes "v" with thousands separators ("5,276,492") into
 * "buf" and returns it. */
TALLY_API const char *tally_thousands(uint64_t v, char buf[32]);

/* ==== Limits ==== (every one is tested at its boundary) */
#define TALLY_MAX_ID_LEN 64            /* bytes in an id */
#define TALLY_MAX_NAME_LEN 512         /* bytes in a name or label */
#define TALLY_MAX_REASON_LEN 1024      /* bytes in a correction reason */
#define TALLY_MAX_LINES 64             /* protocol lines in a template */
#define TALLY_MAX_RELATIONS 64         /* control relations in a template */
#define TALLY_MAX_TERMS 32             /* terms on one side of a relation */
#define TALLY_MAX_COEF 1000            /* absolute coefficient in a relation */
#define TALLY_MAX_CANDIDATES 1000      /* candidates in one constituency */
#define TALLY_MAX_CONSTITUENCIES 100000
#define TALLY_MAX_STATIONS 2000000
#define TALLY_MAX_PARTIES 1000
#define TALLY_MAX_BLOCS 100
#define TALLY_MAX_BLOC_MEMBERS 100
#define TALLY_MAX_ALL_CANDIDATES 1000000
#define TALLY_MAX_SEATS 100000
#define TALLY_MAX_MAGNITUDE 1000
#define TALLY_MAX_COUNT 1000000000ULL  /* any one protocol line or vote count */
#define TALLY_MAX_REGISTERED 1000000000ULL /* registered voters at a station */
#define TALLY_MAX_DEF_BYTES (512u << 20)   /* a definition file */
#define TALLY_MAX_INPUT_BYTES (1024u << 20) /* a protocol or CSV file */
#define TALLY_MAX_CSV_FIELDS 4096      /* columns in a CSV row */
#define TALLY_MAX_CSV_FIELD 4096       /* bytes in one CSV field */
#define TALLY_MAX_JSON_DEPTH 32        /* nesting accepted in any JSON input */
#define TALLY_MAX_TURNOUT_REPORTS 48   /* intraday reports per station */
#define TALLY_RCV_MAX_CANDIDATES 1000  /* candidates in one ranked contest */
#define TALLY_RCV_MAX_RANKS 1000       /* ranks on one ballot */
#define TALLY_RCV_MAX_BALLOTS 100000000ULL /* ballots in one ranked contest */
#define TALLY_RCV_MAX_PATTERN_BYTES (1ULL << 32) /* distinct rankings kept, in bytes */
#define TALLY_MAX_LABEL_LANGS 16       /* languages of one protocol line's labels */

#ifdef __cplusplus
}
#endif
#endif
