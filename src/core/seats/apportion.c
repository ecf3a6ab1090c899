/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apportion.c: one apportionment: a number of seats over parties by a
 * divisor method (with optional per-party minimums: the constrained divisor
 * apportionment of BWahlG section 6(6)) or by largest remainders after a
 * quota, with every tie sent through the rule's chain of named policies.
 *
 * Divisor methods are computed in the iterative form BWahlG section 5 and
 * section 6(2) describe: a first divisor D0 = V/S gives every party the
 * seats whose quotients exceed it (never fewer than its minimum), then
 * seats are added at the highest quotient or taken back at the lowest until
 * the sum fits. Quotients that are level at the boundary form a tie only
 * when there are more of them than seats left; a tie goes to the chain
 * (more votes, more districts won, the published lot, fail) and, when
 * nothing in the chain settles it, the apportionment stops with the state
 * "drawing of lots required". The range of divisors that produce the
 * result, (best quotient without a seat, last quotient with one], and the
 * divisor in it with the fewest significant digits are recorded.
 */
#include "seats_int.h"

static const struct {
	const char *name, *title;
} methods[TALLY_SEATS_N_METHODS] = {
	{"dhondt", "D'Hondt (Jefferson): divisors 1, 2, 3, ..."},
	{"sainte-lague", "Sainte-Lague/Schepers (Webster): divisors 0.5, 1.5, 2.5, ..."},
	{"modified-sainte-lague", "modified Sainte-Lague: first divisor --first (default 1.4), then 3, 5, 7, ..."},
	{"danish", "Danish: divisors 1, 4, 7, 10, ..."},
	{"imperiali", "Imperiali (divisor): divisors 2, 3, 4, ..."},
	{"adams", "Adams: divisors 0, 1, 2, ... (every list with votes first gets one seat)"},
	{"dean", "Dean: harmonic-mean divisors s(s+1)/(s+1/2)"},
	{"huntington-hill", "Huntington-Hill: geometric-mean divisors sqrt(s(s+1))"},
	{"hare", "Hare (Hamilton, Hare-Niemeyer): quota V/S, largest remainders"},
	{"droop", "Droop: quota floor(V/(S+1)) + 1, largest remainders"},
	{"hagenbach-bischoff", "Hagenbach-Bischoff: quota V/(S+1), largest remainders"},
	{"imperiali-quota", "Imperiali quota: V/(S+2), largest remainders (excess taken back)"},
};

const char *tally_seats_method_name(tally_seats_method m)
{
	return (unsigned)m < TALLY_SEATS_N_METHODS ? methods[m].name : "?";
}

const char *tally_seats_method_title(tally_seats_method m)
{
	return (unsigned)m < TALLY_SEATS_N_METHODS ? methods[m].title : "?";
}

int tally_seats_method_find(const char *name, tally_seats_method *out)
{
	for (int i = 0; i < TALLY_SEATS_N_METHODS; i++)
		if (strcmp(methods[i].name, name) == 0) {
			*out = (tally_seats_method)i;
			return TALLY_OK;
		}
	return TALLY_ENOTFOUND;
}

bool tally_seats_method_is_divisor(tally_seats_method m)
{
	return m <= TALLY_SEATS_HUNTINGTON_HILL;
}

static const char *const tie_names[] = {"votes", "districts", "lot", "fail"};

const char *tally_seats_tie_name(tally_seats_tie t)
{
	return (unsigned)t <= TALLY_SEATS_TIE_FAIL ? tie_names[t] : "?";
}

int tally_seats_tie_find(const char *name, tally_seats_tie *out)
{
	for (int i = 0; i <= TALLY_SEATS_TIE_FAIL; i++)
		if (strcmp(tie_names[i], name) == 0) {
			*out = (tally_seats_tie)i;
			return TALLY_OK;
		}
	return TALLY_ENOTFOUND;
}

const char *tally_seats_state_name(tally_seats_state s)
{
	static const char *const names[] = {"done", "drawing of lots required", "failed"};
	return (unsigned)s <= TALLY_SEATS_FAILED ? names[s] : "?";
}

uint64_t tally_seats_lot_key(uint64_t seed, const char *id)
{
	uint64_t s = seed ^ tally__hash(id, strlen(id));
	return tally__splitmix64(&s);
}

const char *seats_id(const tally_apportion_input *in, uint32_t i, char buf[16])
{
	if (in->ids)
		return in->ids[i];
	snprintf(buf, 16, "%u", i + 1);
	return buf;
}

