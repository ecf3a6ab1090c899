/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.h: what turns the transparency log into something anyone can check
 * offline (docs/log-format.md): the results statement (the published totals
 * at every level, as canonical text), the log dump (every entry with its
 * leaf hash, and the signed checkpoints, as one text file), receipts
 * (c2sp.org/tlog-proof@v1), and the auditor behind `tally verify`, which
 * re-derives everything from a dump and the CEC's public key and reports
 * each finding with a code V001-V018. Pure functions over bytes, like
 * ledger.h: nothing here reads a file or prints.
 */
#ifndef TALLY_AUDIT_H
#define TALLY_AUDIT_H

#include "tally/common.h"
#include "tally/count.h"
#include "tally/ledger.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Results statements ==== */

/* tally_results_statement writes the canonical statement of a finished
 * count "r" covering the first "tree_size" log entries: one line per
 * figure, "<key words> <value>\n", nation first, then affiliations, then
 * every constituency (docs/log-format.md). The same count always gives the
 * same bytes. "*out" is NUL-terminated and freed with tally_free.
 * Errors: TALLY_ENOMEM. */
TALLY_API int tally_results_statement(const tally_results *r, uint64_t tree_size, char **out,
                                      size_t *len);

/* ==== The dump ==== */

#define TALLY_DUMP_HEADER "tally-log-dump/v2\n"

/* One entry of a dump: its index, the leaf hash the log lists for it, and
 * its bytes (owned by the dump). "line" is its line in the file. */
typedef struct tally_dump_entry {
	uint64_t index;
	tally_hash leaf;
	uint8_t *bytes;
	size_t len;
	size_t line;
} tally_dump_entry;

/* One signed checkpoint note of a dump (owned by the dump). */
typedef struct tally_dump_note {
	char *text;
	size_t len;
	size_t line;
} tally_dump_note;

/* One body of an entry logged by hash (owned by the dump): the SHA-256
 * the line names it by, and its bytes, as the dump gives them (the auditor
 * checks that they give that hash). */
typedef struct tally_dump_body {
	tally_hash hash;
	uint8_t *bytes;
	size_t len;
	size_t line;
} tally_dump_body;

typedef struct tally_dump {
	tally_dump_entry *entries;
	size_t n;
	tally_dump_body *bodies;   /* in the order of the file */
	size_t n_bodies;
	tally_dump_note *checkpoints;
	size_t n_checkpoints;
	char *arena;               /* the decoded entries' bytes, or NULL when they live in the
	                              caller's buffer (tally_dump_parse_inplace) */
} tally_dump;

/* tally_dump_entry_line returns the dump line of one entry ("entry I HEX
 * BYTES\n", bytes percent-encoded) and its length in "*len"; the caller
 * frees it with tally_free. NULL when out of memory. */
TALLY_API char *tally_dump_entry_line(uint64_t index, const tally_hash *leaf, const void *bytes,
                                      size_t n, size_t *len);
/* tally_dump_body_line does the same for the body of a field logged by
 * hash ("body SHA256HEX BYTES\n"), written after the first entry that logs
 * it. */
TALLY_API char *tally_dump_body_line(const tally_hash *hash, const void *bytes, size_t n,
                                     size_t *len);
/* tally_dump_checkpoint_line does the same for a signed checkpoint note
 * ("checkpoint NOTE\n"). */
TALLY_API char *tally_dump_checkpoint_line(const char *note, size_t n, size_t *len);

/* tally_dump_parse reads a whole dump. TALLY_EINVAL (V001, "where" names
 * the line) for anything but the header, entry, body and checkpoint lines,
 * a bad percent escape or hash, a body over TALLY_LOG_MAX_BODY_BYTES;
 * TALLY_ENOMEM. "*out" is freed with
 * tally_dump_free (NULL is a no-op). */
