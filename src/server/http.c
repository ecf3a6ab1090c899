/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c: the libmicrohttpd glue of `tally serve`: it starts the daemon with
 * an internal thread pool and limits on connections, gathers request bodies
 * (refusing those over the limit with 413), authenticates, dispatches
 * through one route table to the handlers in routes_*.c, and sends what a
 * handler wrote with its status, content type, caching headers and ETag.
 * Paths outside /api/ are the dashboard's static files (--web DIR). The
 * results cache lives here too: public reads are answered from one count
 * of the store, redone only when SQLite's data_version (any connection's
 * commit, the command line's included) or this server's own write counter
 * moves, so a refresh of an unchanged result costs a version check and an
 * ETag comparison.
 */
#include "server/server_int.h"
#include "render/render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ==== routes ==== */

typedef struct route {
	const char *method;
	const char *pattern;   /* "{}" stands for one path segment, passed to the handler;
	                          a final "*" for any rest, which the handler reads from q->url */
	server_handler fn;
	bool unlocked;         /* the handler takes srv->lock itself, for as little as it can:
	                          it parses a body, or computes, without it */
} route;

static const route routes[] = {
	{"GET", "/api/v1/definition", routes_definition, false},
	{"GET", "/api/v1/results", routes_results, false},
	{"GET", "/api/v1/results/constituencies/{}", routes_results_constituency, false},
	{"GET", "/api/v1/results/stations/{}", routes_results_station, false},
	{"GET", "/api/v1/progress", routes_progress, false},
	{"GET", "/api/v1/turnout", routes_turnout_get, false},
	{"GET", "/api/v1/forensics", routes_forensics, true},
	{"GET", "/api/v1/forensics/{}", routes_forensics_plot, true},
	{"POST", "/api/v1/turnout", routes_turnout_post, true},
	/* committed by the group commit's writer (group.c), which takes the lock */
	{"POST", "/api/v1/protocols", routes_protocols_post, true},
	{"GET", "/api/v1/stations/{}/entries", routes_entries_get, false},
	{"POST", "/api/v1/stations/{}/resolve", routes_resolve_post, true},
	{"POST", "/api/v1/stations/{}/annul", routes_annul_station, true},
	{"POST", "/api/v1/constituencies/{}/annul", routes_annul_constituency, true},
	{"GET", "/api/v1/conflicts", routes_conflicts_get, false},
	{"GET", "/api/v1/warnings", routes_warnings_get, false},
	{"POST", "/api/v1/publish", routes_publish_post, false},
	{"GET", "/api/v1/me", routes_me, false},
	{"GET", "/api/v1/log/checkpoint", routes_log_checkpoint, false},
	{"GET", "/api/v1/log/entries", routes_log_entries, false},
	{"GET", "/api/v1/log/proof/inclusion", routes_log_inclusion, false},
	{"GET", "/api/v1/log/proof/consistency", routes_log_consistency, false},
	{"GET", "/api/v1/log/tile/*", routes_log_tile, false},
	{"GET", "/api/v1/log/body/*", routes_log_body, false},
};

/* match "url" against "pattern"; the "{}" segment goes to arg (size cap) */
static bool match(const char *pattern, const char *url, char *arg, size_t cap)
{
	size_t plen = strlen(pattern);
	if (plen && pattern[plen - 1] == '*') {
		arg[0] = '\0';
		return strncmp(pattern, url, plen - 1) == 0;
	}
	const char *ph = strstr(pattern, "{}");
	if (!ph)
		return strcmp(pattern, url) == 0;
	size_t pre = (size_t)(ph - pattern);
	if (strncmp(pattern, url, pre) != 0)
		return false;
	const char *seg = url + pre, *end = strchr(seg, '/');
	size_t n = end ? (size_t)(end - seg) : strlen(seg);
	if (n == 0 || n >= cap)
		return false;
	if (strcmp(ph + 2, seg + n) != 0)
		return false;
	memcpy(arg, seg, n);
	arg[n] = '\0';
	return true;
}

/* ==== responses ==== */

