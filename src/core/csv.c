/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv.c: the strict, streaming CSV reader of csv.h (RFC 4180 with a chosen
 * delimiter, an optional UTF-8 byte order mark, LF or CRLF line ends). Every
 * record is read straight from the caller's buffer: an unquoted field, and a
 * quoted one without "" escapes, point into that buffer; only fields with
 * escapes are unquoted into c->scratch. The common case, a line without any
 * quote, is split with memchr and checked for UTF-8 eight bytes at a time,
 * so a 100 MB file reads in a small fraction of a second. Everything that
 * RFC 4180 does not allow is an error with its line: a quote inside an
 * unquoted field, text after a closing quote, an unterminated quote, a
 * carriage return not followed by a line feed outside quotes (C001), a NUL
 * byte or invalid UTF-8 (C009), too many fields or a field too long (C007).
 *
 * The reader keeps one number csv.h has no field for, the line on which the
 * next record starts (a quoted field may span lines): it lives in a hidden
 * slot after the last usable entry of c->fields (fields[cap_fields].len).
 */
#include "core_int.h"

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* non-zero when a byte of v is zero (the classic bit trick) */
#define HAS_ZERO(v) (((v) - ONES) & ~(v) & HIGHS)

/* ==== Private state ==== */

static uint64_t next_line(const tally_csv *c)
{
	return c->fields ? (uint64_t)c->fields[c->cap_fields].len : 1;
}

static void set_next_line(tally_csv *c, uint64_t line)
{
	c->fields[c->cap_fields].len = (size_t)line;
}

/* ensure_fields makes room for "need" fields (plus the hidden slot). */
static int ensure_fields(tally_csv *c, size_t need)
{
	if (c->fields && need <= c->cap_fields)
		return TALLY_OK;
	size_t cap = c->cap_fields ? c->cap_fields * 2 : 32;
	while (cap < need)
		cap *= 2;
	size_t hidden = c->fields ? c->fields[c->cap_fields].len : 1;
	tally_csv_field *f = tally_realloc(c->fields, (cap + 1) * sizeof *f);
	if (!f)
		return TALLY_ENOMEM;
	c->fields = f;
	c->cap_fields = cap;
	c->fields[cap].s = NULL;
	c->fields[cap].len = hidden;
	return TALLY_OK;
}

static int scratch_add(tally_csv *c, const char *s, size_t n)
{
	if (c->scratch_len + n > c->scratch_cap) {
		size_t cap = c->scratch_cap ? c->scratch_cap : 256;
		while (cap < c->scratch_len + n)
			cap *= 2;
		char *p = tally_realloc(c->scratch, cap);
		if (!p)
			return TALLY_ENOMEM;
		c->scratch = p;
		c->scratch_cap = cap;
	}
	if (n)
		memcpy(c->scratch + c->scratch_len, s, n);
	c->scratch_len += n;
	return TALLY_OK;
}

/* ==== Errors ==== */

