/* SPDX-License-Identifier: Apache-2.0 */
/*
 * import.c: real polling-station data into tally (import.h). A column map
 * (a preset, or JSON) says which columns of a station CSV make the station
 * id, name, area and constituency, which column holds each line of the
 * protocol template, and which columns are candidates. tally_import_csv
 * reads the file in one pass with the CSV reader (csv.c), builds the
 * election through the model's builder (one party per candidate column, one
 * candidate per party in each constituency), then fills one protocol per
 * station and checks it against the template's relations. A station that
 * breaks a relation is kept and counted; a row that cannot be read stops the
 * import with its row number (the header is row 1): a file is taken whole or
 * not at all.
 *
 * ==== The column map as JSON (tally_import_map_parse) ====
 *
 *   {
 *     "name":            "my-map",        optional; names the map
 *     "delimiter":       ";",             optional; ",", ";", "\t", or "" to guess
 *     "election_id":     "ru-2018",       optional; default "import"
 *     "election_name":   "...",           optional; default "Imported election"
 *     "date":            "2018-03-18",    optional; default "1970-01-01"
 *     "body":            "...",           optional; the electoral body
 *     "template":        "ru-19fz",       required; a template preset (M005 if unknown)
 *     "station":         ["#region", "uik"],
 *                                         required; the columns whose values, joined
 *                                         with "/", make the station id. A column
 *                                         written "#col" contributes the 1-based index
 *                                         of its value in order of first appearance
 *                                         (for long values such as region names).
 *     "station_name":    ["region", "tik", "УИК {uik}"],
 *                                         optional, at most 4; the parts, joined with
 *                                         ", " (empty parts left out), make the name.
 *                                         A part with "{col}" in it is text in which
 *                                         each {col} is replaced by that column's
 *                                         value; otherwise it names a column. The
 *                                         name is cut to 512 bytes; default: the id.
 *     "constituency":    "col",           optional; default: one national constituency
 *     "area":            "col",           optional; the station's area
 *     "lines":           ["col", ...],    required; one column per template line, in
 *                                         template order (M006 if the count differs)
 *     "candidates":      ["col", ...],    the candidate columns, or
 *     "candidates_from": "col",           every column from this one to the last,
 *                                         except those in "skip" (one of the two
 *                                         is required)
 *     "skip":            ["url"],         optional; columns left out of "candidates_from"
 *     "registered_line": "voters_on_list",
 *                                         optional; the template line whose value is
 *                                         the station's registered voters (default:
 *                                         none, registered = 0)
 *     "rule":            "none",          optional; the system rule (default "none")
 *     "seats":           1                optional; seats of the single national
 *                                         constituency (default 1)
 *   }
 *
 * Errors of the map: M001 malformed JSON (or a key given twice), M002 a value
 * of the wrong type (or out of range), M003 a required key missing, M004 an
 * unknown key, M005 an unknown template preset, M006 a map that does not fit
 * its template (line count, or a registered_line that is no line).
 *
 * ==== Decisions about the data ====
 *
 *   - Cells: a count is a decimal integer from 0 to TALLY_MAX_COUNT, spaces
 *     around it allowed. An empty cell is an error (C004): a protocol line
 *     that is blank is not known to be zero. A cell "-" is read as 0: it is
 *     the official-statistics sign for "nil", and the PKW's 2020 file uses
 *     it for the four stations abroad where no vote took place (every count
 *     of those rows is "-").
 *   - Station ids must be tally ids (1-64 of A-Z a-z 0-9 . _ - : / @); a value
 *     that makes an invalid id is C006. An empty component is kept (the four
 *     PKW stations without a TERYT code get ids such as "/53").
 *   - Station type: if the file has a column "Typ obwodu" (PKW), "station_type"
 *     or "type" that the map does not use otherwise, its values give the
 *     type: "stały"/"ordinary" ordinary, "zagranica"/"abroad" abroad,
 *     "mobile" mobile, anything else non-empty (hospitals, prisons, ships,
 *     student houses) special. tally_import_map has no field to name that
 *     column, hence the fixed names.
 *   - With a constituency column, each distinct value is a constituency of
 *     magnitude 1 (the election's seats are their number); its id is the
 *     value when that is a valid id of at most 48 bytes, else "K<n>" (n in
 *     order of first appearance); its candidates are copies of the parties'
 *     candidates with ids "<party>@<constituency>".
 */
#include "json_int.h"
#include "model_int.h"

/* ==== Small helpers ==== */

typedef struct ablock {
	struct ablock *next;
	size_t used, cap;
	char data[];
} ablock;

/* arena_dup copies "n" bytes of "s" with a NUL into the arena (NULL on OOM). */
static char *arena_dup(ablock **a, const char *s, size_t n)
{
	ablock *b = *a;
	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > 65536 ? n + 1 : 65536;
		ablock *nb = tally_malloc(sizeof *nb + cap);
		if (!nb)
			return NULL;
		nb->next = b;
		nb->used = 0;
		nb->cap = cap;
		*a = b = nb;
	}
	char *d = b->data + b->used;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

static void arena_free(ablock *b)
{
	while (b) {
		ablock *next = b->next;
		tally_free(b);
		b = next;
	}
}

/* utf8_cut returns the largest length <= max that does not split a UTF-8
 * sequence of s[0..n). */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Appends up to the room left in buf (size "cap", NUL kept), cutting at a
 * UTF-8 boundary. */