void tally_apportionment_release(tally_apportionment *a)
{
	if (!a)
		return;
	tally_free(a->alloc);
	tally_free(a->whole);
	tally_free(a->remainder);
	for (uint32_t i = 0; i < a->n_ties; i++) {
		tally_free(a->ties[i].tied);
		tally_free(a->ties[i].winners);
	}
	tally_free(a->ties);
	memset(a, 0, sizeof *a);
}

/* ==== Ties ==== */

static uint64_t tie_key(const tally_seats_rule *rule, const tally_apportion_input *in,
                        tally_seats_tie t, uint32_t i)
{
	char b[16];
	switch (t) {
	case TALLY_SEATS_TIE_VOTES: return in->tie_votes ? in->tie_votes[i] : in->votes[i];
	case TALLY_SEATS_TIE_DISTRICTS: return in->tie_districts ? in->tie_districts[i] : 0;
	case TALLY_SEATS_TIE_LOT: return tally_seats_lot_key(rule->seed, seats_id(in, i, b));
	default: return 0;
	}
}

int seats_settle(const tally_seats_rule *rule, const tally_apportion_input *in,
                 const uint32_t *tied, uint32_t k, uint32_t r, bool removal,
                 tally_apportionment *a, uint32_t *winners, tally_seats_state *state)
{
	TALLY_ASSERT(r < k);
	tally_seats_tie_record *nt = tally_realloc(a->ties, (a->n_ties + 1) * sizeof *nt);
	if (!nt)
		return TALLY_ENOMEM;
	a->ties = nt;
	tally_seats_tie_record *rec = &a->ties[a->n_ties];
	memset(rec, 0, sizeof *rec);
	rec->tied = tally_malloc(k * sizeof *rec->tied);
	rec->winners = tally_malloc((r ? r : 1) * sizeof *rec->winners);
	uint32_t *cand = tally_malloc(k * sizeof *cand);
	uint64_t *key = tally_malloc(k * sizeof *key);
	if (!rec->tied || !rec->winners || !cand || !key) {
		tally_free(rec->tied);
		tally_free(rec->winners);
		tally_free(cand);
		tally_free(key);
		return TALLY_ENOMEM;
	}
	a->n_ties++;
	memcpy(rec->tied, tied, k * sizeof *tied);
	memcpy(cand, tied, k * sizeof *tied);
	rec->n_tied = k;
	rec->seats = r;
	rec->removal = removal;
	rec->settled_by = -1;
	*state = TALLY_SEATS_LOTS_REQUIRED;
	uint32_t need = r, nc = k;
	for (uint32_t p = 0; p < rule->n_tie && need > 0; p++) {
		tally_seats_tie t = rule->tie[p];
		if (t == TALLY_SEATS_TIE_FAIL) {
			rec->settled_by = TALLY_SEATS_TIE_FAIL;
			rec->n_winners = 0;
			*state = TALLY_SEATS_FAILED;
			goto out;
		}
		for (uint32_t i = 0; i < nc; i++)
			key[i] = tie_key(rule, in, t, cand[i]);
		/* sort by key, highest first (stable; the order among equal keys
		 * decides nothing: equal keys stay tied) */
		for (uint32_t i = 1; i < nc; i++) {
			uint32_t c = cand[i];
			uint64_t kk = key[i];
			uint32_t j = i;
			while (j > 0 && key[j - 1] < kk) {
				cand[j] = cand[j - 1];
				key[j] = key[j - 1];
				j--;
			}
			cand[j] = c;
			key[j] = kk;
		}
		uint64_t edge = key[need - 1];
		uint32_t above = 0, level = 0;
		for (uint32_t i = 0; i < nc; i++) {
			if (key[i] > edge)
				above++;
			else if (key[i] == edge)
				level++;
		}
		for (uint32_t i = 0; i < above; i++)
			rec->winners[rec->n_winners++] = cand[i];
		need -= above;
		memmove(cand, cand + above, level * sizeof *cand);
		nc = level;
		if (nc == need) {
			for (uint32_t i = 0; i < nc; i++)
				rec->winners[rec->n_winners++] = cand[i];
			need = 0;
			rec->settled_by = (int)t;
			*state = TALLY_SEATS_DONE;
		}
	}
out:
	memcpy(winners, rec->winners, rec->n_winners * sizeof *winners);
	tally_free(cand);
	tally_free(key);
	return TALLY_OK;
}

/* ==== Divisor methods ==== */

