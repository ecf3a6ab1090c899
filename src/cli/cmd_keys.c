/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_keys.c: `tally keys generate` makes an Ed25519 key pair as C2SP
 * signed-note key strings (the CEC's checkpoint key, or a commission's
 * protocol key); `tally keys register` logs a commission's public key for
 * its station. Also the helpers other commands use to read key files.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>

static const char help[] =
	"usage: tally keys generate --name NAME --out FILE [--witness]\n"
	"       tally keys register --station ID --pub FILE [--db PATH]\n"
	"\n"
	"generate  make a new Ed25519 key named NAME. FILE gets the secret key\n"
	"          (PRIVATE+KEY+NAME+id+..., mode 0600); the public (verifier) key\n"
	"          goes to FILE with '.key' replaced by '.pub' (else FILE.pub).\n"
	"          The CEC's key name is the log's origin, e.g.\n"
	"          tally.example.org/fx-2024; a commission's may be its station id.\n"
	"          --witness makes a witness's cosigning key (type 0x04,\n"
	"          c2sp.org/tlog-cosignature) for 'tally witness'.\n"
	"register  log commission key FILE (a .pub file) as the key of station ID.\n"
	"          Signed protocols of the station must verify under it. One key per\n"
	"          station [L020].\n";

/* Reads a key file and trims the final newline; NULL after printing why. */
static char *read_key(const char *path, size_t *len)
{
	char *s = cli_read(path, 4096, len);
	while (s && *len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r' || s[*len - 1] == ' '))
		s[--*len] = '\0';
	return s;
}

int cli_read_signer(const char *path, tally_note_signer *out)
{
	size_t len = 0;
	char *s = read_key(path, &len);
	tally_error err = TALLY_ERROR_INIT;
	int rc = EXIT_OK;

	if (!s)
		return EXIT_USER;
	if (tally_note_signer_parse(s, len, out, &err) != TALLY_OK) {
		snprintf(err.where, sizeof err.where, "%s", path);
		cli_error(&err);
		rc = EXIT_USER;
	}
	sodium_memzero(s, len);
	free(s);
	return rc;
}

int cli_read_verifier(const char *path, tally_note_verifier *out)
{
	size_t len = 0;
	char *s = read_key(path, &len);
	tally_error err = TALLY_ERROR_INIT;
	int rc = EXIT_OK;

	if (!s)
		return EXIT_USER;
	if (tally_note_verifier_parse(s, len, out, &err) != TALLY_OK) {
		snprintf(err.where, sizeof err.where, "%s", path);
		cli_error(&err);
		rc = EXIT_USER;
	}
	free(s);
	return rc;
}

static int generate(const char *name, const char *out, bool witness)
{
	tally_note_signer k;
	tally_error err = TALLY_ERROR_INIT;
	char *sec = NULL, *pub = NULL, pubpath[4096];
	size_t ol = strlen(out);
	struct stat sb;
	int rc = EXIT_USER;

	memset(&k, 0, sizeof k);
	if (ol > 4 && strcmp(out + ol - 4, ".key") == 0)
		snprintf(pubpath, sizeof pubpath, "%.*s.pub", (int)(ol - 4), out);
	else
		snprintf(pubpath, sizeof pubpath, "%s.pub", out);
	if (stat(out, &sb) == 0 || stat(pubpath, &sb) == 0) {
		tally_error_set(&err, TALLY_EEXIST, "L021", stat(out, &sb) == 0 ? out : pubpath,
		                "the file exists; a key is never overwritten: choose another name");
		cli_error(&err);
		return EXIT_USER;
	}
	if (tally_note_signer_generate(name, witness ? TALLY_NOTE_COSIGNATURE : TALLY_NOTE_ED25519,
	                               &k, &err) != TALLY_OK) {
		cli_error(&err);
		return EXIT_USER;
	}
	sec = tally_note_signer_format(&k);
	pub = tally_note_verifier_format(&k.v);
	if (!sec || !pub) {
		cli_errorf("out of memory");
		goto out;
	}
	{
		size_t sl = strlen(sec), pl = strlen(pub);
		char *line = malloc(sl + pl + 2);

		if (!line) {
			cli_errorf("out of memory");
			goto out;
		}
		memcpy(line, sec, sl);
		line[sl] = '\n';
		if (cli_write(out, line, sl + 1) != EXIT_OK || chmod(out, 0600) != 0) {
			sodium_memzero(line, sl + 1);
			free(line);
			goto out;
		}
		sodium_memzero(line, sl + 1);
		memcpy(line, pub, pl);
		line[pl] = '\n';
		if (cli_write(pubpath, line, pl + 1) != EXIT_OK) {
			free(line);
			goto out;
		}
		free(line);
	}
	printf("secret key: %s (keep it offline)\npublic key: %s\n%s\n", out, pubpath, pub);
	rc = EXIT_OK;
out:
	if (sec)
		sodium_memzero(sec, strlen(sec));
	tally_free(sec);
	tally_free(pub);
	tally_note_signer_release(&k);
	return rc;
}

static int do_register(const char *db, const char *station, const char *pubfile)
{
	tally_note_verifier v;
	tally_store *s = NULL;
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	uint64_t idx = 0;
	uint32_t st = 0;
	int rc = EXIT_OK;

	memset(&v, 0, sizeof v);
	if ((rc = cli_read_verifier(pubfile, &v)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(db, &s, &e)) != EXIT_OK)
		return rc;
	st = tally_election_station(e, station);
	if (st == TALLY_NONE) {
		tally_error_set(&err, TALLY_ENOTFOUND, "P005", station, "unknown station '%s'", station);
		cli_error(&err);
		rc = EXIT_USER;
	} else if (tally_store_key_register(s, e, st, v.pub, &idx, &err) != TALLY_OK) {
		cli_error(&err);
		rc = EXIT_USER;
	} else {
		tally_hash id;
		char hex[65];

		tally_log_key_id(v.pub, &id);
		tally_hash_to_hex(&id, hex);
		printf("registered key '%s' for station %s (key id %.16s..., log entry %llu)\n", v.name,
		       station, hex, (unsigned long long)idx);
	}
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}

int cmd_keys(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"name", required_argument, NULL, 'n'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"station", required_argument, NULL, 's'},
	                                     {"pub", required_argument, NULL, 'p'},
	                                     {"witness", no_argument, NULL, 'w'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *name = NULL, *out = NULL, *station = NULL, *pub = NULL;
	const char *sub = NULL;
	bool witness = false;
	int c;

	if (argc >= 2 && argv[1][0] != '-') {
		sub = argv[1];
		argc--;
		argv++;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "hd:n:o:s:p:w", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'n': name = optarg; break;
		case 'o': out = optarg; break;
		case 's': station = optarg; break;
		case 'p': pub = optarg; break;
		case 'w': witness = true; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("keys", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("keys", "unexpected argument '%s'", argv[optind]);
	if (!sub)
		return cli_usage("keys", "give a subcommand: generate or register");
	if (strcmp(sub, "generate") == 0) {
		if (!name || !out)
			return cli_usage("keys", "generate needs --name and --out");
		return generate(name, out, witness);
	}
	if (strcmp(sub, "register") == 0) {
		if (!station || !pub)
			return cli_usage("keys", "register needs --station and --pub");
		return do_register(db, station, pub);
	}
	return cli_usage("keys", "unknown subcommand '%s'", sub);
}
