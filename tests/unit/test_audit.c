/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_audit.c: unit tests of the auditor behind `tally verify`
 * (src/core/ledger/audit.c), the dump (dump.c) and results statements
 * (statement.c). Each test builds a log in memory, entry by entry, signs a
 * checkpoint over it with a CEC key, and checks which findings the audit
 * reports: a CEC that signs a log whose statement lies (V011 with valid
 * signatures and roots), two protocols for one version (V010), a version
 * gap (V017), a broken control relation (V009), unknown stations and
 * unreadable bodies (V015), a log that does not start with the definition
 * (V014), signatures that do not verify or have no key (V008), the bodies
 * of fields logged by hash: altered, missing, given twice, logged by no
 * entry (V018).
 */
#include "testutil.h"

#define MAX_FINDINGS 64

static const char P1[] =
	"{\"station\":\"N01-1\",\"operator\":\"op-a\",\"lines\":{\"voters_on_list\":1000,"
	"\"ballots_received\":1010,\"voters_received\":600,\"issued_outside\":20,\"unused\":408,"
	"\"cancelled\":2,\"in_mobile\":20,\"in_stationary\":580,\"valid\":590,\"invalid\":10},"
	"\"candidates\":{\"N01-A\":150,\"N01-B\":250,\"N01-C\":120,\"N01-D\":70}}";

typedef struct logb {
	char *def;
	size_t def_len;
	char *dump;
	size_t len;
	uint64_t n;
	tally_merkle_frontier f;
	tally_note_signer cec;
	tally_finding found[MAX_FINDINGS];
	size_t n_found;
	tally_audit_summary sum;
} logb;

static void append(logb *l, const char *s, size_t n)
{
	l->dump = realloc(l->dump, l->len + n + 1);
	assert_non_null(l->dump);
	memcpy(l->dump + l->len, s, n);
	l->len += n;
	l->dump[l->len] = '\0';
}

/* How add writes the body of a field logged by hash: as it is, not at
 * all, with one byte changed, twice. */
enum { BODY_AS_IS, BODY_OMIT, BODY_ALTER, BODY_TWICE };
static int body_mode = BODY_AS_IS;

static void add(logb *l, tally_log_entry *e)
{
	uint8_t *b = NULL;
	size_t n = 0, ll = 0;
	tally_hash leaf;
	tally_log_bytes *blob = tally_log_entry_blob(e);

	assert_int_equal(tally_log_entry_encode(e, &b, &n, NULL), TALLY_OK);
	assert_true(n <= TALLY_LOG_MAX_ENTRY_BYTES);
	tally_merkle_leaf_hash(b, n, &leaf);
	assert_int_equal(tally_merkle_frontier_append(&l->f, &leaf, NULL), TALLY_OK);
	char *line = tally_dump_entry_line(l->n++, &leaf, b, n, &ll);
	assert_non_null(line);
	append(l, line, ll);
	tally_free(line);
	if (blob && blob->len > TALLY_LOG_INLINE_MAX && body_mode != BODY_OMIT) {
		tally_hash h;
		uint8_t *copy = malloc(blob->len);
		assert_non_null(copy);
		memcpy(copy, blob->p, blob->len);
		tally_sha256(copy, blob->len, &h);
		if (body_mode == BODY_ALTER)
			copy[blob->len / 2] ^= 1;
		for (int k = 0; k < (body_mode == BODY_TWICE ? 2 : 1); k++) {
			line = tally_dump_body_line(&h, copy, blob->len, &ll);
			assert_non_null(line);
			append(l, line, ll);
			tally_free(line);
		}
		free(copy);
	}
	tally_free(b);
}

static void start(logb *l, bool with_def)
{
	memset(l, 0, sizeof *l);
	tally_merkle_frontier_init(&l->f);
	assert_int_equal(tally_note_signer_generate("tally.example.org/fx-2024", TALLY_NOTE_ED25519,
	                                            &l->cec, NULL),
	                 TALLY_OK);
	l->def = tu_read_file("tests/cases/fixtures/def.json", &l->def_len);
	assert_non_null(l->def);
	append(l, TALLY_DUMP_HEADER, strlen(TALLY_DUMP_HEADER));
	if (with_def) {
		tally_log_entry e;
		memset(&e, 0, sizeof e);
		e.type = TALLY_LOG_DEFINITION;
		snprintf(e.u.definition.election, sizeof e.u.definition.election, "fx-2024");
		e.u.definition.definition.p = (const uint8_t *)l->def;
		e.u.definition.definition.len = l->def_len;
		add(l, &e);
	}
}

