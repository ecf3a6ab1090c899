/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encoding.c: the byte-level helpers of the transparency log: strict
 * base64 (RFC 4648 section 4, padded, canonical only, because a signed note
 * or checkpoint has exactly one spelling), big-endian integers, and the
 * text rules of c2sp.org/signed-note shared by notes, keys and checkpoints.
 */
#include "core/ledger/ledger_int.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long ledger__b64_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
	if (len % 4 != 0)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = s[i + (size_t)k];
			if (c == '=') {
				/* padding only in the last quantum, only at its end */
				if (i + 4 != len || k < 2)
					return -1;
				pad++;
				v[k] = 0;
			} else {
				if (pad)
					return -1;
				v[k] = b64_value(c);
				if (v[k] < 0)
					return -1;
			}
		}
		uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
		             ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		size_t bytes = 3 - (size_t)pad;
		/* canonical: the bits below the last encoded byte are zero */
		if ((pad == 1 && (w & 0xFFu)) || (pad == 2 && (w & 0xFFFFu)))
			return -1;
		if (n + bytes > max)
			return -1;
		out[n++] = (uint8_t)(w >> 16);
		if (bytes > 1)
			out[n++] = (uint8_t)(w >> 8);
		if (bytes > 2)
			out[n++] = (uint8_t)w;
	}
	return (long)n;
}

void ledger__b64_encode(tally__buf *b, const uint8_t *p, size_t n)
{
	char q[4];
	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			w |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			w |= p[i + 2];
		q[0] = b64_alphabet[(w >> 18) & 63];
		q[1] = b64_alphabet[(w >> 12) & 63];
		q[2] = i + 1 < n ? b64_alphabet[(w >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64_alphabet[w & 63] : '=';
		tally__buf_add(b, q, 4);
	}
}

void ledger__put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void ledger__put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint32_t ledger__get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint64_t ledger__get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

bool ledger__note_text_ok(const char *s, size_t n)
{
	if (!tally__utf8_ok(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* signed-note: no ASCII control characters other than newline */
		if ((c < 0x20 && c != '\n') || c == 0x7F)
			return false;
	}
	return true;
}

/* Decodes one UTF-8 sequence of valid text; returns its length. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		*cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if ((s[0] & 0xF0) == 0xE0) {
		*cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		return 3;
	}
	*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
	      ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
	return 4;
}

/* Unicode White_Space characters (outside ASCII) */
static bool unicode_space(uint32_t cp)
{
	return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool ledger__key_name_ok(const char *s, size_t n)
{
	/* signed-note: non-empty, no Unicode spaces, no '+' */
	if (n == 0 || n > TALLY_NOTE_MAX_NAME || !tally__utf8_ok(s, n))
		return false;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_next(u + i, &cp);
		if (cp <= 0x20 || cp == 0x7F || cp == '+' || unicode_space(cp))
			return false;
		i += k;
	}
	return true;
}

bool ledger__parse_dec(const char *s, size_t n, uint64_t *out)
{
	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');  /* 19 digits fit in uint64 */
	}
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = v;
	return true;
}
