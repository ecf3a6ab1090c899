/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_server.c: the election-night server under load (bench/README.md,
 * "Server"). It simulates elections with `tally simulate`, makes a fresh
 * database for each run (`tally init`), creates an API token (`tally user
 * add`), starts `tally serve` on 127.0.0.1 (a free port), and acts as the
 * load generator: C threads, one keep-alive TCP connection each, loopback
 * only, every run bounded in count and in time. Every submission is a POST
 * /api/v1/protocols of one protocol, answered only after its durable commit
 * (group commit, src/server/group.c).
 *
 *   1. the demo election (~5,500 stations, double entry: ~11,000 submissions)
 *      with 1 and with 64 clients;
 *   2. 100,000 synthetic protocols (50,000 stations, two entries each) with
 *      1 client (bounded by --seconds) and with 64 clients;
 *   3. an open-loop run at an offered 1,000 submissions/s for 10 s (64
 *      connections; latency counted from each request's scheduled time, so
 *      a stalled server cannot hide its queue);
 *   4. cached results: wrk against GET /api/v1/results with If-None-Match
 *      for 10 s (Debian package wrk).
 * It prints submissions/s, p50/p99 latency and the commits the server made.
 *
 * usage: build/bench_server [--tally build/tally] [--dir build/bench-server]
 *                           [--seconds N (cap per run, default 30)] [--quick]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *tally = "build/tally";
static const char *dir = "build/bench-server";
static double cap_seconds = 30;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "bench_server: %s%s\n", what, arg);
	exit(1);
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0)
		die("failed: ", cmd);
}

/* the first line a command prints */
static void sh_line(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(out, (int)cap, p))
		die("no output from: ", cmd);
	out[strcspn(out, "\r\n")] = '\0';
	if (pclose(p) != 0)
		die("failed: ", cmd);
}

/* ==== request bodies: one protocol per line of tally simulate's files ==== */

typedef struct bodies {
	char **b;
	size_t *len;
	size_t n, cap;
} bodies;

static void load(bodies *v, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot read ", path);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t l;
	while ((l = getline(&line, &lcap, f)) > 0) {
		if (!strstr(line, "\"station\""))
			continue;
		while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == ',' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (v->n == v->cap) {
			v->cap = v->cap ? v->cap * 2 : 1024;
			v->b = realloc(v->b, v->cap * sizeof *v->b);
			v->len = realloc(v->len, v->cap * sizeof *v->len);
			if (!v->b || !v->len)
				die("out of memory", "");
		}
		v->b[v->n] = strdup(line);
		v->len[v->n++] = (size_t)l;
	}
	free(line);
	fclose(f);
}

/* ==== the server ==== */

typedef struct server {
	pid_t pid;
	int port;
	char err[512];
} server;

static void server_start(server *s, const char *db, const char *name)
{
	int fds[2];
	if (pipe(fds) != 0)
		die("pipe failed", "");
	snprintf(s->err, sizeof s->err, "%s/serve-%s.err", dir, name);
	s->pid = fork();
	if (s->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (!freopen(s->err, "w", stderr))
			_exit(127);
		/* every client is on 127.0.0.1, as behind a proxy: no limit per
		 * address (64 clients and wrk's 64 connections would meet it) */
		execl(tally, tally, "serve", "--db", db, "--bind", "127.0.0.1", "--port", "0", "--rate",
		      "1000000", "--burst", "1000000", "--max-conns-per-ip", "0", "--max-conns-per-net",
		      "0", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char line[512];
	if (!f || !fgets(line, sizeof line, f))
		die("tally serve did not start; see ", s->err);
	char *p = strstr(line, "http://127.0.0.1:");
	if (!p)
		die("unexpected: ", line);
	s->port = atoi(p + strlen("http://127.0.0.1:"));
	fclose(f);
}

/* stops the server; "commits" gets its "N protocol submissions in M group commits" */
static void server_stop(server *s, char *commits, size_t cap)
{
	kill(s->pid, SIGTERM);
	int st = 0;
	waitpid(s->pid, &st, 0);
	commits[0] = '\0';
	FILE *f = fopen(s->err, "r");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		char *p = strstr(line, "tally serve: ");
		if (p && strstr(line, "group commits")) {
			snprintf(commits, cap, "%s", p + strlen("tally serve: "));
			commits[strcspn(commits, "\n")] = '\0';
		}
	}
	if (f)
		fclose(f);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "bench_server: tally serve exited with status %d (see %s)\n", st, s->err);
}

