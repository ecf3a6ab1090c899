/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbprint.c: the fingerprint of everything an SQLite file stores, for the
 * tests that must show "nothing stored" or "no partial state" (the
 * bad-input catalogue, tests/hostile/run.sh, and the fault-injection tests,
 * tests/faults/). It opens the database read-only and, in one read
 * transaction, prints
 *
 *     sqlite_master ROWS HASH      the schema
 *     user_version ROWS HASH
 *     application_id ROWS HASH
 *     TABLE ROWS HASH              one line per table, in name order
 *     integrity ok                 PRAGMA integrity_check, line by line
 *
 * where HASH is a 64-bit FNV-1a over every row, rows ordered by all their
 * columns (so the hash depends on content, not on page layout), each value
 * with its type: any inserted, deleted or changed row, in any table,
 * changes its line. A missing file prints "no database".
 *
 * usage: dbprint DB
 * exit: 0 when the database was read and integrity_check says "ok" (or
 *       there is no file); 1 otherwise.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Hashes every row of "sql"; the row count goes to *rows. */
static int hash_query(sqlite3 *db, const char *sql, uint64_t *out, long long *rows)
{
	sqlite3_stmt *st = NULL;
	uint64_t h = 14695981039346656037ULL;
	long long n = 0;
	int rc;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int cols = sqlite3_column_count(st);
		for (int i = 0; i < cols; i++) {
			unsigned char t = (unsigned char)sqlite3_column_type(st, i);
			h = fnv(h, &t, 1);
			if (t == SQLITE_INTEGER) {
				long long v = sqlite3_column_int64(st, i);
				h = fnv(h, &v, sizeof v);
			} else if (t == SQLITE_FLOAT) {
				double v = sqlite3_column_double(st, i);
				h = fnv(h, &v, sizeof v);
			} else if (t != SQLITE_NULL) {
				const void *p = sqlite3_column_blob(st, i);
				int len = sqlite3_column_bytes(st, i);
				h = fnv(h, &len, sizeof len);
				if (p && len > 0)
					h = fnv(h, p, (size_t)len);
			}
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	*out = h;
	*rows = n;
	return 0;
}

/* Prints one table's line, its rows ordered by every column. */
static int print_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	char *q = sqlite3_mprintf("SELECT * FROM \"%w\"", name);
	if (!q || sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_free(q);
		return -1;
	}
	int nc = sqlite3_column_count(st);
	sqlite3_finalize(st);
	for (int c = 1; c <= nc && q; c++) {
		char *longer = sqlite3_mprintf("%s%s%d", q, c == 1 ? " ORDER BY " : ",", c);
		sqlite3_free(q);
		q = longer;
	}
	uint64_t h = 0;
	long long n = 0;
	int bad = !q || hash_query(db, q, &h, &n);
	sqlite3_free(q);
	if (bad)
		return -1;
	printf("%s %lld %016llx\n", name, n, (unsigned long long)h);
	return 0;
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 1, intact = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: dbprint DB\n");
		return 2;
	}
	if (access(argv[1], F_OK) != 0) {
		printf("no database\n");
		return 0;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(db, 5000);
	/* one read transaction: every table at the same moment */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	static const char *const meta[][2] = {
		{"sqlite_master", "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY 1, 2, 3, 4"},
		{"user_version", "PRAGMA user_version"},
		{"application_id", "PRAGMA application_id"},
	};
	for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++) {
		uint64_t h = 0;
		long long n = 0;
		if (hash_query(db, meta[i][1], &h, &n))
			goto out;
		printf("%s %lld %016llx\n", meta[i][0], n, (unsigned long long)h);
	}
	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
	                       -1, &st, NULL) != SQLITE_OK)
		goto out;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if (print_table(db, (const char *)sqlite3_column_text(st, 0)))
			goto out;
	if (s != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		printf("integrity %s\n", r ? r : "");
		intact = r && strcmp(r, "ok") == 0;
	}
	if (s != SQLITE_DONE)
		goto out;
	rc = intact ? 0 : 1;
out:
	if (rc && !intact)
		fprintf(stderr, "dbprint: %s: %s\n", argv[1], db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
