/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_receipt.c: libFuzzer harness for what `tally verify` reads besides
 * the dump: a receipt (c2sp.org/tlog-proof@v1, as `tally log receipt` and
 * `tally submit --receipt` write it: leaf hash, index, inclusion proof and
 * the signed checkpoint; --receipt) and the earlier checkpoints a reader
 * kept (--checkpoint, also the state file of `tally witness`). The input is
 * a dump, a NUL byte, a receipt, a NUL byte and any number of earlier
 * checkpoint notes separated by NUL bytes; the audit runs against a fixed
 * CEC key (the seed corpus is signed with its private half, the key of
 * seed 0x42 x 32 bytes). Whatever the input, the audit must run to the end
 * and every finding must have a code.
 */
#include "tally/audit.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OLD 4

static void check_finding(void *ctx, const tally_finding *f)
{
	(void)ctx;
	if (!f->code || f->code[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char vkey[] = "tally.example.org/fx-2024+668135e3+"
	                           "ASFS+NGbeR0kRTJC4V8uq2y3z/p7al7TAJeWDgaYgdsS";
	const char *part[2 + MAX_OLD];
	size_t plen[2 + MAX_OLD], np = 0;
	const char *s = (const char *)data, *end = s + size;
	tally_note_verifier cec;
	tally_dump *d = NULL;
	tally_audit_input in;
	tally_audit_summary sum;

	while (np < 2 + MAX_OLD) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		part[np] = s;
		plen[np] = nul ? (size_t)(nul - s) : (size_t)(end - s);
		np++;
		if (!nul)
			break;
		s = nul + 1;
	}
	if (np < 2)
		return 0;
	if (tally_note_verifier_parse(vkey, strlen(vkey), &cec, NULL) != TALLY_OK)
		abort();
	if (tally_dump_parse(part[0], plen[0], &d, NULL) != TALLY_OK)
		return 0;
	memset(&in, 0, sizeof in);
	in.dump = d;
	in.cec = &cec;
	in.receipt = plen[1] ? part[1] : NULL;
	in.receipt_len = plen[1];
	in.old_notes = part + 2;
	in.old_lens = plen + 2;
	in.n_old = np - 2;
	if (tally_log_audit(&in, check_finding, NULL, &sum, NULL) != TALLY_OK && sum.entries > d->n)
		abort();
	tally_dump_free(d);
	return 0;
}
