/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim.c: the synthetic election (src/core/sim.c). The default run must
 * look like the Milli Majlis election of 2015 (125 constituencies, about
 * 5,500 stations, 5.2-5.9 million registered, 700+ candidates, turnout near
 * 55.7 %), every clean protocol must pass the template's checks, the entry
 * rounds must play out through the double-entry rules to the true
 * protocols, ties and invalid constituencies must count as failed and
 * invalid, the output must be a function of the options alone, bad options
 * must be refused (S101), and a failed allocation anywhere must leave a
 * clean error and no leak.
 */
#include "testutil.h"
#include "tally/forensics.h"

#include <math.h>

/* ==== helpers ==== */

static tally_sim *sim_run(const tally_sim_options *o)
{
	tally_sim *s = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_simulate(o, &s, &err);
	if (rc)
		print_error("tally_simulate: %d %s %s: %s\n", rc, err.code, err.where, err.msg);
	assert_int_equal(rc, TALLY_OK);
	assert_non_null(s);
	return s;
}

static uint64_t line(const tally_election *e, const tally_protocol *p, const char *key)
{
	int i = tally_template_line(e->tmpl, key);
	assert_true(i >= 0);
	return p->lines[i];
}

/* The true protocol of every station that has one, by station (NULL when
 * the station is annulled): round[1] with double entry, else round[0]
 * corrected by round[1]. */
static const tally_protocol **truth_of(const tally_sim *s)
{
	const tally_election *e = s->e;
	const tally_protocol **t = calloc(e->n_stations, sizeof *t);
	assert_non_null(t);
	if (e->double_entry) {
		for (size_t i = 0; i < s->n_round[1]; i++)
			t[s->round[1][i].p.station] = &s->round[1][i].p;
	} else {
		for (size_t i = 0; i < s->n_round[0]; i++)
			t[s->round[0][i].p.station] = &s->round[0][i].p;
		for (size_t i = 0; i < s->n_round[1]; i++)
			t[s->round[1][i].p.station] = &s->round[1][i].p;
	}
	return t;
}

static bool same_protocol(const tally_protocol *a, const tally_protocol *b)
{
	return a->station == b->station && a->n_lines == b->n_lines && a->n_cand == b->n_cand &&
	       memcmp(a->lines, b->lines, a->n_lines * sizeof *a->lines) == 0 &&
	       memcmp(a->cand, b->cand, a->n_cand * sizeof *a->cand) == 0;
}

/* Counts the true protocols with tally_results and returns the results. */
static tally_results *count_truth(const tally_sim *s)
{
	const tally_election *e = s->e;
	const tally_protocol **t = truth_of(s);
	tally_results *r = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	for (uint32_t st = 0; st < e->n_stations; st++)
		if (t[st])
			assert_int_equal(tally_results_add(r, t[st], 1, &err), TALLY_OK);
	for (size_t i = 0; i < s->n_annul; i++)
		tally_results_annul_station(r, s->annul[i].station);
	assert_int_equal(tally_results_finish(r, &err), TALLY_OK);
	free(t);
	return r;
}

/* ==== the default election ==== */

