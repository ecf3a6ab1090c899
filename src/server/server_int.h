/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server_int.h: what the files of the election-night server share. http.c
 * is the libmicrohttpd glue (threads, request bodies, responses, static
 * files, the route table); auth.c turns a bearer token into a user and
 * decides what that user may do; routes_*.c hold the handlers, one file per
 * resource. Handlers see a server_req: the request, the authenticated user
 * (if any) and a response being written into a memory stream, so the same
 * render_* functions that print results on the command line write them
 * here.
 *
 * Concurrency: libmicrohttpd runs a pool of threads; the store connection is
 * not thread-safe, so every use of the store, the election and the results
 * cache happens under server.lock. Writes are few and short (one durable
 * transaction); cached reads hold the lock only to compare a version and
 * copy bytes.
 */
#ifndef TALLY_SERVER_INT_H
#define TALLY_SERVER_INT_H

#include "render/forensics.h"
#include "store/store.h"
#include "store/users.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>

/* Server error codes (docs/api-http.md). */
#define H_AUTH "H001"      /* 401: no token, a malformed one, or an unknown one */
#define H_ROLE "H002"      /* 403: the user's role may not do this */
#define H_SCOPE "H003"     /* 403: the station or constituency is outside the user's scope */
#define H_ROUTE "H004"     /* 404: no such resource */
#define H_METHOD "H005"    /* 405: the resource does not take this method */
#define H_TOOBIG "H006"    /* 413: the request body is over the limit */
#define H_RATE "H007"      /* 429: the token's request rate is over the limit */
#define H_BODY "H008"      /* 400: the body is not what the endpoint takes */
#define H_JSONMEM "H012"   /* 413: reading the JSON body needs more memory than its budget */
#define H_ITEMS "H013"     /* 413: more protocols or turnout reports than one request may carry */
#define H_FRAMING "H014"   /* 400: the body's framing is ambiguous (RFC 9112 6.1, 6.3) */
#define H_CODING "H015"    /* 501: a transfer coding other than chunked (RFC 9112 6.1) */
#define H_NUL "H016"       /* 400: a NUL byte (or %00) or a folded line in the request head */

/* Limits of one request (docs/api-http.md, "Limits"). Reading a JSON body
 * may allocate at most SERVER_JSON_MEM_RATIO times the body's length plus
 * SERVER_JSON_MEM_BASE, and never more than SERVER_JSON_MEM_MAX (H012);
 * jansson takes 13 times the length of an ordinary protocol, and up to 85
 * times for hostile shapes such as [{},{},...]. A body carries at most
 * SERVER_MAX_ITEMS protocols or turnout reports (H013). */
#define SERVER_JSON_MEM_RATIO 32u
#define SERVER_JSON_MEM_BASE (64u << 10)
#define SERVER_JSON_MEM_MAX (4u << 20)
#define SERVER_MAX_ITEMS 500u


typedef struct server_config {
	const char *db;
	const char *web;          /* directory of the dashboard, or NULL */
	const char *bind;         /* address to listen on (default 127.0.0.1) */
	uint16_t port;            /* 0: any free port (printed) */
	unsigned threads;         /* libmicrohttpd's thread pool */
	size_t max_body;          /* bytes in one request body */
	unsigned rate;            /* requests per second per token (sustained) */
	unsigned burst;           /* requests a token may make at once */
	unsigned max_conns;       /* open connections */
	unsigned max_per_ip;      /* open connections from one address (0: no limit) */
	unsigned max_per_net;     /* open connections from one IPv4 /24 (0: no limit) */
	unsigned timeout;         /* seconds a connection may stay idle (0: 30) */
	unsigned head_timeout;    /* seconds for a request line and headers (0: no deadline) */
	unsigned body_timeout;    /* seconds for a request body, after its head (0: no deadline) */
	unsigned fx_every;        /* seconds between recomputations of the forensic report */
} server_config;

/* One token bucket per user (auth.c). */
typedef struct server_bucket {
	int64_t user;             /* 0: free slot */
	double tokens;
	double at;                /* seconds, monotonic */
} server_bucket;