static void protocol(logb *l, const char *station, uint64_t version, const char *body,
                     const uint8_t *sk, const uint8_t *pub)
{
	tally_log_entry e;
	memset(&e, 0, sizeof e);
	e.type = TALLY_LOG_PROTOCOL;
	snprintf(e.u.protocol.station, sizeof e.u.protocol.station, "%s", station);
	e.u.protocol.version = version;
	e.u.protocol.body.p = (const uint8_t *)body;
	e.u.protocol.body.len = strlen(body);
	if (sk) {
		tally_log_key_id(pub, &e.u.protocol.key_id);
		tally_ed25519_sign(sk, body, strlen(body), e.u.protocol.sig);
	}
	add(l, &e);
}

static void collect(void *ctx, const tally_finding *f)
{
	logb *l = ctx;
	if (l->n_found < MAX_FINDINGS)
		l->found[l->n_found++] = *f;
}

/* signs a checkpoint over everything so far and audits the dump */
static void run_audit(logb *l)
{
	tally_checkpoint cp;
	char *body = NULL, *note = NULL, *line = NULL;
	size_t bl = 0, nl = 0, ll = 0;
	tally_dump *d = NULL;
	tally_audit_input in;

	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", l->cec.v.name);
	cp.size = l->f.size;
	tally_merkle_frontier_root(&l->f, &cp.root);
	assert_int_equal(tally_checkpoint_format(&cp, &body, &bl, NULL), TALLY_OK);
	assert_int_equal(tally_note_sign(body, bl, &l->cec, 1, 0, &note, &nl, NULL), TALLY_OK);
	line = tally_dump_checkpoint_line(note, nl, &ll);
	assert_non_null(line);
	append(l, line, ll);
	assert_int_equal(tally_dump_parse(l->dump, l->len, &d, NULL), TALLY_OK);
	memset(&in, 0, sizeof in);
	in.dump = d;
	in.cec = &l->cec.v;
	assert_int_equal(tally_log_audit(&in, collect, l, &l->sum, NULL), TALLY_OK);
	tally_dump_free(d);
	tally_free(line);
	tally_free(note);
	tally_free(body);
}

static bool has(const logb *l, const char *code, tally_finding_kind kind, const char *text)
{
	for (size_t i = 0; i < l->n_found; i++)
		if (strcmp(l->found[i].code, code) == 0 && l->found[i].kind == kind &&
		    (!text || strstr(l->found[i].msg, text)))
			return true;
	return false;
}

static void finish(logb *l)
{
	tally_note_signer_release(&l->cec);
	free(l->def);
	free(l->dump);
}

/* The statement of the log's protocols, or with one figure changed. */
static char *statement_for(const char *def, size_t def_len, uint64_t tree_size)
{
	tally_election *e = NULL;
	tally_entry *en = NULL;
	tally_results *r = NULL;
	size_t n = 0, len = 0;
	char *s = NULL;

	assert_int_equal(tally_election_parse(def, def_len, "def", &e, NULL), TALLY_OK);
	assert_int_equal(tally_entries_parse(e, P1, strlen(P1), "p1", "json", &en, &n, NULL),
	                 TALLY_OK);
	assert_int_equal(tally_results_new(e, &r), TALLY_OK);
	assert_int_equal(tally_results_add(r, &en[0].p, 1, NULL), TALLY_OK);
	assert_int_equal(tally_results_finish(r, NULL), TALLY_OK);
	assert_int_equal(tally_results_statement(r, tree_size, &s, &len), TALLY_OK);
	assert_int_equal(strlen(s), len);
	tally_results_free(r);
	tally_entries_free(en, n);
	tally_election_free(e);
	return s;
}

static void add_statement(logb *l, const char *text)
{
	tally_log_entry e;
	memset(&e, 0, sizeof e);
	e.type = TALLY_LOG_RESULTS;
	e.u.results.tree_size = l->n;
	e.u.results.statement.p = (const uint8_t *)text;
	e.u.results.statement.len = strlen(text);
	add(l, &e);
}

/* An honest log verifies clean; the same log with one published figure
 * changed, correctly signed by the CEC, is caught by recomputation alone. */
