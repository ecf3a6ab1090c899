/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultinject.c: the fault-injection layer linked into build/test/tally-faults.
 * A constructor reads TALLY_FAULT before main and installs three hooks:
 *
 *   - a wrapping SQLite VFS, registered as the default one, that forwards
 *     every call to the "unix" VFS and counts xWrite and xSync calls, so
 *     the Nth write or sync can fail (SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC),
 *     the disk can fill up (SQLITE_FULL from the Nth write on, optionally
 *     only while a marker file exists), or the machine can lose power;
 *   - one counting allocator behind tally_set_allocator, SQLite's
 *     SQLITE_CONFIG_MALLOC and jansson's json_set_alloc_funcs, so the Nth
 *     allocation of any of the three can fail;
 *   - an exit handler that writes the counts of a clean run to
 *     TALLY_FAULT_COUNT, so a sweep knows how far N must go.
 *
 * Power loss follows the idea of SQLite's own crash tests (src/test6.c and
 * "How SQLite Is Tested", section 3.3 "Crash testing": a VFS that remembers
 * what was written since the last sync and, at the simulated crash, drops
 * or tears it). This layer is simpler and is not derived from that code:
 * writes reach the real file at once, but before the first change to a
 * 512-byte sector since the file's last successful sync the sector's old
 * bytes (and the file's size at that sync) are saved. A successful xSync
 * forgets the saved state of that file; at the crash point every open file
 * gets its saved sectors back and is truncated to its synced size (with
 * TALLY_FAULT_SEED a seeded random half of the unsynced sectors is kept
 * instead: torn writes), then the process ends with _exit(99). State is
 * kept per path, not per handle, because fsync works on the file: two
 * connections to one database share it.
 *
 * The modes and their grammar are those of the fault-injection contract
 * (tests/faults/README.md).
 */
#include "tally/common.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FI_SECTOR 512
#define FI_EXIT_CRASH 99

enum fi_kind { FI_NONE, FI_WRITE, FI_SYNC, FI_ALLOC, FI_FULL, FI_POWERLOSS, FI_NOSYNC };

static struct {
	enum fi_kind kind;
	uint64_t n;          /* the fault point, counted from 1 */
	bool sticky;         /* "N+": every point from N on */
	const char *full_file;
	const char *count_file;
	bool seeded;
	uint64_t seed;
} cfg;

static uint64_t n_writes, n_syncs, n_allocs;   /* updated atomically */
/* allocations are counted from the end of the constructor on, so the
 * layer's own set-up (sqlite3_initialize) never fails */
static bool armed;

static uint64_t bump(uint64_t *c)
{
	return __atomic_add_fetch(c, 1, __ATOMIC_SEQ_CST);
}

/* hit says whether fault point "at" of kind "k" is to fail. */
static bool hit(enum fi_kind k, uint64_t at)
{
	if (cfg.kind != k)
		return false;
	return cfg.sticky ? at >= cfg.n : at == cfg.n;
}

/* ==== The counting allocator ==== */

static bool alloc_fails(void)
{
	if (!__atomic_load_n(&armed, __ATOMIC_SEQ_CST))
		return false;
	return hit(FI_ALLOC, bump(&n_allocs));
}

static void *t_malloc(size_t n, void *ud)
{
	(void)ud;
	return alloc_fails() ? NULL : malloc(n);
}

static void *t_realloc(void *p, size_t n, void *ud)
{
	(void)ud;
	return alloc_fails() ? NULL : realloc(p, n);
}

static void t_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

static void *j_malloc(size_t n)
{
	return alloc_fails() ? NULL : malloc(n);
}

static void j_free(void *p)
{
	free(p);
}

/* SQLite needs each block's size (xSize): it is kept in a header of
 * FI_HDR bytes, which keeps the block aligned for any type. */
#define FI_HDR 16

static void *s_malloc(int n)
{
	if (n <= 0 || alloc_fails())
		return NULL;
	unsigned char *p = malloc((size_t)n + FI_HDR);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof n);
	return p + FI_HDR;
}

static void s_free(void *p)
{
	if (p)
		free((unsigned char *)p - FI_HDR);
}

static int s_size(void *p)
{
	int n = 0;
	if (p)
		memcpy(&n, (unsigned char *)p - FI_HDR, sizeof n);
	return n;
}

