/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eml.c: results as OASIS Election Markup Language 5.0 messages
 * (data/standards/oasis-eml-v5.0/): 510, the count, with every
 * constituency's totals and every counted station's numbers, and 520, the
 * result, with every constituency's candidates ranked and the elected.
 *
 * The mapping (docs/formats.md section 10.3): a constituency is a Contest;
 * a candidate a Selection of a Candidate with the AffiliationIdentifier of
 * the party or bloc that nominated it (an independent carries
 * Independent="yes"); the voters who received ballots are Cast, the ballots
 * counted TotalCounted, the template's invalid lines RejectedVotes with the
 * line as ReasonCode; every protocol line, the registered voters, the
 * stations and the outcome are CountMetric items (510). Ids are NMTOKENs
 * (standards.h, std_id); EML 5.0 types names as xs:token, and a
 * candidate's name (PersonNameType) is cut to 70 characters.
 */
#include "render/standards.h"
#include "render/xml.h"

#include <string.h>

#define EML_NS "urn:oasis:names:tc:evs:schema:eml"

typedef struct emlw {
	render_xml x;
	const tally_results *r;
	const std_lines *L;
} emlw;

static void metric(emlw *w, const char *type, const char *id, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "%llu", (unsigned long long)v);
	render_xml_begin(&w->x, "CountMetric");
	render_xml_attr(&w->x, "Type", type);
	if (id)
		render_xml_attr(&w->x, "Id", id);
	render_xml_text(&w->x, b);
	render_xml_end(&w->x);
}

/* "s" cut to at most "max" characters (code points), into buf. */
static const char *cut(char *buf, size_t size, const char *s, int max)
{
	size_t at = 0;
	int n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (p[at] && n < max) {
		size_t k = p[at] >= 0xf0 ? 4 : p[at] >= 0xe0 ? 3 : p[at] >= 0xc0 ? 2 : 1;
		if (strnlen((const char *)p + at, k) < k || at + k >= size)
			break;
		at += k;
		n++;
	}
	memcpy(buf, s, at);
	buf[at] = '\0';
	return buf;
}

/* A Selection's candidate: in full (name, affiliation), or, when "brief"
 * (a station's numbers, after the constituency's totals named everyone),
 * by its identifier alone. */
static void candidate(emlw *w, uint32_t ci, bool brief)
{
	const tally_election *e = w->r->e;
	const tally_candidate *cd = &e->candidates[ci];
	char id[STD_ID_MAX], name[400];
	render_xml_begin(&w->x, "Candidate");
	if (!brief && (cd->nominator == TALLY_NOM_INITIATIVE || cd->nominator == TALLY_NOM_SELF))
		render_xml_attr(&w->x, "Independent", "yes");
	render_xml_begin(&w->x, "CandidateIdentifier");
	render_xml_attr(&w->x, "Id", std_id(id, "", cd->id));
	if (!brief)
		render_xml_leaf(&w->x, "CandidateName", cut(name, sizeof name, cd->name, 70));
	render_xml_end(&w->x);
	render_xml_end(&w->x);
	if (brief)
		return;
	const char *aid = NULL, *aname = NULL;
	if (cd->nominator == TALLY_NOM_PARTY) {
		aid = e->parties[cd->nominated_by].id;
		aname = e->parties[cd->nominated_by].name;
	} else if (cd->nominator == TALLY_NOM_BLOC) {
		aid = e->blocs[cd->nominated_by].id;
		aname = e->blocs[cd->nominated_by].name;
	}
	if (aid) {
		render_xml_begin(&w->x, "AffiliationIdentifier");
		render_xml_attr(&w->x, "Id", std_id(id, "", aid));
		render_xml_leaf(&w->x, "RegisteredName", aname);
		render_xml_end(&w->x);
	}
}

/* The tail of a VoteGroup: Cast, TotalCounted, RejectedVotes; the line
 * values come from "v" (a station's) when given, else from "lines". */
static void vote_tail(emlw *w, const std_counts *k, const uint64_t *lines, const uint32_t *v)
{
	const tally_template *t = w->r->e->tmpl;
	render_xml_leaf_u64(&w->x, "Cast", k->cast);
	render_xml_leaf_u64(&w->x, "TotalCounted", k->counted);
	for (uint32_t i = 0; i < t->n_lines; i++) {
		if (!w->L->rejected[i])
			continue;
		render_xml_begin(&w->x, "RejectedVotes");
		render_xml_attr(&w->x, "ReasonCode", t->lines[i].key);
		if (t->lines[i].label[0])
			render_xml_attr(&w->x, "Reason", t->lines[i].label);
		char b[24];
		snprintf(b, sizeof b, "%llu", (unsigned long long)(v ? v[i] : lines[i]));
		render_xml_text(&w->x, b);
		render_xml_end(&w->x);
	}
}

