/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xml.c: the streaming XML writer of xml.h, used by the ERR and EML
 * exports. Well-formedness is the caller's structure plus this file's
 * escaping; validity against a schema is checked by the tests with xmllint.
 */
#include "render/xml.h"

#include <stdlib.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (1-4), with its code point
 * in *cp, or 0 if the bytes there are not one (RFC 3629 section 4). */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t k;
	uint32_t v, min;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2, v = c & 0x1fu, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3, v = c & 0x0fu, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4, v = c & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return k;
}

/* Whether code point "cp" is written as it is (XML 1.0 section 2.2,
 * production [2] Char, less the characters that are escaped). */
static bool plain(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 0x20 && cp != '&' && cp != '<' && cp != '>' && cp != '"' && cp != '\'';
	return cp != 0xfffe && cp != 0xffff;
}

uint64_t render_xml_escape(FILE *f, const char *str, bool attr)
{
	const unsigned char *s = (const unsigned char *)str;
	uint64_t replaced = 0;
	while (*s) {
		/* the longest run written as it is, in one call */
		const unsigned char *run = s;
		uint32_t cp = 0;
		size_t k;
		while (*s && (k = utf8_seq(s, &cp)) > 0 && plain(cp))
			s += k;
		if (s > run)
			fwrite(run, 1, (size_t)(s - run), f);
		if (!*s)
			break;
		k = utf8_seq(s, &cp);
		if (k == 0) {
			/* not UTF-8: one byte becomes one replacement character */
			fputs("\xef\xbf\xbd", f);
			replaced++;
			s++;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\r': fputs("&#13;", f); break;
		case '\t':
		case '\n':
			if (attr)
				fprintf(f, "&#%u;", (unsigned)cp);
			else
				fputc((int)cp, f);
			break;
		default:
			/* C0 controls, U+FFFE, U+FFFF: not XML 1.0 characters */
			fputs("\xef\xbf\xbd", f);
			replaced++;
		}
		s += k;
	}
	return replaced;
}

void render_xml_init(render_xml *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
}

static void indent(render_xml *w, int depth)
{
	fputc('\n', w->f);
	for (int i = 0; i < depth; i++)
		fputs("  ", w->f);
}

/* Ends the start tag still open, if any. */
static void close_start(render_xml *w)
{
	if (w->open) {
		fputc('>', w->f);
		w->open = false;
	}
}

void render_xml_begin(render_xml *w, const char *name)
{
	if (w->depth >= RENDER_XML_MAX_DEPTH)
		abort(); /* a bug in the caller's structure, never input */
	close_start(w);
	if (w->depth > 0) {
		w->kids[w->depth - 1] = true;
		indent(w, w->depth);
	}
	fprintf(w->f, "<%s", name);
	w->name[w->depth] = name;
	w->kids[w->depth] = false;
	w->depth++;
	w->open = true;
	w->text = false;
}

void render_xml_attr(render_xml *w, const char *name, const char *value)
{
	if (!w->open)
		abort();
	fprintf(w->f, " %s=\"", name);
	w->replaced += render_xml_escape(w->f, value, true);
	fputc('"', w->f);
}

void render_xml_text(render_xml *w, const char *text)
{
	close_start(w);
	w->text = true;
	w->replaced += render_xml_escape(w->f, text, false);
}

void render_xml_end(render_xml *w)
{
	if (w->depth == 0)
		abort();
	w->depth--;
	if (w->open) {
		fputs("/>", w->f);
		w->open = false;
	} else {
		if (w->kids[w->depth] && !w->text)
			indent(w, w->depth);
		fprintf(w->f, "</%s>", w->name[w->depth]);
	}
	w->text = false;
}

void render_xml_leaf(render_xml *w, const char *name, const char *text)
{
	render_xml_begin(w, name);
	render_xml_text(w, text);
	render_xml_end(w);
}

void render_xml_leaf_u64(render_xml *w, const char *name, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "%llu", (unsigned long long)v);
	render_xml_leaf(w, name, b);
}

int render_xml_finish(render_xml *w)
{
	while (w->depth > 0)
		render_xml_end(w);
	fputc('\n', w->f);
	return ferror(w->f) ? -1 : 0;
}
