/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_results.c: the public reads of election night: the definition,
 * the national results, one constituency, one station, and reporting
 * progress. Each is answered from the server's cached count
 * (server_refresh) with the ETag of its generation, so an unchanged result
 * is a 304. The JSON is the same as `tally results --format json` prints
 * (render_results, render_constituency), so the dashboard and the command
 * line cannot disagree.
 */
#include "server/server_int.h"
#include "render/render.h"

#include <microhttpd.h>
#include <string.h>

void server_write_checks(FILE *f, const tally_election *e, const tally_results *r, uint32_t st)
{
	const uint32_t *v = tally_results_station_values(r, st);
	tally_protocol p;
	tally_check chk;
	fputc('[', f);
	if (v && tally_protocol_init(&p, e, st) == TALLY_OK) {
		for (uint32_t k = 0; k < p.n_lines; k++)
			p.lines[k] = v[k];
		for (uint32_t k = 0; k < p.n_cand; k++)
			p.cand[k] = v[e->tmpl->n_lines + k];
		tally_protocol_check(e, &p, &chk);
		for (uint32_t k = 0; k < chk.n; k++) {
			const tally_relation *rel = &e->tmpl->relations[chk.v[k].relation];
			char d[400];
			tally_violation_describe(e, &chk.v[k], d, sizeof d);
			fprintf(f, "%s{\"code\":", k ? "," : "");
			render_json_str(f, rel->code);
			fprintf(f, ",\"severity\":\"%s\",\"text\":",
			        rel->severity == TALLY_SEV_ERROR ? "error" : "warning");
			render_json_str(f, d);
			fprintf(f, "}");
		}
		tally_protocol_release(&p);
	}
	fputc(']', f);
}

static int refreshed(server_req *q)
{
	tally_error err = TALLY_ERROR_INIT;
	if (server_refresh(q->srv, &err)) {
		server_tally_error(q, &err);
		return -1;
	}
	return 0;
}

int routes_definition(server_req *q, const char *arg)
{
	(void)arg;
	/* the definition cannot change under a running server: a day's caching */
	snprintf(q->etag, sizeof q->etag, "\"def-%016llx\"", (unsigned long long)q->srv->boot);
	q->cache_control = "public, max-age=86400";
	const char *inm = server_header(q, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm && strstr(inm, q->etag)) {
		q->status = MHD_HTTP_NOT_MODIFIED;
		return 0;
	}
	fwrite(q->srv->definition_json, 1, q->srv->definition_len, q->out);
	return 0;
}

int routes_results(server_req *q, const char *arg)
{
	(void)arg;
	if (refreshed(q) || server_public_etag(q))
		return 0;
	fwrite(q->srv->results_json, 1, q->srv->results_len, q->out);
	return 0;
}

int routes_results_constituency(server_req *q, const char *arg)
{
	uint32_t c = tally_election_constituency(q->srv->e, arg);
	if (c == TALLY_NONE)
		return server_error(q, MHD_HTTP_NOT_FOUND, "A003", arg, "unknown constituency");
	if (refreshed(q) || server_public_etag(q))
		return 0;
	render_constituency(q->out, q->srv->r, c, RENDER_JSON);
	return 0;
}