unsigned server_status_of(int st)
{
	switch (st) {
	case TALLY_EINVAL: return MHD_HTTP_BAD_REQUEST;
	case TALLY_ENOTFOUND: return MHD_HTTP_NOT_FOUND;
	case TALLY_ECONFLICT:
	case TALLY_EEXIST: return MHD_HTTP_CONFLICT;
	case TALLY_EREJECTED: return MHD_HTTP_UNPROCESSABLE_CONTENT;
	case TALLY_ELIMIT: return MHD_HTTP_CONTENT_TOO_LARGE;
	default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

unsigned server_status_of_error(const tally_error *err)
{
	if (strcmp(err->code, "S009") == 0)
		return MHD_HTTP_INSUFFICIENT_STORAGE;
	return server_status_of(err->status);
}

static void reset_out(server_req *q)
{
	if (q->out) {
		fclose(q->out);
		q->out = NULL;
	}
	free(q->obuf);
	q->obuf = NULL;
	q->olen = 0;
	q->out = open_memstream(&q->obuf, &q->olen);
}

int server_error(server_req *q, unsigned status, const char *code, const char *where,
                 const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	reset_out(q);
	q->status = status;
	q->ctype = "application/json";
	q->cache_control = "no-store";
	q->etag[0] = '\0';
	if (!q->out)
		return 0;
	fprintf(q->out, "{\"error\":{\"code\":");
	render_json_str(q->out, code ? code : "");
	fprintf(q->out, ",\"where\":");
	render_json_str(q->out, where ? where : "");
	fprintf(q->out, ",\"message\":");
	render_json_str(q->out, msg);
	fprintf(q->out, "}}\n");
	return 0;
}

int server_tally_error(server_req *q, const tally_error *err)
{
	return server_error(q, server_status_of_error(err), err->code, err->where, "%s",
	                    err->msg[0] ? err->msg : tally_strerror(err->status));
}

const char *server_header(server_req *q, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)q->conn, MHD_HEADER_KIND, name);
}

typedef struct header_count {
	const char *name;
	unsigned n;
} header_count;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
	(void)kind, (void)value;
	header_count *hc = cls;
	if (key && strcasecmp(key, hc->name) == 0)
		hc->n++;
	return MHD_YES;
}

unsigned server_header_count(server_req *q, const char *name)
{
	header_count hc = {name, 0};
	MHD_get_connection_values((struct MHD_Connection *)q->conn, MHD_HEADER_KIND, count_header,
	                          &hc);
	return hc.n;
}

const char *server_query(server_req *q, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)q->conn,
	                                   MHD_GET_ARGUMENT_KIND, name);
}

/* ==== the results cache ==== */

int server_refresh(server *srv, tally_error *err)
{
	uint64_t dv = 0;
	int rc = tally_users_data_version(srv->users, &dv, err);
	if (rc)
		return rc;
	if (srv->cached && dv == srv->seen_dv && srv->writes == srv->seen_writes)
		return TALLY_OK;
	tally_results *r = NULL;
	if ((rc = tally_store_count(srv->store, srv->e, &r, err)))
		return rc;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		tally_results_free(r);
		return tally_error_set(err, TALLY_ENOMEM, "", "results", "out of memory");
	}
	render_results(f, r, RENDER_JSON);
	fclose(f);
	tally_results_free(srv->r);
	free(srv->results_json);
	srv->r = r;
	srv->results_json = buf;
	srv->results_len = len;
	srv->seen_dv = dv;
	srv->seen_writes = srv->writes;
	srv->gen++;
	srv->cached = true;
	return TALLY_OK;
}

bool server_public_etag(server_req *q)
{
	snprintf(q->etag, sizeof q->etag, "\"%016llx-%llu\"", (unsigned long long)q->srv->boot,
	         (unsigned long long)q->srv->gen);
	/* results change the moment a protocol is accepted: always revalidate,
	 * which with the ETag costs one small request */
	q->cache_control = "public, no-cache";
	const char *inm = server_header(q, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm && strstr(inm, q->etag)) {
		q->status = MHD_HTTP_NOT_MODIFIED;
		return true;
	}
	return false;
}

