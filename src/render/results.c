/* SPDX-License-Identifier: Apache-2.0 */
/*
 * results.c: results as text tables, CSV and JSON. Percentages are shown
 * from exact integer arithmetic (basis points, rounded half up); nothing
 * here decides anything.
 */
#include "render/render.h"
#include "core/core_int.h"

#include <stdlib.h>
#include <string.h>

#define commas tally_thousands
#define pct render_pct

const char *render_pct(uint64_t num, uint64_t den, char buf[16])
{
	uint32_t pm = tally_permyriad(num, den);
	snprintf(buf, 16, "%u.%02u %%", pm / 100, pm % 100);
	return buf;
}

const char *render_fit(char *buf, size_t size, const char *s, int width)
{
	size_t at = 0;
	int cols = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && cols < width) {
		size_t k = 1;
		if (*p >= 0xf0)
			k = 4;
		else if (*p >= 0xe0)
			k = 3;
		else if (*p >= 0xc0)
			k = 2;
		size_t have = 0;
		while (have < k && p[have])
			have++;
		if (have < k || at + k + 1 >= size)
			break;
		memcpy(buf + at, p, k);
		at += k;
		p += k;
		cols++;
	}
	while (cols < width && at + 1 < size) {
		buf[at++] = ' ';
		cols++;
	}
	buf[at] = '\0';
	return buf;
}

void render_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, f);
		} else {
			/* JSON text is UTF-8 (RFC 8259 8.1): a byte that does not start
			 * a whole, valid sequence (a request path, say) is written as
			 * U+FFFD, the replacement character */
			size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			if (strnlen(s, k) == k && tally__utf8_ok(s, k)) {
				fwrite(s, 1, k, f);
				s += k - 1;
			} else {
				fputs("\\ufffd", f);
			}
		}
	}
	fputc('"', f);
}

void render_csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

const char *render_affiliation_name(const tally_results *r, uint32_t a)
{
	const tally_affiliation_result *x = &r->aff[a];
	if (x->kind == 0)
		return r->e->parties[x->index].name;
	if (x->kind == 1)
		return r->e->blocs[x->index].name;
	return "Independents";
}

const char *render_affiliation_abbrev(const tally_results *r, uint32_t a)
{
	const tally_affiliation_result *x = &r->aff[a];
	if (x->kind == 0)
		return r->e->parties[x->index].abbrev;
	if (x->kind == 1)
		return r->e->blocs[x->index].abbrev;
	return "IND";
}

