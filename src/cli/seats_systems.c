/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seats_systems.c: `tally seats --system ...` for the systems other than
 * list PR by district: plurality and the block vote (every district a
 * contest, the columns its candidates), two-round (a first round per
 * district with its "registered" column), mixed-member proportional
 * keeping overhang (New Zealand: party votes summed over the table,
 * electorate seats from @wins) and county leveling seats (Norway: the
 * districts are counties). Each prints what the commission publishes, as
 * text or JSON, from the results of include/tally/seats.h.
 */
#include "cli/seats_cli.h"

#include <stdlib.h>
#include <string.h>

static const char *pid(const tally_seats_table *t, uint32_t p)
{
	return t->parties[p].id;
}

static void ruleline(const tally_seats_rule *r)
{
	printf("Ties: ");
	if (r->n_tie == 0)
		printf("no policy (a tie requires a drawing of lots)");
	for (uint32_t i = 0; i < r->n_tie; i++)
		printf("%s%s", i ? ", then " : "", tally_seats_tie_name(r->tie[i]));
	for (uint32_t i = 0; i < r->n_tie; i++)
		if (r->tie[i] == TALLY_SEATS_TIE_LOT)
			printf(" (seed %llu)", (unsigned long long)r->seed);
	printf("\n");
}

static int finish(tally_seats_state st)
{
	printf("State: %s\n", tally_seats_state_name(st));
	if (st == TALLY_SEATS_DONE)
		return EXIT_OK;
	fprintf(stderr, "error: the allocation is not complete: %s; %s\n", tally_seats_state_name(st),
	        st == TALLY_SEATS_FAILED ? "the tie policy 'fail' applies"
	                                 : "draw lots, or name a policy with --tie");
	return EXIT_USER;
}

static int finish_json(tally_seats_state st)
{
	printf(",\"state\":\"%s\"}\n", tally_seats_state_name(st));
	return st == TALLY_SEATS_DONE ? EXIT_OK : EXIT_USER;
}

/* ==== plurality and block vote ==== */

int seats_run_plurality(const tally_seats_table *t, const tally_seats_rule *rule, bool json)
{
	uint32_t np = t->n_parties;
	uint32_t *won = calloc(np, sizeof *won);
	uint64_t *v = calloc(np, sizeof *v);
	const char **ids = calloc(np, sizeof *ids);
	uint32_t *map = calloc(np, sizeof *map);
	tally_seats_state st = TALLY_SEATS_DONE;
	int rc = EXIT_OK;
	if (!won || !v || !ids || !map) {
		cli_errorf("out of memory");
		rc = EXIT_USER;
		goto out;
	}
	if (json)
		printf("{\"system\":\"plurality\",\"districts\":[");
	else {
		printf("Seat allocation: plurality (block vote where a district has several seats)\n");
		ruleline(rule);
	}
	for (uint32_t d = 0; d < t->n_districts; d++) {
		/* the candidates are the lists present in the district */
		uint32_t n = 0;
		for (uint32_t p = 0; p < np; p++)
			if (t->present[(size_t)d * np + p]) {
				map[n] = p;
				v[n] = t->votes[(size_t)d * np + p];
				ids[n] = pid(t, p);
				n++;
			}
		tally_candidates_input in = {n, v, ids, t->seats[d]};
		tally_apportionment a;
		tally_error err = TALLY_ERROR_INIT;
		if (tally_seats_plurality(rule, &in, &a, &err)) {
			if (json)
				printf("]}\n");
			snprintf(err.where, sizeof err.where, "district %s", t->district_ids[d]);
			cli_error(&err);
			rc = EXIT_USER;
			goto out;
		}
		if (st == TALLY_SEATS_DONE)
			st = a.state;
		if (json) {
			printf("%s{\"id\":", d ? "," : "");
			seats_json_str(t->district_ids[d]);
			printf(",\"seats\":%u,\"state\":\"%s\",\"candidates\":[", t->seats[d],
			       tally_seats_state_name(a.state));
		} else {
			printf("\nDistrict %s: %u seat%s%s%s\n", t->district_ids[d], t->seats[d],
			       t->seats[d] == 1 ? "" : "s", a.state == TALLY_SEATS_DONE ? "" : " -- ",
			       a.state == TALLY_SEATS_DONE ? "" : tally_seats_state_name(a.state));
		}
		for (uint32_t i = 0; i < n; i++) {
			char c[32];
			won[map[i]] += a.alloc[i];
			if (json) {
				printf("%s{\"id\":", i ? "," : "");
				seats_json_str(ids[i]);
				printf(",\"votes\":%llu,\"elected\":%s}", (unsigned long long)v[i],
				       a.alloc[i] ? "true" : "false");
			} else {
				printf("  %-24s %14s  %s\n", ids[i], cli_commas(v[i], c),
				       a.alloc[i] ? "elected" : "");
			}
		}
		/* tie records name candidates by their index in the district */
		for (uint32_t k = 0; k < a.n_ties; k++) {
			tally_seats_tie_record *r = &a.ties[k];
			for (uint32_t j = 0; j < r->n_tied; j++)
				r->tied[j] = map[r->tied[j]];
			for (uint32_t j = 0; j < r->n_winners; j++)
				r->winners[j] = map[r->winners[j]];
		}
		if (json)
			printf("],\"ties\":[");
		seats_print_ties(&a, t, json);
		if (json)
			printf("]}");
		tally_apportionment_release(&a);
	}
	if (json) {
		printf("],\"totals\":[");
		for (uint32_t p = 0; p < np; p++) {
			printf("%s{\"id\":", p ? "," : "");
			seats_json_str(pid(t, p));
			printf(",\"seats\":%u}", won[p]);
		}
		printf("]");
		rc = finish_json(st);
	} else {
		printf("\nSeats won:\n");
		for (uint32_t p = 0; p < np; p++)
			printf("  %-24s %6u\n", pid(t, p), won[p]);
		rc = finish(st);
	}
out:
	free(won);
	free(v);
	free(ids);
	free(map);
	return rc;
}

/* ==== two-round ==== */

