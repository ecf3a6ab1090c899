/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcv.c: the round-by-round report of a ranked-choice count, as a results
 * sheet for people (one block per round: what was transferred, each
 * candidate's change and total, the exhausted ballots, who was elected or
 * excluded and every tie), as CSV (one row per round and candidate) and as
 * JSON (docs/methods-rcv.md, "Output"). Nothing here decides anything:
 * shares are shown from exact integers, for reading only.
 */
#include "render/rcv.h"

#include <string.h>

static const char *kind_name(tally_rcv_round_kind k)
{
	static const char *const n[] = {"first", "exclusion", "surplus", "meek"};
	return (unsigned)k < 4 ? n[k] : "?";
}

static uint64_t ex_total(const tally_rcv_round *rd)
{
	uint64_t t = 0;
	for (int i = 0; i < TALLY_RCV_EX_N; i++)
		t += rd->exhausted[i];
	return t;
}

static const char *signed_fmt(int64_t v, uint64_t scale, char buf[48])
{
	char b[48];
	if (v == 0) {
		snprintf(buf, 48, "0");
		return buf;
	}
	tally_rcv_value_fmt((uint64_t)(v < 0 ? -v : v), scale, b);
	snprintf(buf, 48, "%c%s", v < 0 ? '-' : '+', b);
	return buf;
}

/* A value for the CSV: no thousands separators (a comma would split the
 * field), every decimal of the scale (a power of ten): "38852", "1364.81672". */
static const char *plain_fmt(uint64_t v, uint64_t scale, char buf[48])
{
	int digits = 0;
	for (uint64_t s = scale; s > 1; s /= 10)
		digits++;
	if (digits == 0)
		snprintf(buf, 48, "%llu", (unsigned long long)v);
	else
		snprintf(buf, 48, "%llu.%0*llu", (unsigned long long)(v / scale), digits,
		         (unsigned long long)(v % scale));
	return buf;
}

static const char *plain_signed(int64_t v, uint64_t scale, char buf[48])
{
	char b[48];
	if (v == 0) {
		snprintf(buf, 48, "0");
		return buf;
	}
	plain_fmt(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, scale, b);
	snprintf(buf, 48, "%c%s", v < 0 ? '-' : '+', b);
	return buf;
}

static void names(FILE *f, const tally_rcv_ballots *b, const uint32_t *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? (i + 1 == n ? " and " : ", ") : "", tally_rcv_candidate_id(b, c[i]));
}

static void tie_text(FILE *f, const tally_rcv_ballots *b, const tally_rcv_tie_record *t)
{
	fprintf(f, "  tie between ");
	names(f, b, t->tied, t->n_tied);
	fprintf(f, " for %s: ", t->lowest ? "exclusion" : "precedence");
	if (t->settled_by < 0)
		fprintf(f, "not settled by the tie policies; drawing of lots required\n");
	else if (t->settled_by == TALLY_RCV_TIE_FAIL)
		fprintf(f, "the count fails (tie policy 'fail')\n");
	else
		fprintf(f, "settled by '%s' for %s\n", tally_rcv_tie_name((tally_rcv_tie)t->settled_by),
		        tally_rcv_candidate_id(b, t->chosen));
}