static void test_statement_recomputed(void **state)
{
	(void)state;
	for (int lie = 0; lie < 2; lie++) {
		logb l;
		start(&l, true);
		protocol(&l, "N01-1", 1, P1, NULL, NULL);
		char *s = statement_for(l.def, l.def_len, l.n);
		char *again = statement_for(l.def, l.def_len, l.n);
		assert_string_equal(s, again); /* one count, one statement */
		char *at = strstr(s, "\nvalid 590\n");
		assert_non_null(at);
		if (lie)
			memcpy(at, "\nvalid 690\n", 11);
		add_statement(&l, s);
		run_audit(&l);
		assert_int_equal(l.sum.statements, 1);
		assert_int_equal(l.sum.verified_size, 3);
		if (!lie) {
			assert_int_equal(l.sum.problems, 0);
			assert_true(has(&l, "V012", TALLY_FINDING_INFO, "N01-2"));
		} else {
			assert_int_equal(l.sum.problems, 1);
			assert_true(has(&l, "V011", TALLY_FINDING_PROBLEM,
			                "'valid': published 690, the logged protocols give 590"));
		}
		tally_free(s);
		tally_free(again);
		finish(&l);
	}
}

/* Two different protocols for one station and version; a version gap. */
static void test_equivocation_and_gap(void **state)
{
	(void)state;
	logb l;
	char other[sizeof P1];
	memcpy(other, P1, sizeof P1);
	memcpy(strstr(other, "op-a"), "op-b", 4);
	start(&l, true);
	protocol(&l, "N01-1", 1, P1, NULL, NULL);
	protocol(&l, "N01-1", 1, other, NULL, NULL);
	protocol(&l, "N01-1", 3, P1, NULL, NULL);
	run_audit(&l);
	assert_true(has(&l, "V010", TALLY_FINDING_PROBLEM,
	                "station N01-1 has two different protocols for version 1 (entries 1 and 2)"));
	assert_true(has(&l, "V017", TALLY_FINDING_PROBLEM, "jumps from version 1 to version 3"));
	assert_int_equal(l.sum.problems, 2);
	finish(&l);
}

/* A broken relation, an unknown station, a body that is not a protocol. */
static void test_bad_protocols(void **state)
{
	(void)state;
	logb l;
	char broken[sizeof P1];
	memcpy(broken, P1, sizeof P1);
	memcpy(strstr(broken, "\"valid\":590"), "\"valid\":591", 11);
	start(&l, true);
	protocol(&l, "N01-1", 1, broken, NULL, NULL);
	protocol(&l, "X99", 1, P1, NULL, NULL);
	protocol(&l, "N01-2", 1, "not json", NULL, NULL);
	protocol(&l, "N01-3", 1, P1, NULL, NULL); /* N01-1's protocol under N01-3 */
	run_audit(&l);
	assert_true(has(&l, "V009", TALLY_FINDING_PROBLEM, "breaks a control relation"));
	assert_true(has(&l, "V015", TALLY_FINDING_PROBLEM, "station 'X99'"));
	assert_true(has(&l, "V015", TALLY_FINDING_PROBLEM, "cannot be read"));
	assert_true(has(&l, "V015", TALLY_FINDING_PROBLEM, "does not hold exactly"));
	assert_int_equal(l.sum.reported, 0);
	finish(&l);
}

/* Signatures: no key registered, the wrong key, a second key. */
static void test_signatures(void **state)
{
	(void)state;
	logb l;
	uint8_t pub[32], sk[64], pub2[32], sk2[64];
	tally_log_entry k;
	tally_ed25519_keygen(pub, sk);
	tally_ed25519_keygen(pub2, sk2);
	start(&l, true);
	protocol(&l, "N01-1", 1, P1, sk, pub);          /* before any key */
	memset(&k, 0, sizeof k);
	k.type = TALLY_LOG_KEY;
	snprintf(k.u.key.station, sizeof k.u.key.station, "N01-2");
	memcpy(k.u.key.pub, pub, 32);
	add(&l, &k);
	k.u.key.pub[0] ^= 1;
	add(&l, &k);                                    /* a second, different key */
	memcpy(k.u.key.pub, pub, 32);
	snprintf(k.u.key.station, sizeof k.u.key.station, "N01-3");
	add(&l, &k);
	char p3[sizeof P1];
	memcpy(p3, P1, sizeof P1);
	memcpy(strstr(p3, "N01-1"), "N01-3", 5);
	protocol(&l, "N01-3", 1, p3, sk2, pub2);        /* signed by another key */
	run_audit(&l);
	assert_true(has(&l, "V008", TALLY_FINDING_PROBLEM, "no key is registered"));
	assert_true(has(&l, "V008", TALLY_FINDING_PROBLEM, "second, different key"));
	assert_true(has(&l, "V008", TALLY_FINDING_PROBLEM, "another key than the one registered"));
	assert_int_equal(l.sum.reported, 0);
	assert_int_equal(l.sum.signed_protocols, 2);
	assert_int_equal(l.sum.keys, 3);
	finish(&l);
}

