/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ledger_bulk.c: unit tests of what `tally verify` uses on a large
 * log (src/core/ledger/): the SHA-256 on the processor's SHA extensions
 * against libsodium's and the FIPS 180-2 examples, the tree of a whole log
 * built in aligned blocks against the tree of one append at a time, and a
 * dump parsed in two parts on two threads: entries, checkpoints and line
 * numbers as one pass gives them, and the first bad line named rightly
 * wherever it is.
 */
#include "testutil.h"
#include "tally/audit.h"
#include "tally/ledger.h"
#include "core/ledger/ledger_int.h"

static const char *hex32(const uint8_t *b, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return out;
}

/* ==== SHA-256 ==== */

static void test_sha256_examples(void **state)
{
	uint8_t d[32];
	char hx[65];
	static const char two[] = "bcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	/* FIPS 180-2 appendix B.1 and B.2: "abc" and the 448-bit message,
	 * as 'a' followed by the rest */
	for (int portable = 0; portable < 2; portable++) {
		ledger__sha256_prefixed('a', "bc", 2, d, portable);
		assert_string_equal(hex32(d, hx),
		                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		ledger__sha256_prefixed('a', two, strlen(two), d, portable);
		assert_string_equal(hex32(d, hx),
		                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
}

static void test_sha256_every_length(void **state)
{
	uint8_t buf[1100], a[32], b[32];
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	/* every padding case: lengths around each block boundary, 0 .. 1099 */
	for (size_t len = 0; len < sizeof buf; len++)
		for (int prefix = 0; prefix < 2; prefix++) {
			ledger__sha256_prefixed((uint8_t)prefix, buf, len, a, false);
			ledger__sha256_prefixed((uint8_t)prefix, buf, len, b, true);
			if (memcmp(a, b, 32) != 0)
				fail_msg("length %zu, prefix %d: the two SHA-256 differ", len, prefix);
		}
}

/* ==== The tree in blocks ==== */

static void test_tree_in_blocks(void **state)
{
	enum { N = 700 };
	tally_hash *leaf = calloc(N, sizeof *leaf);

	(void)state;
	assert_non_null(leaf);
	for (uint32_t i = 0; i < N; i++)
		tally_merkle_leaf_hash(&i, sizeof i, &leaf[i]);
	for (uint64_t n = 0; n <= N; n += n < 70 ? 1 : 37) {
		for (unsigned lg = 0; lg <= 4; lg++) {
			tally_merkle_tree *one = NULL, *bulk = NULL;
			uint64_t block = UINT64_C(1) << lg;

			assert_int_equal(tally_merkle_tree_new(&one), TALLY_OK);
			assert_int_equal(tally_merkle_tree_new(&bulk), TALLY_OK);
			for (uint64_t i = 0; i < n; i++)
				assert_int_equal(tally_merkle_tree_append_hash(one, &leaf[i], NULL, NULL),
				                 TALLY_OK);
			assert_int_equal(ledger__merkle_tree_reserve(bulk, n), TALLY_OK);
			/* the blocks last first, as two threads may fill them in any order */
			for (uint64_t b = (n + block - 1) / block; b-- > 0;) {
				uint64_t lo = b * block, cnt = n - lo < block ? n - lo : block;

				ledger__merkle_tree_fill(bulk, leaf, lo, cnt);
			}
			ledger__merkle_tree_complete(bulk, n, lg);
			assert_int_equal(tally_merkle_tree_size(bulk), n);
			for (uint64_t size = 0; size <= n; size += 1 + size / 3) {
				tally_hash r1, r2;

				assert_int_equal(tally_merkle_tree_root(one, size, &r1, NULL), TALLY_OK);
				assert_int_equal(tally_merkle_tree_root(bulk, size, &r2, NULL), TALLY_OK);
				assert_true(tally_hash_equal(&r1, &r2));
				for (uint64_t k = 0; k < size; k += 1 + size / 4) {
					tally_hash p1[TALLY_MERKLE_MAX_PROOF], p2[TALLY_MERKLE_MAX_PROOF];
					size_t n1 = 0, n2 = 0;

					assert_int_equal(tally_merkle_tree_inclusion(one, k, size, p1, &n1, NULL),
					                 TALLY_OK);
					assert_int_equal(tally_merkle_tree_inclusion(bulk, k, size, p2, &n2, NULL),
					                 TALLY_OK);
					assert_int_equal(n1, n2);
					assert_memory_equal(p1, p2, n1 * sizeof *p1);
				}
			}
			/* and it grows on as an appended tree does */
			assert_int_equal(tally_merkle_tree_append_hash(one, &leaf[0], NULL, NULL), TALLY_OK);
			assert_int_equal(tally_merkle_tree_append_hash(bulk, &leaf[0], NULL, NULL), TALLY_OK);
			{
				tally_hash r1, r2;

				assert_int_equal(tally_merkle_tree_root(one, n + 1, &r1, NULL), TALLY_OK);
				assert_int_equal(tally_merkle_tree_root(bulk, n + 1, &r2, NULL), TALLY_OK);
				assert_true(tally_hash_equal(&r1, &r2));
			}
			tally_merkle_tree_free(one);
			tally_merkle_tree_free(bulk);
		}
	}
	free(leaf);
}

/* ==== A dump in two parts ==== */

typedef struct big_dump {
	char *p;
	size_t n, cap;
	size_t lines;
} big_dump;

static void add(big_dump *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	for (size_t i = 0; i < n; i++)
		b->lines += s[i] == '\n';
}

/* a dump of "n" entries of ~400 bytes (well over the size parsed in two
 * parts), with a checkpoint after every 1000th entry and a blank line
 * after every 777th */
static void make_dump(big_dump *b, size_t n)
{
	memset(b, 0, sizeof *b);
	add(b, TALLY_DUMP_HEADER, strlen(TALLY_DUMP_HEADER));
	for (size_t i = 0; i < n; i++) {
		uint8_t bytes[400];
		tally_hash h;
		size_t ll = 0;
		char *line = NULL;

		for (size_t j = 0; j < sizeof bytes; j++)
			bytes[j] = (uint8_t)(i * 31 + j);
		tally_merkle_leaf_hash(bytes, sizeof bytes, &h);
		line = tally_dump_entry_line(i, &h, bytes, sizeof bytes, &ll);
		assert_non_null(line);
		add(b, line, ll);
		tally_free(line);
		if (i % 1000 == 999) {
			char note[64];
			int nl = snprintf(note, sizeof note, "note %zu\nline two\n", i);

			line = tally_dump_checkpoint_line(note, (size_t)nl, &ll);
			assert_non_null(line);
			add(b, line, ll);
			tally_free(line);
		}
		if (i % 777 == 776)
			add(b, "\n", 1);
	}
}

static void test_dump_two_parts(void **state)
{
	big_dump b;
	tally_dump *d = NULL;
	tally_error err = TALLY_ERROR_INIT;
	size_t n = 6000, line = 1, k = 0, c = 0;
	char *copy = NULL;

	(void)state;
	make_dump(&b, n);
	assert_true(b.n > ((size_t)2 << 20));
	copy = malloc(b.n);
	assert_non_null(copy);
	memcpy(copy, b.p, b.n);
	assert_int_equal(tally_dump_parse_inplace(copy, b.n, &d, &err), TALLY_OK);
	assert_int_equal(d->n, n);
	assert_int_equal(d->n_checkpoints, n / 1000);
	/* walk the text again: every entry and checkpoint where it is */
	for (const char *s = b.p + strlen(TALLY_DUMP_HEADER); s < b.p + b.n;) {
		const char *nl = memchr(s, '\n', (size_t)(b.p + b.n - s));

		line++;
		if (strncmp(s, "entry ", 6) == 0) {
			uint8_t bytes[400];

			for (size_t j = 0; j < sizeof bytes; j++)
				bytes[j] = (uint8_t)(k * 31 + j);
			assert_int_equal(d->entries[k].index, k);
			assert_int_equal(d->entries[k].line, line);
			assert_int_equal(d->entries[k].len, sizeof bytes);
			assert_memory_equal(d->entries[k].bytes, bytes, sizeof bytes);
			k++;
		} else if (strncmp(s, "checkpoint ", 11) == 0) {
			char want[64];

			snprintf(want, sizeof want, "note %zu\nline two\n", c * 1000 + 999);
			assert_int_equal(d->checkpoints[c].line, line);
			assert_string_equal(d->checkpoints[c].text, want);
			c++;
		}
		s = nl + 1;
	}
	assert_int_equal(k, n);
	tally_dump_free(d);
	d = NULL;

	/* a bad line early, late, and both: the first is named */
	{
		size_t at_early = 0, at_late = 0, ln_early = 0, ln_late = 0, ln = 1;

		for (size_t i = strlen(TALLY_DUMP_HEADER); i < b.n; i++) {
			if (b.p[i - 1] == '\n') {
				ln++;
				if (!at_early && ln == 1500 && b.p[i] == 'e') {
					at_early = i;
					ln_early = ln;
				}
				if (!at_late && ln > b.lines * 3 / 4 && b.p[i] == 'e') {
					at_late = i;
					ln_late = ln;
				}
			}
		}
		assert_true(at_early && at_late);
		for (int which = 0; which < 3; which++) {
			char want[64];

			memcpy(copy, b.p, b.n);
			if (which != 1)
				copy[at_early] = 'x';
			if (which != 0)
				copy[at_late] = 'x';
			assert_int_equal(tally_dump_parse_inplace(copy, b.n, &d, &err), TALLY_EINVAL);
			assert_null(d);
			snprintf(want, sizeof want, "dump line %zu", which == 1 ? ln_late : ln_early);
			assert_string_equal(err.where, want);
			assert_string_equal(err.code, "V001");
		}
		/* a truncated dump: the last line has no newline */
		memcpy(copy, b.p, b.n);
		assert_int_equal(tally_dump_parse_inplace(copy, b.n - 1, &d, &err), TALLY_EINVAL);
		assert_non_null(strstr(err.msg, "no newline"));
	}
	free(copy);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_examples),
		cmocka_unit_test(test_sha256_every_length),
		cmocka_unit_test(test_tree_in_blocks),
		cmocka_unit_test(test_dump_two_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