TALLY_API int tally_dump_parse(const char *buf, size_t len, tally_dump **out, tally_error *err);
/* tally_dump_parse_inplace does the same without copying: the entries'
 * bytes are decoded in place inside "buf", which must outlive the dump.
 * On error "buf" is left partly decoded (read it again to use it). For a
 * dump of a million entries this saves a copy of the whole file. */
TALLY_API int tally_dump_parse_inplace(char *buf, size_t len, tally_dump **out,
                                       tally_error *err);
TALLY_API void tally_dump_free(tally_dump *d);

/* ==== Receipts (c2sp.org/tlog-proof@v1) ==== */

/* tally_receipt_format writes the receipt of leaf "index" (leaf hash
 * "leaf"): the header line, "extra" with the base64 leaf hash, "index I",
 * the inclusion proof's hashes one per line, a blank line and the signed
 * checkpoint note. Freed with tally_free; TALLY_ENOMEM. */
TALLY_API int tally_receipt_format(uint64_t index, const tally_hash *leaf,
                                   const tally_hash *path, size_t n, const char *note,
                                   size_t note_len, char **out, size_t *out_len);

/* ==== The auditor ==== */

typedef enum tally_finding_kind {
	TALLY_FINDING_INFO = 0,    /* worth reading; not a problem */
	TALLY_FINDING_PROBLEM = 1  /* the log or what it publishes cannot be trusted as is */
} tally_finding_kind;

/* One finding: its code (V001...), where (an entry, a station, a
 * checkpoint, a statement line) and what, for people. */
typedef struct tally_finding {
	tally_finding_kind kind;
	const char *code;
	char where[256];
	char msg[768];
} tally_finding;

typedef void (*tally_audit_report)(void *ctx, const tally_finding *f);

/* Called as each phase of the audit begins, with its name: "hash" (every
 * leaf hash, on two threads, while the definition is parsed), "tree",
 * "checkpoints", "decode", "replay" (keys, signatures, protocols, control
 * relations), "statement" (one results statement recomputed and compared;
 * the replay then goes on), "coverage", "receipt", and "done" at the end:
 * for progress reports and timing. Optional. */
typedef void (*tally_audit_phase)(void *ctx, const char *phase);

typedef struct tally_audit_input {
	const tally_dump *dump;
	const tally_note_verifier *cec;       /* the CEC's checkpoint key */
	const char *const *old_notes;         /* earlier checkpoints the reader kept */
	const size_t *old_lens;
	size_t n_old;
	const char *receipt;                  /* one receipt to check, or NULL */
	size_t receipt_len;
	tally_audit_phase phase;              /* optional progress hook */
	void *phase_ctx;
} tally_audit_input;

typedef struct tally_audit_summary {
	uint64_t entries, checkpoints, verified_size; /* largest size a valid checkpoint signs */
	uint64_t keys, protocols, signed_protocols, annulments, statements, rejected;
	uint64_t stations, reported, missing;
	uint64_t problems;
	char election[TALLY_MAX_ID_LEN + 1];
} tally_audit_summary;

/* tally_log_audit checks a dump end to end and calls "report" for every
 * finding, in the order found: checkpoint signatures (V002), roots (V003),
 * split views and consistency with the old checkpoints (V004), listed leaf
 * hashes (V005), the order of entries (V006), their decoding (V007), the
 * definition (V014), protocol signatures against the logged keys (V008),
 * control relations (V009), two different protocols for one station and
 * version (V010), the bodies of fields logged by hash, each present and
 * giving its logged SHA-256 and length (V018), version gaps (V017), protocol bodies (V015), every
 * results statement recomputed line by line (V011, V016), the receipt
 * (V013), and missing stations (V012, information). Returns TALLY_OK when
 * the audit ran (the findings say what it found; "sum->problems" counts
 * them), or TALLY_ENOMEM. */
TALLY_API int tally_log_audit(const tally_audit_input *in, tally_audit_report report, void *ctx,
                              tally_audit_summary *sum, tally_error *err);

#ifdef __cplusplus
}
#endif
#endif
