/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kerg.c: the Bundeswahlleiterin's official result file in the layout of
 * btw21_kerg.csv, read into the inputs of tally_seats_bundestag2020, and the
 * population file ("land,population") that the 1st Oberverteilung needs
 * beside it.
 *
 * The file: ';'-separated UTF-8, a byte order mark, a title line
 * ("Bundestagswahl 2021;"), a status line ("Amtliches Endergebnis;"), three
 * heading rows and one row per area. The headings are read, not assumed:
 * the first names the groups of columns ("Nr", "Gebiet", "gehoert zu",
 * then groups of four such as "Gueltige Stimmen" and one per party, last
 * "Uebrige"), the second says "Erststimmen" or "Zweitstimmen", the third
 * "Endgueltig" or "Vorperiode". A row is the federal one when its
 * "gehoert zu" is empty (its number 99 is also that of constituency 99,
 * Guetersloh I, which belongs to 05), a Land when it belongs to 99, else a
 * constituency of the Land it belongs to (Land rows follow their
 * constituencies, so they are matched at the end).
 */
#include "seats_int.h"

#include "tally/csv.h"

#include <string.h>

#define KERG_MAX_AREA 1000u      /* area numbers: constituencies 1-299, Laender, 99 */
#define KERG_MAX_LANDS 98u
#define KERG_MAX_CONS 100000u
#define KERG_MAX_PARTIES 1000u

static const char *const land_codes[17] = {NULL, "SH", "HH", "NI", "HB", "NW", "HE",
                                           "RP", "BW", "BY", "SL", "BE", "BB", "MV",
                                           "SN", "ST", "TH"};

void tally_kerg_free(tally_kerg *k)
{
	if (!k)
		return;
	for (uint32_t l = 0; l < k->n_lands; l++) {
		tally_free(k->land_ids ? k->land_ids[l] : NULL);
		tally_free(k->land_names ? k->land_names[l] : NULL);
	}
	for (uint32_t p = 0; p < k->n_parties; p++)
		tally_free(k->party_ids ? k->party_ids[p] : NULL);
	for (uint32_t c = 0; c < k->n_constituencies; c++)
		tally_free(k->cons_names ? k->cons_names[c] : NULL);
	tally_free(k->title);
	tally_free(k->status);
	tally_free(k->land_ids);
	tally_free(k->land_names);
	tally_free(k->land_nr);
	tally_free(k->party_ids);
	tally_free(k->votes);
	tally_free(k->wins);
	tally_free(k->land_valid);
	tally_free(k->cons_names);
	tally_free(k->cons_nr);
	tally_free(k->cons_land);
	tally_free(k->cons_winner);
	tally_free(k->cons_votes);
	tally_free(k->cons_valid);
	tally_free(k);
}

static char *dupf(const tally_csv_field *f)
{
	char *d = tally_malloc(f->len + 1);
	if (d) {
		memcpy(d, f->s, f->len);
		d[f->len] = '\0';
	}
	return d;
}

/* the heading rows, copied */
typedef struct heads {
	size_t n;
	char **row[3];
} heads;

static void heads_release(heads *h)
{
	for (int r = 0; r < 3; r++) {
		if (!h->row[r])
			continue;
		for (size_t i = 0; i < h->n; i++)
			tally_free(h->row[r][i]);
		tally_free(h->row[r]);
	}
}

/* the column of group [g0, g1) holding "kind" (Erststimmen, Zweitstimmen)
 * and "Endgueltig", or SIZE_MAX */
static size_t final_col(const heads *h, size_t g0, size_t g1, const char *kind)
{
	const char *cur = "";
	for (size_t j = g0; j < g1; j++) {
		if (h->row[1][j][0])
			cur = h->row[1][j];
		if (strcmp(cur, kind) == 0 && strcmp(h->row[2][j], "Endgültig") == 0)
			return j;
	}
	return SIZE_MAX;
}

