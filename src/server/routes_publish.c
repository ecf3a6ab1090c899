/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_publish.c: POST /api/v1/publish (the CEC) counts what is stored and
 * logs the results statement in the transparency log, as `tally publish`
 * does (it takes no body); GET /api/v1/me tells a token's holder who the server takes them for.
 */
#include "server/server_int.h"
#include "render/render.h"

#include <microhttpd.h>

int routes_publish_post(server_req *q, const char *arg)
{
	(void)arg;
	server *srv = q->srv;
	if (server_require(q, ROLE(TALLY_ROLE_CEC)))
		return 0;
	/* it takes nothing: a body is a client's mistake, said, not ignored */
	if (q->len)
		return server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, "body",
		                    "POST /api/v1/publish takes no body");
	uint64_t index = 0, covered = 0;
	char *text = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_publish(srv->store, srv->e, &index, &covered, &text, &err))
		return server_tally_error(q, &err);
	q->status = MHD_HTTP_CREATED;
	fprintf(q->out, "{\"log_index\":%llu,\"covers\":%llu,\"statement\":",
	        (unsigned long long)index, (unsigned long long)covered);
	render_json_str(q->out, text ? text : "");
	fprintf(q->out, "}\n");
	tally_free(text);
	server_wrote(q);
	return 0;
}

int routes_me(server_req *q, const char *arg)
{
	(void)arg;
	if (server_require(q, ROLES_ANY))
		return 0;
	fprintf(q->out, "{\"name\":");
	render_json_str(q->out, q->user.name);
	fprintf(q->out, ",\"role\":\"%s\",\"scope\":", tally_role_name(q->user.role));
	render_json_str(q->out, q->user.scope);
	fprintf(q->out, ",\"created\":");
	render_json_str(q->out, q->user.created);
	fprintf(q->out, "}\n");
	return 0;
}