/* a fresh database of "def" with a CEC token in "token" */
static void fresh_db(const char *def, const char *db, char *token, size_t cap)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm && %s init --db %s %s > /dev/null", db, db,
	         db, tally, db, def);
	sh(cmd);
	snprintf(cmd, sizeof cmd, "%s user add --db %s --role cec --name bench-cec 2>/dev/null", tally,
	         db);
	sh_line(cmd, token, cap);
}

/* ==== the load generator ==== */

typedef struct conn {
	int fd;
	char buf[1 << 16];
	size_t have;
} conn;

static int conn_open(conn *c, int port)
{
	c->have = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

/* one request on a keep-alive connection; returns the HTTP status or -1 */
static int request(conn *c, const char *head, size_t hl, const char *body, size_t bl)
{
	struct iovec iov[2] = {{(void *)head, hl}, {(void *)body, bl}};
	size_t left = hl + bl;
	while (left) {
		ssize_t w = writev(c->fd, iov, 2);
		if (w <= 0)
			return -1;
		left -= (size_t)w;
		for (int i = 0; i < 2 && w; i++) {
			size_t k = (size_t)w < iov[i].iov_len ? (size_t)w : iov[i].iov_len;
			iov[i].iov_base = (char *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
			w -= (ssize_t)k;
		}
	}
	for (;;) {
		char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
		if (end) {
			size_t hdr = (size_t)(end - c->buf) + 4;
			int status = atoi(c->buf + 9);
			size_t clen = 0;
			char *cl = memmem(c->buf, hdr, "Content-Length:", 15);
			if (!cl)
				cl = memmem(c->buf, hdr, "content-length:", 15);
			if (cl)
				clen = strtoul(cl + 15, NULL, 10);
			if (hdr + clen > sizeof c->buf)
				return -1;
			while (c->have < hdr + clen) {
				ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - c->have);
				if (r <= 0)
					return -1;
				c->have += (size_t)r;
			}
			memmove(c->buf, c->buf + hdr + clen, c->have - hdr - clen);
			c->have -= hdr + clen;
			return status;
		}
		if (c->have == sizeof c->buf)
			return -1;
		ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - c->have);
		if (r <= 0)
			return -1;
		c->have += (size_t)r;
	}
}

typedef struct run {
	const bodies *v;
	size_t n;              /* bodies to send (at most v->n) */
	int port;
	const char *token;
	double rate;           /* offered submissions/s; 0: closed loop */
	double t0, deadline;
	atomic_size_t next;
	double *lat;           /* per request; < 0: not sent */
	atomic_size_t ok, refused, failed;
} run;

