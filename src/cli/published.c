/* SPDX-License-Identifier: Apache-2.0 */
/*
 * published.c: what the published documents of tally (the standard
 * exports of `tally results`, the printed protocols of `tally protocol`)
 * rest on: the time of the database's last logged change, which dates
 * them so that the same database gives the same bytes, and the
 * transparency-log entry a protocol names (docs/log-format.md).
 */
#include "cli/cli.h"

#include <string.h>
#include <time.h>

void cli_as_of(tally_store *s, const tally_election *e, char out[32])
{
	const tally_merkle_tree *tree = NULL;
	tally_error err = TALLY_ERROR_INIT;
	snprintf(out, 32, "%sT00:00:00Z", e->date);
	if (tally_store_log_tree(s, &tree, &err) != TALLY_OK || tally_merkle_tree_size(tree) == 0)
		return;
	uint8_t *bytes = NULL;
	size_t len = 0;
	tally_log_entry le;
	if (tally_store_log_entry(s, tally_merkle_tree_size(tree) - 1, &bytes, &len, NULL, &err) ==
	            TALLY_OK &&
	    tally_log_entry_decode(bytes, len, &le, &err) == TALLY_OK) {
		time_t t = (time_t)le.time;
		struct tm tm;
		if (gmtime_r(&t, &tm))
			strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	tally_free(bytes);
}

int cli_log_find(tally_store *s, const tally_election *e, uint32_t st, uint32_t version,
                 bool *found, uint64_t *index, char leaf_hex[65], uint64_t *covered)
{
	const tally_merkle_tree *tree = NULL;
	tally_error err = TALLY_ERROR_INIT;
	*found = false;
	if (tally_store_log_tree(s, &tree, &err) != TALLY_OK) {
		cli_error(&err);
		return EXIT_USER;
	}
	/* the newest first: a statement or a station's current version is near the end */
	for (uint64_t i = tally_merkle_tree_size(tree); i-- > 0;) {
		uint8_t *bytes = NULL;
		size_t len = 0;
		tally_hash leaf;
		tally_log_entry le;
		if (tally_store_log_entry(s, i, &bytes, &len, &leaf, &err) != TALLY_OK ||
		    tally_log_entry_decode(bytes, len, &le, &err) != TALLY_OK) {
			tally_free(bytes);
			cli_error(&err);
			return EXIT_USER;
		}
		bool hit = st == TALLY_NONE
		                   ? le.type == TALLY_LOG_RESULTS
		                   : le.type == TALLY_LOG_PROTOCOL && le.u.protocol.version == version &&
		                             strcmp(le.u.protocol.station, e->stations[st].id) == 0;
		if (hit) {
			*found = true;
			*index = i;
			*covered = le.type == TALLY_LOG_RESULTS ? le.u.results.tree_size : 0;
			tally_hash_to_hex(&leaf, leaf_hex);
		}
		tally_free(bytes);
		if (hit)
			break;
	}
	return EXIT_OK;
}
