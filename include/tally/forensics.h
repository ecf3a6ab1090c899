/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forensics.h: statistical tests on polling-station results that look for
 * manufactured numbers (docs/methods-forensics.md restates every method with
 * its source). A forensic input is one row per station (registered voters,
 * the turnout numerator, the ballots found in the boxes, valid votes, the
 * leader's votes and every party's votes), built from an election and its
 * protocols by tally_fx_input_build or filled in by hand after
 * tally_fx_input_new. tally_fx_run runs the whole battery: the election
 * fingerprint (Klimek et al. 2012), the integer-percent test (Kobak,
 * Shpilkin & Pshenichnikov 2016), Shpilkin's estimate of anomalous votes,
 * digit tests (Mebane; Beber & Scacco 2012), turnout regressions
 * (Myagkov, Ordeshook & Shakin 2009; Sobyanin) and Klimek et al.'s fraud
 * model, breaks the main figures down by area, and flags single stations
 * with the reasons.
 *
 * Forensics estimates and decides nothing, so it computes in floating point.
 * Random numbers come only from a generator seeded by the options: the same
 * input, options and seed give the same report, bit for bit.
 */
#ifndef TALLY_FORENSICS_H
#define TALLY_FORENSICS_H

#include "tally/common.h"
#include "tally/model.h"
#include "tally/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The denominator of the leader's share. */
typedef enum tally_fx_share_base {
	TALLY_FX_SHARE_BALLOTS, /* ballots found in the boxes, valid + invalid (Kobak) */
	TALLY_FX_SHARE_VALID    /* valid votes (the sum of candidate votes) */
} tally_fx_share_base;

/* How to read the protocols. Zero-initialise, then set what differs. */
typedef struct tally_fx_defs {
	/* Ballots found in the boxes, as an expression over the template's lines
	 * (tally_expr_parse). NULL: the preset's own ("invalid + valid" for the
	 * Russian templates and az-mm, "valid_cards" for pl-pkw), else the
	 * template's ballots_cast. */
	const char *ballots;
	tally_fx_share_base share_of;
	/* The leader: a party, bloc or candidate id. NULL: most votes in all. */
	const char *leader;
	/* Include special, mobile and abroad stations (default: ordinary only;
	 * forensics.md section 7). */
	bool all_types;
} tally_fx_defs;

/* One row per station, as arrays of n. Votes are grouped by "party": the
 * nominating party or bloc of a candidate, or the candidate itself. */
typedef struct tally_fx_input {
	size_t n;
	uint32_t *station;      /* the station's index in the election (or the row) */
	uint64_t *registered;   /* voters on the list (template role "registered") */
	uint64_t *cast;         /* the turnout numerator (template role "ballots_cast") */
	uint64_t *ballots;      /* ballots found in the boxes */
	uint64_t *base;         /* the leader share's denominator (ballots or valid) */
	uint64_t *leader;       /* the leader's votes */
	uint64_t *votes;        /* n * n_parties: votes[i * n_parties + j] */
	uint32_t n_parties;
	char **party_ids;       /* owned by the input */
	uint32_t leader_party;  /* index into party_ids */
	size_t skipped_type;    /* stations left out by type */
	size_t skipped_empty;   /* stations without a protocol */
	/* areas for the breakdowns (the stations' "area": region, voivodeship):
	 * area[i] indexes area_names, in order of first appearance; stations
	 * without one share the name "". tally_fx_input_new puts every station
	 * in one area "" (n_areas 1); callers may fill their own. */
	uint32_t *area;
	char **area_names;      /* owned by the input */
	uint32_t n_areas;
} tally_fx_input;

/* tally_fx_input_new allocates a zeroed input of "n" stations and
 * "n_parties" parties with ids "p1".."pN" (leader_party 0), for tests and
 * callers that fill the arrays themselves. Free with tally_fx_input_free.
 * Errors: TALLY_EINVAL (F001) if n_parties is 0 or above TALLY_MAX_PARTIES,
 * TALLY_ENOMEM. */
