/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundestag.c: the seat allocation of the German Bundestag under BWahlG
 * section 6 as amended in 2020 (in force for the elections of 2021), built
 * from the general apportionment of apportion.c with the rule the caller
 * passes (Sainte-Lague/Schepers by law, section 6(2) sentences 2-7):
 *
 *   (3)  parties below 5 % of the valid second votes with fewer than three
 *        constituency wins take no list seats; national-minority parties
 *        are exempt;
 *   (2)  1st Oberverteilung: the 598 seats over the Laender by German
 *        population; 1st Unterverteilung: each Land's seats over its Land
 *        lists by second votes (the Sitzkontingente);
 *   (4)  Mindestsitzzahl of a list: the higher of its constituency wins and
 *        the mean of wins and Sitzkontingent rounded half up; a party's
 *        Mindestsitzanspruch: the higher of the sum of its lists' minimums
 *        and the sum of its Sitzkontingente;
 *   (5)  2nd Oberverteilung: the smallest house size at which every party
 *        reaches its claim, except that parties with overhang may fall short
 *        by up to three seats in all, which stay as uncompensated overhang;
 *   (6)  2nd Unterverteilung: each party's seats over its Land lists by a
 *        constrained divisor apportionment, every list keeping at least its
 *        Mindestsitzzahl.
 *
 * Not implemented: constituency winners whose party has no list seats
 * (section 6(1) sentence 2); such input is refused with E023.
 */
#include "seats_int.h"

void tally_bundestag_result_free(tally_bundestag_result *r)
{
	if (!r)
		return;
	tally_apportionment_release(&r->ober1);
	tally_apportionment_release(&r->ober2);
	if (r->unter1)
		for (uint32_t l = 0; l < r->n_lands; l++)
			tally_apportionment_release(&r->unter1[l]);
	if (r->unter2)
		for (uint32_t p = 0; p < r->n_parties; p++)
			tally_apportionment_release(&r->unter2[p]);
	tally_free(r->unter1);
	tally_free(r->unter2);
	tally_free(r->qualified);
	tally_free(r->qualification);
	tally_free(r->party_votes);
	tally_free(r->party_wins);
	tally_free(r->contingent);
	tally_free(r->minimum);
	tally_free(r->claim);
	tally_free(r->overhang);
	tally_free(r->uncompensated);
	tally_free(r->seats);
	tally_free(r->list_seats);
	tally_free(r);
}

/* Is the 2nd Oberverteilung at this size enough? (section 6(5)) */
static bool enough(const tally_bundestag_result *r, const tally_apportionment *a,
                   uint32_t allowance)
{
	uint64_t short_total = 0;
	for (uint32_t p = 0; p < r->n_parties; p++) {
		if (!r->qualified[p] || a->alloc[p] >= r->claim[p])
			continue;
		uint32_t s = r->claim[p] - a->alloc[p];
		if (s > r->overhang[p])
			return false;
		short_total += s;
	}
	return short_total <= allowance;
}

