/* SPDX-License-Identifier: Apache-2.0 */
/*
 * count.c: counting and the constituency outcome. Stations' accepted
 * protocols are copied into one pool as they are added; tally_results_finish
 * sums the counted stations (reported, not annulled, in a constituency that
 * is not annulled) per constituency and nationally, applies the validity
 * rule of Azerbaijani Election Code art. 170.2 (a constituency result is
 * invalid when more than invalid_num/invalid_den of its stations' results
 * are invalid, or when it is annulled), asks the seat rule for the winners
 * and adds the seats up by party, bloc and independents.
 *
 * The seat rules here: "plurality" (the magnitude's top candidates; a tie
 * for the last seat is settled by the election's tie policy: "fail" makes
 * the election failed, art. 170.1; "lot" draws with the published seeded
 * procedure of docs/methods.md), "none" (votes only), and list PR by every
 * method of the seat engine ("dhondt", "sainte-lague", "hare", ...: see
 * docs/methods-seats.md), where each candidate slot is a party list and
 * the constituency's magnitude is shared among the lists.
 */
#include "core_int.h"
#include "tally/seats.h"

typedef struct count_priv {
	uint32_t *pool;        /* lines then candidate votes, per station */
	uint64_t *offset;      /* per station, into pool */
	bool constituency_annulled_any;
	bool *cons_annulled;
} count_priv;

const char *tally_outcome_name(tally_outcome o)
{
	static const char *const names[] = {"incomplete", "elected",       "failed",
	                                    "invalid",    "no candidates", "counted"};
	return (unsigned)o <= TALLY_OUT_COUNTED ? names[o] : "?";
}

uint32_t tally_permyriad(uint64_t num, uint64_t den)
{
	if (!den)
		return 0;
	/* (num * 10000 + den/2) / den without overflow for counts below 2^50 */
	unsigned __int128 x = (unsigned __int128)num * 10000u + den / 2;
	return (uint32_t)(x / den);
}

/* ==== Seat rules ==== */

/* The published lot: each tied candidate gets the key
 * splitmix64(seed XOR fnv1a64(candidate id)); the highest keys win. */
static uint64_t lot_key(uint64_t seed, const char *id)
{
	uint64_t s = seed ^ tally__hash(id, strlen(id));
	return tally__splitmix64(&s);
}