typedef struct server {
	server_config cfg;
	pthread_mutex_t lock;     /* store, e, users, and everything cached below */
	tally_store *store;
	tally_election *e;
	tally_users *users;
	uint64_t boot;            /* random per start: ETags never repeat across restarts */
	uint64_t writes;          /* writes made by this server */
	/* the cache of public reads, valid for generation "gen" */
	uint64_t seen_dv, seen_writes, gen;
	bool cached;
	tally_results *r;         /* the count at "gen" */
	char *results_json;       /* render_results of r */
	size_t results_len;
	char *turnout_json;       /* GET /turnout at generation turnout_gen */
	size_t turnout_len;
	uint64_t turnout_gen;
	/* GET /api/v1/forensics (routes_forensics.c): the report and its plots
	 * at generation fx_gen; fx_lock (taken before lock, never inside it)
	 * lets one request compute them at a time */
	pthread_mutex_t fx_lock;
	char *fx_json;
	size_t fx_len;
	char *fx_svg[RENDER_FX_PLOTS]; /* render_fx_plots order */
	size_t fx_svg_len[RENDER_FX_PLOTS];
	uint64_t fx_gen;
	double fx_at;             /* when it was computed (monotonic seconds) */
	char *definition_json;    /* never changes while the server runs */
	size_t definition_len;
	/* rate limiting (auth.c) */
	pthread_mutex_t rl_lock;
	server_bucket *buckets;
	size_t n_buckets, used_buckets;
	/* group commit of protocol submissions (group.c) */
	pthread_mutex_t g_lock;
	pthread_cond_t g_cond;
	pthread_t g_thread;
	bool g_started, g_stopping;
	struct server_req *g_head, *g_tail;  /* waiting submissions, in arrival order */
	uint64_t g_requests, g_commits;      /* submissions answered, commits made */
	/* connections and their deadlines (conn.c) */
	pthread_mutex_t c_lock;
	pthread_cond_t c_cond;
	pthread_t c_thread;
	bool c_started, c_stopping;
	struct server_conn *c_head;          /* every open connection */
	uint64_t c_cut;                      /* connections shut down at a deadline */
	bool head_check;                     /* libmicrohttpd hides NUL bytes in the head (conn.c) */
	/* libmicrohttpd's messages, at most a few a second (http.c) */
	pthread_mutex_t log_lock;
	long long log_second;
	unsigned log_shown, log_dropped;
} server;

/* One open connection (conn.c), from libmicrohttpd's "started" notice to
 * its "closed" one; the connection's socket context. */
typedef struct server_conn {
	struct server_conn *prev, *next;
	int fd;
	uint32_t net;             /* the client's IPv4 /24 (address >> 8), or UINT32_MAX */
	int phase;                /* CONN_HEAD, CONN_BODY or CONN_DONE */
	double since;             /* when the phase began (monotonic seconds) */
	bool cut;                 /* shut down at its deadline */
	/* the request target as libmicrohttpd first saw it (conn_uri_cb) */
	size_t uri_len;
	bool uri_nul;             /* %00 in the request target */
} server_conn;

enum { CONN_HEAD, CONN_BODY, CONN_DONE };

typedef struct server_req {
	server *srv;
	void *conn;               /* struct MHD_Connection * */
	const char *method, *url;
	char *body;               /* NUL-terminated */
	size_t len, cap;
	bool too_large, has_user;
	tally_user user;
	/* the response */
	FILE *out;                /* open_memstream into obuf */
	char *obuf;
	size_t olen;
	unsigned status;
	const char *ctype;
	const char *cache_control;
	char etag[80];
	/* a response that depends on Accept-Encoding (routes_tiles.c): NULL for
	 * any other, "" sent as it is, or the Content-Encoding applied ("gzip") */
	const char *encoding;
	/* a protocol submission waiting for the group commit (group.c): its
	 * connection is suspended until the writer has committed and answered */
	struct tally_entry *sub_en;
	struct tally_submit_outcome *sub_out;
	size_t sub_n;
	struct server_req *sub_next;
	int sub_rc;                 /* the batch's error, if tally_store_submit failed */
	tally_error sub_err;
	bool parked, answered;
} server_req;

/* ==== http.c ==== */

/* server_run starts the server with "cfg", prints where it listens on
 * standard output, and serves until SIGINT or SIGTERM. Returns 0, or 1
 * after printing why it could not start. */
int server_run(const server_config *cfg);

/* server_error writes the error response {"error":{"code","where","message"}}
 * with HTTP status "status". Returns 0 so handlers may `return
 * server_error(...)`. */