/* #{s < cap : v/d(s) > D} */
static uint32_t seats_above(const tally_seats_rule *rule, uint64_t v, tally_ratio d, uint32_t cap)
{
	uint32_t lo = 0, hi = cap;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (seats_cmp_quot_ratio(rule, v, mid, d) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool elig(const tally_apportion_input *in, uint32_t i)
{
	return !in->eligible || in->eligible[i];
}

static uint32_t minof(const tally_apportion_input *in, uint32_t i)
{
	return in->minimum ? in->minimum[i] : 0;
}

/* The divisor with the fewest significant digits in (lower, upper], in
 * millionths; none when the range is a point (a tie) or narrower. */
static void simple_divisor(const tally_seats_rule *rule, const tally_apportion_input *in,
                           tally_apportionment *a)
{
	const uint64_t M = 1000000;
	uint64_t ul = 0;
	bool up_inf = !a->has_upper ||
	              seats_quot_scaled(rule, in->votes[a->upper_party], a->upper_seat, 1) ==
	                      ~(seats_u128)0;
	if (a->has_lower) {
		seats_u128 l = seats_quot_scaled(rule, in->votes[a->lower_party], a->lower_seat, M);
		if (l > (seats_u128)UINT64_MAX / 4)
			return;
		ul = (uint64_t)l;
	}
	uint64_t t = 1;
	while (t <= ul / 10)
		t *= 10;
	if (!up_inf)
		t = (uint64_t)1e18;
	for (; t >= 1; t /= 10) {
		seats_u128 c = ((seats_u128)(ul / t) + 1) * t;
		if (c > (seats_u128)UINT64_MAX / 4)
			continue;
		tally_ratio d = {(uint64_t)c, M};
		if (!up_inf && seats_cmp_quot_ratio(rule, in->votes[a->upper_party], a->upper_seat, d) < 0)
			continue;
		/* reduce */
		uint64_t x = d.num, y = d.den;
		while (y) {
			uint64_t z = x % y;
			x = y;
			y = z;
		}
		a->divisor = (tally_ratio){d.num / x, d.den / x};
		a->has_divisor = true;
		return;
	}
}

static void divisor_range(const tally_seats_rule *rule, const tally_apportion_input *in,
                          tally_apportionment *a)
{
	for (uint32_t i = 0; i < in->n; i++) {
		if (!elig(in, i))
			continue;
		uint64_t v = in->votes[i];
		if (!a->has_lower ||
		    tally_seats_quotient_cmp(rule, v, a->alloc[i], in->votes[a->lower_party],
		                             a->lower_seat) > 0) {
			a->has_lower = true;
			a->lower_party = i;
			a->lower_seat = a->alloc[i];
		}
		if (a->alloc[i] > minof(in, i) &&
		    (!a->has_upper ||
		     tally_seats_quotient_cmp(rule, v, a->alloc[i] - 1, in->votes[a->upper_party],
		                              a->upper_seat) < 0)) {
			a->has_upper = true;
			a->upper_party = i;
			a->upper_seat = a->alloc[i] - 1;
		}
	}
	if (a->state == TALLY_SEATS_DONE && a->has_lower && a->has_upper &&
	    tally_seats_quotient_cmp(rule, in->votes[a->lower_party], a->lower_seat,
	                             in->votes[a->upper_party], a->upper_seat) >= 0)
		return; /* a settled tie: the range is one point */
	if (a->state == TALLY_SEATS_DONE)
		simple_divisor(rule, in, a);
}

static int divisor_apportion(const tally_seats_rule *rule, const tally_apportion_input *in,
                             tally_apportionment *a, uint32_t *buf, uint32_t *win)
{
	uint32_t n = in->n, S = in->seats;
	uint64_t V = 0;
	uint64_t T = 0;
	for (uint32_t i = 0; i < n; i++)
		if (elig(in, i))
			V += in->votes[i];
	for (uint32_t i = 0; i < n; i++) {
		if (!elig(in, i))
			continue;
		uint32_t s = minof(in, i);
		if (V > 0 && S > 0) {
			uint32_t above = seats_above(rule, in->votes[i], (tally_ratio){V, S}, S);
			if (above > s)
				s = above;
		}
		a->alloc[i] = s;
		T += s;
	}
	while (T != S && a->state == TALLY_SEATS_DONE) {
		bool add = T < S;
		uint32_t k = 0, best = 0;
		for (uint32_t i = 0; i < n; i++) {
			if (!elig(in, i) || (!add && a->alloc[i] <= minof(in, i)))
				continue;
			uint32_t s = add ? a->alloc[i] : a->alloc[i] - 1;
			int c = k == 0 ? (add ? 1 : -1)
			               : tally_seats_quotient_cmp(rule, in->votes[i], s, in->votes[best],
			                                          add ? a->alloc[best] : a->alloc[best] - 1);
			if (add ? c > 0 : c < 0) {
				k = 0;
				best = i;
			}
			if (c != (add ? -1 : 1))
				buf[k++] = i;
		}
		if (k == 0)
			return TALLY_EINVAL; /* no eligible party: the caller checked */
		uint64_t r = add ? S - T : T - S;
		if (k <= r) {
			for (uint32_t j = 0; j < k; j++)
				a->alloc[buf[j]] += add ? 1u : (uint32_t)-1;
			T = add ? T + k : T - k;
			continue;
		}
		uint32_t want = add ? (uint32_t)r : k - (uint32_t)r;
		int rc = seats_settle(rule, in, buf, k, want, !add, a, win, &a->state);
		if (rc)
			return rc;
		uint32_t nw = a->ties[a->n_ties - 1].n_winners;
		if (add) {
			for (uint32_t j = 0; j < nw; j++)
				a->alloc[win[j]]++;
			T += nw;
		} else {
			/* the tied all lose their seat but the winners */
			for (uint32_t j = 0; j < k; j++) {
				bool keep = false;
				for (uint32_t w = 0; w < nw; w++)
					keep = keep || win[w] == buf[j];
				if (!keep) {
					a->alloc[buf[j]]--;
					T--;
				}
			}
		}
		if (a->state != TALLY_SEATS_DONE)
			break;
	}
	divisor_range(rule, in, a);
	return TALLY_OK;
}

/* ==== Quota methods ==== */

static int quota_apportion(const tally_seats_rule *rule, const tally_apportion_input *in,
                           tally_apportionment *a, uint32_t *buf, uint32_t *win)
{
	uint32_t n = in->n, S = in->seats;
	uint64_t V = 0;
	for (uint32_t i = 0; i < n; i++)
		if (elig(in, i))
			V += in->votes[i];
	tally_ratio q;
	switch (rule->method) {
	case TALLY_SEATS_DROOP: q = (tally_ratio){V / ((uint64_t)S + 1) + 1, 1}; break;
	case TALLY_SEATS_HAGENBACH_BISCHOFF: q = (tally_ratio){V, (uint64_t)S + 1}; break;
	case TALLY_SEATS_IMPERIALI_QUOTA: q = (tally_ratio){V, (uint64_t)S + 2}; break;
	default: q = (tally_ratio){V, S ? S : 1}; break;
	}
	a->quota = q;
	a->whole = tally_calloc(n ? n : 1, sizeof *a->whole);
	a->remainder = tally_calloc(n ? n : 1, sizeof *a->remainder);
	bool *used = tally_calloc(n ? n : 1, sizeof *used);
	if (!a->whole || !a->remainder || !used) {
		tally_free(used);
		return TALLY_ENOMEM;
	}
	uint64_t T = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!elig(in, i))
			continue;
		uint64_t x = in->votes[i] * q.den; /* <= 10^12 * (10^5 + 2) */
		a->whole[i] = q.num ? (uint32_t)(x / q.num) : 0;
		a->remainder[i] = q.num ? x % q.num : 0;
		a->alloc[i] = a->whole[i];
		T += a->whole[i];
	}
	/* remainder seats one per party and round; an excess (Imperiali) is
	 * taken back one per party from the smallest remainders */
	while (T != S && a->state == TALLY_SEATS_DONE) {
		bool add = T < S;
		uint32_t k = 0, best = 0;
		for (uint32_t i = 0; i < n; i++) {
			if (!elig(in, i) || used[i] || (!add && a->alloc[i] == 0))
				continue;
			int c = k == 0 ? (add ? 1 : -1)
			               : (a->remainder[i] > a->remainder[best]
			                          ? 1
			                          : a->remainder[i] < a->remainder[best] ? -1 : 0);
			if (add ? c > 0 : c < 0) {
				k = 0;
				best = i;
			}
			if (c != (add ? -1 : 1))
				buf[k++] = i;
		}
		if (k == 0) {
			bool any = false;
			for (uint32_t i = 0; i < n; i++) {
				any = any || (used[i] && (add || a->alloc[i] > 0));
				used[i] = false;
			}
			if (!any)
				return TALLY_EINVAL;
			continue;
		}
		uint64_t r = add ? S - T : T - S;
		if (k <= r) {
			for (uint32_t j = 0; j < k; j++) {
				a->alloc[buf[j]] += add ? 1u : (uint32_t)-1;
				used[buf[j]] = true;
			}
			T = add ? T + k : T - k;
			continue;
		}
		uint32_t want = add ? (uint32_t)r : k - (uint32_t)r;
		int rc = seats_settle(rule, in, buf, k, want, !add, a, win, &a->state);
		if (rc) {
			tally_free(used);
			return rc;
		}
		uint32_t nw = a->ties[a->n_ties - 1].n_winners;
		for (uint32_t j = 0; j < k; j++) {
			bool w = false;
			for (uint32_t x = 0; x < nw; x++)
				w = w || win[x] == buf[j];
			if (add && w) {
				a->alloc[buf[j]]++;
				T++;
			} else if (!add && !w) {
				a->alloc[buf[j]]--;
				T--;
			}
			used[buf[j]] = true;
		}
	}
	tally_free(used);
	return TALLY_OK;
}

