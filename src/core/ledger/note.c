/* SPDX-License-Identifier: Apache-2.0 */
/*
 * note.c: C2SP signed notes (c2sp.org/signed-note@v1.0.0) with Ed25519
 * signatures (type 0x01) and timestamped witness cosignatures (type 0x04,
 * c2sp.org/tlog-cosignature@v1.0.1); their key strings; and the plain
 * Ed25519 helpers commissions use to sign the exact bytes they submit.
 * The CEC signs checkpoints with these notes, witnesses add cosignatures,
 * and `tally verify` opens them with the public keys it is given.
 */
#include "core/ledger/ledger_int.h"

#include <sodium.h>

/* the em dash U+2014 and a space that open a signature line */
static const char sig_prefix[] = "\xE2\x80\x94 ";
#define SIG_PREFIX_LEN 4
/* the largest signature we read from an unknown key (ML-DSA-44 is 2420) */
#define MAX_SIG_BYTES 5000
#define COSIG_HEADER "cosignature/v1\ntime "

static bool type_ok(uint8_t type)
{
	return type == TALLY_NOTE_ED25519 || type == TALLY_NOTE_COSIGNATURE;
}

uint32_t tally_note_key_id(const char *name, uint8_t type, const uint8_t pub[32])
{
	/* signed-note: SHA-256(key name || 0x0A || signature type || public key)[:4] */
	static const unsigned char nl = 0x0A;
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name));
	crypto_hash_sha256_update(&st, &nl, 1);
	crypto_hash_sha256_update(&st, &type, 1);
	crypto_hash_sha256_update(&st, pub, 32);
	crypto_hash_sha256_final(&st, h);
	return ledger__get_u32(h);
}

/* ==== Keys ==== */

int tally_note_signer_from_seed(const char *name, uint8_t type, const uint8_t seed[32],
                                tally_note_signer *out, tally_error *err)
{
	size_t nlen = strlen(name);
	if (!ledger__key_name_ok(name, nlen))
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL,
		                       "a key name is 1 to %d bytes without spaces or '+'",
		                       TALLY_NOTE_MAX_NAME);
	if (!type_ok(type))
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL,
		                       "unknown signature type 0x%02x", type);
	if (sodium_init() < 0)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "libsodium cannot start");
	tally_note_signer s;
	memset(&s, 0, sizeof s);
	memcpy(s.v.name, name, nlen + 1);
	s.v.type = type;
	crypto_sign_seed_keypair(s.v.pub, s.sk, seed);
	s.v.id = tally_note_key_id(name, type, s.v.pub);
	*out = s;
	sodium_memzero(&s, sizeof s);
	return TALLY_OK;
}

int tally_note_signer_generate(const char *name, uint8_t type, tally_note_signer *out,
                               tally_error *err)
{
	uint8_t seed[32];
	if (sodium_init() < 0)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "libsodium cannot start");
	randombytes_buf(seed, sizeof seed);
	int rc = tally_note_signer_from_seed(name, type, seed, out, err);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

void tally_note_signer_release(tally_note_signer *s)
{
	if (s)
		sodium_memzero(s, sizeof *s);
}

/* Splits "s" at its first max - 1 '+' into "max" parts, the last taking
 * the rest (base64 may itself hold '+'); returns how many parts there are. */
