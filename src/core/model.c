/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model.c: building, checking, reading and writing the election model.
 *
 * One set of rules checks every election, however it was made:
 * tally_election_finish. The definition parser (tally_election_parse)
 * only maps JSON onto the builder calls and resolves ids; the canonical
 * writer (tally_election_write) emits every field in a fixed order, so that
 * parse(write(e)) writes the same bytes again. Strings live in an arena
 * owned by the election (except system.rule, allocated on its own so that
 * a store may replace it).
 */
#include "model_int.h"
#include "json_int.h"

static const char *const kind_names[K_KINDS] = {"contest", "constituency", "station",
                                                "party", "bloc", "candidate"};
static const char *const kind_arrays[K_KINDS] = {"contests", "constituencies", "stations",
                                                 "parties", "blocs", "candidates"};

/* ==== Arena ==== */

char *tally__model_strdup(tally_election *e, const char *s)
{
	model_priv *m = e->priv;
	size_t n = strlen(s ? s : "") + 1;
	arena_block *b = m->arena;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		arena_block *nb = tally_malloc(sizeof *nb + cap);
		if (!nb) {
			m->oom = 1;
			return NULL;
		}
		nb->next = b;
		nb->used = 0;
		nb->cap = cap;
		m->arena = nb;
		b = nb;
	}
	char *d = b->data + b->used;
	memcpy(d, s ? s : "", n);
	b->used += n;
	return d;
}

/* ==== Lifecycle ==== */

int tally_election_new(const char *id, const char *name, const char *date, const char *body,
                       uint32_t seats, tally_template *tmpl, tally_election **out)
{
	tally_election *e = tally_calloc(1, sizeof *e);
	model_priv *m = tally_calloc(1, sizeof *m);
	if (!e || !m) {
		tally_free(e);
		tally_free(m);
		return TALLY_ENOMEM;
	}
	e->priv = m;
	m->dup_kind = -1;
	e->id = tally__model_strdup(e, id);
	e->name = tally__model_strdup(e, name);
	e->date = tally__model_strdup(e, date);
	e->body = tally__model_strdup(e, body);
	e->seats = seats;
	e->double_entry = true;
	e->system.rule = tally_strdup("plurality");
	e->system.tie = TALLY_TIE_FAIL;
	e->system.invalid_num = 2;
	e->system.invalid_den = 5;
	if (m->oom || !e->system.rule) {
		e->tmpl = NULL;
		tally_election_free(e);
		return TALLY_ENOMEM;
	}
	e->tmpl = tmpl;
	*out = e;
	return TALLY_OK;
}

void tally_election_free(tally_election *e)
{
	if (!e)
		return;
	model_priv *m = e->priv;
	if (m) {
		for (int k = 0; k < K_KINDS; k++)
			tally__map_release(&m->maps[k]);
		arena_block *b = m->arena;
		while (b) {
			arena_block *next = b->next;
			tally_free(b);
			b = next;
		}
		tally_free(m->cons_lists);
		tally_free(m);
	}
	for (uint32_t i = 0; i < e->n_blocs; i++)
		tally_free(e->blocs[i].members);
	tally_free(e->contests);
	tally_free(e->constituencies);
	tally_free(e->stations);
	tally_free(e->parties);
	tally_free(e->blocs);
	tally_free(e->candidates);
	tally_free(e->system.rule);
	tally_template_free(e->tmpl);
	tally_free(e);
}

/* Grows the array of kind "k" to hold one more element. */
static int grow(tally_election *e, int k, void **arr, size_t elem, uint32_t n)
{
	model_priv *m = e->priv;
	if (n < m->caps[k])
		return TALLY_OK;
	uint32_t cap = m->caps[k] ? m->caps[k] * 2 : 16;
	void *p = tally_realloc(*arr, (size_t)cap * elem);
	if (!p)
		return TALLY_ENOMEM;
	*arr = p;
	m->caps[k] = cap;
	return TALLY_OK;
}

/* Records the id of a new object; a repeated id is remembered for finish. */
static int index_id(tally_election *e, int k, const char *id, uint32_t idx)
{
	model_priv *m = e->priv;
	int rc = tally__map_put(&m->maps[k], id, idx, NULL);
	if (rc == TALLY_EEXIST) {
		if (m->dup_kind < 0) {
			m->dup_kind = k;
			m->dup_index = idx;
		}
		return TALLY_OK;
	}
	return rc;
}

#define ADD_PROLOGUE(K, ARR, N)                                                        \
	if (((model_priv *)e->priv)->finished)                                         \
		return TALLY_EINVAL;                                                   \
	if (grow(e, K, (void **)&e->ARR, sizeof *e->ARR, e->N))                        \
		return TALLY_ENOMEM;

int tally_election_add_contest(tally_election *e, const char *id, const char *name, uint32_t *idx)
{
	ADD_PROLOGUE(K_CONTEST, contests, n_contests)
	tally_contest *c = &e->contests[e->n_contests];
	c->id = tally__model_strdup(e, id);
	c->name = tally__model_strdup(e, name);
	if (!c->id || !c->name || index_id(e, K_CONTEST, c->id, e->n_contests))
		return TALLY_ENOMEM;
	if (idx)
		*idx = e->n_contests;
	e->n_contests++;
	return TALLY_OK;
}

int tally_election_add_constituency(tally_election *e, const char *id, const char *name,
                                    uint32_t contest, uint32_t magnitude, uint32_t tier,
                                    uint32_t *idx)
{
	ADD_PROLOGUE(K_CONSTITUENCY, constituencies, n_constituencies)
	tally_constituency *c = &e->constituencies[e->n_constituencies];
	memset(c, 0, sizeof *c);
	c->id = tally__model_strdup(e, id);
	c->name = tally__model_strdup(e, name);
	c->contest = contest;
	c->magnitude = magnitude;
	c->tier = tier;
	if (!c->id || !c->name || index_id(e, K_CONSTITUENCY, c->id, e->n_constituencies))
		return TALLY_ENOMEM;
	if (idx)
		*idx = e->n_constituencies;
	e->n_constituencies++;
	return TALLY_OK;
}

int tally_election_add_station(tally_election *e, const char *id, const char *name,
                               uint32_t constituency, uint64_t registered,
                               tally_station_type type, const char *area, uint32_t *idx)
{
	ADD_PROLOGUE(K_STATION, stations, n_stations)
	tally_station *s = &e->stations[e->n_stations];
	memset(s, 0, sizeof *s);
	s->id = tally__model_strdup(e, id);
	s->name = tally__model_strdup(e, name);
	s->area = tally__model_strdup(e, area);
	s->constituency = constituency;
	s->registered = registered;
	s->type = type;
	if (!s->id || !s->name || !s->area || index_id(e, K_STATION, s->id, e->n_stations))
		return TALLY_ENOMEM;
	if (idx)
		*idx = e->n_stations;
	e->n_stations++;
	return TALLY_OK;
}

int tally_election_add_party(tally_election *e, const char *id, const char *name,
                             const char *abbrev, const char *color, uint32_t *idx)
{
	ADD_PROLOGUE(K_PARTY, parties, n_parties)
	tally_party *p = &e->parties[e->n_parties];
	p->id = tally__model_strdup(e, id);
	p->name = tally__model_strdup(e, name);
	p->abbrev = tally__model_strdup(e, abbrev && *abbrev ? abbrev : id);
	p->color = tally__model_strdup(e, color);
	p->bloc = TALLY_NONE;
	if (!p->id || !p->name || !p->abbrev || !p->color ||
	    index_id(e, K_PARTY, p->id, e->n_parties))
		return TALLY_ENOMEM;
	if (idx)
		*idx = e->n_parties;
	e->n_parties++;
	return TALLY_OK;
}

