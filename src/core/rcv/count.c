/* SPDX-License-Identifier: Apache-2.0 */
/*
 * count.c: the tabulation of ranked ballots (rcv.h): instant-runoff, the
 * Scottish single transferable vote (SSI 2007/42, Schedule 1, rules 45-52)
 * and Meek's method (the Reference Meek Rule), over the ballot store's
 * patterns. Values are integers throughout: whole ballots for IRV, units of
 * 10^-5 of a vote for the Scottish rules (whose transfer values are
 * truncated to five decimal places), units of 10^-9 for Meek (nine decimal
 * places, rounded as the reference rule says). Products are taken in 128
 * bits. Every tie goes through the rules' named chain; a tie that the chain
 * does not settle stops the count with the tie on record.
 *
 * First each pattern is rewritten under the ballot rules (overvotes,
 * skipped rankings, repeated rankings) into its usable preferences and the
 * reason it ends. Then IRV and the Scottish count move parcels (a pattern, a
 * position in it, a number of ballots and their value per ballot) between
 * candidates; Meek distributes every pattern anew in each iteration.
 */
#include "rcv_int.h"

/* ==== Patterns under the ballot rules ==== */

typedef struct clean {
	uint16_t *e;      /* entries: a candidate, or RCV_GROUP|k and k candidates */
	uint64_t *off;    /* pattern p: e[off[p] .. off[p+1]) */
	uint8_t *end;     /* why pattern p ends (TALLY_RCV_EX_*) */
	uint64_t *count;  /* borrowed from the store */
	uint32_t n_pat;
} clean;

static void clean_release(clean *c)
{
	tally_free(c->e);
	tally_free(c->off);
	tally_free(c->end);
	memset(c, 0, sizeof *c);
}

/* The ballot rules (docs/methods-rcv.md, "Ballot rules"), applied to each
 * rank in turn. A rank with one mark is a preference unless it repeats an
 * earlier one; a run of empty ranks longer than max_skipped ends the
 * ballot; an overvote ends it, is skipped, or (exhaust-if-multiple) stays a
 * group decided at count time. */
static int clean_build(const tally_rcv_ballots *b, const tally_rcv_rules *r, clean *c)
{
	memset(c, 0, sizeof *c);
	c->n_pat = b->n_pat;
	c->count = b->count;
	c->e = tally_malloc((b->n_marks ? b->n_marks : 1) * sizeof *c->e);
	c->off = tally_malloc(((size_t)b->n_pat + 1) * sizeof *c->off);
	c->end = tally_malloc(b->n_pat ? b->n_pat : 1);
	uint8_t *seen = tally_calloc(b->n_cand ? b->n_cand : 1, 1); /* 1 alone, 2 in a group */
	if (!c->e || !c->off || !c->end || !seen) {
		tally_free(seen);
		clean_release(c);
		return TALLY_ENOMEM;
	}
	uint64_t n = 0;
	for (uint32_t p = 0; p < b->n_pat; p++) {
		/* no marks at all (only blank ballots): no arena either */
		const uint16_t *start = b->marks ? b->marks + b->off[p] : NULL;
		const uint16_t *m = start, *mend = b->marks ? b->marks + b->off[p + 1] : NULL;
		uint8_t why = TALLY_RCV_EX_CHOICES;
		uint32_t skipped = 0;
		c->off[p] = n;
		while (m < mend) {
			uint16_t x = *m;
			if (x == RCV_SKIP) {
				skipped++;
				m++;
				continue;
			}
			if (skipped > r->max_skipped) {
				why = TALLY_RCV_EX_SKIPPED;
				break;
			}
			skipped = 0;
			if (!(x & RCV_GROUP)) {
				m++;
				if (seen[x] == 1 && r->duplicate_exhausts) {
					why = TALLY_RCV_EX_DUPLICATE;
					break;
				}
				/* a repeat, or a candidate already met in an overvote that
				 * exhaust-if-multiple keeps: the ballot reached them there */
				if (seen[x])
					continue;
				seen[x] = 1;
				c->e[n++] = x;
				continue;
			}
			uint16_t k = x & (uint16_t)~RCV_GROUP;
			/* an overvote of unknown candidates cannot be decided at count
			 * time: exhaust-if-multiple exhausts the ballot there */
			if (r->overvote == TALLY_RCV_OV_EXHAUST ||
			    (k == 0 && r->overvote == TALLY_RCV_OV_MULTIPLE)) {
				why = TALLY_RCV_EX_OVERVOTE;
				break;
			}
			if (r->overvote == TALLY_RCV_OV_MULTIPLE) {
				c->e[n++] = x;
				for (uint16_t i = 0; i < k; i++) {
					c->e[n++] = m[1 + i];
					if (!seen[m[1 + i]])
						seen[m[1 + i]] = 2;
				}
			}
			m += 1 + k;
		}
		c->end[p] = why;
		/* clear what this pattern marked */
		for (const uint16_t *q = start; q < mend; q++) {
			if (*q == RCV_SKIP)
				continue;
			if (!(*q & RCV_GROUP)) {
				seen[*q] = 0;
				continue;
			}
			uint16_t k = *q & (uint16_t)~RCV_GROUP;
			for (uint16_t i = 0; i < k; i++)
				seen[q[1 + i]] = 0;
			q += k;
		}
	}
	c->off[b->n_pat] = n;
	tally_free(seen);
	return TALLY_OK;
}