static void line_metrics(emlw *w, const uint64_t *lines, const uint32_t *v)
{
	const tally_template *t = w->r->e->tmpl;
	for (uint32_t i = 0; i < t->n_lines; i++)
		metric(w, "protocol-line", t->lines[i].key, v ? v[i] : lines[i]);
}

static void contest_510(emlw *w, uint32_t c)
{
	const tally_results *r = w->r;
	const tally_election *e = r->e;
	const tally_constituency *con = &e->constituencies[c];
	const tally_constituency_result *cr = &r->cons[c];
	char id[STD_ID_MAX];
	std_counts k;
	bool complete = std_constituency_complete(r, c);
	render_xml_begin(&w->x, "Contest");
	render_xml_begin(&w->x, "ContestIdentifier");
	render_xml_attr(&w->x, "Id", std_id(id, "", con->id));
	render_xml_leaf(&w->x, "ContestName", con->name);
	render_xml_end(&w->x);
	render_xml_begin(&w->x, "CountQualifier");
	render_xml_leaf(&w->x, "Final", complete ? "yes" : "no");
	render_xml_leaf(&w->x, "Partial", complete ? "no" : "yes");
	render_xml_end(&w->x);
	render_xml_leaf(&w->x, "CountingAlgorithm", e->system.rule);
	render_xml_leaf_u64(&w->x, "NumberOfPositions", con->magnitude);

	render_xml_begin(&w->x, "TotalVotes");
	std_constituency_counts(r, w->L, c, &k);
	/* an annulled constituency's results count for nothing */
	if (cr->annulled)
		memset(&k, 0, sizeof k);
	metric(w, "outcome", std_outcome_code(cr->outcome), 1);
	if (cr->annulled)
		metric(w, "annulled", NULL, 1);
	metric(w, "stations", NULL, cr->stations);
	metric(w, "stations-reported", NULL, cr->reported);
	metric(w, "stations-annulled", NULL, cr->invalid_stations);
	metric(w, "registered", NULL, k.registered);
	if (!cr->annulled)
		line_metrics(w, cr->lines, NULL);
	for (uint32_t i = 0; i < con->n_candidates; i++) {
		render_xml_begin(&w->x, "Selection");
		candidate(w, con->candidates[i], false);
		render_xml_leaf_u64(&w->x, "ValidVotes", cr->annulled ? 0 : cr->votes[i]);
		render_xml_end(&w->x);
	}
	static const uint64_t zero[TALLY_MAX_LINES];
	vote_tail(w, &k, cr->annulled ? zero : cr->lines, NULL);
	render_xml_end(&w->x);

	for (uint32_t j = 0; j < con->n_stations; j++) {
		uint32_t s = con->stations[j];
		const tally_station *st = &e->stations[s];
		const tally_station_result *sr = &r->st[s];
		const uint32_t *v = tally_results_station_values(r, s);
		bool counted = std_station_counted(r, s) && v;
		if (!counted && !sr->annulled)
			continue; /* not reported yet */
		render_xml_begin(&w->x, "ReportingUnitVotes");
		render_xml_begin(&w->x, "ReportingUnitIdentifier");
		render_xml_attr(&w->x, "Id", std_id(id, "", st->id));
		render_xml_text(&w->x, st->name[0] ? st->name : st->id);
		render_xml_end(&w->x);
		if (counted) {
			std_station_counts(r, w->L, s, v, &k);
		} else {
			memset(&k, 0, sizeof k);
			metric(w, "annulled", NULL, 1);
		}
		metric(w, "registered", NULL, counted ? k.registered : st->registered);
		if (counted)
			line_metrics(w, NULL, v);
		for (uint32_t i = 0; i < con->n_candidates; i++) {
			render_xml_begin(&w->x, "Selection");
			candidate(w, con->candidates[i], true);
			render_xml_leaf_u64(&w->x, "ValidVotes", counted ? v[e->tmpl->n_lines + i] : 0);
			render_xml_end(&w->x);
		}
		vote_tail(w, &k, zero, counted ? v : NULL);
		render_xml_end(&w->x);
	}
	render_xml_end(&w->x);
}

