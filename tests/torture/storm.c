/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storm.c: the clients of the crash-torture harness (tests/torture/torture.sh).
 * K threads submit protocols to `tally serve` over plain HTTP/1.1 while the
 * harness kills and restarts the server; one more thread polls the published
 * checkpoint. Every request leaves one history line, written and flushed
 * before the next request, saying what the client knows about it:
 *
 *   ok    a complete 2xx reply (with the version and log index it names)
 *   fail  a complete error reply (4xx or 5xx: the server says nothing is stored)
 *   info  the request went out but no complete reply came back (the server died):
 *         it may or may not be stored
 *
 * A client owns the stations i with i % K == its number, and enters for each
 * a chain of versions: the first is the simulated protocol as it is, later
 * ones move votes from its leading candidate to the next and carry the reason
 * "correction N", so every payload differs from every other in its bytes and
 * from the station's current version in its counts. Payloads are in the
 * server's canonical form (station, operator, reason, lines, candidates), so
 * the log entry of an accepted one holds exactly the bytes sent. After an
 * "info" a client mostly retries the same bytes (the server must then answer
 * "duplicate" if the first try was stored, never store it twice), sometimes
 * gives up and goes on. Now and then it sends a payload the server must
 * refuse: a broken control relation (422) or a changed protocol without a
 * reason (409), and these must never be stored.
 *
 * The port is read from a file before every connection, so the harness may
 * restart the server on another port. SIGTERM or SIGINT ends the run after the
 * requests in flight; a summary goes to stdout.
 *
 * usage: storm --port-file F --token T --protocols FILE --history FILE
 *              --checkpoints DIR [--clients K] [--seed S]
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define MAX_PAIRS 64
#define MAX_STATIONS 4096
#define PAYLOAD_MAX 8192
#define REPLY_MAX 65536
#define ID_MAX 65

typedef struct {
	char key[ID_MAX];
	unsigned long long v;
} pair;

typedef struct {
	char id[ID_MAX];
	pair lines[MAX_PAIRS];
	size_t n_lines;
	pair cand[MAX_PAIRS];
	size_t n_cand;
	/* the client's state of this station */
	unsigned next;      /* attempt number of the next new payload */
	unsigned shift;     /* votes moved in the last acknowledged version */
	int has_accepted;   /* a version is known to be stored (an ok reply) */
	size_t from;        /* corrections move votes from this candidate (the first with most) */
} station;

typedef struct {
	int id;
	uint64_t rng;
	station **st;
	size_t n_st;
	unsigned long long n_ok, n_fail, n_info, n_refused_conn;
} client;