TALLY_API int tally_fx_input_new(size_t n, uint32_t n_parties, tally_fx_input **out,
                                 tally_error *err);

/* tally_fx_input_build reads "n" protocols (each protocols[i].station names
 * its station in "e") into a new input. "defs" may be NULL for the defaults.
 * Errors (TALLY_EINVAL): F002 the ballots expression does not parse,
 * F003 no usable station, F004 the leader id names nothing that got votes;
 * TALLY_ENOMEM. "*out" is freed with tally_fx_input_free. */
TALLY_API int tally_fx_input_build(const tally_election *e, const tally_protocol *protocols,
                                   size_t n, const tally_fx_defs *defs, tally_fx_input **out,
                                   tally_error *err);
TALLY_API void tally_fx_input_free(tally_fx_input *in);

/* ==== Options ==== */
#define TALLY_FX_MAX_RESAMPLES 100000u
#define TALLY_FX_BINS 100u         /* fingerprint and turnout bins per axis (1 pp) */

typedef struct tally_fx_options {
	uint64_t seed;          /* default 42 */
	uint32_t resamples;     /* binomial resamples of the integer test; default 1000 */
	uint32_t min_voters;    /* integer test, digits, regressions: default 100 */
	int32_t shpilkin_peak;  /* -1: find the peak; else the turnout bin k (k % < t <= k+1 %) */
	uint32_t min_2bl;       /* smallest count in the second-digit test; default 10 */
	uint32_t min_last;      /* smallest count in the last-digit tests; default 100 */
	uint32_t threads;       /* 2 or more: Klimek's model runs on a second thread beside the
	                         * other tests (each test has its own random stream, so the
	                         * report is the same); default 1. With 2 or more the allocator
	                         * hook must be thread-safe. */
} tally_fx_options;

/* tally_fx_options_init sets the defaults above. */
TALLY_API void tally_fx_options_init(tally_fx_options *o);

/* ==== Report ==== */

/* The election fingerprint: stations with registered > 0 and base > 0 on a
 * 100 x 100 grid of turnout (cast / registered) by leader share. */
typedef struct tally_fx_fingerprint {
	uint64_t n;
	uint32_t *count;        /* [w * 100 + t]: share bin w, turnout bin t; 100 % in bin 99 */
	double *weighted;       /* the same, weighted by registered voters */
	double weight_total;
	uint64_t corner;        /* turnout >= 95 % and leader share >= 95 % */
	double corner_share, corner_weighted_share;
	uint32_t mode_t, mode_w; /* the fullest cell */
	uint32_t turnout_hist[TALLY_FX_BINS];
	double cum_leader[TALLY_FX_BINS]; /* share of all leader votes at stations with turnout bin <= k */
} tally_fx_fingerprint;

/* One count of the integer test against its binomial null. */
typedef struct tally_fx_icount {
	double observed;
	double mc_mean, mc_sd, mc_z; /* over the resamples (0 when resamples is 0) */
	double excess, z;       /* observed - exact_mean, excess / exact_sd */
	double p;               /* empirical: (1 + #{resample >= observed}) / (1 + resamples) */
	double exact_mean, exact_sd, exact_z; /* the Poisson-binomial null, no randomness */
} tally_fx_icount;

typedef struct tally_fx_integer {
	uint64_t n;             /* stations tested */
	uint32_t resamples;
	uint64_t seed;
	tally_fx_icount either, leader, turnout;
	tally_fx_icount either_voters; /* registered voters at integer stations */
	uint64_t both;          /* stations integer in both (flagged) */
	double both_expected;   /* expected under the null: the stated false-alarm count */
	uint64_t both_bound;    /* the null's 99.9 % point: more flags than this arise by
	                         * chance with probability at most 0.001 */
	double both_p;          /* P(flags >= both) under the null */
	bool both_exact;        /* both_bound and both_p exact (else the refined normal
	                         * approximation, for large elections) */
} tally_fx_integer;