static void text_add(char *buf, size_t *len, size_t cap, const char *s, size_t n)
{
	size_t room = cap - 1 - *len;
	n = utf8_cut(s, n, room);
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

static char *xstrdup(const char *s)
{
	return s ? tally_strdup(s) : NULL;
}

/* ==== Presets ==== */

typedef struct preset_def {
	const char *name, *election_id, *election_name, *date, *body, *tmpl;
	char delim;
	const char *station[3];
	const char *constituency, *area;
	const char *names[5];
	const char *const *lines;
	const char *cand_from;
	const char *skip[3];
	const char *registered_line;
} preset_def;

/* Presidential election 2018 (Shpilkin's scrape of the CEC's site): the
 * twelve lines of the 19-FZ protocol as numbered in 2018, in order. */
static const char *const ru2018_lines[] = {
	"Число избирателей, включенных в список избирателей",
	"Число избирательных бюллетеней, полученных участковой избирательной комиссией",
	"Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
	"Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
	"Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
	"Число погашенных избирательных бюллетеней",
	"Число избирательных бюллетеней в переносных ящиках для голосования",
	"Число бюллетеней в стационарных ящиках для голосования",
	"Число недействительных избирательных бюллетеней",
	"Число действительных избирательных бюллетеней",
	"Число утраченных избирательных бюллетеней",
	"Число избирательных бюллетеней, не учтенных при получении",
	NULL};

/* State Duma 2011. Its protocol has the same first ten lines, then six
 * lines about absentee certificates (received, issued at the station, voted
 * with them, cancelled, issued by the territorial commission, lost), then
 * lost ballots and ballots not accounted for on receipt. The ru-20fz
 * template's lines 1-10 take the first ten columns, "lost" and
 * "unaccounted" the last two; the certificate lines have no template line
 * and are not read (they enter none of the 20-FZ control relations on
 * ballots, and absentee voters' ballots are already counted in line 4). */
static const char *const ru2011_lines[] = {
	"Число избирателей, внесенных в список избирателей",
	"Число избирательных бюллетеней, полученных участковой избирательной комиссией",
	"Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
	"Число избирательных бюллетеней, выданных избирателям в помещении для голосования",
	"Число избирательных бюллетеней, выданных избирателям вне помещения для голосования",
	"Число погашенных избирательных бюллетеней",
	"Число избирательных бюллетеней в переносных ящиках для голосования",
	"Число избирательных бюллетеней в стационарных ящиках для голосования",
	"Число недействительных избирательных бюллетеней",
	"Число действительных избирательных бюллетеней",
	"Число утраченных избирательных бюллетеней",
	"Число избирательных бюллетеней, не учтенных при получении",
	NULL};

/* PKW presidential 2020, per station: the pl-pkw template's lines. */
static const char *const pl2020_lines[] = {
	"Komisje obwodowe otrzymały kart do głosowania",
	"Liczba wyborców uprawnionych do głosowania",
	"Nie wykorzystano kart do głosowania",
	"Liczba wyborców, którym wydano karty do głosowania",
	"Liczba wyborców głosujących przez pełnomocnika",
	"Liczba wyborców głosujących na podstawie zaświadczenia o prawie do głosowania",
	"Liczba wyborców, którym wysłano pakiety wyborcze",
	"Liczba otrzymanych kopert zwrotnych",
	"Liczba kopert na kartę do głosowania wrzuconych do urny",
	"Liczba kart wyjętych z urny",
	"W tym liczba kart wyjętych z kopert na kartę do głosowania",
	"Liczba kart nieważnych",
	"Liczba kart ważnych",
	"Liczba głosów nieważnych",
	"Liczba głosów ważnych oddanych łącznie na wszystkich kandydatów",
	NULL};

static const preset_def presets[] = {
	{"ru-2018", "ru-2018", "Presidential election of the Russian Federation 2018",
	 "2018-03-18", "Central Election Commission of the Russian Federation", "ru-19fz", ',',
	 {"#region", "uik", NULL}, NULL, "region", {"region", "tik", "УИК {uik}", NULL, NULL},
	 ru2018_lines, "Бабурин Сергей Николаевич", {"url", NULL, NULL}, "voters_on_list"},
	{"ru-2011", "ru-2011", "Election of the State Duma of the Russian Federation 2011",
	 "2011-12-04", "Central Election Commission of the Russian Federation", "ru-20fz", ',',
	 {"#region", "uik", NULL}, NULL, "region", {"region", "tik", "УИК {uik}", NULL, NULL},
	 ru2011_lines, "1. Политическая партия СПРАВЕДЛИВАЯ РОССИЯ", {"url", NULL, NULL},
	 "voters_on_list"},
	{"pl-2020", "pl-2020-r1", "Presidential election of the Republic of Poland 2020, round 1",
	 "2020-06-28", "Państwowa Komisja Wyborcza", "pl-pkw", ';',
	 {"Kod TERYT", "Numer obwodu", NULL}, NULL, "Województwo",
	 {"Gmina", "obwód nr {Numer obwodu}", "Siedziba", NULL, NULL}, pl2020_lines,
	 "Robert BIEDROŃ", {NULL, NULL, NULL}, "eligible"},
};

const char *const *tally_import_map_preset_names(void)
{
	static const char *const names[] = {"ru-2018", "ru-2011", "pl-2020", NULL};
	return names;
}

/* dup_list copies a NULL-terminated list (or its first "max" entries). */
static char **dup_list(const char *const *src, size_t max, uint32_t *n, bool *oom)
{
	size_t k = 0;
	while (k < max && src[k])
		k++;
	*n = (uint32_t)k;
	char **v = tally_calloc(k ? k : 1, sizeof *v);
	if (!v) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < k; i++)
		if (!(v[i] = tally_strdup(src[i])))
			*oom = true;
	return v;
}

void tally_import_map_free(tally_import_map *m)
{
	if (!m)
		return;
	tally_free(m->name);
	tally_free(m->election_id);
	tally_free(m->election_name);
	tally_free(m->date);
	tally_free(m->body);
	tally_free(m->template_preset);
	for (uint32_t i = 0; m->station_cols && i < m->n_station_cols; i++)
		tally_free(m->station_cols[i]);
	tally_free(m->station_cols);
	tally_free(m->constituency_col);
	tally_free(m->area_col);
	for (uint32_t i = 0; i < m->n_name_cols && i < 4; i++)
		tally_free(m->name_cols[i]);
	for (uint32_t i = 0; m->line_cols && i < m->n_line_cols; i++)
		tally_free(m->line_cols[i]);
	tally_free(m->line_cols);
	for (uint32_t i = 0; m->cand_cols && i < m->n_cand_cols; i++)
		tally_free(m->cand_cols[i]);
	tally_free(m->cand_cols);
	for (uint32_t i = 0; m->skip_cols && i < m->n_skip_cols; i++)
		tally_free(m->skip_cols[i]);
	tally_free(m->skip_cols);
	tally_free(m->registered_line);
	tally_free(m->rule);
	tally_free(m);
}

