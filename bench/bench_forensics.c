/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_forensics.c: times the full forensic battery (fingerprint, integer
 * test with 1,000 binomial resamples, Shpilkin, digits, regressions, flags)
 * on the Russian presidential election of 2018 (97,699 stations), after
 * the import, which is timed apart. Built and run by `make bench-forensics`;
 * the figures go to bench/README.md under "Forensics".
 *
 * usage: bench_forensics [ZIP] [RESAMPLES]   (default data/ru/2018.csv.zip, 1000)
 */
#include "tally/tally.h"
#include "tally/forensics.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *read_zip(const char *zip, size_t *len)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "unzip -p '%s'", zip);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t cap = 1 << 20, n = 0, got;
	char *buf = malloc(cap + 1);
	while (buf && (got = fread(buf + n, 1, cap - n, p)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	if (pclose(p) != 0 || !buf || n == 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	const char *zip = argc > 1 ? argv[1] : "data/ru/2018.csv.zip";
	unsigned long resamples = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	size_t len = 0;
	char *buf = read_zip(zip, &len);
	if (!buf) {
		fprintf(stderr, "bench_forensics: cannot read %s\n", zip);
		return 1;
	}
	tally_error err = TALLY_ERROR_INIT;
	tally_import_map *m = NULL;
	tally_import *im = NULL;
	tally_fx_input *in = NULL;
	tally_fx_report *r = NULL;
	double t0 = now();
	if (tally_import_map_preset("ru-2018", &m, &err) ||
	    tally_import_csv(m, buf, len, zip, &im, &err)) {
		fprintf(stderr, "bench_forensics: %s %s\n", err.code, err.msg);
		return 1;
	}
	double t1 = now();
	if (tally_fx_input_build(im->e, im->protocols, im->n, NULL, &in, &err)) {
		fprintf(stderr, "bench_forensics: %s %s\n", err.code, err.msg);
		return 1;
	}
	double t2 = now();
	tally_fx_options o;
	tally_fx_options_init(&o);
	o.resamples = (uint32_t)resamples;
	o.threads = getenv("FX_THREADS") ? (uint32_t)atoi(getenv("FX_THREADS")) : 2;
	if (tally_fx_run(in, &o, &r, &err)) {
		fprintf(stderr, "bench_forensics: %s %s\n", err.code, err.msg);
		return 1;
	}
	double t3 = now();
	printf("stations %zu, resamples %u\n", in->n, o.resamples);
	printf("import            %.3f s\n", t1 - t0);
	printf("forensic input    %.3f s\n", t2 - t1);
	printf("battery           %.3f s  (integer excess %.1f, z %.2f; corner %.2f %%; "
	       "Shpilkin %.0f)\n",
	       t3 - t2, r->integer.either.excess, r->integer.either.z, 100 * r->fp.corner_share,
	       r->shp.anomalous);
	printf("input + battery   %.3f s\n", t3 - t1);
	tally_fx_report_free(r);
	tally_fx_input_free(in);
	tally_import_free(im);
	tally_import_map_free(m);
	free(buf);
	return 0;
}
