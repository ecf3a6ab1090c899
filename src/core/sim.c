/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.c: the synthetic national election behind `tally simulate` and the
 * demo, shaped like the Azerbaijani Milli Majlis election of 1 November 2015
 * (Election Code of the Republic of Azerbaijan, arts. 29, 106, 167-170; docs/methods.md).
 * It builds the election through the model builder (so the model's own
 * checks vet it), draws registered voters, turnout and votes for every
 * polling station, writes each station's protocol on the template's lines
 * (read from the template at run time, so every control relation holds),
 * and produces what a results night receives: two independent entries of
 * every protocol with injected typing mistakes and refused protocols, the
 * third entries that settle them, intraday turnout reports and the station
 * annulments that make a constituency invalid (art. 170.2).
 *
 * Everything random comes from tally__rng streams derived from the seed,
 * one stream per purpose, so that (for example) asking for more typos does
 * not change the votes. Floating point is used only to draw numbers; every
 * count written is an integer and every relation is checked exactly.
 *
 * What is produced (tally_sim):
 *   - with double entry (the default): round[0] holds an entry of every
 *     station that is not annulled by operator "op-<constituency>-a",
 *     "typos" of them with two candidates' numbers mistyped (still
 *     consistent, so only double entry catches them) and "bad_protocols"
 *     of them breaking an error relation (AZ03: a candidate's votes do not
 *     add up to the valid ballots; refused by the checks); round[1] holds
 *     the true protocol of the same stations by "op-<constituency>-b";
 *     round[2] holds the true protocol of exactly the mistyped and refused
 *     stations by "op-<constituency>-c", in station order. Fed in order
 *     through tally_entry_decide, every station ends accepted with its true
 *     protocol.
 *   - without double entry: round[0] holds one entry per station (no typos,
 *     since nothing could catch them; "typos" is ignored), the refused ones
 *     included; round[1] holds the corrected entries of the refused
 *     stations by the same operator; round[2] is empty.
 *   - "warnings" stations have a true protocol that breaks a warning
 *     relation only (AZ06: a few more ballots in the mobile boxes than were
 *     issued outside the station), in every round.
 *   - annulled stations (see "invalid") carry no entries and no turnout
 *     reports: voting there was disrupted and no result can be established.
 *   - turnout: five reports per station that is not annulled (10:00, 12:00,
 *     15:00, 17:00, 19:00), all 10:00 reports first, then 12:00, ...; each
 *     station's reports are cumulative and the last equals its protocol's
 *     voters_received.
 *   - fraud (off by default): chosen shares of the ordinary stations carry
 *     Klimek et al.'s incremental or extreme fraud, or turnout and leader
 *     share rounded up to whole percentages; fraud[] says which. Its random
 *     numbers come from their own stream, so the other stations' protocols
 *     are those of the same seed without fraud.
 */
#include "core_int.h"
#include "tally/forensics.h"

#include <math.h>

/* ==== Static tables ==== */

/* Constituencies as districts: a district with n > 1 gives "Nasimi 1" ..
 * "Nasimi n". The table adds up to 125 (SIM_TABLE_SEATS); more
 * constituencies than that repeat the table with higher numbers. */
typedef struct sim_district {
	const char *name, *region;
	uint32_t n;
	bool urban;
} sim_district;

static const sim_district districts[] = {
	{"Binagadi", "Baku", 4, true},     {"Garadagh", "Baku", 2, true},
	{"Khatai", "Baku", 4, true},       {"Khazar", "Baku", 2, true},
	{"Narimanov", "Baku", 3, true},    {"Nasimi", "Baku", 4, true},
	{"Nizami", "Baku", 3, true},       {"Pirallahi", "Baku", 1, true},
	{"Sabail", "Baku", 1, true},       {"Sabunchu", "Baku", 4, true},
	{"Surakhani", "Baku", 4, true},    {"Yasamal", "Baku", 4, true},
	{"Sumgait", "Absheron", 3, true},  {"Ganja", "Ganja-Gazakh", 3, true},
	{"Mingachevir", "Aran", 1, true},  {"Shirvan", "Aran", 1, true},
	{"Lankaran", "Lankaran", 2, true}, {"Shaki", "Shaki-Zagatala", 2, true},
	{"Nakhchivan", "Nakhchivan", 2, true}, {"Yevlakh", "Aran", 1, true},
	{"Absheron", "Absheron", 1, false}, {"Khizi", "Absheron", 1, false},
	{"Guba", "Guba-Khachmaz", 2, false}, {"Gusar", "Guba-Khachmaz", 1, false},
	{"Khachmaz", "Guba-Khachmaz", 2, false}, {"Shabran", "Guba-Khachmaz", 1, false},
	{"Siyazan", "Guba-Khachmaz", 1, false}, {"Shamakhi", "Mountainous Shirvan", 1, false},
	{"Ismayilli", "Mountainous Shirvan", 1, false}, {"Agsu", "Mountainous Shirvan", 1, false},
	{"Gobustan", "Mountainous Shirvan", 1, false}, {"Gabala", "Shaki-Zagatala", 1, false},
	{"Oghuz", "Shaki-Zagatala", 1, false}, {"Gakh", "Shaki-Zagatala", 1, false},
	{"Zagatala", "Shaki-Zagatala", 2, false}, {"Balakan", "Shaki-Zagatala", 1, false},
	{"Gazakh", "Ganja-Gazakh", 1, false}, {"Agstafa", "Ganja-Gazakh", 1, false},
	{"Tovuz", "Ganja-Gazakh", 2, false}, {"Shamkir", "Ganja-Gazakh", 2, false},
	{"Gadabay", "Ganja-Gazakh", 1, false}, {"Dashkasan", "Ganja-Gazakh", 1, false},
	{"Goygol", "Ganja-Gazakh", 1, false}, {"Samukh", "Ganja-Gazakh", 1, false},
	{"Goranboy", "Ganja-Gazakh", 1, false}, {"Agdash", "Aran", 1, false},
	{"Goychay", "Aran", 1, false},      {"Ujar", "Aran", 1, false},
	{"Zardab", "Aran", 1, false},       {"Kurdamir", "Aran", 1, false},
	{"Imishli", "Aran", 1, false},      {"Saatly", "Aran", 1, false},
	{"Sabirabad", "Aran", 2, false},    {"Hajigabul", "Aran", 1, false},
	{"Barda", "Aran", 2, false},        {"Agjabadi", "Aran", 1, false},
	{"Beylagan", "Aran", 1, false},     {"Tartar", "Aran", 1, false},
	{"Salyan", "Aran", 1, false},       {"Neftchala", "Aran", 1, false},
	{"Bilasuvar", "Aran", 1, false},    {"Jalilabad", "Lankaran", 2, false},
	{"Masally", "Lankaran", 2, false},  {"Lerik", "Lankaran", 1, false},
	{"Yardimli", "Lankaran", 1, false}, {"Astara", "Lankaran", 1, false},
	{"Sharur", "Nakhchivan", 2, false}, {"Babek", "Nakhchivan", 1, false},
	{"Ordubad", "Nakhchivan", 1, false}, {"Julfa", "Nakhchivan", 1, false},
	{"Shahbuz", "Nakhchivan", 1, false}, {"Kangarli", "Nakhchivan", 1, false},
	{"Aghdam", "Karabakh", 2, false},   {"Fuzuli", "Karabakh", 2, false},
	{"Jabrayil", "Karabakh", 1, false}, {"Kalbajar", "Karabakh", 1, false},
	{"Lachin", "Karabakh", 1, false},   {"Shusha", "Karabakh", 1, false},
	{"Khojaly", "Karabakh", 1, false},  {"Khojavend", "Karabakh", 1, false},
	{"Gubadli", "Karabakh", 1, false},  {"Zangilan", "Karabakh", 1, false},
};
#define N_DISTRICTS (sizeof districts / sizeof districts[0])
#define SIM_TABLE_SEATS 125u
/* Abroad stations are attached to the first constituencies (Baku's), art. 29.2. */
#define SIM_ABROAD_CONS 37u

typedef struct sim_party {
	const char *id, *name, *abbrev, *color;
} sim_party;

/* The 13 parties that stood in 2015 (names in English, abbreviations as
 * in Azerbaijani). */
