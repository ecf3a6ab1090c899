/* SPDX-License-Identifier: Apache-2.0 */
/*
 * users.h: the people who may write through `tally serve`, and their API
 * tokens. A user has a role (precinct, constituency, cec, observer), a scope
 * for the first two (a station id or a constituency id), a unique name that
 * is recorded as the operator of every write it makes, and one bearer
 * token, of which only the SHA-256 is kept. The table lives in the election
 * database beside the store's tables but is reached through its own SQLite
 * connection (users_sqlite.c), so the store's schema and code stay as they
 * are. The same connection also tells the server when any other connection
 * has changed the database (tally_users_data_version), which is how cached
 * results know they are stale.
 *
 * Every function returns a tally_status and fills "err" on failure. Codes:
 * S001 no database, S004 SQLite refused, H010 a user with that name exists,
 * P016 a name that is not a valid operator id.
 */
#ifndef TALLY_USERS_H
#define TALLY_USERS_H

#include "tally/tally.h"

typedef enum tally_role {
	TALLY_ROLE_PRECINCT,     /* one station: its protocol and turnout */
	TALLY_ROLE_CONSTITUENCY, /* one constituency's stations: resolve, annul a station */
	TALLY_ROLE_CEC,          /* everything */
	TALLY_ROLE_OBSERVER      /* reads everything, writes nothing */
} tally_role;

/* "precinct", "constituency", "cec", "observer"; tally_role_parse returns
 * -1 for an unknown name. */
const char *tally_role_name(tally_role r);
int tally_role_parse(const char *s);

/* Bytes of a token as printed: "tly_" and 64 hex digits (32 random bytes). */
#define TALLY_TOKEN_LEN 68

typedef struct tally_user {
	int64_t id;
	tally_role role;
	char scope[TALLY_MAX_ID_LEN + 1]; /* station or constituency id; empty otherwise */
	char name[TALLY_MAX_ID_LEN + 1];
	char created[32];
} tally_user;

typedef struct tally_users tally_users;

/* tally_users_open opens the users table of the database at "path" (which
 * must exist: S001), creating the table if it is missing. Close with
 * tally_users_close (NULL is a no-op). One connection, serialised by SQLite,
 * so any thread may use it. */
int tally_users_open(const char *path, tally_users **out, tally_error *err);
void tally_users_close(tally_users *u);

/* tally_users_add stores a new user and writes its token, NUL-terminated,
 * into "token" (shown once: only its SHA-256 is stored). The token's 32
 * bytes come from libsodium's randombytes_buf. "*out" (may be NULL) gets
 * the stored user. */
int tally_users_add(tally_users *u, tally_role role, const char *scope, const char *name,
                    char token[TALLY_TOKEN_LEN + 1], tally_user *out, tally_error *err);

/* tally_users_find looks a presented token up. Returns TALLY_OK and fills
 * "*out", TALLY_ENOTFOUND when no user has it (or it is malformed). */
int tally_users_find(tally_users *u, const char *token, size_t len, tally_user *out,
                     tally_error *err);

/* tally_users_list lists every user by id; "*out" is freed with tally_free. */
int tally_users_list(tally_users *u, tally_user **out, size_t *n, tally_error *err);

/* tally_users_revoke deletes the user called "name" (TALLY_ENOTFOUND if none). */
int tally_users_revoke(tally_users *u, const char *name, tally_error *err);

/* tally_users_audit records one write made through the server: who (a user
 * name), what (method and path), and the HTTP status it got, in the table
 * "api_writes" with the time. Turnout reports, for one, have no operator
 * column in the store: this is where their author is kept. */
int tally_users_audit(tally_users *u, const char *who, const char *method, const char *path,
                      int status, tally_error *err);

/* tally_users_begin and tally_users_commit group several audits into one
 * durable transaction (the server's group commit); without them each audit
 * commits on its own. */
int tally_users_begin(tally_users *u, tally_error *err);
int tally_users_commit(tally_users *u, tally_error *err);

/* tally_users_data_version returns SQLite's data_version of this
 * connection: it changes whenever another connection (the store, another
 * process) commits a change to the database. */
int tally_users_data_version(tally_users *u, uint64_t *out, tally_error *err);

#endif
