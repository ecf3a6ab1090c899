/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xml.h: one small streaming XML 1.0 writer for the standard exports (NIST
 * SP 1500-100 ERR, OASIS EML 510/520). Elements are opened and closed in
 * order, attributes follow their start tag, text is escaped. The output is
 * UTF-8, indented by two spaces per level, and the same for the same calls:
 * nothing in it depends on the time, the locale or an address.
 *
 * Escaping (XML 1.0, W3C Recommendation, 5th ed., sections 2.2 and 2.4):
 * the five predefined entities & < > " ' are always written as &amp; &lt;
 * &gt; &quot; &apos;; a carriage return as &#13; (a parser would fold it into
 * a line feed), and a tab or line feed inside an attribute as &#9; / &#10;
 * (attribute-value normalisation would make them spaces). A character XML
 * 1.0 forbids (C0 controls other than tab, line feed and carriage return,
 * U+FFFE, U+FFFF) and every byte that does not start a well-formed UTF-8
 * sequence (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF) is replaced by U+FFFD, the replacement character, and counted.
 */
#ifndef TALLY_RENDER_XML_H
#define TALLY_RENDER_XML_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define RENDER_XML_MAX_DEPTH 24

typedef struct render_xml {
	FILE *f;
	int depth;                 /* open elements */
	bool open;                 /* the innermost start tag still takes attributes */
	bool text;                 /* the innermost element has text content */
	bool kids[RENDER_XML_MAX_DEPTH]; /* the element at this depth has element children */
	const char *name[RENDER_XML_MAX_DEPTH]; /* borrowed: names must outlive the element */
	uint64_t replaced;         /* characters replaced by U+FFFD so far */
} render_xml;

/* render_xml_init starts a document on "f": the XML declaration
 * (version 1.0, encoding UTF-8) and a line feed. */
void render_xml_init(render_xml *w, FILE *f);

/* render_xml_begin opens element "name" (a static or longer-lived string;
 * names are not escaped: they are the caller's constants). */
void render_xml_begin(render_xml *w, const char *name);

/* render_xml_attr adds an attribute to the element just opened (before any
 * content). "value" is escaped. */
void render_xml_attr(render_xml *w, const char *name, const char *value);

/* render_xml_text writes escaped character content into the innermost
 * element; it may be called several times. */
void render_xml_text(render_xml *w, const char *text);

/* render_xml_end closes the innermost element ("<x/>" when it is empty). */
void render_xml_end(render_xml *w);

/* render_xml_leaf writes <name>text</name>; render_xml_leaf_u64 with a
 * decimal number. */
void render_xml_leaf(render_xml *w, const char *name, const char *text);
void render_xml_leaf_u64(render_xml *w, const char *name, uint64_t v);

/* render_xml_finish closes what is still open and ends the document with a
 * line feed. Returns 0, or -1 when writing to the stream failed. */
int render_xml_finish(render_xml *w);

/* render_xml_escape writes "s" escaped as described above (as an attribute
 * value when "attr") and returns how many characters it replaced. */
uint64_t render_xml_escape(FILE *f, const char *s, bool attr);

#endif
