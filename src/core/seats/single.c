/* SPDX-License-Identifier: Apache-2.0 */
/*
 * single.c: contests between candidates rather than lists: single-member
 * plurality and the block vote (the "seats" candidates with the most votes
 * win), and the first round of a two-round election (a majority of the
 * valid votes or of the registered voters elects; otherwise the top two, or
 * every candidate above a share of the registered voters, go to a runoff).
 * A tie at the boundary (for the last seat, the win, or the last runoff
 * place) goes through the same chain of named policies as the
 * apportionments (apportion.c, seats_settle), so "fail" makes the election
 * fail as the Election Code of Azerbaijan art. 170.1 requires, "lot" draws
 * the published lot, and an exhausted chain stops in "drawing of lots
 * required". No comparison uses floating point: a share is met when
 * votes * den >= num * base, in 256-bit products.
 */
#include "seats_int.h"

static int check_common(const tally_seats_rule *rule, const tally_candidates_input *in,
                        tally_error *err)
{
	if (rule->n_tie > TALLY_SEATS_MAX_TIE)
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL, "at most %d tie policies",
		                       TALLY_SEATS_MAX_TIE);
	if (in->n > 1000000 || in->seats > TALLY_SEATS_MAX_SEATS)
		return tally_error_set(err, TALLY_EINVAL, "E022", NULL,
		                       "%u seats over %u candidates: at most %u seats and 1,000,000 "
		                       "candidates", in->seats, in->n, TALLY_SEATS_MAX_SEATS);
	for (uint32_t i = 0; i < in->n; i++)
		if (in->votes[i] > TALLY_SEATS_MAX_VOTES) {
			char b[16];
			const tally_apportion_input ai = {in->n, in->votes, NULL, NULL, 0, in->ids, NULL,
			                                  NULL};
			return tally_error_set(err, TALLY_EINVAL, "E022", seats_id(&ai, i, b),
			                       "%llu votes: at most 10^12",
			                       (unsigned long long)in->votes[i]);
		}
	return TALLY_OK;
}

static int start(tally_apportionment *a, uint32_t n, uint32_t seats, uint32_t **buf,
                 uint32_t **win)
{
	a->n = n;
	a->seats = seats;
	a->state = TALLY_SEATS_DONE;
	a->alloc = tally_calloc(n ? n : 1, sizeof *a->alloc);
	*buf = tally_malloc((n ? n : 1) * sizeof **buf);
	*win = tally_malloc((n ? n : 1) * sizeof **win);
	if (!a->alloc || !*buf || !*win)
		return TALLY_ENOMEM;
	return TALLY_OK;
}

/* Marks (alloc 1) the k candidates with the most votes among those with
 * elig[i] (NULL: all) not yet marked. Candidates level at the boundary are
 * one tie for the places left, settled by the chain; when it stops, only
 * the sure places are marked and a->state says why. */
static int top_k(const tally_seats_rule *rule, const tally_apportion_input *in, const bool *elig,
                 uint32_t k, tally_apportionment *a, uint32_t *buf, uint32_t *win)
{
	uint32_t need = k;
	while (need > 0 && a->state == TALLY_SEATS_DONE) {
		uint32_t nb = 0;
		uint64_t best = 0;
		for (uint32_t i = 0; i < in->n; i++) {
			if ((elig && !elig[i]) || a->alloc[i])
				continue;
			if (nb == 0 || in->votes[i] > best) {
				nb = 0;
				best = in->votes[i];
			}
			if (in->votes[i] == best)
				buf[nb++] = i;
		}
		if (nb == 0)
			break; /* fewer candidates than places: the caller checked */
		if (nb <= need) {
			for (uint32_t j = 0; j < nb; j++)
				a->alloc[buf[j]] = 1;
			need -= nb;
			continue;
		}
		int rc = seats_settle(rule, in, buf, nb, need, false, a, win, &a->state);
		if (rc)
			return rc;
		uint32_t nw = a->ties[a->n_ties - 1].n_winners;
		for (uint32_t j = 0; j < nw; j++)
			a->alloc[win[j]] = 1;
		need = 0;
	}
	a->allocated = 0;
	for (uint32_t i = 0; i < in->n; i++)
		a->allocated += a->alloc[i];
	return TALLY_OK;
}

int tally_seats_plurality(const tally_seats_rule *rule, const tally_candidates_input *in,
                          tally_apportionment *out, tally_error *err)
{
	uint32_t *buf = NULL, *win = NULL;
	int rc;
	memset(out, 0, sizeof *out);
	if ((rc = check_common(rule, in, err)))
		return rc;
	if (in->n < in->seats)
		return tally_error_set(err, TALLY_EINVAL, "E025", NULL,
		                       "%u candidates for %u seats", in->n, in->seats);
	tally_apportion_input ai = {in->n, in->votes, NULL, NULL, in->seats, in->ids, NULL, NULL};
	rc = start(out, in->n, in->seats, &buf, &win);
	if (rc == TALLY_OK)
		rc = top_k(rule, &ai, NULL, in->seats, out, buf, win);
	tally_free(buf);
	tally_free(win);
	if (rc) {
		tally_apportionment_release(out);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	return TALLY_OK;
}

/* ==== Two-round ==== */

void tally_two_round_release(tally_two_round_result *r)
{
	if (!r)
		return;
	tally_free(r->runoff);
	tally_apportionment_release(&r->pick);
	memset(r, 0, sizeof *r);
}

static bool share_valid(tally_ratio s, bool required)
{
	if (s.den == 0)
		return !required && s.num == 0;
	return s.num <= s.den;
}

/* votes >= share * base (at least), or > with "strict" */
static bool meets(uint64_t votes, tally_ratio share, uint64_t base, bool strict)
{
	int c = seats_cmp_prod(votes, share.den, share.num, base);
	return strict ? c > 0 : c >= 0;
}

static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);
	if (n + 1 < size)
		snprintf(buf + n, size - n, "%s", s);
}

