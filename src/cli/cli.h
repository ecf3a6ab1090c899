/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h: what the `tally` commands share: the command table entry, exit
 * codes, reading input files, opening the database, and printing errors in
 * one form ("error: WHERE: WHAT [CODE]").
 */
#ifndef TALLY_CLI_H
#define TALLY_CLI_H

#include "tally/tally.h"
#include "store/store.h"

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_USER = 1, EXIT_USAGE = 2 };

typedef struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} cli_command;

/* The default database: $TALLY_DB, else "tally.db". */
const char *cli_default_db(void);

/* Reads "path" ("-" is standard input) whole, at most "max" bytes. Returns a
 * NUL-terminated buffer to free with free(), or NULL after printing why. */
char *cli_read(const char *path, size_t max, size_t *len);

/* Prints "error: where: msg [code]" to stderr. */
void cli_error(const tally_error *err);
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the database and loads the election, printing errors. */
int cli_open(const char *db, tally_store **s, tally_election **e);

/* cli_load_map gets an import column map: the preset "preset" if given,
 * else the JSON file "mapf". Prints any error; returns 0 or EXIT_USER. The
 * map is freed with tally_import_map_free. */
int cli_load_map(const char *preset, const char *mapf, tally_import_map **out);

/* Prints a usage error and "try 'tally CMD --help'"; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes "data" to "path" atomically (temporary file, fsync, rename), or to
 * standard output when path is NULL or "-". Returns 0 or prints why. */
int cli_write(const char *path, const char *data, size_t len);

/* Formatting helpers. */
const char *cli_commas(uint64_t v, char buf[32]);
const char *cli_pct(uint64_t num, uint64_t den, char buf[16]); /* "55.72 %" */
bool cli_is_tty(FILE *f);

/* Prints the difference report of station "st" (its two disputed entries,
 * every differing line) to "f". Returns 0, or 1 after printing an error. */
int cli_print_diff(FILE *f, tally_store *s, const tally_election *e, uint32_t st);

/* Commands */
int cmd_init(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_conflicts(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_annul(int argc, char **argv);
int cmd_turnout(int argc, char **argv);
int cmd_results(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_presets(int argc, char **argv);
int cmd_seats(int argc, char **argv);
int cmd_forensics(int argc, char **argv);
int cmd_rcv(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_log_fetch(int argc, char **argv);   /* `tally log fetch` (cmd_fetch.c) */
int cmd_verify(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_protocol(int argc, char **argv);

/* What published documents rest on (published.c): the time of the
 * database's last logged change, "YYYY-MM-DDTHH:MM:SSZ" (without a log, the
 * election day at midnight), which dates the standard exports and the
 * printed protocols; and the log entry of station "st"'s accepted version
 * "version", or (st == TALLY_NONE) of the latest results statement:
 * "*found" false when the log has none. */
void cli_as_of(tally_store *s, const tally_election *e, char out[32]);
int cli_log_find(tally_store *s, const tally_election *e, uint32_t st, uint32_t version,
                 bool *found, uint64_t *index, char leaf_hex[65], uint64_t *covered);

/* Transparency-log helpers (cmd_keys.c, cmd_log.c): read a key file, printing
 * why on failure (EXIT_USER); sign and store a checkpoint of the log ("*note"
 * freed with tally_free); write the receipt of log entry "entry" to "out". */
int cli_read_signer(const char *path, tally_note_signer *out);
int cli_read_verifier(const char *path, tally_note_verifier *out);
int cli_log_checkpoint(tally_store *s, const char *keyfile, char **note, size_t *len,
                       uint64_t *size);
int cli_log_receipt(tally_store *s, uint64_t entry, const char *key, const char *out);

/* The HTTP/1.0 client of `tally witness` and `tally log fetch` (http_get.c).
 * It speaks plain HTTP, so only a server on this machine is reached:
 * cli_http_init takes "http://HOST:PORT[/PATH]" with HOST 127.0.0.1,
 * localhost or [::1], and returns false for anything else (the caller reports
 * it under its own code). "path" is "" or starts with '/', without a trailing
 * '/'. "max_body" bounds an answer; "code" (static) is the error code of
 * cli_http_get's errors. */
typedef struct cli_http {
	char host[256], port[16], path[512];
	size_t max_body;
	const char *code;
} cli_http;

bool cli_http_init(cli_http *h, const char *url, size_t max_body, const char *code);

/* Sends "GET PATH/REL" ("rel" starting with '/' is put right after the
 * path) and reads the answer. TALLY_OK for any HTTP answer, whatever its
 * status: "*status" and "*body" (NUL-terminated, "*len" bytes, free() it).
 * Else TALLY_EINVAL with h->code: the host does not resolve or answer, the
 * request cannot be sent, the answer is larger than h->max_body or is not
 * HTTP; outputs untouched. Errors name the host or "rel". */
int cli_http_get(const cli_http *h, const char *rel, unsigned *status, char **body, size_t *len,
                 tally_error *err);

#endif
