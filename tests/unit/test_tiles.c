/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tiles.c: unit tests of the log's tiles (src/core/ledger/tiles.c,
 * c2sp.org/tlog-tiles): tile paths both ways and every malformed form
 * refused (L029), which tiles a tree has (the specification's examples),
 * tiles cut from the tree against the specification's formula (a level-1
 * hash is the root of the 256 level-0 hashes below it), roots and
 * inclusion proofs computed from tiles alone against the tree's own, for
 * every size up to 1100 and sizes around 65,536, entry bundles, and failed
 * allocations.
 */
#include "testutil.h"
#include "tally/ledger.h"

/* ==== Paths ==== */

static void check_path(bool entries, unsigned level, uint64_t index, unsigned width,
                       const char *want)
{
	tally_tile t = {entries, level, index, width}, back;
	char path[TALLY_TILE_MAX_PATH];
	tally_error err = TALLY_ERROR_INIT;

	tally_tile_format(&t, path);
	assert_string_equal(path, want);
	assert_int_equal(tally_tile_parse(path + 5, strlen(path + 5), &back, &err), TALLY_OK);
	assert_int_equal(back.entries, entries);
	assert_int_equal(back.level, level);
	assert_true(back.index == index);
	assert_int_equal(back.width, width);
}

static void test_paths(void **state)
{
	(void)state;
	/* the specification's example: index 1234067 is x001/x234/067 */
	check_path(false, 0, 1234067, 256, "tile/0/x001/x234/067");
	check_path(false, 2, 0, 1, "tile/2/000.p/1");
	check_path(false, 63, 999, 255, "tile/63/999.p/255");
	check_path(false, 1, 1000, 256, "tile/1/x001/000");
	check_path(true, 0, 5, 3, "tile/entries/005.p/3");
	check_path(true, 0, 273, 256, "tile/entries/273");
	check_path(true, 0, UINT64_MAX, 255,
	           "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255");
	/* every index below 2^20 and a stride above it survive the round trip */
	for (uint64_t i = 0; i < (1u << 20); i += 997) {
		tally_tile t = {i % 2 == 0, i % 2 ? (unsigned)(i % 64) : 0, i * 7919, 1 + (unsigned)(i % 256)}, b;
		char p[TALLY_TILE_MAX_PATH];
		tally_tile_format(&t, p);
		assert_int_equal(tally_tile_parse(p + 5, strlen(p + 5), &b, NULL), TALLY_OK);
		assert_true(b.entries == t.entries && b.level == t.level && b.index == t.index &&
		            b.width == t.width);
	}
}

static void test_paths_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "0", "0/", "/000", "00/000", "01/000", "64/000", "-1/000", "a/000", "1000/000",
		"0/0", "0/00", "0/0000", "0/01", "0/x000/001", "0/x001", "0/x001/", "0/001/002",
		"0/xx01/000", "0/x01/000", "0/x0001/000", "0/000/", "0/000x", "0/000.", "0/000.p",
		"0/000.p/", "0/000.p/0", "0/000.p/00", "0/000.p/01", "0/000.p/256", "0/000.p/1/",
		"0/000.p/1x", "0/000.q/1", "0/000p/1", "entries", "entries/", "entries/0",
		"entries/000.p/300", "Entries/000", "entries//000", "0//000",
		/* 2^64: over any index */
		"0/x018/x446/x744/x073/x709/x551/616",
		"0/x999/x999/x999/x999/x999/x999/x999/999",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tally_tile t = {true, 7, 7, 7};
		tally_error err = TALLY_ERROR_INIT;
		int rc = tally_tile_parse(bad[i], strlen(bad[i]), &t, &err);
		if (rc != TALLY_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_string_equal(err.code, "L029");
		/* untouched on error */
		assert_true(t.entries && t.level == 7 && t.index == 7 && t.width == 7);
	}
	/* a NUL inside the given length is not a digit */
	tally_tile t;
	assert_int_equal(tally_tile_parse("0/00\0", 5, &t, NULL), TALLY_EINVAL);
}

/* ==== Widths ==== */