static void *s_realloc(void *p, int n)
{
	if (n <= 0 || alloc_fails())
		return NULL;
	unsigned char *q = realloc((unsigned char *)p - FI_HDR, (size_t)n + FI_HDR);
	if (!q)
		return NULL;
	memcpy(q, &n, sizeof n);
	return q + FI_HDR;
}

static int s_roundup(int n)
{
	return (n + 7) & ~7;
}

static int s_init(void *ud)
{
	(void)ud;
	return SQLITE_OK;
}

static void s_shutdown(void *ud)
{
	(void)ud;
}

/* ==== Power-loss bookkeeping, per path ==== */

typedef struct fi_sector {
	int64_t idx;
	bool had_old;               /* the sector lay (partly) inside the synced size */
	unsigned char old[FI_SECTOR];
} fi_sector;

typedef struct fi_file fi_file;

typedef struct fi_node {
	char *path;
	int refs;
	fi_file *handle;            /* one open handle, to restore through */
	bool dirty;                 /* changed since the last sync */
	int64_t synced_size;
	fi_sector *sec;
	size_t n_sec, cap_sec;
	struct fi_node *next;
} fi_node;

struct fi_file {
	sqlite3_file base;
	sqlite3_file *real;
	fi_node *node;              /* NULL for files without a name */
	fi_file *next_handle;       /* the node's other handles */
};

static pthread_mutex_t pl_lock = PTHREAD_MUTEX_INITIALIZER;
static fi_node *nodes;
static sqlite3_vfs *real_vfs;

static bool tracking(void)
{
	return cfg.kind == FI_POWERLOSS || cfg.kind == FI_NOSYNC;
}

static fi_sector *find_sector(fi_node *nd, int64_t idx)
{
	for (size_t i = 0; i < nd->n_sec; i++)
		if (nd->sec[i].idx == idx)
			return &nd->sec[i];
	return NULL;
}

/* Bookkeeping memory comes from malloc, not the counted allocator, and a
 * failure here is a failure of the test tool, so it stops the process. */
static void pl_die(const char *what)
{
	fprintf(stderr, "faultinject: %s\n", what);
	_exit(98);
}

/* note_change saves what the bytes [off, off+len) of "f" held at its last
 * sync, before they change. Called with pl_lock held. */
static void note_change(fi_file *f, int64_t off, int64_t len)
{
	fi_node *nd = f->node;
	if (!nd || len <= 0)
		return;
	if (!nd->dirty) {
		sqlite3_int64 sz = 0;
		if (f->real->pMethods->xFileSize(f->real, &sz) != SQLITE_OK)
			pl_die("cannot read a file size");
		nd->synced_size = sz;
		nd->dirty = true;
	}
	for (int64_t s = off / FI_SECTOR; s <= (off + len - 1) / FI_SECTOR; s++) {
		if (find_sector(nd, s))
			continue;
		if (nd->n_sec == nd->cap_sec) {
			size_t cap = nd->cap_sec ? nd->cap_sec * 2 : 64;
			fi_sector *ns = realloc(nd->sec, cap * sizeof *ns);
			if (!ns)
				pl_die("out of memory");
			nd->sec = ns;
			nd->cap_sec = cap;
		}
		fi_sector *sec = &nd->sec[nd->n_sec++];
		sec->idx = s;
		sec->had_old = s * FI_SECTOR < nd->synced_size;
		memset(sec->old, 0, sizeof sec->old);
		if (sec->had_old) {
			int64_t avail = nd->synced_size - s * FI_SECTOR;
			int want = avail < FI_SECTOR ? (int)avail : FI_SECTOR;
			int rc = f->real->pMethods->xRead(f->real, sec->old, want, s * FI_SECTOR);
			if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
				pl_die("cannot read a sector");
		}
	}
}

static void forget_changes(fi_node *nd)
{
	nd->dirty = false;
	nd->n_sec = 0;
}

/* A small deterministic generator (splitmix64) for torn writes. */
static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* power_off puts every open file back to its state at its last sync (with a
 * seed: keeps a random subset of the unsynced sectors) and ends the process
 * without running exit handlers, as a machine losing power would. */
