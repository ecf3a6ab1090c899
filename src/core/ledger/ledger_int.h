/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger_int.h: helpers shared by the files of the transparency log
 * (src/core/ledger/): strict base64, big-endian integers, and the checks on
 * note text and key names that signed notes and checkpoints both need.
 */
#ifndef TALLY_LEDGER_INT_H
#define TALLY_LEDGER_INT_H

#include "tally/ledger.h"
#include "core/core_int.h"

/* ledger__b64_decode decodes standard padded base64 (RFC 4648 4) into at
 * most "max" bytes; returns the decoded length, or -1 if "s" is not the
 * canonical encoding of anything (bad characters, padding, non-zero
 * trailing bits, too long). */
long ledger__b64_decode(const char *s, size_t len, uint8_t *out, size_t max);
/* ledger__b64_encode appends the encoding of "n" bytes to "b". */
void ledger__b64_encode(tally__buf *b, const uint8_t *p, size_t n);

void ledger__put_u32(uint8_t *p, uint32_t v);
void ledger__put_u64(uint8_t *p, uint64_t v);
uint32_t ledger__get_u32(const uint8_t *p);
uint64_t ledger__get_u64(const uint8_t *p);

/* true when "s" is valid UTF-8 without control characters but '\n' */
bool ledger__note_text_ok(const char *s, size_t n);
/* true when "s" is a key name: 1..TALLY_NOTE_MAX_NAME bytes of UTF-8 with
 * no control character, no Unicode space and no '+' */
bool ledger__key_name_ok(const char *s, size_t n);
/* parses a decimal without leading zeros, at most 2^63 - 1 */
bool ledger__parse_dec(const char *s, size_t n, uint64_t *out);

#endif
