/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256.c: the SHA-256 of the log's tree (RFC 9162 2.1.1: a leaf is
 * SHA-256(0x00 || entry), a node SHA-256(0x01 || left || right)), which is
 * most of the work of `tally verify` on a large log. Where the processor
 * has the SHA extensions (x86-64 "SHA-NI", checked at run time with CPUID)
 * the compression function (FIPS 180-4 6.2.2) runs on them, four to five
 * times faster than libsodium's portable code; anywhere else, and for any
 * other use, libsodium computes it. Both give the same digest: the unit
 * tests compare them over every length up to several blocks.
 */
#include "core/ledger/ledger_int.h"

#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHA_NI_PATH 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define HAVE_SHA_NI_PATH 0
#endif

#if HAVE_SHA_NI_PATH

/* FIPS 180-4 4.2.2 */
static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

/* FIPS 180-4 5.3.3 */
static const uint32_t IV256[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
	0x5be0cd19,
};

/* blocks_ni runs the compression function over "n" 64-byte blocks at "p".
 * The instructions keep the working variables in two registers, (A, B, E,
 * F) and (C, D, G, H) from the high lane down; SHA256RNDS2 does two rounds
 * and returns the new (A, B, E, F), the old one becoming (C, D, G, H);
 * SHA256MSG1 and SHA256MSG2 compute the sigma0 and sigma1 parts of the
 * message schedule (FIPS 180-4 6.2.2 step 1), four words at a time. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t h[8],
                                                                  const uint8_t *p, size_t n)
{
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m128i t = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);     /* a b c d */
	__m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);    /* e f g h */
	__m128i s0;

	t = _mm_shuffle_epi32(t, 0xB1);         /* b a d c */
	s1 = _mm_shuffle_epi32(s1, 0x1B);       /* h g f e */
	s0 = _mm_alignr_epi8(t, s1, 8);         /* f e b a: (A, B, E, F) */
	s1 = _mm_blend_epi16(s1, t, 0xF0);      /* h g d c: (C, D, G, H) */
	for (; n; n--, p += 64) {
		__m128i save0 = s0, save1 = s1, w[4];

		for (int i = 0; i < 16; i++) {
			__m128i m;

			if (i < 4) {
				w[i] = _mm_shuffle_epi8(
				    _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), bswap);
			} else {
				/* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] for four t */
				__m128i x = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);

				x = _mm_add_epi32(x, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
				w[i & 3] = _mm_sha256msg2_epu32(x, w[(i + 3) & 3]);
			}
			m = _mm_add_epi32(w[i & 3],
			                  _mm_loadu_si128((const __m128i *)(const void *)&K256[4 * i]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, m);
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
		}
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}
	t = _mm_shuffle_epi32(s0, 0x1B);        /* a b e f */
	s1 = _mm_shuffle_epi32(s1, 0xB1);       /* g h c d */
	s0 = _mm_blend_epi16(t, s1, 0xF0);      /* a b c d */
	s1 = _mm_alignr_epi8(s1, t, 8);         /* e f g h */
	_mm_storeu_si128((__m128i *)(void *)&h[0], s0);
	_mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}

/* 1: the processor has the SHA extensions, SSSE3 and SSE4.1; -1: not; 0:
 * not checked yet (checking twice at once is harmless) */
static atomic_int ni_state;

static bool have_ni(void)
{
	int s = atomic_load_explicit(&ni_state, memory_order_relaxed);

	if (s == 0) {
		unsigned a = 0, b = 0, c = 0, d = 0, c1 = 0;
		bool ok = __get_cpuid(1, &a, &b, &c1, &d) && (c1 & (1u << 9)) && (c1 & (1u << 19)) &&
		          __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));

		s = ok ? 1 : -1;
		atomic_store_explicit(&ni_state, s, memory_order_relaxed);
	}
	return s == 1;
}

/* SHA-256 of "prefix" followed by data[0 .. len) (FIPS 180-4 5.1.1
 * padding), with blocks_ni */
static void prefixed_ni(uint8_t prefix, const uint8_t *data, size_t len, uint8_t out[32])
{
	uint32_t h[8];
	uint8_t blk[128];
	size_t rem = 0, n_tail = 0;
	uint64_t bits = ((uint64_t)len + 1) * 8;

	memcpy(h, IV256, sizeof h);
	blk[0] = prefix;
	if (len >= 63) {
		memcpy(blk + 1, data, 63);
		blocks_ni(h, blk, 1);
		data += 63;
		len -= 63;
		blocks_ni(h, data, len / 64);
		data += len / 64 * 64;
		rem = len % 64;
		memcpy(blk, data, rem);
	} else {
		memcpy(blk + 1, data, len);
		rem = len + 1;
	}
	n_tail = rem + 9 <= 64 ? 64 : 128;
	blk[rem] = 0x80;
	memset(blk + rem + 1, 0, n_tail - rem - 1);
	for (int i = 0; i < 8; i++)
		blk[n_tail - 1 - i] = (uint8_t)(bits >> (8 * i));
	blocks_ni(h, blk, n_tail / 64);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

#endif

static void prefixed_sodium(uint8_t prefix, const uint8_t *data, size_t len, uint8_t out[32])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len)
		crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

void ledger__sha256_prefixed(uint8_t prefix, const void *data, size_t len, uint8_t out[32],
                             bool portable)
{
#if HAVE_SHA_NI_PATH
	if (!portable && have_ni()) {
		prefixed_ni(prefix, data, len, out);
		return;
	}
#endif
	prefixed_sodium(prefix, data, len, out);
}