static void test_default_shape(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	assert_int_equal(o.seed, 2015);
	assert_int_equal(o.constituencies, 125);
	assert_true(o.double_entry);
	tally_sim *s = sim_run(&o);
	const tally_election *e = s->e;

	assert_int_equal(e->n_constituencies, 125);
	assert_int_equal(e->seats, 125);
	assert_int_equal(e->n_contests, 1);
	assert_true(e->n_stations >= 5300 && e->n_stations <= 5700);
	assert_int_equal(e->n_parties, 13);
	assert_int_equal(e->n_blocs, 1);
	assert_true(e->blocs[0].n_members >= 2 && e->blocs[0].n_members <= 3);
	assert_true(e->n_candidates >= 700);
	assert_string_equal(e->tmpl->preset, "az-mm");
	assert_string_equal(e->id, "az-mm-sim-2015");
	assert_true(e->double_entry);

	uint64_t reg = 0, lo = UINT64_MAX, hi = 0;
	uint32_t types[4] = {0};
	for (uint32_t i = 0; i < e->n_stations; i++) {
		const tally_station *st = &e->stations[i];
		reg += st->registered;
		if (st->registered < lo)
			lo = st->registered;
		if (st->registered > hi)
			hi = st->registered;
		types[st->type]++;
	}
	assert_true(reg >= 5200000 && reg <= 5900000);
	assert_true(lo >= 20 && hi <= 4000);
	assert_true(types[TALLY_STATION_ORDINARY] > e->n_stations * 9 / 10);
	assert_true(types[TALLY_STATION_SPECIAL] > 0);
	assert_true(types[TALLY_STATION_ABROAD] > 0);
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency *k = &e->constituencies[c];
		assert_int_equal(k->magnitude, 1);
		assert_int_equal(k->tier, 1);
		assert_true(k->n_candidates >= 4 && k->n_candidates <= 9);
		for (uint32_t i = c + 1; i < e->n_constituencies; i++)
			assert_string_not_equal(k->name, e->constituencies[i].name);
	}
	/* every kind of nominator, every party and the bloc nominate */
	uint32_t noms[4] = {0}, by_party[13] = {0}, by_bloc = 0;
	for (uint32_t i = 0; i < e->n_candidates; i++) {
		const tally_candidate *c = &e->candidates[i];
		noms[c->nominator]++;
		if (c->nominator == TALLY_NOM_PARTY)
			by_party[c->nominated_by]++;
		if (c->nominator == TALLY_NOM_BLOC)
			by_bloc++;
		if (c->nominator == TALLY_NOM_INITIATIVE)
			assert_true(c->group[0] != '\0');
	}
	for (int k = 0; k < 4; k++)
		assert_true(noms[k] > 0);
	for (int p = 0; p < 13; p++)
		assert_true(by_party[p] > 0);
	assert_true(by_bloc > 0);
	for (uint32_t i = 0; i < e->n_parties; i++)
		for (uint32_t j = i + 1; j < e->n_parties; j++)
			assert_string_not_equal(e->parties[i].color, e->parties[j].color);

	/* rounds: everything twice, the mistyped and refused a third time */
	assert_int_equal(s->n_round[0], e->n_stations);
	assert_int_equal(s->n_round[1], e->n_stations);
	assert_int_equal(s->n_round[2], o.typos + o.bad_protocols);
	assert_int_equal(s->n_annul, 0);
	for (size_t i = 0; i < s->n_round[0]; i++) {
		assert_int_equal(s->round[0][i].p.station, i);
		assert_int_equal(s->round[1][i].p.station, i);
		assert_string_not_equal(s->round[0][i].operator_id, s->round[1][i].operator_id);
		assert_string_equal(s->round[0][i].reason, "");
	}
	for (size_t i = 0; i < s->n_round[2]; i++) {
		assert_string_not_equal(s->round[2][i].operator_id,
		                        s->round[0][s->round[2][i].p.station].operator_id);
		assert_string_not_equal(s->round[2][i].operator_id,
		                        s->round[1][s->round[2][i].p.station].operator_id);
	}

	/* turnout: near 2015's 55.7 %, 12.8 % at 10:00 */
	uint64_t received = 0, valid = 0, ten = 0, seven = 0;
	for (size_t i = 0; i < s->n_round[1]; i++) {
		received += line(e, &s->round[1][i].p, "voters_received");
		valid += line(e, &s->round[1][i].p, "valid");
	}
	double turnout = (double)received / (double)reg;
	assert_true(turnout >= 0.50 && turnout <= 0.61);
	assert_int_equal(s->n_turnout, 5 * (size_t)e->n_stations);
	for (size_t i = 0; i < s->n_turnout; i++) {
		const tally_turnout *t = &s->turnout[i];
		if (t->minute == 600)
			ten += t->voters;
		if (t->minute == 1140) {
			seven += t->voters;
			assert_int_equal(t->voters, line(e, &s->round[1][t->station].p, "voters_received"));
		}
		assert_true(t->voters <= e->stations[t->station].registered);
		/* the same station's reports are n stations apart, times rising */
		if (i >= e->n_stations) {
			const tally_turnout *prev = &s->turnout[i - e->n_stations];
			assert_int_equal(prev->station, t->station);
			assert_true(prev->minute < t->minute);
			assert_true(prev->voters <= t->voters);
		}
	}
	assert_int_equal(seven, received);
	double at10 = (double)ten / (double)reg;
	assert_true(at10 >= 0.10 && at10 <= 0.16);

	/* 2015's shape: YAP wins most, independents about a third, a few small
	 * parties one seat each */
	tally_results *r = count_truth(s);
	uint32_t yap = r->aff[0].seats, ind = r->aff[r->n_aff - 1].seats, small = 0;
	for (uint32_t i = 1; i < e->n_parties; i++)
		small += r->aff[i].seats;
	assert_int_equal(r->aff[r->n_aff - 1].kind, 2);
	assert_true(yap >= 60 && yap <= 80);
	assert_true(ind >= 35 && ind <= 52);
	assert_true(small >= 5 && small <= 15);
	assert_int_equal(r->by_outcome[TALLY_OUT_ELECTED], 125);
	print_message("[ default  ] %u stations, %llu registered, %u candidates, turnout %.2f %% "
	              "(%.2f %% at 10:00), invalid %.2f %%; seats YAP %u, independents %u, "
	              "other parties %u\n",
	              e->n_stations, (unsigned long long)reg, e->n_candidates, 100.0 * turnout,
	              100.0 * at10, 100.0 * (double)(received - valid) / (double)received, yap, ind,
	              small);
	tally_results_free(r);
	tally_sim_free(s);
}