int seats_run_two_round(const tally_seats_table *t, const tally_seats_rule *rule,
                        const tally_two_round_rule *tr, bool json)
{
	uint32_t np = t->n_parties;
	uint64_t *v = calloc(np, sizeof *v);
	const char **ids = calloc(np, sizeof *ids);
	uint32_t *map = calloc(np, sizeof *map);
	tally_seats_state st = TALLY_SEATS_DONE;
	int rc = EXIT_OK;
	char a[48], b[48];
	if (!v || !ids || !map) {
		cli_errorf("out of memory");
		rc = EXIT_USER;
		goto out;
	}
	if (json) {
		printf("{\"system\":\"two-round\",\"majority\":[%llu,%llu],\"strict\":%s,"
		       "\"of\":\"%s\",\"also_registered\":[%llu,%llu],\"runoff_registered\":[%llu,%llu],"
		       "\"districts\":[",
		       (unsigned long long)tr->majority.num, (unsigned long long)tr->majority.den,
		       tr->majority_strict ? "true" : "false",
		       tr->majority_of_registered ? "registered" : "votes",
		       (unsigned long long)tr->also_registered.num,
		       (unsigned long long)tr->also_registered.den,
		       (unsigned long long)tr->runoff_registered.num,
		       (unsigned long long)tr->runoff_registered.den);
	} else {
		printf("Two-round: elected in the first round with %s %s of the %s",
		       tr->majority_strict ? "more than" : "at least", seats_pct(tr->majority, a),
		       tr->majority_of_registered ? "registered voters" : "valid votes");
		if (tr->also_registered.num)
			printf(" and at least %s of the registered voters",
			       seats_pct(tr->also_registered, b));
		printf("\nRunoff: ");
		if (tr->runoff_registered.num)
			printf("every candidate with at least %s of the registered voters, at least two\n",
			       seats_pct(tr->runoff_registered, a));
		else
			printf("the top two\n");
		ruleline(rule);
	}
	for (uint32_t d = 0; d < t->n_districts; d++) {
		uint32_t n = 0;
		for (uint32_t p = 0; p < np; p++)
			if (t->present[(size_t)d * np + p]) {
				map[n] = p;
				v[n] = t->votes[(size_t)d * np + p];
				ids[n] = pid(t, p);
				n++;
			}
		tally_candidates_input in = {n, v, ids, 1};
		tally_two_round_result o;
		tally_error err = TALLY_ERROR_INIT;
		if (tally_seats_two_round(rule, tr, &in, t->valid[d], t->registered[d], &o, &err)) {
			if (json)
				printf("]}\n");
			snprintf(err.where, sizeof err.where, "district %s", t->district_ids[d]);
			cli_error(&err);
			rc = EXIT_USER;
			goto out;
		}
		if (st == TALLY_SEATS_DONE)
			st = o.state;
		char c1[32], c2[32];
		if (json) {
			printf("%s{\"id\":", d ? "," : "");
			seats_json_str(t->district_ids[d]);
			printf(",\"valid\":%llu,\"registered\":%llu,\"state\":\"%s\",\"elected\":",
			       (unsigned long long)o.valid, (unsigned long long)o.registered,
			       tally_seats_state_name(o.state));
			if (o.elected)
				seats_json_str(ids[o.winner]);
			else
				printf("null");
			printf(",\"runoff\":[");
			for (uint32_t j = 0; j < o.n_runoff; j++) {
				printf("%s", j ? "," : "");
				seats_json_str(ids[o.runoff[j]]);
			}
			printf("],\"note\":");
			seats_json_str(o.note);
			printf(",\"candidates\":[");
			for (uint32_t i = 0; i < n; i++) {
				printf("%s{\"id\":", i ? "," : "");
				seats_json_str(ids[i]);
				printf(",\"votes\":%llu}", (unsigned long long)v[i]);
			}
			printf("],\"ties\":[");
		} else {
			printf("\nDistrict %s: %s valid votes", t->district_ids[d], cli_commas(o.valid, c1));
			if (o.registered)
				printf(", %s registered voters", cli_commas(o.registered, c2));
			printf("\n");
			for (uint32_t i = 0; i < n; i++)
				printf("  %-24s %14s %9s\n", ids[i], cli_commas(v[i], c1),
				       seats_pct((tally_ratio){v[i], o.valid ? o.valid : 1}, a));
		}
		for (uint32_t k = 0; k < o.pick.n_ties; k++) {
			tally_seats_tie_record *r = &o.pick.ties[k];
			for (uint32_t j = 0; j < r->n_tied; j++)
				r->tied[j] = map[r->tied[j]];
			for (uint32_t j = 0; j < r->n_winners; j++)
				r->winners[j] = map[r->winners[j]];
		}
		seats_print_ties(&o.pick, t, json);
		if (json)
			printf("]}");
		else
			printf("  %s\n", o.note);
		tally_two_round_release(&o);
	}
	if (json) {
		printf("]");
		rc = finish_json(st);
	} else {
		rc = finish(st);
	}
out:
	free(v);
	free(ids);
	free(map);
	return rc;
}

/* ==== MMP ==== */