static int plurality_decide(const tally_seat_rule *rule, const tally_seat_input *in,
                            tally_seat_output *out, tally_error *err)
{
	(void)rule;
	(void)err;
	const tally_election *e = in->e;
	const tally_constituency *c = &e->constituencies[in->constituency];
	uint32_t n = in->n_cand, m = in->magnitude;
	out->n_elected = 0;
	out->lot_drawn = false;
	out->note[0] = '\0';
	if (n < m) {
		out->outcome = TALLY_OUT_NO_CANDIDATES;
		snprintf(out->note, sizeof out->note, "%u candidates for %u seats", n, m);
		return TALLY_OK;
	}
	/* order slots by votes, most first; equal votes by id for display only */
	uint32_t *ord = tally_malloc((n ? n : 1) * sizeof *ord);
	if (!ord)
		return TALLY_ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		ord[i] = i;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = ord[i], j = i;
		while (j > 0) {
			uint32_t y = ord[j - 1];
			bool before = in->votes[x] > in->votes[y] ||
			              (in->votes[x] == in->votes[y] &&
			               strcmp(e->candidates[c->candidates[x]].id,
			                      e->candidates[c->candidates[y]].id) < 0);
			if (!before)
				break;
			ord[j] = y;
			j--;
		}
		ord[j] = x;
	}
	uint64_t last = in->votes[ord[m - 1]];
	bool tie = n > m && in->votes[ord[m]] == last;
	if (!tie) {
		for (uint32_t i = 0; i < m; i++)
			out->elected[out->n_elected++] = ord[i];
		out->outcome = TALLY_OUT_ELECTED;
		tally_free(ord);
		return TALLY_OK;
	}
	/* candidates above the tied votes are elected whatever happens */
	uint32_t above = 0, tied = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (in->votes[ord[i]] > last)
			above++;
		else if (in->votes[ord[i]] == last)
			tied++;
	}
	for (uint32_t i = 0; i < above; i++)
		out->elected[out->n_elected++] = ord[i];
	uint32_t left = m - above;
	char names[160] = "";
	size_t at = 0;
	for (uint32_t i = above; i < above + tied && at + 2 < sizeof names; i++) {
		int w = snprintf(names + at, sizeof names - at, "%s%s", i > above ? ", " : "",
		                 e->candidates[c->candidates[ord[i]]].id);
		if (w > 0)
			at += (size_t)w;
	}
	char v[32];
	if (e->system.tie == TALLY_TIE_FAIL) {
		out->outcome = TALLY_OUT_FAILED;
		snprintf(out->note, sizeof out->note,
		         "tie for %s%u seat(s) at %s votes between %s; the election fails (tie "
		         "policy 'fail')",
		         left == 1 ? "the last " : "", left, tally_thousands(last, v), names);
		tally_free(ord);
		return TALLY_OK;
	}
	/* lot: sort the tied block by key, highest first */
	uint32_t *blk = ord + above;
	for (uint32_t i = 1; i < tied; i++) {
		uint32_t x = blk[i], j = i;
		uint64_t kx = lot_key(e->system.lot_seed, e->candidates[c->candidates[x]].id);
		while (j > 0 &&
		       lot_key(e->system.lot_seed, e->candidates[c->candidates[blk[j - 1]]].id) < kx) {
			blk[j] = blk[j - 1];
			j--;
		}
		blk[j] = x;
	}
	for (uint32_t i = 0; i < left; i++)
		out->elected[out->n_elected++] = blk[i];
	out->outcome = TALLY_OUT_ELECTED;
	out->lot_drawn = true;
	snprintf(out->note, sizeof out->note,
	         "tie at %s votes between %s settled by lot (seed %llu): %s elected",
	         tally_thousands(last, v), names, (unsigned long long)e->system.lot_seed,
	         e->candidates[c->candidates[blk[0]]].id);
	tally_free(ord);
	return TALLY_OK;
}

static int none_decide(const tally_seat_rule *rule, const tally_seat_input *in,
                       tally_seat_output *out, tally_error *err)
{
	(void)rule;
	(void)in;
	(void)err;
	out->outcome = TALLY_OUT_COUNTED;
	out->n_elected = 0;
	out->lot_drawn = false;
	out->note[0] = '\0';
	return TALLY_OK;
}

/* List PR: the slots are party lists; the magnitude's seats go to them by
 * the method the rule is named after (tally_apportion, exact arithmetic).
 * A tie the apportionment meets goes to the election's policy: "fail" (the
 * constituency's election fails) or "lot" (the published lot with the
 * election's seed, keyed by list id). */
