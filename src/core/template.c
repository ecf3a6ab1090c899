/* SPDX-License-Identifier: Apache-2.0 */
/*
 * template.c: protocol templates: the presets (Azerbaijan, Russia, Poland),
 * the small language of linear expressions and relations over protocol
 * lines ("in_mobile + in_stationary = valid + invalid", "2*a - b >= c"), and
 * the JSON form of a template inside a definition.
 *
 * Sources of the presets: Azerbaijani Election Code art. 100.2 and the
 * relations derived from its fields; Russian federal law 20-FZ appendix 5
 * (the same four relations for the presidential law's 2018 numbering);
 * the Polish PKW per-station protocol. docs/formats.md lists them in full.
 */
#include "json_int.h"

#include <ctype.h>

/* ==== Presets ==== */

/* A preset line: its key, its English label, and its label in Azerbaijani
 * and in Russian where the preset has them (NULL when not). */
typedef struct preset_line { const char *key, *label, *az, *ru; } preset_line;
typedef struct preset_rel { const char *code, *sev, *text, *desc; } preset_rel;
typedef struct preset {
	const char *name, *title;
	const preset_line *lines;
	const preset_rel *rels;
	const char *ballots_cast, *registered;
} preset;

/* The Azerbaijani and Russian wording follows the items of art. 100.2 of the
 * Election Code in its official languages. */
static const preset_line az_lines[] = {
	{"voters_on_list", "1. Voters on the voter list (main and supplementary)",
	 "1. Seçici siyahısına (əsas və əlavə) daxil edilmiş seçicilərin sayı",
	 "1. Число избирателей, внесённых в список избирателей (основной и дополнительный)"},
	{"ballots_received", "3. Ballots received by the precinct commission",
	 "3. Məntəqə seçki komissiyasının aldığı seçki bülletenlərinin sayı",
	 "3. Число избирательных бюллетеней, полученных участковой избирательной комиссией"},
	{"voters_received", "5. Voters who received ballots",
	 "5. Seçki bülletenləri almış seçicilərin sayı",
	 "5. Число избирателей, получивших избирательные бюллетени"},
	{"issued_outside", "6. Ballots issued to voters outside the polling station",
	 "6. Seçki məntəqəsindən kənarda seçicilərə verilmiş seçki bülletenlərinin sayı",
	 "6. Число избирательных бюллетеней, выданных избирателям вне помещения для голосования"},
	{"unused", "8. Unused ballots", "8. İstifadə olunmamış seçki bülletenlərinin sayı",
	 "8. Число неиспользованных избирательных бюллетеней"},
	{"cancelled", "9. Cancelled (spoilt) ballots",
	 "9. Ləğv edilmiş (korlanmış) seçki bülletenlərinin sayı",
	 "9. Число погашенных (испорченных) избирательных бюллетеней"},
	{"in_mobile", "12. Ballots in mobile boxes",
	 "12. Səyyar seçki qutularında olan seçki bülletenlərinin sayı",
	 "12. Число избирательных бюллетеней в переносных ящиках для голосования"},
	{"in_stationary", "13. Ballots in stationary boxes",
	 "13. Stasionar seçki qutularında olan seçki bülletenlərinin sayı",
	 "13. Число избирательных бюллетеней в стационарных ящиках для голосования"},
	{"valid", "14. Valid ballots", "14. Etibarlı seçki bülletenlərinin sayı",
	 "14. Число действительных избирательных бюллетеней"},
	{"invalid", "15. Invalid ballots", "15. Etibarsız seçki bülletenlərinin sayı",
	 "15. Число недействительных избирательных бюллетеней"},
	{NULL, NULL, NULL, NULL}};
static const preset_rel az_rels[] = {
	{"AZ01", "error", "ballots_received = voters_received + unused + cancelled",
	 "every ballot received is issued, unused or cancelled"},
	{"AZ02", "error", "in_mobile + in_stationary = valid + invalid",
	 "every ballot in a box is valid or invalid"},
	{"AZ03", "error", "valid = candidates", "valid ballots equal the votes for the candidates"},
	{"AZ04", "error", "voters_received <= voters_on_list",
	 "no more voters received ballots than are on the list"},
	{"AZ05", "warning", "in_mobile + in_stationary <= voters_received",
	 "more ballots in the boxes than were issued: possible ballot stuffing"},
	{"AZ06", "warning", "in_mobile <= issued_outside",
	 "more ballots in mobile boxes than were issued outside the station"},
	{"AZ07", "error", "issued_outside <= voters_received",
	 "ballots issued outside are part of all ballots issued"},
	{NULL, NULL, NULL, NULL}};