static const sim_party parties[] = {
	{"yap", "New Azerbaijan Party", "YAP", "#1f5fbf"},
	{"civic-solidarity", "Civic Solidarity Party", "VHP", "#2e8b57"},
	{"motherland", "Motherland Party", "AVP", "#c62828"},
	{"great-order", "Great Order Party", "BQP", "#6a1b9a"},
	{"whole-popular-front", "Whole Azerbaijan Popular Front Party", "BAXCP", "#ef6c00"},
	{"democratic-reforms", "Democratic Reforms Party", "ADIP", "#00838f"},
	{"unity", "Unity Party", "VP", "#ad1457"},
	{"civic-unity", "Civic Unity Party", "VBP", "#7cb342"},
	{"democratic-enlightenment", "Democratic Enlightenment Party", "ADMP", "#5d4037"},
	{"national-revival", "National Revival Movement Party", "MDHP", "#f9a825"},
	{"social-democratic", "Social Democratic Party", "ASDP", "#e53935"},
	{"musavat", "Musavat Party", "Musavat", "#1a237e"},
	{"hope", "Hope Party", "Umid", "#00796b"},
};
#define N_PARTIES (sizeof parties / sizeof parties[0])
enum { P_YAP = 0, P_MUSAVAT = 11, P_HOPE = 12 };

/* Who wins the constituencies the small parties won in 2015 (one each,
 * Civic Solidarity two), in order; scaled with the constituencies. */
static const uint32_t small_winners[] = {1, 1, 4, 3, 2, 5, 6, 7, 8, 9, 10};
#define N_SMALL_WINNERS (sizeof small_winners / sizeof small_winners[0])
#define SIM_YAP_SEATS 70u /* of 125; the rest are independents */

static const char *const male_names[] = {
	"Elnur", "Rashad", "Tural", "Anar", "Vugar", "Elchin", "Ramil", "Farid", "Kamran",
	"Orkhan", "Ilgar", "Rauf", "Samir", "Zaur", "Fuad", "Eldar", "Mahir", "Nizami",
	"Ali", "Rufat", "Azer", "Elshad", "Javid", "Namig", "Rovshan", "Tahir", "Vusal",
	"Ziyad", "Adil", "Arif", "Bahruz", "Emin", "Fazil", "Hikmat", "Jeyhun", "Malik",
	"Nazim", "Oktay", "Rasim", "Sahib", "Tofig", "Yashar", "Zahid", "Aydin", "Gudrat",
};
static const char *const female_names[] = {
	"Aynur", "Leyla", "Gunel", "Sevinj", "Nigar", "Aysel", "Konul", "Narmin", "Sabina",
	"Lala", "Ulviyya", "Gulnara", "Shahla", "Malahat", "Ganira", "Bahar", "Jamila", "Rena",
};
/* Surnames in their masculine form; women's add "a" (Mammadov -> Mammadova). */
static const char *const surnames[] = {
	"Mammadov", "Aliyev", "Hasanov", "Huseynov", "Guliyev", "Ismayilov", "Abbasov",
	"Babayev", "Jafarov", "Rzayev", "Mustafayev", "Gasimov", "Karimov", "Ahmadov",
	"Valiyev", "Suleymanov", "Rahimov", "Hajiyev", "Ibrahimov", "Musayev", "Nabiyev",
	"Orujov", "Safarov", "Salimov", "Taghiyev", "Zeynalov", "Yusifov", "Bagirov",
	"Najafov", "Sadigov", "Agayev", "Asadov", "Amirov", "Mirzayev", "Novruzov",
	"Pashayev", "Khalilov", "Shukurov", "Gurbanov", "Allahverdiyev", "Heydarov",
	"Askarov", "Bayramov", "Imanov", "Kazimov", "Maharramov", "Nasirov", "Qafarov",
};
#define N_OF(a) ((uint32_t)(sizeof(a) / sizeof(a)[0]))

typedef struct sim_place {
	const char *city, *country;
} sim_place;

static const sim_place abroad_places[] = {
	{"Moscow", "Russia"}, {"Ankara", "Turkey"}, {"Istanbul", "Turkey"},
	{"Tbilisi", "Georgia"}, {"Kyiv", "Ukraine"}, {"Tehran", "Iran"},
	{"Tabriz", "Iran"}, {"Berlin", "Germany"}, {"London", "United Kingdom"},
	{"Paris", "France"}, {"Washington", "United States"}, {"Astana", "Kazakhstan"},
	{"Tashkent", "Uzbekistan"}, {"Minsk", "Belarus"}, {"Riyadh", "Saudi Arabia"},
	{"Cairo", "Egypt"}, {"Beijing", "China"}, {"Tokyo", "Japan"}, {"Rome", "Italy"},
	{"Vienna", "Austria"}, {"Brussels", "Belgium"}, {"Doha", "Qatar"},
	{"Abu Dhabi", "United Arab Emirates"}, {"Kuwait City", "Kuwait"},
	{"Ashgabat", "Turkmenistan"}, {"Chisinau", "Moldova"}, {"Bucharest", "Romania"},
	{"Warsaw", "Poland"}, {"Madrid", "Spain"}, {"The Hague", "Netherlands"},
	{"Stockholm", "Sweden"}, {"Tallinn", "Estonia"}, {"Riga", "Latvia"},
	{"Vilnius", "Lithuania"}, {"Aktau", "Kazakhstan"}, {"Saint Petersburg", "Russia"},
	{"Yekaterinburg", "Russia"},
};

/* Intraday reports (art. 1.6 of the reference: 2015 practice) and the share
 * of the day's voters who had received a ballot by each of them, shaped on
 * 2015: 12.8 % of the registered at 10:00, 55.7 % at 19:00. */
static const uint32_t report_minutes[] = {600, 720, 900, 1020, 1140};
static const double report_share[] = {0.230, 0.465, 0.720, 0.890, 1.0};
#define N_REPORTS 5u
#define SIM_MAX_CAND 9u /* candidates in one constituency */

#define ANNUL_REASON "voting disrupted; results cannot be established (art. 170.2.1)"

/* The template lines the simulation writes (preset az-mm). */
enum {
	L_LIST, L_BALLOTS, L_RECEIVED, L_OUTSIDE, L_UNUSED, L_CANCELLED, L_MOBILE,
	L_STATIONARY, L_VALID, L_INVALID, L_COUNT
};
static const char *const line_keys[L_COUNT] = {
	"voters_on_list", "ballots_received", "voters_received", "issued_outside", "unused",
	"cancelled", "in_mobile", "in_stationary", "valid", "invalid",
};

/* Station marks. */
enum { M_NONE, M_TYPO, M_BAD, M_WARN, M_ANNUL };

/* Who is meant to win a constituency. */
enum { W_YAP, W_INDEPENDENT, W_SMALL };
/* A constituency's role in the options. */
enum { R_NORMAL, R_TIE, R_INVALID };

/* Random streams, one per purpose (see the file comment). */
enum { S_VOTERS = 1, S_STRUCTURE, S_CHOICE, S_VOTES, S_MARKS, S_TURNOUT, S_FRAUD };

typedef struct sim_cons {
	uint32_t district, number; /* name: district and its number (0: none) */
	uint32_t first_station, n_stations, n_abroad;
	uint32_t first_cand, n_cand;
	uint64_t voters;
	int winner_kind, role;
	uint32_t winner_party;     /* W_SMALL: the party */
	double turnout;
} sim_cons;

/* A candidate while a ballot is being drawn up. */
typedef struct sim_cand {
	char name[64];
	char surname[32];
	tally_nominator nom;
	uint32_t by;
	double weight;
	int designated;  /* 1 winner, 2 runner-up of a tie */
} sim_cand;

/* ==== Random helpers ==== */

static void stream(tally__rng *r, uint64_t seed, uint64_t purpose)
{
	uint64_t st = seed ^ (purpose * 0xd1b54a32d192ed03ULL);
	tally__rng_seed(r, tally__splitmix64(&st));
}

