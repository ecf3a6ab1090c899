/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_log.c: `tally log` works on the election's transparency log as the
 * store keeps it: signs a C2SP checkpoint with the CEC's key, prints
 * inclusion and consistency proofs, writes receipts and dumps the whole log
 * for `tally verify` (docs/log-format.md). `tally publish` logs a results
 * statement.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: tally log checkpoint --key CEC.key [--out FILE] [--db PATH]\n"
	"       tally log proof --entry N [--size S] [--db PATH]\n"
	"       tally log consistency --from A --to B [--db PATH]\n"
	"       tally log receipt --entry N --key CEC.key [--out FILE] [--db PATH]\n"
	"       tally log dump --out FILE [--db PATH]\n"
	"       tally log cosign --add FILE --pub WITNESS.pub [--db PATH]\n"
	"       tally log fetch --url URL --key CEC.pub [--out DUMP] [--proof N]\n"
	"\n"
	"checkpoint   sign the log's current tree (c2sp.org/tlog-checkpoint) with the\n"
	"             CEC's key, store it and print it. The key's name is the origin.\n"
	"             Refused [L017] if the log no longer extends the last checkpoint.\n"
	"proof        the inclusion proof of entry N in the tree of S entries (default:\n"
	"             the whole log): leaf hash, root and the proof's hashes, base64.\n"
	"consistency  the proof that the tree of A entries is a prefix of that of B.\n"
	"receipt      sign a checkpoint and write entry N's receipt\n"
	"             (c2sp.org/tlog-proof@v1): what a commission keeps to check later.\n"
	"dump         every entry with its leaf hash, the body of every field logged by\n"
	"             hash (over 61,440 bytes), and every stored checkpoint: the file\n"
	"             'tally verify --dump' reads.\n"
	"cosign       add the cosignature of witness WITNESS.pub on FILE (what\n"
	"             'tally witness' printed) to the stored checkpoint it cosigns\n"
	"             [L026 if the log never signed it]; 'tally log checkpoint' then\n"
	"             publishes it while the log has not grown.\n"
	"fetch        read the log back over HTTPS as tiles (c2sp.org/tlog-tiles) and\n"
	"             check it ('tally log fetch --help').\n";

static const char publish_help[] =
	"usage: tally publish [--db PATH] [--quiet]\n"
	"\n"
	"Count every accepted protocol and log the results statement: the totals at\n"
	"every level (nation, parties and blocs, each constituency) and the number of\n"
	"log entries it was computed from. 'tally verify' recomputes it from the log.\n";

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static void print_hash(const char *label, const tally_hash *h)
{
	char b[45];

	tally_hash_to_base64(h, b);
	printf("%s%s\n", label, b);
}

/* sign_checkpoint signs the store's current tree with the key in
 * "keyfile", stores the checkpoint and returns its note (freed with
 * tally_free) and size. */