static volatile sig_atomic_t stopping;
static const char *port_file, *token, *cp_dir;
static FILE *history;
static pthread_mutex_t hist_lock = PTHREAD_MUTEX_INITIALIZER;
static station stations[MAX_STATIONS];
static size_t n_stations;
static unsigned long long n_checkpoints;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static uint64_t next_rand(uint64_t *s)
{
	/* xorshift64* (Vigna 2016) */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int read_port(void)
{
	FILE *f = fopen(port_file, "r");
	char buf[32] = "";
	if (!f)
		return -1;
	if (!fgets(buf, sizeof buf, f))
		buf[0] = '\0';
	fclose(f);
	char *end = NULL;
	long p = strtol(buf, &end, 10);
	if (end == buf || p <= 0 || p > 65535)
		return -1;
	return (int)p;
}

/* FNV-1a, 64 bits: a short name for a payload or a checkpoint */
static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- parsing the simulated protocols: one canonical JSON object a line ---- */

/* reads the pairs "key":number of the object after `name` in line */
static int parse_pairs(const char *line, const char *name, pair *out, size_t *n)
{
	const char *p = strstr(line, name);
	*n = 0;
	if (!p)
		return -1;
	p += strlen(name);
	while (*p == '"') {
		const char *q = strchr(p + 1, '"');
		if (!q || (size_t)(q - p - 1) >= ID_MAX || *n >= MAX_PAIRS || q[1] != ':')
			return -1;
		memcpy(out[*n].key, p + 1, (size_t)(q - p - 1));
		out[*n].key[q - p - 1] = '\0';
		char *end = NULL;
		out[*n].v = strtoull(q + 2, &end, 10);
		if (end == q + 2)
			return -1;
		(*n)++;
		p = end;
		if (*p == ',')
			p++;
	}
	return *p == '}' ? 0 : -1;
}

static int load_protocols(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[PAYLOAD_MAX];
	if (!f) {
		fprintf(stderr, "storm: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		const char *s = strstr(line, "{\"station\":\"");
		if (!s)
			continue;
		if (n_stations == MAX_STATIONS)
			break;
		station *st = &stations[n_stations];
		s += strlen("{\"station\":\"");
		const char *q = strchr(s, '"');
		if (!q || (size_t)(q - s) >= ID_MAX)
			continue;
		memcpy(st->id, s, (size_t)(q - s));
		st->id[q - s] = '\0';
		if (parse_pairs(line, "\"lines\":{", st->lines, &st->n_lines) ||
		    parse_pairs(line, "\"candidates\":{", st->cand, &st->n_cand) || st->n_cand < 2)
			continue;
		st->from = 0;
		for (size_t i = 1; i < st->n_cand; i++)
			if (st->cand[i].v > st->cand[st->from].v)
				st->from = i;
		if (st->cand[st->from].v < 3)
			continue;
		n_stations++;
	}
	fclose(f);
	return n_stations ? 0 : -1;
}

/* ---- payloads ---- */

enum kind { K_GOOD, K_BROKEN, K_NOREASON };

/* the payload of attempt `k` of station st, moving `shift` votes from the
 * first candidate to the second */
static int render(const station *st, const char *op, enum kind kind, unsigned k, unsigned shift,
                  char *buf, size_t cap)
{
	size_t at = 0;
	int w = snprintf(buf, cap, "{\"station\":\"%s\",\"operator\":\"%s\"", st->id, op);
	if (w < 0 || (size_t)w >= cap)
		return -1;
	at = (size_t)w;
#define PUT(...)                                                                 \
	do {                                                                         \
		w = snprintf(buf + at, cap - at, __VA_ARGS__);                           \
		if (w < 0 || (size_t)w >= cap - at)                                      \
			return -1;                                                           \
		at += (size_t)w;                                                         \
	} while (0)
	if (kind == K_GOOD && k > 0)
		PUT(",\"reason\":\"correction %u\"", k);
	else if (kind == K_BROKEN)
		PUT(",\"reason\":\"broken %u\"", k);
	PUT(",\"lines\":{");
	for (size_t i = 0; i < st->n_lines; i++) {
		unsigned long long v = st->lines[i].v;
		/* one ballot more than the ballots found: an error relation breaks */
		if (kind == K_BROKEN && strcmp(st->lines[i].key, "valid") == 0)
			v += 1000;
		PUT("%s\"%s\":%llu", i ? "," : "", st->lines[i].key, v);
	}
	PUT("},\"candidates\":{");
	for (size_t i = 0; i < st->n_cand; i++) {
		unsigned long long v = st->cand[i].v;
		if (i == st->from)
			v -= shift;
		else if (i == (st->from + 1) % st->n_cand)
			v += shift;
		PUT("%s\"%s\":%llu", i ? "," : "", st->cand[i].key, v);
	}
	PUT("}}");
#undef PUT
	return (int)at;
}

/* ---- one HTTP/1.1 request, Connection: close ---- */

typedef struct {
	int sent;       /* connected and began to send */
	int complete;   /* a whole reply was read */
	int status;
	char body[REPLY_MAX];
	size_t body_len;
} reply;

static int dial(void)
{
	int port = read_port();
	if (port < 0)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {20, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void request(const char *method, const char *path, const char *body, size_t len, reply *r)
{
	char head[1024];
	static _Thread_local char raw[REPLY_MAX + 4096];
	memset(r, 0, offsetof(reply, body));
	r->body[0] = '\0';
	int fd = dial();
	if (fd < 0)
		return;
	r->sent = 1;
	int hn = snprintf(head, sizeof head,
	                  "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	                  "%s%s%s"
	                  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	                  method, path, token ? "Authorization: Bearer " : "", token ? token : "",
	                  token ? "\r\n" : "", len);
	if (hn < 0 || (size_t)hn >= sizeof head)
		goto out;
	if (send(fd, head, (size_t)hn, MSG_NOSIGNAL) != hn)
		goto out;
	for (size_t off = 0; off < len;) {
		ssize_t w = send(fd, body + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	/* read to the end (the server closes), reply kept to the buffer */
	char *buf = raw;
	size_t got = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + got, sizeof raw - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof raw - 1)
			break;
	}
	buf[got] = '\0';
	char *end = strstr(buf, "\r\n\r\n");
	int st = 0;
	if (!end || sscanf(buf, "HTTP/1.%*d %d", &st) != 1)
		goto out;
	*end = '\0';
	const char *cl = strcasestr(buf, "\r\nContent-Length:");
	size_t want = 0;
	if (cl)
		want = (size_t)strtoull(cl + 17, NULL, 10);
	size_t have = got - (size_t)(end + 4 - buf);
	if (!cl || have < want || want >= REPLY_MAX)
		goto out;  /* a reply cut short proves nothing */
	memcpy(r->body, end + 4, want);
	r->body[want] = '\0';
	r->body_len = want;
	r->status = st;
	r->complete = 1;
out:
	close(fd);
}

static unsigned long long json_num(const char *body, const char *key)
{
	const char *p = strstr(body, key);
	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static void json_str(const char *body, const char *key, char *out, size_t cap)
{
	const char *p = strstr(body, key);
	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	size_t i = 0;
	while (p[i] && p[i] != '"' && i + 1 < cap) {
		out[i] = p[i];
		i++;
	}
	out[i] = '\0';
}

/* sends one payload until it went out; records it; returns 'o', 'f' or 'i' */
static int submit(client *c, const station *st, const char *payload, size_t len)
{
	static _Thread_local reply r;
	for (;;) {
		request("POST", "/api/v1/protocols", payload, len, &r);
		if (r.sent)
			break;
		c->n_refused_conn++;
		if (stopping)
			return 0;
		nap_ms(10);  /* the server is down: nothing was sent, try again */
	}
	char outcome = 'i';
	char action[32] = "-";
	unsigned long long version = 0, log_index = 0;
	if (r.complete) {
		outcome = r.status >= 200 && r.status < 300 ? 'o' : 'f';
		if (outcome == 'o') {
			json_str(r.body, "\"status\":\"", action, sizeof action);
			version = json_num(r.body, "\"version\":");
			log_index = json_num(r.body, "\"log_index\":");
		} else {
			json_str(r.body, "\"code\":\"", action, sizeof action);
		}
		if (!action[0])
			strcpy(action, "-");
	}
	const char *name = outcome == 'o' ? "ok" : outcome == 'f' ? "fail" : "info";
	pthread_mutex_lock(&hist_lock);
	fprintf(history, "c%d\t%s\t%s\t%d\t%s\t%llu\t%llu\t%s\n", c->id, st->id, name,
	        r.complete ? r.status : 0, action, version, log_index, payload);
	fflush(history);
	pthread_mutex_unlock(&hist_lock);
	if (outcome == 'o')
		c->n_ok++;
	else if (outcome == 'f')
		c->n_fail++;
	else
		c->n_info++;
	return outcome;
}

static void *client_main(void *arg)
{
	client *c = arg;
	char op[32], payload[PAYLOAD_MAX];
	snprintf(op, sizeof op, "storm-c%d", c->id);
	while (!stopping && c->n_st) {
		station *st = c->st[next_rand(&c->rng) % c->n_st];
		uint64_t roll = next_rand(&c->rng) % 24;
		unsigned span = (unsigned)(st->cand[st->from].v + 1);
		if (roll == 0) {
			/* must be refused: 422, a control relation */
			int n = render(st, op, K_BROKEN, st->next, 0, payload, sizeof payload);
			if (n > 0)
				submit(c, st, payload, (size_t)n);
			continue;
		}
		if (roll == 1 && st->has_accepted && span > 2) {
			/* must be refused: 409, a change without a reason; its counts
			 * differ from the current version's and from the first's */
			unsigned sh = st->shift + 1;
			if (sh % span == 0)
				sh++;
			int n = render(st, op, K_NOREASON, 0, sh % span, payload, sizeof payload);
			if (n > 0 && sh % span != 0 && sh % span != st->shift)
				submit(c, st, payload, (size_t)n);
			continue;
		}
		unsigned k = st->next++;
		unsigned shift = k % span;
		if (k > 0 && shift == st->shift) {
			/* the counts of the current version would be a duplicate */
			k = st->next++;
			shift = k % span;
		}
		int n = render(st, op, K_GOOD, k, shift, payload, sizeof payload);
		if (n <= 0)
			continue;
		/* the same bytes again after an indeterminate outcome (mostly) */
		int o;
		while ((o = submit(c, st, payload, (size_t)n)) == 'i' && !stopping &&
		       next_rand(&c->rng) % 8 != 0)
			;
		if (o == 'o') {
			st->shift = shift;
			st->has_accepted = 1;
		} else if (o == 'i') {
			/* unknown whether it is stored: no refusal may be counted on */
			st->has_accepted = 0;
		}
	}
	return NULL;
}

/* polls the published checkpoint; keeps each distinct one as DIR/cp-HASH */
static void *checkpoint_main(void *arg)
{
	(void)arg;
	static reply r;
	while (!stopping) {
		request("GET", "/api/v1/log/checkpoint", "", 0, &r);
		if (r.complete && r.status == 200 && r.body_len > 0) {
			char path[4096];
			snprintf(path, sizeof path, "%s/cp-%016" PRIx64, cp_dir, fnv(r.body, r.body_len));
			struct stat sb;
			if (stat(path, &sb) != 0) {
				char tmp[4200];
				snprintf(tmp, sizeof tmp, "%s.tmp", path);
				FILE *f = fopen(tmp, "w");
				if (f && fwrite(r.body, 1, r.body_len, f) == r.body_len && fclose(f) == 0 &&
				    rename(tmp, path) == 0)
					__atomic_add_fetch(&n_checkpoints, 1, __ATOMIC_RELAXED);
				else if (f)
					fclose(f);
			}
		}
		nap_ms(50);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *proto_path = NULL, *hist_path = NULL;
	unsigned long k = 4;
	unsigned long long seed = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port-file"))
			port_file = argv[i + 1];
		else if (!strcmp(argv[i], "--token"))
			token = argv[i + 1];
		else if (!strcmp(argv[i], "--protocols"))
			proto_path = argv[i + 1];
		else if (!strcmp(argv[i], "--history"))
			hist_path = argv[i + 1];
		else if (!strcmp(argv[i], "--checkpoints"))
			cp_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--clients"))
			k = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 10);
		else
			goto usage;
	}
	if (!port_file || !token || !proto_path || !hist_path || !cp_dir || k == 0 ||
	    k > MAX_CLIENTS)
		goto usage;
	if (load_protocols(proto_path))
		return 1;
	history = fopen(hist_path, "a");
	if (!history) {
		fprintf(stderr, "storm: %s: %s\n", hist_path, strerror(errno));
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	static client cl[MAX_CLIENTS];
	static station *owned[MAX_STATIONS];
	size_t at = 0;
	for (unsigned long c = 0; c < k; c++) {
		cl[c].id = (int)c;
		cl[c].rng = (seed + 1) * 0x9E3779B97F4A7C15ULL + c * 0xBF58476D1CE4E5B9ULL + 1;
		cl[c].st = owned + at;
		for (size_t s = c; s < n_stations; s += k)
			owned[at++] = &stations[s];
		cl[c].n_st = (size_t)(owned + at - cl[c].st);
	}
	pthread_t th[MAX_CLIENTS + 1];
	for (unsigned long c = 0; c < k; c++)
		if (pthread_create(&th[c], NULL, client_main, &cl[c]) != 0)
			return 1;
	if (pthread_create(&th[k], NULL, checkpoint_main, NULL) != 0)
		return 1;
	for (unsigned long c = 0; c <= k; c++)
		pthread_join(th[c], NULL);
	unsigned long long ok = 0, fail = 0, info = 0;
	for (unsigned long c = 0; c < k; c++) {
		ok += cl[c].n_ok;
		fail += cl[c].n_fail;
		info += cl[c].n_info;
	}
	fclose(history);
	printf("storm: %lu clients, %zu stations: %llu requests, %llu ok, %llu fail, %llu info; "
	       "%llu checkpoints seen\n",
	       k, n_stations, ok + fail + info, ok, fail, info, n_checkpoints);
	return 0;
usage:
	fprintf(stderr, "usage: storm --port-file F --token T --protocols FILE --history FILE "
	                "--checkpoints DIR [--clients K] [--seed S]\n");
	return 2;
}