static void test_widths(void **state)
{
	(void)state;
	/* tlog-tiles: "a tree of size 70,000 will be represented by 273 full
	 * level 0 tiles, one partial level 0 tile of width 112, one full level 1
	 * tile, one partial level 1 tile of width 17, and one partial level 2
	 * tile of width 1" */
	for (uint64_t i = 0; i < 273; i++)
		assert_int_equal(tally_tile_width(70000, 0, i), 256);
	assert_int_equal(tally_tile_width(70000, 0, 273), 112);
	assert_int_equal(tally_tile_width(70000, 0, 274), 0);
	assert_int_equal(tally_tile_width(70000, 1, 0), 256);
	assert_int_equal(tally_tile_width(70000, 1, 1), 17);
	assert_int_equal(tally_tile_width(70000, 1, 2), 0);
	assert_int_equal(tally_tile_width(70000, 2, 0), 1);
	assert_int_equal(tally_tile_width(70000, 3, 0), 0);
	/* "a tree of size 256 will be represented by a full level 0 tile and a
	 * partial level 1 tile of width 1" */
	assert_int_equal(tally_tile_width(256, 0, 0), 256);
	assert_int_equal(tally_tile_width(256, 0, 1), 0);
	assert_int_equal(tally_tile_width(256, 1, 0), 1);
	assert_int_equal(tally_tile_width(0, 0, 0), 0);
	assert_int_equal(tally_tile_width(UINT64_MAX, 7, 0), 255);
	assert_int_equal(tally_tile_width(UINT64_MAX, 8, 0), 0);
	assert_int_equal(tally_tile_width(UINT64_MAX, 63, 0), 0);
	assert_int_equal(tally_tile_width(UINT64_MAX, 0, UINT64_MAX), 0);
}

/* ==== Tiles of a tree ==== */

#define BIG 70000

static tally_merkle_tree *tree_of(uint64_t n)
{
	tally_merkle_tree *t = NULL;
	assert_int_equal(tally_merkle_tree_new(&t), TALLY_OK);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t e[12];
		memcpy(e, "entry-", 6);
		for (int b = 0; b < 6; b++)
			e[6 + b] = (uint8_t)(i >> (8 * b));
		assert_int_equal(tally_merkle_tree_append(t, e, sizeof e, NULL, NULL), TALLY_OK);
	}
	return t;
}

/* the root of 2^k hashes, hashed up pairwise */
static void fold(const uint8_t *hashes, size_t n, tally_hash *out)
{
	tally_hash *v = malloc(n * sizeof *v);
	assert_non_null(v);
	memcpy(v, hashes, n * sizeof *v);
	for (; n > 1; n /= 2)
		for (size_t i = 0; i < n / 2; i++)
			tally_merkle_node_hash(&v[2 * i], &v[2 * i + 1], &v[i]);
	*out = v[0];
	free(v);
}