/* ==== The count's state ==== */

typedef struct parcel {
	uint32_t pat, pos;  /* the pattern, and the entry its ballots sit at */
	uint32_t n;         /* ballots */
	uint32_t value;     /* value per ballot, in units */
} parcel;

typedef struct pile {
	parcel *p;
	uint32_t n, cap;
} pile;

typedef struct ctx {
	const tally_rcv_ballots *b;
	const tally_rcv_rules *r;
	clean cl;
	uint32_t nc;
	tally_rcv_result *res;
	uint32_t cap_rounds;
	uint8_t *cont;       /* continuing (IRV, Scottish); Meek: not excluded */
	uint64_t *votes;     /* current totals, in units */
	uint64_t exhausted[TALLY_RCV_EX_N];
	uint64_t lost;
	pile *piles;
} ctx;

static int pile_add(pile *pl, parcel x)
{
	if (pl->n == pl->cap) {
		uint32_t nc = pl->cap ? 2 * pl->cap : 8;
		parcel *np = tally_realloc(pl->p, (size_t)nc * sizeof *np);
		if (!np)
			return TALLY_ENOMEM;
		pl->p = np;
		pl->cap = nc;
	}
	pl->p[pl->n++] = x;
	return TALLY_OK;
}

static void pile_release(pile *pl)
{
	tally_free(pl->p);
	memset(pl, 0, sizeof *pl);
}

/* The next preference of pattern "pat" at or after entry "pos" for a
 * continuing candidate: returns the candidate (its entry in *at) or
 * TALLY_NONE with the reason in *why. */
static uint32_t next_pref(const ctx *x, uint32_t pat, uint32_t pos, uint32_t *at, uint8_t *why)
{
	const uint16_t *e = x->cl.e + x->cl.off[pat];
	uint32_t len = (uint32_t)(x->cl.off[pat + 1] - x->cl.off[pat]);
	while (pos < len) {
		uint16_t v = e[pos];
		if (!(v & RCV_GROUP)) {
			if (x->cont[v]) {
				*at = pos;
				return v;
			}
			pos++;
			continue;
		}
		uint16_t k = v & (uint16_t)~RCV_GROUP, live = 0;
		uint32_t who = TALLY_NONE;
		for (uint16_t i = 0; i < k; i++)
			if (x->cont[e[pos + 1 + i]]) {
				live++;
				who = e[pos + 1 + i];
			}
		if (live >= 2) {
			*why = TALLY_RCV_EX_OVERVOTE;
			return TALLY_NONE;
		}
		if (live == 1) {
			*at = pos;
			return who;
		}
		pos += 1u + k;
	}
	*why = x->cl.end[pat];
	return TALLY_NONE;
}

/* the entry after the one at "pos" */
static uint32_t past(const ctx *x, uint32_t pat, uint32_t pos)
{
	uint16_t v = x->cl.e[x->cl.off[pat] + pos];
	return v & RCV_GROUP ? pos + 1u + (v & (uint16_t)~RCV_GROUP) : pos + 1u;
}

/* ==== Rounds ==== */

static tally_rcv_round *round_new(ctx *x, tally_rcv_round_kind kind)
{
	tally_rcv_result *res = x->res;
	if (res->n_rounds == x->cap_rounds) {
		uint32_t nc = x->cap_rounds ? 2 * x->cap_rounds : 16;
		tally_rcv_round *nr = tally_realloc(res->rounds, (size_t)nc * sizeof *nr);
		if (!nr)
			return NULL;
		res->rounds = nr;
		x->cap_rounds = nc;
	}
	tally_rcv_round *rd = &res->rounds[res->n_rounds];
	memset(rd, 0, sizeof *rd);
	rd->votes = tally_calloc(x->nc ? x->nc : 1, sizeof *rd->votes);
	rd->change = tally_calloc(x->nc ? x->nc : 1, sizeof *rd->change);
	if (!rd->votes || !rd->change) {
		tally_free(rd->votes);
		tally_free(rd->change);
		return NULL;
	}
	rd->kind = kind;
	res->n_rounds++;
	return rd;
}

/* totals into the round, changes against the round before */
static void round_close(ctx *x, tally_rcv_round *rd)
{
	const tally_rcv_round *prev = x->res->n_rounds > 1 ? rd - 1 : NULL;
	uint64_t ex = 0, pex = 0;
	for (uint32_t c = 0; c < x->nc; c++) {
		rd->votes[c] = x->votes[c];
		rd->change[c] = (int64_t)x->votes[c] - (int64_t)(prev ? prev->votes[c] : 0);
	}
	for (int i = 0; i < TALLY_RCV_EX_N; i++) {
		rd->exhausted[i] = x->exhausted[i];
		ex += x->exhausted[i];
		if (prev)
			pex += prev->exhausted[i];
	}
	rd->exhausted_change = (int64_t)ex - (int64_t)pex;
	rd->lost = x->lost;
	uint64_t cont = 0;
	for (uint32_t c = 0; c < x->nc; c++)
		if (x->cont[c])
			cont += x->votes[c];
	rd->continuing = cont;
}

