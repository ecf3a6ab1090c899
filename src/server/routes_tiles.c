/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_tiles.c: the transparency log as a tiled log (c2sp.org/tlog-tiles,
 * docs/api-http.md "Tiles"), with the prefix /api/v1/log: the checkpoint
 * is routes_log.c's, and here are the hash tiles /api/v1/log/tile/<L>/<N>
 * [.p/<W>] and the entry bundles /api/v1/log/tile/entries/<N>[.p/<W>] of
 * the tree of the latest signed checkpoint. Full tiles never change and
 * are cached for a year; partial ones briefly. A bundle that would hold an
 * entry over 65,535 bytes (a large election's definition) cannot be written
 * in the format's uint16 framing: it answers 404 (L031) and names the JSON
 * entries URL that serves the entry instead; hash tiles are unaffected.
 */
#include "server/server_int.h"

#include <microhttpd.h>
#include <string.h>

#define L_NO_CHECKPOINT "L027" /* 404: the log has no signed checkpoint yet */
#define L_NOT_EXTENDING "L017" /* the stored log no longer gives the checkpoint's root */
#define L_NO_TILE "L030"       /* 404: the checkpoint's tree has no such tile */
#define L_ENTRY_TOO_BIG "L031" /* 404: the bundle would hold an entry over 65,535 bytes */

#define TILE_PREFIX "/api/v1/log/tile/"

/* Full tiles and bundles are immutable (tlog-tiles: "caching headers SHOULD
 * be long-lived"); a partial one is replaced by a wider one as the log grows. */
#define CACHE_FULL "public, max-age=31536000, immutable"
#define CACHE_PARTIAL "public, max-age=10"

/* the bundle's entries, uint16 length first, into q->out; -1 with the
 * error response written */
static int write_bundle(server_req *q, const tally_tile *t, tally_error *err)
{
	uint64_t lens[TALLY_TILE_WIDTH], start = t->index * TALLY_TILE_WIDTH;
	int rc;

	if ((rc = tally_store_log_lengths(q->srv->store, start, t->width, lens, err)) != TALLY_OK)
		return server_tally_error(q, err) - 1;
	for (unsigned i = 0; i < t->width; i++)
		if (lens[i] > TALLY_TILE_MAX_ENTRY)
			return -1 + server_error(q, MHD_HTTP_NOT_FOUND, L_ENTRY_TOO_BIG, q->url,
			                    "entry %llu is %llu bytes, over the 65,535 an entry bundle "
			                    "can hold; read it from /api/v1/log/entries?start=%llu&end=%llu",
			                    (unsigned long long)(start + i),
			                    (unsigned long long)lens[i], (unsigned long long)(start + i),
			                    (unsigned long long)(start + i + 1));
	for (unsigned i = 0; i < t->width; i++) {
		uint8_t *bytes = NULL, len2[2];
		size_t len = 0;
		if ((rc = tally_store_log_entry(q->srv->store, start + i, &bytes, &len, NULL, err)))
			return server_tally_error(q, err) - 1;
		if (len > TALLY_TILE_MAX_ENTRY) {   /* grew since: the database was altered */
			tally_free(bytes);
			tally_error_set(err, TALLY_ESTORE, "L018", "log",
			                "log entry %llu changed while it was read",
			                (unsigned long long)(start + i));
			return server_tally_error(q, err) - 1;
		}
		len2[0] = (uint8_t)(len >> 8);
		len2[1] = (uint8_t)len;
		fwrite(len2, 1, 2, q->out);
		fwrite(bytes, 1, len, q->out);
		tally_free(bytes);
	}
	return 0;
}

int routes_log_tile(server_req *q, const char *arg)
{
	(void)arg;
	const char *path = q->url + strlen(TILE_PREFIX);
	const tally_merkle_tree *tree = NULL;
	tally_error err = TALLY_ERROR_INIT;
	tally_tile t;
	tally_hash root, now;
	uint64_t size = 0;
	bool found = false;

	if (tally_tile_parse(path, strlen(path), &t, &err))
		return server_error(q, MHD_HTTP_BAD_REQUEST, err.code, q->url, "%s", err.msg);
	if (tally_store_checkpoint_last(q->srv->store, &found, &size, &root, &err) ||
	    tally_store_log_tree(q->srv->store, &tree, &err))
		return server_tally_error(q, &err);
	if (!found)
		return server_error(q, MHD_HTTP_NOT_FOUND, L_NO_CHECKPOINT, q->url,
		                    "the CEC has not signed a checkpoint yet ('tally log checkpoint')");
	/* tiles are served as of the signed tree only, and only while the stored
	 * log still gives its root: a long-cached tile must never be wrong */
	if (size > tally_merkle_tree_size(tree) || tally_merkle_tree_root(tree, size, &now, NULL) ||
	    !tally_hash_equal(&now, &root))
		return server_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, L_NOT_EXTENDING, "log",
		                    "the stored log no longer gives the latest checkpoint's root "
		                    "(%llu entries): it was altered", (unsigned long long)size);
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