/* Russian federal protocol lines 1-12 (20-FZ art. 79; the presidential law
 * of 2018 numbers the same lines alike). */
/* The Russian labels are the lines' names in the CEC's published results
 * (the import presets' column names, docs/formats.md section 6.3). */
static const preset_line ru_lines[] = {
	{"voters_on_list", "1. Voters on the list at the close of voting", NULL,
	 "1. Число избирателей, включенных в список избирателей"},
	{"ballots_received", "2. Ballots received by the precinct commission", NULL,
	 "2. Число избирательных бюллетеней, полученных участковой избирательной комиссией"},
	{"issued_early", "3. Ballots issued to voters who voted early", NULL,
	 "3. Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно"},
	{"issued_in_station", "4. Ballots issued in the polling station on voting day", NULL,
	 "4. Число избирательных бюллетеней, выданных в помещении для голосования в день голосования"},
	{"issued_outside", "5. Ballots issued outside the polling station on voting day", NULL,
	 "5. Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования"},
	{"cancelled", "6. Cancelled ballots", NULL, "6. Число погашенных избирательных бюллетеней"},
	{"in_mobile", "7. Ballots in mobile boxes", NULL,
	 "7. Число избирательных бюллетеней в переносных ящиках для голосования"},
	{"in_stationary", "8. Ballots in stationary boxes", NULL,
	 "8. Число избирательных бюллетеней в стационарных ящиках для голосования"},
	{"invalid", "9. Invalid ballots", NULL, "9. Число недействительных избирательных бюллетеней"},
	{"valid", "10. Valid ballots", NULL, "10. Число действительных избирательных бюллетеней"},
	{"lost", "11. Lost ballots", NULL, "11. Число утраченных избирательных бюллетеней"},
	{"unaccounted", "12. Ballots not accounted for on receipt", NULL,
	 "12. Число избирательных бюллетеней, не учтенных при получении"},
	{NULL, NULL, NULL, NULL}};
static const preset_rel ru_rels[] = {
	{"RU01", "error", "voters_on_list >= issued_early + issued_in_station + issued_outside",
	 "20-FZ app. 5: 1 >= 3+4+5"},
	{"RU02", "error",
	 "ballots_received = issued_early + issued_in_station + issued_outside + cancelled + lost - unaccounted",
	 "20-FZ app. 5: 2 = 3+4+5+6+11-12"},
	{"RU03", "error", "in_mobile + in_stationary = invalid + valid", "20-FZ app. 5: 7+8 = 9+10"},
	{"RU04", "error", "valid = candidates", "20-FZ app. 5: 10 = sum of the candidate lines"},
	{"RU05", "warning", "in_mobile <= issued_outside",
	 "more ballots in mobile boxes than were issued outside the station"},
	{"RU06", "warning", "in_mobile + in_stationary <= issued_early + issued_in_station + issued_outside",
	 "more ballots in the boxes than were issued: possible ballot stuffing"},
	{NULL, NULL, NULL, NULL}};

static const preset_line pl_lines[] = {
	{"ballots_received", "Ballot cards received by the commission", NULL, NULL},
	{"eligible", "Voters entitled to vote", NULL, NULL},
	{"unused", "Unused ballot cards", NULL, NULL},
	{"voters_given_ballots", "Voters given ballot cards", NULL, NULL},
	{"proxy", "Voters voting by proxy", NULL, NULL},
	{"certificate", "Voters voting with a certificate", NULL, NULL},
	{"postal_sent", "Voters sent postal packages", NULL, NULL},
	{"postal_returned", "Return envelopes received", NULL, NULL},
	{"envelopes_in_box", "Ballot envelopes put in the box", NULL, NULL},
	{"cards_from_box", "Cards taken from the box", NULL, NULL},
	{"cards_from_envelopes", "of which from ballot envelopes", NULL, NULL},
	{"invalid_cards", "Invalid cards", NULL, NULL},
	{"valid_cards", "Valid cards", NULL, NULL},
	{"invalid_votes", "Invalid votes", NULL, NULL},
	{"valid_votes", "Valid votes for all candidates", NULL, NULL},
	{NULL, NULL, NULL, NULL}};
static const preset_rel pl_rels[] = {
	{"PL01", "error", "cards_from_box - invalid_cards = valid_cards",
	 "cards from the box less invalid cards are the valid cards"},
	{"PL02", "error", "valid_votes + invalid_votes = valid_cards",
	 "every valid card holds a valid or an invalid vote"},
	{"PL03", "error", "valid_votes = candidates", "valid votes equal the candidates' votes"},
	{"PL04", "warning", "cards_from_envelopes <= cards_from_box",
	 "cards from envelopes are part of the cards in the box"},
	{"PL05", "warning", "cards_from_box <= voters_given_ballots + envelopes_in_box",
	 "more cards in the box than were given out: possible ballot stuffing"},
	{NULL, NULL, NULL, NULL}};

