/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dump.c: the log dump (docs/log-format.md, "The dump"), one text file
 * holding every entry of a log with the leaf hash the log lists for it and
 * the CEC's signed checkpoints, which is all `tally verify` needs; and
 * receipts in the c2sp.org/tlog-proof@v1 form. The bodies of the fields
 * logged by hash (over TALLY_LOG_INLINE_MAX bytes) are "body" lines, each
 * after the first entry that logs it. Bytes are percent-encoded
 * (printable ASCII but '%' stays as it is) so that a dump is one line per
 * entry and still readable: a results statement or a protocol's JSON can be
 * read, and compared, in the file itself.
 */
#include "tally/audit.h"
#include "core/ledger/ledger_int.h"

#include <pthread.h>
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

char *tally_dump_body_line(const tally_hash *hash, const void *bytes, size_t n, size_t *len)
{
	tally__buf b = TALLY__BUF_INIT;
	char hex[65];

	tally_hash_to_hex(hash, hex);
	tally__buf_printf(&b, "body %s ", hex);
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
	tally_free(d->bodies);
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

/* A dump of more than this many bytes is parsed in two parts, cut at a
 * line boundary near the middle, on two threads. */
#define PARSE_THREADS_MIN ((size_t)1 << 20)

/* One part of a dump, lines buf[at .. end) (each ending in '\n' but maybe
 * the last of the dump): its entries and checkpoints, and its first bad
 * line. Lines are numbered from "line0" + 1; the second part's are put
 * right when the first part's count is known. */
typedef struct part {
	char *buf;
	size_t at, end, line0, lines;
	tally_dump_entry *e;
	size_t n, cap_e;
	tally_dump_note *c;
	size_t n_c, cap_c;
	tally_dump_body *bo;
	size_t n_bo, cap_bo;
	int rc;                 /* TALLY_OK, TALLY_EINVAL (bad_line, bad_what), TALLY_ENOMEM */
	size_t bad_line;
	const char *bad_what;
} part;

static void part_free(part *p)
{
	for (size_t i = 0; i < p->n_c; i++)
		tally_free(p->c[i].text);
	tally_free(p->c);
	tally_free(p->e);
	tally_free(p->bo);
	p->c = NULL;
	p->e = NULL;
	p->bo = NULL;
	p->n_c = p->n = p->n_bo = 0;
}

static int part_bad(part *p, size_t line, const char *what)
{
	p->rc = TALLY_EINVAL;
	p->bad_line = line;
	p->bad_what = what;
	return p->rc;
}

/* hex64 reads 64 hex digits into "h" */
static bool hex64(const char *s, tally_hash *h)
{
	for (int i = 0; i < 32; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		h->b[i] = (uint8_t)(hi * 16 + lo);
	}
	return true;
}

/* parse_body reads "body HEX BYTES" (without "body " and the newline) into
 * "db", decoding BYTES in place */
static int parse_body(part *p, char *s, size_t n, size_t line, tally_dump_body *db)
{
	long got = 0;

	if (n < 65 || s[64] != ' ' || !hex64(s, &db->hash))
		return part_bad(p, line, "a body line is 'body SHA256 BYTES' (64 hex digits)");
	got = pct_decode(s + 65, n - 65, (uint8_t *)s + 65);
	if (got < 0)
		return part_bad(p, line, "the body's bytes have a bad %-escape or a control "
		                "character");
	if ((size_t)got > TALLY_LOG_MAX_BODY_BYTES)
		return part_bad(p, line, "the body is over the size limit of a logged body");
	db->bytes = (uint8_t *)s + 65;
	db->len = (size_t)got;
	db->line = line;
	return TALLY_OK;
}

/* parse_entry reads "entry I HEX BYTES" (without the newline) into "de",
 * decoding BYTES in place: "s" is the caller's writable copy of the line. */
static int parse_entry(part *p, char *s, size_t n, size_t line, tally_dump_entry *de)
{
	char *sp1 = memchr(s, ' ', n);
	char *sp2 = NULL;
	long got = 0;

	if (!sp1)
		return part_bad(p, line, "an entry line is 'entry INDEX LEAFHASH BYTES'");
	if (!ledger__parse_dec(s, (size_t)(sp1 - s), &de->index))
		return part_bad(p, line, "the entry index is not a number");
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - s));
	if (!sp2 || sp2 - sp1 - 1 != 64 || !hex64(sp1 + 1, &de->leaf))
		return part_bad(p, line, "the leaf hash is not 64 hex digits");
	size_t blen = n - (size_t)(sp2 + 1 - s);
	got = pct_decode(sp2 + 1, blen, (uint8_t *)sp2 + 1);
	if (got < 0)
		return part_bad(p, line, "the entry's bytes have a bad %-escape or a control "
		                "character");
	de->bytes = (uint8_t *)sp2 + 1;
	de->len = (size_t)got;
	de->line = line;
	return TALLY_OK;
}