static void rules_text(FILE *f, const tally_rcv_ballots *b, const tally_rcv_result *r)
{
	const tally_rcv_rules *u = &r->rules;
	fprintf(f, "Rules: overvote %s; skipped rankings ", tally_rcv_overvote_name(u->overvote));
	if (u->max_skipped == TALLY_RCV_UNLIMITED)
		fprintf(f, "unlimited");
	else
		fprintf(f, "at most %u in a row", u->max_skipped);
	fprintf(f, "; repeated rankings %s", u->duplicate_exhausts ? "exhaust" : "skipped");
	if (r->method == TALLY_RCV_IRV)
		fprintf(f, "; batch elimination %s%s", u->batch ? "yes" : "no",
		        u->until_two ? "; until two remain" : "");
	if (u->write_in != TALLY_RCV_NO_CANDIDATE)
		fprintf(f, "; undeclared write-ins: %s, eliminated first",
		        tally_rcv_candidate_id(b, u->write_in));
	fprintf(f, "\nTies: ");
	if (u->n_tie == 0)
		fprintf(f, "no policy (a tie requires a drawing of lots)");
	for (uint32_t i = 0; i < u->n_tie; i++) {
		fprintf(f, "%s%s", i ? ", then " : "", tally_rcv_tie_name(u->tie[i]));
		if (u->tie[i] == TALLY_RCV_TIE_LOT)
			fprintf(f, " (seed %llu)", (unsigned long long)u->seed);
	}
	fprintf(f, "\n");
}

static const char *title(tally_rcv_method m)
{
	switch (m) {
	case TALLY_RCV_IRV: return "instant-runoff";
	case TALLY_RCV_SCOTTISH:
		return "single transferable vote, Scottish Local Government Elections Order 2007";
	default: return "single transferable vote, Meek's method (Reference Meek Rule)";
	}
}

