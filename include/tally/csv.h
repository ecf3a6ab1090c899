/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv.h: a strict, streaming CSV reader (RFC 4180, with a chosen delimiter,
 * an optional UTF-8 byte order mark, LF or CRLF line ends). It reads from a
 * buffer in memory, one record at a time, without copying fields that need
 * no unquoting. Limits: TALLY_MAX_CSV_FIELDS fields per record,
 * TALLY_MAX_CSV_FIELD bytes per field.
 */
#ifndef TALLY_CSV_H
#define TALLY_CSV_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_csv_field {
	const char *s;   /* not NUL-terminated */
	size_t len;
} tally_csv_field;

typedef struct tally_csv {
	const char *buf, *end, *pos;
	char delim;
	uint64_t record;      /* 1-based number of the record last read */
	uint64_t line;        /* 1-based line where that record starts */
	tally_csv_field *fields;
	size_t n_fields, cap_fields;
	char *scratch;        /* unquoted copies of quoted fields */
	size_t scratch_len, scratch_cap;
	const char *file;
} tally_csv;

/* tally_csv_init prepares to read "len" bytes at "buf" (which must outlive
 * the reader); a leading UTF-8 BOM is skipped. "delim" is ',' or ';' or
 * '\t', or 0 to take whichever of ',', ';' and '\t' appears first in the
 * first line. "file" names the input in errors. */
TALLY_API void tally_csv_init(tally_csv *c, const char *buf, size_t len, char delim,
                              const char *file);
TALLY_API void tally_csv_release(tally_csv *c);

/* tally_csv_next reads the next record into c->fields / c->n_fields, valid
 * until the next call. Returns 1 for a record, 0 at the end of input, or a
 * negative status: TALLY_EINVAL with C001 (unterminated quote, or a quote
 * inside an unquoted field, or text after a closing quote), C009 (invalid
 * UTF-8), TALLY_ELIMIT with C007 (too many fields or a field too long).
 * Blank lines are skipped. */
TALLY_API int tally_csv_next(tally_csv *c, tally_error *err);

/* tally_csv_u64 parses a field as a non-negative decimal integer no greater
 * than "max" (surrounding spaces allowed). Returns TALLY_OK or TALLY_EINVAL. */
TALLY_API int tally_csv_u64(const tally_csv_field *f, uint64_t max, uint64_t *out);

/* tally_csv_eq compares a field with a NUL-terminated string. */
TALLY_API bool tally_csv_eq(const tally_csv_field *f, const char *s);

#ifdef __cplusplus
}
#endif
#endif
