/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf.c: the printed protocols of pdf.h. Pages are A4 (ISO 216), set with
 * pango on a cairo PDF surface in DejaVu Sans, which holds the Azerbaijani
 * Latin letters (ə ğ ı ö ş ü ç) and Cyrillic. A protocol is laid out twice:
 * once to count its pages, once to print "page N of M". The words are
 * translated through gettext (i18n.h), the lines' labels come from the
 * template's per-language labels, names are printed as defined.
 *
 * What a protocol holds follows the Election Code of the Republic of
 * Azerbaijan: the precinct protocol's items (art. 100.2), signed by the
 * chairman, the secretary and the members present (art. 100.5, 100.8); the
 * constituency commission's protocol on the results (art. 101, art. 170 on
 * the validity of a constituency's election); the Central Election
 * Commission's protocol on the results of the Milli Majlis election (art.
 * 171). Each also names the transparency-log entry it rests on, as a
 * number, a leaf hash (RFC 9162 section 2.1.1) and a QR code (ISO/IEC
 * 18004, level M) of "tally:log:INDEX:LEAFHEX:ELECTION".
 */
#include "render/pdf.h"
#include "render/i18n.h"
#include "render/render.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 595.276 /* A4 in points */
#define PAGE_H 841.890
#define MARGIN 50.0
#define TOP 48.0
#define BOTTOM (PAGE_H - 60.0)
#define TEXT_W (PAGE_W - 2 * MARGIN)
#define MAX_COLS 6

typedef struct col {
	double w;              /* width in points */
	PangoAlignment align;
} col;

typedef struct pdf {
	cairo_t *cr;
	PangoContext *pc;       /* of a font map of our own, released at the end */
	const tally_results *r;
	const render_protocol_opts *o;
	double y;               /* the cursor, from the top of the page */
	int page, pages;        /* pages: the total, known in the second pass */
	char running[600];      /* the protocol's title, repeated on later pages */
	/* the table being printed, whose header repeats on a new page */
	const col *tcols;
	const char *const *thead;
	int tn;
} pdf;

__attribute__((format_arg(1))) static const char *tr(const char *s)
{
	return render_tr(s);
}

/* ==== Text ==== */

static PangoLayout *layout(pdf *p, const char *text, double size, bool bold, bool mono,
                           double width, PangoAlignment align)
{
	PangoLayout *l = pango_layout_new(p->pc);
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, mono ? RENDER_PDF_FONT_MONO : RENDER_PDF_FONT);
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	pango_layout_set_text(l, text, -1);
	return l;
}

