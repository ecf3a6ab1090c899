/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_tiles.c: the transparency log as a tiled log (c2sp.org/tlog-tiles,
 * docs/api-http.md "Tiles"), with the prefix /api/v1/log: the checkpoint
 * is routes_log.c's, and here are the hash tiles /api/v1/log/tile/<L>/<N>
 * [.p/<W>], the entry bundles /api/v1/log/tile/entries/<N>[.p/<W>] and the
 * bodies of the fields logged by hash, /api/v1/log/body/<SHA-256 hex>, of
 * the tree of the latest signed checkpoint. Every entry is at most 65,535
 * bytes (a field over TALLY_LOG_INLINE_MAX is logged by hash), so every
 * bundle can be framed. Full tiles, bundles and bodies never change and are
 * cached for a year; partial ones briefly. Bundles and bodies are
 * compressed on the fly with gzip when the client accepts it (tlog-tiles:
 * "SHOULD be served with Content-Encoding: gzip"); hash tiles are SHA-256
 * outputs, which do not compress, and are always sent as they are.
 */
#include "server/server_int.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define L_NO_CHECKPOINT "L027" /* 404: the log has no signed checkpoint yet */
#define L_NOT_EXTENDING "L017" /* the stored log no longer gives the checkpoint's root */
#define L_BAD_PATH "L029"      /* 400: not a tile or body path */
#define L_NO_TILE "L030"       /* 404: the checkpoint's tree has no such tile or body */

#define TILE_PREFIX "/api/v1/log/tile/"
#define BODY_PREFIX "/api/v1/log/body/"

/* Full tiles, bundles and bodies are immutable (tlog-tiles: "caching
 * headers SHOULD be long-lived"); a partial one is replaced by a wider one
 * as the log grows. */
#define CACHE_FULL "public, max-age=31536000, immutable"
#define CACHE_PARTIAL "public, max-age=10"

/* Compressing holds the server's lock: a body larger than this (the
 * definition of a very large election) is sent as it is. */
#define GZIP_MAX_BYTES ((size_t)16 << 20)

/* ==== Content-Encoding: gzip ==== */

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

/* weight_positive reads a weight "q=..." (RFC 9110 12.4.2: qvalue = "0"
 * ["." 0*3DIGIT] / "1" ["." 0*3("0")]) at s[0..n); true when it is above 0.
 * A malformed weight accepts nothing. */
static bool weight_positive(const char *s, size_t n)
{
	if (n < 3 || (s[0] != 'q' && s[0] != 'Q') || s[1] != '=')
		return false;
	s += 2;
	n -= 2;
	if (s[0] != '0' && s[0] != '1')
		return false;
	bool pos = s[0] == '1';
	if (n == 1)
		return pos;
	if (s[1] != '.' || n > 5)
		return false;
	for (size_t i = 2; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || (s[0] == '1' && s[i] != '0'))
			return false;
		pos |= s[i] != '0';
	}
	return pos;
}

/* routes_accepts_gzip: does an Accept-Encoding value (RFC 9110 12.5.3) take
 * gzip? Yes for "gzip" or "x-gzip" (8.4.1.3) with a weight above 0, or
 * "*" with one when gzip is not named; a coding with weight 0 is refused.
 * No header, or one that cannot be read: identity only. */
bool routes_accepts_gzip(const char *v)
{
	int gzip = -1, star = -1;   /* -1 not named, 0 refused, 1 accepted */

	if (!v)
		return false;
	while (*v) {
		const char *item = v, *end = strchr(v, ',');
		size_t len = end ? (size_t)(end - v) : strlen(v);
		v += len + (end ? 1 : 0);
		while (len && ows(*item))
			item++, len--;
		while (len && ows(item[len - 1]))
			len--;
		if (!len)
			continue;
		const char *semi = memchr(item, ';', len);
		size_t tl = semi ? (size_t)(semi - item) : len;
		while (tl && ows(item[tl - 1]))
			tl--;
		int ok = 1;
		if (semi) {
			const char *w = semi + 1;
			size_t wl = len - (size_t)(w - item);
			while (wl && ows(*w))
				w++, wl--;
			ok = weight_positive(w, wl);
		}
		if ((tl == 4 && strncasecmp(item, "gzip", 4) == 0) ||
		    (tl == 6 && strncasecmp(item, "x-gzip", 6) == 0))
			gzip = gzip == 0 ? 0 : ok;
		else if (tl == 1 && item[0] == '*')
			star = star == 0 ? 0 : ok;
	}
	return gzip == 1 || (gzip == -1 && star == 1);
}

