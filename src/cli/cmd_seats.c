/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_seats.c: `tally seats TABLE` allocates the seats of a votes table
 * (CSV or JSON, docs/formats-seats.md) by one method after thresholds and
 * prints every step a commission publishes: thresholds and who was
 * excluded, per district the divisor and its range or the quota and the
 * remainders, every tie and the policy that settled it, and the totals.
 * --system picks another electoral system, run and printed by
 * seats_systems.c (the Bundestag 2020 procedure also from the
 * Bundeswahlleiterin's kerg file, --kerg). It needs no database. The rules are in
 * docs/methods-seats.md.
 */
#include "cli/seats_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KINDS 16

static void help(void)
{
	printf("usage: tally seats [options] TABLE\n"
	       "       tally seats --system bundestag2020 --kerg FILE --population FILE [options]\n"
	       "\n"
	       "Allocate the seats of a votes table (CSV 'district,seats[,valid][,registered]\n"
	       "[,region],PARTY...' with optional @kind, @exempt, @wins, @districts_won rows,\n"
	       "or JSON;\n"
	       "see docs/formats-seats.md; '-' reads standard input) and print every step.\n"
	       "\n"
	       "options:\n"
	       "  --system NAME          the electoral system (default list):\n"
	       "      list                   list PR: each district by --method, after thresholds\n"
	       "      plurality              each district elects its 'seats' candidates with the\n"
	       "                             most votes (single-member, or block vote)\n"
	       "      two-round              each district's first round: a winner, or the runoff\n"
	       "      parallel               list PR plus the constituency seats (@wins), apart\n"
	       "      mmp                    mixed-member proportional keeping overhang (New\n"
	       "                             Zealand): party votes summed, electorate seats\n"
	       "                             @wins, the house the sum of 'seats'; default\n"
	       "                             method sainte-lague\n"
	       "      leveling               county seats plus leveling seats (Norway); default\n"
	       "                             method modified-sainte-lague, threshold 4\n"
	       "      bundestag2023          BWahlG as reformed in 2023: TABLE is Laender x\n"
	       "                             parties of second votes, --constituencies the\n"
	       "                             first votes; default method sainte-lague,\n"
	       "                             threshold 5, --wins 3, --house 630\n"
	       "      bundestag2020          BWahlG section 6 as amended in 2020, every step:\n"
	       "                             --kerg FILE (the Bundeswahlleiterin's kerg file,\n"
	       "                             no TABLE) or TABLE with --constituencies as for\n"
	       "                             bundestag2023; --population FILE required;\n"
	       "                             default method sainte-lague, threshold 5,\n"
	       "                             --wins 3, --house 598, --uncompensated 3\n"
	       "  --method NAME          the rule (default dhondt), one of:\n");
	for (int m = 0; m < TALLY_SEATS_N_METHODS; m++)
		printf("      %-22s %s\n", tally_seats_method_name((tally_seats_method)m),
		       tally_seats_method_title((tally_seats_method)m));
	printf("  --first A/B            first divisor of modified-sainte-lague (default 7/5)\n"
	       "  --threshold [KIND:]P   national threshold of P %% of the votes, for parties of\n"
	       "                         KIND only when given (repeat: --threshold 5\n"
	       "                         --threshold coalition:8); exempt parties pass\n"
	       "  --denominator N        votes the national shares are taken of (default: every\n"
	       "                         vote in the table)\n"
	       "  --wins N               N or more constituency wins (@wins) qualify instead\n"
	       "  --district-threshold P a list below P %% of the district's 'valid' (default:\n"
	       "                         its votes) takes no seat there\n"
	       "  --tie LIST             tie policies in order, comma-separated: votes (more\n"
	       "                         votes), districts (more districts won, @districts_won),\n"
	       "                         lot (published seeded lot), fail (the allocation fails).\n"
	       "                         Default none: a tie stops with 'drawing of lots required'\n"
	       "  --seed N               the seed of the lot (default 0)\n"
	       "  --majority P           two-round: share a winner needs (default 50)\n"
	       "  --majority-of WHAT     two-round: 'votes' (default: the valid votes, the\n"
	       "                         'valid' column or the candidates' sum) or 'registered'\n"
	       "  --at-least             two-round: the majority is 'at least' P, not 'more than'\n"
	       "  --also-registered P    two-round: and at least P %% of the registered voters\n"
	       "  --runoff-registered P  two-round: the runoff takes every candidate with P %% of\n"
	       "                         the registered voters, at least two (default: top two)\n"
	       "  --leveling-seats N     leveling: leveling seats per district (default 1)\n"
	       "  --constituencies FILE  bundestag2023: a votes table of the constituencies\n"
	       "                         ('region' column = the Land's row in TABLE, 'valid' =\n"
	       "                         valid first votes; a column that is no party of TABLE\n"
	       "                         is an independent candidate)\n"
	       "  --house N              bundestag2023: the seats (default 630); bundestag2020:\n"
	       "                         the seats before overhang and leveling (default 598)\n"
	       "  --kerg FILE            bundestag2020: the official result file in the layout\n"
	       "                         of btw21_kerg.csv (Laender, constituencies, parties)\n"
	       "  --population FILE      bundestag2020: CSV 'land,population', the German\n"
	       "                         population per Land (a Land by its two-letter code,\n"
	       "                         its name or number in the kerg file, or TABLE's row id)\n"
	       "  --exempt PARTY         bundestag2020: PARTY (its name in the input) is a\n"
	       "                         national minority, exempt from the threshold (repeat)\n"
	       "  --uncompensated N      bundestag2020: overhang seats left uncompensated\n"
	       "                         (default 3)\n"
	       "  --format text|json     output (default text)\n"
	       "\n"
	       "exit status: 0 allocated, 1 bad table or a tie left unsettled or failed,\n"
	       "2 usage error.\n");
}

/* "5", "3.25", "8" -> a share of 1 as a ratio; false if malformed or > 100 */
static bool parse_pct(const char *s, tally_ratio *out)
{
	uint64_t num = 0, den = 100;
	bool dot = false, digit = false;
	for (const char *p = s; *p; p++) {
		if (*p == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*p < '0' || *p > '9' || num > 1000000000ULL || den > 1000000000ULL)
			return false;
		num = num * 10 + (uint64_t)(*p - '0');
		if (dot)
			den *= 10;
		digit = true;
	}
	if (!digit || num > den)
		return false;
	*out = (tally_ratio){num, den};
	return true;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || v > max)
		return false;
	*out = v;
	return true;
}

