/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_verify.c: `tally verify` checks a log dump offline, with nothing but
 * the CEC's public key (and, if the reader kept them, earlier checkpoints
 * and a receipt): the auditor (tally_log_audit, src/core/ledger/audit.c)
 * does the work; this file reads the files and writes the report, problems
 * first, for a reader who is not a programmer.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define VERIFY_MAX_OLD 64
#define VERIFY_MAX_DUMP ((size_t)1 << 34)
/* a dump file of more than this is read into a mapping of its own */
#define VERIFY_MAP_MIN ((size_t)16 << 20)

/* A dump read whole into memory: either an anonymous mapping ("mapped",
 * "map_len") or a cli_read buffer. */
typedef struct dump_file {
	char *p;
	size_t len, map_len;
	bool mapped;
} dump_file;

static void dump_file_release(dump_file *df)
{
	if (df->mapped)
		munmap(df->p, df->map_len);
	else
		free(df->p);
	memset(df, 0, sizeof *df);
}

/* One half of a large file read by pread(2) into its place. */
typedef struct read_half {
	int fd;
	char *p;
	size_t off, len, got;
	int err;
} read_half;

static void *read_half_run(void *arg)
{
	read_half *h = arg;

	while (h->got < h->len) {
		ssize_t r = pread(h->fd, h->p + h->off + h->got, h->len - h->got,
		                  (off_t)(h->off + h->got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			h->err = r < 0 ? errno : 0;
			break;
		}
		h->got += (size_t)r;
	}
	return NULL;
}

/* read_dump reads the dump at "path" ("-": standard input) whole, as
 * cli_read does; a large regular file goes into an anonymous mapping of
 * its size that the kernel is asked to back with huge pages, so that a
 * gigabyte costs some five hundred page faults instead of a quarter of a
 * million (which took more time than the copy itself), and is read in two
 * halves on two threads. Returns false after printing the error; release
 * with dump_file_release. */
static bool read_dump(const char *path, dump_file *df)
{
	struct stat sb;
	int fd = -1;

	memset(df, 0, sizeof *df);
	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY)) >= 0 && fstat(fd, &sb) == 0 &&
	    S_ISREG(sb.st_mode) && (size_t)sb.st_size > VERIFY_MAP_MIN &&
	    (size_t)sb.st_size <= VERIFY_MAX_DUMP) {
		void *m = mmap(NULL, (size_t)sb.st_size + 1, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
			(void)madvise(m, (size_t)sb.st_size + 1, MADV_HUGEPAGE);
#endif
			size_t n = (size_t)sb.st_size;
			read_half h[2] = {{fd, m, 0, n / 2, 0, 0}, {fd, m, n / 2, n - n / 2, 0, 0}};
			pthread_t th;
			bool threaded = pthread_create(&th, NULL, read_half_run, &h[1]) == 0;

			df->p = m;
			df->map_len = n + 1;
			df->mapped = true;
			read_half_run(&h[0]);
			if (threaded)
				pthread_join(th, NULL);
			else
				read_half_run(&h[1]);
			close(fd);
			if (h[0].err || h[1].err) {
				cli_errorf("cannot read '%s': %s", path,
				           strerror(h[0].err ? h[0].err : h[1].err));
				dump_file_release(df);
				return false;
			}
			/* a file that shrank while it was read is read up to its end */
			df->len = h[0].got < h[0].len ? h[0].got : h[0].len + h[1].got;
			df->p[df->len] = '\0';
			return true;
		}
	}
	if (fd >= 0)
		close(fd);
	df->p = cli_read(path, VERIFY_MAX_DUMP, &df->len);
	return df->p != NULL;
}

static const char help[] =
	"usage: tally verify --dump FILE --key CEC.pub [--checkpoint OLD]... [--receipt FILE]\n"
	"\n"
	"Check an election's transparency log offline, from a dump ('tally log dump')\n"
	"and the CEC's public key alone: every checkpoint's signature; that the entries\n"
	"give the signed roots; that every body of a field logged by hash (over 61,440\n"
	"bytes) is in the dump and gives its SHA-256; that the log extends every\n"
	"earlier checkpoint you kept (--checkpoint, any number); every protocol's\n"
	"signature against the keys the log registered; every control relation; that no\n"
	"station has two different protocols for one version; every published results\n"
	"statement, recomputed from the latest valid protocols and compared line by\n"
	"line; the stations that have not reported; and a receipt (--receipt).\n"
	"\n"
	"exit status: 0 every check passed, 1 problems were found (or a file cannot be\n"
	"read), 2 usage error.\n";

typedef struct report {
	tally_finding *v;
	size_t n, cap;
	int oom;
} report;

static void collect(void *ctx, const tally_finding *f)
{
	report *r = ctx;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 32;
		tally_finding *nv = realloc(r->v, ncap * sizeof *nv);
		if (!nv) {
			r->oom = 1;
			return;
		}
		r->v = nv;
		r->cap = ncap;
	}
	r->v[r->n++] = *f;
}

