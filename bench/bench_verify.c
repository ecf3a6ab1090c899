/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_verify.c: full verification of a 1,000,000-entry transparency log
 * (bench/README.md, "Transparency log: full verification"). Through the
 * library alone (no command line, no database) it simulates an election of
 * N - 2 stations (default N = 1,000,000), logs its definition, one
 * protocol per station (the canonical JSON of the accepted entry, as
 * `tally submit` logs an unsigned protocol) and the results statement of
 * the count, signs a checkpoint with a CEC key, and writes the dump
 * ('tally log dump' format) to a file. Then it times what `tally verify`
 * does: reading the file, parsing the dump, and tally_log_audit with all
 * recomputation (every leaf hash, the root, every entry decoded, every
 * protocol parsed and checked against every control relation, the results
 * statement recomputed line by line). The audit must find no problem.
 *
 * With -r an existing DUMP is verified again without being rebuilt (the
 * CEC key is derived from a fixed seed, so it is the same key). The CEC's
 * public key is written beside the dump as DUMP.pub, so that the command
 * line can be timed on the same file:
 *
 *   build/tally verify --dump build/bench_verify.dump --key build/bench_verify.dump.pub
 *
 *   make bench-verify        or   build/bench_verify [-r] [N] [DUMP]
 */
#include "tally/tally.h"
#include "tally/audit.h"
#include "tally/sim.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the process, all threads: the figure that other work on a
 * shared machine does not inflate */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct buf {
	char *p;
	size_t n, cap;
} buf;

static void put(buf *b, char *s, size_t n)
{
	if (!s) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		while (cap < b->n + n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	tally_free(s);
}

/* append one entry to the tree and the dump */
static void log_entry(tally_merkle_tree *t, buf *dump, tally_log_entry *le)
{
	tally_error err = TALLY_ERROR_INIT;
	uint8_t *bytes = NULL;
	size_t len = 0, ll = 0;
	uint64_t idx = 0;
	tally_hash leaf;

	if (tally_log_entry_encode(le, &bytes, &len, &err) != TALLY_OK) {
		fprintf(stderr, "encode: %s [%s]\n", err.msg, err.code);
		exit(1);
	}
	tally_merkle_leaf_hash(bytes, len, &leaf);
	if (tally_merkle_tree_append_hash(t, &leaf, &idx, &err) != TALLY_OK)
		exit(1);
	char *line = tally_dump_entry_line(idx, &leaf, bytes, len, &ll);
	put(dump, line, ll);
	tally_free(bytes);
}

static void report(void *ctx, const tally_finding *f)
{
	(void)ctx;
	if (f->kind == TALLY_FINDING_PROBLEM)
		fprintf(stderr, "  %s %s: %s\n", f->code, f->where, f->msg);
}

/* make_log simulates the election of n - 2 stations and writes its log's
 * dump to "path", signed by "cec"; returns 0 or exits. */
static int make_log(uint64_t n, const char *path, const tally_note_signer *cec)
{
	tally_error err = TALLY_ERROR_INIT;
	size_t ll = 0;

	/* ---- the election and its log ---- */
	double t0 = now();
	tally_sim_options o;
	tally_sim *sim = NULL;
	tally_sim_options_default(&o);
	o.stations = (uint32_t)(n - 2);
	o.constituencies = o.stations < 125 ? o.stations : 125;
	o.voters = (uint64_t)o.stations * 1000;
	o.double_entry = false;
	o.bad_protocols = o.typos = o.warnings = o.ties = o.invalid = 0;
	if (tally_simulate(&o, &sim, &err) != TALLY_OK) {
		fprintf(stderr, "simulate: %s [%s]\n", err.msg, err.code);
		return 1;
	}
	const tally_election *e = sim->e;
	double t_sim = now() - t0;

	t0 = now();
	tally_merkle_tree *t = NULL;
	buf dump = {0};
	tally_log_entry le;
	char *def = NULL;
	size_t def_len = 0;
	if (tally_merkle_tree_new(&t) != TALLY_OK ||
	    tally_election_write(e, &def, &def_len, &err) != TALLY_OK)
		return 1;
	put(&dump, strdup(TALLY_DUMP_HEADER), strlen(TALLY_DUMP_HEADER));
	memset(&le, 0, sizeof le);
	le.type = TALLY_LOG_DEFINITION;
	le.time = 1700000000;
	snprintf(le.u.definition.election, sizeof le.u.definition.election, "%s", e->id);
	le.u.definition.definition.p = (const uint8_t *)def;
	le.u.definition.definition.len = def_len;
	log_entry(t, &dump, &le);
	tally_free(def);

	tally_results *r = NULL;
	if (tally_results_new(e, &r) != TALLY_OK)
		return 1;
	for (size_t i = 0; i < sim->n_round[0]; i++) {
		const tally_entry *en = &sim->round[0][i];
		char *json = NULL;
		if (tally_entry_to_json(e, en, &json, &err) != TALLY_OK ||
		    tally_results_add(r, &en->p, 1, &err) != TALLY_OK) {
			fprintf(stderr, "protocol %zu: %s [%s]\n", i, err.msg, err.code);
			return 1;
		}
		memset(&le, 0, sizeof le);
		le.type = TALLY_LOG_PROTOCOL;
		le.time = 1700000100 + i / 1000;
		snprintf(le.u.protocol.station, sizeof le.u.protocol.station, "%s",
		         e->stations[en->p.station].id);
		le.u.protocol.version = 1;
		le.u.protocol.body.p = (const uint8_t *)json;
		le.u.protocol.body.len = strlen(json);
		log_entry(t, &dump, &le);
		tally_free(json);
	}
	for (size_t i = 0; i < sim->n_annul; i++)
		tally_results_annul_station(r, sim->annul[i].station);
	if (tally_results_finish(r, &err) != TALLY_OK)
		return 1;
	char *statement = NULL;
	size_t st_len = 0;
	uint64_t covered = tally_merkle_tree_size(t);
	if (tally_results_statement(r, covered, &statement, &st_len) != TALLY_OK)
		return 1;
	memset(&le, 0, sizeof le);
	le.type = TALLY_LOG_RESULTS;
	le.time = 1700100000;
	le.u.results.tree_size = covered;
	le.u.results.statement.p = (const uint8_t *)statement;
	le.u.results.statement.len = st_len;
	log_entry(t, &dump, &le);
	tally_free(statement);
	tally_results_free(r);

	/* the CEC's checkpoint */
	tally_checkpoint cp;
	char *body = NULL, *note = NULL;
	size_t blen = 0, nlen = 0;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", cec->v.name);
	cp.size = tally_merkle_tree_size(t);
	if (tally_merkle_tree_root(t, cp.size, &cp.root, &err) != TALLY_OK ||
	    tally_checkpoint_format(&cp, &body, &blen, &err) != TALLY_OK ||
	    tally_note_sign(body, blen, cec, 1, 0, &note, &nlen, &err) != TALLY_OK)
		return 1;
	char *cpline = tally_dump_checkpoint_line(note, nlen, &ll);
	put(&dump, cpline, ll);
	tally_free(body);
	tally_free(note);
	uint64_t entries = tally_merkle_tree_size(t);
	tally_merkle_tree_free(t);
	tally_sim_free(sim);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(dump.p, 1, dump.n, f) != dump.n || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		return 1;
	}
	free(dump.p);
	double t_log = now() - t0;
	printf("log: %llu entries (%zu stations simulated in %.1f s), dump of %.0f MB written to "
	       "%s in %.1f s\n", (unsigned long long)entries, (size_t)o.stations, t_sim,
	       (double)dump.n / 1e6, path, t_log);

	return 0;
}

