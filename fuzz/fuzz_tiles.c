/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_tiles.c: libFuzzer harness for what src/core/ledger/tiles.c reads
 * from outside (c2sp.org/tlog-tiles): tile paths as `tally serve` gets them
 * in a request (tally_tile_parse), entry bundles as `tally log fetch` gets
 * them (tally_bundle_parse), and hash tiles as `tally log fetch` gets them,
 * from which it computes a root and inclusion proofs (tally_tiles_root,
 * tally_tiles_inclusion). The first byte picks one:
 *   0: the rest is a path after "tile/". One that parses must format back to
 *      the same bytes (a path has one spelling), with a level, width and
 *      kind in range; one that does not gets L029.
 *   1: the second byte + 1 is the width (1..256), the rest a bundle. One
 *      that parses must frame back to the same bytes; one that does not gets
 *      L032 and leaves the output untouched. Each entry of a bundle is then
 *      decoded as `tally log fetch` does to find a blob logged by hash: one
 *      that decodes must encode back to the same bytes, with its blob
 *      inline (inside the bundle) up to 61,440 bytes and by hash above.
 *   2: two bytes give a tree size (1..600) and an entry of a fixed tree of
 *      600 leaves; the rest is XORed, byte by byte, over the tiles the
 *      reader asks for (cut from the real tree), and a byte 0xff as the
 *      first of a tile's mask makes the read fail. The root and proof must
 *      be the tree's own when nothing was altered; a proof from altered
 *      tiles that still verifies against the real root must be the real
 *      proof, hash for hash: tiles cannot forge one.
 */
#include "tally/ledger.h"
#include "fuzz_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LEAVES 600

typedef struct masked {
	const tally_merkle_tree *tree;
	uint64_t size;
	const uint8_t *mask;
	size_t n, pos;
	bool altered;
} masked;

/* tally_tile_read_fn: the real tile of the tree, XORed with the mask */
static int read_masked(void *ctx, const tally_tile *t, tally_hash *out, tally_error *err)
{
	masked *m = ctx;
	uint8_t buf[TALLY_TILE_WIDTH * TALLY_HASH_SIZE];
	size_t len = (size_t)t->width * TALLY_HASH_SIZE;

	if (t->entries || t->width == 0 || t->width > TALLY_TILE_WIDTH ||
	    tally_tile_width(m->size, t->level, t->index) != t->width)
		abort(); /* the reader asks only for tiles the signed tree has */
	if (m->pos < m->n && m->mask[m->pos] == 0xff) {
		m->pos++;
		return tally_error_set(err, TALLY_EINVAL, "L032", "tile", "no such tile");
	}
	if (tally_merkle_tree_tile(m->tree, m->size, t, buf, NULL) != TALLY_OK)
		abort();
	for (size_t i = 0; i < len && m->pos < m->n; i++, m->pos++) {
		buf[i] ^= m->mask[m->pos];
		m->altered |= m->mask[m->pos] != 0;
	}
	memcpy(out, buf, len);
	return TALLY_OK;
}

