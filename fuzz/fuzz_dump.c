/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dump.c: libFuzzer harness for the log dump parser and the auditor
 * behind `tally verify` (src/core/ledger/dump.c, audit.c). Whatever parses
 * is audited against a fixed CEC key; the audit must never crash, and an
 * entry line written back and parsed again must give the same bytes.
 */
#include "tally/audit.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, const tally_finding *f)
{
	(void)ctx;
	(void)f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_dump *d = NULL;
	tally_note_verifier cec;
	tally_audit_input in;
	tally_audit_summary sum;
	static const char vkey[] = "tally.example.org/fx-2024+fabf9778+"
	                           "AQBq19h9Mdtjx+HyDN7uC7YX0hUdBD+/YDIsiV10a8oA";

	if (tally_dump_parse((const char *)data, size, &d, NULL) != TALLY_OK)
		return 0;
	for (size_t i = 0; i < d->n; i++) {
		size_t ll = 0;
		tally_dump *again = NULL;
		char *line = tally_dump_entry_line(d->entries[i].index, &d->entries[i].leaf,
		                                   d->entries[i].bytes, d->entries[i].len, &ll);
		size_t hl = strlen(TALLY_DUMP_HEADER);
		char *buf = line ? malloc(hl + ll) : NULL;
		if (buf) {
			memcpy(buf, TALLY_DUMP_HEADER, hl);
			memcpy(buf + hl, line, ll);
			if (tally_dump_parse(buf, hl + ll, &again, NULL) != TALLY_OK || again->n != 1 ||
			    again->entries[0].len != d->entries[i].len ||
			    memcmp(again->entries[0].bytes, d->entries[i].bytes, d->entries[i].len) != 0)
				abort();
			tally_dump_free(again);
		}
		free(buf);
		tally_free(line);
	}
	memset(&cec, 0, sizeof cec);
	memset(&in, 0, sizeof in);
	if (tally_note_verifier_parse(vkey, strlen(vkey), &cec, NULL) == TALLY_OK) {
		in.dump = d;
		in.cec = &cec;
		tally_log_audit(&in, ignore, NULL, &sum, NULL);
	}
	tally_dump_free(d);
	return 0;
}