static void test_tree_tiles(void **state)
{
	(void)state;
	tally_merkle_tree *t = tree_of(BIG);
	uint8_t tile[TALLY_TILE_WIDTH * TALLY_HASH_SIZE], below[TALLY_TILE_WIDTH * TALLY_HASH_SIZE];
	tally_error err = TALLY_ERROR_INIT;

	/* level 0: the leaf hashes */
	tally_tile t0 = {false, 0, 273, 112};
	assert_int_equal(tally_merkle_tree_tile(t, BIG, &t0, tile, &err), TALLY_OK);
	for (unsigned i = 0; i < 112; i++) {
		tally_hash h;
		assert_int_equal(tally_merkle_tree_leaf(t, 273 * 256 + i, &h, NULL), TALLY_OK);
		assert_memory_equal(tile + 32 * i, h.b, 32);
	}
	/* level 1: hash j is the root of level-0 tile j's 256 hashes, which is
	 * MTH(D[j * 256 : (j + 1) * 256]) */
	tally_tile t1 = {false, 1, 0, 256};
	assert_int_equal(tally_merkle_tree_tile(t, BIG, &t1, tile, &err), TALLY_OK);
	for (unsigned j = 0; j < 256; j += 15) {
		tally_tile c = {false, 0, j, 256};
		tally_hash r;
		assert_int_equal(tally_merkle_tree_tile(t, BIG, &c, below, &err), TALLY_OK);
		fold(below, 256, &r);
		assert_memory_equal(tile + 32 * j, r.b, 32);
	}
	/* level 2, index 0, width 1: the root of the first 65,536 leaves */
	tally_tile t2 = {false, 2, 0, 1};
	tally_hash r65536;
	assert_int_equal(tally_merkle_tree_tile(t, BIG, &t2, tile, &err), TALLY_OK);
	assert_int_equal(tally_merkle_tree_root(t, 65536, &r65536, NULL), TALLY_OK);
	assert_memory_equal(tile, r65536.b, 32);
	/* a narrower partial tile is a prefix of the wider one */
	uint8_t narrow[32 * 17];
	tally_tile p = {false, 1, 1, 16};
	assert_int_equal(tally_merkle_tree_tile(t, BIG, &p, narrow, &err), TALLY_OK);
	p.width = 17;
	assert_int_equal(tally_merkle_tree_tile(t, BIG, &p, tile, &err), TALLY_OK);
	assert_memory_equal(narrow, tile, 32 * 16);

	/* tiles the tree of that size does not have: L030 */
	static const tally_tile missing[] = {
		{false, 0, 273, 113}, {false, 0, 273, 256}, {false, 0, 274, 1}, {false, 1, 1, 18},
		{false, 2, 0, 2}, {false, 3, 0, 1}, {false, 63, 0, 1}, {true, 0, 0, 256},
		{false, 0, UINT64_MAX, 1},
	};
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		tally_error e2 = TALLY_ERROR_INIT;
		assert_int_equal(tally_merkle_tree_tile(t, BIG, &missing[i], tile, &e2),
		                 TALLY_ENOTFOUND);
		assert_string_equal(e2.code, "L030");
	}
	/* as of a smaller size, the partial tile is narrower */
	tally_tile s = {false, 0, 0, 10};
	assert_int_equal(tally_merkle_tree_tile(t, 10, &s, tile, &err), TALLY_OK);
	s.width = 11;
	assert_int_equal(tally_merkle_tree_tile(t, 10, &s, tile, &err), TALLY_ENOTFOUND);
	/* and never beyond the tree */
	s.width = 1;
	assert_int_equal(tally_merkle_tree_tile(t, BIG + 1, &s, tile, &err), TALLY_ENOTFOUND);
	tally_merkle_tree_free(t);
}

/* ==== A tree from its tiles ==== */

typedef struct reader {
	const tally_merkle_tree *t;
	uint64_t size;
	unsigned reads;
	int fail_after;   /* >= 0: the read after that many fails */
} reader;

static int read_tile(void *ctx, const tally_tile *tile, tally_hash *out, tally_error *err)
{
	reader *r = ctx;
	/* a client asks only for tiles the checkpoint's tree has, at its width */
	assert_false(tile->entries);
	assert_int_equal(tile->width, tally_tile_width(r->size, tile->level, tile->index));
	if (r->fail_after >= 0 && r->reads >= (unsigned)r->fail_after)
		return tally_error_set(err, TALLY_EIO, "X001", "tile", "no network");
	r->reads++;
	return tally_merkle_tree_tile(r->t, r->size, tile, (uint8_t *)out, err);
}

static void check_size(const tally_merkle_tree *t, uint64_t size, uint64_t stride)
{
	reader r = {t, size, 0, -1};
	tally_hash got, want, path[TALLY_MERKLE_MAX_PROOF], wpath[TALLY_MERKLE_MAX_PROOF], leaf,
		wleaf;
	size_t n = 0, wn = 0;

	assert_int_equal(tally_tiles_root(size, read_tile, &r, &got, NULL), TALLY_OK);
	assert_int_equal(tally_merkle_tree_root(t, size, &want, NULL), TALLY_OK);
	assert_true(tally_hash_equal(&got, &want));
	for (uint64_t i = 0; i < size; i += stride) {
		assert_int_equal(tally_tiles_inclusion(i, size, read_tile, &r, &leaf, path, &n, NULL),
		                 TALLY_OK);
		assert_int_equal(tally_merkle_tree_inclusion(t, i, size, wpath, &wn, NULL), TALLY_OK);
		assert_int_equal(tally_merkle_tree_leaf(t, i, &wleaf, NULL), TALLY_OK);
		assert_int_equal(n, wn);
		assert_memory_equal(path, wpath, n * sizeof *path);
		assert_true(tally_hash_equal(&leaf, &wleaf));
		assert_int_equal(tally_merkle_verify_inclusion(i, size, &leaf, path, n, &want, NULL),
		                 TALLY_OK);
	}
}