static void test_checks(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	tally_sim *s = sim_run(&o);
	const tally_election *e = s->e;
	tally_check ck;

	uint32_t warned = 0;
	for (size_t i = 0; i < s->n_round[1]; i++) {
		tally_protocol_check(e, &s->round[1][i].p, &ck);
		assert_int_equal(ck.n_errors, 0);
		if (ck.n_warnings) {
			warned++;
			/* a warned protocol is entered the same way twice */
			assert_true(same_protocol(&s->round[0][i].p, &s->round[1][i].p));
		}
		assert_int_equal(tally_protocol_cand_sum(&s->round[1][i].p),
		                 line(e, &s->round[1][i].p, "valid"));
	}
	assert_int_equal(warned, o.warnings);

	uint32_t refused = 0, mistyped = 0;
	for (size_t i = 0; i < s->n_round[0]; i++) {
		const tally_protocol *a = &s->round[0][i].p, *b = &s->round[1][i].p;
		tally_protocol_check(e, a, &ck);
		if (ck.n_errors) {
			refused++;
			continue;
		}
		if (!same_protocol(a, b)) {
			mistyped++;
			tally_diff_item d[8];
			size_t n = tally_protocol_diff(a, b, d, 8);
			assert_true(n == 2);
			assert_int_equal(d[0].line, TALLY_LINE_CANDIDATES);
			assert_int_equal(tally_protocol_cand_sum(a), tally_protocol_cand_sum(b));
		}
	}
	assert_int_equal(refused, o.bad_protocols);
	assert_int_equal(mistyped, o.typos);
	for (size_t i = 0; i < s->n_round[2]; i++) {
		const tally_protocol *p = &s->round[2][i].p;
		tally_protocol_check(e, p, &ck);
		assert_int_equal(ck.n_errors, 0);
		assert_true(same_protocol(p, &s->round[1][p->station].p));
		assert_false(same_protocol(p, &s->round[0][p->station].p));
		if (i)
			assert_true(s->round[2][i - 1].p.station < p->station);
	}
	tally_sim_free(s);
}

/* Plays the rounds through the double-entry rules, as a store would. */
typedef struct flow_station {
	tally_station_state state;
	const tally_entry *open[2];
	const tally_entry *accepted;
} flow_station;

