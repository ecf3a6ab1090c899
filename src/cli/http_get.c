/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_get.c: the HTTP client with which `tally witness` and `tally log
 * fetch` read a log, on libcurl. What it lets through is decided here and
 * nowhere else: https:// to any host, its certificate and name verified
 * against the system's CA store and the certificates of --cacert (TLS 1.2
 * or later, RFC 8446 / RFC 5246; names checked as RFC 6125 says); plain
 * http:// to this machine only, since an observer on the path of plain HTTP
 * could hold back a newer checkpoint or the log's answers unseen. Proxies
 * come from the environment, as libcurl reads them. Redirects are followed
 * here rather than by libcurl so that every target is held to the same
 * rules, at most CLI_HTTP_MAX_REDIRECTS of them, never from https to http
 * (RFC 9110 15.4). Every answer is bounded by its caller's limit as it
 * arrives, after gzip decoding (RFC 9110 8.4.1.3), so a hostile server
 * cannot make the client allocate without bound; the one handle keeps its
 * connection open from one request to the next.
 */
#include "cli/cli.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Static_assert(CURL_ERROR_SIZE <= 512, "the libcurl error buffer fits a message");

#define N_URL "N001"        /* a URL that cannot be used */
#define N_REACH "N002"      /* the server cannot be reached */
#define N_TLS "N003"        /* TLS: certificate, handshake, CA file */
#define N_TIMEOUT "N004"    /* no answer in time */
#define N_LIMIT "N005"      /* an answer over its limit */
#define N_REDIRECT "N006"   /* a redirect refused */
#define N_ANSWER "N007"     /* not a usable HTTP answer */

const char cli_http_help[] =
	"The URL is https:// (the server's certificate verified against the system's\n"
	"CA store and --cacert), or http:// to this machine only (127.0.0.1,\n"
	"localhost, [::1]); IPv6 addresses in brackets. Proxies come from\n"
	"https_proxy, http_proxy, all_proxy and no_proxy (also in upper case, except\n"
	"HTTP_PROXY); no_proxy=localhost,127.0.0.1,::1 keeps a server on this\n"
	"machine off the proxy. At most 5 redirects are followed, never from https\n"
	"to http. Network errors: a URL that cannot be used [N001], the server not\n"
	"reached [N002], TLS, as an unverified certificate [N003], a timeout [N004],\n"
	"an answer over its limit [N005], a redirect refused [N006], not a usable\n"
	"HTTP answer [N007].\n"
	"  --cacert FILE          also trust the CA certificates (PEM) in FILE\n"
	"  --connect-timeout SEC  seconds to connect, TLS included (default 10)\n"
	"  --timeout SEC          seconds for each request (default 120)\n"
	"\n";

bool cli_http_option(int c, const char *arg, cli_http_options *o, bool *usage)
{
	long *to;
	char *end = NULL;

	switch (c) {
	case CLI_HTTP_OPT_CACERT: o->cacert = arg; return true;
	case CLI_HTTP_OPT_CONNECT_TIMEOUT: to = &o->connect_timeout; break;
	case CLI_HTTP_OPT_TIMEOUT: to = &o->timeout; break;
	default: return false;
	}
	long v = arg[0] >= '0' && arg[0] <= '9' ? strtol(arg, &end, 10) : -1;
	if (v < 1 || v > CLI_HTTP_MAX_TIMEOUT || *end)
		*usage = true;
	else
		*to = v;
	return true;
}

bool cli_http_is_url(const char *s)
{
	return strstr(s, "://") != NULL;
}

/* is_loopback: "host" as libcurl's URL parser gives it ("[::1]" with its
 * brackets) names this machine: localhost (RFC 6761 6.3), 127.0.0.0/8 or
 * ::1 (RFC 4291 2.5.3) */
static bool is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char b[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n > 2 && n < sizeof b && host[0] == '[' && host[n - 1] == ']') {
		memcpy(b, host + 1, n - 2);
		b[n - 2] = '\0';
		return inet_pton(AF_INET6, b, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
	}
	return false;
}