const char *seats_pct(tally_ratio r, char buf[48])
{
	if (r.den == 0)
		return strcpy(buf, "-");
	char b[48];
	tally_ratio_fmt((tally_ratio){r.num * 100, r.den}, b);
	/* drop a fraction of zeros: "5.000" -> "5" */
	size_t n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".000") == 0)
		b[n - 4] = '\0';
	snprintf(buf, 48, "%s %%", b);
	return buf;
}

void seats_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void seats_print_ties(const tally_apportionment *a, const tally_seats_table *t, bool json)
{
	for (uint32_t i = 0; i < a->n_ties; i++) {
		const tally_seats_tie_record *r = &a->ties[i];
		if (json) {
			printf("%s{\"seats\":%u,\"removal\":%s,\"settled_by\":", i ? "," : "", r->seats,
			       r->removal ? "true" : "false");
			if (r->settled_by < 0)
				printf("null");
			else
				seats_json_str(tally_seats_tie_name((tally_seats_tie)r->settled_by));
			printf(",\"tied\":[");
			for (uint32_t j = 0; j < r->n_tied; j++) {
				printf("%s", j ? "," : "");
				seats_json_str(t->parties[r->tied[j]].id);
			}
			printf("],\"winners\":[");
			for (uint32_t j = 0; j < r->n_winners; j++) {
				printf("%s", j ? "," : "");
				seats_json_str(t->parties[r->winners[j]].id);
			}
			printf("]}");
			continue;
		}
		printf("  tie for %u seat%s between", r->seats, r->seats == 1 ? "" : "s");
		for (uint32_t j = 0; j < r->n_tied; j++)
			printf("%s %s", j ? "," : "", t->parties[r->tied[j]].id);
		if (r->settled_by < 0)
			printf(": drawing of lots required\n");
		else if (r->settled_by == TALLY_SEATS_TIE_FAIL)
			printf(": the allocation fails (tie policy 'fail')\n");
		else {
			printf(": settled by '%s' for",
			       tally_seats_tie_name((tally_seats_tie)r->settled_by));
			for (uint32_t j = 0; j < r->n_winners; j++)
				printf("%s %s", j ? "," : "", t->parties[r->winners[j]].id);
			printf("\n");
		}
	}
}