static int list_add(uint32_t **list, uint32_t *n, uint32_t v)
{
	uint32_t *nl = tally_realloc(*list, ((size_t)*n + 1) * sizeof *nl);
	if (!nl)
		return TALLY_ENOMEM;
	nl[(*n)++] = v;
	*list = nl;
	return TALLY_OK;
}

static int elect(ctx *x, tally_rcv_round *rd, uint32_t c)
{
	tally_rcv_result *res = x->res;
	if (list_add(&rd->elected, &rd->n_elected, c) ||
	    list_add(&res->elected, &res->n_elected, c))
		return TALLY_ENOMEM;
	res->status[c] = TALLY_RCV_ELECTED;
	res->decided_in[c] = res->n_rounds;
	x->cont[c] = 0;
	return TALLY_OK;
}

static int exclude(ctx *x, tally_rcv_round *rd, uint32_t c)
{
	if (list_add(&rd->excluded, &rd->n_excluded, c))
		return TALLY_ENOMEM;
	x->res->status[c] = TALLY_RCV_EXCLUDED;
	x->res->decided_in[c] = x->res->n_rounds;
	x->cont[c] = 0;
	return TALLY_OK;
}

/* ==== Ties ==== */

/* Settles a tie among "k" candidates "tied" (all with equal current
 * votes): "lowest" picks whom to exclude, else whom to favour. Records it in
 * "rd". Returns TALLY_OK with *chosen, or TALLY_OK with *chosen =
 * TALLY_NONE and the result's state set when no policy settles it. */
static int settle(ctx *x, tally_rcv_round *rd, const uint32_t *tied, uint32_t k, bool lowest,
                  uint32_t *chosen)
{
	tally_rcv_result *res = x->res;
	const tally_rcv_rules *r = x->r;
	uint32_t *set = tally_malloc((size_t)k * sizeof *set);
	uint32_t ns = k;
	int settled_by = -1;
	if (!set)
		return TALLY_ENOMEM;
	memcpy(set, tied, (size_t)k * sizeof *set);
	/* the rounds before this one */
	uint32_t before = res->n_rounds - 1;
	for (uint32_t t = 0; t < r->n_tie && ns > 1; t++) {
		tally_rcv_tie pol = r->tie[t];
		if (pol == TALLY_RCV_TIE_PREVIOUS || pol == TALLY_RCV_TIE_FIRST) {
			for (uint32_t i = 0; i < before && ns > 1; i++) {
				uint32_t ri = pol == TALLY_RCV_TIE_PREVIOUS ? before - 1 - i : i;
				const uint64_t *v = res->rounds[ri].votes;
				uint64_t best = v[set[0]];
				for (uint32_t j = 1; j < ns; j++)
					if (lowest ? v[set[j]] < best : v[set[j]] > best)
						best = v[set[j]];
				uint32_t m = 0;
				for (uint32_t j = 0; j < ns; j++)
					if (v[set[j]] == best)
						set[m++] = set[j];
				ns = m;
			}
		} else if (pol == TALLY_RCV_TIE_LOT) {
			/* the published lot: key splitmix64(seed XOR fnv1a64(id)); the
			 * highest key is favoured, the lowest excluded */
			uint64_t best = 0;
			for (uint32_t j = 0; j < ns; j++) {
				uint64_t s = r->seed ^ tally__hash(x->b->ids[set[j]], strlen(x->b->ids[set[j]]));
				uint64_t key = tally__splitmix64(&s);
				if (j == 0 || (lowest ? key < best : key > best))
					best = key;
			}
			uint32_t m = 0;
			for (uint32_t j = 0; j < ns; j++) {
				uint64_t s = r->seed ^ tally__hash(x->b->ids[set[j]], strlen(x->b->ids[set[j]]));
				if (tally__splitmix64(&s) == best)
					set[m++] = set[j];
			}
			ns = m;
		} else {
			res->state = TALLY_RCV_FAILED;
			settled_by = (int)TALLY_RCV_TIE_FAIL;
			break;
		}
		if (ns == 1)
			settled_by = (int)pol;
	}
	tally_rcv_tie_record *nt =
	    tally_realloc(rd->ties, ((size_t)rd->n_ties + 1) * sizeof *nt);
	if (!nt) {
		tally_free(set);
		return TALLY_ENOMEM;
	}
	rd->ties = nt;
	tally_rcv_tie_record *tr = &rd->ties[rd->n_ties++];
	memset(tr, 0, sizeof *tr);
	tr->tied = tally_malloc((size_t)k * sizeof *tr->tied);
	if (!tr->tied) {
		rd->n_ties--;
		tally_free(set);
		return TALLY_ENOMEM;
	}
	memcpy(tr->tied, tied, (size_t)k * sizeof *tr->tied);
	tr->n_tied = k;
	tr->lowest = lowest;
	tr->settled_by = settled_by == (int)TALLY_RCV_TIE_FAIL ? settled_by
	                 : ns == 1                             ? settled_by
	                                                       : -1;
	if (ns == 1 && settled_by != (int)TALLY_RCV_TIE_FAIL) {
		tr->chosen = set[0];
		*chosen = set[0];
	} else {
		tr->chosen = TALLY_NONE;
		*chosen = TALLY_NONE;
		if (res->state == TALLY_RCV_DONE)
			res->state = TALLY_RCV_LOTS_REQUIRED;
	}
	tally_free(set);
	return TALLY_OK;
}

