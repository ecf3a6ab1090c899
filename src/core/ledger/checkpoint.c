/* SPDX-License-Identifier: Apache-2.0 */
/*
 * checkpoint.c: the body of a C2SP checkpoint (c2sp.org/tlog-checkpoint@
 * v1.0.0): the origin line, the tree size in decimal, the root hash in
 * base64, and optional extension lines. The log signs it as a signed note
 * (note.c); witnesses cosign the same text.
 */
#include "core/ledger/ledger_int.h"

/* The next line of text[*pos..len) without its newline; false when no
 * newline is left. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	if (*pos >= len)
		return false;
	const char *nl = memchr(text + *pos, '\n', len - *pos);
	if (!nl)
		return false;
	*line = text + *pos;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return true;
}

static bool origin_ok(const char *s, size_t n)
{
	return n > 0 && n <= TALLY_NOTE_MAX_NAME && ledger__note_text_ok(s, n) &&
	       !memchr(s, '\n', n);
}

/* extension lines: each non-empty and ending in a newline */
static bool ext_ok(const char *s, size_t n)
{
	if (n == 0)
		return true;
	if (s[n - 1] != '\n' || !ledger__note_text_ok(s, n) || s[0] == '\n')
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '\n' && s[i + 1] == '\n')
			return false;
	return true;
}

int tally_checkpoint_parse(const char *text, size_t len, tally_checkpoint *out, tally_error *err)
{
	tally_checkpoint c;
	const char *line = NULL;
	size_t n = 0, pos = 0;
	memset(&c, 0, sizeof c);
	if (len > TALLY_NOTE_MAX_BYTES || !ledger__note_text_ok(text, len))
		return tally_error_set(err, TALLY_EINVAL, "L011", NULL,
		                       "a checkpoint is UTF-8 text without control characters");
	if (!next_line(text, len, &pos, &line, &n) || !origin_ok(line, n))
		return tally_error_set(err, TALLY_EINVAL, "L011", "line 1",
		                       "the checkpoint's origin line is missing, empty or too long");
	memcpy(c.origin, line, n);
	c.origin[n] = '\0';
	if (!next_line(text, len, &pos, &line, &n) || !ledger__parse_dec(line, n, &c.size))
		return tally_error_set(err, TALLY_EINVAL, "L011", "line 2",
		                       "the tree size is a decimal number without leading zeros, at "
		                       "most 2^63 - 1");
	if (!next_line(text, len, &pos, &line, &n) ||
	    tally_hash_from_base64(line, n, &c.root, NULL) != TALLY_OK)
		return tally_error_set(err, TALLY_EINVAL, "L011", "line 3",
		                       "the root hash is not base64 of 32 bytes");
	if (!ext_ok(text + pos, len - pos))
		return tally_error_set(err, TALLY_EINVAL, "L011", NULL,
		                       "an extension line is empty or the text does not end in a "
		                       "newline");
	c.ext = len > pos ? text + pos : NULL;
	c.ext_len = len - pos;
	*out = c;
	return TALLY_OK;
}

int tally_checkpoint_format(const tally_checkpoint *c, char **out, size_t *out_len,
                            tally_error *err)
{
	size_t olen = strnlen(c->origin, sizeof c->origin);
	if (!origin_ok(c->origin, olen))
		return tally_error_set(err, TALLY_EINVAL, "L011", NULL,
		                       "the origin is 1 to %d bytes of text on one line",
		                       TALLY_NOTE_MAX_NAME);
	if (c->size > (uint64_t)INT64_MAX)
		return tally_error_set(err, TALLY_EINVAL, "L011", NULL,
		                       "the tree size is at most 2^63 - 1");
	if (c->ext_len && (!c->ext || !ext_ok(c->ext, c->ext_len)))
		return tally_error_set(err, TALLY_EINVAL, "L011", NULL,
		                       "extension lines are non-empty and end in a newline");
	char root[45];
	tally_hash_to_base64(&c->root, root);
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_add(&b, c->origin, olen);
	tally__buf_add(&b, "\n", 1);
	tally__buf_u64(&b, c->size);
	tally__buf_add(&b, "\n", 1);
	tally__buf_add(&b, root, 44);
	tally__buf_add(&b, "\n", 1);
	if (c->ext_len)
		tally__buf_add(&b, c->ext, c->ext_len);
	if (b.oom) {
		tally__buf_release(&b);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	*out = tally__buf_detach(&b, out_len);
	return TALLY_OK;
}
