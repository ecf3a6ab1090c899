/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_seats.c: timing of the seat-allocation engine (make bench-seats):
 * (a) 1,000 districts x 50 parties x 1,000 seats each, by D'Hondt,
 * Sainte-Lague, Huntington-Hill and Hare, with thresholds; (b) the German
 * Bundestag 2021 under BWahlG section 6 (2020) from
 * data/seats/de-2021/kerg2021.csv (read by tally_kerg_parse), when
 * present. Prints the best
 * of five runs in milliseconds.
 */
#include "tally/seats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static void bench_table(void)
{
	enum { ND = 1000, NP = 50, SEATS = 1000 };
	tally_seats_table t;
	memset(&t, 0, sizeof t);
	t.n_parties = NP;
	t.n_districts = ND;
	t.parties = calloc(NP, sizeof *t.parties);
	t.district_ids = calloc(ND, sizeof *t.district_ids);
	t.seats = calloc(ND, sizeof *t.seats);
	t.valid = calloc(ND, sizeof *t.valid);
	t.votes = calloc((size_t)ND * NP, sizeof *t.votes);
	t.present = calloc((size_t)ND * NP, sizeof *t.present);
	char (*names)[16] = calloc(NP + ND, sizeof *names);
	uint64_t s = 1;
	for (int p = 0; p < NP; p++) {
		snprintf(names[p], 16, "p%d", p);
		t.parties[p].id = names[p];
	}
	for (int d = 0; d < ND; d++) {
		snprintf(names[NP + d], 16, "d%d", d);
		t.district_ids[d] = names[NP + d];
		t.seats[d] = SEATS;
		for (int p = 0; p < NP; p++) {
			/* a few large parties and a long tail */
			t.votes[(size_t)d * NP + p] = lcg(&s) % (2000000 / (uint64_t)(p + 1)) + 1;
			t.present[(size_t)d * NP + p] = true;
		}
	}
	static const tally_seats_method ms[] = {TALLY_SEATS_DHONDT, TALLY_SEATS_SAINTE_LAGUE,
	                                        TALLY_SEATS_HUNTINGTON_HILL, TALLY_SEATS_HARE};
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		tally_seats_config c;
		memset(&c, 0, sizeof c);
		c.rule.method = ms[i];
		c.rule.tie[0] = TALLY_SEATS_TIE_VOTES;
		c.rule.tie[1] = TALLY_SEATS_TIE_LOT;
		c.rule.n_tie = 2;
		c.threshold = (tally_ratio){1, 100};
		double best = 1e18;
		uint32_t total = 0;
		for (int run = 0; run < 5; run++) {
			tally_seats_result *r = NULL;
			double t0 = now_ms();
			if (tally_seats_allocate(&t, &c, &r, NULL)) {
				fprintf(stderr, "allocation failed\n");
				exit(1);
			}
			double ms_ = now_ms() - t0;
			if (ms_ < best)
				best = ms_;
			total = 0;
			for (int p = 0; p < NP; p++)
				total += r->party_seats[p];
			tally_seats_result_free(r, &t);
		}
		printf("%-40s %-16s %8.1f ms  (%u seats)\n", "1,000 districts x 50 parties x 1,000",
		       tally_seats_method_name(ms[i]), best, total);
	}
	free(t.parties);
	free(t.district_ids);
	free(t.seats);
	free(t.valid);
	free(t.votes);
	free(t.present);
	free(names);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b) {
		b[n] = '\0';
		*len = (size_t)n;
	}
	return b;
}

static void bench_germany(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/seats/de-2021/kerg2021.csv", dir);
	size_t len = 0;
	char *buf = read_all(path, &len);
	if (!buf) {
		printf("%-40s skipped (no %s)\n", "Bundestag 2021", path);
		return;
	}
	/* German population by Land, 31 May 2021 (data/seats/README.md),
	 * by Land number 1-16 as the kerg file numbers them */
	static const uint64_t pop_by_nr[17] = {0,       2659792, 1537766, 7207587,  548941, 15415642,
	                                       5222158, 3610865, 9313413, 11328866, 865191, 2942960,
	                                       2397701, 1532412, 3826905, 2056177,  1996822};
	double t0 = now_ms();
	tally_kerg *k = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (tally_kerg_parse(buf, len, path, &k, &err)) {
		fprintf(stderr, "%s: %s [%s]\n", err.where, err.msg, err.code);
		exit(1);
	}
	double t_read = now_ms() - t0;
	uint64_t *pop = calloc(k->n_lands, sizeof *pop);
	bool *exempt = calloc(k->n_parties, sizeof *exempt);
	for (uint32_t l = 0; l < k->n_lands; l++)
		pop[l] = k->land_nr[l] <= 16 ? pop_by_nr[k->land_nr[l]] : 0;
	for (uint32_t p = 0; p < k->n_parties; p++)
		exempt[p] = strcmp(k->party_ids[p], "Südschleswigscher Wählerverband") == 0;
	tally_bundestag_input in;
	tally_kerg_bundestag_input(k, &in);
	in.population = pop;
	in.exempt = exempt;
	in.rule.tie[0] = TALLY_SEATS_TIE_LOT;
	in.rule.n_tie = 1;
	double best = 1e18;
	uint32_t total = 0;
	for (int run = 0; run < 5; run++) {
		tally_bundestag_result *r = NULL;
		double t1 = now_ms();
		if (tally_seats_bundestag2020(&in, &r, NULL)) {
			fprintf(stderr, "Bundestag computation failed\n");
			exit(1);
		}
		double ms_ = now_ms() - t1;
		if (ms_ < best)
			best = ms_;
		total = r->total;
		tally_bundestag_result_free(r);
	}
	printf("%-40s %-16s %8.2f ms  (%u seats; reading kerg2021.csv %.1f ms)\n",
	       "Bundestag 2021, BWahlG section 6 (2020)", "sainte-lague", best, total, t_read);
	free(pop);
	free(exempt);
	tally_kerg_free(k);
	free(buf);
}

int main(void)
{
	const char *dir = getenv("TALLY_DATA");
	bench_table();
	bench_germany(dir && *dir ? dir : "data");
	return 0;
}