static void contest_520(emlw *w, uint32_t c)
{
	const tally_results *r = w->r;
	const tally_election *e = r->e;
	const tally_constituency *con = &e->constituencies[c];
	const tally_constituency_result *cr = &r->cons[c];
	char id[STD_ID_MAX];
	if (!con->n_candidates)
		return; /* a 520 contest has at least one selection */
	bool decided = cr->outcome != TALLY_OUT_INCOMPLETE;
	bool complete = std_constituency_complete(r, c);
	render_xml_begin(&w->x, "Contest");
	render_xml_begin(&w->x, "ContestIdentifier");
	render_xml_attr(&w->x, "Id", std_id(id, "", con->id));
	render_xml_leaf(&w->x, "ContestName", con->name);
	render_xml_end(&w->x);
	render_xml_begin(&w->x, "CountQualifier");
	render_xml_leaf(&w->x, "Final", decided ? "yes" : "no");
	render_xml_leaf(&w->x, "Partial", complete ? "no" : "yes");
	render_xml_end(&w->x);
	uint32_t rank = 0;
	for (uint32_t i = 0; i < con->n_candidates; i++) {
		uint32_t slot = cr->order[i];
		uint64_t votes = cr->annulled ? 0 : cr->votes[slot];
		/* standard competition ranking: equal votes, equal rank */
		if (i == 0 || votes != (cr->annulled ? 0 : cr->votes[cr->order[i - 1]]))
			rank = i + 1;
		render_xml_begin(&w->x, "Selection");
		candidate(w, con->candidates[slot], false);
		if (votes)
			render_xml_leaf_u64(&w->x, "Votes", votes);
		render_xml_leaf_u64(&w->x, "Ranking", rank);
		render_xml_leaf(&w->x, "Elected", cr->n_elected && cr->seats[slot] ? "yes" : "no");
		render_xml_end(&w->x);
	}
	render_xml_end(&w->x);
}

int render_eml(FILE *f, const tally_results *r, int message, const render_std_opts *o,
               uint64_t *replaced)
{
	const tally_election *e = r->e;
	char id[STD_ID_MAX];
	std_lines L;
	std_lines_init(e->tmpl, &L);
	emlw w;
	memset(&w, 0, sizeof w);
	w.r = r;
	w.L = &L;
	render_xml_init(&w.x, f);
	render_xml_begin(&w.x, "EML");
	render_xml_attr(&w.x, "xmlns", EML_NS);
	render_xml_attr(&w.x, "Id", message == 510 ? "510" : "520");
	render_xml_attr(&w.x, "SchemaVersion", "5.0");
	render_xml_leaf(&w.x, "TransactionId", "1");
	if (o->language && *o->language && strcmp(o->language, "und") != 0)
		render_xml_leaf(&w.x, "MessageLanguage", o->language);
	render_xml_begin(&w.x, "ManagingAuthority");
	render_xml_begin(&w.x, "AuthorityIdentifier");
	render_xml_attr(&w.x, "Id", std_id(id, "", o->issuer_abbrev));
	render_xml_text(&w.x, o->issuer);
	render_xml_end(&w.x);
	render_xml_begin(&w.x, "AuthorityAddress");
	render_xml_end(&w.x);
	render_xml_end(&w.x);
	render_xml_leaf(&w.x, "IssueDate", o->generated);

	render_xml_begin(&w.x, message == 510 ? "Count" : "Result");
	render_xml_begin(&w.x, "EventIdentifier");
	render_xml_attr(&w.x, "Id", std_id(id, "", e->id));
	render_xml_leaf(&w.x, "EventName", e->name);
	render_xml_end(&w.x);
	render_xml_begin(&w.x, "Election");
	render_xml_begin(&w.x, "ElectionIdentifier");
	render_xml_attr(&w.x, "Id", std_id(id, "", e->id));
	render_xml_leaf(&w.x, "ElectionName", e->name);
	if (e->body[0])
		render_xml_leaf(&w.x, "ElectionCategory", e->body);
	render_xml_end(&w.x);
	if (message == 510) {
		render_xml_begin(&w.x, "Contests");
		for (uint32_t c = 0; c < e->n_constituencies; c++)
			contest_510(&w, c);
		render_xml_end(&w.x);
	} else {
		for (uint32_t c = 0; c < e->n_constituencies; c++)
			contest_520(&w, c);
	}
	int rc = render_xml_finish(&w.x);
	*replaced = w.x.replaced;
	return rc;
}
