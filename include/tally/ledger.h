/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger.h: the transparency log of an election, as pure functions over
 * bytes: RFC 9162 Merkle tree hashing, an append-only in-memory tree with
 * inclusion and consistency proofs and their verification (RFC 9162 2.1.3,
 * 2.1.4), C2SP signed notes with Ed25519 signatures and witness
 * cosignatures (c2sp.org/signed-note@v1.0.0, tlog-cosignature@v1.0.1),
 * C2SP checkpoints (tlog-checkpoint@v1.0.0), and the typed, versioned,
 * canonical log entries of tally (docs/log-format.md). Nothing here touches
 * a file or a database; the store persists what these functions compute.
 *
 * Errors carry codes L001-L016 (docs/log-format.md lists them). Hashes are
 * SHA-256 throughout (libsodium); signatures are Ed25519 (RFC 8032).
 */
#ifndef TALLY_LEDGER_H
#define TALLY_LEDGER_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Limits of the log ==== */
#define TALLY_HASH_SIZE 32
#define TALLY_MERKLE_MAX_PROOF 128          /* hashes in any proof we accept */
#define TALLY_NOTE_MAX_NAME 256             /* bytes in a key name or origin */
#define TALLY_NOTE_MAX_SIGS 100             /* signature lines in one note */
#define TALLY_NOTE_MAX_BYTES (1u << 20)     /* a whole signed note */
/* A log entry is at most 65,535 bytes, so that every entry fits the uint16
 * framing of an entry bundle (c2sp.org/tlog-tiles); a byte field over
 * TALLY_LOG_INLINE_MAX bytes is logged by its SHA-256 and length, and its
 * bytes (the body) are kept and served beside the log (docs/log-format.md,
 * "Large bodies"). The bound is checked in entry.c: the largest entry with
 * an inline field of TALLY_LOG_INLINE_MAX bytes is 62,681 bytes. */
#define TALLY_LOG_MAX_ENTRY_BYTES 65535u
#define TALLY_LOG_INLINE_MAX 61440u         /* bytes of a byte field held in the entry */
#define TALLY_LOG_MAX_BODY_BYTES (TALLY_MAX_DEF_BYTES + (1u << 20)) /* one body */

/* A SHA-256 value. */
typedef struct tally_hash {
	uint8_t b[TALLY_HASH_SIZE];
} tally_hash;

/* ==== Merkle tree hashing (RFC 9162 2.1.1) ==== */

/* MTH({d}) = SHA-256(0x00 || d): the leaf hash of an entry of "len" bytes. */
TALLY_API void tally_merkle_leaf_hash(const void *entry, size_t len, tally_hash *out);
/* SHA-256(0x01 || left || right): an interior node. */
TALLY_API void tally_merkle_node_hash(const tally_hash *left, const tally_hash *right,
                                      tally_hash *out);
/* MTH({}) = SHA-256(""): the root of the empty tree. */
TALLY_API void tally_merkle_empty_root(tally_hash *out);
/* tally_hash_equal compares two hashes in constant time. */
TALLY_API bool tally_hash_equal(const tally_hash *a, const tally_hash *b);

/* tally_hash_from_base64 decodes standard, padded base64 (RFC 4648 4) of
 * exactly 32 bytes. Anything else (bad base64, non-canonical padding bits,
 * another length) is TALLY_EINVAL (L001). "out" is untouched on error. */
TALLY_API int tally_hash_from_base64(const char *s, size_t len, tally_hash *out,
                                     tally_error *err);
/* tally_hash_to_base64 writes the 44 characters and a NUL into "out". */
TALLY_API void tally_hash_to_base64(const tally_hash *h, char out[45]);
/* tally_hash_to_hex writes 64 lower-case hex digits and a NUL into "out". */
TALLY_API void tally_hash_to_hex(const tally_hash *h, char out[65]);

/* ==== Compact range: the O(log n) frontier of a tree ==== */

/* The roots of the perfect subtrees that make up a tree of "size" leaves,
 * largest first: enough to append and to compute the root, in 2 KiB. Used
 * to recompute a log's root from a stream of entries without keeping them.
 * Caller-owned; tally_merkle_frontier_init empties it. */
typedef struct tally_merkle_frontier {
	uint64_t size;
	tally_hash node[64];   /* node[i] for each set bit of size, highest bit first */
	unsigned n;
} tally_merkle_frontier;