static const preset presets[] = {
	{"az-mm", "Azerbaijan, Milli Majlis precinct protocol (Election Code art. 100.2)", az_lines,
	 az_rels, "voters_received", "voters_on_list"},
	{"ru-20fz", "Russia, State Duma precinct protocol (20-FZ, appendix 5)", ru_lines, ru_rels,
	 "issued_early + issued_in_station + issued_outside", "voters_on_list"},
	{"ru-19fz", "Russia, presidential precinct protocol (19-FZ, 2018 numbering)", ru_lines,
	 ru_rels, "issued_early + issued_in_station + issued_outside", "voters_on_list"},
	/* The PKW's turnout (frekwencja) is valid ballot cards over eligible
	 * voters; voters_given_ballots leaves out postal voters. */
	{"pl-pkw", "Poland, PKW precinct protocol (presidential election)", pl_lines, pl_rels,
	 "valid_cards", "eligible"},
};

const char *const *tally_template_preset_names(void)
{
	static const char *const names[] = {"az-mm", "ru-20fz", "ru-19fz", "pl-pkw", NULL};
	return names;
}

void tally_template_free(tally_template *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->n_lines; i++) {
		tally_free(t->lines[i].key);
		tally_free(t->lines[i].label);
		for (uint32_t j = 0; j < t->lines[i].n_labels; j++) {
			tally_free(t->lines[i].labels[j].lang);
			tally_free(t->lines[i].labels[j].label);
		}
		tally_free(t->lines[i].labels);
	}
	for (uint32_t i = 0; i < t->n_relations; i++) {
		tally_relation *r = &t->relations[i];
		tally_free(r->code);
		tally_free(r->text);
		tally_free(r->description);
		tally_free(r->lhs.terms);
		tally_free(r->rhs.terms);
	}
	tally_free(t->lines);
	tally_free(t->relations);
	tally_free(t->ballots_cast.terms);
	tally_free(t->registered.terms);
	tally_free(t->ballots_cast_text);
	tally_free(t->registered_text);
	tally_free(t->preset);
	tally_free(t->name);
	tally_free(t);
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d = tally_strdup(s ? s : "");
	if (!d)
		*oom = 1;
	return d;
}

