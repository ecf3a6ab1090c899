/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_proof.c: libFuzzer harness for inclusion and consistency proofs as
 * a client reads them from `tally serve` (GET /api/v1/log/proof/...: JSON
 * with base64 hashes, which `tally witness` parses with jansson and
 * tally_hash_from_base64) and for the verifiers (RFC 9162 2.1.3.2 and
 * 2.1.4.2). The rest of the input after the first byte is JSON: a test
 * vector of the c2sp.org tlog test data (leafIdx, treeSize, leafHash, root
 * or size1, size2, root1, root2, and the proof) is verified as it stands;
 * any other object's "proof" is checked against a fixed tree of 13 leaves,
 * the first byte picking inclusion or consistency and the sizes. There a
 * proof that verifies must be the one the tree itself gives, hash for
 * hash: a forged proof that verifies aborts.
 */
#include "tally/ledger.h"
#include "fuzz_tree.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LEAVES 13

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tally_merkle_tree *tree;
	tally_hash path[TALLY_MERKLE_MAX_PROOF], want[TALLY_MERKLE_MAX_PROOF];
	size_t n = 0, wn = 0;
	json_error_t je;

	if (!tree)
		tree = fuzz_tree(LEAVES);
	if (size < 1)
		return 0;
	json_t *j = json_loadb((const char *)data + 1, size - 1, 0, &je);
	json_t *proof = json_is_object(j) ? json_object_get(j, "proof") : NULL;
	if (json_is_null(proof))
		proof = NULL;
	else if (!json_is_array(proof) || json_array_size(proof) > TALLY_MERKLE_MAX_PROOF)
		goto out;
	n = json_array_size(proof);
	for (size_t i = 0; i < n; i++) {
		const char *h = json_string_value(json_array_get(proof, i));
		if (!h || tally_hash_from_base64(h, strlen(h), &path[i], NULL) != TALLY_OK)
			goto out;
	}
	/* a test vector (c2sp.org tlog test data): its own sizes and hashes */
	if (json_object_get(j, "treeSize") || json_object_get(j, "size2")) {
		bool inc = json_object_get(j, "treeSize") != NULL;
		json_int_t s1 = json_integer_value(json_object_get(j, inc ? "leafIdx" : "size1"));
		json_int_t s2 = json_integer_value(json_object_get(j, inc ? "treeSize" : "size2"));
		const char *h1 = json_string_value(json_object_get(j, inc ? "leafHash" : "root1"));
		const char *h2 = json_string_value(json_object_get(j, inc ? "root" : "root2"));
		tally_hash x1, x2;
		if (s1 < 0 || s2 < 0 || !h1 || !h2 ||
		    tally_hash_from_base64(h1, strlen(h1), &x1, NULL) != TALLY_OK ||
		    tally_hash_from_base64(h2, strlen(h2), &x2, NULL) != TALLY_OK)
			goto out;
		if (inc)
			tally_merkle_verify_inclusion((uint64_t)s1, (uint64_t)s2, &x1, path, n, &x2, NULL);
		else
			tally_merkle_verify_consistency((uint64_t)s1, (uint64_t)s2, &x1, &x2, path, n,
			                                NULL);
		goto out;
	}
	uint64_t a = (data[0] & 15) % LEAVES, b = 1 + (uint64_t)(data[0] >> 4) % LEAVES;
	tally_hash r1, r2, leaf;
	if (a >= b) {
		uint64_t t = a;
		a = b - 1;
		b = t + 1;
	}
	if (tally_merkle_tree_root(tree, b, &r2, NULL) != TALLY_OK)
		abort();
	if ((data[0] & 1) == 0) {
		if (tally_merkle_tree_leaf(tree, a, &leaf, NULL) != TALLY_OK ||
		    tally_merkle_tree_inclusion(tree, a, b, want, &wn, NULL) != TALLY_OK)
			abort();
		if (tally_merkle_verify_inclusion(a, b, &leaf, path, n, &r2, NULL) == TALLY_OK &&
		    (n != wn || memcmp(path, want, n * sizeof *path) != 0))
			abort();
	} else if (a > 0) {
		if (tally_merkle_tree_root(tree, a, &r1, NULL) != TALLY_OK ||
		    tally_merkle_tree_consistency(tree, a, b, want, &wn, NULL) != TALLY_OK)
			abort();
		if (tally_merkle_verify_consistency(a, b, &r1, &r2, path, n, NULL) == TALLY_OK &&
		    (n != wn || memcmp(path, want, n * sizeof *path) != 0))
			abort();
	}
out:
	json_decref(j);
	return 0;
}
