/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.c: status strings, the error record, the allocator hook, and the
 * small shared helpers declared in core_int.h (buffer, hash table, text
 * checks, the deterministic random number generator).
 */
#include "core_int.h"

#include <math.h>

/* ==== Status and errors ==== */

const char *tally_strerror(int status)
{
	switch (status) {
	case TALLY_OK: return "success";
	case TALLY_ENOMEM: return "out of memory";
	case TALLY_EINVAL: return "invalid input";
	case TALLY_ENOTFOUND: return "not found";
	case TALLY_ECONFLICT: return "conflicts with stored data";
	case TALLY_EREJECTED: return "protocol rejected by a control relation";
	case TALLY_ELIMIT: return "limit exceeded";
	case TALLY_EIO: return "input/output error";
	case TALLY_ESTORE: return "database error";
	case TALLY_EEXIST: return "already exists";
	default: return "unknown error";
	}
}

static void copy_trunc(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int tally_error_set(tally_error *err, int status, const char *code, const char *where,
                    const char *fmt, ...)
{
	if (!err)
		return status;
	err->status = status;
	copy_trunc(err->code, sizeof err->code, code);
	copy_trunc(err->where, sizeof err->where, where);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return status;
}

void tally_error_clear(tally_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

void tally__assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "tally: internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
	abort();
}

/* ==== Allocator ==== */

static void *std_malloc(size_t n, void *ud) { (void)ud; return malloc(n); }
static void *std_realloc(void *p, size_t n, void *ud) { (void)ud; return realloc(p, n); }
static void std_free(void *p, void *ud) { (void)ud; free(p); }

static tally_allocator alloc = {std_malloc, std_realloc, std_free, NULL};

void tally_set_allocator(const tally_allocator *a)
{
	if (a)
		alloc = *a;
	else
		alloc = (tally_allocator){std_malloc, std_realloc, std_free, NULL};
}

void *tally_malloc(size_t size)
{
	return alloc.malloc_fn(size ? size : 1, alloc.ud);
}

void *tally_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	size_t total = n * size;
	void *p = tally_malloc(total);
	if (p && total > 0)
		memset(p, 0, total);
	return p;
}

void *tally_realloc(void *ptr, size_t size)
{
	if (!ptr)
		return tally_malloc(size);
	return alloc.realloc_fn(ptr, size ? size : 1, alloc.ud);
}

void tally_free(void *ptr)
{
	if (ptr)
		alloc.free_fn(ptr, alloc.ud);
}

char *tally_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = tally_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ==== Buffer ==== */