/* check_url: "url" may be fetched. "base" is true for the URL given on the
 * command line, which the paths are added to (no query or fragment then),
 * false for a redirect's target; "*https" says whether it is https, "norm"
 * (if not NULL, CLI_HTTP_MAX_URL bytes) gets the URL as libcurl normalised
 * it. Returns NULL, or why not (static). */
static const char *check_url(const char *url, bool base, bool *https, char *norm)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *frag = NULL, *all = NULL;
	const char *why = NULL;

	if (!u)
		return "out of memory";
	if (strlen(url) >= CLI_HTTP_MAX_URL)
		why = "the URL is too long";
	else if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	         curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		why = "not a URL: give https://HOST[:PORT][/PREFIX]";
	else if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
		why = "only https:// and http:// are read";
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		why = "not a URL: give https://HOST[:PORT][/PREFIX]";
	else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		why = "a URL with a user name or password is not used";
	else if (base && curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK)
		why = "the URL has a query: give the prefix of the log's paths";
	else if (base && curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK)
		why = "the URL has a fragment: give the prefix of the log's paths";
	else if (strcmp(scheme, "http") == 0 && !is_loopback(host))
		why = "plain http:// only reaches this machine (127.0.0.1, localhost, [::1]): "
		      "use https://";
	else if (norm && (curl_url_get(u, CURLUPART_URL, &all, 0) != CURLUE_OK ||
	                  strlen(all) >= CLI_HTTP_MAX_URL))
		why = "not a URL";
	if (!why) {
		*https = strcmp(scheme, "https") == 0;
		if (norm)
			memcpy(norm, all, strlen(all) + 1);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(query);
	curl_free(frag);
	curl_free(all);
	curl_url_cleanup(u);
	return why;
}

/* read_ca appends file "path" (at most CLI_HTTP_MAX_CA_BYTES) to h->ca */
static bool read_ca(cli_http *h, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *nb;
	size_t n;

	if (!f)
		return false;
	if (!(nb = realloc(h->ca, h->ca_len + CLI_HTTP_MAX_CA_BYTES + 2))) {
		fclose(f);
		return false;
	}
	h->ca = nb;
	n = fread(h->ca + h->ca_len, 1, CLI_HTTP_MAX_CA_BYTES + 1, f);
	bool ok = !ferror(f) && n <= CLI_HTTP_MAX_CA_BYTES;
	fclose(f);
	if (!ok)
		return false;
	h->ca_len += n;
	h->ca[h->ca_len++] = '\n';   /* a file without a last newline */
	nb = realloc(h->ca, h->ca_len);
	if (nb)
		h->ca = nb;
	return true;
}

int cli_http_open(cli_http *h, const char *url, const char *default_prefix,
                  const cli_http_options *o, tally_error *err)
{
	char norm[CLI_HTTP_MAX_URL];
	const char *why;
	bool https = false;
	CURL *c;

	memset(h, 0, sizeof *h);
	h->o = *o;
	if ((why = check_url(url, true, &https, norm)))
		return tally_error_set(err, TALLY_EINVAL, N_URL, url, "%s", why);
	size_t n = strlen(norm);
	while (n > 0 && norm[n - 1] == '/')
		n--;
	norm[n] = '\0';
	/* "https://host:port" and its '/' have no path: the default prefix */
	const char *p = strstr(norm, "://") + 3;
	bool has_path = strchr(p, '/') != NULL;
	if (snprintf(h->base, sizeof h->base, "%s%s", norm, has_path ? "" : default_prefix) >=
	    (int)sizeof h->base)
		return tally_error_set(err, TALLY_EINVAL, N_URL, url, "the URL is too long");

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return tally_error_set(err, TALLY_ENOMEM, NULL, NULL, "cannot set up libcurl");
	if (!(c = curl_easy_init())) {
		curl_global_cleanup();
		return tally_error_set(err, TALLY_ENOMEM, NULL, NULL, "out of memory");
	}
	h->curl = c;
	if (o->cacert) {
		/* --cacert adds to the system's CA certificates (libcurl's default
		 * bundle, which CURLOPT_CAINFO_BLOB would otherwise replace) */
		char *sys = NULL;
		if (curl_easy_getinfo(c, CURLINFO_CAINFO, &sys) == CURLE_OK && sys)
			(void)read_ca(h, sys);   /* none or unreadable: the CA path still holds it */
		size_t before = h->ca_len;
		if (!read_ca(h, o->cacert))
			return tally_error_set(err, TALLY_EINVAL, N_TLS, o->cacert,
			                       "cannot read the CA certificates (a file of at most "
			                       "%zu MiB)", CLI_HTTP_MAX_CA_BYTES >> 20);
		h->ca[h->ca_len - 1] = '\0';
		bool pem = strstr(h->ca + before, "-----BEGIN CERTIFICATE-----") != NULL;
		h->ca[h->ca_len - 1] = '\n';
		if (!pem)
			return tally_error_set(err, TALLY_EINVAL, N_TLS, o->cacert,
			                       "no PEM certificate (-----BEGIN CERTIFICATE-----) in "
			                       "the file");
	}
	return TALLY_OK;
}