static int list_decide(const tally_seat_rule *rule, const tally_seat_input *in,
                       tally_seat_output *out, tally_error *err)
{
	const tally_election *e = in->e;
	const tally_constituency *c = &e->constituencies[in->constituency];
	tally_seats_rule sr;
	tally_apportionment a;
	const char **ids = NULL;
	int rc;
	memset(&sr, 0, sizeof sr);
	out->n_elected = 0;
	out->lot_drawn = false;
	out->note[0] = '\0';
	if (tally_seats_method_find(rule->name, &sr.method))
		return tally_error_set(err, TALLY_EINVAL, "D019", "$.system.rule",
		                       "unknown electoral system rule '%s'", rule->name);
	sr.tie[0] = e->system.tie == TALLY_TIE_FAIL ? TALLY_SEATS_TIE_FAIL : TALLY_SEATS_TIE_LOT;
	sr.n_tie = 1;
	sr.seed = e->system.lot_seed;
	if (in->n_cand == 0) {
		out->outcome = TALLY_OUT_NO_CANDIDATES;
		snprintf(out->note, sizeof out->note, "no list for %u seats", in->magnitude);
		return TALLY_OK;
	}
	ids = tally_malloc(in->n_cand * sizeof *ids);
	if (!ids)
		return TALLY_ENOMEM;
	for (uint32_t i = 0; i < in->n_cand; i++)
		ids[i] = e->candidates[c->candidates[i]].id;
	tally_apportion_input ai = {in->n_cand, in->votes, NULL, NULL, in->magnitude, ids, NULL,
	                            NULL};
	rc = tally_apportion(&sr, &ai, &a, err);
	tally_free(ids);
	if (rc)
		return rc;
	/* elected: the lists with seats, most seats first (then slot order) */
	for (uint32_t want = in->magnitude; want > 0; want--)
		for (uint32_t i = 0; i < in->n_cand; i++)
			if (a.alloc[i] == want)
				out->elected[out->n_elected++] = i;
	for (uint32_t i = 0; i < in->n_cand; i++)
		out->seats[i] = a.alloc[i];
	out->lot_drawn = a.n_ties > 0 && a.state == TALLY_SEATS_DONE;
	char d[48];
	if (a.state != TALLY_SEATS_DONE) {
		out->outcome = TALLY_OUT_FAILED;
		snprintf(out->note, sizeof out->note,
		         "%s: a tie for %u seat(s) the tie policy cannot settle; %s",
		         tally_seats_method_name(sr.method), a.seats - a.allocated,
		         a.state == TALLY_SEATS_FAILED ? "the election fails (tie policy 'fail')"
		                                       : "drawing of lots required");
	} else {
		out->outcome = TALLY_OUT_ELECTED;
		if (a.has_divisor)
			snprintf(out->note, sizeof out->note, "%s: %u seats, divisor %s%s",
			         tally_seats_method_name(sr.method), in->magnitude,
			         tally_ratio_fmt(a.divisor, d), out->lot_drawn ? ", a tie settled by lot" : "");
		else if (!tally_seats_method_is_divisor(sr.method))
			snprintf(out->note, sizeof out->note, "%s: %u seats, quota %s%s",
			         tally_seats_method_name(sr.method), in->magnitude,
			         tally_ratio_fmt(a.quota, d), out->lot_drawn ? ", a tie settled by lot" : "");
		else
			snprintf(out->note, sizeof out->note, "%s: %u seats%s",
			         tally_seats_method_name(sr.method), in->magnitude,
			         out->lot_drawn ? ", a tie settled by lot" : "");
	}
	tally_apportionment_release(&a);
	return TALLY_OK;
}

static const tally_seat_rule rules[] = {
	{"plurality", plurality_decide},
	{"none", none_decide},
	{"dhondt", list_decide},
	{"sainte-lague", list_decide},
	{"modified-sainte-lague", list_decide},
	{"danish", list_decide},
	{"imperiali", list_decide},
	{"adams", list_decide},
	{"dean", list_decide},
	{"huntington-hill", list_decide},
	{"hare", list_decide},
	{"droop", list_decide},
	{"hagenbach-bischoff", list_decide},
	{"imperiali-quota", list_decide},
};

const tally_seat_rule *tally_seat_rule_find(const char *name)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(rules[i].name, name) == 0)
			return &rules[i];
	return NULL;
}

/* ==== Results ==== */

