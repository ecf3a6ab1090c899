/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_turnout.c: intraday turnout. GET /api/v1/turnout is public: the
 * voters who had received ballots at each reporting time, summed over the
 * stations that reported then (the shape of `tally turnout --format json`),
 * cached per generation. POST takes reports as JSON, one object
 * {"station","time","voters"} or an array of them, checked by the core
 * (T001-T006) and stored whole or not at all; a precinct may report only
 * its own station, a constituency commission its stations.
 */
#include "server/server_int.h"

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
	if (!q->body || q->len == 0)
		return server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, "body",
		                    "send {\"station\",\"time\",\"voters\"} or an array of them");
	/* the core reads an array; one object is an array of one */
	size_t i0 = 0;
	while (i0 < q->len && strchr(" \t\r\n", q->body[i0]))
		i0++;
	char *buf = NULL;
	size_t len = q->len;
	if (i0 < q->len && q->body[i0] == '{') {
		buf = malloc(q->len + 3);
		if (!buf)
			return server_error(q, 500, "", "body", "out of memory");
		buf[0] = '[';
		memcpy(buf + 1, q->body, q->len);
		buf[q->len + 1] = ']';
		buf[q->len + 2] = '\0';
		len = q->len + 2;
	}
	tally_turnout *t = NULL;
	size_t n = 0, stored = 0;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_turnout_parse(srv->e, buf ? buf : q->body, len, "body", "json", &t, &n, &err);
	free(buf);
	if (rc)
		return server_tally_error(q, &err);
	for (size_t i = 0; i < n; i++)
		if (!server_may_station(q, t[i].station)) {
			server_scope_error(q, "station", srv->e->stations[t[i].station].id);
			tally_free(t);
			return 0;
		}
	if (tally_store_turnout_add(srv->store, srv->e, t, n, &stored, &err)) {
		tally_free(t);
		return server_tally_error(q, &err);
	}
	tally_free(t);
	q->status = stored ? MHD_HTTP_CREATED : MHD_HTTP_OK;
	fprintf(q->out, "{\"stored\":%zu,\"repeats\":%zu}\n", stored, n - stored);
	server_wrote(q);
	return 0;
}