int tally_apportion(const tally_seats_rule *rule, const tally_apportion_input *in,
                    tally_apportionment *out, tally_error *err)
{
	int rc = TALLY_OK;
	uint32_t *buf = NULL, *win = NULL;
	memset(out, 0, sizeof *out);
	if ((unsigned)rule->method >= TALLY_SEATS_N_METHODS || rule->n_tie > TALLY_SEATS_MAX_TIE)
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL, "unknown method or tie chain");
	if (rule->method == TALLY_SEATS_MODIFIED_SL && rule->first.den != 0 &&
	    (rule->first.num == 0 || rule->first.num > TALLY_SEATS_MAX_FIRST ||
	     rule->first.den > TALLY_SEATS_MAX_FIRST))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "the first divisor must be a ratio a/b with 0 < a, b <= %u",
		                       TALLY_SEATS_MAX_FIRST);
	if (in->minimum && !tally_seats_method_is_divisor(rule->method))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "minimum seats need a divisor method, not %s",
		                       tally_seats_method_name(rule->method));
	if (in->seats > TALLY_SEATS_MAX_SEATS || in->n > 1000000)
		return tally_error_set(err, TALLY_EINVAL, "E022", NULL,
		                       "%u seats over %u parties: at most %u seats and 1,000,000 parties",
		                       in->seats, in->n, TALLY_SEATS_MAX_SEATS);
	uint64_t mins = 0;
	bool any = false;
	for (uint32_t i = 0; i < in->n; i++) {
		char b[16];
		if (in->votes[i] > TALLY_SEATS_MAX_VOTES)
			return tally_error_set(err, TALLY_EINVAL, "E022", seats_id(in, i, b),
			                       "%llu votes: at most 10^12",
			                       (unsigned long long)in->votes[i]);
		if (in->minimum && in->minimum[i] && !elig(in, i))
			return tally_error_set(err, TALLY_EINVAL, "E020", seats_id(in, i, b),
			                       "a minimum for a party that takes no seats");
		mins += minof(in, i);
		any = any || elig(in, i);
	}
	if (mins > in->seats)
		return tally_error_set(err, TALLY_EINVAL, "E021", NULL,
		                       "the minimums (%llu seats) exceed the %u seats",
		                       (unsigned long long)mins, in->seats);
	if (in->seats > 0 && !any)
		return tally_error_set(err, TALLY_EINVAL, "E024", NULL,
		                       "no party can take the %u seats (none is eligible)", in->seats);
	out->n = in->n;
	out->seats = in->seats;
	out->state = TALLY_SEATS_DONE;
	out->alloc = tally_calloc(in->n ? in->n : 1, sizeof *out->alloc);
	buf = tally_malloc((in->n ? in->n : 1) * sizeof *buf);
	win = tally_malloc((in->n ? in->n : 1) * sizeof *win);
	if (!out->alloc || !buf || !win) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	if (tally_seats_method_is_divisor(rule->method))
		rc = divisor_apportion(rule, in, out, buf, win);
	else
		rc = quota_apportion(rule, in, out, buf, win);
	if (rc == TALLY_OK)
		for (uint32_t i = 0; i < in->n; i++)
			out->allocated += out->alloc[i];
out:
	tally_free(buf);
	tally_free(win);
	if (rc) {
		tally_apportionment_release(out);
		return tally_error_set(err, rc, rc == TALLY_ENOMEM ? "" : "E024", NULL, "%s",
		                       rc == TALLY_ENOMEM ? "out of memory"
		                                          : "no party can take the remaining seats");
	}
	return TALLY_OK;
}