static void play(const tally_sim *s, uint32_t counts[5], uint32_t *refused)
{
	const tally_election *e = s->e;
	flow_station *fs = calloc(e->n_stations, sizeof *fs);
	assert_non_null(fs);
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < s->n_round[k]; i++) {
			const tally_entry *en = &s->round[k][i];
			flow_station *f = &fs[en->p.station];
			tally_station_view v;
			memset(&v, 0, sizeof v);
			v.state = f->state;
			v.version = f->accepted ? 1 : 0;
			v.accepted = f->accepted ? &f->accepted->p : NULL;
			for (uint32_t j = 0; j < 2 && f->open[j]; j++) {
				v.open[j] = &f->open[j]->p;
				v.open_operator[j] = f->open[j]->operator_id;
				v.n_open++;
			}
			tally_decision d;
			tally_error err = TALLY_ERROR_INIT;
			int rc = tally_entry_decide(e, &v, en, &d, &err);
			if (rc == TALLY_EREJECTED) {
				assert_string_equal(err.code, "P009");
				(*refused)++;
				continue;
			}
			if (rc)
				print_error("decide: %s %s\n", err.code, err.msg);
			assert_int_equal(rc, TALLY_OK);
			counts[d.action]++;
			switch (d.action) {
			case TALLY_ACT_PEND:
				f->open[0] = en;
				f->state = TALLY_ST_PENDING;
				break;
			case TALLY_ACT_ACCEPT:
				f->accepted = en;
				f->open[0] = f->open[1] = NULL;
				f->state = TALLY_ST_ACCEPTED;
				break;
			case TALLY_ACT_CONFLICT:
				f->open[1] = en;
				f->state = TALLY_ST_CONFLICT;
				break;
			case TALLY_ACT_RESOLVE:
				f->accepted = f->open[d.which];
				f->open[0] = f->open[1] = NULL;
				f->state = TALLY_ST_ACCEPTED;
				break;
			default:
				fail_msg("unexpected action %d", d.action);
			}
		}
	}
	const tally_protocol **t = truth_of(s);
	for (uint32_t st = 0; st < e->n_stations; st++) {
		if (!t[st]) {
			assert_int_equal(fs[st].state, TALLY_ST_EMPTY);
			continue;
		}
		assert_int_equal(fs[st].state, TALLY_ST_ACCEPTED);
		assert_true(same_protocol(&fs[st].accepted->p, t[st]));
	}
	free(t);
	free(fs);
}

static void test_double_entry_flow(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	tally_sim *s = sim_run(&o);
	uint32_t counts[5] = {0}, refused = 0;
	play(s, counts, &refused);
	assert_int_equal(refused, o.bad_protocols);
	assert_int_equal(counts[TALLY_ACT_CONFLICT], o.typos);
	assert_int_equal(counts[TALLY_ACT_RESOLVE], o.typos);
	assert_int_equal(counts[TALLY_ACT_ACCEPT] + counts[TALLY_ACT_RESOLVE], s->e->n_stations);
	tally_sim_free(s);
}

static void test_single_entry(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	o.double_entry = false;
	tally_sim *s = sim_run(&o);
	assert_false(s->e->double_entry);
	assert_int_equal(s->n_round[0], s->e->n_stations);
	assert_int_equal(s->n_round[1], o.bad_protocols);
	assert_int_equal(s->n_round[2], 0);
	uint32_t counts[5] = {0}, refused = 0;
	play(s, counts, &refused);
	assert_int_equal(refused, o.bad_protocols);
	assert_int_equal(counts[TALLY_ACT_ACCEPT], s->e->n_stations);
	assert_int_equal(counts[TALLY_ACT_CONFLICT], 0);
	tally_sim_free(s);
}

/* ==== determinism ==== */

static void assert_same_sim(const tally_sim *a, const tally_sim *b)
{
	char *da = NULL, *db = NULL;
	size_t la = 0, lb = 0;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_election_write(a->e, &da, &la, &err), TALLY_OK);
	assert_int_equal(tally_election_write(b->e, &db, &lb, &err), TALLY_OK);
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
	tally_free(da);
	tally_free(db);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(a->n_round[k], b->n_round[k]);
		for (size_t i = 0; i < a->n_round[k]; i++) {
			const tally_entry *x = &a->round[k][i], *y = &b->round[k][i];
			assert_true(same_protocol(&x->p, &y->p));
			assert_string_equal(x->operator_id, y->operator_id);
			assert_string_equal(x->reason, y->reason);
			if (i % 97 == 0 || k > 0) {
				char *jx = NULL, *jy = NULL;
				assert_int_equal(tally_entry_to_json(a->e, x, &jx, &err), TALLY_OK);
				assert_int_equal(tally_entry_to_json(b->e, y, &jy, &err), TALLY_OK);
				assert_string_equal(jx, jy);
				tally_free(jx);
				tally_free(jy);
			}
		}
	}
	assert_int_equal(a->n_turnout, b->n_turnout);
	assert_memory_equal(a->turnout, b->turnout, a->n_turnout * sizeof *a->turnout);
	assert_int_equal(a->n_annul, b->n_annul);
	if (a->n_annul)
		assert_memory_equal(a->annul, b->annul, a->n_annul * sizeof *a->annul);
}

