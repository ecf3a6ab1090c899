/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statement.c: the results statement, the published totals as canonical
 * text (docs/log-format.md, "Results statements"). `tally publish` logs it;
 * `tally verify` recomputes it from the logged protocols and compares the
 * two line by line, so every line is "<key words> <value>" with a key that
 * occurs once: a difference names exactly which figure differs.
 */
#include "tally/audit.h"
#include "core/core_int.h"

static const char *aff_id(const tally_election *e, const tally_affiliation_result *a)
{
	if (a->kind == 0)
		return e->parties[a->index].id;
	if (a->kind == 1)
		return e->blocs[a->index].id;
	return "independents";
}

int tally_results_statement(const tally_results *r, uint64_t tree_size, char **out, size_t *len)
{
	const tally_election *e = r->e;
	tally__buf b = TALLY__BUF_INIT;
	char *s = NULL;

	tally__buf_str(&b, "tally/v1/results-statement\n");
	tally__buf_printf(&b, "election %s\n", e->id);
	tally__buf_printf(&b, "tree-size %llu\n", (unsigned long long)tree_size);
	tally__buf_printf(&b, "stations %u\n", r->stations);
	tally__buf_printf(&b, "reported %u\n", r->reported);
	tally__buf_printf(&b, "annulled-stations %u\n", r->annulled_stations);
	tally__buf_printf(&b, "registered %llu\n", (unsigned long long)r->registered);
	tally__buf_printf(&b, "registered-reported %llu\n",
	                  (unsigned long long)r->registered_reported);
	tally__buf_printf(&b, "ballots-cast %llu\n", (unsigned long long)r->ballots_cast);
	tally__buf_printf(&b, "valid %llu\n", (unsigned long long)r->valid);
	for (uint32_t k = 0; k < e->tmpl->n_lines; k++)
		tally__buf_printf(&b, "line %s %llu\n", e->tmpl->lines[k].key,
		                  (unsigned long long)r->lines[k]);
	tally__buf_printf(&b, "seats-filled %u\n", r->seats_filled);
	for (uint32_t i = 0; i < r->n_aff; i++) {
		const tally_affiliation_result *a = &r->aff[i];
		const char *kind = a->kind == 0 ? "party" : a->kind == 1 ? "bloc" : "group";

		tally__buf_printf(&b, "%s %s votes %llu\n", kind, aff_id(e, a),
		                  (unsigned long long)a->votes);
		tally__buf_printf(&b, "%s %s seats %u\n", kind, aff_id(e, a), a->seats);
	}
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency *con = &e->constituencies[c];
		const tally_constituency_result *cr = &r->cons[c];

		tally__buf_printf(&b, "constituency %s outcome %s\n", con->id,
		                  tally_outcome_name(cr->outcome));
		tally__buf_printf(&b, "constituency %s reported %u\n", con->id, cr->reported);
		tally__buf_printf(&b, "constituency %s annulled-stations %u\n", con->id,
		                  cr->invalid_stations);
		tally__buf_printf(&b, "constituency %s ballots-cast %llu\n", con->id,
		                  (unsigned long long)cr->ballots_cast);
		tally__buf_printf(&b, "constituency %s valid %llu\n", con->id,
		                  (unsigned long long)cr->valid);
		for (uint32_t k = 0; k < e->tmpl->n_lines; k++)
			tally__buf_printf(&b, "constituency %s line %s %llu\n", con->id,
			                  e->tmpl->lines[k].key, (unsigned long long)cr->lines[k]);
		for (uint32_t k = 0; k < con->n_candidates; k++)
			tally__buf_printf(&b, "constituency %s candidate %s %llu\n", con->id,
			                  e->candidates[con->candidates[k]].id,
			                  (unsigned long long)cr->votes[k]);
		for (uint32_t k = 0; k < cr->n_elected; k++)
			tally__buf_printf(&b, "constituency %s elected %u %s\n", con->id, k + 1,
			                  e->candidates[con->candidates[cr->elected[k]]].id);
	}
	s = tally__buf_detach(&b, len);
	if (!s)
		return TALLY_ENOMEM;
	*out = s;
	return TALLY_OK;
}