int cli_log_checkpoint(tally_store *s, const char *keyfile, char **note, size_t *len,
                       uint64_t *size)
{
	tally_note_signer k;
	tally_checkpoint cp;
	const tally_merkle_tree *t = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char *body = NULL;
	size_t blen = 0;
	int rc = EXIT_USER;

	memset(&k, 0, sizeof k);
	memset(&cp, 0, sizeof cp);
	if (cli_read_signer(keyfile, &k) != EXIT_OK)
		return EXIT_USER;
	if (tally_store_log_tree(s, &t, &err) != TALLY_OK)
		goto fail;
	snprintf(cp.origin, sizeof cp.origin, "%s", k.v.name);
	cp.size = tally_merkle_tree_size(t);
	if (cp.size == 0)
		tally_merkle_empty_root(&cp.root);
	else if (tally_merkle_tree_root(t, cp.size, &cp.root, &err) != TALLY_OK)
		goto fail;
	if (tally_checkpoint_format(&cp, &body, &blen, &err) != TALLY_OK)
		goto fail;
	if (tally_note_sign(body, blen, &k, 1, 0, note, len, &err) != TALLY_OK)
		goto fail;
	{
		/* the same tree signed before: Ed25519 is deterministic, so the stored
		 * note starts with this one; publish it with its cosignatures */
		tally_checkpoint_row *cps = NULL;
		size_t n_cp = 0;
		if (tally_store_checkpoints(s, &cps, &n_cp, &err) != TALLY_OK) {
			tally_free(*note);
			*note = NULL;
			goto fail;
		}
		if (n_cp > 0 && cps[n_cp - 1].size == cp.size &&
		    strncmp(cps[n_cp - 1].note, *note, *len) == 0) {
			tally_free(*note);
			*note = cps[n_cp - 1].note;
			*len = strlen(*note);
			cps[n_cp - 1].note = NULL;
			tally_store_checkpoints_free(cps, n_cp);
			*size = cp.size;
			rc = EXIT_OK;
			goto out;
		}
		tally_store_checkpoints_free(cps, n_cp);
	}
	if (tally_store_checkpoint_add(s, cp.size, &cp.root, *note, &err) != TALLY_OK) {
		tally_free(*note);
		*note = NULL;
		goto fail;
	}
	*size = cp.size;
	rc = EXIT_OK;
	goto out;
fail:
	cli_error(&err);
out:
	tally_free(body);
	tally_note_signer_release(&k);
	return rc;
}

static int do_checkpoint(tally_store *s, const char *key, const char *out)
{
	char *note = NULL;
	size_t len = 0;
	uint64_t size = 0;
	int rc = cli_log_checkpoint(s, key, &note, &len, &size);

	if (rc == EXIT_OK)
		rc = cli_write(out, note, len);
	if (rc == EXIT_OK && out)
		printf("signed checkpoint of %llu entries written to %s\n", (unsigned long long)size,
		       out);
	tally_free(note);
	return rc;
}

static int do_proof(tally_store *s, uint64_t entry, bool has_size, uint64_t size)
{
	const tally_merkle_tree *t = NULL;
	tally_hash path[TALLY_MERKLE_MAX_PROOF], leaf, root;
	tally_error err = TALLY_ERROR_INIT;
	size_t n = 0;

	if (tally_store_log_tree(s, &t, &err) != TALLY_OK)
		goto fail;
	if (!has_size)
		size = tally_merkle_tree_size(t);
	if (tally_merkle_tree_inclusion(t, entry, size, path, &n, &err) != TALLY_OK ||
	    tally_merkle_tree_leaf(t, entry, &leaf, &err) != TALLY_OK ||
	    tally_merkle_tree_root(t, size, &root, &err) != TALLY_OK)
		goto fail;
	printf("index %llu\nsize %llu\n", (unsigned long long)entry, (unsigned long long)size);
	print_hash("leaf ", &leaf);
	print_hash("root ", &root);
	for (size_t i = 0; i < n; i++)
		print_hash("", &path[i]);
	return EXIT_OK;
fail:
	cli_error(&err);
	return EXIT_USER;
}

static int do_consistency(tally_store *s, uint64_t from, uint64_t to)
{
	const tally_merkle_tree *t = NULL;
	tally_hash path[TALLY_MERKLE_MAX_PROOF], r1, r2;
	tally_error err = TALLY_ERROR_INIT;
	size_t n = 0;

	if (tally_store_log_tree(s, &t, &err) != TALLY_OK ||
	    tally_merkle_tree_consistency(t, from, to, path, &n, &err) != TALLY_OK ||
	    tally_merkle_tree_root(t, from, &r1, &err) != TALLY_OK ||
	    tally_merkle_tree_root(t, to, &r2, &err) != TALLY_OK) {
		cli_error(&err);
		return EXIT_USER;
	}
	printf("from %llu\nto %llu\n", (unsigned long long)from, (unsigned long long)to);
	print_hash("root1 ", &r1);
	print_hash("root2 ", &r2);
	for (size_t i = 0; i < n; i++)
		print_hash("", &path[i]);
	return EXIT_OK;
}

