/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seats_cli.h: what the two files of `tally seats` share: cmd_seats.c
 * parses the options and prints the list-PR allocation; seats_systems.c
 * runs and prints the other systems (plurality and block vote, two-round,
 * MMP, leveling seats) on the same votes table.
 */
#ifndef TALLY_SEATS_CLI_H
#define TALLY_SEATS_CLI_H

#include "cli/cli.h"
#include "tally/seats.h"

void seats_json_str(const char *s);
void seats_print_ties(const tally_apportionment *a, const tally_seats_table *t, bool json);
const char *seats_pct(tally_ratio r, char buf[48]);

/* Each runs one system on "t", prints it (text, or JSON with "json") and
 * returns the exit status: EXIT_OK, or EXIT_USER after printing an error or
 * when a tie left the result incomplete. */
int seats_run_plurality(const tally_seats_table *t, const tally_seats_rule *rule, bool json);
int seats_run_two_round(const tally_seats_table *t, const tally_seats_rule *rule,
                        const tally_two_round_rule *tr, bool json);
int seats_run_mmp(const tally_seats_table *t, const tally_seats_config *c, bool json);
int seats_run_leveling(const tally_seats_table *t, const tally_seats_config *c,
                       uint32_t leveling, bool json);
/* "lands": Laender x parties of second votes; "cons": constituencies x
 * candidates (by party id; another id is an independent) of first votes,
 * each with its Land as region. */
int seats_run_bundestag2023(const tally_seats_table *lands, const tally_seats_table *cons,
                            const tally_seats_config *c, uint32_t house, bool json);

/* Bundestag 2020 (BWahlG section 6 as amended in 2020): the options */
typedef struct seats_bt2020_opts {
	const tally_seats_config *c;   /* rule, threshold, wins_qualify, national_denominator */
	uint32_t house;                /* 598 */
	uint32_t uncompensated;        /* 3 */
	const char *population;        /* the file "land,population" */
	const char *const *exempt;     /* party ids exempt from the threshold (besides @exempt) */
	uint32_t n_exempt;
	bool json;
} seats_bt2020_opts;

/* from the Bundeswahlleiterin's kerg file (Land ids in the population file:
 * code, name or number) */
int seats_run_bundestag2020_kerg(const char *kerg_file, const seats_bt2020_opts *o);
/* from a Laender table and a constituencies table as for bundestag2023 (Land
 * ids in the population file: the table's district ids) */
int seats_run_bundestag2020_table(const tally_seats_table *lands, const tally_seats_table *cons,
                                  const seats_bt2020_opts *o);

#endif