typedef struct tally_fx_shpilkin {
	bool applicable;
	char reason[160];       /* why not, when not applicable */
	bool manual;            /* the peak was given */
	uint32_t peak;          /* turnout bin k: k % < t <= (k+1) % */
	uint64_t n;             /* stations with registered > 100 */
	double leader_bin[TALLY_FX_BINS + 1], others_bin[TALLY_FX_BINS + 1]; /* bin 100: t > 100 % */
	double clean_share;     /* c / (1 + c), c = L/O at the peak */
	double official_share;  /* leader / ballots over the same stations */
	double anomalous;       /* sum over all bins of L - c O (reported even when not applicable) */
	double anomalous_above; /* over bins >= peak */
	double boot_lo, boot_hi; /* 95 % bootstrap interval of "anomalous" (0 when not computed) */
} tally_fx_shpilkin;

typedef struct tally_fx_digits {
	uint64_t n_2bl;         /* leader counts >= min_2bl */
	double mean_2bl, chi2_2bl, p_2bl; /* expected mean 4.187; chi-square on 9 df */
	uint64_t n_last;        /* leader counts >= min_last */
	uint64_t last[10];
	double mean_last, chi2_last, p_last; /* uniform: mean 4.5 */
	double c05;             /* share of those counts ending in 0 or 5 (0.2) */
	uint64_t n_p05;         /* stations with registered >= min_voters */
	double p05;             /* share of round(100 * turnout) ending in 0 or 5 (0.2) */
} tally_fx_digits;

typedef struct tally_fx_slope {
	double slope, intercept; /* votes / registered = intercept + slope * turnout */
	double share;            /* the party's share of the base over the same stations */
} tally_fx_slope;

typedef struct tally_fx_regress {
	uint64_t n;              /* stations with registered >= min_voters */
	double r_turnout_share;  /* Pearson r of turnout and leader share */
	tally_fx_slope *party;   /* n_parties */
	double sum_slopes;
} tally_fx_regress;

/* Klimek et al.'s fraud model (PNAS 2012), fitted as a secondary
 * estimate on stations with registered >= min_voters where the leader has
 * votes (docs/methods-forensics.md): a likelihood fit. Calibrated: fi and
 * fe are the fitted shares minus the mean of those fitted on clean twins
 * drawn from the fair part of the model, at least 0. */
typedef struct tally_fx_klimek {
	bool fitted;
	char reason[160];        /* why not, when not fitted */
	uint64_t n;
	double turnout_mode, turnout_sd, share_mode, share_sd; /* the fair part: means, sds */
	double theta, alpha;     /* the incremental fraud's spread and exponent */
	double fi_raw, fe_raw;   /* the fit */
	double fi_null, fe_null; /* the mean fit on the clean twins (subtracted) */
	uint32_t twins;          /* clean twins fitted */
	double fi, fe;           /* calibrated: incremental and extreme fraud shares */
	double loss, loss_fair;  /* minus the log-likelihood at the fit and without fraud */
} tally_fx_klimek;

/* One area's part of the battery. */
typedef struct tally_fx_area {
	uint64_t n;              /* stations (of the fingerprint) */
	uint64_t corner;
	double corner_share;
	uint64_t n_integer;      /* stations in the integer test */
	double integer_observed; /* integer in turnout or share */
	double integer_expected, integer_sd; /* the exact (Poisson-binomial) null */
	double integer_excess, integer_z;
	uint64_t flagged;
} tally_fx_area;

/* Per-station flags (bits). */
#define TALLY_FX_FLAG_CORNER 1u      /* turnout >= 95 % and leader share >= 95 % */
#define TALLY_FX_FLAG_INTEGER 2u     /* turnout and leader share both integer percentages */

typedef struct tally_fx_report {
	const tally_fx_input *in;  /* borrowed: must outlive the report */
	tally_fx_options opt;
	tally_fx_fingerprint fp;
	tally_fx_integer integer;
	tally_fx_shpilkin shp;
	tally_fx_digits digits;
	tally_fx_regress reg;
	tally_fx_klimek klimek;
	tally_fx_area *areas;      /* in->n_areas */
	uint8_t *flags;            /* n, TALLY_FX_FLAG_* */
	double *null_p;            /* n: probability of the integer flag under the null (0 if not tested) */
	uint64_t flagged;          /* stations with any flag */
} tally_fx_report;