static void text(FILE *f, const tally_rcv_ballots *b, const tally_rcv_result *r)
{
	char v1[48], v2[48], c1[32], c2[32], c3[32], pct[16];
	tally_rcv_info info;
	tally_rcv_ballots_info(b, &info);
	fprintf(f, "Ranked-choice count: %s, %u seat%s\n", title(r->method), r->rules.seats,
	        r->rules.seats == 1 ? "" : "s");
	fprintf(f, "Ballots: %s (%s distinct rankings), %s with a first preference that counts\n",
	        tally_thousands(r->ballots, c1), tally_thousands(info.n_patterns, c2),
	        tally_thousands(r->valid, c3));
	rules_text(f, b, r);
	if (r->method == TALLY_RCV_SCOTTISH)
		fprintf(f, "Quota: %s (floor(%s / %u) + 1; rule 46)\n",
		        tally_rcv_value_fmt(r->quota, r->scale, v1), tally_thousands(r->valid, c1),
		        r->rules.seats + 1);
	for (uint32_t i = 0; i < r->n_rounds; i++) {
		const tally_rcv_round *rd = &r->rounds[i];
		bool first = rd->kind == TALLY_RCV_ROUND_FIRST;
		fprintf(f, "\n%s %u: ", r->method == TALLY_RCV_SCOTTISH ? "Stage" : "Round", i + 1);
		if (first)
			fprintf(f, "first preferences");
		else if (rd->kind == TALLY_RCV_ROUND_SURPLUS)
			fprintf(f, "surplus of %s (%s) transferred at %s per ballot of value 1",
			        tally_rcv_candidate_id(b, rd->from[0]),
			        tally_rcv_value_fmt(rd->transferred, r->scale, v1),
			        tally_rcv_value_fmt(rd->transfer_value, r->scale, v2));
		else if (rd->kind == TALLY_RCV_ROUND_EXCLUSION) {
			fprintf(f, "ballots of ");
			names(f, b, rd->from, rd->n_from);
			if (r->method != TALLY_RCV_MEEK)
				fprintf(f, " (%s) transferred", tally_rcv_value_fmt(rd->transferred, r->scale, v1));
			else
				fprintf(f, " redistributed (keep value 0)");
		} else
			fprintf(f, "keep values of the elected lowered");
		if (r->method == TALLY_RCV_MEEK)
			fprintf(f, "; quota %s; %u iteration%s", tally_rcv_value_fmt(rd->quota, r->scale, v1),
			        rd->iterations, rd->iterations == 1 ? "" : "s");
		fprintf(f, "\n");
		if (first)
			fprintf(f, "  %-24s %18s %9s\n", "candidate", "votes", "share");
		else
			fprintf(f, "  %-24s %18s %18s %9s\n", "candidate", "change", "votes", "share");
		for (uint32_t c = 0; c < r->n_candidates; c++) {
			/* candidates out of the count before this round are left out */
			if (r->status[c] != TALLY_RCV_CONTINUING && r->decided_in[c] < i + 1 &&
			    r->status[c] == TALLY_RCV_EXCLUDED && rd->votes[c] == 0 && rd->change[c] == 0)
				continue;
			char nm[160];
			render_fit(nm, sizeof nm, tally_rcv_candidate_id(b, c), 24);
			uint64_t den = r->method == TALLY_RCV_IRV ? rd->continuing : r->valid * r->scale;
			if (first)
				fprintf(f, "  %s %18s %9s", nm, tally_rcv_value_fmt(rd->votes[c], r->scale, v1),
				        render_pct(rd->votes[c], den, pct));
			else
				fprintf(f, "  %s %18s %18s %9s", nm, signed_fmt(rd->change[c], r->scale, v2),
				        tally_rcv_value_fmt(rd->votes[c], r->scale, v1),
				        render_pct(rd->votes[c], den, pct));
			if (r->method == TALLY_RCV_MEEK && rd->keep)
				fprintf(f, "  keep %s", tally_rcv_value_fmt(rd->keep[c], r->scale, v1));
			fprintf(f, "\n");
		}
		uint64_t ex = ex_total(rd);
		if (first)
			fprintf(f, "  %-24s %18s\n", "exhausted", tally_rcv_value_fmt(ex, r->scale, v1));
		else
			fprintf(f, "  %-24s %18s %18s\n", "exhausted",
			        signed_fmt(rd->exhausted_change, r->scale, v2),
			        tally_rcv_value_fmt(ex, r->scale, v1));
		if (ex) {
			fprintf(f, "  %-24s", "  of which");
			bool any = false;
			for (int w = 0; w < TALLY_RCV_EX_N; w++)
				if (rd->exhausted[w]) {
					fprintf(f, "%s %s %s", any ? ";" : "", tally_rcv_exhausted_name(w),
					        tally_rcv_value_fmt(rd->exhausted[w], r->scale, v1));
					any = true;
				}
			fprintf(f, "\n");
		}
		if (r->method == TALLY_RCV_SCOTTISH && rd->lost)
			fprintf(f, "  %-24s %18s %18s\n", "lost to truncation", "",
			        tally_rcv_value_fmt(rd->lost, r->scale, v1));
		if (r->method == TALLY_RCV_IRV)
			fprintf(f, "  continuing votes %s, a majority is more than half\n",
			        tally_thousands(rd->continuing, c1));
		for (uint32_t t = 0; t < rd->n_ties; t++)
			tie_text(f, b, &rd->ties[t]);
		if (rd->n_elected) {
			fprintf(f, "  elected: ");
			names(f, b, rd->elected, rd->n_elected);
			fprintf(f, "\n");
		}
		if (rd->n_excluded) {
			fprintf(f, "  %s: ", r->method == TALLY_RCV_IRV ? "eliminated" : "excluded");
			names(f, b, rd->excluded, rd->n_excluded);
			fprintf(f, "\n");
		}
	}
	fprintf(f, "\nElected (in order):");
	for (uint32_t i = 0; i < r->n_elected; i++)
		fprintf(f, " %s%s", tally_rcv_candidate_id(b, r->elected[i]),
		        i + 1 < r->n_elected ? "," : "");
	if (r->n_elected == 0)
		fprintf(f, " none");
	fprintf(f, "\nState: %s\n", tally_rcv_state_name(r->state));
}

