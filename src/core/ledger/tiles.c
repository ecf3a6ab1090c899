/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tiles.c: the log's Merkle tree as C2SP tiles (c2sp.org/tlog-tiles): the
 * paths "tile/<L>/<N>[.p/<W>]" and "tile/entries/<N>[.p/<W>]", which tiles
 * a tree of a given size has, the hashes of a tile cut from the in-memory
 * tree (what `tally serve` answers), and the way back: a root and an
 * inclusion proof computed from nothing but tiles (what `tally log fetch`
 * and any other tiles client does), plus the entry bundle's framing. The
 * hash of level L, index i of a tile is MTH(D[i * 256^L : (i + 1) * 256^L])
 * (tlog-tiles, "Merkle Tree"), the perfect subtree merkle.c keeps.
 */
#include "core/ledger/ledger_int.h"

#include <string.h>

#define L_TILE_PATH "L029"   /* a malformed tile path */
#define L_NO_TILE "L030"     /* a tile the tree does not have */
#define L_BUNDLE "L032"      /* a malformed entry bundle */

/* ==== Paths ==== */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal of 1..3 digits without leading zeros at s[0..n), in [lo, hi]. */
static bool small_dec(const char *s, size_t n, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned v = 0;

	if (n == 0 || n > 3 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* The index "x001/x234/067": groups of three digits, all but the last with
 * an "x"; canonical, so the first group is not "x000". Reads up to the end
 * of s[0..n) or up to ".p/"; "*used" gets the bytes read. */
static bool parse_index(const char *s, size_t n, uint64_t *out, size_t *used)
{
	uint64_t v = 0;
	size_t pos = 0;
	bool first = true;

	for (;;) {
		bool x = pos < n && s[pos] == 'x';
		size_t d = pos + (x ? 1 : 0);
		if (d + 3 > n || !is_digit(s[d]) || !is_digit(s[d + 1]) || !is_digit(s[d + 2]))
			return false;
		unsigned g = (unsigned)(s[d] - '0') * 100 + (unsigned)(s[d + 1] - '0') * 10 +
		             (unsigned)(s[d + 2] - '0');
		if (first && x && g == 0)
			return false;
		if (v > (UINT64_MAX - g) / 1000)
			return false;
		v = v * 1000 + g;
		pos = d + 3;
		first = false;
		if (!x)
			break;
		if (pos >= n || s[pos] != '/')
			return false;
		pos++;
	}
	*out = v;
	*used = pos;
	return true;
}

int tally_tile_parse(const char *path, size_t len, tally_tile *out, tally_error *err)
{
	tally_tile t = {false, 0, 0, TALLY_TILE_WIDTH};
	size_t pos = 0, used = 0;

	if (len > 8 && memcmp(path, "entries/", 8) == 0) {
		t.entries = true;
		pos = 8;
	} else {
		const char *slash = memchr(path, '/', len);
		if (!slash || !small_dec(path, (size_t)(slash - path), 0, TALLY_TILE_MAX_LEVEL,
		                         &t.level))
			goto bad;
		pos = (size_t)(slash - path) + 1;
	}
	if (!parse_index(path + pos, len - pos, &t.index, &used))
		goto bad;
	pos += used;
	if (pos < len) {
		if (len - pos < 4 || memcmp(path + pos, ".p/", 3) != 0 ||
		    !small_dec(path + pos + 3, len - pos - 3, 1, TALLY_TILE_WIDTH - 1, &t.width))
			goto bad;
	}
	*out = t;
	return TALLY_OK;
bad:
	return tally_error_set(err, TALLY_EINVAL, L_TILE_PATH, "tile",
	                       "not a tile path: give tile/<L>/<N>[.p/<W>] or "
	                       "tile/entries/<N>[.p/<W>] (L 0-63, N as x001/x234/067, W 1-255)");
}

void tally_tile_format(const tally_tile *t, char out[TALLY_TILE_MAX_PATH])
{
	char digits[24];
	size_t pos = 0, nd;
	int w;

	w = t->entries ? snprintf(out, TALLY_TILE_MAX_PATH, "tile/entries/")
	               : snprintf(out, TALLY_TILE_MAX_PATH, "tile/%u/", t->level);
	pos = (size_t)w;
	/* left-pad the decimal to a multiple of three digits */
	nd = (size_t)snprintf(digits, sizeof digits, "%llu", (unsigned long long)t->index);
	size_t groups = (nd + 2) / 3, pad = groups * 3 - nd;
	char padded[27];
	memset(padded, '0', pad);
	memcpy(padded + pad, digits, nd);
	for (size_t g = 0; g < groups; g++) {
		w = snprintf(out + pos, TALLY_TILE_MAX_PATH - pos, "%s%.3s",
		             g + 1 < groups ? "x" : "", padded + 3 * g);
		pos += (size_t)w;
		if (g + 1 < groups)
			out[pos++] = '/';
	}
	out[pos] = '\0';
	if (t->width < TALLY_TILE_WIDTH)
		snprintf(out + pos, TALLY_TILE_MAX_PATH - pos, ".p/%u", t->width);
}

unsigned tally_tile_width(uint64_t size, unsigned level, uint64_t index)
{
	if (level > TALLY_TILE_MAX_LEVEL || (uint64_t)level * TALLY_TILE_HEIGHT >= 64)
		return 0;
	/* the complete subtrees of height 8L: the hashes of level L */
	uint64_t count = size >> (level * TALLY_TILE_HEIGHT);
	uint64_t full = count / TALLY_TILE_WIDTH;
	if (index < full)
		return TALLY_TILE_WIDTH;
	if (index == full)
		return (unsigned)(count % TALLY_TILE_WIDTH);
	return 0;
}

/* ==== Serving: tiles cut from the tree ==== */

int tally_merkle_tree_tile(const tally_merkle_tree *tr, uint64_t size, const tally_tile *t,
                           uint8_t *out, tally_error *err)
{
	if (t->entries || size > tally_merkle_tree_size(tr) || t->width == 0 ||
	    t->width > TALLY_TILE_WIDTH || tally_tile_width(size, t->level, t->index) < t->width)
		return tally_error_set(err, TALLY_ENOTFOUND, L_NO_TILE, "tile",
		                       "the tree of %llu entries has no such tile",
		                       (unsigned long long)size);
	unsigned height = t->level * TALLY_TILE_HEIGHT;
	for (unsigned i = 0; i < t->width; i++) {
		tally_hash h;
		bool held = ledger__tree_node(tr, height, t->index * TALLY_TILE_WIDTH + i, &h);
		/* tally_tile_width said the tree holds every one of them */
		TALLY_ASSERT(held);
		memcpy(out + (size_t)i * TALLY_HASH_SIZE, h.b, TALLY_HASH_SIZE);
	}
	return TALLY_OK;
}

/* ==== Reading: a tree from its tiles ==== */

typedef struct tile_reader {
	uint64_t size;
	tally_tile_read_fn read;
	void *ctx;
	tally_hash buf[TALLY_TILE_WIDTH];
} tile_reader;

/* The root of the perfect subtree of height "h" at "index" (a complete
 * subtree of the tree of r->size leaves): 2^(h mod 8) consecutive hashes of
 * one tile of level h / 8, hashed up pairwise (tlog-tiles: "the Merkle Tree
 * levels between those expressed by the tile hashes are reconstructed by
 * hashing"). */
static int node(tile_reader *r, unsigned h, uint64_t index, tally_hash *out, tally_error *err)
{
	unsigned level = h / TALLY_TILE_HEIGHT, up = h % TALLY_TILE_HEIGHT;
	uint64_t first = index << up;          /* at height 8L */
	size_t count = (size_t)1 << up;
	tally_tile t = {false, level, first / TALLY_TILE_WIDTH, 0};
	size_t off = (size_t)(first % TALLY_TILE_WIDTH);
	int rc;

	t.width = tally_tile_width(r->size, level, t.index);
	TALLY_ASSERT(off + count <= t.width);
	if ((rc = r->read(r->ctx, &t, r->buf, err)) != TALLY_OK)
		return rc;
	tally_hash *v = r->buf + off;
	for (; count > 1; count /= 2)
		for (size_t i = 0; i < count / 2; i++)
			tally_merkle_node_hash(&v[2 * i], &v[2 * i + 1], &v[i]);
	*out = v[0];
	return TALLY_OK;
}

/* The largest power of two smaller than n (n >= 2): RFC 9162's k. */
static uint64_t split_point(uint64_t n)
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/* MTH(D[start : start + n]), n >= 1, by RFC 9162 2.1.1's recursion,
 * reading a perfect subtree from the tiles wherever one is aligned. */
static int range(tile_reader *r, uint64_t start, uint64_t n, tally_hash *out, tally_error *err)
{
	if ((n & (n - 1)) == 0 && start % n == 0)
		return node(r, (unsigned)__builtin_ctzll(n), start / n, out, err);
	uint64_t k = split_point(n);
	tally_hash left, right;
	int rc;
	if ((rc = range(r, start, k, &left, err)) != TALLY_OK ||
	    (rc = range(r, start + k, n - k, &right, err)) != TALLY_OK)
		return rc;
	tally_merkle_node_hash(&left, &right, out);
	return TALLY_OK;
}

int tally_tiles_root(uint64_t size, tally_tile_read_fn read, void *ctx, tally_hash *out,
                     tally_error *err)
{
	tile_reader *r;
	int rc;

	if (size == 0) {
		tally_merkle_empty_root(out);
		return TALLY_OK;
	}
	if (!(r = tally_malloc(sizeof *r)))
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	r->size = size;
	r->read = read;
	r->ctx = ctx;
	rc = range(r, 0, size, out, err);
	tally_free(r);
	return rc;
}

/* PATH(m, D[start : start + n]) (RFC 9162 2.1.3.1): the sibling hashes,
 * bottom up, appended to path[*len..]. */
static int inclusion(tile_reader *r, uint64_t m, uint64_t start, uint64_t n, tally_hash *path,
                     size_t *len, tally_error *err)
{
	if (n == 1)
		return TALLY_OK;
	uint64_t k = split_point(n);
	int rc;
	if (m < k) {
		if ((rc = inclusion(r, m, start, k, path, len, err)) != TALLY_OK)
			return rc;
		rc = range(r, start + k, n - k, &path[*len], err);
	} else {
		if ((rc = inclusion(r, m - k, start + k, n - k, path, len, err)) != TALLY_OK)
			return rc;
		rc = range(r, start, k, &path[*len], err);
	}
	if (rc == TALLY_OK)
		(*len)++;
	return rc;
}

int tally_tiles_inclusion(uint64_t index, uint64_t size, tally_tile_read_fn read, void *ctx,
                          tally_hash *leaf, tally_hash path[TALLY_MERKLE_MAX_PROOF], size_t *n,
                          tally_error *err)
{
	tally_hash tmp[TALLY_MERKLE_MAX_PROOF], lh;
	size_t len = 0;
	tile_reader *r;
	int rc;

	if (index >= size)
		return tally_error_set(err, TALLY_EINVAL, "L006", NULL,
		                       "no entry %llu in a log of %llu entries",
		                       (unsigned long long)index, (unsigned long long)size);
	if (!(r = tally_malloc(sizeof *r)))
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	r->size = size;
	r->read = read;
	r->ctx = ctx;
	/* at most 63 siblings: the tree's height */
	rc = inclusion(r, index, 0, size, tmp, &len, err);
	if (rc == TALLY_OK)
		rc = node(r, 0, index, &lh, err);
	tally_free(r);
	if (rc != TALLY_OK)
		return rc;
	memcpy(path, tmp, len * sizeof *tmp);
	*n = len;
	if (leaf)
		*leaf = lh;
	return TALLY_OK;
}

/* ==== Entry bundles ==== */

int tally_bundle_parse(const uint8_t *buf, size_t len, unsigned width,
                       tally_bundle_entry out[TALLY_TILE_WIDTH], tally_error *err)
{
	tally_bundle_entry e[TALLY_TILE_WIDTH];
	size_t pos = 0;
	unsigned i;

	if (width == 0 || width > TALLY_TILE_WIDTH)
		return tally_error_set(err, TALLY_EINVAL, L_BUNDLE, "bundle",
		                       "a bundle holds 1 to 256 entries, not %u", width);
	for (i = 0; i < width; i++) {
		if (len - pos < 2)
			return tally_error_set(err, TALLY_EINVAL, L_BUNDLE, "bundle",
			                       "the bundle ends after %u of its %u entries", i, width);
		size_t n = (size_t)buf[pos] << 8 | buf[pos + 1];
		pos += 2;
		if (len - pos < n)
			return tally_error_set(err, TALLY_EINVAL, L_BUNDLE, "bundle",
			                       "entry %u of the bundle is cut short (%zu of %zu bytes)",
			                       i, len - pos, n);
		e[i].bytes = buf + pos;
		e[i].len = n;
		pos += n;
	}
	if (pos != len)
		return tally_error_set(err, TALLY_EINVAL, L_BUNDLE, "bundle",
		                       "%zu bytes after the bundle's %u entries", len - pos, width);
	memcpy(out, e, width * sizeof *e);
	return TALLY_OK;
}