/* an empty cell is 0 */
static int cell(const tally_csv_field *f, const char *where, const char *what, uint64_t *out,
                tally_error *err)
{
	*out = 0;
	if (f->len == 0)
		return TALLY_OK;
	if (tally_csv_u64(f, TALLY_SEATS_MAX_VOTES, out))
		return tally_error_set(err, TALLY_EINVAL, "E030", where,
		                       "%s '%.*s' is not a whole number from 0 to 10^12", what,
		                       (int)(f->len > 40 ? 40 : f->len), f->s);
	return TALLY_OK;
}

typedef struct kparse {
	tally_kerg *k;
	size_t n_fields;
	size_t valid_first, valid_second, others_first;
	size_t *first, *second;     /* per party */
	uint64_t *fed_votes;        /* per party, the federal row */
	bool have_fed;
	uint32_t *cons_parent;      /* Land number per constituency */
	uint32_t cap_lands, cap_cons;
	uint64_t *land_votes;       /* [land * n_parties + party] while reading */
	uint32_t *cons_win_tmp;
} kparse;

static int grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	if (need <= *cap)
		return TALLY_OK;
	uint32_t nc = *cap ? *cap * 2 : 32;
	while (nc < need)
		nc *= 2;
	void *np = tally_realloc(*p, (size_t)nc * size);
	if (!np)
		return TALLY_ENOMEM;
	*p = np;
	*cap = nc;
	return TALLY_OK;
}