int tally_results_new(const tally_election *e, tally_results **out)
{
	tally_results *r = tally_calloc(1, sizeof *r);
	count_priv *p = tally_calloc(1, sizeof *p);
	if (!r || !p)
		goto oom;
	r->e = e;
	r->priv = p;
	r->cons = tally_calloc(e->n_constituencies, sizeof *r->cons);
	r->st = tally_calloc(e->n_stations, sizeof *r->st);
	r->lines = tally_calloc(e->tmpl->n_lines, sizeof *r->lines);
	r->n_aff = e->n_parties + e->n_blocs + 1;
	r->aff = tally_calloc(r->n_aff, sizeof *r->aff);
	p->offset = tally_calloc((size_t)e->n_stations + 1, sizeof *p->offset);
	p->cons_annulled = tally_calloc(e->n_constituencies, sizeof *p->cons_annulled);
	if (!r->cons || !r->st || !r->lines || !r->aff || !p->offset || !p->cons_annulled)
		goto oom;
	uint64_t total = 0;
	for (uint32_t i = 0; i < e->n_stations; i++) {
		p->offset[i] = total;
		total += e->tmpl->n_lines + e->constituencies[e->stations[i].constituency].n_candidates;
	}
	p->offset[e->n_stations] = total;
	p->pool = tally_malloc((size_t)(total ? total : 1) * sizeof *p->pool);
	if (!p->pool)
		goto oom;
	for (uint32_t i = 0; i < e->n_constituencies; i++) {
		const tally_constituency *c = &e->constituencies[i];
		tally_constituency_result *cr = &r->cons[i];
		cr->lines = tally_calloc(e->tmpl->n_lines, sizeof *cr->lines);
		cr->votes = tally_calloc(c->n_candidates + 1, sizeof *cr->votes);
		cr->order = tally_calloc(c->n_candidates + 1, sizeof *cr->order);
		cr->elected = tally_calloc(c->magnitude + 1, sizeof *cr->elected);
		cr->seats = tally_calloc(c->n_candidates + 1, sizeof *cr->seats);
		if (!cr->lines || !cr->votes || !cr->order || !cr->elected || !cr->seats)
			goto oom;
		cr->stations = c->n_stations;
	}
	for (uint32_t i = 0; i < r->n_aff; i++) {
		r->aff[i].kind = i < e->n_parties ? 0 : i < e->n_parties + e->n_blocs ? 1 : 2;
		r->aff[i].index = i < e->n_parties ? i : i < e->n_parties + e->n_blocs ? i - e->n_parties : 0;
	}
	*out = r;
	return TALLY_OK;
oom:
	/* p belongs to r once r->priv holds it; before that (r itself not
	 * allocated, or not yet given p) it is freed here */
	if (!r || !r->priv)
		tally_free(p);
	tally_results_free(r);
	return TALLY_ENOMEM;
}

void tally_results_free(tally_results *r)
{
	if (!r)
		return;
	count_priv *p = r->priv;
	if (r->cons)
		for (uint32_t i = 0; i < r->e->n_constituencies; i++) {
			tally_free(r->cons[i].lines);
			tally_free(r->cons[i].votes);
			tally_free(r->cons[i].order);
			tally_free(r->cons[i].elected);
			tally_free(r->cons[i].seats);
		}
	if (p) {
		tally_free(p->pool);
		tally_free(p->offset);
		tally_free(p->cons_annulled);
		tally_free(p);
	}
	tally_free(r->cons);
	tally_free(r->st);
	tally_free(r->lines);
	tally_free(r->aff);
	tally_free(r);
}

int tally_results_add(tally_results *r, const tally_protocol *pr, uint32_t version,
                      tally_error *err)
{
	const tally_election *e = r->e;
	count_priv *p = r->priv;
	uint32_t st = pr->station;
	if (r->finished)
		return tally_error_set(err, TALLY_EINVAL, "", NULL, "the count is already finished");
	if (st >= e->n_stations || pr->n_lines != e->tmpl->n_lines ||
	    pr->n_cand != e->constituencies[e->stations[st].constituency].n_candidates)
		return tally_error_set(err, TALLY_EINVAL, "", NULL,
		                       "protocol does not fit station %u", st);
	if (r->st[st].reported)
		return tally_error_set(err, TALLY_ECONFLICT, "", e->stations[st].id,
		                       "station '%s' added twice to the count", e->stations[st].id);
	uint32_t *dst = p->pool + p->offset[st];
	for (uint32_t i = 0; i < pr->n_lines; i++) {
		if (pr->lines[i] > TALLY_MAX_COUNT)
			return tally_error_set(err, TALLY_EINVAL, "P008", e->stations[st].id,
			                       "count out of range");
		dst[i] = (uint32_t)pr->lines[i];
	}
	for (uint32_t i = 0; i < pr->n_cand; i++) {
		if (pr->cand[i] > TALLY_MAX_COUNT)
			return tally_error_set(err, TALLY_EINVAL, "P008", e->stations[st].id,
			                       "count out of range");
		dst[pr->n_lines + i] = (uint32_t)pr->cand[i];
	}
	tally_check ck;
	tally_protocol_check(e, pr, &ck);
	tally_station_result *sr = &r->st[st];
	sr->reported = true;
	sr->version = version;
	sr->n_errors = (uint16_t)ck.n_errors;
	sr->n_warnings = (uint16_t)ck.n_warnings;
	sr->failed = 0;
	for (uint32_t i = 0; i < ck.n; i++)
		sr->failed |= (uint64_t)1 << ck.v[i].relation;
	return TALLY_OK;
}