static void test_deterministic(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	o.ties = 2;
	o.invalid = 2;
	tally_sim *a = sim_run(&o), *b = sim_run(&o);
	assert_same_sim(a, b);

	/* another seed gives another election */
	o.seed = 2016;
	tally_sim *c = sim_run(&o);
	assert_string_equal(c->e->id, "az-mm-sim-2016");
	bool differs = a->e->n_stations != c->e->n_stations ||
	               a->e->n_candidates != c->e->n_candidates;
	for (uint32_t i = 0; !differs && i < a->e->n_stations; i++)
		differs = a->e->stations[i].registered != c->e->stations[i].registered;
	assert_true(differs);

	/* more typos change the entries, not the election or its votes */
	o.seed = 2015;
	o.typos = 20;
	tally_sim *d = sim_run(&o);
	char *da = NULL, *dd = NULL;
	size_t la = 0, ld = 0;
	assert_int_equal(tally_election_write(a->e, &da, &la, NULL), TALLY_OK);
	assert_int_equal(tally_election_write(d->e, &dd, &ld, NULL), TALLY_OK);
	assert_int_equal(la, ld);
	assert_memory_equal(da, dd, la);
	assert_int_equal(a->n_round[1], d->n_round[1]);
	for (size_t i = 0; i < a->n_round[1]; i++) {
		/* warned stations may move, so compare the candidates only */
		const tally_protocol *x = &a->round[1][i].p, *y = &d->round[1][i].p;
		assert_memory_equal(x->cand, y->cand, x->n_cand * sizeof *x->cand);
	}
	assert_int_equal(d->n_round[2], 20 + o.bad_protocols);
	tally_free(da);
	tally_free(dd);
	tally_sim_free(a);
	tally_sim_free(b);
	tally_sim_free(c);
	tally_sim_free(d);
}

/* ==== ties and invalid constituencies ==== */

static void test_ties_and_invalid(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	o.ties = 5;
	o.invalid = 3;
	tally_sim *s = sim_run(&o);
	const tally_election *e = s->e;
	const tally_protocol **t = truth_of(s);

	/* every annulment is of a live station, once, with a reason */
	uint8_t *annulled = calloc(e->n_stations, 1);
	uint32_t *per_cons = calloc(e->n_constituencies, sizeof *per_cons);
	assert_non_null(annulled);
	assert_non_null(per_cons);
	for (size_t i = 0; i < s->n_annul; i++) {
		uint32_t st = s->annul[i].station;
		assert_true(st < e->n_stations);
		assert_false(annulled[st]);
		annulled[st] = 1;
		per_cons[e->stations[st].constituency]++;
		assert_non_null(strstr(s->annul[i].reason, "170.2"));
		assert_null(t[st]);
	}
	uint32_t invalid = 0, tied = 0;
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency *k = &e->constituencies[c];
		if (per_cons[c]) {
			invalid++;
			/* art. 170.2.2: more than 2/5 of the stations */
			assert_true(5 * (uint64_t)per_cons[c] > 2 * (uint64_t)k->n_stations);
			continue;
		}
		uint64_t tot[9] = {0};
		for (uint32_t j = 0; j < k->n_stations; j++)
			for (uint32_t x = 0; x < k->n_candidates; x++)
				tot[x] += t[k->stations[j]]->cand[x];
		uint64_t first = 0, second = 0;
		for (uint32_t x = 0; x < k->n_candidates; x++) {
			if (tot[x] > first) {
				second = first;
				first = tot[x];
			} else if (tot[x] > second) {
				second = tot[x];
			}
		}
		tied += first == second;
	}
	assert_int_equal(invalid, 3);
	assert_int_equal(tied, 5);
	/* annulled stations have no entries and no turnout reports */
	size_t live = e->n_stations - s->n_annul;
	assert_int_equal(s->n_round[0], live);
	assert_int_equal(s->n_round[1], live);
	assert_int_equal(s->n_turnout, 5 * live);
	for (size_t i = 0; i < s->n_round[0]; i++)
		assert_false(annulled[s->round[0][i].p.station]);
	for (size_t i = 0; i < s->n_turnout; i++)
		assert_false(annulled[s->turnout[i].station]);
	for (size_t i = 0; i < s->n_round[1]; i++) {
		tally_check ck;
		tally_protocol_check(e, &s->round[1][i].p, &ck);
		assert_int_equal(ck.n_errors, 0);
	}

	tally_results *r = count_truth(s);
	assert_int_equal(r->by_outcome[TALLY_OUT_FAILED], 5);
	assert_int_equal(r->by_outcome[TALLY_OUT_INVALID], 3);
	assert_int_equal(r->by_outcome[TALLY_OUT_ELECTED], 125 - 8);
	tally_results_free(r);
	uint32_t counts[5] = {0}, refused = 0;
	play(s, counts, &refused);
	free(annulled);
	free(per_cons);
	free(t);
	tally_sim_free(s);
}