static int read_headings(kparse *kp, tally_csv *c, heads *h, const char *file, tally_error *err)
{
	tally_kerg *k = kp->k;
	char where[300];
	int rc;
	/* title and status lines, then the row starting "Nr" */
	for (int r = 0;; r++) {
		rc = tally_csv_next(c, err);
		if (rc < 0)
			return rc;
		if (rc == 0 || r >= 10)
			return tally_error_set(err, TALLY_EINVAL, "E029", file,
			                       "no heading row 'Nr;Gebiet;gehört zu' among the first "
			                       "lines: not the Bundeswahlleiterin's kerg layout");
		if (c->n_fields >= 3 && tally_csv_eq(&c->fields[0], "Nr") &&
		    tally_csv_eq(&c->fields[1], "Gebiet") && tally_csv_eq(&c->fields[2], "gehört zu"))
			break;
		char **slot = r == 0 ? &k->title : r == 1 ? &k->status : NULL;
		if (slot && !(*slot = dupf(&c->fields[0])))
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	h->n = c->n_fields;
	for (int r = 0; r < 3; r++) {
		if (r > 0) {
			rc = tally_csv_next(c, err);
			if (rc < 0)
				return rc;
			snprintf(where, sizeof where, "%s: line %llu", file, (unsigned long long)c->line);
			if (rc == 0 || c->n_fields != h->n)
				return tally_error_set(err, TALLY_EINVAL, "E029", rc ? where : file,
				                       "the kerg layout has three heading rows of %zu fields",
				                       h->n);
		}
		h->row[r] = tally_calloc(h->n, sizeof *h->row[r]);
		if (!h->row[r])
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		for (size_t i = 0; i < h->n; i++)
			if (!(h->row[r][i] = dupf(&c->fields[i])))
				return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	kp->n_fields = h->n;
	/* the groups of columns */
	kp->valid_first = kp->valid_second = kp->others_first = SIZE_MAX;
	kp->first = tally_calloc(h->n, sizeof *kp->first);
	kp->second = tally_calloc(h->n, sizeof *kp->second);
	k->party_ids = tally_calloc(h->n, sizeof *k->party_ids);
	if (!kp->first || !kp->second || !k->party_ids)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	snprintf(where, sizeof where, "%s: line %llu", file, (unsigned long long)c->line - 2);
	bool after_valid = false;
	for (size_t g0 = 3; g0 < h->n;) {
		size_t g1 = g0 + 1;
		while (g1 < h->n && !h->row[0][g1][0])
			g1++;
		const char *name = h->row[0][g0];
		size_t f1 = final_col(h, g0, g1, "Erststimmen"), f2 = final_col(h, g0, g1, "Zweitstimmen");
		if (!name[0]) {
			/* empty columns before the first group */
		} else if (strcmp(name, "Gültige Stimmen") == 0) {
			if (f1 == SIZE_MAX || f2 == SIZE_MAX)
				return tally_error_set(err, TALLY_EINVAL, "E029", where,
				                       "the group 'Gültige Stimmen' has no final first and "
				                       "second votes ('Erststimmen'/'Zweitstimmen', "
				                       "'Endgültig')");
			kp->valid_first = f1;
			kp->valid_second = f2;
			after_valid = true;
		} else if (after_valid && strcmp(name, "Übrige") == 0) {
			kp->others_first = f1;
		} else if (after_valid) {
			if (f1 == SIZE_MAX || f2 == SIZE_MAX)
				return tally_error_set(err, TALLY_EINVAL, "E029", where,
				                       "the party '%s' has no final first and second votes "
				                       "('Erststimmen'/'Zweitstimmen', 'Endgültig')",
				                       name);
			if (k->n_parties == KERG_MAX_PARTIES)
				return tally_error_set(err, TALLY_EINVAL, "E029", where,
				                       "more than %u parties", KERG_MAX_PARTIES);
			for (uint32_t p = 0; p < k->n_parties; p++)
				if (strcmp(k->party_ids[p], name) == 0)
					return tally_error_set(err, TALLY_EINVAL, "E029", where,
					                       "the party '%s' appears twice", name);
			if (!(k->party_ids[k->n_parties] = tally_strdup(name)))
				return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
			kp->first[k->n_parties] = f1;
			kp->second[k->n_parties] = f2;
			k->n_parties++;
		}
		g0 = g1;
	}
	if (!after_valid)
		return tally_error_set(err, TALLY_EINVAL, "E029", where,
		                       "no group 'Gültige Stimmen' in the headings");
	if (k->n_parties == 0)
		return tally_error_set(err, TALLY_EINVAL, "E029", where,
		                       "no party in the headings after 'Gültige Stimmen'");
	kp->fed_votes = tally_calloc(k->n_parties, sizeof *kp->fed_votes);
	if (!kp->fed_votes)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	return TALLY_OK;
}

static int read_row(kparse *kp, const tally_csv *c, const char *where, tally_error *err)
{
	tally_kerg *k = kp->k;
	const tally_csv_field *f = c->fields;
	uint32_t P = k->n_parties;
	uint64_t nr = 0, parent = 0;
	int rc;
	if (tally_csv_u64(&f[0], KERG_MAX_AREA, &nr) || nr == 0)
		return tally_error_set(err, TALLY_EINVAL, "E030", where,
		                       "the area number '%.*s' is not a number from 1 to %u",
		                       (int)(f[0].len > 40 ? 40 : f[0].len), f[0].s, KERG_MAX_AREA);
	if (f[1].len == 0)
		return tally_error_set(err, TALLY_EINVAL, "E030", where, "the area has no name");
	if (f[2].len && (tally_csv_u64(&f[2], KERG_MAX_AREA, &parent) || parent == 0))
		return tally_error_set(err, TALLY_EINVAL, "E030", where,
		                       "'gehört zu' is '%.*s', not an area number",
		                       (int)(f[2].len > 40 ? 40 : f[2].len), f[2].s);
	uint64_t vf = 0, vs = 0;
	if ((rc = cell(&f[kp->valid_first], where, "valid first votes", &vf, err)) ||
	    (rc = cell(&f[kp->valid_second], where, "valid second votes", &vs, err)))
		return rc;
	if (f[2].len == 0) { /* the federal row */
		if (kp->have_fed)
			return tally_error_set(err, TALLY_EINVAL, "E031", where,
			                       "a second federal row (no 'gehört zu')");
		kp->have_fed = true;
		k->valid = vs;
		for (uint32_t p = 0; p < P; p++)
			if ((rc = cell(&f[kp->second[p]], where, "second votes", &kp->fed_votes[p], err)))
				return rc;
		return TALLY_OK;
	}
	if (parent == 99) { /* a Land */
		if (nr >= 99)
			return tally_error_set(err, TALLY_EINVAL, "E030", where,
			                       "a Land number must be from 1 to %u", KERG_MAX_LANDS);
		for (uint32_t l = 0; l < k->n_lands; l++)
			if (k->land_nr[l] == nr)
				return tally_error_set(err, TALLY_EINVAL, "E031", where,
				                       "Land %llu appears twice", (unsigned long long)nr);
		uint32_t L = k->n_lands, cap = kp->cap_lands;
		if (grow((void **)&k->land_nr, &cap, L + 1, sizeof *k->land_nr) ||
		    (cap = kp->cap_lands,
		     grow((void **)&k->land_names, &cap, L + 1, sizeof *k->land_names)) ||
		    (cap = kp->cap_lands, grow((void **)&k->land_ids, &cap, L + 1, sizeof *k->land_ids)) ||
		    (cap = kp->cap_lands,
		     grow((void **)&k->land_valid, &cap, L + 1, sizeof *k->land_valid)) ||
		    (cap = kp->cap_lands,
		     grow((void **)&kp->land_votes, &cap, L + 1, (size_t)P * sizeof *kp->land_votes)))
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		kp->cap_lands = cap;
		k->land_nr[L] = (uint32_t)nr;
		k->land_valid[L] = vs;
		k->land_names[L] = dupf(&f[1]);
		char num[8];
		snprintf(num, sizeof num, "%u", (unsigned)nr);
		k->land_ids[L] = tally_strdup(nr <= 16 ? land_codes[nr] : num);
		k->n_lands++;
		if (!k->land_names[L] || !k->land_ids[L])
			return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		uint64_t sum = 0;
		for (uint32_t p = 0; p < P; p++) {
			uint64_t *v = &kp->land_votes[(size_t)L * P + p];
			if ((rc = cell(&f[kp->second[p]], where, "second votes", v, err)))
				return rc;
			sum += *v;
		}
		if (sum > vs)
			return tally_error_set(err, TALLY_EINVAL, "E031", where,
			                       "the parties' second votes (%llu) exceed the valid second "
			                       "votes (%llu)",
			                       (unsigned long long)sum, (unsigned long long)vs);
		return TALLY_OK;
	}
	/* a constituency: the most first votes wins */
	uint64_t best = 0;
	uint32_t nbest = 0, w = 0;
	bool others = false;
	for (uint32_t p = 0; p <= P; p++) {
		uint64_t x = 0;
		if (p == P && kp->others_first == SIZE_MAX)
			break;
		if ((rc = cell(&f[p < P ? kp->first[p] : kp->others_first], where, "first votes", &x,
		               err)))
			return rc;
		if (x > best) {
			best = x;
			nbest = 1;
			w = p;
			others = p == P;
		} else if (x == best && x > 0) {
			nbest++;
		}
	}
	if (nbest != 1)
		return tally_error_set(err, TALLY_EINVAL, "E031", where,
		                       "constituency %llu: %s; settle it first (BWahlG section 5: lot)",
		                       (unsigned long long)nr,
		                       nbest ? "a tie for the most first votes" : "no first votes");
	if (others)
		return tally_error_set(err, TALLY_EINVAL, "E031", where,
		                       "constituency %llu: 'Übrige' (an independent or a party without "
		                       "a Land list) has the most first votes; such a winner is not "
		                       "supported (BWahlG section 6(1))",
		                       (unsigned long long)nr);
	uint32_t C = k->n_constituencies, cap = kp->cap_cons;
	if (C == KERG_MAX_CONS)
		return tally_error_set(err, TALLY_EINVAL, "E030", where, "more than %u constituencies",
		                       KERG_MAX_CONS);
	if (grow((void **)&k->cons_nr, &cap, C + 1, sizeof *k->cons_nr) ||
	    (cap = kp->cap_cons, grow((void **)&k->cons_names, &cap, C + 1, sizeof *k->cons_names)) ||
	    (cap = kp->cap_cons, grow((void **)&kp->cons_parent, &cap, C + 1, sizeof *kp->cons_parent)) ||
	    (cap = kp->cap_cons, grow((void **)&k->cons_winner, &cap, C + 1, sizeof *k->cons_winner)) ||
	    (cap = kp->cap_cons, grow((void **)&k->cons_votes, &cap, C + 1, sizeof *k->cons_votes)) ||
	    (cap = kp->cap_cons, grow((void **)&k->cons_valid, &cap, C + 1, sizeof *k->cons_valid)))
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	kp->cap_cons = cap;
	k->cons_nr[C] = (uint32_t)nr;
	kp->cons_parent[C] = (uint32_t)parent;
	k->cons_winner[C] = w;
	k->cons_votes[C] = best;
	k->cons_valid[C] = vf;
	k->cons_names[C] = dupf(&f[1]);
	k->n_constituencies++;
	if (!k->cons_names[C])
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	return TALLY_OK;
}

static int finish(kparse *kp, const char *file, tally_error *err)
{
	tally_kerg *k = kp->k;
	uint32_t L = k->n_lands, P = k->n_parties, C = k->n_constituencies;
	if (!kp->have_fed)
		return tally_error_set(err, TALLY_EINVAL, "E031", file,
		                       "no federal row (an area without 'gehört zu')");
	if (L == 0)
		return tally_error_set(err, TALLY_EINVAL, "E031", file,
		                       "no Land row (an area belonging to 99)");
	k->votes = tally_calloc((size_t)L * P, sizeof *k->votes);
	k->wins = tally_calloc((size_t)L * P, sizeof *k->wins);
	k->cons_land = tally_calloc(C ? C : 1, sizeof *k->cons_land);
	if (!k->votes || !k->wins || !k->cons_land)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	for (uint32_t l = 0; l < L; l++)
		for (uint32_t p = 0; p < P; p++)
			k->votes[(size_t)p * L + l] = kp->land_votes[(size_t)l * P + p];
	for (uint32_t p = 0; p < P; p++) {
		uint64_t sum = 0;
		for (uint32_t l = 0; l < L; l++)
			sum += k->votes[(size_t)p * L + l];
		if (sum != kp->fed_votes[p])
			return tally_error_set(err, TALLY_EINVAL, "E031", file,
			                       "the Laender's second votes of '%s' add up to %llu, the "
			                       "federal row says %llu",
			                       k->party_ids[p], (unsigned long long)sum,
			                       (unsigned long long)kp->fed_votes[p]);
	}
	for (uint32_t c = 0; c < C; c++) {
		uint32_t l = 0;
		while (l < L && k->land_nr[l] != kp->cons_parent[c])
			l++;
		if (l == L)
			return tally_error_set(err, TALLY_EINVAL, "E031", file,
			                       "constituency %u (%s) belongs to %u, which is no Land row",
			                       k->cons_nr[c], k->cons_names[c], kp->cons_parent[c]);
		k->cons_land[c] = l;
		k->wins[(size_t)k->cons_winner[c] * L + l]++;
	}
	return TALLY_OK;
}

int tally_kerg_parse(const char *buf, size_t len, const char *file, tally_kerg **out,
                     tally_error *err)
{
	if (!file)
		file = "input";
	tally_kerg *k = tally_calloc(1, sizeof *k);
	if (!k)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	kparse kp;
	memset(&kp, 0, sizeof kp);
	kp.k = k;
	heads h;
	memset(&h, 0, sizeof h);
	tally_csv c;
	tally_csv_init(&c, buf, len, ';', file);
	char where[300];
	int rc = read_headings(&kp, &c, &h, file, err);
	while (!rc) {
		rc = tally_csv_next(&c, err);
		if (rc <= 0)
			break;
		rc = 0;
		bool blank = true;
		for (size_t i = 0; i < c.n_fields && blank; i++)
			blank = c.fields[i].len == 0;
		if (blank)
			continue;
		snprintf(where, sizeof where, "%s: line %llu", file, (unsigned long long)c.line);
		if (c.n_fields != kp.n_fields) {
			rc = tally_error_set(err, TALLY_EINVAL, "E030", where,
			                     "%zu fields, the headings have %zu", c.n_fields, kp.n_fields);
			break;
		}
		rc = read_row(&kp, &c, where, err);
	}
	if (!rc)
		rc = finish(&kp, file, err);
	tally_csv_release(&c);
	heads_release(&h);
	tally_free(kp.first);
	tally_free(kp.second);
	tally_free(kp.fed_votes);
	tally_free(kp.cons_parent);
	tally_free(kp.land_votes);
	if (rc) {
		tally_kerg_free(k);
		return rc;
	}
	*out = k;
	return TALLY_OK;
}

void tally_kerg_bundestag_input(const tally_kerg *k, tally_bundestag_input *in)
{
	memset(in, 0, sizeof *in);
	in->n_lands = k->n_lands;
	in->n_parties = k->n_parties;
	in->land_ids = (const char *const *)k->land_ids;
	in->party_ids = (const char *const *)k->party_ids;
	in->votes = k->votes;
	in->wins = k->wins;
	in->valid = k->valid;
	in->house = 598;
	in->threshold = (tally_ratio){5, 100};
	in->wins_qualify = 3;
	in->uncompensated = 3;
	in->rule.method = TALLY_SEATS_SAINTE_LAGUE;
}

/* ==== the population file ==== */

int tally_seats_population_parse(const char *buf, size_t len, const char *file,
                                 uint32_t n_lands, const char *const *ids,
                                 const char *const *names, const uint32_t *numbers,
                                 uint64_t *population, tally_error *err)
{
	if (!file)
		file = "input";
	bool *seen = tally_calloc(n_lands ? n_lands : 1, sizeof *seen);
	if (!seen)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	tally_csv c;
	tally_csv_init(&c, buf, len, 0, file);
	char where[300];
	int rc = tally_csv_next(&c, err);
	if (rc >= 0 && (rc == 0 || c.n_fields != 2 || !tally_csv_eq(&c.fields[0], "land") ||
	                !tally_csv_eq(&c.fields[1], "population"))) {
		snprintf(where, sizeof where, "%s: line 1", file);
		rc = tally_error_set(err, TALLY_EINVAL, "E032", where,
		                     "the header must be 'land,population'");
	}
	while (rc >= 0) {
		rc = tally_csv_next(&c, err);
		if (rc <= 0)
			break;
		rc = 0;
		snprintf(where, sizeof where, "%s: line %llu", file, (unsigned long long)c.line);
		const tally_csv_field *f = c.fields;
		if (c.n_fields != 2) {
			rc = tally_error_set(err, TALLY_EINVAL, "E032", where,
			                     "a row is 'land,population' (%zu fields here)", c.n_fields);
			break;
		}
		uint32_t l = 0;
		uint64_t nr = 0;
		bool numeric = tally_csv_u64(&f[0], 1000, &nr) == 0;
		while (l < n_lands && !(ids && tally_csv_eq(&f[0], ids[l])) &&
		       !(names && tally_csv_eq(&f[0], names[l])) &&
		       !(numbers && numeric && numbers[l] == nr))
			l++;
		if (l == n_lands) {
			rc = tally_error_set(err, TALLY_EINVAL, "E032", where, "'%.*s' is no Land of the votes",
			                     (int)(f[0].len > 60 ? 60 : f[0].len), f[0].s);
			break;
		}
		if (seen[l]) {
			rc = tally_error_set(err, TALLY_EINVAL, "E032", where, "Land %s appears twice",
			                     ids ? ids[l] : names ? names[l] : "");
			break;
		}
		seen[l] = true;
		if (tally_csv_u64(&f[1], TALLY_SEATS_MAX_VOTES, &population[l]) || population[l] == 0) {
			rc = tally_error_set(err, TALLY_EINVAL, "E032", where,
			                     "the population '%.*s' is not a whole number from 1 to 10^12",
			                     (int)(f[1].len > 40 ? 40 : f[1].len), f[1].s);
			break;
		}
	}
	for (uint32_t l = 0; rc == 0 && l < n_lands; l++)
		if (!seen[l])
			rc = tally_error_set(err, TALLY_EINVAL, "E032", file, "no population for Land %s",
			                     ids ? ids[l] : names ? names[l] : "");
	tally_csv_release(&c);
	tally_free(seen);
	return rc < 0 ? rc : TALLY_OK;
}