void server_wrote(server_req *q)
{
	q->srv->writes++;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_users_audit(q->srv->users, q->has_user ? q->user.name : "-", q->method, q->url,
	                      (int)q->status, &err))
		fprintf(stderr, "tally serve: audit: %s\n", err.msg);
}

/* ==== static files ==== */

static const char *mime_of(const char *path)
{
	static const char *const map[][2] = {
		{".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"}, {".svg", "image/svg+xml"},
		{".png", "image/png"}, {".json", "application/json"}, {".ico", "image/x-icon"},
		{".webmanifest", "application/manifest+json"}, {".txt", "text/plain; charset=utf-8"}};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(dot, map[i][0]) == 0)
			return map[i][1];
	return "application/octet-stream";
}

static enum MHD_Result queue(struct MHD_Connection *c, struct MHD_Response *resp, unsigned status)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	enum MHD_Result r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result send_static(server_req *q, struct MHD_Connection *c)
{
	const char *url = q->url;
	char path[4096];
	if (!q->srv->cfg.web || strstr(url, "..") || strchr(url, '\\') || url[0] != '/')
		goto notfound;
	if (strcmp(url, "/") == 0)
		url = "/index.html";
	if ((size_t)snprintf(path, sizeof path, "%s%s", q->srv->cfg.web, url) >= sizeof path)
		goto notfound;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0)
		goto notfound;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		goto notfound;
	}
	char etag[64];
	snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)sb.st_mtime,
	         (unsigned long long)sb.st_size);
	const char *inm = server_header(q, MHD_HTTP_HEADER_IF_NONE_MATCH);
	struct MHD_Response *resp;
	unsigned status = MHD_HTTP_OK;
	if (inm && strstr(inm, etag)) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_MODIFIED;
	} else {
		resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime_of(path));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "public, no-cache");
	MHD_add_response_header(resp, "Content-Security-Policy",
	                        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
	                        "base-uri 'none'; frame-ancestors 'none'");
	return queue(c, resp, status);
notfound:
	server_error(q, MHD_HTTP_NOT_FOUND, H_ROUTE, q->url,
	             q->srv->cfg.web ? "no such file" : "this server has no dashboard (--web DIR)");
	return MHD_NO;
}

/* ==== requests ==== */

