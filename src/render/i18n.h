/* SPDX-License-Identifier: Apache-2.0 */
/*
 * i18n.h: translated words for what tally prints, through GNU gettext
 * (the C library's dgettext, domain "tally"). The catalogues are po/LANG.po,
 * compiled by msgfmt into build/locale and installed by `make install`
 * under PREFIX/share/locale; TALLY_LOCALEDIR overrides where they are looked
 * for. Messages are written in English in the source and marked N_() for
 * xgettext; English needs no catalogue.
 *
 * Today the printed protocols use it (tally protocol --lang); the same
 * domain can carry every message of the command line.
 */
#ifndef TALLY_RENDER_I18N_H
#define TALLY_RENDER_I18N_H

#include <stdbool.h>
#include <stddef.h>

#define N_(s) (s)

/* The languages with a catalogue (and English): a NULL-terminated list. */
extern const char *const render_i18n_langs[];

/* render_i18n_use selects language "lang" for render_tr from now on.
 * Returns 0; -1 when tally has no catalogue for it; -2 when the catalogue
 * is not installed where it is looked for (its directory in "dir"). */
int render_i18n_use(const char *lang, char *dir, size_t dir_size);

/* render_tr returns "msgid" in the selected language (msgid itself in
 * English or when a message has no translation). Static storage. */
const char *render_tr(const char *msgid)
#if defined(__GNUC__)
	__attribute__((format_arg(1)))
#endif
	;

#endif
