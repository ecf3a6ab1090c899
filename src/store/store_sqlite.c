/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_sqlite.c: the SQLite implementation of store.h. A database holds one
 * election: its definition, normalised into one table per noun (rows keep
 * definition order through their "idx" column), every protocol entry an
 * operator made (entries), the accepted versions (protocols: entered ones
 * point at their entry, imported ones at their import), annulments,
 * intraday turnout and conflict resolutions. A station's double-entry state
 * is not stored apart: it follows from its open entries (pending or
 * disputed, found through partial indexes) and its latest accepted version,
 * so there is no second copy to keep in step, and an import writes exactly
 * one small row per station. The core decides (tally_entry_decide,
 * tally_turnout_check, counting); this file only loads what the core needs
 * and carries its decisions out. Every change runs in one BEGIN IMMEDIATE
 * transaction that is rolled back on any error, in WAL mode with
 * synchronous=FULL, so a returned TALLY_OK means durable and any error means
 * nothing changed. Statements are prepared once per connection and cached.
 * A tally_store is one connection without SQLite's own mutex: a thread
 * uses its own store (processes and threads share the file through WAL).
 */
#include "store/store.h"
#include "core/core_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "TALY": PRAGMA application_id of a tally database (also in SCHEMA_SQL). */
#define STORE_APP_ID 1413565529
#define STORE_SCHEMA_VERSION 3
#define STORE_SCHEMA_VERSION_S "3"
#define STORE_BUSY_MS 5000
/* Bulk paths (a million stations) insert this many rows per statement,
 * which takes less than half the time of one row per statement. */
#define STORE_BATCH 64

/* Store error codes (docs/errors.md). */
#define S_NOFILE "S001"    /* database file missing */
#define S_EXISTS "S002"    /* create over a non-empty file */
#define S_NOTOURS "S003"   /* not a tally database, or another schema version */
#define S_SQLITE "S004"    /* SQLite refused an operation */
#define S_IMPORTED "S005"  /* import over a station that has entries */
#define S_CORRUPT "S006"   /* stored data damaged or contradicting itself (as protocol.c) */
#define S_NOTARGET "S007"  /* station or constituency index out of range */
#define S_MISMATCH "S008"  /* the election passed is not the stored one */
#define S_FULL "S009"      /* the disk (or the database's size limit) is full */

/* The schema, version STORE_SCHEMA_VERSION. Indexes into the definition are
 * the model's array indexes; entries.state is a tally_entry_state; lot_seed
 * is a uint64_t stored through its int64_t bit pattern. A protocols row
 * comes either from an entry (entry_id, reason, accepted_at set) or from an
 * import (import_id set; who and when are in imports). Its key runs by
 * station and then newest version first, so the first row of a station is
 * its current version. protocols.station and import_id carry no foreign
 * key: every writer checks them first, and the lookups would double the
 * cost of a bulk import. */
static const char SCHEMA_SQL[] =
	"PRAGMA application_id = 1413565529;"
	"PRAGMA user_version = 3;"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE election(id TEXT NOT NULL, name TEXT NOT NULL, date TEXT NOT NULL,"
	" body TEXT NOT NULL, seats INTEGER NOT NULL, double_entry INTEGER NOT NULL,"
	" rule TEXT NOT NULL, tie INTEGER NOT NULL, lot_seed INTEGER NOT NULL,"
	" invalid_num INTEGER NOT NULL, invalid_den INTEGER NOT NULL, template TEXT NOT NULL);"
	"CREATE TABLE contests(idx INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL);"
	"CREATE TABLE constituencies(idx INTEGER PRIMARY KEY, id TEXT NOT NULL,"
	" name TEXT NOT NULL, contest INTEGER NOT NULL REFERENCES contests(idx),"
	" magnitude INTEGER NOT NULL, tier INTEGER NOT NULL);"
	"CREATE TABLE stations(idx INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL,"
	" constituency INTEGER NOT NULL REFERENCES constituencies(idx),"
	" registered INTEGER NOT NULL, type INTEGER NOT NULL, area TEXT NOT NULL);"
	"CREATE TABLE parties(idx INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL,"
	" abbrev TEXT NOT NULL, color TEXT NOT NULL);"
	"CREATE TABLE blocs(idx INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL,"
	" abbrev TEXT NOT NULL, color TEXT NOT NULL);"
	"CREATE TABLE bloc_members(bloc INTEGER NOT NULL REFERENCES blocs(idx),"
	" pos INTEGER NOT NULL, party INTEGER NOT NULL REFERENCES parties(idx),"
	" PRIMARY KEY(bloc, pos)) WITHOUT ROWID;"
	"CREATE TABLE candidates(idx INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL,"
	" constituency INTEGER NOT NULL REFERENCES constituencies(idx),"
	" nominator INTEGER NOT NULL, nominated_by INTEGER, grp TEXT NOT NULL);"
	"CREATE TABLE entries(id INTEGER PRIMARY KEY,"
	" station INTEGER NOT NULL REFERENCES stations(idx), version INTEGER NOT NULL,"
	" operator TEXT NOT NULL, reason TEXT NOT NULL, created TEXT NOT NULL,"
	" state INTEGER NOT NULL, vals BLOB NOT NULL);"
	"CREATE INDEX entries_station ON entries(station);"
	"CREATE INDEX entries_open ON entries(station) WHERE state < 2;"
	"CREATE INDEX entries_disputed ON entries(station) WHERE state = 1;"
	"CREATE TABLE imports(id INTEGER PRIMARY KEY, operator TEXT NOT NULL,"
	" created TEXT NOT NULL, stations INTEGER NOT NULL);"
	"CREATE TABLE protocols(station INTEGER NOT NULL, version INTEGER NOT NULL,"
	" entry_id INTEGER REFERENCES entries(id), import_id INTEGER, vals BLOB NOT NULL,"
	" reason TEXT, accepted_at TEXT, PRIMARY KEY(station, version DESC)) WITHOUT ROWID;"
	"CREATE TABLE annulments(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
	" target INTEGER NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL,"
	" created TEXT NOT NULL, UNIQUE(kind, target));"
	"CREATE TABLE turnout(station INTEGER NOT NULL REFERENCES stations(idx),"
	" minute INTEGER NOT NULL, voters INTEGER NOT NULL, created TEXT NOT NULL,"
	" PRIMARY KEY(station, minute)) WITHOUT ROWID;"
	"CREATE TABLE resolutions(id INTEGER PRIMARY KEY,"
	" station INTEGER NOT NULL REFERENCES stations(idx), kept INTEGER,"
	" who TEXT NOT NULL, created TEXT NOT NULL);"
	"CREATE TABLE log(idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, entry BLOB NOT NULL);"
	/* the tree is rebuilt from the leaf hashes alone: a covering index
	 * reads 40 MB for a million entries instead of every entry's bytes */
	"CREATE INDEX log_leaves ON log(idx, leaf);"
	/* the bodies of fields logged by hash (over TALLY_LOG_INLINE_MAX bytes),
	 * by SHA-256, with the first entry that logs each */
	"CREATE TABLE log_bodies(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL, body BLOB NOT NULL);"
	"CREATE TABLE checkpoints(id INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
	" root BLOB NOT NULL, note TEXT NOT NULL, created TEXT NOT NULL);"
	"CREATE TABLE station_keys(station INTEGER PRIMARY KEY REFERENCES stations(idx),"
	" pub BLOB NOT NULL, log_idx INTEGER NOT NULL);"
	"INSERT INTO meta(key, value) VALUES('schema_version', '3'), ('application', 'tally');";

/* The statements, prepared on first use and kept for the connection. */
enum stmt_id {
	Q_BEGIN, Q_BEGIN_READ, Q_COMMIT,
	Q_ELECTION_INS, Q_CONTEST_INS, Q_CONS_INS, Q_STATION_INS, Q_STATION_INS_N, Q_PARTY_INS,
	Q_BLOC_INS, Q_MEMBER_INS, Q_CAND_INS,
	Q_ELECTION_GET, Q_CONTEST_ALL, Q_CONS_ALL, Q_STATION_ALL, Q_PARTY_ALL, Q_BLOC_ALL,
	Q_MEMBER_GET, Q_CAND_ALL, Q_META_VERSION, Q_SIZES,
	Q_CURRENT_GET, Q_OPEN_GET, Q_ANNULLED, Q_ENTRY_STATIONS,
	Q_ENTRY_INS, Q_ENTRY_SET, Q_PROTO_INS, Q_IMPORT_NEW, Q_IMPORT_INS, Q_IMPORT_INS_N,
	Q_IMPORT_DONE, Q_RESOLUTION_INS, Q_ENTRIES_ALL, Q_ENTRIES_ST, Q_CONFLICTS,
	Q_ANNUL_INS, Q_ANNUL_ALL, Q_TURNOUT_ST, Q_TURNOUT_INS, Q_TURNOUT_ALL, Q_COUNT,
	Q_LOG_NEXT, Q_LOG_INS, Q_LOG_GET, Q_LOG_LEAVES, Q_CP_INS, Q_CP_LAST, Q_CP_ALL, Q_CP_FIND,
	Q_CP_SET, Q_KEY_INS,
	Q_KEY_GET, Q_BODY_INS, Q_BODY_GET, Q_BODY_ALL,
	Q__N
};

static const char *const stmt_sql[Q__N] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_BEGIN_READ] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
	[Q_ELECTION_INS] = "INSERT INTO election(id, name, date, body, seats, double_entry, rule,"
		" tie, lot_seed, invalid_num, invalid_den, template)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[Q_CONTEST_INS] = "INSERT INTO contests(idx, id, name) VALUES(?1, ?2, ?3)",
	[Q_CONS_INS] = "INSERT INTO constituencies(idx, id, name, contest, magnitude, tier)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_STATION_INS] = "INSERT INTO stations(idx, id, name, constituency, registered, type, area)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_PARTY_INS] = "INSERT INTO parties(idx, id, name, abbrev, color) VALUES(?1, ?2, ?3, ?4, ?5)",
	[Q_BLOC_INS] = "INSERT INTO blocs(idx, id, name, abbrev, color) VALUES(?1, ?2, ?3, ?4, ?5)",
	[Q_MEMBER_INS] = "INSERT INTO bloc_members(bloc, pos, party) VALUES(?1, ?2, ?3)",
	[Q_CAND_INS] = "INSERT INTO candidates(idx, id, name, constituency, nominator,"
		" nominated_by, grp) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_ELECTION_GET] = "SELECT id, name, date, body, seats, double_entry, rule, tie, lot_seed,"
		" invalid_num, invalid_den, template FROM election",
	[Q_CONTEST_ALL] = "SELECT idx, id, name FROM contests ORDER BY idx",
	[Q_CONS_ALL] = "SELECT idx, id, name, contest, magnitude, tier FROM constituencies"
		" ORDER BY idx",
	[Q_STATION_ALL] = "SELECT idx, id, name, constituency, registered, type, area FROM stations"
		" ORDER BY idx",
	[Q_PARTY_ALL] = "SELECT idx, id, name, abbrev, color FROM parties ORDER BY idx",
	[Q_BLOC_ALL] = "SELECT idx, id, name, abbrev, color FROM blocs ORDER BY idx",
	[Q_MEMBER_GET] = "SELECT party FROM bloc_members WHERE bloc = ?1 ORDER BY pos",
	[Q_CAND_ALL] = "SELECT idx, id, name, constituency, nominator, nominated_by, grp"
		" FROM candidates ORDER BY idx",
	[Q_META_VERSION] = "SELECT value FROM meta WHERE key = 'schema_version'",
	[Q_SIZES] = "SELECT (SELECT id FROM election),"
		" (SELECT ifnull(max(idx) + 1, 0) FROM stations),"
		" (SELECT ifnull(max(idx) + 1, 0) FROM constituencies)",
	[Q_CURRENT_GET] = "SELECT version, vals FROM protocols WHERE station = ?1"
		" ORDER BY version DESC LIMIT 1",
	[Q_OPEN_GET] = "SELECT id, operator, reason, vals, state FROM entries"
		" WHERE station = ?1 AND state < 2 ORDER BY id",
	[Q_ENTRY_STATIONS] = "SELECT DISTINCT station FROM entries",
	[Q_ANNULLED] = "SELECT 1 FROM annulments WHERE (kind = 0 AND target = ?1)"
		" OR (kind = 1 AND target = ?2) LIMIT 1",
	[Q_ENTRY_INS] = "INSERT INTO entries(station, version, operator, reason, created, state,"
		" vals) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_ENTRY_SET] = "UPDATE entries SET state = ?2 WHERE id = ?1",
	[Q_PROTO_INS] = "INSERT INTO protocols(station, version, entry_id, vals, reason,"
		" accepted_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_IMPORT_NEW] = "INSERT INTO imports(operator, created, stations) VALUES(?1, ?2, 0)",
	/* no upsert: a station with an accepted version fails the key (S005) */
	[Q_IMPORT_INS] = "INSERT INTO protocols(station, version, import_id, vals)"
		" VALUES(?1, 1, ?2, ?3)",
	[Q_IMPORT_DONE] = "UPDATE imports SET stations = ?2 WHERE id = ?1",
	[Q_RESOLUTION_INS] = "INSERT INTO resolutions(station, kept, who, created)"
		" VALUES(?1, ?2, ?3, ?4)",
	[Q_ENTRIES_ALL] = "SELECT id, station, version, operator, reason, created, state, vals"
		" FROM entries ORDER BY id",
	[Q_ENTRIES_ST] = "SELECT id, station, version, operator, reason, created, state, vals"
		" FROM entries WHERE station = ?1 ORDER BY id",
	[Q_CONFLICTS] = "SELECT DISTINCT station FROM entries WHERE state = 1 ORDER BY station",
	[Q_ANNUL_INS] = "INSERT INTO annulments(kind, target, reason, who, created)"
		" VALUES(?1, ?2, ?3, ?4, ?5)",
	[Q_ANNUL_ALL] = "SELECT kind, target, reason, who, created FROM annulments ORDER BY id",
	[Q_TURNOUT_ST] = "SELECT minute, voters FROM turnout WHERE station = ?1",
	[Q_TURNOUT_INS] = "INSERT INTO turnout(station, minute, voters, created)"
		" VALUES(?1, ?2, ?3, ?4)",
	[Q_TURNOUT_ALL] = "SELECT station, minute, voters FROM turnout ORDER BY station, minute",
	/* key order: a station's newest version comes first; the count takes
	 * it and skips the older ones (cheaper than GROUP BY and max) */
	[Q_COUNT] = "SELECT station, version, vals FROM protocols"
		" ORDER BY station, version DESC",
	[Q_LOG_NEXT] = "SELECT ifnull(max(idx) + 1, 0) FROM log",
	[Q_LOG_INS] = "INSERT INTO log(idx, leaf, entry) VALUES(?1, ?3, ?2)",
	[Q_LOG_GET] = "SELECT entry, leaf FROM log WHERE idx = ?1",
	[Q_LOG_LEAVES] = "SELECT idx, leaf FROM log INDEXED BY log_leaves ORDER BY idx",
	[Q_CP_INS] = "INSERT INTO checkpoints(size, root, note, created) VALUES(?1, ?2, ?3, ?4)",
	[Q_CP_LAST] = "SELECT size, root FROM checkpoints ORDER BY id DESC LIMIT 1",
	[Q_CP_ALL] = "SELECT size, note FROM checkpoints ORDER BY id",
	[Q_CP_FIND] = "SELECT id, note FROM checkpoints WHERE size = ?1 AND root = ?2"
	              " ORDER BY id DESC LIMIT 1",
	[Q_CP_SET] = "UPDATE checkpoints SET note = ?2 WHERE id = ?1",
	[Q_KEY_INS] = "INSERT INTO station_keys(station, pub, log_idx) VALUES(?1, ?2, ?3)",
	[Q_KEY_GET] = "SELECT pub FROM station_keys WHERE station = ?1",
	/* a body logged twice (the same bytes) is stored once, under its first entry */
	[Q_BODY_INS] = "INSERT OR IGNORE INTO log_bodies(hash, idx, body) VALUES(?1, ?2, ?3)",
	[Q_BODY_GET] = "SELECT body, idx FROM log_bodies WHERE hash = ?1",
	[Q_BODY_ALL] = "SELECT idx, hash FROM log_bodies ORDER BY idx, hash",
};

