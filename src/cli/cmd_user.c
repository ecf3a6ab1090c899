/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_user.c: `tally user` manages the people who may write through
 * `tally serve`: add one (its token is printed once and stored only as a
 * SHA-256), list them, revoke one.
 */
#include "cli/cli.h"
#include "store/users.h"

#include <getopt.h>
#include <string.h>

static const char help[] =
	"usage: tally user add --role ROLE [--station ID | --constituency ID] --name NAME [--db PATH]\n"
	"       tally user list [--db PATH]\n"
	"       tally user revoke --name NAME [--db PATH]\n"
	"\n"
	"Users of the HTTP API (tally serve). 'add' prints the new user's bearer token\n"
	"once: the database keeps only its SHA-256, so a lost token is revoked and a new\n"
	"user added. NAME is recorded as the operator of the user's entries.\n"
	"\n"
	"  --role ROLE          precinct (needs --station: its protocol and turnout),\n"
	"                       constituency (needs --constituency: its stations,\n"
	"                       resolving differences, annulling a station), cec\n"
	"                       (everything), observer (reads everything)\n"
	"  --station ID         the precinct's station\n"
	"  --constituency ID    the constituency commission's constituency\n"
	"  --name NAME          1-64 characters of A-Z a-z 0-9 . _ - : / @\n";

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"role", required_argument, NULL, 'r'},
	                                     {"station", required_argument, NULL, 's'},
	                                     {"constituency", required_argument, NULL, 'c'},
	                                     {"name", required_argument, NULL, 'n'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *role_s = NULL, *station = NULL, *cons = NULL;
	const char *name = NULL;
	int c;
	optind = 1;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	if (argc < 2)
		return cli_usage("user", "give a subcommand: add, list or revoke");
	const char *sub = argv[1];
	argc--, argv++;
	while ((c = getopt_long(argc, argv, "hd:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'r': role_s = optarg; break;
		case 's': station = optarg; break;
		case 'c': cons = optarg; break;
		case 'n': name = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return cli_usage("user", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("user", "unexpected argument '%s'", argv[optind]);
	int role = -1;
	if (strcmp(sub, "add") == 0) {
		if (!role_s || (role = tally_role_parse(role_s)) < 0)
			return cli_usage("user", "--role is precinct, constituency, cec or observer");
		if (!name)
			return cli_usage("user", "give the user a --name");
		if ((role == TALLY_ROLE_PRECINCT) != (station != NULL) ||
		    (role == TALLY_ROLE_CONSTITUENCY) != (cons != NULL))
			return cli_usage("user", "a precinct needs --station, a constituency commission "
			                         "--constituency, and no other role takes either");
	} else if (strcmp(sub, "revoke") == 0) {
		if (!name)
			return cli_usage("user", "give the --name of the user to revoke");
	} else if (strcmp(sub, "list") != 0) {
		return cli_usage("user", "unknown subcommand '%s' (add, list or revoke)", sub);
	}
	tally_store *s = NULL;
	tally_election *e = NULL;
	tally_users *u = NULL;
	tally_error err = TALLY_ERROR_INIT;
	int rc = cli_open(db, &s, &e);
	if (rc)
		return rc;
	if (tally_users_open(db, &u, &err)) {
		cli_error(&err);
		rc = EXIT_USER;
		goto out;
	}
	if (strcmp(sub, "add") == 0) {
		const char *scope = station ? station : cons ? cons : "";
		if (station && tally_election_station(e, station) == TALLY_NONE) {
			tally_error_set(&err, TALLY_ENOTFOUND, "P005", station, "unknown station");
			cli_error(&err);
			rc = EXIT_USER;
			goto out;
		}
		if (cons && tally_election_constituency(e, cons) == TALLY_NONE) {
			tally_error_set(&err, TALLY_ENOTFOUND, "A003", cons, "unknown constituency");
			cli_error(&err);
			rc = EXIT_USER;
			goto out;
		}
		char token[TALLY_TOKEN_LEN + 1];
		tally_user usr;
		if (tally_users_add(u, (tally_role)role, scope, name, token, &usr, &err)) {
			cli_error(&err);
			rc = EXIT_USER;
			goto out;
		}
		/* the token alone on stdout, so scripts can take it; the rest on stderr */
		printf("%s\n", token);
		fprintf(stderr, "user %s (%s%s%s) added; the token above is shown once only\n",
		        usr.name, tally_role_name(usr.role), scope[0] ? " " : "", scope);
	} else if (strcmp(sub, "revoke") == 0) {
		if (tally_users_revoke(u, name, &err)) {
			cli_error(&err);
			rc = EXIT_USER;
		} else {
			printf("user %s revoked\n", name);
		}
	} else {
		tally_user *v = NULL;
		size_t n = 0;
		if (tally_users_list(u, &v, &n, &err)) {
			cli_error(&err);
			rc = EXIT_USER;
			goto out;
		}
		printf("%-24s %-13s %-16s %s\n", "name", "role", "scope", "created");
		for (size_t i = 0; i < n; i++)
			printf("%-24s %-13s %-16s %s\n", v[i].name, tally_role_name(v[i].role), v[i].scope,
			       v[i].created);
		printf("%zu user%s\n", n, n == 1 ? "" : "s");
		tally_free(v);
	}
out:
	tally_users_close(u);
	tally_election_free(e);
	tally_store_close(s);
	return rc;
}