static void csv(FILE *f, const tally_rcv_ballots *b, const tally_rcv_result *r)
{
	char v1[48], v2[48];
	fprintf(f, "round,action,from,candidate,name,change,votes,event\n");
	for (uint32_t i = 0; i < r->n_rounds; i++) {
		const tally_rcv_round *rd = &r->rounds[i];
		char from[512] = "";
		size_t at = 0;
		for (uint32_t k = 0; k < rd->n_from && at < sizeof from - 80; k++)
			at += (size_t)snprintf(from + at, sizeof from - at, "%s%s", k ? " " : "",
			                       tally_rcv_candidate_id(b, rd->from[k]));
		for (uint32_t c = 0; c <= r->n_candidates; c++) {
			bool ex = c == r->n_candidates;
			const char *ev = "";
			for (uint32_t k = 0; !ex && k < rd->n_elected; k++)
				if (rd->elected[k] == c)
					ev = "elected";
			for (uint32_t k = 0; !ex && k < rd->n_excluded; k++)
				if (rd->excluded[k] == c)
					ev = "excluded";
			fprintf(f, "%u,%s,", i + 1, kind_name(rd->kind));
			render_csv_str(f, from);
			fputc(',', f);
			render_csv_str(f, ex ? "exhausted" : tally_rcv_candidate_id(b, c));
			fputc(',', f);
			render_csv_str(f, ex ? "" : tally_rcv_candidate_name(b, c));
			fprintf(f, ",%s,%s,%s\n",
			        plain_signed(ex ? rd->exhausted_change : rd->change[c], r->scale, v2),
			        plain_fmt(ex ? ex_total(rd) : rd->votes[c], r->scale, v1), ev);
		}
	}
}

static void json_ids(FILE *f, const tally_rcv_ballots *b, const uint32_t *c, uint32_t n)
{
	fputc('[', f);
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		render_json_str(f, tally_rcv_candidate_id(b, c[i]));
	}
	fputc(']', f);
}

static void json_by_cand(FILE *f, const tally_rcv_ballots *b, uint32_t n, const uint64_t *u,
                         const int64_t *s)
{
	fputc('{', f);
	for (uint32_t c = 0; c < n; c++) {
		if (c)
			fputc(',', f);
		render_json_str(f, tally_rcv_candidate_id(b, c));
		if (u)
			fprintf(f, ":%llu", (unsigned long long)u[c]);
		else
			fprintf(f, ":%lld", (long long)s[c]);
	}
	fputc('}', f);
}

