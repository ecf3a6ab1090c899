/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_witness.c: `tally witness` is what an observer runs against the log:
 * it fetches the latest checkpoint (from a dump, or from the log's server
 * over HTTPS, cli_http_get), checks the CEC's signature, checks that the log is
 * consistent with the last checkpoint this witness saw (kept in a state
 * file) with a consistency proof, and only then adds its cosignature
 * (c2sp.org/tlog-cosignature) and prints the cosigned checkpoint. Two
 * checkpoints of one size with two roots, or a pair that no proof joins, is
 * a split view: it is reported and nothing is signed (docs/log-format.md).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define W_SPLIT "L023"        /* one size, two roots */
#define W_INCONSISTENT "L024" /* the new checkpoint does not extend the old one */
#define W_SOURCE "L025"       /* the log gave no usable checkpoint or proof */

#define W_MAX_PROOF ((size_t)64 << 10)   /* a consistency proof's JSON: 128 hashes */

static const char help[] =
	"usage: tally witness --log URL|DUMP --cec CEC.pub --key WITNESS.key --state FILE\n"
	"                     [--out FILE] [--cacert FILE] [--connect-timeout SEC]\n"
	"                     [--timeout SEC]\n"
	"\n"
	"Witness the election's transparency log: fetch its latest checkpoint from a\n"
	"dump ('tally log dump') or from the log's server\n"
	"(https://HOST[:PORT][/PREFIX], the prefix by default /api/v1/log), check\n"
	"the CEC's signature, and check that the log extends the last checkpoint\n"
	"this witness saw (kept in --state; the first run trusts what it sees) with\n"
	"a consistency proof from the log. If it does, add this witness's\n"
	"cosignature (c2sp.org/tlog-cosignature; make the key with 'tally keys\n"
	"generate --witness'), remember the checkpoint in --state and print the\n"
	"cosigned checkpoint (or write it to --out). 'tally log cosign --add' gives\n"
	"it back to the log.\n"
	"\n"
	"Refused, and nothing signed: a split view, two checkpoints of one size with\n"
	"different roots [L023]; a checkpoint that does not extend the one seen before\n"
	"(smaller, or the proof fails) [L024]; no usable checkpoint or proof, or an\n"
	"error answer [L025]. A checkpoint is read up to 1 MiB, a proof up to 64 KiB\n"
	"[N005].\n"
	"\n";
static const char help_exit[] =
	"exit status: 0 cosigned, 1 refused or an error, 2 usage error.\n";

/* ==== where the log comes from ==== */

typedef struct source {
	bool is_http;
	cli_http http;   /* the log's server: "https://HOST[:PORT][/PREFIX]" */
	tally_dump *dump;
	char *dbuf;
	tally_merkle_tree *tree;   /* built from the dump's entries */
} source;

/* http_get fetches "path" (cli_http_get), an answer of at most "max"
 * bytes; on 200 returns the body (free()), else NULL with "err" set (L025,
 * or the client's N001-N007). */
static char *http_get(source *src, const char *path, size_t max, size_t *len,
                      tally_error *err)
{
	char *body = NULL;
	unsigned status = 0;

	if (cli_http_get(&src->http, path, max, &status, &body, len, err) != TALLY_OK)
		return NULL;
	if (status != 200) {
		tally_error_set(err, TALLY_EINVAL, W_SOURCE, path, "the server answered HTTP %u",
		                status);
		free(body);
		return NULL;
	}
	return body;
}

static int source_open(const char *log, const cli_http_options *ho, source *src,
                       tally_error *err)
{
	memset(src, 0, sizeof *src);
	if (cli_http_is_url(log)) {
		src->is_http = true;
		return cli_http_open(&src->http, log, "/api/v1/log", ho, err);
	}
	size_t len = 0;
	if (!(src->dbuf = cli_read(log, (size_t)1 << 34, &len)))
		return tally_error_set(err, TALLY_EINVAL, W_SOURCE, log, "cannot read the dump");
	int rc = tally_dump_parse(src->dbuf, len, &src->dump, err);
	if (rc != TALLY_OK)
		return rc;
	if ((rc = tally_merkle_tree_new(&src->tree)) != TALLY_OK)
		return tally_error_set(err, rc, NULL, NULL, "out of memory");
	for (size_t i = 0; i < src->dump->n; i++) {
		const tally_dump_entry *de = &src->dump->entries[i];
		if (de->index != i)
			return tally_error_set(err, TALLY_EINVAL, W_SOURCE, log,
			                       "entry %zu is missing or out of order (line %zu)", i,
			                       de->line);
		if ((rc = tally_merkle_tree_append(src->tree, de->bytes, de->len, NULL, err)) != TALLY_OK)
			return rc;
	}
	return TALLY_OK;
}

static void source_close(source *src)
{
	cli_http_close(&src->http);
	tally_merkle_tree_free(src->tree);
	tally_dump_free(src->dump);
	free(src->dbuf);
}