/* parse_part parses the lines of one part, decoding entries in place; it
 * stops at the first bad line. A large part counts its lines first, so
 * that its entry index is allocated once, not doubled twenty times. */
static int parse_part(part *p)
{
	char *buf = p->buf;
	size_t at = p->at, line = p->line0;

	if (p->end - p->at > PARSE_THREADS_MIN / 2) {
		size_t guess = 0;

		for (const char *q = buf + at; (q = memchr(q, '\n', p->end - (size_t)(q - buf))); q++)
			guess++;
		if (guess > 64) {
			if (!(p->e = tally_malloc(guess * sizeof *p->e)))
				return p->rc = TALLY_ENOMEM;
			p->cap_e = guess;
		}
	}
	while (at < p->end) {
		char *s = buf + at;
		const char *nl = memchr(s, '\n', p->end - at);
		size_t n = nl ? (size_t)(nl - s) : p->end - at;

		line++;
		at += n + (nl ? 1 : 0);
		if (!nl)
			return part_bad(p, line, "the last line has no newline (a truncated dump?)");
		if (n == 0)
			continue;
		if (n > 6 && memcmp(s, "entry ", 6) == 0) {
			if (grow((void **)&p->e, &p->cap_e, p->n, sizeof *p->e))
				return p->rc = TALLY_ENOMEM;
			memset(&p->e[p->n], 0, sizeof p->e[p->n]);
			if (parse_entry(p, s + 6, n - 6, line, &p->e[p->n]) != TALLY_OK)
				return p->rc;
			p->n++;
		} else if (n > 5 && memcmp(s, "body ", 5) == 0) {
			if (grow((void **)&p->bo, &p->cap_bo, p->n_bo, sizeof *p->bo))
				return p->rc = TALLY_ENOMEM;
			memset(&p->bo[p->n_bo], 0, sizeof p->bo[p->n_bo]);
			if (parse_body(p, s + 5, n - 5, line, &p->bo[p->n_bo]) != TALLY_OK)
				return p->rc;
			p->n_bo++;
		} else if (n > 11 && memcmp(s, "checkpoint ", 11) == 0) {
			tally_dump_note *c = NULL;
			long got = 0;

			if (grow((void **)&p->c, &p->cap_c, p->n_c, sizeof *p->c))
				return p->rc = TALLY_ENOMEM;
			c = &p->c[p->n_c];
			memset(c, 0, sizeof *c);
			c->text = tally_malloc(n + 1);
			if (!c->text)
				return p->rc = TALLY_ENOMEM;
			p->n_c++;
			/* a note's newlines are escaped; %0A decodes back to them */
			got = pct_decode(s + 11, n - 11, (uint8_t *)c->text);
			if (got < 0)
				return part_bad(p, line, "the checkpoint has a bad %-escape");
			c->len = (size_t)got;
			c->text[c->len] = '\0';
			c->line = line;
		} else {
			return part_bad(p, line, "expected an 'entry', a 'body' or a 'checkpoint' line");
		}
	}
	p->lines = line - p->line0;
	return TALLY_OK;
}

static void *parse_worker(void *arg)
{
	parse_part(arg);
	return NULL;
}

/* join_parts appends the second part's entries and checkpoints to the
 * first's, numbering its lines after the first's */