/* send_encoded writes buf[0..len) to q->out, gzipped (RFC 1952, by zlib)
 * when the client accepts it and it is not too large, and says which in
 * q->encoding; -1 with the error written when out of memory */
static int send_encoded(server_req *q, const uint8_t *buf, size_t len)
{
	z_stream z;
	uint8_t *gz = NULL;
	uLong cap;

	if (len > GZIP_MAX_BYTES ||
	    !routes_accepts_gzip(server_header(q, MHD_HTTP_HEADER_ACCEPT_ENCODING))) {
		fwrite(buf, 1, len, q->out);
		q->encoding = "";
		return 0;
	}
	memset(&z, 0, sizeof z);
	/* window bits 15 + 16: a gzip header and trailer around the deflate data */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		goto oom;
	cap = deflateBound(&z, (uLong)len);
	if (!(gz = malloc(cap))) {
		deflateEnd(&z);
		goto oom;
	}
	z.next_in = (Bytef *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	/* deflateBound's room: one call finishes the stream */
	int zr = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(gz);
		goto oom;
	}
	fwrite(gz, 1, z.total_out, q->out);
	free(gz);
	q->encoding = "gzip";
	return 0;
oom:
	{
		tally_error err = TALLY_ERROR_INIT;
		tally_error_set(&err, TALLY_ENOMEM, "", "log", "out of memory");
		return server_tally_error(q, &err) - 1;
	}
}

/* ==== the signed tree ==== */

/* signed_tree finds the size of the latest signed checkpoint's tree, after
 * checking that the stored log still gives its root: tiles and bodies are
 * served as of the signed tree only, and a long-cached one must never be
 * wrong. -1 with the error written. */
static int signed_tree(server_req *q, const tally_merkle_tree **tree, uint64_t *size)
{
	tally_error err = TALLY_ERROR_INIT;
	tally_hash root, now;
	bool found = false;

	if (tally_store_checkpoint_last(q->srv->store, &found, size, &root, &err) ||
	    tally_store_log_tree(q->srv->store, tree, &err))
		return server_tally_error(q, &err) - 1;
	if (!found)
		return server_error(q, MHD_HTTP_NOT_FOUND, L_NO_CHECKPOINT, q->url,
		                    "the CEC has not signed a checkpoint yet ('tally log checkpoint')") -
		       1;
	if (*size > tally_merkle_tree_size(*tree) ||
	    tally_merkle_tree_root(*tree, *size, &now, NULL) || !tally_hash_equal(&now, &root))
		return server_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, L_NOT_EXTENDING, "log",
		                    "the stored log no longer gives the latest checkpoint's root "
		                    "(%llu entries): it was altered", (unsigned long long)*size) - 1;
	return 0;
}

/* ==== tiles and bundles ==== */

/* write_bundle frames the bundle's entries (uint16 length first) and sends
 * them; -1 with the error response written */
static int write_bundle(server_req *q, const tally_tile *t, tally_error *err)
{
	uint64_t start = t->index * TALLY_TILE_WIDTH;
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	int rc = 0;

	if (!f) {
		tally_error_set(err, TALLY_ENOMEM, "", "log", "out of memory");
		return server_tally_error(q, err) - 1;
	}
	for (unsigned i = 0; i < t->width && rc == 0; i++) {
		uint8_t *bytes = NULL, len2[2];
		size_t len = 0;
		if (tally_store_log_entry(q->srv->store, start + i, &bytes, &len, NULL, err)) {
			rc = -1;
			break;
		}
		/* entry.c never writes more; a longer one was put in the database by
		 * hand (and would not give its leaf hash either) */
		if (len > TALLY_TILE_MAX_ENTRY) {
			tally_error_set(err, TALLY_ESTORE, "L018", "log",
			                "log entry %llu is %zu bytes, over the 65,535 of any entry: the "
			                "database was altered", (unsigned long long)(start + i), len);
			rc = -1;
		} else {
			len2[0] = (uint8_t)(len >> 8);
			len2[1] = (uint8_t)len;
			fwrite(len2, 1, 2, f);
			fwrite(bytes, 1, len, f);
		}
		tally_free(bytes);
	}
	fclose(f);
	if (rc == 0)
		rc = send_encoded(q, (const uint8_t *)buf, blen);
	else
		rc = server_tally_error(q, err) - 1;
	free(buf);
	return rc;
}