static void power_off(void)
{
	static const unsigned char zero[FI_SECTOR];
	uint64_t rs = cfg.seed;

	pthread_mutex_lock(&pl_lock);
	for (fi_node *nd = nodes; nd; nd = nd->next) {
		if (!nd->dirty || !nd->handle)
			continue;
		sqlite3_file *r = nd->handle->real;
		int64_t size = nd->synced_size;
		for (size_t i = 0; i < nd->n_sec; i++) {
			fi_sector *sec = &nd->sec[i];
			int64_t at = sec->idx * FI_SECTOR;
			if (cfg.seeded && (rnd_next(&rs) & 1)) {
				/* this sector reached the disk */
				sqlite3_int64 cur = 0;
				r->pMethods->xFileSize(r, &cur);
				int64_t end = at + FI_SECTOR < cur ? at + FI_SECTOR : cur;
				if (end > size)
					size = end;
				continue;
			}
			if (sec->had_old) {
				int64_t avail = nd->synced_size - at;
				int n = avail < FI_SECTOR ? (int)avail : FI_SECTOR;
				r->pMethods->xWrite(r, sec->old, n, at);
			} else if (cfg.seeded) {
				/* past the synced end: a lost sector reads as zeros when a
				 * later kept one makes the file longer */
				r->pMethods->xWrite(r, zero, FI_SECTOR, at);
			}
		}
		r->pMethods->xTruncate(r, size);
	}
	_exit(FI_EXIT_CRASH);
}

/* ==== The VFS ==== */

static int f_close(sqlite3_file *pf)
{
	fi_file *f = (fi_file *)pf;
	int rc = f->real->pMethods->xClose(f->real);
	if (f->node) {
		pthread_mutex_lock(&pl_lock);
		fi_node *nd = f->node;
		for (fi_file **h = &nd->handle; *h; h = &(*h)->next_handle)
			if (*h == f) {
				*h = f->next_handle;
				break;
			}
		if (--nd->refs == 0) {
			for (fi_node **p = &nodes; *p; p = &(*p)->next)
				if (*p == nd) {
					*p = nd->next;
					break;
				}
			free(nd->sec);
			free(nd->path);
			free(nd);
		}
		pthread_mutex_unlock(&pl_lock);
		f->node = NULL;
	}
	return rc;
}

static int f_read(sqlite3_file *pf, void *buf, int n, sqlite3_int64 off)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xRead(f->real, buf, n, off);
}

static bool disk_full(uint64_t at)
{
	if (cfg.kind != FI_FULL || at < cfg.n)
		return false;
	return !cfg.full_file || access(cfg.full_file, F_OK) == 0;
}

static int f_write(sqlite3_file *pf, const void *buf, int n, sqlite3_int64 off)
{
	fi_file *f = (fi_file *)pf;
	uint64_t at = bump(&n_writes);
	if (hit(FI_WRITE, at))
		return SQLITE_IOERR_WRITE;
	if (disk_full(at))
		return SQLITE_FULL;
	if (f->node && tracking()) {
		pthread_mutex_lock(&pl_lock);
		note_change(f, off, n);
		int rc = f->real->pMethods->xWrite(f->real, buf, n, off);
		pthread_mutex_unlock(&pl_lock);
		return rc;
	}
	return f->real->pMethods->xWrite(f->real, buf, n, off);
}

static int f_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
	fi_file *f = (fi_file *)pf;
	if (f->node && tracking()) {
		pthread_mutex_lock(&pl_lock);
		sqlite3_int64 cur = 0;
		f->real->pMethods->xFileSize(f->real, &cur);
		note_change(f, size, cur - size);
		int rc = f->real->pMethods->xTruncate(f->real, size);
		pthread_mutex_unlock(&pl_lock);
		return rc;
	}
	return f->real->pMethods->xTruncate(f->real, size);
}

static int f_sync(sqlite3_file *pf, int flags)
{
	fi_file *f = (fi_file *)pf;
	uint64_t at = bump(&n_syncs);
	if (hit(FI_SYNC, at))
		return SQLITE_IOERR_FSYNC;
	if ((cfg.kind == FI_POWERLOSS || cfg.kind == FI_NOSYNC) && at == cfg.n)
		power_off();
	int rc = f->real->pMethods->xSync(f->real, flags);
	if (rc == SQLITE_OK && f->node && cfg.kind == FI_POWERLOSS) {
		pthread_mutex_lock(&pl_lock);
		forget_changes(f->node);
		pthread_mutex_unlock(&pl_lock);
	}
	return rc;
}

static int f_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xFileSize(f->real, size);
}

static int f_lock(sqlite3_file *pf, int lock)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xLock(f->real, lock);
}