int tally_import_map_preset(const char *name, tally_import_map **out, tally_error *err)
{
	const preset_def *d = NULL;
	tally_import_map *m = NULL;
	bool oom = false;
	int rc = TALLY_OK;

	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
		if (name && strcmp(presets[i].name, name) == 0)
			d = &presets[i];
	if (!d) {
		rc = tally_error_set(err, TALLY_ENOTFOUND, "M005", name ? name : "",
		                     "unknown import preset '%s' (known: ru-2018, ru-2011, pl-2020)",
		                     name ? name : "");
		goto out;
	}
	if (!(m = tally_calloc(1, sizeof *m))) {
		oom = true;
		goto out;
	}
	m->name = xstrdup(d->name);
	m->delim = d->delim;
	m->election_id = xstrdup(d->election_id);
	m->election_name = xstrdup(d->election_name);
	m->date = xstrdup(d->date);
	m->body = xstrdup(d->body);
	m->template_preset = xstrdup(d->tmpl);
	m->station_cols = dup_list(d->station, 3, &m->n_station_cols, &oom);
	m->constituency_col = xstrdup(d->constituency);
	m->area_col = xstrdup(d->area);
	for (uint32_t i = 0; i < 4 && d->names[i]; i++) {
		if (!(m->name_cols[i] = tally_strdup(d->names[i])))
			oom = true;
		m->n_name_cols = i + 1;
	}
	m->line_cols = dup_list(d->lines, TALLY_MAX_LINES, &m->n_line_cols, &oom);
	const char *from[2] = {d->cand_from, NULL};
	m->cand_cols = dup_list(from, 1, &m->n_cand_cols, &oom);
	m->cand_rest = true;
	m->skip_cols = dup_list(d->skip, 3, &m->n_skip_cols, &oom);
	m->registered_line = xstrdup(d->registered_line);
	m->rule = xstrdup("none");
	m->seats = 1;
	if (!m->name || !m->election_id || !m->election_name || !m->date || !m->body ||
	    !m->template_preset || !m->area_col || !m->registered_line || !m->rule)
		oom = true;
out:
	if (oom) {
		tally_import_map_free(m);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	if (rc == TALLY_OK)
		*out = m;
	return rc;
}

/* ==== The map as JSON ==== */

/* str_list reads an array of strings (at most "max") at obj[key]. */
static int str_list(const json_t *obj, const char *key, bool required, size_t max,
                    const char *file, char ***out, uint32_t *n, tally_error *err)
{
	json_t *arr = NULL;
	char p[256];
	int rc = tj_arr(obj, key, required, file, &tj_map_codes, &arr, err);
	if (rc || !arr)
		return rc;
	size_t k = json_array_size(arr);
	if (k == 0 || k > max)
		return tally_error_set(err, TALLY_EINVAL, "M002", tj_path_key(p, sizeof p, file, key),
		                       "'%s' must list 1 to %zu columns", key, max);
	char **v = tally_calloc(k, sizeof *v);
	if (!v)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	*out = v; /* owned by the map from here on, so a failure below frees it */
	*n = (uint32_t)k;
	for (size_t i = 0; i < k; i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s)) {
			char q[256];
			return tally_error_set(err, TALLY_EINVAL, "M002",
			                       tj_path_idx(q, sizeof q,
			                                   tj_path_key(p, sizeof p, file, key), i),
			                       "'%s' must list column names (strings)", key);
		}
		if (!(v[i] = tally_strdup(json_string_value(s))))
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	return TALLY_OK;
}

static int str_key(const json_t *obj, const char *key, bool required, const char *file,
                   char **out, tally_error *err)
{
	const char *s = NULL;
	int rc = tj_str(obj, key, required, TALLY_MAX_CSV_FIELD, file, &tj_map_codes, &s, err);
	if (rc == TALLY_ELIMIT) {
		char p[256];
		return tally_error_set(err, TALLY_EINVAL, "M002", tj_path_key(p, sizeof p, file, key),
		                       "'%s' is too long", key);
	}
	if (rc || !s)
		return rc;
	if (!(*out = tally_strdup(s)))
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	return TALLY_OK;
}

