/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_fetch.c: `tally log fetch` reads the log back the way any client of a
 * tiled log does (c2sp.org/tlog-tiles): the signed checkpoint, checked
 * against the CEC's key; the root recomputed from hash tiles alone and
 * compared with the checkpoint's; then, with --out, every entry bundle,
 * each entry hashed and compared with its level-0 tile, written as the dump
 * `tally verify` reads, with the body of every field logged by hash fetched
 * from body/<SHA-256> and checked against the hash and length its entry
 * logs; with --proof N, the inclusion proof of entry N built from tiles.
 * The log is read over HTTPS (or plain HTTP from this machine) through
 * cli_http_get, every answer bounded by what the format allows it.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define F_FETCH "L032"    /* the tiles, bundles or checkpoint cannot be used */

#define FETCH_CACHE 16    /* hash tiles kept */

static const char help[] =
	"usage: tally log fetch --url https://HOST[:PORT][/PREFIX] --key CEC.pub\n"
	"                       [--out DUMP] [--proof N] [--cacert FILE]\n"
	"                       [--connect-timeout SEC] [--timeout SEC]\n"
	"\n"
	"Read the log from 'tally serve', or from a copy of its tiles on any web\n"
	"server, as a tiled log (c2sp.org/tlog-tiles; the prefix defaults to\n"
	"/api/v1/log): fetch the checkpoint and check the CEC's signature,\n"
	"recompute its root from the hash tiles alone and compare. With --out,\n"
	"fetch every entry bundle, check each entry against its leaf hash in the\n"
	"tiles, fetch the body of every field logged by hash (over 61,440 bytes)\n"
	"and check it against its entry's SHA-256 and length, and write the dump\n"
	"'tally verify --dump' reads. With --proof N, print the inclusion proof of\n"
	"entry N built from the tiles (as 'tally log proof'). Refused [L032]: an\n"
	"error answer, a tile or bundle of the wrong size, a root, an entry or a\n"
	"body that does not match. Each answer is bounded by what the format\n"
	"allows: a checkpoint 1 MiB, a tile its hashes, a bundle its entries, a\n"
	"body the length its entry logs [N005].\n"
	"\n";
static const char help_exit[] = "exit status: 0 all matched, 1 a problem, 2 usage error.\n";

typedef struct cached_tile {
	tally_tile t;
	bool used;
	tally_hash h[TALLY_TILE_WIDTH];
} cached_tile;

typedef struct fetcher {
	cli_http http;   /* the server, and the prefix of the log's paths */
	cached_tile cache[FETCH_CACHE];
	unsigned next;
	uint64_t tiles, bytes;
	tally_hash *bodies;      /* the bodies fetched so far (each is written once) */
	size_t n_bodies, cap_bodies;
} fetcher;

/* GET prefix/"rel" (cli_http_get), an answer of at most "max" bytes, counted */
static int http_get(fetcher *f, const char *rel, size_t max, unsigned *status, char **body,
                    size_t *blen, tally_error *err)
{
	int rc = cli_http_get(&f->http, rel, max, status, body, blen, err);
	if (rc == TALLY_OK)
		f->bytes += *blen;
	return rc;
}

/* the error code of a JSON error answer ({"error":{"code":...}}), or "" */
static void error_code(const char *body, size_t len, char code[16])
{
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	snprintf(code, 16, "%s", c ? c : "");
	json_decref(j);
}

static int refused(const char *rel, unsigned status, const char *body, size_t len,
                   tally_error *err)
{
	char code[16];
	error_code(body, len, code);
	return tally_error_set(err, TALLY_EINVAL, F_FETCH, rel, "the server answered HTTP %u%s%s",
	                       status, code[0] ? " " : "", code);
}