/* tally_fx_run runs the battery on "in" with options "o" (NULL: defaults).
 * Errors (TALLY_EINVAL): F005 resamples above TALLY_FX_MAX_RESAMPLES,
 * F006 a manual Shpilkin peak outside 0..99, F003 an empty input;
 * TALLY_ENOMEM. "*out" is freed with tally_fx_report_free. */
TALLY_API int tally_fx_run(const tally_fx_input *in, const tally_fx_options *o,
                           tally_fx_report **out, tally_error *err);
TALLY_API void tally_fx_report_free(tally_fx_report *r);

/* ==== Verdicts ==== */

/* Which tests flag the election: each test's alarm rule applied to the
 * report. These are the rules whose false-alarm rates and detection power
 * bench/bench_detection.c measures (bench/README.md); the second-digit
 * test is descriptive only and never flags. */
typedef enum tally_fx_test {
	TALLY_FX_T_CORNER,       /* corner share >= 0.5 % */
	TALLY_FX_T_INTEGER,      /* integer excess, exact z >= 3 */
	TALLY_FX_T_SHPILKIN,     /* applicable and anomalous votes >= 1 % of the leader's */
	TALLY_FX_T_LAST_DIGIT,   /* last-digit chi-square p < 0.01 */
	TALLY_FX_T_SECOND_DIGIT, /* descriptive only */
	TALLY_FX_T_REGRESSION,   /* the leader's turnout slope >= 1 */
	TALLY_FX_T_KLIMEK,       /* f_e >= 0.005 or f_i >= 0.3 */
	TALLY_FX_N_TESTS
} tally_fx_test;

typedef struct tally_fx_verdict {
	const char *test;        /* "corner", "integer", "shpilkin", "last_digit",
	                          * "second_digit", "regression", "klimek" */
	const char *name;        /* for people: "fingerprint corner" ... */
	const char *rule;        /* the alarm rule, e.g. "corner share >= 0.5 %" */
	bool applies;            /* the test had the data it needs */
	bool descriptive;        /* reported, never flags */
	bool flags;              /* the rule fires */
	char value[128];         /* what the rule was applied to, e.g. "2.36 % of stations" */
} tally_fx_verdict;

/* tally_fx_verdicts fills out[t] for every test t of the report. */
TALLY_API void tally_fx_verdicts(const tally_fx_report *r,
                                 tally_fx_verdict out[TALLY_FX_N_TESTS]);

/* The parts, for callers that want one test. Each fills its part of "r"
 * (whose "in", "opt" and, for flags, "flags"/"null_p" are set). */
TALLY_API int tally_fx_fingerprint_run(tally_fx_report *r);
TALLY_API int tally_fx_integer_run(tally_fx_report *r);
TALLY_API int tally_fx_shpilkin_run(tally_fx_report *r);
TALLY_API void tally_fx_digits_run(tally_fx_report *r);
TALLY_API int tally_fx_regress_run(tally_fx_report *r);
TALLY_API int tally_fx_klimek_run(tally_fx_report *r);
/* tally_fx_areas_run needs the flags filled (fingerprint and integer). */
TALLY_API int tally_fx_areas_run(tally_fx_report *r);

/* tally_fx_integer_prob returns P(100 * X / n lies within +-0.05 of a whole
 * number) for X ~ Binomial(n, k / n), exactly (up to rounding). */
TALLY_API double tally_fx_integer_prob(uint64_t k, uint64_t n);

/* tally_fx_is_integer says whether 100 * k / n lies within +-0.05 of a whole
 * number, in exact integer arithmetic; n > 0. */
TALLY_API bool tally_fx_is_integer(uint64_t k, uint64_t n);

#ifdef __cplusplus
}
#endif
#endif