/* The continuing candidate with the fewest (lowest) or most votes, through
 * the tie chain when several share it. */
static int pick(ctx *x, tally_rcv_round *rd, bool lowest, const uint8_t *among, uint32_t *out)
{
	uint32_t k = 0, *tied = NULL;
	uint64_t best = 0;
	bool any = false;
	for (uint32_t c = 0; c < x->nc; c++) {
		if (!among[c])
			continue;
		if (!any || (lowest ? x->votes[c] < best : x->votes[c] > best)) {
			best = x->votes[c];
			any = true;
		}
	}
	if (!any) {
		*out = TALLY_NONE;
		return TALLY_OK;
	}
	tied = tally_malloc((size_t)x->nc * sizeof *tied);
	if (!tied)
		return TALLY_ENOMEM;
	for (uint32_t c = 0; c < x->nc; c++)
		if (among[c] && x->votes[c] == best)
			tied[k++] = c;
	int rc = TALLY_OK;
	if (k == 1)
		*out = tied[0];
	else
		rc = settle(x, rd, tied, k, lowest, out);
	tally_free(tied);
	return rc;
}

/* ==== Moving parcels (IRV and Scottish) ==== */

/* Sends the parcels of candidate "from" on to their next continuing
 * preference. "surplus" > 0: a Scottish surplus transfer out of "total":
 * each parcel moves at floor(surplus x value / total) (SSI 2007/42 Sch. 1
 * rule 48(3)); else every parcel moves at its own value. Returns the value
 * moved (to candidates and to the exhausted). */
static int send_on(ctx *x, uint32_t from, uint64_t surplus, uint64_t total, uint64_t *moved)
{
	pile pl = x->piles[from];
	uint64_t sum = 0;
	memset(&x->piles[from], 0, sizeof pl);
	for (uint32_t i = 0; i < pl.n; i++) {
		parcel p = pl.p[i];
		if (surplus)
			p.value = (uint32_t)((rcv_u128)surplus * p.value / total);
		uint64_t v = (uint64_t)p.n * p.value;
		uint8_t why = TALLY_RCV_EX_CHOICES;
		uint32_t at = 0, to = next_pref(x, p.pat, past(x, p.pat, p.pos), &at, &why);
		if (to == TALLY_NONE) {
			x->exhausted[why] += v;
		} else {
			p.pos = at;
			if (pile_add(&x->piles[to], p)) {
				tally_free(pl.p);
				return TALLY_ENOMEM;
			}
			x->votes[to] += v;
		}
		sum += v;
	}
	tally_free(pl.p);
	*moved = sum;
	return TALLY_OK;
}

static int first_round(ctx *x, uint64_t unit)
{
	for (uint32_t p = 0; p < x->cl.n_pat; p++) {
		uint8_t why = TALLY_RCV_EX_CHOICES;
		uint32_t at = 0, c = next_pref(x, p, 0, &at, &why);
		uint64_t n = x->cl.count[p];
		if (c == TALLY_NONE) {
			x->exhausted[why] += n * unit;
			continue;
		}
		if (pile_add(&x->piles[c], (parcel){p, at, (uint32_t)n, (uint32_t)unit}))
			return TALLY_ENOMEM;
		x->votes[c] += n * unit;
		x->res->valid += n;
	}
	return TALLY_OK;
}

/* ==== Instant-runoff ==== */

typedef struct vc {
	uint64_t votes;
	uint32_t c;
} vc;

static int vc_cmp(const void *a, const void *b)
{
	const vc *x = a, *y = b;
	/* by votes only: equal votes are never split by the batch (see
	 * batch_set), so their order does not matter */
	return x->votes < y->votes ? -1 : x->votes > y->votes;
}

/* Batch elimination: the largest set of lowest candidates whose votes
 * together are fewer than the next candidate's (none of them can win).
 * Writes them to "out" and returns how many (0 or 1: no batch). */