static void print_text(const tally_seats_table *t, const tally_seats_config *c,
                       const tally_seats_result *r, const uint32_t *total)
{
	const tally_seats_rule *ru = &c->rule;
	uint32_t np = t->n_parties, total_seats = 0;
	char a[48], b[48], d[48], e[48];
	for (uint32_t x = 0; x < t->n_districts; x++)
		total_seats += t->seats[x];
	printf("Seat allocation: %s\n", tally_seats_method_title(ru->method));
	if (ru->method == TALLY_SEATS_MODIFIED_SL)
		printf("First divisor: %s\n",
		       tally_ratio_fmt(ru->first.den ? ru->first : (tally_ratio){7, 5}, a));
	printf("%u district%s, %u seats\n", t->n_districts, t->n_districts == 1 ? "" : "s",
	       total_seats);
	printf("Ties: ");
	if (ru->n_tie == 0)
		printf("no policy (a tie requires a drawing of lots)");
	for (uint32_t i = 0; i < ru->n_tie; i++)
		printf("%s%s", i ? ", then " : "", tally_seats_tie_name(ru->tie[i]));
	for (uint32_t i = 0; i < ru->n_tie; i++)
		if (ru->tie[i] == TALLY_SEATS_TIE_LOT)
			printf(" (seed %llu)", (unsigned long long)ru->seed);
	printf("\n\nThresholds (of %s votes):\n", cli_commas(r->denominator, a));
	printf("  %-24s %14s %9s %10s  %s\n", "party", "votes", "share", "threshold", "status");
	for (uint32_t p = 0; p < np; p++) {
		char v[32];
		printf("  %-24s %14s %9s %10s  %s\n", t->parties[p].id,
		       cli_commas(r->party_votes[p], v),
		       seats_pct((tally_ratio){r->party_votes[p], r->denominator ? r->denominator : 1}, a),
		       seats_pct(r->party_threshold[p], b),
		       tally_seats_qualification_name(r->qualification[p]));
	}
	for (uint32_t x = 0; x < t->n_districts; x++) {
		const tally_apportionment *ap = &r->district[x];
		const uint64_t *v = &t->votes[(size_t)x * np];
		printf("\nDistrict %s: %u seat%s", t->district_ids[x], t->seats[x],
		       t->seats[x] == 1 ? "" : "s");
		if (tally_seats_method_is_divisor(ru->method)) {
			if (ap->has_divisor)
				printf(", divisor %s", tally_ratio_fmt(ap->divisor, a));
			printf(", divisor range (%s, %s]",
			       ap->has_lower ? tally_seats_quotient_fmt(ru, v[ap->lower_party],
			                                                ap->lower_seat, d)
			                     : "0",
			       ap->has_upper ? tally_seats_quotient_fmt(ru, v[ap->upper_party],
			                                                ap->upper_seat, e)
			                     : "inf");
		} else {
			printf(", quota %s", tally_ratio_fmt(ap->quota, a));
		}
		if (ap->state != TALLY_SEATS_DONE)
			printf(" -- %s", tally_seats_state_name(ap->state));
		printf("\n");
		for (uint32_t p = 0; p < np; p++) {
			if (!t->present[(size_t)x * np + p])
				continue;
			char vv[32];
			printf("  %-24s %14s %6u", t->parties[p].id, cli_commas(v[p], vv), ap->alloc[p]);
			if (r->qualification[p] == TALLY_SEATS_Q_EXCLUDED)
				printf("  (below the national threshold)");
			else if (r->district_excluded[(size_t)x * np + p])
				printf("  (below the district threshold)");
			else if (!tally_seats_method_is_divisor(ru->method))
				printf("  whole %u, remainder %s", ap->whole[p],
				       tally_ratio_fmt((tally_ratio){ap->remainder[p], ap->quota.den}, a));
			printf("\n");
		}
		seats_print_ties(ap, t, false);
	}
	printf("\nTotal:\n");
	if (total)
		printf("  %-24s %14s %6s %12s %6s\n", "party", "votes", "list", "constituency",
		       "total");
	for (uint32_t p = 0; p < np; p++) {
		char vv[32];
		printf("  %-24s %14s %6u", t->parties[p].id, cli_commas(r->party_votes[p], vv),
		       r->party_seats[p]);
		if (total)
			printf(" %12u %6u", t->parties[p].wins, total[p]);
		printf("\n");
	}
	printf("State: %s\n", tally_seats_state_name(r->state));
}