static double uniform(tally__rng *r, double lo, double hi)
{
	return lo + (hi - lo) * tally__rng_unit(r);
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* binomial(n, p) in O(1) expected time: CDF inversion for a small mean,
 * the normal approximation otherwise. Good enough for a simulation (the
 * core's exact draw walks n trials, too slow for a million stations). */
static uint64_t binomial(tally__rng *r, uint64_t n, double p)
{
	if (n == 0 || !(p > 0.0))
		return 0;
	if (p >= 1.0)
		return n;
	if (p > 0.5)
		return n - binomial(r, n, 1.0 - p);
	double mean = (double)n * p;
	if (mean < 30.0) {
		double q = 1.0 - p, s = p / q, a = (double)(n + 1) * s;
		double f = pow(q, (double)n), u = tally__rng_unit(r);
		uint64_t x = 0;
		while (u > f && x < n && f > 0.0) {
			u -= f;
			x++;
			f *= a / (double)x - s;
		}
		return x;
	}
	double x = floor(mean + sqrt(mean * (1.0 - p)) * tally__rng_normal(r) + 0.5);
	if (x < 0.0)
		return 0;
	if (x > (double)n)
		return n;
	return (uint64_t)x;
}

/* gamma(a, 1) (Marsaglia and Tsang); a > 0. */
static double gamma_draw(tally__rng *r, double a)
{
	if (a < 1.0) {
		double u = tally__rng_unit(r);
		return gamma_draw(r, a + 1.0) * pow(u > 1e-300 ? u : 1e-300, 1.0 / a);
	}
	double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		double x = tally__rng_normal(r), v = 1.0 + c * x;
		if (v <= 0.0)
			continue;
		v = v * v * v;
		double u = tally__rng_unit(r);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (u > 0.0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

/* Partial Fisher-Yates: the first k of v[0..n) become a uniform sample. */
static void shuffle_prefix(tally__rng *r, uint32_t *v, uint32_t n, uint32_t k)
{
	for (uint32_t i = 0; i < k && i + 1 < n; i++) {
		uint32_t j = i + (uint32_t)tally__rng_below(r, n - i);
		uint32_t t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* ==== Options ==== */

void tally_sim_options_default(tally_sim_options *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 2015;
	o->constituencies = 125;
	o->stations = 5500;
	o->voters = 0; /* drawn from the seed: 5,200,000-5,900,000 per 5,500 stations */
	o->ties = 0;
	o->invalid = 0;
	o->bad_protocols = 6;
	o->typos = 12;
	o->warnings = 4;
	o->double_entry = true;
}

static int bad_option(tally_error *err, const char *where, const char *msg)
{
	return tally_error_set(err, TALLY_EINVAL, "S101", where, "%s", msg);
}

static int check_options(const tally_sim_options *o, tally_error *err)
{
	char msg[256];
	if (o->constituencies < 1 || o->constituencies > TALLY_MAX_CONSTITUENCIES) {
		snprintf(msg, sizeof msg, "constituencies must be 1 to %d, not %u",
		         TALLY_MAX_CONSTITUENCIES, o->constituencies);
		return bad_option(err, "constituencies", msg);
	}
	if (o->stations < o->constituencies || o->stations > TALLY_MAX_STATIONS) {
		snprintf(msg, sizeof msg,
		         "stations must be at least the constituencies (%u) and at most %d, not %u",
		         o->constituencies, TALLY_MAX_STATIONS, o->stations);
		return bad_option(err, "stations", msg);
	}
	if ((uint64_t)o->ties + o->invalid > o->constituencies) {
		snprintf(msg, sizeof msg,
		         "ties (%u) and invalid constituencies (%u) together exceed the %u "
		         "constituencies",
		         o->ties, o->invalid, o->constituencies);
		return bad_option(err, "ties", msg);
	}
	uint64_t marked = (uint64_t)o->bad_protocols + o->warnings + (o->double_entry ? o->typos : 0);
	if (marked > o->stations) {
		snprintf(msg, sizeof msg,
		         "typos, bad protocols and warnings (%llu in all) exceed the %u stations",
		         (unsigned long long)marked, o->stations);
		return bad_option(err, "typos", msg);
	}
	double fi = o->fraud_incremental, fe = o->fraud_extreme, fr = o->fraud_rounding;
	/* written so that NaN fails too */
	if (!(fi >= 0 && fi <= 1 && fe >= 0 && fe <= 1 && fr >= 0 && fr <= 1 && fi + fe + fr <= 1)) {
		snprintf(msg, sizeof msg,
		         "fraud shares must be 0 to 1 and add up to at most 1, not incremental %g, "
		         "extreme %g, rounding %g",
		         fi, fe, fr);
		return tally_error_set(err, TALLY_EINVAL, "S102", "fraud", "%s", msg);
	}
	if (!(o->fraud_theta >= 0 && o->fraud_theta <= 1 && o->fraud_alpha >= 0 &&
	      o->fraud_alpha <= 4)) {
		snprintf(msg, sizeof msg, "fraud theta must be 0 to 1 and alpha 0 to 4, not %g and %g",
		         o->fraud_theta, o->fraud_alpha);
		return tally_error_set(err, TALLY_EINVAL, "S102", "fraud", "%s", msg);
	}
	if (o->voters && (o->voters < 50ULL * o->stations || o->voters > 100000ULL * o->stations)) {
		snprintf(msg, sizeof msg,
		         "voters must be 50 to 100,000 per station (%llu to %llu for %u stations), "
		         "not %llu",
		         50ULL * o->stations, 100000ULL * o->stations, o->stations,
		         (unsigned long long)o->voters);
		return bad_option(err, "voters", msg);
	}
	return TALLY_OK;
}

/* ==== Building the election ==== */

/* Only memory can fail here: the simulation makes valid ids and references,
 * so anything else is a bug. */
static int add_failed(tally_error *err, int rc, const char *what, const char *id)
{
	TALLY_ASSERT(rc == TALLY_ENOMEM);
	return tally_error_set(err, rc, "", id, "simulation: out of memory adding %s '%s'", what, id);
}

static uint32_t digits(uint64_t v)
{
	uint32_t d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* The district and number of constituency c. */
static void cons_place(uint32_t c, sim_cons *pc)
{
	uint32_t pass = c / SIM_TABLE_SEATS, k = c % SIM_TABLE_SEATS, i = 0;
	while (i < N_DISTRICTS && k >= districts[i].n) {
		k -= districts[i].n;
		i++;
	}
	TALLY_ASSERT(i < N_DISTRICTS);
	pc->district = i;
	/* "Sabail" alone; "Nasimi 1".."Nasimi 4"; later passes continue the numbers */
	pc->number = (districts[i].n == 1 && pass == 0) ? 0 : pass * districts[i].n + k + 1;
}

static void cons_name(const sim_cons *pc, char *buf, size_t size)
{
	if (pc->number)
		snprintf(buf, size, "%s %u", districts[pc->district].name, pc->number);
	else
		snprintf(buf, size, "%s", districts[pc->district].name);
}

/* Splits "total" over n parts by weight w (cumulative rounding, so the
 * parts add up exactly), each part at least "min". */
static void split_by_weight(uint64_t total, const double *w, uint32_t n, uint64_t min,
                            uint64_t *out)
{
	double sum = 0.0, cum = 0.0;
	for (uint32_t i = 0; i < n; i++)
		sum += w[i];
	TALLY_ASSERT(total >= min * n && sum > 0.0);
	uint64_t rest = total - min * n, given = 0;
	for (uint32_t i = 0; i < n; i++) {
		cum += w[i];
		uint64_t upto = i + 1 == n ? rest : (uint64_t)floor(cum / sum * (double)rest);
		if (upto > rest)
			upto = rest;
		if (upto < given)
			upto = given;
		out[i] = min + (upto - given);
		given = upto;
	}
}

/* Plans constituencies: voters, station counts, abroad stations. */
static int plan_constituencies(const tally_sim_options *o, uint64_t voters, tally__rng *r,
                               sim_cons *cons)
{
	uint32_t C = o->constituencies;
	double *w = tally_malloc(C * sizeof *w);
	uint64_t *v = tally_malloc(C * sizeof *v);
	int rc = TALLY_OK;
	if (!w || !v) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	/* art. 29: constituencies are formed on an average voter norm, with
	 * some deviation */
	for (uint32_t c = 0; c < C; c++) {
		cons_place(c, &cons[c]);
		w[c] = clamp(1.0 + 0.05 * tally__rng_normal(r), 0.85, 1.15);
	}
	split_by_weight(voters, w, C, 0, v);
	for (uint32_t c = 0; c < C; c++) {
		cons[c].voters = v[c];
		/* urban stations are bigger, so urban constituencies have fewer */
		w[c] = (double)v[c] / (districts[cons[c].district].urban ? 1.0 : 0.55) *
		       clamp(1.0 + 0.05 * tally__rng_normal(r), 0.9, 1.1);
	}
	split_by_weight(o->stations, w, C, 1, v);
	uint32_t first = 0;
	for (uint32_t c = 0; c < C; c++) {
		cons[c].first_station = first;
		cons[c].n_stations = (uint32_t)v[c];
		first += cons[c].n_stations;
	}
	TALLY_ASSERT(first == o->stations);
	/* art. 29.2: voters abroad are attached to designated constituencies */
	uint32_t abroad = o->stations / 150, host = C < SIM_ABROAD_CONS ? C : SIM_ABROAD_CONS;
	for (uint32_t placed = 0, c = 0, idle = 0; placed < abroad && idle < host; c = (c + 1) % host) {
		if (cons[c].n_stations >= cons[c].n_abroad + 3) {
			cons[c].n_abroad++;
			placed++;
			idle = 0;
		} else {
			idle++;
		}
	}
out:
	tally_free(w);
	tally_free(v);
	return rc;
}

/* Who wins where, and which constituencies tie or are invalid. */
static int plan_outcomes(const tally_sim_options *o, tally__rng *structure, tally__rng *choice,
                         sim_cons *cons)
{
	uint32_t C = o->constituencies;
	uint32_t *ix = tally_malloc(C * sizeof *ix);
	if (!ix)
		return TALLY_ENOMEM;
	uint32_t n_small = (uint32_t)(((uint64_t)N_SMALL_WINNERS * C + SIM_TABLE_SEATS / 2) /
	                              SIM_TABLE_SEATS);
	uint32_t n_yap = (uint32_t)(((uint64_t)SIM_YAP_SEATS * C + SIM_TABLE_SEATS / 2) /
	                            SIM_TABLE_SEATS);
	if (n_small + n_yap > C)
		n_small = C - n_yap;
	for (uint32_t c = 0; c < C; c++)
		ix[c] = c;
	shuffle_prefix(structure, ix, C, C);
	for (uint32_t k = 0; k < C; k++) {
		sim_cons *pc = &cons[ix[k]];
		if (k < n_yap) {
			pc->winner_kind = W_YAP;
		} else if (k < n_yap + n_small) {
			pc->winner_kind = W_SMALL;
			pc->winner_party = small_winners[(k - n_yap) % N_SMALL_WINNERS];
		} else {
			pc->winner_kind = W_INDEPENDENT;
		}
	}
	for (uint32_t c = 0; c < C; c++)
		ix[c] = c;
	shuffle_prefix(choice, ix, C, o->ties + o->invalid);
	for (uint32_t k = 0; k < o->ties + o->invalid; k++)
		cons[ix[k]].role = k < o->ties ? R_TIE : R_INVALID;
	tally_free(ix);
	return TALLY_OK;
}

static int add_stations(tally_election *e, const sim_cons *cons, uint32_t C, tally__rng *r,
                        tally_error *err)
{
	uint32_t maxn = 0, wc = digits(C), abroad_seen = 0;
	for (uint32_t c = 0; c < C; c++)
		if (cons[c].n_stations > maxn)
			maxn = cons[c].n_stations;
	uint32_t ws = digits(maxn);
	if (wc < 3)
		wc = 3;
	if (ws < 3)
		ws = 3;
	double *w = tally_malloc(maxn * sizeof *w);
	uint64_t *reg = tally_malloc(maxn * sizeof *reg);
	tally_station_type *type = tally_malloc(maxn * sizeof *type);
	int rc = TALLY_OK;
	if (!w || !reg || !type) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	for (uint32_t c = 0; c < C && !rc; c++) {
		const sim_cons *pc = &cons[c];
		const sim_district *d = &districts[pc->district];
		uint32_t n = pc->n_stations;
		for (uint32_t j = 0; j < n; j++) {
			double u = tally__rng_unit(r);
			double size = clamp(exp(0.4 * tally__rng_normal(r)), 0.3, 1.6);
			type[j] = TALLY_STATION_ORDINARY;
			if (j >= n - pc->n_abroad) {
				type[j] = TALLY_STATION_ABROAD;
				size *= 0.5;
			} else if (j > 0 && u < 0.025) {
				type[j] = TALLY_STATION_SPECIAL; /* hospitals, military units */
				size *= 0.25;
			} else if (j > 0 && u < 0.03) {
				type[j] = TALLY_STATION_MOBILE;
				size *= 0.3;
			}
			w[j] = size;
		}
		split_by_weight(pc->voters, w, n, 1, reg);
		char cname[128];
		cons_name(pc, cname, sizeof cname);
		for (uint32_t j = 0; j < n && !rc; j++) {
			char id[64], name[256], area[128];
			snprintf(id, sizeof id, "C%0*u-%0*u", (int)wc, c + 1, (int)ws, j + 1);
			snprintf(area, sizeof area, "%s", d->region);
			switch (type[j]) {
			case TALLY_STATION_ABROAD: {
				const sim_place *pl = &abroad_places[abroad_seen % N_OF(abroad_places)];
				uint32_t round = abroad_seen / N_OF(abroad_places);
				if (round)
					snprintf(name, sizeof name, "%s (%s) no. %u", pl->city, pl->country,
					         round + 1);
				else
					snprintf(name, sizeof name, "%s (%s)", pl->city, pl->country);
				snprintf(area, sizeof area, "Abroad");
				abroad_seen++;
				break;
			}
			case TALLY_STATION_SPECIAL:
				snprintf(name, sizeof name, "%s, %s no. %u", cname,
				         (j & 1) ? "hospital" : "military unit", j + 1);
				break;
			case TALLY_STATION_MOBILE:
				snprintf(name, sizeof name, "%s, mobile station no. %u", cname, j + 1);
				break;
			default:
				snprintf(name, sizeof name, "%s, polling station no. %u", cname, j + 1);
			}
			if ((rc = tally_election_add_station(e, id, name, c, reg[j], type[j], area, NULL)))
				rc = add_failed(err, rc, "station", id);
		}
	}
out:
	tally_free(w);
	tally_free(reg);
	tally_free(type);
	return rc;
}

static int cmp_cand(const void *a, const void *b)
{
	const sim_cand *x = a, *y = b;
	int k = strcmp(x->surname, y->surname);
	return k ? k : strcmp(x->name, y->name);
}

/* Draws one constituency's candidates, their nominators and
 * popularity; the ballot lists them by surname (art. 167 leaves the order
 * to the CEC; alphabetical is its practice). */
static uint32_t draw_candidates(const sim_cons *pc, tally__rng *r, sim_cand *v)
{
	/* 4 to 9, mean about 6.15: 2015 had 767 candidates in 125 constituencies */
	uint32_t n = 4 + (uint32_t)tally__rng_below(r, 5) + (tally__rng_unit(r) < 0.15 ? 1 : 0);
	TALLY_ASSERT(n <= SIM_MAX_CAND);
	bool used[N_PARTIES] = {false};
	bool bloc_used = false;
	for (uint32_t k = 0; k < n; k++) {
		sim_cand *cd = &v[k];
		bool female = tally__rng_unit(r) < 0.17;
		const char *first = female ? female_names[tally__rng_below(r, N_OF(female_names))]
		                           : male_names[tally__rng_below(r, N_OF(male_names))];
		const char *sur = surnames[tally__rng_below(r, N_OF(surnames))];
		snprintf(cd->surname, sizeof cd->surname, "%s%s", sur, female ? "a" : "");
		snprintf(cd->name, sizeof cd->name, "%s %s", first, cd->surname);
		cd->designated = 0;
		cd->by = TALLY_NONE;
		double u = tally__rng_unit(r);
		if (k == 0) {
			cd->designated = 1;
			if (pc->winner_kind == W_YAP) {
				cd->nom = TALLY_NOM_PARTY;
				cd->by = P_YAP;
			} else if (pc->winner_kind == W_SMALL) {
				cd->nom = TALLY_NOM_PARTY;
				cd->by = pc->winner_party;
			} else {
				cd->nom = u < 0.8 ? TALLY_NOM_SELF : TALLY_NOM_INITIATIVE;
			}
			if (cd->nom == TALLY_NOM_PARTY)
				used[cd->by] = true;
			continue;
		}
		/* YAP stands where it wins and in about a quarter of the
		 * constituencies its "independents" win; never against an allied
		 * small-party winner */
		if (k == 1 && pc->winner_kind == W_INDEPENDENT && u < 0.25) {
			cd->nom = TALLY_NOM_PARTY;
			cd->by = P_YAP;
			used[P_YAP] = true;
		} else if (u < 0.42) {
			cd->nom = TALLY_NOM_SELF;
		} else if (u < 0.52) {
			cd->nom = TALLY_NOM_INITIATIVE;
		} else if (u < 0.62 && !bloc_used) {
			cd->nom = TALLY_NOM_BLOC;
			cd->by = 0;
			bloc_used = true;
		} else {
			uint32_t p = 1 + (uint32_t)tally__rng_below(r, N_PARTIES - 1), tries = 0;
			while (used[p] && tries++ < N_PARTIES)
				p = p + 1 < N_PARTIES ? p + 1 : 1;
			if (used[p]) {
				cd->nom = TALLY_NOM_SELF;
			} else {
				cd->nom = TALLY_NOM_PARTY;
				cd->by = p;
				used[p] = true;
			}
		}
	}
	/* popularity: the designated winner takes a share; the others share the
	 * rest (gamma draws, i.e. a Dirichlet split), each well below the winner */
	double top;
	if (pc->role == R_TIE)
		top = uniform(r, 0.36, 0.44);
	else if (pc->winner_kind == W_YAP)
		top = uniform(r, 0.55, 0.80);
	else if (pc->winner_kind == W_INDEPENDENT)
		top = uniform(r, 0.45, 0.70);
	else
		top = uniform(r, 0.40, 0.58);
	v[0].weight = top;
	double rest = 1.0 - top, cap = 0.8 * top;
	uint32_t from = 1;
	if (pc->role == R_TIE) {
		/* the runner-up is close, and the tie is made exact later */
		v[1].weight = top * uniform(r, 0.93, 0.99);
		v[1].designated = 2;
		rest -= v[1].weight;
		cap = 0.8 * v[1].weight;
		from = 2;
	}
	bool ok = false;
	for (int attempt = 0; attempt < 20 && !ok; attempt++) {
		double sum = 0.0;
		for (uint32_t k = from; k < n; k++) {
			double a = v[k].nom == TALLY_NOM_PARTY && v[k].by == P_YAP ? 3.0
			         : v[k].nom == TALLY_NOM_PARTY ? 0.8
			         : v[k].nom == TALLY_NOM_BLOC ? 1.0
			         : v[k].nom == TALLY_NOM_INITIATIVE ? 0.7 : 0.6;
			v[k].weight = gamma_draw(r, a) + 1e-3;
			sum += v[k].weight;
		}
		ok = true;
		for (uint32_t k = from; k < n; k++) {
			v[k].weight = v[k].weight / sum * rest;
			if (v[k].weight >= cap)
				ok = false;
		}
	}
	if (!ok)
		for (uint32_t k = from; k < n; k++)
			v[k].weight = rest / (double)(n - from);
	qsort(v, n, sizeof *v, cmp_cand);
	return n;
}

static int add_candidates(tally_election *e, sim_cons *cons, uint32_t C, tally__rng *r,
                          double *pop, uint32_t *designated, tally_error *err)
{
	uint32_t wc = digits(C) < 3 ? 3 : digits(C), next = 0;
	int rc = TALLY_OK;
	for (uint32_t c = 0; c < C && !rc; c++) {
		sim_cons *pc = &cons[c];
		sim_cand v[SIM_MAX_CAND];
		uint32_t n = draw_candidates(pc, r, v);
		pc->first_cand = next;
		pc->n_cand = n;
		designated[2 * c] = designated[2 * c + 1] = TALLY_NONE;
		for (uint32_t k = 0; k < n && !rc; k++) {
			char id[64], group[160];
			snprintf(id, sizeof id, "C%0*u-K%u", (int)wc, c + 1, k + 1);
			group[0] = '\0';
			if (v[k].nom == TALLY_NOM_INITIATIVE)
				snprintf(group, sizeof group, "Initiative group for %s", v[k].name);
			pop[next] = v[k].weight;
			if (v[k].designated)
				designated[2 * c + (uint32_t)v[k].designated - 1] = k;
			if ((rc = tally_election_add_candidate(e, id, v[k].name, c, v[k].nom, v[k].by, group,
			                                       NULL)))
				rc = add_failed(err, rc, "candidate", id);
			next++;
		}
	}
	return rc;
}

static int build_election(const tally_sim_options *o, uint64_t voters, sim_cons *cons,
                          double **pop_out, uint32_t *designated, tally_election **out,
                          tally_error *err)
{
	tally_template *t = NULL;
	tally_election *e = NULL;
	double *pop = NULL;
	tally__rng rs, rch;
	uint32_t C = o->constituencies;
	char id[64], buf[128];
	int rc;

	stream(&rs, o->seed, S_STRUCTURE);
	stream(&rch, o->seed, S_CHOICE);
	if ((rc = tally_template_preset("az-mm", &t, err)))
		goto out;
	snprintf(id, sizeof id, "az-mm-sim-%llu", (unsigned long long)o->seed);
	if ((rc = tally_election_new(id, "Milli Majlis election (simulated)", "2015-11-01",
	                             "Milli Majlis", C, t, &e))) {
		tally_template_free(t);
		rc = tally_error_set(err, rc, "", NULL, "out of memory");
		goto out;
	}
	e->double_entry = o->double_entry;
	if ((rc = tally_election_add_contest(e, "mm", "Milli Majlis", NULL))) {
		rc = add_failed(err, rc, "contest", "mm");
		goto out;
	}
	if ((rc = plan_constituencies(o, voters, &rs, cons)) ||
	    (rc = plan_outcomes(o, &rs, &rch, cons))) {
		rc = tally_error_set(err, rc, "", NULL, "out of memory");
		goto out;
	}
	uint32_t wc = digits(C) < 3 ? 3 : digits(C);
	for (uint32_t c = 0; c < C; c++) {
		char cid[32];
		snprintf(cid, sizeof cid, "C%0*u", (int)wc, c + 1);
		cons_name(&cons[c], buf, sizeof buf);
		/* Constitution art. 83: single-member constituencies */
		if ((rc = tally_election_add_constituency(e, cid, buf, 0, 1, 1, NULL))) {
			rc = add_failed(err, rc, "constituency", cid);
			goto out;
		}
	}
	for (uint32_t p = 0; p < N_PARTIES; p++)
		if ((rc = tally_election_add_party(e, parties[p].id, parties[p].name, parties[p].abbrev,
		                                   parties[p].color, NULL))) {
			rc = add_failed(err, rc, "party", parties[p].id);
			goto out;
		}
	/* a bloc of two opposition parties; its members still nominate on
	 * their own as well (art. 146) */
	const uint32_t members[] = {P_MUSAVAT, P_HOPE};
	if ((rc = tally_election_add_bloc(e, "national-council", "National Council", "NC",
	                                  "#757575", members, 2, NULL))) {
		rc = add_failed(err, rc, "bloc", "national-council");
		goto out;
	}
	if ((rc = add_stations(e, cons, C, &rs, err)))
		goto out;
	pop = tally_malloc((size_t)C * SIM_MAX_CAND * sizeof *pop);
	if (!pop) {
		rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
		goto out;
	}
	if ((rc = add_candidates(e, cons, C, &rs, pop, designated, err)))
		goto out;
	if ((rc = tally_election_finish(e, err)))
		goto out;
	/* the protocol's candidate slots must be the order of the adds */
	for (uint32_t c = 0; c < C; c++) {
		const tally_constituency *k = &e->constituencies[c];
		TALLY_ASSERT(k->n_stations == cons[c].n_stations && k->n_candidates == cons[c].n_cand);
		for (uint32_t j = 0; j < k->n_candidates; j++)
			TALLY_ASSERT(k->candidates[j] == cons[c].first_cand + j);
		for (uint32_t j = 0; j < k->n_stations; j++)
			TALLY_ASSERT(k->stations[j] == cons[c].first_station + j);
	}
	*out = e;
	*pop_out = pop;
	e = NULL;
	pop = NULL;
out:
	tally_election_free(e);
	tally_free(pop);
	return rc;
}

/* ==== Votes ==== */

typedef struct sim_lines {
	uint32_t ix[L_COUNT];
} sim_lines;

static int find_lines(const tally_template *t, sim_lines *L, tally_error *err)
{
	for (int k = 0; k < L_COUNT; k++) {
		int i = tally_template_line(t, line_keys[k]);
		/* the simulation always uses the az-mm preset, which has every line */
		TALLY_ASSERT(i >= 0);
		L->ix[k] = (uint32_t)i;
	}
	(void)err;
	return TALLY_OK;
}

#define LV(p, k) ((p)->lines[L->ix[k]])

/* Draws one station's true protocol into "p" (allocated, zeroed). */
static void draw_station(const tally_election *e, const sim_lines *L, const sim_cons *pc,
                         const double *pop, uint32_t st, tally__rng *r, double *share,
                         tally_protocol *p)
{
	const tally_station *s = &e->stations[st];
	uint64_t R = s->registered;
	double t;
	switch (s->type) {
	case TALLY_STATION_SPECIAL:
		t = clamp(0.88 + 0.06 * tally__rng_normal(r), 0.5, 0.99);
		break;
	case TALLY_STATION_ABROAD:
		t = clamp(0.35 + 0.10 * tally__rng_normal(r), 0.05, 0.9);
		break;
	default:
		t = clamp(pc->turnout + 0.05 * tally__rng_normal(r), 0.10, 0.99);
	}
	uint64_t received = (uint64_t)floor(t * (double)R + 0.5);
	if (received > R)
		received = R;
	uint64_t outside = binomial(r, received, uniform(r, 0.005, 0.05));
	/* a few voters leave with their ballot: fewer ballots in the boxes
	 * than were issued (allowed; the reverse is not) */
	uint64_t away = 0;
	if (received - outside > 200 && tally__rng_unit(r) < 0.15)
		away = 1 + tally__rng_below(r, 3);
	uint64_t boxes = received - away;
	uint64_t invalid = binomial(r, boxes, uniform(r, 0.006, 0.022));
	uint64_t valid = boxes - invalid;
	uint64_t cancelled = tally__rng_below(r, 2 + R / 500);
	uint64_t ballots = R + (uint64_t)floor((double)R * uniform(r, 0.0, 0.03));
	if (ballots < received + cancelled)
		ballots = received + cancelled;
	LV(p, L_LIST) = R;
	LV(p, L_BALLOTS) = ballots;
	LV(p, L_RECEIVED) = received;
	LV(p, L_OUTSIDE) = outside;
	LV(p, L_UNUSED) = ballots - received - cancelled;
	LV(p, L_CANCELLED) = cancelled;
	LV(p, L_MOBILE) = outside;
	LV(p, L_STATIONARY) = boxes - outside;
	LV(p, L_VALID) = valid;
	LV(p, L_INVALID) = invalid;
	/* the constituency's popularity, varied station by station; then the
	 * votes as sequential binomials (a multinomial draw) */
	uint32_t n = pc->n_cand;
	double sum = 0.0;
	for (uint32_t k = 0; k < n; k++) {
		share[k] = pop[pc->first_cand + k] * exp(0.25 * tally__rng_normal(r));
		sum += share[k];
	}
	uint64_t left = valid;
	double pleft = 1.0;
	for (uint32_t k = 0; k + 1 < n; k++) {
		double q = share[k] / sum;
		uint64_t x = binomial(r, left, pleft > 0.0 ? clamp(q / pleft, 0.0, 1.0) : 1.0);
		p->cand[k] = x;
		left -= x;
		pleft -= q;
	}
	p->cand[n - 1] = left;
}

/* Moves "d" votes from slot a to slot b across the constituency's stations. */
static void move_votes(tally_protocol *truth, const sim_cons *pc, uint32_t a, uint32_t b,
                       uint64_t d)
{
	for (uint32_t j = 0; j < pc->n_stations && d; j++) {
		tally_protocol *p = &truth[pc->first_station + j];
		uint64_t x = p->cand[a] < d ? p->cand[a] : d;
		p->cand[a] -= x;
		p->cand[b] += x;
		d -= x;
	}
	TALLY_ASSERT(d == 0);
}

/* Makes the designated top two of a tie constituency end level (art.
 * 170.1: the election then fails), or breaks an accidental tie for first
 * place elsewhere, keeping every relation of every protocol. */
static void settle_ties(const sim_lines *L, const sim_cons *pc, const uint32_t *designated,
                        tally_protocol *truth, uint64_t *tot)
{
	uint32_t n = pc->n_cand;
	memset(tot, 0, n * sizeof *tot);
	for (uint32_t j = 0; j < pc->n_stations; j++)
		for (uint32_t k = 0; k < n; k++)
			tot[k] += truth[pc->first_station + j].cand[k];
	uint32_t a = 0, b = TALLY_NONE; /* a: most votes, b: second */
	for (uint32_t k = 1; k < n; k++) {
		if (tot[k] > tot[a]) {
			b = a;
			a = k;
		} else if (b == TALLY_NONE || tot[k] > tot[b]) {
			b = k;
		}
	}
	if (pc->role == R_TIE) {
		/* the tie is between the two designated candidates when they lead,
		 * else between whoever leads */
		uint32_t x = designated[0], y = designated[1];
		if (x != TALLY_NONE && y != TALLY_NONE) {
			uint64_t third = 0;
			for (uint32_t k = 0; k < n; k++)
				if (k != x && k != y && tot[k] > third)
					third = tot[k];
			if (tot[x] >= third && tot[y] >= third) {
				a = tot[x] >= tot[y] ? x : y;
				b = a == x ? y : x;
			}
		}
		uint64_t diff = tot[a] - tot[b];
		if (diff & 1) {
			/* one of a's ballots becomes invalid: valid + invalid keep
			 * their sum, so the boxes still balance */
			for (uint32_t j = 0; j < pc->n_stations; j++) {
				tally_protocol *p = &truth[pc->first_station + j];
				if (p->cand[a]) {
					p->cand[a]--;
					LV(p, L_VALID)--;
					LV(p, L_INVALID)++;
					break;
				}
			}
			diff--;
		}
		move_votes(truth, pc, a, b, diff / 2);
	} else if (b != TALLY_NONE && tot[a] == tot[b] && tot[a] > 0) {
		move_votes(truth, pc, b, a, 1);
	}
}

/* ==== Fraud ==== */

/* The fraud's beneficiary in constituency c: the candidate of the leading
 * party where it stands, else the designated winner (the most popular). */
static uint32_t beneficiary(const tally_election *e, const sim_cons *pc, const double *pop)
{
	uint32_t best = 0;
	for (uint32_t k = 0; k < pc->n_cand; k++) {
		const tally_candidate *cd = &e->candidates[pc->first_cand + k];
		if (cd->nominator == TALLY_NOM_PARTY && cd->nominated_by == P_YAP)
			return k;
		if (pop[pc->first_cand + k] > pop[pc->first_cand + best])
			best = k;
	}
	return best;
}

/* Chooses the fraud stations: shuffles the eligible ones and gives the
 * first shares of them extreme, incremental and rounding fraud. */
static int pick_fraud(const tally_sim_options *o, const tally_election *e, const sim_cons *cons,
                      tally__rng *r, uint8_t *kind)
{
	uint32_t S = e->n_stations, n = 0;
	uint32_t *ix = tally_malloc((S ? S : 1) * sizeof *ix);
	if (!ix)
		return TALLY_ENOMEM;
	for (uint32_t st = 0; st < S; st++) {
		const tally_station *sd = &e->stations[st];
		if (sd->type == TALLY_STATION_ORDINARY && cons[sd->constituency].role == R_NORMAL)
			ix[n++] = st;
	}
	uint32_t k_e = (uint32_t)floor(o->fraud_extreme * n + 0.5);
	uint32_t k_i = (uint32_t)floor(o->fraud_incremental * n + 0.5);
	uint32_t k_r = (uint32_t)floor(o->fraud_rounding * n + 0.5);
	if (k_e > n)
		k_e = n;
	if (k_i > n - k_e)
		k_i = n - k_e;
	if (k_r > n - k_e - k_i)
		k_r = n - k_e - k_i;
	shuffle_prefix(r, ix, n, k_e + k_i + k_r);
	for (uint32_t j = 0; j < k_e + k_i + k_r; j++)
		kind[ix[j]] = (uint8_t)(j < k_e ? TALLY_SIM_FRAUD_EXTREME
		                        : j < k_e + k_i ? TALLY_SIM_FRAUD_INCREMENTAL
		                                        : TALLY_SIM_FRAUD_ROUNDING);
	tally_free(ix);
	return TALLY_OK;
}

/* Stuffs up to "s" unused ballots for candidate b (as voters who received
 * a ballot and cast it in the stationary box): AZ01, AZ02, AZ03 and AZ04
 * keep holding. Returns the ballots stuffed. */
static uint64_t stuff(const sim_lines *L, tally_protocol *p, uint32_t b, uint64_t s)
{
	if (s > LV(p, L_UNUSED))
		s = LV(p, L_UNUSED);
	if (s > LV(p, L_LIST) - LV(p, L_RECEIVED))
		s = LV(p, L_LIST) - LV(p, L_RECEIVED);
	LV(p, L_RECEIVED) += s;
	LV(p, L_UNUSED) -= s;
	LV(p, L_STATIONARY) += s;
	LV(p, L_VALID) += s;
	p->cand[b] += s;
	return s;
}

/* Moves up to m votes from the other candidates to b, from each in
 * proportion to its votes; the valid ballots stay. Returns the votes moved. */
static uint64_t steal(tally_protocol *p, uint32_t b, uint64_t m)
{
	uint64_t opp = 0, taken = 0;
	for (uint32_t k = 0; k < p->n_cand; k++)
		opp += k == b ? 0 : p->cand[k];
	if (m > opp)
		m = opp;
	if (m == 0)
		return 0;
	for (uint32_t k = 0; k < p->n_cand; k++) {
		if (k == b)
			continue;
		uint64_t x = (uint64_t)((double)m * (double)p->cand[k] / (double)opp);
		if (x > p->cand[k])
			x = p->cand[k];
		p->cand[k] -= x;
		taken += x;
	}
	for (uint32_t k = 0; k < p->n_cand && taken < m; k++)
		if (k != b && p->cand[k]) {
			uint64_t x = p->cand[k] < m - taken ? p->cand[k] : m - taken;
			p->cand[k] -= x;
			taken += x;
		}
	p->cand[b] += taken;
	return taken;
}

/* The smallest count c >= k whose 100 c / n is within +-0.05 of a whole
 * percent (the integer-percent test's definition), or k when none is
 * within reach of "room". */
static uint64_t round_up_pct(uint64_t k, uint64_t n, uint64_t room)
{
	for (uint64_t T = (100 * k + n - 1) / n; T <= 100; T++) {
		uint64_t c = (T * n + 50) / 100;
		if (c < k)
			c = k;
		if (c - k > room)
			return k;
		if (tally_fx_is_integer(c, n))
			return c;
	}
	return k;
}

/* Applies one station's fraud (Klimek et al. 2012, notes section 1.2) for
 * candidate b. Returns the votes b gained. */
static uint64_t inject(const tally_sim_options *o, const sim_lines *L, int kind, uint32_t b,
                       tally__rng *r, tally_protocol *p)
{
	double theta = o->fraud_theta > 0 ? o->fraud_theta : 0.1;
	double alpha = o->fraud_alpha > 0 ? o->fraud_alpha : 1.0;
	uint64_t gained = 0;
	if (kind == TALLY_SIM_FRAUD_ROUNDING) {
		/* turnout up to a whole percent by stuffing, then the leader's share
		 * of the ballots in the boxes up to one by taking votes */
		uint64_t R = LV(p, L_LIST), rec = LV(p, L_RECEIVED);
		if (R == 0)
			return 0;
		uint64_t room = LV(p, L_UNUSED) < R - rec ? LV(p, L_UNUSED) : R - rec;
		gained += stuff(L, p, b, round_up_pct(rec, R, room) - rec);
		uint64_t boxes = LV(p, L_VALID) + LV(p, L_INVALID);
		uint64_t opp = LV(p, L_VALID) - p->cand[b];
		if (boxes)
			gained += steal(p, b, round_up_pct(p->cand[b], boxes, opp) - p->cand[b]);
		return gained;
	}
	double x;
	if (kind == TALLY_SIM_FRAUD_INCREMENTAL) {
		do
			x = fabs(theta * tally__rng_normal(r));
		while (!(x > 0 && x < 1));
	} else {
		x = clamp(1.0 - fabs(0.075 * tally__rng_normal(r)), 0.0, 1.0);
	}
	uint64_t nonvoters = LV(p, L_LIST) - LV(p, L_RECEIVED);
	gained += stuff(L, p, b, (uint64_t)floor(x * (double)nonvoters));
	uint64_t opp = LV(p, L_VALID) - p->cand[b];
	gained += steal(p, b, (uint64_t)floor(pow(x, alpha) * (double)opp + 0.5));
	return gained;
}

static int check_clean(const tally_election *e, const tally_protocol *p, tally_error *err)
{
	tally_check ck;
	tally_protocol_check(e, p, &ck);
	(void)err;
	/* a clean simulated protocol passes every relation of its template;
	 * anything else is a bug in the simulation */
	TALLY_ASSERT(ck.n == 0);
	return TALLY_OK;
}

/* ==== Marks: typos, bad protocols, warnings ==== */

/* A typo: two candidates' numbers swapped (or one vote moved) so that the
 * entry still passes every check. */
static void make_typo(tally_protocol *p, tally__rng *r)
{
	uint32_t n = p->n_cand, a = 0, b = TALLY_NONE;
	for (uint32_t k = 1; k < n; k++)
		if (p->cand[k] > p->cand[a])
			a = k;
	uint32_t start = (uint32_t)tally__rng_below(r, n);
	for (uint32_t i = 0; i < n && b == TALLY_NONE; i++) {
		uint32_t k = (start + i) % n;
		if (k != a && p->cand[k] != p->cand[a])
			b = k;
	}
	if (b != TALLY_NONE) {
		uint64_t t = p->cand[a];
		p->cand[a] = p->cand[b];
		p->cand[b] = t;
	} else {
		/* every candidate has the same votes (at least one, as a leads) */
		b = (a + 1) % n;
		p->cand[a]--;
		p->cand[b]++;
	}
}

static int check_mark(const tally_election *e, const tally_protocol *p, int mark,
                      tally_error *err)
{
	tally_check ck;
	tally_protocol_check(e, p, &ck);
	bool ok = mark == M_TYPO ? ck.n == 0
	        : mark == M_BAD  ? ck.n_errors > 0
	                         : ck.n_errors == 0 && ck.n_warnings > 0;
	/* the marks are made to break exactly what they name */
	(void)err;
	TALLY_ASSERT(ok);
	return TALLY_OK;
}

/* ==== Output ==== */

static int entry_from(const tally_election *e, const tally_protocol *src, const char *suffix,
                      tally_entry *en)
{
	/* "en" is zeroed by the rounds' calloc: no memset here, since a
	 * tally_entry is over 1 KB and a million of them are gigabytes */
	int rc = tally_protocol_init(&en->p, e, src->station);
	if (rc)
		return rc;
	TALLY_ASSERT(en->p.n_lines == src->n_lines && en->p.n_cand == src->n_cand);
	memcpy(en->p.lines, src->lines, src->n_lines * sizeof *src->lines);
	memcpy(en->p.cand, src->cand, src->n_cand * sizeof *src->cand);
	const tally_station *s = &e->stations[src->station];
	snprintf(en->operator_id, sizeof en->operator_id, "op-%s-%s",
	         e->constituencies[s->constituency].id, suffix);
	return TALLY_OK;
}

void tally_sim_free(tally_sim *s)
{
	if (!s)
		return;
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < s->n_round[k]; i++)
			tally_protocol_release(&s->round[k][i].p);
		tally_free(s->round[k]);
	}
	tally_free(s->turnout);
	tally_free(s->annul);
	tally_free(s->fraud);
	tally_free(s->fraud_votes);
	tally_election_free(s->e);
	tally_free(s);
}

/* Appends to round k an entry of "src" by the operator with "suffix". */
static int push(tally_sim *s, int k, const tally_protocol *src, const char *suffix)
{
	int rc = entry_from(s->e, src, suffix, &s->round[k][s->n_round[k]]);
	if (!rc)
		s->n_round[k]++;
	return rc;
}

static void draw_turnout(const tally_election *e, const sim_lines *L, const tally_protocol *truth,
                         const uint8_t *mark, tally__rng *r, tally_sim *s)
{
	uint32_t S = e->n_stations, live = 0;
	for (uint32_t st = 0; st < S; st++)
		live += mark[st] != M_ANNUL;
	for (uint32_t st = 0, i = 0; st < S; st++) {
		if (mark[st] == M_ANNUL)
			continue;
		uint64_t fin = LV(&truth[st], L_RECEIVED);
		double f = 0.0;
		for (uint32_t k = 0; k < N_REPORTS; k++) {
			double g = k + 1 == N_REPORTS ? 1.0
			                              : report_share[k] * exp(0.08 * tally__rng_normal(r));
			f = clamp(g, f, 1.0);
			tally_turnout *t = &s->turnout[(size_t)k * live + i];
			t->station = st;
			t->minute = report_minutes[k];
			t->voters = k + 1 == N_REPORTS ? fin : (uint64_t)floor(f * (double)fin);
		}
		i++;
	}
	s->n_turnout = (size_t)live * N_REPORTS;
}

int tally_simulate(const tally_sim_options *o, tally_sim **out, tally_error *err)
{
	tally_sim *s = NULL;
	tally_protocol *truth = NULL;
	sim_cons *cons = NULL;
	double *pop = NULL, share[SIM_MAX_CAND];
	uint32_t *designated = NULL, *ix = NULL;
	uint64_t *tot = NULL;
	uint8_t *mark = NULL;
	uint32_t S = 0;
	sim_lines lines;
	const sim_lines *L = &lines;
	tally__rng rv;
	int rc;

	if (!o || !out)
		return tally_error_set(err, TALLY_EINVAL, "S101", NULL,
		                       "tally_simulate needs options and an output");
	if ((rc = check_options(o, err)))
		return rc;
	uint32_t C = o->constituencies;
	S = o->stations;
	uint64_t voters = o->voters;
	if (!voters) {
		/* 2015: about 5.2 million registered (reference, section 0); the
		 * brief's range, scaled to the number of stations */
		tally__rng r;
		stream(&r, o->seed, S_VOTERS);
		voters = (5200000ULL + tally__rng_below(&r, 700001)) * S / 5500;
		if (voters < 50ULL * S)
			voters = 50ULL * S;
	}

	s = tally_calloc(1, sizeof *s);
	cons = tally_calloc(C, sizeof *cons);
	designated = tally_malloc((size_t)C * 2 * sizeof *designated);
	truth = tally_calloc(S, sizeof *truth);
	mark = tally_calloc(S, 1);
	tot = tally_malloc(SIM_MAX_CAND * sizeof *tot);
	if (!s || !cons || !designated || !truth || !mark || !tot)
		goto oom;
	if ((rc = build_election(o, voters, cons, &pop, designated, &s->e, err)))
		goto out;
	const tally_election *e = s->e;
	if ((rc = find_lines(e->tmpl, &lines, err)))
		goto out;

	/* fraud stations, from their own stream */
	tally__rng rf;
	stream(&rf, o->seed, S_FRAUD);
	s->fraud = tally_calloc(S ? S : 1, 1);
	s->fraud_votes = tally_calloc(S ? S : 1, sizeof *s->fraud_votes);
	if (!s->fraud || !s->fraud_votes || pick_fraud(o, e, cons, &rf, s->fraud))
		goto oom;

	/* votes: a turnout level per constituency, then every station */
	stream(&rv, o->seed, S_VOTES);
	for (uint32_t c = 0; c < C; c++)
		cons[c].turnout = clamp(0.557 + 0.06 * tally__rng_normal(&rv), 0.30, 0.90);
	for (uint32_t c = 0; c < C; c++) {
		const sim_cons *pc = &cons[c];
		for (uint32_t j = 0; j < pc->n_stations; j++) {
			uint32_t st = pc->first_station + j;
			if ((rc = tally_protocol_init(&truth[st], e, st)))
				goto oom;
			TALLY_ASSERT(truth[st].n_cand == pc->n_cand);
			draw_station(e, L, pc, pop, st, &rv, share, &truth[st]);
			if (s->fraud[st]) {
				uint32_t b = beneficiary(e, pc, pop);
				s->fraud_votes[st] = inject(o, L, s->fraud[st], b, &rf, &truth[st]);
				s->fraud_total += s->fraud_votes[st];
			}
		}
		if (pc->role != R_INVALID)
			settle_ties(L, pc, &designated[2 * c], truth, tot);
	}
	for (uint32_t st = 0; st < S; st++)
		if ((rc = check_clean(e, &truth[st], err)))
			goto out;

	/* annulments: more than 2/5 of an invalid constituency's stations */
	tally__rng rm;
	stream(&rm, o->seed, S_MARKS);
	size_t n_annul = 0;
	for (uint32_t c = 0; c < C; c++)
		if (cons[c].role == R_INVALID)
			n_annul += (size_t)cons[c].n_stations * 2 / 5 + 1;
	ix = tally_malloc((S ? S : 1) * sizeof *ix);
	s->annul = tally_calloc(n_annul ? n_annul : 1, sizeof *s->annul);
	if (!ix || !s->annul)
		goto oom;
	for (uint32_t c = 0; c < C; c++) {
		const sim_cons *pc = &cons[c];
		if (pc->role != R_INVALID)
			continue;
		uint32_t k = pc->n_stations * 2 / 5 + 1;
		for (uint32_t j = 0; j < pc->n_stations; j++)
			ix[j] = pc->first_station + j;
		shuffle_prefix(&rm, ix, pc->n_stations, k);
		qsort(ix, k, sizeof *ix, cmp_u32);
		for (uint32_t j = 0; j < k; j++) {
			mark[ix[j]] = M_ANNUL;
			s->annul[s->n_annul].station = ix[j];
			snprintf(s->annul[s->n_annul].reason, sizeof s->annul[0].reason, "%s",
			         ANNUL_REASON);
			s->n_annul++;
		}
	}

	/* typos, refused and warned protocols on distinct live stations */
	uint32_t live = 0;
	for (uint32_t st = 0; st < S; st++)
		if (mark[st] != M_ANNUL)
			ix[live++] = st;
	shuffle_prefix(&rm, ix, live, live);
	const uint32_t want[3] = {o->bad_protocols, o->warnings, o->double_entry ? o->typos : 0};
	const int kinds[3] = {M_BAD, M_WARN, M_TYPO};
	for (int k = 0; k < 3; k++) {
		uint32_t got = 0;
		for (uint32_t i = 0; i < live && got < want[k]; i++) {
			const tally_protocol *p = &truth[ix[i]];
			if (mark[ix[i]] != M_NONE)
				continue;
			if (kinds[k] == M_WARN && LV(p, L_STATIONARY) < 3)
				continue;
			if (kinds[k] == M_TYPO && (LV(p, L_VALID) == 0 || p->n_cand < 2))
				continue;
			mark[ix[i]] = (uint8_t)kinds[k];
			got++;
		}
		if (got < want[k]) {
			rc = tally_error_set(err, TALLY_EINVAL, "S101", "typos",
			                     "only %u stations outside the annulled ones can carry %s "
			                     "(asked for %u)",
			                     got, k == 0 ? "bad protocols" : k == 1 ? "warnings" : "typos",
			                     want[k]);
			goto out;
		}
	}
	/* warned protocols are true: a few more ballots in the mobile boxes
	 * than were issued outside (AZ06), the boxes still adding up */
	for (uint32_t st = 0; st < S; st++) {
		if (mark[st] != M_WARN)
			continue;
		tally_protocol *p = &truth[st];
		uint64_t d = LV(p, L_OUTSIDE) - LV(p, L_MOBILE) + 1 + tally__rng_below(&rm, 2);
		LV(p, L_MOBILE) += d;
		LV(p, L_STATIONARY) -= d;
		if ((rc = check_mark(e, p, M_WARN, err)))
			goto out;
	}

	/* entry rounds */
	size_t n_fix = 0;
	for (uint32_t st = 0; st < S; st++)
		n_fix += mark[st] == M_TYPO || mark[st] == M_BAD;
	s->round[0] = tally_calloc(live ? live : 1, sizeof(tally_entry));
	s->round[1] = tally_calloc(o->double_entry ? (live ? live : 1) : (n_fix ? n_fix : 1),
	                           sizeof(tally_entry));
	s->round[2] = tally_calloc(o->double_entry && n_fix ? n_fix : 1, sizeof(tally_entry));
	if (!s->round[0] || !s->round[1] || !s->round[2])
		goto oom;
	for (uint32_t st = 0; st < S; st++) {
		if (mark[st] == M_ANNUL)
			continue;
		if ((rc = push(s, 0, &truth[st], "a")))
			goto oom;
		tally_protocol *p = &s->round[0][s->n_round[0] - 1].p;
		if (mark[st] == M_TYPO || mark[st] == M_BAD) {
			if (mark[st] == M_TYPO) {
				make_typo(p, &rm);
			} else {
				/* a candidate's votes misread: the candidates no longer add
				 * up to the valid ballots (AZ03) */
				uint32_t a = (uint32_t)tally__rng_below(&rm, p->n_cand);
				p->cand[a] += 10 * (1 + tally__rng_below(&rm, 9));
			}
			if ((rc = check_mark(e, p, mark[st], err)))
				goto out;
		}
		if (o->double_entry && (rc = push(s, 1, &truth[st], "b")))
			goto oom;
	}
	for (uint32_t st = 0; st < S; st++)
		if ((mark[st] == M_TYPO || mark[st] == M_BAD) &&
		    (rc = push(s, o->double_entry ? 2 : 1, &truth[st], o->double_entry ? "c" : "a")))
			goto oom;

	/* intraday turnout */
	s->turnout = tally_calloc((size_t)live * N_REPORTS + 1, sizeof *s->turnout);
	if (!s->turnout)
		goto oom;
	tally__rng rt;
	stream(&rt, o->seed, S_TURNOUT);
	draw_turnout(e, L, truth, mark, &rt, s);

	*out = s;
	s = NULL;
	rc = TALLY_OK;
	goto out;
oom:
	rc = tally_error_set(err, TALLY_ENOMEM, "", NULL, "out of memory");
out:
	if (truth)
		for (uint32_t st = 0; st < S; st++)
			tally_protocol_release(&truth[st]);
	tally_free(truth);
	tally_free(cons);
	tally_free(pop);
	tally_free(designated);
	tally_free(ix);
	tally_free(tot);
	tally_free(mark);
	tally_sim_free(s);
	return rc;
}
