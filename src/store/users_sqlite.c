/* SPDX-License-Identifier: Apache-2.0 */
/*
 * users_sqlite.c: the SQLite implementation of users.h. The table "users"
 * sits in the election database, created on first use, and is reached
 * through a connection of its own (opened in serialised mode, so the
 * server's threads may share it), which keeps user handling out of
 * store_sqlite.c. A token is "tly_" and the hex of 32 random bytes; the
 * table keeps its SHA-256 only, so a copy of the database gives nobody a
 * usable token. Statements are prepared per call: these calls are few
 * (one token lookup per authenticated request) and it keeps the connection
 * free of shared statement state.
 */
#include "store/users.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define USERS_BUSY_MS 5000

struct tally_users {
	sqlite3 *db;
	sqlite3_stmt *audit;   /* the audit INSERT, prepared once */
	sqlite3_stmt *dv;      /* PRAGMA data_version, prepared once (every cached read asks) */
};

static const char USERS_SQL[] =
	"CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL, scope TEXT NOT NULL, token_sha256 BLOB NOT NULL UNIQUE,"
	" created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
	"CREATE TABLE IF NOT EXISTS api_writes(id INTEGER PRIMARY KEY, who TEXT NOT NULL,"
	" method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL,"
	" at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));";

static const char *const role_names[] = {"precinct", "constituency", "cec", "observer"};

const char *tally_role_name(tally_role r)
{
	return (unsigned)r < 4 ? role_names[r] : "?";
}

int tally_role_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

static int sql_error(tally_users *u, tally_error *err, const char *what)
{
	return tally_error_set(err, TALLY_ESTORE, "S004", what, "SQLite: %s",
	                       u && u->db ? sqlite3_errmsg(u->db) : "cannot open");
}

