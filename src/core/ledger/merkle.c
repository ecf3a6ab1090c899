/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merkle.c: the Merkle tree of RFC 9162 section 2.1 (unchanged from RFC
 * 6962): leaf and node hashing, a compact frontier, an in-memory tree that
 * keeps every perfect subtree's hash (so roots and proofs of any size cost
 * O(log n) hashes), proof generation (2.1.3.1, 2.1.4.1) and verification
 * (2.1.3.2, 2.1.4.2), written from the RFC's own steps.
 */
#include "core/ledger/ledger_int.h"

#include <sodium.h>

/* ==== Hashing (RFC 9162 2.1.1) ==== */

void tally_merkle_leaf_hash(const void *entry, size_t len, tally_hash *out)
{
	ledger__sha256_prefixed(0x00, entry, len, out->b, false);
}

void tally_merkle_node_hash(const tally_hash *left, const tally_hash *right, tally_hash *out)
{
	unsigned char m[2 * TALLY_HASH_SIZE];
	memcpy(m, left->b, TALLY_HASH_SIZE);
	memcpy(m + TALLY_HASH_SIZE, right->b, TALLY_HASH_SIZE);
	ledger__sha256_prefixed(0x01, m, sizeof m, out->b, false);
}

void tally_merkle_empty_root(tally_hash *out)
{
	crypto_hash_sha256(out->b, (const unsigned char *)"", 0);
}

bool tally_hash_equal(const tally_hash *a, const tally_hash *b)
{
	return sodium_memcmp(a->b, b->b, TALLY_HASH_SIZE) == 0;
}

int tally_hash_from_base64(const char *s, size_t len, tally_hash *out, tally_error *err)
{
	uint8_t tmp[TALLY_HASH_SIZE];
	if (len != 44 || ledger__b64_decode(s, len, tmp, sizeof tmp) != TALLY_HASH_SIZE)
		return tally_error_set(err, TALLY_EINVAL, "L001", NULL,
		                       "a hash is not base64 of exactly 32 bytes");
	memcpy(out->b, tmp, sizeof tmp);
	return TALLY_OK;
}

void tally_hash_to_base64(const tally_hash *h, char out[45])
{
	sodium_bin2base64(out, 45, h->b, TALLY_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL);
}

void tally_hash_to_hex(const tally_hash *h, char out[65])
{
	sodium_bin2hex(out, 65, h->b, TALLY_HASH_SIZE);
}

/* The largest power of two smaller than n (n >= 2): RFC 9162's k. */
static uint64_t split_point(uint64_t n)
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/* Folds the perfect-subtree roots nodes[0..n) (largest first) into the
 * root of their concatenation, right to left as MTH recurses. */
static void fold_right(const tally_hash *nodes, unsigned n, tally_hash *out)
{
	tally_hash r = nodes[n - 1];
	for (unsigned i = n - 1; i-- > 0;)
		tally_merkle_node_hash(&nodes[i], &r, &r);
	*out = r;
}

/* ==== Frontier ==== */

void tally_merkle_frontier_init(tally_merkle_frontier *f)
{
	memset(f, 0, sizeof *f);
}

int tally_merkle_frontier_append(tally_merkle_frontier *f, const tally_hash *leaf,
                                 tally_error *err)
{
	if (f->size == UINT64_MAX)
		return tally_error_set(err, TALLY_ELIMIT, "L016", NULL, "the log is full");
	/* adding a leaf merges the trailing perfect subtrees of equal size:
	 * as many as the size has trailing one bits */
	tally_hash h = *leaf;
	for (uint64_t s = f->size; s & 1; s >>= 1) {
		TALLY_ASSERT(f->n > 0);
		tally_merkle_node_hash(&f->node[--f->n], &h, &h);
	}
	f->node[f->n++] = h;
	f->size++;
	return TALLY_OK;
}

void tally_merkle_frontier_root(const tally_merkle_frontier *f, tally_hash *out)
{
	if (f->size == 0)
		tally_merkle_empty_root(out);
	else
		fold_right(f->node, f->n, out);
}

/* ==== The tree ==== */

typedef struct level {
	tally_hash *h;
	uint64_t n, cap;
} level;

/* lv[k] holds the roots of the perfect subtrees of 2^k leaves, in order:
 * lv[0] the leaf hashes, lv[k].n == size >> k. */