static uint64_t count_nl(const char *s, const char *e)
{
	uint64_t n = 0;
	while (s < e && (s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* fail reports an error found at "at", in the record that starts at
 * "rec_start" on line "line". */
static int fail(tally_csv *c, tally_error *err, int status, const char *code,
                const char *rec_start, uint64_t line, const char *at, const char *what)
{
	char where[256];
	uint64_t l = line + count_nl(rec_start, at);
	snprintf(where, sizeof where, "%s: row %llu, line %llu", c->file ? c->file : "input",
	         (unsigned long long)(c->record + 1), (unsigned long long)l);
	return tally_error_set(err, status, code, where, "%s", what);
}

/* ==== Text checks ==== */

/* check_text looks for a NUL byte or invalid UTF-8 in [s, e) and returns
 * the first bad byte, or NULL. Plain ASCII goes eight bytes at a time; each
 * run of non-ASCII bytes is checked as a whole by tally__utf8_ok (a valid
 * run ends exactly where the next ASCII byte begins). */
static const char *check_text(const char *s, const char *e)
{
	const char *p = s;
	for (;;) {
		while (e - p >= 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			if ((w & HIGHS) | HAS_ZERO(w))
				break;
			p += 8;
		}
		while (p < e && (unsigned char)*p < 0x80 && *p != '\0')
			p++;
		if (p == e)
			return NULL;
		if (*p == '\0')
			return p;
		const char *run = p;
		while (p < e && (unsigned char)*p >= 0x80)
			p++;
		if (!tally__utf8_ok(run, (size_t)(p - run)))
			return run;
	}
}

/* ==== Reader ==== */

void tally_csv_init(tally_csv *c, const char *buf, size_t len, char delim, const char *file)
{
	memset(c, 0, sizeof *c);
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	c->buf = c->pos = buf;
	c->end = buf + len;
	c->file = file;
	if (!delim) {
		/* the first of ',', ';' or tab outside quotes on the first line */
		bool quoted = false;
		delim = ',';
		for (const char *p = buf; p < c->end && (quoted || *p != '\n'); p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && (*p == ',' || *p == ';' || *p == '\t')) {
				delim = *p;
				break;
			}
		}
	}
	c->delim = delim;
}

void tally_csv_release(tally_csv *c)
{
	if (!c)
		return;
	tally_free(c->fields);
	tally_free(c->scratch);
	c->fields = NULL;
	c->scratch = NULL;
	c->n_fields = c->cap_fields = 0;
	c->scratch_len = c->scratch_cap = 0;
}

/* read_quoted reads a record that contains a quote somewhere, byte by byte
 * as RFC 4180's grammar says. On success *next is where the next record
 * begins and *lines the number of lines the record spans. */
static int read_quoted(tally_csv *c, const char *rec, uint64_t line, const char **next,
                       uint64_t *lines, tally_error *err)
{
	const char *s = rec, *end = c->end;
	const char delim = c->delim;
	size_t n = 0;
	uint64_t nl = 1;
	bool done = false;
	/* the bytes that end an unquoted field (or make it malformed) */
	unsigned char special[256] = {0};
	special[(unsigned char)delim] = special['\n'] = special['\r'] = special['"'] = 1;

	c->scratch_len = 0;
	while (!done) {
		if (n >= TALLY_MAX_CSV_FIELDS)
			return fail(c, err, TALLY_ELIMIT, "C007", rec, line, s,
			            "more than 4096 fields in a row");
		if (n >= c->cap_fields && ensure_fields(c, n + 1))
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		tally_csv_field *f = &c->fields[n++];
		if (s < end && *s == '"') {
			const char *open = s;
			const char *seg = ++s;
			size_t start = c->scratch_len;
			bool copied = false;
			for (;;) {
				const char *q = memchr(s, '"', (size_t)(end - s));
				if (!q)
					return fail(c, err, TALLY_EINVAL, "C001", rec, line, open,
					            "unterminated quoted field");
				size_t flen = copied ? c->scratch_len - start + (size_t)(q - seg)
				                     : (size_t)(q - seg);
				if (flen > TALLY_MAX_CSV_FIELD)
					return fail(c, err, TALLY_ELIMIT, "C007", rec, line, open,
					            "a field is longer than 4096 bytes");
				if (q + 1 < end && q[1] == '"') {
					/* "" stands for one quote: copy up to and with the first */
					if (scratch_add(c, seg, (size_t)(q + 1 - seg)))
						return tally_error_set(err, TALLY_ENOMEM, "", NULL,
						                       "out of memory");
					copied = true;
					s = seg = q + 2;
					continue;
				}
				if (copied) {
					if (scratch_add(c, seg, (size_t)(q - seg)))
						return tally_error_set(err, TALLY_ENOMEM, "", NULL,
						                       "out of memory");
					f->s = NULL; /* in scratch: placed below */
					f->len = c->scratch_len - start;
				} else {
					f->s = seg;
					f->len = (size_t)(q - seg);
				}
				nl += count_nl(open + 1, q);
				s = q + 1;
				break;
			}
			if (s == end) {
				done = true;
			} else if (*s == delim) {
				s++;
			} else if (*s == '\n') {
				s++;
				done = true;
			} else if (*s == '\r' && s + 1 < end && s[1] == '\n') {
				s += 2;
				done = true;
			} else {
				return fail(c, err, TALLY_EINVAL, "C001", rec, line, s,
				            "text after the closing quote of a field");
			}
		} else {
			const char *t = s;
			while (t < end && !special[(unsigned char)*t])
				t++;
			if (t < end && *t == '"')
				return fail(c, err, TALLY_EINVAL, "C001", rec, line, t,
				            "a quote inside an unquoted field");
			if (t < end && *t == '\r' && !(t + 1 < end && t[1] == '\n'))
				return fail(c, err, TALLY_EINVAL, "C001", rec, line, t,
				            "a carriage return not followed by a line feed");
			if ((size_t)(t - s) > TALLY_MAX_CSV_FIELD)
				return fail(c, err, TALLY_ELIMIT, "C007", rec, line, s,
				            "a field is longer than 4096 bytes");
			f->s = s;
			f->len = (size_t)(t - s);
			if (t == end) {
				s = t;
				done = true;
			} else if (*t == delim) {
				s = t + 1;
			} else if (*t == '\n') {
				s = t + 1;
				done = true;
			} else {
				s = t + 2;
				done = true;
			}
		}
	}
	const char *bad = check_text(rec, s);
	if (bad)
		return fail(c, err, TALLY_EINVAL, "C009", rec, line, bad,
		            *bad ? "invalid UTF-8" : "a NUL byte");
	/* Fields unquoted into scratch were appended in order. */
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		if (c->fields[i].s == NULL) {
			c->fields[i].s = c->scratch + off;
			off += c->fields[i].len;
		}
	}
	c->n_fields = n;
	*next = s;
	*lines = nl;
	return TALLY_OK;
}

int tally_csv_next(tally_csv *c, tally_error *err)
{
	const char *p = c->pos, *end = c->end;
	const char delim = c->delim;
	uint64_t line, lines = 1;
	const char *next = NULL;
	int rc = 0;

	if (ensure_fields(c, 32)) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	line = next_line(c);
	/* blank lines (LF or CRLF) are not records */
	for (;;) {
		if (p == end) {
			c->pos = p;
			set_next_line(c, line);
			c->n_fields = 0;
			rc = 0;
			goto out;
		}
		if (*p == '\n') {
			p++;
			line++;
		} else if (*p == '\r' && p + 1 < end && p[1] == '\n') {
			p += 2;
			line++;
		} else {
			break;
		}
	}

	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *stop = nl ? nl : end;
	if (nl && stop[-1] == '\r')
		stop--;
	if (memchr(p, '"', (size_t)(stop - p))) {
		rc = read_quoted(c, p, line, &next, &lines, err);
		if (rc)
			goto out;
	} else {
		/* The common case: no quote on the line. */
		const char *bad = check_text(p, stop);
		if (bad) {
			rc = fail(c, err, TALLY_EINVAL, "C009", p, line, bad,
			          *bad ? "invalid UTF-8" : "a NUL byte");
			goto out;
		}
		const char *cr = memchr(p, '\r', (size_t)(stop - p));
		if (cr) {
			rc = fail(c, err, TALLY_EINVAL, "C001", p, line, cr,
			          "a carriage return not followed by a line feed");
			goto out;
		}
		size_t n = 0;
		const char *s = p;
		for (;;) {
			const char *d = memchr(s, delim, (size_t)(stop - s));
			const char *fe = d ? d : stop;
			if (n >= TALLY_MAX_CSV_FIELDS) {
				rc = fail(c, err, TALLY_ELIMIT, "C007", p, line, s,
				          "more than 4096 fields in a row");
				goto out;
			}
			if ((size_t)(fe - s) > TALLY_MAX_CSV_FIELD) {
				rc = fail(c, err, TALLY_ELIMIT, "C007", p, line, s,
				          "a field is longer than 4096 bytes");
				goto out;
			}
			if (n >= c->cap_fields && ensure_fields(c, n + 1)) {
				rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
				goto out;
			}
			c->fields[n].s = s;
			c->fields[n].len = (size_t)(fe - s);
			n++;
			if (!d)
				break;
			s = d + 1;
		}
		c->n_fields = n;
		next = nl ? nl + 1 : end;
	}
	c->pos = next;
	c->record++;
	c->line = line;
	set_next_line(c, line + lines);
	rc = 1;
out:
	return rc;
}

/* ==== Field helpers ==== */

int tally_csv_u64(const tally_csv_field *f, uint64_t max, uint64_t *out)
{
	const char *s = f->s, *e = f->s + f->len;
	while (s < e && *s == ' ')
		s++;
	while (e > s && e[-1] == ' ')
		e--;
	if (s == e)
		return TALLY_EINVAL;
	uint64_t v = 0;
	const uint64_t lim = max / 10, last = max % 10;
	for (; s < e; s++) {
		uint64_t d = (uint64_t)((unsigned char)*s - (unsigned char)'0');
		if (d > 9 || v > lim || (v == lim && d > last))
			return TALLY_EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return TALLY_OK;
}

bool tally_csv_eq(const tally_csv_field *f, const char *s)
{
	size_t n = strlen(s);
	return f->len == n && (n == 0 || memcmp(f->s, s, n) == 0);
}