int tally_import_map_parse(const char *buf, size_t len, const char *file,
                           tally_import_map **out, tally_error *err)
{
	static const char *const keys[] = {
		"name", "delimiter", "election_id", "election_name", "date", "body", "template",
		"station", "station_name", "constituency", "area", "lines", "candidates",
		"candidates_from", "skip", "registered_line", "rule", "seats", NULL};
	json_t *root = NULL;
	tally_import_map *m = NULL;
	tally_template *t = NULL;
	char *delim = NULL, *from = NULL;
	char **names = NULL;
	uint32_t n_names = 0;
	uint64_t seats = 1;
	char p[256];
	const char *path = "$";
	int rc;

	if ((rc = tj_load(buf, len, file, &tj_map_codes, &root, err)))
		goto out;
	if (!json_is_object(root)) {
		rc = tally_error_set(err, TALLY_EINVAL, "M002", path, "a column map is a JSON object");
		goto out;
	}
	if ((rc = tj_keys(root, keys, path, &tj_map_codes, err)))
		goto out;
	if (!(m = tally_calloc(1, sizeof *m))) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	if ((rc = str_key(root, "name", false, path, &m->name, err)) ||
	    (rc = str_key(root, "delimiter", false, path, &delim, err)) ||
	    (rc = str_key(root, "election_id", false, path, &m->election_id, err)) ||
	    (rc = str_key(root, "election_name", false, path, &m->election_name, err)) ||
	    (rc = str_key(root, "date", false, path, &m->date, err)) ||
	    (rc = str_key(root, "body", false, path, &m->body, err)) ||
	    (rc = str_key(root, "template", true, path, &m->template_preset, err)) ||
	    (rc = str_list(root, "station", true, 8, path, &m->station_cols, &m->n_station_cols,
	                   err)) ||
	    (rc = str_list(root, "station_name", false, 4, path, &names, &n_names, err)) ||
	    (rc = str_key(root, "constituency", false, path, &m->constituency_col, err)) ||
	    (rc = str_key(root, "area", false, path, &m->area_col, err)) ||
	    (rc = str_list(root, "lines", true, TALLY_MAX_LINES, path, &m->line_cols,
	                   &m->n_line_cols, err)) ||
	    (rc = str_list(root, "candidates", false, TALLY_MAX_CANDIDATES, path, &m->cand_cols,
	                   &m->n_cand_cols, err)) ||
	    (rc = str_key(root, "candidates_from", false, path, &from, err)) ||
	    (rc = str_list(root, "skip", false, TALLY_MAX_CSV_FIELDS, path, &m->skip_cols,
	                   &m->n_skip_cols, err)) ||
	    (rc = str_key(root, "registered_line", false, path, &m->registered_line, err)) ||
	    (rc = str_key(root, "rule", false, path, &m->rule, err)) ||
	    (rc = tj_u64(root, "seats", false, 1, TALLY_MAX_SEATS, path, &tj_map_codes, &seats,
	                 err)))
		goto out;
	m->seats = (uint32_t)seats;
	for (uint32_t i = 0; i < n_names; i++) {
		m->name_cols[i] = names[i];
		names[i] = NULL;
	}
	m->n_name_cols = n_names;
	if (delim) {
		if (strlen(delim) > 1 || (*delim && *delim != ',' && *delim != ';' && *delim != '\t')) {
			rc = tally_error_set(err, TALLY_EINVAL, "M002",
			                     tj_path_key(p, sizeof p, path, "delimiter"),
			                     "the delimiter must be \",\", \";\", \"\\t\" or \"\"");
			goto out;
		}
		m->delim = *delim;
	}
	if (m->cand_cols && from) {
		rc = tally_error_set(err, TALLY_EINVAL, "M002",
		                     tj_path_key(p, sizeof p, path, "candidates_from"),
		                     "give either 'candidates' or 'candidates_from', not both");
		goto out;
	}
	if (!m->cand_cols && !from) {
		rc = tally_error_set(err, TALLY_EINVAL, "M003",
		                     tj_path_key(p, sizeof p, path, "candidates"),
		                     "missing required key 'candidates' (or 'candidates_from')");
		goto out;
	}
	if (from) {
		if (!(m->cand_cols = tally_calloc(1, sizeof *m->cand_cols))) {
			rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
			goto out;
		}
		m->cand_cols[0] = from;
		m->n_cand_cols = 1;
		m->cand_rest = true;
		from = NULL;
	}
	/* the template must exist and have as many lines as the map lists */
	if ((rc = tally_template_preset(m->template_preset, &t, NULL)) == TALLY_ENOMEM) {
		rc = tally_error_set(err, rc, "", NULL, "out of memory");
		goto out;
	}
	if (rc) {
		rc = tally_error_set(err, TALLY_EINVAL, "M005", tj_path_key(p, sizeof p, path, "template"),
		                     "unknown template preset '%s'", m->template_preset);
		goto out;
	}
	if (t->n_lines != m->n_line_cols) {
		rc = tally_error_set(err, TALLY_EINVAL, "M006", tj_path_key(p, sizeof p, path, "lines"),
		                     "template '%s' has %u lines, the map lists %u columns",
		                     m->template_preset, t->n_lines, m->n_line_cols);
		goto out;
	}
	if (m->registered_line && *m->registered_line &&
	    tally_template_line(t, m->registered_line) < 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "M006",
		                     tj_path_key(p, sizeof p, path, "registered_line"),
		                     "'%s' is not a line of template '%s'", m->registered_line,
		                     m->template_preset);
		goto out;
	}
	rc = TALLY_OK;
out:
	for (uint32_t i = 0; i < n_names; i++)
		tally_free(names ? names[i] : NULL);
	tally_free(names);
	tally_free(delim);
	tally_free(from);
	tally_template_free(t);
	json_decref(root);
	if (rc) {
		tally_import_map_free(m);
		return rc;
	}
	*out = m;
	return TALLY_OK;
}

/* ==== Import ==== */

/* A piece of a station name: literal text, then a column's value (or none). */
typedef struct seg {
	const char *lit;
	size_t lit_len;
	uint32_t col;     /* TALLY_NONE: text only */
	uint32_t part;    /* which name part it belongs to */
} seg;

/* A component of the station id. */
typedef struct idpart {
	uint32_t col;
	bool numbered;     /* "#col": the value's index in order of first appearance */
	tally__map seen;   /* value -> index, for numbered parts */
} idpart;

typedef struct importer {
	const tally_import_map *m;
	const char *file;
	tally_csv csv;
	ablock *arena;
	tally__map header;          /* column name -> index */
	char **names;               /* column names (in the arena) */
	size_t n_cols;
	idpart ids[8];
	uint32_t n_ids;
	seg segs[64];
	uint32_t n_segs, n_parts;
	uint32_t cons_col, area_col, type_col;
	uint32_t line_col[TALLY_MAX_LINES];
	uint32_t n_lines;
	uint32_t *cand_col;
	uint32_t n_cand;
	int reg_line;               /* template line of registered voters, or -1 */
	tally__map cons;            /* constituency value -> constituency index */
	uint64_t *vals;             /* n_lines + n_cand per station; becomes the
	                             * import's protocol block */
	size_t n_vals, cap_vals;
	tally_election *e;
	uint32_t contest;
} importer;

