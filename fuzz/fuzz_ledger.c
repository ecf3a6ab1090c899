/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ledger.c: libFuzzer harness for the parsers of the transparency log
 * (src/core/ledger/). The first byte picks the parser: a log entry, a
 * checkpoint, a signed note (opened with a fixed known key), or a verifier
 * or signer key string. Whatever parses must format back to the same bytes
 * (entries, checkpoints, keys have one spelling), else the harness aborts.
 * A decoded entry keeps the rules of docs/log-format.md: at most 65,535
 * bytes, a blob held inline up to 61,440 bytes (pointing into the input),
 * logged by hash above. With bit 2 of the first byte set, the entry comes
 * after a big-endian u16 length and the rest is a body for its blob:
 * attaching it must succeed exactly when its length and SHA-256 are the
 * logged ones, and leave the blob untouched (L033) otherwise.
 */
#include "tally/ledger.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	const char *s = (const char *)p;
	switch (data[0] & 3) {
	case 0: {
		tally_log_entry e;
		uint8_t *out = NULL;
		size_t len = 0, elen = n;
		const uint8_t *body = NULL;
		size_t blen = 0;
		if (data[0] & 4) {
			if (n < 2)
				break;
			elen = (size_t)p[0] << 8 | p[1];
			p += 2;
			n -= 2;
			if (elen > n)
				break;
			body = p + elen;
			blen = n - elen;
		}
		if (tally_log_entry_decode(p, elen, &e, NULL) != TALLY_OK)
			break;
		if (elen > TALLY_LOG_MAX_ENTRY_BYTES)
			abort();
		tally_log_bytes *b = tally_log_entry_blob(&e);
		if (b && b->by_hash && (b->p || b->len <= TALLY_LOG_INLINE_MAX ||
		                        b->len > TALLY_LOG_MAX_BODY_BYTES))
			abort();
		if (b && !b->by_hash && (b->len > TALLY_LOG_INLINE_MAX ||
		                         (b->len && (b->p < p || b->p + b->len > p + elen))))
			abort();
		if (tally_log_entry_encode(&e, &out, &len, NULL) != TALLY_OK || len != elen ||
		    memcmp(out, p, elen) != 0)
			abort();
		tally_free(out);
		if (body && b && b->by_hash) {
			tally_log_bytes before = *b;
			tally_error err = TALLY_ERROR_INIT;
			tally_hash h;
			tally_sha256(body, blen, &h);
			bool match = blen == b->len && tally_hash_equal(&h, &b->hash);
			int rc = tally_log_bytes_attach(b, body, blen, &err);
			if (match != (rc == TALLY_OK))
				abort();
			if (match && b->p != body)
				abort();
			if (!match && (strcmp(err.code, "L033") != 0 || memcmp(b, &before, sizeof *b) != 0))
				abort();
		}
		break;
	}
	case 1: {
		tally_checkpoint c;
		char *out = NULL;
		size_t len = 0;
		if (tally_checkpoint_parse(s, n, &c, NULL) == TALLY_OK) {
			if (tally_checkpoint_format(&c, &out, &len, NULL) != TALLY_OK || len != n ||
			    memcmp(out, s, n) != 0)
				abort();
			tally_free(out);
		}
		break;
	}
	case 2: {
		static const char vkey[] =
			"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
		tally_note_verifier v;
		tally_note note;
		if (tally_note_verifier_parse(vkey, strlen(vkey), &v, NULL) != TALLY_OK)
			abort();
		if (tally_note_open(s, n, &v, 1, &note, NULL) == TALLY_OK &&
		    (note.text_len >= n || note.n_verified != 1))
			abort();
		break;
	}
	default: {
		tally_note_verifier v;
		tally_note_signer k;
		char *out = NULL;
		if (tally_note_verifier_parse(s, n, &v, NULL) == TALLY_OK) {
			out = tally_note_verifier_format(&v);
			if (!out || strlen(out) != n || memcmp(out, s, n) != 0)
				abort();
			tally_free(out);
		}
		if (tally_note_signer_parse(s, n, &k, NULL) == TALLY_OK) {
			out = tally_note_signer_format(&k);
			if (!out || strlen(out) != n || memcmp(out, s, n) != 0)
				abort();
			tally_free(out);
			tally_note_signer_release(&k);
		}
		break;
	}
	}
	return 0;
}