static int batch_set(ctx *x, uint32_t *out, uint32_t *k)
{
	vc *v = tally_malloc((size_t)(x->nc ? x->nc : 1) * sizeof *v);
	uint32_t n = 0, best = 0;
	uint64_t sum = 0;
	if (!v)
		return TALLY_ENOMEM;
	for (uint32_t c = 0; c < x->nc; c++)
		if (x->cont[c])
			v[n++] = (vc){x->votes[c], c};
	qsort(v, n, sizeof *v, vc_cmp);
	/* at least two stay: with one left over it would have a majority
	 * already, unless the count goes on until two remain. The sum of the
	 * k lowest must be below the (k+1)-th: strict, so a tie at the
	 * boundary never satisfies it. */
	for (uint32_t i = 1; i + 1 < n; i++) {
		sum += v[i - 1].votes;
		if (sum < v[i].votes)
			best = i;
	}
	for (uint32_t i = 0; i < best; i++)
		out[i] = v[i].c;
	tally_free(v);
	*k = best;
	return TALLY_OK;
}

static int count_irv(ctx *x)
{
	tally_rcv_result *res = x->res;
	uint32_t *set = tally_malloc((size_t)(x->nc ? x->nc : 1) * sizeof *set);
	tally_rcv_round *rd = round_new(x, TALLY_RCV_ROUND_FIRST);
	int rc = TALLY_ENOMEM;
	if (!set || !rd || first_round(x, 1))
		goto out;
	round_close(x, rd);
	for (;;) {
		uint32_t n_cont = 0, lead = TALLY_NONE;
		uint64_t cont = 0;
		for (uint32_t c = 0; c < x->nc; c++)
			if (x->cont[c]) {
				n_cont++;
				cont += x->votes[c];
				if (lead == TALLY_NONE || x->votes[c] > x->votes[lead])
					lead = c;
			}
		if (n_cont == 0)
			break;
		/* a majority of the votes of continuing candidates: more than half
		 * (one candidate can hold it, so no tie can arise) */
		bool majority = 2 * x->votes[lead] > cont;
		if (n_cont == 1 || (majority && (!x->r->until_two || n_cont <= 2))) {
			if (elect(x, rd, lead))
				goto out;
			break;
		}
		uint32_t wi = x->r->write_in;
		uint32_t k = 0;
		if (x->r->batch && batch_set(x, set, &k))
			goto out;
		if (wi < x->nc && x->cont[wi]) {
			/* undeclared write-ins go first, alone */
			if (exclude(x, rd, wi))
				goto out;
		} else if (k >= 2) {
			for (uint32_t i = 0; i < k; i++)
				if (exclude(x, rd, set[i]))
					goto out;
		} else {
			uint32_t low;
			if (pick(x, rd, true, x->cont, &low))
				goto out;
			if (low == TALLY_NONE)
				break;
			if (exclude(x, rd, low))
				goto out;
			set[0] = low;
			k = 1;
		}
		tally_rcv_round *nr = round_new(x, TALLY_RCV_ROUND_EXCLUSION);
		if (!nr)
			goto out;
		rd = nr;
		const tally_rcv_round *pr = &res->rounds[res->n_rounds - 2];
		rd->from = tally_malloc((size_t)pr->n_excluded * sizeof *rd->from);
		if (!rd->from)
			goto out;
		rd->n_from = pr->n_excluded;
		memcpy(rd->from, pr->excluded, (size_t)pr->n_excluded * sizeof *rd->from);
		for (uint32_t i = 0; i < rd->n_from; i++) {
			uint64_t moved = 0;
			uint32_t from = rd->from[i];
			if (send_on(x, from, 0, 0, &moved))
				goto out;
			rd->transferred += moved;
			x->votes[from] = 0;
		}
		round_close(x, rd);
	}
	rc = TALLY_OK;
out:
	tally_free(set);
	return rc;
}

/* ==== Scottish STV, SSI 2007/42 Schedule 1 ==== */

#define SC_UNIT 100000u /* 10^5: five decimal places (rule 48(3)) */

