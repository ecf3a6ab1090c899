/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model_int.h: the private part of tally_election: id indexes, the string
 * arena that owns the model's strings, and the first duplicate id seen
 * while building (reported by tally_election_finish).
 */
#ifndef TALLY_MODEL_INT_H
#define TALLY_MODEL_INT_H

#include "core_int.h"

typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
} arena_block;

enum { K_CONTEST, K_CONSTITUENCY, K_STATION, K_PARTY, K_BLOC, K_CANDIDATE, K_KINDS };

typedef struct model_priv {
	arena_block *arena;
	tally__map maps[K_KINDS];
	uint32_t caps[K_KINDS];
	int dup_kind;          /* -1 when no duplicate */
	uint32_t dup_index;
	int oom;               /* an add failed for lack of memory */
	uint32_t *cons_lists;  /* storage for the per-constituency index lists */
	bool finished;
} model_priv;

char *tally__model_strdup(tally_election *e, const char *s);

/* tally__election_parse_canonical reads a definition in exactly the layout
 * tally_election_write gives (model.c) without a JSON tree; TALLY_OK with
 * "*out" as tally_election_parse would give it, or TALLY_EINVAL /
 * TALLY_ENOMEM for anything else, which the full parser then reads. */
int tally__election_parse_canonical(const char *buf, size_t len, tally_election **out);

#endif