int tally_users_open(const char *path, tally_users **out, tally_error *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return tally_error_set(err, TALLY_ENOTFOUND, "S001", path,
		                       "no database here; create one with 'tally init'");
	tally_users *u = tally_calloc(1, sizeof *u);
	if (!u)
		return tally_error_set(err, TALLY_ENOMEM, "", path, "out of memory");
	int rc = TALLY_OK;
	if (sqlite3_open_v2(path, &u->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = sql_error(u, err, path);
		goto out;
	}
	sqlite3_busy_timeout(u->db, USERS_BUSY_MS);
	if (sqlite3_exec(u->db, "PRAGMA synchronous = FULL;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(u->db, USERS_SQL, NULL, NULL, NULL) != SQLITE_OK)
		rc = sql_error(u, err, path);
out:
	if (rc) {
		tally_users_close(u);
		return rc;
	}
	*out = u;
	return TALLY_OK;
}

void tally_users_close(tally_users *u)
{
	if (!u)
		return;
	sqlite3_finalize(u->audit);
	sqlite3_finalize(u->dv);
	sqlite3_close(u->db);
	tally_free(u);
}

static void token_hash(const char *token, size_t len, unsigned char h[32])
{
	crypto_hash_sha256(h, (const unsigned char *)token, len);
}

/* an operator id, as protocol.c accepts it (P016) */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TALLY_MAX_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		          strchr("._-:/@", c) != NULL;
		if (!ok)
			return false;
	}
	return true;
}

static void read_user(sqlite3_stmt *st, tally_user *out)
{
	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(st, 0);
	const char *t = (const char *)sqlite3_column_text(st, 1);
	snprintf(out->name, sizeof out->name, "%s", t ? t : "");
	int role = tally_role_parse((const char *)sqlite3_column_text(st, 2));
	out->role = role < 0 ? TALLY_ROLE_OBSERVER : (tally_role)role;
	t = (const char *)sqlite3_column_text(st, 3);
	snprintf(out->scope, sizeof out->scope, "%s", t ? t : "");
	t = (const char *)sqlite3_column_text(st, 4);
	snprintf(out->created, sizeof out->created, "%s", t ? t : "");
}

int tally_users_add(tally_users *u, tally_role role, const char *scope, const char *name,
                    char token[TALLY_TOKEN_LEN + 1], tally_user *out, tally_error *err)
{
	if (!valid_name(name))
		return tally_error_set(err, TALLY_EINVAL, "P016", name,
		                       "a user name must be 1-%d characters of A-Z a-z 0-9 . _ - : / @ "
		                       "(it is recorded as the operator of the user's entries)",
		                       TALLY_MAX_ID_LEN);
	if (sodium_init() < 0)
		return tally_error_set(err, TALLY_EIO, "", name, "libsodium failed to initialise");
	unsigned char raw[32], h[32];
	char tok[TALLY_TOKEN_LEN + 1];
	randombytes_buf(raw, sizeof raw);
	memcpy(tok, "tly_", 4);
	sodium_bin2hex(tok + 4, sizeof tok - 4, raw, sizeof raw);
	token_hash(tok, TALLY_TOKEN_LEN, h);
	sodium_memzero(raw, sizeof raw);

	sqlite3_stmt *st = NULL;
	int rc = TALLY_OK;
	if (sqlite3_prepare_v2(u->db,
	                       "INSERT INTO users(name, role, scope, token_sha256) VALUES(?,?,?,?) "
	                       "RETURNING id, name, role, scope, created",
	                       -1, &st, NULL) != SQLITE_OK) {
		rc = sql_error(u, err, "users");
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, tally_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, scope ? scope : "", -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, h, sizeof h, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		if (out)
			read_user(st, out);
	} else if (sqlite3_extended_errcode(u->db) == SQLITE_CONSTRAINT_UNIQUE) {
		rc = tally_error_set(err, TALLY_EEXIST, "H010", name,
		                     "a user called '%s' exists already; choose another name", name);
		goto out;
	} else {
		rc = sql_error(u, err, "users");
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sql_error(u, err, "users");
out:
	sqlite3_finalize(st);
	if (rc == TALLY_OK)
		memcpy(token, tok, sizeof tok);
	sodium_memzero(tok, sizeof tok);
	return rc;
}

int tally_users_find(tally_users *u, const char *token, size_t len, tally_user *out,
                     tally_error *err)
{
	if (len != TALLY_TOKEN_LEN || memcmp(token, "tly_", 4) != 0)
		return tally_error_set(err, TALLY_ENOTFOUND, "H001", "token", "malformed token");
	unsigned char h[32];
	token_hash(token, len, h);
	sqlite3_stmt *st = NULL;
	int rc = TALLY_OK;
	if (sqlite3_prepare_v2(u->db,
	                       "SELECT id, name, role, scope, created FROM users WHERE token_sha256 = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_error(u, err, "users");
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		read_user(st, out);
	else if (s == SQLITE_DONE)
		rc = tally_error_set(err, TALLY_ENOTFOUND, "H001", "token", "unknown token");
	else
		rc = sql_error(u, err, "users");
	sqlite3_finalize(st);
	return rc;
}

int tally_users_list(tally_users *u, tally_user **out, size_t *n, tally_error *err)
{
	sqlite3_stmt *st = NULL;
	tally_user *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc = TALLY_OK, s;
	if (sqlite3_prepare_v2(u->db, "SELECT id, name, role, scope, created FROM users ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_error(u, err, "users");
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			tally_user *nv = tally_realloc(v, cap * sizeof *nv);
			if (!nv) {
				rc = tally_error_set(err, TALLY_ENOMEM, "", "users", "out of memory");
				goto out;
			}
			v = nv;
		}
		read_user(st, &v[cnt++]);
	}
	if (s != SQLITE_DONE)
		rc = sql_error(u, err, "users");
out:
	sqlite3_finalize(st);
	if (rc) {
		tally_free(v);
		return rc;
	}
	*out = v;
	*n = cnt;
	return TALLY_OK;
}

int tally_users_revoke(tally_users *u, const char *name, tally_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = TALLY_OK;
	if (sqlite3_prepare_v2(u->db, "DELETE FROM users WHERE name = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return sql_error(u, err, "users");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sql_error(u, err, "users");
	else if (sqlite3_changes(u->db) == 0)
		rc = tally_error_set(err, TALLY_ENOTFOUND, "H011", name, "no user called '%s'", name);
	sqlite3_finalize(st);
	return rc;
}

int tally_users_audit(tally_users *u, const char *who, const char *method, const char *path,
                      int status, tally_error *err)
{
	int rc = TALLY_OK;
	if (!u->audit &&
	    sqlite3_prepare_v3(u->db, "INSERT INTO api_writes(who, method, path, status) "
	                              "VALUES(?,?,?,?)", -1, SQLITE_PREPARE_PERSISTENT, &u->audit,
	                       NULL) != SQLITE_OK)
		return sql_error(u, err, "api_writes");
	sqlite3_stmt *st = u->audit;
	sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, status);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sql_error(u, err, "api_writes");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int tally_users_begin(tally_users *u, tally_error *err)
{
	if (sqlite3_exec(u->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sql_error(u, err, "begin");
	return TALLY_OK;
}

int tally_users_commit(tally_users *u, tally_error *err)
{
	if (sqlite3_exec(u->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = sql_error(u, err, "commit");
		sqlite3_exec(u->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return TALLY_OK;
}

int tally_users_data_version(tally_users *u, uint64_t *out, tally_error *err)
{
	int rc = TALLY_OK;
	if (!u->dv && sqlite3_prepare_v3(u->db, "PRAGMA data_version", -1,
	                                 SQLITE_PREPARE_PERSISTENT, &u->dv, NULL) != SQLITE_OK)
		return sql_error(u, err, "data_version");
	sqlite3_stmt *st = u->dv;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = sql_error(u, err, "data_version");
	sqlite3_reset(st);
	return rc;
}