/* The statements that insert STORE_BATCH rows: "head VALUES row, row, ...",
 * built on first use. A row's parameters are those of the one-row form. */
typedef struct multi_def {
	const char *head, *row;
} multi_def;

static const multi_def multi_sql[Q__N] = {
	[Q_STATION_INS_N] = {"INSERT INTO stations(idx, id, name, constituency, registered, type,"
	                     " area)", "(?, ?, ?, ?, ?, ?, ?)"},
	[Q_IMPORT_INS_N] = {"INSERT INTO protocols(station, version, import_id, vals)",
	                    "(?, 1, ?, ?)"},
};

struct tally_store {
	sqlite3 *db;
	char *path;            /* for error locations */
	char *eid;             /* the stored election's id */
	uint32_t n_stations;   /* and its sizes, to refuse a different model */
	uint32_t n_cons;
	sqlite3_stmt *q[Q__N]; /* prepared on first use, finalised by close */
	tally_merkle_tree *tree; /* the log's tree, loaded on first use (log_tree) */
	tally_hash *pend;      /* leaf hashes appended by the open transaction */
	size_t n_pend, cap_pend;
	bool log_imports;      /* tally_store_import also logs every protocol */
};

/* ==== Small helpers ==== */

/* db_fail turns the connection's last error into a tally error. */
static int db_fail(tally_store *s, tally_error *err)
{
	int code = sqlite3_errcode(s->db) & 0xff;

	if (code == SQLITE_NOMEM)
		return tally_error_set(err, TALLY_ENOMEM, "", s->path, "out of memory in SQLite");
	/* ENOSPC: the transaction was rolled back; the database still reads */
	if (code == SQLITE_FULL)
		return tally_error_set(err, TALLY_EIO, S_FULL, s->path,
		                       "the disk is full; nothing was changed: free space and "
		                       "try again");
	return tally_error_set(err, TALLY_ESTORE, S_SQLITE, s->path, "database error: %s",
	                       sqlite3_errmsg(s->db));
}

static int oom(tally_error *err)
{
	return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
}

/* prepare builds statement "id" (a multi-row one from multi_sql). */
static int prepare(tally_store *s, enum stmt_id id, tally_error *err)
{
	tally__buf b = TALLY__BUF_INIT;
	const char *sql = stmt_sql[id];
	int rc = TALLY_OK;

	if (!sql) {
		tally__buf_str(&b, multi_sql[id].head);
		tally__buf_str(&b, " VALUES ");
		for (int i = 0; i < STORE_BATCH; i++) {
			if (i)
				tally__buf_str(&b, ", ");
			tally__buf_str(&b, multi_sql[id].row);
		}
		if (b.oom) {
			rc = oom(err);
			goto out;
		}
		sql = b.s;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->q[id], NULL) !=
	    SQLITE_OK)
		rc = db_fail(s, err);
out:
	tally__buf_release(&b);
	return rc;
}

/* stmt hands out statement "id", prepared on first use and reset. */
static int stmt(tally_store *s, enum stmt_id id, sqlite3_stmt **out, tally_error *err)
{
	int rc = TALLY_OK;

	if (!s->q[id] && (rc = prepare(s, id, err)) != TALLY_OK)
		return rc;
	sqlite3_reset(s->q[id]);
	*out = s->q[id];
	return TALLY_OK;
}

/* step_done runs a statement that returns no rows (or whose rows do not
 * matter) and resets it. */
static int step_done(tally_store *s, sqlite3_stmt *st, tally_error *err)
{
	int rc = sqlite3_step(st);
	int ret = TALLY_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = db_fail(s, err);
	sqlite3_reset(st);
	return ret;
}

static int run(tally_store *s, enum stmt_id id, tally_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = stmt(s, id, &st, err);

	if (rc == TALLY_OK)
		rc = step_done(s, st, err);
	return rc;
}

static int tx_begin(tally_store *s, tally_error *err)
{
	s->n_pend = 0;
	return run(s, Q_BEGIN, err);
}

/* tx_commit commits; the log entries the transaction appended then join
 * the in-memory tree (if it is loaded), so the tree never holds a leaf
 * that was rolled back. */
static int tx_commit(tally_store *s, tally_error *err)
{
	int rc = run(s, Q_COMMIT, err);

	if (rc != TALLY_OK)
		return rc;
	for (size_t i = 0; s->tree && i < s->n_pend; i++)
		if (tally_merkle_tree_append_hash(s->tree, &s->pend[i], NULL, NULL) != TALLY_OK) {
			/* reloaded from the database on next use */
			tally_merkle_tree_free(s->tree);
			s->tree = NULL;
		}
	s->n_pend = 0;
	return TALLY_OK;
}

/* tx_rollback undoes an open transaction, if any; it cannot fail in a way
 * the caller could act on, and the error being reported is the first one. */