struct tally_merkle_tree {
	uint64_t size;
	level lv[64];
};

int tally_merkle_tree_new(tally_merkle_tree **out)
{
	tally_merkle_tree *t = tally_calloc(1, sizeof *t);
	if (!t)
		return TALLY_ENOMEM;
	*out = t;
	return TALLY_OK;
}

void tally_merkle_tree_free(tally_merkle_tree *t)
{
	if (!t)
		return;
	for (int k = 0; k < 64; k++)
		tally_free(t->lv[k].h);
	tally_free(t);
}

uint64_t tally_merkle_tree_size(const tally_merkle_tree *t)
{
	return t->size;
}

static bool level_reserve(level *l)
{
	if (l->n < l->cap)
		return true;
	uint64_t cap = l->cap ? l->cap * 2 : 1024;
	if (cap > SIZE_MAX / sizeof(tally_hash))
		return false;
	tally_hash *h = tally_realloc(l->h, (size_t)cap * sizeof(tally_hash));
	if (!h)
		return false;
	l->h = h;
	l->cap = cap;
	return true;
}

int tally_merkle_tree_append_hash(tally_merkle_tree *t, const tally_hash *leaf, uint64_t *index,
                                  tally_error *err)
{
	if (t->size == UINT64_MAX)
		return tally_error_set(err, TALLY_ELIMIT, "L016", NULL, "the log is full");
	uint64_t ns = t->size + 1;
	int top = __builtin_ctzll(ns);   /* levels 0..top each get one node */
	/* reserve everything first, so a failed allocation changes nothing */
	for (int k = 0; k <= top; k++)
		if (!level_reserve(&t->lv[k]))
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	t->lv[0].h[t->lv[0].n++] = *leaf;
	for (int k = 1; k <= top; k++) {
		level *below = &t->lv[k - 1];
		level *l = &t->lv[k];
		tally_merkle_node_hash(&below->h[below->n - 2], &below->h[below->n - 1],
		                       &l->h[l->n]);
		l->n++;
	}
	if (index)
		*index = t->size;
	t->size = ns;
	return TALLY_OK;
}

/* A whole log at once (the auditor): room for every node first, then the
 * nodes of disjoint aligned blocks of leaves, which two threads may fill
 * at the same time since each writes only its own block's slots, then the
 * few nodes above the blocks. The result is the tree that appending the
 * leaves one by one gives (RFC 9162 2.1.1: every stored node is the root
 * of a perfect subtree, MTH of 2^k leaves starting at a multiple of 2^k). */
int ledger__merkle_tree_reserve(tally_merkle_tree *t, uint64_t n)
{
	TALLY_ASSERT(t->size == 0);
	for (int k = 0; k < 64 && (n >> k); k++) {
		uint64_t cap = n >> k;
		level *l = &t->lv[k];
		tally_hash *h = NULL;

		if (l->cap >= cap)
			continue;
		if (cap > SIZE_MAX / sizeof(tally_hash) ||
		    !(h = tally_realloc(l->h, (size_t)cap * sizeof(tally_hash))))
			return TALLY_ENOMEM;
		l->h = h;
		l->cap = cap;
	}
	return TALLY_OK;
}

void ledger__merkle_tree_fill(tally_merkle_tree *t, const tally_hash *leaf, uint64_t start,
                              uint64_t count)
{
	if (count == 0)
		return;
	memcpy(&t->lv[0].h[start], &leaf[start], (size_t)count * sizeof *leaf);
	for (int k = 1; k < 64; k++) {
		/* the nodes of level k wholly inside [start, start + count) */
		uint64_t first = (start + (UINT64_C(1) << k) - 1) >> k;
		uint64_t end = (start + count) >> k;
		const tally_hash *below = t->lv[k - 1].h;

		if (first >= end)
			break;
		for (uint64_t i = first; i < end; i++)
			tally_merkle_node_hash(&below[2 * i], &below[2 * i + 1], &t->lv[k].h[i]);
	}
}

void ledger__merkle_tree_complete(tally_merkle_tree *t, uint64_t n, unsigned block_log2)
{
	for (int k = 0; k < 64; k++)
		t->lv[k].n = n >> k;
	for (unsigned k = block_log2 + 1; k < 64 && (n >> k); k++) {
		const tally_hash *below = t->lv[k - 1].h;

		for (uint64_t i = 0; i < n >> k; i++)
			tally_merkle_node_hash(&below[2 * i], &below[2 * i + 1], &t->lv[k].h[i]);
	}
	t->size = n;
}