/* tally_tile_read_fn: a hash tile, from the cache or the server */
static int read_tile(void *ctx, const tally_tile *t, tally_hash *out, tally_error *err)
{
	fetcher *f = ctx;
	char path[TALLY_TILE_MAX_PATH], *body = NULL;
	size_t len = 0;
	unsigned status = 0;
	int rc;

	for (unsigned i = 0; i < FETCH_CACHE; i++) {
		const cached_tile *c = &f->cache[i];
		if (c->used && c->t.level == t->level && c->t.index == t->index &&
		    c->t.width == t->width) {
			memcpy(out, c->h, t->width * sizeof *out);
			return TALLY_OK;
		}
	}
	tally_tile_format(t, path);
	if ((rc = http_get(f, path, (size_t)t->width * TALLY_HASH_SIZE, &status, &body, &len,
	                   err)) != TALLY_OK)
		return rc;
	if (status != 200)
		rc = refused(path, status, body, len, err);
	else if (len != (size_t)t->width * TALLY_HASH_SIZE)
		rc = tally_error_set(err, TALLY_EINVAL, F_FETCH, path,
		                     "the tile is %zu bytes, not %u hashes of 32", len, t->width);
	if (rc == TALLY_OK) {
		cached_tile *c = &f->cache[f->next++ % FETCH_CACHE];
		c->t = *t;
		c->used = true;
		memcpy(c->h, body, len);
		memcpy(out, body, len);
		f->tiles++;
	}
	free(body);
	return rc;
}

/* ==== the dump ==== */

typedef struct outbuf {
	char *b;
	size_t len, cap;
	bool oom;
} outbuf;

static void out_add(outbuf *o, char *line, size_t n)
{
	if (!line || o->oom) {
		o->oom = true;
		tally_free(line);
		return;
	}
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 1 << 16;
		while (cap < o->len + n)
			cap *= 2;
		char *nb = realloc(o->b, cap);
		if (!nb) {
			o->oom = true;
			tally_free(line);
			return;
		}
		o->b = nb;
		o->cap = cap;
	}
	memcpy(o->b + o->len, line, n);
	o->len += n;
	tally_free(line);
}

/* fetch_body fetches the body of "b" (a field logged by hash) unless it
 * was fetched before, checks it against the entry's SHA-256 and length, and
 * adds its line to the dump */
static int fetch_body(fetcher *f, outbuf *o, uint64_t index, tally_log_bytes *b,
                      tally_error *err)
{
	char rel[80], hex[65], *body = NULL;
	size_t len = 0, n = 0;
	unsigned status = 0;
	tally_error why = TALLY_ERROR_INIT;
	int rc;

	for (size_t i = 0; i < f->n_bodies; i++)
		if (tally_hash_equal(&f->bodies[i], &b->hash))
			return TALLY_OK;
	tally_hash_to_hex(&b->hash, hex);
	snprintf(rel, sizeof rel, "body/%s", hex);
	/* the body is exactly as long as its entry logs (at most
	 * TALLY_LOG_MAX_BODY_BYTES, which decoding the entry checked) */
	if ((rc = http_get(f, rel, b->len, &status, &body, &len, err)) != TALLY_OK)
		return rc;
	if (status != 200)
		rc = refused(rel, status, body, len, err);
	else if (tally_log_bytes_attach(b, (const uint8_t *)body, len, &why) != TALLY_OK)
		rc = tally_error_set(err, TALLY_EINVAL, F_FETCH, rel,
		                     "the body of entry %llu does not match its entry: %s",
		                     (unsigned long long)index, why.msg);
	if (rc == TALLY_OK && f->n_bodies == f->cap_bodies) {
		size_t ncap = f->cap_bodies ? f->cap_bodies * 2 : 8;
		tally_hash *nb = realloc(f->bodies, ncap * sizeof *nb);
		if (!nb) {
			rc = tally_error_set(err, TALLY_ENOMEM, NULL, NULL, "out of memory");
		} else {
			f->bodies = nb;
			f->cap_bodies = ncap;
		}
	}
	if (rc == TALLY_OK) {
		f->bodies[f->n_bodies++] = b->hash;
		char *line = tally_dump_body_line(&b->hash, body, len, &n);
		out_add(o, line, n);
	}
	free(body);
	return rc;
}

/* checks entry "index" against leaf hash "want", adds it to the frontier
 * "fr" and its line to the dump, then the body it logs by hash, if any and
 * not fetched before (an entry that cannot be decoded is copied as it is:
 * `tally verify` reports it) */
static int add_entry(fetcher *f, outbuf *o, tally_merkle_frontier *fr, uint64_t index,
                     const tally_hash *want, const uint8_t *bytes, size_t len, const char *from,
                     tally_error *err)
{
	tally_hash h;
	tally_log_entry le;
	tally_log_bytes *blob;
	size_t n = 0;

	tally_merkle_leaf_hash(bytes, len, &h);
	if (!tally_hash_equal(&h, want))
		return tally_error_set(err, TALLY_EINVAL, F_FETCH, from,
		                       "entry %llu does not give its leaf hash in the tiles",
		                       (unsigned long long)index);
	if (tally_merkle_frontier_append(fr, &h, err) != TALLY_OK)
		return err->status;
	char *line = tally_dump_entry_line(index, &h, bytes, len, &n);
	out_add(o, line, n);
	if (tally_log_entry_decode(bytes, len, &le, NULL) == TALLY_OK &&
	    (blob = tally_log_entry_blob(&le)) && blob->by_hash)
		return fetch_body(f, o, index, blob, err);
	return TALLY_OK;
}