static void dispatch(server_req *q)
{
	char arg[TALLY_MAX_ID_LEN + 1];
	const route *hit = NULL;
	bool other_method = false;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (!match(routes[i].pattern, q->url, arg, sizeof arg))
			continue;
		if (strcmp(routes[i].method, q->method) == 0 ||
		    (strcmp(q->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
			hit = &routes[i];
			break;
		}
		other_method = true;
	}
	if (!hit) {
		if (other_method)
			server_error(q, MHD_HTTP_METHOD_NOT_ALLOWED, H_METHOD, q->url,
			             "%s is not allowed on this resource", q->method);
		else
			server_error(q, MHD_HTTP_NOT_FOUND, H_ROUTE, q->url,
			             "no such resource (docs/api-http.md lists them)");
		return;
	}
	if (server_authenticate(q))
		return;
	if (q->too_large) {
		server_error(q, MHD_HTTP_CONTENT_TOO_LARGE, H_TOOBIG, q->url,
		             "the request body is larger than %zu bytes", q->srv->cfg.max_body);
		return;
	}
	q->status = MHD_HTTP_OK;
	if (hit->unlocked) {
		hit->fn(q, arg);
		return;
	}
	pthread_mutex_lock(&q->srv->lock);
	hit->fn(q, arg);
	pthread_mutex_unlock(&q->srv->lock);
}

static enum MHD_Result send_reply(server_req *q, struct MHD_Connection *c)
{
	if (!q->out)
		return MHD_NO;
	fclose(q->out);
	q->out = NULL;
	struct MHD_Response *resp;
	/* HEAD gets the GET response: libmicrohttpd sends its headers, with the
	 * body's Content-Length (RFC 9110 9.3.2), and not the body */
	if (q->status == MHD_HTTP_NOT_MODIFIED) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(q->olen, q->obuf, MHD_RESPMEM_MUST_FREE);
		if (resp)
			q->obuf = NULL;
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        q->ctype ? q->ctype : "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        q->cache_control ? q->cache_control : "private, no-store");
	if (q->etag[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, q->etag);
	/* entry bundles and bodies: gzip when accepted (routes_tiles.c) */
	if (q->encoding) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
		if (q->encoding[0])
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, q->encoding);
	}
	if (q->status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (q->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"tally\"");
	if (q->status == MHD_HTTP_CONTENT_TOO_LARGE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	return queue(c, resp, q->status);
}

/* The body's framing, checked before anything is read (RFC 9112 6.1, 6.3):
 * a request whose body's end two parsers could place differently is the
 * way to smuggle a second request inside a first, so two Content-Length
 * headers, two Transfer-Encoding headers, both of them, or a
 * Transfer-Encoding in an HTTP/1.0 request are 400 H014; a transfer coding
 * other than chunked, which libmicrohttpd would read as a body without end,
 * is 501 H015. Either is answered at once and the connection closed
 * (libmicrohttpd closes one answered before its body was read). Returns
 * -1 after writing the answer. */
static int framing(server_req *q, const char *version)
{
	unsigned n_cl = server_header_count(q, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned n_te = server_header_count(q, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	const char *te = server_header(q, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	const char *why = NULL;
	if (n_cl > 1)
		why = "more than one Content-Length header";
	else if (n_te > 1)
		why = "more than one Transfer-Encoding header";
	else if (n_te && n_cl)
		why = "both Content-Length and Transfer-Encoding: the body's length is ambiguous";
	else if (n_te && strcmp(version, MHD_HTTP_VERSION_1_0) == 0)
		why = "Transfer-Encoding in an HTTP/1.0 request";
	if (why) {
		server_error(q, MHD_HTTP_BAD_REQUEST, H_FRAMING, q->url, "%s", why);
		return -1;
	}
	/* exactly the one libmicrohttpd decodes: "chunked", nothing before or after */
	if (te && strcasecmp(te, "chunked") != 0) {
		server_error(q, MHD_HTTP_NOT_IMPLEMENTED, H_CODING, q->url,
		             "the transfer coding '%.64s' is not supported: send the body with "
		             "Content-Length, or Transfer-Encoding: chunked",
		             te);
		return -1;
	}
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
	server *srv = cls;
	server_req *q = *con_cls;
	if (!q) {
		q = calloc(1, sizeof *q);
		if (!q)
			return MHD_NO;
		q->srv = srv;
		q->conn = c;
		q->method = method;
		q->url = url;
		q->status = MHD_HTTP_OK;
		q->out = open_memstream(&q->obuf, &q->olen);
		*con_cls = q;
		if (!q->out)
			return MHD_NO;
		/* the head is read: the body's deadline (conn.c) runs from now */
		server_conn_phase(srv, c, CONN_BODY);
		/* a NUL libmicrohttpd would hide: "/index.html%00.png" is not
		 * "/index.html", nor "Bearer TOKEN\0junk" "Bearer TOKEN" */
		const char *why = NULL;
		unsigned bad = server_conn_head_check(srv, c, method, url, version, &why);
		if (bad) {
			server_error(q, bad, bad == MHD_HTTP_BAD_REQUEST ? H_NUL : "", "request", "%s", why);
			return send_reply(q, c);
		}
		if (framing(q, version))
			return send_reply(q, c);
		/* a declared body over the limit is refused before it is read */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			char *end = NULL;
			unsigned long long n = strtoull(cl, &end, 10);
			if (end && *end == '\0' && n > srv->cfg.max_body) {
				server_error(q, MHD_HTTP_CONTENT_TOO_LARGE, H_TOOBIG, url,
				             "the request body (%llu bytes) is larger than %zu bytes", n,
				             srv->cfg.max_body);
				return send_reply(q, c);
			}
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (q->too_large || q->len + n > srv->cfg.max_body) {
			q->too_large = true;  /* read and drop the rest; answer 413 at the end */
			return MHD_YES;
		}
		if (q->len + n + 1 > q->cap) {
			size_t cap = q->cap ? q->cap : 4096;
			while (cap < q->len + n + 1)
				cap *= 2;
			if (cap > srv->cfg.max_body + 1)
				cap = srv->cfg.max_body + 1;  /* never twice --max-body */
			char *nb = realloc(q->body, cap);
			if (!nb)
				return MHD_NO;
			q->body = nb;
			q->cap = cap;
		}
		memcpy(q->body + q->len, upload, n);
		q->len += n;
		q->body[q->len] = '\0';
		return MHD_YES;
	}
	/* the whole request is in: no deadline while it is answered */
	if (!q->parked)
		server_conn_phase(srv, c, CONN_DONE);
	if (q->parked) {
		/* resumed by the group commit (group.c): answered, or still waiting */
		if (!q->answered)
			return MHD_YES;
		q->parked = false;
		routes_protocols_answer(q);
		return send_reply(q, c);
	}
	if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			server_error(q, MHD_HTTP_METHOD_NOT_ALLOWED, H_METHOD, url,
			             "%s is not allowed on this resource", method);
			return send_reply(q, c);
		}
		if (send_static(q, c) == MHD_YES)
			return MHD_YES;
		return send_reply(q, c);
	}
	dispatch(q);
	if (q->parked)
		return MHD_YES;  /* suspended until its group commit (group.c) */
	return send_reply(q, c);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	/* the next request's head, on a kept-alive connection, is due from now */
	server_conn_phase(cls, c, CONN_HEAD);
	server_req *q = *con_cls;
	if (!q)
		return;
	if (q->out)
		fclose(q->out);
	routes_protocols_release(q);
	free(q->obuf);
	free(q->body);
	free(q);
	*con_cls = NULL;
}

/* ==== start and stop ==== */

void server_release(server *srv)
{
	tally_results_free(srv->r);
	free(srv->results_json);
	free(srv->turnout_json);
	free(srv->fx_json);
	for (int k = 0; k < RENDER_FX_PLOTS; k++)
		free(srv->fx_svg[k]);
	tally_free(srv->definition_json);
	server_buckets_release(srv);
	tally_users_close(srv->users);
	tally_election_free(srv->e);
	tally_store_close(srv->store);
}

/* libmicrohttpd's messages (a connection refused over a limit, one closed
 * by its client mid-request) go to standard error, at most LOG_PER_SECOND a
 * second: under attack there is one per connection, thousands a second, and
 * the log must not become the attack. What is left out is counted. */
#define LOG_PER_SECOND 10

__attribute__((format(printf, 2, 0))) static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	server *srv = cls;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&srv->log_lock);
	if (ts.tv_sec != srv->log_second) {
		if (srv->log_dropped)
			fprintf(stderr, "tally serve: %u more messages of libmicrohttpd in the last second\n",
			        srv->log_dropped);
		srv->log_second = ts.tv_sec;
		srv->log_shown = srv->log_dropped = 0;
	}
	if (srv->log_shown < LOG_PER_SECOND) {
		srv->log_shown++;
		vfprintf(stderr, fmt, ap);
	} else {
		srv->log_dropped++;
	}
	pthread_mutex_unlock(&srv->log_lock);
}

size_t server_daemon_options(server *srv, MHD_RequestCompletedCallback done,
                             struct MHD_OptionItem *opt)
{
	size_t n = 0;
	/* first: libmicrohttpd logs with its own logger until it has this one */
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)log_mhd, srv};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
	                                   (intptr_t)srv->cfg.max_conns, NULL};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
	                                   (intptr_t)(srv->cfg.timeout ? srv->cfg.timeout : 30u),
	                                   NULL};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	                                   (intptr_t)(64 * 1024), NULL};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)done, srv};
	n += server_conn_options(srv, opt + n);
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	return n;
}

