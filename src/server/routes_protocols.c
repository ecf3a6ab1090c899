/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_protocols.c: protocol entry over HTTP and what follows from it:
 * POST /api/v1/protocols (one protocol, an array, or {"protocols": [...]},
 * parsed by the core exactly as `tally submit` parses a file: a bad one
 * refuses the whole body with the CLI's code), the double-entry state of a
 * station (GET /stations/ID/entries), the stations in conflict and their
 * differences (GET /conflicts), resolving one (POST /stations/ID/resolve),
 * and the stations whose accepted protocol breaks a relation (GET
 * /warnings). The operator recorded for an entry is the token's user; only
 * the CEC (a data-entry centre entering on behalf of named operators) may
 * name another in "operator". The two POSTs are parsed (body.c) without
 * srv->lock: a submission is committed by the group commit's writer,
 * a resolution takes the lock for its write.
 */
#include "server/server_int.h"
#include "render/render.h"
#include "core/json_int.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define WRITERS (ROLE(TALLY_ROLE_PRECINCT) | ROLE(TALLY_ROLE_CONSTITUENCY) | ROLE(TALLY_ROLE_CEC))
#define READERS (ROLE(TALLY_ROLE_CONSTITUENCY) | ROLE(TALLY_ROLE_CEC) | ROLE(TALLY_ROLE_OBSERVER))

static const char *const entry_states[] = {"pending", "disputed", "accepted", "discarded"};
static const char *const action_names[] = {"pending", "accepted", "conflict", "resolved",
                                           "duplicate"};

static void entries_release(tally_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		tally_protocol_release(&v[i].p);
	free(v);
}

int routes_protocols_post(server_req *q, const char *arg)
{
	(void)arg;
	server *srv = q->srv;
	const tally_election *e = srv->e;
	if (server_require(q, WRITERS))
		return 0;
	/* parsed without srv->lock (the election does not change while the
	 * server runs); the store is used by the group commit's writer */
	json_t *root = server_json_load(q), *list = NULL;
	tally_entry *en = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (!root)
		return 0;
	json_t *wrapped = json_is_object(root) ? json_object_get(root, "protocols") : NULL;
	if (wrapped && (!json_is_array(wrapped) || json_object_size(root) != 1)) {
		server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, "body",
		             "{\"protocols\": [...]} takes an array of protocols and nothing else");
		goto out;
	}
	/* every item an object, and no more than SERVER_MAX_ITEMS, before any
	 * entry is allocated */
	if (!(list = server_json_list(q, wrapped ? wrapped : root, "protocol")))
		goto out;
	n = json_array_size(list);
	en = calloc(n, sizeof *en);
	if (!en) {
		server_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "body", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(list, i);
		char where[48];
		snprintf(where, sizeof where, json_is_array(root) || wrapped ? "body[%zu]" : "body", i);
		json_t *op = json_object_get(o, "operator");
		if (op && q->user.role != TALLY_ROLE_CEC &&
		    (!json_is_string(op) || strcmp(json_string_value(op), q->user.name) != 0)) {
			server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, where,
			             "\"operator\" is the token's user ('%s'); leave it out", q->user.name);
			goto out;
		}
		if (!op)
			json_object_set_new(o, "operator", json_string(q->user.name));
		if (tally_entry_parse_json(e, o, where, &en[i], &err)) {
			server_tally_error(q, &err);
			goto out;
		}
		if (!server_may_station(q, en[i].p.station)) {
			server_scope_error(q, "station", e->stations[en[i].p.station].id);
			goto out;
		}
	}
	q->sub_out = calloc(n, sizeof *q->sub_out);
	if (!q->sub_out) {
		server_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "body", "out of memory");
		goto out;
	}
	/* the group commit owns them now, and answers */
	q->sub_en = en;
	q->sub_n = n;
	en = NULL;
	n = 0;
	server_group_submit(q);
out:
	entries_release(en, n);
	json_decref(list);
	json_decref(root);
	return 0;
}

void routes_protocols_release(server_req *q)
{
	entries_release(q->sub_en, q->sub_n);
	free(q->sub_out);
	q->sub_en = NULL;
	q->sub_out = NULL;
	q->sub_n = 0;
}

/* the writer's part, under srv->lock after the commit: the status, and the
 * audit of a write that stored something */
