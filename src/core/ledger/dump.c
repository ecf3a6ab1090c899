/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dump.c: the log dump (docs/log-format.md, "The dump"), one text file
 * holding every entry of a log with the leaf hash the log lists for it and
 * the CEC's signed checkpoints, which is all `tally verify` needs; and
 * receipts in the c2sp.org/tlog-proof@v1 form. Bytes are percent-encoded
 * (printable ASCII but '%' stays as it is) so that a dump is one line per
 * entry and still readable: a results statement or a protocol's JSON can be
 * read, and compared, in the file itself.
 */
#include "tally/audit.h"
#include "core/ledger/ledger_int.h"

#include <string.h>

static const char hexd[] = "0123456789ABCDEF";

static void pct_encode(tally__buf *b, const uint8_t *p, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '%') {
			run++;
			continue;
		}
		tally__buf_add(b, (const char *)p + i - run, run);
		run = 0;
		char esc[3] = {'%', hexd[c >> 4], hexd[c & 15]};
		tally__buf_add(b, esc, 3);
	}
	tally__buf_add(b, (const char *)p + n - run, run);
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* hex digit values plus one (0: not a hex digit) */
static const uint8_t hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* pct_decode decodes "n" characters of "s" into "out", which may be "s"
 * itself (the output is never longer than the input, and is written at or
 * before the position read); returns the length or -1 for a bad escape or
 * a control character. Runs without an escape are checked and moved whole. */
static long pct_decode(const char *s, size_t n, uint8_t *out)
{
	size_t k = 0, i = 0;

	while (i < n) {
		size_t run = i;

		if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			unsigned h = hex1[(unsigned char)s[i + 1]], l = hex1[(unsigned char)s[i + 2]];
			if (!h || !l)
				return -1;
			out[k++] = (uint8_t)((h - 1) * 16 + (l - 1));
			i += 3;
			continue;
		}
		/* eight bytes at a time while none of them can be '%', a control
		 * character or DEL (the word tests may flag a byte >= 0x80 too;
		 * the byte loop then decides) */
		while (n - run >= 8) {
			uint64_t w, ones = 0x0101010101010101ull, high = 0x8080808080808080ull;

			memcpy(&w, s + run, 8);
			uint64_t pct = w ^ (ones * '%'), del = w ^ (ones * 0x7f);
			if ((((pct - ones) & ~pct) | ((del - ones) & ~del) | ((w - ones * 0x20) & ~w)) &
			    high)
				break;
			run += 8;
		}
		while (run < n) {
			unsigned char c = (unsigned char)s[run];
			if (c == '%' || c < 0x20 || c == 0x7f)
				break;
			run++;
		}
		if (run == i)
			return -1; /* a control character */
		if ((const char *)out + k != s + i)
			memmove(out + k, s + i, run - i);
		k += run - i;
		i = run;
	}
	return (long)k;
}

char *tally_dump_entry_line(uint64_t index, const tally_hash *leaf, const void *bytes, size_t n,
                            size_t *len)
{
	tally__buf b = TALLY__BUF_INIT;
	char hex[65];

	tally_hash_to_hex(leaf, hex);
	tally__buf_printf(&b, "entry %llu %s ", (unsigned long long)index, hex);
	pct_encode(&b, bytes, n);
	tally__buf_add(&b, "\n", 1);
	return tally__buf_detach(&b, len);
}

char *tally_dump_checkpoint_line(const char *note, size_t n, size_t *len)
{
	tally__buf b = TALLY__BUF_INIT;

	tally__buf_str(&b, "checkpoint ");
	pct_encode(&b, (const uint8_t *)note, n);
	tally__buf_add(&b, "\n", 1);
	return tally__buf_detach(&b, len);
}

void tally_dump_free(tally_dump *d)
{
	if (!d)
		return;
	tally_free(d->arena);
	for (size_t i = 0; i < d->n_checkpoints; i++)
		tally_free(d->checkpoints[i].text);
	tally_free(d->entries);
	tally_free(d->checkpoints);
	tally_free(d);
}

static int bad_line(tally_error *err, size_t line, const char *what)
{
	char where[64];

	snprintf(where, sizeof where, "dump line %zu", line);
	return tally_error_set(err, TALLY_EINVAL, "V001", where, "%s", what);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return TALLY_OK;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *nv = tally_realloc(*v, ncap * size);
	if (!nv)
		return TALLY_ENOMEM;
	*v = nv;
	*cap = ncap;
	return TALLY_OK;
}

/* parse_entry reads "entry I HEX BYTES" (without the newline) into "de",
 * decoding BYTES in place: "s" is the caller's writable copy of the line. */
