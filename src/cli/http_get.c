/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_get.c: the small HTTP/1.0 client with which `tally witness` and
 * `tally log fetch` read the log from `tally serve`. It speaks plain HTTP,
 * without TLS, so it reaches only a server on this machine; that rule is
 * kept here, in cli_http_init, and nowhere else. One request per
 * connection ("Connection: close"); the answer is read whole, up to a
 * limit the caller gives.
 */
#include "cli/cli.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool cli_http_init(cli_http *h, const char *url, size_t max_body, const char *code)
{
	const char *p, *colon, *end;

	memset(h, 0, sizeof *h);
	h->max_body = max_body;
	h->code = code;
	if (strncmp(url, "http://", 7) != 0)
		return false;
	p = url + 7;
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end || end[1] != ':')
			return false;
		snprintf(h->host, sizeof h->host, "%.*s", (int)(end - p - 1), p + 1);
		colon = end + 1;
	} else {
		colon = strchr(p, ':');
		if (!colon || (size_t)(colon - p) >= sizeof h->host)
			return false;
		snprintf(h->host, sizeof h->host, "%.*s", (int)(colon - p), p);
	}
	size_t n = strspn(colon + 1, "0123456789");
	if (n == 0 || n >= sizeof h->port)
		return false;
	snprintf(h->port, sizeof h->port, "%.*s", (int)n, colon + 1);
	const char *path = colon + 1 + n;
	size_t plen = strlen(path);
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	/* RFC 9112 3.2: the path goes into the request line as it is */
	if (plen > 0 && (path[0] != '/' || plen >= sizeof h->path ||
	                 strcspn(path, " ?#\r\n") < plen))
		return false;
	snprintf(h->path, sizeof h->path, "%.*s", (int)plen, path);
	/* only this machine: plain HTTP crosses no network */
	return strcmp(h->host, "127.0.0.1") == 0 || strcmp(h->host, "localhost") == 0 ||
	       strcmp(h->host, "::1") == 0;
}

int cli_http_get(const cli_http *h, const char *rel, unsigned *status, char **body, size_t *len,
                 tally_error *err)
{
	struct addrinfo hints, *ai = NULL;
	char req[1024], *buf = NULL;
	size_t n = 0, cap = 1 << 14;
	int fd = -1, rl;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(h->host, h->port, &hints, &ai) != 0 || !ai)
		return tally_error_set(err, TALLY_EINVAL, h->code, h->host, "cannot resolve the host");
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return tally_error_set(err, TALLY_EINVAL, h->code, h->host,
		                       "cannot connect to port %s: %s", h->port, strerror(errno));
	rl = snprintf(req, sizeof req, "GET %s%s%s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n",
	              h->path, rel[0] == '/' ? "" : "/", rel, h->host);
	if (rl < 0 || (size_t)rl >= sizeof req || write(fd, req, (size_t)rl) != rl) {
		close(fd);
		return tally_error_set(err, TALLY_EINVAL, h->code, rel, "cannot send the request");
	}
	buf = malloc(cap + 1);
	while (buf) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			char *nb = cap >= h->max_body ? NULL : realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf)
		return tally_error_set(err, TALLY_EINVAL, h->code, rel, "the answer is too large");
	buf[n] = '\0';
	/* RFC 9112 4: "HTTP/1.x NNN ...", the headers, an empty line, the body */
	char *b = strstr(buf, "\r\n\r\n");
	unsigned st = 0;
	if (sscanf(buf, "HTTP/1.%*c %u", &st) != 1 || !b) {
		free(buf);
		return tally_error_set(err, TALLY_EINVAL, h->code, rel, "not an HTTP answer");
	}
	b += 4;
	*len = n - (size_t)(b - buf);
	memmove(buf, b, *len + 1);
	*body = buf;
	*status = st;
	return TALLY_OK;
}
