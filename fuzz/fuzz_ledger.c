/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ledger.c: libFuzzer harness for the parsers of the transparency log
 * (src/core/ledger/). The first byte picks the parser: a log entry, a
 * checkpoint, a signed note (opened with a fixed known key), or a verifier
 * or signer key string. Whatever parses must format back to the same bytes
 * (entries, checkpoints, keys have one spelling), else the harness aborts.
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
		size_t len = 0;
		if (tally_log_entry_decode(p, n, &e, NULL) == TALLY_OK) {
			if (tally_log_entry_encode(&e, &out, &len, NULL) != TALLY_OK || len != n ||
			    memcmp(out, p, n) != 0)
				abort();
			tally_free(out);
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
