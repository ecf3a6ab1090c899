/* SPDX-License-Identifier: Apache-2.0 */
/*
 * leveling.c: district seats with national leveling seats, as the
 * Norwegian Storting is elected (Election Act, valgloven, sections 11-3 to
 * 11-6; valg.no "Fordeling av utjevningsmandater"):
 *
 *   11-4  each county's district seats (its seats less its one leveling
 *         seat) go over the lists by modified Sainte-Lague, divisors 1.4,
 *         3, 5, ...;
 *   11-6  parties with at least 4 % of the votes in the whole country take
 *   (1)   part in the leveling. The seats to share are the leveling seats
 *         plus the district seats those parties won; they are shared by the
 *         parties' national votes with the same rule;
 *   (2)   a party whose district seats exceed its share is left out, with
 *         its district seats and votes, and the sharing is repeated until
 *         no party has more district seats than its share; each remaining
 *         party's leveling seats are its share less its district seats;
 *   (3)   placement: for every party with leveling seats and every county,
 *         the quotient votes / d, d = 1 when the party won no district seat
 *         there and 2s + 1 after s seats (the first divisor is 1, not 1.4),
 *         is divided by the county's votes per district seat (its votes
 *         over its district seats); going down all these figures, each
 *         gives a seat unless its county has its leveling seat already or
 *         its party has all of its leveling seats.
 *
 * All the figures are compared as cross products (v1 S1 d2 T2 against
 * v2 S2 d1 T1) in 256 bits. Level figures that can all be placed are
 * placed together; otherwise they are a tie for the rule's chain, where
 * "votes" compares the parties' national votes.
 */
#include "seats_int.h"

void tally_leveling_result_free(tally_leveling_result *r)
{
	if (!r)
		return;
	if (r->district)
		for (uint32_t d = 0; d < r->n_districts; d++)
			tally_apportionment_release(&r->district[d]);
	tally_free(r->district);
	tally_apportionment_release(&r->national);
	tally_apportionment_release(&r->placing);
	tally_free(r->party_votes);
	tally_free(r->district_seats);
	tally_free(r->eligible);
	tally_free(r->removed);
	tally_free(r->removed_in);
	tally_free(r->leveling);
	tally_free(r->placed);
	tally_free(r->order);
	tally_free(r->seats);
	tally_free(r);
}

/* sign of q(a) - q(b) for two placements */
static int place_cmp(const tally_leveling_place *a, const tally_leveling_place *b)
{
	seats_u128 an = (seats_u128)a->votes * a->county_seats;
	seats_u128 ad = (seats_u128)(a->won ? 2 * (uint64_t)a->won + 1 : 1) * a->county_votes;
	seats_u128 bn = (seats_u128)b->votes * b->county_seats;
	seats_u128 bd = (seats_u128)(b->won ? 2 * (uint64_t)b->won + 1 : 1) * b->county_votes;
	return seats_cmp_prod(an, bd, bn, ad);
}