int tally_seats_two_round(const tally_seats_rule *rule, const tally_two_round_rule *tr,
                          const tally_candidates_input *in, uint64_t valid, uint64_t registered,
                          tally_two_round_result *out, tally_error *err)
{
	uint32_t *buf = NULL, *win = NULL;
	bool *elig = NULL;
	char b[16];
	int rc;
	memset(out, 0, sizeof *out);
	if ((rc = check_common(rule, in, err)))
		return rc;
	if (!share_valid(tr->majority, true) || !share_valid(tr->also_registered, false) ||
	    !share_valid(tr->runoff_registered, false))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "a two-round share must be between 0 and 1");
	if (registered == 0 && (tr->majority_of_registered || tr->also_registered.num > 0 ||
	                        tr->runoff_registered.num > 0))
		return tally_error_set(err, TALLY_EINVAL, "E020", NULL,
		                       "a share of registered voters needs the number of registered "
		                       "voters");
	if (in->n < 2)
		return tally_error_set(err, TALLY_EINVAL, "E025", NULL,
		                       "%u candidate(s): a two-round contest needs at least two", in->n);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < in->n; i++)
		sum += in->votes[i];
	out->valid = valid ? valid : sum;
	out->registered = registered;
	tally_apportion_input ai = {in->n, in->votes, NULL, NULL, 1, in->ids, NULL, NULL};
	elig = tally_calloc(in->n, sizeof *elig);
	out->runoff = tally_calloc(in->n, sizeof *out->runoff);
	rc = start(&out->pick, in->n, 1, &buf, &win);
	if (rc || !elig || !out->runoff) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	uint32_t n_major = 0;
	uint64_t base = tr->majority_of_registered ? registered : out->valid;
	for (uint32_t i = 0; i < in->n; i++) {
		elig[i] = meets(in->votes[i], tr->majority, base, tr->majority_strict) &&
		          (tr->also_registered.num == 0 ||
		           meets(in->votes[i], tr->also_registered, registered, false));
		n_major += elig[i];
	}
	if (n_major > 0) {
		/* a low share can let several through: the most votes wins */
		if ((rc = top_k(rule, &ai, elig, 1, &out->pick, buf, win)))
			goto out;
		out->state = out->pick.state;
		for (uint32_t i = 0; i < in->n; i++)
			if (out->pick.alloc[i]) {
				out->elected = true;
				out->winner = i;
			}
		if (out->elected)
			snprintf(out->note, sizeof out->note, "elected in the first round: %s",
			         seats_id(&ai, out->winner, b));
		else
			snprintf(out->note, sizeof out->note, "tie for the win: %s",
			         tally_seats_state_name(out->state));
		goto out;
	}
	/* the runoff: everyone with the share of registered voters, completed
	 * to two by votes (Code electoral L162), or the top two */
	uint32_t m = 0;
	if (tr->runoff_registered.num > 0)
		for (uint32_t i = 0; i < in->n; i++)
			if (meets(in->votes[i], tr->runoff_registered, registered, false)) {
				out->pick.alloc[i] = 1;
				m++;
			}
	if (m < 2) {
		out->pick.seats = 2;
		if ((rc = top_k(rule, &ai, NULL, 2 - m, &out->pick, buf, win)))
			goto out;
	}
	out->pick.allocated = 0;
	for (uint32_t i = 0; i < in->n; i++)
		out->pick.allocated += out->pick.alloc[i];
	out->pick.seats = out->pick.allocated;
	out->state = out->pick.state;
	/* by votes, most first (equal votes in index order: display only) */
	for (uint32_t i = 0; i < in->n; i++) {
		if (!out->pick.alloc[i])
			continue;
		uint32_t j = out->n_runoff++;
		while (j > 0 && in->votes[out->runoff[j - 1]] < in->votes[i]) {
			out->runoff[j] = out->runoff[j - 1];
			j--;
		}
		out->runoff[j] = i;
	}
	if (out->state != TALLY_SEATS_DONE) {
		snprintf(out->note, sizeof out->note, "runoff places undecided: %s",
		         tally_seats_state_name(out->state));
		goto out;
	}
	snprintf(out->note, sizeof out->note, "runoff needed between ");
	for (uint32_t j = 0; j < out->n_runoff; j++) {
		append(out->note, sizeof out->note,
		       j == 0 ? "" : j + 1 == out->n_runoff ? " and " : ", ");
		append(out->note, sizeof out->note, seats_id(&ai, out->runoff[j], b));
	}
out:
	tally_free(elig);
	tally_free(buf);
	tally_free(win);
	if (rc) {
		tally_two_round_release(out);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	return TALLY_OK;
}