static void tx_rollback(tally_store *s)
{
	if (s)
		s->n_pend = 0;
	if (s && s->db && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

static int bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static int bind_blob(sqlite3_stmt *st, int i, const unsigned char *v, size_t len)
{
	if (len > INT_MAX)
		return SQLITE_TOOBIG;
	return sqlite3_bind_blob(st, i, v, (int)len, SQLITE_STATIC);
}

/* A bind failure ("brc" may be several codes or'ed together) is reported
 * like any other SQLite error. */
static int bind_fail(tally_store *s, int brc, tally_error *err)
{
	if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_NOMEM)
		return oom(err);
	return tally_error_set(err, TALLY_ESTORE, S_SQLITE, s->path,
	                       "database error: a value cannot be bound (%s)",
	                       brc == SQLITE_TOOBIG ? "too big" : sqlite3_errmsg(s->db));
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static uint32_t col_u32(sqlite3_stmt *st, int i)
{
	return (uint32_t)sqlite3_column_int64(st, i);
}

static uint64_t col_u64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

/* copy_field copies "src" into a fixed field of "size" bytes, truncating. */
static void copy_field(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* now_utc writes the current time as UTC ISO 8601 ("2024-02-07T18:30:00Z"). */
static void now_utc(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		copy_field(buf, 32, "1970-01-01T00:00:00Z");
}

static int corrupt(tally_store *s, tally_error *err, const char *what)
{
	return tally_error_set(err, TALLY_ESTORE, S_CORRUPT, s->path,
	                       "the database is inconsistent: %s", what);
}

/* check_election refuses a model other than the stored one: indexes would
 * point at the wrong stations. */
static int check_election(tally_store *s, const tally_election *e, tally_error *err)
{
	if (!e || !e->id || !s->eid || strcmp(e->id, s->eid) != 0 ||
	    e->n_stations != s->n_stations || e->n_constituencies != s->n_cons)
		return tally_error_set(err, TALLY_EINVAL, S_MISMATCH, s->path,
		                       "the election given is not the one in this database ('%s')",
		                       s->eid ? s->eid : "");
	return TALLY_OK;
}

/* id_arg checks a person's or operator's id passed to the store. */
static int id_arg(const char *id, const char *what, tally_error *err)
{
	if (!id || !tally__id_ok(id))
		return tally_error_set(err, TALLY_EINVAL, "P016", NULL,
		                       "%s must be 1 to %d characters of A-Z a-z 0-9 . _ : / @ -",
		                       what, TALLY_MAX_ID_LEN);
	return TALLY_OK;
}

/* unpack_stored reads a stored protocol; a blob that does not unpack is a
 * damaged database, not bad input. */
static int unpack_stored(tally_store *s, const tally_election *e, uint32_t st,
                         sqlite3_stmt *q, int col, tally_protocol *out, tally_error *err)
{
	const unsigned char *b = sqlite3_column_blob(q, col);
	size_t len = (size_t)sqlite3_column_bytes(q, col);
	tally_error e2 = TALLY_ERROR_INIT;
	int rc = tally_protocol_unpack(e, st, b, len, out, &e2);

	if (rc == TALLY_ENOMEM)
		return oom(err);
	if (rc != TALLY_OK)
		return tally_error_set(err, TALLY_ESTORE, S_CORRUPT, s->path,
		                       "station '%s': a stored protocol cannot be read: %s",
		                       e->stations[st].id, e2.msg);
	return TALLY_OK;
}

/* ==== The log: appending ==== */

/* log_append encodes "le" (stamped with the time now), appends it to the
 * log table inside the open transaction, so that it is durable exactly when
 * what it records is, and returns its index. A field over
 * TALLY_LOG_INLINE_MAX bytes is logged by its SHA-256, its body stored in
 * log_bodies in the same transaction. */
static int log_append(tally_store *s, tally_log_entry *le, uint64_t *index, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0;
	tally_hash leaf;
	uint64_t idx = 0;
	int rc = TALLY_OK, b = 0;
	tally_log_bytes *blob = tally_log_entry_blob(le);

	le->time = (uint64_t)time(NULL);
	if (blob && blob->len > TALLY_LOG_INLINE_MAX && blob->len <= TALLY_LOG_MAX_BODY_BYTES &&
	    blob->p) {
		tally_sha256(blob->p, blob->len, &blob->hash);
		blob->by_hash = true;
	}
	if ((rc = tally_log_entry_encode(le, &bytes, &len, err)) != TALLY_OK)
		return rc;
	tally_merkle_leaf_hash(bytes, len, &leaf);
	if ((rc = stmt(s, Q_LOG_NEXT, &q, err)) != TALLY_OK)
		goto out;
	if (sqlite3_step(q) != SQLITE_ROW) {
		rc = db_fail(s, err);
		sqlite3_reset(q);
		goto out;
	}
	idx = col_u64(q, 0);
	sqlite3_reset(q);
	if (s->n_pend == s->cap_pend) {
		size_t ncap = s->cap_pend ? s->cap_pend * 2 : 16;
		tally_hash *np = tally_realloc(s->pend, ncap * sizeof *np);

		if (!np) {
			rc = oom(err);
			goto out;
		}
		s->pend = np;
		s->cap_pend = ncap;
	}
	if ((rc = stmt(s, Q_LOG_INS, &q, err)) != TALLY_OK)
		goto out;
	b |= bind_u64(q, 1, idx);
	b |= bind_blob(q, 2, bytes, len);
	b |= bind_blob(q, 3, leaf.b, sizeof leaf.b);
	if (b) {
		rc = bind_fail(s, b, err);
		goto out;
	}
	if ((rc = step_done(s, q, err)) != TALLY_OK)
		goto out;
	if (blob && blob->by_hash) {
		if ((rc = stmt(s, Q_BODY_INS, &q, err)) != TALLY_OK)
			goto out;
		b |= bind_blob(q, 1, blob->hash.b, TALLY_HASH_SIZE);
		b |= bind_u64(q, 2, idx);
		b |= bind_blob(q, 3, blob->p, blob->len);
		if (b) {
			rc = bind_fail(s, b, err);
			goto out;
		}
		if ((rc = step_done(s, q, err)) != TALLY_OK)
			goto out;
	}
	s->pend[s->n_pend++] = leaf;
	if (index)
		*index = idx;
out:
	tally_free(bytes);
	return rc;
}

/* log_protocol logs an accepted version of a protocol: the exact bytes
 * signed when "sb" is given, else the canonical JSON of the entry that
 * made it accepted (tally_entry_to_json) with a zero key id and signature. */
static int log_protocol(tally_store *s, const tally_election *e, const tally_entry *en,
                        uint32_t version, const tally_store_signed *sb, uint64_t *index,
                        tally_error *err)
{
	tally_log_entry le;
	char *json = NULL;
	int rc = TALLY_OK;

	memset(&le, 0, sizeof le);
	le.type = TALLY_LOG_PROTOCOL;
	copy_field(le.u.protocol.station, sizeof le.u.protocol.station,
	           e->stations[en->p.station].id);
	le.u.protocol.version = version;
	if (sb) {
		tally_log_key_id(sb->pub, &le.u.protocol.key_id);
		memcpy(le.u.protocol.sig, sb->sig, sizeof le.u.protocol.sig);
		le.u.protocol.body.p = sb->body;
		le.u.protocol.body.len = sb->len;
	} else {
		if ((rc = tally_entry_to_json(e, en, &json, err)) != TALLY_OK)
			return rc;
		le.u.protocol.body.p = (const uint8_t *)json;
		le.u.protocol.body.len = strlen(json);
	}
	rc = log_append(s, &le, index, err);
	tally_free(json);
	return rc;
}

/* ==== Opening and closing ==== */

static int store_new(const char *path, tally_store **out)
{
	tally_store *s = tally_calloc(1, sizeof *s);

	if (!s)
		return TALLY_ENOMEM;
	s->path = tally_strdup(path);
	if (!s->path) {
		tally_free(s);
		return TALLY_ENOMEM;
	}
	*out = s;
	return TALLY_OK;
}

void tally_store_close(tally_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < Q__N; i++)
		sqlite3_finalize(s->q[i]);
	if (s->db)
		sqlite3_close_v2(s->db);
	tally_merkle_tree_free(s->tree);
	tally_free(s->pend);
	tally_free(s->eid);
	tally_free(s->path);
	tally_free(s);
}

/* configure sets the connection's pragmas. Called only once the file is
 * known to be ours (or new), since journal_mode=WAL rewrites the header. */
static int configure(tally_store *s, tally_error *err)
{
	/* A larger page cache keeps bulk transactions (a million stations) from
	 * spilling to the WAL before commit. */
	static const char sql[] = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	                          " PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;";

	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, err);
	return TALLY_OK;
}

/* load_sizes caches the stored election's id and sizes. */
static int load_sizes(tally_store *s, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = stmt(s, Q_SIZES, &q, err);

	if (rc)
		goto out;
	if (sqlite3_step(q) != SQLITE_ROW) {
		rc = db_fail(s, err);
		goto out;
	}
	if (sqlite3_column_type(q, 0) == SQLITE_NULL) {
		rc = tally_error_set(err, TALLY_ESTORE, S_NOTOURS, s->path,
		                     "not a tally database: it holds no election");
		goto out;
	}
	tally_free(s->eid);
	s->eid = tally_strdup(col_text(q, 0));
	if (!s->eid) {
		rc = oom(err);
		goto out;
	}
	s->n_stations = col_u32(q, 1);
	s->n_cons = col_u32(q, 2);
out:
	if (q)
		sqlite3_reset(q);
	return rc;
}

static int insert_definition(tally_store *s, const tally_election *e, tally_error *err);

/* log_definition makes the definition the log's first entry, as its
 * canonical bytes (tally_election_write). */
static int log_definition(tally_store *s, const tally_election *e, tally_error *err)
{
	tally_log_entry le;
	char *def = NULL;
	size_t len = 0;
	int rc = tally_election_write(e, &def, &len, err);

	if (rc != TALLY_OK)
		return rc;
	memset(&le, 0, sizeof le);
	le.type = TALLY_LOG_DEFINITION;
	copy_field(le.u.definition.election, sizeof le.u.definition.election, e->id);
	le.u.definition.definition.p = (const uint8_t *)def;
	le.u.definition.definition.len = len;
	rc = log_append(s, &le, NULL, err);
	tally_free(def);
	return rc;
}

/* build_file writes a complete new database at "tmp": schema, definition and,
 * when n > 0, the imported protocols. The file is private until it is
 * renamed into place, so it is written without a journal and without
 * syncing; publish() makes it durable before it becomes visible. */
static int build_file(const char *tmp, const tally_election *e, const tally_protocol *protocols,
                      size_t n, const char *operator_id, bool log, tally_error *err)
{
	tally_store *s = NULL;
	int rc = TALLY_OK;
	static const char fast[] = "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
	                           " PRAGMA locking_mode = EXCLUSIVE; PRAGMA foreign_keys = ON;"
	                           " PRAGMA cache_size = -8192;";

	if (store_new(tmp, &s))
		return oom(err);
	if (sqlite3_open_v2(tmp, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = s->db ? db_fail(s, err) : oom(err);
		goto out;
	}
	if (sqlite3_exec(s->db, fast, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(s, err);
		goto out;
	}
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		goto out;
	if (sqlite3_exec(s->db, SCHEMA_SQL, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(s, err);
		goto out;
	}
	if ((rc = insert_definition(s, e, err)) != TALLY_OK)
		goto out;
	/* a new election's log starts with its definition; an import of real
	 * data is logged only when asked for (the definition of a million
	 * stations alone is some 150 MB of log) */
	if ((n == 0 || log) && (rc = log_definition(s, e, err)) != TALLY_OK)
		goto out;
	if ((rc = tx_commit(s, err)) != TALLY_OK)
		goto out;
	if ((rc = load_sizes(s, err)) != TALLY_OK)
		goto out;
	s->log_imports = log;
	if (n > 0)
		rc = tally_store_import(s, e, protocols, n, operator_id, err);
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	tally_store_close(s);
	return rc;
}

/* publish makes "tmp" durable and gives it the name "path", refusing to
 * replace a file that appeared meanwhile (link() does not overwrite), then
 * makes the directory entry durable. */
static int publish(const char *tmp, const char *path, tally_error *err)
{
	int fd = open(tmp, O_RDONLY);
	if (fd < 0 || fsync(fd) != 0) {
		if (fd >= 0)
			close(fd);
		return tally_error_set(err, TALLY_EIO, S_SQLITE, tmp, "cannot sync the new database: %s",
		                       strerror(errno));
	}
	close(fd);
	if (link(tmp, path) != 0) {
		int e = errno;
		if (e == EEXIST)
			return tally_error_set(err, TALLY_EEXIST, S_EXISTS, path,
			                       "the file exists; choose a new path or remove it first");
		return tally_error_set(err, TALLY_EIO, S_SQLITE, path, "cannot create: %s",
		                       strerror(e));
	}
	unlink(tmp);
	/* the directory holding the new name */
	size_t n = strlen(path) + 1;
	char *dir = tally_malloc(n);
	if (dir) {
		memcpy(dir, path, n);
		char *slash = strrchr(dir, '/');
		if (!slash)
			snprintf(dir, n, ".");
		else if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		tally_free(dir);
	}
	return TALLY_OK;
}

int tally_store_create_import(const char *path, const tally_election *e,
                              const tally_protocol *protocols, size_t n,
                              const char *operator_id, bool log, tally_store **out,
                              tally_error *err)
{
	struct stat sb;
	int rc;

	memset(&sb, 0, sizeof sb);
	if (!path || !e || !out)
		return tally_error_set(err, TALLY_EINVAL, "", NULL, "no path or election given");
	if (stat(path, &sb) == 0 && sb.st_size > 0)
		return tally_error_set(err, TALLY_EEXIST, S_EXISTS, path,
		                       "the file exists; choose a new path or remove it first");
	if (stat(path, &sb) == 0 && unlink(path) != 0)
		return tally_error_set(err, TALLY_EIO, S_SQLITE, path, "cannot replace the empty file: %s",
		                       strerror(errno));
	size_t tl = strlen(path) + 32;
	char *tmp = tally_malloc(tl);
	if (!tmp)
		return oom(err);
	snprintf(tmp, tl, "%s.creating.%ld", path, (long)getpid());
	unlink(tmp);
	rc = build_file(tmp, e, protocols, n, operator_id, log, err);
	if (rc != TALLY_OK && err && strstr(err->where, ".creating."))
		snprintf(err->where, sizeof err->where, "%s", path); /* name what the user asked for */
	if (rc == TALLY_OK)
		rc = publish(tmp, path, err);
	unlink(tmp);
	tally_free(tmp);
	if (rc != TALLY_OK)
		return rc;
	rc = tally_store_open(path, out, err);
	if (rc != TALLY_OK) {
		/* ours, just made: do not leave a half-opened file behind */
		unlink(path);
	}
	return rc;
}

int tally_store_create(const char *path, const tally_election *e, tally_store **out,
                       tally_error *err)
{
	return tally_store_create_import(path, e, NULL, 0, "init", false, out, err);
}

/* check_ours reads the header fields without changing the file, so a file
 * that is not ours is left as it was. */
static int check_ours(tally_store *s, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = TALLY_OK, src = 0;
	sqlite3_int64 app = 0, ver = 0;

	src = sqlite3_prepare_v2(s->db, "SELECT * FROM pragma_application_id, pragma_user_version",
	                         -1, &q, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(q);
	if (src != SQLITE_ROW) {
		if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_NOTADB)
			rc = tally_error_set(err, TALLY_ESTORE, S_NOTOURS, s->path,
			                     "not a tally database (not an SQLite file)");
		else
			rc = db_fail(s, err);
		goto out;
	}
	app = sqlite3_column_int64(q, 0);
	ver = sqlite3_column_int64(q, 1);
	if (app != STORE_APP_ID) {
		rc = tally_error_set(err, TALLY_ESTORE, S_NOTOURS, s->path, "not a tally database");
		goto out;
	}
	if (ver == 2) {
		/* log format tally/v1 framed every byte field inline; its leaf hashes,
		 * and the checkpoints signed over them, cannot be carried over */
		rc = tally_error_set(err, TALLY_ESTORE, S_NOTOURS, s->path,
		                     "schema version 2, made by an earlier tally (log format "
		                     "tally/v1); this tally reads version %d (log format tally/v2). "
		                     "A signed log cannot be converted: keep the earlier tally for "
		                     "this election, or start a new log ('tally export' the "
		                     "definition with the earlier tally, 'tally init' it here and "
		                     "submit the protocols again; docs/log-format.md, \"Format "
		                     "versions\")",
		                     STORE_SCHEMA_VERSION);
		goto out;
	}
	if (ver != STORE_SCHEMA_VERSION) {
		rc = tally_error_set(err, TALLY_ESTORE, S_NOTOURS, s->path,
		                     "schema version %lld; this tally reads version %d",
		                     (long long)ver, STORE_SCHEMA_VERSION);
		goto out;
	}
out:
	sqlite3_finalize(q);
	return rc;
}

static int check_meta(tally_store *s, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = stmt(s, Q_META_VERSION, &q, err);

	if (rc)
		return rc;
	if (sqlite3_step(q) != SQLITE_ROW || strcmp(col_text(q, 0), STORE_SCHEMA_VERSION_S) != 0)
		rc = tally_error_set(err, TALLY_ESTORE, S_NOTOURS, s->path,
		                     "not a tally database of schema version %d",
		                     STORE_SCHEMA_VERSION);
	sqlite3_reset(q);
	return rc;
}

int tally_store_open(const char *path, tally_store **out, tally_error *err)
{
	tally_store *s = NULL;
	struct stat sb;
	int rc = TALLY_OK;

	memset(&sb, 0, sizeof sb);
	if (!path || !out)
		return tally_error_set(err, TALLY_EINVAL, "", NULL, "no path given");
	if (stat(path, &sb) != 0)
		return tally_error_set(err, TALLY_ENOTFOUND, S_NOFILE, path,
		                       "no database here (%s); create one first", strerror(errno));
	if (store_new(path, &s))
		return oom(err);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = s->db ? db_fail(s, err) : oom(err);
		goto out;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if ((rc = check_ours(s, err)) != TALLY_OK)
		goto out;
	if ((rc = configure(s, err)) != TALLY_OK)
		goto out;
	if ((rc = check_meta(s, err)) != TALLY_OK)
		goto out;
	rc = load_sizes(s, err);
out:
	if (rc != TALLY_OK) {
		tally_store_close(s);
		return rc;
	}
	*out = s;
	return TALLY_OK;
}

/* ==== The definition ==== */

static int insert_definition(tally_store *s, const tally_election *e, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	char *tmpl = NULL;
	size_t tlen = 0;
	int rc = TALLY_OK, b = 0;

	rc = tally_template_to_json(e->tmpl, &tmpl, &tlen);
	if (rc != TALLY_OK) {
		rc = tally_error_set(err, rc, "", s->path, "the template cannot be written: %s",
		                     tally_strerror(rc));
		goto out;
	}
	if ((rc = stmt(s, Q_ELECTION_INS, &q, err)) != TALLY_OK)
		goto out;
	b |= bind_text(q, 1, e->id);
	b |= bind_text(q, 2, e->name);
	b |= bind_text(q, 3, e->date);
	b |= bind_text(q, 4, e->body);
	b |= bind_u64(q, 5, e->seats);
	b |= sqlite3_bind_int(q, 6, e->double_entry ? 1 : 0);
	b |= bind_text(q, 7, e->system.rule);
	b |= sqlite3_bind_int(q, 8, (int)e->system.tie);
	b |= bind_u64(q, 9, e->system.lot_seed); /* bit pattern; read back the same way */
	b |= bind_u64(q, 10, e->system.invalid_num);
	b |= bind_u64(q, 11, e->system.invalid_den);
	b |= bind_text(q, 12, tmpl);
	if (b || (rc = step_done(s, q, err)) != TALLY_OK)
		goto out;

	if ((rc = stmt(s, Q_CONTEST_INS, &q, err)) != TALLY_OK)
		goto out;
	for (uint32_t i = 0; i < e->n_contests; i++) {
		b |= bind_u64(q, 1, i);
		b |= bind_text(q, 2, e->contests[i].id);
		b |= bind_text(q, 3, e->contests[i].name);
		if (b || (rc = step_done(s, q, err)) != TALLY_OK)
			goto out;
	}
	if ((rc = stmt(s, Q_CONS_INS, &q, err)) != TALLY_OK)
		goto out;
	for (uint32_t i = 0; i < e->n_constituencies; i++) {
		const tally_constituency *c = &e->constituencies[i];
		b |= bind_u64(q, 1, i);
		b |= bind_text(q, 2, c->id);
		b |= bind_text(q, 3, c->name);
		b |= bind_u64(q, 4, c->contest);
		b |= bind_u64(q, 5, c->magnitude);
		b |= bind_u64(q, 6, c->tier);
		if (b || (rc = step_done(s, q, err)) != TALLY_OK)
			goto out;
	}
	for (uint32_t i = 0; i < e->n_stations;) {
		uint32_t rows = e->n_stations - i >= STORE_BATCH ? STORE_BATCH : 1;

		rc = stmt(s, rows > 1 ? Q_STATION_INS_N : Q_STATION_INS, &q, err);
		if (rc != TALLY_OK)
			goto out;
		for (uint32_t k = 0; k < rows; k++, i++) {
			const tally_station *st = &e->stations[i];
			int at = (int)k * 7;

			b |= bind_u64(q, at + 1, i);
			b |= bind_text(q, at + 2, st->id);
			b |= bind_text(q, at + 3, st->name);
			b |= bind_u64(q, at + 4, st->constituency);
			b |= bind_u64(q, at + 5, st->registered);
			b |= sqlite3_bind_int(q, at + 6, (int)st->type);
			b |= bind_text(q, at + 7, st->area);
		}
		if (b || (rc = step_done(s, q, err)) != TALLY_OK)
			goto out;
	}
	if ((rc = stmt(s, Q_PARTY_INS, &q, err)) != TALLY_OK)
		goto out;
	for (uint32_t i = 0; i < e->n_parties; i++) {
		const tally_party *p = &e->parties[i];
		b |= bind_u64(q, 1, i);
		b |= bind_text(q, 2, p->id);
		b |= bind_text(q, 3, p->name);
		b |= bind_text(q, 4, p->abbrev);
		b |= bind_text(q, 5, p->color);
		if (b || (rc = step_done(s, q, err)) != TALLY_OK)
			goto out;
	}
	for (uint32_t i = 0; i < e->n_blocs; i++) {
		const tally_bloc *bl = &e->blocs[i];
		if ((rc = stmt(s, Q_BLOC_INS, &q, err)) != TALLY_OK)
			goto out;
		b |= bind_u64(q, 1, i);
		b |= bind_text(q, 2, bl->id);
		b |= bind_text(q, 3, bl->name);
		b |= bind_text(q, 4, bl->abbrev);
		b |= bind_text(q, 5, bl->color);
		if (b || (rc = step_done(s, q, err)) != TALLY_OK)
			goto out;
		if ((rc = stmt(s, Q_MEMBER_INS, &q, err)) != TALLY_OK)
			goto out;
		for (uint32_t m = 0; m < bl->n_members; m++) {
			b |= bind_u64(q, 1, i);
			b |= bind_u64(q, 2, m);
			b |= bind_u64(q, 3, bl->members[m]);
			if (b || (rc = step_done(s, q, err)) != TALLY_OK)
				goto out;
		}
	}
	if ((rc = stmt(s, Q_CAND_INS, &q, err)) != TALLY_OK)
		goto out;
	for (uint32_t i = 0; i < e->n_candidates; i++) {
		const tally_candidate *c = &e->candidates[i];
		b |= bind_u64(q, 1, i);
		b |= bind_text(q, 2, c->id);
		b |= bind_text(q, 3, c->name);
		b |= bind_u64(q, 4, c->constituency);
		b |= sqlite3_bind_int(q, 5, (int)c->nominator);
		if (c->nominated_by == TALLY_NONE)
			b |= sqlite3_bind_null(q, 6);
		else
			b |= bind_u64(q, 6, c->nominated_by);
		b |= bind_text(q, 7, c->group);
		if (b || (rc = step_done(s, q, err)) != TALLY_OK)
			goto out;
	}
out:
	if (b && rc == TALLY_OK)
		rc = bind_fail(s, b, err);
	tally_free(tmpl);
	return rc;
}

/* Row "got" of a definition table must have index "want": the tables are
 * written with contiguous indexes, and the model relies on them. */
static int check_idx(tally_store *s, sqlite3_stmt *q, uint32_t want, const char *table,
                     tally_error *err)
{
	if (sqlite3_column_int64(q, 0) != (sqlite3_int64)want)
		return tally_error_set(err, TALLY_ESTORE, S_CORRUPT, s->path,
		                       "the database is inconsistent: %s are not numbered 0..n-1",
		                       table);
	return TALLY_OK;
}

/* A row loop that ended with something other than SQLITE_DONE. */
static int loop_end(tally_store *s, int src, tally_error *err)
{
	return src == SQLITE_DONE ? TALLY_OK : db_fail(s, err);
}

/* load_model builds the election from the definition tables, inside a read
 * transaction. */
static int load_model(tally_store *s, tally_election **out, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_election *e = NULL;
	tally_template *tmpl = NULL;
	uint32_t *members = NULL;
	char *rule = NULL;
	uint32_t i = 0;
	int rc = TALLY_OK, src = 0;

	if ((rc = stmt(s, Q_ELECTION_GET, &q, err)) != TALLY_OK)
		goto out;
	if ((src = sqlite3_step(q)) != SQLITE_ROW) {
		rc = src == SQLITE_DONE ? corrupt(s, err, "no election row") : db_fail(s, err);
		goto out;
	}
	{
		const char *tj = col_text(q, 11);
		size_t tl = strlen(tj);
		tally_error e2 = TALLY_ERROR_INIT;

		rc = tally_template_from_json(tj, tl, "template", &tmpl, &e2);
		if (rc == TALLY_EINVAL && tl > 2 && tl < 64 && tj[0] == '"' && tj[tl - 1] == '"' &&
		    !memchr(tj, '\\', tl)) {
			/* A preset is stored as its name in quotes; a JSON reader that
			 * takes only objects and arrays at the top cannot read it, so
			 * the preset is built from its name directly. */
			char name[64];

			memcpy(name, tj + 1, tl - 2);
			name[tl - 2] = '\0';
			tally_error_clear(&e2);
			rc = tally_template_preset(name, &tmpl, &e2);
		}
		if (rc == TALLY_ENOMEM) {
			rc = oom(err);
			goto out;
		}
		if (rc != TALLY_OK) {
			rc = tally_error_set(err, TALLY_ESTORE, S_CORRUPT, s->path,
			                     "the stored template cannot be read: %s", e2.msg);
			goto out;
		}
	}
	rc = tally_election_new(col_text(q, 0), col_text(q, 1), col_text(q, 2), col_text(q, 3),
	                        col_u32(q, 4), tmpl, &e);
	if (rc != TALLY_OK) {
		/* on failure the template was not taken over */
		rc = tally_error_set(err, rc, "", s->path, "the election cannot be built: %s",
		                     tally_strerror(rc));
		goto out;
	}
	tmpl = NULL; /* owned by e now */
	rule = tally_strdup(col_text(q, 6));
	if (!rule) {
		rc = oom(err);
		goto out;
	}
	tally_free(e->system.rule);
	e->system.rule = rule;
	rule = NULL;
	e->double_entry = sqlite3_column_int(q, 5) != 0;
	e->system.tie = sqlite3_column_int(q, 7) == 0 ? TALLY_TIE_FAIL : TALLY_TIE_LOT;
	e->system.lot_seed = col_u64(q, 8);
	e->system.invalid_num = col_u32(q, 9);
	e->system.invalid_den = col_u32(q, 10);
	sqlite3_reset(q);

	if ((rc = stmt(s, Q_CONTEST_ALL, &q, err)) != TALLY_OK)
		goto out;
	for (i = 0; (src = sqlite3_step(q)) == SQLITE_ROW; i++) {
		if ((rc = check_idx(s, q, i, "contests", err)) != TALLY_OK)
			goto out;
		if ((rc = tally_election_add_contest(e, col_text(q, 1), col_text(q, 2), NULL)))
			goto add_failed;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;

	if ((rc = stmt(s, Q_CONS_ALL, &q, err)) != TALLY_OK)
		goto out;
	for (i = 0; (src = sqlite3_step(q)) == SQLITE_ROW; i++) {
		if ((rc = check_idx(s, q, i, "constituencies", err)) != TALLY_OK)
			goto out;
		if ((rc = tally_election_add_constituency(e, col_text(q, 1), col_text(q, 2),
		                                          col_u32(q, 3), col_u32(q, 4), col_u32(q, 5),
		                                          NULL)))
			goto add_failed;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;

	if ((rc = stmt(s, Q_STATION_ALL, &q, err)) != TALLY_OK)
		goto out;
	for (i = 0; (src = sqlite3_step(q)) == SQLITE_ROW; i++) {
		if ((rc = check_idx(s, q, i, "stations", err)) != TALLY_OK)
			goto out;
		if ((rc = tally_election_add_station(e, col_text(q, 1), col_text(q, 2), col_u32(q, 3),
		                                     col_u64(q, 4),
		                                     (tally_station_type)sqlite3_column_int(q, 5),
		                                     col_text(q, 6), NULL)))
			goto add_failed;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;

	if ((rc = stmt(s, Q_PARTY_ALL, &q, err)) != TALLY_OK)
		goto out;
	for (i = 0; (src = sqlite3_step(q)) == SQLITE_ROW; i++) {
		if ((rc = check_idx(s, q, i, "parties", err)) != TALLY_OK)
			goto out;
		if ((rc = tally_election_add_party(e, col_text(q, 1), col_text(q, 2), col_text(q, 3),
		                                   col_text(q, 4), NULL)))
			goto add_failed;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;

	/* A bloc's members come from a second statement, stepped while the
	 * blocs' one holds its row. */
	members = tally_calloc(TALLY_MAX_BLOC_MEMBERS, sizeof *members);
	if (!members) {
		rc = oom(err);
		goto out;
	}
	if ((rc = stmt(s, Q_BLOC_ALL, &q, err)) != TALLY_OK)
		goto out;
	for (i = 0; (src = sqlite3_step(q)) == SQLITE_ROW; i++) {
		sqlite3_stmt *m = NULL;
		uint32_t n_members = 0;

		if ((rc = check_idx(s, q, i, "blocs", err)) != TALLY_OK)
			goto out;
		if ((rc = stmt(s, Q_MEMBER_GET, &m, err)) != TALLY_OK)
			goto out;
		if ((src = sqlite3_bind_int64(m, 1, i)) != SQLITE_OK)
			rc = bind_fail(s, src, err);
		while (rc == TALLY_OK && (src = sqlite3_step(m)) == SQLITE_ROW) {
			if (n_members == TALLY_MAX_BLOC_MEMBERS)
				rc = corrupt(s, err, "a bloc has too many members");
			else
				members[n_members++] = col_u32(m, 0);
		}
		if (rc == TALLY_OK)
			rc = loop_end(s, src, err);
		sqlite3_reset(m);
		if (rc != TALLY_OK)
			goto out;
		if ((rc = tally_election_add_bloc(e, col_text(q, 1), col_text(q, 2), col_text(q, 3),
		                                  col_text(q, 4), members, n_members, NULL)))
			goto add_failed;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;

	if ((rc = stmt(s, Q_CAND_ALL, &q, err)) != TALLY_OK)
		goto out;
	for (i = 0; (src = sqlite3_step(q)) == SQLITE_ROW; i++) {
		uint32_t by = sqlite3_column_type(q, 5) == SQLITE_NULL ? TALLY_NONE : col_u32(q, 5);

		if ((rc = check_idx(s, q, i, "candidates", err)) != TALLY_OK)
			goto out;
		if ((rc = tally_election_add_candidate(e, col_text(q, 1), col_text(q, 2),
		                                       col_u32(q, 3),
		                                       (tally_nominator)sqlite3_column_int(q, 4), by,
		                                       col_text(q, 6), NULL)))
			goto add_failed;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	sqlite3_reset(q);
	q = NULL;

	if ((rc = tally_election_finish(e, err)) != TALLY_OK)
		goto out;
	*out = e;
	e = NULL;
	goto out;

add_failed:
	rc = tally_error_set(err, rc, "", s->path, "the election cannot be built: %s",
	                     tally_strerror(rc));
out:
	if (q)
		sqlite3_reset(q);
	tally_free(rule);
	tally_free(members);
	tally_template_free(tmpl);
	tally_election_free(e);
	return rc;
}

int tally_store_election(tally_store *s, tally_election **out, tally_error *err)
{
	int rc = TALLY_OK;

	if ((rc = run(s, Q_BEGIN_READ, err)) != TALLY_OK)
		return rc;
	rc = load_model(s, out, err);
	if (rc == TALLY_OK && (rc = tx_commit(s, err)) != TALLY_OK) {
		/* outputs are untouched on error */
		tally_election_free(*out);
		*out = NULL;
	}
	if (rc != TALLY_OK)
		tx_rollback(s);
	return rc;
}

/* ==== Protocol entry ==== */

/* What is stored for one station, loaded for tally_entry_decide. */
typedef struct station_load {
	tally_station_state state;
	uint32_t version;
	bool annulled;
	bool has_accepted;
	tally_protocol accepted;
	uint32_t n_open;
	tally_protocol open[2];
	int64_t open_id[2];
	char open_op[2][TALLY_MAX_ID_LEN + 1];
	char open_reason[2][TALLY_MAX_REASON_LEN + 1];
} station_load;

static void station_load_release(station_load *ld)
{
	if (ld->has_accepted)
		tally_protocol_release(&ld->accepted);
	for (uint32_t k = 0; k < ld->n_open; k++)
		tally_protocol_release(&ld->open[k]);
	ld->has_accepted = false;
	ld->n_open = 0;
}

/* load_station reads station "st"'s latest accepted version, its open
 * entries and whether it is annulled, and works out its state from them:
 * one pending entry is TALLY_ST_PENDING, two disputed ones
 * TALLY_ST_CONFLICT, none is TALLY_ST_ACCEPTED or TALLY_ST_EMPTY by the
 * version. "ld" is zeroed by the caller and released by it, also on
 * failure. */
static int load_station(tally_store *s, const tally_election *e, uint32_t st, station_load *ld,
                        tally_error *err)
{
	sqlite3_stmt *q = NULL;
	uint32_t n_pending = 0;
	int rc = TALLY_OK, src = 0;

	if ((rc = stmt(s, Q_CURRENT_GET, &q, err)) != TALLY_OK)
		goto out;
	if ((src = sqlite3_bind_int64(q, 1, st)) != SQLITE_OK) {
		rc = bind_fail(s, src, err);
		goto out;
	}
	src = sqlite3_step(q);
	if (src == SQLITE_ROW) {
		ld->version = col_u32(q, 0);
		if (ld->version == 0) {
			rc = corrupt(s, err, "an accepted protocol has version 0");
			goto out;
		}
		if ((rc = unpack_stored(s, e, st, q, 1, &ld->accepted, err)) != TALLY_OK)
			goto out;
		ld->has_accepted = true;
	} else if (src != SQLITE_DONE) {
		rc = db_fail(s, err);
		goto out;
	}
	sqlite3_reset(q);

	if ((rc = stmt(s, Q_OPEN_GET, &q, err)) != TALLY_OK)
		goto out;
	if ((src = sqlite3_bind_int64(q, 1, st)) != SQLITE_OK) {
		rc = bind_fail(s, src, err);
		goto out;
	}
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		uint32_t k = ld->n_open;

		if (k == 2) {
			rc = corrupt(s, err, "more than two open entries at a station");
			goto out;
		}
		if ((rc = unpack_stored(s, e, st, q, 3, &ld->open[k], err)) != TALLY_OK)
			goto out;
		ld->n_open++;
		ld->open_id[k] = sqlite3_column_int64(q, 0);
		copy_field(ld->open_op[k], sizeof ld->open_op[k], col_text(q, 1));
		copy_field(ld->open_reason[k], sizeof ld->open_reason[k], col_text(q, 2));
		if (sqlite3_column_int(q, 4) == TALLY_ENTRY_PENDING)
			n_pending++;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	if (ld->n_open == 0)
		ld->state = ld->version > 0 ? TALLY_ST_ACCEPTED : TALLY_ST_EMPTY;
	else if (ld->n_open == 1 && n_pending == 1)
		ld->state = TALLY_ST_PENDING;
	else if (ld->n_open == 2 && n_pending == 0)
		ld->state = TALLY_ST_CONFLICT;
	else {
		rc = corrupt(s, err, "a station's open entries are neither one pending nor two "
		             "disputed");
		goto out;
	}
	sqlite3_reset(q);

	if ((rc = stmt(s, Q_ANNULLED, &q, err)) != TALLY_OK)
		goto out;
	src = sqlite3_bind_int64(q, 1, st);
	if (src == SQLITE_OK)
		src = sqlite3_bind_int64(q, 2, e->stations[st].constituency);
	if (src != SQLITE_OK) {
		rc = bind_fail(s, src, err);
		goto out;
	}
	src = sqlite3_step(q);
	if (src == SQLITE_ROW)
		ld->annulled = true;
	else if (src != SQLITE_DONE)
		rc = db_fail(s, err);
out:
	if (q)
		sqlite3_reset(q);
	return rc;
}

/* protocol_ok checks that "p" fits station "st" before anything is stored
 * or packed. Returns a status for the entry (not for the batch). */
static int protocol_ok(const tally_election *e, const tally_protocol *p, tally_error *err)
{
	const char *sid = NULL;
	uint32_t st = p->station, need = 0;

	if (st >= e->n_stations)
		return tally_error_set(err, TALLY_ENOTFOUND, "P005", NULL,
		                       "no station with index %u in this election", st);
	sid = e->stations[st].id;
	need = e->constituencies[e->stations[st].constituency].n_candidates;
	if (p->n_lines != e->tmpl->n_lines || p->n_cand != need ||
	    (p->n_lines && !p->lines) || (p->n_cand && !p->cand))
		return tally_error_set(err, TALLY_EINVAL, "P003", sid,
		                       "the protocol has %u lines and %u candidates; the station "
		                       "needs %u and %u",
		                       p->n_lines, p->n_cand, e->tmpl->n_lines, need);
	for (uint32_t i = 0; i < p->n_lines; i++)
		if (p->lines[i] > TALLY_MAX_COUNT)
			return tally_error_set(err, TALLY_EINVAL, "P008", sid,
			                       "line '%s' is above %llu", e->tmpl->lines[i].key,
			                       (unsigned long long)TALLY_MAX_COUNT);
	for (uint32_t i = 0; i < p->n_cand; i++)
		if (p->cand[i] > TALLY_MAX_COUNT)
			return tally_error_set(err, TALLY_EINVAL, "P008", sid,
			                       "candidate %u's votes are above %llu", i + 1,
			                       (unsigned long long)TALLY_MAX_COUNT);
	return TALLY_OK;
}

static int entry_ok(const tally_election *e, const tally_entry *en, tally_error *err)
{
	int rc = protocol_ok(e, &en->p, err);

	if (rc != TALLY_OK)
		return rc;
	if (!memchr(en->operator_id, '\0', sizeof en->operator_id) ||
	    !tally__id_ok(en->operator_id))
		return tally_error_set(err, TALLY_EINVAL, "P016", e->stations[en->p.station].id,
		                       "the operator id must be 1 to %d characters of A-Z a-z 0-9 "
		                       ". _ : / @ -", TALLY_MAX_ID_LEN);
	if (!memchr(en->reason, '\0', sizeof en->reason))
		return tally_error_set(err, TALLY_EINVAL, "P017", e->stations[en->p.station].id,
		                       "the reason is longer than %d bytes", TALLY_MAX_REASON_LEN);
	return TALLY_OK;
}

/* insert_entry stores an entry and returns its id. */
static int insert_entry(tally_store *s, uint32_t st, uint32_t version, const char *op,
                        const char *reason, const char *now, tally_entry_state state,
                        const unsigned char *vals, size_t len, int64_t *id, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = stmt(s, Q_ENTRY_INS, &q, err), b = 0;

	if (rc)
		return rc;
	b |= sqlite3_bind_int64(q, 1, st);
	b |= sqlite3_bind_int64(q, 2, version);
	b |= bind_text(q, 3, op);
	b |= bind_text(q, 4, reason);
	b |= bind_text(q, 5, now);
	b |= sqlite3_bind_int(q, 6, (int)state);
	b |= bind_blob(q, 7, vals, len);
	if (b)
		return bind_fail(s, b, err);
	if ((rc = step_done(s, q, err)) != TALLY_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	return TALLY_OK;
}

static int set_entry(tally_store *s, int64_t id, tally_entry_state state, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = stmt(s, Q_ENTRY_SET, &q, err), b = 0;

	if (rc)
		return rc;
	b |= sqlite3_bind_int64(q, 1, id);
	b |= sqlite3_bind_int(q, 2, (int)state);
	if (b)
		return bind_fail(s, b, err);
	return step_done(s, q, err);
}

/* accept_version records "vals" as version "version" of station "st",
 * taken from entry "entry_id"; the latest version is the station's current
 * one. */
static int accept_version(tally_store *s, uint32_t st, uint32_t version, int64_t entry_id,
                          const unsigned char *vals, size_t len, const char *reason,
                          const char *now, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = stmt(s, Q_PROTO_INS, &q, err), b = 0;

	if (rc)
		return rc;
	b |= sqlite3_bind_int64(q, 1, st);
	b |= sqlite3_bind_int64(q, 2, version);
	b |= sqlite3_bind_int64(q, 3, entry_id);
	b |= bind_blob(q, 4, vals, len);
	b |= bind_text(q, 5, reason);
	b |= bind_text(q, 6, now);
	if (b)
		return bind_fail(s, b, err);
	return step_done(s, q, err);
}

/* submit_one decides one entry and carries the decision out. A refused
 * entry fills o->status and o->err and returns TALLY_OK; a returned error
 * fails the whole batch. */
static int submit_one(tally_store *s, const tally_election *e, const tally_entry *en,
                      const tally_store_signed *sb, const char *now, tally_submit_outcome *o,
                      tally_error *err)
{
	station_load ld;
	tally_station_view v;
	tally_decision d;
	tally_diff_item diff[1];
	unsigned char *vals = NULL;
	size_t len = 0;
	uint32_t st = en->p.station, next = 0;
	const char *reason = NULL;
	int rc = TALLY_OK;

	memset(&ld, 0, sizeof ld);
	memset(&v, 0, sizeof v);
	memset(&d, 0, sizeof d);
	memset(diff, 0, sizeof diff);
	memset(o, 0, sizeof *o);

	if ((o->status = entry_ok(e, en, &o->err)) != TALLY_OK)
		goto out;
	if ((rc = load_station(s, e, st, &ld, err)) != TALLY_OK)
		goto out;
	v.state = ld.state;
	v.annulled = ld.annulled;
	v.version = ld.version;
	v.accepted = ld.has_accepted ? &ld.accepted : NULL;
	v.n_open = ld.n_open;
	for (uint32_t k = 0; k < ld.n_open; k++) {
		v.open[k] = &ld.open[k];
		v.open_operator[k] = ld.open_op[k];
	}
	o->status = tally_entry_decide(e, &v, en, &d, &o->err);
	if (o->status == TALLY_ENOMEM) {
		rc = oom(err);
		goto out;
	}
	if (o->status != TALLY_OK) {
		tally_protocol_check(e, &en->p, &o->check);
		goto out;
	}
	o->action = d.action;
	o->check = d.check;
	o->version = ld.version;
	if (d.action == TALLY_ACT_DUPLICATE)
		goto out;

	if (tally_protocol_pack(&en->p, &vals, &len) != TALLY_OK) {
		rc = oom(err);
		goto out;
	}
	next = ld.version + 1;
	/* a correction's reason may come with either of its two entries */
	reason = en->reason;
	if (!reason[0] && ld.n_open > 0)
		reason = ld.open_reason[0];

	switch (d.action) {
	case TALLY_ACT_PEND:
		rc = insert_entry(s, st, next, en->operator_id, en->reason, now, TALLY_ENTRY_PENDING,
		                  vals, len, &o->entry_id, err);
		break;
	case TALLY_ACT_ACCEPT:
		rc = insert_entry(s, st, next, en->operator_id, en->reason, now, TALLY_ENTRY_ACCEPTED,
		                  vals, len, &o->entry_id, err);
		/* a signed protocol replaces what operators had begun to enter */
		for (uint32_t k = 0; rc == TALLY_OK && k < ld.n_open; k++)
			rc = set_entry(s, ld.open_id[k],
			               sb ? TALLY_ENTRY_DISCARDED : TALLY_ENTRY_ACCEPTED, err);
		if (rc == TALLY_OK)
			rc = accept_version(s, st, next, o->entry_id, vals, len, reason, now, err);
		if (rc == TALLY_OK)
			rc = log_protocol(s, e, en, next, sb, &o->log_index, err);
		o->version = next;
		break;
	case TALLY_ACT_CONFLICT:
		TALLY_ASSERT(ld.n_open == 1);
		rc = insert_entry(s, st, next, en->operator_id, en->reason, now, TALLY_ENTRY_DISPUTED,
		                  vals, len, &o->entry_id, err);
		if (rc == TALLY_OK)
			rc = set_entry(s, ld.open_id[0], TALLY_ENTRY_DISPUTED, err);
		o->n_diff = tally_protocol_diff(&ld.open[0], &en->p, diff, 1);
		break;
	case TALLY_ACT_RESOLVE:
		TALLY_ASSERT(ld.n_open == 2 && d.which < 2);
		if (!en->reason[0])
			reason = ld.open_reason[d.which][0] ? ld.open_reason[d.which]
			                                    : ld.open_reason[1 - d.which];
		rc = insert_entry(s, st, next, en->operator_id, en->reason, now, TALLY_ENTRY_ACCEPTED,
		                  vals, len, &o->entry_id, err);
		if (rc == TALLY_OK)
			rc = set_entry(s, ld.open_id[d.which], TALLY_ENTRY_ACCEPTED, err);
		if (rc == TALLY_OK)
			rc = set_entry(s, ld.open_id[1 - d.which], TALLY_ENTRY_DISCARDED, err);
		if (rc == TALLY_OK)
			rc = accept_version(s, st, next, o->entry_id, vals, len, reason, now, err);
		if (rc == TALLY_OK)
			rc = log_protocol(s, e, en, next, sb, &o->log_index, err);
		o->version = next;
		break;
	case TALLY_ACT_DUPLICATE:
		break;
	}
out:
	tally_free(vals);
	station_load_release(&ld);
	return rc;
}

int tally_store_submit(tally_store *s, const tally_election *e, const tally_entry *entries,
                       size_t n, tally_submit_outcome *out, tally_error *err)
{
	char now[32] = "";
	int rc = TALLY_OK;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if (n == 0)
		return TALLY_OK;
	now_utc(now);
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = submit_one(s, e, &entries[i], NULL, now, &out[i], err)) != TALLY_OK)
			goto out;
	rc = tx_commit(s, err);
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	return rc;
}

void tally_store_rows_free(tally_entry_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		tally_protocol_release(&rows[i].p);
	tally_free(rows);
}

int tally_store_entries(tally_store *s, const tally_election *e, uint32_t st,
                        tally_entry_row **out, size_t *n, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_entry_row *rows = NULL;
	size_t len = 0, cap = 0;
	int rc = TALLY_OK, src = 0;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if (st != TALLY_NONE && st >= e->n_stations)
		return tally_error_set(err, TALLY_ENOTFOUND, S_NOTARGET, s->path,
		                       "no station with index %u", st);
	if ((rc = stmt(s, st == TALLY_NONE ? Q_ENTRIES_ALL : Q_ENTRIES_ST, &q, err)) != TALLY_OK)
		goto out;
	if (st != TALLY_NONE && (src = sqlite3_bind_int64(q, 1, st)) != SQLITE_OK) {
		rc = bind_fail(s, src, err);
		goto out;
	}
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		tally_entry_row *r = NULL;
		uint32_t rst = col_u32(q, 1);
		int state = sqlite3_column_int(q, 6);

		if (rst >= e->n_stations || state < TALLY_ENTRY_PENDING ||
		    state > TALLY_ENTRY_DISCARDED) {
			rc = corrupt(s, err, "an entry names no station or has an unknown state");
			goto out;
		}
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			tally_entry_row *nr = tally_realloc(rows, ncap * sizeof *rows);

			if (!nr) {
				rc = oom(err);
				goto out;
			}
			rows = nr;
			cap = ncap;
		}
		r = &rows[len];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(q, 0);
		r->station = rst;
		r->version = col_u32(q, 2);
		copy_field(r->operator_id, sizeof r->operator_id, col_text(q, 3));
		copy_field(r->reason, sizeof r->reason, col_text(q, 4));
		copy_field(r->created, sizeof r->created, col_text(q, 5));
		r->state = (tally_entry_state)state;
		if ((rc = unpack_stored(s, e, rst, q, 7, &r->p, err)) != TALLY_OK)
			goto out;
		len++;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	*out = rows;
	*n = len;
	rows = NULL;
out:
	if (q)
		sqlite3_reset(q);
	tally_store_rows_free(rows, len);
	return rc;
}

/* A list of uint32_t grown by doubling. */
static int push_u32(uint32_t **v, size_t *len, size_t *cap, uint32_t x)
{
	if (*len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		uint32_t *nv = tally_realloc(*v, ncap * sizeof **v);

		if (!nv)
			return TALLY_ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*len)++] = x;
	return TALLY_OK;
}

int tally_store_conflicts(tally_store *s, const tally_election *e, uint32_t **out, size_t *n,
                          tally_error *err)
{
	sqlite3_stmt *q = NULL;
	uint32_t *v = NULL;
	size_t len = 0, cap = 0;
	int rc = TALLY_OK, src = 0;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if ((rc = stmt(s, Q_CONFLICTS, &q, err)) != TALLY_OK)
		goto out;
	while ((src = sqlite3_step(q)) == SQLITE_ROW)
		if (push_u32(&v, &len, &cap, col_u32(q, 0)) != TALLY_OK) {
			rc = oom(err);
			goto out;
		}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	*out = v; /* caller frees with tally_free */
	*n = len;
	v = NULL;
out:
	if (q)
		sqlite3_reset(q);
	tally_free(v);
	return rc;
}

int tally_store_resolve(tally_store *s, const tally_election *e, uint32_t st, int64_t keep_id,
                        const char *who, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	station_load ld;
	char now[32] = "";
	unsigned char *vals = NULL;
	size_t vlen = 0;
	int keep = -1, rc = TALLY_OK, b = 0;

	memset(&ld, 0, sizeof ld);
	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if ((rc = id_arg(who, "the resolver's id", err)) != TALLY_OK)
		return rc;
	if (st >= e->n_stations)
		return tally_error_set(err, TALLY_ENOTFOUND, "P015", s->path,
		                       "no station with index %u", st);
	now_utc(now);
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		return rc;
	if ((rc = load_station(s, e, st, &ld, err)) != TALLY_OK)
		goto out;
	if (ld.state != TALLY_ST_CONFLICT) {
		rc = tally_error_set(err, TALLY_ENOTFOUND, "P015", e->stations[st].id,
		                     "the station is not in conflict; there is nothing to resolve");
		goto out;
	}
	for (int k = 0; k < 2; k++)
		if (keep_id != 0 && ld.open_id[k] == keep_id)
			keep = k;
	if (keep_id != 0 && keep < 0) {
		rc = tally_error_set(err, TALLY_ENOTFOUND, "P015", e->stations[st].id,
		                     "entry %lld is not one of the station's disputed entries "
		                     "(%lld, %lld)", (long long)keep_id, (long long)ld.open_id[0],
		                     (long long)ld.open_id[1]);
		goto out;
	}

	if (keep >= 0) {
		if (tally_protocol_pack(&ld.open[keep], &vals, &vlen) != TALLY_OK) {
			rc = oom(err);
			goto out;
		}
		rc = set_entry(s, ld.open_id[keep], TALLY_ENTRY_ACCEPTED, err);
		if (rc == TALLY_OK)
			rc = set_entry(s, ld.open_id[1 - keep], TALLY_ENTRY_DISCARDED, err);
		if (rc == TALLY_OK)
			rc = accept_version(s, st, ld.version + 1, ld.open_id[keep], vals, vlen,
			                    ld.open_reason[keep], now, err);
		if (rc == TALLY_OK) {
			tally_entry en;

			memset(&en, 0, sizeof en);
			en.p = ld.open[keep];
			copy_field(en.operator_id, sizeof en.operator_id, ld.open_op[keep]);
			copy_field(en.reason, sizeof en.reason, ld.open_reason[keep]);
			rc = log_protocol(s, e, &en, ld.version + 1, NULL, NULL, err);
		}
	} else {
		/* both set aside: the station is entered again from scratch, or
		 * keeps its earlier accepted version */
		rc = set_entry(s, ld.open_id[0], TALLY_ENTRY_DISCARDED, err);
		if (rc == TALLY_OK)
			rc = set_entry(s, ld.open_id[1], TALLY_ENTRY_DISCARDED, err);
	}
	if (rc != TALLY_OK)
		goto out;

	if ((rc = stmt(s, Q_RESOLUTION_INS, &q, err)) != TALLY_OK)
		goto out;
	b |= sqlite3_bind_int64(q, 1, st);
	b |= keep >= 0 ? sqlite3_bind_int64(q, 2, ld.open_id[keep]) : sqlite3_bind_null(q, 2);
	b |= bind_text(q, 3, who);
	b |= bind_text(q, 4, now);
	if (b) {
		rc = bind_fail(s, b, err);
		goto out;
	}
	if ((rc = step_done(s, q, err)) != TALLY_OK)
		goto out;
	rc = tx_commit(s, err);
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	station_load_release(&ld);
	tally_free(vals);
	return rc;
}

/* ==== Annulment ==== */

static int annul(tally_store *s, const tally_election *e, int kind, uint32_t target,
                 const char *reason, const char *who, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	char now[32] = "";
	const char *what = kind == 0 ? "station" : "constituency";
	const char *tid = NULL;
	int rc = TALLY_OK, src = 0, b = 0;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if (target >= (kind == 0 ? e->n_stations : e->n_constituencies))
		return tally_error_set(err, TALLY_ENOTFOUND, S_NOTARGET, s->path,
		                       "no %s with index %u", what, target);
	tid = kind == 0 ? e->stations[target].id : e->constituencies[target].id;
	if (!reason || !reason[0])
		return tally_error_set(err, TALLY_EINVAL, "A002", tid,
		                       "an annulment needs a reason (the decision that orders it)");
	if (strlen(reason) > TALLY_MAX_REASON_LEN)
		return tally_error_set(err, TALLY_EINVAL, "P017", tid,
		                       "the reason is longer than %d bytes", TALLY_MAX_REASON_LEN);
	if ((rc = id_arg(who, "the annulling person's id", err)) != TALLY_OK)
		return rc;
	now_utc(now);
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		return rc;
	if ((rc = stmt(s, Q_ANNUL_INS, &q, err)) != TALLY_OK)
		goto out;
	b |= sqlite3_bind_int(q, 1, kind);
	b |= sqlite3_bind_int64(q, 2, target);
	b |= bind_text(q, 3, reason);
	b |= bind_text(q, 4, who);
	b |= bind_text(q, 5, now);
	if (b) {
		rc = bind_fail(s, b, err);
		goto out;
	}
	src = sqlite3_step(q);
	if ((src & 0xff) == SQLITE_CONSTRAINT)
		rc = tally_error_set(err, TALLY_ECONFLICT, "A001", tid, "the %s is already annulled",
		                     what);
	else if (src != SQLITE_DONE)
		rc = db_fail(s, err);
	sqlite3_reset(q);
	if (rc == TALLY_OK) {
		tally_log_entry le;

		memset(&le, 0, sizeof le);
		le.type = TALLY_LOG_ANNULMENT;
		le.u.annulment.kind = (uint8_t)kind;
		copy_field(le.u.annulment.target, sizeof le.u.annulment.target, tid);
		copy_field(le.u.annulment.who, sizeof le.u.annulment.who, who);
		copy_field(le.u.annulment.reason, sizeof le.u.annulment.reason, reason);
		rc = log_append(s, &le, NULL, err);
	}
	if (rc == TALLY_OK)
		rc = tx_commit(s, err);
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	return rc;
}

int tally_store_annul_station(tally_store *s, const tally_election *e, uint32_t st,
                              const char *reason, const char *who, tally_error *err)
{
	return annul(s, e, 0, st, reason, who, err);
}

int tally_store_annul_constituency(tally_store *s, const tally_election *e, uint32_t c,
                                   const char *reason, const char *who, tally_error *err)
{
	return annul(s, e, 1, c, reason, who, err);
}

/* "*out" is freed with tally_free. */
int tally_store_annulments(tally_store *s, const tally_election *e, tally_annulment_row **out,
                           size_t *n, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_annulment_row *rows = NULL;
	size_t len = 0, cap = 0;
	int rc = TALLY_OK, src = 0;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if ((rc = stmt(s, Q_ANNUL_ALL, &q, err)) != TALLY_OK)
		goto out;
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		tally_annulment_row *r = NULL;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			tally_annulment_row *nr = tally_realloc(rows, ncap * sizeof *rows);

			if (!nr) {
				rc = oom(err);
				goto out;
			}
			rows = nr;
			cap = ncap;
		}
		r = &rows[len++];
		memset(r, 0, sizeof *r);
		r->kind = sqlite3_column_int(q, 0);
		r->target = col_u32(q, 1);
		copy_field(r->reason, sizeof r->reason, col_text(q, 2));
		copy_field(r->who, sizeof r->who, col_text(q, 3));
		copy_field(r->created, sizeof r->created, col_text(q, 4));
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	*out = rows;
	*n = len;
	rows = NULL;
out:
	if (q)
		sqlite3_reset(q);
	tally_free(rows);
	return rc;
}

/* ==== Intraday turnout ==== */

/* turnout_one checks report "t" against what is stored for its station
 * (earlier reports of the batch included: they are already inserted in
 * this transaction) and inserts it unless it repeats one. */
static int turnout_one(tally_store *s, const tally_election *e, const tally_turnout *t,
                       const char *now, size_t *stored, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_turnout known[TALLY_MAX_TURNOUT_REPORTS];
	size_t n_known = 0;
	bool dup = false;
	int rc = TALLY_OK, src = 0, b = 0;

	memset(known, 0, sizeof known);
	if (t->station >= e->n_stations)
		return tally_error_set(err, TALLY_ENOTFOUND, "T005", NULL,
		                       "no station with index %u", t->station);
	if (t->minute > 1439)
		return tally_error_set(err, TALLY_EINVAL, "T001", e->stations[t->station].id,
		                       "minute %u is not a time of day (0 to 1439)", t->minute);
	if (t->voters > e->stations[t->station].registered)
		return tally_error_set(err, TALLY_EINVAL, "T002", e->stations[t->station].id,
		                       "%llu voters is more than the %llu registered",
		                       (unsigned long long)t->voters,
		                       (unsigned long long)e->stations[t->station].registered);
	if ((rc = stmt(s, Q_TURNOUT_ST, &q, err)) != TALLY_OK)
		return rc;
	if ((src = sqlite3_bind_int64(q, 1, t->station)) != SQLITE_OK) {
		rc = bind_fail(s, src, err);
		goto out;
	}
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		if (n_known == TALLY_MAX_TURNOUT_REPORTS) {
			rc = corrupt(s, err, "a station has too many turnout reports");
			goto out;
		}
		known[n_known].station = t->station;
		known[n_known].minute = col_u32(q, 0);
		known[n_known].voters = col_u64(q, 1);
		n_known++;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	sqlite3_reset(q);
	q = NULL;
	if ((rc = tally_turnout_check(e, t, known, n_known, &dup, err)) != TALLY_OK)
		goto out;
	if (dup)
		goto out;
	if (n_known == TALLY_MAX_TURNOUT_REPORTS) {
		rc = tally_error_set(err, TALLY_ELIMIT, "T007", e->stations[t->station].id,
		                     "a station has at most %d turnout reports",
		                     TALLY_MAX_TURNOUT_REPORTS);
		goto out;
	}
	if ((rc = stmt(s, Q_TURNOUT_INS, &q, err)) != TALLY_OK)
		goto out;
	b |= sqlite3_bind_int64(q, 1, t->station);
	b |= sqlite3_bind_int64(q, 2, t->minute);
	b |= bind_u64(q, 3, t->voters);
	b |= bind_text(q, 4, now);
	if (b) {
		rc = bind_fail(s, b, err);
		goto out;
	}
	if ((rc = step_done(s, q, err)) != TALLY_OK)
		goto out;
	(*stored)++;
out:
	if (q)
		sqlite3_reset(q);
	return rc;
}

int tally_store_turnout_add(tally_store *s, const tally_election *e, const tally_turnout *t,
                            size_t n, size_t *stored, tally_error *err)
{
	char now[32] = "";
	size_t count = 0;
	int rc = TALLY_OK;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	now_utc(now);
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = turnout_one(s, e, &t[i], now, &count, err)) != TALLY_OK)
			goto out;
	rc = tx_commit(s, err);
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	else if (stored)
		*stored = count;
	return rc;
}

/* "*out" is freed with tally_free. */
int tally_store_turnout(tally_store *s, const tally_election *e, tally_turnout **out,
                        size_t *n, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_turnout *v = NULL;
	size_t len = 0, cap = 0;
	int rc = TALLY_OK, src = 0;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if ((rc = stmt(s, Q_TURNOUT_ALL, &q, err)) != TALLY_OK)
		goto out;
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			tally_turnout *nv = tally_realloc(v, ncap * sizeof *v);

			if (!nv) {
				rc = oom(err);
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		v[len].station = col_u32(q, 0);
		v[len].minute = col_u32(q, 1);
		v[len].voters = col_u64(q, 2);
		len++;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	*out = v;
	*n = len;
	v = NULL;
out:
	if (q)
		sqlite3_reset(q);
	tally_free(v);
	return rc;
}

/* ==== Counting ==== */

/* unpack_into decodes a stored protocol of station "st" into "p", whose
 * arrays have room for "room" values, without allocating: the count reads
 * a million of them. The form is the one protocol.h documents for
 * tally_protocol_pack (every line, then every candidate, as unsigned LEB128
 * varints); tally_protocol_unpack reads it everywhere else. */
static int unpack_into(tally_store *s, const tally_election *e, uint32_t st,
                       const unsigned char *buf, size_t len, tally_protocol *p, size_t room,
                       tally_error *err)
{
	uint32_t nl = e->tmpl->n_lines;
	uint32_t nc = e->constituencies[e->stations[st].constituency].n_candidates;
	size_t at = 0;

	TALLY_ASSERT((size_t)nl + nc <= room);
	p->station = st;
	p->n_lines = nl;
	p->n_cand = nc;
	p->cand = p->lines + nl;
	for (size_t i = 0; i < (size_t)nl + nc; i++) {
		uint64_t v = 0;
		unsigned shift = 0;

		for (;;) {
			unsigned char byte = 0;

			if (at >= len || shift > 63)
				return corrupt(s, err, "a stored protocol is damaged");
			byte = buf[at++];
			v |= (uint64_t)(byte & 0x7f) << shift;
			shift += 7;
			if (!(byte & 0x80))
				break;
		}
		p->lines[i] = v;
	}
	if (at != len)
		return corrupt(s, err, "a stored protocol has trailing bytes");
	return TALLY_OK;
}

static int count_all(tally_store *s, const tally_election *e, tally_results *r,
                     tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_protocol p;
	size_t room = e->tmpl->n_lines;
	uint32_t last = TALLY_NONE;
	int rc = TALLY_OK, src = 0;

	memset(&p, 0, sizeof p);
	/* one buffer for every station: lines, then the largest ballot */
	for (uint32_t c = 0, most = 0; c < e->n_constituencies; c++)
		if (e->constituencies[c].n_candidates > most) {
			most = e->constituencies[c].n_candidates;
			room = (size_t)e->tmpl->n_lines + most;
		}
	p.lines = tally_calloc(room + 1, sizeof *p.lines);
	if (!p.lines)
		return oom(err);
	if ((rc = stmt(s, Q_COUNT, &q, err)) != TALLY_OK)
		goto out;
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		uint32_t st = col_u32(q, 0);

		if (st == last)
			continue; /* an older version */
		last = st;
		if (st >= e->n_stations) {
			rc = corrupt(s, err, "a protocol names no station");
			goto out;
		}
		rc = unpack_into(s, e, st, sqlite3_column_blob(q, 2),
		                 (size_t)sqlite3_column_bytes(q, 2), &p, room, err);
		if (rc == TALLY_OK)
			rc = tally_results_add(r, &p, col_u32(q, 1), err);
		if (rc != TALLY_OK)
			goto out;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;

	if ((rc = stmt(s, Q_ANNUL_ALL, &q, err)) != TALLY_OK)
		goto out;
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		uint32_t target = col_u32(q, 1);

		if (sqlite3_column_int(q, 0) == 0 && target < e->n_stations)
			tally_results_annul_station(r, target);
		else if (sqlite3_column_int(q, 0) == 1 && target < e->n_constituencies)
			tally_results_annul_constituency(r, target);
		else {
			rc = corrupt(s, err, "an annulment names nothing");
			goto out;
		}
	}
	rc = loop_end(s, src, err);
out:
	if (q)
		sqlite3_reset(q);
	tally_free(p.lines);
	return rc;
}

int tally_store_count(tally_store *s, const tally_election *e, tally_results **out,
                      tally_error *err)
{
	tally_results *r = NULL;
	int rc = TALLY_OK;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if (tally_results_new(e, &r) != TALLY_OK)
		return oom(err);
	/* one read transaction: protocols and annulments from the same moment */
	if ((rc = run(s, Q_BEGIN_READ, err)) != TALLY_OK)
		goto out;
	rc = count_all(s, e, r, err);
	if (rc == TALLY_OK)
		rc = tx_commit(s, err);
	if (rc != TALLY_OK)
		goto out;
	if ((rc = tally_results_finish(r, err)) != TALLY_OK)
		goto out;
	*out = r;
	r = NULL;
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	tally_results_free(r);
	return rc;
}

/* ==== Import ==== */

/* stations_with_entries marks, in a bitmap of e->n_stations bits, the
 * stations that have entries. "*out" is freed with tally_free. */
static int stations_with_entries(tally_store *s, const tally_election *e, unsigned char **out,
                                 tally_error *err)
{
	sqlite3_stmt *q = NULL;
	unsigned char *bits = tally_calloc((size_t)e->n_stations / 8 + 1, 1);
	int rc = TALLY_OK, src = 0;

	if (!bits)
		return oom(err);
	if ((rc = stmt(s, Q_ENTRY_STATIONS, &q, err)) != TALLY_OK)
		goto out;
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		uint32_t st = col_u32(q, 0);

		if (st >= e->n_stations) {
			rc = corrupt(s, err, "an entry names no station");
			goto out;
		}
		bits[st / 8] = (unsigned char)(bits[st / 8] | (1u << (st % 8)));
	}
	rc = loop_end(s, src, err);
out:
	if (q)
		sqlite3_reset(q);
	if (rc == TALLY_OK)
		*out = bits;
	else
		tally_free(bits);
	return rc;
}

/* import_rows inserts protocols[0..rows) (already checked and packed into
 * vals/lens) as version 1 of their stations: with one statement when rows
 * is STORE_BATCH, else one by one, which names the station a failure is
 * about. */
static int import_rows(tally_store *s, const tally_election *e, const tally_protocol *protocols,
                       uint32_t rows, int64_t import_id, unsigned char *const *vals,
                       const size_t *lens, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = TALLY_OK, src = 0, b = 0;

	if (rows == STORE_BATCH) {
		if ((rc = stmt(s, Q_IMPORT_INS_N, &q, err)) != TALLY_OK)
			return rc;
		for (uint32_t k = 0; k < rows; k++) {
			b |= sqlite3_bind_int64(q, (int)k * 3 + 1, protocols[k].station);
			b |= sqlite3_bind_int64(q, (int)k * 3 + 2, import_id);
			b |= bind_blob(q, (int)k * 3 + 3, vals[k], lens[k]);
		}
		if (b)
			return bind_fail(s, b, err);
		src = sqlite3_step(q);
		sqlite3_reset(q);
		if (src == SQLITE_DONE)
			return TALLY_OK;
		if ((src & 0xff) != SQLITE_CONSTRAINT)
			return db_fail(s, err);
		/* the failed statement changed nothing; again row by row, to
		 * find the station */
	}
	if ((rc = stmt(s, Q_IMPORT_INS, &q, err)) != TALLY_OK)
		return rc;
	for (uint32_t k = 0; k < rows; k++) {
		uint32_t st = protocols[k].station;

		b |= sqlite3_bind_int64(q, 1, st);
		b |= sqlite3_bind_int64(q, 2, import_id);
		b |= bind_blob(q, 3, vals[k], lens[k]);
		if (b)
			return bind_fail(s, b, err);
		src = sqlite3_step(q);
		if (src != SQLITE_DONE) {
			/* the key refuses a station that has an accepted version
			 * (imported before, or twice in this import) */
			if ((src & 0xff) == SQLITE_CONSTRAINT)
				rc = tally_error_set(err, TALLY_ECONFLICT, S_IMPORTED, e->stations[st].id,
				                     "the station already has an accepted protocol");
			else
				rc = db_fail(s, err);
			sqlite3_reset(q);
			return rc;
		}
		sqlite3_reset(q);
	}
	return TALLY_OK;
}

/* An import writes one imports row and one small protocols row per station
 * (version 1, pointing at the import) and, when the store was created to
 * log imports, each protocol's log entry (the canonical JSON of the
 * protocol, as for an unsigned accepted entry), in one transaction. Without
 * the log a million stations take about a second; with it, several times
 * as long. */
int tally_store_import(tally_store *s, const tally_election *e, const tally_protocol *protocols,
                       size_t n, const char *operator_id, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	unsigned char *vals[STORE_BATCH];
	size_t lens[STORE_BATCH];
	unsigned char *busy = NULL;
	tally_entry *imp = NULL;  /* the logged form of each imported protocol */
	uint32_t n_vals = 0;
	char now[32] = "";
	int64_t import_id = 0;
	int rc = TALLY_OK, b = 0;

	memset(vals, 0, sizeof vals);
	memset(lens, 0, sizeof lens);
	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if ((rc = id_arg(operator_id, "the importing operator's id", err)) != TALLY_OK)
		return rc;
	if (n > TALLY_MAX_STATIONS)
		return tally_error_set(err, TALLY_ELIMIT, "", s->path,
		                       "an import holds at most %d stations", TALLY_MAX_STATIONS);
	now_utc(now);
	if (!(imp = tally_calloc(1, sizeof *imp)))
		return oom(err);
	copy_field(imp->operator_id, sizeof imp->operator_id, operator_id);
	/* the mark 'tally verify' knows imported data by (docs/log-format.md) */
	copy_field(imp->reason, sizeof imp->reason, "imported");
	if ((rc = tx_begin(s, err)) != TALLY_OK) {
		tally_free(imp);
		return rc;
	}
	if ((rc = stations_with_entries(s, e, &busy, err)) != TALLY_OK)
		goto out;
	if ((rc = stmt(s, Q_IMPORT_NEW, &q, err)) != TALLY_OK)
		goto out;
	b |= bind_text(q, 1, operator_id);
	b |= bind_text(q, 2, now);
	if (b || (rc = step_done(s, q, err)) != TALLY_OK)
		goto out;
	import_id = sqlite3_last_insert_rowid(s->db);

	for (size_t i = 0; i < n;) {
		const tally_protocol *chunk = &protocols[i];
		uint32_t rows = n - i >= STORE_BATCH ? STORE_BATCH : 1;

		for (n_vals = 0; n_vals < rows; n_vals++) {
			const tally_protocol *p = &chunk[n_vals];
			uint32_t st = p->station;

			if ((rc = protocol_ok(e, p, err)) != TALLY_OK)
				goto out;
			if (busy[st / 8] & (1u << (st % 8))) {
				rc = tally_error_set(err, TALLY_ECONFLICT, S_IMPORTED, e->stations[st].id,
				                     "the station already has entries; an import only "
				                     "fills stations with none");
				goto out;
			}
			/* logged as version 1, in this transaction, like an accepted entry */
			imp->p = *p;
			if (s->log_imports && (rc = log_protocol(s, e, imp, 1, NULL, NULL, err)) != TALLY_OK)
				goto out;
			if (tally_protocol_pack(p, &vals[n_vals], &lens[n_vals]) != TALLY_OK) {
				rc = oom(err);
				goto out;
			}
		}
		rc = import_rows(s, e, chunk, rows, import_id, vals, lens, err);
		for (uint32_t k = 0; k < n_vals; k++) {
			tally_free(vals[k]);
			vals[k] = NULL;
		}
		n_vals = 0;
		if (rc != TALLY_OK)
			goto out;
		i += rows;
	}

	if ((rc = stmt(s, Q_IMPORT_DONE, &q, err)) != TALLY_OK)
		goto out;
	b |= sqlite3_bind_int64(q, 1, import_id);
	b |= bind_u64(q, 2, n);
	if (b || (rc = step_done(s, q, err)) != TALLY_OK)
		goto out;
	rc = tx_commit(s, err);
out:
	if (b && rc == TALLY_OK)
		rc = bind_fail(s, b, err);
	if (rc != TALLY_OK)
		tx_rollback(s);
	for (uint32_t k = 0; k < STORE_BATCH; k++)
		tally_free(vals[k]);
	tally_free(busy);
	tally_free(imp);
	return rc;
}

/* ==== The transparency log ==== */

/* Log error codes of the store (docs/log-format.md). */
#define L_NOT_EXTENDING "L017" /* a checkpoint that would not extend the last one */
#define L_DAMAGED "L018"       /* a stored entry no longer gives its leaf hash */
#define L_NO_KEY "L019"        /* a signed submission for a station without a key */
#define L_HAS_KEY "L020"       /* a second key for a station */

/* log_reject logs a refused signed submission as evidence. */
static int log_reject(tally_store *s, const tally_election *e, const tally_entry *en,
                      const tally_store_signed *sb, const tally_error *why, tally_error *err)
{
	tally_log_entry le;
	size_t n = 0;

	memset(&le, 0, sizeof le);
	le.type = TALLY_LOG_REJECTED;
	copy_field(le.u.rejected.station, sizeof le.u.rejected.station,
	           e->stations[en->p.station].id);
	tally_log_key_id(sb->pub, &le.u.rejected.key_id);
	memcpy(le.u.rejected.sig, sb->sig, sizeof le.u.rejected.sig);
	le.u.rejected.body.p = sb->body;
	le.u.rejected.body.len = sb->len;
	/* the entry's code field takes [A-Z0-9] only */
	for (const char *c = why->code; *c && n + 1 < sizeof le.u.rejected.code; c++)
		if ((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
			le.u.rejected.code[n++] = *c;
	copy_field(le.u.rejected.reason, sizeof le.u.rejected.reason,
	           why->msg[0] ? why->msg : "refused");
	for (char *c = le.u.rejected.reason; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\n')
			*c = ' ';
	return log_append(s, &le, NULL, err);
}

/* station_key reads station "st"'s registered key; "*found" says whether
 * it has one. */
static int station_key(tally_store *s, uint32_t st, uint8_t pub[32], bool *found,
                       tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = stmt(s, Q_KEY_GET, &q, err), src = 0;

	*found = false;
	if (rc)
		return rc;
	if ((src = sqlite3_bind_int64(q, 1, st)) != SQLITE_OK) {
		rc = bind_fail(s, src, err);
		goto out;
	}
	src = sqlite3_step(q);
	if (src == SQLITE_ROW) {
		if (sqlite3_column_bytes(q, 0) != 32) {
			rc = corrupt(s, err, "a station key is not 32 bytes");
			goto out;
		}
		memcpy(pub, sqlite3_column_blob(q, 0), 32);
		*found = true;
	} else if (src != SQLITE_DONE) {
		rc = db_fail(s, err);
	}
out:
	sqlite3_reset(q);
	return rc;
}

int tally_store_submit_signed(tally_store *s, const tally_election *e, const tally_entry *en,
                              const tally_store_signed *sb, tally_submit_outcome *out,
                              tally_error *err)
{
	char now[32] = "";
	uint8_t pub[32];
	bool found = false;
	int rc = TALLY_OK;
	tally_election single;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	memset(out, 0, sizeof *out);
	if (en->p.station >= e->n_stations)
		return tally_error_set(err, TALLY_ENOTFOUND, "P005", NULL,
		                       "no station with index %u", en->p.station);
	now_utc(now);
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		return rc;
	if ((rc = station_key(s, en->p.station, pub, &found, err)) != TALLY_OK)
		goto out;
	if (!found) {
		out->status = tally_error_set(&out->err, TALLY_EINVAL, L_NO_KEY,
		                              e->stations[en->p.station].id,
		                              "the station has no registered key; register one with "
		                              "'tally keys register' first");
	} else if (memcmp(pub, sb->pub, 32) != 0 ||
	           !tally_ed25519_verify(pub, sb->body, sb->len, sb->sig)) {
		out->status = tally_error_set(&out->err, TALLY_EINVAL, "L014",
		                              e->stations[en->p.station].id,
		                              "the signature does not verify under the station's "
		                              "registered key; the protocol is refused and kept as "
		                              "evidence");
	} else {
		/* a signed protocol is the commission's own: no second entry */
		single = *e;
		single.double_entry = false;
		if ((rc = submit_one(s, &single, en, sb, now, out, err)) != TALLY_OK)
			goto out;
	}
	if (out->status != TALLY_OK && (rc = log_reject(s, e, en, sb, &out->err, err)) != TALLY_OK)
		goto out;
	rc = tx_commit(s, err);
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	return rc;
}

int tally_store_key_register(tally_store *s, const tally_election *e, uint32_t st,
                             const uint8_t pub[32], uint64_t *index, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_log_entry le;
	uint64_t idx = 0;
	int rc = TALLY_OK, src = 0, b = 0;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if (st >= e->n_stations)
		return tally_error_set(err, TALLY_ENOTFOUND, S_NOTARGET, s->path,
		                       "no station with index %u", st);
	memset(&le, 0, sizeof le);
	le.type = TALLY_LOG_KEY;
	copy_field(le.u.key.station, sizeof le.u.key.station, e->stations[st].id);
	memcpy(le.u.key.pub, pub, 32);
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		return rc;
	if ((rc = log_append(s, &le, &idx, err)) != TALLY_OK)
		goto out;
	if ((rc = stmt(s, Q_KEY_INS, &q, err)) != TALLY_OK)
		goto out;
	b |= sqlite3_bind_int64(q, 1, st);
	b |= bind_blob(q, 2, pub, 32);
	b |= bind_u64(q, 3, idx);
	if (b) {
		rc = bind_fail(s, b, err);
		goto out;
	}
	src = sqlite3_step(q);
	sqlite3_reset(q);
	if ((src & 0xff) == SQLITE_CONSTRAINT) {
		rc = tally_error_set(err, TALLY_ECONFLICT, L_HAS_KEY, e->stations[st].id,
		                     "the station already has a registered key");
		goto out;
	}
	if (src != SQLITE_DONE) {
		rc = db_fail(s, err);
		goto out;
	}
	if ((rc = tx_commit(s, err)) == TALLY_OK && index)
		*index = idx;
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	return rc;
}

int tally_store_publish(tally_store *s, const tally_election *e, uint64_t *index,
                        uint64_t *covered, char **text, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_results *r = NULL;
	tally_log_entry le;
	char *st = NULL;
	size_t len = 0;
	uint64_t size = 0, idx = 0;
	int rc = TALLY_OK;

	if ((rc = check_election(s, e, err)) != TALLY_OK)
		return rc;
	if (tally_results_new(e, &r) != TALLY_OK)
		return oom(err);
	/* one write transaction: the statement covers exactly the entries
	 * before it, counted from the same moment */
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		goto out;
	if ((rc = count_all(s, e, r, err)) != TALLY_OK)
		goto out;
	if ((rc = tally_results_finish(r, err)) != TALLY_OK)
		goto out;
	if ((rc = stmt(s, Q_LOG_NEXT, &q, err)) != TALLY_OK)
		goto out;
	if (sqlite3_step(q) != SQLITE_ROW) {
		rc = db_fail(s, err);
		sqlite3_reset(q);
		goto out;
	}
	size = col_u64(q, 0);
	sqlite3_reset(q);
	if (tally_results_statement(r, size, &st, &len) != TALLY_OK) {
		rc = oom(err);
		goto out;
	}
	memset(&le, 0, sizeof le);
	le.type = TALLY_LOG_RESULTS;
	le.u.results.tree_size = size;
	le.u.results.statement.p = (const uint8_t *)st;
	le.u.results.statement.len = len;
	if ((rc = log_append(s, &le, &idx, err)) != TALLY_OK)
		goto out;
	if ((rc = tx_commit(s, err)) != TALLY_OK)
		goto out;
	*index = idx;
	*covered = size;
	if (text) {
		*text = st;
		st = NULL;
	}
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	tally_free(st);
	tally_results_free(r);
	return rc;
}

int tally_store_log_tree(tally_store *s, const tally_merkle_tree **out, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_merkle_tree *t = NULL;
	uint64_t want = 0;
	int rc = TALLY_OK, src = 0;

	if (s->tree && sqlite3_get_autocommit(s->db)) {
		/* another connection (the command line beside `tally serve`) may
		 * have appended: reload when the stored log has another size */
		uint64_t next = 0;
		if ((rc = stmt(s, Q_LOG_NEXT, &q, err)) != TALLY_OK)
			return rc;
		src = sqlite3_step(q);
		if (src == SQLITE_ROW)
			next = col_u64(q, 0);
		sqlite3_reset(q);
		q = NULL;
		if (src != SQLITE_ROW)
			return db_fail(s, err);
		if (next != tally_merkle_tree_size(s->tree)) {
			tally_merkle_tree_free(s->tree);
			s->tree = NULL;
		}
	}
	if (s->tree) {
		*out = s->tree;
		return TALLY_OK;
	}
	if (tally_merkle_tree_new(&t) != TALLY_OK)
		return oom(err);
	if ((rc = stmt(s, Q_LOG_LEAVES, &q, err)) != TALLY_OK)
		goto out;
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		tally_hash h;

		if (col_u64(q, 0) != want++ || sqlite3_column_bytes(q, 1) != TALLY_HASH_SIZE) {
			rc = corrupt(s, err, "the log has a gap or a leaf hash of the wrong size");
			goto out;
		}
		memcpy(h.b, sqlite3_column_blob(q, 1), TALLY_HASH_SIZE);
		if ((rc = tally_merkle_tree_append_hash(t, &h, NULL, err)) != TALLY_OK)
			goto out;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	s->tree = t;
	t = NULL;
	*out = s->tree;
out:
	if (q)
		sqlite3_reset(q);
	tally_merkle_tree_free(t);
	return rc;
}

int tally_store_log_entry(tally_store *s, uint64_t idx, uint8_t **bytes, size_t *len,
                          tally_hash *leaf, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	uint8_t *b = NULL;
	size_t n = 0;
	tally_hash h, stored;
	int rc = stmt(s, Q_LOG_GET, &q, err), src = 0;

	if (rc)
		return rc;
	if ((src = bind_u64(q, 1, idx)) != SQLITE_OK) {
		rc = bind_fail(s, src, err);
		goto out;
	}
	src = sqlite3_step(q);
	if (src == SQLITE_DONE) {
		rc = tally_error_set(err, TALLY_ENOTFOUND, S_NOTARGET, s->path,
		                     "the log has no entry %llu", (unsigned long long)idx);
		goto out;
	}
	if (src != SQLITE_ROW) {
		rc = db_fail(s, err);
		goto out;
	}
	n = (size_t)sqlite3_column_bytes(q, 0);
	if (sqlite3_column_bytes(q, 1) != TALLY_HASH_SIZE) {
		rc = corrupt(s, err, "a leaf hash of the wrong size");
		goto out;
	}
	memcpy(stored.b, sqlite3_column_blob(q, 1), TALLY_HASH_SIZE);
	b = tally_malloc(n + 1);
	if (!b) {
		rc = oom(err);
		goto out;
	}
	if (n)
		memcpy(b, sqlite3_column_blob(q, 0), n);
	tally_merkle_leaf_hash(b, n, &h);
	if (!tally_hash_equal(&h, &stored)) {
		rc = tally_error_set(err, TALLY_ESTORE, L_DAMAGED, s->path,
		                     "log entry %llu in the database no longer gives its leaf hash: "
		                     "the database was altered", (unsigned long long)idx);
		goto out;
	}
	*bytes = b;
	*len = n;
	b = NULL;
	if (leaf)
		*leaf = stored;
out:
	sqlite3_reset(q);
	tally_free(b);
	return rc;
}

int tally_store_checkpoint_add(tally_store *s, uint64_t size, const tally_hash *root,
                               const char *note, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	const tally_merkle_tree *t = NULL;
	char now[32] = "";
	int rc = TALLY_OK, src = 0, b = 0;

	now_utc(now);
	if ((rc = tally_store_log_tree(s, &t, err)) != TALLY_OK)
		return rc;
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		return rc;
	if ((rc = stmt(s, Q_CP_LAST, &q, err)) != TALLY_OK)
		goto out;
	src = sqlite3_step(q);
	if (src == SQLITE_ROW) {
		uint64_t last = col_u64(q, 0);
		tally_hash last_root, now_root;

		if (sqlite3_column_bytes(q, 1) != TALLY_HASH_SIZE) {
			sqlite3_reset(q);
			rc = corrupt(s, err, "a checkpoint root of the wrong size");
			goto out;
		}
		memcpy(last_root.b, sqlite3_column_blob(q, 1), TALLY_HASH_SIZE);
		sqlite3_reset(q);
		if (last > size || last > tally_merkle_tree_size(t) ||
		    (last > 0 && tally_merkle_tree_root(t, last, &now_root, NULL) != TALLY_OK) ||
		    (last > 0 && !tally_hash_equal(&now_root, &last_root))) {
			rc = tally_error_set(err, TALLY_ECONFLICT, L_NOT_EXTENDING, s->path,
			                     "the log no longer extends the last signed checkpoint (%llu "
			                     "entries): the stored log was altered; refusing to sign a "
			                     "second history", (unsigned long long)last);
			goto out;
		}
	} else if (src != SQLITE_DONE) {
		rc = db_fail(s, err);
		sqlite3_reset(q);
		goto out;
	} else {
		sqlite3_reset(q);
	}
	if ((rc = stmt(s, Q_CP_INS, &q, err)) != TALLY_OK)
		goto out;
	b |= bind_u64(q, 1, size);
	b |= bind_blob(q, 2, root->b, TALLY_HASH_SIZE);
	b |= bind_text(q, 3, note);
	b |= bind_text(q, 4, now);
	if (b) {
		rc = bind_fail(s, b, err);
		goto out;
	}
	if ((rc = step_done(s, q, err)) != TALLY_OK)
		goto out;
	rc = tx_commit(s, err);
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	return rc;
}

int tally_store_checkpoint_cosign(tally_store *s, uint64_t size, const tally_hash *root,
                                  const char *lines, size_t *added, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	char *note = NULL;
	int64_t id = 0;
	int rc, src, b = 0;
	size_t nl = 0, cap = 0;

	*added = 0;
	if ((rc = tx_begin(s, err)) != TALLY_OK)
		return rc;
	if ((rc = stmt(s, Q_CP_FIND, &q, err)) != TALLY_OK)
		goto out;
	b |= bind_u64(q, 1, size);
	b |= bind_blob(q, 2, root->b, TALLY_HASH_SIZE);
	if (b) {
		rc = bind_fail(s, b, err);
		goto out;
	}
	src = sqlite3_step(q);
	if (src == SQLITE_ROW) {
		id = sqlite3_column_int64(q, 0);
		note = tally_strdup(col_text(q, 1));
		sqlite3_reset(q);
		if (!note) {
			rc = oom(err);
			goto out;
		}
	} else {
		sqlite3_reset(q);
		if (src != SQLITE_DONE)
			rc = db_fail(s, err);
		else
			rc = tally_error_set(err, TALLY_ENOTFOUND, "L026", s->path, "no stored checkpoint "
			                     "of %llu entries with this root: the cosigned checkpoint is "
			                     "not one this log signed", (unsigned long long)size);
		goto out;
	}
	nl = strlen(note);
	cap = nl + strlen(lines) + 1;
	{
		char *nn = tally_realloc(note, cap);
		if (!nn) {
			rc = oom(err);
			goto out;
		}
		note = nn;
	}
	for (const char *l = lines; *l;) {
		const char *e = strchr(l, '\n');
		size_t ll = e ? (size_t)(e - l) + 1 : strlen(l);
		bool have = false;
		/* a line the stored note holds already is not added twice */
		for (const char *p = strstr(note, "\n\n"); p && !have; p = strchr(p + 1, '\n'))
			have = strncmp(p + 1, l, ll) == 0;
		if (!have && e) {
			memcpy(note + nl, l, ll);
			nl += ll;
			note[nl] = '\0';
			(*added)++;
		}
		l += ll;
	}
	if (*added) {
		if ((rc = stmt(s, Q_CP_SET, &q, err)) != TALLY_OK)
			goto out;
		b |= sqlite3_bind_int64(q, 1, id);
		b |= bind_text(q, 2, note);
		if (b) {
			rc = bind_fail(s, b, err);
			goto out;
		}
		if ((rc = step_done(s, q, err)) != TALLY_OK)
			goto out;
	}
	rc = tx_commit(s, err);
out:
	if (rc != TALLY_OK)
		tx_rollback(s);
	tally_free(note);
	return rc;
}

void tally_store_checkpoints_free(tally_checkpoint_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		tally_free(rows[i].note);
	tally_free(rows);
}

int tally_store_checkpoints(tally_store *s, tally_checkpoint_row **out, size_t *n,
                            tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_checkpoint_row *rows = NULL;
	size_t len = 0, cap = 0;
	int rc = stmt(s, Q_CP_ALL, &q, err), src = 0;

	if (rc)
		return rc;
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			tally_checkpoint_row *nr = tally_realloc(rows, ncap * sizeof *nr);

			if (!nr) {
				rc = oom(err);
				goto out;
			}
			rows = nr;
			cap = ncap;
		}
		rows[len].size = col_u64(q, 0);
		rows[len].note = tally_strdup(col_text(q, 1));
		if (!rows[len].note) {
			rc = oom(err);
			goto out;
		}
		len++;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	*out = rows;
	*n = len;
	rows = NULL;
out:
	sqlite3_reset(q);
	tally_store_checkpoints_free(rows, len);
	return rc;
}

/* ==== Tiles (src/server/routes_tiles.c) ==== */

int tally_store_checkpoint_last(tally_store *s, bool *found, uint64_t *size, tally_hash *root,
                                tally_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = stmt(s, Q_CP_LAST, &q, err), src = 0;

	if (rc)
		return rc;
	src = sqlite3_step(q);
	if (src == SQLITE_DONE) {
		*found = false;
	} else if (src != SQLITE_ROW) {
		rc = db_fail(s, err);
	} else if (sqlite3_column_bytes(q, 1) != TALLY_HASH_SIZE) {
		rc = corrupt(s, err, "a checkpoint root of the wrong size");
	} else {
		*found = true;
		*size = col_u64(q, 0);
		memcpy(root->b, sqlite3_column_blob(q, 1), TALLY_HASH_SIZE);
	}
	sqlite3_reset(q);
	return rc;
}

int tally_store_log_body(tally_store *s, const tally_hash *hash, uint8_t **bytes, size_t *len,
                         uint64_t *first, tally_error *err)
{
	sqlite3_stmt *q = NULL;
	uint8_t *b = NULL;
	size_t n = 0;
	tally_hash h;
	int rc = stmt(s, Q_BODY_GET, &q, err), src = 0;

	if (rc)
		return rc;
	if ((src = bind_blob(q, 1, hash->b, TALLY_HASH_SIZE)) != SQLITE_OK) {
		rc = bind_fail(s, src, err);
		goto out;
	}
	src = sqlite3_step(q);
	if (src == SQLITE_DONE) {
		rc = tally_error_set(err, TALLY_ENOTFOUND, S_NOTARGET, s->path,
		                     "the log holds no body of this SHA-256");
		goto out;
	}
	if (src != SQLITE_ROW) {
		rc = db_fail(s, err);
		goto out;
	}
	n = (size_t)sqlite3_column_bytes(q, 0);
	if (!(b = tally_malloc(n + 1))) {
		rc = oom(err);
		goto out;
	}
	if (n)
		memcpy(b, sqlite3_column_blob(q, 0), n);
	tally_sha256(b, n, &h);
	if (!tally_hash_equal(&h, hash)) {
		rc = tally_error_set(err, TALLY_ESTORE, L_DAMAGED, s->path,
		                     "a body of the log in the database no longer gives its SHA-256: "
		                     "the database was altered");
		goto out;
	}
	*bytes = b;
	*len = n;
	b = NULL;
	if (first)
		*first = col_u64(q, 1);
out:
	sqlite3_reset(q);
	tally_free(b);
	return rc;
}

int tally_store_log_bodies(tally_store *s, tally_log_body_row **out, size_t *n,
                           tally_error *err)
{
	sqlite3_stmt *q = NULL;
	tally_log_body_row *rows = NULL;
	size_t len = 0, cap = 0;
	int rc = stmt(s, Q_BODY_ALL, &q, err), src = 0;

	if (rc)
		return rc;
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(q, 1) != TALLY_HASH_SIZE) {
			rc = corrupt(s, err, "a body's hash of the wrong size");
			goto out;
		}
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			tally_log_body_row *nr = tally_realloc(rows, ncap * sizeof *nr);

			if (!nr) {
				rc = oom(err);
				goto out;
			}
			rows = nr;
			cap = ncap;
		}
		rows[len].idx = col_u64(q, 0);
		memcpy(rows[len].hash.b, sqlite3_column_blob(q, 1), TALLY_HASH_SIZE);
		len++;
	}
	if ((rc = loop_end(s, src, err)) != TALLY_OK)
		goto out;
	*out = rows;
	*n = len;
	rows = NULL;
out:
	sqlite3_reset(q);
	tally_free(rows);
	return rc;
}