static void print_section(const report *r, tally_finding_kind kind)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].kind == kind)
			printf("  %s  %s: %s\n", r->v[i].code, r->v[i].where, r->v[i].msg);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"dump", required_argument, NULL, 'D'},
	                                     {"key", required_argument, NULL, 'k'},
	                                     {"checkpoint", required_argument, NULL, 'c'},
	                                     {"receipt", required_argument, NULL, 'r'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *dumpfile = NULL, *keyfile = NULL, *receiptfile = NULL;
	const char *oldfiles[VERIFY_MAX_OLD];
	char *olds[VERIFY_MAX_OLD];
	size_t old_lens[VERIFY_MAX_OLD];
	size_t n_old = 0;
	int c, rc = EXIT_USER;

	memset(olds, 0, sizeof olds);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hD:k:c:r:", opts, NULL)) != -1) {
		switch (c) {
		case 'D': dumpfile = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'c':
			if (n_old == VERIFY_MAX_OLD)
				return cli_usage("verify", "at most %d --checkpoint files", VERIFY_MAX_OLD);
			oldfiles[n_old++] = optarg;
			break;
		case 'r': receiptfile = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("verify", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("verify", "unexpected argument '%s'", argv[optind]);
	if (!dumpfile || !keyfile)
		return cli_usage("verify", "give --dump FILE and --key CEC.pub");

	tally_note_verifier cec;
	tally_dump *d = NULL;
	tally_error err = TALLY_ERROR_INIT;
	tally_audit_summary sum;
	report r;
	char *rbuf = NULL;
	size_t rlen = 0;
	dump_file df;

	memset(&cec, 0, sizeof cec);
	memset(&sum, 0, sizeof sum);
	memset(&r, 0, sizeof r);
	memset(&df, 0, sizeof df);
	if (cli_read_verifier(keyfile, &cec) != EXIT_OK)
		goto out;
	for (size_t i = 0; i < n_old; i++)
		if (!(olds[i] = cli_read(oldfiles[i], TALLY_NOTE_MAX_BYTES, &old_lens[i])))
			goto out;
	if (receiptfile && !(rbuf = cli_read(receiptfile, TALLY_NOTE_MAX_BYTES * 2, &rlen)))
		goto out;
	if (!read_dump(dumpfile, &df))
		goto out;
	/* the dump's bytes are decoded where they were read: a million-entry
	 * dump is not copied */
	if (tally_dump_parse_inplace(df.p, df.len, &d, &err) != TALLY_OK) {
		cli_error(&err);
		printf("verdict: the dump cannot be read, so nothing in it is verified\n");
		goto out;
	}
	{
		tally_audit_input in;
		memset(&in, 0, sizeof in);
		in.dump = d;
		in.cec = &cec;
		in.old_notes = (const char *const *)olds;
		in.old_lens = old_lens;
		in.n_old = n_old;
		in.receipt = rbuf;
		in.receipt_len = rlen;
		if (tally_log_audit(&in, collect, &r, &sum, &err) != TALLY_OK || r.oom) {
			cli_errorf("out of memory while verifying");
			goto out;
		}
	}
	char a[32], b[32];
	printf("tally verify: election %s; %s log entries; %llu checkpoint%s by '%s'\n",
	       sum.election[0] ? sum.election : "(unknown)", cli_commas(sum.entries, a),
	       (unsigned long long)sum.checkpoints, sum.checkpoints == 1 ? "" : "s", cec.name);
	if (sum.problems) {
		printf("\nPROBLEMS (%s):\n", cli_commas(sum.problems, b));
		print_section(&r, TALLY_FINDING_PROBLEM);
	}
	if (sum.problems < r.n) {
		printf("\nfor information:\n");
		print_section(&r, TALLY_FINDING_INFO);
	}
	printf("\nchecked: the latest valid checkpoint signs %llu entries; %llu protocols "
	       "(%llu signed), %llu keys, %llu annulments, %llu rejected submissions, %llu results "
	       "statement%s recomputed; %llu of %llu stations have a valid protocol, %llu "
	       "missing\n",
	       (unsigned long long)sum.verified_size, (unsigned long long)sum.protocols,
	       (unsigned long long)sum.signed_protocols, (unsigned long long)sum.keys,
	       (unsigned long long)sum.annulments, (unsigned long long)sum.rejected,
	       (unsigned long long)sum.statements, sum.statements == 1 ? "" : "s",
	       (unsigned long long)sum.reported, (unsigned long long)sum.stations,
	       (unsigned long long)sum.missing);
	if (sum.problems) {
		printf("verdict: %s problem%s found; the published log or results cannot be "
		       "trusted as they stand\n", cli_commas(sum.problems, b),
		       sum.problems == 1 ? "" : "s");
		rc = EXIT_USER;
	} else {
		printf("verdict: clean: every check passed\n");
		rc = EXIT_OK;
	}
out:
	for (size_t i = 0; i < n_old; i++)
		free(olds[i]);
	free(r.v);
	free(rbuf);
	tally_dump_free(d);
	dump_file_release(&df);
	return rc;
}
