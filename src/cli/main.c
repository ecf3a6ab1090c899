/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: the `tally` command: one table of commands, each in its own
 * cmd_<name>.c with its own options and --help.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* `tally serve` stops cleanly on SIGINT and SIGTERM, which it takes with
 * sigwait (server/http.c); one that arrives while the process starts must
 * not kill it instead. So both are blocked before anything else runs, the
 * initialisers of the libraries included (the ELF pre-initialisation
 * array runs before them: gnutls's, pulled in by libmicrohttpd, takes
 * milliseconds), and main unblocks them at once for every other command,
 * where one already sent then takes effect as usual. */
static void stop_signals(int how)
{
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(how, &sigs, NULL);
}

static void block_stop_signals(void)
{
	stop_signals(SIG_BLOCK);
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit)(void) =
	block_stop_signals;

/* jansson 2.14 (Debian 12) does not survive a failed allocation while it
 * reads a string: its lexer drops the byte it could not save and then reads
 * and writes past its buffer (jansson issue #362, fixed upstream by pull
 * request #747). So the command gives jansson tally's allocator and ends
 * the process with a plain message when that fails, before jansson can go
 * on: nothing is half stored (the open transaction is not committed), and
 * an acknowledged submission is already durable. Found by the allocation
 * sweep of tests/faults (submit, allocation 1539). */
static void *json_alloc(size_t n)
{
	void *p = tally_malloc(n);
	if (!p) {
		static const char msg[] = "error: out of memory in the JSON reader\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
		(void)w;
		_exit(EXIT_USER);
	}
	return p;
}

static void json_release(void *p) { tally_free(p); }

static const cli_command commands[] = {
	{"init", cmd_init, "create an election database from a definition file"},
	{"check", cmd_check, "check a definition file without storing anything"},
	{"export", cmd_export, "write the stored definition back as JSON"},
	{"submit", cmd_submit, "enter protocols (JSON or CSV; double entry)"},
	{"conflicts", cmd_conflicts, "list double-entry differences waiting for resolution"},
	{"resolve", cmd_resolve, "settle a double-entry difference"},
	{"annul", cmd_annul, "annul a station's or a constituency's result"},
	{"turnout", cmd_turnout, "record intraday turnout reports, or show turnout over the day"},
	{"results", cmd_results, "print results: seats, votes, turnout, progress, constituencies"},
	{"protocol", cmd_protocol, "print a station's, a constituency's or the final protocol as PDF"},
	{"simulate", cmd_simulate, "generate a synthetic election (the demo)"},
	{"import", cmd_import, "import real polling-station data from CSV"},
	{"presets", cmd_presets, "list protocol templates and import presets"},
	{"seats", cmd_seats, "allocate seats from a table of votes (every divisor and quota method)"},
	{"forensics", cmd_forensics, "statistical tests for manufactured results"},
	{"rcv", cmd_rcv, "count ranked ballots: instant-runoff, Scottish STV, Meek"},
	{"publish", cmd_publish, "log a results statement: the totals at every level"},
	{"keys", cmd_keys, "make Ed25519 keys; register a commission's key for its station"},
	{"log", cmd_log, "the transparency log: checkpoints, proofs, receipts, dump"},
	{"witness", cmd_witness, "witness the log: check consistency, cosign the checkpoint"},
	{"verify", cmd_verify, "check a log dump offline: signatures, roots, protocols, totals"},
	{"serve", cmd_serve, "run the election-night HTTP server: API and dashboard"},
	{"user", cmd_user, "add, list or revoke users of the HTTP API (tokens, roles)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tally <command> [options]\n\n"
	           "tally runs an election night: definition, protocols, counting, results.\n\n"
	           "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'tally <command> --help' describes a command. The database is\n"
	           "--db PATH, else $TALLY_DB, else ./tally.db.\n"
	           "exit status: 0 success, 1 bad input or refused data, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "serve") != 0)
		stop_signals(SIG_UNBLOCK);
	json_set_alloc_funcs(json_alloc, json_release);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("tally %s\n", TALLY_VERSION_STRING);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "usage error: unknown command '%s'\n\n", name);
	usage(stderr);
	return EXIT_USAGE;
}