/* seats, then votes, most first; independents last; equal by definition order */
void render_affiliation_order(const tally_results *r, uint32_t *order)
{
	uint32_t n = r->n_aff;
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = order[i], j = i;
		while (j > 0) {
			const tally_affiliation_result *a = &r->aff[x], *b = &r->aff[order[j - 1]];
			bool before = (a->kind != 2 && b->kind == 2) ||
			              (a->kind != 2 && b->kind != 2 &&
			               (a->seats > b->seats || (a->seats == b->seats && a->votes > b->votes)));
			if (!before)
				break;
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
}

static const tally_candidate *cand_of(const tally_results *r, uint32_t c, uint32_t slot)
{
	return &r->e->candidates[r->e->constituencies[c].candidates[slot]];
}

/* The winner (the first elected, else the leader by votes) and the
 * runner-up (the best placed other candidate) of a constituency. After a
 * drawing of lots the winner need not be first in the display order. */
static void leaders(const tally_results *r, uint32_t c, int64_t *first, int64_t *second)
{
	const tally_constituency_result *cr = &r->cons[c];
	uint32_t n = r->e->constituencies[c].n_candidates;
	*first = cr->n_elected ? (int64_t)cr->elected[0] : n > 0 ? (int64_t)cr->order[0] : -1;
	*second = -1;
	for (uint32_t i = 0; i < n; i++)
		if ((int64_t)cr->order[i] != *first) {
			*second = (int64_t)cr->order[i];
			break;
		}
}

static void text_results(FILE *f, const tally_results *r)
{
	const tally_election *e = r->e;
	char a[32], b[32], c1[32], p[16], p2[16];
	fprintf(f, "%s\n%s, %s\n\n", e->name, e->body, e->date);
	fprintf(f, "  Progress     %s of %s stations reported (%s), %s of %s registered voters\n",
	        commas(r->reported, a), commas(r->stations - r->annulled_stations, b),
	        pct(r->reported, r->stations - r->annulled_stations, p),
	        commas(r->registered_reported, c1), commas(r->registered, (char[32]){0}));
	if (r->annulled_stations)
		fprintf(f, "               %s station%s annulled\n", commas(r->annulled_stations, a),
		        r->annulled_stations == 1 ? "" : "s");
	fprintf(f, "  Turnout      %s of %s voters on the lists received ballots (%s)\n",
	        commas(r->ballots_cast, a), commas(r->registered_lines, b),
	        pct(r->ballots_cast, r->registered_lines, p));
	fprintf(f, "  Valid votes  %s\n", commas(r->valid, a));
	fprintf(f, "  Outcomes     %u elected, %u failed, %u invalid, %u incomplete", r->by_outcome[TALLY_OUT_ELECTED],
	        r->by_outcome[TALLY_OUT_FAILED], r->by_outcome[TALLY_OUT_INVALID],
	        r->by_outcome[TALLY_OUT_INCOMPLETE]);
	if (r->by_outcome[TALLY_OUT_NO_CANDIDATES])
		fprintf(f, ", %u without enough candidates", r->by_outcome[TALLY_OUT_NO_CANDIDATES]);
	if (r->by_outcome[TALLY_OUT_COUNTED])
		fprintf(f, ", %u counted (no seat rule)", r->by_outcome[TALLY_OUT_COUNTED]);
	fprintf(f, " (of %u constituencies)\n", e->n_constituencies);
	if (r->warned)
		fprintf(f, "  Flagged      %s protocol%s a control relation\n", commas(r->warned, a),
		        r->warned == 1 ? " breaks" : "s break");

	uint32_t *order = calloc(r->n_aff, sizeof *order);
	if (!order)
		return;
	render_affiliation_order(r, order);
	fprintf(f, "\nSeats and votes\n\n  %-44s %-8s %5s %14s %9s  %10s\n", "Party or bloc", "",
	        "Seats", "Votes", "Share", "Candidates");
	for (uint32_t i = 0; i < r->n_aff; i++) {
		const tally_affiliation_result *x = &r->aff[order[i]];
		if (!x->candidates && !x->seats)
			continue;
		char n1[200], n2[48];
		fprintf(f, "  %s %s %5u %14s %9s  %10u\n",
		        render_fit(n1, sizeof n1, render_affiliation_name(r, order[i]), 44),
		        render_fit(n2, sizeof n2, x->kind == 2 ? "" : render_affiliation_abbrev(r, order[i]), 8),
		        x->seats,
		        commas(x->votes, a), pct(x->votes, r->valid, p), x->candidates);
	}
	fprintf(f, "  %-44s %-8s %5u %14s\n", "Seats filled", "", r->seats_filled, commas(r->valid, a));
	if (r->seats_filled < e->seats)
		fprintf(f, "  %-44s %-8s %5u\n", "Seats not filled", "", e->seats - r->seats_filled);
	free(order);

	fprintf(f, "\nConstituencies (margin: votes and percentage points over the runner-up)\n\n"
	           "  %-8s %-18s %-11s %9s %8s  %-26s %-11s %11s %8s %16s\n", "Id",
	        "Name", "Outcome", "Reported", "Turnout", "Winner (or leader)", "", "Votes", "Share",
	        "Margin");
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency_result *cr = &r->cons[c];
		int64_t w, s;
		leaders(r, c, &w, &s);
		char rep[32];
		snprintf(rep, sizeof rep, "%u/%u", cr->reported, cr->stations);
		const char *wname = "-", *waff = "";
		uint64_t wv = 0, sv = 0;
		if (w >= 0) {
			const tally_candidate *cd = cand_of(r, c, (uint32_t)w);
			wname = cd->name;
			waff = tally_candidate_affiliation(e, r->e->constituencies[c].candidates[w]);
			wv = cr->votes[w];
		}
		if (s >= 0)
			sv = cr->votes[s];
		char margin[48];
		uint32_t dm = tally_permyriad(wv - sv, cr->valid);
		snprintf(margin, sizeof margin, "%s (%u.%02u)", commas(wv - sv, b), dm / 100, dm % 100);
		char f1[48], f2[96], f3[128], f4[64];
		fprintf(f, "  %s %s %-11s %9s %8s  %s %s %11s %8s %16s\n",
		        render_fit(f1, sizeof f1, e->constituencies[c].id, 8),
		        render_fit(f2, sizeof f2, e->constituencies[c].name, 18),
		        tally_outcome_name(cr->outcome), rep, pct(cr->ballots_cast, cr->registered_lines, p),
		        render_fit(f3, sizeof f3, wname, 26), render_fit(f4, sizeof f4, waff, 11),
		        commas(wv, a),
		        pct(wv, cr->valid, p2), w >= 0 && s >= 0 ? margin : "-");
		if (cr->note[0] && cr->outcome != TALLY_OUT_ELECTED)
			fprintf(f, "  %8s %s\n", "", cr->note);
		else if (cr->lot_drawn)
			fprintf(f, "  %8s %s\n", "", cr->note);
	}
	if (r->warned) {
		fprintf(f, "\nFlagged protocols (counted; each breaks a control relation)\n\n  %-16s %-10s %s\n",
		        "Station", "Const.", "Relations broken");
		uint32_t shown = 0;
		for (uint32_t s = 0; s < e->n_stations; s++) {
			const tally_station_result *sr = &r->st[s];
			if (!sr->reported || sr->annulled || !(sr->n_errors || sr->n_warnings))
				continue;
			if (shown++ == 50) {
				fprintf(f, "  ... and %u more (tally results --format json lists them all)\n",
				        r->warned - 50);
				break;
			}
			fprintf(f, "  %-16s %-10s", e->stations[s].id,
			        e->constituencies[e->stations[s].constituency].id);
			for (uint32_t k = 0; k < e->tmpl->n_relations; k++)
				if (sr->failed & ((uint64_t)1 << k))
					fprintf(f, " %s", e->tmpl->relations[k].code);
			fputc('\n', f);
		}
	}
}