/* every bundle of the tree of "size" entries, checked against the level-0
 * tiles, and the entries' own root against the checkpoint's "root": the
 * level-0 tiles were not part of the root computed from the tiles above */
static int fetch_entries(fetcher *f, uint64_t size, const tally_hash *root, outbuf *o,
                         tally_error *err)
{
	tally_hash leaves[TALLY_TILE_WIDTH], got;
	tally_bundle_entry e[TALLY_TILE_WIDTH];
	tally_merkle_frontier fr;
	int rc = TALLY_OK;

	tally_merkle_frontier_init(&fr);

	for (uint64_t b = 0; b * TALLY_TILE_WIDTH < size && rc == TALLY_OK; b++) {
		tally_tile t = {true, 0, b, tally_tile_width(size, 0, b)}, h = t;
		char path[TALLY_TILE_MAX_PATH], *body = NULL;
		size_t len = 0;
		unsigned status = 0;

		h.entries = false;
		if ((rc = read_tile(f, &h, leaves, err)) != TALLY_OK)
			break;
		tally_tile_format(&t, path);
		/* each entry a uint16 length and at most 65,535 bytes (tlog-tiles) */
		if ((rc = http_get(f, path, (size_t)t.width * (2 + TALLY_LOG_MAX_ENTRY_BYTES),
		                   &status, &body, &len, err)) != TALLY_OK)
			break;
		if (status != 200) {
			rc = refused(path, status, body, len, err);
		} else if ((rc = tally_bundle_parse((const uint8_t *)body, len, t.width, e, err)) ==
		           TALLY_OK) {
			for (unsigned i = 0; i < t.width && rc == TALLY_OK; i++)
				rc = add_entry(f, o, &fr, b * TALLY_TILE_WIDTH + i, &leaves[i], e[i].bytes,
				               e[i].len, path, err);
		} else {
			snprintf(err->where, sizeof err->where, "%s", path);
		}
		free(body);
	}
	if (rc != TALLY_OK)
		return rc;
	tally_merkle_frontier_root(&fr, &got);
	if (!tally_hash_equal(&got, root))
		return tally_error_set(err, TALLY_EINVAL, F_FETCH, "tile/entries",
		                       "the entries do not give the checkpoint's root");
	return TALLY_OK;
}

static void print_hash(const char *label, const tally_hash *h)
{
	char b[45];
	tally_hash_to_base64(h, b);
	printf("%s%s\n", label, b);
}

