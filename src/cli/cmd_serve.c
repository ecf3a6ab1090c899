/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_serve.c: `tally serve` runs the election-night HTTP server
 * (src/server/): the JSON API under /api/v1 (docs/api-http.md) and the
 * dashboard's static files.
 */
#include "cli/cli.h"
#include "server/server_int.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
	"usage: tally serve [--db PATH] [--port P] [--bind ADDR] [--web DIR] [options]\n"
	"\n"
	"Serve election night over HTTP: public results, turnout, progress and the\n"
	"forensic report with its plots (with ETags), and protocol entry, turnout\n"
	"reports, resolutions and annulments for users with a token from 'tally user\n"
	"add' (docs/api-http.md). Runs until interrupted (SIGINT or SIGTERM).\n"
	"\n"
	"  --db PATH         the database (default $TALLY_DB, else ./tally.db)\n"
	"  --port P          TCP port (default 8080; 0 picks a free one, printed)\n"
	"  --bind ADDR       IPv4 address to listen on (default 127.0.0.1)\n"
	"  --web DIR         serve the dashboard from DIR (default ./web if present)\n"
	"  --threads N       worker threads (default 4)\n"
	"  --max-body BYTES  largest request body (default 4194304)\n"
	"  --rate N          requests per second per token (default 200)\n"
	"  --burst N         requests a token may make at once (default 2 x rate)\n"
	"  --max-conns N     open connections (default 1024)\n"
	"  --max-conns-per-ip N\n"
	"                    open connections from one address (default 64; 0: no\n"
	"                    limit, as behind a reverse proxy, whose address all\n"
	"                    clients share)\n"
	"  --max-conns-per-net N\n"
	"                    open connections from one IPv4 /24 (default 256; 0: no\n"
	"                    limit)\n"
	"  --timeout S       close a connection idle for S seconds (default 30)\n"
	"  --head-timeout S  close a connection whose request line and headers have\n"
	"                    not all arrived S seconds after it opened or after its\n"
	"                    last answer, however busily it sends (default 10; 0: none)\n"
	"  --body-timeout S  close a connection whose request body has not all\n"
	"                    arrived S seconds after its head (default 60; 0: none)\n"
	"  --forensics-every S\n"
	"                    recompute the forensic report (GET /api/v1/forensics) at\n"
	"                    most every S seconds while the count changes (default 30;\n"
	"                    0: on the first request after every change)\n";

static int number(const char *s, unsigned long long lo, unsigned long long hi,
                  unsigned long long *out)
{
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (!end || *end || end == s || v < lo || v > hi || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	/* SIGINT and SIGTERM stop the server cleanly (server_run waits for them
	 * with sigwait): blocked first of all, so that one sent while the store
	 * opens, or while the options are read, is kept for sigwait instead of
	 * killing the process, and every thread the server starts inherits the
	 * mask */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"port", required_argument, NULL, 'p'},
	                                     {"bind", required_argument, NULL, 'b'},
	                                     {"web", required_argument, NULL, 'w'},
	                                     {"threads", required_argument, NULL, 't'},
	                                     {"max-body", required_argument, NULL, 'm'},
	                                     {"rate", required_argument, NULL, 'r'},
	                                     {"burst", required_argument, NULL, 'B'},
	                                     {"max-conns", required_argument, NULL, 'c'},
	                                     {"max-conns-per-ip", required_argument, NULL, 'I'},
	                                     {"max-conns-per-net", required_argument, NULL, 'N'},
	                                     {"timeout", required_argument, NULL, 'T'},
	                                     {"head-timeout", required_argument, NULL, 'H'},
	                                     {"body-timeout", required_argument, NULL, 'Y'},
	                                     {"forensics-every", required_argument, NULL, 'F'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	server_config cfg = {.db = cli_default_db(),
	                     .bind = "127.0.0.1",
	                     .port = 8080,
	                     .threads = 4,
	                     .max_body = 4u << 20,
	                     .rate = 200,
	                     .max_conns = 1024,
	                     .max_per_ip = 64,
	                     .max_per_net = 256,
	                     .timeout = 30,
	                     .head_timeout = 10,
	                     .body_timeout = 60,
	                     .fx_every = 30};
	unsigned long long v = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': cfg.db = optarg; break;
		case 'b': cfg.bind = optarg; break;
		case 'w': cfg.web = optarg; break;
		case 'p':
			if (number(optarg, 0, 65535, &v))
				return cli_usage("serve", "--port is 0-65535");
			cfg.port = (uint16_t)v;
			break;
		case 't':
			if (number(optarg, 1, 256, &v))
				return cli_usage("serve", "--threads is 1-256");
			cfg.threads = (unsigned)v;
			break;
		case 'm':
			if (number(optarg, 1024, TALLY_MAX_INPUT_BYTES, &v))
				return cli_usage("serve", "--max-body is 1024-%u bytes", TALLY_MAX_INPUT_BYTES);
			cfg.max_body = (size_t)v;
			break;
		case 'r':
			if (number(optarg, 1, 1000000, &v))
				return cli_usage("serve", "--rate is 1-1000000");
			cfg.rate = (unsigned)v;
			break;
		case 'B':
			if (number(optarg, 1, 1000000, &v))
				return cli_usage("serve", "--burst is 1-1000000");
			cfg.burst = (unsigned)v;
			break;
		case 'c':
			if (number(optarg, 1, 100000, &v))
				return cli_usage("serve", "--max-conns is 1-100000");
			cfg.max_conns = (unsigned)v;
			break;
		case 'I':
			if (number(optarg, 0, 100000, &v))
				return cli_usage("serve", "--max-conns-per-ip is 0-100000");
			cfg.max_per_ip = (unsigned)v;
			break;
		case 'N':
			if (number(optarg, 0, 100000, &v))
				return cli_usage("serve", "--max-conns-per-net is 0-100000");
			cfg.max_per_net = (unsigned)v;
			break;
		case 'T':
			if (number(optarg, 1, 3600, &v))
				return cli_usage("serve", "--timeout is 1-3600 seconds");
			cfg.timeout = (unsigned)v;
			break;
		case 'H':
			if (number(optarg, 0, 3600, &v))
				return cli_usage("serve", "--head-timeout is 0-3600 seconds");
			cfg.head_timeout = (unsigned)v;
			break;
		case 'Y':
			if (number(optarg, 0, 86400, &v))
				return cli_usage("serve", "--body-timeout is 0-86400 seconds");
			cfg.body_timeout = (unsigned)v;
			break;
		case 'F':
			if (number(optarg, 0, 86400, &v))
				return cli_usage("serve", "--forensics-every is 0-86400 seconds");
			cfg.fx_every = (unsigned)v;
			break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("serve", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("serve", "unexpected argument '%s'", argv[optind]);
	if (!cfg.burst)
		cfg.burst = cfg.rate * 2;
	if (!cfg.web && access("web/index.html", R_OK) == 0)
		cfg.web = "web";
	return server_run(&cfg) ? EXIT_USER : EXIT_OK;
}
