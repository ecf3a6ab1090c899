/* SPDX-License-Identifier: Apache-2.0 */
/*
 * i18n.c: language selection for gettext. The process's locale is not
 * touched beyond LC_MESSAGES: numbers are printed the same in every
 * language by tally itself, never through the locale. glibc's gettext
 * reads the LANGUAGE variable only when LC_MESSAGES is not the "C" locale,
 * so LC_MESSAGES is set to C.UTF-8 (built into glibc since 2.35) and
 * LANGUAGE to the chosen language; the catalogue's header entry (the
 * translation of "") tells whether it was found.
 */
#include "render/i18n.h"

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TALLY_LOCALEDIR
#define TALLY_LOCALEDIR "/usr/local/share/locale"
#endif

#define DOMAIN "tally"

const char *const render_i18n_langs[] = {"en", "az", "ru", NULL};

static bool english = true;

int render_i18n_use(const char *lang, char *dir, size_t dir_size)
{
	bool known = false;
	for (size_t i = 0; render_i18n_langs[i]; i++)
		known = known || strcmp(render_i18n_langs[i], lang) == 0;
	if (!known)
		return -1;
	const char *d = getenv("TALLY_LOCALEDIR");
	if (!d || !*d)
		d = TALLY_LOCALEDIR;
	snprintf(dir, dir_size, "%s", d);
	english = strcmp(lang, "en") == 0;
	if (english)
		return 0;
	if (!setlocale(LC_MESSAGES, "C.UTF-8"))
		setlocale(LC_MESSAGES, "C.utf8");
	setenv("LANGUAGE", lang, 1);
	bindtextdomain(DOMAIN, d);
	bind_textdomain_codeset(DOMAIN, "UTF-8");
	/* the header entry is there exactly when the catalogue was loaded */
	const char *header = dgettext(DOMAIN, "");
	return header && *header ? 0 : -2;
}

const char *render_tr(const char *msgid)
{
	if (english || !*msgid)
		return msgid;
	return dgettext(DOMAIN, msgid);
}