int tally_template_preset(const char *name, tally_template **out, tally_error *err)
{
	const preset *p = NULL;
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
		if (strcmp(presets[i].name, name) == 0)
			p = &presets[i];
	if (!p)
		return tally_error_set(err, TALLY_ENOTFOUND, "D012", name,
		                       "unknown protocol template preset '%s' (known: az-mm, "
		                       "ru-20fz, ru-19fz, pl-pkw)", name);
	int oom = 0;
	uint32_t nl = 0, nr = 0;
	while (p->lines[nl].key)
		nl++;
	while (p->rels[nr].code)
		nr++;
	tally_template *t = tally_calloc(1, sizeof *t);
	if (!t)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	t->lines = tally_calloc(nl, sizeof *t->lines);
	t->relations = tally_calloc(nr, sizeof *t->relations);
	if (!t->lines || !t->relations)
		oom = 1;
	else {
		t->n_lines = nl;
		t->n_relations = nr;
	}
	t->preset = dup_or_null(p->name, &oom);
	t->name = dup_or_null(p->title, &oom);
	t->ballots_cast_text = dup_or_null(p->ballots_cast, &oom);
	t->registered_text = dup_or_null(p->registered, &oom);
	for (uint32_t i = 0; !oom && i < nl; i++) {
		const preset_line *pl = &p->lines[i];
		tally_line *l = &t->lines[i];
		l->key = dup_or_null(pl->key, &oom);
		l->label = dup_or_null(pl->label, &oom);
		uint32_t n = (pl->az != NULL) + (pl->ru != NULL);
		if (n && !oom && !(l->labels = tally_calloc(n, sizeof *l->labels)))
			oom = 1;
		if (pl->az && !oom) {
			l->labels[l->n_labels].lang = dup_or_null("az", &oom);
			l->labels[l->n_labels++].label = dup_or_null(pl->az, &oom);
		}
		if (pl->ru && !oom) {
			l->labels[l->n_labels].lang = dup_or_null("ru", &oom);
			l->labels[l->n_labels++].label = dup_or_null(pl->ru, &oom);
		}
	}
	for (uint32_t i = 0; !oom && i < nr; i++) {
		tally_relation *r = &t->relations[i];
		r->code = dup_or_null(p->rels[i].code, &oom);
		r->text = dup_or_null(p->rels[i].text, &oom);
		r->description = dup_or_null(p->rels[i].desc, &oom);
		r->severity = strcmp(p->rels[i].sev, "error") == 0 ? TALLY_SEV_ERROR : TALLY_SEV_WARNING;
	}
	if (oom) {
		tally_template_free(t);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	int rc = tally_template_finish(t, name, err);
	if (rc) {
		tally_template_free(t);
		return rc;
	}
	*out = t;
	return TALLY_OK;
}

const char *tally_line_label_for(const tally_template *t, uint32_t i, const char *lang)
{
	const tally_line *l = &t->lines[i];
	size_t primary = strcspn(lang, "-");
	for (uint32_t j = 0; j < l->n_labels; j++)
		if (strcmp(l->labels[j].lang, lang) == 0)
			return l->labels[j].label;
	for (uint32_t j = 0; j < l->n_labels; j++)
		if (strlen(l->labels[j].lang) == primary && strncmp(l->labels[j].lang, lang, primary) == 0)
			return l->labels[j].label;
	return l->label;
}

/* A language tag as labels take it (RFC 5646's well-formed shape, cut to
 * what tally needs): 2-8 letters, then "-" and 1-8 letters or digits,
 * repeated; at most 35 bytes. */
static bool lang_ok(const char *s)
{
	size_t n = 0, len = strlen(s);
	bool first = true;
	if (len == 0 || len > 35)
		return false;
	for (;; s++) {
		char ch = *s;
		bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		if (alpha || (!first && ch >= '0' && ch <= '9')) {
			if (++n > 8)
				return false;
		} else if (ch == '-' || ch == '\0') {
			if (n == 0 || (first && n < 2))
				return false;
			if (ch == '\0')
				return true;
			n = 0;
			first = false;
		} else {
			return false;
		}
	}
}

/* Reads a line's "labels" object: {"az": "...", "ru": "..."}. Errors: D002
 * (not an object, a label not a string), D022 (a key that is not a language
 * tag), D015 (a label over TALLY_MAX_NAME_LEN bytes or more than
 * TALLY_MAX_LABEL_LANGS languages). Duplicate keys are refused by the JSON
 * reader (D020). */
static int labels_from_json(const json_t *o, const char *path, tally_line *l, tally_error *err)
{
	if (!json_is_object(o))
		return tally_error_set(err, TALLY_EINVAL, "D002", path,
		                       "'labels' must be an object of language tags and labels, "
		                       "such as {\"az\": \"...\", \"ru\": \"...\"}");
	size_t n = json_object_size(o);
	if (n > TALLY_MAX_LABEL_LANGS)
		return tally_error_set(err, TALLY_ELIMIT, "D015", path,
		                       "a line has labels in at most %d languages", TALLY_MAX_LABEL_LANGS);
	if (n == 0)
		return TALLY_OK;
	l->labels = tally_calloc(n, sizeof *l->labels);
	if (!l->labels)
		return tally_error_set(err, TALLY_ENOMEM, "", path, "out of memory");
	/* in the order of the file: jansson keeps insertion order */
	const char *lang;
	json_t *v;
	char p[300];
	json_object_foreach((json_t *)o, lang, v)
	{
		snprintf(p, sizeof p, "%s.%s", path, lang);
		if (!lang_ok(lang))
			return tally_error_set(err, TALLY_EINVAL, "D022", p,
			                       "'%s' is not a language tag (such as az, ru, en, az-Cyrl)",
			                       lang);
		if (!json_is_string(v))
			return tally_error_set(err, TALLY_EINVAL, "D002", p, "a label must be a string");
		if (json_string_length(v) > TALLY_MAX_NAME_LEN)
			return tally_error_set(err, TALLY_ELIMIT, "D015", p,
			                       "a label is at most %d bytes", TALLY_MAX_NAME_LEN);
		tally_line_label *x = &l->labels[l->n_labels];
		x->lang = tally_strdup(lang);
		x->label = tally_strdup(json_string_value(v));
		l->n_labels++;
		if (!x->lang || !x->label)
			return tally_error_set(err, TALLY_ENOMEM, "", path, "out of memory");
	}
	return TALLY_OK;
}

int tally_template_line(const tally_template *t, const char *key)
{
	for (uint32_t i = 0; i < t->n_lines; i++)
		if (strcmp(t->lines[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* ==== Expressions ==== */

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool key_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!key_char(s[n]) || n >= TALLY_MAX_ID_LEN)
			return false;
	return n > 0 && !(s[0] >= '0' && s[0] <= '9');
}

/* Parses text[0..len) as: ['-'] term (('+'|'-') term)*, term = [int '*'] key. */
static int expr_parse_n(const tally_template *t, const char *text, size_t len, const char *where,
                        tally_expr *out, tally_error *err)
{
	tally_term terms[TALLY_MAX_TERMS];
	uint32_t n = 0;
	size_t i = 0;
	int sign = 1;
	bool expect_term = true;
	while (i < len) {
		char c = text[i];
		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		if (!expect_term) {
			if (c != '+' && c != '-')
				return tally_error_set(err, TALLY_EINVAL, "D013", where,
				                       "expected '+' or '-' at '%.*s' in '%.*s'",
				                       (int)(len - i), text + i, (int)len, text);
			sign = c == '-' ? -1 : 1;
			expect_term = true;
			i++;
			continue;
		}
		if (c == '-' && n == 0 && sign == 1) {
			sign = -1;
			i++;
			continue;
		}
		int64_t coef = 1;
		if (c >= '0' && c <= '9') {
			coef = 0;
			while (i < len && text[i] >= '0' && text[i] <= '9') {
				coef = coef * 10 + (text[i] - '0');
				if (coef > TALLY_MAX_COEF)
					return tally_error_set(err, TALLY_EINVAL, "D013", where,
					                       "coefficient larger than %d in '%.*s'",
					                       TALLY_MAX_COEF, (int)len, text);
				i++;
			}
			while (i < len && text[i] == ' ')
				i++;
			if (i >= len || text[i] != '*')
				return tally_error_set(err, TALLY_EINVAL, "D013", where,
				                       "a number must be followed by '*' and a line in '%.*s'",
				                       (int)len, text);
			i++;
			while (i < len && text[i] == ' ')
				i++;
			if (coef == 0)
				return tally_error_set(err, TALLY_EINVAL, "D013", where,
				                       "zero coefficient in '%.*s'", (int)len, text);
		}
		size_t s = i;
		while (i < len && key_char(text[i]))
			i++;
		if (i == s)
			return tally_error_set(err, TALLY_EINVAL, "D013", where,
			                       "expected a line name at '%.*s' in '%.*s'", (int)(len - s),
			                       text + s, (int)len, text);
		char key[TALLY_MAX_ID_LEN + 1];
		if (i - s > TALLY_MAX_ID_LEN)
			return tally_error_set(err, TALLY_EINVAL, "D014", where, "line name too long");
		memcpy(key, text + s, i - s);
		key[i - s] = '\0';
		uint32_t line;
		if (strcmp(key, "candidates") == 0)
			line = TALLY_LINE_CANDIDATES;
		else {
			int li = tally_template_line(t, key);
			if (li < 0)
				return tally_error_set(err, TALLY_EINVAL, "D014", where,
				                       "unknown line '%s' in '%.*s'", key, (int)len, text);
			line = (uint32_t)li;
		}
		if (n >= TALLY_MAX_TERMS)
			return tally_error_set(err, TALLY_ELIMIT, "D015", where,
			                       "more than %d terms in '%.*s'", TALLY_MAX_TERMS, (int)len,
			                       text);
		terms[n].coef = (int32_t)(sign * coef);
		terms[n].line = line;
		n++;
		expect_term = false;
		sign = 1;
	}
	if (expect_term)
		return tally_error_set(err, TALLY_EINVAL, "D013", where,
		                       n ? "expression '%.*s' ends with an operator"
		                         : "empty expression '%.*s'",
		                       (int)len, text);
	tally_term *copy = tally_calloc(n, sizeof *copy);
	if (!copy)
		return tally_error_set(err, TALLY_ENOMEM, "", where, "out of memory");
	memcpy(copy, terms, n * sizeof *copy);
	out->terms = copy;
	out->n_terms = n;
	return TALLY_OK;
}

int tally_expr_parse(const tally_template *t, const char *text, tally_expr *out, tally_error *err)
{
	return expr_parse_n(t, text, strlen(text), text, out, err);
}

int64_t tally_expr_eval(const tally_expr *e, const uint64_t *lines, uint64_t cand_sum)
{
	int64_t s = 0;
	for (uint32_t i = 0; i < e->n_terms; i++) {
		uint64_t v = e->terms[i].line == TALLY_LINE_CANDIDATES ? cand_sum : lines[e->terms[i].line];
		s += (int64_t)e->terms[i].coef * (int64_t)v;
	}
	return s;
}

static int relation_parse(const tally_template *t, tally_relation *r, const char *where,
                          tally_error *err)
{
	const char *s = r->text;
	const char *op = NULL;
	size_t oplen = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '<' || *p == '>' || *p == '=') {
			if (op)
				return tally_error_set(err, TALLY_EINVAL, "D013", where,
				                       "relation '%s' has more than one comparison", s);
			op = p;
			oplen = (p[1] == '=' && *p != '=') ? 2 : 1;
			if (*p != '=' && oplen == 1)
				return tally_error_set(err, TALLY_EINVAL, "D013", where,
				                       "relation '%s': use <= or >=, not < or >", s);
			if (*p == '=' && p[1] == '=')
				return tally_error_set(err, TALLY_EINVAL, "D013", where,
				                       "relation '%s': use a single '='", s);
			p += oplen - 1;
		}
	}
	if (!op)
		return tally_error_set(err, TALLY_EINVAL, "D013", where,
		                       "relation '%s' has no comparison (=, <=, >=)", s);
	r->op = *op == '=' ? TALLY_REL_EQ : *op == '<' ? TALLY_REL_LE : TALLY_REL_GE;
	int rc = expr_parse_n(t, s, (size_t)(op - s), where, &r->lhs, err);
	if (rc)
		return rc;
	rc = expr_parse_n(t, op + oplen, strlen(op + oplen), where, &r->rhs, err);
	if (rc) {
		tally_free(r->lhs.terms);
		r->lhs.terms = NULL;
		r->lhs.n_terms = 0;
	}
	return rc;
}

int tally_template_finish(tally_template *t, const char *where, tally_error *err)
{
	char w[256];
	if (t->n_lines == 0)
		return tally_error_set(err, TALLY_EINVAL, "D003", where, "a template needs lines");
	if (t->n_lines > TALLY_MAX_LINES || t->n_relations > TALLY_MAX_RELATIONS)
		return tally_error_set(err, TALLY_ELIMIT, "D015", where,
		                       "a template has at most %d lines and %d relations",
		                       TALLY_MAX_LINES, TALLY_MAX_RELATIONS);
	for (uint32_t i = 0; i < t->n_lines; i++) {
		snprintf(w, sizeof w, "%s.lines[%u]", where, i);
		if (!key_ok(t->lines[i].key) || strcmp(t->lines[i].key, "candidates") == 0)
			return tally_error_set(err, TALLY_EINVAL, "D010", w,
			                       "line key '%s' must be 1-%d characters of a-z, 0-9 and _, "
			                       "not start with a digit, and not be 'candidates'",
			                       t->lines[i].key, TALLY_MAX_ID_LEN);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(t->lines[j].key, t->lines[i].key) == 0)
				return tally_error_set(err, TALLY_EINVAL, "D005", w,
				                       "duplicate line key '%s'", t->lines[i].key);
	}
	for (uint32_t i = 0; i < t->n_relations; i++) {
		tally_relation *r = &t->relations[i];
		snprintf(w, sizeof w, "%s.relations[%u]", where, i);
		if (!tally__id_ok(r->code))
			return tally_error_set(err, TALLY_EINVAL, "D010", w, "invalid relation code '%s'",
			                       r->code);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(t->relations[j].code, r->code) == 0)
				return tally_error_set(err, TALLY_EINVAL, "D005", w,
				                       "duplicate relation code '%s'", r->code);
		tally_free(r->lhs.terms);
		tally_free(r->rhs.terms);
		memset(&r->lhs, 0, sizeof r->lhs);
		memset(&r->rhs, 0, sizeof r->rhs);
		int rc = relation_parse(t, r, w, err);
		if (rc)
			return rc;
	}
	tally_free(t->ballots_cast.terms);
	tally_free(t->registered.terms);
	memset(&t->ballots_cast, 0, sizeof t->ballots_cast);
	memset(&t->registered, 0, sizeof t->registered);
	snprintf(w, sizeof w, "%s.ballots_cast", where);
	if (!t->ballots_cast_text || !*t->ballots_cast_text)
		return tally_error_set(err, TALLY_EINVAL, "D003", w,
		                       "a template must say which lines are the voters who received "
		                       "ballots ('ballots_cast')");
	int rc = expr_parse_n(t, t->ballots_cast_text, strlen(t->ballots_cast_text), w,
	                      &t->ballots_cast, err);
	if (rc)
		return rc;
	if (t->registered_text && *t->registered_text) {
		snprintf(w, sizeof w, "%s.registered", where);
		rc = expr_parse_n(t, t->registered_text, strlen(t->registered_text), w, &t->registered,
		                  err);
		if (rc)
			return rc;
	}
	return TALLY_OK;
}

