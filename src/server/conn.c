/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.c: the connections of `tally serve`, and what keeps a few clients
 * from holding all of them. libmicrohttpd closes a connection that has been
 * idle for --timeout seconds, but a client that sends one header line every
 * few seconds is never idle, and a thousand of them fill the connection
 * table (--max-conns) for as long as they like. So:
 *
 *   - one address may hold at most --max-conns-per-ip connections
 *     (libmicrohttpd's MHD_OPTION_PER_IP_CONNECTION_LIMIT), and one IPv4
 *     /24 at most --max-conns-per-net (server_conn_accept, counted here: an
 *     attacker with many addresses in one network is still one network);
 *   - a request's line and headers must have arrived --head-timeout seconds
 *     after the connection opened or its previous response was sent, and
 *     its body --body-timeout seconds after its head, however busily the
 *     client trickles. One thread (reaper) looks at every connection a few
 *     times a second and shuts down (shutdown(2)) the socket of one that is
 *     late; libmicrohttpd then sees the end of the stream and closes it.
 *
 * The reaper never closes a socket: libmicrohttpd does, after its "closed"
 * notice (conn_notify), which takes c_lock, the lock the reaper holds while
 * it calls shutdown(2), so a socket is never shut down after its number has
 * been reused by another connection (libmicrohttpd 0.9.75, daemon.c:
 * MHD_cleanup_connections calls the notice before MHD_socket_close_chk_).
 *
 * The request target is noted here too, before libmicrohttpd decodes it
 * (conn_uri_cb): libmicrohttpd 0.9 cuts the target at a decoded %00, and
 * stores header values up to their first NUL byte, so "/index.html%00.png"
 * would be read as "/index.html" and "Bearer TOKEN\0junk" as "Bearer
 * TOKEN". server_conn_head_check finds such bytes (RFC 9110 5.5: a NUL in
 * a field value is invalid; RFC 9112 3.2: nor is one in the request
 * target), and a header folded over two lines (RFC 9112 5.2: obs-fold, to
 * be refused), which libmicrohttpd moves out of the head.
 */
#include "server/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define REAP_EVERY_MS 100  /* deadlines are kept to within a tenth of a second */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static server_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* ==== limits per network ==== */

static uint32_t net_of(const struct sockaddr *addr)
{
	if (!addr || addr->sa_family != AF_INET)
		return UINT32_MAX;
	const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
	return ntohl(in->sin_addr.s_addr) >> 8;
}

/* libmicrohttpd's accept policy: a connection from a /24 that already has
 * --max-conns-per-net open is refused (closed at once). Connections are
 * counted from their "started" notice, which libmicrohttpd gives in the
 * same thread right after this call; connections accepted at the same
 * moment by other pool threads may pass the limit by up to --threads - 1. */
enum MHD_Result server_conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	server *srv = cls;
	(void)addrlen;
	uint32_t net = net_of(addr);
	if (!srv->cfg.max_per_net || net == UINT32_MAX)
		return MHD_YES;
	unsigned n = 0;
	pthread_mutex_lock(&srv->c_lock);
	for (const server_conn *sc = srv->c_head; sc && n < srv->cfg.max_per_net; sc = sc->next)
		n += sc->net == net;
	pthread_mutex_unlock(&srv->c_lock);
	return n < srv->cfg.max_per_net ? MHD_YES : MHD_NO;
}

/* ==== the list of open connections ==== */

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
	server *srv = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		server_conn *sc = calloc(1, sizeof *sc);
		if (!sc)
			return;  /* on_request answers 503 for a connection without one */
		const union MHD_ConnectionInfo *fi =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ai =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		sc->fd = fi ? fi->connect_fd : -1;
		sc->net = net_of(ai ? ai->client_addr : NULL);
		sc->phase = CONN_HEAD;
		sc->since = now_s();
		pthread_mutex_lock(&srv->c_lock);
		sc->next = srv->c_head;
		if (srv->c_head)
			srv->c_head->prev = sc;
		srv->c_head = sc;
		pthread_mutex_unlock(&srv->c_lock);
		*socket_context = sc;
		return;
	}
	/* closed: libmicrohttpd closes the socket after this returns */
	server_conn *sc = *socket_context;
	if (!sc)
		return;
	pthread_mutex_lock(&srv->c_lock);
	if (sc->prev)
		sc->prev->next = sc->next;
	else
		srv->c_head = sc->next;
	if (sc->next)
		sc->next->prev = sc->prev;
	pthread_mutex_unlock(&srv->c_lock);
	free(sc);
	*socket_context = NULL;
}

void server_conn_phase(server *srv, void *c, int phase)
{
	server_conn *sc = conn_of(c);
	if (!sc)
		return;
	pthread_mutex_lock(&srv->c_lock);
	sc->phase = phase;
	sc->since = now_s();
	pthread_mutex_unlock(&srv->c_lock);
}

/* ==== deadlines ==== */

static void *reaper(void *arg)
{
	server *srv = arg;
	pthread_mutex_lock(&srv->c_lock);
	while (!srv->c_stopping) {
		double t = now_s();
		for (server_conn *sc = srv->c_head; sc; sc = sc->next) {
			unsigned limit = sc->phase == CONN_HEAD   ? srv->cfg.head_timeout
			                 : sc->phase == CONN_BODY ? srv->cfg.body_timeout
			                                          : 0;
			if (sc->cut || !limit || sc->fd < 0 || t - sc->since < (double)limit)
				continue;
			/* the socket is open: its "closed" notice needs c_lock */
			shutdown(sc->fd, SHUT_RDWR);
			sc->cut = true;
			srv->c_cut++;
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += REAP_EVERY_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&srv->c_cond, &srv->c_lock, &until);
	}
	pthread_mutex_unlock(&srv->c_lock);
	return NULL;
}

