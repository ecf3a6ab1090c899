/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixture.h: a small election used by the core unit tests: 3 single-member
 * constituencies (C1 with 5 stations, C2 with 2, C3 with 1), template az-mm,
 * parties A, B, C (B and C form bloc BL), candidates of every nominator.
 */
#ifndef TALLY_FIXTURE_H
#define TALLY_FIXTURE_H

static const char fixture_def[] =
	"{\"format\": \"tally-definition/1\","
	" \"election\": {\"id\": \"t1\", \"name\": \"Test\", \"date\": \"2015-11-01\","
	"   \"body\": \"Assembly\", \"seats\": 3, \"double_entry\": true},"
	" \"system\": {\"rule\": \"plurality\", \"tie\": \"fail\"},"
	" \"template\": \"az-mm\","
	" \"contests\": [{\"id\": \"mm\", \"name\": \"Assembly\"}],"
	" \"constituencies\": ["
	"   {\"id\": \"C1\", \"name\": \"One\", \"contest\": \"mm\", \"magnitude\": 1},"
	"   {\"id\": \"C2\", \"name\": \"Two\", \"contest\": \"mm\", \"magnitude\": 1},"
	"   {\"id\": \"C3\", \"name\": \"Three\", \"contest\": \"mm\", \"magnitude\": 1}],"
	" \"parties\": [{\"id\": \"A\", \"name\": \"Party A\", \"color\": \"#112233\"},"
	"   {\"id\": \"B\", \"name\": \"Party B\"}, {\"id\": \"C\", \"name\": \"Party C\"}],"
	" \"blocs\": [{\"id\": \"BL\", \"name\": \"Bloc\", \"members\": [\"B\", \"C\"]}],"
	" \"stations\": ["
	"   {\"id\": \"S11\", \"constituency\": \"C1\", \"registered\": 1000},"
	"   {\"id\": \"S12\", \"constituency\": \"C1\", \"registered\": 1000},"
	"   {\"id\": \"S13\", \"constituency\": \"C1\", \"registered\": 1000},"
	"   {\"id\": \"S14\", \"constituency\": \"C1\", \"registered\": 1000},"
	"   {\"id\": \"S15\", \"constituency\": \"C1\", \"registered\": 1000, \"type\": \"mobile\"},"
	"   {\"id\": \"S21\", \"constituency\": \"C2\", \"registered\": 500, \"area\": \"North\"},"
	"   {\"id\": \"S22\", \"constituency\": \"C2\", \"registered\": 500, \"type\": \"abroad\"},"
	"   {\"id\": \"S31\", \"constituency\": \"C3\", \"registered\": 800}],"
	" \"candidates\": ["
	"   {\"id\": \"K11\", \"name\": \"Ann\", \"constituency\": \"C1\", \"nominator\": \"party\", \"party\": \"A\"},"
	"   {\"id\": \"K12\", \"name\": \"Bob\", \"constituency\": \"C1\", \"nominator\": \"bloc\", \"bloc\": \"BL\"},"
	"   {\"id\": \"K13\", \"name\": \"Cid\", \"constituency\": \"C1\", \"nominator\": \"self\"},"
	"   {\"id\": \"K21\", \"name\": \"Dan\", \"constituency\": \"C2\", \"nominator\": \"party\", \"party\": \"B\"},"
	"   {\"id\": \"K22\", \"name\": \"Eve\", \"constituency\": \"C2\", \"nominator\": \"initiative\", \"group\": \"Friends\"},"
	"   {\"id\": \"K31\", \"name\": \"Fay\", \"constituency\": \"C3\", \"nominator\": \"party\", \"party\": \"A\"},"
	"   {\"id\": \"K32\", \"name\": \"Gus\", \"constituency\": \"C3\", \"nominator\": \"party\", \"party\": \"C\"}]}";

/* Fills a consistent az-mm protocol for station "st" of "e" with the given
 * candidate votes (n values): received = sum + invalid, etc. */
static inline void fixture_protocol(const tally_election *e, uint32_t st, const uint64_t *votes,
                                    uint32_t n, uint64_t invalid, tally_protocol *p)
{
	tally_protocol_init(p, e, st);
	uint64_t valid = 0;
	for (uint32_t i = 0; i < n; i++) {
		p->cand[i] = votes[i];
		valid += votes[i];
	}
	const tally_template *t = e->tmpl;
	uint64_t received = valid + invalid;
#define L(k) p->lines[tally_template_line(t, k)]
	L("voters_on_list") = e->stations[st].registered;
	L("ballots_received") = e->stations[st].registered;
	L("voters_received") = received;
	L("issued_outside") = 0;
	L("unused") = e->stations[st].registered - received;
	L("cancelled") = 0;
	L("in_mobile") = 0;
	L("in_stationary") = received;
	L("valid") = valid;
	L("invalid") = invalid;
#undef L
}

#endif