/* ==== JSON ==== */

int tally__template_from_json_value(const json_t *v, const char *path, tally_template **out,
                                    tally_error *err)
{
	const tj_codes *c = &tj_def_codes;
	if (json_is_string(v))
		return tally_template_preset(json_string_value(v), out, err) == TALLY_OK
		               ? TALLY_OK
		               : tally_error_set(err, err ? err->status : TALLY_EINVAL, "D012", path,
		                                 "unknown protocol template preset '%s' (known: "
		                                 "az-mm, ru-20fz, ru-19fz, pl-pkw)",
		                                 json_string_value(v));
	if (!json_is_object(v))
		return tally_error_set(err, TALLY_EINVAL, "D002", path,
		                       "'template' must be a preset name or an object");
	static const char *const keys[] = {"name", "lines", "relations", "ballots_cast",
	                                   "registered", NULL};
	int rc = tj_keys(v, keys, path, c, err);
	if (rc)
		return rc;
	const char *name = "", *bc = NULL, *reg = "";
	json_t *lines = NULL, *rels = NULL;
	if ((rc = tj_str(v, "name", false, TALLY_MAX_NAME_LEN, path, c, &name, err)) ||
	    (rc = tj_arr(v, "lines", true, path, c, &lines, err)) ||
	    (rc = tj_arr(v, "relations", false, path, c, &rels, err)) ||
	    (rc = tj_str(v, "ballots_cast", true, 4096, path, c, &bc, err)) ||
	    (rc = tj_str(v, "registered", false, 4096, path, c, &reg, err)))
		return rc;
	size_t nl = json_array_size(lines), nr = rels ? json_array_size(rels) : 0;
	if (nl > TALLY_MAX_LINES || nr > TALLY_MAX_RELATIONS)
		return tally_error_set(err, TALLY_ELIMIT, "D015", path,
		                       "a template has at most %d lines and %d relations",
		                       TALLY_MAX_LINES, TALLY_MAX_RELATIONS);
	tally_template *t = tally_calloc(1, sizeof *t);
	int oom = !t;
	if (t) {
		t->lines = tally_calloc(nl, sizeof *t->lines);
		t->relations = tally_calloc(nr, sizeof *t->relations);
		oom = !t->lines || !t->relations;
		t->name = dup_or_null(name, &oom);
		t->ballots_cast_text = dup_or_null(bc, &oom);
		t->registered_text = dup_or_null(reg, &oom);
	}
	if (oom) {
		tally_template_free(t);
		return tally_error_set(err, TALLY_ENOMEM, "", path, "out of memory");
	}
	char p[256], lp[256];
	snprintf(lp, sizeof lp, "%s.lines", path);
	for (size_t i = 0; i < nl; i++) {
		json_t *o = json_array_get(lines, i);
		static const char *const lkeys[] = {"key", "label", "labels", NULL};
		const char *key = NULL, *label = "";
		tj_path_idx(p, sizeof p, lp, i);
		if (!json_is_object(o)) {
			rc = tally_error_set(err, TALLY_EINVAL, "D002", p, "a line must be an object");
			goto fail;
		}
		if ((rc = tj_keys(o, lkeys, p, c, err)) ||
		    (rc = tj_str(o, "key", true, TALLY_MAX_ID_LEN, p, c, &key, err)) ||
		    (rc = tj_str(o, "label", false, TALLY_MAX_NAME_LEN, p, c, &label, err)))
			goto fail;
		t->lines[i].key = dup_or_null(key, &oom);
		t->lines[i].label = dup_or_null(label, &oom);
		t->n_lines = (uint32_t)i + 1;
		json_t *labels = json_object_get(o, "labels");
		if (labels) {
			char lab[300];
			snprintf(lab, sizeof lab, "%s.labels", p);
			if ((rc = labels_from_json(labels, lab, &t->lines[i], err)))
				goto fail;
		}
	}
	snprintf(lp, sizeof lp, "%s.relations", path);
	for (size_t i = 0; i < nr; i++) {
		json_t *o = json_array_get(rels, i);
		static const char *const rkeys[] = {"code", "severity", "relation", "description", NULL};
		const char *code = NULL, *sev = NULL, *text = NULL, *desc = "";
		tj_path_idx(p, sizeof p, lp, i);
		if (!json_is_object(o)) {
			rc = tally_error_set(err, TALLY_EINVAL, "D002", p, "a relation must be an object");
			goto fail;
		}
		if ((rc = tj_keys(o, rkeys, p, c, err)) ||
		    (rc = tj_str(o, "code", true, TALLY_MAX_ID_LEN, p, c, &code, err)) ||
		    (rc = tj_str(o, "severity", true, 16, p, c, &sev, err)) ||
		    (rc = tj_str(o, "relation", true, 4096, p, c, &text, err)) ||
		    (rc = tj_str(o, "description", false, TALLY_MAX_NAME_LEN, p, c, &desc, err)))
			goto fail;
		tally_relation *r = &t->relations[i];
		if (strcmp(sev, "error") == 0)
			r->severity = TALLY_SEV_ERROR;
		else if (strcmp(sev, "warning") == 0)
			r->severity = TALLY_SEV_WARNING;
		else {
			rc = tally_error_set(err, TALLY_EINVAL, "D009", p,
			                     "severity must be 'error' or 'warning', not '%s'", sev);
			goto fail;
		}
		r->code = dup_or_null(code, &oom);
		r->text = dup_or_null(text, &oom);
		r->description = dup_or_null(desc, &oom);
		t->n_relations = (uint32_t)i + 1;
	}
	if (oom) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", path, "out of memory");
		goto fail;
	}
	if ((rc = tally_template_finish(t, path, err)))
		goto fail;
	*out = t;
	return TALLY_OK;
