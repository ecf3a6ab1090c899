/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h: the storage interface the command line and the server use. The
 * library core never touches a database; these functions load the model
 * from storage and carry out the core's decisions durably. The only
 * implementation today is SQLite (store_sqlite.c: WAL, synchronous=FULL,
 * every change in one transaction); a PostgreSQL one can sit behind the same
 * functions.
 *
 * Every function returns a tally_status and fills "err" on failure; on
 * failure nothing is changed in the database (the transaction is rolled
 * back). Store errors carry codes S001-S009 (S006 damaged data, S007 an index out
 * of range, S008 another election's model, S009 a full disk) (docs/errors.md),
 * and L017-L022 for the transparency log (docs/log-format.md).
 *
 * Every change that the log records (the definition, each accepted protocol
 * version, annulments, key registrations, results statements, refused
 * signed submissions) appends its log entry in the same transaction.
 */
#ifndef TALLY_STORE_H
#define TALLY_STORE_H

#include "tally/tally.h"

typedef struct tally_store tally_store;

/* tally_store_create creates a new database at "path" holding election "e"
 * (which the caller keeps). Fails with TALLY_EEXIST (S002) if "path" exists
 * and is not empty. The database is built under a temporary name, synced,
 * and only then linked to "path": after a crash there is either no file or
 * a complete one. */
int tally_store_create(const char *path, const tally_election *e, tally_store **out,
                       tally_error *err);

/* tally_store_create_import does the same with the accepted protocols of an
 * import already in it (as tally_store_import would add them), all or
 * nothing. With "log", every imported protocol is also an entry of the
 * transparency log, so that results published over the import verify. */
int tally_store_create_import(const char *path, const tally_election *e,
                              const tally_protocol *protocols, size_t n,
                              const char *operator_id, bool log, tally_store **out,
                              tally_error *err);

/* tally_store_open opens an existing database. TALLY_ENOTFOUND (S001) if
 * "path" does not exist; TALLY_ESTORE (S003) if it is not a tally database
 * or has another schema version. */
int tally_store_open(const char *path, tally_store **out, tally_error *err);

/* tally_store_close closes; NULL is a no-op. */
void tally_store_close(tally_store *s);

/* tally_store_election loads the election model; caller frees it with
 * tally_election_free. */
int tally_store_election(tally_store *s, tally_election **out, tally_error *err);

/* ==== Protocol entry ==== */

/* The outcome of one submitted entry. */
typedef struct tally_submit_outcome {
	int status;               /* TALLY_OK, or why the entry was refused */
	tally_error err;          /* detail when refused */
	tally_action action;      /* when accepted for storage */
	int64_t entry_id;         /* the stored entry's id (0 when nothing stored) */
	uint32_t version;         /* the version accepted, when action accepts */
	tally_check check;        /* the entry's check (warnings included) */
	size_t n_diff;            /* differing lines when action == TALLY_ACT_CONFLICT */
	uint64_t log_index;       /* the log entry of an accepted version (0 when none) */
} tally_submit_outcome;

/* tally_store_submit submits "n" entries in order, each decided by
 * tally_entry_decide against the stored state (and the entries before it).
 * An entry that is refused changes nothing and does not stop the others;
 * its outcome says why. All stored entries are committed durably in one
 * transaction before the function returns TALLY_OK ("out" has n outcomes).
 * A returned error (TALLY_ESTORE, TALLY_ENOMEM) means nothing was stored, and
 * "out" is then undefined. */
int tally_store_submit(tally_store *s, const tally_election *e, const tally_entry *entries,
                       size_t n, tally_submit_outcome *out, tally_error *err);

/* A stored entry, as listed by tally_store_entries. */
typedef enum tally_entry_state {
	TALLY_ENTRY_PENDING,   /* waiting for its second entry */
	TALLY_ENTRY_DISPUTED,  /* differs from the other entry */
	TALLY_ENTRY_ACCEPTED,  /* became (or confirmed) an accepted version */
	TALLY_ENTRY_DISCARDED  /* set aside by a resolution */
} tally_entry_state;

typedef struct tally_entry_row {
	int64_t id;
	uint32_t station;
	uint32_t version;        /* the version it was entered for */
	char operator_id[TALLY_MAX_ID_LEN + 1];
	char reason[TALLY_MAX_REASON_LEN + 1];
	char created[32];        /* UTC, ISO 8601 */
	tally_entry_state state;
	tally_protocol p;        /* caller releases with tally_protocol_release */
} tally_entry_row;

/* tally_store_entries lists the entries of station "st" (every station when
 * st == TALLY_NONE) in id order; "*out" is freed with tally_store_rows_free. */
int tally_store_entries(tally_store *s, const tally_election *e, uint32_t st,
                        tally_entry_row **out, size_t *n, tally_error *err);
void tally_store_rows_free(tally_entry_row *rows, size_t n);

/* tally_store_conflicts lists stations now in conflict (ascending index);
 * "*out" is freed with tally_free. */
int tally_store_conflicts(tally_store *s, const tally_election *e, uint32_t **out, size_t *n,
                          tally_error *err);

/* tally_store_resolve settles a conflict at station "st": keep entry
 * "keep_id" (one of the two disputed entries) as the accepted version, or,
 * with keep_id == 0, discard both so the station is entered again. "who"
 * names the person resolving. Errors: TALLY_ENOTFOUND (P015) if the station
 * is not in conflict or keep_id is not one of its disputed entries. */
int tally_store_resolve(tally_store *s, const tally_election *e, uint32_t st, int64_t keep_id,
                        const char *who, tally_error *err);

/* ==== Annulment ==== */

typedef struct tally_annulment_row {
	int kind;                /* 0 station, 1 constituency */
	uint32_t target;         /* station or constituency index */
	char reason[TALLY_MAX_REASON_LEN + 1];
	char who[TALLY_MAX_ID_LEN + 1];
	char created[32];
} tally_annulment_row;

/* Annul a station's or a constituency's result with a reason (required:
 * A002). Annulling twice is TALLY_ECONFLICT (A001). */
int tally_store_annul_station(tally_store *s, const tally_election *e, uint32_t st,
                              const char *reason, const char *who, tally_error *err);
int tally_store_annul_constituency(tally_store *s, const tally_election *e, uint32_t c,
                                   const char *reason, const char *who, tally_error *err);
/* tally_store_annulments lists every annulment; "*out" is freed with tally_free. */
int tally_store_annulments(tally_store *s, const tally_election *e, tally_annulment_row **out,
                           size_t *n, tally_error *err);

/* ==== Intraday turnout ==== */

/* tally_store_turnout_add stores reports, each checked with
 * tally_turnout_check against the stored ones; the batch is taken whole or
 * not at all. "*stored" gets how many were new (repeats are skipped). */
int tally_store_turnout_add(tally_store *s, const tally_election *e, const tally_turnout *t,
                            size_t n, size_t *stored, tally_error *err);
/* tally_store_turnout lists every stored report, by station then time;
 * "*out" is freed with tally_free. */
int tally_store_turnout(tally_store *s, const tally_election *e, tally_turnout **out,
                        size_t *n, tally_error *err);

/* ==== Counting ==== */

/* tally_store_count loads every station's current accepted protocol and
 * every annulment into a finished tally_results (free with
 * tally_results_free). */
int tally_store_count(tally_store *s, const tally_election *e, tally_results **out,
                      tally_error *err);

/* tally_store_import stores accepted protocols in bulk (an import of real
 * data): protocols[i] becomes version 1 of its station, entered by
 * "operator_id", in one transaction. Stations that already have entries are
 * TALLY_ECONFLICT (S005). */
int tally_store_import(tally_store *s, const tally_election *e, const tally_protocol *protocols,
                       size_t n, const char *operator_id, tally_error *err);

/* ==== The transparency log (docs/log-format.md) ==== */

/* A signed submission: the exact bytes a commission signed, its Ed25519
 * signature, and the public key it was signed with (borrowed). */
typedef struct tally_store_signed {
	const uint8_t *body;
	size_t len;
	uint8_t sig[64];
	uint8_t pub[32];
} tally_store_signed;

/* tally_store_submit_signed submits one signed protocol "en" (parsed from
 * sb->body). The station must have a registered key (L019) and the
 * signature must verify under it (L014); a signed protocol is the
 * commission's own statement, so it needs no second entry. A submission
 * refused for any reason (a bad signature, a control relation) is logged as
 * a "rejected" entry, kept as evidence; "out" says why it was refused. An
 * accepted one is logged with the exact signed bytes. Returned errors are
 * as for tally_store_submit. */
int tally_store_submit_signed(tally_store *s, const tally_election *e, const tally_entry *en,
                              const tally_store_signed *sb, tally_submit_outcome *out,
                              tally_error *err);

/* tally_store_key_register registers commission key "pub" for station
 * "st" and logs it; "*index" gets the log entry. A station has one key:
 * TALLY_ECONFLICT (L020) if it has one already. */
int tally_store_key_register(tally_store *s, const tally_election *e, uint32_t st,
                             const uint8_t pub[32], uint64_t *index, tally_error *err);

/* tally_store_publish counts what is stored and logs the results statement
 * (tally_results_statement) covering every entry before it, in one
 * transaction. "*index" gets the statement's log entry, "*covered" the tree
 * size it covers; "*text" (if not NULL) the statement, freed with
 * tally_free. */
int tally_store_publish(tally_store *s, const tally_election *e, uint64_t *index,
                        uint64_t *covered, char **text, tally_error *err);

/* tally_store_log_tree returns the log's Merkle tree, built from the
 * stored leaf hashes on first use and kept up to date by later appends; it
 * belongs to the store (valid until the next change or close). TALLY_ESTORE
 * (S006) if the stored log has a gap. */
int tally_store_log_tree(tally_store *s, const tally_merkle_tree **out, tally_error *err);

/* tally_store_log_entry reads entry "idx": its bytes ("*bytes", freed with
 * tally_free) and leaf hash. TALLY_ENOTFOUND (S007) past the end;
 * TALLY_ESTORE (L018) when the stored bytes no longer give the stored leaf
 * hash (the database was altered). */
int tally_store_log_entry(tally_store *s, uint64_t idx, uint8_t **bytes, size_t *len,
                          tally_hash *leaf, tally_error *err);

/* tally_store_checkpoint_add stores a signed checkpoint of the tree of
 * "size" leaves with "root". It refuses (TALLY_ECONFLICT, L017) a
 * checkpoint that would not extend the last one stored: a smaller size, or
 * a tree whose first leaves no longer give the last checkpoint's root (the
 * stored log was altered); signing both would be a split view. */
int tally_store_checkpoint_add(tally_store *s, uint64_t size, const tally_hash *root,
                               const char *note, tally_error *err);

/* tally_store_checkpoint_cosign adds witness cosignature lines "lines"
 * (each "— name base64\n", already verified by the caller) to the latest
 * stored checkpoint of "size" leaves with "root"; lines it holds already
 * are skipped ("*added" counts the others). TALLY_ENOTFOUND (L026) when no
 * stored checkpoint has that size and root. */
int tally_store_checkpoint_cosign(tally_store *s, uint64_t size, const tally_hash *root,
                                  const char *lines, size_t *added, tally_error *err);

/* The stored checkpoints, oldest first; free with tally_store_checkpoints_free. */
typedef struct tally_checkpoint_row {
	uint64_t size;
	char *note;              /* the signed note */
} tally_checkpoint_row;

int tally_store_checkpoints(tally_store *s, tally_checkpoint_row **out, size_t *n,
                            tally_error *err);
void tally_store_checkpoints_free(tally_checkpoint_row *rows, size_t n);

/* tally_store_checkpoint_last gives the size and root of the latest stored
 * checkpoint ("*found" false, the others untouched, when there is none). */
int tally_store_checkpoint_last(tally_store *s, bool *found, uint64_t *size, tally_hash *root,
                                tally_error *err);

/* tally_store_log_body reads the body logged by hash "hash" (a field over
 * TALLY_LOG_INLINE_MAX bytes, docs/log-format.md "Large bodies"): its bytes
 * ("*bytes", freed with tally_free), length, and the first entry that logs
 * it ("*first", if not NULL). TALLY_ENOTFOUND (S007) when the log holds no
 * such body; TALLY_ESTORE (L018) when the stored bytes no longer give the
 * hash (the database was altered). */
int tally_store_log_body(tally_store *s, const tally_hash *hash, uint8_t **bytes, size_t *len,
                         uint64_t *first, tally_error *err);

/* One stored body: the first entry that logs it, and its SHA-256. */
typedef struct tally_log_body_row {
	uint64_t idx;
	tally_hash hash;
} tally_log_body_row;

/* tally_store_log_bodies lists every stored body by its first entry (in
 * entry order), into "*out" (freed with tally_free). */
int tally_store_log_bodies(tally_store *s, tally_log_body_row **out, size_t *n,
                           tally_error *err);

#endif