void tally_results_annul_station(tally_results *r, uint32_t st)
{
	if (st < r->e->n_stations)
		r->st[st].annulled = true;
}

void tally_results_annul_constituency(tally_results *r, uint32_t c)
{
	count_priv *p = r->priv;
	if (c < r->e->n_constituencies)
		p->cons_annulled[c] = true;
}

const uint32_t *tally_results_station_values(const tally_results *r, uint32_t st)
{
	count_priv *p = r->priv;
	if (st >= r->e->n_stations || !r->st[st].reported)
		return NULL;
	return p->pool + p->offset[st];
}

static uint64_t eval32(const tally_expr *x, const uint32_t *lines, uint64_t cand_sum)
{
	int64_t s = 0;
	for (uint32_t i = 0; i < x->n_terms; i++) {
		uint64_t v = x->terms[i].line == TALLY_LINE_CANDIDATES ? cand_sum : lines[x->terms[i].line];
		s += (int64_t)x->terms[i].coef * (int64_t)v;
	}
	return s > 0 ? (uint64_t)s : 0;
}

int tally_results_finish(tally_results *r, tally_error *err)
{
	const tally_election *e = r->e;
	count_priv *p = r->priv;
	const tally_template *t = e->tmpl;
	const tally_seat_rule *rule = tally_seat_rule_find(e->system.rule);
	if (r->finished)
		return TALLY_OK;
	if (!rule)
		return tally_error_set(err, TALLY_EINVAL, "D019", "$.system.rule",
		                       "unknown electoral system rule '%s'", e->system.rule);
	r->stations = e->n_stations;
	for (uint32_t s = 0; s < e->n_stations; s++) {
		const tally_station *st = &e->stations[s];
		tally_station_result *sr = &r->st[s];
		tally_constituency_result *cr = &r->cons[st->constituency];
		cr->registered += st->registered;
		r->registered += st->registered;
		if (sr->annulled) {
			cr->invalid_stations++;
			r->annulled_stations++;
			continue;
		}
		if (!sr->reported)
			continue;
		cr->reported++;
		r->reported++;
		cr->registered_reported += st->registered;
		r->registered_reported += st->registered;
		if (sr->n_warnings || sr->n_errors) {
			cr->warned++;
			r->warned++;
		}
		const uint32_t *v = p->pool + p->offset[s];
		uint32_t nc = e->constituencies[st->constituency].n_candidates;
		uint64_t cs = 0;
		for (uint32_t i = 0; i < t->n_lines; i++)
			cr->lines[i] += v[i];
		for (uint32_t i = 0; i < nc; i++) {
			cr->votes[i] += v[t->n_lines + i];
			cs += v[t->n_lines + i];
		}
		cr->valid += cs;
		cr->ballots_cast += eval32(&t->ballots_cast, v, cs);
		cr->registered_lines += t->registered.n_terms ? eval32(&t->registered, v, cs)
		                                              : st->registered;
	}
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency *con = &e->constituencies[c];
		tally_constituency_result *cr = &r->cons[c];
		cr->annulled = p->cons_annulled[c];
		tally_seat_input in = {e, c, cr->votes, con->n_candidates, con->magnitude};
		tally_seat_output out;
		memset(&out, 0, sizeof out);
		out.elected = cr->elected;
		out.seats = cr->seats;
		memset(cr->seats, 0, (con->n_candidates + 1) * sizeof *cr->seats);
		int rc = rule->decide(rule, &in, &out, err);
		if (rc)
			return rc == TALLY_ENOMEM ? tally_error_set(err, rc, "", NULL, "out of memory") : rc;
		/* the display order: by votes, ties by id */
		for (uint32_t i = 0; i < con->n_candidates; i++)
			cr->order[i] = i;
		for (uint32_t i = 1; i < con->n_candidates; i++) {
			uint32_t x = cr->order[i], j = i;
			while (j > 0) {
				uint32_t y = cr->order[j - 1];
				bool before = cr->votes[x] > cr->votes[y] ||
				              (cr->votes[x] == cr->votes[y] &&
				               strcmp(e->candidates[con->candidates[x]].id,
				                      e->candidates[con->candidates[y]].id) < 0);
				if (!before)
					break;
				cr->order[j] = y;
				j--;
			}
			cr->order[j] = x;
		}
		cr->n_elected = 0;
		cr->lot_drawn = false;
		memcpy(cr->note, out.note, sizeof cr->note);
		/* art. 170.2.2: invalid in more than invalid_num/invalid_den of stations */
		bool too_many_invalid = (uint64_t)cr->invalid_stations * e->system.invalid_den >
		                        (uint64_t)e->system.invalid_num * cr->stations;
		if (cr->annulled) {
			cr->outcome = TALLY_OUT_INVALID;
			snprintf(cr->note, sizeof cr->note, "the constituency result was annulled");
		} else if (too_many_invalid) {
			cr->outcome = TALLY_OUT_INVALID;
			snprintf(cr->note, sizeof cr->note,
			         "results invalid at %u of %u stations (more than %u/%u)",
			         cr->invalid_stations, cr->stations, e->system.invalid_num,
			         e->system.invalid_den);
		} else if (cr->reported + cr->invalid_stations < cr->stations &&
		           out.outcome != TALLY_OUT_NO_CANDIDATES) {
			cr->outcome = TALLY_OUT_INCOMPLETE;
			cr->note[0] = '\0';
		} else {
			cr->outcome = out.outcome;
			cr->n_elected = out.n_elected;
			cr->lot_drawn = out.lot_drawn;
		}
		/* seats per slot: a rule that gave none gives each elected one */
		uint32_t given = 0;
		for (uint32_t i = 0; i < con->n_candidates; i++)
			given += cr->seats[i];
		if (given == 0)
			for (uint32_t i = 0; i < out.n_elected; i++)
				cr->seats[cr->elected[i]] = 1;
		if (cr->n_elected == 0)
			memset(cr->seats, 0, (con->n_candidates + 1) * sizeof *cr->seats);
		r->by_outcome[cr->outcome]++;
		/* national totals leave out an annulled constituency */
		if (!cr->annulled) {
			for (uint32_t i = 0; i < t->n_lines; i++)
				r->lines[i] += cr->lines[i];
			r->valid += cr->valid;
			r->ballots_cast += cr->ballots_cast;
			r->registered_lines += cr->registered_lines;
			for (uint32_t i = 0; i < con->n_candidates; i++) {
				const tally_candidate *cd = &e->candidates[con->candidates[i]];
				uint32_t a = cd->nominator == TALLY_NOM_PARTY ? cd->nominated_by
				           : cd->nominator == TALLY_NOM_BLOC ? e->n_parties + cd->nominated_by
				                                              : e->n_parties + e->n_blocs;
				r->aff[a].votes += cr->votes[i];
				r->aff[a].candidates++;
			}
		}
		for (uint32_t i = 0; i < cr->n_elected; i++) {
			const tally_candidate *cd = &e->candidates[con->candidates[cr->elected[i]]];
			uint32_t a = cd->nominator == TALLY_NOM_PARTY ? cd->nominated_by
			           : cd->nominator == TALLY_NOM_BLOC ? e->n_parties + cd->nominated_by
			                                              : e->n_parties + e->n_blocs;
			r->aff[a].seats += cr->seats[cr->elected[i]];
			r->seats_filled += cr->seats[cr->elected[i]];
		}
	}
	r->finished = true;
	return TALLY_OK;
}