int server_run(const server_config *cfg)
{
	server srv;
	memset(&srv, 0, sizeof srv);
	srv.cfg = *cfg;
	tally_error err = TALLY_ERROR_INIT;
	int rc = 1;
	struct MHD_Daemon *d = NULL;
	/* SIGINT and SIGTERM are taken by sigwait below, in this thread only:
	 * blocked before any thread starts (the group commit's writer, the
	 * deadlines' reaper, the pool), so every thread inherits the mask and
	 * none can be killed by them; cmd_serve blocks them even earlier, so
	 * that one sent while the store opens stops the server cleanly too */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&srv.lock, NULL);
	pthread_mutex_init(&srv.rl_lock, NULL);
	pthread_mutex_init(&srv.g_lock, NULL);
	pthread_mutex_init(&srv.fx_lock, NULL);
	pthread_mutex_init(&srv.c_lock, NULL);
	pthread_mutex_init(&srv.log_lock, NULL);
	pthread_cond_init(&srv.g_cond, NULL);
	pthread_cond_init(&srv.c_cond, NULL);
	server_json_init();
	/* libmicrohttpd 0.9 stores header values up to their first NUL byte
	 * (1.0 refuses such a request itself): conn.c checks the head */
	srv.head_check = strncmp(MHD_get_version(), "0.9.", 4) == 0;
	if (sodium_init() < 0) {
		fprintf(stderr, "error: libsodium failed to initialise\n");
		goto out;
	}
	randombytes_buf(&srv.boot, sizeof srv.boot);
	if (tally_store_open(cfg->db, &srv.store, &err) ||
	    tally_store_election(srv.store, &srv.e, &err) ||
	    tally_users_open(cfg->db, &srv.users, &err) ||
	    tally_election_write(srv.e, &srv.definition_json, &srv.definition_len, &err) ||
	    server_refresh(&srv, &err)) {
		fprintf(stderr, "error: %s%s%s [%s]\n", err.where, err.where[0] ? ": " : "", err.msg,
		        err.code);
		goto out;
	}
	if (server_group_start(&srv) || server_conn_start(&srv)) {
		fprintf(stderr, "error: cannot start the server's threads\n");
		goto out;
	}
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(cfg->port);
	if (inet_pton(AF_INET, cfg->bind, &sa.sin_addr) != 1) {
		fprintf(stderr, "error: --bind '%s' is not an IPv4 address\n", cfg->bind);
		goto out;
	}
	struct MHD_OptionItem opts[SERVER_DAEMON_OPTIONS];
	server_daemon_options(&srv, on_completed, opts);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
	                         MHD_ALLOW_SUSPEND_RESUME, 0,
	                     server_conn_accept, &srv, on_request, &srv,
	                     MHD_OPTION_ARRAY, opts,
	                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                     MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
	                     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "error: cannot listen on %s:%u: %s\n", cfg->bind, (unsigned)cfg->port,
		        strerror(errno));
		goto out;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : cfg->port;
	printf("tally serve: %s on http://%s:%u/ (API /api/v1, %u threads)\n", srv.e->name,
	       cfg->bind, port, cfg->threads);
	fflush(stdout);
	int sig = 0;
	sigwait(&sigs, &sig);
	fprintf(stderr, "tally serve: stopping (signal %d)\n", sig);
	rc = 0;
out:
	/* answer every queued submission before the daemon stops */
	server_group_stop(&srv);
	if (d)
		MHD_stop_daemon(d);
	server_conn_stop(&srv);
	if (srv.log_dropped)
		fprintf(stderr, "tally serve: %u more messages of libmicrohttpd in the last second\n",
		        srv.log_dropped);
	server_release(&srv);
	pthread_mutex_destroy(&srv.lock);
	pthread_mutex_destroy(&srv.rl_lock);
	pthread_mutex_destroy(&srv.g_lock);
	pthread_mutex_destroy(&srv.fx_lock);
	pthread_mutex_destroy(&srv.c_lock);
	pthread_mutex_destroy(&srv.log_lock);
	pthread_cond_destroy(&srv.g_cond);
	pthread_cond_destroy(&srv.c_cond);
	return rc;
}