static void print_json(const tally_seats_table *t, const tally_seats_config *c,
                       const tally_seats_result *r, const uint32_t *total)
{
	const tally_seats_rule *ru = &c->rule;
	uint32_t np = t->n_parties;
	char a[48], b[48];
	printf("{\"method\":\"%s\",\"state\":\"%s\",\"system\":\"%s\",\"tie\":[",
	       tally_seats_method_name(ru->method), tally_seats_state_name(r->state),
	       total ? "parallel" : "list");
	for (uint32_t i = 0; i < ru->n_tie; i++)
		printf("%s\"%s\"", i ? "," : "", tally_seats_tie_name(ru->tie[i]));
	printf("],\"seed\":%llu,\"denominator\":%llu,\"parties\":[", (unsigned long long)ru->seed,
	       (unsigned long long)r->denominator);
	for (uint32_t p = 0; p < np; p++) {
		printf("%s{\"id\":", p ? "," : "");
		seats_json_str(t->parties[p].id);
		printf(",\"votes\":%llu,\"seats\":%u,", (unsigned long long)r->party_votes[p],
		       r->party_seats[p]);
		if (total)
			printf("\"constituency\":%u,\"total\":%u,", t->parties[p].wins, total[p]);
		printf("\"threshold\":");
		if (r->party_threshold[p].den)
			printf("[%llu,%llu]", (unsigned long long)r->party_threshold[p].num,
			       (unsigned long long)r->party_threshold[p].den);
		else
			printf("null");
		printf(",\"qualification\":\"%s\"}", tally_seats_qualification_name(r->qualification[p]));
	}
	printf("],\"districts\":[");
	for (uint32_t x = 0; x < t->n_districts; x++) {
		const tally_apportionment *ap = &r->district[x];
		const uint64_t *v = &t->votes[(size_t)x * np];
		printf("%s{\"id\":", x ? "," : "");
		seats_json_str(t->district_ids[x]);
		printf(",\"seats\":%u,\"state\":\"%s\"", t->seats[x], tally_seats_state_name(ap->state));
		if (tally_seats_method_is_divisor(ru->method)) {
			if (ap->has_divisor)
				printf(",\"divisor\":[%llu,%llu]", (unsigned long long)ap->divisor.num,
				       (unsigned long long)ap->divisor.den);
			printf(",\"divisor_above\":\"%s\",\"divisor_at_most\":\"%s\"",
			       ap->has_lower ? tally_seats_quotient_fmt(ru, v[ap->lower_party],
			                                                ap->lower_seat, a)
			                     : "0",
			       ap->has_upper ? tally_seats_quotient_fmt(ru, v[ap->upper_party],
			                                                ap->upper_seat, b)
			                     : "inf");
		} else {
			printf(",\"quota\":[%llu,%llu]", (unsigned long long)ap->quota.num,
			       (unsigned long long)ap->quota.den);
		}
		printf(",\"lists\":[");
		bool first = true;
		for (uint32_t p = 0; p < np; p++) {
			if (!t->present[(size_t)x * np + p])
				continue;
			printf("%s{\"party\":", first ? "" : ",");
			first = false;
			seats_json_str(t->parties[p].id);
			printf(",\"votes\":%llu,\"seats\":%u", (unsigned long long)v[p], ap->alloc[p]);
			if (r->district_excluded[(size_t)x * np + p])
				printf(",\"below_district_threshold\":true");
			if (!tally_seats_method_is_divisor(ru->method))
				printf(",\"whole\":%u,\"remainder\":[%llu,%llu]", ap->whole[p],
				       (unsigned long long)ap->remainder[p],
				       (unsigned long long)ap->quota.den);
			printf("}");
		}
		printf("],\"ties\":[");
		seats_print_ties(ap, t, true);
		printf("]}");
	}
	printf("]}\n");
}

