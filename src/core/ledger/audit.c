/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c: the auditor behind `tally verify` (docs/log-format.md, "What
 * tally verify checks"). From a dump and the CEC's public key alone it
 * re-derives the log: leaf hashes, the tree, every checkpoint's signature
 * and root; then it replays the entries in order as the store wrote them
 * (the definition, key registrations, accepted protocol versions,
 * annulments, results statements) and recomputes each results statement
 * from the latest valid protocol of every station at the tree size the
 * statement names. A field logged by hash is read from its body in the dump
 * once the body is found to give the logged SHA-256 and length (V018).
 * Each finding goes to the caller's callback with a code V001-V018; the
 * auditor itself never stops at the first problem, so one run describes
 * everything that is wrong.
 */
#include "tally/audit.h"
#include "tally/model.h"
#include "tally/protocol.h"
#include "core/ledger/ledger_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* What the replay keeps of one logged protocol version: the versions of
 * a station form a chain through one shared vector ("next", NO_SEEN at the
 * end), so a million stations cost one growing array, not a million small
 * allocations. */
#define NO_SEEN UINT32_MAX

typedef struct version_seen {
	uint64_t version;
	uint64_t index;     /* the log entry */
	const uint8_t *body; /* the submitted bytes (in the dump, which outlives the replay) */
	size_t len;
	uint32_t next;
} version_seen;

typedef struct station_state {
	bool has_key, has_valid, annulled;
	uint8_t pub[32];
	uint64_t key_index;
	uint64_t latest;          /* highest version logged */
	uint64_t valid_version;   /* version of "valid" */
	tally_protocol valid;     /* the latest valid protocol */
	uint32_t seen;            /* first of the chain of versions seen, or NO_SEEN */
} station_state;

typedef struct pending_statement {
	uint64_t index, tree_size;
	const uint8_t *text;
	size_t len;
} pending_statement;

typedef struct audit {
	const tally_audit_input *in;
	tally_audit_report report;
	void *ctx;
	tally_audit_summary *sum;
	tally_election *e;
	station_state *st;
	version_seen *seen;        /* every station's chain of versions */
	uint32_t n_seen, cap_seen;
	bool *cons_annulled;
	tally_hash *leaf;          /* computed leaf hash of every dump entry */
	uint8_t *info;             /* INFO_TYPE and INFO_HALF of every dump entry */
	tally_merkle_tree *tree;
	/* the definition of entry 0, read while the leaves are hashed and
	 * reported by the replay in its place */
	int def_rc;                /* DEF_NONE: entry 0 is not a readable definition */
	tally_error def_err;
	char def_election[TALLY_MAX_ID_LEN + 1];
	/* the dump's bodies: whether each gives the SHA-256 its line names, and
	 * their keys sorted by that hash (read only once the replay starts, so
	 * the two replay threads share them) */
	bool *body_ok;
	struct body_key *body_by_hash;
	int oom;
} audit;

#define DEF_NONE 1

/* "entry K (dump line L)", formatted only when a finding needs it: a
 * million entries without findings should cost no printf */
typedef struct entry_where {
	size_t k, line;
	bool done;
	char s[96];
} entry_where;

static const char *W(entry_where *w)
{
	if (!w->done) {
		snprintf(w->s, sizeof w->s, "entry %zu (dump line %zu)", w->k, w->line);
		w->done = true;
	}
	return w->s;
}

static void phase(const audit *a, const char *name)
{
	if (a->in->phase)
		a->in->phase(a->in->phase_ctx, name);
}

static void find(audit *a, tally_finding_kind kind, const char *code, const char *where,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void find(audit *a, tally_finding_kind kind, const char *code, const char *where,
                 const char *fmt, ...)
{
	tally_finding f;
	va_list ap;

	memset(&f, 0, sizeof f);
	f.kind = kind;
	f.code = code;
	snprintf(f.where, sizeof f.where, "%s", where);
	va_start(ap, fmt);
	vsnprintf(f.msg, sizeof f.msg, fmt, ap);
	va_end(ap);
	if (kind == TALLY_FINDING_PROBLEM)
		a->sum->problems++;
	a->report(a->ctx, &f);
}

/* ==== Checkpoints ==== */

typedef struct good_cp {
	uint64_t size;
	tally_hash root;
	char where[64];
	bool old;
} good_cp;

/* check_note opens one checkpoint note; on success fills "cp" and returns
 * true. */
static bool check_note(audit *a, const char *text, size_t len, const char *where,
                       tally_checkpoint *cp)
{
	tally_note note;
	tally_error err = TALLY_ERROR_INIT;

	memset(&note, 0, sizeof note);
	if (tally_note_open(text, len, a->in->cec, 1, &note, &err) != TALLY_OK) {
		find(a, TALLY_FINDING_PROBLEM, "V002", where,
		     "the checkpoint is not validly signed by the CEC key '%s': %s [%s]",
		     a->in->cec->name, err.msg, err.code);
		return false;
	}
	if (tally_checkpoint_parse(text, note.text_len, cp, &err) != TALLY_OK) {
		find(a, TALLY_FINDING_PROBLEM, "V002", where, "the signed text is not a checkpoint: %s",
		     err.msg);
		return false;
	}
	if (strcmp(cp->origin, a->in->cec->name) != 0) {
		find(a, TALLY_FINDING_PROBLEM, "V002", where,
		     "the checkpoint is for the log '%s', not for '%s'", cp->origin, a->in->cec->name);
		return false;
	}
	return true;
}

static void b64_of(const tally_hash *h, char out[45])
{
	tally_hash_to_base64(h, out);
}

/* check_checkpoints verifies every checkpoint of the dump and every old
 * one against the tree of the dump's entries, and looks for split views. */
static void check_checkpoints(audit *a)
{
	const tally_dump *d = a->in->dump;
	size_t total = d->n_checkpoints + a->in->n_old, n_good = 0;
	good_cp *good = tally_calloc(total + 1, sizeof *good);
	uint64_t size = tally_merkle_tree_size(a->tree);

	if (!good) {
		a->oom = 1;
		return;
	}
	for (size_t i = 0; i < total; i++) {
		bool old = i >= d->n_checkpoints;
		const char *text = old ? a->in->old_notes[i - d->n_checkpoints] : d->checkpoints[i].text;
		size_t len = old ? a->in->old_lens[i - d->n_checkpoints] : d->checkpoints[i].len;
		char where[64];
		tally_checkpoint cp;
		tally_hash root;

		memset(&cp, 0, sizeof cp);
		if (old)
			snprintf(where, sizeof where, "earlier checkpoint %zu", i - d->n_checkpoints + 1);
		else
			snprintf(where, sizeof where, "checkpoint at dump line %zu", d->checkpoints[i].line);
		if (!check_note(a, text, len, where, &cp))
			continue;
		a->sum->checkpoints += !old;
		good[n_good].size = cp.size;
		good[n_good].root = cp.root;
		good[n_good].old = old;
		snprintf(good[n_good].where, sizeof good[n_good].where, "%s", where);
		n_good++;
		if (cp.size > size) {
			find(a, TALLY_FINDING_PROBLEM, "V003", where,
			     "the checkpoint signs a tree of %llu entries but the dump holds only %llu: "
			     "entries are missing from the dump",
			     (unsigned long long)cp.size, (unsigned long long)size);
			continue;
		}
		if (cp.size == 0)
			tally_merkle_empty_root(&root);
		else if (tally_merkle_tree_root(a->tree, cp.size, &root, NULL) != TALLY_OK)
			continue;
		if (!tally_hash_equal(&root, &cp.root)) {
			char want[45], got[45];

			b64_of(&cp.root, want);
			b64_of(&root, got);
			find(a, TALLY_FINDING_PROBLEM, old ? "V004" : "V003", where,
			     old ? "the log does not extend this earlier checkpoint: its first %llu "
			           "entries give the root %s, the checkpoint signed %s (history was "
			           "rewritten, or two views of the log were shown)"
			         : "the first %llu entries of the dump give the root %s, the checkpoint "
			           "signed %s: an entry was altered, removed, added or moved",
			     (unsigned long long)cp.size, got, want);
			continue;
		}
		if (cp.size > a->sum->verified_size)
			a->sum->verified_size = cp.size;
	}
	/* two signed checkpoints of one size with two roots: a split view,
	 * whatever the entries say */
	for (size_t i = 0; i < n_good; i++)
		for (size_t j = i + 1; j < n_good; j++)
			if (good[i].size == good[j].size && !tally_hash_equal(&good[i].root, &good[j].root))
				find(a, TALLY_FINDING_PROBLEM, "V004", good[j].where,
				     "split view: the CEC signed two different trees of %llu entries (%s "
				     "and this one); the log showed different histories to different readers",
				     (unsigned long long)good[i].size, good[i].where);
	if (d->n && a->sum->verified_size == 0)
		find(a, TALLY_FINDING_PROBLEM, "V003", "log",
		     "no checkpoint signed by the CEC matches the entries: nothing in the dump is "
		     "proven to be what the CEC published");
	else if (a->sum->verified_size < d->n)
		find(a, TALLY_FINDING_INFO, "V003", "log",
		     "entries %llu to %llu come after the latest signed checkpoint (%llu entries); "
		     "they are checked, but not yet signed",
		     (unsigned long long)a->sum->verified_size, (unsigned long long)d->n - 1,
		     (unsigned long long)a->sum->verified_size);
	tally_free(good);
}

/* ==== Entries: order, hashes, the tree ==== */

/* The leaf hashes, the tree's nodes and a first decoding of every entry
 * are computed by two threads taking blocks of 2^BLOCK_LOG2 consecutive
 * entries in turn: blocks aligned so, each block's part of the tree
 * (RFC 9162 2.1.1, perfect subtrees) lies within the block. A worker only
 * reads the dump and writes its own blocks' slots of "leaf", "info" and
 * the tree (the decoding allocates and frees through the allocator hook);
 * the findings come afterwards, in log order, from the calling thread. A
 * log of fewer than two blocks is done on the calling thread. */
#define BLOCK_LOG2 10u

/* info[k]: what the first decoding of entry k found: its type (0: it
 * cannot be decoded), and the half of the stations it belongs to in the
 * replay (INFO_HALF) */
#define INFO_TYPE 7u
#define INFO_HALF 8u
#define INFO_BLOB 16u   /* the entry logs a field by hash */

typedef struct hash_job {
	const tally_dump *d;
	tally_hash *leaf;
	uint8_t *info;
	tally_merkle_tree *tree;
	size_t n_blocks;
	atomic_size_t next;
} hash_job;

/* station_half splits the stations in two by a hash of the station's id
 * (FNV-1a): each station's entries all go to one replay thread, whatever
 * the definition says, since only the id is known here */
static uint8_t station_half(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return (h >> 16) & 1 ? INFO_HALF : 0;
}

static uint8_t info_of(tally_log_entry *le)
{
	const tally_log_bytes *blob = tally_log_entry_blob(le);
	uint8_t b = blob && blob->by_hash ? INFO_BLOB : 0;

	switch (le->type) {
	case TALLY_LOG_KEY: return (uint8_t)(le->type | station_half(le->u.key.station));
	case TALLY_LOG_PROTOCOL:
		return (uint8_t)(le->type | b | station_half(le->u.protocol.station));
	case TALLY_LOG_ANNULMENT:
		if (le->u.annulment.kind == 0)
			return (uint8_t)(le->type | station_half(le->u.annulment.target));
		return (uint8_t)le->type;
	default: return (uint8_t)(le->type | b);
	}
}

static uint8_t entry_info(const tally_dump_entry *de)
{
	tally_log_entry le;

	if (tally_log_entry_decode(de->bytes, de->len, &le, NULL) != TALLY_OK)
		return 0;
	return info_of(&le);
}

static void hash_blocks(hash_job *j)
{
	size_t c;

	while ((c = atomic_fetch_add(&j->next, 1)) < j->n_blocks) {
		size_t lo = c << BLOCK_LOG2, hi = lo + ((size_t)1 << BLOCK_LOG2);

		if (hi > j->d->n)
			hi = j->d->n;
		for (size_t k = lo; k < hi; k++) {
			tally_merkle_leaf_hash(j->d->entries[k].bytes, j->d->entries[k].len, &j->leaf[k]);
			j->info[k] = entry_info(&j->d->entries[k]);
		}
		ledger__merkle_tree_fill(j->tree, j->leaf, lo, hi - lo);
	}
}

static void *hash_worker(void *arg)
{
	hash_blocks(arg);
	return NULL;
}

/* ==== Bodies of fields logged by hash ==== */

static int hash_cmp(const tally_hash *x, const tally_hash *y)
{
	return memcmp(x->b, y->b, TALLY_HASH_SIZE);
}

/* A body of the dump by the hash its line names, for the sorted index. */
typedef struct body_key {
	tally_hash hash;
	size_t line, i;
} body_key;

static int body_cmp(const void *x, const void *y)
{
	const body_key *a = x, *b = y;
	int c = hash_cmp(&a->hash, &b->hash);

	return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* check_bodies hashes every body of the dump (V018 for one whose bytes do
 * not give the hash its line names, or a hash given twice) and sorts them
 * by hash for find_body. Runs before the definition is read: a large
 * definition is itself a body. */
static void check_bodies(audit *a)
{
	const tally_dump *d = a->in->dump;

	if (d->n_bodies == 0)
		return;
	a->body_ok = tally_calloc(d->n_bodies, sizeof *a->body_ok);
	a->body_by_hash = tally_calloc(d->n_bodies, sizeof *a->body_by_hash);
	if (!a->body_ok || !a->body_by_hash) {
		a->oom = 1;
		return;
	}
	for (size_t i = 0; i < d->n_bodies; i++) {
		const tally_dump_body *b = &d->bodies[i];
		tally_hash h;
		char where[64], hex[65];

		a->body_by_hash[i].hash = b->hash;
		a->body_by_hash[i].line = b->line;
		a->body_by_hash[i].i = i;
		tally_sha256(b->bytes, b->len, &h);
		a->body_ok[i] = tally_hash_equal(&h, &b->hash);
		if (a->body_ok[i])
			continue;
		snprintf(where, sizeof where, "body at dump line %zu", b->line);
		tally_hash_to_hex(&b->hash, hex);
		find(a, TALLY_FINDING_PROBLEM, "V018", where,
		     "the body's bytes do not give the SHA-256 %s it is listed under: the body was "
		     "changed after it was logged", hex);
	}
	qsort(a->body_by_hash, d->n_bodies, sizeof *a->body_by_hash, body_cmp);
	for (size_t i = 1; i < d->n_bodies; i++) {
		const body_key *p = &a->body_by_hash[i - 1], *b = &a->body_by_hash[i];
		char where[64];

		if (hash_cmp(&p->hash, &b->hash) != 0)
			continue;
		snprintf(where, sizeof where, "body at dump line %zu", b->line);
		find(a, TALLY_FINDING_PROBLEM, "V018", where,
		     "the same body is given twice (dump lines %zu and %zu)", p->line, b->line);
	}
}

/* find_body returns the index in the dump of the first body listed under
 * "h" (the first by line), or (size_t)-1 */
static size_t find_body(const audit *a, const tally_hash *h)
{
	const tally_dump *d = a->in->dump;
	size_t lo = 0, hi = a->body_by_hash ? d->n_bodies : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (hash_cmp(&a->body_by_hash[mid].hash, h) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < (a->body_by_hash ? d->n_bodies : 0) && hash_cmp(&a->body_by_hash[lo].hash, h) == 0)
		return a->body_by_hash[lo].i;
	return (size_t)-1;
}

/* attach gives "b", if logged by hash, its body from the dump; false when
 * there is none that gives its hash and length (check_body_refs reports
 * it, once) */
static bool attach(const audit *a, tally_log_bytes *b)
{
	size_t i;

	if (!b || !b->by_hash)
		return true;
	i = find_body(a, &b->hash);
	if (i == (size_t)-1 || !a->body_ok[i])
		return false;
	return tally_log_bytes_attach(b, a->in->dump->bodies[i].bytes, a->in->dump->bodies[i].len,
	                              NULL) == TALLY_OK;
}

/* check_body_refs looks up the body of every entry that logs a field by
 * hash (V018 when the dump has none, or one of another length) and reports
 * the bodies no entry logs */
static void check_body_refs(audit *a)
{
	const tally_dump *d = a->in->dump;
	bool *used = d->n_bodies ? tally_calloc(d->n_bodies, sizeof *used) : NULL;

	if (d->n_bodies && !used) {
		a->oom = 1;
		return;
	}
	for (size_t k = 0; k < d->n; k++) {
		tally_log_entry le;
		tally_log_bytes *b;
		char where[96], hex[65];
		size_t i;

		if (!(a->info[k] & INFO_BLOB) ||
		    tally_log_entry_decode(d->entries[k].bytes, d->entries[k].len, &le, NULL) !=
		        TALLY_OK ||
		    !(b = tally_log_entry_blob(&le)) || !b->by_hash)
			continue;
		snprintf(where, sizeof where, "entry %zu (dump line %zu)", k, d->entries[k].line);
		tally_hash_to_hex(&b->hash, hex);
		i = find_body(a, &b->hash);
		if (i == (size_t)-1) {
			find(a, TALLY_FINDING_PROBLEM, "V018", where,
			     "the %s entry logs a body of %zu bytes by its SHA-256 %s, and the dump does "
			     "not hold it", tally_log_type_name(le.type), b->len, hex);
			continue;
		}
		for (size_t j = 0; j < d->n_bodies; j++)
			if (hash_cmp(&d->bodies[j].hash, &b->hash) == 0)
				used[j] = true;
		if (a->body_ok[i] && d->bodies[i].len != b->len)
			find(a, TALLY_FINDING_PROBLEM, "V018", where,
			     "the %s entry logs a body of %zu bytes; the body of its SHA-256 in the dump "
			     "(line %zu) is %zu bytes", tally_log_type_name(le.type), b->len,
			     d->bodies[i].line, d->bodies[i].len);
	}
	for (size_t j = 0; j < d->n_bodies; j++) {
		char where[64];

		if (used[j] || !a->body_ok[j])
			continue;
		snprintf(where, sizeof where, "body at dump line %zu", d->bodies[j].line);
		find(a, TALLY_FINDING_PROBLEM, "V018", where,
		     "no entry of the log logs this body");
	}
	tally_free(used);
}

/* parse_definition reads the definition of entry 0, if entry 0 is one, into
 * a->e, or keeps the parser's error; the replay reports either. */
static void parse_definition(audit *a)
{
	const tally_dump *d = a->in->dump;
	tally_log_entry le;

	a->def_rc = DEF_NONE;
	if (d->n == 0 ||
	    tally_log_entry_decode(d->entries[0].bytes, d->entries[0].len, &le, NULL) != TALLY_OK ||
	    le.type != TALLY_LOG_DEFINITION)
		return;
	snprintf(a->def_election, sizeof a->def_election, "%s", le.u.definition.election);
	if (!attach(a, &le.u.definition.definition)) {
		a->def_rc = tally_error_set(&a->def_err, TALLY_EINVAL, "V018", "entry 0",
		                            "the definition is logged by hash and the dump holds no "
		                            "body that gives it");
		return;
	}
	a->def_rc = tally_election_parse((const char *)le.u.definition.definition.p,
	                                 le.u.definition.definition.len, "entry 0", &a->e,
	                                 &a->def_err);
}

/* hash_leaves computes every entry's leaf hash into a->leaf, the tree of
 * the computed leaves into a->tree and a->info, on this thread and a
 * second one, and meanwhile parses the definition here. */
static void hash_leaves(audit *a)
{
	const tally_dump *d = a->in->dump;
	hash_job j;
	pthread_t th;
	bool threaded = false;

	memset(&j, 0, sizeof j);
	if (ledger__merkle_tree_reserve(a->tree, d->n) != TALLY_OK) {
		a->oom = 1;
		return;
	}
	j.d = d;
	j.leaf = a->leaf;
	j.info = a->info;
	j.tree = a->tree;
	j.n_blocks = (d->n + ((size_t)1 << BLOCK_LOG2) - 1) >> BLOCK_LOG2;
	atomic_init(&j.next, 0);
	if (j.n_blocks >= 2)
		threaded = pthread_create(&th, NULL, hash_worker, &j) == 0;
	parse_definition(a);
	hash_blocks(&j);
	if (threaded)
		pthread_join(th, NULL);
	ledger__merkle_tree_complete(a->tree, d->n, BLOCK_LOG2);
}

static void check_entries(audit *a)
{
	const tally_dump *d = a->in->dump;
	uint64_t expected = 0;

	for (size_t k = 0; k < d->n; k++) {
		const tally_dump_entry *de = &d->entries[k];
		char where[96];

		if (de->index != expected || !tally_hash_equal(&a->leaf[k], &de->leaf))
			snprintf(where, sizeof where, "entry %llu (dump line %zu)",
			         (unsigned long long)de->index, de->line);
		if (de->index == expected) {
			expected++;
		} else if (de->index > expected) {
			if (de->index == expected + 1)
				find(a, TALLY_FINDING_PROBLEM, "V006", where,
				     "entry %llu is missing: entry %llu follows entry %llu",
				     (unsigned long long)expected, (unsigned long long)de->index,
				     (unsigned long long)expected - 1);
			else
				find(a, TALLY_FINDING_PROBLEM, "V006", where,
				     "entries %llu to %llu are missing before this one",
				     (unsigned long long)expected, (unsigned long long)de->index - 1);
			expected = de->index + 1;
		} else {
			find(a, TALLY_FINDING_PROBLEM, "V006", where,
			     "entry %llu is out of order: it comes after entry %llu",
			     (unsigned long long)de->index, (unsigned long long)expected - 1);
		}
		if (!tally_hash_equal(&a->leaf[k], &de->leaf))
			find(a, TALLY_FINDING_PROBLEM, "V005", where,
			     "the entry's bytes do not give the leaf hash the log lists for it: the "
			     "entry was changed after it was logged");
	}
	a->sum->entries = d->n;
}

/* ==== Replay ==== */

/* expect: the literal "lit" at *p */
static bool lit(const uint8_t **p, const uint8_t *end, const char *l)
{
	size_t n = strlen(l);

	if ((size_t)(end - *p) < n || memcmp(*p, l, n) != 0)
		return false;
	*p += n;
	return true;
}

/* a string of [0x20-0x7E] without '"' or '\\' up to the closing quote */
static bool plain(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
	size_t n = 0;

	while (*p < end && **p != '"') {
		uint8_t c = **p;
		if (c < 0x20 || c > 0x7E || c == '\\' || n + 1 >= cap)
			return false;
		out[n++] = (char)c;
		(*p)++;
	}
	out[n] = '\0';
	return *p < end && n > 0 && (*p)++;
}

/* a count: "0" or digits without a leading zero, at most TALLY_MAX_COUNT */
static bool count(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	const uint8_t *s = *p;

	while (*p < end && **p >= '0' && **p <= '9' && *p - s < 11)
		v = v * 10 + (uint64_t)(*(*p)++ - '0');
	if (*p == s || (s[0] == '0' && *p - s > 1) || v > TALLY_MAX_COUNT)
		return false;
	*out = v;
	return true;
}

/* a "key": */
static bool key(const uint8_t **p, const uint8_t *end, const char *k)
{
	return lit(p, end, "\"") && lit(p, end, k) && lit(p, end, "\":");
}

/* fast_parse reads a protocol body of station "st" in exactly the canonical
 * form tally_entry_to_json writes for plain ASCII strings (fixed key order,
 * no spaces, no escapes, no leading zeros), which is what the store logs,
 * without a JSON library: a million bodies parse in a fraction of a second
 * instead of several seconds. It gives the same entry the full parser
 * would; anything else returns false and is left to tally_entries_parse,
 * which also names what is wrong. "*oom" is set when memory ran out. */
static bool fast_parse(const tally_election *e, uint32_t st, const uint8_t *b, size_t len,
                       tally_entry *en, int *oom)
{
	const uint8_t *p = b, *end = b + len;
	const tally_template *t = e->tmpl;
	const tally_constituency *c = &e->constituencies[e->stations[st].constituency];

	memset(en, 0, sizeof *en);
	if (!lit(&p, end, "{\"station\":\"") || !lit(&p, end, e->stations[st].id) ||
	    !lit(&p, end, "\",\"operator\":\"") ||
	    !plain(&p, end, en->operator_id, sizeof en->operator_id) ||
	    !tally__id_ok(en->operator_id))
		return false;
	if (lit(&p, end, ",\"reason\":\"") && !plain(&p, end, en->reason, sizeof en->reason))
		return false;
	if (!lit(&p, end, ",\"lines\":{"))
		return false;
	if (tally_protocol_init(&en->p, e, st) != TALLY_OK) {
		*oom = 1;
		return false;
	}
	for (uint32_t i = 0; i < t->n_lines; i++)
		if ((i && !lit(&p, end, ",")) || !key(&p, end, t->lines[i].key) ||
		    !count(&p, end, &en->p.lines[i]))
			goto no;
	if (!lit(&p, end, "},\"candidates\":{"))
		goto no;
	for (uint32_t i = 0; i < c->n_candidates; i++)
		if ((i && !lit(&p, end, ",")) || !key(&p, end, e->candidates[c->candidates[i]].id) ||
		    !count(&p, end, &en->p.cand[i]))
			goto no;
	if (lit(&p, end, "}}") && p == end)
		return true;
no:
	tally_protocol_release(&en->p);
	return false;
}

static int protocol_valid_copy(station_state *s, const tally_protocol *p, uint64_t version)
{
	tally_protocol cp;

	memset(&cp, 0, sizeof cp);
	if (tally_protocol_copy(&cp, p) != TALLY_OK)
		return TALLY_ENOMEM;
	if (s->has_valid)
		tally_protocol_release(&s->valid);
	s->valid = cp;
	s->has_valid = true;
	s->valid_version = version;
	return TALLY_OK;
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void replay_protocol(audit *a, uint64_t idx, const tally_log_entry *le, entry_where *where)
{
	const tally_election *e = a->e;
	uint32_t st = tally_election_station(e, le->u.protocol.station);
	station_state *s = NULL;
	tally_entry *ents = NULL;
	size_t n = 0;
	tally_error err = TALLY_ERROR_INIT;
	tally_entry fast;
	bool valid = true, fast_used = false;

	a->sum->protocols++;
	if (st == TALLY_NONE) {
		find(a, TALLY_FINDING_PROBLEM, "V015", W(where),
		     "a protocol for station '%s', which the definition does not have",
		     le->u.protocol.station);
		return;
	}
	s = &a->st[st];
	/* signature: an unsigned protocol carries zero key id and signature */
	if (zero(le->u.protocol.key_id.b, 32) && zero(le->u.protocol.sig, 64)) {
		/* entered by operators (double entry); nothing to verify */
	} else {
		a->sum->signed_protocols++;
		if (!s->has_key) {
			find(a, TALLY_FINDING_PROBLEM, "V008", W(where),
			     "station %s's protocol version %llu is signed, but no key is registered for "
			     "the station before it", le->u.protocol.station,
			     (unsigned long long)le->u.protocol.version);
			valid = false;
		} else if (tally_log_entry_check_signature(le, s->pub, &err) != TALLY_OK) {
			find(a, TALLY_FINDING_PROBLEM, "V008", W(where),
			     "station %s's protocol version %llu: %s (key registered at entry %llu)",
			     le->u.protocol.station, (unsigned long long)le->u.protocol.version, err.msg,
			     (unsigned long long)s->key_index);
			valid = false;
		}
	}
	/* one station, one version, one protocol */
	uint32_t last = NO_SEEN;

	for (uint32_t i = s->seen; i != NO_SEEN; last = i, i = a->seen[i].next)
		if (a->seen[i].version == le->u.protocol.version) {
			if (a->seen[i].len != le->u.protocol.body.len ||
			    memcmp(a->seen[i].body, le->u.protocol.body.p, a->seen[i].len) != 0)
				find(a, TALLY_FINDING_PROBLEM, "V010", W(where),
				     "station %s has two different protocols for version %llu (entries "
				     "%llu and %llu)", le->u.protocol.station,
				     (unsigned long long)le->u.protocol.version,
				     (unsigned long long)a->seen[i].index, (unsigned long long)idx);
			return; /* the first one logged stands */
		}
	if (a->n_seen == a->cap_seen) {
		uint32_t ncap = a->cap_seen ? a->cap_seen * 2 : 1024;
		version_seen *nv = NULL;

		if (a->cap_seen >= NO_SEEN / 2 ||
		    !(nv = tally_realloc(a->seen, (size_t)ncap * sizeof *nv))) {
			a->oom = 1;
			return;
		}
		a->seen = nv;
		a->cap_seen = ncap;
	}
	{
		/* appended at the end of the station's chain: the order is the log's */
		version_seen *v = &a->seen[a->n_seen];
		uint32_t *link = last == NO_SEEN ? &s->seen : &a->seen[last].next;

		v->version = le->u.protocol.version;
		v->index = idx;
		v->body = le->u.protocol.body.p;
		v->len = le->u.protocol.body.len;
		v->next = NO_SEEN;
		*link = a->n_seen++;
	}
	if (le->u.protocol.version != s->latest + 1)
		find(a, TALLY_FINDING_PROBLEM, "V017", W(where),
		     "station %s's protocol jumps from version %llu to version %llu",
		     le->u.protocol.station, (unsigned long long)s->latest,
		     (unsigned long long)le->u.protocol.version);
	if (le->u.protocol.version > s->latest)
		s->latest = le->u.protocol.version;

	/* the body: exactly one protocol, of this station */
	if (fast_parse(e, st, le->u.protocol.body.p, le->u.protocol.body.len, &fast, &a->oom)) {
		ents = &fast;
		n = 1;
		fast_used = true;
	} else if (a->oom) {
		return;
	} else if (tally_entries_parse(e, (const char *)le->u.protocol.body.p,
	                               le->u.protocol.body.len, W(where), "json", &ents, &n, &err) !=
	           TALLY_OK) {
		if (err.status == TALLY_ENOMEM)
			a->oom = 1;
		find(a, TALLY_FINDING_PROBLEM, "V015", W(where),
		     "station %s's protocol version %llu cannot be read: %s [%s]",
		     le->u.protocol.station, (unsigned long long)le->u.protocol.version, err.msg,
		     err.code);
		return;
	}
	if (n != 1 || ents[0].p.station != st) {
		find(a, TALLY_FINDING_PROBLEM, "V015", W(where),
		     "the protocol logged for station %s does not hold exactly that station's "
		     "protocol", le->u.protocol.station);
		valid = false;
	} else {
		tally_check ck;

		tally_protocol_check(e, &ents[0].p, &ck);
		for (uint32_t k = 0; k < ck.n; k++) {
			char desc[400];

			if (e->tmpl->relations[ck.v[k].relation].severity != TALLY_SEV_ERROR)
				continue;
			tally_violation_describe(e, &ck.v[k], desc, sizeof desc);
			if (le->u.protocol.version == 1 && strcmp(ents[0].reason, "imported") == 0) {
				/* imported data is kept as it was published, and counted */
				find(a, TALLY_FINDING_INFO, "V009", W(where),
				     "station %s's imported protocol breaks a control relation (counted "
				     "as imported): %s", le->u.protocol.station, desc);
				continue;
			}
			find(a, TALLY_FINDING_PROBLEM, "V009", W(where),
			     "station %s's protocol version %llu breaks a control relation: %s",
			     le->u.protocol.station, (unsigned long long)le->u.protocol.version, desc);
			valid = false;
		}
	}
	if (valid && le->u.protocol.version >= s->valid_version) {
		if (fast_used) {
			/* the station keeps the parsed values themselves */
			if (s->has_valid)
				tally_protocol_release(&s->valid);
			s->valid = fast.p;
			s->has_valid = true;
			s->valid_version = le->u.protocol.version;
			memset(&fast.p, 0, sizeof fast.p);
		} else if (protocol_valid_copy(s, &ents[0].p, le->u.protocol.version) != TALLY_OK) {
			a->oom = 1;
		}
	}
	if (fast_used)
		tally_protocol_release(&fast.p);
	else
		tally_entries_free(ents, n);
}

static void replay_key(audit *a, uint64_t idx, const tally_log_entry *le, entry_where *where)
{
	uint32_t st = tally_election_station(a->e, le->u.key.station);

	a->sum->keys++;
	if (st == TALLY_NONE) {
		find(a, TALLY_FINDING_PROBLEM, "V015", W(where),
		     "a key registration for station '%s', which the definition does not have",
		     le->u.key.station);
		return;
	}
	if (a->st[st].has_key && memcmp(a->st[st].pub, le->u.key.pub, 32) != 0) {
		find(a, TALLY_FINDING_PROBLEM, "V008", W(where),
		     "station %s gets a second, different key (the first was registered at entry "
		     "%llu); the later one is used from here on",
		     le->u.key.station, (unsigned long long)a->st[st].key_index);
	}
	a->st[st].has_key = true;
	a->st[st].key_index = idx;
	memcpy(a->st[st].pub, le->u.key.pub, 32);
}

static void replay_annulment(audit *a, const tally_log_entry *le, entry_where *where)
{
	const char *t = le->u.annulment.target;

	a->sum->annulments++;
	if (le->u.annulment.kind == 0) {
		uint32_t st = tally_election_station(a->e, t);
		if (st != TALLY_NONE) {
			a->st[st].annulled = true;
			return;
		}
	} else {
		uint32_t c = tally_election_constituency(a->e, t);
		if (c != TALLY_NONE) {
			a->cons_annulled[c] = true;
			return;
		}
	}
	find(a, TALLY_FINDING_PROBLEM, "V015", W(where), "an annulment of '%s', which the definition "
	     "does not have", t);
}

/* A statement line split into key (all but the last word) and value. */
typedef struct stmt_line {
	const char *s;
	size_t key_len, len;
} stmt_line;

static int line_cmp(const void *x, const void *y)
{
	const stmt_line *a = x, *b = y;
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->s, b->s, n);

	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

/* split_lines cuts "text" into sorted lines; NULL when out of memory. */
static stmt_line *split_lines(const char *text, size_t len, size_t *n)
{
	size_t cap = 1, k = 0;
	stmt_line *v = NULL;

	for (size_t i = 0; i < len; i++)
		cap += text[i] == '\n';
	v = tally_calloc(cap, sizeof *v);
	if (!v)
		return NULL;
	for (size_t at = 0; at < len && k < cap;) {
		const char *s = text + at;
		const char *nl = memchr(s, '\n', len - at);
		size_t l = nl ? (size_t)(nl - s) : len - at;
		size_t kl = l;

		while (kl > 0 && s[kl - 1] != ' ')
			kl--;
		v[k].s = s;
		v[k].len = l;
		v[k].key_len = kl ? kl - 1 : l;
		k++;
		at += l + 1;
	}
	qsort(v, k, sizeof *v, line_cmp);
	*n = k;
	return v;
}

static const char *value_of(const stmt_line *l, size_t *n)
{
	if (l->key_len == l->len) {
		*n = 0;
		return "";
	}
	*n = l->len - l->key_len - 1;
	return l->s + l->key_len + 1;
}

static void compare_statement(audit *a, const pending_statement *ps, const char *mine,
                              size_t mine_len)
{
	stmt_line *pub = NULL, *re = NULL;
	size_t np = 0, nr = 0, i = 0, j = 0, diffs = 0;
	char where[96];

	snprintf(where, sizeof where, "results statement at entry %llu",
	         (unsigned long long)ps->index);
	pub = split_lines((const char *)ps->text, ps->len, &np);
	re = split_lines(mine, mine_len, &nr);
	if (!pub || !re) {
		a->oom = 1;
		goto out;
	}
	while (i < np || j < nr) {
		int c = i == np ? 1 : j == nr ? -1 : line_cmp(&pub[i], &re[j]);
		size_t vl1 = 0, vl2 = 0;
		const char *v1 = NULL, *v2 = NULL;

		if (c < 0) {
			find(a, TALLY_FINDING_PROBLEM, "V011", where,
			     "published line '%.*s' is not something the protocols give", (int)pub[i].len,
			     pub[i].s);
			i++;
			diffs++;
			continue;
		}
		if (c > 0) {
			find(a, TALLY_FINDING_PROBLEM, "V011", where,
			     "line '%.*s' is missing from the published statement", (int)re[j].len,
			     re[j].s);
			j++;
			diffs++;
			continue;
		}
		v1 = value_of(&pub[i], &vl1);
		v2 = value_of(&re[j], &vl2);
		if (vl1 != vl2 || memcmp(v1, v2, vl1) != 0) {
			find(a, TALLY_FINDING_PROBLEM, "V011", where,
			     "'%.*s': published %.*s, the logged protocols give %.*s",
			     (int)pub[i].key_len, pub[i].s, (int)vl1, v1, (int)vl2, v2);
			diffs++;
		}
		i++;
		j++;
	}
	if (!diffs && (ps->len != mine_len || memcmp(ps->text, mine, mine_len) != 0))
		find(a, TALLY_FINDING_PROBLEM, "V011", where,
		     "the statement has the right figures but not in the canonical order or form");
out:
	tally_free(pub);
	tally_free(re);
}

static void evaluate_statement(audit *a, const pending_statement *ps)
{
	const tally_election *e = a->e;
	tally_results *r = NULL;
	tally_error err = TALLY_ERROR_INIT;
	char *mine = NULL;
	size_t mine_len = 0;

	if (tally_results_new(e, &r) != TALLY_OK) {
		a->oom = 1;
		return;
	}
	for (uint32_t st = 0; st < e->n_stations; st++) {
		if (a->st[st].has_valid &&
		    tally_results_add(r, &a->st[st].valid, (uint32_t)a->st[st].valid_version, &err))
			goto fail;
		if (a->st[st].annulled)
			tally_results_annul_station(r, st);
	}
	for (uint32_t c = 0; c < e->n_constituencies; c++)
		if (a->cons_annulled[c])
			tally_results_annul_constituency(r, c);
	if (tally_results_finish(r, &err) != TALLY_OK)
		goto fail;
	if (tally_results_statement(r, ps->tree_size, &mine, &mine_len) != TALLY_OK) {
		a->oom = 1;
		goto out;
	}
	compare_statement(a, ps, mine, mine_len);
	goto out;
fail:
	if (err.status == TALLY_ENOMEM)
		a->oom = 1;
	else
		find(a, TALLY_FINDING_PROBLEM, "V011", "results statement",
		     "the logged protocols cannot be counted: %s", err.msg);
out:
	tally_free(mine);
	tally_results_free(r);
}

static int ps_cmp(const void *x, const void *y)
{
	const pending_statement *a = x, *b = y;

	if (a->tree_size != b->tree_size)
		return a->tree_size < b->tree_size ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* ---- the replay on two threads ----
 * Stations are independent: a station's key, versions, protocols and
 * annulment touch only its own state. So between two results statements
 * the entries are replayed by two workers, each taking the stations of one
 * half (INFO_HALF; everything that is not a station's goes to the first),
 * each with its own summary counters and chain of versions, holding its
 * findings with their entry's index. The held findings are then reported
 * merged in log order, so the report is the one a single thread gives. A
 * log of fewer than REPLAY_THREADS_MIN entries is replayed on the calling
 * thread. */
#define REPLAY_THREADS_MIN 4096

typedef struct held_finding {
	size_t k;
	tally_finding f;
} held_finding;

typedef struct replay_worker {
	audit w;                 /* a copy of the audit with its own report, sum, seen */
	tally_audit_summary sum;
	uint8_t half;
	size_t lo, hi, cur;      /* the entries of this turn, and the one being replayed */
	held_finding *held;
	size_t n_held, cap_held;
} replay_worker;

static void hold(void *ctx, const tally_finding *f)
{
	replay_worker *rw = ctx;

	if (rw->n_held == rw->cap_held) {
		size_t ncap = rw->cap_held ? rw->cap_held * 2 : 16;
		held_finding *nv = tally_realloc(rw->held, ncap * sizeof *nv);

		if (!nv) {
			rw->w.oom = 1;
			return;
		}
		rw->held = nv;
		rw->cap_held = ncap;
	}
	rw->held[rw->n_held].k = rw->cur;
	rw->held[rw->n_held].f = *f;
	rw->n_held++;
}

/* replay_entry replays entry k (decoded once already: decoding it again
 * can only run out of memory) */
static void replay_entry(audit *a, size_t k)
{
	const tally_dump *d = a->in->dump;
	tally_log_entry le;
	entry_where where;

	if (tally_log_entry_decode(d->entries[k].bytes, d->entries[k].len, &le, NULL) != TALLY_OK) {
		a->oom = 1;
		return;
	}
	where.k = k;
	where.line = d->entries[k].line;
	where.done = false;
	switch (le.type) {
	case TALLY_LOG_DEFINITION:
		if (k > 0)
			find(a, TALLY_FINDING_PROBLEM, "V014", W(&where),
			     "a second election definition in the log");
		break;
	case TALLY_LOG_KEY: replay_key(a, k, &le, &where); break;
	case TALLY_LOG_PROTOCOL:
		/* a body missing from the dump was reported (V018): the protocol
		 * cannot be read, so it does not count */
		if (attach(a, &le.u.protocol.body))
			replay_protocol(a, k, &le, &where);
		break;
	case TALLY_LOG_ANNULMENT: replay_annulment(a, &le, &where); break;
	case TALLY_LOG_REJECTED:
		a->sum->rejected++;
		find(a, TALLY_FINDING_INFO, "V008", W(&where),
		     "a submission for station %s was refused and kept as evidence: %s [%s]",
		     le.u.rejected.station, le.u.rejected.reason, le.u.rejected.code);
		break;
	case TALLY_LOG_RESULTS: break;
	}
}

static void *replay_turn(void *arg)
{
	replay_worker *rw = arg;
	const uint8_t *info = rw->w.info;

	for (size_t k = rw->lo; k < rw->hi && !rw->w.oom; k++) {
		if (!(info[k] & INFO_TYPE) || (info[k] & INFO_HALF) != rw->half)
			continue;
		rw->cur = k;
		replay_entry(&rw->w, k);
	}
	return NULL;
}

/* replay_range replays entries lo .. hi - 1 on two threads and reports
 * what they found in log order */
static void replay_range(audit *a, replay_worker *rw, size_t lo, size_t hi)
{
	pthread_t th;
	bool threaded = false;
	size_t i = 0, j = 0;

	for (int t = 0; t < 2; t++) {
		rw[t].lo = lo;
		rw[t].hi = hi;
		rw[t].n_held = 0;
	}
	threaded = pthread_create(&th, NULL, replay_turn, &rw[1]) == 0;
	replay_turn(&rw[0]);
	if (threaded)
		pthread_join(th, NULL);
	else
		replay_turn(&rw[1]);
	while (i < rw[0].n_held || j < rw[1].n_held) {
		bool first = j == rw[1].n_held || (i < rw[0].n_held && rw[0].held[i].k < rw[1].held[j].k);
		const tally_finding *f = first ? &rw[0].held[i++].f : &rw[1].held[j++].f;

		if (f->kind == TALLY_FINDING_PROBLEM)
			a->sum->problems++;
		a->report(a->ctx, f);
	}
	if (rw[0].w.oom || rw[1].w.oom)
		a->oom = 1;
}

static void replay_workers_init(audit *a, replay_worker *rw)
{
	for (int t = 0; t < 2; t++) {
		memset(&rw[t], 0, sizeof rw[t]);
		rw[t].w = *a;
		rw[t].w.report = hold;
		rw[t].w.ctx = &rw[t];
		rw[t].w.sum = &rw[t].sum;
		rw[t].w.seen = NULL;
		rw[t].w.n_seen = rw[t].w.cap_seen = 0;
		rw[t].half = t ? INFO_HALF : 0;
	}
}

static void replay_workers_release(audit *a, replay_worker *rw)
{
	for (int t = 0; t < 2; t++) {
		a->sum->keys += rw[t].sum.keys;
		a->sum->protocols += rw[t].sum.protocols;
		a->sum->signed_protocols += rw[t].sum.signed_protocols;
		a->sum->annulments += rw[t].sum.annulments;
		a->sum->rejected += rw[t].sum.rejected;
		tally_free(rw[t].w.seen);
		tally_free(rw[t].held);
	}
}

static void replay(audit *a)
{
	const tally_dump *d = a->in->dump;
	tally_log_entry le;
	pending_statement *ps = NULL;
	size_t n_ps = 0, cap_ps = 0, next_ps = 0;
	replay_worker rw[2];
	bool threaded = d->n >= REPLAY_THREADS_MIN;

	memset(rw, 0, sizeof rw);
	if (d->n == 0) {
		/* an empty log proves nothing: never a clean verdict */
		find(a, TALLY_FINDING_PROBLEM, "V014", "entry 0",
		     "the dump holds no entries: the log does not start with the election definition");
		return;
	}
	/* Every entry was decoded once beside its hashing (a->info); the ones
	 * that could not be, and the results statements, are decoded here again
	 * for the message and the statement. Decoded entries are not kept: a
	 * decoded entry is over a kilobyte, the bytes stay in the dump. */
	phase(a, "decode");
	for (size_t k = 0; k < d->n; k++) {
		tally_error err = TALLY_ERROR_INIT;
		char where[96];
		unsigned type = a->info[k] & INFO_TYPE;

		if (type != 0 && type != TALLY_LOG_RESULTS)
			continue;
		if (tally_log_entry_decode(d->entries[k].bytes, d->entries[k].len, &le, &err) !=
		    TALLY_OK) {
			a->info[k] = 0;
			snprintf(where, sizeof where, "entry %zu (dump line %zu)", k, d->entries[k].line);
			find(a, TALLY_FINDING_PROBLEM, "V007", where, "the entry cannot be read: %s [%s]",
			     err.msg, err.code);
			continue;
		}
		/* (a first decoding that ran out of memory is made good here) */
		a->info[k] = info_of(&le);
		if (le.type == TALLY_LOG_RESULTS) {
			if (le.u.results.tree_size > k) {
				snprintf(where, sizeof where, "entry %zu (dump line %zu)", k,
				         d->entries[k].line);
				find(a, TALLY_FINDING_PROBLEM, "V016", where,
				     "the results statement claims to cover %llu entries, but only %zu come "
				     "before it", (unsigned long long)le.u.results.tree_size, k);
				continue;
			}
			if (n_ps == cap_ps) {
				size_t ncap = cap_ps ? cap_ps * 2 : 16;
				pending_statement *nv = tally_realloc(ps, ncap * sizeof *nv);

				if (!nv) {
					a->oom = 1;
					goto out;
				}
				ps = nv;
				cap_ps = ncap;
			}
			/* a statement without its body (V018) cannot be compared */
			if (!attach(a, &le.u.results.statement))
				continue;
			ps[n_ps].index = k;
			ps[n_ps].tree_size = le.u.results.tree_size;
			ps[n_ps].text = le.u.results.statement.p;
			ps[n_ps].len = le.u.results.statement.len;
			n_ps++;
		}
	}
	a->sum->statements = n_ps;
	if (n_ps)
		qsort(ps, n_ps, sizeof *ps, ps_cmp);

	/* the definition comes first, once (parse_definition read it) */
	if (!(a->info[0] & INFO_TYPE) || a->def_rc == DEF_NONE) {
		find(a, TALLY_FINDING_PROBLEM, "V014", "entry 0",
		     "the log does not start with the election definition; nothing else can be "
		     "checked");
		goto out;
	}
	if (a->def_rc != TALLY_OK) {
		find(a, TALLY_FINDING_PROBLEM, "V014", "entry 0",
		     "the logged definition cannot be read: %s [%s]", a->def_err.msg, a->def_err.code);
		goto out;
	}
	if (strcmp(a->e->id, a->def_election) != 0)
		find(a, TALLY_FINDING_PROBLEM, "V014", "entry 0",
		     "the definition entry names election '%s' but holds '%s'", a->def_election,
		     a->e->id);
	phase(a, "replay");
	snprintf(a->sum->election, sizeof a->sum->election, "%s", a->e->id);
	a->sum->stations = a->e->n_stations;
	a->st = tally_calloc(a->e->n_stations + 1, sizeof *a->st);
	a->cons_annulled = tally_calloc(a->e->n_constituencies + 1, sizeof *a->cons_annulled);
	if (!a->st || !a->cons_annulled) {
		a->oom = 1;
		goto out;
	}
	for (uint32_t i = 0; i <= a->e->n_stations; i++)
		a->st[i].seen = NO_SEEN;
	if (threaded)
		replay_workers_init(a, rw);
	/* the entries up to each statement's tree size, then the statement */
	for (size_t k = 0; k <= d->n && !a->oom;) {
		size_t upto = next_ps < n_ps ? (size_t)ps[next_ps].tree_size : d->n;

		if (threaded) {
			replay_range(a, rw, k, upto);
		} else {
			for (; k < upto && !a->oom; k++)
				if (a->info[k] & INFO_TYPE)
					replay_entry(a, k);
		}
		k = upto;
		while (!a->oom && next_ps < n_ps && ps[next_ps].tree_size == k) {
			phase(a, "statement");
			evaluate_statement(a, &ps[next_ps++]);
			phase(a, "replay");
		}
		if (k == d->n)
			break;
	}
	if (threaded)
		replay_workers_release(a, rw);
	if (a->oom)
		goto out;

	/* coverage: who has not reported */
	phase(a, "coverage");
	{
		uint64_t missing = 0;

		for (uint32_t st = 0; st < a->e->n_stations; st++) {
			const tally_station *sta = &a->e->stations[st];

			if (a->st[st].has_valid) {
				a->sum->reported++;
				continue;
			}
			if (a->st[st].annulled || a->cons_annulled[sta->constituency])
				continue;
			if (++missing <= 200)
				find(a, TALLY_FINDING_INFO, "V012", sta->id,
				     "no valid protocol logged for station %s (%s, constituency %s)", sta->id,
				     sta->name, a->e->constituencies[sta->constituency].id);
		}
		if (missing > 200)
			find(a, TALLY_FINDING_INFO, "V012", "stations",
			     "and %llu more stations without a valid protocol",
			     (unsigned long long)missing - 200);
		a->sum->missing = missing;
	}
out:
	tally_free(ps);
}

/* ==== Receipts ==== */

static void check_receipt(audit *a)
{
	const char *r = a->in->receipt;
	size_t len = a->in->receipt_len, at = 0, n_path = 0;
	static const char head[] = "c2sp.org/tlog-proof@v1\n";
	tally_hash path[TALLY_MERKLE_MAX_PROOF], listed, root;
	bool has_leaf = false;
	uint64_t index = 0;
	tally_checkpoint cp;
	tally_error err = TALLY_ERROR_INIT;
	const char *where = "receipt";

	memset(&cp, 0, sizeof cp);
	if (len < sizeof head - 1 || memcmp(r, head, sizeof head - 1) != 0) {
		find(a, TALLY_FINDING_PROBLEM, "V013", where, "not a receipt (c2sp.org/tlog-proof@v1)");
		return;
	}
	at = sizeof head - 1;
	for (int state = 0;;) {
		const char *s = r + at;
		const char *nl = at < len ? memchr(s, '\n', len - at) : NULL;
		size_t l = 0;

		if (!nl) {
			find(a, TALLY_FINDING_PROBLEM, "V013", where, "the receipt is truncated");
			return;
		}
		l = (size_t)(nl - s);
		at += l + 1;
		if (l == 0)
			break;
		if (state == 0 && l > 6 && memcmp(s, "extra ", 6) == 0) {
			if (tally_hash_from_base64(s + 6, l - 6, &listed, NULL) != TALLY_OK) {
				find(a, TALLY_FINDING_PROBLEM, "V013", where,
				     "the receipt's leaf hash is not base64 of 32 bytes");
				return;
			}
			has_leaf = true;
			continue;
		}
		if (state == 0) {
			if (l < 7 || memcmp(s, "index ", 6) != 0 || !ledger__parse_dec(s + 6, l - 6, &index)) {
				find(a, TALLY_FINDING_PROBLEM, "V013", where, "the receipt has no 'index' line");
				return;
			}
			state = 1;
			continue;
		}
		if (n_path == TALLY_MERKLE_MAX_PROOF ||
		    tally_hash_from_base64(s, l, &path[n_path], NULL) != TALLY_OK) {
			find(a, TALLY_FINDING_PROBLEM, "V013", where, "a proof line of the receipt is bad");
			return;
		}
		n_path++;
	}
	if (!check_note(a, r + at, len - at, "receipt's checkpoint", &cp))
		return;
	if (index >= a->in->dump->n) {
		find(a, TALLY_FINDING_PROBLEM, "V013", where,
		     "the receipt is for entry %llu, which the dump does not hold",
		     (unsigned long long)index);
		return;
	}
	if (has_leaf && !tally_hash_equal(&listed, &a->leaf[index])) {
		find(a, TALLY_FINDING_PROBLEM, "V013", where,
		     "entry %llu in the dump is not the entry the receipt was given for: it was "
		     "changed or replaced", (unsigned long long)index);
		return;
	}
	if (tally_merkle_verify_inclusion(index, cp.size, &a->leaf[index], path, n_path, &cp.root,
	                                  &err) != TALLY_OK) {
		find(a, TALLY_FINDING_PROBLEM, "V013", where,
		     "the inclusion proof of entry %llu does not lead to the signed root: %s [%s]",
		     (unsigned long long)index, err.msg, err.code);
		return;
	}
	if (cp.size <= tally_merkle_tree_size(a->tree) &&
	    tally_merkle_tree_root(a->tree, cp.size, &root, NULL) == TALLY_OK &&
	    !tally_hash_equal(&root, &cp.root)) {
		find(a, TALLY_FINDING_PROBLEM, "V013", where,
		     "the receipt's checkpoint (%llu entries) is not a tree of this log",
		     (unsigned long long)cp.size);
		return;
	}
	find(a, TALLY_FINDING_INFO, "V013", where,
	     "entry %llu is included in the signed tree of %llu entries, as the receipt says",
	     (unsigned long long)index, (unsigned long long)cp.size);
}

int tally_log_audit(const tally_audit_input *in, tally_audit_report report, void *ctx,
                    tally_audit_summary *sum, tally_error *err)
{
	audit a;
	int rc = TALLY_OK;

	memset(&a, 0, sizeof a);
	memset(sum, 0, sizeof *sum);
	a.in = in;
	a.report = report;
	a.ctx = ctx;
	a.sum = sum;
	a.leaf = tally_calloc(in->dump->n + 1, sizeof *a.leaf);
	a.info = tally_calloc(in->dump->n + 1, sizeof *a.info);
	if (!a.leaf || !a.info || tally_merkle_tree_new(&a.tree) != TALLY_OK) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	phase(&a, "bodies");
	check_bodies(&a);
	phase(&a, "hash");
	if (!a.oom)
		hash_leaves(&a);
	phase(&a, "tree");
	if (!a.oom)
		check_entries(&a);
	if (!a.oom)
		check_body_refs(&a);
	phase(&a, "checkpoints");
	if (!a.oom)
		check_checkpoints(&a);
	if (!a.oom)
		replay(&a);
	phase(&a, "receipt");
	if (!a.oom && in->receipt)
		check_receipt(&a);
	phase(&a, "done");
	if (a.oom)
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
out:
	if (a.st) {
		for (uint32_t i = 0; a.e && i < a.e->n_stations; i++) {
			if (a.st[i].has_valid)
				tally_protocol_release(&a.st[i].valid);
		}
	}
	tally_free(a.st);
	tally_free(a.seen);
	tally_free(a.cons_annulled);
	tally_election_free(a.e);
	tally_merkle_tree_free(a.tree);
	tally_free(a.leaf);
	tally_free(a.info);
	tally_free(a.body_ok);
	tally_free(a.body_by_hash);
	return rc;
}