static size_t split_plus(const char *s, size_t len, const char **part, size_t *plen, size_t max)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i < len && n + 1 < max; i++) {
		if (s[i] == '+') {
			part[n] = s + start;
			plen[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	part[n] = s + start;
	plen[n] = len - start;
	return n + 1;
}

static bool parse_hex_id(const char *s, size_t n, uint32_t *out)
{
	if (n != 8)
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < 8; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* Reads "name", "hexid", "base64(type || 32 bytes)"; checks the id. */
static int parse_key_parts(const char **part, const size_t *plen, char name[TALLY_NOTE_MAX_NAME + 1],
                           uint8_t *type, uint32_t *id, uint8_t key[32], tally_error *err)
{
	uint8_t raw[33];
	if (!ledger__key_name_ok(part[0], plen[0]))
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL, "the key's name is not valid");
	if (!parse_hex_id(part[1], plen[1], id))
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL,
		                       "the key id is not 8 lower-case hex digits");
	if (ledger__b64_decode(part[2], plen[2], raw, sizeof raw) != 33 || !type_ok(raw[0]))
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL,
		                       "the key is not base64 of a type byte (0x01 or 0x04) and 32 bytes");
	memcpy(name, part[0], plen[0]);
	name[plen[0]] = '\0';
	*type = raw[0];
	memcpy(key, raw + 1, 32);
	sodium_memzero(raw, sizeof raw);
	return TALLY_OK;
}

int tally_note_verifier_parse(const char *s, size_t len, tally_note_verifier *out,
                              tally_error *err)
{
	const char *part[3];
	size_t plen[3];
	tally_note_verifier v;
	if (split_plus(s, len, part, plen, 3) != 3)
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL,
		                       "a verifier key reads NAME+ID+KEY");
	int rc = parse_key_parts(part, plen, v.name, &v.type, &v.id, v.pub, err);
	if (rc)
		return rc;
	if (tally_note_key_id(v.name, v.type, v.pub) != v.id)
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL,
		                       "the key id does not match the name and key");
	*out = v;
	return TALLY_OK;
}

int tally_note_signer_parse(const char *s, size_t len, tally_note_signer *out, tally_error *err)
{
	const char *part[5];
	size_t plen[5];
	char name[TALLY_NOTE_MAX_NAME + 1];
	uint8_t type = 0, seed[32];
	uint32_t id = 0;
	tally_note_signer k;
	int rc;
	if (split_plus(s, len, part, plen, 5) != 5 || plen[0] != 7 ||
	    memcmp(part[0], "PRIVATE", 7) != 0 || plen[1] != 3 || memcmp(part[1], "KEY", 3) != 0)
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL,
		                       "a signer key reads PRIVATE+KEY+NAME+ID+KEY");
	rc = parse_key_parts(part + 2, plen + 2, name, &type, &id, seed, err);
	if (rc == TALLY_OK)
		rc = tally_note_signer_from_seed(name, type, seed, &k, err);
	sodium_memzero(seed, sizeof seed);
	if (rc)
		return rc;
	if (k.v.id != id) {
		tally_note_signer_release(&k);
		return tally_error_set(err, TALLY_EINVAL, "L007", NULL,
		                       "the key id does not match the name and key");
	}
	*out = k;
	tally_note_signer_release(&k);
	return TALLY_OK;
}