int cmd_log_fetch(int argc, char **argv)
{
	static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
	                                     {"key", required_argument, NULL, 'k'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"proof", required_argument, NULL, 'p'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     CLI_HTTP_GETOPTS,
	                                     {NULL, 0, NULL, 0}};
	const char *url = NULL, *key = NULL, *out = NULL, *proof_s = NULL;
	cli_http_options ho = CLI_HTTP_OPTIONS_INIT;
	bool bad = false;
	tally_error err = TALLY_ERROR_INIT;
	tally_note_verifier v;
	tally_note opened;
	tally_checkpoint cp;
	tally_hash root;
	fetcher *f = NULL;
	outbuf o = {NULL, 0, 0, false};
	char *note = NULL, *end = NULL;
	size_t nlen = 0;
	unsigned status = 0;
	uint64_t proof = 0;
	int c, rc = EXIT_USER;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hu:k:o:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'u': url = optarg; break;
		case 'k': key = optarg; break;
		case 'o': out = optarg; break;
		case 'p': proof_s = optarg; break;
		case 'h':
			fputs(help, stdout);
			fputs(cli_http_help, stdout);
			fputs(help_exit, stdout);
			return EXIT_OK;
		default:
			if (!cli_http_option(c, optarg, &ho, &bad))
				return cli_usage("log fetch", "bad option");
			if (bad)
				return cli_usage("log fetch", "a timeout is 1 to %d seconds",
				                 CLI_HTTP_MAX_TIMEOUT);
		}
	}
	if (optind != argc)
		return cli_usage("log fetch", "unexpected argument '%s'", argv[optind]);
	if (!url || !key)
		return cli_usage("log fetch", "fetch needs --url and --key");
	if (proof_s) {
		errno = 0;
		unsigned long long pv = strtoull(proof_s, &end, 10);
		if (errno || !*proof_s || *end || *proof_s < '0' || *proof_s > '9')
			return cli_usage("log fetch", "--proof takes a whole number");
		proof = pv;
	}
	if (!(f = calloc(1, sizeof *f))) {
		cli_errorf("out of memory");
		return EXIT_USER;
	}
	if (cli_http_open(&f->http, url, "/api/v1/log", &ho, &err) != TALLY_OK)
		goto fail;
	if (cli_read_verifier(key, &v) != EXIT_OK)
		goto out;
	/* the checkpoint: the CEC's signature, then the body */
	if (http_get(f, "checkpoint", TALLY_NOTE_MAX_BYTES, &status, &note, &nlen, &err) != TALLY_OK)
		goto fail;
	if (status != 200) {
		refused("checkpoint", status, note, nlen, &err);
		goto fail;
	}
	if (tally_note_open(note, nlen, &v, 1, &opened, &err) != TALLY_OK ||
	    tally_checkpoint_parse(note, opened.text_len, &cp, &err) != TALLY_OK)
		goto fail;
	if (strcmp(cp.origin, v.name) != 0) {
		tally_error_set(&err, TALLY_EINVAL, F_FETCH, "checkpoint",
		                "the checkpoint is for the log '%s', the key for '%s'", cp.origin,
		                v.name);
		goto fail;
	}
	/* the root from hash tiles alone */
	if (tally_tiles_root(cp.size, read_tile, f, &root, &err) != TALLY_OK)
		goto fail;
	if (!tally_hash_equal(&root, &cp.root)) {
		tally_error_set(&err, TALLY_EINVAL, F_FETCH, "tile",
		                "the tiles do not give the checkpoint's root (%llu entries)",
		                (unsigned long long)cp.size);
		goto fail;
	}
	if (proof_s) {
		tally_hash path[TALLY_MERKLE_MAX_PROOF], leaf;
		size_t n = 0;
		if (tally_tiles_inclusion(proof, cp.size, read_tile, f, &leaf, path, &n, &err))
			goto fail;
		if (tally_merkle_verify_inclusion(proof, cp.size, &leaf, path, n, &cp.root, NULL)) {
			tally_error_set(&err, TALLY_EINVAL, F_FETCH, "tile",
			                "the tiles give an inclusion proof of entry %llu that does not "
			                "lead to the checkpoint's root", (unsigned long long)proof);
			goto fail;
		}
		printf("index %llu\nsize %llu\n", (unsigned long long)proof,
		       (unsigned long long)cp.size);
		print_hash("leaf ", &leaf);
		print_hash("root ", &root);
		for (size_t i = 0; i < n; i++)
			print_hash("", &path[i]);
	}
	if (out) {
		size_t n = 0;
		char *hdr = tally_strdup(TALLY_DUMP_HEADER);
		out_add(&o, hdr, strlen(TALLY_DUMP_HEADER));
		if (fetch_entries(f, cp.size, &cp.root, &o, &err) != TALLY_OK)
			goto fail;
		char *line = tally_dump_checkpoint_line(note, nlen, &n);
		out_add(&o, line, n);
		if (o.oom) {
			cli_errorf("out of memory");
			goto out;
		}
		if ((rc = cli_write(out, o.b, o.len)) != EXIT_OK)
			goto out;
	}
	/* the summary goes where the data does not */
	fprintf((out && strcmp(out, "-") == 0) || proof_s ? stderr : stdout,
	        "log %s: %llu entries, root matches the signed checkpoint; %llu tiles, %zu "
	        "bodies, %llu requests, %llu bytes (%llu received)\n",
	        cp.origin, (unsigned long long)cp.size, (unsigned long long)f->tiles,
	        f->n_bodies, (unsigned long long)f->http.requests, (unsigned long long)f->bytes,
	        (unsigned long long)f->http.wire_bytes);
	rc = EXIT_OK;
	goto out;
fail:
	cli_error(&err);
	rc = EXIT_USER;
out:
	free(o.b);
	free(note);
	if (f) {
		cli_http_close(&f->http);
		free(f->bodies);
	}
	free(f);
	return rc;
}