int server_error(server_req *q, unsigned status, const char *code, const char *where,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* server_tally_error maps a library error to its HTTP status (EINVAL 400,
 * ENOTFOUND 404, ECONFLICT and EEXIST 409, EREJECTED 422, ELIMIT 413, else
 * 500) and writes it. */
int server_tally_error(server_req *q, const tally_error *err);
unsigned server_status_of(int tally_status);
/* server_status_of_error: as server_status_of, but a full disk (S009) is 507
 * Insufficient Storage (RFC 4918 11.5): the request may succeed later */
unsigned server_status_of_error(const tally_error *err);

/* server_header returns a request header's value or NULL. */
const char *server_header(server_req *q, const char *name);
/* server_header_count returns how many times the request carries the header
 * "name" (compared without case). */
unsigned server_header_count(server_req *q, const char *name);

/* server_query returns a query-string argument or NULL. */
const char *server_query(server_req *q, const char *name);

/* server_refresh brings the results cache up to date (recounting when the
 * database changed); call with srv->lock held. Returns TALLY_OK or fills err. */
int server_refresh(server *srv, tally_error *err);

/* server_public_etag sets the ETag of the current generation and, when the
 * request's If-None-Match carries it, the 304 status; returns true when the
 * handler need not write a body. Call with srv->lock held after refresh. */
bool server_public_etag(server_req *q);

/* server_wrote notes a successful write: bumps the generation and audits it
 * (who, method, path, status). */
void server_wrote(server_req *q);

/* ==== auth.c ==== */

/* server_authenticate reads "Authorization: Bearer TOKEN". With no header it
 * returns 0 and leaves q->has_user false; a malformed or unknown token is a
 * 401 (H001) and returns -1 (the response is written). A known token is then
 * rate-limited: -1 with 429 (H007) when over. */
int server_authenticate(server_req *q);

/* Role masks for server_require. */
#define ROLE(r) (1u << (r))
#define ROLES_ANY (ROLE(TALLY_ROLE_PRECINCT) | ROLE(TALLY_ROLE_CONSTITUENCY) | \
                   ROLE(TALLY_ROLE_CEC) | ROLE(TALLY_ROLE_OBSERVER))

/* server_require answers 401 (H001) without a user and 403 (H002) when the
 * user's role is not in "roles"; returns -1 then, else 0. */
int server_require(server_req *q, unsigned roles);

/* server_may_station: may the user act on station "st" (precinct: its own;
 * constituency: its stations; cec and observer: all)? server_may_constituency
 * likewise for constituency "c". */
bool server_may_station(const server_req *q, uint32_t st);
bool server_may_constituency(const server_req *q, uint32_t c);

/* server_scope_error writes the 403 (H003) for station or constituency "id". */
int server_scope_error(server_req *q, const char *kind, const char *id);

void server_buckets_release(server *srv);

/* server_release frees what a server holds besides its daemon, its writer
 * thread and its locks: results and cached answers, rate buckets, users,
 * the election and the store. */
void server_release(server *srv);

/* server_write_checks writes the failed relations of station "st"'s
 * counted protocol in "r" as a JSON array of {"code","severity","text"}
 * (routes_results.c). */
void server_write_checks(FILE *f, const tally_election *e, const tally_results *r, uint32_t st);

/* ==== body.c ==== */

/* server_json_init installs the allocator through which jansson charges a
 * request's parse to its budget; call once, before any thread starts. */
void server_json_init(void);

/* server_json_load parses the request body as exactly one JSON value
 * (duplicate keys refused, nothing after it), with at most the memory of
 * its budget (SERVER_JSON_MEM_*). Returns the value (a json_t *, the caller
 * json_decref()s it), or NULL after answering: 400 H008 no body, P001
 * malformed, P018 a key twice, 413 P020 too deep, 413 H012 over the budget. */
void *server_json_load(server_req *q);

/* server_json_body is server_json_load for endpoints that take one JSON
 * object (400 H008 when it is another value). */
void *server_json_body(server_req *q);

/* server_json_list gives the items of a body that is one object or an array
 * of them (a new reference to an array, or NULL after answering): 400 H008
 * when it is neither or empty, 413 H013 over SERVER_MAX_ITEMS, 400 P002
 * (with the item's index) when an item is not an object. "what" names the
 * items in messages. */
void *server_json_list(server_req *q, void *root, const char *what);

/* ==== conn.c: connections, limits per address, deadlines ==== */

/* server_conn_start starts the thread that shuts down the connections whose
 * request head or body is late (--head-timeout, --body-timeout);
 * server_conn_stop stops it and prints how many it cut. */
int server_conn_start(server *srv);
void server_conn_stop(server *srv);

/* server_conn_accept is libmicrohttpd's accept policy: it refuses a
 * connection from an IPv4 /24 that has --max-conns-per-net open. */
enum MHD_Result server_conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);

/* server_conn_options writes into "opt" (room for SERVER_CONN_OPTIONS) the
 * libmicrohttpd options of conn.c: the limit per address, the notices that
 * keep the list of open connections, and the callback that notes the
 * request target before libmicrohttpd decodes it. Returns how many. */
