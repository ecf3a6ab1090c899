/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_log.c: the transparency log, public (docs/api-http.md, "The
 * transparency log"): the latest signed checkpoint with its witnesses'
 * cosignatures, entries by range, inclusion and consistency proofs. What a
 * witness (`tally witness --log http://...`) or an auditor fetches; every
 * answer can be checked against the CEC's public key alone.
 */
#include "server/server_int.h"

#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define L_NO_CHECKPOINT "L027" /* 404: the log has no signed checkpoint yet */
#define L_QUERY "L028"         /* 400: a query parameter is missing, malformed or over a limit */

#define LOG_MAX_ENTRIES 1000   /* entries in one answer */

/* a whole number query argument, or a 400 */
static int query_u64(server_req *q, const char *name, uint64_t *out)
{
	const char *s = server_query(q, name);
	char *end = NULL;

	if (!s || !*s || *s < '0' || *s > '9')
		return server_error(q, MHD_HTTP_BAD_REQUEST, L_QUERY, name,
		                    "give %s as a whole number", name) - 1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return server_error(q, MHD_HTTP_BAD_REQUEST, L_QUERY, name,
		                    "give %s as a whole number", name) - 1;
	*out = v;
	return 0;
}

static void write_hash(FILE *f, const tally_hash *h)
{
	char b[45];
	tally_hash_to_base64(h, b);
	fprintf(f, "\"%s\"", b);
}

static void write_proof(FILE *f, const tally_hash *path, size_t n)
{
	fputs("\"proof\":[", f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		write_hash(f, &path[i]);
	}
	fputs("]}\n", f);
}

int routes_log_checkpoint(server_req *q, const char *arg)
{
	(void)arg;
	tally_checkpoint_row *cps = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;

	if (tally_store_checkpoints(q->srv->store, &cps, &n, &err))
		return server_tally_error(q, &err);
	if (n == 0)
		server_error(q, MHD_HTTP_NOT_FOUND, L_NO_CHECKPOINT, "checkpoint",
		             "the CEC has not signed a checkpoint yet ('tally log checkpoint')");
	else {
		q->ctype = "text/plain; charset=utf-8";
		/* tlog-tiles: mutable, so cached for a few seconds at most */
		q->cache_control = "public, max-age=5";
		fputs(cps[n - 1].note, q->out);
	}
	tally_store_checkpoints_free(cps, n);
	return 0;
}

int routes_log_entries(server_req *q, const char *arg)
{
	(void)arg;
	const tally_merkle_tree *t = NULL;
	tally_error err = TALLY_ERROR_INIT;
	uint64_t start = 0, end = 0, size;

	if (query_u64(q, "start", &start) || query_u64(q, "end", &end))
		return 0;
	if (tally_store_log_tree(q->srv->store, &t, &err))
		return server_tally_error(q, &err);
	size = tally_merkle_tree_size(t);
	if (start >= end || end > size)
		return server_error(q, MHD_HTTP_BAD_REQUEST, "L006", "end",
		                    "give 0 <= start < end <= %llu (the log's size)",
		                    (unsigned long long)size);
	if (end - start > LOG_MAX_ENTRIES)
		return server_error(q, MHD_HTTP_BAD_REQUEST, L_QUERY, "end",
		                    "at most %d entries in one request", LOG_MAX_ENTRIES);
	/* written aside first: an entry that cannot be read (L018) answers an error alone */
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	int rc = TALLY_OK;
	if (!f) {
		tally_error_set(&err, TALLY_ENOMEM, NULL, "log", "out of memory");
		return server_tally_error(q, &err);
	}
	fprintf(f, "{\"start\":%llu,\"end\":%llu,\"entries\":[", (unsigned long long)start,
	        (unsigned long long)end);
	for (uint64_t i = start; i < end && rc == TALLY_OK; i++) {
		uint8_t *bytes = NULL;
		size_t len = 0;
		tally_hash leaf;
		if ((rc = tally_store_log_entry(q->srv->store, i, &bytes, &len, &leaf, &err)))
			break;
		size_t b64 = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
		char *enc = malloc(b64);
		if (!enc) {
			tally_free(bytes);
			rc = tally_error_set(&err, TALLY_ENOMEM, NULL, "log", "out of memory");
			break;
		}
		sodium_bin2base64(enc, b64, bytes, len, sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s{\"index\":%llu,\"leaf\":", i == start ? "" : ",",
		        (unsigned long long)i);
		write_hash(f, &leaf);
		fprintf(f, ",\"entry\":\"%s\"}", enc);
		free(enc);
		tally_free(bytes);
	}
	fputs("]}\n", f);
	fclose(f);
	if (rc == TALLY_OK)
		fwrite(buf, 1, blen, q->out);
	free(buf);
	if (rc != TALLY_OK)
		return server_tally_error(q, &err);
	return 0;
}

int routes_log_inclusion(server_req *q, const char *arg)
{
	(void)arg;
	const tally_merkle_tree *t = NULL;
	tally_hash path[TALLY_MERKLE_MAX_PROOF], leaf, root;
	tally_error err = TALLY_ERROR_INIT;
	uint64_t index = 0, size = 0;
	size_t n = 0;

	if (query_u64(q, "index", &index) || query_u64(q, "size", &size))
		return 0;
	if (tally_store_log_tree(q->srv->store, &t, &err) ||
	    tally_merkle_tree_inclusion(t, index, size, path, &n, &err) ||
	    tally_merkle_tree_leaf(t, index, &leaf, &err) ||
	    tally_merkle_tree_root(t, size, &root, &err))
		return server_tally_error(q, &err);
	fprintf(q->out, "{\"index\":%llu,\"size\":%llu,\"leaf\":", (unsigned long long)index,
	        (unsigned long long)size);
	write_hash(q->out, &leaf);
	fputs(",\"root\":", q->out);
	write_hash(q->out, &root);
	fputc(',', q->out);
	write_proof(q->out, path, n);
	return 0;
}

int routes_log_consistency(server_req *q, const char *arg)
{
	(void)arg;
	const tally_merkle_tree *t = NULL;
	tally_hash path[TALLY_MERKLE_MAX_PROOF], r1, r2;
	tally_error err = TALLY_ERROR_INIT;
	uint64_t from = 0, to = 0;
	size_t n = 0;

	if (query_u64(q, "from", &from) || query_u64(q, "to", &to))
		return 0;
	if (tally_store_log_tree(q->srv->store, &t, &err) ||
	    tally_merkle_tree_consistency(t, from, to, path, &n, &err) ||
	    tally_merkle_tree_root(t, from, &r1, &err) || tally_merkle_tree_root(t, to, &r2, &err))
		return server_tally_error(q, &err);
	fprintf(q->out, "{\"from\":%llu,\"to\":%llu,\"root1\":", (unsigned long long)from,
	        (unsigned long long)to);
	write_hash(q->out, &r1);
	fputs(",\"root2\":", q->out);
	write_hash(q->out, &r2);
	fputc(',', q->out);
	write_proof(q->out, path, n);
	return 0;
}