static int f_unlock(sqlite3_file *pf, int lock)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xUnlock(f->real, lock);
}

static int f_check_reserved(sqlite3_file *pf, int *out)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int f_file_control(sqlite3_file *pf, int op, void *arg)
{
	fi_file *f = (fi_file *)pf;
	/* a size hint may grow the file behind xWrite's back: note the synced
	 * size first so that the crash cuts the growth off again */
	if (op == SQLITE_FCNTL_SIZE_HINT && f->node && tracking()) {
		pthread_mutex_lock(&pl_lock);
		sqlite3_int64 cur = 0;
		f->real->pMethods->xFileSize(f->real, &cur);
		note_change(f, cur, 1);
		int rc = f->real->pMethods->xFileControl(f->real, op, arg);
		pthread_mutex_unlock(&pl_lock);
		return rc;
	}
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int f_sector_size(sqlite3_file *pf)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xSectorSize(f->real);
}

static int f_device_characteristics(sqlite3_file *pf)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int f_shm_map(sqlite3_file *pf, int pg, int pgsz, int extend, void volatile **pp)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int f_shm_lock(sqlite3_file *pf, int off, int n, int flags)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xShmLock(f->real, off, n, flags);
}

static void f_shm_barrier(sqlite3_file *pf)
{
	fi_file *f = (fi_file *)pf;
	f->real->pMethods->xShmBarrier(f->real);
}

static int f_shm_unmap(sqlite3_file *pf, int del)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xShmUnmap(f->real, del);
}

static int f_fetch(sqlite3_file *pf, sqlite3_int64 off, int n, void **pp)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xFetch(f->real, off, n, pp);
}

static int f_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p)
{
	fi_file *f = (fi_file *)pf;
	return f->real->pMethods->xUnfetch(f->real, off, p);
}

static const sqlite3_io_methods fi_methods = {
	3, f_close, f_read, f_write, f_truncate, f_sync, f_file_size, f_lock, f_unlock,
	f_check_reserved, f_file_control, f_sector_size, f_device_characteristics,
	f_shm_map, f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch, f_unfetch,
};

/* the real file lives right after ours, in the space SQLite gives xOpen */
#define FI_FILE_SPACE ((sizeof(fi_file) + 15) & ~(size_t)15)

static fi_node *node_for(const char *path)
{
	for (fi_node *nd = nodes; nd; nd = nd->next)
		if (strcmp(nd->path, path) == 0)
			return nd;
	fi_node *nd = calloc(1, sizeof *nd);
	if (!nd || !(nd->path = strdup(path)))
		pl_die("out of memory");
	nd->next = nodes;
	nodes = nd;
	return nd;
}

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf, int flags, int *oflags)
{
	fi_file *f = (fi_file *)pf;
	(void)vfs;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)((unsigned char *)pf + FI_FILE_SPACE);
	int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, oflags);
	if (rc != SQLITE_OK) {
		if (f->real->pMethods)
			f->real->pMethods->xClose(f->real);
		f->base.pMethods = NULL;
		return rc;
	}
	f->base.pMethods = &fi_methods;
	if (name && tracking()) {
		pthread_mutex_lock(&pl_lock);
		fi_node *nd = node_for(name);
		nd->refs++;
		f->next_handle = nd->handle;
		nd->handle = f;
		f->node = nd;
		if (cfg.kind == FI_NOSYNC && nd->refs == 1) {
			/* nothing is ever synced: the state to fall back to is the
			 * file as it was when first opened */
			sqlite3_int64 sz = 0;
			f->real->pMethods->xFileSize(f->real, &sz);
			nd->synced_size = sz;
			nd->dirty = true;
		}
		pthread_mutex_unlock(&pl_lock);
	}
	return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void v_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*v_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void v_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int v_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int v_current_time(sqlite3_vfs *vfs, double *t)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, t);
}

static int v_last_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, msg);
}

static int v_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, t);
}

static sqlite3_vfs fi_vfs;

/* ==== Start and exit ==== */

static void write_counts(void)
{
	FILE *fp = fopen(cfg.count_file, "w");
	if (!fp)
		return;
	fprintf(fp, "writes %llu syncs %llu allocs %llu\n",
	        (unsigned long long)__atomic_load_n(&n_writes, __ATOMIC_SEQ_CST),
	        (unsigned long long)__atomic_load_n(&n_syncs, __ATOMIC_SEQ_CST),
	        (unsigned long long)__atomic_load_n(&n_allocs, __ATOMIC_SEQ_CST));
	fclose(fp);
}

