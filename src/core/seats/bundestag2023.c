/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundestag2023.c: the seat allocation of the German Bundestag under the
 * Bundeswahlgesetz as reformed in 2023 (Gesetz vom 8. Juni 2023, in force
 * for the election of 2025), with the rule the caller passes
 * (Sainte-Lague/Schepers, section 5):
 *
 *   4(1)  630 seats, less the constituencies won by independents (6(2));
 *   4(2)  parties with at least 5 % of the valid second votes share them by
 *         second votes (Oberverteilung); national-minority parties are
 *         exempt; after BVerfG 2 BvF 1/23 (30 July 2024) also parties with
 *         three constituency wins (wins_qualify; 0 applies the 2023 text);
 *   4(4)  a party with more than half of the second votes of all the
 *         qualifying parties but not more than half of the seats gets more
 *         seats until it has one more than half; the house grows by them;
 *   4(3)  each party's seats go over its Land lists by second votes
 *         (Unterverteilung);
 *   6(1)  Zweitstimmendeckung: in each Land the party's constituency
 *         winners, ranked by their share of the valid first votes of their
 *         constituency, take the list's seats in that order while they
 *         last; winners beyond them take no seat; the seats left go to the
 *         list candidates;
 *   6(3)  a tie in the ranking is settled by lot (the rule's chain).
 *
 * There is no overhang and no leveling: every party has exactly its
 * Oberverteilung seats (plus a majority bonus). The second votes of voters
 * whose first vote went to a successful independent (4(2) sentence 2) are
 * to be taken out by the caller; the list candidates themselves (6(4):
 * a list that runs out leaves seats empty) are not modelled.
 */
#include "seats_int.h"

void tally_bundestag2023_result_free(tally_bundestag2023_result *r)
{
	if (!r)
		return;
	tally_apportionment_release(&r->ober);
	tally_apportionment_release(&r->ranking);
	if (r->unter)
		for (uint32_t p = 0; p < r->n_parties; p++)
			tally_apportionment_release(&r->unter[p]);
	tally_free(r->unter);
	tally_free(r->qualification);
	tally_free(r->party_votes);
	tally_free(r->party_wins);
	tally_free(r->seats);
	tally_free(r->list_seats);
	tally_free(r->covered);
	tally_free(r->rank);
	tally_free(r->uncovered);
	tally_free(r->from_list);
	tally_free(r);
}

/* sign of share(a) - share(b), share = winner_votes / valid_first */
static int share_cmp(const tally_bundestag2023_input *in, uint32_t a, uint32_t b)
{
	return seats_cmp_prod(in->winner_votes[a], in->valid_first[b], in->winner_votes[b],
	                      in->valid_first[a]);
}

int tally_seats_bundestag2023(const tally_bundestag2023_input *in,
                              tally_bundestag2023_result **out, tally_error *err)
{
	uint32_t L = in->n_lands, P = in->n_parties, C = in->n_constituencies;
	size_t cells = (size_t)L * P;
	int rc = TALLY_OK;
	bool *elig = NULL;
	uint64_t *col = NULL;
	uint32_t *grp = NULL, *win = NULL;
	if (L == 0 || P == 0 || in->threshold.den == 0 || in->threshold.num > in->threshold.den ||
	    in->valid == 0 || in->house == 0 || !tally_seats_method_is_divisor(in->rule.method))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "the Bundestag procedure needs Laender, parties, a house, a "
		                       "divisor method, valid votes and a threshold share");
	for (uint32_t c = 0; c < C; c++)
		if (in->land[c] >= L || in->winner[c] > P || in->valid_first[c] == 0 ||
		    in->winner_votes[c] > in->valid_first[c])
			return tally_error_set(err, TALLY_EINVAL, "E020", in->constituency_ids[c],
			                       "a constituency needs a Land, a winner, valid first votes "
			                       "and no more winner votes than valid ones");
	tally_bundestag2023_result *r = tally_calloc(1, sizeof *r);
	if (!r)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	r->n_lands = L;
	r->n_parties = P;
	r->n_constituencies = C;
	r->qualification = tally_calloc(P, sizeof *r->qualification);
	r->party_votes = tally_calloc(P, sizeof *r->party_votes);
	r->party_wins = tally_calloc(P, sizeof *r->party_wins);
	r->seats = tally_calloc(P, sizeof *r->seats);
	r->unter = tally_calloc(P, sizeof *r->unter);
	r->list_seats = tally_calloc(cells, sizeof *r->list_seats);
	r->from_list = tally_calloc(cells, sizeof *r->from_list);
	r->covered = tally_calloc(C ? C : 1, sizeof *r->covered);
	r->rank = tally_calloc(C ? C : 1, sizeof *r->rank);
	r->uncovered = tally_calloc(P, sizeof *r->uncovered);
	elig = tally_calloc(P > L ? P : L, sizeof *elig);
	col = tally_calloc(P > L ? P : L, sizeof *col);
	grp = tally_calloc(C ? C : 1, sizeof *grp);
	win = tally_calloc(C ? C : 1, sizeof *win);
	if (!r->qualification || !r->party_votes || !r->party_wins || !r->seats || !r->unter ||
	    !r->list_seats || !r->from_list || !r->covered || !r->rank || !r->uncovered || !elig ||
	    !col || !grp || !win) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	r->state = TALLY_SEATS_DONE;
	r->ranking.n = C;
	r->ranking.state = TALLY_SEATS_DONE;
	for (uint32_t c = 0; c < C; c++) {
		if (in->winner[c] == P)
			r->independents++;
		else
			r->party_wins[in->winner[c]]++;
	}
	/* 4(1), 4(2): who takes part, and how many seats */
	uint64_t qvotes = 0;
	for (uint32_t p = 0; p < P; p++) {
		for (uint32_t l = 0; l < L; l++)
			r->party_votes[p] += in->votes[(size_t)p * L + l];
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
		elig[p] = q != TALLY_SEATS_Q_EXCLUDED;
		if (elig[p])
			qvotes += r->party_votes[p];
	}
	if (r->independents >= in->house) {
		rc = tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                     "%u independents for a house of %u", r->independents, in->house);
		goto out;
	}
	r->size = in->house - r->independents;
	tally_apportion_input o = {P, r->party_votes, NULL, elig, r->size, in->party_ids, NULL, NULL};
	if ((rc = tally_apportion(&in->rule, &o, &r->ober, err)))
		goto out;
	if (r->ober.state != TALLY_SEATS_DONE) {
		r->state = r->ober.state;
		goto out;
	}
	/* 4(4): the majority clause */
	for (uint32_t p = 0; p < P; p++) {
		r->seats[p] = r->ober.alloc[p];
		if (elig[p] && r->party_votes[p] * 2 > qvotes && 2 * (uint64_t)r->seats[p] <= r->size) {
			r->majority_bonus = r->size - 2 * r->seats[p] + 1;
			r->majority_party = p;
			r->seats[p] += r->majority_bonus;
		}
	}
	r->total = r->size + r->majority_bonus + r->independents;
	/* 4(3): the Unterverteilung */
	for (uint32_t p = 0; p < P; p++) {
		if (!elig[p])
			continue;
		for (uint32_t l = 0; l < L; l++) {
			col[l] = in->votes[(size_t)p * L + l];
			elig[l] = col[l] > 0;
		}
		tally_apportion_input u = {L, col, NULL, elig, r->seats[p], in->land_ids, NULL, NULL};
		rc = tally_apportion(&in->rule, &u, &r->unter[p], err);
		/* elig is shared: restore the parties' */
		for (uint32_t q = 0; q < P; q++)
			elig[q] = r->qualification[q] != TALLY_SEATS_Q_EXCLUDED;
		if (rc) {
			if (err && !err->where[0])
				snprintf(err->where, sizeof err->where, "%s", in->party_ids[p]);
			goto out;
		}
		if (r->unter[p].state != TALLY_SEATS_DONE) {
			r->state = r->unter[p].state;
			goto out;
		}
		for (uint32_t l = 0; l < L; l++)
			r->list_seats[(size_t)p * L + l] = r->unter[p].alloc[l];
	}
	/* 6(1): Zweitstimmendeckung per Land list */
	tally_apportion_input ti = {C, in->winner_votes, NULL, NULL, 0, in->constituency_ids, NULL,
	                            NULL};
	for (uint32_t p = 0; p < P; p++)
		for (uint32_t l = 0; l < L; l++) {
			uint32_t k = 0, seats = r->list_seats[(size_t)p * L + l];
			for (uint32_t c = 0; c < C; c++)
				if (in->winner[c] == p && in->land[c] == l)
					grp[k++] = c;
			for (uint32_t i = 0; i < k; i++) {
				r->rank[grp[i]] = 1;
				for (uint32_t j = 0; j < k; j++)
					if (share_cmp(in, grp[j], grp[i]) > 0)
						r->rank[grp[i]]++;
			}
			/* covered: rank <= seats, unless the ranks level at the edge
			 * straddle it */
			uint32_t level = 0, edge_rank = 0;
			for (uint32_t i = 0; i < k; i++)
				if (r->rank[grp[i]] <= seats && r->rank[grp[i]] > edge_rank)
					edge_rank = r->rank[grp[i]];
			for (uint32_t i = 0; i < k; i++)
				if (r->rank[grp[i]] == edge_rank)
					level++;
			uint32_t covered = 0;
			if (edge_rank && edge_rank + level - 1 > seats) {
				/* the tied at edge_rank straddle the last seat */
				uint32_t t = 0, sure = edge_rank - 1;
				for (uint32_t i = 0; i < k; i++) {
					if (r->rank[grp[i]] < edge_rank) {
						r->covered[grp[i]] = true;
						covered++;
					} else if (r->rank[grp[i]] == edge_rank) {
						grp[t++] = grp[i]; /* compacting: i >= t */
					}
				}
				tally_seats_state st = TALLY_SEATS_DONE;
				if ((rc = seats_settle(&in->rule, &ti, grp, t, seats - sure, false, &r->ranking,
				                       win, &st))) {
					rc = tally_error_set(err, rc, "", NULL, "out of memory");
					goto out;
				}
				uint32_t nw = r->ranking.ties[r->ranking.n_ties - 1].n_winners;
				for (uint32_t i = 0; i < nw; i++) {
					r->covered[win[i]] = true;
					covered++;
				}
				if (st != TALLY_SEATS_DONE) {
					r->state = r->ranking.state = st;
					goto out;
				}
			} else {
				for (uint32_t i = 0; i < k; i++)
					if (r->rank[grp[i]] <= seats) {
						r->covered[grp[i]] = true;
						covered++;
					}
			}
			r->uncovered[p] += k - covered;
			r->from_list[(size_t)p * L + l] = seats - covered;
		}
out:
	tally_free(elig);
	tally_free(col);
	tally_free(grp);
	tally_free(win);
	if (rc) {
		tally_bundestag2023_result_free(r);
		return rc;
	}
	*out = r;
	return TALLY_OK;
}