int cli_log_receipt(tally_store *s, uint64_t entry, const char *key, const char *out)
{
	const tally_merkle_tree *t = NULL;
	tally_hash path[TALLY_MERKLE_MAX_PROOF], leaf;
	tally_error err = TALLY_ERROR_INIT;
	char *note = NULL, *rec = NULL;
	size_t n = 0, len = 0, rlen = 0;
	uint64_t size = 0;
	int rc = cli_log_checkpoint(s, key, &note, &len, &size);

	if (rc != EXIT_OK)
		return rc;
	if (tally_store_log_tree(s, &t, &err) != TALLY_OK ||
	    tally_merkle_tree_inclusion(t, entry, size, path, &n, &err) != TALLY_OK ||
	    tally_merkle_tree_leaf(t, entry, &leaf, &err) != TALLY_OK) {
		cli_error(&err);
		rc = EXIT_USER;
	} else if (tally_receipt_format(entry, &leaf, path, n, note, len, &rec, &rlen) != TALLY_OK) {
		cli_errorf("out of memory");
		rc = EXIT_USER;
	} else {
		rc = cli_write(out, rec, rlen);
		if (rc == EXIT_OK && out)
			printf("receipt for log entry %llu written to %s\n", (unsigned long long)entry,
			       out);
	}
	tally_free(rec);
	tally_free(note);
	return rc;
}

/* dump_add appends "line" (freed here) to buf[0..*len) of capacity *cap;
 * false when out of memory */
static bool dump_add(char **buf, size_t *len, size_t *cap, char *line, size_t ll)
{
	if (!line)
		return false;
	while (*len + ll > *cap) {
		char *nb = realloc(*buf, *cap * 2);
		if (!nb) {
			tally_free(line);
			return false;
		}
		*buf = nb;
		*cap *= 2;
	}
	memcpy(*buf + *len, line, ll);
	*len += ll;
	tally_free(line);
	return true;
}

static int do_dump(tally_store *s, const char *out)
{
	const tally_merkle_tree *t = NULL;
	tally_checkpoint_row *cps = NULL;
	tally_log_body_row *bodies = NULL;
	tally_error err = TALLY_ERROR_INIT;
	size_t n_cp = 0, n_bodies = 0, next_body = 0, len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	uint64_t size = 0;
	int rc = EXIT_USER;

	if (!buf) {
		cli_errorf("out of memory");
		return EXIT_USER;
	}
	memcpy(buf, TALLY_DUMP_HEADER, strlen(TALLY_DUMP_HEADER));
	len = strlen(TALLY_DUMP_HEADER);
	if (tally_store_log_tree(s, &t, &err) != TALLY_OK ||
	    tally_store_checkpoints(s, &cps, &n_cp, &err) != TALLY_OK ||
	    tally_store_log_bodies(s, &bodies, &n_bodies, &err) != TALLY_OK) {
		cli_error(&err);
		goto out;
	}
	size = tally_merkle_tree_size(t);
	for (uint64_t i = 0; i < size + n_cp; i++) {
		uint8_t *bytes = NULL;
		size_t blen = 0, ll = 0;
		char *line = NULL;
		tally_hash leaf;

		if (i < size) {
			if (tally_store_log_entry(s, i, &bytes, &blen, &leaf, &err) != TALLY_OK) {
				cli_error(&err);
				goto out;
			}
			line = tally_dump_entry_line(i, &leaf, bytes, blen, &ll);
			tally_free(bytes);
		} else {
			const char *note = cps[i - size].note;
			line = tally_dump_checkpoint_line(note, strlen(note), &ll);
		}
		if (!dump_add(&buf, &len, &cap, line, ll)) {
			cli_errorf("out of memory");
			goto out;
		}
		/* the bodies this entry is the first to log, right after it */
		for (; i < size && next_body < n_bodies && bodies[next_body].idx == i; next_body++) {
			if (tally_store_log_body(s, &bodies[next_body].hash, &bytes, &blen, NULL, &err) !=
			    TALLY_OK) {
				cli_error(&err);
				goto out;
			}
			line = tally_dump_body_line(&bodies[next_body].hash, bytes, blen, &ll);
			tally_free(bytes);
			if (!dump_add(&buf, &len, &cap, line, ll)) {
				cli_errorf("out of memory");
				goto out;
			}
		}
	}
	rc = cli_write(out, buf, len);
	if (rc == EXIT_OK && out && strcmp(out, "-") != 0)
		printf("dumped %llu entries, %zu bodies and %zu checkpoints to %s\n",
		       (unsigned long long)size, n_bodies, n_cp, out);
out:
	tally_store_checkpoints_free(cps, n_cp);
	tally_free(bodies);
	free(buf);
	return rc;
}