TALLY_API void tally_merkle_frontier_init(tally_merkle_frontier *f);
/* Appends a leaf hash; TALLY_ELIMIT (L016) when the size would overflow. */
TALLY_API int tally_merkle_frontier_append(tally_merkle_frontier *f, const tally_hash *leaf,
                                           tally_error *err);
/* The root of the tree so far (the empty root for size 0). */
TALLY_API void tally_merkle_frontier_root(const tally_merkle_frontier *f, tally_hash *out);

/* ==== The tree ==== */

/* An append-only Merkle tree in memory: every leaf hash and every perfect
 * subtree's hash is kept, so the root of any earlier size and any proof
 * cost O(log n) hashes. Created with tally_merkle_tree_new, freed with
 * tally_merkle_tree_free (NULL is a no-op). */
typedef struct tally_merkle_tree tally_merkle_tree;

TALLY_API int tally_merkle_tree_new(tally_merkle_tree **out);
TALLY_API void tally_merkle_tree_free(tally_merkle_tree *t);
TALLY_API uint64_t tally_merkle_tree_size(const tally_merkle_tree *t);

/* tally_merkle_tree_append hashes "entry" as a leaf and appends it;
 * tally_merkle_tree_append_hash appends a leaf hash already computed. The
 * new leaf's index goes to "*index" (if not NULL). TALLY_ENOMEM leaves the
 * tree unchanged. */
TALLY_API int tally_merkle_tree_append(tally_merkle_tree *t, const void *entry, size_t len,
                                       uint64_t *index, tally_error *err);
TALLY_API int tally_merkle_tree_append_hash(tally_merkle_tree *t, const tally_hash *leaf,
                                            uint64_t *index, tally_error *err);

/* The leaf hash at "index"; TALLY_EINVAL (L006) if index >= size. */
TALLY_API int tally_merkle_tree_leaf(const tally_merkle_tree *t, uint64_t index,
                                     tally_hash *out, tally_error *err);

/* The root of the tree over its first "size" leaves (size <= the tree's
 * size, else TALLY_EINVAL, L006). */
TALLY_API int tally_merkle_tree_root(const tally_merkle_tree *t, uint64_t size,
                                     tally_hash *out, tally_error *err);

/* tally_merkle_tree_inclusion writes the inclusion proof (RFC 9162 2.1.3.1)
 * of leaf "index" in the tree of the first "size" leaves into "path" (room
 * for TALLY_MERKLE_MAX_PROOF hashes) and its length into "*n". TALLY_EINVAL
 * (L006) unless index < size <= the tree's size. */
TALLY_API int tally_merkle_tree_inclusion(const tally_merkle_tree *t, uint64_t index,
                                          uint64_t size, tally_hash *path, size_t *n,
                                          tally_error *err);

/* tally_merkle_tree_consistency writes the consistency proof (RFC 9162
 * 2.1.4.1) between the trees of the first size1 and size2 leaves. TALLY_EINVAL
 * (L006) unless 0 < size1 <= size2 <= the tree's size. */
TALLY_API int tally_merkle_tree_consistency(const tally_merkle_tree *t, uint64_t size1,
                                            uint64_t size2, tally_hash *path, size_t *n,
                                            tally_error *err);

/* ==== Proof verification (RFC 9162 2.1.3.2 and 2.1.4.2) ==== */

/* tally_merkle_verify_inclusion returns TALLY_OK when "path" proves that
 * "leaf" is at "index" in the tree of "size" leaves whose root is "root".
 * Errors (TALLY_EINVAL): L002 index >= size; L003 the proof does not verify
 * (wrong length or another root). */
TALLY_API int tally_merkle_verify_inclusion(uint64_t index, uint64_t size,
                                            const tally_hash *leaf, const tally_hash *path,
                                            size_t n, const tally_hash *root, tally_error *err);

/* tally_merkle_verify_consistency returns TALLY_OK when "path" proves that
 * the tree of size1 leaves with root1 is a prefix of the tree of size2
 * leaves with root2. When size1 == size2 the proof must be empty and the
 * roots equal. Errors (TALLY_EINVAL): L004 size1 == 0 (a proof from the empty
 * tree proves nothing) or size1 > size2; L005 the proof does not verify. */
TALLY_API int tally_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                              const tally_hash *root1, const tally_hash *root2,
                                              const tally_hash *path, size_t n,
                                              tally_error *err);

/* ==== Keys (c2sp.org/signed-note) ==== */

