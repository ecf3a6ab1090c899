/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_rcv.c: `tally rcv BALLOTS` counts ranked ballots (cast vote records
 * in the NIST SP 1500-103 format, JSON, or a CSV of rankings) by
 * instant-runoff, the Scottish STV rules or Meek's method, under the ballot
 * rules and tie policies given, and prints every round (render/rcv.c). It
 * needs no database. The rules are in docs/methods-rcv.md.
 */
#include "cli/cli.h"
#include "render/rcv.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
	printf(
	    "usage: tally rcv [options] BALLOTS\n"
	    "\n"
	    "Count ranked ballots and print every round: totals, transfers, exhausted\n"
	    "ballots, eliminations, elections and ties. BALLOTS ('-': standard input) is\n"
	    "a NIST SP 1500-103 cast vote record report in JSON (a file ending in .json)\n"
	    "or a CSV of rankings: a header 'rank1,rank2,...' with optional 'count' and\n"
	    "'id' columns; a cell is a candidate id, empty or 'undervote' (a skipped\n"
	    "rank), ids joined by '=' (an overvote) or 'overvote' (an overvote of unknown\n"
	    "candidates). See docs/methods-rcv.md.\n"
	    "\n"
	    "options:\n"
	    "  --method NAME        irv (default): instant-runoff, one seat, a majority of\n"
	    "                       the continuing votes; scottish-stv: the single\n"
	    "                       transferable vote of the Scottish Local Government\n"
	    "                       Elections Order 2007 (transfer values truncated to 5\n"
	    "                       decimals); meek: Meek's method, the Reference Meek\n"
	    "                       Rule (9 decimals)\n"
	    "  --seats N            seats to fill (STV; default 1)\n"
	    "  --input csv|cdf      the input's format (default: cdf for a name ending\n"
	    "                       in .json, else csv)\n"
	    "  --contest ID         cdf: the contest's @id (default: the only contest\n"
	    "                       with VoteVariation 'rcv', or the only candidate contest)\n"
	    "  --candidates A,B,..  csv: the candidates; any other id is an error\n"
	    "                       (default: the ids as they appear)\n"
	    "  --overvote RULE      a rank with two or more marks: exhaust (default: the\n"
	    "                       ballot stops there), skip (to the next rank), or\n"
	    "                       exhaust-if-multiple (stops if two or more of them are\n"
	    "                       continuing, counts for the one if one is)\n"
	    "  --max-skipped N      consecutive skipped ranks a ballot may jump; more\n"
	    "                       exhaust it ('unlimited', the default; Maine: 1)\n"
	    "  --duplicate RULE     a candidate ranked again: skip (default) or exhaust\n"
	    "  --batch              irv: eliminate together every lowest candidate whose\n"
	    "                       votes together are fewer than the next candidate's\n"
	    "  --until-two          irv: go on eliminating until two candidates remain\n"
	    "  --write-in ID        irv: the candidate ID stands for undeclared write-ins;\n"
	    "                       it is eliminated alone before any other candidate\n"
	    "  --tie LIST           tie policies in order, comma-separated: previous (the\n"
	    "                       most recent earlier round where they differ), first\n"
	    "                       (the earliest such round), lot (published seeded lot),\n"
	    "                       fail (the count fails). Default 'previous'; a tie left\n"
	    "                       over stops the count: drawing of lots required\n"
	    "  --seed N             the seed of the lot (default 0)\n"
	    "  --format F           text (default), csv or json\n"
	    "\n"
	    "exit status: 0 counted, 1 bad ballots or a tie left unsettled or failed,\n"
	    "2 usage error.\n");
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

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int cmd_rcv(int argc, char **argv)
{
	static const struct option opts[] = {{"method", required_argument, NULL, 'm'},
	                                     {"seats", required_argument, NULL, 'n'},
	                                     {"input", required_argument, NULL, 'i'},
	                                     {"contest", required_argument, NULL, 'c'},
	                                     {"candidates", required_argument, NULL, 'C'},
	                                     {"overvote", required_argument, NULL, 'o'},
	                                     {"max-skipped", required_argument, NULL, 'k'},
	                                     {"duplicate", required_argument, NULL, 'd'},
	                                     {"batch", no_argument, NULL, 'b'},
	                                     {"until-two", no_argument, NULL, 'u'},
	                                     {"write-in", required_argument, NULL, 'w'},
	                                     {"tie", required_argument, NULL, 't'},
	                                     {"seed", required_argument, NULL, 's'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	tally_rcv_rules rules;
	tally_rcv_method method = TALLY_RCV_IRV;
	const char *input = NULL, *contest = NULL, *format = "text", *write_in = NULL;
	char *cand_list = NULL;
	const char **declared = NULL;
	uint64_t seats = 1, seed = 0, max_skipped = TALLY_RCV_UNLIMITED;
	tally_rcv_overvote ov = TALLY_RCV_OV_EXHAUST;
	tally_rcv_tie tie[TALLY_RCV_MAX_TIE] = {TALLY_RCV_TIE_PREVIOUS};
	uint32_t n_tie = 1;
	bool dup_exhaust = false, batch = false, until_two = false, seats_set = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (tally_rcv_method_find(optarg, &method))
				return cli_usage("rcv", "unknown method '%s': use irv, scottish-stv or meek",
				                 optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, TALLY_RCV_MAX_CANDIDATES, &seats) || seats == 0)
				return cli_usage("rcv", "--seats is a number from 1 to %d",
				                 TALLY_RCV_MAX_CANDIDATES);
			seats_set = true;
			break;
		case 'i':
			if (strcmp(optarg, "csv") && strcmp(optarg, "cdf"))
				return cli_usage("rcv", "--input is csv or cdf");
			input = optarg;
			break;
		case 'c': contest = optarg; break;
		case 'C': cand_list = optarg; break;
		case 'o':
			if (tally_rcv_overvote_find(optarg, &ov))
				return cli_usage("rcv",
				                 "--overvote is exhaust, skip or exhaust-if-multiple, not '%s'",
				                 optarg);
			break;
		case 'k':
			if (strcmp(optarg, "unlimited") == 0)
				max_skipped = TALLY_RCV_UNLIMITED;
			else if (!parse_u64(optarg, TALLY_RCV_MAX_RANKS, &max_skipped))
				return cli_usage("rcv", "--max-skipped is a number from 0 to %d or 'unlimited'",
				                 TALLY_RCV_MAX_RANKS);
			break;
		case 'd':
			if (strcmp(optarg, "skip") && strcmp(optarg, "exhaust"))
				return cli_usage("rcv", "--duplicate is skip or exhaust");
			dup_exhaust = strcmp(optarg, "exhaust") == 0;
			break;
		case 'b': batch = true; break;
		case 'u': until_two = true; break;
		case 'w': write_in = optarg; break;
		case 't':
			n_tie = 0;
			for (char *tok = optarg, *next; tok; tok = next) {
				next = strchr(tok, ',');
				if (next)
					*next++ = '\0';
				if (n_tie == TALLY_RCV_MAX_TIE)
					return cli_usage("rcv", "at most %d tie policies", TALLY_RCV_MAX_TIE);
				if (tally_rcv_tie_find(tok, &tie[n_tie]))
					return cli_usage("rcv",
					                 "unknown tie policy '%s': use previous, first, lot, fail",
					                 tok);
				n_tie++;
			}
			break;
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &seed))
				return cli_usage("rcv", "--seed is a number");
			break;
		case 'f': format = optarg; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage("rcv", "bad option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("rcv", "give one BALLOTS file");
	render_format fmt;
	if (strcmp(format, "text") == 0)
		fmt = RENDER_TEXT;
	else if (strcmp(format, "csv") == 0)
		fmt = RENDER_CSV;
	else if (strcmp(format, "json") == 0)
		fmt = RENDER_JSON;
	else
		return cli_usage("rcv", "--format is text, csv or json");
	if (method == TALLY_RCV_IRV && seats_set && seats != 1)
		return cli_usage("rcv", "irv fills one seat; use --method scottish-stv or meek");
	if (method != TALLY_RCV_IRV && (batch || until_two || write_in))
		return cli_usage("rcv", "--batch, --until-two and --write-in go with --method irv");
	const char *path = argv[optind];
	bool cdf = input ? strcmp(input, "cdf") == 0 : ends_with(path, ".json");
	if (!cdf && contest)
		return cli_usage("rcv", "--contest goes with cast vote records (--input cdf)");
	if (cdf && cand_list)
		return cli_usage("rcv", "--candidates goes with a CSV of rankings");

	tally_rcv_rules_default(&rules, method);
	rules.seats = (uint32_t)seats;
	rules.overvote = ov;
	rules.max_skipped = (uint32_t)max_skipped;
	rules.duplicate_exhausts = dup_exhaust;
	rules.batch = batch;
	rules.until_two = until_two;
	memcpy(rules.tie, tie, sizeof tie);
	rules.n_tie = n_tie;
	rules.seed = seed;

	int rc = EXIT_OK;
	size_t len = 0;
	char *buf = NULL;
	tally_rcv_ballots *b = NULL;
	tally_rcv_result *res = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (cand_list) {
		size_t n = 1;
		for (const char *p = cand_list; *p; p++)
			n += *p == ',';
		declared = calloc(n + 1, sizeof *declared);
		if (!declared) {
			cli_errorf("out of memory");
			return EXIT_USER;
		}
		n = 0;
		for (char *tok = cand_list, *next; tok; tok = next) {
			next = strchr(tok, ',');
			if (next)
				*next++ = '\0';
			declared[n++] = tok;
		}
	}
	buf = cli_read(path, TALLY_MAX_INPUT_BYTES, &len);
	if (!buf) {
		rc = EXIT_USER;
		goto out;
	}
	if (cdf ? tally_rcv_parse_cdf(buf, len, path, contest, &b, &err)
	        : tally_rcv_parse_csv(buf, len, path, declared, &b, &err))
		goto fail;
	if (write_in) {
		rules.write_in = tally_rcv_find_candidate(b, write_in, strlen(write_in));
		if (rules.write_in == TALLY_NONE) {
			tally_error_set(&err, TALLY_EINVAL, "R003", path,
			                "--write-in '%s' is no candidate of the contest", write_in);
			goto fail;
		}
	}
	if (tally_rcv_count(b, &rules, &res, &err))
		goto fail;
	render_rcv(stdout, b, res, fmt);
	if (res->state != TALLY_RCV_DONE) {
		fprintf(stderr, "error: the count is not complete: %s; %s\n",
		        tally_rcv_state_name(res->state),
		        res->state == TALLY_RCV_FAILED ? "the tie policy 'fail' applies"
		                                       : "draw lots, or name a policy with --tie");
		rc = EXIT_USER;
	}
	goto out;
fail:
	cli_error(&err);
	rc = EXIT_USER;
out:
	tally_rcv_result_free(res);
	tally_rcv_ballots_free(b);
	free(buf);
	free(declared);
	return rc;
}