/* do_cosign adds the cosignature lines of witness "pubfile" found in the
 * cosigned checkpoint "file" to the stored checkpoint of the same tree */
static int do_cosign(tally_store *s, const char *file, const char *pubfile)
{
	tally_note_verifier w;
	tally_note nt;
	tally_checkpoint cp;
	tally_error err = TALLY_ERROR_INIT;
	size_t len = 0, added = 0;
	char *note = cli_read(file, TALLY_NOTE_MAX_BYTES, &len), *lines = NULL;
	int rc = EXIT_USER;

	if (!note)
		return EXIT_USER;
	if (cli_read_verifier(pubfile, &w) != EXIT_OK)
		goto out;
	if (w.type != TALLY_NOTE_COSIGNATURE) {
		tally_error_set(&err, TALLY_EINVAL, "L007", pubfile, "not a witness key");
		goto fail;
	}
	if (tally_note_open(note, len, &w, 1, &nt, &err) != TALLY_OK ||
	    tally_checkpoint_parse(note, nt.text_len, &cp, &err) != TALLY_OK)
		goto fail;
	/* the witness's own lines: "— name " and its key id */
	if (!(lines = calloc(1, len + 1))) {
		cli_errorf("out of memory");
		goto out;
	}
	{
		char prefix[TALLY_NOTE_MAX_NAME + 8];
		size_t pl = (size_t)snprintf(prefix, sizeof prefix, "\xe2\x80\x94 %s ", w.name), ol = 0;
		for (const char *l = note + nt.text_len + 1; *l;) {
			const char *e = strchr(l, '\n');
			size_t ll = e ? (size_t)(e - l) + 1 : strlen(l);
			if (e && ll > pl && strncmp(l, prefix, pl) == 0) {
				uint8_t raw[4 + 8 + 64];
				size_t rl = 0;
				if (sodium_base642bin(raw, sizeof raw, l + pl, ll - pl - 1, NULL, &rl, NULL,
				                      sodium_base64_VARIANT_ORIGINAL) == 0 && rl >= 4 &&
				    ((uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
				     (uint32_t)raw[2] << 8 | raw[3]) == w.id) {
					memcpy(lines + ol, l, ll);
					ol += ll;
				}
			}
			l += ll;
		}
	}
	if (tally_store_checkpoint_cosign(s, cp.size, &cp.root, lines, &added, &err) != TALLY_OK)
		goto fail;
	printf("%zu cosignature%s by '%s' added to the checkpoint of %llu entries\n", added,
	       added == 1 ? "" : "s", w.name, (unsigned long long)cp.size);
	rc = EXIT_OK;
	goto out;
fail:
	cli_error(&err);
out:
	free(lines);
	free(note);
	return rc;
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"key", required_argument, NULL, 'k'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"entry", required_argument, NULL, 'e'},
	                                     {"size", required_argument, NULL, 's'},
	                                     {"from", required_argument, NULL, 'f'},
	                                     {"to", required_argument, NULL, 't'},
	                                     {"add", required_argument, NULL, 'a'},
	                                     {"pub", required_argument, NULL, 'p'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *key = NULL, *out = NULL, *sub = NULL;
	const char *entry_s = NULL, *size_s = NULL, *from_s = NULL, *to_s = NULL;
	const char *add = NULL, *pub = NULL;
	uint64_t entry = 0, size = 0, from = 0, to = 0;
	int c, rc = EXIT_OK;

	/* a client of the served log: no database */
	if (argc >= 2 && strcmp(argv[1], "fetch") == 0)
		return cmd_log_fetch(argc - 1, argv + 1);
	if (argc >= 2 && argv[1][0] != '-') {
		sub = argv[1];
		argc--;
		argv++;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:k:o:e:s:f:t:a:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'k': key = optarg; break;
		case 'o': out = optarg; break;
		case 'e': entry_s = optarg; break;
		case 's': size_s = optarg; break;
		case 'f': from_s = optarg; break;
		case 't': to_s = optarg; break;
		case 'a': add = optarg; break;
		case 'p': pub = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("log", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("log", "unexpected argument '%s'", argv[optind]);
	if (!sub)
		return cli_usage("log", "give a subcommand: checkpoint, proof, consistency, receipt, "
		                 "dump or cosign");
	if ((entry_s && !parse_u64(entry_s, &entry)) || (size_s && !parse_u64(size_s, &size)) ||
	    (from_s && !parse_u64(from_s, &from)) || (to_s && !parse_u64(to_s, &to)))
		return cli_usage("log", "--entry, --size, --from and --to take a whole number");
	if (strcmp(sub, "checkpoint") == 0 && !key)
		return cli_usage("log", "checkpoint needs --key");
	else if (strcmp(sub, "proof") == 0 && !entry_s)
		return cli_usage("log", "proof needs --entry");
	else if (strcmp(sub, "consistency") == 0 && (!from_s || !to_s))
		return cli_usage("log", "consistency needs --from and --to");
	else if (strcmp(sub, "receipt") == 0 && (!entry_s || !key))
		return cli_usage("log", "receipt needs --entry and --key");
	else if (strcmp(sub, "dump") == 0 && !out)
		return cli_usage("log", "dump needs --out (- for standard output)");
	else if (strcmp(sub, "cosign") == 0 && (!add || !pub))
		return cli_usage("log", "cosign needs --add FILE and --pub WITNESS.pub");
	else if (strcmp(sub, "cosign") != 0 && strcmp(sub, "checkpoint") != 0 &&
	         strcmp(sub, "proof") != 0 &&
	         strcmp(sub, "consistency") != 0 && strcmp(sub, "receipt") != 0 &&
	         strcmp(sub, "dump") != 0)
		return cli_usage("log", "unknown subcommand '%s'", sub);

	tally_store *s = NULL;
	tally_election *e = NULL;
	if ((rc = cli_open(db, &s, &e)) != EXIT_OK)
		return rc;
	if (strcmp(sub, "checkpoint") == 0)
		rc = do_checkpoint(s, key, out);
	else if (strcmp(sub, "proof") == 0)
		rc = do_proof(s, entry, size_s != NULL, size);
	else if (strcmp(sub, "consistency") == 0)
		rc = do_consistency(s, from, to);
	else if (strcmp(sub, "receipt") == 0)
		rc = cli_log_receipt(s, entry, key, out);
	else if (strcmp(sub, "cosign") == 0)
		rc = do_cosign(s, add, pub);
	else
		rc = do_dump(s, out);
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}

int cmd_publish(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"quiet", no_argument, NULL, 'q'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db();
	bool quiet = false;
	int c, rc = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:q", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'q': quiet = true; break;
		case 'h': fputs(publish_help, stdout); return EXIT_OK;
		default: return cli_usage("publish", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("publish", "unexpected argument '%s'", argv[optind]);
	tally_store *s = NULL;
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char *text = NULL;
	uint64_t idx = 0, covered = 0;
	if ((rc = cli_open(db, &s, &e)) != EXIT_OK)
		return rc;
	if (tally_store_publish(s, e, &idx, &covered, &text, &err) != TALLY_OK) {
		cli_error(&err);
		rc = EXIT_USER;
	} else {
		if (!quiet)
			fputs(text, stdout);
		printf("published: results statement logged as entry %llu, covering the %llu "
		       "entries before it\n", (unsigned long long)idx, (unsigned long long)covered);
	}
	tally_free(text);
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}