#define TALLY_NOTE_ED25519 0x01      /* a note signature over the text */
#define TALLY_NOTE_COSIGNATURE 0x04  /* a timestamped witness cosignature (tlog-cosignature) */

/* A public key known to a verifier. */
typedef struct tally_note_verifier {
	char name[TALLY_NOTE_MAX_NAME + 1];
	uint8_t type;        /* TALLY_NOTE_ED25519 or TALLY_NOTE_COSIGNATURE */
	uint32_t id;         /* SHA-256(name || 0x0A || type || pub)[:4], big-endian */
	uint8_t pub[32];
} tally_note_verifier;

/* A private key. Release it with tally_note_signer_release, which wipes it. */
typedef struct tally_note_signer {
	tally_note_verifier v;
	uint8_t sk[64];      /* libsodium's Ed25519 secret key: seed || public key */
} tally_note_signer;

/* tally_note_key_id computes the key id of (name, type, pub). */
TALLY_API uint32_t tally_note_key_id(const char *name, uint8_t type, const uint8_t pub[32]);

/* tally_note_signer_generate makes a new random key named "name" of
 * "type". TALLY_EINVAL (L007) for a bad name or type. */
TALLY_API int tally_note_signer_generate(const char *name, uint8_t type,
                                         tally_note_signer *out, tally_error *err);
/* tally_note_signer_from_seed derives the key from a 32-byte seed. */
TALLY_API int tally_note_signer_from_seed(const char *name, uint8_t type,
                                          const uint8_t seed[32], tally_note_signer *out,
                                          tally_error *err);
TALLY_API void tally_note_signer_release(tally_note_signer *s);

/* Key strings. A verifier key is "name+hexid+base64(type || pub)"; a signer
 * key is "PRIVATE+KEY+name+hexid+base64(type || seed)". Parsing checks
 * every part, the id included: TALLY_EINVAL (L007) otherwise. */
TALLY_API int tally_note_verifier_parse(const char *s, size_t len, tally_note_verifier *out,
                                        tally_error *err);
TALLY_API int tally_note_signer_parse(const char *s, size_t len, tally_note_signer *out,
                                      tally_error *err);
/* Formatting returns a NUL-terminated string the caller frees with
 * tally_free, or NULL when out of memory. The signer string holds the
 * secret seed. */
TALLY_API char *tally_note_verifier_format(const tally_note_verifier *v);
TALLY_API char *tally_note_signer_format(const tally_note_signer *s);

/* ==== Signed notes ==== */

/* tally_note_sign signs "text" (valid UTF-8, no control characters but
 * newline, ending in a newline) with each of "n" signers, and returns the
 * signed note (text, a blank line, one signature line per signer) in
 * "*out" (NUL-terminated, freed with tally_free; its length in "*out_len").
 * A TALLY_NOTE_COSIGNATURE signer signs "cosignature/v1\ntime T\n" || text
 * with T = "time" (at most 2^63 - 1); "text" should then be a checkpoint.
 * Errors: TALLY_EINVAL L015 (bad text, or a time over 2^63 - 1),
 * TALLY_ENOMEM. */
TALLY_API int tally_note_sign(const char *text, size_t len, const tally_note_signer *signers,
                              size_t n, uint64_t time, char **out, size_t *out_len,
                              tally_error *err);

/* tally_note_add_signatures appends signature lines to an already signed
 * note (a witness adding its cosignature): "note" keeps its signatures and
 * gets one more line per signer. Same errors as tally_note_sign, plus L008
 * if "note" is not a well-formed signed note. */
TALLY_API int tally_note_add_signatures(const char *note, size_t len,
                                        const tally_note_signer *signers, size_t n,
                                        uint64_t time, char **out, size_t *out_len,
                                        tally_error *err);

/* What tally_note_open found. */
typedef struct tally_note {
	size_t text_len;        /* the text is note[0:text_len], final newline included */
	size_t n_sigs;          /* signature lines in the note */
	size_t n_verified;      /* distinct known keys whose signature verified */
	size_t verified[TALLY_NOTE_MAX_SIGS]; /* index in "known" of each */
	uint64_t time[TALLY_NOTE_MAX_SIGS];   /* its cosignature time (0 for type 0x01) */
} tally_note;

/* tally_note_open parses a signed note and verifies it against "known":
 * signatures by unknown (name, id) pairs are ignored; every signature by a
 * known key must verify; at least one must. Errors (TALLY_EINVAL): L008 the
 * note is malformed (no blank line, a bad signature line, bad UTF-8, control
 * characters, more than TALLY_NOTE_MAX_SIGS signatures or
 * TALLY_NOTE_MAX_BYTES bytes); L009 a known key's signature does not verify;
 * L010 no known key signed. */
