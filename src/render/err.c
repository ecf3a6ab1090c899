/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.c: results as a NIST SP 1500-100 Election Results Reporting report,
 * version 2 (schema 2.0.3, data/standards/nist-1500-100-err-v2/), in its
 * XML or its JSON serialisation. Both come from one walk over the count
 * through a small writer that knows the two forms: in XML an object is an
 * element (abstract types carry xsi:type), a list is repeated elements and
 * a list of references is one element of space-separated IDs; in JSON an
 * object carries "@type" (and "@id"), a list is an array. Elements are
 * written in the order of the XSD's sequences, which the JSON keeps.
 *
 * The mapping (docs/formats.md section 10.2): the nation, the
 * constituencies and the stations are ReportingUnits composed one of the
 * other; parties are Parties, blocs Coalitions, candidates Candidates with
 * their PostElectionStatus; every constituency is a CandidateContest whose
 * selections carry the votes of every counted station and the
 * constituency's total; BallotCounts carry the ballots counted and
 * rejected at every level; CountStatus says how far the count is, and
 * tally's own statuses (annulled, the constituency's outcome) are
 * CountStatus items of type "other".
 */
#include "render/render.h"
#include "render/standards.h"
#include "render/xml.h"

#include <stdlib.h>
#include <string.h>

#define ERR_NS "http://itl.nist.gov/ns/voting/1500-100/v2"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define MAX_DEPTH RENDER_XML_MAX_DEPTH

/* ==== The writer of both forms ==== */

typedef struct errw {
	bool json;
	FILE *f;
	render_xml x;
	int jdepth;
	bool first[MAX_DEPTH]; /* JSON: nothing written yet at this level */
	bool idrefs_first;
	const char *lang;
} errw;

static void j_sep(errw *w)
{
	if (w->jdepth > 0) {
		if (!w->first[w->jdepth - 1])
			fputc(',', w->f);
		w->first[w->jdepth - 1] = false;
	}
}

static void j_key(errw *w, const char *name)
{
	j_sep(w);
	fprintf(w->f, "\"%s\":", name);
}

static void j_push(errw *w, char c)
{
	if (w->jdepth >= MAX_DEPTH)
		abort();
	fputc(c, w->f);
	w->first[w->jdepth++] = true;
}

/* A list of objects named "name" (JSON array; nothing in XML). */
static void list_begin(errw *w, const char *name)
{
	if (w->json) {
		j_key(w, name);
		j_push(w, '[');
	}
}

static void list_end(errw *w)
{
	if (w->json) {
		w->jdepth--;
		fputc(']', w->f);
	}
}

/* An object: element "elem" of ERR type "type"; "xsi" names the concrete
 * type where the element's type is abstract (or a base type), "id" its
 * ObjectId. In a list (in_list), JSON writes no key. */
static void obj_begin(errw *w, const char *elem, const char *type, const char *xsi,
                      const char *id, bool in_list)
{
	if (w->json) {
		if (in_list)
			j_sep(w);
		else
			j_key(w, elem);
		j_push(w, '{');
		if (id) {
			j_key(w, "@id");
			render_json_str(w->f, id);
		}
		j_key(w, "@type");
		fprintf(w->f, "\"ElectionResults.%s\"", type);
	} else {
		render_xml_begin(&w->x, elem);
		if (id)
			render_xml_attr(&w->x, "ObjectId", id);
		if (xsi)
			render_xml_attr(&w->x, "xsi:type", xsi);
	}
}

static void obj_end(errw *w)
{
	if (w->json) {
		w->jdepth--;
		fputc('}', w->f);
	} else {
		render_xml_end(&w->x);
	}
}

static void str(errw *w, const char *name, const char *v)
{
	if (w->json) {
		j_key(w, name);
		render_json_str(w->f, v);
	} else {
		render_xml_leaf(&w->x, name, v);
	}
}

static void u64(errw *w, const char *name, uint64_t v)
{
	if (w->json) {
		j_key(w, name);
		fprintf(w->f, "%llu", (unsigned long long)v);
	} else {
		render_xml_leaf_u64(&w->x, name, v);
	}
}