static void json_constituency(FILE *f, const tally_results *r, uint32_t c, bool stations);

static void json_results(FILE *f, const tally_results *r)
{
	const tally_election *e = r->e;
	fprintf(f, "{\"election\":{\"id\":");
	render_json_str(f, e->id);
	fprintf(f, ",\"name\":");
	render_json_str(f, e->name);
	fprintf(f, ",\"body\":");
	render_json_str(f, e->body);
	fprintf(f, ",\"date\":\"%s\",\"seats\":%u},", e->date, e->seats);
	fprintf(f, "\"progress\":{\"stations\":%u,\"reported\":%u,\"annulled\":%u,"
	           "\"registered\":%llu,\"registered_reported\":%llu},",
	        r->stations, r->reported, r->annulled_stations, (unsigned long long)r->registered,
	        (unsigned long long)r->registered_reported);
	fprintf(f, "\"turnout\":{\"ballots_cast\":%llu,\"registered\":%llu,\"permyriad\":%u},",
	        (unsigned long long)r->ballots_cast, (unsigned long long)r->registered_lines,
	        tally_permyriad(r->ballots_cast, r->registered_lines));
	fprintf(f, "\"valid\":%llu,\"lines\":{", (unsigned long long)r->valid);
	for (uint32_t i = 0; i < e->tmpl->n_lines; i++) {
		fprintf(f, "%s", i ? "," : "");
		render_json_str(f, e->tmpl->lines[i].key);
		fprintf(f, ":%llu", (unsigned long long)r->lines[i]);
	}
	fprintf(f, "},\"outcomes\":{");
	for (int o = 0; o <= TALLY_OUT_COUNTED; o++)
		fprintf(f, "%s\"%s\":%u", o ? "," : "", tally_outcome_name((tally_outcome)o),
		        r->by_outcome[o]);
	fprintf(f, "},\"seats_filled\":%u,\"parties\":[", r->seats_filled);
	uint32_t *order = calloc(r->n_aff, sizeof *order);
	if (order) {
		render_affiliation_order(r, order);
		for (uint32_t i = 0; i < r->n_aff; i++) {
			const tally_affiliation_result *x = &r->aff[order[i]];
			const char *kind = x->kind == 0 ? "party" : x->kind == 1 ? "bloc" : "independents";
			const char *id = x->kind == 0   ? e->parties[x->index].id
			               : x->kind == 1 ? e->blocs[x->index].id
			                              : "";
			const char *color = x->kind == 0   ? e->parties[x->index].color
			                  : x->kind == 1 ? e->blocs[x->index].color
			                                 : "";
			fprintf(f, "%s{\"kind\":\"%s\",\"id\":", i ? "," : "", kind);
			render_json_str(f, id);
			fprintf(f, ",\"name\":");
			render_json_str(f, render_affiliation_name(r, order[i]));
			fprintf(f, ",\"abbrev\":");
			render_json_str(f, render_affiliation_abbrev(r, order[i]));
			fprintf(f, ",\"color\":");
			render_json_str(f, color);
			fprintf(f, ",\"seats\":%u,\"votes\":%llu,\"candidates\":%u}", x->seats,
			        (unsigned long long)x->votes, x->candidates);
		}
		free(order);
	}
	fprintf(f, "],\"constituencies\":[");
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		if (c)
			fputc(',', f);
		json_constituency(f, r, c, false);
	}
	fprintf(f, "],\"flagged\":[");
	bool first = true;
	for (uint32_t s = 0; s < e->n_stations; s++) {
		const tally_station_result *sr = &r->st[s];
		if (!sr->reported || sr->annulled || !(sr->n_errors || sr->n_warnings))
			continue;
		fprintf(f, "%s{\"station\":", first ? "" : ",");
		first = false;
		render_json_str(f, e->stations[s].id);
		fprintf(f, ",\"codes\":[");
		bool fc = true;
		for (uint32_t k = 0; k < e->tmpl->n_relations; k++)
			if (sr->failed & ((uint64_t)1 << k)) {
				fprintf(f, "%s", fc ? "" : ",");
				fc = false;
				render_json_str(f, e->tmpl->relations[k].code);
			}
		fprintf(f, "]}");
	}
	fprintf(f, "]}\n");
}

