/* SPDX-License-Identifier: Apache-2.0 */
/*
 * input.c: the forensic input, one row per station, read from an election
 * and its protocols. The turnout numerator and the registered voters come
 * from the template's roles; the ballots found in the boxes from an
 * expression (the preset's definition unless the caller gives one), since
 * the denominators differ by country (forensics.md section 7). Candidates
 * are grouped by their nominating party or bloc, so that a party's votes
 * add up over constituencies.
 */
#include "tally/forensics.h"
#include "core/core_int.h"
#include "core/forensics/fx_int.h"

#include <math.h>

void tally_fx_input_free(tally_fx_input *in)
{
	if (!in)
		return;
	tally_free(in->station);
	tally_free(in->registered);
	tally_free(in->cast);
	tally_free(in->ballots);
	tally_free(in->base);
	tally_free(in->leader);
	tally_free(in->votes);
	if (in->party_ids)
		for (uint32_t j = 0; j < in->n_parties; j++)
			tally_free(in->party_ids[j]);
	tally_free(in->party_ids);
	if (in->area_names)
		for (uint32_t j = 0; j < in->n_areas; j++)
			tally_free(in->area_names[j]);
	tally_free(in->area_names);
	tally_free(in->area);
	tally_free(in);
}

/* alloc_rows gives "in" its arrays for n stations and np parties. */
static int alloc_rows(tally_fx_input *in, size_t n, uint32_t np)
{
	size_t m = n ? n : 1;
	in->n = n;
	in->n_parties = np;
	in->station = tally_calloc(m, sizeof *in->station);
	in->registered = tally_calloc(m, sizeof(uint64_t));
	in->cast = tally_calloc(m, sizeof(uint64_t));
	in->ballots = tally_calloc(m, sizeof(uint64_t));
	in->base = tally_calloc(m, sizeof(uint64_t));
	in->leader = tally_calloc(m, sizeof(uint64_t));
	in->votes = tally_calloc(m * np, sizeof(uint64_t));
	in->party_ids = tally_calloc(np, sizeof(char *));
	in->area = tally_calloc(m, sizeof *in->area);
	if (!in->area ||!in->station || !in->registered || !in->cast || !in->ballots || !in->base ||
	    !in->leader || !in->votes || !in->party_ids)
		return TALLY_ENOMEM;
	return TALLY_OK;
}

int tally_fx_input_new(size_t n, uint32_t n_parties, tally_fx_input **out, tally_error *err)
{
	if (n_parties == 0 || n_parties > TALLY_MAX_PARTIES)
		return tally_error_set(err, TALLY_EINVAL, "F001", NULL,
		                       "a forensic input needs 1 to %u parties, not %u",
		                       (unsigned)TALLY_MAX_PARTIES, (unsigned)n_parties);
	if (n > TALLY_MAX_STATIONS)
		return tally_error_set(err, TALLY_ELIMIT, "F001", NULL,
		                       "a forensic input holds at most %u stations",
		                       (unsigned)TALLY_MAX_STATIONS);
	tally_fx_input *in = tally_calloc(1, sizeof *in);
	if (!in || alloc_rows(in, n, n_parties))
		goto oom;
	for (uint32_t j = 0; j < n_parties; j++) {
		char id[16];
		snprintf(id, sizeof id, "p%u", (unsigned)(j + 1));
		if (!(in->party_ids[j] = tally_strdup(id)))
			goto oom;
	}
	for (size_t i = 0; i < n; i++)
		in->station[i] = (uint32_t)i;
	if (!(in->area_names = tally_calloc(1, sizeof(char *))) ||
	    !(in->area_names[0] = tally_strdup("")))
		goto oom;
	in->n_areas = 1;
	*out = in;
	return TALLY_OK;
oom:
	tally_fx_input_free(in);
	return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
}

/* The ballots found in the boxes, per template preset (forensics.md 2.2 and
 * section 7: Russia valid + invalid; Poland the valid cards, over which the
 * PKW reports turnout). */