static void boolean(errw *w, const char *name, bool v)
{
	if (w->json) {
		j_key(w, name);
		fputs(v ? "true" : "false", w->f);
	} else {
		render_xml_leaf(&w->x, name, v ? "true" : "false");
	}
}

/* A list of references (xsd:IDREFS; a JSON array of strings). */
static void refs_begin(errw *w, const char *name)
{
	if (w->json) {
		j_key(w, name);
		j_push(w, '[');
	} else {
		render_xml_begin(&w->x, name);
	}
	w->idrefs_first = true;
}

static void ref(errw *w, const char *id)
{
	if (w->json) {
		j_sep(w);
		render_json_str(w->f, id);
	} else {
		if (!w->idrefs_first)
			render_xml_text(&w->x, " ");
		render_xml_text(&w->x, id);
	}
	w->idrefs_first = false;
}

static void refs_end(errw *w)
{
	if (w->json) {
		w->jdepth--;
		fputc(']', w->f);
	} else {
		render_xml_end(&w->x);
	}
}

/* InternationalizedText with one LanguageString. */
static void intl(errw *w, const char *name, const char *text)
{
	obj_begin(w, name, "InternationalizedText", NULL, NULL, false);
	if (w->json) {
		list_begin(w, "Text");
		obj_begin(w, "Text", "LanguageString", NULL, NULL, true);
		str(w, "Content", text);
		str(w, "Language", w->lang);
		obj_end(w);
		list_end(w);
	} else {
		render_xml_begin(&w->x, "Text");
		render_xml_attr(&w->x, "Language", w->lang);
		render_xml_text(&w->x, text);
		render_xml_end(&w->x);
	}
	obj_end(w);
}

/* The commission's own identifier of an object. */
static void ext_id(errw *w, const char *value)
{
	list_begin(w, "ExternalIdentifier");
	obj_begin(w, "ExternalIdentifier", "ExternalIdentifier", NULL, NULL, true);
	str(w, "Type", "national-level");
	str(w, "Value", value);
	obj_end(w);
	list_end(w);
}

static void count_status(errw *w, const char *status, const char *type, const char *other)
{
	obj_begin(w, "CountStatus", "CountStatus", NULL, NULL, true);
	str(w, "Status", status);
	str(w, "Type", type);
	if (other)
		str(w, "OtherType", other);
	obj_end(w);
}

static void vote_count(errw *w, const char *gp, const char *type, uint64_t n)
{
	obj_begin(w, "VoteCounts", "VoteCounts", NULL, NULL, true);
	str(w, "GpUnitId", gp);
	str(w, "Type", type);
	u64(w, "Count", n);
	obj_end(w);
}

static void ballot_counts(errw *w, const char *gp, const std_counts *k, const std_lines *L)
{
	obj_begin(w, "BallotCounts", "BallotCounts", NULL, NULL, true);
	str(w, "GpUnitId", gp);
	str(w, "Type", "total");
	u64(w, "BallotsCast", k->counted);
	if (L->n_rejected)
		u64(w, "BallotsRejected", k->rejected);
	obj_end(w);
}

/* ==== The report ==== */

static const char *count_progress(uint32_t reported, uint32_t expected)
{
	return reported >= expected ? "completed" : reported ? "in-process" : "not-processed";
}

static const char *party_ref(char buf[STD_ID_MAX], const tally_election *e, uint32_t cand)
{
	const tally_candidate *cd = &e->candidates[cand];
	if (cd->nominator == TALLY_NOM_PARTY)
		return std_id(buf, "party-", e->parties[cd->nominated_by].id);
	if (cd->nominator == TALLY_NOM_BLOC)
		return std_id(buf, "bloc-", e->blocs[cd->nominated_by].id);
	return NULL;
}

static void color(errw *w, const char *c)
{
	/* HtmlColorString: six lower-case hex digits, no '#' */
	if (c && c[0] == '#' && strlen(c) == 7) {
		char b[7];
		for (int i = 0; i < 6; i++) {
			char ch = c[i + 1];
			b[i] = ch >= 'A' && ch <= 'F' ? (char)(ch - 'A' + 'a') : ch;
		}
		b[6] = '\0';
		str(w, "Color", b);
	}
}