TALLY_API int tally_note_open(const char *note, size_t len, const tally_note_verifier *known,
                              size_t n_known, tally_note *out, tally_error *err);

/* ==== Checkpoints (c2sp.org/tlog-checkpoint) ==== */

typedef struct tally_checkpoint {
	char origin[TALLY_NOTE_MAX_NAME + 1];
	uint64_t size;           /* at most 2^63 - 1 */
	tally_hash root;
	const char *ext;         /* extension lines, each ending in '\n' (borrowed) */
	size_t ext_len;          /* 0 when there are none */
} tally_checkpoint;

/* tally_checkpoint_parse reads a checkpoint body (the text of its signed
 * note). "ext" then points into "text". TALLY_EINVAL (L011) on any
 * deviation: empty origin, a size with leading zeros or over 2^63 - 1, a root
 * that is not base64 of 32 bytes, an empty extension line, no final newline. */
TALLY_API int tally_checkpoint_parse(const char *text, size_t len, tally_checkpoint *out,
                                     tally_error *err);
/* tally_checkpoint_format writes the body (freed with tally_free). Errors:
 * TALLY_EINVAL (L011) for a checkpoint that would not parse back;
 * TALLY_ENOMEM. */
TALLY_API int tally_checkpoint_format(const tally_checkpoint *c, char **out, size_t *out_len,
                                      tally_error *err);

/* ==== Commission keys and protocol signatures ==== */

/* tally_ed25519_keygen makes a random Ed25519 key pair (sk = seed || pub). */
TALLY_API void tally_ed25519_keygen(uint8_t pub[32], uint8_t sk[64]);
/* Signs "msg" (the exact bytes submitted) with "sk". */
TALLY_API void tally_ed25519_sign(const uint8_t sk[64], const void *msg, size_t len,
                                  uint8_t sig[64]);
TALLY_API bool tally_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
                                    const uint8_t sig[64]);
/* The key id a protocol entry carries: SHA-256(0x01 || pub). */
TALLY_API void tally_log_key_id(const uint8_t pub[32], tally_hash *out);

/* ==== Log entries (docs/log-format.md) ==== */

typedef enum tally_log_type {
	TALLY_LOG_DEFINITION = 1, /* the election definition, as loaded */
	TALLY_LOG_KEY = 2,        /* a commission key registration */
	TALLY_LOG_PROTOCOL = 3,   /* a protocol version as the commission signed it */
	TALLY_LOG_ANNULMENT = 4,  /* an annulment with its reason */
	TALLY_LOG_RESULTS = 5,    /* a published results statement */
	TALLY_LOG_REJECTED = 6    /* a signed submission that was refused (evidence) */
} tally_log_type;

/* A byte field of an entry (a "blob": the definition, a protocol's or a
 * rejected submission's body, a results statement). Up to
 * TALLY_LOG_INLINE_MAX bytes it is held in the entry and "p" is borrowed
 * from the caller's buffer. Larger, it is logged by hash: the entry holds
 * its length and SHA-256 ("by_hash", "hash"), and its bytes, the body, are
 * kept beside the log; decoding then gives p == NULL until the body is
 * attached (tally_log_bytes_attach). */
typedef struct tally_log_bytes {
	const uint8_t *p;
	size_t len;
	bool by_hash;       /* len > TALLY_LOG_INLINE_MAX: the entry holds "hash" */
	tally_hash hash;    /* SHA-256 of the len bytes, when by_hash */
} tally_log_bytes;

/* One entry. Strings are NUL-terminated copies (ids: 1..TALLY_MAX_ID_LEN of
 * [A-Za-z0-9._:/@-]; reasons and names: UTF-8 without NUL); byte fields are
 * borrowed from the buffer that was decoded or from the caller. */
