/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcv_int.h: what the files of src/core/rcv share: the ballot store's layout
 * (ballots.c), read by the count (count.c) and filled by the readers
 * (read.c).
 *
 * A pattern is one distinct ballot, kept once with its count. It is a run of
 * 16-bit marks in one arena, one per rank: a candidate index (below
 * RCV_GROUP) for a rank with one mark, RCV_SKIP for a rank with none, and
 * RCV_GROUP | k followed by the k candidate indexes (ascending) for an
 * overvote of k marks (k = 0: an overvote of unknown candidates). Patterns are found again through an open-addressing
 * table of their hashes, so adding a ballot that is already there only adds
 * to its count.
 */
#ifndef TALLY_RCV_INT_H
#define TALLY_RCV_INT_H

#include "core/core_int.h"
#include "tally/rcv.h"

#define RCV_SKIP 0xFFFFu
#define RCV_GROUP 0x8000u

typedef unsigned __int128 rcv_u128;

struct tally_rcv_ballots {
	/* candidates */
	uint32_t n_cand, cap_cand;
	char **ids, **names;
	tally__map by_id;
	/* patterns */
	uint16_t *marks;         /* the arena */
	uint64_t n_marks, cap_marks;
	uint64_t *off;           /* pattern p is marks[off[p] .. off[p+1]) */
	uint64_t *count;         /* ballots with pattern p */
	uint32_t n_pat, cap_pat;
	uint32_t *slots;         /* hash table: pattern index + 1, 0 empty */
	uint32_t *hash;          /* per pattern, its hash's low 32 bits */
	uint32_t n_slots;        /* a power of two */
	uint64_t n_ballots;
};

#endif