static void test_every_constituency_tied(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	o.constituencies = 20;
	o.stations = 40;
	o.ties = 12;
	o.invalid = 8;
	o.voters = 40000;
	tally_sim *s = sim_run(&o);
	tally_results *r = count_truth(s);
	assert_int_equal(r->by_outcome[TALLY_OUT_FAILED], 12);
	assert_int_equal(r->by_outcome[TALLY_OUT_INVALID], 8);
	uint64_t reg = 0;
	for (uint32_t i = 0; i < s->e->n_stations; i++)
		reg += s->e->stations[i].registered;
	assert_int_equal(reg, 40000);
	tally_results_free(r);
	tally_sim_free(s);
}

/* ==== options ==== */

static void expect_s101(const tally_sim_options *o, const char *what)
{
	tally_sim *s = (tally_sim *)0x1;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_simulate(o, &s, &err);
	if (rc != TALLY_EINVAL)
		print_error("%s: expected S101, got %d\n", what, rc);
	assert_int_equal(rc, TALLY_EINVAL);
	assert_string_equal(err.code, "S101");
	assert_true(strlen(err.msg) > 10);
	assert_ptr_equal(s, (tally_sim *)0x1);
}

static void test_bad_options(void **state)
{
	(void)state;
	tally_sim_options d, o;
	tally_sim_options_default(&d);

	o = d; o.constituencies = 0; expect_s101(&o, "no constituencies");
	o = d; o.constituencies = TALLY_MAX_CONSTITUENCIES + 1; expect_s101(&o, "too many");
	o = d; o.stations = 124; expect_s101(&o, "fewer stations than constituencies");
	o = d; o.stations = TALLY_MAX_STATIONS + 1; expect_s101(&o, "too many stations");
	o = d; o.ties = 126; expect_s101(&o, "more ties than constituencies");
	o = d; o.ties = 100; o.invalid = 26; expect_s101(&o, "ties + invalid");
	o = d; o.invalid = UINT32_MAX; o.ties = 2; expect_s101(&o, "overflowing sum");
	o = d; o.typos = 5500; expect_s101(&o, "typos over stations");
	o = d; o.bad_protocols = 3000; o.typos = 2501; expect_s101(&o, "typos + bad");
	o = d; o.voters = 49ULL * 5500; expect_s101(&o, "too few voters");
	o = d; o.voters = 100001ULL * 5500; expect_s101(&o, "too many voters");
	/* every station of the only constituency annulled: nothing to mistype */
	o = d; o.constituencies = 1; o.stations = 1; o.invalid = 1; expect_s101(&o, "marks > stations");
	/* 3 of 5 stations annulled leave 2 for 3 marks */
	o = d; o.constituencies = 1; o.stations = 5; o.invalid = 1;
	o.typos = 2; o.bad_protocols = 1; o.warnings = 0; expect_s101(&o, "no live stations");

	tally_error err = TALLY_ERROR_INIT;
	tally_sim *s = NULL;
	assert_int_equal(tally_simulate(NULL, &s, &err), TALLY_EINVAL);
	assert_int_equal(tally_simulate(&d, NULL, &err), TALLY_EINVAL);
	tally_sim_free(NULL);

	/* ...but with no marks asked for, the same tiny election is fine */
	o = d; o.constituencies = 1; o.stations = 1; o.invalid = 1;
	o.typos = o.bad_protocols = o.warnings = 0;
	s = sim_run(&o);
	assert_int_equal(s->n_annul, 1);
	assert_int_equal(s->n_round[0], 0);
	assert_int_equal(s->n_turnout, 0);
	tally_sim_free(s);
	/* and the exact limits are accepted */
	o = d; o.constituencies = 3; o.stations = 3; o.ties = 3;
	o.typos = 1; o.bad_protocols = 1; o.warnings = 1; o.voters = 150;
	s = sim_run(&o);
	tally_sim_free(s);
}