/* the latest checkpoint note (free()) */
static char *source_checkpoint(source *src, size_t *len, tally_error *err)
{
	if (src->is_http)
		return http_get(src, "checkpoint", TALLY_NOTE_MAX_BYTES, len, err);
	if (src->dump->n_checkpoints == 0) {
		tally_error_set(err, TALLY_EINVAL, W_SOURCE, "dump", "the dump holds no checkpoint");
		return NULL;
	}
	const tally_dump_note *dn = &src->dump->checkpoints[src->dump->n_checkpoints - 1];
	char *s = malloc(dn->len + 1);
	if (!s) {
		tally_error_set(err, TALLY_ENOMEM, NULL, NULL, "out of memory");
		return NULL;
	}
	memcpy(s, dn->text, dn->len);
	s[dn->len] = '\0';
	*len = dn->len;
	return s;
}

/* the consistency proof between sizes "from" and "to"; for a dump, the
 * entries must first give the new checkpoint's root "root2" */
static int source_consistency(source *src, uint64_t from, uint64_t to,
                              const tally_hash *root2, tally_hash *path, size_t *n,
                              tally_error *err)
{
	if (!src->is_http) {
		tally_hash r;
		if (to > tally_merkle_tree_size(src->tree))
			return tally_error_set(err, TALLY_EINVAL, W_SOURCE, "dump",
			                       "the checkpoint signs %llu entries; the dump holds %llu",
			                       (unsigned long long)to,
			                       (unsigned long long)tally_merkle_tree_size(src->tree));
		if (tally_merkle_tree_root(src->tree, to, &r, err) != TALLY_OK)
			return err->status;
		if (!tally_hash_equal(&r, root2))
			return tally_error_set(err, TALLY_EINVAL, W_SOURCE, "dump",
			                       "the dump's first %llu entries do not give the "
			                       "checkpoint's root", (unsigned long long)to);
		return tally_merkle_tree_consistency(src->tree, from, to, path, n, err);
	}
	char url[128];
	size_t len = 0;
	snprintf(url, sizeof url, "proof/consistency?from=%llu&to=%llu",
	         (unsigned long long)from, (unsigned long long)to);
	char *body = http_get(src, url, W_MAX_PROOF, &len, err);
	if (!body)
		return err->status;
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je), *proof = j ? json_object_get(j, "proof") : NULL;
	int rc = TALLY_OK;
	free(body);
	if (!json_is_array(proof) || json_array_size(proof) > TALLY_MERKLE_MAX_PROOF) {
		rc = tally_error_set(err, TALLY_EINVAL, W_SOURCE, url, "no proof in the answer");
		goto out;
	}
	*n = json_array_size(proof);
	for (size_t i = 0; i < *n; i++) {
		const char *h = json_string_value(json_array_get(proof, i));
		if (!h || (rc = tally_hash_from_base64(h, strlen(h), &path[i], err)) != TALLY_OK) {
			if (!h)
				rc = tally_error_set(err, TALLY_EINVAL, W_SOURCE, url, "a proof hash is "
				                     "not a string");
			goto out;
		}
	}
out:
	json_decref(j);
	return rc;
}

/* ==== the witness ==== */

/* open a checkpoint note with the CEC's key and parse it */
static int open_checkpoint(const char *note, size_t len, const tally_note_verifier *cec,
                           const char *what, tally_checkpoint *cp, tally_error *err)
{
	tally_note n;
	int rc = tally_note_open(note, len, cec, 1, &n, err);
	if (rc == TALLY_OK)
		rc = tally_checkpoint_parse(note, n.text_len, cp, err);
	if (rc != TALLY_OK) {
		if (!err->where[0])
			snprintf(err->where, sizeof err->where, "%s", what);
		return rc;
	}
	if (strcmp(cp->origin, cec->name) != 0)
		return tally_error_set(err, TALLY_EINVAL, W_SOURCE, what, "the checkpoint is for "
		                       "'%s', not for '%s'", cp->origin, cec->name);
	return TALLY_OK;
}

