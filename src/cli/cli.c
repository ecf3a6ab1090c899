/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.c: helpers shared by the commands (see cli.h).
 */
#include "cli/cli.h"
#include "render/render.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cli_default_db(void)
{
	const char *d = getenv("TALLY_DB");
	return d && *d ? d : "tally.db";
}

char *cli_read(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		cli_errorf("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0, got;
	struct stat sb;
	/* a regular file is read in one go into a buffer of its size */
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (size_t)sb.st_size <= max)
		cap = (size_t)sb.st_size + 1;
	char *buf = malloc(cap + 1);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n > max) {
			cli_errorf("'%s' is larger than the limit of %zu bytes", path, max);
			free(buf);
			buf = NULL;
			break;
		}
		if (n == cap) {
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				cli_errorf("out of memory reading '%s'", path);
				break;
			}
			buf = nb;
		}
	}
	if (buf && ferror(f)) {
		cli_errorf("cannot read '%s': %s", path, strerror(errno));
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	*len = n;
	return buf;
}

void cli_error(const tally_error *err)
{
	if (err->where[0])
		fprintf(stderr, "error: %s: %s", err->where, err->msg);
	else
		fprintf(stderr, "error: %s", err->msg[0] ? err->msg : tally_strerror(err->status));
	if (err->code[0])
		fprintf(stderr, " [%s]", err->code);
	fputc('\n', stderr);
}

void cli_errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("usage error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\ntry 'tally %s --help'\n", cmd);
	va_end(ap);
	return EXIT_USAGE;
}

int cli_load_map(const char *preset, const char *mapf, tally_import_map **out)
{
	tally_error err = TALLY_ERROR_INIT;
	int rc;
	if (preset) {
		rc = tally_import_map_preset(preset, out, &err);
	} else {
		size_t len = 0;
		char *mb = cli_read(mapf, 1 << 20, &len);
		if (!mb)
			return EXIT_USER;
		rc = tally_import_map_parse(mb, len, mapf, out, &err);
		free(mb);
	}
	if (rc) {
		cli_error(&err);
		return EXIT_USER;
	}
	return EXIT_OK;
}

int cli_open(const char *db, tally_store **s, tally_election **e)
{
	tally_error err = TALLY_ERROR_INIT;
	if (tally_store_open(db, s, &err)) {
		cli_error(&err);
		if (err.status == TALLY_ENOTFOUND)
			fprintf(stderr, "hint: create it with 'tally init DEFINITION.json --db %s'\n", db);
		return EXIT_USER;
	}
	if (tally_store_election(*s, e, &err)) {
		cli_error(&err);
		tally_store_close(*s);
		*s = NULL;
		return EXIT_USER;
	}
	return EXIT_OK;
}

int cli_write(const char *path, const char *data, size_t len)
{
	if (!path || strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			cli_errorf("cannot write to standard output: %s", strerror(errno));
			return EXIT_USER;
		}
		return EXIT_OK;
	}
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		cli_errorf("cannot create '%s': %s", tmp, strerror(errno));
		return EXIT_USER;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			cli_errorf("cannot write '%s': %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return EXIT_USER;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		cli_errorf("cannot write '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		return EXIT_USER;
	}
	if (rename(tmp, path) != 0) {
		cli_errorf("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		unlink(tmp);
		return EXIT_USER;
	}
	return EXIT_OK;
}

const char *cli_commas(uint64_t v, char buf[32])
{
	return tally_thousands(v, buf);
}

const char *cli_pct(uint64_t num, uint64_t den, char buf[16])
{
	return render_pct(num, den, buf);
}

bool cli_is_tty(FILE *f)
{
	return isatty(fileno(f)) != 0;
}