/* ==== scale ==== */

static void test_scale(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	o.constituencies = 1000;
	o.stations = 100000;
	o.ties = 10;
	o.invalid = 10;
	tally_sim *s = sim_run(&o);
	const tally_election *e = s->e;
	assert_int_equal(e->n_constituencies, 1000);
	assert_int_equal(e->n_stations, 100000);
	uint64_t reg = 0;
	for (uint32_t i = 0; i < e->n_stations; i++)
		reg += e->stations[i].registered;
	/* 5.2-5.9 million per 5,500 stations */
	assert_true(reg >= 5200000ULL * 100000 / 5500 && reg <= 5900000ULL * 100000 / 5500 + 1);
	/* names stay unique past the table of 125 */
	for (uint32_t c = 0; c < 250; c++)
		for (uint32_t i = c + 1; i < e->n_constituencies; i++)
			assert_string_not_equal(e->constituencies[c].name, e->constituencies[i].name);
	tally_results *r = count_truth(s);
	assert_int_equal(r->by_outcome[TALLY_OUT_FAILED], 10);
	assert_int_equal(r->by_outcome[TALLY_OUT_INVALID], 10);
	tally_results_free(r);
	tally_sim_free(s);
}

/* ==== fault injection ==== */

static long fail_at, allocs;

static void *f_malloc(size_t n, void *ud)
{
	(void)ud;
	return ++allocs == fail_at ? NULL : malloc(n);
}
static void *f_realloc(void *p, size_t n, void *ud)
{
	(void)ud;
	return ++allocs == fail_at ? NULL : realloc(p, n);
}
static void f_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	o.constituencies = 3;
	o.stations = 12;
	o.voters = 6000;
	o.typos = 2;
	o.bad_protocols = 2;
	o.warnings = 1;
	o.ties = 1;
	o.invalid = 1;
	tally_allocator a = {f_malloc, f_realloc, f_free, NULL};
	tally_set_allocator(&a);
	int rc = TALLY_ENOMEM;
	long n;
	for (n = 1; rc == TALLY_ENOMEM && n < 100000; n++) {
		fail_at = n;
		allocs = 0;
		tally_sim *s = (tally_sim *)0x1;
		tally_error err = TALLY_ERROR_INIT;
		rc = tally_simulate(&o, &s, &err);
		if (rc == TALLY_ENOMEM) {
			assert_ptr_equal(s, (tally_sim *)0x1);
		} else {
			assert_int_equal(rc, TALLY_OK);
			tally_sim_free(s);
		}
	}
	tally_set_allocator(NULL);
	assert_int_equal(rc, TALLY_OK);
	assert_true(n > 20);
}

/* ==== fraud injection ==== */