int tally_election_add_bloc(tally_election *e, const char *id, const char *name,
                            const char *abbrev, const char *color, const uint32_t *members,
                            uint32_t n_members, uint32_t *idx)
{
	ADD_PROLOGUE(K_BLOC, blocs, n_blocs)
	tally_bloc *b = &e->blocs[e->n_blocs];
	memset(b, 0, sizeof *b);
	b->members = tally_calloc(n_members, sizeof *b->members);
	if (!b->members)
		return TALLY_ENOMEM;
	if (n_members)
		memcpy(b->members, members, n_members * sizeof *members);
	b->n_members = n_members;
	b->id = tally__model_strdup(e, id);
	b->name = tally__model_strdup(e, name);
	b->abbrev = tally__model_strdup(e, abbrev && *abbrev ? abbrev : id);
	b->color = tally__model_strdup(e, color);
	e->n_blocs++; /* counted now so that free releases members */
	if (!b->id || !b->name || !b->abbrev || !b->color ||
	    index_id(e, K_BLOC, b->id, e->n_blocs - 1))
		return TALLY_ENOMEM;
	if (idx)
		*idx = e->n_blocs - 1;
	return TALLY_OK;
}

int tally_election_add_candidate(tally_election *e, const char *id, const char *name,
                                 uint32_t constituency, tally_nominator nominator,
                                 uint32_t nominated_by, const char *group, uint32_t *idx)
{
	ADD_PROLOGUE(K_CANDIDATE, candidates, n_candidates)
	tally_candidate *c = &e->candidates[e->n_candidates];
	memset(c, 0, sizeof *c);
	c->id = tally__model_strdup(e, id);
	c->name = tally__model_strdup(e, name);
	c->group = tally__model_strdup(e, group);
	c->constituency = constituency;
	c->nominator = nominator;
	c->nominated_by = nominated_by;
	if (!c->id || !c->name || !c->group || index_id(e, K_CANDIDATE, c->id, e->n_candidates))
		return TALLY_ENOMEM;
	if (idx)
		*idx = e->n_candidates;
	e->n_candidates++;
	return TALLY_OK;
}

/* ==== Checking ==== */

static bool date_ok(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int mo = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1800 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(mo == 2 && d == 29 && !leap);
}