static void gpunits(errw *w, const tally_results *r, const std_lines *L)
{
	const tally_election *e = r->e;
	char id[STD_ID_MAX];
	std_counts k;
	list_begin(w, "GpUnit");

	/* the nation */
	obj_begin(w, "GpUnit", "ReportingUnit", "ReportingUnit", "nation", true);
	refs_begin(w, "ComposingGpUnitIds");
	for (uint32_t c = 0; c < e->n_constituencies; c++)
		ref(w, std_id(id, "con-", e->constituencies[c].id));
	refs_end(w);
	list_begin(w, "CountStatus");
	count_status(w, count_progress(r->reported, r->stations - r->annulled_stations), "total",
	             NULL);
	list_end(w);
	u64(w, "SubUnitsReported", r->reported);
	u64(w, "TotalSubUnits", r->stations - r->annulled_stations);
	str(w, "Type", "country");
	std_nation_counts(r, L, &k);
	u64(w, "VotersParticipated", k.cast);
	u64(w, "VotersRegistered", k.registered);
	obj_end(w);

	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency *con = &e->constituencies[c];
		const tally_constituency_result *cr = &r->cons[c];
		obj_begin(w, "GpUnit", "ReportingUnit", "ReportingUnit", std_id(id, "con-", con->id),
		          true);
		refs_begin(w, "ComposingGpUnitIds");
		for (uint32_t i = 0; i < con->n_stations; i++)
			ref(w, std_id(id, "st-", e->stations[con->stations[i]].id));
		refs_end(w);
		ext_id(w, con->id);
		intl(w, "Name", con->name);
		list_begin(w, "CountStatus");
		count_status(w, count_progress(cr->reported, cr->stations - cr->invalid_stations),
		             "total", NULL);
		if (cr->annulled)
			count_status(w, "completed", "other", "annulled");
		list_end(w);
		u64(w, "SubUnitsReported", cr->reported);
		u64(w, "TotalSubUnits", cr->stations - cr->invalid_stations);
		str(w, "Type", "other");
		str(w, "OtherType", "constituency");
		if (!cr->annulled) {
			std_constituency_counts(r, L, c, &k);
			u64(w, "VotersParticipated", k.cast);
			u64(w, "VotersRegistered", k.registered);
		}
		obj_end(w);
	}

	for (uint32_t s = 0; s < e->n_stations; s++) {
		const tally_station *st = &e->stations[s];
		const tally_station_result *sr = &r->st[s];
		obj_begin(w, "GpUnit", "ReportingUnit", "ReportingUnit", std_id(id, "st-", st->id),
		          true);
		ext_id(w, st->id);
		intl(w, "Name", st->name[0] ? st->name : st->id);
		list_begin(w, "CountStatus");
		count_status(w, sr->reported || sr->annulled ? "completed" : "not-processed", "total",
		             NULL);
		if (sr->annulled)
			count_status(w, "completed", "other", "annulled");
		list_end(w);
		str(w, "Type", "precinct");
		const uint32_t *v = std_station_counted(r, s) ? tally_results_station_values(r, s) : NULL;
		if (v) {
			std_station_counts(r, L, s, v, &k);
			u64(w, "VotersParticipated", k.cast);
			u64(w, "VotersRegistered", k.registered);
		} else {
			u64(w, "VotersRegistered", st->registered);
		}
		obj_end(w);
	}
	list_end(w);
}

