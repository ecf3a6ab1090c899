/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c: unit tests of the SQLite store (src/store/store_sqlite.c):
 * creating, reopening and loading a database; double entry (pending,
 * agreement, conflict, third-entry and explicit resolution, corrections,
 * duplicates, refusals that store nothing); annulments; intraday turnout;
 * counting; bulk import; and the files that are not tally databases. Each
 * test builds a small Azerbaijani-style election in code (two
 * constituencies, four stations, the "az-mm" protocol template).
 */
#include "testutil.h"
#include "store/store.h"
#include "tally/sim.h"

#include <sqlite3.h>

/* ==== Fixture ==== */

typedef struct fixture {
	tally_election *e;
	tally_store *s;
	char path[256];
} fixture;

/* C1 (stations 0 and 1; candidates 0, 1, 2) and C2 (stations 2 and 3;
 * candidates 3, 4). */
static tally_election *make_election(bool double_entry)
{
	tally_template *t = NULL;
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	uint32_t members[2] = {1, 2};

	assert_int_equal(tally_template_preset("az-mm", &t, &err), TALLY_OK);
	assert_int_equal(tally_election_new("az-mm-2024", "Milli Majlis 2024", "2024-09-01",
	                                    "Central Election Commission", 2, t, &e),
	                 TALLY_OK);
	e->double_entry = double_entry;
	e->system.lot_seed = 0xFEDCBA9876543210ULL; /* above INT64_MAX on purpose */
	e->system.tie = TALLY_TIE_LOT;
	e->system.invalid_num = 1;
	e->system.invalid_den = 3;
	assert_int_equal(tally_election_add_contest(e, "mm", "Milli Majlis", NULL), TALLY_OK);
	assert_int_equal(tally_election_add_constituency(e, "C1", "Nasimi", 0, 1, 1, NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_constituency(e, "C2", "Yasamal", 0, 1, 1, NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_station(e, "S1", "School 1", 0, 1000,
	                                            TALLY_STATION_ORDINARY, "Baku", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_station(e, "S2", "School 2", 0, 1000,
	                                            TALLY_STATION_MOBILE, "Baku", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_station(e, "S3", "Hospital", 1, 1000,
	                                            TALLY_STATION_SPECIAL, "", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_station(e, "S4", "Embassy", 1, 1000,
	                                            TALLY_STATION_ABROAD, "Abroad", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_party(e, "yap", "New Azerbaijan Party", "YAP",
	                                          "#ff0000", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_party(e, "musavat", "Musavat", "MP", "", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_party(e, "apfp", "Popular Front", "APFP", "#00ff00",
	                                          NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_bloc(e, "opp", "Opposition", "OPP", "#0000ff",
	                                         members, 2, NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_candidate(e, "k1", "Aliyev", 0, TALLY_NOM_PARTY, 0,
	                                              "", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_candidate(e, "k2", "Mammadov", 0, TALLY_NOM_BLOC, 0,
	                                              "", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_candidate(e, "k3", "Huseynov", 0, TALLY_NOM_SELF,
	                                              TALLY_NONE, "", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_candidate(e, "k4", "Guliyev", 1, TALLY_NOM_PARTY, 1,
	                                              "", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_add_candidate(e, "k5", "Hasanova", 1,
	                                              TALLY_NOM_INITIATIVE, TALLY_NONE,
	                                              "Voters of Yasamal", NULL),
	                 TALLY_OK);
	assert_int_equal(tally_election_finish(e, &err), TALLY_OK);
	return e;
}

static int setup_with(void **state, bool double_entry)
{
	fixture *f = calloc(1, sizeof *f);
	tally_error err = TALLY_ERROR_INIT;

	if (!f)
		return -1;
	f->e = make_election(double_entry);
	tu_tmp_path(f->path, sizeof f->path, ".db");
	if (tally_store_create(f->path, f->e, &f->s, &err) != TALLY_OK) {
		fprintf(stderr, "create: %s %s\n", err.code, err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int setup(void **state) { return setup_with(state, true); }
static int setup_single(void **state) { return setup_with(state, false); }

static void remove_db(const char *path)
{
	char side[300];

	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

static int teardown(void **state)
{
	fixture *f = *state;

	tally_store_close(f->s);
	tally_election_free(f->e);
	remove_db(f->path);
	free(f);
	return 0;
}

/* ==== Protocols ==== */

static void set_line(const tally_election *e, tally_protocol *p, const char *key, uint64_t v)
{
	int i = tally_template_line(e->tmpl, key);

	assert_true(i >= 0);
	p->lines[i] = v;
}

/* A protocol of station "st" that passes every relation of az-mm: "votes"
 * per candidate slot, "inv" invalid ballots. */
static void fill(const tally_election *e, tally_protocol *p, uint32_t st, const uint64_t *votes,
                 uint64_t inv)
{
	uint64_t valid = 0;

	assert_int_equal(tally_protocol_init(p, e, st), TALLY_OK);
	for (uint32_t i = 0; i < p->n_cand; i++) {
		p->cand[i] = votes[i];
		valid += votes[i];
	}
	set_line(e, p, "voters_on_list", 1000);
	set_line(e, p, "ballots_received", 1000);
	set_line(e, p, "voters_received", valid + inv);
	set_line(e, p, "issued_outside", 10);
	set_line(e, p, "unused", 1000 - valid - inv);
	set_line(e, p, "cancelled", 0);
	set_line(e, p, "in_mobile", 5);
	set_line(e, p, "in_stationary", valid + inv - 5);
	set_line(e, p, "valid", valid);
	set_line(e, p, "invalid", inv);
}

static void entry(const tally_election *e, tally_entry *en, uint32_t st, const char *op,
                  const char *reason, const uint64_t *votes, uint64_t inv)
{
	memset(en, 0, sizeof *en);
	fill(e, &en->p, st, votes, inv);
	snprintf(en->operator_id, sizeof en->operator_id, "%s", op);
	snprintf(en->reason, sizeof en->reason, "%s", reason);
}

/* submit1 submits one entry and returns its outcome (the batch succeeds). */
static tally_submit_outcome submit1(fixture *f, uint32_t st, const char *op, const char *reason,
                                    const uint64_t *votes, uint64_t inv)
{
	tally_entry en;
	tally_submit_outcome o;
	tally_error err = TALLY_ERROR_INIT;

	entry(f->e, &en, st, op, reason, votes, inv);
	assert_int_equal(tally_store_submit(f->s, f->e, &en, 1, &o, &err), TALLY_OK);
	tally_protocol_release(&en.p);
	return o;
}

static size_t n_entries(fixture *f, uint32_t st)
{
	tally_entry_row *rows = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;

	assert_int_equal(tally_store_entries(f->s, f->e, st, &rows, &n, &err), TALLY_OK);
	tally_store_rows_free(rows, n);
	return n;
}

static const uint64_t V1[3] = {300, 200, 100};  /* station in C1 */
static const uint64_t V1b[3] = {299, 201, 100}; /* one vote moved */
static const uint64_t V1c[3] = {250, 250, 100};
static const uint64_t V2[2] = {400, 300};       /* station in C2 */
static const uint64_t V2b[2] = {401, 299};

/* ==== Create, reopen, load ==== */

static void test_create_reopen_load(void **state)
{
	fixture *f = *state;
	tally_election *e2 = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	tally_store_close(f->s);
	f->s = NULL;
	assert_int_equal(tally_store_open(f->path, &f->s, &err), TALLY_OK);
	if (tally_store_election(f->s, &e2, &err) != TALLY_OK)
		fail_msg("load: %s %s %s", err.code, err.where, err.msg);

	assert_string_equal(e2->id, "az-mm-2024");
	assert_string_equal(e2->name, "Milli Majlis 2024");
	assert_string_equal(e2->date, "2024-09-01");
	assert_string_equal(e2->body, "Central Election Commission");
	assert_int_equal(e2->seats, 2);
	assert_true(e2->double_entry);
	assert_string_equal(e2->system.rule, "plurality");
	assert_int_equal(e2->system.tie, TALLY_TIE_LOT);
	assert_true(e2->system.lot_seed == 0xFEDCBA9876543210ULL);
	assert_int_equal(e2->system.invalid_num, 1);
	assert_int_equal(e2->system.invalid_den, 3);
	assert_string_equal(e2->tmpl->preset, "az-mm");
	assert_int_equal(e2->tmpl->n_lines, f->e->tmpl->n_lines);
	assert_int_equal(e2->n_contests, 1);
	assert_int_equal(e2->n_constituencies, 2);
	assert_int_equal(e2->n_stations, 4);
	assert_int_equal(e2->n_parties, 3);
	assert_int_equal(e2->n_blocs, 1);
	assert_int_equal(e2->n_candidates, 5);
	for (uint32_t i = 0; i < 4; i++) {
		assert_string_equal(e2->stations[i].id, f->e->stations[i].id);
		assert_string_equal(e2->stations[i].name, f->e->stations[i].name);
		assert_string_equal(e2->stations[i].area, f->e->stations[i].area);
		assert_int_equal(e2->stations[i].constituency, f->e->stations[i].constituency);
		assert_int_equal(e2->stations[i].registered, 1000);
		assert_int_equal(e2->stations[i].type, f->e->stations[i].type);
	}
	assert_string_equal(e2->parties[1].abbrev, "MP");
	assert_string_equal(e2->parties[1].color, "");
	assert_int_equal(e2->blocs[0].n_members, 2);
	assert_int_equal(e2->blocs[0].members[0], 1);
	assert_int_equal(e2->blocs[0].members[1], 2);
	assert_int_equal(e2->candidates[1].nominator, TALLY_NOM_BLOC);
	assert_int_equal(e2->candidates[2].nominated_by, TALLY_NONE);
	assert_string_equal(e2->candidates[4].group, "Voters of Yasamal");
	assert_int_equal(e2->constituencies[1].n_candidates, 2);

	/* the canonical definition is the same byte for byte */
	assert_int_equal(tally_election_write(f->e, &a, &alen, &err), TALLY_OK);
	assert_int_equal(tally_election_write(e2, &b, &blen, &err), TALLY_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	tally_free(a);
	tally_free(b);

	/* the loaded model works with the store */
	tally_submit_outcome o;
	tally_entry en;
	entry(e2, &en, 0, "op1", "", V1, 10);
	assert_int_equal(tally_store_submit(f->s, e2, &en, 1, &o, &err), TALLY_OK);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_PEND);
	tally_protocol_release(&en.p);
	tally_election_free(e2);
}

/* ==== Double entry ==== */

static void test_pend_accept(void **state)
{
	fixture *f = *state;
	tally_submit_outcome o;
	tally_entry_row *rows = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;

	o = submit1(f, 0, "op1", "", V1, 10);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_PEND);
	assert_true(o.entry_id > 0);
	assert_int_equal(o.version, 0);

	/* the same operator again is refused and stores nothing */
	o = submit1(f, 0, "op1", "", V1, 10);
	assert_int_equal(o.status, TALLY_ECONFLICT);
	assert_string_equal(o.err.code, "P010");
	assert_int_equal(o.entry_id, 0);
	assert_int_equal(n_entries(f, 0), 1);

	o = submit1(f, 0, "op2", "", V1, 10);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_ACCEPT);
	assert_int_equal(o.version, 1);

	assert_int_equal(tally_store_entries(f->s, f->e, 0, &rows, &n, &err), TALLY_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(rows[i].state, TALLY_ENTRY_ACCEPTED);
		assert_int_equal(rows[i].version, 1);
		assert_int_equal(rows[i].station, 0);
		assert_int_equal(rows[i].p.cand[0], 300);
		assert_int_equal(strlen(rows[i].created), 20);
		assert_int_equal(rows[i].created[19], 'Z');
	}
	assert_string_equal(rows[0].operator_id, "op1");
	assert_string_equal(rows[1].operator_id, "op2");
	assert_true(rows[0].id < rows[1].id);
	tally_store_rows_free(rows, n);

	/* the same numbers once more: a duplicate, nothing stored */
	o = submit1(f, 0, "op3", "", V1, 10);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_DUPLICATE);
	assert_int_equal(o.entry_id, 0);
	assert_int_equal(n_entries(f, 0), 2);
	assert_int_equal(n_entries(f, TALLY_NONE), 2);
}

static void test_conflict_third_entry(void **state)
{
	fixture *f = *state;
	tally_submit_outcome o;
	tally_entry_row *rows = NULL;
	uint32_t *conf = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;

	o = submit1(f, 1, "op1", "", V1, 10);
	assert_int_equal(o.action, TALLY_ACT_PEND);
	o = submit1(f, 1, "op2", "", V1b, 10);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_CONFLICT);
	assert_int_equal(o.n_diff, 2);

	assert_int_equal(tally_store_conflicts(f->s, f->e, &conf, &n, &err), TALLY_OK);
	assert_int_equal(n, 1);
	assert_int_equal(conf[0], 1);
	tally_free(conf);

	/* an operator of the disputed entries cannot settle it */
	o = submit1(f, 1, "op1", "", V1b, 10);
	assert_int_equal(o.status, TALLY_ECONFLICT);
	assert_string_equal(o.err.code, "P010");
	/* a third that agrees with neither */
	o = submit1(f, 1, "op3", "", V1c, 10);
	assert_int_equal(o.status, TALLY_ECONFLICT);
	assert_string_equal(o.err.code, "P014");
	assert_int_equal(n_entries(f, 1), 2);

	/* a third that agrees with the second resolves */
	o = submit1(f, 1, "op3", "", V1b, 10);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_RESOLVE);
	assert_int_equal(o.version, 1);

	assert_int_equal(tally_store_entries(f->s, f->e, 1, &rows, &n, &err), TALLY_OK);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].state, TALLY_ENTRY_DISCARDED);
	assert_int_equal(rows[1].state, TALLY_ENTRY_ACCEPTED);
	assert_int_equal(rows[2].state, TALLY_ENTRY_ACCEPTED);
	tally_store_rows_free(rows, n);

	assert_int_equal(tally_store_conflicts(f->s, f->e, &conf, &n, &err), TALLY_OK);
	assert_int_equal(n, 0);
	tally_free(conf);
}

static void test_resolve(void **state)
{
	fixture *f = *state;
	tally_submit_outcome o;
	tally_entry_row *rows = NULL;
	tally_results *r = NULL;
	size_t n = 0;
	int64_t first = 0, second = 0;
	tally_error err = TALLY_ERROR_INIT;

	/* not in conflict */
	assert_int_equal(tally_store_resolve(f->s, f->e, 2, 0, "chair", &err), TALLY_ENOTFOUND);
	assert_string_equal(err.code, "P015");

	first = submit1(f, 2, "op1", "", V2, 0).entry_id;
	second = submit1(f, 2, "op2", "", V2b, 0).entry_id;
	assert_true(first > 0 && second > first);

	/* an id that is not one of the two */
	assert_int_equal(tally_store_resolve(f->s, f->e, 2, second + 100, "chair", &err),
	                 TALLY_ENOTFOUND);
	assert_string_equal(err.code, "P015");
	assert_int_equal(tally_store_resolve(f->s, f->e, 2, first, "", &err), TALLY_EINVAL);

	assert_int_equal(tally_store_resolve(f->s, f->e, 2, first, "chair", &err), TALLY_OK);
	assert_int_equal(tally_store_entries(f->s, f->e, 2, &rows, &n, &err), TALLY_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].state, TALLY_ENTRY_ACCEPTED);
	assert_int_equal(rows[1].state, TALLY_ENTRY_DISCARDED);
	tally_store_rows_free(rows, n);
	assert_int_equal(tally_store_resolve(f->s, f->e, 2, first, "chair", &err), TALLY_ENOTFOUND);
	assert_string_equal(err.code, "P015");

	/* discard both: the station is entered again from scratch */
	submit1(f, 3, "op1", "", V2, 0);
	o = submit1(f, 3, "op2", "", V2b, 0);
	assert_int_equal(o.action, TALLY_ACT_CONFLICT);
	assert_int_equal(tally_store_resolve(f->s, f->e, 3, 0, "chair", &err), TALLY_OK);
	assert_int_equal(tally_store_entries(f->s, f->e, 3, &rows, &n, &err), TALLY_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].state, TALLY_ENTRY_DISCARDED);
	assert_int_equal(rows[1].state, TALLY_ENTRY_DISCARDED);
	tally_store_rows_free(rows, n);
	o = submit1(f, 3, "op1", "", V2b, 0);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_PEND);

	/* the kept version is what counts */
	assert_int_equal(tally_store_count(f->s, f->e, &r, &err), TALLY_OK);
	assert_true(r->st[2].reported);
	assert_false(r->st[3].reported);
	assert_int_equal(r->cons[1].votes[0], 400);
	assert_int_equal(r->cons[1].votes[1], 300);
	tally_results_free(r);
}

static void test_correction(void **state)
{
	fixture *f = *state;
	tally_submit_outcome o;
	tally_entry_row *rows = NULL;
	tally_results *r = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;

	submit1(f, 0, "op1", "", V1, 10);
	assert_int_equal(submit1(f, 0, "op2", "", V1, 10).version, 1);

	/* a changed protocol without a reason */
	o = submit1(f, 0, "op1", "", V1c, 10);
	assert_int_equal(o.status, TALLY_ECONFLICT);
	assert_string_equal(o.err.code, "P011");
	assert_int_equal(n_entries(f, 0), 2);

	/* with a reason: a correction, entered twice like the first version */
	o = submit1(f, 0, "op1", "recount ordered by the DEC", V1c, 10);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_PEND);
	o = submit1(f, 0, "op2", "", V1c, 10);
	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_ACCEPT);
	assert_int_equal(o.version, 2);

	assert_int_equal(tally_store_entries(f->s, f->e, 0, &rows, &n, &err), TALLY_OK);
	assert_int_equal(n, 4);
	assert_int_equal(rows[2].version, 2);
	assert_string_equal(rows[2].reason, "recount ordered by the DEC");
	assert_int_equal(rows[3].state, TALLY_ENTRY_ACCEPTED);
	tally_store_rows_free(rows, n);

	assert_int_equal(tally_store_count(f->s, f->e, &r, &err), TALLY_OK);
	assert_int_equal(r->st[0].version, 2);
	assert_int_equal(r->cons[0].votes[0], 250);
	tally_results_free(r);
}

/* A batch: refused entries store nothing and do not stop the others; later
 * entries see earlier ones. */
static void test_batch_refused(void **state)
{
	fixture *f = *state;
	tally_entry en[4];
	tally_submit_outcome o[4];
	tally_error err = TALLY_ERROR_INIT;

	entry(f->e, &en[0], 0, "op1", "", V1, 10);
	entry(f->e, &en[1], 1, "op1", "", V1, 10);
	en[1].p.lines[tally_template_line(f->e->tmpl, "valid")] += 1; /* AZ02, AZ03 fail */
	entry(f->e, &en[2], 0, "op2", "", V1, 10);
	entry(f->e, &en[3], 0, "op2", "", V1, 10);
	en[3].p.station = 9; /* no such station */
	assert_int_equal(tally_store_submit(f->s, f->e, en, 4, o, &err), TALLY_OK);
	assert_int_equal(o[0].status, TALLY_OK);
	assert_int_equal(o[0].action, TALLY_ACT_PEND);
	assert_int_equal(o[1].status, TALLY_EREJECTED);
	assert_string_equal(o[1].err.code, "P009");
	assert_true(o[1].check.n_errors > 0);
	assert_int_equal(o[1].entry_id, 0);
	assert_int_equal(o[2].status, TALLY_OK);
	assert_int_equal(o[2].action, TALLY_ACT_ACCEPT);
	assert_int_equal(o[3].status, TALLY_ENOTFOUND);
	assert_string_equal(o[3].err.code, "P005");
	assert_int_equal(n_entries(f, 1), 0);
	assert_int_equal(n_entries(f, TALLY_NONE), 2);
	for (int i = 0; i < 3; i++)
		tally_protocol_release(&en[i].p);
	en[3].p.station = 0;
	tally_protocol_release(&en[3].p);

	/* a bad operator id is refused too */
	tally_submit_outcome o1 = submit1(f, 2, "bad operator", "", V2, 0);
	assert_int_equal(o1.status, TALLY_EINVAL);
	assert_string_equal(o1.err.code, "P016");
	assert_int_equal(n_entries(f, 2), 0);
}

static void test_single_entry(void **state)
{
	fixture *f = *state;
	tally_submit_outcome o = submit1(f, 0, "op1", "", V1, 10);

	assert_int_equal(o.status, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_ACCEPT);
	assert_int_equal(o.version, 1);
	o = submit1(f, 0, "op1", "typo", V1c, 10);
	assert_int_equal(o.action, TALLY_ACT_ACCEPT);
	assert_int_equal(o.version, 2);
}

/* ==== Annulment ==== */

static void test_annulments(void **state)
{
	fixture *f = *state;
	tally_annulment_row *rows = NULL;
	tally_results *r = NULL;
	tally_submit_outcome o;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;

	assert_int_equal(tally_store_annul_station(f->s, f->e, 3, "", "chair", &err), TALLY_EINVAL);
	assert_string_equal(err.code, "A002");
	assert_int_equal(tally_store_annul_station(f->s, f->e, 3, NULL, "chair", &err),
	                 TALLY_EINVAL);
	assert_string_equal(err.code, "A002");
	assert_int_equal(tally_store_annul_station(f->s, f->e, 99, "x", "chair", &err),
	                 TALLY_ENOTFOUND);

	submit1(f, 3, "op1", "", V2, 0);
	submit1(f, 3, "op2", "", V2, 0);
	submit1(f, 2, "op1", "", V2, 0);
	submit1(f, 2, "op2", "", V2, 0);
	assert_int_equal(tally_store_annul_station(f->s, f->e, 3, "court ruling 12/2024", "chair",
	                                           &err),
	                 TALLY_OK);
	assert_int_equal(tally_store_annul_station(f->s, f->e, 3, "again", "chair", &err),
	                 TALLY_ECONFLICT);
	assert_string_equal(err.code, "A001");
	assert_int_equal(tally_store_annul_constituency(f->s, f->e, 0, "CEC decision 7", "cec",
	                                                &err),
	                 TALLY_OK);
	assert_int_equal(tally_store_annul_constituency(f->s, f->e, 0, "again", "cec", &err),
	                 TALLY_ECONFLICT);
	assert_string_equal(err.code, "A001");

	assert_int_equal(tally_store_annulments(f->s, f->e, &rows, &n, &err), TALLY_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].kind, 0);
	assert_int_equal(rows[0].target, 3);
	assert_string_equal(rows[0].reason, "court ruling 12/2024");
	assert_string_equal(rows[0].who, "chair");
	assert_int_equal(rows[1].kind, 1);
	assert_int_equal(rows[1].target, 0);
	tally_free(rows);

	/* nothing can be entered at an annulled station or constituency */
	o = submit1(f, 3, "op3", "x", V2b, 0);
	assert_int_equal(o.status, TALLY_ECONFLICT);
	assert_string_equal(o.err.code, "P012");
	o = submit1(f, 0, "op1", "", V1, 10);
	assert_int_equal(o.status, TALLY_ECONFLICT);
	assert_string_equal(o.err.code, "P012");

	assert_int_equal(tally_store_count(f->s, f->e, &r, &err), TALLY_OK);
	assert_true(r->st[3].annulled);
	assert_true(r->cons[0].annulled);
	assert_false(r->st[2].annulled);
	tally_results_free(r);
}

/* ==== Turnout ==== */

static void test_turnout(void **state)
{
	fixture *f = *state;
	tally_turnout t[3] = {{0, 600, 100}, {0, 720, 200}, {1, 600, 50}};
	tally_turnout *all = NULL;
	size_t stored = 99, n = 0;
	tally_error err = TALLY_ERROR_INIT;

	assert_int_equal(tally_store_turnout_add(f->s, f->e, t, 3, &stored, &err), TALLY_OK);
	assert_int_equal(stored, 3);
	assert_int_equal(tally_store_turnout_add(f->s, f->e, t, 3, &stored, &err), TALLY_OK);
	assert_int_equal(stored, 0);

	/* falling turnout against a stored report: the whole batch is refused */
	tally_turnout bad[2] = {{1, 720, 80}, {0, 900, 150}};
	assert_int_equal(tally_store_turnout_add(f->s, f->e, bad, 2, &stored, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "T003");
	/* against an earlier report of the same batch */
	tally_turnout bad2[2] = {{2, 720, 80}, {2, 900, 70}};
	assert_int_equal(tally_store_turnout_add(f->s, f->e, bad2, 2, &stored, &err),
	                 TALLY_EINVAL);
	assert_string_equal(err.code, "T003");
	/* the same time with another number */
	tally_turnout bad3[1] = {{0, 600, 101}};
	assert_int_equal(tally_store_turnout_add(f->s, f->e, bad3, 1, &stored, &err),
	                 TALLY_ECONFLICT);
	assert_string_equal(err.code, "T004");
	tally_turnout bad4[1] = {{7, 600, 1}};
	assert_int_equal(tally_store_turnout_add(f->s, f->e, bad4, 1, &stored, &err),
	                 TALLY_ENOTFOUND);
	assert_string_equal(err.code, "T005");
	tally_turnout bad5[2] = {{3, 600, 10}, {3, 1440, 20}};
	assert_int_equal(tally_store_turnout_add(f->s, f->e, bad5, 2, &stored, &err),
	                 TALLY_EINVAL);
	assert_string_equal(err.code, "T001");
	tally_turnout bad6[1] = {{3, 600, 1001}};
	assert_int_equal(tally_store_turnout_add(f->s, f->e, bad6, 1, &stored, &err),
	                 TALLY_EINVAL);
	assert_string_equal(err.code, "T002");

	assert_int_equal(tally_store_turnout(f->s, f->e, &all, &n, &err), TALLY_OK);
	assert_int_equal(n, 3);
	assert_int_equal(all[0].station, 0);
	assert_int_equal(all[0].minute, 600);
	assert_int_equal(all[1].minute, 720);
	assert_int_equal(all[1].voters, 200);
	assert_int_equal(all[2].station, 1);
	tally_free(all);
}

/* ==== Count and import ==== */

static void test_count(void **state)
{
	fixture *f = *state;
	tally_results *r = NULL;
	tally_error err = TALLY_ERROR_INIT;

	assert_int_equal(tally_store_count(f->s, f->e, &r, &err), TALLY_OK);
	assert_int_equal(r->reported, 0);
	tally_results_free(r);

	for (uint32_t st = 0; st < 4; st++) {
		submit1(f, st, "op1", "", st < 2 ? V1 : V2, 10);
		submit1(f, st, "op2", "", st < 2 ? V1 : V2, 10);
	}
	submit1(f, 0, "op1", "fix", V1c, 10); /* a pending correction: version 1 counts */
	assert_int_equal(tally_store_count(f->s, f->e, &r, &err), TALLY_OK);
	assert_int_equal(r->reported, 4);
	assert_int_equal(r->st[0].version, 1);
	assert_int_equal(r->cons[0].votes[0], 600);
	assert_int_equal(r->cons[0].votes[2], 200);
	assert_int_equal(r->cons[1].votes[0], 800);
	assert_int_equal(r->cons[0].outcome, TALLY_OUT_ELECTED);
	tally_results_free(r);
}

static void test_import(void **state)
{
	fixture *f = *state;
	tally_protocol p[4];
	tally_results *r = NULL;
	tally_error err = TALLY_ERROR_INIT;

	for (uint32_t st = 0; st < 4; st++)
		fill(f->e, &p[st], st, st < 2 ? V1 : V2, 10);
	assert_int_equal(tally_store_import(f->s, f->e, p, 3, "bad id!", &err), TALLY_EINVAL);
	assert_int_equal(tally_store_import(f->s, f->e, p, 3, "importer", &err), TALLY_OK);
	/* an import is accepted versions, not operators' entries */
	assert_int_equal(n_entries(f, TALLY_NONE), 0);
	assert_int_equal(tally_store_count(f->s, f->e, &r, &err), TALLY_OK);
	assert_int_equal(r->reported, 3);
	tally_results_free(r);

	/* a station imported already: the import is refused whole */
	assert_int_equal(tally_store_import(f->s, f->e, p + 2, 2, "importer", &err),
	                 TALLY_ECONFLICT);
	assert_string_equal(err.code, "S005");
	assert_string_equal(err.where, "S3");
	assert_int_equal(tally_store_import(f->s, f->e, p + 3, 1, "importer", &err), TALLY_OK);

	assert_int_equal(tally_store_count(f->s, f->e, &r, &err), TALLY_OK);
	assert_int_equal(r->reported, 4);
	assert_int_equal(r->st[1].version, 1);
	assert_int_equal(r->cons[0].votes[1], 400);
	tally_results_free(r);

	/* an imported station takes corrections like any other */
	tally_submit_outcome o = submit1(f, 0, "op1", "", V1c, 10);
	assert_string_equal(o.err.code, "P011");
	o = submit1(f, 0, "op1", "recount", V1c, 10);
	assert_int_equal(o.action, TALLY_ACT_PEND);
	o = submit1(f, 0, "op2", "", V1c, 10);
	assert_int_equal(o.action, TALLY_ACT_ACCEPT);
	assert_int_equal(o.version, 2);
	/* an imported station that has entries cannot be imported over */
	assert_int_equal(tally_store_import(f->s, f->e, p, 1, "importer", &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "S005");
	for (uint32_t st = 0; st < 4; st++)
		tally_protocol_release(&p[st]);
}

static void test_import_conflict(void **state)
{
	fixture *f = *state;
	tally_protocol p[2];
	tally_error err = TALLY_ERROR_INIT;

	submit1(f, 1, "op1", "", V1, 10); /* pending only */
	fill(f->e, &p[0], 0, V1, 10);
	fill(f->e, &p[1], 1, V1, 10);
	assert_int_equal(tally_store_import(f->s, f->e, p, 2, "importer", &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "S005");
	assert_string_equal(err.where, "S2");
	/* the same station twice in one import */
	p[1].station = 0;
	assert_int_equal(tally_store_import(f->s, f->e, p, 2, "importer", &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "S005");
	p[1].station = 1;
	/* both refused whole: station 0 was rolled back each time */
	tally_results *r = NULL;
	assert_int_equal(tally_store_count(f->s, f->e, &r, &err), TALLY_OK);
	assert_int_equal(r->reported, 0);
	tally_results_free(r);
	assert_int_equal(n_entries(f, TALLY_NONE), 1);
	tally_protocol_release(&p[0]);
	tally_protocol_release(&p[1]);
}

/* ==== Bulk paths (several rows per statement) ==== */

#define BIG 150

static tally_election *make_big(void)
{
	tally_template *t = NULL;
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char id[32];

	assert_int_equal(tally_template_preset("az-mm", &t, &err), TALLY_OK);
	assert_int_equal(tally_election_new("big", "Big", "2024-09-01", "CEC", 2, t, &e), TALLY_OK);
	assert_int_equal(tally_election_add_contest(e, "mm", "Milli Majlis", NULL), TALLY_OK);
	assert_int_equal(tally_election_add_constituency(e, "C1", "One", 0, 1, 1, NULL), TALLY_OK);
	assert_int_equal(tally_election_add_constituency(e, "C2", "Two", 0, 1, 1, NULL), TALLY_OK);
	for (uint32_t c = 0; c < 2; c++)
		for (uint32_t k = 0; k < 3; k++) {
			snprintf(id, sizeof id, "k%u-%u", c, k);
			assert_int_equal(tally_election_add_candidate(e, id, id, c, TALLY_NOM_SELF,
			                                              TALLY_NONE, "", NULL),
			                 TALLY_OK);
		}
	for (uint32_t i = 0; i < BIG; i++) {
		snprintf(id, sizeof id, "st-%u", i);
		assert_int_equal(tally_election_add_station(e, id, id, i % 2, 1000,
		                                            TALLY_STATION_ORDINARY, "", NULL),
		                 TALLY_OK);
	}
	assert_int_equal(tally_election_finish(e, &err), TALLY_OK);
	return e;
}

static void test_bulk(void **state)
{
	(void)state;
	tally_election *e = make_big(), *e2 = NULL;
	tally_store *s = NULL;
	tally_protocol p[BIG];
	tally_results *r = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char path[256], *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	tu_tmp_path(path, sizeof path, ".db");
	assert_int_equal(tally_store_create(path, e, &s, &err), TALLY_OK);
	tally_store_close(s);
	s = NULL;
	assert_int_equal(tally_store_open(path, &s, &err), TALLY_OK);
	assert_int_equal(tally_store_election(s, &e2, &err), TALLY_OK);
	assert_int_equal(tally_election_write(e, &a, &alen, &err), TALLY_OK);
	assert_int_equal(tally_election_write(e2, &b, &blen, &err), TALLY_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	tally_free(a);
	tally_free(b);

	for (uint32_t i = 0; i < BIG; i++)
		fill(e, &p[i], i, V1, i % 5);

	/* a station twice inside one batch: refused whole, naming the station */
	p[100].station = 70;
	assert_int_equal(tally_store_import(s, e2, p, 130, "importer", &err), TALLY_ECONFLICT);
	assert_string_equal(err.code, "S005");
	assert_string_equal(err.where, "st-70");
	p[100].station = 100;
	assert_int_equal(tally_store_count(s, e2, &r, &err), TALLY_OK);
	assert_int_equal(r->reported, 0);
	tally_results_free(r);

	/* two full batches and a remainder, then the rest */
	assert_int_equal(tally_store_import(s, e2, p, 130, "importer", &err), TALLY_OK);
	assert_int_equal(tally_store_import(s, e2, p + 120, 30, "importer", &err),
	                 TALLY_ECONFLICT);
	assert_string_equal(err.where, "st-120");
	assert_int_equal(tally_store_import(s, e2, p + 130, BIG - 130, "importer", &err),
	                 TALLY_OK);
	assert_int_equal(tally_store_count(s, e2, &r, &err), TALLY_OK);
	assert_int_equal(r->reported, BIG);
	assert_int_equal(r->cons[0].votes[0], 300 * BIG / 2);
	assert_int_equal(r->st[149].version, 1);
	tally_results_free(r);

	for (uint32_t i = 0; i < BIG; i++)
		tally_protocol_release(&p[i]);
	tally_store_close(s);
	tally_election_free(e2);
	tally_election_free(e);
	remove_db(path);
}

/* A template written out in full (no preset) is stored and read back. */
static void test_custom_template(void **state)
{
	(void)state;
	tally_election *e = make_election(true), *e2 = NULL;
	tally_store *s = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char path[256], *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	tally_free(e->tmpl->preset);
	e->tmpl->preset = NULL;
	tu_tmp_path(path, sizeof path, ".db");
	assert_int_equal(tally_store_create(path, e, &s, &err), TALLY_OK);
	assert_int_equal(tally_store_election(s, &e2, &err), TALLY_OK);
	assert_null(e2->tmpl->preset);
	assert_int_equal(e2->tmpl->n_relations, e->tmpl->n_relations);
	assert_int_equal(tally_election_write(e, &a, &alen, &err), TALLY_OK);
	assert_int_equal(tally_election_write(e2, &b, &blen, &err), TALLY_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	tally_free(a);
	tally_free(b);
	tally_store_close(s);
	tally_election_free(e2);
	tally_election_free(e);
	remove_db(path);
}

/* ==== Out of memory: a failed submit stores nothing ==== */

static long fail_at = -1, n_alloc;

static void *f_malloc(size_t n, void *ud)
{
	(void)ud;
	return fail_at >= 0 && n_alloc++ == fail_at ? NULL : malloc(n);
}

static void *f_realloc(void *p, size_t n, void *ud)
{
	(void)ud;
	return fail_at >= 0 && n_alloc++ == fail_at ? NULL : realloc(p, n);
}

static void f_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

static void test_oom_submit(void **state)
{
	fixture *f = *state;
	const tally_allocator failing = {f_malloc, f_realloc, f_free, NULL};
	tally_entry en;
	tally_submit_outcome o;
	tally_error err = TALLY_ERROR_INIT;
	int rc = TALLY_ENOMEM;
	long n = 0;

	assert_int_equal(submit1(f, 0, "op1", "", V1, 10).action, TALLY_ACT_PEND);
	entry(f->e, &en, 0, "op2", "", V1, 10);
	for (n = 0; n < 100 && rc == TALLY_ENOMEM; n++) {
		fail_at = n;
		n_alloc = 0;
		tally_set_allocator(&failing);
		rc = tally_store_submit(f->s, f->e, &en, 1, &o, &err);
		tally_set_allocator(NULL);
		fail_at = -1;
		if (rc == TALLY_ENOMEM) {
			tally_entry_row *rows = NULL;
			size_t k = 0;

			assert_int_equal(tally_store_entries(f->s, f->e, 0, &rows, &k, &err), TALLY_OK);
			assert_int_equal(k, 1);
			assert_int_equal(rows[0].state, TALLY_ENTRY_PENDING);
			tally_store_rows_free(rows, k);
		}
	}
	assert_true(n > 1); /* some allocation did fail */
	assert_int_equal(rc, TALLY_OK);
	assert_int_equal(o.action, TALLY_ACT_ACCEPT);
	tally_protocol_release(&en.p);
}

/* ==== Wrong election and bad files ==== */

static void test_wrong_election(void **state)
{
	fixture *f = *state;
	tally_election *other = make_election(true);
	tally_results *r = NULL;
	tally_error err = TALLY_ERROR_INIT;

	other->id[0] = 'x'; /* same shape, another election */
	assert_int_equal(tally_store_count(f->s, other, &r, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "S008");
	tally_election_free(other);
}

static void test_bad_files(void **state)
{
	fixture *f = *state;
	tally_store *s = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char path[256];
	FILE *fp = NULL;
	sqlite3 *db = NULL;
	size_t len = 0;
	char *text = NULL;

	/* S001: missing */
	tu_tmp_path(path, sizeof path, ".db");
	assert_int_equal(tally_store_open(path, &s, &err), TALLY_ENOTFOUND);
	assert_string_equal(err.code, "S001");
	assert_null(s);

	/* S002: create over a non-empty file, which stays as it was */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("precious\n", fp);
	fclose(fp);
	assert_int_equal(tally_store_create(path, f->e, &s, &err), TALLY_EEXIST);
	assert_string_equal(err.code, "S002");
	text = tu_read_file(path, &len);
	assert_non_null(text);
	assert_string_equal(text, "precious\n");
	free(text);
	/* create over the existing database */
	assert_int_equal(tally_store_create(f->path, f->e, &s, &err), TALLY_EEXIST);

	/* S003: a text file, and an SQLite file that is not ours */
	assert_int_equal(tally_store_open(path, &s, &err), TALLY_ESTORE);
	assert_string_equal(err.code, "S003");
	text = tu_read_file(path, &len);
	assert_string_equal(text, "precious\n");
	free(text);
	unlink(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tally_store_open(path, &s, &err), TALLY_ESTORE);
	assert_string_equal(err.code, "S003");
	remove_db(path);
	/* an empty file is not a tally database either, but may be created over */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(tally_store_open(path, &s, &err), TALLY_ESTORE);
	assert_string_equal(err.code, "S003");
	assert_int_equal(tally_store_create(path, f->e, &s, &err), TALLY_OK);
	tally_store_close(s);
	s = NULL;
	remove_db(path);

	/* a failed create leaves no file behind */
	assert_int_equal(tally_store_create("/nonexistent-dir/x.db", f->e, &s, &err), TALLY_ESTORE);
	assert_string_equal(err.code, "S004");
	assert_int_equal(access("/nonexistent-dir/x.db", F_OK), -1);

	tally_store_close(NULL);
}

/* A database written by another schema version is refused. */
static void test_schema_version(void **state)
{
	fixture *f = *state;
	tally_store *s = NULL;
	sqlite3 *db = NULL;
	tally_error err = TALLY_ERROR_INIT;

	tally_store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tally_store_open(f->path, &s, &err), TALLY_ESTORE);
	assert_string_equal(err.code, "S003");
	assert_non_null(strstr(err.msg, "schema version 99"));
}

/* A database of schema 2 (log format tally/v1) is refused with what to do,
 * and left as it was. */
static void test_schema_2(void **state)
{
	fixture *f = *state;
	tally_store *s = NULL;
	sqlite3 *db = NULL;
	tally_error err = TALLY_ERROR_INIT;

	tally_store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tally_store_open(f->path, &s, &err), TALLY_ESTORE);
	assert_string_equal(err.code, "S003");
	assert_non_null(strstr(err.msg, "log format tally/v1"));
	assert_non_null(strstr(err.msg, "cannot be converted"));
}

/* A definition over 61,440 bytes is logged by hash, its body stored beside
 * the log in the same transaction: listed under entry 0, read back by its
 * SHA-256, refused when altered (L018) or unknown (S007). */
static void test_log_bodies(void **state)
{
	(void)state;
	tally_sim_options o;
	tally_sim *sim = NULL;
	tally_store *s = NULL;
	tally_error err = TALLY_ERROR_INIT;
	tally_log_body_row *rows = NULL;
	size_t n = 0, len = 0, blen = 0;
	uint8_t *entry = NULL, *body = NULL;
	uint64_t first = 99;
	tally_log_entry le;
	tally_hash unknown;
	char path[] = "/tmp/tally-test-bodies-XXXXXX";
	int fd = mkstemp(path);
	sqlite3 *db = NULL;

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	tally_sim_options_default(&o);
	o.seed = 3;
	o.constituencies = 2;
	o.stations = 400;
	assert_int_equal(tally_simulate(&o, &sim, &err), TALLY_OK);
	assert_int_equal(tally_store_create(path, sim->e, &s, &err), TALLY_OK);
	assert_int_equal(tally_store_log_bodies(s, &rows, &n, &err), TALLY_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].idx, 0);
	assert_int_equal(tally_store_log_entry(s, 0, &entry, &len, NULL, &err), TALLY_OK);
	assert_true(len <= TALLY_LOG_MAX_ENTRY_BYTES);
	assert_int_equal(tally_log_entry_decode(entry, len, &le, &err), TALLY_OK);
	assert_true(le.u.definition.definition.by_hash);
	assert_true(tally_hash_equal(&le.u.definition.definition.hash, &rows[0].hash));
	assert_int_equal(tally_store_log_body(s, &rows[0].hash, &body, &blen, &first, &err), TALLY_OK);
	assert_int_equal(first, 0);
	assert_true(blen > TALLY_LOG_INLINE_MAX);
	assert_int_equal(tally_log_bytes_attach(&le.u.definition.definition, body, blen, &err),
	                 TALLY_OK);
	tally_free(body);
	body = NULL;
	memset(unknown.b, 0, sizeof unknown.b);
	assert_int_equal(tally_store_log_body(s, &unknown, &body, &blen, NULL, &err), TALLY_ENOTFOUND);
	assert_string_equal(err.code, "S007");
	tally_store_close(s);
	s = NULL;
	/* one byte of the stored body changed */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE log_bodies SET body = CAST(replace(CAST(body AS TEXT),"
	                                  " 'C001', 'C00X') AS BLOB)", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tally_store_open(path, &s, &err), TALLY_OK);
	assert_int_equal(tally_store_log_body(s, &rows[0].hash, &body, &blen, NULL, &err), TALLY_ESTORE);
	assert_string_equal(err.code, "L018");
	assert_null(body);
	tally_store_close(s);
	tally_free(rows);
	tally_free(entry);
	tally_sim_free(sim);
	unlink(path);
}

/* Indexes out of range from a caller are refused with S007. */
static void test_index_out_of_range(void **state)
{
	fixture *f = *state;
	tally_error err = TALLY_ERROR_INIT;
	tally_entry_row *rows = NULL;
	size_t n = 0;

	assert_int_equal(tally_store_entries(f->s, f->e, f->e->n_stations + 5, &rows, &n, &err),
	                 TALLY_ENOTFOUND);
	assert_string_equal(err.code, "S007");
	tally_error_clear(&err);
	int rc = tally_store_annul_station(f->s, f->e, f->e->n_stations, "a reason", "cec", &err);
	assert_int_not_equal(rc, TALLY_OK);
	assert_string_equal(err.code, "S007");
}

/* A new database appears whole or not at all: a failed create leaves no
 * file, not even the temporary one. */
static void test_create_atomic(void **state)
{
	(void)state;
	tally_election *e = make_election(true);
	tally_store *s = NULL;
	tally_error err = TALLY_ERROR_INIT;
	assert_int_equal(tally_store_create("/nonexistent-dir/x.db", e, &s, &err), TALLY_ESTORE);
	assert_string_equal(err.code, "S004");
	assert_int_equal(access("/nonexistent-dir/x.db", F_OK), -1);
	char path[256];
	tu_tmp_path(path, sizeof path, ".db");
	FILE *fp = fopen(path, "w"); /* an empty file may be replaced */
	fclose(fp);
	assert_int_equal(tally_store_create(path, e, &s, &err), TALLY_OK);
	tally_store_close(s);
	assert_int_equal(tally_store_create(path, e, &s, &err), TALLY_EEXIST);
	assert_string_equal(err.code, "S002");
	char tmp[300];
	snprintf(tmp, sizeof tmp, "%s.creating.%ld", path, (long)getpid());
	assert_int_equal(access(tmp, F_OK), -1);
	unlink(path);
	char side[300];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	tally_election_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_reopen_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pend_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_third_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_correction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_entry, setup_single, teardown),
		cmocka_unit_test_setup_teardown(test_annulments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_turnout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_conflict, setup, teardown),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_custom_template),
		cmocka_unit_test_setup_teardown(test_oom_submit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_election, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_2, setup, teardown),
		cmocka_unit_test(test_log_bodies),
		cmocka_unit_test_setup_teardown(test_index_out_of_range, setup, teardown),
		cmocka_unit_test(test_create_atomic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