static double layout_h(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void show(pdf *p, PangoLayout *l, double x, double y)
{
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

static void hrule(pdf *p, double y, double width, double grey)
{
	cairo_save(p->cr);
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	cairo_set_line_width(p->cr, width);
	cairo_move_to(p->cr, MARGIN, y);
	cairo_line_to(p->cr, PAGE_W - MARGIN, y);
	cairo_stroke(p->cr);
	cairo_restore(p->cr);
}

static void footer(pdf *p)
{
	char left[200], right[80];
	snprintf(left, sizeof left, "tally %s · %s · %s %s", TALLY_VERSION_STRING,
	         RENDER_PDF_FONT, tr(N_("data as of")), p->o->as_of);
	if (p->pages)
		snprintf(right, sizeof right, tr(N_("page %d of %d")), p->page, p->pages);
	else
		snprintf(right, sizeof right, tr(N_("page %d of %d")), p->page, p->page);
	hrule(p, PAGE_H - 44, 0.4, 0.6);
	PangoLayout *l = layout(p, left, 7, false, false, TEXT_W * 0.75, PANGO_ALIGN_LEFT);
	show(p, l, MARGIN, PAGE_H - 40);
	g_object_unref(l);
	l = layout(p, right, 7, false, false, TEXT_W * 0.25, PANGO_ALIGN_RIGHT);
	show(p, l, MARGIN + TEXT_W * 0.75, PAGE_H - 40);
	g_object_unref(l);
}

static void row_draw(pdf *p, const col *cols, int n, const char *const *cells, double size,
                     bool bold);

static void new_page(pdf *p)
{
	footer(p);
	cairo_show_page(p->cr);
	p->page++;
	p->y = TOP;
	PangoLayout *l = layout(p, p->running, 8, false, false, TEXT_W, PANGO_ALIGN_LEFT);
	show(p, l, MARGIN, p->y);
	p->y += layout_h(l) + 4;
	g_object_unref(l);
	hrule(p, p->y, 0.4, 0.6);
	p->y += 6;
	if (p->thead)
		row_draw(p, p->tcols, p->tn, p->thead, 8.5, true);
}

/* Room for "h" more points on this page, else a new page. */
static void need(pdf *p, double h)
{
	if (p->y + h > BOTTOM)
		new_page(p);
}

/* A paragraph across the text width. */
static void para(pdf *p, const char *text, double size, bool bold, PangoAlignment align,
                 double after)
{
	PangoLayout *l = layout(p, text, size, bold, false, TEXT_W, align);
	double h = layout_h(l);
	need(p, h);
	show(p, l, MARGIN, p->y);
	p->y += h + after;
	g_object_unref(l);
}

static void heading(pdf *p, const char *text)
{
	need(p, 40); /* a heading is not left alone at the foot of a page */
	p->y += 6;
	para(p, text, 11, true, PANGO_ALIGN_LEFT, 4);
}

/* ==== Tables ==== */

static void row_draw(pdf *p, const col *cols, int n, const char *const *cells, double size,
                     bool bold)
{
	PangoLayout *l[MAX_COLS];
	double h = 0;
	for (int i = 0; i < n; i++) {
		l[i] = layout(p, cells[i] ? cells[i] : "", size, bold, false, cols[i].w - 6,
		              cols[i].align);
		double hi = layout_h(l[i]);
		h = hi > h ? hi : h;
	}
	if (p->y + h + 4 > BOTTOM) {
		for (int i = 0; i < n; i++)
			g_object_unref(l[i]);
		new_page(p);
		row_draw(p, cols, n, cells, size, bold);
		return;
	}
	double x = MARGIN;
	for (int i = 0; i < n; i++) {
		show(p, l[i], x + 3, p->y + 2);
		x += cols[i].w;
		g_object_unref(l[i]);
	}
	p->y += h + 4;
	hrule(p, p->y, bold ? 0.6 : 0.25, bold ? 0.2 : 0.7);
}

static void table_begin(pdf *p, const col *cols, int n, const char *const *head)
{
	need(p, 50);
	hrule(p, p->y, 0.6, 0.2);
	p->tcols = cols;
	p->thead = head;
	p->tn = n;
	row_draw(p, cols, n, head, 8.5, true);
}

static void table_row(pdf *p, const char *const *cells)
{
	row_draw(p, p->tcols, p->tn, cells, 9, false);
}

static void table_end(pdf *p)
{
	p->tcols = NULL;
	p->thead = NULL;
	p->tn = 0;
	p->y += 4;
}

/* Two columns: a label and its value. */
static void info(pdf *p, const char *label, const char *value)
{
	static const col c[2] = {{170, PANGO_ALIGN_LEFT}, {TEXT_W - 170, PANGO_ALIGN_LEFT}};
	const char *cells[2] = {label, value};
	PangoLayout *a = layout(p, label, 9, true, false, c[0].w - 6, PANGO_ALIGN_LEFT);
	PangoLayout *b = layout(p, value, 9, false, false, c[1].w - 6, PANGO_ALIGN_LEFT);
	double h = layout_h(a) > layout_h(b) ? layout_h(a) : layout_h(b);
	(void)cells;
	need(p, h + 2);
	show(p, a, MARGIN, p->y);
	show(p, b, MARGIN + c[0].w, p->y);
	p->y += h + 2;
	g_object_unref(a);
	g_object_unref(b);
}

/* ==== Numbers ==== */

static const char *num(uint64_t v, char buf[32])
{
	snprintf(buf, 32, "%llu", (unsigned long long)v);
	return buf;
}

/* A percentage from exact integers, with the decimal sign of the language. */
static const char *pct(pdf *p, uint64_t n, uint64_t d, char buf[24])
{
	uint32_t pm = tally_permyriad(n, d);
	snprintf(buf, 24, "%u%s%02u %%", pm / 100, strcmp(p->o->lang, "en") == 0 ? "." : ",",
	         pm % 100);
	return buf;
}

static const char *outcome_word(tally_outcome o)
{
	switch (o) {
	case TALLY_OUT_INCOMPLETE: return tr(N_("incomplete"));
	case TALLY_OUT_ELECTED: return tr(N_("elected"));
	case TALLY_OUT_FAILED: return tr(N_("failed"));
	case TALLY_OUT_INVALID: return tr(N_("invalid"));
	case TALLY_OUT_NO_CANDIDATES: return tr(N_("no candidates"));
	default: return tr(N_("counted"));
	}
}

/* Why a constituency has no one elected, in the protocol's language. */
static const char *outcome_reason(pdf *p, uint32_t c)
{
	const tally_constituency_result *cr = &p->r->cons[c];
	if (strcmp(p->o->lang, "en") == 0 && cr->note[0])
		return cr->note;
	switch (cr->outcome) {
	case TALLY_OUT_FAILED:
		return tr(N_("candidates tie for the last seat: the election failed (Election Code "
		             "art. 170.1)"));
	case TALLY_OUT_INVALID:
		return cr->annulled
		               ? tr(N_("the constituency's result was annulled"))
		               : tr(N_("results invalid at more than 2/5 of the polling stations "
		                       "(Election Code art. 170.2)"));
	case TALLY_OUT_INCOMPLETE: return tr(N_("polling stations have still to report"));
	case TALLY_OUT_NO_CANDIDATES: return tr(N_("fewer candidates than seats"));
	default: return "";
	}
}

static const char *affiliation(const tally_election *e, uint32_t cand)
{
	const tally_candidate *cd = &e->candidates[cand];
	if (cd->nominator == TALLY_NOM_PARTY)
		return e->parties[cd->nominated_by].name;
	if (cd->nominator == TALLY_NOM_BLOC)
		return e->blocs[cd->nominated_by].name;
	if (cd->nominator == TALLY_NOM_INITIATIVE)
		return cd->group;
	return tr(N_("self-nominated"));
}

/* ==== The parts of a protocol ==== */

static void title(pdf *p, const char *sub)
{
	const tally_election *e = p->r->e;
	para(p, tr(N_("PROTOCOL")), 17, true, PANGO_ALIGN_CENTER, 2);
	para(p, sub, 11, false, PANGO_ALIGN_CENTER, 6);
	char b[700];
	snprintf(b, sizeof b, "%s · %s", e->name, e->date);
	para(p, b, 10, true, PANGO_ALIGN_CENTER, 10);
	snprintf(p->running, sizeof p->running, "%s %s · %s", tr(N_("PROTOCOL")), sub, e->name);
	hrule(p, p->y, 0.8, 0.2);
	p->y += 8;
}

/* The protocol's lines with their numbers (values NULL: blank, to fill in). */
static void lines_table(pdf *p, const uint64_t *values)
{
	const tally_template *t = p->r->e->tmpl;
	static const col c[2] = {{TEXT_W - 90, PANGO_ALIGN_LEFT}, {90, PANGO_ALIGN_RIGHT}};
	const char *head[2] = {tr(N_("Line of the protocol")), tr(N_("Number"))};
	char b[32];
	heading(p, tr(N_("Protocol lines")));
	table_begin(p, c, 2, head);
	for (uint32_t i = 0; i < t->n_lines; i++) {
		const char *cells[2] = {tally_line_label_for(t, i, p->o->lang),
		                        values ? num(values[i], b) : ""};
		table_row(p, cells);
	}
	table_end(p);
}

/* Every control relation over "lines" and the candidates' sum, and whether
 * it holds. */
static void relations_table(pdf *p, const uint64_t *lines, uint64_t cand_sum)
{
	const tally_template *t = p->r->e->tmpl;
	static const col c[3] = {{60, PANGO_ALIGN_LEFT},
	                         {TEXT_W - 60 - 130, PANGO_ALIGN_LEFT},
	                         {130, PANGO_ALIGN_LEFT}};
	const char *head[3] = {tr(N_("Code")), tr(N_("Control relation")), tr(N_("Status"))};
	heading(p, tr(N_("Control relations")));
	if (!t->n_relations) {
		para(p, tr(N_("The template has no control relations.")), 9, false, PANGO_ALIGN_LEFT, 4);
		return;
	}
	table_begin(p, c, 3, head);
	for (uint32_t i = 0; i < t->n_relations; i++) {
		const tally_relation *rel = &t->relations[i];
		int64_t a = tally_expr_eval(&rel->lhs, lines, cand_sum);
		int64_t b = tally_expr_eval(&rel->rhs, lines, cand_sum);
		bool holds = rel->op == TALLY_REL_EQ ? a == b : rel->op == TALLY_REL_LE ? a <= b : a >= b;
		char st[160];
		if (holds)
			snprintf(st, sizeof st, "%s", tr(N_("holds")));
		else
			snprintf(st, sizeof st, "%s (%lld, %lld)",
			         rel->severity == TALLY_SEV_ERROR ? tr(N_("FAILS: error"))
			                                          : tr(N_("fails: warning")),
			         (long long)a, (long long)b);
		const char *cells[3] = {rel->code, rel->text, st};
		table_row(p, cells);
	}
	table_end(p);
}

static void qr(pdf *p, const char *payload, double x, double y, double size)
{
	QRcode *q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return;
	double m = size / (q->width + 8); /* a quiet zone of four modules each side */
	cairo_save(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	for (int r = 0; r < q->width; r++)
		for (int c = 0; c < q->width; c++)
			if (q->data[r * q->width + c] & 1)
				cairo_rectangle(p->cr, x + (c + 4) * m, y + (r + 4) * m, m, m);
	cairo_fill(p->cr);
	cairo_restore(p->cr);
	QRcode_free(q);
}

static void log_block(pdf *p, bool statement)
{
	const render_log_ref *g = &p->o->log;
	need(p, g->found ? 128 : 40); /* the heading stays with its block */
	heading(p, tr(N_("Transparency log")));
	if (!g->found) {
		para(p, statement ? tr(N_("No results statement has been published in the log."))
		                  : tr(N_("This protocol version is not in the transparency log.")),
		     9, false, PANGO_ALIGN_LEFT, 4);
		return;
	}
	double qsize = 92;
	need(p, qsize + 4);
	char b[400];
	if (statement)
		snprintf(b, sizeof b, tr(N_("Results statement: log entry %llu, covering %llu entries")),
		         (unsigned long long)g->index, (unsigned long long)g->covered);
	else
		snprintf(b, sizeof b, tr(N_("Accepted version: log entry %llu")),
		         (unsigned long long)g->index);
	double y0 = p->y, w = TEXT_W - qsize - 10;
	PangoLayout *l = layout(p, b, 9.5, true, false, w, PANGO_ALIGN_LEFT);
	show(p, l, MARGIN, p->y);
	p->y += layout_h(l) + 3;
	g_object_unref(l);
	l = layout(p, tr(N_("Leaf hash (SHA-256, RFC 9162):")), 8.5, false, false, w,
	           PANGO_ALIGN_LEFT);
	show(p, l, MARGIN, p->y);
	p->y += layout_h(l) + 1;
	g_object_unref(l);
	l = layout(p, g->leaf_hex, 7.5, false, true, w, PANGO_ALIGN_LEFT);
	show(p, l, MARGIN, p->y);
	p->y += layout_h(l) + 3;
	g_object_unref(l);
	l = layout(p, tr(N_("Check it with: tally log proof --entry N, or against a dump with "
	                    "tally verify. The QR code holds the entry and its hash.")),
	           8, false, false, w, PANGO_ALIGN_LEFT);
	show(p, l, MARGIN, p->y);
	p->y += layout_h(l);
	g_object_unref(l);
	char payload[400];
	snprintf(payload, sizeof payload, "tally:log:%llu:%s:%s", (unsigned long long)g->index,
	         g->leaf_hex, p->r->e->id);
	qr(p, payload, PAGE_W - MARGIN - qsize, y0 - 6, qsize);
	if (p->y < y0 + qsize - 6)
		p->y = y0 + qsize - 6;
	p->y += 4;
}

/* Signature lines: each role with room for the name and the signature. */
static void signatures(pdf *p, const char *const *roles, int n_roles, int members)
{
	need(p, 30.0 * (n_roles + members) + 60); /* one page holds every signature */
	heading(p, tr(N_("Signatures")));
	const double lw = 210, gap = 12, nw = 135, sw = 110;
	for (int i = 0; i < n_roles + members; i++) {
		const char *role = i < n_roles ? tr(roles[i]) : tr(N_("Member of the commission"));
		PangoLayout *l = layout(p, role, 9, false, false, lw, PANGO_ALIGN_LEFT);
		show(p, l, MARGIN, p->y + 8);
		g_object_unref(l);
		double x1 = MARGIN + lw + gap, x2 = x1 + nw + gap;
		cairo_save(p->cr);
		cairo_set_line_width(p->cr, 0.5);
		cairo_move_to(p->cr, x1, p->y + 20);
		cairo_line_to(p->cr, x1 + nw, p->y + 20);
		cairo_move_to(p->cr, x2, p->y + 20);
		cairo_line_to(p->cr, x2 + sw, p->y + 20);
		cairo_stroke(p->cr);
		cairo_restore(p->cr);
		l = layout(p, tr(N_("(name)")), 6.5, false, false, nw, PANGO_ALIGN_CENTER);
		show(p, l, x1, p->y + 21);
		g_object_unref(l);
		l = layout(p, tr(N_("(signature)")), 6.5, false, false, sw, PANGO_ALIGN_CENTER);
		show(p, l, x2, p->y + 21);
		g_object_unref(l);
		p->y += 30;
	}
	p->y += 8;
	char b[200];
	snprintf(b, sizeof b, "%s: ____________________      %s", tr(N_("Signed on (date, time)")),
	         tr(N_("Seal")));
	para(p, b, 9, false, PANGO_ALIGN_LEFT, 2);
}

/* ==== The three protocols ==== */

static void station_protocol(pdf *p)
{
	const tally_results *r = p->r;
	const tally_election *e = r->e;
	uint32_t s = p->o->index;
	const tally_station *st = &e->stations[s];
	const tally_constituency *con = &e->constituencies[st->constituency];
	const tally_station_result *sr = &r->st[s];
	const uint32_t *v = tally_results_station_values(r, s);
	char b[700], n1[32], n2[24];
	snprintf(b, sizeof b, tr(N_("of the precinct election commission of polling station %s on "
	                            "the results of the vote")),
	         st->id);
	title(p, b);
	snprintf(b, sizeof b, "%s %s", con->id, con->name);
	info(p, tr(N_("Constituency")), b);
	snprintf(b, sizeof b, "%s%s%s", st->id, st->name[0] ? " " : "", st->name);
	info(p, tr(N_("Polling station")), b);
	info(p, tr(N_("Voters registered (definition)")), num(st->registered, n1));
	if (sr->annulled)
		snprintf(b, sizeof b, "%s", tr(N_("annulled: this result does not count")));
	else if (v)
		snprintf(b, sizeof b, tr(N_("accepted, version %u")), sr->version);
	else
		snprintf(b, sizeof b, "%s", tr(N_("not reported: a blank protocol to fill in")));
	info(p, tr(N_("Status")), b);

	uint64_t lines[TALLY_MAX_LINES], cand_sum = 0;
	uint32_t nl = e->tmpl->n_lines;
	if (v) {
		for (uint32_t i = 0; i < nl; i++)
			lines[i] = v[i];
		for (uint32_t i = 0; i < con->n_candidates; i++)
			cand_sum += v[nl + i];
		uint64_t cast = (uint64_t)tally_expr_eval(&e->tmpl->ballots_cast, lines, cand_sum);
		uint64_t reg = e->tmpl->registered.n_terms
		                       ? (uint64_t)tally_expr_eval(&e->tmpl->registered, lines, cand_sum)
		                       : st->registered;
		snprintf(b, sizeof b, "%s / %s = %s", num(cast, n1), num(reg, (char[32]){0}),
		         pct(p, cast, reg, n2));
		info(p, tr(N_("Turnout")), b);
	}
	lines_table(p, v ? lines : NULL);

	static const col c[4] = {{30, PANGO_ALIGN_RIGHT},
	                         {TEXT_W - 30 - 170 - 70 - 60, PANGO_ALIGN_LEFT},
	                         {170, PANGO_ALIGN_LEFT},
	                         {70, PANGO_ALIGN_RIGHT}};
	const char *head[4] = {tr(N_("No.")), tr(N_("Candidate")), tr(N_("Nominated by")),
	                       tr(N_("Votes"))};
	static const col c5[5] = {{30, PANGO_ALIGN_RIGHT},
	                          {TEXT_W - 30 - 170 - 70 - 60, PANGO_ALIGN_LEFT},
	                          {170, PANGO_ALIGN_LEFT},
	                          {70, PANGO_ALIGN_RIGHT},
	                          {60, PANGO_ALIGN_RIGHT}};
	const char *head5[5] = {head[0], head[1], head[2], head[3], tr(N_("Share"))};
	heading(p, tr(N_("Votes for the candidates")));
	table_begin(p, v ? c5 : c, v ? 5 : 4, v ? head5 : head);
	for (uint32_t i = 0; i < con->n_candidates; i++) {
		uint32_t ci = con->candidates[i];
		char no[16], vv[32], sh[24];
		snprintf(no, sizeof no, "%u", i + 1);
		const char *cells[5] = {no, e->candidates[ci].name, affiliation(e, ci),
		                        v ? num(v[nl + i], vv) : "",
		                        v ? pct(p, v[nl + i], cand_sum, sh) : ""};
		table_row(p, cells);
	}
	table_end(p);
	if (v)
		relations_table(p, lines, cand_sum);
	log_block(p, false);
	static const char *const roles[] = {N_("Chairman of the commission"),
	                                    N_("Deputy chairman of the commission"),
	                                    N_("Secretary of the commission")};
	signatures(p, roles, 3, 3);
}

static const char *station_status(const tally_results *r, uint32_t s, char *b, size_t n)
{
	const tally_station_result *sr = &r->st[s];
	if (sr->annulled)
		snprintf(b, n, "%s", tr(N_("annulled")));
	else if (sr->reported)
		snprintf(b, n, tr(N_("version %u")), sr->version);
	else
		snprintf(b, n, "%s", tr(N_("not reported")));
	return b;
}

static void constituency_protocol(pdf *p)
{
	const tally_results *r = p->r;
	const tally_election *e = r->e;
	uint32_t c = p->o->index;
	const tally_constituency *con = &e->constituencies[c];
	const tally_constituency_result *cr = &r->cons[c];
	char b[700], n1[32], n2[32], sh[24];
	snprintf(b, sizeof b, tr(N_("of the constituency election commission of constituency %s on "
	                            "the results of the election")),
	         con->id);
	title(p, b);
	snprintf(b, sizeof b, "%s %s", con->id, con->name);
	info(p, tr(N_("Constituency")), b);
	info(p, tr(N_("Seats")), num(con->magnitude, n1));
	snprintf(b, sizeof b, tr(N_("%u, of which %u reported and %u annulled")), cr->stations,
	         cr->reported, cr->invalid_stations);
	info(p, tr(N_("Polling stations")), b);
	info(p, tr(N_("Voters registered (definition)")), num(cr->registered, n1));
	snprintf(b, sizeof b, "%s / %s = %s", num(cr->ballots_cast, n1),
	         num(cr->registered_lines, n2), pct(p, cr->ballots_cast, cr->registered_lines, sh));
	info(p, tr(N_("Turnout")), b);
	snprintf(b, sizeof b, "%s", outcome_word(cr->outcome));
	const char *why = outcome_reason(p, c);
	if (*why)
		snprintf(b + strlen(b), sizeof b - strlen(b), ": %s", why);
	info(p, tr(N_("Outcome")), b);
	if (cr->annulled)
		para(p, tr(N_("The constituency's result was annulled: its votes do not count.")), 9,
		     true, PANGO_ALIGN_LEFT, 4);

	lines_table(p, cr->lines);

	static const col cc[6] = {{30, PANGO_ALIGN_RIGHT},
	                          {TEXT_W - 30 - 140 - 65 - 55 - 60, PANGO_ALIGN_LEFT},
	                          {140, PANGO_ALIGN_LEFT},
	                          {65, PANGO_ALIGN_RIGHT},
	                          {55, PANGO_ALIGN_RIGHT},
	                          {60, PANGO_ALIGN_LEFT}};
	const char *head[6] = {tr(N_("No.")), tr(N_("Candidate")), tr(N_("Nominated by")),
	                       tr(N_("Votes")), tr(N_("Share")), ""};
	heading(p, tr(N_("Votes for the candidates")));
	table_begin(p, cc, 6, head);
	for (uint32_t i = 0; i < con->n_candidates; i++) {
		uint32_t slot = cr->order[i];
		uint32_t ci = con->candidates[slot];
		char no[16], vv[32];
		snprintf(no, sizeof no, "%u", slot + 1);
		const char *cells[6] = {no, e->candidates[ci].name, affiliation(e, ci),
		                        num(cr->votes[slot], vv), pct(p, cr->votes[slot], cr->valid, sh),
		                        cr->n_elected && cr->seats[slot] ? tr(N_("elected")) : ""};
		table_row(p, cells);
	}
	table_end(p);
	relations_table(p, cr->lines, cr->valid);

	static const col sc[5] = {{120, PANGO_ALIGN_LEFT},
	                          {TEXT_W - 120 - 95 - 95 - 95, PANGO_ALIGN_LEFT},
	                          {95, PANGO_ALIGN_RIGHT},
	                          {95, PANGO_ALIGN_RIGHT},
	                          {95, PANGO_ALIGN_RIGHT}};
	const char *shead[5] = {tr(N_("Polling station")), tr(N_("Status")),
	                        tr(N_("Voters registered")), tr(N_("Ballots cast")),
	                        tr(N_("Valid votes"))};
	heading(p, tr(N_("Polling stations")));
	table_begin(p, sc, 5, shead);
	for (uint32_t i = 0; i < con->n_stations; i++) {
		uint32_t s = con->stations[i];
		const uint32_t *v = r->st[s].annulled ? NULL : tally_results_station_values(r, s);
		char st[64], rg[32], ca[32], va[32];
		uint64_t lines[TALLY_MAX_LINES], cs = 0;
		if (v) {
			for (uint32_t k = 0; k < e->tmpl->n_lines; k++)
				lines[k] = v[k];
			for (uint32_t k = 0; k < con->n_candidates; k++)
				cs += v[e->tmpl->n_lines + k];
			num((uint64_t)tally_expr_eval(&e->tmpl->ballots_cast, lines, cs), ca);
			num(cs, va);
		}
		const char *cells[5] = {e->stations[s].id, station_status(r, s, st, sizeof st),
		                        num(e->stations[s].registered, rg), v ? ca : "", v ? va : ""};
		table_row(p, cells);
	}
	table_end(p);
	log_block(p, true);
	static const char *const roles[] = {N_("Chairman of the commission"),
	                                    N_("Deputy chairman of the commission"),
	                                    N_("Secretary of the commission")};
	signatures(p, roles, 3, 3);
}

static void final_protocol(pdf *p)
{
	const tally_results *r = p->r;
	const tally_election *e = r->e;
	char b[700], n1[32], n2[32], sh[24];
	snprintf(b, sizeof b, tr(N_("of the Central Election Commission on the results of the "
	                            "election%s%s")),
	         e->body[0] ? " · " : "", e->body);
	title(p, b);
	snprintf(b, sizeof b, tr(N_("%u, of which %u with a deputy elected")), e->n_constituencies,
	         r->by_outcome[TALLY_OUT_ELECTED]);
	info(p, tr(N_("Constituencies")), b);
	snprintf(b, sizeof b, tr(N_("%u, of which %u filled")), e->seats, r->seats_filled);
	info(p, tr(N_("Seats")), b);
	snprintf(b, sizeof b, tr(N_("%u, of which %u reported and %u annulled")), r->stations,
	         r->reported, r->annulled_stations);
	info(p, tr(N_("Polling stations")), b);
	info(p, tr(N_("Voters registered (definition)")), num(r->registered, n1));
	snprintf(b, sizeof b, "%s / %s = %s", num(r->ballots_cast, n1), num(r->registered_lines, n2),
	         pct(p, r->ballots_cast, r->registered_lines, sh));
	info(p, tr(N_("Turnout")), b);
	info(p, tr(N_("Valid votes")), num(r->valid, n1));
	snprintf(b, sizeof b, "%s %u · %s %u · %s %u · %s %u", outcome_word(TALLY_OUT_ELECTED),
	         r->by_outcome[TALLY_OUT_ELECTED], outcome_word(TALLY_OUT_FAILED),
	         r->by_outcome[TALLY_OUT_FAILED], outcome_word(TALLY_OUT_INVALID),
	         r->by_outcome[TALLY_OUT_INVALID], outcome_word(TALLY_OUT_INCOMPLETE),
	         r->by_outcome[TALLY_OUT_INCOMPLETE]);
	info(p, tr(N_("Outcomes")), b);

	lines_table(p, r->lines);

	static const col ac[4] = {{TEXT_W - 60 - 90 - 70, PANGO_ALIGN_LEFT},
	                          {60, PANGO_ALIGN_RIGHT},
	                          {90, PANGO_ALIGN_RIGHT},
	                          {70, PANGO_ALIGN_RIGHT}};
	const char *ahead[4] = {tr(N_("Party or bloc")), tr(N_("Seats")), tr(N_("Votes")),
	                        tr(N_("Share"))};
	heading(p, tr(N_("Seats and votes by party or bloc")));
	table_begin(p, ac, 4, ahead);
	uint32_t *order = calloc(r->n_aff ? r->n_aff : 1, sizeof *order);
	if (order) {
		render_affiliation_order(r, order);
		for (uint32_t i = 0; i < r->n_aff; i++) {
			const tally_affiliation_result *x = &r->aff[order[i]];
			if (!x->candidates && !x->seats)
				continue;
			char se[16], vv[32];
			snprintf(se, sizeof se, "%u", x->seats);
			const char *name = x->kind == 2 ? tr(N_("Independent candidates"))
			                                : render_affiliation_name(r, order[i]);
			const char *cells[4] = {name, se, num(x->votes, vv), pct(p, x->votes, r->valid, sh)};
			table_row(p, cells);
		}
		free(order);
	}
	table_end(p);

	static const col ec[5] = {{105, PANGO_ALIGN_LEFT},
	                          {TEXT_W - 105 - 140 - 65 - 55, PANGO_ALIGN_LEFT},
	                          {140, PANGO_ALIGN_LEFT},
	                          {65, PANGO_ALIGN_RIGHT},
	                          {55, PANGO_ALIGN_RIGHT}};
	const char *ehead[5] = {tr(N_("Constituency")), tr(N_("Elected")), tr(N_("Nominated by")),
	                        tr(N_("Votes")), tr(N_("Share"))};
	heading(p, tr(N_("Elected candidates")));
	table_begin(p, ec, 5, ehead);
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency_result *cr = &r->cons[c];
		const tally_constituency *con = &e->constituencies[c];
		for (uint32_t k = 0; k < cr->n_elected; k++) {
			uint32_t slot = cr->elected[k], ci = con->candidates[slot];
			char cn[200], vv[32];
			snprintf(cn, sizeof cn, "%s %s", con->id, con->name);
			const char *cells[5] = {cn, e->candidates[ci].name, affiliation(e, ci),
			                        num(cr->votes[slot], vv),
			                        pct(p, cr->votes[slot], cr->valid, sh)};
			table_row(p, cells);
		}
	}
	table_end(p);

	uint32_t undecided = e->n_constituencies - r->by_outcome[TALLY_OUT_ELECTED] -
	                     r->by_outcome[TALLY_OUT_COUNTED];
	if (undecided) {
		static const col uc[3] = {{105, PANGO_ALIGN_LEFT},
		                          {80, PANGO_ALIGN_LEFT},
		                          {TEXT_W - 105 - 80, PANGO_ALIGN_LEFT}};
		const char *uhead[3] = {tr(N_("Constituency")), tr(N_("Outcome")), tr(N_("Reason"))};
		heading(p, tr(N_("Constituencies without an elected deputy")));
		table_begin(p, uc, 3, uhead);
		for (uint32_t c = 0; c < e->n_constituencies; c++) {
			const tally_constituency_result *cr = &r->cons[c];
			if (cr->outcome == TALLY_OUT_ELECTED || cr->outcome == TALLY_OUT_COUNTED)
				continue;
			char cn[200];
			snprintf(cn, sizeof cn, "%s %s", e->constituencies[c].id, e->constituencies[c].name);
			const char *cells[3] = {cn, outcome_word(cr->outcome), outcome_reason(p, c)};
			table_row(p, cells);
		}
		table_end(p);
	}
	log_block(p, true);
	static const char *const roles[] = {N_("Chairman of the Central Election Commission"),
	                                    N_("Deputy chairman of the Central Election Commission"),
	                                    N_("Secretary of the Central Election Commission")};
	signatures(p, roles, 3, 4);
}

/* ==== The document ==== */

typedef struct sink {
	char *buf;
	size_t len, cap;
	bool discard;
	bool failed;
} sink;

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int n)
{
	sink *k = closure;
	if (k->discard)
		return CAIRO_STATUS_SUCCESS;
	if (k->len + n > k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 1 << 16;
		while (cap < k->len + n)
			cap *= 2;
		char *nb = realloc(k->buf, cap);
		if (!nb) {
			k->failed = true;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		k->buf = nb;
		k->cap = cap;
	}
	memcpy(k->buf + k->len, data, n);
	k->len += n;
	return CAIRO_STATUS_SUCCESS;
}

/* One pass: lays the protocol out into "k"; returns its pages (0 on error). */
static int pass(const tally_results *r, const render_protocol_opts *o, sink *k, int pages,
                char *why, size_t why_size)
{
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(sink_write, k, PAGE_W, PAGE_H);
	/* the dates of the data, never of the printing: the same bytes every time */
	char date[40];
	snprintf(date, sizeof date, "%s", o->as_of);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, date);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, date);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "tally " TALLY_VERSION_STRING);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, r->e->name);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT,
	                               "font " RENDER_PDF_FONT " (" RENDER_PDF_FONT_PACKAGE ")");
	cairo_t *cr = cairo_create(s);
	/* a font map of this pass's own, not pango's process-wide one, so that
	 * everything it caches is released when the protocol is done */
	PangoFontMap *map = pango_cairo_font_map_new();
	PangoContext *pc = pango_font_map_create_context(map);
	pango_cairo_update_context(cr, pc);
	pdf p;
	memset(&p, 0, sizeof p);
	p.cr = cr;
	p.pc = pc;
	p.r = r;
	p.o = o;
	p.page = 1;
	p.pages = pages;
	p.y = TOP;
	cairo_set_source_rgb(cr, 0, 0, 0);
	switch (o->kind) {
	case RENDER_PROTO_STATION: station_protocol(&p); break;
	case RENDER_PROTO_CONSTITUENCY: constituency_protocol(&p); break;
	default: final_protocol(&p); break;
	}
	footer(&p);
	cairo_show_page(cr);
	g_object_unref(pc);
	g_object_unref(map);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	cairo_status_t st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS || k->failed) {
		snprintf(why, why_size, "cannot render the PDF: %s",
		         k->failed ? "out of memory" : cairo_status_to_string(st));
		return 0;
	}
	return p.page;
}