int tally_seats_bundestag2020(const tally_bundestag_input *in, tally_bundestag_result **out,
                              tally_error *err)
{
	uint32_t L = in->n_lands, P = in->n_parties;
	size_t cells = (size_t)L * P;
	int rc = TALLY_OK;
	bool *elig = NULL;
	uint64_t *col = NULL;
	uint32_t *mins = NULL;
	if (L == 0 || P == 0 || !in->population || !in->votes || !in->wins || !in->land_ids ||
	    !in->party_ids || in->threshold.den == 0 || in->threshold.num > in->threshold.den ||
	    in->valid == 0 || !tally_seats_method_is_divisor(in->rule.method))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "the Bundestag procedure needs Laender with their population, "
		                       "parties with votes and wins, a divisor method, valid votes "
		                       "and a threshold share");
	tally_bundestag_result *r = tally_calloc(1, sizeof *r);
	if (!r)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	r->n_lands = L;
	r->n_parties = P;
	r->qualified = tally_calloc(P, sizeof *r->qualified);
	r->qualification = tally_calloc(P, sizeof *r->qualification);
	r->party_votes = tally_calloc(P, sizeof *r->party_votes);
	r->party_wins = tally_calloc(P, sizeof *r->party_wins);
	r->unter1 = tally_calloc(L, sizeof *r->unter1);
	r->unter2 = tally_calloc(P, sizeof *r->unter2);
	r->contingent = tally_calloc(cells, sizeof *r->contingent);
	r->minimum = tally_calloc(cells, sizeof *r->minimum);
	r->claim = tally_calloc(P, sizeof *r->claim);
	r->overhang = tally_calloc(P, sizeof *r->overhang);
	r->uncompensated = tally_calloc(P, sizeof *r->uncompensated);
	r->seats = tally_calloc(P, sizeof *r->seats);
	r->list_seats = tally_calloc(cells, sizeof *r->list_seats);
	elig = tally_calloc(P > L ? P : L, sizeof *elig);
	col = tally_calloc(P > L ? P : L, sizeof *col);
	mins = tally_calloc(P > L ? P : L, sizeof *mins);
	if (!r->qualified || !r->qualification || !r->party_votes || !r->party_wins ||
	    !r->unter1 || !r->unter2 || !r->contingent || !r->minimum || !r->claim ||
	    !r->overhang || !r->uncompensated || !r->seats || !r->list_seats || !elig || !col ||
	    !mins) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	r->state = TALLY_SEATS_DONE;

	/* section 6(3): who takes part */
	for (uint32_t p = 0; p < P; p++) {
		for (uint32_t l = 0; l < L; l++) {
			r->party_votes[p] += in->votes[(size_t)p * L + l];
			r->party_wins[p] += in->wins[(size_t)p * L + l];
		}
		tally_seats_qualification q;
		if (seats_cmp_prod(r->party_votes[p], in->threshold.den, in->threshold.num,
		                   in->valid) >= 0)
			q = TALLY_SEATS_Q_PASSED;
		else if (in->exempt && in->exempt[p])
			q = TALLY_SEATS_Q_EXEMPT;
		else if (in->wins_qualify && r->party_wins[p] >= in->wins_qualify)
			q = TALLY_SEATS_Q_BY_WINS;
		else
			q = TALLY_SEATS_Q_EXCLUDED;
		r->qualification[p] = q;
		r->qualified[p] = q != TALLY_SEATS_Q_EXCLUDED;
		if (!r->qualified[p] && r->party_wins[p] > 0) {
			rc = tally_error_set(err, TALLY_EINVAL, "E023", in->party_ids[p],
			                     "%u constituencies won by a party without list seats: "
			                     "BWahlG section 6(1) sentence 2 is not implemented",
			                     r->party_wins[p]);
			goto out;
		}
	}

	/* section 6(2): 1st Oberverteilung by population */
	tally_apportion_input o1 = {L, in->population, NULL, NULL, in->house, in->land_ids, NULL, NULL};
	if ((rc = tally_apportion(&in->rule, &o1, &r->ober1, err)))
		goto out;
	if (r->ober1.state != TALLY_SEATS_DONE) {
		r->state = r->ober1.state;
		goto out;
	}
	/* 1st Unterverteilung per Land */
	for (uint32_t l = 0; l < L; l++) {
		for (uint32_t p = 0; p < P; p++) {
			col[p] = in->votes[(size_t)p * L + l];
			elig[p] = r->qualified[p] && col[p] > 0;
		}
		tally_apportion_input u = {P, col, NULL, elig, r->ober1.alloc[l], in->party_ids, NULL,
		                           NULL};
		if ((rc = tally_apportion(&in->rule, &u, &r->unter1[l], err))) {
			if (err && !err->where[0])
				snprintf(err->where, sizeof err->where, "%s", in->land_ids[l]);
			goto out;
		}
		if (r->unter1[l].state != TALLY_SEATS_DONE) {
			r->state = r->unter1[l].state;
			goto out;
		}
		for (uint32_t p = 0; p < P; p++)
			r->contingent[(size_t)p * L + l] = r->unter1[l].alloc[p];
	}
	/* section 6(4): minimums and claims */
	for (uint32_t p = 0; p < P; p++) {
		if (!r->qualified[p])
			continue;
		uint32_t sum_min = 0, sum_cont = 0;
		for (uint32_t l = 0; l < L; l++) {
			size_t x = (size_t)p * L + l;
			uint32_t w = in->wins[x], c = r->contingent[x];
			uint32_t mean = (c + w + 1) / 2; /* rounded half up */
			r->minimum[x] = w > mean ? w : mean;
			sum_min += r->minimum[x];
			sum_cont += c;
			if (w > c)
				r->overhang[p] += w - c;
		}
		r->claim[p] = sum_min > sum_cont ? sum_min : sum_cont;
		r->claims_total += r->claim[p];
	}
	/* section 6(5): the smallest house size that meets the claims */
	for (uint32_t p = 0; p < P; p++)
		elig[p] = r->qualified[p];
	uint32_t N = in->house;
	if (r->claims_total > in->uncompensated && r->claims_total - in->uncompensated > N)
		N = r->claims_total - in->uncompensated;
	for (;; N++) {
		if (N > TALLY_SEATS_MAX_SEATS) {
			rc = tally_error_set(err, TALLY_EINVAL, "E022", NULL,
			                     "no house size up to %u meets the claims",
			                     TALLY_SEATS_MAX_SEATS);
			goto out;
		}
		tally_apportion_input o2 = {P, r->party_votes, NULL, elig, N, in->party_ids, NULL, NULL};
		tally_apportionment_release(&r->ober2);
		if ((rc = tally_apportion(&in->rule, &o2, &r->ober2, err)))
			goto out;
		if (r->ober2.state != TALLY_SEATS_DONE) {
			r->state = r->ober2.state;
			r->size = N;
			goto out;
		}
		if (enough(r, &r->ober2, in->uncompensated))
			break;
	}
	r->size = N;
	r->total = N;
	for (uint32_t p = 0; p < P; p++) {
		uint32_t s = r->ober2.alloc[p];
		if (r->qualified[p] && s < r->claim[p])
			r->uncompensated[p] = r->claim[p] - s;
		r->seats[p] = s + r->uncompensated[p];
		r->total += r->uncompensated[p];
	}
	/* section 6(6): 2nd Unterverteilung with the minimums */
	for (uint32_t p = 0; p < P; p++) {
		if (!r->qualified[p])
			continue;
		for (uint32_t l = 0; l < L; l++) {
			size_t x = (size_t)p * L + l;
			col[l] = in->votes[x];
			mins[l] = r->minimum[x];
			elig[l] = col[l] > 0 || mins[l] > 0;
		}
		tally_apportion_input u = {L, col, mins, elig, r->seats[p], in->land_ids, NULL, NULL};
		if ((rc = tally_apportion(&in->rule, &u, &r->unter2[p], err))) {
			if (err && !err->where[0])
				snprintf(err->where, sizeof err->where, "%s", in->party_ids[p]);
			goto out;
		}
		if (r->unter2[p].state != TALLY_SEATS_DONE) {
			r->state = r->unter2[p].state;
			goto out;
		}
		for (uint32_t l = 0; l < L; l++)
			r->list_seats[(size_t)p * L + l] = r->unter2[p].alloc[l];
	}
out:
	tally_free(elig);
	tally_free(col);
	tally_free(mins);
	if (rc) {
		tally_bundestag_result_free(r);
		return rc;
	}
	*out = r;
	return TALLY_OK;
}