static void parties(errw *w, const tally_election *e)
{
	char id[STD_ID_MAX];
	if (!e->n_parties && !e->n_blocs)
		return;
	list_begin(w, "Party");
	for (uint32_t i = 0; i < e->n_parties; i++) {
		const tally_party *p = &e->parties[i];
		obj_begin(w, "Party", "Party", NULL, std_id(id, "party-", p->id), true);
		intl(w, "Abbreviation", p->abbrev);
		color(w, p->color);
		ext_id(w, p->id);
		intl(w, "Name", p->name);
		obj_end(w);
	}
	for (uint32_t i = 0; i < e->n_blocs; i++) {
		const tally_bloc *b = &e->blocs[i];
		obj_begin(w, "Party", "Coalition", "Coalition", std_id(id, "bloc-", b->id), true);
		intl(w, "Abbreviation", b->abbrev);
		color(w, b->color);
		ext_id(w, b->id);
		intl(w, "Name", b->name);
		refs_begin(w, "PartyIds");
		for (uint32_t m = 0; m < b->n_members; m++)
			ref(w, std_id(id, "party-", e->parties[b->members[m]].id));
		refs_end(w);
		obj_end(w);
	}
	list_end(w);
}

static void candidates(errw *w, const tally_results *r)
{
	const tally_election *e = r->e;
	char id[STD_ID_MAX];
	if (!e->n_candidates)
		return;
	list_begin(w, "Candidate");
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency *con = &e->constituencies[c];
		const tally_constituency_result *cr = &r->cons[c];
		for (uint32_t i = 0; i < con->n_candidates; i++) {
			uint32_t ci = con->candidates[i];
			const tally_candidate *cd = &e->candidates[ci];
			obj_begin(w, "Candidate", "Candidate", NULL, std_id(id, "cand-", cd->id), true);
			intl(w, "BallotName", cd->name);
			ext_id(w, cd->id);
			const char *pid = party_ref(id, e, ci);
			if (pid)
				str(w, "PartyId", pid);
			/* a decided constituency names its winners; a failed, invalid
			 * or incomplete one names nobody */
			if (cr->outcome == TALLY_OUT_ELECTED)
				str(w, "PostElectionStatus", cr->seats[i] ? "winner" : "defeated");
			obj_end(w);
		}
	}
	list_end(w);
}

static void contests(errw *w, const tally_results *r)
{
	const tally_election *e = r->e;
	char id[STD_ID_MAX], gp[STD_ID_MAX];
	bool list_rule = std_rule_is_list(e), none = strcmp(e->system.rule, "none") == 0;
	list_begin(w, "Contest");
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		const tally_constituency *con = &e->constituencies[c];
		const tally_constituency_result *cr = &r->cons[c];
		obj_begin(w, "Contest", "CandidateContest", "CandidateContest",
		          std_id(id, "contest-", con->id), true);
		std_id(gp, "con-", con->id);
		if (con->n_candidates) {
			list_begin(w, "ContestSelection");
			for (uint32_t i = 0; i < con->n_candidates; i++) {
				const tally_candidate *cd = &e->candidates[con->candidates[i]];
				obj_begin(w, "ContestSelection", "CandidateSelection", "CandidateSelection",
				          std_id(id, "sel-", cd->id), true);
				u64(w, "SequenceOrder", i + 1);
				/* an annulled constituency's votes do not count */
				if (!cr->annulled) {
					list_begin(w, "VoteCounts");
					vote_count(w, gp, "total", cr->votes[i]);
					if (list_rule && cr->n_elected)
						vote_count(w, gp, "seats", cr->seats[i]);
					for (uint32_t k = 0; k < con->n_stations; k++) {
						uint32_t s = con->stations[k];
						const uint32_t *v;
						if (!std_station_counted(r, s) ||
						    !(v = tally_results_station_values(r, s)))
							continue;
						vote_count(w, std_id(id, "st-", e->stations[s].id), "total",
						           v[e->tmpl->n_lines + i]);
					}
					list_end(w);
				}
				refs_begin(w, "CandidateIds");
				ref(w, std_id(id, "cand-", cd->id));
				refs_end(w);
				obj_end(w);
			}
			list_end(w);
		}
		list_begin(w, "CountStatus");
		count_status(w, count_progress(cr->reported, cr->stations - cr->invalid_stations),
		             "total", NULL);
		char other[48];
		snprintf(other, sizeof other, "outcome-%s", std_outcome_code(cr->outcome));
		count_status(w, cr->outcome == TALLY_OUT_INCOMPLETE ? "in-process" : "completed",
		             "other", other);
		list_end(w);
		str(w, "ElectionDistrictId", gp);
		ext_id(w, con->id);
		str(w, "Name", con->name);
		u64(w, "SubUnitsReported", cr->reported);
		u64(w, "TotalSubUnits", cr->stations - cr->invalid_stations);
		if (!none)
			str(w, "VoteVariation", list_rule           ? "proportional"
			                        : con->magnitude > 1 ? "n-of-m"
			                                             : "plurality");
		if (!none)
			u64(w, "NumberElected", con->magnitude);
		u64(w, "VotesAllowed", list_rule ? 1 : con->magnitude);
		obj_end(w);
	}
	list_end(w);
}