static void json(FILE *f, const tally_rcv_ballots *b, const tally_rcv_result *r)
{
	static const char *const ex_keys[] = {"choices", "overvote", "skipped", "duplicate"};
	static const char *const st[] = {"continuing", "elected", "excluded"};
	const tally_rcv_rules *u = &r->rules;
	tally_rcv_info info;
	tally_rcv_ballots_info(b, &info);
	fprintf(f, "{\"method\":\"%s\",\"seats\":%u,\"scale\":%llu,\"state\":\"%s\",",
	        tally_rcv_method_name(r->method), u->seats, (unsigned long long)r->scale,
	        r->state == TALLY_RCV_DONE ? "done"
	        : r->state == TALLY_RCV_FAILED ? "failed"
	                                       : "lots_required");
	fprintf(f, "\"rules\":{\"overvote\":\"%s\",\"max_skipped\":", tally_rcv_overvote_name(u->overvote));
	if (u->max_skipped == TALLY_RCV_UNLIMITED)
		fprintf(f, "null");
	else
		fprintf(f, "%u", u->max_skipped);
	fprintf(f, ",\"duplicate\":\"%s\",\"batch\":%s,\"until_two\":%s,\"write_in\":",
	        u->duplicate_exhausts ? "exhaust" : "skip", u->batch ? "true" : "false",
	        u->until_two ? "true" : "false");
	if (u->write_in == TALLY_RCV_NO_CANDIDATE)
		fprintf(f, "null");
	else
		render_json_str(f, tally_rcv_candidate_id(b, u->write_in));
	fprintf(f, ",\"tie\":[");
	for (uint32_t i = 0; i < u->n_tie; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "", tally_rcv_tie_name(u->tie[i]));
	fprintf(f, "],\"seed\":%llu},", (unsigned long long)u->seed);
	fprintf(f, "\"ballots\":%llu,\"valid\":%llu,\"distinct_rankings\":%u,\"quota\":%llu,",
	        (unsigned long long)r->ballots, (unsigned long long)r->valid, info.n_patterns,
	        (unsigned long long)r->quota);
	fprintf(f, "\"candidates\":[");
	for (uint32_t c = 0; c < r->n_candidates; c++) {
		fprintf(f, "%s{\"id\":", c ? "," : "");
		render_json_str(f, tally_rcv_candidate_id(b, c));
		fprintf(f, ",\"name\":");
		render_json_str(f, tally_rcv_candidate_name(b, c));
		fprintf(f, ",\"status\":\"%s\",\"round\":", st[r->status[c]]);
		if (r->decided_in[c])
			fprintf(f, "%u}", r->decided_in[c]);
		else
			fprintf(f, "null}");
	}
	fprintf(f, "],\"elected\":");
	json_ids(f, b, r->elected, r->n_elected);
	fprintf(f, ",\"rounds\":[");
	for (uint32_t i = 0; i < r->n_rounds; i++) {
		const tally_rcv_round *rd = &r->rounds[i];
		fprintf(f, "%s{\"round\":%u,\"kind\":\"%s\",\"from\":", i ? "," : "", i + 1,
		        kind_name(rd->kind));
		json_ids(f, b, rd->from, rd->n_from);
		fprintf(f, ",\"transferred\":%llu,\"transfer_value\":%llu,\"quota\":%llu,\"votes\":",
		        (unsigned long long)rd->transferred, (unsigned long long)rd->transfer_value,
		        (unsigned long long)rd->quota);
		json_by_cand(f, b, r->n_candidates, rd->votes, NULL);
		fprintf(f, ",\"change\":");
		json_by_cand(f, b, r->n_candidates, NULL, rd->change);
		fprintf(f, ",\"exhausted\":{\"total\":%llu", (unsigned long long)ex_total(rd));
		for (int w = 0; w < TALLY_RCV_EX_N; w++)
			fprintf(f, ",\"%s\":%llu", ex_keys[w], (unsigned long long)rd->exhausted[w]);
		fprintf(f, "},\"exhausted_change\":%lld,\"lost\":%llu,\"continuing\":%llu,\"elected\":",
		        (long long)rd->exhausted_change, (unsigned long long)rd->lost,
		        (unsigned long long)rd->continuing);
		json_ids(f, b, rd->elected, rd->n_elected);
		fprintf(f, ",\"excluded\":");
		json_ids(f, b, rd->excluded, rd->n_excluded);
		fprintf(f, ",\"ties\":[");
		for (uint32_t t = 0; t < rd->n_ties; t++) {
			const tally_rcv_tie_record *tr = &rd->ties[t];
			fprintf(f, "%s{\"tied\":", t ? "," : "");
			json_ids(f, b, tr->tied, tr->n_tied);
			fprintf(f, ",\"for\":\"%s\",\"settled_by\":", tr->lowest ? "exclusion" : "precedence");
			if (tr->settled_by < 0)
				fprintf(f, "null");
			else
				fprintf(f, "\"%s\"", tally_rcv_tie_name((tally_rcv_tie)tr->settled_by));
			fprintf(f, ",\"chosen\":");
			if (tr->chosen == TALLY_NONE)
				fprintf(f, "null}");
			else {
				render_json_str(f, tally_rcv_candidate_id(b, tr->chosen));
				fputc('}', f);
			}
		}
		fputc(']', f);
		if (rd->keep) {
			fprintf(f, ",\"keep\":");
			json_by_cand(f, b, r->n_candidates, rd->keep, NULL);
			fprintf(f, ",\"iterations\":%u", rd->iterations);
		}
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

void render_rcv(FILE *f, const tally_rcv_ballots *b, const tally_rcv_result *r,
                render_format fmt)
{
	switch (fmt) {
	case RENDER_CSV: csv(f, b, r); break;
	case RENDER_JSON: json(f, b, r); break;
	default: text(f, b, r); break;
	}
}