int tally_merkle_tree_append(tally_merkle_tree *t, const void *entry, size_t len,
                             uint64_t *index, tally_error *err)
{
	tally_hash h;
	tally_merkle_leaf_hash(entry, len, &h);
	return tally_merkle_tree_append_hash(t, &h, index, err);
}

int tally_merkle_tree_leaf(const tally_merkle_tree *t, uint64_t index, tally_hash *out,
                           tally_error *err)
{
	if (index >= t->size)
		return tally_error_set(err, TALLY_EINVAL, "L006", NULL,
		                       "no entry %llu in a log of %llu entries",
		                       (unsigned long long)index, (unsigned long long)t->size);
	*out = t->lv[0].h[index];
	return TALLY_OK;
}

/* MTH(D[start:start+n]) for n >= 1, where start is a multiple of the
 * largest power of two <= n (true of every range the RFC's recursions
 * visit): the perfect subtrees are all stored, so this is one lookup per
 * set bit of n and one hash less. */
static void range_hash(const tally_merkle_tree *t, uint64_t start, uint64_t n, tally_hash *out)
{
	tally_hash nodes[64];
	unsigned m = 0;
	for (int k = 63; k >= 0; k--) {
		uint64_t bit = UINT64_C(1) << k;
		if (n & bit) {
			TALLY_ASSERT(start % bit == 0 && (start >> k) < t->lv[k].n);
			nodes[m++] = t->lv[k].h[start >> k];
			start += bit;
		}
	}
	fold_right(nodes, m, out);
}

int tally_merkle_tree_root(const tally_merkle_tree *t, uint64_t size, tally_hash *out,
                           tally_error *err)
{
	if (size > t->size)
		return tally_error_set(err, TALLY_EINVAL, "L006", NULL,
		                       "no tree of %llu entries in a log of %llu",
		                       (unsigned long long)size, (unsigned long long)t->size);
	if (size == 0)
		tally_merkle_empty_root(out);
	else
		range_hash(t, 0, size, out);
	return TALLY_OK;
}

/* Reverses path[0..n): the RFC's recursions append the sibling after the
 * sub-proof, so a top-down walk collects them in reverse. */
static void reverse(tally_hash *path, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		tally_hash x = path[i];
		path[i] = path[n - 1 - i];
		path[n - 1 - i] = x;
	}
}

int tally_merkle_tree_inclusion(const tally_merkle_tree *t, uint64_t index, uint64_t size,
                                tally_hash *path, size_t *n, tally_error *err)
{
	if (size > t->size || index >= size)
		return tally_error_set(err, TALLY_EINVAL, "L006", NULL,
		                       "no entry %llu in a tree of %llu (the log has %llu)",
		                       (unsigned long long)index, (unsigned long long)size,
		                       (unsigned long long)t->size);
	/* RFC 9162 2.1.3.1: PATH(m, D[n]) */
	uint64_t m = index, start = 0, sz = size;
	size_t k = 0;
	while (sz > 1) {
		uint64_t split = split_point(sz);
		TALLY_ASSERT(k < TALLY_MERKLE_MAX_PROOF);
		if (m < split) {
			range_hash(t, start + split, sz - split, &path[k++]);
			sz = split;
		} else {
			range_hash(t, start, split, &path[k++]);
			m -= split;
			start += split;
			sz -= split;
		}
	}
	reverse(path, k);
	*n = k;
	return TALLY_OK;
}

int tally_merkle_tree_consistency(const tally_merkle_tree *t, uint64_t size1, uint64_t size2,
                                  tally_hash *path, size_t *n, tally_error *err)
{
	if (size2 > t->size || size1 == 0 || size1 > size2)
		return tally_error_set(err, TALLY_EINVAL, "L006", NULL,
		                       "no consistency proof from %llu to %llu entries (the log has %llu)",
		                       (unsigned long long)size1, (unsigned long long)size2,
		                       (unsigned long long)t->size);
	/* RFC 9162 2.1.4.1: SUBPROOF(m, D[n], true) */
	uint64_t m = size1, start = 0, sz = size2;
	bool b = true;
	size_t k = 0;
	for (;;) {
		TALLY_ASSERT(k < TALLY_MERKLE_MAX_PROOF);
		if (m == sz) {
			if (!b)
				range_hash(t, start, sz, &path[k++]);
			break;
		}
		uint64_t split = split_point(sz);
		if (m <= split) {
			range_hash(t, start + split, sz - split, &path[k++]);
			sz = split;
		} else {
			range_hash(t, start, split, &path[k++]);
			m -= split;
			start += split;
			sz -= split;
			b = false;
		}
	}
	reverse(path, k);
	*n = k;
	return TALLY_OK;
}

