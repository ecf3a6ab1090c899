/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entry.c: the canonical bytes of tally's log entries (docs/log-format.md):
 * a type tag "tally/v1/<type>" and a NUL, the time, then the type's fields
 * in a fixed order, integers big-endian and strings and byte strings with a
 * 32-bit length. Every field has one spelling and nothing may follow the
 * last, so an entry has exactly one encoding: decoding then encoding gives
 * back the same bytes. Signed bytes (a commission's protocol) are carried
 * as they were submitted, never re-serialised. A byte field (a blob) over
 * TALLY_LOG_INLINE_MAX bytes is written as its length and SHA-256, its bytes
 * kept beside the log, so that no entry is over 65,535 bytes and every one
 * fits an entry bundle of c2sp.org/tlog-tiles.
 */
#include "core/ledger/ledger_int.h"

#include <sodium.h>

static const char *const type_names[] = {
	NULL, "definition", "key", "protocol", "annulment", "results", "rejected",
};
#define N_TYPES 6
#define TAG_PREFIX "tally/"
#define TAG_VERSION "v2/"

const char *tally_log_type_name(tally_log_type t)
{
	return t >= 1 && t <= N_TYPES ? type_names[t] : "?";
}

/* ==== Writing ==== */

typedef struct writer {
	tally__buf b;
} writer;

static void put_u8(writer *w, uint8_t v)
{
	tally__buf_add(&w->b, (const char *)&v, 1);
}

static void put_u64(writer *w, uint64_t v)
{
	uint8_t p[8];
	ledger__put_u64(p, v);
	tally__buf_add(&w->b, (const char *)p, 8);
}

static void put_fixed(writer *w, const uint8_t *p, size_t n)
{
	tally__buf_add(&w->b, (const char *)p, n);
}

static void put_bytes(writer *w, const uint8_t *p, size_t n)
{
	uint8_t l[4];
	ledger__put_u32(l, (uint32_t)n);
	tally__buf_add(&w->b, (const char *)l, 4);
	if (n)
		tally__buf_add(&w->b, (const char *)p, n);
}

/* A blob: u32 length, then the bytes when they are at most
 * TALLY_LOG_INLINE_MAX, else their SHA-256 (computed here unless given). */
static void put_blob(writer *w, const tally_log_bytes *b)
{
	uint8_t l[4];
	tally_hash h;

	if (b->len <= TALLY_LOG_INLINE_MAX) {
		put_bytes(w, b->p, b->len);
		return;
	}
	ledger__put_u32(l, (uint32_t)b->len);
	tally__buf_add(&w->b, (const char *)l, 4);
	if (b->by_hash)
		h = b->hash;
	else
		tally_sha256(b->p, b->len, &h);
	tally__buf_add(&w->b, (const char *)h.b, TALLY_HASH_SIZE);
}

static void put_str(writer *w, const char *s)
{
	put_bytes(w, (const uint8_t *)s, strlen(s));
}

/* Text fields: UTF-8 without NUL (the C string cannot hold one anyway) and
 * without control characters other than newline and tab. */
static bool text_ok(const char *s, size_t n, size_t max, bool need)
{
	if (n > max || (need && n == 0) || !tally__utf8_ok(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
			return false;
	}
	return true;
}

static bool code_ok(const char *s, size_t n)
{
	if (n >= 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* a blob: held inline up to TALLY_LOG_INLINE_MAX bytes (then never
 * by_hash), by hash above (then with its bytes or its hash) */
static bool bytes_ok(const tally_log_bytes *b)
{
	if (b->len > TALLY_LOG_INLINE_MAX)
		return b->by_hash || b->p != NULL;
	return !b->by_hash && (b->len == 0 || b->p != NULL);
}

/* Checks every field of "e"; returns the name of the first bad one. */
static const char *entry_bad_field(const tally_log_entry *e)
{
	switch (e->type) {
	case TALLY_LOG_DEFINITION:
		if (!tally__id_ok(e->u.definition.election))
			return "election";
		if (!bytes_ok(&e->u.definition.definition) || e->u.definition.definition.len == 0)
			return "definition";
		return NULL;
	case TALLY_LOG_KEY:
		return tally__id_ok(e->u.key.station) ? NULL : "station";
	case TALLY_LOG_PROTOCOL:
		if (!tally__id_ok(e->u.protocol.station))
			return "station";
		if (e->u.protocol.version == 0)
			return "version";
		if (!bytes_ok(&e->u.protocol.body) || e->u.protocol.body.len == 0)
			return "body";
		return NULL;
	case TALLY_LOG_ANNULMENT:
		if (e->u.annulment.kind > 1)
			return "kind";
		if (!tally__id_ok(e->u.annulment.target))
			return "target";
		if (!text_ok(e->u.annulment.who, strnlen(e->u.annulment.who, sizeof e->u.annulment.who),
		             TALLY_MAX_ID_LEN, true))
			return "who";
		if (!text_ok(e->u.annulment.reason,
		             strnlen(e->u.annulment.reason, sizeof e->u.annulment.reason),
		             TALLY_MAX_REASON_LEN, true))
			return "reason";
		return NULL;
	case TALLY_LOG_RESULTS:
		return bytes_ok(&e->u.results.statement) && e->u.results.statement.len ? NULL
		                                                                         : "statement";
	case TALLY_LOG_REJECTED:
		if (!tally__id_ok(e->u.rejected.station))
			return "station";
		if (!bytes_ok(&e->u.rejected.body) || e->u.rejected.body.len == 0)
			return "body";
		if (!code_ok(e->u.rejected.code, strnlen(e->u.rejected.code, sizeof e->u.rejected.code)))
			return "code";
		if (!text_ok(e->u.rejected.reason,
		             strnlen(e->u.rejected.reason, sizeof e->u.rejected.reason),
		             TALLY_MAX_REASON_LEN, true))
			return "reason";
		return NULL;
	}
	return "type";
}

tally_log_bytes *tally_log_entry_blob(tally_log_entry *e)
{
	switch (e->type) {
	case TALLY_LOG_DEFINITION: return &e->u.definition.definition;
	case TALLY_LOG_PROTOCOL: return &e->u.protocol.body;
	case TALLY_LOG_RESULTS: return &e->u.results.statement;
	case TALLY_LOG_REJECTED: return &e->u.rejected.body;
	default: return NULL;
	}
}

void tally_sha256(const void *data, size_t len, tally_hash *out)
{
	crypto_hash_sha256(out->b, data, len);
}

int tally_log_bytes_attach(tally_log_bytes *b, const uint8_t *body, size_t len,
                           tally_error *err)
{
	tally_hash h;

	if (!b->by_hash)
		return TALLY_OK;
	if (len != b->len)
		return tally_error_set(err, TALLY_EINVAL, "L033", "body",
		                       "the body is %zu bytes; its entry logs %zu", len, b->len);
	tally_sha256(body, len, &h);
	if (!tally_hash_equal(&h, &b->hash))
		return tally_error_set(err, TALLY_EINVAL, "L033", "body",
		                       "the body's bytes do not give the SHA-256 its entry logs");
	b->p = body;
	return TALLY_OK;
}

int tally_log_entry_encode(const tally_log_entry *e, uint8_t **out, size_t *out_len,
                           tally_error *err)
{
	const tally_log_bytes *blob = tally_log_entry_blob((tally_log_entry *)e);

	/* the limit first: a byte field's length is all we may trust of it */
	if (blob && blob->len > TALLY_LOG_MAX_BODY_BYTES)
		return tally_error_set(err, TALLY_ELIMIT, "L016", NULL,
		                       "a log entry's %s is at most %u bytes",
		                       tally_log_type_name(e->type), TALLY_LOG_MAX_BODY_BYTES);
	const char *bad = entry_bad_field(e);
	if (bad)
		return tally_error_set(err, TALLY_EINVAL, "L012", bad,
		                       "the %s entry's field '%s' is missing or out of its rules",
		                       tally_log_type_name(e->type), bad);
	writer w = {TALLY__BUF_INIT};
	tally__buf_str(&w.b, TAG_PREFIX TAG_VERSION);
	tally__buf_str(&w.b, type_names[e->type]);
	put_u8(&w, 0);
	put_u64(&w, e->time);
	switch (e->type) {
	case TALLY_LOG_DEFINITION:
		put_str(&w, e->u.definition.election);
		put_blob(&w, &e->u.definition.definition);
		break;
	case TALLY_LOG_KEY:
		put_str(&w, e->u.key.station);
		put_fixed(&w, e->u.key.pub, 32);
		break;
	case TALLY_LOG_PROTOCOL:
		put_str(&w, e->u.protocol.station);
		put_u64(&w, e->u.protocol.version);
		put_fixed(&w, e->u.protocol.key_id.b, TALLY_HASH_SIZE);
		put_fixed(&w, e->u.protocol.sig, 64);
		put_blob(&w, &e->u.protocol.body);
		break;
	case TALLY_LOG_ANNULMENT:
		put_u8(&w, e->u.annulment.kind);
		put_str(&w, e->u.annulment.target);
		put_str(&w, e->u.annulment.who);
		put_str(&w, e->u.annulment.reason);
		break;
	case TALLY_LOG_RESULTS:
		put_u64(&w, e->u.results.tree_size);
		put_blob(&w, &e->u.results.statement);
		break;
	case TALLY_LOG_REJECTED:
		put_str(&w, e->u.rejected.station);
		put_fixed(&w, e->u.rejected.key_id.b, TALLY_HASH_SIZE);
		put_fixed(&w, e->u.rejected.sig, 64);
		put_blob(&w, &e->u.rejected.body);
		put_str(&w, e->u.rejected.code);
		put_str(&w, e->u.rejected.reason);
		break;
	}
	if (w.b.oom) {
		tally__buf_release(&w.b);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	/* every field is bounded (ids 64 bytes, reasons 1,024, a blob held
	 * inline TALLY_LOG_INLINE_MAX): at most 62,681 bytes, a rejected
	 * submission's (docs/log-format.md), so every entry fits a bundle */
	TALLY_ASSERT(w.b.len <= TALLY_LOG_MAX_ENTRY_BYTES);
	*out = (uint8_t *)tally__buf_detach(&w.b, out_len);
	return TALLY_OK;
}

/* ==== Reading ==== */

typedef struct reader {
	const uint8_t *p;
	size_t len, pos;
	const char *bad;   /* the first field that could not be read */
	bool too_big;      /* "bad" is a blob over TALLY_LOG_MAX_BODY_BYTES */
} reader;

static bool take(reader *r, size_t n, const char *field, const uint8_t **at)
{
	if (r->bad)
		return false;
	if (r->len - r->pos < n) {
		r->bad = field;
		return false;
	}
	*at = r->p + r->pos;
	r->pos += n;
	return true;
}

static uint8_t get_u8(reader *r, const char *field)
{
	const uint8_t *at;
	return take(r, 1, field, &at) ? at[0] : 0;
}

static uint64_t get_u64(reader *r, const char *field)
{
	const uint8_t *at;
	return take(r, 8, field, &at) ? ledger__get_u64(at) : 0;
}

static void get_fixed(reader *r, uint8_t *out, size_t n, const char *field)
{
	const uint8_t *at;
	if (take(r, n, field, &at))
		memcpy(out, at, n);
}

static void get_bytes(reader *r, tally_log_bytes *b, const char *field)
{
	const uint8_t *at;
	b->p = NULL;
	b->len = 0;
	if (!take(r, 4, field, &at))
		return;
	size_t n = ledger__get_u32(at);
	if (take(r, n, field, &at)) {
		b->p = at;
		b->len = n;
	}
}

/* a blob: inline up to TALLY_LOG_INLINE_MAX bytes, else its SHA-256 */
static void get_blob(reader *r, tally_log_bytes *b, const char *field)
{
	const uint8_t *at;
	size_t n;

	memset(b, 0, sizeof *b);
	if (!take(r, 4, field, &at))
		return;
	n = ledger__get_u32(at);
	if (n <= TALLY_LOG_INLINE_MAX) {
		if (take(r, n, field, &at)) {
			b->p = at;
			b->len = n;
		}
		return;
	}
	if (n > TALLY_LOG_MAX_BODY_BYTES) {
		r->bad = field;
		r->too_big = true;
		return;
	}
	if (take(r, TALLY_HASH_SIZE, field, &at)) {
		b->len = n;
		b->by_hash = true;
		memcpy(b->hash.b, at, TALLY_HASH_SIZE);
	}
}

/* a string into a fixed array of "cap" bytes (NUL included) */
static void get_str(reader *r, char *out, size_t cap, const char *field)
{
	tally_log_bytes b;
	get_bytes(r, &b, field);
	if (r->bad)
		return;
	if (b.len >= cap || memchr(b.p, 0, b.len)) {
		r->bad = field;
		return;
	}
	memcpy(out, b.p, b.len);
	out[b.len] = '\0';
}

int tally_log_entry_decode(const uint8_t *buf, size_t len, tally_log_entry *out,
                           tally_error *err)
{
	if (len > TALLY_LOG_MAX_ENTRY_BYTES)
		return tally_error_set(err, TALLY_ELIMIT, "L016", NULL,
		                       "a log entry is at most %u bytes", TALLY_LOG_MAX_ENTRY_BYTES);
	const uint8_t *nul = memchr(buf, 0, len < 64 ? len : 64);
	size_t tag_len = nul ? (size_t)(nul - buf) : 0;
	size_t pre = sizeof TAG_PREFIX TAG_VERSION - 1;
	tally_log_type type = 0;
	if (nul && tag_len > pre && memcmp(buf, TAG_PREFIX TAG_VERSION, pre) == 0)
		for (int t = 1; t <= N_TYPES; t++)
			if (strlen(type_names[t]) == tag_len - pre &&
			    memcmp(buf + pre, type_names[t], tag_len - pre) == 0)
				type = (tally_log_type)t;
	if (type == 0)
		return tally_error_set(err, TALLY_EINVAL, "L013", NULL,
		                       "not a tally/v2 log entry of a known type%s",
		                       nul && tag_len > pre && memcmp(buf, TAG_PREFIX "v1/", pre) == 0
		                           ? " (tally/v1 is the format of an earlier tally)" : "");
	tally_log_entry *e = tally_calloc(1, sizeof *e);
	if (!e)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	reader r = {buf, len, tag_len + 1, NULL, false};
	e->type = type;
	e->time = get_u64(&r, "time");
	switch (type) {
	case TALLY_LOG_DEFINITION:
		get_str(&r, e->u.definition.election, sizeof e->u.definition.election, "election");
		get_blob(&r, &e->u.definition.definition, "definition");
		break;
	case TALLY_LOG_KEY:
		get_str(&r, e->u.key.station, sizeof e->u.key.station, "station");
		get_fixed(&r, e->u.key.pub, 32, "pub");
		break;
	case TALLY_LOG_PROTOCOL:
		get_str(&r, e->u.protocol.station, sizeof e->u.protocol.station, "station");
		e->u.protocol.version = get_u64(&r, "version");
		get_fixed(&r, e->u.protocol.key_id.b, TALLY_HASH_SIZE, "key_id");
		get_fixed(&r, e->u.protocol.sig, 64, "sig");
		get_blob(&r, &e->u.protocol.body, "body");
		break;
	case TALLY_LOG_ANNULMENT:
		e->u.annulment.kind = get_u8(&r, "kind");
		get_str(&r, e->u.annulment.target, sizeof e->u.annulment.target, "target");
		get_str(&r, e->u.annulment.who, sizeof e->u.annulment.who, "who");
		get_str(&r, e->u.annulment.reason, sizeof e->u.annulment.reason, "reason");
		break;
	case TALLY_LOG_RESULTS:
		e->u.results.tree_size = get_u64(&r, "tree_size");
		get_blob(&r, &e->u.results.statement, "statement");
		break;
	case TALLY_LOG_REJECTED:
		get_str(&r, e->u.rejected.station, sizeof e->u.rejected.station, "station");
		get_fixed(&r, e->u.rejected.key_id.b, TALLY_HASH_SIZE, "key_id");
		get_fixed(&r, e->u.rejected.sig, 64, "sig");
		get_blob(&r, &e->u.rejected.body, "body");
		get_str(&r, e->u.rejected.code, sizeof e->u.rejected.code, "code");
		get_str(&r, e->u.rejected.reason, sizeof e->u.rejected.reason, "reason");
		break;
	}
	const char *bad = r.bad;
	if (!bad && r.pos != r.len)
		bad = "end (trailing bytes)";
	if (!bad)
		bad = entry_bad_field(e);
	int rc = TALLY_OK;
	if (r.too_big)
		rc = tally_error_set(err, TALLY_ELIMIT, "L016", bad,
		                     "the %s entry's %s is over %u bytes", type_names[type], bad,
		                     TALLY_LOG_MAX_BODY_BYTES);
	else if (bad)
		rc = tally_error_set(err, TALLY_EINVAL, "L012", bad,
		                     "the %s entry's field '%s' is truncated or out of its rules",
		                     type_names[type], bad);
	else
		*out = *e;
	tally_free(e);
	return rc;
}

int tally_log_entry_check_signature(const tally_log_entry *e, const uint8_t pub[32],
                                    tally_error *err)
{
	const tally_hash *key_id;
	const uint8_t *sig;
	const tally_log_bytes *body;
	const char *station;
	if (e->type == TALLY_LOG_PROTOCOL) {
		key_id = &e->u.protocol.key_id;
		sig = e->u.protocol.sig;
		body = &e->u.protocol.body;
		station = e->u.protocol.station;
	} else if (e->type == TALLY_LOG_REJECTED) {
		key_id = &e->u.rejected.key_id;
		sig = e->u.rejected.sig;
		body = &e->u.rejected.body;
		station = e->u.rejected.station;
	} else {
		return tally_error_set(err, TALLY_EINVAL, "L014", NULL,
		                       "a %s entry carries no signature", tally_log_type_name(e->type));
	}
	tally_hash want;
	if (!body->p)
		return tally_error_set(err, TALLY_EINVAL, "L014", station,
		                       "station '%s': the signed body is logged by hash and is not at "
		                       "hand", station);
	tally_log_key_id(pub, &want);
	if (!tally_hash_equal(&want, key_id))
		return tally_error_set(err, TALLY_EINVAL, "L014", station,
		                       "station '%s': the entry names another key than the one "
		                       "registered", station);
	if (!tally_ed25519_verify(pub, body->p, body->len, sig))
		return tally_error_set(err, TALLY_EINVAL, "L014", station,
		                       "station '%s': the signature does not verify against the "
		                       "registered key", station);
	return TALLY_OK;
}
