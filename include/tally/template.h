/* SPDX-License-Identifier: Apache-2.0 */
/*
 * template.h: protocol templates as data. A template is the ordered list of
 * lines a polling-station protocol carries (key and label), the linear
 * control relations between them (=, <=, >=; each with a code and a
 * severity), and the roles some lines play in counting (which expression is
 * "voters who received ballots", which is "voters on the list"). Votes per
 * candidate follow the fixed lines; in relations they are summed by the
 * pseudo-line "candidates".
 *
 * Presets (tally_template_preset): "az-mm" (Azerbaijan, Election Code art.
 * 100.2), "ru-20fz" (Russia, 20-FZ appendix 5), "ru-19fz" (presidential 2018
 * numbering, same relations), "pl-pkw" (Poland, PKW protocol). docs/formats.md
 * documents the JSON form and every preset's lines and relations.
 */
#ifndef TALLY_TEMPLATE_H
#define TALLY_TEMPLATE_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A term's line index when the term stands for the sum of all candidate
 * votes of the protocol. */
#define TALLY_LINE_CANDIDATES UINT32_MAX

typedef enum tally_rel_op { TALLY_REL_EQ, TALLY_REL_LE, TALLY_REL_GE } tally_rel_op;
typedef enum tally_severity { TALLY_SEV_ERROR, TALLY_SEV_WARNING } tally_severity;

typedef struct tally_term {
	int32_t coef;    /* non-zero, |coef| <= TALLY_MAX_COEF */
	uint32_t line;   /* index into lines, or TALLY_LINE_CANDIDATES */
} tally_term;

/* A linear expression: sum of coef * line. */
typedef struct tally_expr {
	tally_term *terms;
	uint32_t n_terms;
} tally_expr;

typedef struct tally_relation {
	char *code;          /* "AZ01"; unique within the template */
	char *text;          /* the relation as written: "a + b = c" */
	char *description;   /* for people; may be empty */
	tally_severity severity;
	tally_rel_op op;
	tally_expr lhs, rhs;
} tally_relation;

/* A line's label in one language (for printed protocols). */
typedef struct tally_line_label {
	char *lang;   /* a BCP 47 language tag: "az", "ru", "az-Cyrl" */
	char *label;
} tally_line_label;

typedef struct tally_line {
	char *key;    /* [a-z0-9_]+, unique, not "candidates" */
	char *label;  /* for people (the presets: English) */
	/* Optional labels in other languages, each language once, in the order
	 * given (docs/formats.md section 2.1); n_labels may be 0. */
	tally_line_label *labels;
	uint32_t n_labels;
} tally_line;

typedef struct tally_template {
	char *preset;        /* the preset this came from, or NULL if written out */
	char *name;
	tally_line *lines;
	uint32_t n_lines;
	tally_relation *relations;
	uint32_t n_relations;
	/* Roles, as expressions over the lines. "registered" may be empty, in
	 * which case the station's registered voters from the definition count. */
	tally_expr ballots_cast; /* voters who received ballots: the turnout numerator */
	tally_expr registered;   /* voters on the list at the close */
	char *ballots_cast_text;
	char *registered_text;
} tally_template;

/* tally_template_preset builds the named preset into "*out" (caller frees with
 * tally_template_free). Errors: TALLY_ENOTFOUND (code D012) for an unknown
 * name, TALLY_ENOMEM. */
TALLY_API int tally_template_preset(const char *name, tally_template **out, tally_error *err);

/* tally_template_preset_names returns a NULL-terminated static list. */
TALLY_API const char *const *tally_template_preset_names(void);

/* tally_template_free releases a template; NULL is a no-op. */
TALLY_API void tally_template_free(tally_template *t);

/* tally_line_label_for returns line "i"'s label in language "lang" (an
 * exact tag, else its primary language: "az" for "az-Latn"), or its default
 * label when it has none in that language. Owned by the template. */
TALLY_API const char *tally_line_label_for(const tally_template *t, uint32_t i, const char *lang);

/* tally_template_line returns the index of line "key", or -1. */
TALLY_API int tally_template_line(const tally_template *t, const char *key);

/* tally_expr_parse parses "text" (for example "a + 2*b - candidates") against
 * the lines of "t" into "*out" (caller frees out->terms with tally_free).
 * Errors: TALLY_EINVAL with code D013 (syntax) or D014 (unknown line). */
TALLY_API int tally_expr_parse(const tally_template *t, const char *text, tally_expr *out,
                               tally_error *err);

/* tally_expr_eval evaluates "e" over the line values and the candidate sum.
 * Values are bounded by TALLY_MAX_COUNT, so the sum cannot overflow. */
TALLY_API int64_t tally_expr_eval(const tally_expr *e, const uint64_t *lines, uint64_t cand_sum);

/* tally_template_finish checks a template assembled by hand or by the
 * definition parser (unique keys and codes, limits) and parses relation and
 * role texts. "where" prefixes error locations. */
TALLY_API int tally_template_finish(tally_template *t, const char *where, tally_error *err);

/* tally_template_to_json writes the template as it appears in a definition:
 * the preset's name as a JSON string when t->preset is set, else the full
 * object. "*out" is NUL-terminated, freed with tally_free. */
TALLY_API int tally_template_to_json(const tally_template *t, char **out, size_t *len);

/* tally_template_from_json parses what tally_template_to_json writes (a
 * preset name in quotes, or an object). Errors as the definition parser's
 * for its "template" member (D002-D004, D012-D014). */
TALLY_API int tally_template_from_json(const char *buf, size_t len, const char *where,
                                       tally_template **out, tally_error *err);

#ifdef __cplusplus
}
#endif
#endif
