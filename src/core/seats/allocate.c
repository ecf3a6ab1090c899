/* SPDX-License-Identifier: Apache-2.0 */
/*
 * allocate.c: a table of districts allocated by one rule after thresholds.
 * National thresholds are shares of an explicit denominator (the sum of the
 * table's votes unless the configuration names another, such as valid
 * votes including blank ones), chosen per party kind (Kodeks wyborczy
 * art. 196: 5 % for parties, 8 % for coalition committees); exempt parties
 * (art. 197, national minorities) and parties with enough constituency
 * wins (BWahlG section 6(3): three) qualify anyway. A district threshold
 * (LOREG art. 163.1.a: 3 % of the valid votes of the province) removes a
 * list from that district only. Each district is then one apportionment,
 * whose ties compare the lists' votes in the district and the parties'
 * districts won.
 */
#include "seats_int.h"

const char *tally_seats_qualification_name(tally_seats_qualification q)
{
	static const char *const names[] = {"no threshold", "passed", "qualified by wins",
	                                    "exempt", "excluded"};
	return (unsigned)q <= TALLY_SEATS_Q_EXCLUDED ? names[q] : "?";
}

static bool share_ok(tally_ratio s)
{
	return (s.den == 0 && s.num == 0) || (s.den > 0 && s.num <= s.den);
}

/* votes >= share * denominator */
static bool reaches(uint64_t votes, tally_ratio share, uint64_t denominator)
{
	return seats_cmp_prod(votes, share.den, share.num, denominator) >= 0;
}

void tally_seats_result_free(tally_seats_result *r, const tally_seats_table *t)
{
	if (!r)
		return;
	if (r->district)
		for (uint32_t d = 0; d < t->n_districts; d++)
			tally_apportionment_release(&r->district[d]);
	tally_free(r->district);
	tally_free(r->party_votes);
	tally_free(r->party_threshold);
	tally_free(r->qualification);
	tally_free(r->party_seats);
	tally_free(r->district_excluded);
	tally_free(r);
}

int tally_seats_allocate(const tally_seats_table *t, const tally_seats_config *c,
                         tally_seats_result **out, tally_error *err)
{
	uint32_t np = t->n_parties, nd = t->n_districts;
	size_t cells = (size_t)np * nd;
	int rc = TALLY_OK;
	bool *elig = NULL;
	const char **ids = NULL;
	tally_seats_result *r = NULL;
	if (!share_ok(c->threshold) || !share_ok(c->district_threshold))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "a threshold must be a share between 0 and 1");
	for (uint32_t k = 0; k < c->n_by_kind; k++)
		if (!share_ok(c->by_kind[k].share) || c->by_kind[k].share.den == 0)
			return tally_error_set(err, TALLY_EINVAL, "E020", c->by_kind[k].kind,
			                       "a threshold must be a share between 0 and 1");
	r = tally_calloc(1, sizeof *r);
	if (!r)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	r->party_votes = tally_calloc(np ? np : 1, sizeof *r->party_votes);
	r->party_threshold = tally_calloc(np ? np : 1, sizeof *r->party_threshold);
	r->qualification = tally_calloc(np ? np : 1, sizeof *r->qualification);
	r->party_seats = tally_calloc(np ? np : 1, sizeof *r->party_seats);
	r->district_excluded = tally_calloc(cells ? cells : 1, sizeof *r->district_excluded);
	r->district = tally_calloc(nd ? nd : 1, sizeof *r->district);
	elig = tally_calloc(np ? np : 1, sizeof *elig);
	ids = tally_calloc(np ? np : 1, sizeof *ids);
	if (!r->party_votes || !r->party_threshold || !r->qualification || !r->party_seats ||
	    !r->district_excluded || !r->district || !elig || !ids) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	uint64_t all = 0;
	for (uint32_t p = 0; p < np; p++)
		ids[p] = t->parties[p].id;
	for (uint32_t d = 0; d < nd; d++)
		for (uint32_t p = 0; p < np; p++) {
			r->party_votes[p] += t->votes[(size_t)d * np + p];
			all += t->votes[(size_t)d * np + p];
		}
	r->denominator = c->national_denominator ? c->national_denominator : all;
	for (uint32_t p = 0; p < np; p++) {
		const tally_seats_party *pa = &t->parties[p];
		tally_ratio share = c->threshold;
		for (uint32_t k = 0; k < c->n_by_kind; k++)
			if (strcmp(c->by_kind[k].kind, pa->kind) == 0)
				share = c->by_kind[k].share;
		r->party_threshold[p] = share;
		tally_seats_qualification q;
		if (share.den == 0 || share.num == 0)
			q = TALLY_SEATS_Q_NO_THRESHOLD;
		else if (reaches(r->party_votes[p], share, r->denominator))
			q = TALLY_SEATS_Q_PASSED;
		else if (pa->exempt)
			q = TALLY_SEATS_Q_EXEMPT;
		else if (c->wins_qualify && pa->wins >= c->wins_qualify)
			q = TALLY_SEATS_Q_BY_WINS;
		else
			q = TALLY_SEATS_Q_EXCLUDED;
		r->qualification[p] = q;
	}
	r->state = TALLY_SEATS_DONE;
	for (uint32_t d = 0; d < nd; d++) {
		const uint64_t *v = &t->votes[(size_t)d * np];
		uint64_t dv = t->valid[d];
		if (!dv)
			for (uint32_t p = 0; p < np; p++)
				dv += v[p];
		for (uint32_t p = 0; p < np; p++) {
			bool below = c->district_threshold.num > 0 && !t->parties[p].exempt &&
			             !reaches(v[p], c->district_threshold, dv);
			r->district_excluded[(size_t)d * np + p] = below && t->present[(size_t)d * np + p];
			elig[p] = t->present[(size_t)d * np + p] &&
			          r->qualification[p] != TALLY_SEATS_Q_EXCLUDED && !below;
		}
		uint64_t *districts_won = tally_malloc((np ? np : 1) * sizeof *districts_won);
		if (!districts_won) {
			rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
			goto out;
		}
		for (uint32_t p = 0; p < np; p++)
			districts_won[p] = t->parties[p].districts_won;
		tally_apportion_input in = {np, v, NULL, elig, t->seats[d], ids, NULL, districts_won};
		rc = tally_apportion(&c->rule, &in, &r->district[d], err);
		tally_free(districts_won);
		if (rc) {
			if (err && !err->where[0])
				snprintf(err->where, sizeof err->where, "district %s", t->district_ids[d]);
			goto out;
		}
		for (uint32_t p = 0; p < np; p++)
			r->party_seats[p] += r->district[d].alloc[p];
		if (r->state == TALLY_SEATS_DONE)
			r->state = r->district[d].state;
	}
out:
	tally_free(elig);
	tally_free(ids);
	if (rc) {
		tally_seats_result_free(r, t);
		return rc;
	}
	*out = r;
	return TALLY_OK;
}