static void json_constituency(FILE *f, const tally_results *r, uint32_t c, bool stations)
{
	const tally_election *e = r->e;
	const tally_constituency *con = &e->constituencies[c];
	const tally_constituency_result *cr = &r->cons[c];
	fprintf(f, "{\"id\":");
	render_json_str(f, con->id);
	fprintf(f, ",\"name\":");
	render_json_str(f, con->name);
	fprintf(f, ",\"magnitude\":%u,\"outcome\":\"%s\",\"note\":", con->magnitude,
	        tally_outcome_name(cr->outcome));
	render_json_str(f, cr->note);
	fprintf(f, ",\"annulled\":%s,\"lot_drawn\":%s,\"stations\":%u,\"reported\":%u,"
	           "\"invalid_stations\":%u,\"registered\":%llu,\"ballots_cast\":%llu,"
	           "\"registered_lines\":%llu,\"valid\":%llu,\"elected\":[",
	        cr->annulled ? "true" : "false", cr->lot_drawn ? "true" : "false", cr->stations,
	        cr->reported, cr->invalid_stations, (unsigned long long)cr->registered,
	        (unsigned long long)cr->ballots_cast, (unsigned long long)cr->registered_lines,
	        (unsigned long long)cr->valid);
	for (uint32_t i = 0; i < cr->n_elected; i++) {
		if (i)
			fputc(',', f);
		render_json_str(f, cand_of(r, c, cr->elected[i])->id);
	}
	fprintf(f, "],\"candidates\":[");
	for (uint32_t i = 0; i < con->n_candidates; i++) {
		uint32_t slot = cr->order[i];
		const tally_candidate *cd = cand_of(r, c, slot);
		fprintf(f, "%s{\"id\":", i ? "," : "");
		render_json_str(f, cd->id);
		fprintf(f, ",\"name\":");
		render_json_str(f, cd->name);
		fprintf(f, ",\"affiliation\":");
		render_json_str(f, tally_candidate_affiliation(e, con->candidates[slot]));
		fprintf(f, ",\"nominator\":\"%s\",\"votes\":%llu,\"seats\":%u}",
		        tally_nominator_name(cd->nominator), (unsigned long long)cr->votes[slot],
		        cr->seats[slot]);
	}
	fprintf(f, "]");
	if (stations) {
		fprintf(f, ",\"station_results\":[");
		for (uint32_t i = 0; i < con->n_stations; i++) {
			uint32_t s = con->stations[i];
			const tally_station_result *sr = &r->st[s];
			const uint32_t *v = tally_results_station_values(r, s);
			fprintf(f, "%s{\"id\":", i ? "," : "");
			render_json_str(f, e->stations[s].id);
			fprintf(f, ",\"registered\":%llu,\"reported\":%s,\"annulled\":%s,\"version\":%u",
			        (unsigned long long)e->stations[s].registered, sr->reported ? "true" : "false",
			        sr->annulled ? "true" : "false", sr->version);
			if (v) {
				fprintf(f, ",\"lines\":[");
				for (uint32_t k = 0; k < e->tmpl->n_lines; k++)
					fprintf(f, "%s%u", k ? "," : "", v[k]);
				fprintf(f, "],\"votes\":[");
				for (uint32_t k = 0; k < con->n_candidates; k++)
					fprintf(f, "%s%u", k ? "," : "", v[e->tmpl->n_lines + k]);
				fprintf(f, "]");
			}
			fprintf(f, "}");
		}
		fprintf(f, "]");
	}
	fprintf(f, "}");
}