/* ==== Verification ==== */

/* RFC 9162 2.1.3.2 */
int tally_merkle_verify_inclusion(uint64_t index, uint64_t size, const tally_hash *leaf,
                                  const tally_hash *path, size_t n, const tally_hash *root,
                                  tally_error *err)
{
	/* step 1 */
	if (index >= size)
		return tally_error_set(err, TALLY_EINVAL, "L002", NULL,
		                       "entry %llu is outside a tree of %llu entries",
		                       (unsigned long long)index, (unsigned long long)size);
	/* steps 2 and 3 */
	uint64_t fn = index, sn = size - 1;
	tally_hash r = *leaf;
	/* step 4 */
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			goto fail;
		if ((fn & 1) || fn == sn) {
			tally_merkle_node_hash(&path[i], &r, &r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			tally_merkle_node_hash(&r, &path[i], &r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	/* step 5 */
	if (sn == 0 && tally_hash_equal(&r, root))
		return TALLY_OK;
fail:
	return tally_error_set(err, TALLY_EINVAL, "L003", NULL,
	                       "the inclusion proof of entry %llu in a tree of %llu entries does "
	                       "not lead to the root",
	                       (unsigned long long)index, (unsigned long long)size);
}

/* RFC 9162 2.1.4.2 */
int tally_merkle_verify_consistency(uint64_t size1, uint64_t size2, const tally_hash *root1,
                                    const tally_hash *root2, const tally_hash *path, size_t n,
                                    tally_error *err)
{
	if (size1 == 0 || size1 > size2)
		return tally_error_set(err, TALLY_EINVAL, "L004", NULL,
		                       "no consistency proof exists from %llu to %llu entries",
		                       (unsigned long long)size1, (unsigned long long)size2);
	if (size1 == size2) {
		/* PROOF(m, D[m]) is empty: the trees must be the same */
		if (n == 0 && tally_hash_equal(root1, root2))
			return TALLY_OK;
		goto fail;
	}
	/* step 1 */
	if (n == 0 || n > TALLY_MERKLE_MAX_PROOF)
		goto fail;
	/* step 2: when size1 is a power of two, first_hash is prepended; read it
	 * through "at" instead of copying */
	bool pre = (size1 & (size1 - 1)) == 0;
	size_t total = n + (pre ? 1 : 0);
#define AT(i) (pre ? ((i) == 0 ? root1 : &path[(i) - 1]) : &path[(i)])
	/* step 3 */
	uint64_t fn = size1 - 1, sn = size2 - 1;
	/* step 4 */
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* step 5 */
	tally_hash fr = *AT(0), sr = *AT(0);
	/* step 6 */
	for (size_t i = 1; i < total; i++) {
		const tally_hash *c = AT(i);
		if (sn == 0)
			goto fail;
		if ((fn & 1) || fn == sn) {
			tally_merkle_node_hash(c, &fr, &fr);
			tally_merkle_node_hash(c, &sr, &sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			tally_merkle_node_hash(&sr, c, &sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
#undef AT
	/* step 7 */
	if (tally_hash_equal(&fr, root1) && tally_hash_equal(&sr, root2) && sn == 0)
		return TALLY_OK;
fail:
	return tally_error_set(err, TALLY_EINVAL, "L005", NULL,
	                       "the consistency proof from %llu to %llu entries does not verify",
	                       (unsigned long long)size1, (unsigned long long)size2);
}

/* ==== Stored subtrees, for tiles (tiles.c) ==== */

bool ledger__tree_node(const tally_merkle_tree *t, unsigned height, uint64_t index,
                       tally_hash *out)
{
	if (height >= 64 || index >= t->lv[height].n)
		return false;
	*out = t->lv[height].h[index];
	return true;
}