static void test_fraud(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim_options_default(&o);
	o.stations = 2000;
	o.constituencies = 40;
	o.ties = 2;
	tally_sim *clean = sim_run(&o);
	o.fraud_incremental = 0.10;
	o.fraud_extreme = 0.02;
	o.fraud_rounding = 0.05;
	tally_sim *a = sim_run(&o), *b = sim_run(&o);
	const tally_election *e = a->e;
	/* deterministic: the same seed gives the same fraud */
	assert_memory_equal(a->fraud, b->fraud, e->n_stations);
	assert_memory_equal(a->fraud_votes, b->fraud_votes, e->n_stations * sizeof(uint64_t));
	assert_int_equal(a->fraud_total, b->fraud_total);
	/* shares of the eligible stations, disjoint; none at special, abroad
	 * or tied stations */
	uint32_t eligible = 0, kinds[4] = {0};
	uint64_t total = 0;
	for (uint32_t st = 0; st < e->n_stations; st++) {
		const tally_station *sd = &e->stations[st];
		kinds[a->fraud[st]]++;
		total += a->fraud_votes[st];
		if (a->fraud[st])
			assert_int_equal(sd->type, TALLY_STATION_ORDINARY);
		eligible += sd->type == TALLY_STATION_ORDINARY;
		assert_int_equal(clean->fraud[st], 0);
		assert_int_equal(clean->fraud_votes[st], 0);
	}
	assert_int_equal(total, a->fraud_total);
	assert_true(total > 0);
	/* eligible excludes the tied constituencies' stations: a bit under
	 * "eligible" as counted here */
	assert_true(kinds[TALLY_SIM_FRAUD_INCREMENTAL] <= (uint32_t)(0.10 * eligible + 1));
	assert_true(kinds[TALLY_SIM_FRAUD_INCREMENTAL] >= (uint32_t)(0.08 * eligible));
	assert_true(kinds[TALLY_SIM_FRAUD_EXTREME] >= (uint32_t)(0.015 * eligible));
	assert_true(kinds[TALLY_SIM_FRAUD_ROUNDING] >= (uint32_t)(0.04 * eligible));
	/* same seed: the other stations' protocols are those of the clean run,
	 * every protocol of the fraud run passes every check, and the fraud
	 * stations have more votes for someone and never fewer ballots */
	assert_int_equal(a->n_round[1], clean->n_round[1]);
	uint32_t rounded_int = 0;
	for (size_t i = 0; i < a->n_round[1]; i++) {
		const tally_protocol *p = &a->round[1][i].p, *q = &clean->round[1][i].p;
		assert_int_equal(p->station, q->station);
		uint32_t st = p->station;
		tally_check ck;
		tally_protocol_check(e, p, &ck);
		assert_int_equal(ck.n_errors, 0);
		uint64_t rec = line(e, p, "voters_received"), rec0 = line(e, q, "voters_received");
		if (!a->fraud[st]) {
			assert_memory_equal(p->lines, q->lines, p->n_lines * sizeof *p->lines);
			assert_memory_equal(p->cand, q->cand, p->n_cand * sizeof *p->cand);
			continue;
		}
		assert_true(rec >= rec0);
		assert_true(rec <= line(e, p, "voters_on_list"));
		if (a->fraud[st] == TALLY_SIM_FRAUD_EXTREME)
			assert_true(rec * 100 >= 85 * line(e, p, "voters_on_list"));
		if (a->fraud[st] == TALLY_SIM_FRAUD_ROUNDING && line(e, p, "voters_on_list") >= 1000)
			rounded_int += tally_fx_is_integer(rec, line(e, p, "voters_on_list"));
	}
	/* at stations of 1,000 voters or more a whole percent is always in reach */
	assert_true(rounded_int > 0);
	tally_sim_free(a);
	tally_sim_free(b);
	tally_sim_free(clean);
}

static void expect_s102(const tally_sim_options *o, const char *what)
{
	tally_sim *s = (tally_sim *)0x1;
	tally_error err = TALLY_ERROR_INIT;
	int rc = tally_simulate(o, &s, &err);
	if (rc != TALLY_EINVAL)
		print_error("%s: expected S102, got %d\n", what, rc);
	assert_int_equal(rc, TALLY_EINVAL);
	assert_string_equal(err.code, "S102");
	assert_ptr_equal(s, (tally_sim *)0x1);
}

static void test_fraud_options(void **state)
{
	(void)state;
	tally_sim_options d, o;
	tally_sim_options_default(&d);
	o = d; o.fraud_incremental = -0.1; expect_s102(&o, "negative share");
	o = d; o.fraud_extreme = 1.5; expect_s102(&o, "share above 1");
	o = d; o.fraud_incremental = 0.6; o.fraud_rounding = 0.5; expect_s102(&o, "sum above 1");
	o = d; o.fraud_rounding = NAN; expect_s102(&o, "NaN");
	o = d; o.fraud_theta = 2; expect_s102(&o, "theta");
	o = d; o.fraud_alpha = 5; expect_s102(&o, "alpha");
	/* all of the eligible stations is allowed */
	o = d; o.stations = 300; o.constituencies = 5; o.fraud_extreme = 1;
	tally_sim *s = sim_run(&o);
	tally_sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_shape),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_double_entry_flow),
		cmocka_unit_test(test_single_entry),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_ties_and_invalid),
		cmocka_unit_test(test_every_constituency_tied),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_fraud),
		cmocka_unit_test(test_fraud_options),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
