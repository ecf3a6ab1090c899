/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_ledger.c: the transparency log benchmark (bench/README.md,
 * "Transparency log"). It encodes N canonical protocol entries (default
 * 1,000,000; each carries a ~200-byte signed body), then times, in memory:
 *   - appending them to the Merkle tree (leaf hash + tree nodes), appends/s;
 *   - inclusion and consistency proofs at size N, and their verification;
 *   - verifying the root of the N-entry log: re-hashing every entry into a
 *     compact frontier and comparing with the tree's root.
 * Signatures are made once and reused (signing is not what is measured).
 *
 *   make bench-ledger        or   build/bench_ledger [N]
 */
#include "tally/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	if (n < 2) {
		fprintf(stderr, "usage: bench_ledger [N >= 2]\n");
		return 2;
	}
	/* a fixed key, so the root printed is the same on every run */
	uint8_t seed[32] = {1}, sig[64];
	tally_note_signer key;
	if (tally_note_signer_from_seed("C000-00000", TALLY_NOTE_ED25519, seed, &key, NULL))
		return 1;
	const uint8_t *pub = key.v.pub, *sk = key.sk;
	char body[512];
	tally_log_entry e;
	memset(&e, 0, sizeof e);
	e.type = TALLY_LOG_PROTOCOL;
	e.u.protocol.version = 1;
	tally_log_key_id(pub, &e.u.protocol.key_id);
	int blen = snprintf(body, sizeof body, "{\"station\":\"template\"}");
	tally_ed25519_sign(sk, body, (size_t)blen, sig);
	memcpy(e.u.protocol.sig, sig, 64);

	/* ---- encode N entries into one buffer ---- */
	uint8_t **ent = malloc(n * sizeof *ent);
	size_t *len = malloc(n * sizeof *len);
	if (!ent || !len)
		return 1;
	size_t total = 0;
	double t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		snprintf(e.u.protocol.station, sizeof e.u.protocol.station, "C%03llu-%05llu",
		         (unsigned long long)(i / 10000), (unsigned long long)(i % 10000));
		blen = snprintf(body, sizeof body,
		                "{\"station\":\"%s\",\"lines\":{\"registered\":%llu,\"issued\":%llu,"
		                "\"valid\":%llu,\"invalid\":%llu},\"candidates\":{\"k1\":%llu,\"k2\":%llu,"
		                "\"k3\":%llu}}",
		                e.u.protocol.station, (unsigned long long)(1000 + i % 997),
		                (unsigned long long)(700 + i % 301), (unsigned long long)(690 + i % 283),
		                (unsigned long long)(i % 17), (unsigned long long)(300 + i % 101),
		                (unsigned long long)(200 + i % 89), (unsigned long long)(190 + i % 93));
		e.time = 1700000000 + i;
		e.u.protocol.body.p = (const uint8_t *)body;
		e.u.protocol.body.len = (size_t)blen;
		if (tally_log_entry_encode(&e, &ent[i], &len[i], NULL) != TALLY_OK)
			return 1;
		total += len[i];
	}
	double t_encode = now() - t0;

	/* ---- append ---- */
	tally_merkle_tree *t = NULL;
	if (tally_merkle_tree_new(&t))
		return 1;
	t0 = now();
	for (uint64_t i = 0; i < n; i++)
		if (tally_merkle_tree_append(t, ent[i], len[i], NULL, NULL))
			return 1;
	double t_append = now() - t0;
	tally_hash root;
	t0 = now();
	tally_merkle_tree_root(t, n, &root, NULL);
	double t_root = now() - t0;

	/* ---- proofs ---- */
	enum { PROOFS = 20000 };
	tally_hash path[TALLY_MERKLE_MAX_PROOF];
	size_t np = 0;
	uint64_t *idx = malloc(PROOFS * sizeof *idx);
	for (int k = 0; k < PROOFS; k++)
		idx[k] = next_rand() % n;
	t0 = now();
	size_t sum = 0;
	for (int k = 0; k < PROOFS; k++) {
		tally_merkle_tree_inclusion(t, idx[k], n, path, &np, NULL);
		sum += np;
	}
	double t_incl = (now() - t0) / PROOFS;
	int bad = 0;
	t0 = now();
	for (int k = 0; k < PROOFS; k++) {
		tally_hash leaf;
		tally_merkle_tree_inclusion(t, idx[k], n, path, &np, NULL);
		tally_merkle_tree_leaf(t, idx[k], &leaf, NULL);
		bad += tally_merkle_verify_inclusion(idx[k], n, &leaf, path, np, &root, NULL) != 0;
	}
	double t_incl_verify = (now() - t0) / PROOFS - t_incl;
	t0 = now();
	for (int k = 0; k < PROOFS; k++)
		tally_merkle_tree_consistency(t, idx[k] + 1, n, path, &np, NULL);
	double t_cons = (now() - t0) / PROOFS;
	/* consistency checks at a few sizes (each needs the old root) */
	for (int k = 0; k < 100; k++) {
		tally_hash r1;
		tally_merkle_tree_root(t, idx[k] + 1, &r1, NULL);
		tally_merkle_tree_consistency(t, idx[k] + 1, n, path, &np, NULL);
		bad += tally_merkle_verify_consistency(idx[k] + 1, n, &r1, &root, path, np, NULL) != 0;
	}

	/* ---- verify the root of the whole log from its entries ---- */
	t0 = now();
	tally_merkle_frontier f;
	tally_merkle_frontier_init(&f);
	for (uint64_t i = 0; i < n; i++) {
		tally_hash h;
		tally_merkle_leaf_hash(ent[i], len[i], &h);
		tally_merkle_frontier_append(&f, &h, NULL);
	}
	tally_hash r2;
	tally_merkle_frontier_root(&f, &r2);
	double t_verify = now() - t0;
	if (!tally_hash_equal(&root, &r2))
		bad++;

	char hex[65];
	tally_hash_to_hex(&root, hex);
	printf("transparency log benchmark: %llu protocol entries, %.1f MB, mean %.0f bytes\n",
	       (unsigned long long)n, (double)total / 1e6, (double)total / (double)n);
	printf("  encode entries            %8.3f s   %10.0f entries/s\n", t_encode,
	       (double)n / t_encode);
	printf("  append (hash + tree)      %8.3f s   %10.0f appends/s\n", t_append,
	       (double)n / t_append);
	printf("  root of the %llu-entry tree  %.1f us\n", (unsigned long long)n, t_root * 1e6);
	printf("  inclusion proof           %8.2f us  (mean of %d, %.1f hashes each)\n",
	       t_incl * 1e6, PROOFS, (double)sum / PROOFS);
	printf("  inclusion verification    %8.2f us\n", t_incl_verify * 1e6);
	printf("  consistency proof         %8.2f us\n", t_cons * 1e6);
	printf("  verify the log's root     %8.3f s   (re-hash every entry, compare)\n", t_verify);
	printf("  root %s; %s\n", hex, bad ? "MISMATCH" : "all proofs verified");
	for (uint64_t i = 0; i < n; i++)
		tally_free(ent[i]);
	free(ent);
	free(len);
	free(idx);
	tally_merkle_tree_free(t);
	tally_note_signer_release(&key);
	return bad ? 1 : 0;
}