int cmd_seats(int argc, char **argv)
{
	static const struct option opts[] = {{"method", required_argument, NULL, 'm'},
	                                     {"first", required_argument, NULL, 'F'},
	                                     {"threshold", required_argument, NULL, 't'},
	                                     {"denominator", required_argument, NULL, 'D'},
	                                     {"wins", required_argument, NULL, 'w'},
	                                     {"district-threshold", required_argument, NULL, 'T'},
	                                     {"tie", required_argument, NULL, 'x'},
	                                     {"seed", required_argument, NULL, 's'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"system", required_argument, NULL, 'S'},
	                                     {"majority", required_argument, NULL, 'M'},
	                                     {"majority-of", required_argument, NULL, 'O'},
	                                     {"at-least", no_argument, NULL, 'A'},
	                                     {"also-registered", required_argument, NULL, 'R'},
	                                     {"runoff-registered", required_argument, NULL, 'U'},
	                                     {"leveling-seats", required_argument, NULL, 'L'},
	                                     {"constituencies", required_argument, NULL, 'C'},
	                                     {"house", required_argument, NULL, 'H'},
	                                     {"kerg", required_argument, NULL, 'K'},
	                                     {"population", required_argument, NULL, 'P'},
	                                     {"exempt", required_argument, NULL, 'E'},
	                                     {"uncompensated", required_argument, NULL, 'u'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	tally_seats_config cfg;
	tally_seats_threshold kinds[MAX_KINDS];
	memset(&cfg, 0, sizeof cfg);
	memset(kinds, 0, sizeof kinds);
	cfg.rule.method = TALLY_SEATS_DHONDT;
	const char *format = "text", *system = "list";
	bool method_set = false, threshold_set = false, wins_set = false;
	const char *cons_file = NULL;
	uint64_t house = 630, uncompensated = 3;
	bool house_set = false, uncomp_set = false;
	const char *kerg_file = NULL, *pop_file = NULL;
	const char *exempt[MAX_KINDS];
	uint32_t n_exempt = 0;
	tally_two_round_rule tr = {{1, 2}, true, false, {0, 0}, {0, 0}};
	uint64_t leveling = 1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (tally_seats_method_find(optarg, &cfg.rule.method))
				return cli_usage("seats", "unknown method '%s' (see --help)", optarg);
			method_set = true;
			break;
		case 'F': {
			uint64_t n = 0, d = 0;
			char *slash = strchr(optarg, '/');
			if (!slash)
				return cli_usage("seats", "--first is a ratio A/B such as 7/5");
			*slash = '\0';
			if (!parse_u64(optarg, TALLY_SEATS_MAX_FIRST, &n) ||
			    !parse_u64(slash + 1, TALLY_SEATS_MAX_FIRST, &d) || n == 0 || d == 0)
				return cli_usage("seats", "--first is a ratio A/B with 0 < A, B <= %u",
				                 TALLY_SEATS_MAX_FIRST);
			cfg.rule.first = (tally_ratio){n, d};
			break;
		}
		case 't': {
			const char *colon = strchr(optarg, ':');
			tally_ratio share;
			if (!parse_pct(colon ? colon + 1 : optarg, &share))
				return cli_usage("seats", "--threshold is [KIND:]PERCENT, e.g. 5 or coalition:8");
			if (!colon) {
				cfg.threshold = share;
				threshold_set = true;
				break;
			}
			size_t kl = (size_t)(colon - optarg);
			if (kl == 0 || kl > TALLY_SEATS_MAX_KIND || cfg.n_by_kind == MAX_KINDS)
				return cli_usage("seats", "a threshold's KIND is 1 to %d bytes (at most %d kinds)",
				                 TALLY_SEATS_MAX_KIND, MAX_KINDS);
			memcpy(kinds[cfg.n_by_kind].kind, optarg, kl);
			kinds[cfg.n_by_kind].share = share;
			cfg.n_by_kind++;
			break;
		}
		case 'D':
			if (!parse_u64(optarg, UINT64_MAX / 2, &cfg.national_denominator) ||
			    cfg.national_denominator == 0)
				return cli_usage("seats", "--denominator is a positive number of votes");
			break;
		case 'w': {
			uint64_t w = 0;
			if (!parse_u64(optarg, TALLY_SEATS_MAX_SEATS, &w))
				return cli_usage("seats", "--wins is a number of constituencies");
			cfg.wins_qualify = (uint32_t)w;
			wins_set = true;
			break;
		}
		case 'T':
			if (!parse_pct(optarg, &cfg.district_threshold))
				return cli_usage("seats", "--district-threshold is a percentage");
			break;
		case 'x': {
			cfg.rule.n_tie = 0;
			for (char *tok = optarg, *next; tok; tok = next) {
				next = strchr(tok, ',');
				if (next)
					*next++ = '\0';
				if (cfg.rule.n_tie == TALLY_SEATS_MAX_TIE)
					return cli_usage("seats", "at most %d tie policies", TALLY_SEATS_MAX_TIE);
				if (tally_seats_tie_find(tok, &cfg.rule.tie[cfg.rule.n_tie]))
					return cli_usage("seats",
					                 "unknown tie policy '%s': use votes, districts, lot, fail",
					                 tok);
				cfg.rule.n_tie++;
			}
			break;
		}
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &cfg.rule.seed))
				return cli_usage("seats", "--seed is a number");
			break;
		case 'f': format = optarg; break;
		case 'S': system = optarg; break;
		case 'M':
			if (!parse_pct(optarg, &tr.majority) || tr.majority.num == 0)
				return cli_usage("seats", "--majority is a percentage above 0, e.g. 50");
			break;
		case 'O':
			if (strcmp(optarg, "votes") && strcmp(optarg, "registered"))
				return cli_usage("seats", "--majority-of is votes or registered");
			tr.majority_of_registered = strcmp(optarg, "registered") == 0;
			break;
		case 'A': tr.majority_strict = false; break;
		case 'R':
			if (!parse_pct(optarg, &tr.also_registered))
				return cli_usage("seats", "--also-registered is a percentage");
			break;
		case 'U':
			if (!parse_pct(optarg, &tr.runoff_registered))
				return cli_usage("seats", "--runoff-registered is a percentage");
			break;
		case 'C': cons_file = optarg; break;
		case 'H':
			if (!parse_u64(optarg, TALLY_SEATS_MAX_SEATS, &house) || house == 0)
				return cli_usage("seats", "--house is a number of seats from 1 to %u",
				                 TALLY_SEATS_MAX_SEATS);
			house_set = true;
			break;
		case 'K': kerg_file = optarg; break;
		case 'P': pop_file = optarg; break;
		case 'E':
			if (n_exempt == MAX_KINDS)
				return cli_usage("seats", "at most %d --exempt parties", MAX_KINDS);
			exempt[n_exempt++] = optarg;
			break;
		case 'u':
			if (!parse_u64(optarg, 1000, &uncompensated))
				return cli_usage("seats", "--uncompensated is a number of seats from 0 to 1000");
			uncomp_set = true;
			break;
		case 'L':
			if (!parse_u64(optarg, 1000, &leveling))
				return cli_usage("seats", "--leveling-seats is a number from 0 to 1000");
			break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage("seats", "bad option");
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json"))
		return cli_usage("seats", "--format is text or json");
	static const char *const systems[] = {"list", "plurality", "two-round", "parallel", "mmp",
	                                      "leveling", "bundestag2023", "bundestag2020"};
	size_t sys = 0;
	while (sys < sizeof systems / sizeof systems[0] && strcmp(systems[sys], system))
		sys++;
	if (sys == sizeof systems / sizeof systems[0])
		return cli_usage("seats", "unknown system '%s': use list, plurality, two-round, "
		                          "parallel, mmp, leveling, bundestag2023 or bundestag2020",
		                 system);
	if (sys != 7 && (kerg_file || pop_file || n_exempt || uncomp_set))
		return cli_usage("seats", "--kerg, --population, --exempt and --uncompensated go with "
		                          "--system bundestag2020");
	if (sys == 7 && !pop_file)
		return cli_usage("seats", "--system bundestag2020 needs --population FILE "
		                          "('land,population')");
	if (sys == 7 && kerg_file && (cons_file || optind != argc))
		return cli_usage("seats", "--kerg FILE is the whole input: no TABLE and no "
		                          "--constituencies");
	if (!(sys == 7 && kerg_file) && optind + 1 != argc)
		return cli_usage("seats", "give one TABLE file");
	if ((sys == 6 || (sys == 7 && !kerg_file)) != (cons_file != NULL))
		return cli_usage("seats", "--constituencies FILE goes with --system bundestag2023 "
		                          "(or bundestag2020 without --kerg), and only with it");
	if (!method_set && (sys == 6 || sys == 7))
		cfg.rule.method = TALLY_SEATS_SAINTE_LAGUE;
	if (!threshold_set && (sys == 6 || sys == 7))
		cfg.threshold = (tally_ratio){5, 100};
	if (!wins_set && (sys == 6 || sys == 7))
		cfg.wins_qualify = 3;
	if (!house_set && sys == 7)
		house = 598;
	if (!method_set && sys == 4)
		cfg.rule.method = TALLY_SEATS_SAINTE_LAGUE;
	if (!method_set && sys == 5)
		cfg.rule.method = TALLY_SEATS_MODIFIED_SL;
	if (!threshold_set && sys == 5)
		cfg.threshold = (tally_ratio){4, 100};
	if (cfg.rule.method != TALLY_SEATS_MODIFIED_SL && cfg.rule.first.den)
		return cli_usage("seats", "--first belongs to --method modified-sainte-lague");
	cfg.by_kind = kinds;
	bool json = strcmp(format, "json") == 0;
	seats_bt2020_opts bt = {&cfg, (uint32_t)house, (uint32_t)uncompensated, pop_file, exempt,
	                        n_exempt, json};
	if (sys == 7 && kerg_file)
		return seats_run_bundestag2020_kerg(kerg_file, &bt);
	size_t len = 0;
	char *buf = cli_read(argv[optind], TALLY_MAX_INPUT_BYTES, &len);
	if (!buf)
		return EXIT_USER;
	tally_error err = TALLY_ERROR_INIT;
	tally_seats_table *t = NULL;
	tally_seats_result *r = NULL;
	int rc = EXIT_OK;
	uint32_t *total = NULL;
	if (tally_seats_table_parse(buf, len, argv[optind], &t, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
		goto out;
	}
	switch (sys) {
	case 1: rc = seats_run_plurality(t, &cfg.rule, json); goto out;
	case 2: rc = seats_run_two_round(t, &cfg.rule, &tr, json); goto out;
	case 4: rc = seats_run_mmp(t, &cfg, json); goto out;
	case 5: rc = seats_run_leveling(t, &cfg, (uint32_t)leveling, json); goto out;
	case 6:
	case 7: {
		size_t clen = 0;
		char *cbuf = cli_read(cons_file, TALLY_MAX_INPUT_BYTES, &clen);
		tally_seats_table *ct = NULL;
		if (!cbuf) {
			rc = EXIT_USER;
			goto out;
		}
		if (tally_seats_table_parse(cbuf, clen, cons_file, &ct, &err)) {
			cli_error(&err);
			rc = EXIT_USER;
		} else {
			rc = sys == 6 ? seats_run_bundestag2023(t, ct, &cfg, (uint32_t)house, json)
			              : seats_run_bundestag2020_table(t, ct, &bt);
		}
		tally_seats_table_free(ct);
		free(cbuf);
		goto out;
	}
	default: break;
	}
	total = calloc(t->n_parties, sizeof *total);
	if (!total || (sys == 3 ? tally_seats_parallel(t, &cfg, &r, total, &err)
	                        : tally_seats_allocate(t, &cfg, &r, &err))) {
		if (!total)
			tally_error_set(&err, TALLY_ENOMEM, "", NULL, "out of memory");
		cli_error(&err);
		rc = EXIT_USER;
		goto out;
	}
	if (json)
		print_json(t, &cfg, r, sys == 3 ? total : NULL);
	else
		print_text(t, &cfg, r, sys == 3 ? total : NULL);
	if (r->state != TALLY_SEATS_DONE) {
		fprintf(stderr, "error: the allocation is not complete: %s; %s\n",
		        tally_seats_state_name(r->state),
		        r->state == TALLY_SEATS_FAILED ? "the tie policy 'fail' applies"
		                                       : "draw lots, or name a policy with --tie");
		rc = EXIT_USER;
	}
out:
	free(total);
	tally_seats_result_free(r, t);
	tally_seats_table_free(t);
	free(buf);
	return rc;
}