void routes_protocols_settle(server_req *q)
{
	const tally_submit_outcome *out = q->sub_out;
	size_t n = q->sub_n;
	q->status = MHD_HTTP_OK;
	if (q->sub_rc) {
		q->status = server_status_of_error(&q->sub_err);
		return;
	}
	/* one protocol: its outcome is the response's status; several: 200 and
	 * an outcome each */
	if (n == 1) {
		if (out[0].status != TALLY_OK)
			q->status = server_status_of_error(&out[0].err);
		else if (out[0].action == TALLY_ACT_ACCEPT || out[0].action == TALLY_ACT_RESOLVE)
			q->status = MHD_HTTP_CREATED;
		else if (out[0].action == TALLY_ACT_DUPLICATE)
			q->status = MHD_HTTP_OK;
		else
			q->status = MHD_HTTP_ACCEPTED;
	}
	bool stored = false;
	for (size_t i = 0; i < n; i++)
		stored |= out[i].status == TALLY_OK && out[i].action != TALLY_ACT_DUPLICATE;
	if (stored)
		server_wrote(q);
}

/* the pool thread's part, once resumed: the body */
void routes_protocols_answer(server_req *q)
{
	const tally_election *e = q->srv->e;
	const tally_entry *en = q->sub_en;
	const tally_submit_outcome *out = q->sub_out;
	size_t n = q->sub_n;
	unsigned status = q->status;
	if (q->sub_rc) {
		server_tally_error(q, &q->sub_err);
		goto out;
	}
	if (n == 1 && out[0].status != TALLY_OK) {
		server_tally_error(q, &out[0].err);
		goto out;
	}
	FILE *f = q->out;
	if (!f)
		goto out;
	fprintf(f, "{\"results\":[");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"station\":", i ? "," : "");
		render_json_str(f, e->stations[en[i].p.station].id);
		fprintf(f, ",\"operator\":");
		render_json_str(f, en[i].operator_id);
		if (out[i].status != TALLY_OK) {
			fprintf(f, ",\"status\":\"refused\",\"error\":{\"code\":");
			render_json_str(f, out[i].err.code);
			fprintf(f, ",\"where\":");
			render_json_str(f, out[i].err.where);
			fprintf(f, ",\"message\":");
			render_json_str(f, out[i].err.msg);
			fprintf(f, "}}");
			continue;
		}
		fprintf(f, ",\"status\":\"%s\",\"entry\":%lld,\"version\":%u,\"log_index\":%llu,"
		           "\"warnings\":[",
		        action_names[out[i].action], (long long)out[i].entry_id, out[i].version,
		        (unsigned long long)out[i].log_index);
		for (uint32_t k = 0; k < out[i].check.n; k++) {
			char d[400];
			tally_violation_describe(e, &out[i].check.v[k], d, sizeof d);
			fprintf(f, "%s", k ? "," : "");
			render_json_str(f, d);
		}
		fprintf(f, "]");
		if (out[i].action == TALLY_ACT_CONFLICT)
			fprintf(f, ",\"differing_lines\":%zu", out[i].n_diff);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
	q->status = status;
out:
	routes_protocols_release(q);
}

/* the station named in the path, checked for existence and scope */
static int station_arg(server_req *q, const char *arg, uint32_t *st)
{
	*st = tally_election_station(q->srv->e, arg);
	if (*st == TALLY_NONE) {
		server_error(q, MHD_HTTP_NOT_FOUND, "P005", arg, "unknown station");
		return -1;
	}
	if (!server_may_station(q, *st)) {
		server_scope_error(q, "station", arg);
		return -1;
	}
	return 0;
}

int routes_entries_get(server_req *q, const char *arg)
{
	server *srv = q->srv;
	uint32_t st;
	if (server_require(q, ROLES_ANY) || station_arg(q, arg, &st))
		return 0;
	tally_entry_row *rows = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_entries(srv->store, srv->e, st, &rows, &n, &err))
		return server_tally_error(q, &err);
	q->cache_control = "private, no-store";
	fprintf(q->out, "{\"station\":");
	render_json_str(q->out, arg);
	fprintf(q->out, ",\"entries\":[");
	for (size_t i = 0; i < n; i++) {
		tally_entry en;
		memset(&en, 0, sizeof en);
		en.p = rows[i].p;
		memcpy(en.operator_id, rows[i].operator_id, sizeof en.operator_id);
		memcpy(en.reason, rows[i].reason, sizeof en.reason);
		char *js = NULL;
		fprintf(q->out, "%s{\"id\":%lld,\"version\":%u,\"state\":\"%s\",\"created\":",
		        i ? "," : "", (long long)rows[i].id, rows[i].version,
		        entry_states[rows[i].state & 3]);
		render_json_str(q->out, rows[i].created);
		fprintf(q->out, ",\"operator\":");
		render_json_str(q->out, rows[i].operator_id);
		if (tally_entry_to_json(srv->e, &en, &js, &err) == TALLY_OK) {
			fprintf(q->out, ",\"protocol\":%s", js);
			tally_free(js);
		}
		fprintf(q->out, "}");
	}
	fprintf(q->out, "]}\n");
	tally_store_rows_free(rows, n);
	return 0;
}