/* The definition must come first, once. */
static void test_definition_first(void **state)
{
	(void)state;
	logb l;
	tally_log_entry a;
	start(&l, false);
	memset(&a, 0, sizeof a);
	a.type = TALLY_LOG_ANNULMENT;
	snprintf(a.u.annulment.target, sizeof a.u.annulment.target, "N01-1");
	snprintf(a.u.annulment.who, sizeof a.u.annulment.who, "judge");
	snprintf(a.u.annulment.reason, sizeof a.u.annulment.reason, "court order");
	add(&l, &a);
	run_audit(&l);
	assert_true(has(&l, "V014", TALLY_FINDING_PROBLEM, "does not start with the election"));
	finish(&l);

	start(&l, true);
	tally_log_entry d;
	memset(&d, 0, sizeof d);
	d.type = TALLY_LOG_DEFINITION;
	snprintf(d.u.definition.election, sizeof d.u.definition.election, "fx-2024");
	d.u.definition.definition.p = (const uint8_t *)l.def;
	d.u.definition.definition.len = l.def_len;
	add(&l, &d);
	run_audit(&l);
	assert_true(has(&l, "V014", TALLY_FINDING_PROBLEM, "a second election definition"));
	finish(&l);
}

/* Dump lines round-trip every byte; malformed dumps are V001. */
static void test_dump_format(void **state)
{
	(void)state;
	uint8_t bytes[256];
	tally_hash h;
	size_t ll = 0;
	tally_dump *d = NULL;
	tally_error err = TALLY_ERROR_INIT;
	for (int i = 0; i < 256; i++)
		bytes[i] = (uint8_t)i;
	tally_merkle_leaf_hash(bytes, sizeof bytes, &h);
	char *line = tally_dump_entry_line(0, &h, bytes, sizeof bytes, &ll);
	size_t n = strlen(TALLY_DUMP_HEADER) + ll;
	char *buf = malloc(n + 1);
	assert_non_null(buf);
	memcpy(buf, TALLY_DUMP_HEADER, strlen(TALLY_DUMP_HEADER));
	memcpy(buf + strlen(TALLY_DUMP_HEADER), line, ll);
	assert_int_equal(tally_dump_parse(buf, n, &d, &err), TALLY_OK);
	assert_int_equal(d->n, 1);
	assert_int_equal(d->entries[0].len, 256);
	assert_memory_equal(d->entries[0].bytes, bytes, 256);
	assert_true(tally_hash_equal(&d->entries[0].leaf, &h));
	tally_dump_free(d);
	d = NULL;
	/* a bad escape, a truncated line, a wrong header */
	char *pct = strstr(buf, "%00");
	pct[1] = 'G';
	assert_int_equal(tally_dump_parse(buf, n, &d, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "V001");
	assert_int_equal(tally_dump_parse(buf, n - 1, &d, &err), TALLY_EINVAL);
	assert_int_equal(tally_dump_parse("nope\n", 5, &d, &err), TALLY_EINVAL);
	assert_null(d);
	/* a dump of the earlier format is named as such */
	static const char v1[] = "tally-log-dump/v1\n";
	assert_int_equal(tally_dump_parse(v1, sizeof v1 - 1, &d, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "V001");
	assert_non_null(strstr(err.msg, "earlier tally"));
	free(buf);
	tally_free(line);

	/* body lines: read back; a bad hash or a missing space is V001 */
	line = tally_dump_body_line(&h, bytes, sizeof bytes, &ll);
	n = strlen(TALLY_DUMP_HEADER) + ll;
	buf = malloc(n + 1);
	assert_non_null(buf);
	memcpy(buf, TALLY_DUMP_HEADER, strlen(TALLY_DUMP_HEADER));
	memcpy(buf + strlen(TALLY_DUMP_HEADER), line, ll);
	assert_int_equal(tally_dump_parse(buf, n, &d, &err), TALLY_OK);
	assert_int_equal(d->n, 0);
	assert_int_equal(d->n_bodies, 1);
	assert_int_equal(d->bodies[0].len, 256);
	assert_int_equal(d->bodies[0].line, 2);
	assert_memory_equal(d->bodies[0].bytes, bytes, 256);
	assert_true(tally_hash_equal(&d->bodies[0].hash, &h));
	tally_dump_free(d);
	d = NULL;
	size_t at = strlen(TALLY_DUMP_HEADER) + 5;
	buf[at] = 'g';
	assert_int_equal(tally_dump_parse(buf, n, &d, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "V001");
	buf[at] = '0';
	buf[at + 64] = '_';
	assert_int_equal(tally_dump_parse(buf, n, &d, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "V001");
	assert_null(d);
	free(buf);
	tally_free(line);
}

/* pad_json returns "json" with spaces before its final '}' up to "len"
 * bytes: the same document, large enough to be logged by hash */
static char *pad_json(const char *json, size_t json_len, size_t len)
{
	char *p = malloc(len + 1);
	size_t close = json_len;

	assert_non_null(p);
	while (close > 0 && json[close - 1] != '}')
		close--;
	assert_true(close > 0 && len > json_len);
	memcpy(p, json, close - 1);
	memset(p + close - 1, ' ', len - json_len);
	memcpy(p + close - 1 + (len - json_len), json + close - 1, json_len - close + 1);
	p[len] = '\0';
	return p;
}

/* A definition and a protocol over 61,440 bytes, logged by hash with
 * their bodies in the dump: clean; then each body altered, missing, given
 * twice, and a body no entry logs (V018). */
static void test_bodies(void **state)
{
	(void)state;
	static const int modes[] = {BODY_AS_IS, BODY_ALTER, BODY_OMIT, BODY_TWICE};

	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		for (int which = 0; which < 2; which++) {
			logb l;
			tally_log_entry e;
			char *big_p1 = pad_json(P1, strlen(P1), TALLY_LOG_INLINE_MAX + 500);

			body_mode = which == 0 ? modes[m] : BODY_AS_IS;
			start(&l, false);
			char *def = pad_json(l.def, l.def_len, TALLY_LOG_INLINE_MAX + 1000);
			memset(&e, 0, sizeof e);
			e.type = TALLY_LOG_DEFINITION;
			snprintf(e.u.definition.election, sizeof e.u.definition.election, "fx-2024");
			e.u.definition.definition.p = (const uint8_t *)def;
			e.u.definition.definition.len = strlen(def);
			add(&l, &e);
			body_mode = which == 1 ? modes[m] : BODY_AS_IS;
			protocol(&l, "N01-1", 1, big_p1, NULL, NULL);
			body_mode = BODY_AS_IS;
			char *st = statement_for(l.def, l.def_len, l.n);
			add_statement(&l, st);
			run_audit(&l);
			switch (modes[m]) {
			case BODY_AS_IS:
				assert_int_equal(l.sum.problems, 0);
				assert_int_equal(l.sum.protocols, 1);
				assert_int_equal(l.sum.reported, 1);
				break;
			case BODY_ALTER:
				assert_true(has(&l, "V018", TALLY_FINDING_PROBLEM, "was changed"));
				assert_true(has(&l, which == 0 ? "V014" : "V011", TALLY_FINDING_PROBLEM, NULL));
				break;
			case BODY_OMIT:
				assert_true(has(&l, "V018", TALLY_FINDING_PROBLEM, "does not hold it"));
				assert_true(has(&l, which == 0 ? "V014" : "V011", TALLY_FINDING_PROBLEM, NULL));
				break;
			case BODY_TWICE:
				assert_true(has(&l, "V018", TALLY_FINDING_PROBLEM, "given twice"));
				assert_int_equal(l.sum.problems, 1);
				break;
			}
			free(st);
			free(def);
			free(big_p1);
			finish(&l);
		}
	}
	/* a body that no entry logs */
	{
		logb l;
		tally_hash h;
		size_t ll = 0;
		static const char junk[] = "not logged by anyone";
		start(&l, true);
		protocol(&l, "N01-1", 1, P1, NULL, NULL);
		tally_sha256(junk, sizeof junk - 1, &h);
		char *line = tally_dump_body_line(&h, junk, sizeof junk - 1, &ll);
		append(&l, line, ll);
		tally_free(line);
		run_audit(&l);
		assert_true(has(&l, "V018", TALLY_FINDING_PROBLEM, "no entry of the log logs"));
		assert_int_equal(l.sum.problems, 1);
		finish(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statement_recomputed),
		cmocka_unit_test(test_equivocation_and_gap),
		cmocka_unit_test(test_bad_protocols),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_definition_first),
		cmocka_unit_test(test_dump_format),
		cmocka_unit_test(test_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
