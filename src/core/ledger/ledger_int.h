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

/* ledger__tree_node gives MTH(D[index * 2^height : (index + 1) * 2^height]),
 * the root of a perfect subtree the tree holds (merkle.c); false when the
 * tree is too small to hold it. */
bool ledger__tree_node(const tally_merkle_tree *t, unsigned height, uint64_t index,
                       tally_hash *out);

/* ledger__sha256_prefixed writes SHA-256(prefix || data[0 .. len)) to
 * "out" (RFC 9162 2.1.1 leaf and node hashes); with the processor's SHA
 * extensions where it has them, unless "portable" asks for libsodium's
 * code (sha256.c). */
void ledger__sha256_prefixed(uint8_t prefix, const void *data, size_t len, uint8_t out[32],
                             bool portable);

/* Building the tree of a whole log at once (merkle.c):
 * ledger__merkle_tree_reserve makes room in an empty tree for "n" leaves
 * and all their nodes (TALLY_ENOMEM, the tree unchanged but for capacity);
 * ledger__merkle_tree_fill stores leaf[start .. start + count) and computes
 * every node of a perfect subtree wholly inside that range, writing nothing
 * else, so that calls on disjoint ranges may run on two threads at once;
 * ledger__merkle_tree_complete, once every leaf of [0, n) was filled in
 * ranges that start at multiples of 2^block_log2 and hold a multiple of
 * 2^block_log2 leaves (the last may be shorter), computes the nodes above
 * those blocks and makes the tree one of "n" leaves, the same as "n"
 * appends give. */
int ledger__merkle_tree_reserve(tally_merkle_tree *t, uint64_t n);
void ledger__merkle_tree_fill(tally_merkle_tree *t, const tally_hash *leaf, uint64_t start,
                              uint64_t count);
void ledger__merkle_tree_complete(tally_merkle_tree *t, uint64_t n, unsigned block_log2);

#endif