static void bad_spec(const char *spec)
{
	fprintf(stderr, "faultinject: TALLY_FAULT='%s' is not KIND:N[+] with KIND one of write, "
	        "sync, alloc, full, powerloss, powerloss-nosync\n", spec);
	_exit(2);
}

static void parse_spec(const char *spec)
{
	static const struct { const char *name; enum fi_kind kind; } kinds[] = {
		{"write", FI_WRITE}, {"sync", FI_SYNC}, {"alloc", FI_ALLOC}, {"full", FI_FULL},
		{"powerloss", FI_POWERLOSS}, {"powerloss-nosync", FI_NOSYNC},
	};
	const char *colon = strchr(spec, ':');
	if (!colon)
		bad_spec(spec);
	size_t klen = (size_t)(colon - spec);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strlen(kinds[i].name) == klen && strncmp(spec, kinds[i].name, klen) == 0)
			cfg.kind = kinds[i].kind;
	if (cfg.kind == FI_NONE)
		bad_spec(spec);
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(colon + 1, &end, 10);
	if (errno || end == colon + 1 || n == 0)
		bad_spec(spec);
	if (*end == '+' && (cfg.kind == FI_WRITE || cfg.kind == FI_SYNC || cfg.kind == FI_ALLOC)) {
		cfg.sticky = true;
		end++;
	}
	if (*end)
		bad_spec(spec);
	cfg.n = n;
}

__attribute__((constructor)) static void faultinject_start(void)
{
	const char *spec = getenv("TALLY_FAULT");
	const char *seed = getenv("TALLY_FAULT_SEED");

	cfg.count_file = getenv("TALLY_FAULT_COUNT");
	cfg.full_file = getenv("TALLY_FAULT_FULL_FILE");
	if (cfg.full_file && !cfg.full_file[0])
		cfg.full_file = NULL;
	if (seed && seed[0]) {
		cfg.seeded = true;
		cfg.seed = strtoull(seed, NULL, 10);
	}
	if (spec && spec[0])
		parse_spec(spec);
	if (cfg.count_file && cfg.count_file[0])
		atexit(write_counts);
	if (cfg.kind == FI_NONE && !(cfg.count_file && cfg.count_file[0]))
		return;  /* exactly like tally */

	static const tally_allocator ta = {t_malloc, t_realloc, t_free, NULL};
	static const sqlite3_mem_methods sm = {
		s_malloc, s_free, s_realloc, s_size, s_roundup, s_init, s_shutdown, NULL,
	};
	tally_set_allocator(&ta);
	json_set_alloc_funcs(j_malloc, j_free);
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &sm) != SQLITE_OK) {
		fprintf(stderr, "faultinject: SQLite refused the allocator\n");
		_exit(2);
	}
	real_vfs = sqlite3_vfs_find("unix");
	if (!real_vfs) {
		fprintf(stderr, "faultinject: no unix VFS\n");
		_exit(2);
	}
	fi_vfs.iVersion = real_vfs->iVersion < 2 ? real_vfs->iVersion : 2;
	fi_vfs.szOsFile = (int)(FI_FILE_SPACE + (size_t)real_vfs->szOsFile);
	fi_vfs.mxPathname = real_vfs->mxPathname;
	fi_vfs.zName = "tally-faults";
	fi_vfs.xOpen = v_open;
	fi_vfs.xDelete = v_delete;
	fi_vfs.xAccess = v_access;
	fi_vfs.xFullPathname = v_full_pathname;
	fi_vfs.xDlOpen = v_dlopen;
	fi_vfs.xDlError = v_dlerror;
	fi_vfs.xDlSym = v_dlsym;
	fi_vfs.xDlClose = v_dlclose;
	fi_vfs.xRandomness = v_randomness;
	fi_vfs.xSleep = v_sleep;
	fi_vfs.xCurrentTime = v_current_time;
	fi_vfs.xGetLastError = v_last_error;
	fi_vfs.xCurrentTimeInt64 = v_current_time64;
	if (sqlite3_vfs_register(&fi_vfs, 1) != SQLITE_OK) {
		fprintf(stderr, "faultinject: cannot register the VFS\n");
		_exit(2);
	}
	__atomic_store_n(&armed, true, __ATOMIC_SEQ_CST);
}
