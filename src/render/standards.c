/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standards.c: what the NIST ERR and OASIS EML exports share: the choice of
 * format, identifiers that are valid XML names, which protocol lines have a
 * place in the formats, and the numbers each level reports.
 */
#include "render/standards.h"

#include <string.h>

bool render_std_format_parse(const char *name, render_std_format *out)
{
	static const struct { const char *name; render_std_format f; } t[] = {
		{"nist-err-json", RENDER_ERR_JSON},
		{"nist-err-xml", RENDER_ERR_XML},
		{"eml-510", RENDER_EML_510},
		{"eml-520", RENDER_EML_520},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].name, name) == 0) {
			*out = t[i].f;
			return true;
		}
	return false;
}

int render_standard(FILE *f, const tally_results *r, render_std_format fmt,
                    const render_std_opts *o, uint64_t *replaced)
{
	uint64_t rep = 0;
	int rc;
	switch (fmt) {
	case RENDER_ERR_JSON: rc = render_err(f, r, true, o, &rep); break;
	case RENDER_ERR_XML: rc = render_err(f, r, false, o, &rep); break;
	case RENDER_EML_510: rc = render_eml(f, r, 510, o, &rep); break;
	default: rc = render_eml(f, r, 520, o, &rep); break;
	}
	if (replaced)
		*replaced = rep;
	return rc;
}

const char *std_id(char buf[STD_ID_MAX], const char *prefix, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(prefix);
	if (n > STD_ID_MAX - 1)
		n = STD_ID_MAX - 1;
	memcpy(buf, prefix, n);
	for (const unsigned char *p = (const unsigned char *)id; *p && n + 4 < STD_ID_MAX; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-') {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '_';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
	return buf;
}

void std_lines_init(const tally_template *t, std_lines *out)
{
	memset(out, 0, sizeof *out);
	out->valid = -1;
	for (uint32_t i = 0; i < t->n_relations && out->valid < 0; i++) {
		const tally_relation *rel = &t->relations[i];
		if (rel->op != TALLY_REL_EQ || rel->lhs.n_terms != 1 || rel->rhs.n_terms != 1 ||
		    rel->lhs.terms[0].coef != 1 || rel->rhs.terms[0].coef != 1)
			continue;
		uint32_t a = rel->lhs.terms[0].line, b = rel->rhs.terms[0].line;
		if (a != TALLY_LINE_CANDIDATES && b == TALLY_LINE_CANDIDATES)
			out->valid = (int)a;
		else if (b != TALLY_LINE_CANDIDATES && a == TALLY_LINE_CANDIDATES)
			out->valid = (int)b;
	}
	for (uint32_t i = 0; i < t->n_lines && i < TALLY_MAX_LINES; i++) {
		const char *k = t->lines[i].key;
		if (strcmp(k, "invalid") == 0 || strncmp(k, "invalid_", 8) == 0) {
			out->rejected[i] = true;
			out->n_rejected++;
		}
	}
}

static uint64_t eval_u64(const tally_expr *x, const uint64_t *lines, uint64_t cand)
{
	int64_t v = tally_expr_eval(x, lines, cand);
	return v > 0 ? (uint64_t)v : 0;
}

static void fill(const tally_template *t, const std_lines *L, const uint64_t *lines,
                 uint64_t valid, uint64_t registered_def, std_counts *out)
{
	out->valid = valid;
	out->rejected = 0;
	for (uint32_t i = 0; i < t->n_lines; i++)
		if (L->rejected[i])
			out->rejected += lines[i];
	out->counted = out->valid + out->rejected;
	out->cast = eval_u64(&t->ballots_cast, lines, valid);
	out->registered = t->registered.n_terms ? eval_u64(&t->registered, lines, valid)
	                                        : registered_def;
}

void std_station_counts(const tally_results *r, const std_lines *L, uint32_t st,
                        const uint32_t *v, std_counts *out)
{
	const tally_election *e = r->e;
	const tally_template *t = e->tmpl;
	uint64_t lines[TALLY_MAX_LINES];
	uint64_t valid = 0;
	uint32_t nc = e->constituencies[e->stations[st].constituency].n_candidates;
	for (uint32_t i = 0; i < t->n_lines; i++)
		lines[i] = v[i];
	for (uint32_t i = 0; i < nc; i++)
		valid += v[t->n_lines + i];
	fill(t, L, lines, valid, e->stations[st].registered, out);
}

void std_constituency_counts(const tally_results *r, const std_lines *L, uint32_t c,
                             std_counts *out)
{
	const tally_constituency_result *cr = &r->cons[c];
	fill(r->e->tmpl, L, cr->lines, cr->valid, 0, out);
	/* the sums of the roles as the count made them, station by station */
	out->cast = cr->ballots_cast;
	out->registered = cr->registered_lines;
}

void std_nation_counts(const tally_results *r, const std_lines *L, std_counts *out)
{
	fill(r->e->tmpl, L, r->lines, r->valid, 0, out);
	out->cast = r->ballots_cast;
	out->registered = r->registered_lines;
}

bool std_station_counted(const tally_results *r, uint32_t st)
{
	const tally_station_result *sr = &r->st[st];
	return sr->reported && !sr->annulled &&
	       !r->cons[r->e->stations[st].constituency].annulled;
}

bool std_constituency_complete(const tally_results *r, uint32_t c)
{
	const tally_constituency_result *cr = &r->cons[c];
	return cr->annulled || cr->reported + cr->invalid_stations >= cr->stations;
}

bool std_rule_is_list(const tally_election *e)
{
	return strcmp(e->system.rule, "plurality") != 0 && strcmp(e->system.rule, "none") != 0;
}

const char *std_outcome_code(tally_outcome o)
{
	return o == TALLY_OUT_NO_CANDIDATES ? "no-candidates" : tally_outcome_name(o);
}