static void add_key_string(tally__buf *b, const tally_note_verifier *v, const uint8_t key[32])
{
	uint8_t raw[33];
	char id[9];
	raw[0] = v->type;
	memcpy(raw + 1, key, 32);
	snprintf(id, sizeof id, "%08x", (unsigned)v->id);
	tally__buf_str(b, v->name);
	tally__buf_add(b, "+", 1);
	tally__buf_add(b, id, 8);
	tally__buf_add(b, "+", 1);
	ledger__b64_encode(b, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
}

char *tally_note_verifier_format(const tally_note_verifier *v)
{
	tally__buf b = TALLY__BUF_INIT;
	add_key_string(&b, v, v->pub);
	return tally__buf_detach(&b, NULL);
}

char *tally_note_signer_format(const tally_note_signer *s)
{
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_str(&b, "PRIVATE+KEY+");
	add_key_string(&b, &s->v, s->sk);   /* the first 32 bytes of sk are the seed */
	size_t len = 0;
	char *out = tally__buf_detach(&b, &len);
	return out;
}

/* ==== Signing ==== */

static bool text_ok(const char *text, size_t len)
{
	return len > 0 && len <= TALLY_NOTE_MAX_BYTES && text[len - 1] == '\n' &&
	       ledger__note_text_ok(text, len);
}

/* The message a signer of "type" signs over "text". */
static void signed_message(tally__buf *m, uint8_t type, uint64_t time, const char *text,
                           size_t len)
{
	if (type == TALLY_NOTE_COSIGNATURE) {
		/* tlog-cosignature: "cosignature/v1\ntime T\n" || checkpoint body */
		tally__buf_str(m, COSIG_HEADER);
		tally__buf_u64(m, time);
		tally__buf_add(m, "\n", 1);
	}
	tally__buf_add(m, text, len);
}

/* Appends the signature line of "s" over "text" to "b". */
static void add_signature_line(tally__buf *b, const tally_note_signer *s, uint64_t time,
                               const char *text, size_t len)
{
	tally__buf m = TALLY__BUF_INIT;
	uint8_t sig[4 + 8 + crypto_sign_BYTES];
	size_t n = 4;
	signed_message(&m, s->v.type, time, text, len);
	if (m.oom) {
		b->oom = 1;
		tally__buf_release(&m);
		return;
	}
	ledger__put_u32(sig, s->v.id);
	if (s->v.type == TALLY_NOTE_COSIGNATURE) {
		ledger__put_u64(sig + 4, time);
		n += 8;
	}
	crypto_sign_detached(sig + n, NULL, (const unsigned char *)m.s, m.len, s->sk);
	n += crypto_sign_BYTES;
	tally__buf_release(&m);
	tally__buf_add(b, sig_prefix, SIG_PREFIX_LEN);
	tally__buf_str(b, s->v.name);
	tally__buf_add(b, " ", 1);
	ledger__b64_encode(b, sig, n);
	tally__buf_add(b, "\n", 1);
}

static int sign_into(tally__buf *b, const char *text, size_t len,
                     const tally_note_signer *signers, size_t n, uint64_t time, char **out,
                     size_t *out_len, tally_error *err)
{
	for (size_t i = 0; i < n; i++)
		add_signature_line(b, &signers[i], time, text, len);
	if (b->oom) {
		tally__buf_release(b);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	*out = tally__buf_detach(b, out_len);
	return TALLY_OK;
}

static int check_signers(const char *text, size_t len, const tally_note_signer *signers,
                         size_t n, uint64_t time, tally_error *err)
{
	if (!text_ok(text, len))
		return tally_error_set(err, TALLY_EINVAL, "L015", NULL,
		                       "a note's text is UTF-8 without control characters, ends in a "
		                       "newline and is at most %u bytes", TALLY_NOTE_MAX_BYTES);
	if (time > (uint64_t)INT64_MAX)
		return tally_error_set(err, TALLY_EINVAL, "L015", NULL,
		                       "a cosignature's time is at most 2^63 - 1");
	if (n == 0 || n > TALLY_NOTE_MAX_SIGS)
		return tally_error_set(err, TALLY_EINVAL, "L015", NULL,
		                       "a note is signed by 1 to %d keys", TALLY_NOTE_MAX_SIGS);
	for (size_t i = 0; i < n; i++)
		if (!type_ok(signers[i].v.type))
			return tally_error_set(err, TALLY_EINVAL, "L015", NULL,
			                       "unknown signature type 0x%02x", signers[i].v.type);
	return TALLY_OK;
}

int tally_note_sign(const char *text, size_t len, const tally_note_signer *signers, size_t n,
                    uint64_t time, char **out, size_t *out_len, tally_error *err)
{
	int rc = check_signers(text, len, signers, n, time, err);
	if (rc)
		return rc;
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_add(&b, text, len);
	tally__buf_add(&b, "\n", 1);
	return sign_into(&b, text, len, signers, n, time, out, out_len, err);
}

/* ==== Reading ==== */

/* One parsed signature line. */
typedef struct sig_line {
	const char *name;
	size_t name_len;
	uint32_t id;
	const uint8_t *sig;   /* after the key id */
	size_t sig_len;
} sig_line;

/* Checks the shape of a signed note and finds its text; "*n_sigs" gets the
 * number of signature lines. */
static int note_split(const char *note, size_t len, size_t *text_len, size_t *n_sigs,
                      tally_error *err)
{
	if (len > TALLY_NOTE_MAX_BYTES)
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "the note is over %u bytes", TALLY_NOTE_MAX_BYTES);
	if (!ledger__note_text_ok(note, len))
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "the note is not UTF-8 text without control characters");
	/* the text ends at the last blank line */
	size_t i = len;
	while (i >= 2 && !(note[i - 2] == '\n' && note[i - 1] == '\n'))
		i--;
	if (i < 2)
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "the note has no blank line before its signatures");
	if (i == len || note[len - 1] != '\n')
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "the note's signature lines do not end in a newline");
	size_t n = 0;
	for (size_t k = i; k < len; k++)
		if (note[k] == '\n')
			n++;
	if (n > TALLY_NOTE_MAX_SIGS)
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "the note has more than %d signatures", TALLY_NOTE_MAX_SIGS);
	*text_len = i - 1;
	*n_sigs = n;
	return TALLY_OK;
}