static int count_scottish(ctx *x)
{
	tally_rcv_result *res = x->res;
	const uint32_t seats = x->r->seats;
	uint8_t *pending = tally_calloc(x->nc ? x->nc : 1, 1); /* surplus not yet transferred */
	tally_rcv_round *rd = round_new(x, TALLY_RCV_ROUND_FIRST);
	int rc = TALLY_ENOMEM;
	if (!pending || !rd || first_round(x, SC_UNIT))
		goto out;
	/* rule 46: quota = floor(first preference votes / (seats + 1)) + 1 */
	uint64_t quota = (res->valid / (seats + 1) + 1) * SC_UNIT;
	res->quota = quota;
	rd->quota = quota;
	round_close(x, rd);
	for (;;) {
		/* rules 47 and 48(1): at the end of any stage, every continuing
		 * candidate with the quota is elected; listed by votes, most first */
		for (;;) {
			uint32_t best = TALLY_NONE;
			for (uint32_t c = 0; c < x->nc; c++)
				if (x->cont[c] && x->votes[c] >= quota &&
				    (best == TALLY_NONE || x->votes[c] > x->votes[best]))
					best = c;
			if (best == TALLY_NONE || res->n_elected == seats)
				break;
			if (x->votes[best] > quota)
				pending[best] = 1;
			if (elect(x, rd, best))
				goto out;
		}
		if (res->n_elected == seats)
			break;
		uint32_t n_cont = 0;
		for (uint32_t c = 0; c < x->nc; c++)
			n_cont += x->cont[c];
		/* rule 52(1): as many continuing candidates as vacancies left are
		 * elected; rule 52(2): no further transfer is made. (The order has
		 * no rule electing a candidate ahead of all the others together
		 * before that: the count goes on with the surplus or an exclusion.) */
		if (n_cont <= seats - res->n_elected) {
			for (;;) {
				uint32_t best = TALLY_NONE;
				for (uint32_t c = 0; c < x->nc; c++)
					if (x->cont[c] && (best == TALLY_NONE || x->votes[c] > x->votes[best]))
						best = c;
				if (best == TALLY_NONE)
					break;
				if (elect(x, rd, best))
					goto out;
			}
			break;
		}
		uint32_t who;
		bool surplus = false;
		for (uint32_t c = 0; c < x->nc; c++)
			surplus |= pending[c] != 0;
		if (surplus) {
			/* rule 49: the largest surplus first; equal surpluses by the
			 * tie chain (the order: the most votes at the most recent
			 * preceding stage where they differed, then the lot) */
			if (pick(x, rd, false, pending, &who))
				goto out;
		} else {
			/* rule 50: exclude the continuing candidate with the fewest votes */
			if (pick(x, rd, true, x->cont, &who))
				goto out;
		}
		if (who == TALLY_NONE)
			break;
		if (!surplus && exclude(x, rd, who))
			goto out;
		rd = round_new(x, surplus ? TALLY_RCV_ROUND_SURPLUS : TALLY_RCV_ROUND_EXCLUSION);
		if (!rd)
			goto out;
		rd->from = tally_malloc(sizeof *rd->from);
		if (!rd->from)
			goto out;
		rd->from[0] = who;
		rd->n_from = 1;
		rd->quota = quota;
		uint64_t moved = 0;
		if (surplus) {
			uint64_t total = x->votes[who], s = total - quota;
			pending[who] = 0;
			rd->transferred = s;
			rd->transfer_value = (uint64_t)((rcv_u128)s * SC_UNIT / total);
			if (send_on(x, who, s, total, &moved))
				goto out;
			x->lost += s - moved;
			x->votes[who] = quota;
		} else {
			rd->transferred = x->votes[who];
			if (send_on(x, who, 0, 0, &moved))
				goto out;
			x->votes[who] = 0;
		}
		round_close(x, rd);
	}
	rc = TALLY_OK;
out:
	tally_free(pending);
	return rc;
}

/* ==== Meek, the Reference Meek Rule ==== */

#define MK_UNIT 1000000000ULL /* 10^9: nine decimal places */
#define MK_OMEGA 1000ULL      /* 10^-6 */

static uint64_t ceil_div(rcv_u128 a, rcv_u128 b)
{
	return (uint64_t)((a + b - 1) / b);
}

/* B.2.a: every ballot from weight 1; each candidate on it in turn keeps the
 * weight times its keep factor (to nine decimals, rounded up) */
static void meek_distribute(ctx *x, const uint64_t *kf)
{
	memset(x->votes, 0, (size_t)x->nc * sizeof *x->votes);
	memset(x->exhausted, 0, sizeof x->exhausted);
	for (uint32_t p = 0; p < x->cl.n_pat; p++) {
		uint64_t w = MK_UNIT, n = x->cl.count[p];
		uint32_t pos = 0;
		uint8_t why = TALLY_RCV_EX_CHOICES;
		while (w) {
			uint32_t at = 0, c = next_pref(x, p, pos, &at, &why);
			if (c == TALLY_NONE)
				break;
			/* w and kf are at most 10^9: the product fits in 64 bits */
			uint64_t keep = kf[c] == MK_UNIT ? w : (w * kf[c] + MK_UNIT - 1) / MK_UNIT;
			x->votes[c] += keep * n;
			w -= keep;
			pos = past(x, p, at);
		}
		if (w)
			x->exhausted[why] += w * n;
	}
}