typedef struct tally_log_entry {
	tally_log_type type;
	uint64_t time;            /* Unix seconds when the entry was logged */
	union {
		struct {
			char election[TALLY_MAX_ID_LEN + 1];
			tally_log_bytes definition;   /* the definition file's exact bytes */
		} definition;
		struct {
			char station[TALLY_MAX_ID_LEN + 1];
			uint8_t pub[32];              /* Ed25519 public key */
		} key;
		struct {
			char station[TALLY_MAX_ID_LEN + 1];
			uint64_t version;             /* 1 for the first, 2 for a correction... */
			tally_hash key_id;            /* tally_log_key_id of the signing key */
			uint8_t sig[64];              /* Ed25519 over body, exactly */
			tally_log_bytes body;         /* the submitted bytes */
		} protocol;
		struct {
			uint8_t kind;                 /* 0 a station, 1 a constituency */
			char target[TALLY_MAX_ID_LEN + 1];
			char who[TALLY_MAX_ID_LEN + 1];
			char reason[TALLY_MAX_REASON_LEN + 1];
		} annulment;
		struct {
			uint64_t tree_size;           /* the log entries it covers */
			tally_log_bytes statement;    /* the totals at every level */
		} results;
		struct {
			char station[TALLY_MAX_ID_LEN + 1];
			tally_hash key_id;
			uint8_t sig[64];
			tally_log_bytes body;
			char code[16];                /* the refusal's error code */
			char reason[TALLY_MAX_REASON_LEN + 1];
		} rejected;
	} u;
} tally_log_entry;

/* tally_log_entry_encode writes the canonical bytes of "e" (freed with
 * tally_free). A byte field over TALLY_LOG_INLINE_MAX bytes is written as
 * its length and SHA-256: the "hash" given when "by_hash" is set (the
 * caller vouches that it is the SHA-256 of the body; "p" is not read),
 * else the SHA-256 of the "len" bytes at "p", computed here. The caller
 * keeps the body (tally_log_entry_blob finds the field). Errors:
 * TALLY_EINVAL (L012) for a field out of its rules (by_hash on a field of
 * TALLY_LOG_INLINE_MAX bytes or less included), TALLY_ELIMIT (L016) for a
 * body over TALLY_LOG_MAX_BODY_BYTES, TALLY_ENOMEM. */
TALLY_API int tally_log_entry_encode(const tally_log_entry *e, uint8_t **out, size_t *out_len,
                                     tally_error *err);
/* tally_log_entry_decode reads canonical bytes; inline byte fields of "out"
 * point into "buf", a field logged by hash has by_hash set, its length and
 * SHA-256, and p == NULL. Only canonical input is accepted, so
 * encode(decode(b)) == b. Errors: TALLY_EINVAL L012 (truncated, trailing
 * bytes, a field out of its rules), L013 (an unknown type or version: a
 * tally/v1 entry is L013 too); TALLY_ELIMIT L016 (an entry over
 * TALLY_LOG_MAX_ENTRY_BYTES, a body over TALLY_LOG_MAX_BODY_BYTES). */
TALLY_API int tally_log_entry_decode(const uint8_t *buf, size_t len, tally_log_entry *out,
                                     tally_error *err);
/* The name of an entry type ("protocol"), or "?" */
TALLY_API const char *tally_log_type_name(tally_log_type t);

/* tally_log_entry_blob returns the entry's one byte field that may be
 * large (the definition, a protocol's or rejected submission's body, a
 * results statement: the blob), or NULL for a type without one (key,
 * annulment). It points into "e". */
TALLY_API tally_log_bytes *tally_log_entry_blob(tally_log_entry *e);

/* tally_sha256 writes SHA-256(data) (FIPS 180-4): what a body logged by
 * hash is named by. */
TALLY_API void tally_sha256(const void *data, size_t len, tally_hash *out);

/* tally_log_bytes_attach gives a field logged by hash its body: "body" must
 * be exactly b->len bytes whose SHA-256 is b->hash; then b->p = body
 * (borrowed). TALLY_EINVAL (L033) otherwise, "b" untouched; a field held
 * inline is left as it is (TALLY_OK). */
TALLY_API int tally_log_bytes_attach(tally_log_bytes *b, const uint8_t *body, size_t len,
                                     tally_error *err);

/* tally_log_entry_check_signature checks a protocol or rejected entry
 * against the registered key "pub": the key id must be that of "pub" and the
 * signature must verify over the body. TALLY_EINVAL (L014) otherwise, for
 * an entry of another type, or for a body logged by hash that was not
 * attached. */
TALLY_API int tally_log_entry_check_signature(const tally_log_entry *e, const uint8_t pub[32],
                                              tally_error *err);

/* ==== Tiles (c2sp.org/tlog-tiles) ==== */

