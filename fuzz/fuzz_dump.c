/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dump.c: libFuzzer harness for the log dump parser and the auditor
 * behind `tally verify` (src/core/ledger/dump.c, audit.c). Whatever parses
 * is audited against a fixed CEC key (the key of seed 0x42 x 32 bytes, which
 * signed the checkpoints of the seed corpus); the audit must never crash,
 * an entry or body line written back and parsed again must give the same
 * bytes, and an audit without problems means every body gives the SHA-256
 * it is listed under and every field logged by hash has its body.
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

/* a clean audit: every body gives its hash, every field logged by hash has
 * a body of its hash and length */
static void clean_means_bodies(const tally_dump *d)
{
	for (size_t i = 0; i < d->n_bodies; i++) {
		tally_hash h;
		tally_sha256(d->bodies[i].bytes, d->bodies[i].len, &h);
		if (!tally_hash_equal(&h, &d->bodies[i].hash))
			abort();
	}
	for (size_t k = 0; k < d->n; k++) {
		tally_log_entry le;
		tally_log_bytes *b;
		bool found = false;
		if (tally_log_entry_decode(d->entries[k].bytes, d->entries[k].len, &le, NULL) !=
		        TALLY_OK ||
		    !(b = tally_log_entry_blob(&le)) || !b->by_hash)
			continue;
		for (size_t i = 0; i < d->n_bodies && !found; i++)
			found = tally_hash_equal(&d->bodies[i].hash, &b->hash) && d->bodies[i].len == b->len;
		if (!found)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_dump *d = NULL;
	tally_note_verifier cec;
	tally_audit_input in;
	tally_audit_summary sum;
	static const char vkey[] = "tally.example.org/fx-2024+668135e3+"
	                           "ASFS+NGbeR0kRTJC4V8uq2y3z/p7al7TAJeWDgaYgdsS";

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
	for (size_t i = 0; i < d->n_bodies; i++) {
		size_t ll = 0;
		tally_dump *again = NULL;
		char *line = tally_dump_body_line(&d->bodies[i].hash, d->bodies[i].bytes,
		                                  d->bodies[i].len, &ll);
		size_t hl = strlen(TALLY_DUMP_HEADER);
		char *buf = line ? malloc(hl + ll) : NULL;
		if (buf) {
			memcpy(buf, TALLY_DUMP_HEADER, hl);
			memcpy(buf + hl, line, ll);
			if (tally_dump_parse(buf, hl + ll, &again, NULL) != TALLY_OK ||
			    again->n_bodies != 1 || again->bodies[0].len != d->bodies[i].len ||
			    !tally_hash_equal(&again->bodies[0].hash, &d->bodies[i].hash) ||
			    memcmp(again->bodies[0].bytes, d->bodies[i].bytes, d->bodies[i].len) != 0)
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
		if (tally_log_audit(&in, ignore, NULL, &sum, NULL) == TALLY_OK && sum.problems == 0)
			clean_means_bodies(d);
	}
	tally_dump_free(d);
	return 0;
}
