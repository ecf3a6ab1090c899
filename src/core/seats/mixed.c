/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mixed.c: mixed systems built from the apportionment of apportion.c.
 *
 * Parallel (mixed-member majoritarian: Russian Duma 225 + 225, Azerbaijan
 * 1995/2000 100 + 25): the list tier is allocated on its own, as
 * tally_seats_allocate does, and the constituency seats are added; neither
 * tier looks at the other.
 *
 * Mixed-member proportional keeping overhang, New Zealand's Electoral Act
 * 1993 s.191: a party qualifies with at least 5 % of the total party votes
 * or at least one electorate seat (s.191(4)); the electorate seats won by
 * candidates of anyone else (independents, parties that did not qualify or
 * submitted no list) are subtracted from the 120 seats first (s.191(5));
 * the rest are apportioned over the qualifying parties by their party
 * votes with the Sainte-Lague formula (s.191(2)-(3)); each party's list
 * seats are its entitlement less its electorate seats, and a party with
 * more electorate seats than its entitlement keeps them all (s.191(7)):
 * the overhang is not compensated and the House grows (2008: 122 seats,
 * 2014: 121).
 */
#include "seats_int.h"

int tally_seats_parallel(const tally_seats_table *t, const tally_seats_config *c,
                         tally_seats_result **out, uint32_t *total, tally_error *err)
{
	int rc = tally_seats_allocate(t, c, out, err);
	if (rc)
		return rc;
	for (uint32_t p = 0; p < t->n_parties; p++)
		total[p] = (*out)->party_seats[p] + t->parties[p].wins;
	return TALLY_OK;
}

void tally_mmp_result_free(tally_mmp_result *r)
{
	if (!r)
		return;
	tally_apportionment_release(&r->party);
	tally_free(r->qualification);
	tally_free(r->list_seats);
	tally_free(r->overhang);
	tally_free(r->seats);
	tally_free(r);
}

int tally_seats_mmp(const tally_mmp_input *in, tally_mmp_result **out, tally_error *err)
{
	uint32_t n = in->n;
	int rc = TALLY_OK;
	bool *elig = NULL;
	if (n == 0 || (in->threshold.den == 0 && in->threshold.num > 0) ||
	    in->threshold.num > in->threshold.den || in->house == 0 ||
	    !tally_seats_method_is_divisor(in->rule.method))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "MMP needs parties, a house, a divisor method and a threshold "
		                       "share between 0 and 1");
	tally_mmp_result *r = tally_calloc(1, sizeof *r);
	if (!r)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	r->n = n;
	r->qualification = tally_calloc(n, sizeof *r->qualification);
	r->list_seats = tally_calloc(n, sizeof *r->list_seats);
	r->overhang = tally_calloc(n, sizeof *r->overhang);
	r->seats = tally_calloc(n, sizeof *r->seats);
	elig = tally_calloc(n, sizeof *elig);
	if (!r->qualification || !r->list_seats || !r->overhang || !r->seats || !elig) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	uint64_t sum = 0, wins = 0;
	for (uint32_t p = 0; p < n; p++) {
		sum += in->votes[p] > TALLY_SEATS_MAX_VOTES ? 0 : in->votes[p];
		wins += in->wins[p];
	}
	r->denominator = in->denominator ? in->denominator : sum;
	/* s.191(4): who qualifies */
	for (uint32_t p = 0; p < n; p++) {
		bool list = !in->list || in->list[p];
		tally_seats_qualification q;
		if (!list)
			q = TALLY_SEATS_Q_EXCLUDED;
		else if (in->threshold.num == 0)
			q = TALLY_SEATS_Q_NO_THRESHOLD;
		else if (seats_cmp_prod(in->votes[p], in->threshold.den, in->threshold.num,
		                        r->denominator) >= 0)
			q = TALLY_SEATS_Q_PASSED;
		else if (in->wins_qualify && in->wins[p] >= in->wins_qualify)
			q = TALLY_SEATS_Q_BY_WINS;
		else
			q = TALLY_SEATS_Q_EXCLUDED;
		r->qualification[p] = q;
		elig[p] = q != TALLY_SEATS_Q_EXCLUDED;
		if (!elig[p])
			r->other_wins += in->wins[p];
	}
	/* s.191(5): their electorate seats come off the house first */
	if (wins > TALLY_SEATS_MAX_SEATS || r->other_wins > in->house) {
		rc = tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                     "%u electorate seats outside the qualifying parties exceed the "
		                     "house of %u", r->other_wins, in->house);
		goto out;
	}
	r->apportioned = in->house - r->other_wins;
	tally_apportion_input ai = {n, in->votes, NULL, elig, r->apportioned, in->ids, NULL, NULL};
	bool any = false;
	for (uint32_t p = 0; p < n; p++)
		any = any || elig[p];
	if (!any) {
		rc = tally_error_set(err, TALLY_EINVAL, "E024", NULL, "no party qualifies");
		goto out;
	}
	if ((rc = tally_apportion(&in->rule, &ai, &r->party, err)))
		goto out;
	r->state = r->party.state;
	/* s.191(7): overhang kept */
	r->total = 0;
	for (uint32_t p = 0; p < n; p++) {
		uint32_t ent = elig[p] ? r->party.alloc[p] : 0;
		if (!elig[p]) {
			r->seats[p] = in->wins[p];
		} else if (in->wins[p] >= ent) {
			r->overhang[p] = in->wins[p] - ent;
			r->seats[p] = in->wins[p];
		} else {
			r->list_seats[p] = ent - in->wins[p];
			r->seats[p] = ent;
		}
		r->total += r->seats[p];
	}
out:
	tally_free(elig);
	if (rc) {
		tally_mmp_result_free(r);
		return rc;
	}
	*out = r;
	return TALLY_OK;
}
