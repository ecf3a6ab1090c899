/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.c: the strict JSON reading helpers of json_int.h. jansson parses with
 * JSON_REJECT_DUPLICATES (a repeated key is an error, never "last wins")
 * and rejects trailing text; these helpers add the schema checks: types,
 * required and unknown keys, integer ranges, each with the input family's
 * error code and the JSON path of the offending value.
 */
#include "json_int.h"

const tj_codes tj_def_codes = {"D001", "D002", "D003", "D004", "D007", "D020", "D015", "D021"};
const tj_codes tj_proto_codes = {"P001", "P002", "P003", "P004", "P008", "P018", "P019", "P020"};
const tj_codes tj_map_codes = {"M001", "M002", "M003", "M004", "M002", "M001", "M002", "M001"};

/* Depth of the deepest array or object inside "v" (1 for a flat one). The
 * parser itself stops at 2048 levels, so this recursion is bounded. */
static int depth_of(const json_t *v)
{
	int d = 0;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x) {
			int dx = depth_of(x);
			if (dx > d)
				d = dx;
		}
		return d + 1;
	}
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			int dx = depth_of(json_array_get(v, i));
			if (dx > d)
				d = dx;
		}
		return d + 1;
	}
	return 0;
}

/* json_load_callback's reader: the buffer in pieces of at most "size"
 * bytes (jansson asks for 1,024), asking go_on before each */
typedef struct reader {
	const char *buf;
	size_t len, pos;
	bool (*go_on)(void *arg);
	void *arg;
} reader;

static size_t read_piece(void *out, size_t size, void *data)
{
	reader *r = data;
	if (r->go_on && !r->go_on(r->arg))
		return (size_t)-1;  /* jansson: an error of the input, which ends the parse */
	size_t n = r->len - r->pos < size ? r->len - r->pos : size;
	memcpy(out, r->buf + r->pos, n);
	r->pos += n;
	return n;
}

int tj_load(const char *buf, size_t len, const char *file, const tj_codes *c, json_t **out,
            tally_error *err)
{
	return tj_load_until(buf, len, file, c, NULL, NULL, out, err);
}

int tj_load_until(const char *buf, size_t len, const char *file, const tj_codes *c,
                  bool (*go_on)(void *arg), void *arg, json_t **out, tally_error *err)
{
	json_error_t je;
	/* a UTF-8 byte order mark is not JSON, but editors write one */
	if (len >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb &&
	    (unsigned char)buf[2] == 0xbf) {
		buf += 3;
		len -= 3;
	}
	/* json_loadb reads its buffer a byte at a time through the same stream
	 * as json_load_callback, so both read every input alike */
	reader r = {buf, len, 0, go_on, arg};
	json_t *root = json_load_callback(read_piece, &r, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	                                  &je);
	if (!root) {
		char where[256];
		snprintf(where, sizeof where, "%s: line %d, column %d", file ? file : "input", je.line,
		         je.column);
		if (json_error_code(&je) == json_error_duplicate_key)
			return tally_error_set(err, TALLY_EINVAL, c->dupkey, where, "%s", je.text);
		/* jansson stops at its own depth limit (2048) before ours is checked */
		if (json_error_code(&je) == json_error_stack_overflow)
			return tally_error_set(err, TALLY_ELIMIT, c->depth, where,
			                       "JSON nested deeper than %d levels", TALLY_MAX_JSON_DEPTH);
		return tally_error_set(err, TALLY_EINVAL, c->malformed, where, "malformed JSON: %s",
		                       je.text);
	}
	if (depth_of(root) > TALLY_MAX_JSON_DEPTH) {
		json_decref(root);
		return tally_error_set(err, TALLY_ELIMIT, c->depth, file ? file : "input",
		                       "JSON nested deeper than %d levels", TALLY_MAX_JSON_DEPTH);
	}
	*out = root;
	return TALLY_OK;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

const char *tj_path_key(char *buf, size_t size, const char *base, const char *key)
{
	snprintf(buf, size, "%s.%s", base, key);
	return buf;
}

const char *tj_path_idx(char *buf, size_t size, const char *base, size_t i)
{
	snprintf(buf, size, "%s[%zu]", base, i);
	return buf;
}

int tj_keys(const json_t *obj, const char *const *allowed, const char *path, const tj_codes *c,
            tally_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, key) != 0)
			a++;
		if (!*a) {
			char p[256];
			return tally_error_set(err, TALLY_EINVAL, c->unknown,
			                       tj_path_key(p, sizeof p, path, key),
			                       "unknown key '%s'", key);
		}
	}
	return TALLY_OK;
}