static int count_meek(ctx *x)
{
	tally_rcv_result *res = x->res;
	const uint32_t seats = x->r->seats;
	uint64_t *kf = tally_calloc(x->nc ? x->nc : 1, sizeof *kf);
	uint8_t *hopeful = tally_calloc(x->nc ? x->nc : 1, 1);
	int rc = TALLY_ENOMEM;
	tally_rcv_round *rd = NULL;
	tally_rcv_round_kind kind = TALLY_RCV_ROUND_FIRST;
	uint32_t from = TALLY_NONE;
	if (!kf || !hopeful)
		goto out;
	for (uint32_t c = 0; c < x->nc; c++) {
		kf[c] = MK_UNIT;
		hopeful[c] = 1;
	}
	/* in Meek's count elected candidates keep receiving votes: "cont" is
	 * every candidate not excluded */
	for (uint32_t p = 0; p < x->cl.n_pat; p++) {
		uint8_t why;
		uint32_t at;
		if (next_pref(x, p, 0, &at, &why) != TALLY_NONE)
			res->valid += x->cl.count[p];
	}
	for (;;) {
		uint32_t n_hope = 0;
		for (uint32_t c = 0; c < x->nc; c++)
			n_hope += hopeful[c];
		/* B.1: count complete */
		if (res->n_elected == seats || res->n_elected + n_hope <= seats)
			break;
		rd = round_new(x, kind);
		if (!rd)
			goto out;
		if (from != TALLY_NONE) {
			rd->from = tally_malloc(sizeof *rd->from);
			if (!rd->from)
				goto out;
			rd->from[0] = from;
			rd->n_from = 1;
		}
		rd->keep = tally_malloc((size_t)(x->nc ? x->nc : 1) * sizeof *rd->keep);
		if (!rd->keep)
			goto out;
		/* B.2: iterate */
		uint64_t prev_s = 0, q = 0, last_s = 0;
		bool elected_any = false;
		for (uint32_t it = 1;; it++) {
			meek_distribute(x, kf);
			rd->iterations = it;
			/* B.2.b: quota */
			uint64_t sum = 0;
			for (uint32_t c = 0; c < x->nc; c++)
				sum += x->votes[c];
			q = sum / (seats + 1) + 1;
			/* B.2.c: winners, listed by votes, most first */
			for (;;) {
				uint32_t best = TALLY_NONE;
				for (uint32_t c = 0; c < x->nc; c++)
					if (hopeful[c] && x->votes[c] >= q &&
					    (best == TALLY_NONE || x->votes[c] > x->votes[best]))
						best = c;
				if (best == TALLY_NONE)
					break;
				hopeful[best] = 0;
				if (list_add(&rd->elected, &rd->n_elected, best) ||
				    list_add(&res->elected, &res->n_elected, best))
					goto out;
				res->status[best] = TALLY_RCV_ELECTED;
				res->decided_in[best] = res->n_rounds;
				elected_any = true;
			}
			/* B.2.d: total surplus */
			uint64_t s = 0;
			for (uint32_t c = 0; c < x->nc; c++)
				if (res->status[c] == TALLY_RCV_ELECTED && x->votes[c] > q)
					s += x->votes[c] - q;
			last_s = s;
			/* B.2.e */
			if (elected_any || s < MK_OMEGA || (it > 1 && s >= prev_s))
				break;
			/* B.2.f: keep factors of the elected */
			for (uint32_t c = 0; c < x->nc; c++)
				if (res->status[c] == TALLY_RCV_ELECTED && x->votes[c] > 0) {
					uint64_t kq = ceil_div((rcv_u128)kf[c] * q, MK_UNIT);
					kf[c] = ceil_div((rcv_u128)kq * MK_UNIT, x->votes[c]);
				}
			prev_s = s;
		}
		rd->quota = q;
		res->quota = q;
		memcpy(rd->keep, kf, (size_t)x->nc * sizeof *kf);
		round_close(x, rd);
		/* "continuing" in the round's record: hopeful candidates */
		rd->continuing = 0;
		for (uint32_t c = 0; c < x->nc; c++)
			if (hopeful[c])
				rd->continuing += x->votes[c];
		if (elected_any) {
			kind = TALLY_RCV_ROUND_MEEK;
			from = TALLY_NONE;
			continue;
		}
		/* B.3: defeat the hopeful candidate with the fewest votes; every
		 * hopeful candidate within the total surplus of the lowest is tied
		 * with it (the surplus not yet distributed could reorder them) */
		uint32_t low = TALLY_NONE;
		{
			uint64_t vmin = UINT64_MAX;
			uint32_t *tied = tally_malloc((size_t)x->nc * sizeof *tied), k = 0;
			if (!tied)
				goto out;
			for (uint32_t c = 0; c < x->nc; c++)
				if (hopeful[c] && x->votes[c] < vmin)
					vmin = x->votes[c];
			for (uint32_t c = 0; c < x->nc; c++)
				if (hopeful[c] && x->votes[c] <= vmin + last_s)
					tied[k++] = c;
			int rc2 = TALLY_OK;
			if (k == 1)
				low = tied[0];
			else if (k > 1)
				rc2 = settle(x, rd, tied, k, true, &low);
			tally_free(tied);
			if (rc2)
				goto out;
		}
		if (low == TALLY_NONE)
			break;
		hopeful[low] = 0;
		kf[low] = 0;
		if (exclude(x, rd, low))
			goto out;
		kind = TALLY_RCV_ROUND_EXCLUSION;
		from = low;
	}
	/* C: the hopeful fill the seats left */
	if (res->state == TALLY_RCV_DONE && res->n_elected < seats) {
		if (!rd) {
			rd = round_new(x, TALLY_RCV_ROUND_FIRST);
			if (!rd)
				goto out;
			meek_distribute(x, kf);
			round_close(x, rd);
		}
		for (;;) {
			uint32_t best = TALLY_NONE;
			for (uint32_t c = 0; c < x->nc; c++)
				if (hopeful[c] && (best == TALLY_NONE || x->votes[c] > x->votes[best]))
					best = c;
			if (best == TALLY_NONE)
				break;
			hopeful[best] = 0;
			if (elect(x, rd, best))
				goto out;
		}
	}
	rc = TALLY_OK;
out:
	tally_free(kf);
	tally_free(hopeful);
	return rc;
}