static void csv_results(FILE *f, const tally_results *r)
{
	const tally_election *e = r->e;
	fprintf(f, "constituency,name,outcome,stations,reported,invalid_stations,registered,"
	           "ballots_cast,valid,winner,winner_name,affiliation,winner_votes,runner_up,"
	           "runner_up_votes,margin\n");
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency_result *cr = &r->cons[c];
		int64_t w, s;
		leaders(r, c, &w, &s);
		render_csv_str(f, e->constituencies[c].id);
		fputc(',', f);
		render_csv_str(f, e->constituencies[c].name);
		fprintf(f, ",%s,%u,%u,%u,%llu,%llu,%llu,", tally_outcome_name(cr->outcome), cr->stations,
		        cr->reported, cr->invalid_stations, (unsigned long long)cr->registered_lines,
		        (unsigned long long)cr->ballots_cast, (unsigned long long)cr->valid);
		bool won = cr->n_elected > 0;
		if (won) {
			const tally_candidate *cd = cand_of(r, c, cr->elected[0]);
			render_csv_str(f, cd->id);
			fputc(',', f);
			render_csv_str(f, cd->name);
			fputc(',', f);
			render_csv_str(f, tally_candidate_affiliation(e, e->constituencies[c].candidates[cr->elected[0]]));
			fprintf(f, ",%llu,", (unsigned long long)cr->votes[cr->elected[0]]);
		} else
			fprintf(f, ",,,,");
		if (won && s >= 0) {
			render_csv_str(f, cand_of(r, c, (uint32_t)s)->id);
			fprintf(f, ",%llu,%llu\n", (unsigned long long)cr->votes[s],
			        (unsigned long long)(cr->votes[w] - cr->votes[s]));
		} else
			fprintf(f, ",,\n");
	}
}

void render_results(FILE *f, const tally_results *r, render_format fmt)
{
	if (fmt == RENDER_JSON)
		json_results(f, r);
	else if (fmt == RENDER_CSV)
		csv_results(f, r);
	else
		text_results(f, r);
}