int cmd_witness(int argc, char **argv)
{
	static const struct option opts[] = {{"log", required_argument, NULL, 'l'},
	                                     {"cec", required_argument, NULL, 'c'},
	                                     {"key", required_argument, NULL, 'k'},
	                                     {"state", required_argument, NULL, 's'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     CLI_HTTP_GETOPTS,
	                                     {NULL, 0, NULL, 0}};
	const char *log = NULL, *cecfile = NULL, *keyfile = NULL, *state = NULL, *out = NULL;
	cli_http_options ho = CLI_HTTP_OPTIONS_INIT;
	bool bad = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hl:c:k:s:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': log = optarg; break;
		case 'c': cecfile = optarg; break;
		case 'k': keyfile = optarg; break;
		case 's': state = optarg; break;
		case 'o': out = optarg; break;
		case 'h':
			fputs(help, stdout);
			fputs(cli_http_help, stdout);
			fputs(help_exit, stdout);
			return EXIT_OK;
		default:
			if (!cli_http_option(c, optarg, &ho, &bad))
				return cli_usage("witness", "bad option");
			if (bad)
				return cli_usage("witness", "a timeout is 1 to %d seconds",
				                 CLI_HTTP_MAX_TIMEOUT);
		}
	}
	if (optind != argc)
		return cli_usage("witness", "unexpected argument '%s'", argv[optind]);
	if (!log || !cecfile || !keyfile || !state)
		return cli_usage("witness", "give --log, --cec, --key and --state");

	tally_note_verifier cec;
	tally_note_signer k;
	tally_checkpoint now, old;
	tally_error err = TALLY_ERROR_INIT;
	tally_hash path[TALLY_MERKLE_MAX_PROOF];
	source src;
	char *note = NULL, *prev = NULL, *signed_note = NULL;
	size_t len = 0, plen = 0, slen = 0, n = 0;
	int rc = EXIT_USER;

	memset(&src, 0, sizeof src);
	memset(&k, 0, sizeof k);
	if (cli_read_verifier(cecfile, &cec) != EXIT_OK || cli_read_signer(keyfile, &k) != EXIT_OK)
		goto out;
	if (k.v.type != TALLY_NOTE_COSIGNATURE) {
		tally_error_set(&err, TALLY_EINVAL, "L007", keyfile, "not a witness key (make one "
		                "with 'tally keys generate --witness')");
		goto fail;
	}
	if (source_open(log, &ho, &src, &err) != TALLY_OK || !(note = source_checkpoint(&src, &len, &err)))
		goto fail;
	if (open_checkpoint(note, len, &cec, "the log's checkpoint", &now, &err) != TALLY_OK)
		goto fail;
	if (access(state, F_OK) == 0) {
		if (!(prev = cli_read(state, TALLY_NOTE_MAX_BYTES, &plen)))
			goto out;
		if (open_checkpoint(prev, plen, &cec, state, &old, &err) != TALLY_OK)
			goto fail;
		char a[45], b[45];
		tally_hash_to_base64(&old.root, a);
		tally_hash_to_base64(&now.root, b);
		if (old.size == now.size && !tally_hash_equal(&old.root, &now.root)) {
			printf("SPLIT VIEW: the CEC signed two trees of %llu entries:\n  seen before: %s\n"
			       "  now:         %s\nnot cosigned.\n", (unsigned long long)now.size, a, b);
			tally_error_set(&err, TALLY_ECONFLICT, W_SPLIT, log, "split view: two "
			                "checkpoints of %llu entries with different roots",
			                (unsigned long long)now.size);
			goto fail;
		}
		if (old.size > now.size) {
			printf("SPLIT VIEW: the log shrank from %llu to %llu entries\nnot cosigned.\n",
			       (unsigned long long)old.size, (unsigned long long)now.size);
			tally_error_set(&err, TALLY_ECONFLICT, W_INCONSISTENT, log, "the checkpoint "
			                "(%llu entries) is older than the one seen before (%llu)",
			                (unsigned long long)now.size, (unsigned long long)old.size);
			goto fail;
		}
		if (old.size > 0 && old.size < now.size) {
			tally_error perr = TALLY_ERROR_INIT;
			if (source_consistency(&src, old.size, now.size, &now.root, path, &n, &err) !=
			    TALLY_OK)
				goto fail;
			if (tally_merkle_verify_consistency(old.size, now.size, &old.root, &now.root, path,
			                                    n, &perr) != TALLY_OK) {
				printf("SPLIT VIEW: the tree of %llu entries (%s) is not a prefix of the tree "
				       "of %llu entries (%s)\nnot cosigned.\n", (unsigned long long)old.size,
				       a, (unsigned long long)now.size, b);
				tally_error_set(&err, TALLY_ECONFLICT, W_INCONSISTENT, log, "the log does not "
				                "extend the checkpoint seen before (%llu entries): %s",
				                (unsigned long long)old.size, perr.msg);
				goto fail;
			}
		}
	}
	if (tally_note_add_signatures(note, len, &k, 1, (uint64_t)time(NULL), &signed_note, &slen,
	                              &err) != TALLY_OK)
		goto fail;
	if (cli_write(state, signed_note, slen) != EXIT_OK)
		goto out;
	if (out) {
		if (cli_write(out, signed_note, slen) != EXIT_OK)
			goto out;
		printf("cosigned the checkpoint of %llu entries; written to %s\n",
		       (unsigned long long)now.size, out);
	} else if (cli_write(NULL, signed_note, slen) != EXIT_OK) {
		goto out;
	}
	rc = EXIT_OK;
	goto out;
fail:
	cli_error(&err);
out:
	tally_free(signed_note);
	free(note);
	free(prev);
	source_close(&src);
	tally_note_signer_release(&k);
	return rc;
}