/* Parses the signature line at note[*pos..] into "l" (its signature bytes
 * into "buf"); advances *pos past the newline. */
static int parse_sig_line(const char *note, size_t len, size_t *pos, sig_line *l,
                          uint8_t buf[MAX_SIG_BYTES + 4], tally_error *err)
{
	size_t p = *pos;
	const char *nl = memchr(note + p, '\n', len - p);
	TALLY_ASSERT(nl != NULL);   /* note_split checked the final newline */
	size_t end = (size_t)(nl - note);
	if (end - p < SIG_PREFIX_LEN || memcmp(note + p, sig_prefix, SIG_PREFIX_LEN) != 0)
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "a signature line does not start with an em dash and a space");
	p += SIG_PREFIX_LEN;
	const char *sp = memchr(note + p, ' ', end - p);
	if (!sp)
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "a signature line has no signature after the key name");
	size_t name_len = (size_t)(sp - (note + p));
	if (!ledger__key_name_ok(note + p, name_len))
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "a signature line has a bad key name");
	size_t b64 = (size_t)(sp - note) + 1;
	long n = ledger__b64_decode(note + b64, end - b64, buf, MAX_SIG_BYTES + 4);
	if (n < 5)
		return tally_error_set(err, TALLY_EINVAL, "L008", NULL,
		                       "a signature is not base64 of a key id and a signature");
	l->name = note + p;
	l->name_len = name_len;
	l->id = ledger__get_u32(buf);
	l->sig = buf + 4;
	l->sig_len = (size_t)n - 4;
	*pos = end + 1;
	return TALLY_OK;
}

/* Verifies one signature by known key "v"; "*time" gets a cosignature's
 * time. Returns true when it verifies. */
static int verify_sig(const tally_note_verifier *v, const sig_line *l, const char *text,
                      size_t text_len, uint64_t *time, bool *ok)
{
	uint64_t t = 0;
	const uint8_t *sig = l->sig;
	size_t want = crypto_sign_BYTES;
	*ok = false;
	if (v->type == TALLY_NOTE_COSIGNATURE) {
		want += 8;
		if (l->sig_len != want)
			return TALLY_OK;
		t = ledger__get_u64(sig);
		if (t > (uint64_t)INT64_MAX)
			return TALLY_OK;
		sig += 8;
	} else if (l->sig_len != want) {
		return TALLY_OK;
	}
	tally__buf m = TALLY__BUF_INIT;
	signed_message(&m, v->type, t, text, text_len);
	if (m.oom) {
		tally__buf_release(&m);
		return TALLY_ENOMEM;
	}
	*ok = crypto_sign_verify_detached(sig, (const unsigned char *)m.s, m.len, v->pub) == 0;
	tally__buf_release(&m);
	*time = t;
	return TALLY_OK;
}