void cli_http_close(cli_http *h)
{
	if (h->curl) {
		curl_easy_cleanup(h->curl);
		curl_global_cleanup();
	}
	free(h->ca);
	h->curl = NULL;
	h->ca = NULL;
}

/* ==== one request ==== */

typedef struct sink {
	CURL *c;
	char *b;
	size_t len, cap;
	size_t max, ok_max;   /* the limit in force, and that of a 200 answer */
	size_t announce;      /* the largest Content-Length taken */
	bool status_seen, over, oom;
} sink;

/* CURLOPT_WRITEFUNCTION: the decoded body, kept up to its limit; returning
 * less than given stops the transfer (CURLE_WRITE_ERROR) */
static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	sink *s = ud;
	size_t n = nmemb;   /* "size" is always 1 (libcurl's documentation) */

	(void)size;
	if (!s->status_seen) {
		long st = 0;
		curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &st);
		s->max = st == 200 ? s->ok_max : CLI_HTTP_MAX_ERROR_BODY;
		s->status_seen = true;
	}
	if (n > s->max - s->len) {
		s->over = true;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;
		while (cap < s->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
		if (cap > s->max + 1)
			cap = s->max + 1;
		char *nb = realloc(s->b, cap);
		if (!nb) {
			s->oom = true;
			return 0;
		}
		s->b = nb;
		s->cap = cap;
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
	return n;
}

/* map a failed transfer to its code and message */
static int transfer_error(cli_http *h, CURLcode rc, const sink *s, const char *url,
                          bool https, const char *detail, tally_error *err)
{
	const char *d = detail[0] ? detail : curl_easy_strerror(rc);
	curl_off_t connected = 0;
	char n1[32];

	switch (rc) {
	case CURLE_WRITE_ERROR:
		if (s->oom)
			return tally_error_set(err, TALLY_ENOMEM, NULL, url, "out of memory");
		if (s->over)
			return tally_error_set(err, TALLY_ELIMIT, N_LIMIT, url,
			                       "the answer is over its limit of %s bytes; stopped "
			                       "reading", tally_thousands(s->max, n1));
		break;
	case CURLE_FILESIZE_EXCEEDED:
		return tally_error_set(err, TALLY_ELIMIT, N_LIMIT, url,
		                       "the answer announces more than %s bytes (Content-Length), "
		                       "over its limit; not read", tally_thousands(s->announce, n1));
	case CURLE_OPERATION_TIMEDOUT:
		/* the connection is set up once TCP, and TLS for https, are */
		curl_easy_getinfo(h->curl, https ? CURLINFO_APPCONNECT_TIME_T : CURLINFO_CONNECT_TIME_T,
		                  &connected);
		if (connected == 0)
			return tally_error_set(err, TALLY_EINVAL, N_TIMEOUT, url,
			                       "no connection within %ld s (--connect-timeout): %s",
			                       h->o.connect_timeout, d);
		return tally_error_set(err, TALLY_EINVAL, N_TIMEOUT, url,
		                       "no whole answer within %ld s (--timeout): %s",
		                       h->o.timeout, d);
	case CURLE_OUT_OF_MEMORY:
		return tally_error_set(err, TALLY_ENOMEM, NULL, url, "out of memory");
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		return tally_error_set(err, TALLY_EINVAL, N_TLS, url,
		                       "TLS: %s; nothing was read (give the log's CA with --cacert "
		                       "if it is not a public one)", d);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return tally_error_set(err, TALLY_EINVAL, N_ANSWER, url,
		                       "not a usable HTTP answer: %s", d);
	default:
		break;
	}
	return tally_error_set(err, TALLY_EINVAL, N_REACH, url, "cannot reach the server: %s", d);
}

int cli_http_get(cli_http *h, const char *rel, size_t max, unsigned *status, char **body,
                 size_t *len, tally_error *err)
{
	CURL *c = h->curl;
	char url[CLI_HTTP_MAX_URL], detail[CURL_ERROR_SIZE];
	bool https = strncmp(h->base, "https:", 6) == 0;
	sink s;
	long st = 0;
	int rc = TALLY_OK;

	if (snprintf(url, sizeof url, "%s/%s", h->base, rel) >= (int)sizeof url)
		return tally_error_set(err, TALLY_EINVAL, N_URL, rel, "the URL is too long");
	memset(&s, 0, sizeof s);
	s.c = c;
	s.ok_max = max;
	for (unsigned hop = 0;; hop++) {
		curl_easy_reset(c);
		detail[0] = '\0';
		free(s.b);
		s.b = NULL;
		s.len = s.cap = 0;
		s.status_seen = s.over = s.oom = false;
		/* libcurl's defaults made explicit where they are the point: verify
		 * the peer and its name; nothing but HTTP(S); redirects by hand */
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		if (h->ca) {
			struct curl_blob blob = {h->ca, h->ca_len, CURL_BLOB_NOCOPY};
			curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
		}
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->o.connect_timeout);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, h->o.timeout);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
		curl_easy_setopt(c, CURLOPT_USERAGENT, "tally/" TALLY_VERSION_STRING);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
		/* a Content-Length over any limit is refused before the body is
		 * read; a gzipped answer may be a little larger than its bytes */
		s.announce = (max > CLI_HTTP_MAX_ERROR_BODY ? max : CLI_HTTP_MAX_ERROR_BODY);
		s.announce += s.announce / 64 + 1024;
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s.announce);

		CURLcode cr = curl_easy_perform(c);
		curl_off_t wire = 0;
		curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &wire);
		h->requests++;
		h->wire_bytes += (uint64_t)wire;
		if (cr != CURLE_OK) {
			rc = transfer_error(h, cr, &s, url, https, detail, err);
			goto out;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
		char *to = NULL;
		curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &to);
		if (st < 300 || st > 399 || !to)
			break;
		/* RFC 9110 15.4: a redirect; its target is checked as the first URL was */
		bool to_https = false;
		const char *why = check_url(to, false, &to_https, NULL);
		if (hop == CLI_HTTP_MAX_REDIRECTS)
			rc = tally_error_set(err, TALLY_EINVAL, N_REDIRECT, url,
			                     "more than %d redirects; the last to %s",
			                     CLI_HTTP_MAX_REDIRECTS, to);
		else if (why)
			rc = tally_error_set(err, TALLY_EINVAL, N_REDIRECT, url,
			                     "a redirect (HTTP %ld) to %s: %s", st, to, why);
		else if (https && !to_https)
			rc = tally_error_set(err, TALLY_EINVAL, N_REDIRECT, url,
			                     "a redirect (HTTP %ld) from https:// to %s: refused", st, to);
		if (rc != TALLY_OK)
			goto out;
		snprintf(url, sizeof url, "%s", to);   /* check_url bounded it */
		https = to_https;
		h->redirects++;
	}
	if (!s.b && !(s.b = malloc(1))) {
		rc = tally_error_set(err, TALLY_ENOMEM, NULL, url, "out of memory");
		goto out;
	}
	s.b[s.len] = '\0';
	*body = s.b;
	*len = s.len;
	*status = (unsigned)st;
	s.b = NULL;
out:
	free(s.b);
	return rc;
}
