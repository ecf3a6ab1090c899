/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_seats.c: timing of the seat-allocation engine (make bench-seats):
 * (a) 1,000 districts x 50 parties x 1,000 seats each, by D'Hondt,
 * Sainte-Lague, Huntington-Hill and Hare, with thresholds; (b) the German
 * Bundestag 2021 under BWahlG section 6 (2020) from
 * ../shared/data/seats/de-2021/kerg2021.csv, when present. Prints the best
 * of five runs in milliseconds.
 */
#include "tally/csv.h"
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
	static const char *const land[16] = {"SH", "MV", "HH", "NI", "HB", "BB", "ST", "BE",
	                                     "NW", "SN", "HE", "TH", "RP", "BY", "BW", "SL"};
	static const int kerg_nr[16] = {1, 13, 2, 3, 4, 12, 15, 11, 5, 14, 6, 16, 7, 9, 8, 10};
	static const uint64_t pop[16] = {2659792, 1532412, 1537766,  7207587, 548941,  2397701,
	                                 2056177, 2942960, 15415642, 3826905, 5222158, 1996822,
	                                 3610865, 11328866, 9313413, 865191};
	int landpos[17];
	for (int l = 0; l < 16; l++)
		landpos[kerg_nr[l]] = l;
	double t0 = now_ms();
	tally_csv c;
	tally_csv_init(&c, buf, len, ';', path);
	uint32_t np = 0;
	char **names = NULL;
	uint64_t *votes = NULL, valid = 0;
	uint32_t *wins = NULL;
	bool *exempt = NULL;
	while (tally_csv_next(&c, NULL) == 1) {
		const tally_csv_field *f = c.fields;
		if (c.record == 3) {
			for (size_t i = 19; i + 3 < c.n_fields; i += 4)
				np++;
			names = calloc(np, sizeof *names);
			votes = calloc((size_t)np * 16, sizeof *votes);
			wins = calloc((size_t)np * 16, sizeof *wins);
			exempt = calloc(np, sizeof *exempt);
			for (uint32_t p = 0; p < np; p++) {
				names[p] = strndup(f[19 + 4 * p].s, f[19 + 4 * p].len);
				exempt[p] = strcmp(names[p], "Südschleswigscher Wählerverband") == 0;
			}
			continue;
		}
		uint64_t nr = 0, parent = 0;
		if (c.record < 6 || c.n_fields < 19 + 4 * (size_t)np || tally_csv_u64(&f[0], 1000, &nr))
			continue;
		if (tally_csv_u64(&f[2], 1000, &parent)) {
			tally_csv_u64(&f[17], UINT64_MAX, &valid);
			continue;
		}
		uint32_t best = 0;
		uint64_t bv = 0;
		for (uint32_t p = 0; p < np; p++) {
			uint64_t x = 0;
			size_t col = 19 + 4 * p + (parent == 99 ? 2 : 0);
			if (f[col].len)
				tally_csv_u64(&f[col], UINT64_MAX, &x);
			if (parent == 99)
				votes[(size_t)p * 16 + landpos[nr]] = x;
			else if (x > bv) {
				bv = x;
				best = p;
			}
		}
		if (parent != 99)
			wins[(size_t)best * 16 + landpos[parent]]++;
	}
	tally_csv_release(&c);
	double t_read = now_ms() - t0;
	tally_bundestag_input in;
	memset(&in, 0, sizeof in);
	in.n_lands = 16;
	in.n_parties = np;
	in.land_ids = land;
	in.population = pop;
	in.party_ids = (const char *const *)names;
	in.exempt = exempt;
	in.votes = votes;
	in.wins = wins;
	in.valid = valid;
	in.house = 598;
	in.threshold = (tally_ratio){5, 100};
	in.wins_qualify = 3;
	in.uncompensated = 3;
	in.rule.method = TALLY_SEATS_SAINTE_LAGUE;
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
	for (uint32_t p = 0; p < np; p++)
		free(names[p]);
	free(names);
	free(votes);
	free(wins);
	free(exempt);
	free(buf);
}

int main(void)
{
	const char *dir = getenv("TALLY_SHARED_DATA");
	bench_table();
	bench_germany(dir && *dir ? dir : "../shared/data");
	return 0;
}