int routes_conflicts_get(server_req *q, const char *arg)
{
	(void)arg;
	server *srv = q->srv;
	const tally_election *e = srv->e;
	if (server_require(q, READERS))
		return 0;
	uint32_t *list = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_conflicts(srv->store, e, &list, &n, &err))
		return server_tally_error(q, &err);
	FILE *f = q->out;
	fprintf(f, "{\"conflicts\":[");
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (!server_may_station(q, list[i]))
			continue;
		tally_entry_row *rows = NULL;
		size_t nr = 0;
		if (tally_store_entries(srv->store, e, list[i], &rows, &nr, &err))
			continue;
		const tally_entry_row *d[2] = {NULL, NULL};
		size_t nd = 0;
		for (size_t k = 0; k < nr; k++)
			if (rows[k].state == TALLY_ENTRY_DISPUTED && nd < 2)
				d[nd++] = &rows[k];
		fprintf(f, "%s{\"station\":", first ? "" : ",");
		first = false;
		render_json_str(f, e->stations[list[i]].id);
		fprintf(f, ",\"entries\":[");
		for (size_t k = 0; k < nd; k++) {
			fprintf(f, "%s{\"id\":%lld,\"operator\":", k ? "," : "", (long long)d[k]->id);
			render_json_str(f, d[k]->operator_id);
			fprintf(f, "}");
		}
		fprintf(f, "],\"differences\":[");
		if (nd == 2) {
			tally_diff_item items[64];
			size_t nn = tally_protocol_diff(&d[0]->p, &d[1]->p, items, 64);
			const tally_constituency *con = &e->constituencies[e->stations[list[i]].constituency];
			for (size_t k = 0; k < nn && k < 64; k++) {
				const char *key = items[k].line == TALLY_LINE_CANDIDATES
				                      ? e->candidates[con->candidates[items[k].cand]].id
				                      : e->tmpl->lines[items[k].line].key;
				fprintf(f, "%s{\"line\":", k ? "," : "");
				render_json_str(f, key);
				fprintf(f, ",\"a\":%llu,\"b\":%llu}", (unsigned long long)items[k].a,
				        (unsigned long long)items[k].b);
			}
		}
		fprintf(f, "]}");
		tally_store_rows_free(rows, nr);
	}
	fprintf(f, "]}\n");
	tally_free(list);
	return 0;
}

int routes_warnings_get(server_req *q, const char *arg)
{
	(void)arg;
	server *srv = q->srv;
	const tally_election *e = srv->e;
	if (server_require(q, READERS))
		return 0;
	tally_error err = TALLY_ERROR_INIT;
	if (server_refresh(srv, &err))
		return server_tally_error(q, &err);
	const tally_results *r = srv->r;
	FILE *f = q->out;
	fprintf(f, "{\"warnings\":[");
	bool first = true;
	for (uint32_t s = 0; s < e->n_stations; s++) {
		const tally_station_result *sr = &r->st[s];
		if (!sr->reported || !(sr->n_errors || sr->n_warnings) || !server_may_station(q, s))
			continue;
		fprintf(f, "%s{\"station\":", first ? "" : ",");
		first = false;
		render_json_str(f, e->stations[s].id);
		fprintf(f, ",\"annulled\":%s,\"checks\":", sr->annulled ? "true" : "false");
		server_write_checks(f, e, r, s);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
	return 0;
}

int routes_resolve_post(server_req *q, const char *arg)
{
	server *srv = q->srv;
	uint32_t st;
	if (server_require(q, ROLE(TALLY_ROLE_CONSTITUENCY) | ROLE(TALLY_ROLE_CEC)) ||
	    station_arg(q, arg, &st))
		return 0;
	json_t *b = server_json_body(q);
	if (!b)
		return 0;
	json_t *keep = json_object_get(b, "keep"), *discard = json_object_get(b, "discard");
	json_int_t id = json_is_integer(keep) ? json_integer_value(keep) : 0;
	bool ok = ((id > 0 && !discard) || (!keep && json_is_true(discard))) &&
	          json_object_size(b) == 1;  /* an unknown key beside them is refused */
	json_decref(b);
	if (!ok)
		return server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, "body",
		                    "send {\"keep\": ENTRY_ID} or {\"discard\": true}");
	tally_error err = TALLY_ERROR_INIT;
	pthread_mutex_lock(&srv->lock);
	if (tally_store_resolve(srv->store, srv->e, st, (int64_t)id, q->user.name, &err)) {
		server_tally_error(q, &err);
	} else {
		fprintf(q->out, "{\"station\":");
		render_json_str(q->out, arg);
		if (id > 0)
			fprintf(q->out, ",\"kept\":%lld}\n", (long long)id);
		else
			fprintf(q->out, ",\"discarded\":true}\n");
		server_wrote(q);
	}
	pthread_mutex_unlock(&srv->lock);
	return 0;
}
