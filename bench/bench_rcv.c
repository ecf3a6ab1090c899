/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_rcv.c: the ranked-ballot count at scale (bench/README.md, "Ranked
 * ballots"). It writes a synthetic contest of N ballots (default
 * 1,000,000) over K candidates (default 20) as the CSV of rankings that
 * `tally rcv` reads, then, each in a child process so that its peak memory
 * is its own, reads the file and counts it by instant-runoff, the Scottish
 * STV rules (5 seats) and Meek's method (5 seats), and prints the time of
 * the read, of the count, the distinct rankings and the peak resident
 * memory. The same file then goes to the reference implementation in
 * python3 (bench/peers/rcv_reference.py, IRV and Scottish STV), whose
 * winners must be tally's.
 *
 * Ballots: each voter ranks 1 to 6 candidates (1: 25 %, 2: 20 %, 3: 25 %,
 * 4-6: 10 % each), drawn one after another without replacement with
 * probability proportional to the candidate's popularity (candidate i has
 * weight 1/(i+1), a Zipf law) blended with the affinity of a candidate to
 * the one ranked before it (neighbours on a left-right line), with 0.2 %
 * overvotes and 0.5 % skipped ranks. Deterministic for a seed.
 *
 * usage: bench_rcv [-n BALLOTS] [-k CANDIDATES] [-s SEED] [--no-peer] [FILE]
 */
#include "tally/tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static double unit(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static int write_contest(const char *path, long n, int k)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	fprintf(f, "rank1,rank2,rank3,rank4,rank5,rank6\n");
	double w[64];
	for (int i = 0; i < k; i++)
		w[i] = 1.0 / (i + 1);
	for (long b = 0; b < n; b++) {
		double u = unit();
		int len = u < 0.25 ? 1 : u < 0.45 ? 2 : u < 0.70 ? 3 : u < 0.80 ? 4 : u < 0.90 ? 5 : 6;
		int used[64] = {0}, prev = -1;
		for (int r = 0; r < 6; r++) {
			if (r)
				fputc(',', f);
			if (r >= len)
				continue;
			if (unit() < 0.005)
				continue; /* a skipped rank */
			double p[64], sum = 0;
			for (int i = 0; i < k; i++) {
				double a = prev < 0 ? 1.0 : 1.0 / (1 + abs(i - prev));
				p[i] = used[i] ? 0 : w[i] * a;
				sum += p[i];
			}
			double x = unit() * sum;
			int c = 0;
			while (c < k - 1 && (x -= p[c]) > 0)
				c++;
			while (used[c])
				c = (c + 1) % k;
			used[c] = 1;
			prev = c;
			fprintf(f, "c%02d", c);
			if (unit() < 0.002) /* an overvote */
				fprintf(f, "=c%02d", (c + 1) % k);
		}
		fputc('\n', f);
	}
	return fclose(f) ? 1 : 0;
}

/* in a child: read, count, print; the parent adds the child's peak memory */
static int run_one(const char *path, tally_rcv_method m, uint32_t seats)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		double t0 = now(), c0 = cpu();
		FILE *f = fopen(path, "rb");
		if (!f)
			_exit(2);
		fseek(f, 0, SEEK_END);
		long len = ftell(f);
		fseek(f, 0, SEEK_SET);
		char *buf = malloc((size_t)len + 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
			_exit(2);
		fclose(f);
		tally_rcv_ballots *b = NULL;
		tally_rcv_result *res = NULL;
		tally_error err = TALLY_ERROR_INIT;
		if (tally_rcv_parse_csv(buf, (size_t)len, path, NULL, &b, &err)) {
			fprintf(stderr, "%s [%s]\n", err.msg, err.code);
			_exit(1);
		}
		free(buf);
		double t1 = now(), c1 = cpu();
		tally_rcv_rules r;
		tally_rcv_rules_default(&r, m);
		r.seats = seats;
		r.tie[1] = TALLY_RCV_TIE_LOT;
		r.n_tie = 2;
		if (tally_rcv_count(b, &r, &res, &err)) {
			fprintf(stderr, "%s [%s]\n", err.msg, err.code);
			_exit(1);
		}
		double t2 = now(), c2 = cpu();
		tally_rcv_info info;
		tally_rcv_ballots_info(b, &info);
		uint32_t it = 0;
		for (uint32_t i = 0; i < res->n_rounds; i++)
			it += res->rounds[i].iterations;
		printf("  %-12s read %5.2f s (cpu %5.2f)  count %5.2f s (cpu %5.2f)  %2u rounds", tally_rcv_method_name(m),
		       t1 - t0, c1 - c0, t2 - t1, c2 - c1, res->n_rounds);
		if (it)
			printf(" (%u iterations)", it);
		printf("  %u distinct, store %.1f MB\n  %-12s elected", info.n_patterns,
		       (double)info.bytes / 1e6, "");
		for (uint32_t i = 0; i < res->n_elected; i++)
			printf(" %s", tally_rcv_candidate_id(b, res->elected[i]));
		fflush(stdout);
		tally_rcv_result_free(res);
		tally_rcv_ballots_free(b);
		_exit(0);
	}
	int st = 0;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0)
		return 1;
	printf(";  peak memory %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	long n = 1000000;
	int k = 20, peer = 1;
	const char *path = "build/bench_rcv.csv";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atol(argv[++i]);
		else if (!strcmp(argv[i], "-k") && i + 1 < argc)
			k = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 10) | 1;
		else if (!strcmp(argv[i], "--no-peer"))
			peer = 0;
		else if (argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(stderr, "usage: bench_rcv [-n BALLOTS] [-k CANDIDATES] [-s SEED] "
			                "[--no-peer] [FILE]\n");
			return 2;
		}
	}
	if (n < 1 || k < 2 || k > 64)
		return 2;
	double t0 = now();
	if (write_contest(path, n, k))
		return 1;
	printf("ranked ballots: %ld ballots, %d candidates, written to %s in %.2f s\n", n, k, path,
	       now() - t0);
	printf("tally (one process each: read the file, count; wall time, and CPU time as the\n"
	       "machine may be shared):\n");
	int rc = run_one(path, TALLY_RCV_IRV, 1);
	rc |= run_one(path, TALLY_RCV_SCOTTISH, 5);
	rc |= run_one(path, TALLY_RCV_MEEK, 5);
	if (peer) {
		char cmd[1024];
		printf("reference implementation in python3 (bench/peers/rcv_reference.py):\n");
		fflush(stdout);
		snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/peers/rcv_reference.py %s 5", path);
		rc |= system(cmd) != 0;
	}
	return rc;
}