int tally_seats_leveling(const tally_leveling_input *in, tally_leveling_result **out,
                         tally_error *err)
{
	uint32_t D = in->n_districts, P = in->n_parties;
	size_t cells = (size_t)D * P;
	int rc = TALLY_OK;
	bool *active = NULL;
	uint32_t *rem = NULL, *room = NULL, *buf = NULL, *win = NULL;
	uint64_t *county = NULL, *cvotes = NULL;
	const char **cid = NULL;
	if (D == 0 || P == 0 || in->threshold.den == 0 || in->threshold.num > in->threshold.den ||
	    !tally_seats_method_is_divisor(in->rule.method))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "leveling needs districts, parties, a divisor method and a "
		                       "threshold share");
	uint64_t total_seats = 0, total_leveling = 0;
	for (uint32_t d = 0; d < D; d++) {
		total_seats += (uint64_t)in->seats[d] + in->leveling[d];
		total_leveling += in->leveling[d];
		if (in->leveling[d] > 0 && in->seats[d] == 0)
			return tally_error_set(err, TALLY_EINVAL, "E020", in->district_ids[d],
			                       "a county with leveling seats needs district seats (its "
			                       "votes per district seat)");
	}
	if (total_seats > TALLY_SEATS_MAX_SEATS)
		return tally_error_set(err, TALLY_EINVAL, "E022", NULL, "more than %u seats",
		                       TALLY_SEATS_MAX_SEATS);
	tally_leveling_result *r = tally_calloc(1, sizeof *r);
	if (!r)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	r->n_districts = D;
	r->n_parties = P;
	r->district = tally_calloc(D, sizeof *r->district);
	r->party_votes = tally_calloc(P, sizeof *r->party_votes);
	r->district_seats = tally_calloc(P, sizeof *r->district_seats);
	r->eligible = tally_calloc(P, sizeof *r->eligible);
	r->removed = tally_calloc(P, sizeof *r->removed);
	r->removed_in = tally_calloc(P, sizeof *r->removed_in);
	r->leveling = tally_calloc(P, sizeof *r->leveling);
	r->placed = tally_calloc(cells, sizeof *r->placed);
	r->order = tally_calloc(total_leveling ? total_leveling : 1, sizeof *r->order);
	r->seats = tally_calloc(P, sizeof *r->seats);
	active = tally_calloc(P, sizeof *active);
	rem = tally_calloc(P, sizeof *rem);
	room = tally_calloc(D, sizeof *room);
	county = tally_calloc(D, sizeof *county);
	buf = tally_calloc(cells, sizeof *buf);
	win = tally_calloc(cells, sizeof *win);
	cvotes = tally_calloc(cells, sizeof *cvotes);
	cid = tally_calloc(cells, sizeof *cid);
	if (!r->district || !r->party_votes || !r->district_seats || !r->eligible || !r->removed ||
	    !r->removed_in || !r->leveling || !r->placed || !r->order || !r->seats || !active ||
	    !rem || !room || !county || !buf || !win || !cvotes || !cid) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	r->state = TALLY_SEATS_DONE;
	/* 11-4: the district seats */
	uint64_t V = 0;
	for (uint32_t d = 0; d < D; d++) {
		const uint64_t *v = &in->votes[(size_t)d * P];
		tally_apportion_input ai = {P, v, NULL, NULL, in->seats[d], in->party_ids, NULL, NULL};
		if ((rc = tally_apportion(&in->rule, &ai, &r->district[d], err))) {
			if (err && !err->where[0])
				snprintf(err->where, sizeof err->where, "%s", in->district_ids[d]);
			goto out;
		}
		if (r->district[d].state != TALLY_SEATS_DONE) {
			r->state = r->district[d].state;
			goto out;
		}
		for (uint32_t p = 0; p < P; p++) {
			r->party_votes[p] += v[p];
			r->district_seats[p] += r->district[d].alloc[p];
			county[d] += v[p];
		}
		V += county[d];
	}
	/* 11-6(1): the 4 % */
	bool any = false;
	for (uint32_t p = 0; p < P; p++) {
		r->eligible[p] = in->threshold.num == 0 ||
		                 seats_cmp_prod(r->party_votes[p], in->threshold.den, in->threshold.num,
		                                V) >= 0;
		active[p] = r->eligible[p] && r->party_votes[p] > 0;
		any = any || active[p];
	}
	if (!any && total_leveling > 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "E026", NULL,
		                     "no party reaches the leveling threshold: the %llu leveling seats "
		                     "cannot be allocated", (unsigned long long)total_leveling);
		goto out;
	}
	/* 11-6(2): national runs until no party has more district seats than
	 * its share */
	for (bool again = any; again;) {
		again = false;
		r->runs++;
		uint64_t N = total_seats;
		for (uint32_t p = 0; p < P; p++)
			if (!active[p])
				N -= r->district_seats[p];
		r->national_seats = (uint32_t)N;
		tally_apportionment_release(&r->national);
		tally_apportion_input ai = {P, r->party_votes, NULL, active, (uint32_t)N,
		                            in->party_ids, NULL, NULL};
		if ((rc = tally_apportion(&in->rule, &ai, &r->national, err)))
			goto out;
		if (r->national.state != TALLY_SEATS_DONE) {
			r->state = r->national.state;
			goto out;
		}
		for (uint32_t p = 0; p < P; p++)
			if (active[p] && r->district_seats[p] > r->national.alloc[p]) {
				active[p] = false;
				r->removed[p] = true;
				r->removed_in[p] = r->runs;
				again = true;
			}
	}
	uint64_t sum = 0;
	for (uint32_t p = 0; p < P; p++) {
		if (active[p])
			r->leveling[p] = r->national.alloc[p] - r->district_seats[p];
		rem[p] = r->leveling[p];
		sum += r->leveling[p];
	}
	TALLY_ASSERT(!any || sum == total_leveling);
	/* 11-6(3): placement in the counties */
	r->placing.n = (uint32_t)cells;
	r->placing.state = TALLY_SEATS_DONE;
	for (uint32_t d = 0; d < D; d++) {
		room[d] = in->leveling[d];
		for (uint32_t p = 0; p < P; p++) {
			cvotes[(size_t)d * P + p] = r->party_votes[p];
			cid[(size_t)d * P + p] = in->party_ids[p];
		}
	}
	tally_apportion_input ti = {(uint32_t)cells, cvotes, NULL, NULL, 0, cid, NULL, NULL};
	while (r->n_order < sum) {
		uint32_t k = 0;
		tally_leveling_place best, c;
		memset(&best, 0, sizeof best);
		for (uint32_t d = 0; d < D; d++) {
			if (!room[d])
				continue;
			for (uint32_t p = 0; p < P; p++) {
				uint64_t v = in->votes[(size_t)d * P + p];
				if (!rem[p] || v == 0)
					continue;
				c = (tally_leveling_place){d, p, v, r->district[d].alloc[p], county[d],
				                           in->seats[d]};
				int cmp = k ? place_cmp(&c, &best) : 1;
				if (cmp > 0) {
					best = c;
					k = 0;
				}
				if (cmp >= 0)
					buf[k++] = d * P + p;
			}
		}
		if (k == 0) {
			uint32_t p = 0;
			while (!rem[p])
				p++;
			rc = tally_error_set(err, TALLY_EINVAL, "E026", in->party_ids[p],
			                     "%u leveling seat(s) cannot be placed: every county where the "
			                     "party stands has its leveling seats", rem[p]);
			goto out;
		}
		/* level figures that can all be placed are no tie: place them all */
		bool all = true;
		for (uint32_t i = 0; i < k && all; i++) {
			uint32_t nd = 0, npp = 0;
			for (uint32_t j = 0; j < k; j++) {
				nd += buf[j] / P == buf[i] / P;
				npp += buf[j] % P == buf[i] % P;
			}
			all = nd <= room[buf[i] / P] && npp <= rem[buf[i] % P];
		}
		if (k > 1 && all) {
			for (uint32_t i = 0; i < k; i++) {
				uint32_t d = buf[i] / P, p = buf[i] % P;
				r->order[r->n_order++] = (tally_leveling_place){
					d, p, in->votes[buf[i]], r->district[d].alloc[p], county[d], in->seats[d]};
				r->placed[buf[i]]++;
				room[d]--;
				rem[p]--;
			}
			continue;
		}
		uint32_t cell = buf[0];
		if (k > 1) {
			tally_seats_state st = TALLY_SEATS_DONE;
			if ((rc = seats_settle(&in->rule, &ti, buf, k, 1, false, &r->placing, win, &st)))
				goto out;
			if (st != TALLY_SEATS_DONE) {
				r->state = r->placing.state = st;
				break;
			}
			cell = win[0];
		}
		uint32_t d = cell / P, p = cell % P;
		r->order[r->n_order++] = (tally_leveling_place){d, p, in->votes[cell],
		                                                 r->district[d].alloc[p], county[d],
		                                                 in->seats[d]};
		r->placed[cell]++;
		room[d]--;
		rem[p]--;
	}
	for (uint32_t p = 0; p < P; p++)
		r->seats[p] = r->district_seats[p] + r->leveling[p];
out:
	tally_free(active);
	tally_free(rem);
	tally_free(room);
	tally_free(county);
	tally_free(buf);
	tally_free(win);
	tally_free(cvotes);
	tally_free(cid);
	if (rc) {
		tally_leveling_result_free(r);
		return rc == TALLY_ENOMEM && err && !err->code[0]
		               ? tally_error_set(err, rc, "", NULL, "out of memory")
		               : rc;
	}
	*out = r;
	return TALLY_OK;
}
