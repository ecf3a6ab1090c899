/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_presets.c: `tally presets` lists the protocol templates (with their
 * lines and control relations) and the import column maps built in.
 */
#include "cli/cli.h"

#include <string.h>

int cmd_presets(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs("usage: tally presets [NAME]\n\nList protocol template presets and import "
		      "presets; with NAME, show that template's lines and relations.\n",
		      stdout);
		return EXIT_OK;
	}
	if (argc > 2 || (argc > 1 && argv[1][0] == '-'))
		return cli_usage("presets", "give at most one preset name");
	const char *const *names = tally_template_preset_names();
	if (argc > 1) {
		tally_template *t = NULL;
		tally_error err = TALLY_ERROR_INIT;
		if (tally_template_preset(argv[1], &t, &err)) {
			cli_error(&err);
			return EXIT_USER;
		}
		tally_template_free(t);
	}
	for (size_t i = 0; names[i]; i++) {
		if (argc > 1 && strcmp(argv[1], names[i]) != 0)
			continue;
		tally_template *t = NULL;
		tally_error err = TALLY_ERROR_INIT;
		if (tally_template_preset(names[i], &t, &err)) {
			cli_error(&err);
			return EXIT_USER;
		}
		printf("template %-8s %s\n", names[i], t->name);
		if (argc > 1) {
			printf("  lines:\n");
			for (uint32_t j = 0; j < t->n_lines; j++) {
				printf("    %-22s %s\n", t->lines[j].key, t->lines[j].label);
				for (uint32_t k = 0; k < t->lines[j].n_labels; k++)
					printf("      %-20s %s\n", t->lines[j].labels[k].lang,
					       t->lines[j].labels[k].label);
			}
			printf("  relations:\n");
			for (uint32_t j = 0; j < t->n_relations; j++)
				printf("    %-6s %-7s %s\n", t->relations[j].code,
				       t->relations[j].severity == TALLY_SEV_ERROR ? "error" : "warning",
				       t->relations[j].text);
			printf("  turnout: (%s) / (%s)\n", t->ballots_cast_text, t->registered_text);
		}
		tally_template_free(t);
	}
	if (argc > 1)
		return EXIT_OK;
	const char *const *maps = tally_import_map_preset_names();
	for (size_t i = 0; maps[i]; i++)
		printf("import   %s\n", maps[i]);
	return EXIT_OK;
}
