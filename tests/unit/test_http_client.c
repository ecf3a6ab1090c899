/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http_client.c: unit tests of the URL rules of the network client of
 * `tally log fetch` and `tally witness` (src/cli/http_get.c): which URLs it
 * takes and the base it makes of them (the default prefix, a trailing '/'),
 * which it refuses with N001 (plain http off this machine, however the
 * host is spelt; credentials, a query, a fragment, another scheme), the
 * --cacert checks (N003), the timeout options, and cli_http_is_url. What
 * it does on the wire is tests/server/net-client-test.sh.
 */
#include "testutil.h"
#include "cli/cli.h"

#include <fcntl.h>
#include <getopt.h>

/* takes URL and makes BASE of it */
static void takes(const char *url, const char *base)
{
	cli_http h;
	cli_http_options o = CLI_HTTP_OPTIONS_INIT;
	tally_error err = TALLY_ERROR_INIT;
	int rc = cli_http_open(&h, url, "/api/v1/log", &o, &err);

	if (rc != TALLY_OK)
		fail_msg("%s refused: %s [%s]", url, err.msg, err.code);
	assert_string_equal(h.base, base);
	cli_http_close(&h);
	cli_http_close(&h);   /* twice: a no-op */
}

/* refuses URL with N001 and a message holding WHY */
static void refuses(const char *url, const char *why)
{
	cli_http h;
	cli_http_options o = CLI_HTTP_OPTIONS_INIT;
	tally_error err = TALLY_ERROR_INIT;

	assert_int_equal(cli_http_open(&h, url, "/api/v1/log", &o, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "N001");
	if (!strstr(err.msg, why))
		fail_msg("%s: '%s' does not say '%s'", url, err.msg, why);
	cli_http_close(&h);
}

static void test_urls_taken(void **state)
{
	(void)state;
	takes("https://log.example.org", "https://log.example.org/api/v1/log");
	takes("https://log.example.org/", "https://log.example.org/api/v1/log");
	takes("https://log.example.org:8443/mirror/log/", "https://log.example.org:8443/mirror/log");
	takes("HTTPS://Log.Example.ORG/x", "https://Log.Example.ORG/x");
	takes("https://[2001:db8::1]:443/log", "https://[2001:db8::1]:443/log");
	takes("https://192.0.2.7/log", "https://192.0.2.7/log");
	/* plain http: this machine only, in every spelling of it */
	takes("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v1/log");
	takes("http://127.9.8.7:1/p", "http://127.9.8.7:1/p");
	takes("http://localhost:1", "http://localhost:1/api/v1/log");
	takes("http://LOCALHOST:1", "http://LOCALHOST:1/api/v1/log");
	takes("http://[::1]:8080/api/v1/log", "http://[::1]:8080/api/v1/log");
	takes("http://[0:0:0:0:0:0:0:1]:1/", "http://[::1]:1/api/v1/log");
}

static void test_urls_refused(void **state)
{
	(void)state;
	const char *off = "only reaches this machine";
	refuses("http://log.example.org", off);
	refuses("http://192.0.2.1:80/api/v1/log", off);
	refuses("http://128.0.0.1:80", off);
	refuses("http://localhost.example.org:80", off);
	refuses("http://127.0.0.1.example.org:80", off);
	refuses("http://[::2]:80", off);
	refuses("http://[::ffff:192.0.2.1]:80", off);
	refuses("http://[fe80::1%25lo]:80", off);
	refuses("http://0.0.0.0:80", off);
	refuses("https://user:secret@log.example.org/", "password");
	refuses("https://log.example.org/log?from=1", "query");
	refuses("https://log.example.org/log#top", "fragment");
	refuses("ftp://log.example.org/log", "only https:// and http://");
	refuses("file:///etc/passwd", "only https:// and http://");
	refuses("log.example.org/log", "not a URL");
	refuses("https://", "not a URL");
	refuses("https://[::1", "not a URL");
	refuses("https://a b/", "not a URL");

	char longurl[CLI_HTTP_MAX_URL + 16];
	memcpy(longurl, "https://h/", 10);
	memset(longurl + 10, 'a', sizeof longurl - 11);
	longurl[sizeof longurl - 1] = '\0';
	refuses(longurl, "too long");
}

static void test_cacert(void **state)
{
	(void)state;
	cli_http h;
	cli_http_options o = CLI_HTTP_OPTIONS_INIT;
	tally_error err = TALLY_ERROR_INIT;
	char path[] = "/tmp/tally-cacert-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_true(write(fd, "not a certificate\n", 18) == 18);
	close(fd);
	o.cacert = path;
	assert_int_equal(cli_http_open(&h, "https://localhost", "/log", &o, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "N003");
	assert_non_null(strstr(err.msg, "no PEM certificate"));
	cli_http_close(&h);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	const char *pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
	assert_true(write(fd, pem, strlen(pem)) == (ssize_t)strlen(pem));
	close(fd);
	assert_int_equal(cli_http_open(&h, "https://localhost", "/log", &o, &err), TALLY_OK);
	assert_non_null(h.ca);
	/* the file is in the CA certificates, followed by a newline */
	assert_true(h.ca_len > strlen(pem));
	assert_memory_equal(h.ca + h.ca_len - strlen(pem) - 1, pem, strlen(pem));
	assert_int_equal(h.ca[h.ca_len - 1], '\n');
	cli_http_close(&h);

	unlink(path);
	assert_int_equal(cli_http_open(&h, "https://localhost", "/log", &o, &err), TALLY_EINVAL);
	assert_string_equal(err.code, "N003");
	cli_http_close(&h);
}

static void test_options(void **state)
{
	(void)state;
	cli_http_options o = CLI_HTTP_OPTIONS_INIT;
	bool usage = false;

	assert_int_equal(o.connect_timeout, CLI_HTTP_CONNECT_TIMEOUT);
	assert_int_equal(o.timeout, CLI_HTTP_TIMEOUT);
	assert_true(cli_http_option(CLI_HTTP_OPT_TIMEOUT, "30", &o, &usage));
	assert_false(usage);
	assert_int_equal(o.timeout, 30);
	assert_true(cli_http_option(CLI_HTTP_OPT_CONNECT_TIMEOUT, "86400", &o, &usage));
	assert_false(usage);
	assert_int_equal(o.connect_timeout, 86400);
	const char *bad[] = {"0", "-1", "86401", "", "x", "10s", " 5", "+5", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		usage = false;
		assert_true(cli_http_option(CLI_HTTP_OPT_TIMEOUT, bad[i], &o, &usage));
		if (!usage)
			fail_msg("--timeout '%s' taken", bad[i]);
		assert_int_equal(o.timeout, 30);   /* untouched */
	}
	assert_true(cli_http_option(CLI_HTTP_OPT_CACERT, "ca.pem", &o, &usage));
	assert_string_equal(o.cacert, "ca.pem");
	assert_false(cli_http_option('x', "1", &o, &usage));

	assert_true(cli_http_is_url("https://h"));
	assert_true(cli_http_is_url("ftp://h"));
	assert_false(cli_http_is_url("dump.txt"));
	assert_false(cli_http_is_url("./https:/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls_taken),
		cmocka_unit_test(test_urls_refused),
		cmocka_unit_test(test_cacert),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests_name("http_client", tests, NULL, NULL);
}