static int parse_entry(char *s, size_t n, size_t line, tally_dump_entry *de, tally_error *err)
{
	char *sp1 = memchr(s, ' ', n);
	char *sp2 = NULL;
	long got = 0;

	if (!sp1)
		return bad_line(err, line, "an entry line is 'entry INDEX LEAFHASH BYTES'");
	if (!ledger__parse_dec(s, (size_t)(sp1 - s), &de->index))
		return bad_line(err, line, "the entry index is not a number");
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - s));
	if (!sp2 || sp2 - sp1 - 1 != 64)
		return bad_line(err, line, "the leaf hash is not 64 hex digits");
	for (int i = 0; i < 32; i++) {
		int h = hex_val(sp1[1 + 2 * i]), l = hex_val(sp1[2 + 2 * i]);
		if (h < 0 || l < 0)
			return bad_line(err, line, "the leaf hash is not 64 hex digits");
		de->leaf.b[i] = (uint8_t)(h * 16 + l);
	}
	size_t blen = n - (size_t)(sp2 + 1 - s);
	got = pct_decode(sp2 + 1, blen, (uint8_t *)sp2 + 1);
	if (got < 0)
		return bad_line(err, line, "the entry's bytes have a bad %-escape or a control "
		                "character");
	de->bytes = (uint8_t *)sp2 + 1;
	de->len = (size_t)got;
	de->line = line;
	return TALLY_OK;
}

int tally_dump_parse_inplace(char *buf, size_t len, tally_dump **out, tally_error *err)
{
	tally_dump *d = tally_calloc(1, sizeof *d);
	size_t cap_e = 0, cap_c = 0, at = 0, line = 0;
	size_t hl = strlen(TALLY_DUMP_HEADER);
	size_t guess = 0;
	int rc = TALLY_OK;

	if (!d)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	/* a dump of a million entries: count the lines once rather than
	 * doubling the index twenty times */
	if (len > ((size_t)1 << 20)) {
		for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf))); p++)
			guess++;
		if (guess > 64 && !(d->entries = tally_malloc(guess * sizeof *d->entries))) {
			tally_free(d);
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		}
		cap_e = guess > 64 ? guess : 0;
	}
	if (len < hl || memcmp(buf, TALLY_DUMP_HEADER, hl) != 0) {
		rc = bad_line(err, 1, "not a tally log dump (the first line must be "
		              "'tally-log-dump/v1')");
		goto out;
	}
	at = hl;
	line = 1;
	while (at < len) {
		char *s = buf + at;
		const char *nl = memchr(s, '\n', len - at);
		size_t n = nl ? (size_t)(nl - s) : len - at;

		line++;
		at += n + (nl ? 1 : 0);
		if (!nl) {
			rc = bad_line(err, line, "the last line has no newline (a truncated dump?)");
			goto out;
		}
		if (n == 0)
			continue;
		if (n > 6 && memcmp(s, "entry ", 6) == 0) {
			if (grow((void **)&d->entries, &cap_e, d->n, sizeof *d->entries)) {
				rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
				goto out;
			}
			memset(&d->entries[d->n], 0, sizeof d->entries[d->n]);
			if ((rc = parse_entry(s + 6, n - 6, line, &d->entries[d->n], err)) != TALLY_OK)
				goto out;
			d->n++;
		} else if (n > 11 && memcmp(s, "checkpoint ", 11) == 0) {
			tally_dump_note *c = NULL;
			long got = 0;

			if (grow((void **)&d->checkpoints, &cap_c, d->n_checkpoints,
			         sizeof *d->checkpoints)) {
				rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
				goto out;
			}
			c = &d->checkpoints[d->n_checkpoints];
			memset(c, 0, sizeof *c);
			c->text = tally_malloc(n + 1);
			if (!c->text) {
				rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
				goto out;
			}
			d->n_checkpoints++;
			/* a note's newlines are escaped; %0A decodes back to them */
			got = pct_decode(s + 11, n - 11, (uint8_t *)c->text);
			if (got < 0) {
				rc = bad_line(err, line, "the checkpoint has a bad %-escape");
				goto out;
			}
			c->len = (size_t)got;
			c->text[c->len] = '\0';
			c->line = line;
		} else {
			rc = bad_line(err, line, "expected an 'entry' or a 'checkpoint' line");
			goto out;
		}
	}
	*out = d;
	d = NULL;
out:
	tally_dump_free(d);
	return rc;
}

int tally_dump_parse(const char *buf, size_t len, tally_dump **out, tally_error *err)
{
	char *copy = tally_malloc(len + 1);
	int rc;

	if (!copy)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	if (len)
		memcpy(copy, buf, len);
	rc = tally_dump_parse_inplace(copy, len, out, err);
	if (rc != TALLY_OK)
		tally_free(copy);
	else
		(*out)->arena = copy;
	return rc;
}

int tally_receipt_format(uint64_t index, const tally_hash *leaf, const tally_hash *path,
                         size_t n, const char *note, size_t note_len, char **out,
                         size_t *out_len)
{
	tally__buf b = TALLY__BUF_INIT;
	char *s = NULL;

	tally__buf_str(&b, "c2sp.org/tlog-proof@v1\nextra ");
	ledger__b64_encode(&b, leaf->b, sizeof leaf->b);
	tally__buf_printf(&b, "\nindex %llu\n", (unsigned long long)index);
	for (size_t i = 0; i < n; i++) {
		ledger__b64_encode(&b, path[i].b, sizeof path[i].b);
		tally__buf_add(&b, "\n", 1);
	}
	tally__buf_add(&b, "\n", 1);
	tally__buf_add(&b, note, note_len);
	s = tally__buf_detach(&b, out_len);
	if (!s)
		return TALLY_ENOMEM;
	*out = s;
	return TALLY_OK;
}