/* the audit's phases, timed through its progress hook: the time of each
 * name, summed (the replay is interrupted by every results statement) */
typedef struct phases {
	const char *name[16];
	double sum[16], cpu[16];
	int n, cur;
	double at, cpu_at;
} phases;

static void on_phase(void *ctx, const char *name)
{
	phases *ph = ctx;
	double t = now(), c = cpu();
	int i = 0;

	if (ph->cur >= 0) {
		ph->sum[ph->cur] += t - ph->at;
		ph->cpu[ph->cur] += c - ph->cpu_at;
	}
	while (i < ph->n && strcmp(ph->name[i], name) != 0)
		i++;
	if (i == ph->n && ph->n < 16)
		ph->name[ph->n++] = name;
	ph->cur = i < 16 ? i : -1;
	ph->at = t;
	ph->cpu_at = c;
}

typedef struct read_half {
	int fd;
	char *p;
	size_t off, len;
	int ok;
} read_half;

static void *read_half_run(void *arg)
{
	read_half *h = arg;
	size_t got = 0;

	while (got < h->len) {
		ssize_t r = pread(h->fd, h->p + h->off + got, h->len - got, (off_t)(h->off + got));
		if (r <= 0)
			return NULL;
		got += (size_t)r;
	}
	h->ok = 1;
	return NULL;
}

/* read_whole reads the file as `tally verify` does (src/cli/cmd_verify.c,
 * read_dump): into an anonymous mapping of its size advised to be backed by
 * huge pages, in two halves on two threads */
static char *read_whole(const char *path, size_t *len, size_t *map_len)
{
	int fd = open(path, O_RDONLY);
	struct stat sb;
	char *p = NULL;
	pthread_t th;

	if (fd < 0 || fstat(fd, &sb) != 0)
		return NULL;
	size_t n = (size_t)sb.st_size;
	*map_len = n + 1;
	p = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, *map_len, MADV_HUGEPAGE);
#endif
	read_half h[2] = {{fd, p, 0, n / 2, 0}, {fd, p, n / 2, n - n / 2, 0}};
	if (pthread_create(&th, NULL, read_half_run, &h[1]) != 0)
		return NULL;
	read_half_run(&h[0]);
	pthread_join(th, NULL);
	close(fd);
	if (!h[0].ok || !h[1].ok)
		return NULL;
	p[n] = '\0';
	*len = n;
	return p;
}