static const char *fname(const importer *im)
{
	return im->file ? im->file : "input";
}

static int col_error(importer *im, tally_error *err, const char *code, uint32_t col,
                     const char *msg)
{
	char where[256];
	snprintf(where, sizeof where, "%s: row %llu, column '%s'", fname(im),
	         (unsigned long long)im->csv.record, im->names[col]);
	return tally_error_set(err, TALLY_EINVAL, code, where, "%s", msg);
}

/* find resolves a column name; a missing column is C003. */
static int find(importer *im, const char *name, size_t len, const char *role, uint32_t *col,
                 tally_error *err)
{
	uint32_t c = tally__map_getn(&im->header, name, len);
	if (c == TALLY_NONE) {
		char where[256];
		snprintf(where, sizeof where, "%s: row 1", fname(im));
		return tally_error_set(err, TALLY_EINVAL, "C003", where,
		                       "missing column '%.*s' (%s) in the header", (int)len, name, role);
	}
	*col = c;
	return TALLY_OK;
}

static int read_header(importer *im, tally_error *err)
{
	char where[256];
	int rc = tally_csv_next(&im->csv, err);
	if (rc < 0)
		return rc;
	snprintf(where, sizeof where, "%s: row 1", fname(im));
	if (rc == 0)
		return tally_error_set(err, TALLY_EINVAL, "C003", where,
		                       "the file is empty: a header row is needed");
	im->n_cols = im->csv.n_fields;
	if (!(im->names = tally_calloc(im->n_cols, sizeof *im->names)))
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	for (size_t i = 0; i < im->n_cols; i++) {
		const tally_csv_field *f = &im->csv.fields[i];
		uint32_t prev = 0;
		if (!(im->names[i] = arena_dup(&im->arena, f->s, f->len)))
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		rc = tally__map_put(&im->header, im->names[i], (uint32_t)i, &prev);
		if (rc == TALLY_EEXIST)
			return tally_error_set(err, TALLY_EINVAL, "C005", where,
			                       "column '%s' appears twice (columns %u and %zu)",
			                       im->names[i], prev + 1, i + 1);
		if (rc)
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	return TALLY_OK;
}

/* parse_name splits a station_name part into segments ("УИК {uik}"). */
static int parse_name(importer *im, const char *pat, uint32_t part, tally_error *err)
{
	int rc;
	if (!strchr(pat, '{')) {
		if (im->n_segs >= 64)
			goto too_many;
		seg *s = &im->segs[im->n_segs++];
		s->lit = "";
		s->lit_len = 0;
		s->part = part;
		return find(im, pat, strlen(pat), "station name", &s->col, err);
	}
	const char *p = pat;
	while (*p) {
		const char *open = strchr(p, '{');
		if (im->n_segs >= 64)
			goto too_many;
		seg *s = &im->segs[im->n_segs++];
		s->lit = p;
		s->part = part;
		s->col = TALLY_NONE;
		if (!open) {
			s->lit_len = strlen(p);
			break;
		}
		s->lit_len = (size_t)(open - p);
		const char *close = strchr(open, '}');
		if (!close)
			return tally_error_set(err, TALLY_EINVAL, "M002", "$.station_name",
			                       "'{' without '}' in station name part '%s'", pat);
		if ((rc = find(im, open + 1, (size_t)(close - open - 1), "station name", &s->col,
		               err)))
			return rc;
		p = close + 1;
	}
	return TALLY_OK;
too_many:
	return tally_error_set(err, TALLY_ELIMIT, "M002", "$.station_name",
	                       "too many column references in the station name");
}

static bool used_col(const importer *im, uint32_t c)
{
	for (uint32_t i = 0; i < im->n_lines; i++)
		if (im->line_col[i] == c)
			return true;
	for (uint32_t i = 0; i < im->n_ids; i++)
		if (im->ids[i].col == c)
			return true;
	return c == im->cons_col || c == im->area_col;
}

static int resolve(importer *im, const tally_template *t, tally_error *err)
{
	const tally_import_map *m = im->m;
	int rc;

	/* station id */
	for (uint32_t i = 0; i < m->n_station_cols; i++) {
		const char *name = m->station_cols[i];
		idpart *ip = &im->ids[im->n_ids++];
		ip->numbered = name[0] == '#';
		if (ip->numbered)
			name++;
		if ((rc = find(im, name, strlen(name), "station id", &ip->col, err)))
			return rc;
	}
	for (uint32_t i = 0; i < m->n_name_cols; i++)
		if ((rc = parse_name(im, m->name_cols[i], i, err)))
			return rc;
	im->n_parts = m->n_name_cols;
	im->cons_col = im->area_col = im->type_col = TALLY_NONE;
	if (m->constituency_col && *m->constituency_col &&
	    (rc = find(im, m->constituency_col, strlen(m->constituency_col), "constituency",
	               &im->cons_col, err)))
		return rc;
	if (m->area_col && *m->area_col &&
	    (rc = find(im, m->area_col, strlen(m->area_col), "area", &im->area_col, err)))
		return rc;
	im->n_lines = t->n_lines;
	for (uint32_t i = 0; i < t->n_lines; i++)
		if ((rc = find(im, m->line_cols[i], strlen(m->line_cols[i]), t->lines[i].key,
		               &im->line_col[i], err)))
			return rc;
	/* candidates */
	if (!(im->cand_col = tally_calloc(im->n_cols, sizeof *im->cand_col)))
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	if (m->cand_rest) {
		uint32_t first;
		if ((rc = find(im, m->cand_cols[0], strlen(m->cand_cols[0]), "first candidate",
		               &first, err)))
			return rc;
		for (uint32_t c = first; c < im->n_cols; c++) {
			bool skip = false;
			for (uint32_t k = 0; k < m->n_skip_cols && !skip; k++)
				skip = strcmp(m->skip_cols[k], im->names[c]) == 0;
			if (!skip)
				im->cand_col[im->n_cand++] = c;
		}
	} else {
		if (m->n_cand_cols > im->n_cols) {
			char where[256];
			snprintf(where, sizeof where, "%s: row 1", fname(im));
			return tally_error_set(err, TALLY_EINVAL, "C003", where,
			                       "the map lists %u candidate columns, the file has %zu "
			                       "columns", m->n_cand_cols, im->n_cols);
		}
		for (uint32_t i = 0; i < m->n_cand_cols; i++)
			if ((rc = find(im, m->cand_cols[i], strlen(m->cand_cols[i]), "candidate",
			               &im->cand_col[im->n_cand++], err)))
				return rc;
	}
	if (im->n_cand == 0 || im->n_cand > TALLY_MAX_CANDIDATES ||
	    im->n_cand > TALLY_MAX_PARTIES) {
		char where[256];
		snprintf(where, sizeof where, "%s: row 1", fname(im));
		return tally_error_set(err, TALLY_ELIMIT, "C007", where,
		                       "%u candidate columns (1 to %d are allowed)", im->n_cand,
		                       TALLY_MAX_PARTIES);
	}
	/* station type, from a column of a known name that has no other use */
	static const char *const type_names[] = {"Typ obwodu", "station_type", "type", NULL};
	for (const char *const *tn = type_names; *tn && im->type_col == TALLY_NONE; tn++) {
		uint32_t c = tally__map_get(&im->header, *tn);
		bool cand = false;
		for (uint32_t k = 0; k < im->n_cand; k++)
			cand = cand || im->cand_col[k] == c;
		if (c != TALLY_NONE && !cand && !used_col(im, c))
			im->type_col = c;
	}
	return TALLY_OK;
}

static tally_station_type station_type(const tally_csv_field *f)
{
	if (f->len == 0 || tally_csv_eq(f, "stały") || tally_csv_eq(f, "ordinary"))
		return TALLY_STATION_ORDINARY;
	if (tally_csv_eq(f, "zagranica") || tally_csv_eq(f, "abroad"))
		return TALLY_STATION_ABROAD;
	if (tally_csv_eq(f, "mobile"))
		return TALLY_STATION_MOBILE;
	return TALLY_STATION_SPECIAL;
}

/* add_candidates puts one candidate per party into constituency "k". */
static int add_candidates(importer *im, uint32_t k, bool national)
{
	tally_election *e = im->e;
	char id[TALLY_MAX_ID_LEN + 16];
	int rc;
	for (uint32_t j = 0; j < im->n_cand; j++) {
		if (national)
			snprintf(id, sizeof id, "%s", e->parties[j].id);
		else
			snprintf(id, sizeof id, "%s@%s", e->parties[j].id, e->constituencies[k].id);
		if ((rc = tally_election_add_candidate(e, id, e->parties[j].name, k, TALLY_NOM_PARTY,
		                                       j, "", NULL)))
			return rc;
	}
	return TALLY_OK;
}

static int build_start(importer *im, tally_template *t, tally_error *err)
{
	const tally_import_map *m = im->m;
	char id[32], name[TALLY_MAX_NAME_LEN + 1];
	int rc;

	rc = tally_election_new(m->election_id && *m->election_id ? m->election_id : "import",
	                        m->election_name && *m->election_name ? m->election_name
	                                                              : "Imported election",
	                        m->date && *m->date ? m->date : "1970-01-01",
	                        m->body ? m->body : "", m->seats ? m->seats : 1, t, &im->e);
	if (rc) {
		tally_template_free(t);
		return tally_error_set(err, rc, "", NULL, "out of memory");
	}
	tally_election *e = im->e;
	char *rule = tally_strdup(m->rule && *m->rule ? m->rule : "none");
	if (!rule)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	tally_free(e->system.rule);
	e->system.rule = rule;
	e->double_entry = false;
	if ((rc = tally_election_add_contest(e, "main", e->name, &im->contest)))
		return tally_error_set(err, rc, "", NULL, "out of memory");
	for (uint32_t j = 0; j < im->n_cand; j++) {
		const char *h = im->names[im->cand_col[j]];
		size_t len = 0;
		name[0] = '\0';
		text_add(name, &len, sizeof name, h, strlen(h));
		snprintf(id, sizeof id, "P%u", j + 1);
		if ((rc = tally_election_add_party(e, id, name, name, "", NULL)))
			return tally_error_set(err, rc, "", NULL, "out of memory");
	}
	if (im->cons_col == TALLY_NONE) {
		uint32_t k;
		if ((rc = tally_election_add_constituency(e, "national", e->name, im->contest,
		                                          e->seats, 1, &k)) ||
		    (rc = add_candidates(im, k, true)))
			return tally_error_set(err, rc, "", NULL, "out of memory");
	}
	return TALLY_OK;
}

/* constituency returns the index of the row's constituency, adding it the
 * first time its value appears. */
static int constituency(importer *im, const tally_csv_field *f, uint32_t *out,
                        tally_error *err)
{
	tally_election *e = im->e;
	char id[32], name[TALLY_MAX_NAME_LEN + 1];
	size_t len = 0;
	uint32_t k = tally__map_getn(&im->cons, f->s, f->len);
	int rc;
	if (k != TALLY_NONE) {
		*out = k;
		return TALLY_OK;
	}
	char *key = arena_dup(&im->arena, f->s, f->len);
	if (!key)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	k = e->n_constituencies;
	name[0] = '\0';
	text_add(name, &len, sizeof name, f->s, f->len);
	snprintf(id, sizeof id, "K%u", k + 1);
	const char *cid = f->len <= 48 && tally__id_ok(key) ? key : id;
	if ((rc = tally__map_put(&im->cons, key, k, NULL)) ||
	    (rc = tally_election_add_constituency(e, cid, len ? name : cid, im->contest, 1, 1,
	                                          NULL)) ||
	    (rc = add_candidates(im, k, false)))
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	e->seats = e->n_constituencies;
	*out = k;
	return TALLY_OK;
}

/* count reads a cell as a protocol number ("-" is nil, 0). */
static int count(importer *im, uint32_t col, uint64_t *out, tally_error *err)
{
	const tally_csv_field *f = &im->csv.fields[col];
	uint64_t v;
	if (f->len == 1 && f->s[0] == '-') {
		*out = 0;
		return TALLY_OK;
	}
	if (tally_csv_u64(f, TALLY_MAX_COUNT, &v) == TALLY_OK) {
		*out = v;
		return TALLY_OK;
	}
	char val[64], msg[160];
	size_t len = 0;
	val[0] = '\0';
	text_add(val, &len, sizeof val, f->s, f->len);
	if (f->len == 0)
		snprintf(msg, sizeof msg, "an empty cell where a count is needed");
	else
		snprintf(msg, sizeof msg,
		         "'%s' is not a count (a whole number from 0 to 1,000,000,000)", val);
	return col_error(im, err, "C004", col, msg);
}

static int read_row(importer *im, tally_error *err)
{
	const tally_csv_field *f = im->csv.fields;
	tally_election *e = im->e;
	char id[TALLY_MAX_ID_LEN + 2], name[TALLY_MAX_NAME_LEN + 1], area[TALLY_MAX_NAME_LEN + 1];
	size_t idlen = 0, nlen = 0, alen = 0;
	uint32_t cons = 0;
	uint64_t *v;
	int rc;

	if (im->csv.n_fields != im->n_cols) {
		char where[256];
		snprintf(where, sizeof where, "%s: row %llu", fname(im),
		         (unsigned long long)im->csv.record);
		return tally_error_set(err, TALLY_EINVAL, "C002", where,
		                       "the row has %zu fields, the header has %zu",
		                       im->csv.n_fields, im->n_cols);
	}
	if (e->n_stations >= TALLY_MAX_STATIONS) {
		char where[256];
		snprintf(where, sizeof where, "%s: row %llu", fname(im),
		         (unsigned long long)im->csv.record);
		return tally_error_set(err, TALLY_ELIMIT, "C007", where,
		                       "more than %d stations", TALLY_MAX_STATIONS);
	}
	/* station id */
	bool id_ok = true;
	id[0] = '\0';
	for (uint32_t i = 0; i < im->n_ids && id_ok; i++) {
		idpart *ip = &im->ids[i];
		const tally_csv_field *c = &f[ip->col];
		char num[16];
		const char *s = c->s;
		size_t n = c->len;
		if (ip->numbered) {
			uint32_t k = tally__map_getn(&ip->seen, c->s, c->len);
			if (k == TALLY_NONE) {
				char *key = arena_dup(&im->arena, c->s, c->len);
				k = ip->seen.n + 1;
				if (!key || tally__map_put(&ip->seen, key, k, NULL))
					return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
			}
			n = (size_t)snprintf(num, sizeof num, "%u", k);
			s = num;
		}
		if (idlen + n + (i > 0) > TALLY_MAX_ID_LEN) {
			id_ok = false;
			break;
		}
		if (i > 0)
			id[idlen++] = '/';
		memcpy(id + idlen, s, n);
		idlen += n;
		id[idlen] = '\0';
	}
	if (!id_ok || !tally__id_ok(id)) {
		/* name the first column whose value has a character ids do not allow */
		uint32_t c = im->ids[im->n_ids - 1].col;
		for (uint32_t i = 0; i < im->n_ids; i++) {
			const tally_csv_field *cf = &f[im->ids[i].col];
			bool bad = false;
			for (size_t k = 0; k < cf->len && !im->ids[i].numbered && !bad; k++) {
				char ch = cf->s[k];
				bad = !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				        (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
				        ch == ':' || ch == '/' || ch == '@');
			}
			if (bad) {
				c = im->ids[i].col;
				break;
			}
		}
		char val[80], msg[200];
		size_t len = 0;
		val[0] = '\0';
		text_add(val, &len, sizeof val, id, idlen);
		snprintf(msg, sizeof msg,
		         "station id '%s%s' is not a valid id (1-64 characters of A-Z a-z 0-9 . _ "
		         "- : / @)", val, id_ok ? "" : "...");
		return col_error(im, err, "C006", c, msg);
	}
	/* name */
	name[0] = '\0';
	for (uint32_t part = 0, si = 0; part < im->n_parts; part++) {
		size_t start = nlen;
		if (nlen)
			text_add(name, &nlen, sizeof name, ", ", 2);
		size_t body = nlen;
		for (; si < im->n_segs && im->segs[si].part == part; si++) {
			const seg *s = &im->segs[si];
			text_add(name, &nlen, sizeof name, s->lit, s->lit_len);
			if (s->col != TALLY_NONE)
				text_add(name, &nlen, sizeof name, f[s->col].s, f[s->col].len);
		}
		if (nlen == body) { /* an empty part: leave it and its comma out */
			nlen = start;
			name[nlen] = '\0';
		}
	}
	if (!nlen)
		text_add(name, &nlen, sizeof name, id, idlen);
	area[0] = '\0';
	if (im->area_col != TALLY_NONE)
		text_add(area, &alen, sizeof area, f[im->area_col].s, f[im->area_col].len);
	if (im->cons_col != TALLY_NONE && (rc = constituency(im, &f[im->cons_col], &cons, err)))
		return rc;
	/* numbers */
	size_t per = (size_t)im->n_lines + im->n_cand;
	if (im->n_vals + per > im->cap_vals) {
		size_t cap = im->cap_vals ? im->cap_vals * 2 : per * 1024;
		uint64_t *nv = tally_realloc(im->vals, cap * sizeof *nv);
		if (!nv)
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		im->vals = nv;
		im->cap_vals = cap;
	}
	v = im->vals + im->n_vals;
	for (uint32_t i = 0; i < im->n_lines; i++)
		if ((rc = count(im, im->line_col[i], &v[i], err)))
			return rc;
	for (uint32_t j = 0; j < im->n_cand; j++)
		if ((rc = count(im, im->cand_col[j], &v[im->n_lines + j], err)))
			return rc;
	im->n_vals += per;
	uint64_t registered = im->reg_line >= 0 ? v[im->reg_line] : 0;
	tally_station_type type = im->type_col != TALLY_NONE ? station_type(&f[im->type_col])
	                                                     : TALLY_STATION_ORDINARY;
	if ((rc = tally_election_add_station(e, id, name, cons, registered, type, area, NULL)))
		return tally_error_set(err, rc, "", NULL, "out of memory");
	/* The model remembers the first repeated id (for finish to report);
	 * looking there saves a second index of a million ids. */
	model_priv *mp = e->priv;
	if (mp->dup_kind == K_STATION) {
		char where[256];
		uint32_t first = tally__map_get(&mp->maps[K_STATION], id);
		snprintf(where, sizeof where, "%s: row %llu", fname(im),
		         (unsigned long long)im->csv.record);
		/* one record per station, after the header: station i is row i + 2 */
		return tally_error_set(err, TALLY_EINVAL, "C008", where,
		                       "duplicate station '%s' (first in row %u)", id, first + 2);
	}
	return TALLY_OK;
}

static void importer_release(importer *im)
{
	tally_csv_release(&im->csv);
	tally__map_release(&im->header);
	tally__map_release(&im->cons);
	for (uint32_t i = 0; i < im->n_ids; i++)
		tally__map_release(&im->ids[i].seen);
	tally_free(im->names);
	tally_free(im->cand_col);
	tally_free(im->vals);
	arena_free(im->arena);
}

void tally_import_free(tally_import *im)
{
	if (!im)
		return;
	tally_free(im->values);
	tally_free(im->protocols);
	tally_free(im->checks);
	tally_election_free(im->e);
	tally_free(im);
}

int tally_import_csv(const tally_import_map *m, const char *buf, size_t len, const char *file,
                     tally_import **out, tally_error *err)
{
	importer im;
	tally_template *t = NULL;
	tally_import *res = NULL;
	int rc;

	memset(&im, 0, sizeof im);
	im.m = m;
	im.file = file;
	im.reg_line = -1;
	tally_csv_init(&im.csv, buf, len, m->delim, file);
	if (len > TALLY_MAX_INPUT_BYTES) {
		rc = tally_error_set(err, TALLY_ELIMIT, "C007", fname(&im),
		                     "the file is larger than %u bytes", TALLY_MAX_INPUT_BYTES);
		goto out;
	}
	rc = m->template_preset ? tally_template_preset(m->template_preset, &t, NULL)
	                        : TALLY_ENOTFOUND;
	if (rc == TALLY_ENOMEM) {
		rc = tally_error_set(err, rc, "", NULL, "out of memory");
		goto out;
	}
	if (rc) {
		rc = tally_error_set(err, TALLY_EINVAL, "M005", "template",
		                     "unknown template preset '%s'",
		                     m->template_preset ? m->template_preset : "");
		goto out;
	}
	if (m->n_line_cols != t->n_lines || m->n_station_cols == 0 || m->n_station_cols > 8 ||
	    m->n_name_cols > 4 || m->n_cand_cols == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "M006", "map",
		                     "the map does not fit template '%s' (%u lines, the map lists "
		                     "%u; it needs 1-8 station columns, at most 4 name parts and "
		                     "candidate columns)",
		                     m->template_preset, t->n_lines, m->n_line_cols);
		goto out;
	}
	if (m->registered_line && *m->registered_line &&
	    (im.reg_line = tally_template_line(t, m->registered_line)) < 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "M006", "registered_line",
		                     "'%s' is not a line of template '%s'", m->registered_line,
		                     m->template_preset);
		goto out;
	}
	if ((rc = read_header(&im, err)) || (rc = resolve(&im, t, err)))
		goto out;
	rc = build_start(&im, t, err);
	t = NULL; /* the election owns it now (or freed it) */
	if (rc)
		goto out;
	while ((rc = tally_csv_next(&im.csv, err)) == 1)
		if ((rc = read_row(&im, err)))
			goto out;
	if (rc < 0)
		goto out;
	if ((rc = tally_election_finish(im.e, err)))
		goto out;

	/* one protocol per station, checked */
	tally_election *e = im.e;
	if (!(res = tally_calloc(1, sizeof *res)) ||
	    !(res->protocols = tally_calloc(e->n_stations ? e->n_stations : 1,
	                                    sizeof *res->protocols)) ||
	    !(res->checks = tally_malloc((e->n_stations ? e->n_stations : 1) *
	                                 sizeof *res->checks))) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	/* the numbers read are the protocols' block: handed over, not copied */
	res->values = im.vals;
	im.vals = NULL;
	res->e = e;
	for (uint32_t i = 0; i < e->n_stations; i++) {
		tally_protocol *p = &res->protocols[i];
		p->station = i;
		p->n_lines = im.n_lines;
		p->n_cand = e->constituencies[e->stations[i].constituency].n_candidates;
		p->lines = res->values + (size_t)i * (im.n_lines + im.n_cand);
		p->cand = p->lines + im.n_lines;
		res->n = i + 1;
		TALLY_ASSERT(p->n_cand == im.n_cand);
		tally_check c;
		tally_protocol_check(e, p, &c);
		tally_check_summarize(&c, &res->checks[i]);
		res->stations_with_errors += c.n_errors > 0;
		/* a station counts once: under errors if it breaks any error relation */
		res->stations_with_warnings += c.n_errors == 0 && c.n_warnings > 0;
	}
	res->n = e->n_stations;
	res->rows = e->n_stations;
	im.e = NULL;
	rc = TALLY_OK;
out:
	tally_template_free(t);
	if (rc) {
		if (res) {
			res->e = NULL; /* still owned by im.e */
			tally_import_free(res);
		}
		tally_election_free(im.e);
	} else {
		*out = res;
	}
	importer_release(&im);
	return rc;
}
