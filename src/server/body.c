/* SPDX-License-Identifier: Apache-2.0 */
/*
 * body.c: the JSON request bodies of `tally serve`, read one way for every
 * endpoint that takes one (protocols, turnout, resolve, annulments).
 *
 * Strict: a body is exactly one JSON value, read by the command line's
 * reader (tj_load: a key twice is P018, nesting too deep P020, anything
 * after the value P001), never split into records, and a list is an array,
 * never objects one after the other.
 *
 * Bounded: jansson allocates for every value it reads, 32 bytes for a "1"
 * in an array of two-byte elements, some 200 for a "{}", so a body within
 * --max-body could make it allocate a hundred times its size. While a body
 * is parsed, jansson's allocations are charged to a budget of the pool
 * thread: SERVER_JSON_MEM_RATIO times the body's length plus
 * SERVER_JSON_MEM_BASE, at most SERVER_JSON_MEM_MAX. The charge is what was
 * asked of the allocator plus its header, for every allocation (what is
 * freed is not given back), so it bounds the peak. Past the budget the
 * allocation still succeeds (jansson 2.14 does not survive a failed one
 * inside a string: issue #362), but the reader hands jansson no more of the
 * body (tj_load_until reads it in pieces of 1,024 bytes), jansson stops as
 * at a truncated input, and the request is answered 413 H012: jansson gets
 * at most the budget plus what one piece costs (about 100 KB), or twice the
 * longest string. A list then holds at most SERVER_MAX_ITEMS items (413
 * H013), each checked to be an object before anything is allocated for it.
 * The budget is the thread's: jansson used anywhere else in the process is
 * not limited.
 */
#include "server/server_int.h"
#include "core/json_int.h"

#include <jansson.h>
#include <stdlib.h>

#define MALLOC_HEADER 16  /* glibc's chunk header, charged with each allocation */

static _Thread_local struct {
	bool on, over;
	size_t left;
} budget;

/* the allocator jansson had before (the command's, which ends the process
 * when memory runs out: cli/main.c) */
static json_malloc_t next_malloc = malloc;

static void *budget_malloc(size_t n)
{
	if (budget.on && !budget.over) {
		if (n > budget.left || budget.left - n < MALLOC_HEADER) {
			budget.over = true;
			budget.left = 0;
		} else {
			budget.left -= n + MALLOC_HEADER;
		}
	}
	return next_malloc(n);
}

/* tj_load_until's question before each piece of the body */
static bool budget_left(void *arg)
{
	(void)arg;
	return !budget.over;
}

void server_json_init(void)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;
	json_get_alloc_funcs(&m, &f);
	if (m && m != budget_malloc)
		next_malloc = m;
	json_set_alloc_funcs(budget_malloc, f ? f : free);
}

static size_t budget_of(size_t len)
{
	if (len > (SERVER_JSON_MEM_MAX - SERVER_JSON_MEM_BASE) / SERVER_JSON_MEM_RATIO)
		return SERVER_JSON_MEM_MAX;
	return len * SERVER_JSON_MEM_RATIO + SERVER_JSON_MEM_BASE;
}

void *server_json_load(server_req *q)
{
	json_t *j = NULL;
	tally_error err = TALLY_ERROR_INIT;
	if (!q->body || q->len == 0) {
		server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, "body", "the request has no body");
		return NULL;
	}
	size_t limit = budget_of(q->len);
	budget.left = limit;
	budget.over = false;
	budget.on = true;
	int rc = tj_load_until(q->body, q->len, "body", &tj_proto_codes, budget_left, NULL, &j, &err);
	budget.on = false;
	if (budget.over) {
		json_decref(j);
		server_error(q, MHD_HTTP_CONTENT_TOO_LARGE, H_JSONMEM, "body",
		             "reading this JSON body (%zu bytes) needs more than its budget of %zu "
		             "bytes of memory (%u times its size plus %u KiB, at most %u MiB): send "
		             "fewer or smaller values",
		             q->len, limit, SERVER_JSON_MEM_RATIO, SERVER_JSON_MEM_BASE >> 10,
		             SERVER_JSON_MEM_MAX >> 20);
		return NULL;
	}
	if (rc != TALLY_OK) {
		server_tally_error(q, &err);
		return NULL;
	}
	return j;
}

void *server_json_body(server_req *q)
{
	json_t *j = server_json_load(q);
	if (j && !json_is_object(j)) {
		json_decref(j);
		server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, "body", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

void *server_json_list(server_req *q, void *root, const char *what)
{
	json_t *r = root, *list = NULL;
	if (json_is_array(r)) {
		list = json_incref(r);
	} else if (json_is_object(r)) {
		if (!(list = json_array()) || json_array_append(list, r)) {
			json_decref(list);
			server_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "body", "out of memory");
			return NULL;
		}
	} else {
		server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, "body",
		             "send one %s as a JSON object or an array of them", what);
		return NULL;
	}
	size_t n = json_array_size(list);
	if (n == 0) {
		json_decref(list);
		server_error(q, MHD_HTTP_BAD_REQUEST, H_BODY, "body", "no %s in the body", what);
		return NULL;
	}
	if (n > SERVER_MAX_ITEMS) {
		json_decref(list);
		server_error(q, MHD_HTTP_CONTENT_TOO_LARGE, H_ITEMS, "body",
		             "%zu items in one request, over the limit of %u: send at most %u %ss a "
		             "request",
		             n, SERVER_MAX_ITEMS, SERVER_MAX_ITEMS, what);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!json_is_object(json_array_get(list, i))) {
			char where[48];
			snprintf(where, sizeof where, list != r ? "body" : "body[%zu]", i);
			json_decref(list);
			server_error(q, MHD_HTTP_BAD_REQUEST, "P002", where, "a %s is a JSON object", what);
			return NULL;
		}
	return list;
}