fail:
	tally_template_free(t);
	return rc;
}

int tally_template_from_json(const char *buf, size_t len, const char *where, tally_template **out,
                             tally_error *err)
{
	json_t *root = NULL;
	int rc = tj_load(buf, len, where, &tj_def_codes, &root, err);
	if (rc)
		return rc;
	rc = tally__template_from_json_value(root, where ? where : "$", out, err);
	json_decref(root);
	return rc;
}

static void indent_to(tally__buf *b, int n)
{
	tally__buf_add(b, "\n", 1);
	for (int i = 0; i < n; i++)
		tally__buf_add(b, "  ", 2);
}

void tally__template_write(const tally_template *t, tally__buf *b, int ind)
{
	if (t->preset) {
		tally__buf_json_str(b, t->preset);
		return;
	}
	tally__buf_str(b, "{");
	indent_to(b, ind + 1);
	tally__buf_str(b, "\"name\": ");
	tally__buf_json_str(b, t->name ? t->name : "");
	tally__buf_str(b, ",");
	indent_to(b, ind + 1);
	tally__buf_str(b, "\"lines\": [");
	for (uint32_t i = 0; i < t->n_lines; i++) {
		indent_to(b, ind + 2);
		tally__buf_str(b, "{\"key\": ");
		tally__buf_json_str(b, t->lines[i].key);
		tally__buf_str(b, ", \"label\": ");
		tally__buf_json_str(b, t->lines[i].label);
		/* written only when there are any: definitions without them keep
		 * their canonical form */
		if (t->lines[i].n_labels) {
			tally__buf_str(b, ", \"labels\": {");
			for (uint32_t j = 0; j < t->lines[i].n_labels; j++) {
				tally__buf_str(b, j ? ", " : "");
				tally__buf_json_str(b, t->lines[i].labels[j].lang);
				tally__buf_str(b, ": ");
				tally__buf_json_str(b, t->lines[i].labels[j].label);
			}
			tally__buf_str(b, "}");
		}
		tally__buf_str(b, i + 1 < t->n_lines ? "}," : "}");
	}
	indent_to(b, ind + 1);
	tally__buf_str(b, "],");
	indent_to(b, ind + 1);
	tally__buf_str(b, "\"relations\": [");
	for (uint32_t i = 0; i < t->n_relations; i++) {
		const tally_relation *r = &t->relations[i];
		indent_to(b, ind + 2);
		tally__buf_str(b, "{\"code\": ");
		tally__buf_json_str(b, r->code);
		tally__buf_str(b, ", \"severity\": ");
		tally__buf_str(b, r->severity == TALLY_SEV_ERROR ? "\"error\"" : "\"warning\"");
		tally__buf_str(b, ", \"relation\": ");
		tally__buf_json_str(b, r->text);
		tally__buf_str(b, ", \"description\": ");
		tally__buf_json_str(b, r->description ? r->description : "");
		tally__buf_str(b, i + 1 < t->n_relations ? "}," : "}");
	}
	if (t->n_relations)
		indent_to(b, ind + 1);
	tally__buf_str(b, "],");
	indent_to(b, ind + 1);
	tally__buf_str(b, "\"ballots_cast\": ");
	tally__buf_json_str(b, t->ballots_cast_text);
	tally__buf_str(b, ",");
	indent_to(b, ind + 1);
	tally__buf_str(b, "\"registered\": ");
	tally__buf_json_str(b, t->registered_text ? t->registered_text : "");
	indent_to(b, ind);
	tally__buf_str(b, "}");
}

int tally_template_to_json(const tally_template *t, char **out, size_t *len)
{
	tally__buf b = TALLY__BUF_INIT;
	tally__template_write(t, &b, 0);
	char *s = tally__buf_detach(&b, len);
	if (!s)
		return TALLY_ENOMEM;
	*out = s;
	return TALLY_OK;
}