static void election(errw *w, const tally_results *r, const std_lines *L)
{
	const tally_election *e = r->e;
	char id[STD_ID_MAX];
	std_counts k;
	list_begin(w, "Election");
	obj_begin(w, "Election", "Election", NULL, NULL, true);

	list_begin(w, "BallotCounts");
	std_nation_counts(r, L, &k);
	ballot_counts(w, "nation", &k, L);
	for (uint32_t c = 0; c < e->n_constituencies; c++) {
		if (r->cons[c].annulled)
			continue;
		std_constituency_counts(r, L, c, &k);
		ballot_counts(w, std_id(id, "con-", e->constituencies[c].id), &k, L);
	}
	for (uint32_t s = 0; s < e->n_stations; s++) {
		const uint32_t *v;
		if (!std_station_counted(r, s) || !(v = tally_results_station_values(r, s)))
			continue;
		std_station_counts(r, L, s, v, &k);
		ballot_counts(w, std_id(id, "st-", e->stations[s].id), &k, L);
	}
	list_end(w);

	candidates(w, r);
	contests(w, r);
	list_begin(w, "CountStatus");
	count_status(w, count_progress(r->reported, r->stations - r->annulled_stations), "total",
	             NULL);
	list_end(w);
	str(w, "ElectionScopeId", "nation");
	ext_id(w, e->id);
	intl(w, "Name", e->name);
	str(w, "StartDate", e->date);
	str(w, "EndDate", e->date);
	str(w, "Type", "general");
	obj_end(w);
	list_end(w);
}

int render_err(FILE *f, const tally_results *r, bool json, const render_std_opts *o,
               uint64_t *replaced)
{
	const tally_election *e = r->e;
	errw w;
	memset(&w, 0, sizeof w);
	w.json = json;
	w.f = f;
	w.lang = o->language && *o->language ? o->language : "und";
	std_lines L;
	std_lines_init(e->tmpl, &L);
	bool complete = r->reported + r->annulled_stations >= r->stations;
	for (uint32_t c = 0; c < e->n_constituencies; c++)
		complete = complete && std_constituency_complete(r, c);

	if (json) {
		j_push(&w, '{');
	} else {
		render_xml_init(&w.x, f);
		render_xml_begin(&w.x, "ElectionReport");
		render_xml_attr(&w.x, "xmlns", ERR_NS);
		render_xml_attr(&w.x, "xmlns:xsi", XSI_NS);
	}
	if (json) {
		j_key(&w, "@type");
		fputs("\"ElectionResults.ElectionReport\"", f);
	}
	election(&w, r, &L);
	str(&w, "Format", "precinct-level");
	str(&w, "GeneratedDate", o->generated);
	gpunits(&w, r, &L);
	str(&w, "Issuer", o->issuer);
	str(&w, "IssuerAbbreviation", o->issuer_abbrev);
	boolean(&w, "IsTest", false);
	parties(&w, e);
	u64(&w, "SequenceStart", 1);
	u64(&w, "SequenceEnd", 1);
	str(&w, "Status", complete ? "unofficial-complete" : "unofficial-partial");
	str(&w, "VendorApplicationId", "tally " TALLY_VERSION_STRING);
	int rc;
	if (json) {
		w.jdepth--;
		fputs("}\n", f);
		rc = ferror(f) ? -1 : 0;
	} else {
		rc = render_xml_finish(&w.x);
	}
	/* render_json_str writes a bad byte as U+FFFD too; XML counts its own */
	*replaced = w.x.replaced;
	return rc;
}