int render_protocol_pdf(const tally_results *r, const render_protocol_opts *o, char **out,
                        size_t *len, char *why, size_t why_size)
{
	sink count = {NULL, 0, 0, true, false}, real = {NULL, 0, 0, false, false};
	int pages = pass(r, o, &count, 0, why, why_size);
	if (!pages)
		return -1;
	if (!pass(r, o, &real, pages, why, why_size)) {
		free(real.buf);
		return -1;
	}
	*out = real.buf;
	*len = real.len;
	return 0;
}

void render_pdf_release(void)
{
	/* the caches cairo and fontconfig keep for the whole process */
	cairo_debug_reset_static_data();
	FcFini();
}

bool render_pdf_font_ok(char *found, size_t size)
{
	bool ok = false;
	snprintf(found, size, "nothing");
	PangoFontMap *map = pango_cairo_font_map_new();
	PangoContext *ctx = pango_font_map_create_context(map);
	PangoFontDescription *fd = pango_font_description_from_string(RENDER_PDF_FONT " 10");
	PangoFont *font = pango_font_map_load_font(map, ctx, fd);
	if (font) {
		PangoFontDescription *got = pango_font_describe(font);
		const char *fam = pango_font_description_get_family(got);
		snprintf(found, size, "%s", fam ? fam : "nothing");
		ok = fam && strcmp(fam, RENDER_PDF_FONT) == 0;
		pango_font_description_free(got);
		g_object_unref(font);
	}
	pango_font_description_free(fd);
	g_object_unref(ctx);
	g_object_unref(map);
	return ok;
}
