/* SPDX-License-Identifier: Apache-2.0 */
/*
 * import.h: real polling-station data. A column map says how a CSV file of
 * station results maps onto an election: which columns identify a station,
 * which give its constituency and area, which column holds each protocol
 * line of a template, and which columns are candidates (or party lists).
 * tally_import_csv builds the election and every station's protocol from
 * the file in one pass, checks every protocol against the template's
 * relations (a station that breaks one is kept and listed, never dropped)
 * and reports rows it cannot read with their row number.
 *
 * Presets: "ru-2018" (Russian CEC, presidential 2018 layout), "ru-2011"
 * (State Duma 2011 layout), "pl-2020" (Polish PKW presidential 2020 layout).
 * docs/formats.md documents the map's JSON form.
 */
#ifndef TALLY_IMPORT_H
#define TALLY_IMPORT_H

#include "tally/common.h"
#include "tally/model.h"
#include "tally/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_import_map {
	char *name;
	char delim;                 /* 0: guess */
	char *election_id, *election_name, *date, *body;
	char *template_preset;      /* the template, by preset name */
	char **station_cols;        /* joined with '/' to make a station id */
	uint32_t n_station_cols;
	char *constituency_col;     /* NULL or "": one national constituency */
	char *area_col;             /* NULL or "": no areas */
	char *name_cols[4];         /* joined with ", " to make a station name */
	uint32_t n_name_cols;
	char **line_cols;           /* one per template line, in template order */
	uint32_t n_line_cols;
	/* Candidate columns: either listed, or every column from the first
	 * listed one to the last column not in skip_cols. */
	char **cand_cols;
	uint32_t n_cand_cols;
	bool cand_rest;             /* cand_cols[0] starts a run to the end */
	char **skip_cols;
	uint32_t n_skip_cols;
	char *registered_line;      /* the line whose value is the station's registered voters */
	char *rule;                 /* the system rule; "none" by default */
	uint32_t seats;             /* seats of the election (default 1) */
} tally_import_map;

TALLY_API int tally_import_map_preset(const char *name, tally_import_map **out,
                                      tally_error *err);
TALLY_API const char *const *tally_import_map_preset_names(void);
/* tally_import_map_parse reads a map from JSON (docs/formats.md). Errors:
 * TALLY_EINVAL with codes M001-M006. */
TALLY_API int tally_import_map_parse(const char *buf, size_t len, const char *file,
                                     tally_import_map **out, tally_error *err);
TALLY_API void tally_import_map_free(tally_import_map *m);

/* The result of an import: the election it built, one protocol per station
 * (protocols[i].station == i) and the check of each (re-run
 * tally_protocol_check on a station for the values of each side). The
 * protocols' numbers live in one block owned by the import: do not release
 * them one by one. */
typedef struct tally_import {
	tally_election *e;
	tally_protocol *protocols;
	tally_check_summary *checks;
	uint64_t *values;           /* the block behind every protocol */
	size_t n;
	uint64_t rows;              /* data rows read */
	uint32_t stations_with_errors, stations_with_warnings;
} tally_import;

/* tally_import_csv reads the whole file. A row that cannot be read (wrong
 * number of fields C002, a value that is not a count C004, a duplicate
 * station C008) stops the import with the row number in err->where: real
 * data is taken whole or not at all. Missing columns are C003. */
TALLY_API int tally_import_csv(const tally_import_map *m, const char *buf, size_t len,
                               const char *file, tally_import **out, tally_error *err);
TALLY_API void tally_import_free(tally_import *im);

#ifdef __cplusplus
}
#endif
#endif
