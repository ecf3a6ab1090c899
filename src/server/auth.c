/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c: who is asking and what they may do. A request carries
 * "Authorization: Bearer tly_..."; the token's SHA-256 is looked up in the
 * users table (users.h). Public reads need no token, but a token that is
 * sent must be good: a bad one is 401 everywhere, so a misconfigured
 * client finds out at once. Each user's requests pass a token bucket
 * (--rate per second, --burst at once): over it is 429 with Retry-After.
 * Roles and scopes (docs/api-http.md):
 *   precinct      its own station (scope = station id)
 *   constituency  the stations of its constituency (scope = constituency id)
 *   cec           everything
 *   observer      reads everything, writes nothing
 */
#include "server/server_int.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t slot_of(int64_t id, size_t n)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 17) & (n - 1);
}

/* grow the open-addressing table to twice its size (n is a power of two) */
static bool buckets_grow(server *srv)
{
	size_t n = srv->n_buckets ? srv->n_buckets * 2 : 1024;
	server_bucket *nb = calloc(n, sizeof *nb);
	if (!nb)
		return false;
	for (size_t i = 0; i < srv->n_buckets; i++) {
		if (!srv->buckets[i].user)
			continue;
		size_t k = slot_of(srv->buckets[i].user, n);
		while (nb[k].user)
			k = (k + 1) & (n - 1);
		nb[k] = srv->buckets[i];
	}
	free(srv->buckets);
	srv->buckets = nb;
	srv->n_buckets = n;
	return true;
}

void server_buckets_release(server *srv)
{
	free(srv->buckets);
	srv->buckets = NULL;
	srv->n_buckets = srv->used_buckets = 0;
}

/* true when user "id" may make one more request now */
static bool rate_take(server *srv, int64_t id)
{
	bool ok = true;
	pthread_mutex_lock(&srv->rl_lock);
	if ((srv->used_buckets + 1) * 2 > srv->n_buckets && !buckets_grow(srv))
		goto out;  /* no memory for a bucket: do not refuse the request for that */
	size_t k = slot_of(id, srv->n_buckets);
	while (srv->buckets[k].user && srv->buckets[k].user != id)
		k = (k + 1) & (srv->n_buckets - 1);
	server_bucket *b = &srv->buckets[k];
	double t = now_s();
	if (!b->user) {
		b->user = id;
		b->tokens = srv->cfg.burst;
		b->at = t;
		srv->used_buckets++;
	}
	b->tokens += (t - b->at) * srv->cfg.rate;
	if (b->tokens > srv->cfg.burst)
		b->tokens = srv->cfg.burst;
	b->at = t;
	if (b->tokens >= 1.0)
		b->tokens -= 1.0;
	else
		ok = false;
out:
	pthread_mutex_unlock(&srv->rl_lock);
	return ok;
}

int server_authenticate(server_req *q)
{
	const char *h = server_header(q, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h)
		return 0;
	/* never pick one of several credentials */
	if (server_header_count(q, MHD_HTTP_HEADER_AUTHORIZATION) > 1) {
		server_error(q, MHD_HTTP_UNAUTHORIZED, H_AUTH, "Authorization",
		             "send one Authorization header, not several");
		return -1;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		server_error(q, MHD_HTTP_UNAUTHORIZED, H_AUTH, "Authorization",
		             "send 'Authorization: Bearer TOKEN' with a token from 'tally user add'");
		return -1;
	}
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	size_t len = strlen(tok);
	while (len && tok[len - 1] == ' ')
		len--;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_users_find(q->srv->users, tok, len, &q->user, &err);
	if (rc == TALLY_ENOTFOUND) {
		server_error(q, MHD_HTTP_UNAUTHORIZED, H_AUTH, "Authorization",
		             "%s; ask the CEC for a token ('tally user add')", err.msg);
		return -1;
	}
	if (rc) {
		server_tally_error(q, &err);
		return -1;
	}
	q->has_user = true;
	if (!rate_take(q->srv, q->user.id)) {
		server_error(q, MHD_HTTP_TOO_MANY_REQUESTS, H_RATE, q->user.name,
		             "more than %u requests a second (burst %u) with this token; slow down",
		             q->srv->cfg.rate, q->srv->cfg.burst);
		return -1;
	}
	return 0;
}

int server_require(server_req *q, unsigned roles)
{
	if (!q->has_user) {
		server_error(q, MHD_HTTP_UNAUTHORIZED, H_AUTH, "Authorization",
		             "this needs a token: send 'Authorization: Bearer TOKEN'");
		return -1;
	}
	if (!(roles & ROLE(q->user.role))) {
		server_error(q, MHD_HTTP_FORBIDDEN, H_ROLE, q->url,
		             "the role %s may not do this", tally_role_name(q->user.role));
		return -1;
	}
	return 0;
}

bool server_may_station(const server_req *q, uint32_t st)
{
	const tally_election *e = q->srv->e;
	if (!q->has_user || st >= e->n_stations)
		return false;
	switch (q->user.role) {
	case TALLY_ROLE_PRECINCT: return strcmp(e->stations[st].id, q->user.scope) == 0;
	case TALLY_ROLE_CONSTITUENCY:
		return strcmp(e->constituencies[e->stations[st].constituency].id, q->user.scope) == 0;
	case TALLY_ROLE_CEC:
	case TALLY_ROLE_OBSERVER: return true;
	}
	return false;
}

bool server_may_constituency(const server_req *q, uint32_t c)
{
	const tally_election *e = q->srv->e;
	if (!q->has_user || c >= e->n_constituencies)
		return false;
	switch (q->user.role) {
	case TALLY_ROLE_PRECINCT: return false;
	case TALLY_ROLE_CONSTITUENCY: return strcmp(e->constituencies[c].id, q->user.scope) == 0;
	case TALLY_ROLE_CEC:
	case TALLY_ROLE_OBSERVER: return true;
	}
	return false;
}

int server_scope_error(server_req *q, const char *kind, const char *id)
{
	return server_error(q, MHD_HTTP_FORBIDDEN, H_SCOPE, id,
	                    "%s '%s' is outside the scope of %s (%s %s)", kind, id, q->user.name,
	                    tally_role_name(q->user.role), q->user.scope);
}