int seats_run_mmp(const tally_seats_table *t, const tally_seats_config *c, bool json)
{
	uint32_t np = t->n_parties;
	uint64_t *votes = calloc(np, sizeof *votes);
	uint32_t *wins = calloc(np, sizeof *wins);
	bool *list = calloc(np, sizeof *list);
	const char **ids = calloc(np, sizeof *ids);
	tally_mmp_result *r = NULL;
	int rc = EXIT_OK;
	char a[48], b[48], d1[48], d2[48];
	if (!votes || !wins || !list || !ids) {
		cli_errorf("out of memory");
		rc = EXIT_USER;
		goto out;
	}
	uint32_t house = 0;
	for (uint32_t d = 0; d < t->n_districts; d++)
		house += t->seats[d];
	for (uint32_t p = 0; p < np; p++) {
		ids[p] = pid(t, p);
		wins[p] = t->parties[p].wins;
		for (uint32_t d = 0; d < t->n_districts; d++) {
			votes[p] += t->votes[(size_t)d * np + p];
			list[p] = list[p] || t->present[(size_t)d * np + p];
		}
	}
	tally_mmp_input in = {np, votes, wins, list, ids, c->national_denominator, house,
	                      c->threshold, c->wins_qualify, c->rule};
	tally_error err = TALLY_ERROR_INIT;
	if (tally_seats_mmp(&in, &r, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
		goto out;
	}
	const tally_apportionment *ap = &r->party;
	if (json) {
		printf("{\"system\":\"mmp\",\"method\":\"%s\",\"house\":%u,\"denominator\":%llu,"
		       "\"other_wins\":%u,\"apportioned\":%u,\"total\":%u",
		       tally_seats_method_name(c->rule.method), house,
		       (unsigned long long)r->denominator, r->other_wins, r->apportioned, r->total);
		if (ap->has_divisor)
			printf(",\"divisor\":[%llu,%llu]", (unsigned long long)ap->divisor.num,
			       (unsigned long long)ap->divisor.den);
		printf(",\"parties\":[");
		for (uint32_t p = 0; p < np; p++) {
			printf("%s{\"id\":", p ? "," : "");
			seats_json_str(ids[p]);
			printf(",\"votes\":%llu,\"list\":%s,\"qualification\":\"%s\",\"electorate\":%u,"
			       "\"entitlement\":%u,\"list_seats\":%u,\"overhang\":%u,\"seats\":%u}",
			       (unsigned long long)votes[p], list[p] ? "true" : "false",
			       tally_seats_qualification_name(r->qualification[p]), wins[p], ap->alloc[p],
			       r->list_seats[p], r->overhang[p], r->seats[p]);
		}
		printf("],\"ties\":[");
		seats_print_ties(ap, t, true);
		printf("]");
		rc = finish_json(r->state);
		goto out;
	}
	printf("Mixed-member proportional, overhang kept (Electoral Act 1993 s.191): %s\n",
	       tally_seats_method_title(c->rule.method));
	ruleline(&c->rule);
	printf("Threshold: %s of %s party votes", seats_pct(c->threshold, a),
	       cli_commas(r->denominator, d1));
	if (c->wins_qualify)
		printf(", or %u electorate seat%s", c->wins_qualify, c->wins_qualify == 1 ? "" : "s");
	printf("\nSeats apportioned: %s = %u seats less %u electorate seats outside the qualifying "
	       "parties",
	       cli_commas(r->apportioned, d2), house, r->other_wins);
	if (ap->has_divisor)
		printf(", divisor %s", tally_ratio_fmt(ap->divisor, b));
	printf("\n\n  %-24s %14s %9s %-18s %10s %11s %5s %8s %6s\n", "party", "votes", "share",
	       "status", "electorate", "entitlement", "list", "overhang", "seats");
	for (uint32_t p = 0; p < np; p++) {
		char vv[32];
		printf("  %-24s %14s %9s %-18s %10u %11u %5u %8u %6u\n", ids[p], cli_commas(votes[p], vv),
		       seats_pct((tally_ratio){votes[p], r->denominator ? r->denominator : 1}, a),
		       list[p] ? tally_seats_qualification_name(r->qualification[p]) : "no list",
		       wins[p], ap->alloc[p], r->list_seats[p], r->overhang[p], r->seats[p]);
	}
	seats_print_ties(ap, t, false);
	printf("\nTotal: %u seats (%u overhang)\n", r->total, r->total - house);
	rc = finish(r->state);
out:
	tally_mmp_result_free(r);
	free(votes);
	free(wins);
	free(list);
	free(ids);
	return rc;
}

/* ==== leveling seats ==== */

int seats_run_leveling(const tally_seats_table *t, const tally_seats_config *c,
                       uint32_t leveling, bool json)
{
	uint32_t np = t->n_parties, nd = t->n_districts;
	uint32_t *lev = calloc(nd, sizeof *lev);
	const char **pids = calloc(np, sizeof *pids);
	tally_leveling_result *r = NULL;
	int rc = EXIT_OK;
	char a[48], b[48];
	if (!lev || !pids) {
		cli_errorf("out of memory");
		rc = EXIT_USER;
		goto out;
	}
	for (uint32_t d = 0; d < nd; d++)
		lev[d] = leveling;
	for (uint32_t p = 0; p < np; p++)
		pids[p] = pid(t, p);
	tally_leveling_input in = {nd, np, (const char *const *)t->district_ids, pids, t->seats, lev,
	                           t->votes, c->threshold, c->rule};
	tally_error err = TALLY_ERROR_INIT;
	if (tally_seats_leveling(&in, &r, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
		goto out;
	}
	if (json) {
		printf("{\"system\":\"leveling\",\"method\":\"%s\",\"leveling_per_district\":%u,"
		       "\"threshold\":[%llu,%llu],\"runs\":%u,\"national_seats\":%u,\"districts\":[",
		       tally_seats_method_name(c->rule.method), leveling,
		       (unsigned long long)c->threshold.num, (unsigned long long)c->threshold.den,
		       r->runs, r->national_seats);
		for (uint32_t d = 0; d < nd; d++) {
			printf("%s{\"id\":", d ? "," : "");
			seats_json_str(t->district_ids[d]);
			printf(",\"seats\":%u,\"state\":\"%s\",\"lists\":[", t->seats[d],
			       tally_seats_state_name(r->district[d].state));
			for (uint32_t p = 0; p < np; p++) {
				printf("%s{\"party\":", p ? "," : "");
				seats_json_str(pids[p]);
				printf(",\"votes\":%llu,\"seats\":%u,\"leveling\":%u}",
				       (unsigned long long)t->votes[(size_t)d * np + p],
				       r->district[d].alloc[p], r->placed[(size_t)d * np + p]);
			}
			printf("],\"ties\":[");
			seats_print_ties(&r->district[d], t, true);
			printf("]}");
		}
		printf("],\"parties\":[");
		for (uint32_t p = 0; p < np; p++) {
			printf("%s{\"id\":", p ? "," : "");
			seats_json_str(pids[p]);
			printf(",\"votes\":%llu,\"eligible\":%s,\"removed_in_run\":%u,\"district_seats\":%u,"
			       "\"leveling\":%u,\"seats\":%u}",
			       (unsigned long long)r->party_votes[p], r->eligible[p] ? "true" : "false",
			       r->removed_in[p], r->district_seats[p], r->leveling[p], r->seats[p]);
		}
		printf("],\"placement\":[");
		for (uint32_t k = 0; k < r->n_order; k++) {
			const tally_leveling_place *pl = &r->order[k];
			printf("%s{\"district\":", k ? "," : "");
			seats_json_str(t->district_ids[pl->district]);
			printf(",\"party\":");
			seats_json_str(pids[pl->party]);
			printf(",\"votes\":%llu,\"won\":%u,\"county_votes\":%llu,\"county_seats\":%u}",
			       (unsigned long long)pl->votes, pl->won,
			       (unsigned long long)pl->county_votes, pl->county_seats);
		}
		printf("],\"placement_ties\":%u", r->placing.n_ties);
		rc = finish_json(r->state);
		goto out;
	}
	printf("Leveling seats (valgloven sections 11-3 to 11-6): %s\n",
	       tally_seats_method_title(c->rule.method));
	if (c->rule.method == TALLY_SEATS_MODIFIED_SL)
		printf("First divisor: %s\n",
		       tally_ratio_fmt(c->rule.first.den ? c->rule.first : (tally_ratio){7, 5}, a));
	printf("%u district%s, %u leveling seat%s each\n", nd, nd == 1 ? "" : "s", leveling,
	       leveling == 1 ? "" : "s");
	ruleline(&c->rule);
	for (uint32_t d = 0; d < nd; d++) {
		printf("\nDistrict %s: %u district seat%s\n", t->district_ids[d], t->seats[d],
		       t->seats[d] == 1 ? "" : "s");
		for (uint32_t p = 0; p < np; p++) {
			char vv[32];
			size_t x = (size_t)d * np + p;
			if (!t->present[x])
				continue;
			printf("  %-24s %14s %6u%s\n", pids[p], cli_commas(t->votes[x], vv),
			       r->district[d].alloc[p], r->placed[x] ? "  + 1 leveling" : "");
		}
		seats_print_ties(&r->district[d], t, false);
	}
	printf("\nNational (leveling threshold %s): %u run%s, the last over %u seats\n",
	       seats_pct(c->threshold, a), r->runs, r->runs == 1 ? "" : "s", r->national_seats);
	printf("  %-24s %14s %9s %-26s %8s %8s %6s\n", "party", "votes", "share", "status",
	       "district", "leveling", "seats");
	uint64_t all = 0;
	for (uint32_t p = 0; p < np; p++)
		all += r->party_votes[p];
	for (uint32_t p = 0; p < np; p++) {
		char vv[32], st[48];
		if (!r->eligible[p])
			snprintf(st, sizeof st, "below the threshold");
		else if (r->removed[p])
			snprintf(st, sizeof st, "left out in run %u", r->removed_in[p]);
		else
			snprintf(st, sizeof st, "levelled: share %u", r->national.alloc[p]);
		printf("  %-24s %14s %9s %-26s %8u %8u %6u\n", pids[p], cli_commas(r->party_votes[p], vv),
		       seats_pct((tally_ratio){r->party_votes[p], all ? all : 1}, b), st,
		       r->district_seats[p], r->leveling[p], r->seats[p]);
	}
	printf("\nPlacement, by votes / divisor / (county votes / district seats):\n");
	for (uint32_t k = 0; k < r->n_order; k++) {
		const tally_leveling_place *pl = &r->order[k];
		char v1[32], v2[32];
		/* display only: the quotient to 6 decimals */
		unsigned __int128 num = (unsigned __int128)pl->votes * pl->county_seats * 1000000u;
		unsigned __int128 den = (unsigned __int128)(pl->won ? 2 * (uint64_t)pl->won + 1 : 1) *
		                        pl->county_votes;
		uint64_t q = (uint64_t)(num / den);
		printf("  %2u. %-16s %-24s %s / %u / (%s / %u) = %llu.%06llu\n", k + 1,
		       t->district_ids[pl->district], pids[pl->party], cli_commas(pl->votes, v1),
		       pl->won ? 2 * pl->won + 1 : 1, cli_commas(pl->county_votes, v2), pl->county_seats,
		       (unsigned long long)(q / 1000000), (unsigned long long)(q % 1000000));
	}
	if (r->placing.n_ties)
		printf("  %u tie(s) between placements, settled by the policy chain\n", r->placing.n_ties);
	rc = finish(r->state);
out:
	tally_leveling_result_free(r);
	free(lev);
	free(pids);
	return rc;
}

/* ==== Bundestag, 2023 reform ==== */

/* lands_by_party lays the Länder table "lands" out by party for the
 * Bundestag rules: votes[p * L + l] (L Länder), each party's id and
 * exemption from the threshold; returns the valid second votes of the
 * country (each Land's stated valid votes, else the sum of its row). */
static uint64_t lands_by_party(const tally_seats_table *lands, uint64_t *votes, const char **pids,
                               bool *exempt)
{
	uint32_t P = lands->n_parties, L = lands->n_districts;
	uint64_t valid = 0;
	for (uint32_t p = 0; p < P; p++) {
		pids[p] = pid(lands, p);
		exempt[p] = lands->parties[p].exempt;
	}
	for (uint32_t l = 0; l < L; l++) {
		uint64_t sum = 0;
		for (uint32_t p = 0; p < P; p++) {
			votes[(size_t)p * L + l] = lands->votes[(size_t)l * P + p];
			sum += lands->votes[(size_t)l * P + p];
		}
		valid += lands->valid[l] ? lands->valid[l] : sum;
	}
	return valid;
}

int seats_run_bundestag2023(const tally_seats_table *lands, const tally_seats_table *cons,
                            const tally_seats_config *c, uint32_t house, bool json)
{
	uint32_t L = lands->n_districts, P = lands->n_parties, C = cons->n_districts;
	uint64_t *votes = calloc((size_t)L * P, sizeof *votes);
	bool *exempt = calloc(P, sizeof *exempt);
	const char **pids = calloc(P, sizeof *pids);
	uint32_t *land = calloc(C, sizeof *land), *winner = calloc(C, sizeof *winner);
	uint64_t *wv = calloc(C, sizeof *wv), *vf = calloc(C, sizeof *vf);
	const char **wname = calloc(C, sizeof *wname);
	tally_bundestag2023_result *r = NULL;
	int rc = EXIT_OK;
	char a[48], b[48], c1[32], c2[32];
	if (!votes || !exempt || !pids || !land || !winner || !wv || !vf || !wname) {
		cli_errorf("out of memory");
		rc = EXIT_USER;
		goto out;
	}
	uint64_t valid = lands_by_party(lands, votes, pids, exempt);
	if (c->national_denominator)
		valid = c->national_denominator;
	/* each constituency: its Land, and the most first votes wins */
	uint32_t cp = cons->n_parties;
	for (uint32_t k = 0; k < C; k++) {
		const char *cid = cons->district_ids[k];
		const char *rg = cons->region[k];
		land[k] = L;
		for (uint32_t l = 0; rg && l < L; l++)
			if (strcmp(lands->district_ids[l], rg) == 0)
				land[k] = l;
		if (land[k] == L) {
			fprintf(stderr, "error: constituency %s: its region '%s' is not a Land of the "
			                "table [E028]; give every constituency a 'region' naming a Land row\n",
			        cid, rg ? rg : "");
			rc = EXIT_USER;
			goto out;
		}
		uint64_t best = 0, sum = 0;
		uint32_t nbest = 0, w = 0;
		for (uint32_t q = 0; q < cp; q++) {
			uint64_t x = cons->votes[(size_t)k * cp + q];
			sum += x;
			if (x > best) {
				best = x;
				nbest = 1;
				w = q;
			} else if (x == best && x > 0) {
				nbest++;
			}
		}
		if (nbest != 1) {
			fprintf(stderr, "error: constituency %s: %s [E027]; settle the constituency "
			                "(BWahlG section 5: lot) and give its winner more votes\n",
			        cid, nbest ? "a tie for the most first votes" : "no first votes");
			rc = EXIT_USER;
			goto out;
		}
		winner[k] = P;
		for (uint32_t p = 0; p < P; p++)
			if (strcmp(pids[p], pid(cons, w)) == 0)
				winner[k] = p;
		wname[k] = pid(cons, w);
		wv[k] = best;
		vf[k] = cons->valid[k] ? cons->valid[k] : sum;
	}
	tally_bundestag2023_input in = {L, P, C, (const char *const *)lands->district_ids, pids,
	                                (const char *const *)cons->district_ids, exempt, votes,
	                                valid, land, winner, wv, vf, house, c->threshold,
	                                c->wins_qualify, c->rule};
	tally_error err = TALLY_ERROR_INIT;
	if (tally_seats_bundestag2023(&in, &r, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
		goto out;
	}
	if (json) {
		printf("{\"system\":\"bundestag2023\",\"method\":\"%s\",\"house\":%u,\"valid\":%llu,"
		       "\"independents\":%u,\"size\":%u,\"majority_bonus\":%u,\"total\":%u",
		       tally_seats_method_name(c->rule.method), house, (unsigned long long)valid,
		       r->independents, r->size, r->majority_bonus, r->total);
		if (r->ober.has_divisor)
			printf(",\"divisor\":[%llu,%llu]", (unsigned long long)r->ober.divisor.num,
			       (unsigned long long)r->ober.divisor.den);
		printf(",\"parties\":[");
		for (uint32_t p = 0; p < P; p++) {
			printf("%s{\"id\":", p ? "," : "");
			seats_json_str(pids[p]);
			printf(",\"votes\":%llu,\"qualification\":\"%s\",\"wins\":%u,\"seats\":%u,"
			       "\"uncovered\":%u,\"lists\":[",
			       (unsigned long long)r->party_votes[p],
			       tally_seats_qualification_name(r->qualification[p]), r->party_wins[p],
			       r->seats[p], r->uncovered[p]);
			for (uint32_t l = 0; l < L; l++) {
				printf("%s{\"land\":", l ? "," : "");
				seats_json_str(lands->district_ids[l]);
				printf(",\"seats\":%u,\"from_list\":%u}", r->list_seats[(size_t)p * L + l],
				       r->from_list[(size_t)p * L + l]);
			}
			printf("]}");
		}
		printf("],\"constituencies\":[");
		for (uint32_t k = 0; k < C; k++) {
			printf("%s{\"id\":", k ? "," : "");
			seats_json_str(cons->district_ids[k]);
			printf(",\"land\":");
			seats_json_str(lands->district_ids[land[k]]);
			printf(",\"winner\":");
			seats_json_str(wname[k]);
			printf(",\"votes\":%llu,\"valid\":%llu,\"rank\":%u,\"covered\":%s}",
			       (unsigned long long)wv[k], (unsigned long long)vf[k], r->rank[k],
			       r->covered[k] || winner[k] == P ? "true" : "false");
		}
		printf("],\"ranking_ties\":%u", r->ranking.n_ties);
		rc = finish_json(r->state);
		goto out;
	}
	printf("Bundestag, BWahlG as reformed in 2023 (Zweitstimmendeckung): %s\n",
	       tally_seats_method_title(c->rule.method));
	ruleline(&c->rule);
	printf("Threshold: %s of %s valid second votes", seats_pct(c->threshold, a),
	       cli_commas(valid, c1));
	if (c->wins_qualify)
		printf(", or %u constituency wins", c->wins_qualify);
	printf("; national minorities exempt\n");
	printf("Seats: %u less %u independent%s = %u", house, r->independents,
	       r->independents == 1 ? "" : "s", r->size);
	if (r->ober.has_divisor)
		printf(", divisor %s", tally_ratio_fmt(r->ober.divisor, b));
	printf("\n");
	if (r->majority_bonus)
		printf("Majority clause (section 4(4)): %s gets %u more seat%s\n",
		       pids[r->majority_party], r->majority_bonus, r->majority_bonus == 1 ? "" : "s");
	printf("\n  %-24s %14s %9s %-18s %5s %6s %10s\n", "party", "second votes", "share", "status",
	       "wins", "seats", "uncovered");
	for (uint32_t p = 0; p < P; p++)
		printf("  %-24s %14s %9s %-18s %5u %6u %10u\n", pids[p],
		       cli_commas(r->party_votes[p], c1),
		       seats_pct((tally_ratio){r->party_votes[p], valid ? valid : 1}, a),
		       tally_seats_qualification_name(r->qualification[p]), r->party_wins[p],
		       r->seats[p], r->uncovered[p]);
	printf("\nLand lists (winners by first-vote share; '-' = no seat):\n");
	uint32_t covered = 0, lists = 0, uncovered = 0;
	for (uint32_t p = 0; p < P; p++)
		for (uint32_t l = 0; l < L; l++) {
			uint32_t s = r->list_seats[(size_t)p * L + l];
			bool any = s > 0;
			for (uint32_t k = 0; k < C && !any; k++)
				any = winner[k] == p && land[k] == l;
			if (!any)
				continue;
			printf("  %s %s: %u seat%s, %u from the list\n", pids[p], lands->district_ids[l], s,
			       s == 1 ? "" : "s", r->from_list[(size_t)p * L + l]);
			lists += r->from_list[(size_t)p * L + l];
			for (uint32_t rank = 1; rank <= C; rank++)
				for (uint32_t k = 0; k < C; k++) {
					if (winner[k] != p || land[k] != l || r->rank[k] != rank)
						continue;
					/* display only: the share to 3 decimals of a per cent */
					uint64_t sh = (uint64_t)((unsigned __int128)wv[k] * 100000u / vf[k]);
					printf("    %2u. %-20s %12s %3llu.%03llu %%  %s\n", rank, cons->district_ids[k],
					       cli_commas(wv[k], c2), (unsigned long long)(sh / 1000),
					       (unsigned long long)(sh % 1000), r->covered[k] ? "seat" : "-");
					covered += r->covered[k];
					uncovered += !r->covered[k];
				}
		}
	for (uint32_t i = 0; i < r->ranking.n_ties; i++) {
		const tally_seats_tie_record *t = &r->ranking.ties[i];
		printf("  tie in first-vote share for %u seat%s between", t->seats,
		       t->seats == 1 ? "" : "s");
		for (uint32_t j = 0; j < t->n_tied; j++)
			printf("%s %s", j ? "," : "", cons->district_ids[t->tied[j]]);
		if (t->settled_by < 0)
			printf(": drawing of lots required\n");
		else if (t->settled_by == TALLY_SEATS_TIE_FAIL)
			printf(": the allocation fails (tie policy 'fail')\n");
		else {
			printf(": settled by '%s' for", tally_seats_tie_name((tally_seats_tie)t->settled_by));
			for (uint32_t j = 0; j < t->n_winners; j++)
				printf("%s %s", j ? "," : "", cons->district_ids[t->winners[j]]);
			printf("\n");
		}
	}
	printf("\nTotal: %u seats: %u constituency winners, %u from the lists, %u independent%s; "
	       "%u winner%s without a seat\n",
	       r->total, covered, lists, r->independents, r->independents == 1 ? "" : "s", uncovered,
	       uncovered == 1 ? "" : "s");
	rc = finish(r->state);
out:
	tally_bundestag2023_result_free(r);
	free(votes);
	free(exempt);
	free(pids);
	free(land);
	free(winner);
	free(wv);
	free(vf);
	free(wname);
	return rc;
}

/* ==== Bundestag, BWahlG section 6 as amended in 2020 ==== */

/* "(above, at most]" of a divisor apportionment of "v" */
static void range_fmt(const tally_seats_rule *rule, const uint64_t *v, const tally_apportionment *a,
                      char lo[48], char hi[48])
{
	if (a->has_lower)
		tally_seats_quotient_fmt(rule, v[a->lower_party], a->lower_seat, lo);
	else
		strcpy(lo, "0");
	if (a->has_upper)
		tally_seats_quotient_fmt(rule, v[a->upper_party], a->upper_seat, hi);
	else
		strcpy(hi, "inf");
}

static void ties_ids(const tally_apportionment *a, const char *const *ids, bool json)
{
	for (uint32_t i = 0; i < a->n_ties; i++) {
		const tally_seats_tie_record *t = &a->ties[i];
		if (json) {
			printf("%s{\"seats\":%u,\"removal\":%s,\"settled_by\":", i ? "," : "", t->seats,
			       t->removal ? "true" : "false");
			if (t->settled_by < 0)
				printf("null");
			else
				seats_json_str(tally_seats_tie_name((tally_seats_tie)t->settled_by));
			printf(",\"tied\":[");
			for (uint32_t j = 0; j < t->n_tied; j++) {
				printf("%s", j ? "," : "");
				seats_json_str(ids[t->tied[j]]);
			}
			printf("],\"winners\":[");
			for (uint32_t j = 0; j < t->n_winners; j++) {
				printf("%s", j ? "," : "");
				seats_json_str(ids[t->winners[j]]);
			}
			printf("]}");
			continue;
		}
		printf("    tie for %u seat%s between", t->seats, t->seats == 1 ? "" : "s");
		for (uint32_t j = 0; j < t->n_tied; j++)
			printf("%s %s", j ? "," : "", ids[t->tied[j]]);
		if (t->settled_by < 0)
			printf(": drawing of lots required\n");
		else if (t->settled_by == TALLY_SEATS_TIE_FAIL)
			printf(": the allocation fails (tie policy 'fail')\n");
		else {
			printf(": settled by '%s' for", tally_seats_tie_name((tally_seats_tie)t->settled_by));
			for (uint32_t j = 0; j < t->n_winners; j++)
				printf("%s %s", j ? "," : "", ids[t->winners[j]]);
			printf("\n");
		}
	}
}

static bool done(const tally_apportionment *a)
{
	return a->alloc && a->state == TALLY_SEATS_DONE;
}

static void json_divisor(const char *key, const tally_seats_rule *rule, const uint64_t *v,
                         const tally_apportionment *a)
{
	char lo[48], hi[48];
	range_fmt(rule, v, a, lo, hi);
	printf("\"%s\":{\"seats\":%u,\"state\":\"%s\"", key, a->seats, tally_seats_state_name(a->state));
	if (a->has_divisor)
		printf(",\"divisor\":[%llu,%llu]", (unsigned long long)a->divisor.num,
		       (unsigned long long)a->divisor.den);
	printf(",\"divisor_above\":\"%s\",\"divisor_at_most\":\"%s\"}", lo, hi);
}

static int print_bundestag2020(const tally_bundestag_input *in, const tally_bundestag_result *r,
                               const char *const *land_names, const char *source, bool json)
{
	uint32_t L = in->n_lands, P = in->n_parties;
	const tally_seats_rule *ru = &in->rule;
	const char *const *lids = in->land_ids, *const *pids = in->party_ids;
	char a[48], b[48], lo[48], hi[48], c1[32], c2[32];
	bool ok1 = done(&r->ober1), ok2 = ok1, ok3, ok4;
	uint64_t *col = calloc(L > P ? L : P, sizeof *col);
	if (!col) {
		cli_errorf("out of memory");
		return EXIT_USER;
	}
	for (uint32_t l = 0; ok2 && l < L; l++)
		ok2 = done(&r->unter1[l]);
	ok3 = ok2 && done(&r->ober2);
	ok4 = ok3;
	for (uint32_t p = 0; ok4 && p < P; p++)
		ok4 = !r->qualified[p] || done(&r->unter2[p]);
	if (json) {
		printf("{\"system\":\"bundestag2020\",\"method\":\"%s\",\"house\":%u,\"valid\":%llu,"
		       "\"threshold\":[%llu,%llu],\"wins_qualify\":%u,\"uncompensated_allowed\":%u,"
		       "\"claims_total\":%u,\"size\":%u,\"total\":%u,\"lands\":[",
		       tally_seats_method_name(ru->method), in->house, (unsigned long long)in->valid,
		       (unsigned long long)in->threshold.num, (unsigned long long)in->threshold.den,
		       in->wins_qualify, in->uncompensated, r->claims_total, r->size, r->total);
		for (uint32_t l = 0; l < L; l++) {
			printf("%s{\"id\":", l ? "," : "");
			seats_json_str(lids[l]);
			if (land_names) {
				printf(",\"name\":");
				seats_json_str(land_names[l]);
			}
			printf(",\"population\":%llu,\"seats\":%u", (unsigned long long)in->population[l],
			       ok1 ? r->ober1.alloc[l] : 0);
			if (ok1 && r->unter1[l].alloc) {
				for (uint32_t p = 0; p < P; p++)
					col[p] = in->votes[(size_t)p * L + l];
				printf(",");
				json_divisor("unter1", ru, col, &r->unter1[l]);
				printf(",\"unter1_ties\":[");
				ties_ids(&r->unter1[l], pids, true);
				printf("]");
			}
			printf("}");
		}
		printf("],");
		if (r->ober1.alloc) {
			json_divisor("ober1", ru, in->population, &r->ober1);
			printf(",\"ober1_ties\":[");
			ties_ids(&r->ober1, lids, true);
			printf("],");
		}
		if (r->ober2.alloc) {
			json_divisor("ober2", ru, r->party_votes, &r->ober2);
			printf(",\"ober2_ties\":[");
			ties_ids(&r->ober2, pids, true);
			printf("],");
		}
		printf("\"parties\":[");
		for (uint32_t p = 0; p < P; p++) {
			printf("%s{\"id\":", p ? "," : "");
			seats_json_str(pids[p]);
			printf(",\"votes\":%llu,\"wins\":%u,\"exempt\":%s,\"qualification\":\"%s\"",
			       (unsigned long long)r->party_votes[p], r->party_wins[p],
			       in->exempt && in->exempt[p] ? "true" : "false",
			       tally_seats_qualification_name(r->qualification[p]));
			if (r->qualified[p] && ok2) {
				printf(",\"claim\":%u,\"overhang\":%u", r->claim[p], r->overhang[p]);
				if (ok3)
					printf(",\"ober2\":%u,\"uncompensated\":%u,\"seats\":%u",
					       r->ober2.alloc[p], r->uncompensated[p], r->seats[p]);
				if (ok3 && r->unter2[p].alloc) {
					for (uint32_t l = 0; l < L; l++)
						col[l] = in->votes[(size_t)p * L + l];
					printf(",");
					json_divisor("unter2", ru, col, &r->unter2[p]);
					printf(",\"unter2_ties\":[");
					ties_ids(&r->unter2[p], lids, true);
					printf("]");
				}
				printf(",\"lists\":[");
				for (uint32_t l = 0; l < L; l++) {
					size_t x = (size_t)p * L + l;
					printf("%s{\"land\":", l ? "," : "");
					seats_json_str(lids[l]);
					printf(",\"votes\":%llu,\"wins\":%u,\"contingent\":%u,\"minimum\":%u,"
					       "\"seats\":%u}",
					       (unsigned long long)in->votes[x], in->wins[x], r->contingent[x],
					       r->minimum[x], ok4 ? r->list_seats[x] : 0);
				}
				printf("]");
			}
			printf("}");
		}
		printf("]");
		free(col);
		return finish_json(r->state);
	}

	printf("Bundestag, BWahlG section 6 as amended in 2020: %s\n", tally_seats_method_title(ru->method));
	if (source)
		printf("Source: %s\n", source);
	ruleline(ru);
	printf("\nStep 1, who takes part (section 6(3)): %s of %s valid second votes", 
	       seats_pct(in->threshold, a), cli_commas(in->valid, c1));
	if (in->wins_qualify)
		printf(", or %u constituency wins", in->wins_qualify);
	printf("; national minorities exempt\n");
	printf("  %-45s %14s %9s %5s  %s\n", "party", "second votes", "share", "wins", "status");
	for (uint32_t p = 0; p < P; p++)
		printf("  %-45s %14s %9s %5u  %s\n", pids[p], cli_commas(r->party_votes[p], c1),
		       seats_pct((tally_ratio){r->party_votes[p], in->valid}, a), r->party_wins[p],
		       tally_seats_qualification_name(r->qualification[p]));

	if (!r->ober1.alloc)
		goto end;
	range_fmt(ru, in->population, &r->ober1, lo, hi);
	printf("\nStep 2, 1st Oberverteilung (section 6(2)): %u seats over the Laender by population",
	       in->house);
	if (r->ober1.has_divisor)
		printf(", divisor %s", tally_ratio_fmt(r->ober1.divisor, a));
	printf(", divisor range (%s, %s]\n", lo, hi);
	printf("  %-4s %-24s %14s %6s\n", "Land", "", "population", "seats");
	for (uint32_t l = 0; l < L; l++)
		printf("  %-4s %-24s %14s %6u\n", lids[l], land_names ? land_names[l] : "",
		       cli_commas(in->population[l], c1), r->ober1.alloc[l]);
	ties_ids(&r->ober1, lids, false);
	if (!ok1)
		goto end;

	printf("\nStep 3, 1st Unterverteilung (Sitzkontingente), and step 4, the minimum of each "
	       "Land list (section 6(4): the higher of its wins and the mean of wins and contingent "
	       "rounded up):\n");
	for (uint32_t l = 0; l < L; l++) {
		const tally_apportionment *u = &r->unter1[l];
		if (!u->alloc)
			break;
		for (uint32_t p = 0; p < P; p++)
			col[p] = in->votes[(size_t)p * L + l];
		range_fmt(ru, col, u, lo, hi);
		printf("  %s %s: %u seats", lids[l], land_names ? land_names[l] : "", r->ober1.alloc[l]);
		if (u->has_divisor)
			printf(", divisor %s", tally_ratio_fmt(u->divisor, a));
		printf(", divisor range (%s, %s]%s%s\n", lo, hi, u->state == TALLY_SEATS_DONE ? "" : " -- ",
		       u->state == TALLY_SEATS_DONE ? "" : tally_seats_state_name(u->state));
		printf("    %-43s %14s %10s %5s %8s\n", "party", "second votes", "contingent", "wins",
		       "minimum");
		for (uint32_t p = 0; p < P; p++) {
			size_t x = (size_t)p * L + l;
			if (!r->qualified[p] || (in->votes[x] == 0 && in->wins[x] == 0))
				continue;
			printf("    %-43s %14s %10u %5u %8u\n", pids[p], cli_commas(in->votes[x], c1),
			       u->alloc[p], in->wins[x], u->state == TALLY_SEATS_DONE ? r->minimum[x] : 0);
		}
		ties_ids(u, pids, false);
	}
	if (!ok2)
		goto end;

	printf("\nStep 4, minimum claims (Mindestsitzanspruch: the higher of the sums of the "
	       "contingents and of the minimums):\n");
	printf("  %-45s %11s %9s %6s %9s\n", "party", "contingents", "minimums", "claim", "overhang");
	for (uint32_t p = 0; p < P; p++) {
		if (!r->qualified[p])
			continue;
		uint32_t sc = 0, sm = 0;
		for (uint32_t l = 0; l < L; l++) {
			sc += r->contingent[(size_t)p * L + l];
			sm += r->minimum[(size_t)p * L + l];
		}
		printf("  %-45s %11u %9u %6u %9u\n", pids[p], sc, sm, r->claim[p], r->overhang[p]);
	}
	printf("  %-45s %11s %9s %6u\n", "total", "", "", r->claims_total);

	if (!r->ober2.alloc)
		goto end;
	range_fmt(ru, r->party_votes, &r->ober2, lo, hi);
	printf("\nStep 5, 2nd Oberverteilung (section 6(5)): house size %u, the smallest at which "
	       "every party reaches its claim (parties with overhang may fall short by %u seats in "
	       "all, kept as uncompensated overhang)",
	       r->size, in->uncompensated);
	if (r->ober2.has_divisor)
		printf(", divisor %s", tally_ratio_fmt(r->ober2.divisor, a));
	printf(", divisor range (%s, %s]\n", lo, hi);
	printf("  %-45s %14s %6s %6s %14s %6s\n", "party", "second votes", "claim", "at N",
	       "uncompensated", "seats");
	for (uint32_t p = 0; p < P; p++) {
		if (!r->qualified[p])
			continue;
		printf("  %-45s %14s %6u %6u %14u %6u\n", pids[p], cli_commas(r->party_votes[p], c1),
		       r->claim[p], r->ober2.alloc[p], r->uncompensated[p],
		       ok3 ? r->seats[p] : 0);
	}
	ties_ids(&r->ober2, pids, false);
	if (!ok3)
		goto end;

	printf("\nStep 6, 2nd Unterverteilung (section 6(6)): each party's seats over its Land "
	       "lists, every list keeping its minimum\n");
	for (uint32_t p = 0; p < P; p++) {
		const tally_apportionment *u = &r->unter2[p];
		if (!r->qualified[p])
			continue;
		if (!u->alloc)
			break;
		for (uint32_t l = 0; l < L; l++)
			col[l] = in->votes[(size_t)p * L + l];
		range_fmt(ru, col, u, lo, hi);
		printf("  %s: %u seat%s", pids[p], r->seats[p], r->seats[p] == 1 ? "" : "s");
		if (u->has_divisor)
			printf(", divisor %s", tally_ratio_fmt(u->divisor, a));
		printf(", divisor range (%s, %s]%s%s\n", lo, hi, u->state == TALLY_SEATS_DONE ? "" : " -- ",
		       u->state == TALLY_SEATS_DONE ? "" : tally_seats_state_name(u->state));
		for (uint32_t l = 0; l < L; l++) {
			size_t x = (size_t)p * L + l;
			if (in->votes[x] == 0 && r->minimum[x] == 0)
				continue;
			uint32_t s = u->alloc[l];
			printf("    %-4s %14s  minimum %3u  seats %3u  (%u constituenc%s, %u from the list)\n",
			       lids[l], cli_commas(in->votes[x], c2), r->minimum[x], s, in->wins[x],
			       in->wins[x] == 1 ? "y" : "ies", s > in->wins[x] ? s - in->wins[x] : 0);
		}
		ties_ids(u, lids, false);
	}
	if (!ok4)
		goto end;
	uint32_t wins = 0;
	printf("\nSeats:\n");
	for (uint32_t p = 0; p < P; p++) {
		if (!r->qualified[p])
			continue;
		printf("  %-45s %4u\n", pids[p], r->seats[p]);
		wins += r->party_wins[p];
	}
	printf("\nTotal: %u seats (house size %u + %u uncompensated overhang): %u constituency "
	       "winners, %u from the lists\n",
	       r->total, r->size, r->total - r->size, wins, r->total - wins);
	(void)b;
end:
	free(col);
	return finish(r->state);
}

/* runs the procedure on a filled input; "exempt_names" add to in->exempt */
static int run_bundestag2020(tally_bundestag_input *in, bool *exempt, const char *const *exempt_names,
                             uint32_t n_exempt, const char *const *land_names,
                             const char *source, bool json)
{
	for (uint32_t i = 0; i < n_exempt; i++) {
		uint32_t p = 0;
		while (p < in->n_parties && strcmp(in->party_ids[p], exempt_names[i]))
			p++;
		if (p == in->n_parties) {
			fprintf(stderr, "error: --exempt '%s' names no party of the votes [%s]\n",
			        exempt_names[i], "E033");
			return EXIT_USER;
		}
		exempt[p] = true;
	}
	in->exempt = exempt;
	tally_bundestag_result *r = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_seats_bundestag2020(in, &r, &err)) {
		cli_error(&err);
		return EXIT_USER;
	}
	int rc = print_bundestag2020(in, r, land_names, source, json);
	tally_bundestag_result_free(r);
	return rc;
}

static void apply_params(tally_bundestag_input *in, const seats_bt2020_opts *o)
{
	in->house = o->house;
	in->threshold = o->c->threshold;
	in->wins_qualify = o->c->wins_qualify;
	in->uncompensated = o->uncompensated;
	in->rule = o->c->rule;
	if (o->c->national_denominator)
		in->valid = o->c->national_denominator;
}

int seats_run_bundestag2020_kerg(const char *kerg_file, const seats_bt2020_opts *o)
{
	size_t len = 0, plen = 0;
	char *buf = cli_read(kerg_file, TALLY_MAX_INPUT_BYTES, &len);
	char *pbuf = NULL;
	tally_kerg *k = NULL;
	uint64_t *pop = NULL;
	bool *exempt = NULL;
	int rc = EXIT_USER;
	tally_error err = TALLY_ERROR_INIT;
	if (!buf)
		goto out;
	if (tally_kerg_parse(buf, len, kerg_file, &k, &err)) {
		cli_error(&err);
		goto out;
	}
	if (!(pbuf = cli_read(o->population, TALLY_MAX_INPUT_BYTES, &plen)))
		goto out;
	pop = calloc(k->n_lands, sizeof *pop);
	exempt = calloc(k->n_parties, sizeof *exempt);
	if (!pop || !exempt) {
		cli_errorf("out of memory");
		goto out;
	}
	if (tally_seats_population_parse(pbuf, plen, o->population, k->n_lands,
	                                 (const char *const *)k->land_ids,
	                                 (const char *const *)k->land_names, k->land_nr, pop, &err)) {
		cli_error(&err);
		goto out;
	}
	tally_bundestag_input in;
	tally_kerg_bundestag_input(k, &in);
	in.population = pop;
	apply_params(&in, o);
	char source[512];
	snprintf(source, sizeof source, "%s, %s (%s: %u Laender, %u constituencies, %u parties)",
	         k->title ? k->title : "", k->status ? k->status : "", kerg_file, k->n_lands,
	         k->n_constituencies, k->n_parties);
	rc = run_bundestag2020(&in, exempt, o->exempt, o->n_exempt,
	                       (const char *const *)k->land_names, source, o->json);
out:
	free(exempt);
	free(pop);
	tally_kerg_free(k);
	free(pbuf);
	free(buf);
	return rc;
}

int seats_run_bundestag2020_table(const tally_seats_table *lands, const tally_seats_table *cons,
                                  const seats_bt2020_opts *o)
{
	uint32_t L = lands->n_districts, P = lands->n_parties, C = cons->n_districts;
	uint64_t *votes = calloc((size_t)L * P, sizeof *votes);
	uint32_t *wins = calloc((size_t)L * P, sizeof *wins);
	uint64_t *pop = calloc(L, sizeof *pop);
	bool *exempt = calloc(P, sizeof *exempt);
	const char **pids = calloc(P, sizeof *pids);
	char *pbuf = NULL;
	int rc = EXIT_USER;
	tally_error err = TALLY_ERROR_INIT;
	if (!votes || !wins || !pop || !exempt || !pids) {
		cli_errorf("out of memory");
		goto out;
	}
	uint64_t valid = lands_by_party(lands, votes, pids, exempt);
	/* each constituency: its Land, and the most first votes wins */
	uint32_t cp = cons->n_parties;
	for (uint32_t k = 0; k < C; k++) {
		const char *cid = cons->district_ids[k], *rg = cons->region[k];
		uint32_t land = L;
		for (uint32_t l = 0; rg && l < L; l++)
			if (strcmp(lands->district_ids[l], rg) == 0)
				land = l;
		if (land == L) {
			fprintf(stderr, "error: constituency %s: its region '%s' is not a Land of the "
			                "table [E028]; give every constituency a 'region' naming a Land row\n",
			        cid, rg ? rg : "");
			goto out;
		}
		uint64_t best = 0;
		uint32_t nbest = 0, w = 0;
		for (uint32_t q = 0; q < cp; q++) {
			uint64_t x = cons->votes[(size_t)k * cp + q];
			if (x > best) {
				best = x;
				nbest = 1;
				w = q;
			} else if (x == best && x > 0) {
				nbest++;
			}
		}
		if (nbest != 1) {
			fprintf(stderr, "error: constituency %s: %s [E027]; settle the constituency "
			                "(BWahlG section 5: lot) and give its winner more votes\n",
			        cid, nbest ? "a tie for the most first votes" : "no first votes");
			goto out;
		}
		uint32_t p = 0;
		while (p < P && strcmp(pids[p], pid(cons, w)))
			p++;
		if (p == P) {
			fprintf(stderr, "error: constituency %s: won by '%s', no party of the table: "
			                "BWahlG section 6(1) sentence 2 is not implemented [E023]\n",
			        cid, pid(cons, w));
			goto out;
		}
		wins[(size_t)p * L + land]++;
	}
	size_t plen = 0;
	if (!(pbuf = cli_read(o->population, TALLY_MAX_INPUT_BYTES, &plen)))
		goto out;
	if (tally_seats_population_parse(pbuf, plen, o->population, L,
	                                 (const char *const *)lands->district_ids, NULL, NULL, pop,
	                                 &err)) {
		cli_error(&err);
		goto out;
	}
	tally_bundestag_input in;
	memset(&in, 0, sizeof in);
	in.n_lands = L;
	in.n_parties = P;
	in.land_ids = (const char *const *)lands->district_ids;
	in.party_ids = pids;
	in.votes = votes;
	in.wins = wins;
	in.valid = valid;
	in.population = pop;
	apply_params(&in, o);
	rc = run_bundestag2020(&in, exempt, o->exempt, o->n_exempt, NULL, NULL, o->json);
out:
	free(votes);
	free(wins);
	free(pop);
	free(exempt);
	free(pids);
	free(pbuf);
	return rc;
}