/* A tiled log serves its tree as tiles of 256 consecutive hashes at heights
 * 0, 8, 16, ... (level L holds the roots of the perfect subtrees of 256^L
 * leaves) and its entries as bundles of 256 (tiles.c, docs/log-format.md). */
#define TALLY_TILE_HEIGHT 8
#define TALLY_TILE_WIDTH 256                /* hashes in a full tile, entries in a bundle */
#define TALLY_TILE_MAX_LEVEL 63
#define TALLY_TILE_MAX_ENTRY 65535          /* bytes of an entry in a bundle (uint16 length) */
#define TALLY_TILE_MAX_PATH 64              /* bytes of "tile/entries/x.../NNN.p/WWW" and a NUL */

/* One tile or entry bundle: "width" 1..255 is a partial one, 256 full. */
typedef struct tally_tile {
	bool entries;            /* an entry bundle (tile/entries/...), not a hash tile */
	unsigned level;          /* 0..63; 0 for a bundle */
	uint64_t index;
	unsigned width;
} tally_tile;

/* tally_tile_parse reads the part of a tile path after "tile/": "L/N" or
 * "entries/N", then ".p/W" for a partial tile; N in the canonical
 * three-digit groups ("x001/x234/067"), L and W without leading zeros.
 * TALLY_EINVAL (L029) for anything else; "out" is untouched then. */
TALLY_API int tally_tile_parse(const char *path, size_t len, tally_tile *out, tally_error *err);
/* tally_tile_format writes the tile's path "tile/..." (NUL-terminated) into
 * "out", which holds TALLY_TILE_MAX_PATH bytes. */
TALLY_API void tally_tile_format(const tally_tile *t, char out[TALLY_TILE_MAX_PATH]);
/* tally_tile_width is the width of tile "index" of "level" in the tree of
 * "size" leaves: 256 when full, 1..255 for the partial tile at the right
 * edge, 0 when the tree has no hash of it (a bundle's width is that of the
 * level-0 tile). */
TALLY_API unsigned tally_tile_width(uint64_t size, unsigned level, uint64_t index);
/* tally_merkle_tree_tile writes the t->width hashes of hash tile "t" into
 * "out" (32 * width bytes). TALLY_ENOTFOUND (L030) when the tree of "size"
 * leaves (at most the tree's size) has fewer hashes than that, or "t" is a
 * bundle. */
TALLY_API int tally_merkle_tree_tile(const tally_merkle_tree *tr, uint64_t size,
                                     const tally_tile *t, uint8_t *out, tally_error *err);

/* Reading a tree back from its tiles. The callback fills out[0..t->width)
 * with the hashes of hash tile "t" (as fetched: the caller checks its
 * length) and returns TALLY_OK, or fills "err". Every tile it is asked for
 * is the one a client of the tree of "size" leaves may fetch: full, or
 * partial of that tree's width. */
typedef int (*tally_tile_read_fn)(void *ctx, const tally_tile *t, tally_hash *out,
                                  tally_error *err);

/* tally_tiles_root computes the root of the tree of "size" leaves from its
 * tiles; errors are the callback's. */
TALLY_API int tally_tiles_root(uint64_t size, tally_tile_read_fn read, void *ctx,
                               tally_hash *out, tally_error *err);
/* tally_tiles_inclusion builds the inclusion proof (RFC 9162 2.1.3.1) of
 * leaf "index" in the tree of "size" leaves from its tiles, as
 * tally_merkle_tree_inclusion does from a tree; "*leaf" (if not NULL) gets
 * the leaf hash. TALLY_EINVAL (L006) when index >= size. */
TALLY_API int tally_tiles_inclusion(uint64_t index, uint64_t size, tally_tile_read_fn read,
                                    void *ctx, tally_hash *leaf,
                                    tally_hash path[TALLY_MERKLE_MAX_PROOF], size_t *n,
                                    tally_error *err);

/* One entry of a bundle: borrowed from the bundle's buffer. */
typedef struct tally_bundle_entry {
	const uint8_t *bytes;
	size_t len;
} tally_bundle_entry;

/* tally_bundle_parse splits an entry bundle (big-endian uint16 length,
 * then the entry, repeated) into exactly "width" entries. TALLY_EINVAL
 * (L032) when it is truncated, holds more or fewer entries, or has bytes
 * after the last. */
TALLY_API int tally_bundle_parse(const uint8_t *buf, size_t len, unsigned width,
                                 tally_bundle_entry out[TALLY_TILE_WIDTH], tally_error *err);

#ifdef __cplusplus
}
#endif
#endif
