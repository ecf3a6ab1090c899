/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slowclient.c: a hostile HTTP client for the tests of `tally serve`
 * (tests/server/security-test.sh). It opens many connections, from chosen
 * loopback source addresses (all of 127.0.0.0/8 is the loopback interface,
 * so a test can play several clients), starts a request on each and never
 * finishes its head: every few milliseconds it sends one more header line,
 * so the connection is never idle. This is the "slowloris" attack: without
 * a deadline on the whole request head and a limit per address, such
 * connections fill the server's connection table and lock everyone else
 * out.
 *
 * It prints one line,
 *
 *     opened N refused R cut C open O held H cut_min_ms A cut_max_ms B
 *
 * where "refused" counts connections the server closed within 500 ms of
 * their opening (over a connection limit), "cut" those it closed later
 * (a deadline), "open" those still open at the end, "held" those of them
 * open for 500 ms or more (the server's connections, not ones it has yet
 * to refuse), and A and B the shortest and longest life of a cut
 * connection.
 *
 * usage: slowclient PORT [--from ADDR[,ADDR...]] [--conns N] [--every MS]
 *                   [--for SECONDS] [--first] [--body] [--reconnect]
 *   --from       source addresses, used in turn (default 127.0.0.1)
 *   --conns      connections to hold (default 1)
 *   --every      one header line on each connection every MS ms (default 1000)
 *   --for        how long to run (default 10 s)
 *   --first      send one whole request first and wait for its answer (the
 *                connection is then kept alive), then trickle the next one
 *   --body       send a whole head at once (a POST of a 100,000-byte body),
 *                then trickle the body, one byte each time
 *   --reconnect  open a new connection 200 ms after the server closes one,
 *                as an attacker would
 * exit: 0, or 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 20000
#define MAX_FROM 64

typedef struct conn {
	int fd;
	double opened, next;
	double closed;  /* when the server closed it (for --reconnect) */
	unsigned lines;
	bool answered;  /* --first: the whole request was answered */
} conn;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct in_addr from[MAX_FROM];
static size_t n_from, next_from;
static unsigned short port;

static int open_one(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in src = {0}, dst = {0};
	src.sin_family = AF_INET;
	src.sin_addr = from[next_from++ % n_from];
	if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) {
		close(fd);
		return -1;
	}
	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
	return w == (ssize_t)n || (w < 0 && (errno == EAGAIN || errno == EINPROGRESS ||
	                                     errno == ENOTCONN));
}

int main(int argc, char **argv)
{
	unsigned long n = 1, every = 1000, secs = 10;
	bool first = false, body = false, reconnect = false;
	if (argc < 2)
		goto usage;
	port = (unsigned short)strtoul(argv[1], NULL, 10);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--first") == 0)
			first = true;
		else if (strcmp(a, "--body") == 0)
			body = true;
		else if (strcmp(a, "--reconnect") == 0)
			reconnect = true;
		else if (!v)
			goto usage;
		else if (strcmp(a, "--conns") == 0)
			n = strtoul(v, NULL, 10), i++;
		else if (strcmp(a, "--every") == 0)
			every = strtoul(v, NULL, 10), i++;
		else if (strcmp(a, "--for") == 0)
			secs = strtoul(v, NULL, 10), i++;
		else if (strcmp(a, "--from") == 0) {
			for (const char *s = v; *s && n_from < MAX_FROM;) {
				const char *e = strchr(s, ',');
				char one[64];
				size_t l = e ? (size_t)(e - s) : strlen(s);
				if (l >= sizeof one)
					goto usage;
				memcpy(one, s, l);
				one[l] = '\0';
				if (inet_pton(AF_INET, one, &from[n_from++]) != 1)
					goto usage;
				s += l + (e ? 1 : 0);
			}
			i++;
		} else
			goto usage;
	}
	if (!port || !n || n > MAX_CONNS || !every)
		goto usage;
	if (!n_from)
		inet_pton(AF_INET, "127.0.0.1", &from[n_from++]);

	static conn c[MAX_CONNS];
	static struct pollfd p[MAX_CONNS];
	unsigned long opened = 0, refused = 0, cut = 0;
	double cut_min = -1, cut_max = -1, t0 = now_ms(), end = t0 + (double)secs * 1e3;
	for (unsigned long i = 0; i < n; i++) {
		c[i].fd = open_one();
		c[i].opened = now_ms();
		c[i].next = c[i].opened;
		if (c[i].fd >= 0)
			opened++;
	}
	while (now_ms() < end) {
		double t = now_ms();
		for (unsigned long i = 0; i < n; i++) {
			if (c[i].fd < 0 && reconnect && t - c[i].closed >= 200) {
				c[i].fd = open_one();
				c[i].opened = c[i].next = t;
				c[i].lines = 0;
				c[i].answered = false;
				if (c[i].fd >= 0)
					opened++;
			}
			if (c[i].fd < 0 || t < c[i].next || (first && c[i].lines == 1 && !c[i].answered))
				continue;
			char line[160];
			if (body && c[i].lines == 0)
				snprintf(line, sizeof line,
				         "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\n"
				         "Content-Length: 100000\r\n\r\n[");
			else if (body)
				snprintf(line, sizeof line, " ");
			else if (c[i].lines == 0 && first)
				snprintf(line, sizeof line,
				         "GET /api/v1/progress HTTP/1.1\r\nHost: x\r\n\r\n");
			else if (c[i].lines == 0 || (first && c[i].lines == 1))
				snprintf(line, sizeof line, "GET /api/v1/progress HTTP/1.1\r\n");
			else
				snprintf(line, sizeof line, "X-Slow-%u: %lu\r\n", c[i].lines, i);
			if (send_all(c[i].fd, line))
				c[i].lines++;
			c[i].next = t + (double)every;
		}
		for (unsigned long i = 0; i < n; i++) {
			p[i].fd = c[i].fd;
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		if (poll(p, (nfds_t)n, 20) < 0 && errno != EINTR)
			break;
		t = now_ms();
		for (unsigned long i = 0; i < n; i++) {
			if (c[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			ssize_t r = recv(c[i].fd, buf, sizeof buf, 0);
			if (r > 0) {
				if (first && c[i].lines == 1 && !c[i].answered) {
					/* the first answer: the next request is trickled, and
					 * the connection's life counts from now */
					c[i].answered = true;
					c[i].opened = t;
				}
				continue;
			}
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			double life = t - c[i].opened;
			if (life < 500)
				refused++;
			else {
				cut++;
				if (cut_min < 0 || life < cut_min)
					cut_min = life;
				if (life > cut_max)
					cut_max = life;
			}
			close(c[i].fd);
			c[i].fd = -1;
			c[i].closed = t;
		}
	}
	unsigned long open = 0, held = 0;
	double t = now_ms();
	for (unsigned long i = 0; i < n; i++)
		if (c[i].fd >= 0) {
			open++;
			held += t - c[i].opened >= 500;
			close(c[i].fd);
		}
	printf("opened %lu refused %lu cut %lu open %lu held %lu cut_min_ms %.0f cut_max_ms %.0f\n",
	       opened, refused, cut, open, held, cut_min, cut_max);
	return 0;
usage:
	fprintf(stderr, "usage: slowclient PORT [--from ADDR[,ADDR...]] [--conns N] [--every MS] "
	                "[--for SECONDS] [--first] [--body] [--reconnect]\n");
	return 2;
}