void render_constituency(FILE *f, const tally_results *r, uint32_t c, render_format fmt)
{
	const tally_election *e = r->e;
	const tally_constituency *con = &e->constituencies[c];
	const tally_constituency_result *cr = &r->cons[c];
	if (fmt == RENDER_JSON) {
		json_constituency(f, r, c, true);
		fputc('\n', f);
		return;
	}
	if (fmt == RENDER_CSV) {
		fprintf(f, "station,name,registered,reported,annulled,version");
		for (uint32_t k = 0; k < e->tmpl->n_lines; k++)
			fprintf(f, ",%s", e->tmpl->lines[k].key);
		for (uint32_t k = 0; k < con->n_candidates; k++) {
			fputc(',', f);
			render_csv_str(f, e->candidates[con->candidates[k]].id);
		}
		fputc('\n', f);
		for (uint32_t i = 0; i < con->n_stations; i++) {
			uint32_t s = con->stations[i];
			const uint32_t *v = tally_results_station_values(r, s);
			render_csv_str(f, e->stations[s].id);
			fputc(',', f);
			render_csv_str(f, e->stations[s].name);
			fprintf(f, ",%llu,%d,%d,%u", (unsigned long long)e->stations[s].registered,
			        r->st[s].reported, r->st[s].annulled, r->st[s].version);
			for (uint32_t k = 0; k < e->tmpl->n_lines + con->n_candidates; k++)
				if (v)
					fprintf(f, ",%u", v[k]);
				else
					fputc(',', f);
			fputc('\n', f);
		}
		return;
	}
	char a[32], b[32], p[16];
	fprintf(f, "Constituency %s %s (magnitude %u)\n\n", con->id, con->name, con->magnitude);
	fprintf(f, "  Outcome      %s%s%s\n", tally_outcome_name(cr->outcome), cr->note[0] ? ": " : "",
	        cr->note);
	fprintf(f, "  Progress     %u of %u stations reported, %u annulled\n", cr->reported,
	        cr->stations, cr->invalid_stations);
	fprintf(f, "  Turnout      %s of %s (%s)\n", commas(cr->ballots_cast, a),
	        commas(cr->registered_lines, b), pct(cr->ballots_cast, cr->registered_lines, p));
	fprintf(f, "\n  %-4s %-14s %-34s %-10s %12s %9s %s\n", "Rank", "Candidate", "Name",
	        "Nominated", "Votes", "Share", "");
	for (uint32_t i = 0; i < con->n_candidates; i++) {
		uint32_t slot = cr->order[i];
		const tally_candidate *cd = cand_of(r, c, slot);
		bool el = false;
		for (uint32_t k = 0; k < cr->n_elected; k++)
			el |= cr->elected[k] == slot;
		/* a list can win several seats (list PR rules) */
		char won[32] = "elected";
		if (el && cr->seats[slot] > 1)
			snprintf(won, sizeof won, "elected: %u seats", cr->seats[slot]);
		char f1[64], f2[160], f3[48];
		fprintf(f, "  %-4u %s %s %s %12s %9s %s\n", i + 1, render_fit(f1, sizeof f1, cd->id, 14),
		        render_fit(f2, sizeof f2, cd->name, 34),
		        render_fit(f3, sizeof f3, tally_candidate_affiliation(e, con->candidates[slot]), 10),
		        commas(cr->votes[slot], a),
		        pct(cr->votes[slot], cr->valid, p), el ? won : "");
	}
	fprintf(f, "\n  %-14s %10s %8s %8s %10s %8s  %s\n", "Station", "Registered", "Version",
	        "Status", "Cast", "Turnout", "Flags");
	for (uint32_t i = 0; i < con->n_stations; i++) {
		uint32_t s = con->stations[i];
		const tally_station_result *sr = &r->st[s];
		const uint32_t *v = tally_results_station_values(r, s);
		uint64_t cast = 0, regl = e->stations[s].registered;
		if (v) {
			uint64_t cs = 0;
			for (uint32_t k = 0; k < con->n_candidates; k++)
				cs += v[e->tmpl->n_lines + k];
			int64_t x = 0;
			for (uint32_t k = 0; k < e->tmpl->ballots_cast.n_terms; k++) {
				const tally_term *t = &e->tmpl->ballots_cast.terms[k];
				x += (int64_t)t->coef * (int64_t)(t->line == TALLY_LINE_CANDIDATES ? cs : v[t->line]);
			}
			cast = x > 0 ? (uint64_t)x : 0;
		}
		char f1[64];
		fprintf(f, "  %s %10s %8u %8s %10s %8s ", render_fit(f1, sizeof f1, e->stations[s].id, 14),
		        commas(regl, a),
		        sr->version, sr->annulled ? "annulled" : sr->reported ? "reported" : "pending",
		        v ? commas(cast, b) : "-", v ? pct(cast, regl, p) : "-");
		for (uint32_t k = 0; k < e->tmpl->n_relations; k++)
			if (sr->failed & ((uint64_t)1 << k))
				fprintf(f, " %s", e->tmpl->relations[k].code);
		fputc('\n', f);
	}
}
