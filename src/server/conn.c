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

size_t server_conn_options(server *srv, struct MHD_OptionItem *opt)
{
	size_t n = 0;
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	                                   (intptr_t)srv->cfg.max_per_ip, NULL};
	opt[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_notify, srv};
	return n;
}