static void tiles(const tally_merkle_tree *tree, const uint8_t *p, size_t n)
{
	tally_hash root, real_root, leaf, path[TALLY_MERKLE_MAX_PROOF], want[TALLY_MERKLE_MAX_PROOF];
	size_t len = 0, wlen = 0;
	tally_error err = TALLY_ERROR_INIT;

	if (n < 2)
		return;
	masked m = {tree, 1 + (uint64_t)((p[0] << 8 | p[1]) % LEAVES), p + 2, n - 2, 0, false};
	uint64_t index = (uint64_t)(p[1] << 8 | p[0]) % m.size;

	if (tally_merkle_tree_root(tree, m.size, &real_root, NULL) != TALLY_OK ||
	    tally_merkle_tree_inclusion(tree, index, m.size, want, &wlen, NULL) != TALLY_OK)
		abort();
	if (tally_tiles_root(m.size, read_masked, &m, &root, &err) == TALLY_OK) {
		if (!m.altered && !tally_hash_equal(&root, &real_root))
			abort();
	} else if (strcmp(err.code, "L032") != 0) {
		abort();
	}
	m.altered = false;
	if (tally_tiles_inclusion(index, m.size, read_masked, &m, &leaf, path, &len, &err) !=
	    TALLY_OK) {
		if (strcmp(err.code, "L032") != 0)
			abort();
		return;
	}
	bool verifies = tally_merkle_verify_inclusion(index, m.size, &leaf, path, len, &real_root,
	                                              NULL) == TALLY_OK;
	if (!m.altered && !verifies)
		abort();
	char text[16];
	tally_hash real_leaf;
	int tl = snprintf(text, sizeof text, "leaf %llu", (unsigned long long)index);
	tally_merkle_leaf_hash(text, (size_t)tl, &real_leaf);
	if (verifies && (!tally_hash_equal(&leaf, &real_leaf) || len != wlen ||
	                 memcmp(path, want, len * sizeof *path) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tally_merkle_tree *tree;
	tally_error err = TALLY_ERROR_INIT;

	if (!tree)
		tree = fuzz_tree(LEAVES);
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;

	switch (data[0] % 3) {
	case 0: {
		tally_tile t;
		char out[TALLY_TILE_MAX_PATH];
		if (tally_tile_parse((const char *)p, n, &t, &err) != TALLY_OK) {
			if (strcmp(err.code, "L029") != 0)
				abort();
			break;
		}
		if (t.level > TALLY_TILE_MAX_LEVEL || t.width == 0 || t.width > TALLY_TILE_WIDTH ||
		    (t.entries && t.level != 0))
			abort();
		tally_tile_format(&t, out);
		if (strlen(out) != n + 5 || memcmp(out, "tile/", 5) != 0 || memcmp(out + 5, p, n) != 0)
			abort();
		break;
	}
	case 1: {
		tally_bundle_entry e[TALLY_TILE_WIDTH];
		unsigned width;
		if (n < 1)
			break;
		width = (unsigned)p[0] + 1;
		p++;
		n--;
		memset(e, 0xa5, sizeof e);
		if (tally_bundle_parse(p, n, width, e, &err) != TALLY_OK) {
			for (size_t i = 0; i < sizeof e; i++)
				if (((const uint8_t *)e)[i] != 0xa5)
					abort();
			if (strcmp(err.code, "L032") != 0)
				abort();
			break;
		}
		/* frame the entries back: the same bytes, in the same place */
		size_t pos = 0;
		for (unsigned i = 0; i < width; i++) {
			if (e[i].len > TALLY_TILE_MAX_ENTRY || pos + 2 + e[i].len > n ||
			    p[pos] != (uint8_t)(e[i].len >> 8) || p[pos + 1] != (uint8_t)e[i].len ||
			    e[i].bytes != p + pos + 2)
				abort();
			pos += 2 + e[i].len;
		}
		if (pos != n)
			abort();
		for (unsigned i = 0; i < width; i++) {
			tally_log_entry le;
			uint8_t *b = NULL;
			size_t bl = 0;
			if (tally_log_entry_decode(e[i].bytes, e[i].len, &le, NULL) != TALLY_OK)
				continue;
			const tally_log_bytes *blob = tally_log_entry_blob(&le);
			if (blob && (blob->by_hash != (blob->len > TALLY_LOG_INLINE_MAX) ||
			             (blob->by_hash && blob->p) ||
			             (!blob->by_hash && blob->len &&
			              (blob->p < e[i].bytes || blob->p + blob->len > e[i].bytes + e[i].len))))
				abort();
			if (tally_log_entry_encode(&le, &b, &bl, NULL) != TALLY_OK || bl != e[i].len ||
			    memcmp(b, e[i].bytes, bl) != 0)
				abort();
			tally_free(b);
		}
		break;
	}
	default:
		tiles(tree, p, n);
		break;
	}
	return 0;
}
