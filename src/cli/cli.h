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

/* The HTTP client of `tally witness` and `tally log fetch` (http_get.c, on
 * libcurl): HTTPS with the peer's certificate and name verified against the
 * system's CA store (and --cacert), or plain HTTP to this machine only
 * (127.0.0.0/8, localhost, [::1]); proxies from the environment as libcurl
 * reads them (http_proxy, https_proxy, all_proxy, no_proxy and their upper
 * case forms but HTTP_PROXY); redirects followed by hand, at most
 * CLI_HTTP_MAX_REDIRECTS, each target held to the rules of the first URL and
 * never from https to http; a connect and a total timeout per request; every
 * answer bounded by its caller's limit after gzip decoding.
 *
 * Its errors, under their own codes (docs/errors.md, "Network client"):
 * N001 a URL that cannot be used, N002 the server cannot be reached, N003
 * TLS (an unverified certificate, a failed handshake, an unusable --cacert),
 * N004 a timeout, N005 an answer over its limit, N006 a redirect refused,
 * N007 an answer that is not usable HTTP (malformed, cut short, bad gzip).
 * An HTTP answer of any status is not an error here: the caller judges it. */
#define CLI_HTTP_MAX_REDIRECTS 5              /* hops followed per request */
#define CLI_HTTP_MAX_ERROR_BODY ((size_t)64 << 10) /* an answer other than 200 */
#define CLI_HTTP_MAX_URL 2048                 /* bytes of a URL */
#define CLI_HTTP_MAX_CA_BYTES ((size_t)16 << 20) /* a CA file, the system's too */
#define CLI_HTTP_CONNECT_TIMEOUT 10           /* seconds, default */
#define CLI_HTTP_TIMEOUT 120                  /* seconds per request, default */
#define CLI_HTTP_MAX_TIMEOUT 86400            /* seconds, the most either takes */

typedef struct cli_http_options {
	const char *cacert;        /* more CA certificates to trust (PEM), or NULL */
	long connect_timeout;      /* seconds to set up a connection (TCP and TLS) */
	long timeout;              /* seconds for a whole request, redirects included */
} cli_http_options;

#define CLI_HTTP_OPTIONS_INIT {NULL, CLI_HTTP_CONNECT_TIMEOUT, CLI_HTTP_TIMEOUT}

/* The getopt_long entries of the options above, shared by the commands, and
 * their help lines. cli_http_option handles one of them ("c" is its short
 * code, "arg" its argument): true when it was one, with "*usage" set when its
 * argument is bad. */
#define CLI_HTTP_OPT_CACERT 0x100
#define CLI_HTTP_OPT_CONNECT_TIMEOUT 0x101
#define CLI_HTTP_OPT_TIMEOUT 0x102
#define CLI_HTTP_GETOPTS                                                        \
	{"cacert", required_argument, NULL, CLI_HTTP_OPT_CACERT},                   \
	{"connect-timeout", required_argument, NULL, CLI_HTTP_OPT_CONNECT_TIMEOUT}, \
	{"timeout", required_argument, NULL, CLI_HTTP_OPT_TIMEOUT}
extern const char cli_http_help[];
bool cli_http_option(int c, const char *arg, cli_http_options *o, bool *usage);

typedef struct cli_http {
	void *curl;                    /* the libcurl handle (CURL *), kept for reuse */
	char base[CLI_HTTP_MAX_URL];   /* scheme://host[:port]/prefix, no trailing '/' */
	char *ca;                      /* the CA certificates of --cacert and the system */
	size_t ca_len;
	cli_http_options o;
	uint64_t requests, redirects;
	uint64_t wire_bytes;           /* bodies as received, before gzip decoding */
} cli_http;

/* cli_http_is_url says whether "s" is meant as a URL (it has "://"), not a
 * file name. */
bool cli_http_is_url(const char *s);

/* cli_http_open checks "url" (http:// or https://, no credentials, query or
 * fragment; plain http only to this machine) and gets a client ready for
 * it; a URL without a path takes "default_prefix" ("/api/v1/log"). Returns
 * TALLY_OK, or N001 (the URL), N003 (--cacert cannot be read or holds no
 * certificate), TALLY_ENOMEM. Release with cli_http_close, also after an
 * error. */
int cli_http_open(cli_http *h, const char *url, const char *default_prefix,
                  const cli_http_options *o, tally_error *err);

/* Sends "GET BASE/REL" and reads the answer, of at most "max" bytes when its
 * status is 200, CLI_HTTP_MAX_ERROR_BODY otherwise (after gzip decoding:
 * "Accept-Encoding: gzip" is sent). TALLY_OK for any final HTTP answer,
 * whatever its status: "*status" and "*body" (NUL-terminated, "*len" bytes,
 * free() it). Else N002-N007 or TALLY_ENOMEM, naming the URL; outputs
 * untouched. */
int cli_http_get(cli_http *h, const char *rel, size_t max, unsigned *status, char **body,
                 size_t *len, tally_error *err);

/* cli_http_close releases the client; a zeroed or closed one is a no-op. */
void cli_http_close(cli_http *h);

#endif