static int buf_grow(tally__buf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = tally_realloc(b->s, cap);
	if (!s) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void tally__buf_add(tally__buf *b, const char *s, size_t n)
{
	if (buf_grow(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void tally__buf_str(tally__buf *b, const char *s)
{
	tally__buf_add(b, s, strlen(s));
}

void tally__buf_printf(tally__buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void tally__buf_u64(tally__buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	tally__buf_add(b, tmp + i, sizeof tmp - i);
}

void tally__buf_json_str(tally__buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	tally__buf_add(b, "\"", 1);
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		tally__buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': tally__buf_add(b, "\\\"", 2); break;
		case '\\': tally__buf_add(b, "\\\\", 2); break;
		case '\n': tally__buf_add(b, "\\n", 2); break;
		case '\t': tally__buf_add(b, "\\t", 2); break;
		case '\r': tally__buf_add(b, "\\r", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			tally__buf_add(b, u, 6);
		}
		}
	}
	tally__buf_add(b, run, (size_t)(s - run));
	tally__buf_add(b, "\"", 1);
}

char *tally__buf_detach(tally__buf *b, size_t *len)
{
	if (b->oom) {
		tally__buf_release(b);
		return NULL;
	}
	if (!b->s && buf_grow(b, 0))
		return NULL;
	char *s = b->s;
	if (len)
		*len = b->len;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void tally__buf_release(tally__buf *b)
{
	tally_free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

/* ==== Hash table ==== */

uint64_t tally__hash(const char *s, size_t n)
{
	/* FNV-1a, then a final mix so that the low bits are well spread. */
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static int map_grow(tally__map *m)
{
	uint32_t cap = m->cap ? m->cap * 2 : 64;
	const char **keys = tally_calloc(cap, sizeof *keys);
	uint32_t *vals = tally_malloc(cap * sizeof *vals);
	uint64_t *hashes = tally_malloc(cap * sizeof *hashes);
	if (!keys || !vals || !hashes) {
		tally_free(keys);
		tally_free(vals);
		tally_free(hashes);
		return TALLY_ENOMEM;
	}
	for (uint32_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		uint32_t j = (uint32_t)m->hashes[i] & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
		hashes[j] = m->hashes[i];
	}
	tally_free(m->keys);
	tally_free(m->vals);
	tally_free(m->hashes);
	m->keys = keys;
	m->vals = vals;
	m->hashes = hashes;
	m->cap = cap;
	return TALLY_OK;
}

int tally__map_put(tally__map *m, const char *key, uint32_t val, uint32_t *existing)
{
	if ((m->n + 1) * 4 >= m->cap * 3 && map_grow(m))
		return TALLY_ENOMEM;
	size_t len = strlen(key);
	uint64_t h = tally__hash(key, len);
	uint32_t j = (uint32_t)h & (m->cap - 1);
	while (m->keys[j]) {
		if (m->hashes[j] == h && strcmp(m->keys[j], key) == 0) {
			if (existing)
				*existing = m->vals[j];
			return TALLY_EEXIST;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->keys[j] = key;
	m->vals[j] = val;
	m->hashes[j] = h;
	m->n++;
	return TALLY_OK;
}

uint32_t tally__map_getn(const tally__map *m, const char *key, size_t len)
{
	if (!m->cap)
		return TALLY_NONE;
	uint64_t h = tally__hash(key, len);
	uint32_t j = (uint32_t)h & (m->cap - 1);
	while (m->keys[j]) {
		if (m->hashes[j] == h && strncmp(m->keys[j], key, len) == 0 && m->keys[j][len] == '\0')
			return m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	return TALLY_NONE;
}

uint32_t tally__map_get(const tally__map *m, const char *key)
{
	return tally__map_getn(m, key, strlen(key));
}

void tally__map_release(tally__map *m)
{
	tally_free(m->keys);
	tally_free(m->vals);
	tally_free(m->hashes);
	memset(m, 0, sizeof *m);
}

/* ==== Text checks ==== */

bool tally__id_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		          c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '@';
		if (!ok || n >= TALLY_MAX_ID_LEN)
			return false;
	}
	return n > 0;
}

bool tally__utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		size_t k;
		uint32_t cp, min;
		if (c < 0x80) { p++; continue; }
		else if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; min = 0x80; }
		else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; min = 0x800; }
		else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; min = 0x10000; }
		else return false;
		if ((size_t)(end - p) <= k)
			return false;
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += k + 1;
	}
	return true;
}

const char *tally_thousands(uint64_t v, char buf[32])
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
	int j = 0;
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = tmp[i];
	}
	buf[j] = '\0';
	return buf;
}

/* ==== Random numbers ==== */

uint64_t tally__splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tally__rng_seed(tally__rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = tally__splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t tally__rng_next(tally__rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t tally__rng_below(tally__rng *r, uint64_t n)
{
	TALLY_ASSERT(n > 0);
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = tally__rng_next(r);
	while (x >= limit);
	return x % n;
}

double tally__rng_unit(tally__rng *r)
{
	return (double)(tally__rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double tally__rng_normal(tally__rng *r)
{
	/* Box-Muller; one value per call keeps the stream simple to reason about */
	double u1 = tally__rng_unit(r), u2 = tally__rng_unit(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t tally__rng_binomial(tally__rng *r, uint64_t n, double p)
{
	if (p <= 0 || n == 0)
		return 0;
	if (p >= 1)
		return n;
	if (n <= 1000) {
		uint64_t k = 0;
		for (uint64_t i = 0; i < n; i++)
			k += tally__rng_unit(r) < p;
		return k;
	}
	double mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));
	double x = floor(mean + sd * tally__rng_normal(r) + 0.5);
	if (x < 0)
		x = 0;
	if (x > (double)n)
		x = (double)n;
	return (uint64_t)x;
}
