/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_annulments.c: annulling a station's result (its constituency
 * commission or the CEC) or a whole constituency's (the CEC only), with the
 * reason the law requires (A002) and the user recorded as who decided.
 * Annulling twice is 409 (A001). The body is parsed (body.c) without
 * srv->lock; the write takes it.
 */
#include "server/server_int.h"
#include "render/render.h"

#include <jansson.h>
#include <microhttpd.h>
#include <string.h>

/* the "reason" of the body into buf; -1 after answering */
static int reason_of(server_req *q, const char *id, char *buf, size_t cap)
{
	json_t *b = server_json_body(q);
	if (!b)
		return -1;
	json_t *r = json_object_get(b, "reason");
	const char *s = json_is_string(r) ? json_string_value(r) : "";
	size_t n = strlen(s);
	int rc = 0;
	/* nothing but a reason: an unknown key (a "by", say) is refused, not ignored */
	if ((r && !json_is_string(r)) || json_object_size(b) > (r ? 1u : 0u)) {
		server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, id,
		             "an annulment body is {\"reason\": \"...\"} and nothing else");
		rc = -1;
	} else if (n == 0) {
		server_error(q, MHD_HTTP_BAD_REQUEST, "A002", id,
		             "an annulment needs a reason: send {\"reason\": \"...\"}");
		rc = -1;
	} else if (n >= cap) {
		server_error(q, MHD_HTTP_BAD_REQUEST, "P017", id, "the reason is longer than %zu bytes",
		             cap - 1);
		rc = -1;
	} else {
		memcpy(buf, s, n + 1);
	}
	json_decref(b);
	return rc;
}

static void answer(server_req *q, const char *kind, const char *id, const char *reason)
{
	q->status = MHD_HTTP_CREATED;
	fprintf(q->out, "{\"annulled\":\"%s\",\"id\":", kind);
	render_json_str(q->out, id);
	fprintf(q->out, ",\"reason\":");
	render_json_str(q->out, reason);
	fprintf(q->out, ",\"by\":");
	render_json_str(q->out, q->user.name);
	fprintf(q->out, "}\n");
	server_wrote(q);
}

int routes_annul_station(server_req *q, const char *arg)
{
	server *srv = q->srv;
	char reason[TALLY_MAX_REASON_LEN + 1];
	if (server_require(q, ROLE(TALLY_ROLE_CONSTITUENCY) | ROLE(TALLY_ROLE_CEC)))
		return 0;
	uint32_t st = tally_election_station(srv->e, arg);
	if (st == TALLY_NONE)
		return server_error(q, MHD_HTTP_NOT_FOUND, "P005", arg, "unknown station");
	if (!server_may_station(q, st))
		return server_scope_error(q, "station", arg);
	if (reason_of(q, arg, reason, sizeof reason))
		return 0;
	tally_error err = TALLY_ERROR_INIT;
	pthread_mutex_lock(&srv->lock);
	if (tally_store_annul_station(srv->store, srv->e, st, reason, q->user.name, &err))
		server_tally_error(q, &err);
	else
		answer(q, "station", arg, reason);
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

int routes_annul_constituency(server_req *q, const char *arg)
{
	server *srv = q->srv;
	char reason[TALLY_MAX_REASON_LEN + 1];
	if (server_require(q, ROLE(TALLY_ROLE_CEC)))
		return 0;
	uint32_t c = tally_election_constituency(srv->e, arg);
	if (c == TALLY_NONE)
		return server_error(q, MHD_HTTP_NOT_FOUND, "A003", arg, "unknown constituency");
	if (reason_of(q, arg, reason, sizeof reason))
		return 0;
	tally_error err = TALLY_ERROR_INIT;
	pthread_mutex_lock(&srv->lock);
	if (tally_store_annul_constituency(srv->store, srv->e, c, reason, q->user.name, &err))
		server_tally_error(q, &err);
	else
		answer(q, "constituency", arg, reason);
	pthread_mutex_unlock(&srv->lock);
	return 0;
}