static int member(const json_t *obj, const char *key, bool required, const char *path,
                  const tj_codes *c, json_type want, const char *want_name, json_t **out,
                  tally_error *err)
{
	char p[256];
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return tally_error_set(err, TALLY_EINVAL, c->missing,
			                       tj_path_key(p, sizeof p, path, key),
			                       "missing required key '%s'", key);
		*out = NULL;
		return TALLY_OK;
	}
	bool ok = json_typeof(v) == want || (want == JSON_TRUE && json_is_boolean(v));
	if (!ok)
		return tally_error_set(err, TALLY_EINVAL, c->type, tj_path_key(p, sizeof p, path, key),
		                       "'%s' must be %s, not %s", key, want_name, type_name(v));
	*out = v;
	return TALLY_OK;
}

int tj_obj(const json_t *obj, const char *key, bool required, const char *path,
           const tj_codes *c, json_t **out, tally_error *err)
{
	json_t *v = NULL;
	int rc = member(obj, key, required, path, c, JSON_OBJECT, "an object", &v, err);
	if (rc == TALLY_OK && v)
		*out = v;
	return rc;
}

int tj_arr(const json_t *obj, const char *key, bool required, const char *path,
           const tj_codes *c, json_t **out, tally_error *err)
{
	json_t *v = NULL;
	int rc = member(obj, key, required, path, c, JSON_ARRAY, "an array", &v, err);
	if (rc == TALLY_OK && v)
		*out = v;
	return rc;
}

int tj_str(const json_t *obj, const char *key, bool required, size_t maxlen, const char *path,
           const tj_codes *c, const char **out, tally_error *err)
{
	json_t *v = NULL;
	int rc = member(obj, key, required, path, c, JSON_STRING, "a string", &v, err);
	if (rc != TALLY_OK || !v)
		return rc;
	if (json_string_length(v) > maxlen) {
		char p[256];
		return tally_error_set(err, TALLY_ELIMIT, c->limit, tj_path_key(p, sizeof p, path, key),
		                       "'%s' is longer than %zu bytes", key, maxlen);
	}
	*out = json_string_value(v);
	return TALLY_OK;
}

int tj_count(const json_t *v, uint64_t max, const char *path, const tj_codes *c, uint64_t *out,
             tally_error *err)
{
	if (!json_is_integer(v))
		return tally_error_set(err, TALLY_EINVAL, c->type, path,
		                       "expected a whole number, not %s", type_name(v));
	json_int_t x = json_integer_value(v);
	if (x < 0 || (uint64_t)x > max)
		return tally_error_set(err, TALLY_EINVAL, c->range, path,
		                       "%lld is out of range (0 to %llu)", (long long)x,
		                       (unsigned long long)max);
	*out = (uint64_t)x;
	return TALLY_OK;
}

int tj_u64(const json_t *obj, const char *key, bool required, uint64_t min, uint64_t max,
           const char *path, const tj_codes *c, uint64_t *out, tally_error *err)
{
	char p[256];
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return tally_error_set(err, TALLY_EINVAL, c->missing,
			                       tj_path_key(p, sizeof p, path, key),
			                       "missing required key '%s'", key);
		return TALLY_OK;
	}
	uint64_t x;
	int rc = tj_count(v, max, tj_path_key(p, sizeof p, path, key), c, &x, err);
	if (rc)
		return rc;
	if (x < min)
		return tally_error_set(err, TALLY_EINVAL, c->range, p,
		                       "%llu is out of range (%llu to %llu)", (unsigned long long)x,
		                       (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return TALLY_OK;
}

int tj_bool(const json_t *obj, const char *key, bool required, const char *path,
            const tj_codes *c, bool *out, tally_error *err)
{
	json_t *v = NULL;
	int rc = member(obj, key, required, path, c, JSON_TRUE, "true or false", &v, err);
	if (rc == TALLY_OK && v)
		*out = json_is_true(v);
	return rc;
}