static void test_tiles_give_the_tree(void **state)
{
	(void)state;
	tally_merkle_tree *t = tree_of(BIG);
	tally_hash h;

	assert_int_equal(tally_tiles_root(0, read_tile, NULL, &h, NULL), TALLY_OK);
	tally_hash empty;
	tally_merkle_empty_root(&empty);
	assert_true(tally_hash_equal(&h, &empty));
	for (uint64_t size = 1; size <= 1100; size++)
		check_size(t, size, size < 300 ? 1 : 37);
	static const uint64_t big[] = {65535, 65536, 65537, 65536 + 256, 69999, BIG};
	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
		check_size(t, big[i], 331);

	/* the reader's error comes back as it is */
	reader r = {t, BIG, 0, 0};
	tally_error err = TALLY_ERROR_INIT;
	size_t n = 0;
	tally_hash path[TALLY_MERKLE_MAX_PROOF];
	assert_int_equal(tally_tiles_root(BIG, read_tile, &r, &h, &err), TALLY_EIO);
	assert_string_equal(err.code, "X001");
	for (int k = 0; k < 6; k++) {
		r.reads = 0;
		r.fail_after = k;
		assert_int_equal(tally_tiles_inclusion(12345, BIG, read_tile, &r, NULL, path, &n, &err),
		                 TALLY_EIO);
	}
	/* an index outside the tree */
	assert_int_equal(tally_tiles_inclusion(BIG, BIG, read_tile, &r, NULL, path, &n, &err),
	                 TALLY_EINVAL);
	assert_string_equal(err.code, "L006");
	tally_merkle_tree_free(t);
}

/* ==== Entry bundles ==== */

static void test_bundles(void **state)
{
	(void)state;
	tally_bundle_entry e[TALLY_TILE_WIDTH];
	tally_error err = TALLY_ERROR_INIT;
	static const uint8_t b[] = {0, 3, 'a', 'b', 'c', 0, 0, 0, 1, 'x'};

	assert_int_equal(tally_bundle_parse(b, sizeof b, 3, e, &err), TALLY_OK);
	assert_int_equal(e[0].len, 3);
	assert_memory_equal(e[0].bytes, "abc", 3);
	assert_int_equal(e[1].len, 0);
	assert_int_equal(e[2].len, 1);
	assert_int_equal(e[2].bytes[0], 'x');
	/* fewer, more, cut short, trailing, no width */
	static const struct {
		size_t len;
		unsigned width;
	} bad[] = {{sizeof b, 4}, {sizeof b, 2}, {sizeof b - 1, 3}, {1, 1}, {3, 1}, {0, 1},
	           {sizeof b, 0}, {sizeof b, 257}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tally_bundle_entry u[TALLY_TILE_WIDTH];
		memset(u, 0, sizeof u);
		assert_int_equal(tally_bundle_parse(b, bad[i].len, bad[i].width, u, &err),
		                 TALLY_EINVAL);
		assert_string_equal(err.code, "L032");
		assert_null(u[0].bytes);
	}
	/* the largest entry a bundle can hold */
	size_t n = 2 + TALLY_TILE_MAX_ENTRY;
	uint8_t *big = calloc(1, n);
	assert_non_null(big);
	big[0] = 0xff;
	big[1] = 0xff;
	assert_int_equal(tally_bundle_parse(big, n, 1, e, &err), TALLY_OK);
	assert_int_equal(e[0].len, TALLY_TILE_MAX_ENTRY);
	free(big);
}

/* ==== Failed allocations ==== */

static void test_out_of_memory(void **state)
{
	(void)state;
	tu_oom o;
	tally_merkle_tree *t = tree_of(600);
	reader r = {t, 600, 0, -1};
	tally_hash h, path[TALLY_MERKLE_MAX_PROOF];
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;

	tu_oom_set(&o, 1);
	int rc1 = tally_tiles_root(600, read_tile, &r, &h, &err);
	o.count = 0;
	int rc2 = tally_tiles_inclusion(5, 600, read_tile, &r, NULL, path, &n, &err);
	tally_set_allocator(NULL);
	assert_int_equal(rc1, TALLY_ENOMEM);
	assert_int_equal(rc2, TALLY_ENOMEM);
	assert_int_equal(r.reads, 0);
	tally_merkle_tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_paths_malformed),
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_tree_tiles),
		cmocka_unit_test(test_tiles_give_the_tree),
		cmocka_unit_test(test_bundles),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests_name("tiles", tests, NULL, NULL);
}
