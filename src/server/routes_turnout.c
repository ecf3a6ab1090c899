/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_turnout.c: intraday turnout. GET /api/v1/turnout is public: the
 * voters who had received ballots at each reporting time, summed over the
 * stations that reported then (the shape of `tally turnout --format json`),
 * cached per generation. POST takes reports as JSON, one object
 * {"station","time","voters"} or an array of them (one JSON value, read
 * by body.c), checked by the core (T001-T006) and stored whole or not at
 * all; a precinct may report only its own station, a constituency
 * commission its stations. POST is parsed without srv->lock and takes it
 * for the write.
 */
#include "server/server_int.h"
#include "core/json_int.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

static int render_turnout(server *srv, tally_error *err)
{
	const tally_election *e = srv->e;
	tally_turnout *all = NULL;
	size_t n = 0;
	int rc = tally_store_turnout(srv->store, e, &all, &n, err);
	if (rc)
		return rc;
	tally_turnout_point pts[TALLY_MAX_TURNOUT_REPORTS];
	size_t nt = tally_turnout_by_time(all, n, pts, TALLY_MAX_TURNOUT_REPORTS);
	tally_free(all);
	uint64_t reg = 0;
	for (uint32_t i = 0; i < e->n_stations; i++)
		reg += e->stations[i].registered;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return tally_error_set(err, TALLY_ENOMEM, "", "turnout", "out of memory");
	fprintf(f, "{\"registered\":%llu,\"stations\":%u,\"reports\":[", (unsigned long long)reg,
	        e->n_stations);
	for (size_t i = 0; i < nt; i++) {
		char hm[6];
		tally_minute_format(pts[i].minute, hm);
		fprintf(f, "%s{\"time\":\"%s\",\"stations\":%llu,\"voters\":%llu,\"permyriad\":%u}",
		        i ? "," : "", hm, (unsigned long long)pts[i].stations,
		        (unsigned long long)pts[i].voters, tally_permyriad(pts[i].voters, reg));
	}
	fprintf(f, "]}\n");
	fclose(f);
	free(srv->turnout_json);
	srv->turnout_json = buf;
	srv->turnout_len = len;
	srv->turnout_gen = srv->gen;
	return TALLY_OK;
}

int routes_turnout_get(server_req *q, const char *arg)
{
	(void)arg;
	server *srv = q->srv;
	tally_error err = TALLY_ERROR_INIT;
	if (server_refresh(srv, &err) ||
	    ((!srv->turnout_json || srv->turnout_gen != srv->gen) && render_turnout(srv, &err)))
		return server_tally_error(q, &err);
	if (server_public_etag(q))
		return 0;
	fwrite(srv->turnout_json, 1, srv->turnout_len, q->out);
	return 0;
}

int routes_turnout_post(server_req *q, const char *arg)
{
	(void)arg;
	server *srv = q->srv;
	if (server_require(q, ROLE(TALLY_ROLE_PRECINCT) | ROLE(TALLY_ROLE_CONSTITUENCY) |
	                          ROLE(TALLY_ROLE_CEC)))
		return 0;
	/* parsed without srv->lock (the election does not change while the
	 * server runs): one JSON value, an object or an array of them */
	json_t *root = server_json_load(q), *list = NULL;
	tally_turnout *t = NULL;
	size_t n = 0, stored = 0;
	tally_error err = TALLY_ERROR_INIT;
	if (!root)
		goto out;
	if (!json_is_object(root) && !json_is_array(root)) {
		server_error(q, MHD_HTTP_BAD_REQUEST, "P002", "$",
		             "turnout reports are an object or an array of them");
		goto out;
	}
	if (!(list = server_json_list(q, root, "turnout report")))
		goto out;
	if (tally__turnout_json(srv->e, list, "body", &t, &n, &err)) {
		server_tally_error(q, &err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!server_may_station(q, t[i].station)) {
			server_scope_error(q, "station", srv->e->stations[t[i].station].id);
			goto out;
		}
	pthread_mutex_lock(&srv->lock);
	if (tally_store_turnout_add(srv->store, srv->e, t, n, &stored, &err)) {
		server_tally_error(q, &err);
	} else {
		q->status = stored ? MHD_HTTP_CREATED : MHD_HTTP_OK;
		fprintf(q->out, "{\"stored\":%zu,\"repeats\":%zu}\n", stored, n - stored);
		server_wrote(q);
	}
	pthread_mutex_unlock(&srv->lock);
out:
	tally_free(t);
	json_decref(list);
	json_decref(root);
	return 0;
}