int routes_results_station(server_req *q, const char *arg)
{
	server *srv = q->srv;
	const tally_election *e = srv->e;
	uint32_t st = tally_election_station(e, arg);
	if (st == TALLY_NONE)
		return server_error(q, MHD_HTTP_NOT_FOUND, "P005", arg, "unknown station");
	if (refreshed(q) || server_public_etag(q))
		return 0;
	const tally_results *r = srv->r;
	const tally_station *sta = &e->stations[st];
	const tally_constituency *con = &e->constituencies[sta->constituency];
	const tally_station_result *sr = &r->st[st];
	const uint32_t *v = tally_results_station_values(r, st);
	tally_entry_row *rows = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_entries(srv->store, e, st, &rows, &n, &err))
		return server_tally_error(q, &err);
	FILE *f = q->out;
	fprintf(f, "{\"station\":");
	render_json_str(f, sta->id);
	fprintf(f, ",\"name\":");
	render_json_str(f, sta->name);
	fprintf(f, ",\"constituency\":");
	render_json_str(f, con->id);
	fprintf(f, ",\"constituency_name\":");
	render_json_str(f, con->name);
	fprintf(f, ",\"area\":");
	render_json_str(f, sta->area);
	fprintf(f, ",\"registered\":%llu,\"type\":\"%s\",\"reported\":%s,\"annulled\":%s,"
	           "\"version\":%u,\"lines\":[",
	        (unsigned long long)sta->registered, tally_station_type_name(sta->type),
	        sr->reported ? "true" : "false", sr->annulled ? "true" : "false", sr->version);
	for (uint32_t k = 0; v && k < e->tmpl->n_lines; k++) {
		fprintf(f, "%s{\"key\":", k ? "," : "");
		render_json_str(f, e->tmpl->lines[k].key);
		fprintf(f, ",\"label\":");
		render_json_str(f, e->tmpl->lines[k].label);
		fprintf(f, ",\"value\":%u}", v[k]);
	}
	fprintf(f, "],\"candidates\":[");
	for (uint32_t k = 0; v && k < con->n_candidates; k++) {
		const tally_candidate *cd = &e->candidates[con->candidates[k]];
		fprintf(f, "%s{\"id\":", k ? "," : "");
		render_json_str(f, cd->id);
		fprintf(f, ",\"name\":");
		render_json_str(f, cd->name);
		fprintf(f, ",\"affiliation\":");
		render_json_str(f, tally_candidate_affiliation(e, con->candidates[k]));
		fprintf(f, ",\"votes\":%u}", v[e->tmpl->n_lines + k]);
	}
	fprintf(f, "],\"checks\":");
	server_write_checks(f, e, r, st);
	/* the history as the public may see it: versions and their times; the
	 * operators' names are for observers (GET /stations/ID/entries) */
	static const char *const states[] = {"pending", "disputed", "accepted", "discarded"};
	fprintf(f, ",\"history\":[");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"version\":%u,\"state\":\"%s\",\"created\":", i ? "," : "",
		        rows[i].version, states[rows[i].state & 3]);
		render_json_str(f, rows[i].created);
		fprintf(f, ",\"reason\":");
		render_json_str(f, rows[i].reason);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
	tally_store_rows_free(rows, n);
	return 0;
}

int routes_progress(server_req *q, const char *arg)
{
	(void)arg;
	if (refreshed(q) || server_public_etag(q))
		return 0;
	const tally_results *r = q->srv->r;
	fprintf(q->out,
	        "{\"generation\":%llu,\"stations\":%u,\"reported\":%u,\"annulled\":%u,"
	        "\"warned\":%u,\"registered\":%llu,\"registered_reported\":%llu,"
	        "\"reported_permyriad\":%u,\"ballots_cast\":%llu,\"turnout_permyriad\":%u,"
	        "\"seats\":%u,\"seats_filled\":%u,\"outcomes\":{",
	        (unsigned long long)q->srv->gen, r->stations, r->reported, r->annulled_stations,
	        r->warned, (unsigned long long)r->registered,
	        (unsigned long long)r->registered_reported, tally_permyriad(r->reported, r->stations),
	        (unsigned long long)r->ballots_cast,
	        tally_permyriad(r->ballots_cast, r->registered_lines), q->srv->e->seats,
	        r->seats_filled);
	for (int o = 0; o <= TALLY_OUT_COUNTED; o++)
		fprintf(q->out, "%s\"%s\":%u", o ? "," : "", tally_outcome_name((tally_outcome)o),
		        r->by_outcome[o]);
	fprintf(q->out, "}}\n");
	return 0;
}
