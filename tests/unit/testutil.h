/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil.h: what every unit test includes: cmocka, libtally, and small
 * helpers to read files, find the data folder (data/), and make temporary paths.
 */
#ifndef TALLY_TESTUTIL_H
#define TALLY_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tally/tally.h"

/* Reads a whole file; returns NULL if it cannot. Caller frees with free(). */
static inline char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) { free(buf); buf = NULL; break; }
			buf = nb;
		}
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

/* The repository's data folder (data/README.md): $TALLY_DATA, else data
 * (the tests run from the repository's root). */
static inline const char *tu_shared_data(void)
{
	const char *d = getenv("TALLY_DATA");
	return d && *d ? d : "data";
}

/* Reads the first member of a zip file through `unzip -p` (the Debian
 * package unzip is a test dependency). Returns NULL if it cannot. */
static inline char *tu_read_zip(const char *zip, size_t *len)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "unzip -p '%s'", zip);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t cap = 1 << 20, n = 0, got;
	char *buf = malloc(cap + 1);
	while (buf && (got = fread(buf + n, 1, cap - n, p)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) { free(buf); buf = NULL; break; }
			buf = nb;
		}
	}
	int rc = pclose(p);
	if (rc != 0 || !buf || n == 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* A fresh temporary path (the file does not exist). */
static inline void tu_tmp_path(char *buf, size_t size, const char *suffix)
{
	static int counter;
	snprintf(buf, size, "/tmp/tally-test-%d-%d%s", (int)getpid(), counter++, suffix);
	unlink(buf);
}

/* Out-of-memory tests through libtally's allocator hook: tu_oom_set(&o, N)
 * installs an allocator under which the N-th allocation from now fails (0:
 * none does) and every other one succeeds; o.count counts them (set it to 0
 * to count again). tally_set_allocator(NULL) puts the C library's back. */
typedef struct tu_oom {
	long fail_at, count;
} tu_oom;

static inline void *tu_oom_malloc(size_t n, void *ud)
{
	tu_oom *o = ud;
	return ++o->count == o->fail_at ? NULL : malloc(n);
}

static inline void *tu_oom_realloc(void *p, size_t n, void *ud)
{
	tu_oom *o = ud;
	return ++o->count == o->fail_at ? NULL : realloc(p, n);
}

static inline void tu_oom_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

static inline void tu_oom_set(tu_oom *o, long fail_at)
{
	const tally_allocator a = {tu_oom_malloc, tu_oom_realloc, tu_oom_free, o};
	o->fail_at = fail_at;
	o->count = 0;
	tally_set_allocator(&a);
}

#endif