static bool color_ok(const char *s)
{
	if (!*s)
		return true;
	if (strlen(s) != 7 || s[0] != '#')
		return false;
	for (int i = 1; i < 7; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static const char *objpath(char *buf, size_t size, int k, uint32_t i, const char *field)
{
	if (field)
		snprintf(buf, size, "$.%s[%u].%s", kind_arrays[k], i, field);
	else
		snprintf(buf, size, "$.%s[%u]", kind_arrays[k], i);
	return buf;
}

static int check_text(const char *s, size_t max, int k, uint32_t i, const char *field,
                      tally_error *err)
{
	char p[256];
	if (strlen(s) > max)
		return tally_error_set(err, TALLY_ELIMIT, "D015", objpath(p, sizeof p, k, i, field),
		                       "%s is longer than %zu bytes", field, max);
	return TALLY_OK;
}

static int check_id(const char *id, int k, uint32_t i, tally_error *err)
{
	char p[256];
	if (!tally__id_ok(id))
		return tally_error_set(err, TALLY_EINVAL, "D010", objpath(p, sizeof p, k, i, "id"),
		                       "%s id '%s' must be 1-%d characters of A-Z a-z 0-9 . _ - : / @",
		                       kind_names[k], id, TALLY_MAX_ID_LEN);
	return TALLY_OK;
}

int tally_election_finish(tally_election *e, tally_error *err)
{
	model_priv *m = e->priv;
	char p[256];
	int rc;
	if (m->finished)
		return TALLY_OK;
	if (m->oom)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	if (!tally__id_ok(e->id))
		return tally_error_set(err, TALLY_EINVAL, "D010", "$.election.id",
		                       "election id '%s' must be 1-%d characters of A-Z a-z 0-9 . _ - : / @",
		                       e->id, TALLY_MAX_ID_LEN);
	if (!*e->name)
		return tally_error_set(err, TALLY_EINVAL, "D003", "$.election.name",
		                       "the election needs a name");
	if (strlen(e->name) > TALLY_MAX_NAME_LEN || strlen(e->body) > TALLY_MAX_NAME_LEN)
		return tally_error_set(err, TALLY_ELIMIT, "D015", "$.election",
		                       "names are at most %d bytes", TALLY_MAX_NAME_LEN);
	if (!date_ok(e->date))
		return tally_error_set(err, TALLY_EINVAL, "D011", "$.election.date",
		                       "date '%s' is not a valid YYYY-MM-DD date", e->date);
	if (e->seats < 1 || e->seats > TALLY_MAX_SEATS)
		return tally_error_set(err, TALLY_EINVAL, "D007", "$.election.seats",
		                       "seats must be between 1 and %d", TALLY_MAX_SEATS);
	if (!e->tmpl)
		return tally_error_set(err, TALLY_EINVAL, "D003", "$.template",
		                       "the election needs a protocol template");
	if (!tally_seat_rule_find(e->system.rule))
		return tally_error_set(err, TALLY_EINVAL, "D019", "$.system.rule",
		                       "unknown electoral system rule '%s' (known: plurality, none, and "
		                       "the list methods of docs/methods-seats.md: dhondt, "
		                       "sainte-lague, hare, ...)",
		                       e->system.rule);
	if (e->system.invalid_den == 0 || e->system.invalid_num >= e->system.invalid_den)
		return tally_error_set(err, TALLY_EINVAL, "D019", "$.system.invalid_share",
		                       "invalid_share must be a fraction below 1, like [2, 5]");
	if (e->n_constituencies > TALLY_MAX_CONSTITUENCIES || e->n_stations > TALLY_MAX_STATIONS ||
	    e->n_parties > TALLY_MAX_PARTIES || e->n_blocs > TALLY_MAX_BLOCS ||
	    e->n_candidates > TALLY_MAX_ALL_CANDIDATES)
		return tally_error_set(err, TALLY_ELIMIT, "D015", "$",
		                       "too many objects (limits: %d constituencies, %d stations, %d "
		                       "parties, %d blocs, %d candidates)",
		                       TALLY_MAX_CONSTITUENCIES, TALLY_MAX_STATIONS, TALLY_MAX_PARTIES,
		                       TALLY_MAX_BLOCS, TALLY_MAX_ALL_CANDIDATES);
	if (e->n_contests == 0)
		return tally_error_set(err, TALLY_EINVAL, "D003", "$.contests",
		                       "the election needs at least one contest");
	if (e->n_constituencies == 0)
		return tally_error_set(err, TALLY_EINVAL, "D003", "$.constituencies",
		                       "the election needs at least one constituency");
	if (m->dup_kind >= 0) {
		int k = m->dup_kind;
		const char *id = k == K_CONTEST ? e->contests[m->dup_index].id
		               : k == K_CONSTITUENCY ? e->constituencies[m->dup_index].id
		               : k == K_STATION ? e->stations[m->dup_index].id
		               : k == K_PARTY ? e->parties[m->dup_index].id
		               : k == K_BLOC ? e->blocs[m->dup_index].id
		               : e->candidates[m->dup_index].id;
		return tally_error_set(err, TALLY_EINVAL, "D005",
		                       objpath(p, sizeof p, k, m->dup_index, "id"),
		                       "duplicate %s id '%s'", kind_names[k], id);
	}
	/* parties and blocs share the nominator namespace */
	for (uint32_t i = 0; i < e->n_blocs; i++)
		if (tally__map_get(&m->maps[K_PARTY], e->blocs[i].id) != TALLY_NONE)
			return tally_error_set(err, TALLY_EINVAL, "D005", objpath(p, sizeof p, K_BLOC, i, "id"),
			                       "bloc id '%s' is also a party id", e->blocs[i].id);
	for (uint32_t i = 0; i < e->n_contests; i++)
		if ((rc = check_id(e->contests[i].id, K_CONTEST, i, err)) ||
		    (rc = check_text(e->contests[i].name, TALLY_MAX_NAME_LEN, K_CONTEST, i, "name", err)))
			return rc;
	uint64_t magnitudes = 0;
	for (uint32_t i = 0; i < e->n_constituencies; i++) {
		tally_constituency *c = &e->constituencies[i];
		if ((rc = check_id(c->id, K_CONSTITUENCY, i, err)) ||
		    (rc = check_text(c->name, TALLY_MAX_NAME_LEN, K_CONSTITUENCY, i, "name", err)))
			return rc;
		if (c->contest >= e->n_contests)
			return tally_error_set(err, TALLY_EINVAL, "D006",
			                       objpath(p, sizeof p, K_CONSTITUENCY, i, "contest"),
			                       "constituency '%s' names no known contest", c->id);
		if (c->magnitude < 1 || c->magnitude > TALLY_MAX_MAGNITUDE)
			return tally_error_set(err, TALLY_EINVAL, "D007",
			                       objpath(p, sizeof p, K_CONSTITUENCY, i, "magnitude"),
			                       "magnitude %u of '%s' is out of range (1 to %d)",
			                       c->magnitude, c->id, TALLY_MAX_MAGNITUDE);
		if (c->tier < 1 || c->tier > 9)
			return tally_error_set(err, TALLY_EINVAL, "D007",
			                       objpath(p, sizeof p, K_CONSTITUENCY, i, "tier"),
			                       "tier %u of '%s' is out of range (1 to 9)", c->tier, c->id);
		magnitudes += c->magnitude;
	}
	if (magnitudes != e->seats)
		return tally_error_set(err, TALLY_EINVAL, "D008", "$.constituencies",
		                       "the constituencies' magnitudes add up to %llu, but the "
		                       "election has %u seats",
		                       (unsigned long long)magnitudes, e->seats);
	for (uint32_t i = 0; i < e->n_parties; i++) {
		tally_party *pa = &e->parties[i];
		if ((rc = check_id(pa->id, K_PARTY, i, err)) ||
		    (rc = check_text(pa->name, TALLY_MAX_NAME_LEN, K_PARTY, i, "name", err)) ||
		    (rc = check_text(pa->abbrev, TALLY_MAX_NAME_LEN, K_PARTY, i, "abbrev", err)))
			return rc;
		if (!color_ok(pa->color))
			return tally_error_set(err, TALLY_EINVAL, "D009",
			                       objpath(p, sizeof p, K_PARTY, i, "color"),
			                       "color '%s' must be #rrggbb", pa->color);
		pa->bloc = TALLY_NONE;
	}
	for (uint32_t i = 0; i < e->n_blocs; i++) {
		tally_bloc *b = &e->blocs[i];
		if ((rc = check_id(b->id, K_BLOC, i, err)) ||
		    (rc = check_text(b->name, TALLY_MAX_NAME_LEN, K_BLOC, i, "name", err)))
			return rc;
		if (!color_ok(b->color))
			return tally_error_set(err, TALLY_EINVAL, "D009",
			                       objpath(p, sizeof p, K_BLOC, i, "color"),
			                       "color '%s' must be #rrggbb", b->color);
		if (b->n_members < 2 || b->n_members > TALLY_MAX_BLOC_MEMBERS)
			return tally_error_set(err, TALLY_EINVAL, "D017",
			                       objpath(p, sizeof p, K_BLOC, i, "members"),
			                       "bloc '%s' must have 2 to %d member parties", b->id,
			                       TALLY_MAX_BLOC_MEMBERS);
		for (uint32_t j = 0; j < b->n_members; j++) {
			uint32_t pi = b->members[j];
			if (pi >= e->n_parties)
				return tally_error_set(err, TALLY_EINVAL, "D006",
				                       objpath(p, sizeof p, K_BLOC, i, "members"),
				                       "bloc '%s' has a member that is not a known party",
				                       b->id);
			if (e->parties[pi].bloc != TALLY_NONE)
				return tally_error_set(err, TALLY_EINVAL, "D017",
				                       objpath(p, sizeof p, K_BLOC, i, "members"),
				                       "party '%s' is a member of more than one bloc "
				                       "(or listed twice)",
				                       e->parties[pi].id);
			e->parties[pi].bloc = i;
		}
	}
	/* per-constituency lists: count, then fill */
	uint32_t *ns = tally_calloc(e->n_constituencies, sizeof *ns);
	uint32_t *nc = tally_calloc(e->n_constituencies, sizeof *nc);
	if (!ns || !nc) {
		tally_free(ns);
		tally_free(nc);
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	rc = TALLY_OK;
	for (uint32_t i = 0; i < e->n_stations && !rc; i++) {
		tally_station *s = &e->stations[i];
		if ((rc = check_id(s->id, K_STATION, i, err)) ||
		    (rc = check_text(s->name, TALLY_MAX_NAME_LEN, K_STATION, i, "name", err)) ||
		    (rc = check_text(s->area, TALLY_MAX_NAME_LEN, K_STATION, i, "area", err)))
			break;
		if (s->constituency >= e->n_constituencies)
			rc = tally_error_set(err, TALLY_EINVAL, "D006",
			                     objpath(p, sizeof p, K_STATION, i, "constituency"),
			                     "station '%s' names no known constituency", s->id);
		else if (s->registered > TALLY_MAX_REGISTERED)
			rc = tally_error_set(err, TALLY_EINVAL, "D007",
			                     objpath(p, sizeof p, K_STATION, i, "registered"),
			                     "registered voters of '%s' out of range", s->id);
		else if ((unsigned)s->type > TALLY_STATION_ABROAD)
			rc = tally_error_set(err, TALLY_EINVAL, "D009",
			                     objpath(p, sizeof p, K_STATION, i, "type"),
			                     "unknown station type");
		else
			ns[s->constituency]++;
	}
	for (uint32_t i = 0; i < e->n_candidates && !rc; i++) {
		tally_candidate *c = &e->candidates[i];
		if ((rc = check_id(c->id, K_CANDIDATE, i, err)) ||
		    (rc = check_text(c->name, TALLY_MAX_NAME_LEN, K_CANDIDATE, i, "name", err)) ||
		    (rc = check_text(c->group, TALLY_MAX_NAME_LEN, K_CANDIDATE, i, "group", err)))
			break;
		if (c->constituency >= e->n_constituencies) {
			rc = tally_error_set(err, TALLY_EINVAL, "D006",
			                     objpath(p, sizeof p, K_CANDIDATE, i, "constituency"),
			                     "candidate '%s' stands in no known constituency", c->id);
			break;
		}
		switch (c->nominator) {
		case TALLY_NOM_PARTY:
			if (c->nominated_by >= e->n_parties)
				rc = tally_error_set(err, TALLY_EINVAL, "D006",
				                     objpath(p, sizeof p, K_CANDIDATE, i, "party"),
				                     "candidate '%s' is nominated by no known party", c->id);
			break;
		case TALLY_NOM_BLOC:
			if (c->nominated_by >= e->n_blocs)
				rc = tally_error_set(err, TALLY_EINVAL, "D006",
				                     objpath(p, sizeof p, K_CANDIDATE, i, "bloc"),
				                     "candidate '%s' is nominated by no known bloc", c->id);
			break;
		case TALLY_NOM_INITIATIVE:
			if (!*c->group)
				rc = tally_error_set(err, TALLY_EINVAL, "D003",
				                     objpath(p, sizeof p, K_CANDIDATE, i, "group"),
				                     "candidate '%s' nominated by an initiative group needs "
				                     "the group's name", c->id);
			c->nominated_by = TALLY_NONE;
			break;
		case TALLY_NOM_SELF:
			c->nominated_by = TALLY_NONE;
			break;
		default:
			rc = tally_error_set(err, TALLY_EINVAL, "D009",
			                     objpath(p, sizeof p, K_CANDIDATE, i, "nominator"),
			                     "unknown nominator");
		}
		if (!rc && ++nc[c->constituency] > TALLY_MAX_CANDIDATES)
			rc = tally_error_set(err, TALLY_ELIMIT, "D015",
			                     objpath(p, sizeof p, K_CANDIDATE, i, "constituency"),
			                     "more than %d candidates in constituency '%s'",
			                     TALLY_MAX_CANDIDATES, e->constituencies[c->constituency].id);
	}
	for (uint32_t i = 0; i < e->n_constituencies && !rc; i++)
		if (ns[i] == 0)
			rc = tally_error_set(err, TALLY_EINVAL, "D016",
			                     objpath(p, sizeof p, K_CONSTITUENCY, i, NULL),
			                     "constituency '%s' has no polling stations",
			                     e->constituencies[i].id);
	if (!rc) {
		size_t total = (size_t)e->n_stations + e->n_candidates;
		tally_free(m->cons_lists);
		m->cons_lists = tally_calloc(total ? total : 1, sizeof *m->cons_lists);
		if (!m->cons_lists)
			rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	}
	if (!rc) {
		uint32_t *at = m->cons_lists;
		for (uint32_t i = 0; i < e->n_constituencies; i++) {
			tally_constituency *c = &e->constituencies[i];
			c->stations = at;
			at += ns[i];
			c->candidates = at;
			at += nc[i];
			c->n_stations = c->n_candidates = 0;
		}
		for (uint32_t i = 0; i < e->n_stations; i++) {
			tally_constituency *c = &e->constituencies[e->stations[i].constituency];
			e->stations[i].slot = c->n_stations;
			c->stations[c->n_stations++] = i;
		}
		for (uint32_t i = 0; i < e->n_candidates; i++) {
			tally_constituency *c = &e->constituencies[e->candidates[i].constituency];
			e->candidates[i].slot = c->n_candidates;
			c->candidates[c->n_candidates++] = i;
		}
		m->finished = true;
	}
	tally_free(ns);
	tally_free(nc);
	return rc;
}

/* ==== Lookups and names ==== */

static uint32_t lookup(const tally_election *e, int k, const char *id)
{
	return tally__map_get(&((model_priv *)e->priv)->maps[k], id);
}

uint32_t tally_election_station(const tally_election *e, const char *id)
{
	return lookup(e, K_STATION, id);
}
uint32_t tally_election_constituency(const tally_election *e, const char *id)
{
	return lookup(e, K_CONSTITUENCY, id);
}
uint32_t tally_election_candidate(const tally_election *e, const char *id)
{
	return lookup(e, K_CANDIDATE, id);
}
uint32_t tally_election_party(const tally_election *e, const char *id)
{
	return lookup(e, K_PARTY, id);
}
uint32_t tally_election_bloc(const tally_election *e, const char *id)
{
	return lookup(e, K_BLOC, id);
}

static const char *const station_types[] = {"ordinary", "special", "mobile", "abroad"};
static const char *const nominators[] = {"party", "bloc", "initiative", "self"};
static const char *const ties[] = {"fail", "lot"};

const char *tally_station_type_name(tally_station_type t)
{
	return (unsigned)t <= TALLY_STATION_ABROAD ? station_types[t] : "?";
}
const char *tally_nominator_name(tally_nominator n)
{
	return (unsigned)n <= TALLY_NOM_SELF ? nominators[n] : "?";
}
const char *tally_tie_policy_name(tally_tie_policy p)
{
	return (unsigned)p <= TALLY_TIE_LOT ? ties[p] : "?";
}

const char *tally_candidate_affiliation(const tally_election *e, uint32_t cand)
{
	const tally_candidate *c = &e->candidates[cand];
	if (c->nominator == TALLY_NOM_PARTY)
		return e->parties[c->nominated_by].abbrev;
	if (c->nominator == TALLY_NOM_BLOC)
		return e->blocs[c->nominated_by].abbrev;
	return "Independent";
}

/* ==== Definition parser ==== */

static int find_enum(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static int ref(const tally_election *e, int k, const json_t *o, const char *key,
               const char *path, uint32_t *out, tally_error *err)
{
	const char *id = NULL;
	int rc = tj_str(o, key, true, TALLY_MAX_ID_LEN, path, &tj_def_codes, &id, err);
	if (rc)
		return rc;
	uint32_t idx = lookup(e, k, id);
	if (idx == TALLY_NONE) {
		char p[256];
		return tally_error_set(err, TALLY_EINVAL, "D006", tj_path_key(p, sizeof p, path, key),
		                       "unknown %s '%s'", kind_names[k], id);
	}
	*out = idx;
	return TALLY_OK;
}

static int parse_items(tally_election *e, const json_t *root, int k, bool required,
                       tally_error *err)
{
	const tj_codes *c = &tj_def_codes;
	json_t *arr = NULL;
	char base[64], p[256];
	snprintf(base, sizeof base, "$.%s", kind_arrays[k]);
	int rc = tj_arr(root, kind_arrays[k], required, "$", c, &arr, err);
	if (rc || !arr)
		return rc;
	size_t n = json_array_size(arr);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		tj_path_idx(p, sizeof p, base, i);
		if (!json_is_object(o))
			return tally_error_set(err, TALLY_EINVAL, "D002", p, "each %s must be an object",
			                       kind_names[k]);
		const char *id = NULL, *name = "";
		if ((rc = tj_str(o, "id", true, 4096, p, c, &id, err)) ||
		    (rc = tj_str(o, "name", k != K_STATION, 4096, p, c, &name, err)))
			return rc;
		switch (k) {
		case K_CONTEST: {
			static const char *const keys[] = {"id", "name", NULL};
			if ((rc = tj_keys(o, keys, p, c, err)) ||
			    (rc = tally_election_add_contest(e, id, name, NULL)))
				return rc;
			break;
		}
		case K_CONSTITUENCY: {
			static const char *const keys[] = {"id", "name", "contest", "magnitude", "tier",
			                                   NULL};
			uint32_t contest = 0;
			uint64_t mag = 1, tier = 1;
			if ((rc = tj_keys(o, keys, p, c, err)) ||
			    (rc = ref(e, K_CONTEST, o, "contest", p, &contest, err)) ||
			    (rc = tj_u64(o, "magnitude", false, 1, TALLY_MAX_MAGNITUDE, p, c, &mag, err)) ||
			    (rc = tj_u64(o, "tier", false, 1, 9, p, c, &tier, err)) ||
			    (rc = tally_election_add_constituency(e, id, name, contest, (uint32_t)mag,
			                                          (uint32_t)tier, NULL)))
				return rc;
			break;
		}
		case K_STATION: {
			static const char *const keys[] = {"id", "name", "constituency", "registered",
			                                   "type", "area", NULL};
			uint32_t cons = 0;
			uint64_t reg = 0;
			const char *type = "ordinary", *area = "";
			if ((rc = tj_keys(o, keys, p, c, err)) ||
			    (rc = ref(e, K_CONSTITUENCY, o, "constituency", p, &cons, err)) ||
			    (rc = tj_u64(o, "registered", true, 0, TALLY_MAX_REGISTERED, p, c, &reg, err)) ||
			    (rc = tj_str(o, "type", false, 32, p, c, &type, err)) ||
			    (rc = tj_str(o, "area", false, 4096, p, c, &area, err)))
				return rc;
			int t = find_enum(station_types, 4, type);
			if (t < 0) {
				char q[256];
				return tally_error_set(err, TALLY_EINVAL, "D009",
				                       tj_path_key(q, sizeof q, p, "type"),
				                       "station type '%s' is not one of ordinary, special, "
				                       "mobile, abroad", type);
			}
			if ((rc = tally_election_add_station(e, id, name, cons, reg, (tally_station_type)t,
			                                     area, NULL)))
				return rc;
			break;
		}
		case K_PARTY: {
			static const char *const keys[] = {"id", "name", "abbrev", "color", NULL};
			const char *ab = "", *color = "";
			if ((rc = tj_keys(o, keys, p, c, err)) ||
			    (rc = tj_str(o, "abbrev", false, 4096, p, c, &ab, err)) ||
			    (rc = tj_str(o, "color", false, 64, p, c, &color, err)) ||
			    (rc = tally_election_add_party(e, id, name, ab, color, NULL)))
				return rc;
			break;
		}
		case K_BLOC: {
			static const char *const keys[] = {"id", "name", "abbrev", "color", "members", NULL};
			const char *ab = "", *color = "";
			json_t *mem = NULL;
			if ((rc = tj_keys(o, keys, p, c, err)) ||
			    (rc = tj_str(o, "abbrev", false, 4096, p, c, &ab, err)) ||
			    (rc = tj_str(o, "color", false, 64, p, c, &color, err)) ||
			    (rc = tj_arr(o, "members", true, p, c, &mem, err)))
				return rc;
			size_t nm = json_array_size(mem);
			if (nm > TALLY_MAX_BLOC_MEMBERS)
				return tally_error_set(err, TALLY_ELIMIT, "D015", p,
				                       "a bloc has at most %d members", TALLY_MAX_BLOC_MEMBERS);
			uint32_t members[TALLY_MAX_BLOC_MEMBERS];
			for (size_t j = 0; j < nm; j++) {
				json_t *m = json_array_get(mem, j);
				char q[256], mp[256];
				snprintf(mp, sizeof mp, "%s.members", p);
				tj_path_idx(q, sizeof q, mp, j);
				if (!json_is_string(m))
					return tally_error_set(err, TALLY_EINVAL, "D002", q,
					                       "a member must be a party id");
				members[j] = lookup(e, K_PARTY, json_string_value(m));
				if (members[j] == TALLY_NONE)
					return tally_error_set(err, TALLY_EINVAL, "D006", q, "unknown party '%s'",
					                       json_string_value(m));
			}
			if ((rc = tally_election_add_bloc(e, id, name, ab, color, members, (uint32_t)nm,
			                                  NULL)))
				return rc;
			break;
		}
		case K_CANDIDATE: {
			static const char *const keys[] = {"id", "name", "constituency", "nominator",
			                                   "party", "bloc", "group", NULL};
			uint32_t cons = 0, by = TALLY_NONE;
			const char *nom = NULL, *group = "";
			if ((rc = tj_keys(o, keys, p, c, err)) ||
			    (rc = ref(e, K_CONSTITUENCY, o, "constituency", p, &cons, err)) ||
			    (rc = tj_str(o, "nominator", true, 32, p, c, &nom, err)))
				return rc;
			int nt = find_enum(nominators, 4, nom);
			char q[256];
			if (nt < 0)
				return tally_error_set(err, TALLY_EINVAL, "D009",
				                       tj_path_key(q, sizeof q, p, "nominator"),
				                       "nominator '%s' is not one of party, bloc, initiative, "
				                       "self", nom);
			/* exactly the key that goes with the nominator */
			static const char *const extra[] = {"party", "bloc", "group"};
			for (int x = 0; x < 3; x++)
				if (json_object_get(o, extra[x]) && x != nt)
					return tally_error_set(err, TALLY_EINVAL, "D004",
					                       tj_path_key(q, sizeof q, p, extra[x]),
					                       "'%s' does not go with nominator '%s'", extra[x],
					                       nom);
			if (nt == TALLY_NOM_PARTY)
				rc = ref(e, K_PARTY, o, "party", p, &by, err);
			else if (nt == TALLY_NOM_BLOC)
				rc = ref(e, K_BLOC, o, "bloc", p, &by, err);
			else if (nt == TALLY_NOM_INITIATIVE)
				rc = tj_str(o, "group", true, 4096, p, c, &group, err);
			if (rc || (rc = tally_election_add_candidate(e, id, name, cons,
			                                             (tally_nominator)nt, by, group, NULL)))
				return rc;
			break;
		}
		}
	}
	return TALLY_OK;
}

static int parse_root(const json_t *root, tally_election **out, tally_error *err)
{
	const tj_codes *c = &tj_def_codes;
	tally_election *e = NULL;
	tally_template *t = NULL;
	json_t *el = NULL, *sys = NULL, *tv;
	int rc;
	if (!json_is_object(root))
		return tally_error_set(err, TALLY_EINVAL, "D002", "$", "a definition is a JSON object");
	static const char *const keys[] = {"format", "election", "system", "template", "contests",
	                                   "constituencies", "stations", "parties", "blocs",
	                                   "candidates", NULL};
	const char *format = NULL;
	if ((rc = tj_keys(root, keys, "$", c, err)) ||
	    (rc = tj_str(root, "format", true, 64, "$", c, &format, err)))
		return rc;
	if (strcmp(format, "tally-definition/1") != 0)
		return tally_error_set(err, TALLY_EINVAL, "D018", "$.format",
		                       "unsupported format '%s' (this tally reads "
		                       "'tally-definition/1')", format);
	static const char *const ekeys[] = {"id", "name", "date", "body", "seats", "double_entry",
	                                    NULL};
	const char *id = NULL, *name = NULL, *date = NULL, *body = "";
	uint64_t seats = 0;
	bool de = true;
	if ((rc = tj_obj(root, "election", true, "$", c, &el, err)) ||
	    (rc = tj_keys(el, ekeys, "$.election", c, err)) ||
	    (rc = tj_str(el, "id", true, 4096, "$.election", c, &id, err)) ||
	    (rc = tj_str(el, "name", true, 4096, "$.election", c, &name, err)) ||
	    (rc = tj_str(el, "date", true, 64, "$.election", c, &date, err)) ||
	    (rc = tj_str(el, "body", false, 4096, "$.election", c, &body, err)) ||
	    (rc = tj_u64(el, "seats", true, 1, TALLY_MAX_SEATS, "$.election", c, &seats, err)) ||
	    (rc = tj_bool(el, "double_entry", false, "$.election", c, &de, err)))
		return rc;
	tv = json_object_get(root, "template");
	if (!tv)
		return tally_error_set(err, TALLY_EINVAL, "D003", "$.template",
		                       "missing required key 'template'");
	if ((rc = tally__template_from_json_value(tv, "$.template", &t, err)))
		return rc;
	if ((rc = tally_election_new(id, name, date, body, (uint32_t)seats, t, &e))) {
		tally_template_free(t);
		return tally_error_set(err, rc, "", NULL, "out of memory");
	}
	e->double_entry = de;
	if ((rc = tj_obj(root, "system", false, "$", c, &sys, err)))
		goto fail;
	if (sys) {
		static const char *const skeys[] = {"rule", "tie", "lot_seed", "invalid_share", NULL};
		const char *rule = "plurality", *tie = "fail";
		uint64_t seed = 0;
		json_t *share = NULL;
		if ((rc = tj_keys(sys, skeys, "$.system", c, err)) ||
		    (rc = tj_str(sys, "rule", false, 64, "$.system", c, &rule, err)) ||
		    (rc = tj_str(sys, "tie", false, 64, "$.system", c, &tie, err)) ||
		    (rc = tj_u64(sys, "lot_seed", false, 0, (uint64_t)INT64_MAX, "$.system", c, &seed,
		                 err)) ||
		    (rc = tj_arr(sys, "invalid_share", false, "$.system", c, &share, err)))
			goto fail;
		char *r = tally_strdup(rule);
		if (!r) {
			rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
			goto fail;
		}
		tally_free(e->system.rule);
		e->system.rule = r;
		int ti = find_enum(ties, 2, tie);
		if (ti < 0) {
			rc = tally_error_set(err, TALLY_EINVAL, "D019", "$.system.tie",
			                     "tie policy '%s' is not one of fail, lot", tie);
			goto fail;
		}
		e->system.tie = (tally_tie_policy)ti;
		e->system.lot_seed = seed;
		if (share) {
			uint64_t num = 0, den = 0;
			if (json_array_size(share) != 2 ||
			    tj_count(json_array_get(share, 0), 1000000, "$.system.invalid_share[0]", c,
			             &num, err) ||
			    tj_count(json_array_get(share, 1), 1000000, "$.system.invalid_share[1]", c,
			             &den, err)) {
				rc = tally_error_set(err, TALLY_EINVAL, "D019", "$.system.invalid_share",
				                     "invalid_share must be two whole numbers, like [2, 5]");
				goto fail;
			}
			e->system.invalid_num = (uint32_t)num;
			e->system.invalid_den = (uint32_t)den;
		}
	}
	if ((rc = parse_items(e, root, K_CONTEST, true, err)) ||
	    (rc = parse_items(e, root, K_CONSTITUENCY, true, err)) ||
	    (rc = parse_items(e, root, K_PARTY, false, err)) ||
	    (rc = parse_items(e, root, K_BLOC, false, err)) ||
	    (rc = parse_items(e, root, K_STATION, true, err)) ||
	    (rc = parse_items(e, root, K_CANDIDATE, false, err)))
		goto fail;
	if ((rc = tally_election_finish(e, err)))
		goto fail;
	*out = e;
	return TALLY_OK;
fail:
	if (rc == TALLY_ENOMEM && err && !err->msg[0])
		tally_error_set(err, rc, "", NULL, "out of memory");
	tally_election_free(e);
	return rc;
}

/* ==== Canonical definitions without a DOM ====
 *
 * A definition written by tally_election_write (what `tally init` logs,
 * and what a million-station log holds at entry 0) is read here straight
 * into the builder, without building a JSON tree of a million objects
 * first. Only that layout is accepted: the keys of every object in the
 * writer's order, integers without sign, fraction or leading zero, strings
 * without escapes or control characters; whitespace between tokens is free.
 * Every value gets the same type, length and range checks as in
 * parse_items and parse_root, the same builder calls in the same order, and
 * tally_election_finish; anything else, and any error, returns "not
 * canonical" and the definition goes through the full parser, which then
 * gives the same election or names the error. So this changes the speed of
 * the parse, never its outcome. */

typedef struct cdef {
	const char *p, *end;
	char s[5][4097];    /* the NUL-terminated strings of one object */
} cdef;

static void c_ws(cdef *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

/* the punctuation or literal "l" */
static bool c_lit(cdef *c, const char *l)
{
	size_t n = strlen(l);

	c_ws(c);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, l, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* a string of at most "max" bytes into slot "k" of c->s */
static bool c_str(cdef *c, int k, size_t max)
{
	const char *q;
	size_t n;

	c_ws(c);
	if (c->p >= c->end || *c->p != '"')
		return false;
	q = ++c->p;
	while (q < c->end && *q != '"') {
		if ((unsigned char)*q < 0x20 || *q == '\\')
			return false;
		q++;
	}
	n = (size_t)(q - c->p);
	if (q == c->end || n > max || n >= sizeof c->s[k] || !tally__utf8_ok(c->p, n))
		return false;
	memcpy(c->s[k], c->p, n);
	c->s[k][n] = '\0';
	c->p = q + 1;
	return true;
}

/* "key": */
static bool c_key(cdef *c, const char *key)
{
	size_t n = strlen(key);

	c_ws(c);
	if ((size_t)(c->end - c->p) < n + 2 || c->p[0] != '"' || memcmp(c->p + 1, key, n) != 0 ||
	    c->p[n + 1] != '"')
		return false;
	c->p += n + 2;
	return c_lit(c, ":");
}

/* "key": "string" into slot k, and the comma or end that follows */
static bool c_kstr(cdef *c, const char *key, int k, size_t max)
{
	return c_key(c, key) && c_str(c, k, max);
}

/* an unsigned integer in [min, max] */
static bool c_num(cdef *c, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s;
	uint64_t v = 0;

	c_ws(c);
	s = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - s < 19)
		v = v * 10 + (uint64_t)(*c->p++ - '0');
	if (c->p == s || (*s == '0' && c->p - s > 1) || v < min || v > max)
		return false;
	*out = v;
	/* a fraction, an exponent or a 20th digit is not an integer of ours */
	return c->p == c->end || !((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == 'e' ||
	                            *c->p == 'E');
}

static bool c_knum(cdef *c, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	return c_key(c, key) && c_num(c, min, max, out);
}

/* an id of kind k already added, as ref() finds it */
static bool c_ref(cdef *c, const tally_election *e, int k, int slot, uint32_t *out)
{
	*out = lookup(e, k, c->s[slot]);
	return *out != TALLY_NONE;
}

/* the template (a preset's name or an object): its extent is found by
 * bracket matching, then it is read with jansson and
 * tally__template_from_json_value as the full parser reads it, within the
 * same depth limit */
static bool c_template(cdef *c, tally_template **out)
{
	const char *s;
	int depth = 0, max_depth = 0;
	bool in_str = false;
	json_error_t je;
	json_t *v = NULL;
	tally_error err = TALLY_ERROR_INIT;

	c_ws(c);
	s = c->p;
	if (c->p >= c->end || (*c->p != '{' && *c->p != '"'))
		return false;
	if (*c->p == '"') {
		in_str = true;
		depth = 1; /* closed by the string's end */
		c->p++;
	}
	for (; c->p < c->end; c->p++) {
		char ch = *c->p;

		if (in_str) {
			if (ch == '\\')
				c->p++;
			else if (ch == '"' && (in_str = false, depth == 1 && *s == '"')) {
				depth = 0;
				c->p++;
				break;
			}
			continue;
		}
		if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			if (++depth > max_depth)
				max_depth = depth;
		} else if ((ch == '}' || ch == ']') && --depth == 0) {
			c->p++;
			break;
		}
	}
	/* the template sits one level below the root */
	if (depth != 0 || max_depth + 1 > TALLY_MAX_JSON_DEPTH)
		return false;
	v = json_loadb(s, (size_t)(c->p - s), JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v)
		return false;
	bool ok = tally__template_from_json_value(v, "$.template", out, &err) == TALLY_OK;
	json_decref(v);
	return ok;
}

/* items of kind k: "[" object ("," object)* "]", each added to "e" */
static bool c_items(cdef *c, tally_election *e, int k)
{
	if (!c_key(c, kind_arrays[k]) || !c_lit(c, "["))
		return false;
	if (c_lit(c, "]"))
		return true;
	do {
		uint64_t a = 0, b = 0;
		uint32_t r1 = 0, r2 = TALLY_NONE;
		int t = 0;

		if (!c_lit(c, "{") || !c_kstr(c, "id", 0, 4096) || !c_lit(c, ",") ||
		    !c_kstr(c, "name", 1, 4096))
			return false;
		switch (k) {
		case K_CONTEST:
			if (tally_election_add_contest(e, c->s[0], c->s[1], NULL))
				return false;
			break;
		case K_CONSTITUENCY:
			if (!c_lit(c, ",") || !c_kstr(c, "contest", 2, TALLY_MAX_ID_LEN) ||
			    !c_ref(c, e, K_CONTEST, 2, &r1) || !c_lit(c, ",") ||
			    !c_knum(c, "magnitude", 1, TALLY_MAX_MAGNITUDE, &a) || !c_lit(c, ",") ||
			    !c_knum(c, "tier", 1, 9, &b) ||
			    tally_election_add_constituency(e, c->s[0], c->s[1], r1, (uint32_t)a,
			                                    (uint32_t)b, NULL))
				return false;
			break;
		case K_PARTY:
			if (!c_lit(c, ",") || !c_kstr(c, "abbrev", 3, 4096) || !c_lit(c, ",") ||
			    !c_kstr(c, "color", 4, 64) ||
			    tally_election_add_party(e, c->s[0], c->s[1], c->s[3], c->s[4], NULL))
				return false;
			break;
		case K_BLOC: {
			uint32_t members[TALLY_MAX_BLOC_MEMBERS], nm = 0;

			if (!c_lit(c, ",") || !c_kstr(c, "abbrev", 3, 4096) || !c_lit(c, ",") ||
			    !c_kstr(c, "color", 4, 64) || !c_lit(c, ",") || !c_key(c, "members") ||
			    !c_lit(c, "["))
				return false;
			if (!c_lit(c, "]")) {
				do {
					if (nm == TALLY_MAX_BLOC_MEMBERS || !c_str(c, 2, 4096) ||
					    !c_ref(c, e, K_PARTY, 2, &members[nm]))
						return false;
					nm++;
				} while (c_lit(c, ","));
				if (!c_lit(c, "]"))
					return false;
			}
			if (tally_election_add_bloc(e, c->s[0], c->s[1], c->s[3], c->s[4], members, nm,
			                            NULL))
				return false;
			break;
		}
		case K_STATION:
			if (!c_lit(c, ",") || !c_kstr(c, "constituency", 2, TALLY_MAX_ID_LEN) ||
			    !c_ref(c, e, K_CONSTITUENCY, 2, &r1) || !c_lit(c, ",") ||
			    !c_knum(c, "registered", 0, TALLY_MAX_REGISTERED, &a) || !c_lit(c, ",") ||
			    !c_kstr(c, "type", 2, 32) || (t = find_enum(station_types, 4, c->s[2])) < 0 ||
			    !c_lit(c, ",") || !c_kstr(c, "area", 2, 4096) ||
			    tally_election_add_station(e, c->s[0], c->s[1], r1, a, (tally_station_type)t,
			                               c->s[2], NULL))
				return false;
			break;
		case K_CANDIDATE:
			if (!c_lit(c, ",") || !c_kstr(c, "constituency", 2, TALLY_MAX_ID_LEN) ||
			    !c_ref(c, e, K_CONSTITUENCY, 2, &r1) || !c_lit(c, ",") ||
			    !c_kstr(c, "nominator", 2, 32) || (t = find_enum(nominators, 4, c->s[2])) < 0)
				return false;
			c->s[2][0] = '\0';
			if (t == TALLY_NOM_PARTY || t == TALLY_NOM_BLOC) {
				if (!c_lit(c, ",") ||
				    !c_kstr(c, t == TALLY_NOM_PARTY ? "party" : "bloc", 2, TALLY_MAX_ID_LEN) ||
				    !c_ref(c, e, t == TALLY_NOM_PARTY ? K_PARTY : K_BLOC, 2, &r2))
					return false;
				c->s[2][0] = '\0';
			} else if (t == TALLY_NOM_INITIATIVE) {
				if (!c_lit(c, ",") || !c_kstr(c, "group", 2, 4096))
					return false;
			}
			if (tally_election_add_candidate(e, c->s[0], c->s[1], r1, (tally_nominator)t, r2,
			                                 c->s[2], NULL))
				return false;
			break;
		}
		if (!c_lit(c, "}"))
			return false;
	} while (c_lit(c, ","));
	return c_lit(c, "]");
}

int tally__election_parse_canonical(const char *buf, size_t len, tally_election **out)
{
	cdef *c = tally_malloc(sizeof *c);
	tally_template *t = NULL;
	tally_election *e = NULL;
	tally_error err = TALLY_ERROR_INIT;
	uint64_t seats = 0, seed = 0, num = 0, den = 0;
	bool de = true, ok = false;
	int ti = 0;
	char *rule = NULL;

	if (!c)
		return TALLY_ENOMEM;
	c->p = buf;
	c->end = buf + len;
	if (!c_lit(c, "{") || !c_key(c, "format") || !c_lit(c, "\"tally-definition/1\"") ||
	    !c_lit(c, ",") || !c_key(c, "election") || !c_lit(c, "{") ||
	    !c_kstr(c, "id", 0, 4096) || !c_lit(c, ",") || !c_kstr(c, "name", 1, 4096) ||
	    !c_lit(c, ",") || !c_kstr(c, "date", 2, 64) || !c_lit(c, ","))
		goto out;
	/* the election's strings are in slots 0-2; body goes to the template's
	 * turn of slot 2 later, so build the election before reading on */
	{
		char id[4097], name[4097], date[65];

		memcpy(id, c->s[0], sizeof id);
		memcpy(name, c->s[1], sizeof name);
		memcpy(date, c->s[2], sizeof date);
		if (!c_kstr(c, "body", 0, 4096) || !c_lit(c, ",") ||
		    !c_knum(c, "seats", 1, TALLY_MAX_SEATS, &seats) || !c_lit(c, ",") ||
		    !c_key(c, "double_entry"))
			goto out;
		if (c_lit(c, "true"))
			de = true;
		else if (c_lit(c, "false"))
			de = false;
		else
			goto out;
		if (!c_lit(c, "}") || !c_lit(c, ",") || !c_key(c, "system") || !c_lit(c, "{") ||
		    !c_kstr(c, "rule", 1, 64) || !c_lit(c, ",") || !c_kstr(c, "tie", 2, 64) ||
		    (ti = find_enum(ties, 2, c->s[2])) < 0 || !c_lit(c, ",") ||
		    !c_knum(c, "lot_seed", 0, (uint64_t)INT64_MAX, &seed) || !c_lit(c, ",") ||
		    !c_key(c, "invalid_share") || !c_lit(c, "[") || !c_num(c, 0, 1000000, &num) ||
		    !c_lit(c, ",") || !c_num(c, 0, 1000000, &den) || !c_lit(c, "]") ||
		    !c_lit(c, "}") || !c_lit(c, ",") || !c_key(c, "template") || !c_template(c, &t))
			goto out;
		if (!(rule = tally_strdup(c->s[1])) ||
		    tally_election_new(id, name, date, c->s[0], (uint32_t)seats, t, &e) != TALLY_OK)
			goto out;
		t = NULL; /* the election owns it */
	}
	e->double_entry = de;
	tally_free(e->system.rule);
	e->system.rule = rule;
	rule = NULL;
	e->system.tie = (tally_tie_policy)ti;
	e->system.lot_seed = seed;
	e->system.invalid_num = (uint32_t)num;
	e->system.invalid_den = (uint32_t)den;
	if (!c_lit(c, ",") || !c_items(c, e, K_CONTEST) || !c_lit(c, ",") ||
	    !c_items(c, e, K_CONSTITUENCY) || !c_lit(c, ",") || !c_items(c, e, K_PARTY) ||
	    !c_lit(c, ",") || !c_items(c, e, K_BLOC) || !c_lit(c, ",") ||
	    !c_items(c, e, K_STATION) || !c_lit(c, ",") || !c_items(c, e, K_CANDIDATE) ||
	    !c_lit(c, "}"))
		goto out;
	c_ws(c);
	if (c->p != c->end || tally_election_finish(e, &err) != TALLY_OK)
		goto out;
	ok = true;
	*out = e;
	e = NULL;
out:
	tally_free(rule);
	tally_template_free(t);
	tally_election_free(e);
	tally_free(c);
	return ok ? TALLY_OK : TALLY_EINVAL;
}

int tally_election_parse(const char *buf, size_t len, const char *file, tally_election **out,
                         tally_error *err)
{
	json_t *root = NULL;
	if (len > TALLY_MAX_DEF_BYTES)
		return tally_error_set(err, TALLY_ELIMIT, "D015", file,
		                       "a definition is at most %u bytes", TALLY_MAX_DEF_BYTES);
	/* the writer's own layout first; anything else, or any error, is left
	 * to the full parser */
	if (tally__election_parse_canonical(buf, len, out) == TALLY_OK)
		return TALLY_OK;
	int rc = tj_load(buf, len, file, &tj_def_codes, &root, err);
	if (rc)
		return rc;
	rc = parse_root(root, out, err);
	json_decref(root);
	if (rc && err && file && *file) {
		/* prefix the file name to the JSON path */
		char where[256];
		snprintf(where, sizeof where, "%s: %s", file, err->where);
		memcpy(err->where, where, sizeof where);
	}
	return rc;
}

/* ==== Canonical writer ==== */

static void kv_str(tally__buf *b, const char *k, const char *v, bool comma)
{
	tally__buf_json_str(b, k);
	tally__buf_str(b, ": ");
	tally__buf_json_str(b, v);
	if (comma)
		tally__buf_str(b, ", ");
}

static void kv_u64(tally__buf *b, const char *k, uint64_t v, bool comma)
{
	tally__buf_json_str(b, k);
	tally__buf_str(b, ": ");
	tally__buf_u64(b, v);
	if (comma)
		tally__buf_str(b, ", ");
}

int tally_election_write(const tally_election *e, char **out, size_t *len, tally_error *err)
{
	tally__buf b = TALLY__BUF_INIT;
	tally__buf_str(&b, "{\n  \"format\": \"tally-definition/1\",\n  \"election\": {");
	kv_str(&b, "id", e->id, true);
	kv_str(&b, "name", e->name, true);
	kv_str(&b, "date", e->date, true);
	kv_str(&b, "body", e->body, true);
	kv_u64(&b, "seats", e->seats, true);
	tally__buf_str(&b, e->double_entry ? "\"double_entry\": true},\n" : "\"double_entry\": false},\n");
	tally__buf_str(&b, "  \"system\": {");
	kv_str(&b, "rule", e->system.rule, true);
	kv_str(&b, "tie", tally_tie_policy_name(e->system.tie), true);
	kv_u64(&b, "lot_seed", e->system.lot_seed, true);
	tally__buf_printf(&b, "\"invalid_share\": [%u, %u]},\n  \"template\": ",
	                  e->system.invalid_num, e->system.invalid_den);
	tally__template_write(e->tmpl, &b, 1);
	tally__buf_str(&b, ",\n  \"contests\": [");
	for (uint32_t i = 0; i < e->n_contests; i++) {
		tally__buf_str(&b, i ? ",\n    {" : "\n    {");
		kv_str(&b, "id", e->contests[i].id, true);
		kv_str(&b, "name", e->contests[i].name, false);
		tally__buf_str(&b, "}");
	}
	tally__buf_str(&b, "\n  ],\n  \"constituencies\": [");
	for (uint32_t i = 0; i < e->n_constituencies; i++) {
		const tally_constituency *c = &e->constituencies[i];
		tally__buf_str(&b, i ? ",\n    {" : "\n    {");
		kv_str(&b, "id", c->id, true);
		kv_str(&b, "name", c->name, true);
		kv_str(&b, "contest", e->contests[c->contest].id, true);
		kv_u64(&b, "magnitude", c->magnitude, true);
		kv_u64(&b, "tier", c->tier, false);
		tally__buf_str(&b, "}");
	}
	tally__buf_str(&b, "\n  ],\n  \"parties\": [");
	for (uint32_t i = 0; i < e->n_parties; i++) {
		const tally_party *p = &e->parties[i];
		tally__buf_str(&b, i ? ",\n    {" : "\n    {");
		kv_str(&b, "id", p->id, true);
		kv_str(&b, "name", p->name, true);
		kv_str(&b, "abbrev", p->abbrev, true);
		kv_str(&b, "color", p->color, false);
		tally__buf_str(&b, "}");
	}
	tally__buf_str(&b, e->n_parties ? "\n  ],\n  \"blocs\": [" : "],\n  \"blocs\": [");
	for (uint32_t i = 0; i < e->n_blocs; i++) {
		const tally_bloc *bl = &e->blocs[i];
		tally__buf_str(&b, i ? ",\n    {" : "\n    {");
		kv_str(&b, "id", bl->id, true);
		kv_str(&b, "name", bl->name, true);
		kv_str(&b, "abbrev", bl->abbrev, true);
		kv_str(&b, "color", bl->color, true);
		tally__buf_str(&b, "\"members\": [");
		for (uint32_t j = 0; j < bl->n_members; j++) {
			if (j)
				tally__buf_str(&b, ", ");
			tally__buf_json_str(&b, e->parties[bl->members[j]].id);
		}
		tally__buf_str(&b, "]}");
	}
	tally__buf_str(&b, e->n_blocs ? "\n  ],\n  \"stations\": [" : "],\n  \"stations\": [");
	for (uint32_t i = 0; i < e->n_stations; i++) {
		const tally_station *s = &e->stations[i];
		tally__buf_str(&b, i ? ",\n    {" : "\n    {");
		kv_str(&b, "id", s->id, true);
		kv_str(&b, "name", s->name, true);
		kv_str(&b, "constituency", e->constituencies[s->constituency].id, true);
		kv_u64(&b, "registered", s->registered, true);
		kv_str(&b, "type", tally_station_type_name(s->type), true);
		kv_str(&b, "area", s->area, false);
		tally__buf_str(&b, "}");
	}
	tally__buf_str(&b, e->n_stations ? "\n  ],\n  \"candidates\": [" : "],\n  \"candidates\": [");
	for (uint32_t i = 0; i < e->n_candidates; i++) {
		const tally_candidate *c = &e->candidates[i];
		tally__buf_str(&b, i ? ",\n    {" : "\n    {");
		kv_str(&b, "id", c->id, true);
		kv_str(&b, "name", c->name, true);
		kv_str(&b, "constituency", e->constituencies[c->constituency].id, true);
		kv_str(&b, "nominator", tally_nominator_name(c->nominator), c->nominator != TALLY_NOM_SELF);
		if (c->nominator == TALLY_NOM_PARTY)
			kv_str(&b, "party", e->parties[c->nominated_by].id, false);
		else if (c->nominator == TALLY_NOM_BLOC)
			kv_str(&b, "bloc", e->blocs[c->nominated_by].id, false);
		else if (c->nominator == TALLY_NOM_INITIATIVE)
			kv_str(&b, "group", c->group, false);
		tally__buf_str(&b, "}");
	}
	tally__buf_str(&b, e->n_candidates ? "\n  ]\n}\n" : "]\n}\n");
	char *s = tally__buf_detach(&b, len);
	if (!s)
		return tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
	*out = s;
	return TALLY_OK;
}
