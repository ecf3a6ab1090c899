/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.c: the forensic battery as one call: options and their defaults,
 * checks of the options, each test in turn, and the per-station flags.
 */
#include "core/forensics/fx_int.h"

#include <pthread.h>

void tally_fx_options_init(tally_fx_options *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 42;         /* Kobak et al.'s notebooks */
	o->resamples = 1000;
	o->min_voters = 100;
	o->shpilkin_peak = -1;
	o->min_2bl = 10;
	o->min_last = 100;
	o->threads = 1;
}

void tally_fx_report_free(tally_fx_report *r)
{
	if (!r)
		return;
	tally_free(r->fp.count);
	tally_free(r->fp.weighted);
	tally_free(r->reg.party);
	tally_free(r->areas);
	tally_free(r->flags);
	tally_free(r->null_p);
	tally_free(r);
}

typedef struct kl_job {
	tally_fx_report *r;
	int rc;
} kl_job;

static void *klimek_job(void *arg)
{
	kl_job *j = arg;
	j->rc = tally_fx_klimek_run(j->r);
	if (j->rc == TALLY_OK)
		j->rc = tally_fx_shpilkin_run(j->r);
	return NULL;
}

int tally_fx_run(const tally_fx_input *in, const tally_fx_options *o, tally_fx_report **out,
                 tally_error *err)
{
	tally_fx_options def;
	if (!o) {
		tally_fx_options_init(&def);
		o = &def;
	}
	if (o->resamples > TALLY_FX_MAX_RESAMPLES)
		return tally_error_set(err, TALLY_EINVAL, "F005", "resamples",
		                       "%u resamples is more than the %u allowed",
		                       (unsigned)o->resamples, (unsigned)TALLY_FX_MAX_RESAMPLES);
	if (o->shpilkin_peak < -1 || o->shpilkin_peak >= (int32_t)TALLY_FX_BINS)
		return tally_error_set(err, TALLY_EINVAL, "F006", "peak",
		                       "the Shpilkin peak is a turnout bin from 0 to 99, not %d",
		                       (int)o->shpilkin_peak);
	if (in->n == 0)
		return tally_error_set(err, TALLY_EINVAL, "F003", NULL, "no station to test");
	tally_fx_report *r = tally_calloc(1, sizeof *r);
	if (!r)
		goto oom;
	r->in = in;
	r->opt = *o;
	r->flags = tally_calloc(in->n, 1);
	r->null_p = tally_calloc(in->n, sizeof *r->null_p);
	if (!r->flags || !r->null_p)
		goto oom;
	/* Klimek's model and Shpilkin's bootstrap share nothing with the other
	 * tests but the (read-only) input, so with threads they run beside
	 * them; each test has its own random stream, so the report is the same. */
	kl_job job = {r, 0};
	pthread_t th;
	bool threaded = o->threads > 1 && pthread_create(&th, NULL, klimek_job, &job) == 0;
	int rc = tally_fx_fingerprint_run(r) || tally_fx_integer_run(r) || tally_fx_regress_run(r);
	if (threaded)
		pthread_join(th, NULL);
	else if (!rc)
		klimek_job(&job);
	if (rc || job.rc || tally_fx_areas_run(r))
		goto oom;
	tally_fx_digits_run(r);
	for (size_t i = 0; i < in->n; i++)
		r->flagged += r->flags[i] != 0;
	*out = r;
	return TALLY_OK;
oom:
	tally_fx_report_free(r);
	return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
}