#define SERVER_CONN_OPTIONS 3
size_t server_conn_options(server *srv, struct MHD_OptionItem *opt);

/* server_daemon_options writes the libmicrohttpd options every daemon of
 * the server takes (http.c: limits, timeouts, its log; "done" is called
 * when a request ends, normally on_completed) into "opt", ending with
 * MHD_OPTION_END, for MHD_OPTION_ARRAY; the fuzz harness starts its daemon
 * with them too. Returns how many, the end included. */
#define SERVER_DAEMON_OPTIONS (6 + SERVER_CONN_OPTIONS)
size_t server_daemon_options(server *srv, MHD_RequestCompletedCallback done,
                             struct MHD_OptionItem *opt);

/* server_conn_phase moves connection "c" (struct MHD_Connection *) to
 * "phase" (CONN_HEAD, CONN_BODY, CONN_DONE) now: its deadline runs anew. */
void server_conn_phase(server *srv, void *c, int phase);

/* server_conn_head_check finds a byte of the request head of "c" (struct
 * MHD_Connection *) that libmicrohttpd does not show the server: %00 in the
 * target, a NUL in the request line or in a header, a header folded over
 * two lines. "method", "url" and "version" are on_request's. Returns 0 when
 * there is none, else the status to answer (400 for H016, 503 for a
 * connection conn.c could not note) with "*why" saying what. */
unsigned server_conn_head_check(server *srv, void *c, const char *method, const char *url,
                                const char *version, const char **why);

/* ==== group.c: group commit ==== */

/* server_group_start starts the writer thread; server_group_stop answers
 * what is queued, then stops it (before the daemon stops). */
int server_group_start(server *srv);
void server_group_stop(server *srv);

/* server_group_submit queues q's parsed entries (q->sub_en, q->sub_n; q
 * owns them) for the next commit and suspends q's connection; the writer
 * thread submits every waiting request's entries in one tally_store_submit
 * (one durable transaction), then settles each (routes_protocols_settle:
 * status and audit, under srv->lock) and resumes its connection; the body is
 * written in the request's own pool thread (routes_protocols_answer). Returns 0 when queued (q->parked),
 * or -1 with a 503 written when the server is stopping. */
int server_group_submit(server_req *q);

/* routes_protocols_settle, called by the writer under srv->lock once the
 * batch is committed (q->sub_out filled, or q->sub_rc set), sets q's status
 * and records the write (server_wrote); routes_protocols_answer, called in
 * q's pool thread once its connection is resumed, writes the response body
 * from the outcomes and frees the entries. */
void routes_protocols_settle(server_req *q);
void routes_protocols_answer(server_req *q);
void routes_protocols_release(server_req *q);

/* ==== routes ==== */
typedef int (*server_handler)(server_req *q, const char *arg);

int routes_definition(server_req *q, const char *arg);
int routes_results(server_req *q, const char *arg);
int routes_results_constituency(server_req *q, const char *arg);
int routes_results_station(server_req *q, const char *arg);
int routes_progress(server_req *q, const char *arg);
int routes_turnout_get(server_req *q, const char *arg);
int routes_turnout_post(server_req *q, const char *arg);
int routes_protocols_post(server_req *q, const char *arg);
int routes_entries_get(server_req *q, const char *arg);
int routes_conflicts_get(server_req *q, const char *arg);
int routes_warnings_get(server_req *q, const char *arg);
int routes_resolve_post(server_req *q, const char *arg);
int routes_annul_station(server_req *q, const char *arg);
int routes_annul_constituency(server_req *q, const char *arg);
int routes_publish_post(server_req *q, const char *arg);
int routes_me(server_req *q, const char *arg);
int routes_log_checkpoint(server_req *q, const char *arg);
int routes_log_entries(server_req *q, const char *arg);
int routes_log_inclusion(server_req *q, const char *arg);
int routes_log_consistency(server_req *q, const char *arg);
int routes_log_tile(server_req *q, const char *arg);
int routes_log_body(server_req *q, const char *arg);
/* routes_accepts_gzip: does the Accept-Encoding value "v" (NULL: none) take
 * gzip (RFC 9110 12.5.3)? (routes_tiles.c) */
bool routes_accepts_gzip(const char *v);
/* ==== routes_forensics.c (called without srv->lock: they take it) ==== */
int routes_forensics(server_req *q, const char *arg);
int routes_forensics_plot(server_req *q, const char *arg);

#endif