/* ==== Entry ==== */

void tally_rcv_result_free(tally_rcv_result *res)
{
	if (!res)
		return;
	for (uint32_t i = 0; i < res->n_rounds; i++) {
		tally_rcv_round *rd = &res->rounds[i];
		tally_free(rd->from);
		tally_free(rd->votes);
		tally_free(rd->change);
		tally_free(rd->elected);
		tally_free(rd->excluded);
		for (uint32_t t = 0; t < rd->n_ties; t++)
			tally_free(rd->ties[t].tied);
		tally_free(rd->ties);
		tally_free(rd->keep);
	}
	tally_free(res->rounds);
	tally_free(res->elected);
	tally_free(res->status);
	tally_free(res->decided_in);
	tally_free(res);
}

int tally_rcv_count(const tally_rcv_ballots *b, const tally_rcv_rules *r,
                    tally_rcv_result **out, tally_error *err)
{
	ctx x;
	int rc;
	memset(&x, 0, sizeof x);
	if (r->seats == 0 || (r->method == TALLY_RCV_IRV && r->seats != 1))
		return tally_error_set(err, TALLY_EINVAL, "R011", NULL,
		                       "%s elects %s, not %u", tally_rcv_method_name(r->method),
		                       r->method == TALLY_RCV_IRV ? "one candidate" : "at least one",
		                       r->seats);
	if (b->n_cand == 0)
		return tally_error_set(err, TALLY_EINVAL, "R012", NULL, "the contest has no candidates");
	if (r->seats > b->n_cand)
		return tally_error_set(err, TALLY_EINVAL, "R011", NULL,
		                       "%u seats for %u candidates", r->seats, b->n_cand);
	if (r->write_in != TALLY_RCV_NO_CANDIDATE &&
	    (r->method != TALLY_RCV_IRV || r->write_in >= b->n_cand))
		return tally_error_set(err, TALLY_EINVAL, "R011", NULL,
		                       "the write-in candidate goes with irv and must be a candidate");
	if (r->n_tie > TALLY_RCV_MAX_TIE || (unsigned)r->method > TALLY_RCV_MEEK ||
	    (unsigned)r->overvote > TALLY_RCV_OV_MULTIPLE)
		return tally_error_set(err, TALLY_EINVAL, "R011", NULL, "rules out of range");
	for (uint32_t i = 0; i < r->n_tie; i++)
		if ((unsigned)r->tie[i] > TALLY_RCV_TIE_FAIL)
			return tally_error_set(err, TALLY_EINVAL, "R011", NULL, "tie policy out of range");
	x.b = b;
	x.r = r;
	x.nc = b->n_cand;
	x.res = tally_calloc(1, sizeof *x.res);
	x.cont = tally_malloc(x.nc);
	x.votes = tally_calloc(x.nc, sizeof *x.votes);
	x.piles = tally_calloc(x.nc, sizeof *x.piles);
	if (!x.res || !x.cont || !x.votes || !x.piles)
		goto oom;
	memset(x.cont, 1, x.nc);
	x.res->method = r->method;
	x.res->rules = *r;
	x.res->n_candidates = x.nc;
	x.res->ballots = b->n_ballots;
	x.res->scale = r->method == TALLY_RCV_IRV ? 1 : r->method == TALLY_RCV_SCOTTISH ? SC_UNIT : MK_UNIT;
	x.res->status = tally_calloc(x.nc, sizeof *x.res->status);
	x.res->decided_in = tally_calloc(x.nc, sizeof *x.res->decided_in);
	if (!x.res->status || !x.res->decided_in || clean_build(b, r, &x.cl))
		goto oom;
	switch (r->method) {
	case TALLY_RCV_IRV: rc = count_irv(&x); break;
	case TALLY_RCV_SCOTTISH: rc = count_scottish(&x); break;
	default: rc = count_meek(&x); break;
	}
	if (rc)
		goto oom;
	if (x.res->valid == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "R012", NULL,
		                     "no ballot has a first preference that counts");
		goto fail;
	}
	*out = x.res;
	x.res = NULL;
	rc = TALLY_OK;
	goto done;
oom:
	rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
fail:
done:
	tally_rcv_result_free(x.res);
	if (x.piles)
		for (uint32_t c = 0; c < x.nc; c++)
			pile_release(&x.piles[c]);
	tally_free(x.piles);
	tally_free(x.cont);
	tally_free(x.votes);
	clean_release(&x.cl);
	return rc;
}