static void *client(void *arg)
{
	run *r = arg;
	conn *c = malloc(sizeof *c);
	if (!c || conn_open(c, r->port) != 0) {
		fprintf(stderr, "bench_server: cannot connect\n");
		free(c);
		return NULL;
	}
	char head[512];
	for (;;) {
		size_t i = atomic_fetch_add(&r->next, 1);
		if (i >= r->n)
			break;
		double start = now();
		if (r->rate > 0) {
			double at = r->t0 + (double)i / r->rate;
			if (at > r->deadline)
				break;
			while ((start = now()) < at) {
				double d = at - start;
				struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
				nanosleep(&ts, NULL);
			}
			start = at;
		} else if (start > r->deadline) {
			break;
		}
		int hl = snprintf(head, sizeof head,
		                  "POST /api/v1/protocols HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		                  "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		                  "Content-Length: %zu\r\n\r\n",
		                  r->token, r->v->len[i]);
		int st = request(c, head, (size_t)hl, r->v->b[i], r->v->len[i]);
		r->lat[i] = now() - start;
		if (st >= 200 && st < 300)
			atomic_fetch_add(&r->ok, 1);
		else if (st >= 400 && st < 500)
			atomic_fetch_add(&r->refused, 1);
		else
			atomic_fetch_add(&r->failed, 1);
		if (st < 0 || st == 413) {  /* the connection is gone: open another */
			close(c->fd);
			if (conn_open(c, r->port) != 0)
				break;
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct figures {
	size_t done;
	double per_s, p50, p99;
} figures;

static figures load_run(const char *name, const bodies *v, size_t n, int port, const char *token,
                        int clients, double rate, double seconds)
{
	run r;
	memset(&r, 0, sizeof r);
	r.v = v;
	r.n = n < v->n ? n : v->n;
	r.port = port;
	r.token = token;
	r.rate = rate;
	r.lat = malloc(r.n * sizeof *r.lat);
	for (size_t i = 0; i < r.n; i++)
		r.lat[i] = -1;
	pthread_t th[256];
	r.t0 = now() + 0.05;
	r.deadline = r.t0 + seconds;
	for (int i = 0; i < clients; i++)
		pthread_create(&th[i], NULL, client, &r);
	for (int i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	double t1 = now();
	double *l = malloc(r.n * sizeof *l);
	size_t k = 0;
	for (size_t i = 0; i < r.n; i++)
		if (r.lat[i] >= 0)
			l[k++] = r.lat[i];
	qsort(l, k, sizeof *l, cmp_d);
	figures f = {k, 0, 0, 0};
	double start = rate > 0 ? r.t0 : r.t0;
	if (k) {
		f.per_s = (double)k / (t1 - start);
		f.p50 = l[k / 2] * 1e3;
		f.p99 = l[(size_t)((double)(k - 1) * 0.99)] * 1e3;
	}
	printf("%-34s %3d clients %8zu sent %6zu refused %4zu failed %9.0f /s  p50 %7.2f ms  p99 %7.2f ms\n",
	       name, clients, k, (size_t)r.refused, (size_t)r.failed, f.per_s, f.p50, f.p99);
	fflush(stdout);
	free(l);
	free(r.lat);
	return f;
}

/* one submission run on a fresh database */
static figures submit_run(const char *name, const char *def, const bodies *v, size_t n,
                          int clients, double rate, double seconds, bool then_wrk)
{
	char db[600], token[200], commits[256];
	snprintf(db, sizeof db, "%s/%s.db", dir, name);
	fresh_db(def, db, token, sizeof token);
	server s;
	server_start(&s, db, name);
	figures f = load_run(name, v, n, s.port, token, clients, rate, seconds);
	if (then_wrk) {
		/* the current ETag, then wrk revalidating it */
		conn c;
		char etag[128] = "";
		if (conn_open(&c, s.port) == 0) {
			const char *h = "GET /api/v1/results HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
			if (write(c.fd, h, strlen(h)) > 0) {
				size_t have = 0;
				ssize_t rd;
				while ((rd = read(c.fd, c.buf + have, sizeof c.buf - have - 1)) > 0) {
					have += (size_t)rd;
					c.buf[have] = '\0';
					if (strstr(c.buf, "\r\n\r\n"))
						break;
				}
				char *e = strcasestr(c.buf, "\r\nETag: ");
				if (e) {
					e += 8;
					size_t m = strcspn(e, "\r\n");
					if (m < sizeof etag)
						memcpy(etag, e, m), etag[m] = '\0';
				}
			}
			close(c.fd);
		}
		if (!etag[0]) {
			fprintf(stderr, "bench_server: no ETag on /api/v1/results\n");
		} else {
			char cmd[1024];
			snprintf(cmd, sizeof cmd,
			         "wrk -t2 -c64 -d10s -H 'If-None-Match: %s' http://127.0.0.1:%d/api/v1/results"
			         " > %s/wrk.out 2>&1",
			         etag, s.port, dir);
			if (system(cmd) != 0) {
				fprintf(stderr, "bench_server: wrk failed (scripts/install-deps.sh --bench)\n");
			} else {
				snprintf(cmd, sizeof cmd,
				         "grep -E 'Requests/sec|Latency|requests in|Non-2xx' %s/wrk.out", dir);
				printf("wrk -t2 -c64 -d10s GET /api/v1/results with If-None-Match (304s), "
				       "%zu stations reported:\n", f.done / 2);
				fflush(stdout);
				if (system(cmd) != 0)
					fprintf(stderr, "bench_server: no figures in %s/wrk.out\n", dir);
			}
		}
	}
	server_stop(&s, commits, sizeof commits);
	if (commits[0])
		printf("%-34s server: %s\n", "", commits);
	return f;
}

int main(int argc, char **argv)
{
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tally") == 0 && i + 1 < argc)
			tally = argv[++i];
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			cap_seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else {
			fprintf(stderr, "usage: bench_server [--tally PATH] [--dir DIR] [--seconds N] [--quick]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	char cmd[2048], path[600];
	snprintf(cmd, sizeof cmd, "mkdir -p %s && rm -rf %s/demo %s/synthetic", dir, dir, dir);
	sh(cmd);
	/* the demo election: entries-1, entries-2, then the third operator's re-entries */
	snprintf(cmd, sizeof cmd, "%s simulate --out %s/demo > /dev/null", tally, dir);
	sh(cmd);
	bodies demo = {0};
	for (int k = 1; k <= 3; k++) {
		snprintf(path, sizeof path, "%s/demo/entries-%d.json", dir, k);
		load(&demo, path);
	}
	/* 50,000 stations, two entries each: 100,000 protocols */
	snprintf(cmd, sizeof cmd,
	         "%s simulate --out %s/synthetic --stations %d --seed 7 --typos 0 --bad 0 "
	         "--warnings 0 > /dev/null",
	         tally, dir, quick ? 5000 : 50000);
	sh(cmd);
	bodies syn = {0};
	for (int k = 1; k <= 2; k++) {
		snprintf(path, sizeof path, "%s/synthetic/entries-%d.json", dir, k);
		load(&syn, path);
	}
	char ddef[600], sdef[600];
	snprintf(ddef, sizeof ddef, "%s/demo/definition.json", dir);
	snprintf(sdef, sizeof sdef, "%s/synthetic/definition.json", dir);
	printf("tally serve under load: POST /api/v1/protocols, one protocol per request, keep-alive, "
	       "127.0.0.1; each run on a fresh database, capped at %.0f s\n",
	       cap_seconds);
	printf("demo election: %zu submissions; synthetic: %zu submissions\n\n", demo.n, syn.n);
	figures d1 = submit_run("demo-1", ddef, &demo, demo.n, 1, 0, cap_seconds, false);
	figures d64 = submit_run("demo-64", ddef, &demo, demo.n, 64, 0, cap_seconds, false);
	figures s1 = submit_run("synthetic-1", sdef, &syn, syn.n, 1, 0, cap_seconds, false);
	figures s64 = submit_run("synthetic-64", sdef, &syn, syn.n, 64, 0, cap_seconds, true);
	figures o = submit_run("synthetic-offered-1000", sdef, &syn, 10000, 64, 1000, 10, false);
	(void)d1, (void)s1;
	printf("\ntargets: >= 5,000 durable submissions/s with 64 clients: demo %.0f, synthetic %.0f "
	       "(%s); p99 < 50 ms at 1,000/s offered: %.2f ms (%s); >= 20,000 cached GETs/s: see wrk "
	       "above\n",
	       d64.per_s, s64.per_s, d64.per_s >= 5000 && s64.per_s >= 5000 ? "met" : "NOT met",
	       o.p99, o.p99 < 50 ? "met" : "NOT met");
	return 0;
}
