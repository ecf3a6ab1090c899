/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_forensics.c: GET /api/v1/forensics, the forensic report of the
 * counted protocols (exactly `tally forensics --db ... --format json`
 * with the default options: seed 42, 1,000 resamples), and
 * GET /api/v1/forensics/{fingerprint,turnout,cumulative,shpilkin}.svg, its
 * plots. Both are public.
 *
 * The battery takes a fraction of a second on a national election, too
 * long to hold the server's lock: the handler is called without it
 * (http.c), copies the counted protocols under it, and computes outside
 * it. fx_lock lets one request compute at a time; the report and its plots
 * are kept for the generation they were computed at, so a report is
 * computed at most once per change of the count however many ask, and
 * while the count keeps changing at most every --forensics-every seconds
 * (default 30): until then the last report is served, with the ETag of the
 * generation it describes.
 */
#include "server/server_int.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Renders the report as JSON (plot < 0) or its plot number "plot" into a
 * new buffer; NULL when out of memory or when writing failed. */
static char *render_buf(const tally_fx_report *r, int plot, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	int bad = 0;
	if (plot < 0)
		render_fx_json(f, r);
	else
		bad = render_fx_plot(f, render_fx_plots[plot], r);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Brings the cached report up to the current generation; fx_lock held. */
static int fx_refresh(server *srv, tally_error *err)
{
	pthread_mutex_lock(&srv->lock);
	int rc = server_refresh(srv, err);
	uint64_t gen = srv->gen;
	if (rc || (srv->fx_json && (srv->fx_gen == gen ||
	                            mono() - srv->fx_at < (double)srv->cfg.fx_every))) {
		pthread_mutex_unlock(&srv->lock);
		return rc;
	}
	tally_protocol *p = NULL;
	size_t n = 0;
	tally_fx_input *in = NULL;
	rc = render_fx_protocols(srv->e, srv->r, &p, &n);
	if (rc)
		tally_error_set(err, rc, "", "forensics", "out of memory");
	else
		rc = tally_fx_input_build(srv->e, p, n, NULL, &in, err);
	pthread_mutex_unlock(&srv->lock);
	render_fx_protocols_free(p, n);
	if (rc)
		return rc;
	tally_fx_options o;
	tally_fx_options_init(&o);
	tally_fx_report *r = NULL;
	rc = tally_fx_run(in, &o, &r, err);
	if (rc == TALLY_OK) {
		char *json, *svg[RENDER_FX_PLOTS] = {NULL};
		size_t jlen = 0, slen[RENDER_FX_PLOTS] = {0};
		bool ok = (json = render_buf(r, -1, &jlen)) != NULL;
		for (int k = 0; ok && k < RENDER_FX_PLOTS; k++)
			ok = (svg[k] = render_buf(r, k, &slen[k])) != NULL;
		if (ok) {
			free(srv->fx_json);
			srv->fx_json = json;
			srv->fx_len = jlen;
			for (int k = 0; k < RENDER_FX_PLOTS; k++) {
				free(srv->fx_svg[k]);
				srv->fx_svg[k] = svg[k];
				srv->fx_svg_len[k] = slen[k];
			}
			srv->fx_gen = gen;
			srv->fx_at = mono();
		} else {
			free(json);
			for (int k = 0; k < RENDER_FX_PLOTS; k++)
				free(svg[k]);
			rc = tally_error_set(err, TALLY_ENOMEM, "", "forensics", "out of memory");
		}
	}
	tally_fx_report_free(r);
	tally_fx_input_free(in);
	return rc;
}

/* Answers with the cached report (plot < 0) or one of its plots. */
static int answer(server_req *q, int plot)
{
	server *srv = q->srv;
	tally_error err = TALLY_ERROR_INIT;
	pthread_mutex_lock(&srv->fx_lock);
	int rc = fx_refresh(srv, &err);
	if (rc) {
		pthread_mutex_unlock(&srv->fx_lock);
		/* nothing counted yet: the report exists once protocols do */
		if (strcmp(err.code, "F003") == 0)
			return server_error(q, MHD_HTTP_CONFLICT, err.code, err.where[0] ? err.where : "",
			                    "%s", err.msg);
		return server_tally_error(q, &err);
	}
	snprintf(q->etag, sizeof q->etag, "\"%016llx-fx-%llu\"", (unsigned long long)srv->boot,
	         (unsigned long long)srv->fx_gen);
	q->cache_control = "public, no-cache";
	const char *inm = server_header(q, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm && strstr(inm, q->etag))
		q->status = MHD_HTTP_NOT_MODIFIED;
	else if (plot < 0)
		fwrite(srv->fx_json, 1, srv->fx_len, q->out);
	else
		fwrite(srv->fx_svg[plot], 1, srv->fx_svg_len[plot], q->out);
	if (plot >= 0)
		q->ctype = "image/svg+xml";
	pthread_mutex_unlock(&srv->fx_lock);
	return 0;
}

int routes_forensics(server_req *q, const char *arg)
{
	(void)arg;
	return answer(q, -1);
}

int routes_forensics_plot(server_req *q, const char *arg)
{
	for (int k = 0; k < RENDER_FX_PLOTS; k++) {
		size_t len = strlen(render_fx_plots[k]);
		if (strncmp(arg, render_fx_plots[k], len) == 0 && strcmp(arg + len, ".svg") == 0)
			return answer(q, k);
	}
	return server_error(q, MHD_HTTP_NOT_FOUND, H_ROUTE, q->url,
	                    "no such plot: fingerprint.svg, turnout.svg, cumulative.svg or "
	                    "shpilkin.svg");
}