static int join_parts(part *a, part *b)
{
	size_t shift = a->line0 + a->lines;

	for (size_t i = 0; i < b->n; i++)
		b->e[i].line += shift;
	for (size_t i = 0; i < b->n_c; i++)
		b->c[i].line += shift;
	for (size_t i = 0; i < b->n_bo; i++)
		b->bo[i].line += shift;
	if (b->n_bo) {
		tally_dump_body *nb = tally_realloc(a->bo, (a->n_bo + b->n_bo) * sizeof *nb);
		if (!nb)
			return TALLY_ENOMEM;
		a->bo = nb;
		memcpy(a->bo + a->n_bo, b->bo, b->n_bo * sizeof *b->bo);
		a->n_bo += b->n_bo;
		a->cap_bo = a->n_bo;
	}
	if (b->n) {
		tally_dump_entry *ne = tally_realloc(a->e, (a->n + b->n) * sizeof *ne);
		if (!ne)
			return TALLY_ENOMEM;
		a->e = ne;
		memcpy(a->e + a->n, b->e, b->n * sizeof *b->e);
		a->n += b->n;
		a->cap_e = a->n;
	}
	if (b->n_c) {
		tally_dump_note *nc = tally_realloc(a->c, (a->n_c + b->n_c) * sizeof *nc);
		if (!nc)
			return TALLY_ENOMEM;
		a->c = nc;
		memcpy(a->c + a->n_c, b->c, b->n_c * sizeof *b->c);
		a->n_c += b->n_c;
		a->cap_c = a->n_c;
		b->n_c = 0; /* the texts now belong to the first part */
	}
	return TALLY_OK;
}

int tally_dump_parse_inplace(char *buf, size_t len, tally_dump **out, tally_error *err)
{
	tally_dump *d = NULL;
	size_t hl = strlen(TALLY_DUMP_HEADER);
	part p[2];
	pthread_t th;
	bool two = false, threaded = false;
	int rc = TALLY_OK;

	memset(p, 0, sizeof p);
	if (len >= hl && memcmp(buf, "tally-log-dump/v1\n", hl) == 0)
		return bad_line(err, 1, "a dump of log format v1, written by an earlier tally: "
		                "verify it with that version");
	if (len < hl || memcmp(buf, TALLY_DUMP_HEADER, hl) != 0)
		return bad_line(err, 1, "not a tally log dump (the first line must be "
		                "'tally-log-dump/v2')");
	p[0].buf = p[1].buf = buf;
	p[0].at = hl;
	p[0].end = len;
	p[0].line0 = 1;
	if (len > PARSE_THREADS_MIN) {
		/* the second part starts at the line after the middle */
		const char *nl = memchr(buf + len / 2, '\n', len - len / 2);

		if (nl && (size_t)(nl + 1 - buf) < len && (size_t)(nl + 1 - buf) > hl) {
			p[0].end = p[1].at = (size_t)(nl + 1 - buf);
			p[1].end = len;
			two = true;
		}
	}
	if (two)
		threaded = pthread_create(&th, NULL, parse_worker, &p[1]) == 0;
	parse_part(&p[0]);
	if (threaded)
		pthread_join(th, NULL);
	else if (two && p[0].rc == TALLY_OK)
		parse_part(&p[1]);
	/* the first bad line of the whole dump is the first part's, if any */
	if (two && p[0].rc == TALLY_OK && p[1].rc == TALLY_EINVAL) {
		p[0].rc = TALLY_EINVAL;
		p[0].bad_line = p[1].bad_line + p[0].line0 + p[0].lines;
		p[0].bad_what = p[1].bad_what;
	} else if (two && p[0].rc == TALLY_OK) {
		p[0].rc = p[1].rc;
	}
	if (p[0].rc == TALLY_OK && two && join_parts(&p[0], &p[1]) != TALLY_OK)
		p[0].rc = TALLY_ENOMEM;
	if (p[0].rc == TALLY_OK && !(d = tally_calloc(1, sizeof *d)))
		p[0].rc = TALLY_ENOMEM;
	if (p[0].rc == TALLY_EINVAL) {
		rc = bad_line(err, p[0].bad_line, p[0].bad_what);
		goto out;
	}
	if (p[0].rc != TALLY_OK) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	d->entries = p[0].e;
	d->n = p[0].n;
	d->checkpoints = p[0].c;
	d->n_checkpoints = p[0].n_c;
	d->bodies = p[0].bo;
	d->n_bodies = p[0].n_bo;
	memset(&p[0], 0, sizeof p[0]);
	*out = d;
out:
	part_free(&p[0]);
	part_free(&p[1]);
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
