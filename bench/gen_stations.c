/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_stations.c: writes a synthetic polling-station results file for the
 * import benchmark (bench/run.sh). The layout is the Russian one made
 * generic: region, tik, uik, the twelve protocol lines of the ru-19fz
 * template under their template keys, then one column per candidate
 * (cand_1 .. cand_K); bench/map-synthetic.json maps it. Numbers follow the
 * control relations of 20-FZ appendix 5, except at about one station in
 * 200, where the valid ballots and the candidates' votes disagree (so the
 * checker has something to report) and one in 100, where more ballots are
 * in the mobile boxes than were issued outside (a warning). The output
 * depends only on the options.
 *
 *   gen_stations [-n STATIONS] [-k CANDIDATES] [-s SEED] [-o FILE]
 *
 * Defaults: 1,000,000 stations, 10 candidates, seed 1, standard output.
 * Stand-alone on purpose (no libtally), so the file can be made before the
 * library is built.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CANDS 100

static uint64_t rng_state;

static uint64_t next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [lo, hi] (the tiny modulo bias does not matter here) */
static uint64_t between(uint64_t lo, uint64_t hi)
{
	return lo + next() % (hi - lo + 1);
}

/* ==== A fast buffered writer ==== */

static char out_buf[1 << 20];
static size_t out_len;
static FILE *out;

static void flush(void)
{
	if (out_len && fwrite(out_buf, 1, out_len, out) != out_len) {
		perror("gen_stations: write");
		exit(1);
	}
	out_len = 0;
}

static void put(const char *s, size_t n)
{
	if (out_len + n > sizeof out_buf)
		flush();
	memcpy(out_buf + out_len, s, n);
	out_len += n;
}

static void puts_(const char *s)
{
	put(s, strlen(s));
}

static void put_u64(uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(tmp + i, sizeof tmp - i);
}

static void put_sep_u64(uint64_t v)
{
	put(",", 1);
	put_u64(v);
}

static int parse_count(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;
	if (!*s || *s == '-')
		return -1;
	*v = strtoull(s, &end, 10);
	return *end || *v == 0 || *v > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, k = 10, seed = 1;
	const char *path = NULL;
	int c;

	while ((c = getopt(argc, argv, "n:k:s:o:h")) != -1) {
		switch (c) {
		case 'n':
			if (parse_count(optarg, 100000000ULL, &n))
				goto usage;
			break;
		case 'k':
			if (parse_count(optarg, MAX_CANDS, &k))
				goto usage;
			break;
		case 's':
			if (parse_count(optarg, UINT64_MAX, &seed))
				goto usage;
			break;
		case 'o': path = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	out = path ? fopen(path, "wb") : stdout;
	if (!out) {
		perror(path);
		return 1;
	}
	rng_state = seed;

	puts_("region,tik,uik,voters_on_list,ballots_received,issued_early,issued_in_station,"
	      "issued_outside,cancelled,in_mobile,in_stationary,invalid,valid,lost,unaccounted");
	for (unsigned long long j = 1; j <= k; j++) {
		puts_(",cand_");
		put_u64(j);
	}
	puts_("\n");

	/* fixed candidate strengths, so that the national result has a shape */
	uint64_t strength[MAX_CANDS], total_strength = 0;
	for (unsigned long long j = 0; j < k; j++) {
		strength[j] = 1000 / (j + 1) + between(0, 50);
		total_strength += strength[j];
	}

	const unsigned long long regions = 85;
	for (unsigned long long i = 0; i < n; i++) {
		unsigned long long region = i % regions + 1, uik = i / regions + 1;
		unsigned long long tik = uik / 40 + 1;
		uint64_t voters = between(300, 3000);
		uint64_t issued = voters * between(35, 90) / 100;
		uint64_t early = issued * between(0, 3) / 100;
		uint64_t outside = issued * between(1, 8) / 100;
		uint64_t in_station = issued - early - outside;
		uint64_t received = voters - voters % 50 + 100;
		uint64_t lost = next() % 500 == 0 ? 1 : 0;
		uint64_t cancelled = received - issued - lost;
		uint64_t in_mobile = outside;
		uint64_t in_stationary = early + in_station - between(0, 3);
		if (next() % 100 == 0)
			in_mobile++; /* RU05: a warning */
		uint64_t in_boxes = in_mobile + in_stationary;
		uint64_t invalid = in_boxes * between(5, 30) / 1000;
		uint64_t valid = in_boxes - invalid;

		/* candidates: each a share of the valid ballots by strength with
		 * noise; what is left goes to the first */
		uint64_t votes[MAX_CANDS], given = 0;
		for (unsigned long long j = k; j-- > 1;) {
			uint64_t w = strength[j] * between(60, 140);
			votes[j] = valid * w / (total_strength * 100);
			if (given + votes[j] > valid)
				votes[j] = valid - given;
			given += votes[j];
		}
		votes[0] = valid - given;
		if (next() % 200 == 0)
			votes[0] += between(1, 20); /* RU04: an error */

		puts_("Region ");
		put_u64(region);
		puts_(",TIK ");
		put_u64(region);
		puts_("-");
		put_u64(tik);
		put_sep_u64(uik);
		put_sep_u64(voters);
		put_sep_u64(received);
		put_sep_u64(early);
		put_sep_u64(in_station);
		put_sep_u64(outside);
		put_sep_u64(cancelled);
		put_sep_u64(in_mobile);
		put_sep_u64(in_stationary);
		put_sep_u64(invalid);
		put_sep_u64(valid);
		put_sep_u64(lost);
		put_sep_u64(0);
		for (unsigned long long j = 0; j < k; j++)
			put_sep_u64(votes[j]);
		put("\n", 1);
	}
	flush();
	if (out != stdout && fclose(out) != 0) {
		perror(path);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: gen_stations [-n STATIONS] [-k CANDIDATES] [-s SEED] [-o FILE]\n");
	return 2;
}