static const char *default_ballots(const tally_template *t)
{
	static const struct { const char *preset, *expr; } tab[] = {
		{"ru-20fz", "invalid + valid"},
		{"ru-19fz", "invalid + valid"},
		{"az-mm", "invalid + valid"},
		{"pl-pkw", "valid_cards"},
	};
	if (t->preset)
		for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
			if (strcmp(t->preset, tab[i].preset) == 0)
				return tab[i].expr;
	return t->ballots_cast_text;
}

static uint64_t nonneg(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

/* Kinds of group a candidate's votes go to. */
enum { G_PARTY, G_BLOC, G_CAND };

int tally_fx_input_build(const tally_election *e, const tally_protocol *protocols, size_t n,
                         const tally_fx_defs *defs, tally_fx_input **out, tally_error *err)
{
	static const tally_fx_defs zero_defs;
	tally_fx_input *in = NULL;
	tally_expr bexpr = {NULL, 0};
	uint32_t *group = NULL;     /* per candidate: its group */
	uint32_t *gkind = NULL, *gidx = NULL;
	uint64_t *gtotal = NULL;
	uint8_t *seen = NULL;
	int rc = TALLY_OK;
	if (!defs)
		defs = &zero_defs;
	const tally_template *t = e->tmpl;
	const char *btext = defs->ballots ? defs->ballots : default_ballots(t);
	if ((rc = tally_expr_parse(t, btext, &bexpr, err))) {
		if (rc == TALLY_EINVAL) {
			char why[512] = "";
			if (err)
				snprintf(why, sizeof why, "%s", err->msg);
			tally_error_set(err, rc, "F002", "ballots",
			                "the ballots expression '%s' does not parse: %s", btext, why);
		}
		goto out;
	}

	/* groups: parties, then blocs, then independent candidates, in that order */
	uint32_t nc = e->n_candidates;
	group = tally_calloc(nc ? nc : 1, sizeof *group);
	gkind = tally_calloc(nc ? nc : 1, sizeof *gkind);
	gidx = tally_calloc(nc ? nc : 1, sizeof *gidx);
	uint32_t *first_p = tally_calloc(e->n_parties + e->n_blocs + 1, sizeof *first_p);
	if (!group || !gkind || !gidx || !first_p) {
		tally_free(first_p);
		goto oom;
	}
	for (uint32_t k = 0; k < e->n_parties + e->n_blocs; k++)
		first_p[k] = TALLY_NONE;
	uint32_t ng = 0;
	for (uint32_t c = 0; c < nc; c++) {
		const tally_candidate *cd = &e->candidates[c];
		uint32_t slot = TALLY_NONE;
		if (cd->nominated_by != TALLY_NONE &&
		    (cd->nominator == TALLY_NOM_PARTY || cd->nominator == TALLY_NOM_BLOC))
			slot = (cd->nominator == TALLY_NOM_PARTY ? 0 : e->n_parties) + cd->nominated_by;
		if (slot != TALLY_NONE && first_p[slot] != TALLY_NONE) {
			group[c] = first_p[slot];
			continue;
		}
		group[c] = ng;
		if (slot == TALLY_NONE) {
			gkind[ng] = G_CAND;
			gidx[ng] = c;
		} else {
			first_p[slot] = ng;
			gkind[ng] = cd->nominator == TALLY_NOM_PARTY ? G_PARTY : G_BLOC;
			gidx[ng] = cd->nominated_by;
		}
		ng++;
	}
	tally_free(first_p);
	if (ng == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "F003", NULL,
		                     "the election has no candidates: nothing to test");
		goto out;
	}

	/* which stations count */
	seen = tally_calloc(e->n_stations ? e->n_stations : 1, 1);
	if (!seen)
		goto oom;
	size_t kept = 0, skipped_type = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t st = protocols[i].station;
		TALLY_ASSERT(st < e->n_stations);
		seen[st] = 1;
		if (!defs->all_types && e->stations[st].type != TALLY_STATION_ORDINARY)
			skipped_type++;
		else
			kept++;
	}
	if (kept == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "F003", NULL,
		                     "no station to test (%zu protocols, %zu left out by type)", n,
		                     skipped_type);
		goto out;
	}
	if (!(in = tally_calloc(1, sizeof *in)) || alloc_rows(in, kept, ng))
		goto oom;
	in->skipped_type = skipped_type;
	for (uint32_t s = 0; s < e->n_stations; s++)
		in->skipped_empty += !seen[s];
	for (uint32_t g = 0; g < ng; g++) {
		const char *id = gkind[g] == G_PARTY  ? e->parties[gidx[g]].id
		               : gkind[g] == G_BLOC   ? e->blocs[gidx[g]].id
		                                      : e->candidates[gidx[g]].id;
		if (!(in->party_ids[g] = tally_strdup(id)))
			goto oom;
	}

	/* areas, in order of first appearance (at most one per station) */
	if (!(in->area_names = tally_calloc(kept, sizeof(char *))))
		goto oom;
	size_t r = 0;
	for (size_t i = 0; i < n; i++) {
		const tally_protocol *p = &protocols[i];
		const tally_station *sd = &e->stations[p->station];
		if (!defs->all_types && sd->type != TALLY_STATION_ORDINARY)
			continue;
		uint64_t csum = tally_protocol_cand_sum(p);
		in->station[r] = p->station;
		const char *an = sd->area ? sd->area : "";
		uint32_t a = in->n_areas;
		/* most files list a region's stations together: try the last first */
		if (a && strcmp(in->area_names[a - 1], an) == 0)
			a--;
		else
			for (uint32_t j = 0; j < in->n_areas; j++)
				if (strcmp(in->area_names[j], an) == 0) {
					a = j;
					break;
				}
		if (a == in->n_areas) {
			if (!(in->area_names[a] = tally_strdup(an)))
				goto oom;
			in->n_areas++;
		}
		in->area[r] = a;
		in->registered[r] = t->registered.n_terms
		                    ? nonneg(tally_expr_eval(&t->registered, p->lines, csum))
		                    : sd->registered;
		in->cast[r] = nonneg(tally_expr_eval(&t->ballots_cast, p->lines, csum));
		in->ballots[r] = nonneg(tally_expr_eval(&bexpr, p->lines, csum));
		in->base[r] = defs->share_of == TALLY_FX_SHARE_VALID ? csum : in->ballots[r];
		const tally_constituency *cs = &e->constituencies[sd->constituency];
		for (uint32_t k = 0; k < p->n_cand && k < cs->n_candidates; k++)
			in->votes[r * ng + group[cs->candidates[k]]] += p->cand[k];
		r++;
	}

	/* the leader */
	gtotal = tally_calloc(ng, sizeof *gtotal);
	if (!gtotal)
		goto oom;
	for (size_t i = 0; i < kept; i++)
		for (uint32_t g = 0; g < ng; g++)
			gtotal[g] += in->votes[i * ng + g];
	uint32_t lead = 0;
	if (defs->leader) {
		lead = TALLY_NONE;
		for (uint32_t g = 0; g < ng && lead == TALLY_NONE; g++)
			if (strcmp(in->party_ids[g], defs->leader) == 0)
				lead = g;
		/* a candidate id also names its group */
		uint32_t c = tally_election_candidate(e, defs->leader);
		if (lead == TALLY_NONE && c != TALLY_NONE)
			lead = group[c];
		if (lead == TALLY_NONE || gtotal[lead] == 0) {
			rc = tally_error_set(err, TALLY_EINVAL, "F004", "leader",
			                     "'%s' is no party, bloc or candidate with votes here; "
			                     "give the id of one",
			                     defs->leader);
			goto out;
		}
	} else {
		for (uint32_t g = 1; g < ng; g++)
			if (gtotal[g] > gtotal[lead])
				lead = g;
	}
	in->leader_party = lead;
	for (size_t i = 0; i < kept; i++)
		in->leader[i] = in->votes[i * ng + lead];
	*out = in;
	in = NULL;
	goto out;
oom:
	rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
out:
	tally_fx_input_free(in);
	tally_free(bexpr.terms);
	tally_free(group);
	tally_free(gkind);
	tally_free(gidx);
	tally_free(gtotal);
	tally_free(seen);
	return rc;
}
