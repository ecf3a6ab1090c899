/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_tree.h: the fixed Merkle tree the proof and tile harnesses check
 * against: "leaves" leaves whose entries are "leaf 0", "leaf 1", ...
 * Built once per process; aborts if it cannot be.
 */
#ifndef TALLY_FUZZ_TREE_H
#define TALLY_FUZZ_TREE_H

#include "tally/ledger.h"

#include <stdio.h>
#include <stdlib.h>

static tally_merkle_tree *fuzz_tree(int leaves)
{
	tally_merkle_tree *t = NULL;
	if (tally_merkle_tree_new(&t) != TALLY_OK)
		abort();
	for (int i = 0; i < leaves; i++) {
		char leaf[16];
		int l = snprintf(leaf, sizeof leaf, "leaf %d", i);
		if (tally_merkle_tree_append(t, leaf, (size_t)l, NULL, NULL) != TALLY_OK)
			abort();
	}
	return t;
}

#endif