int server_conn_start(server *srv)
{
	if (!srv->cfg.head_timeout && !srv->cfg.body_timeout)
		return 0;
	if (pthread_create(&srv->c_thread, NULL, reaper, srv) != 0)
		return -1;
	srv->c_started = true;
	return 0;
}

void server_conn_stop(server *srv)
{
	if (!srv->c_started)
		return;
	pthread_mutex_lock(&srv->c_lock);
	srv->c_stopping = true;
	pthread_cond_signal(&srv->c_cond);
	pthread_mutex_unlock(&srv->c_lock);
	pthread_join(srv->c_thread, NULL);
	srv->c_started = false;
	if (srv->c_cut)
		fprintf(stderr, "tally serve: %llu connections cut at the request deadline\n",
		        (unsigned long long)srv->c_cut);
}

/* ==== the request head as sent ==== */

/* libmicrohttpd's URI callback: the target before it is split at '?' and
 * decoded. What it returns becomes the request's context, which on_request
 * makes itself: NULL. */
static void *conn_uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	server_conn *sc = conn_of(c);
	if (sc) {
		sc->uri_len = uri ? strlen(uri) : 0;
		sc->uri_nul = uri && strstr(uri, "%00") != NULL;
	}
	return NULL;
}

/* the offset of "p" in the head [h, h + n), or false when it is outside */
static bool offset_in(const char *h, size_t n, const char *p, size_t *off)
{
	uintptr_t a = (uintptr_t)h, x = (uintptr_t)p;
	if (x < a || x - a >= n)
		return false;
	*off = (size_t)(x - a);
	return true;
}

/* a line ends at h[p] (its CR or LF, made NUL by libmicrohttpd) and the
 * next begins at "next": after one NUL (LF) or two (CR LF) */
static bool eol(const char *h, size_t p, size_t next)
{
	return h[p] == '\0' && (next == p + 1 || (next == p + 2 && h[p + 1] == '\0'));
}

typedef struct walk {
	const char *h;        /* the head, as libmicrohttpd keeps it */
	size_t n, p;          /* its length; the end of the line before */
	bool ok;
} walk;

static enum MHD_Result walk_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	walk *w = cls;
	size_t k, v;
	/* a value with a NUL inside (as a later libmicrohttpd could report it) */
	if (!value || memchr(value, '\0', value_size) || strlen(key) != key_size) {
		w->ok = false;
		return MHD_NO;
	}
	if (!w->h)
		return MHD_YES;
	/* libmicrohttpd 0.9: the key begins the line after the last one; the
	 * colon after it is a NUL, then blanks, then the value, which ends
	 * where its line does */
	if (!offset_in(w->h, w->n, key, &k) || !offset_in(w->h, w->n, value, &v) ||
	    !eol(w->h, w->p, k) || k + key_size >= v) {
		w->ok = false;
		return MHD_NO;
	}
	for (size_t i = k + key_size + 1; i < v; i++)
		if (w->h[i] != ' ' && w->h[i] != '\t') {
			w->ok = false;
			return MHD_NO;
		}
	w->p = v + value_size;
	if (w->p >= w->n) {
		w->ok = false;
		return MHD_NO;
	}
	return MHD_YES;
}

unsigned server_conn_head_check(server *srv, void *conn, const char *method, const char *url,
                                const char *version, const char **why)
{
	struct MHD_Connection *c = conn;
	const server_conn *sc = conn_of(c);
	walk w = {NULL, 0, 0, true};
	if (!sc) {
		*why = "the server is out of memory";
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (sc->uri_nul) {
		*why = "an encoded NUL (%00) in the request target";
		return MHD_HTTP_BAD_REQUEST;
	}
	*why = "bytes the server would not see in the request head: a NUL byte, or a header "
	       "folded over two lines";
	if (srv->head_check) {
		/* libmicrohttpd 0.9 keeps the head in one buffer, with every CR,
		 * LF, the colon of each header and the space after the method and
		 * the target made NUL, and passes pointers into it: every byte of
		 * the head must be accounted for by them, so a NUL that cut a value
		 * or the target short shows as bytes left over */
		const union MHD_ConnectionInfo *hs =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
		size_t u, ver, p;
		w.h = method;
		w.n = hs ? hs->header_size : 0;
		if (!w.n || !offset_in(w.h, w.n, url, &u) || !offset_in(w.h, w.n, version, &ver))
			return MHD_HTTP_BAD_REQUEST;
		p = strnlen(w.h, w.n);  /* the method, then its space */
		if (p >= w.n)
			return MHD_HTTP_BAD_REQUEST;
		for (p++; p < u && w.h[p] == ' '; p++)
			;
		/* the target as first seen, then the space before the version */
		if (p != u || u + sc->uri_len + 1 != ver)
			return MHD_HTTP_BAD_REQUEST;
		w.p = ver + strnlen(w.h + ver, w.n - ver);
		if (w.p >= w.n)
			return MHD_HTTP_BAD_REQUEST;
	}
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, walk_header, &w);
	if (!w.ok)
		return MHD_HTTP_BAD_REQUEST;
	if (w.h) {
		/* the blank line: nothing but NULs (CR LF CR LF, or LF LF) to the end */
		if (w.n - w.p < 2 || w.n - w.p > 4)
			return MHD_HTTP_BAD_REQUEST;
		for (size_t i = w.p; i < w.n; i++)
			if (w.h[i] != '\0')
				return MHD_HTTP_BAD_REQUEST;
	}
	return 0;
}

size_t server_conn_options(server *srv, struct MHD_OptionItem *opt)
{
	size_t n = 0;
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	                                   (intptr_t)srv->cfg.max_per_ip, NULL};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_notify, srv};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)conn_uri_cb, srv};
	return n;
}