int tally_note_open(const char *note, size_t len, const tally_note_verifier *known,
                    size_t n_known, tally_note *out, tally_error *err)
{
	size_t text_len = 0, n_sigs = 0;
	int rc = note_split(note, len, &text_len, &n_sigs, err);
	if (rc)
		return rc;
	if (sodium_init() < 0)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "libsodium cannot start");
	uint8_t *buf = tally_malloc(MAX_SIG_BYTES + 4);
	tally_note *res = tally_calloc(1, sizeof *res);
	if (!buf || !res) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	res->text_len = text_len;
	res->n_sigs = n_sigs;
	size_t pos = text_len + 1;
	for (size_t i = 0; i < n_sigs; i++) {
		sig_line l = {NULL, 0, 0, NULL, 0};
		rc = parse_sig_line(note, len, &pos, &l, buf, err);
		if (rc)
			goto out;
		for (size_t k = 0; k < n_known; k++) {
			const tally_note_verifier *v = &known[k];
			/* a known key is the pair (name, id); ignore everything else */
			if (v->id != l.id || strlen(v->name) != l.name_len ||
			    memcmp(v->name, l.name, l.name_len) != 0)
				continue;
			uint64_t t = 0;
			bool ok = false;
			if (verify_sig(v, &l, note, text_len, &t, &ok)) {
				rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
				goto out;
			}
			if (!ok) {
				rc = tally_error_set(err, TALLY_EINVAL, "L009", v->name,
				                     "the signature by key '%s' does not verify", v->name);
				goto out;
			}
			size_t j = 0;
			while (j < res->n_verified && res->verified[j] != k)
				j++;
			if (j == res->n_verified) {
				res->verified[j] = k;
				res->time[j] = t;
				res->n_verified++;
			}
		}
	}
	if (res->n_verified == 0) {
		rc = tally_error_set(err, TALLY_EINVAL, "L010", NULL,
		                     "no signature on the note is by a known key");
		goto out;
	}
	*out = *res;
	rc = TALLY_OK;
out:
	tally_free(buf);
	tally_free(res);
	return rc;
}

int tally_note_add_signatures(const char *note, size_t len, const tally_note_signer *signers,
                              size_t n, uint64_t time, char **out, size_t *out_len,
                              tally_error *err)
{
	size_t text_len = 0, n_sigs = 0;
	int rc = note_split(note, len, &text_len, &n_sigs, err);
	if (rc)
		return rc;
	if (n_sigs + n > TALLY_NOTE_MAX_SIGS)
		return tally_error_set(err, TALLY_EINVAL, "L015", NULL,
		                       "a note carries at most %d signatures", TALLY_NOTE_MAX_SIGS);
	rc = check_signers(note, text_len, signers, n, time, err);
	if (rc)
		return rc;
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_add(&b, note, len);
	return sign_into(&b, note, text_len, signers, n, time, out, out_len, err);
}

/* ==== Commission keys ==== */

void tally_ed25519_keygen(uint8_t pub[32], uint8_t sk[64])
{
	if (sodium_init() < 0)
		TALLY_ASSERT(!"libsodium cannot start");
	crypto_sign_keypair(pub, sk);
}

void tally_ed25519_sign(const uint8_t sk[64], const void *msg, size_t len, uint8_t sig[64])
{
	crypto_sign_detached(sig, NULL, msg, len, sk);
}

bool tally_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
                          const uint8_t sig[64])
{
	return crypto_sign_verify_detached(sig, msg, len, pub) == 0;
}

void tally_log_key_id(const uint8_t pub[32], tally_hash *out)
{
	unsigned char m[33];
	m[0] = 0x01;
	memcpy(m + 1, pub, 32);
	crypto_hash_sha256(out->b, m, sizeof m);
}