int routes_log_tile(server_req *q, const char *arg)
{
	(void)arg;
	const char *path = q->url + strlen(TILE_PREFIX);
	const tally_merkle_tree *tree = NULL;
	tally_error err = TALLY_ERROR_INIT;
	tally_tile t;
	uint64_t size = 0;

	if (tally_tile_parse(path, strlen(path), &t, &err))
		return server_error(q, MHD_HTTP_BAD_REQUEST, err.code, q->url, "%s", err.msg);
	if (signed_tree(q, &tree, &size))
		return 0;
	unsigned have = tally_tile_width(size, t.level, t.index);
	if (t.width > have)
		return have ? server_error(q, MHD_HTTP_NOT_FOUND, L_NO_TILE, q->url,
		                           "the tree of the latest checkpoint (%llu entries) has this "
		                           "tile only partial, of width %u", (unsigned long long)size,
		                           have)
		            : server_error(q, MHD_HTTP_NOT_FOUND, L_NO_TILE, q->url,
		                           "the tree of the latest checkpoint (%llu entries) has no "
		                           "such tile", (unsigned long long)size);
	if (t.entries) {
		if (write_bundle(q, &t, &err))
			return 0;
	} else {
		uint8_t buf[TALLY_TILE_WIDTH * TALLY_HASH_SIZE];
		if (tally_merkle_tree_tile(tree, size, &t, buf, &err))
			return server_tally_error(q, &err);
		fwrite(buf, TALLY_HASH_SIZE, t.width, q->out);
	}
	q->ctype = "application/octet-stream";
	q->cache_control = t.width == TALLY_TILE_WIDTH ? CACHE_FULL : CACHE_PARTIAL;
	return 0;
}

/* ==== bodies ==== */

/* 64 lower-case hex digits (the one spelling of a body's name) into "h" */
static bool parse_hex_hash(const char *s, tally_hash *h)
{
	for (int i = 0; i < 64; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	if (s[64] != '\0')
		return false;
	for (int i = 0; i < 32; i++) {
		char hi = s[2 * i], lo = s[2 * i + 1];
		h->b[i] = (uint8_t)(((hi <= '9' ? hi - '0' : hi - 'a' + 10) << 4) |
		                    (lo <= '9' ? lo - '0' : lo - 'a' + 10));
	}
	return true;
}

int routes_log_body(server_req *q, const char *arg)
{
	(void)arg;
	const char *name = q->url + strlen(BODY_PREFIX);
	const tally_merkle_tree *tree = NULL;
	tally_error err = TALLY_ERROR_INIT;
	tally_hash h;
	uint8_t *bytes = NULL;
	size_t len = 0;
	uint64_t size = 0, first = 0;
	int rc;

	if (strlen(name) != 64 || !parse_hex_hash(name, &h))
		return server_error(q, MHD_HTTP_BAD_REQUEST, L_BAD_PATH, q->url,
		                    "not a body path: give body/<the body's SHA-256, 64 lower-case hex "
		                    "digits>");
	if (signed_tree(q, &tree, &size))
		return 0;
	rc = tally_store_log_body(q->srv->store, &h, &bytes, &len, &first, &err);
	if (rc == TALLY_ENOTFOUND || (rc == TALLY_OK && first >= size)) {
		tally_free(bytes);
		return server_error(q, MHD_HTTP_NOT_FOUND, L_NO_TILE, q->url,
		                    "no entry of the tree of the latest checkpoint (%llu entries) logs "
		                    "a body of this SHA-256", (unsigned long long)size);
	}
	if (rc != TALLY_OK)
		return server_tally_error(q, &err);
	rc = send_encoded(q, bytes, len);
	tally_free(bytes);
	if (rc)
		return 0;
	q->ctype = "application/octet-stream";
	q->cache_control = CACHE_FULL;
	return 0;
}