/* verify times what `tally verify` does with the dump at "path": read it,
 * parse it, audit it; returns the number of problems (or -1). */
static long verify(const char *path, const tally_note_signer *cec)
{
	tally_error err = TALLY_ERROR_INIT;
	double v0 = now(), c0 = cpu();
	size_t fl = 0, map_len = 0;
	char *in = read_whole(path, &fl, &map_len);

	if (!in)
		return -1;
	double v1 = now(), c1 = cpu();
	tally_dump *d = NULL;
	if (tally_dump_parse_inplace(in, fl, &d, &err) != TALLY_OK) {
		fprintf(stderr, "parse: %s [%s]\n", err.msg, err.code);
		return -1;
	}
	double v2 = now(), c2 = cpu();
	tally_audit_input ai;
	tally_audit_summary sum;
	phases ph;
	memset(&ai, 0, sizeof ai);
	memset(&sum, 0, sizeof sum);
	memset(&ph, 0, sizeof ph);
	ph.cur = -1;
	ai.dump = d;
	ai.cec = &cec->v;
	ai.phase = on_phase;
	ai.phase_ctx = &ph;
	if (tally_log_audit(&ai, report, NULL, &sum, &err) != TALLY_OK) {
		fprintf(stderr, "audit: %s\n", err.msg);
		return -1;
	}
	double v3 = now(), c3 = cpu();
	printf("verify: read %.2f s, parse dump %.2f s, audit %.2f s: total %.2f s (target < 10 s), "
	       "CPU %.2f s\n", v1 - v0, v2 - v1, v3 - v2, v3 - v0, c3 - c0);
	printf("CPU (all threads): read %.2f s, parse dump %.2f s, audit %.2f s\n", c1 - c0,
	       c2 - c1, c3 - c2);
	printf("audit phases, wall (CPU):");
	for (int i = 0; i < ph.n; i++)
		if (strcmp(ph.name[i], "done") != 0)
			printf(" %s %.2f s (%.2f)%s", ph.name[i], ph.sum[i], ph.cpu[i],
			       i + 2 < ph.n ? "," : "\n");
	printf("audit: %llu entries, %llu protocols, %llu statement, %llu of %llu stations "
	       "reported, %llu problems\n", (unsigned long long)sum.entries,
	       (unsigned long long)sum.protocols, (unsigned long long)sum.statements,
	       (unsigned long long)sum.reported, (unsigned long long)sum.stations,
	       (unsigned long long)sum.problems);
	/* the definition's parse alone (in the audit it runs beside the hashing) */
	{
		tally_log_entry de;
		tally_election *pe = NULL;
		double p0 = now();

		if (tally_log_entry_decode(d->entries[0].bytes, d->entries[0].len, &de, &err) ==
		        TALLY_OK &&
		    tally_election_parse((const char *)de.u.definition.definition.p,
		                         de.u.definition.definition.len, "definition", &pe,
		                         &err) == TALLY_OK)
			printf("of which: parsing the %.0f MB definition alone %.2f s\n",
			       (double)de.u.definition.definition.len / 1e6, now() - p0);
		tally_election_free(pe);
	}
	tally_dump_free(d);
	munmap(in, map_len);
	return sum.statements == 1 ? (long)sum.problems : -1;
}

int main(int argc, char **argv)
{
	bool reuse = argc > 1 && strcmp(argv[1], "-r") == 0;
	int ai = reuse ? 2 : 1;
	uint64_t n = argc > ai ? strtoull(argv[ai], NULL, 10) : 1000000;
	const char *path = argc > ai + 1 ? argv[ai + 1] : "build/bench_verify.dump";
	uint8_t seed[32] = {7};
	tally_note_signer cec;
	tally_error err = TALLY_ERROR_INIT;
	struct stat sb;

	if (n < 3 || n - 2 > TALLY_MAX_STATIONS) {
		fprintf(stderr, "usage: bench_verify [-r] [N: 3..%d] [DUMP]\n",
		        TALLY_MAX_STATIONS + 2);
		return 2;
	}
	if (tally_note_signer_from_seed("bench.example.org/verify", TALLY_NOTE_ED25519, seed, &cec,
	                                &err) != TALLY_OK)
		return 1;
	if (!reuse || stat(path, &sb) != 0) {
		char pubpath[4096];
		char *pub = tally_note_verifier_format(&cec.v);
		FILE *f = NULL;

		make_log(n, path, &cec);
		snprintf(pubpath, sizeof pubpath, "%s.pub", path);
		if (!pub || !(f = fopen(pubpath, "w")) || fprintf(f, "%s\n", pub) < 0 || fclose(f))
			return 1;
		tally_free(pub);
	} else {
		printf("log: reusing %s (%.0f MB)\n", path, (double)sb.st_size / 1e6);
	}
	long problems = verify(path, &cec);
	tally_note_signer_release(&cec);
	return problems == 0 ? 0 : 1;
}
