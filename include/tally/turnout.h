/* SPDX-License-Identifier: Apache-2.0 */
/*
 * turnout.h: intraday turnout reports. A station reports, at fixed times of
 * election day, how many voters have received ballots so far (Azerbaijan:
 * 10:00, 12:00, 15:00, 17:00, 19:00). Reports are checked against the
 * station's registered voters and against the station's earlier reports.
 */
#ifndef TALLY_TURNOUT_H
#define TALLY_TURNOUT_H

#include "tally/common.h"
#include "tally/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_turnout {
	uint32_t station;
	uint32_t minute;   /* minutes after midnight, 0..1439 */
	uint64_t voters;   /* voters who have received ballots so far */
} tally_turnout;

/* tally_turnout_parse reads reports from CSV (header "station,time,voters",
 * time as HH:MM) or JSON (an array of {"station","time","voters"} objects).
 * "format" is "csv", "json" or NULL to guess. The file is taken whole or not
 * at all. Errors: T001 bad time, T002 more voters than registered, T005
 * unknown station, T006 duplicate report in the file, C001-C009 (CSV),
 * P001 (JSON). "*out" is freed with tally_free. */
TALLY_API int tally_turnout_parse(const tally_election *e, const char *buf, size_t len,
                                  const char *file, const char *format, tally_turnout **out,
                                  size_t *n, tally_error *err);

/* tally_turnout_check checks report "t" against the station's earlier and
 * later reports "known" (any order): fewer voters than at an earlier time or
 * more than at a later time is T003; the same time with another number is
 * T004 (TALLY_ECONFLICT); the very same report again returns TALLY_OK and
 * sets *duplicate. */
TALLY_API int tally_turnout_check(const tally_election *e, const tally_turnout *t,
                                  const tally_turnout *known, size_t n_known, bool *duplicate,
                                  tally_error *err);

/* National turnout at one reporting time. */
typedef struct tally_turnout_point {
	uint32_t minute;
	uint64_t stations;   /* stations that reported at this time */
	uint64_t voters;     /* their voters so far, summed */
} tally_turnout_point;

/* tally_turnout_by_time sums reports "t" by reporting time into "out" (room
 * for "cap", at most TALLY_MAX_TURNOUT_REPORTS distinct times are kept; later
 * ones are left out), earliest first, and returns how many it wrote. */
TALLY_API size_t tally_turnout_by_time(const tally_turnout *t, size_t n, tally_turnout_point *out,
                                       size_t cap);

/* tally_minute_parse parses "HH:MM" (24 h). Returns TALLY_EINVAL (T001). */
TALLY_API int tally_minute_parse(const char *s, uint32_t *minute);
TALLY_API void tally_minute_format(uint32_t minute, char buf[6]);

#ifdef __cplusplus
}
#endif
#endif
