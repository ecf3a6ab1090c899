/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_http.c: libFuzzer harness for the HTTP server of `tally serve`: the
 * input is the raw bytes a client sends (one request or several pipelined),
 * fed to the real request handling in-process. A libmicrohttpd daemon with
 * no listening socket (MHD_USE_NO_LISTEN_SOCKET) takes one end of a
 * socketpair per input (MHD_add_connection), so libmicrohttpd parses the
 * request line, headers and chunked or sized bodies, and the server's own
 * on_request (src/server/http.c, included below to reach its statics) does
 * the rest: URL routing, query strings, the Authorization header and the
 * token store, the JSON bodies of every POST route, the group commit of
 * protocol submissions, the results cache and ETags.
 *
 * The election is a small simulated one (2 constituencies, 8 stations),
 * made once in a temporary database with four users, one of each role.
 * libsodium's random source is replaced by a fixed sequence so that their
 * tokens are the same on every run, and the seed corpus can carry them
 * (TALLY_FUZZ_TOKENS=1 prints them; TALLY_FUZZ_TRACE=1 prints each
 * answer, 2 the raw bytes too). An input that wrote to the database is
 * followed by a reset to the pristine copy, so every input meets the same
 * state. Whatever the input, each response must be well formed, a
 * JSON body must parse, and no request may get a 500 (Internal Server
 * Error): bad input is a 4xx. And the server's memory must stay in
 * proportion to what it was sent: while an input is served, the live heap
 * of the process (every thread's, counted by the sanitizer's allocation
 * hooks) may grow by at most HEAP_PER_BYTE times the input's size plus
 * HEAP_BASE, so a request that makes the server allocate a hundred times
 * its size is a crash here, in the replay of `make check` as in fuzzing.
 */
#include "server/http.c"

#include <jansson.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <tally/sim.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ==== memory per input ==== */

/* the sanitizers' allocator interface (compiler-rt's
 * sanitizer/allocator_interface.h; gcc's libasan has it without the header) */
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
                                              void (*f)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);

#define HEAP_PER_BYTE 64          /* what jansson's budget allows (32), and slack */
#define HEAP_BASE (2u << 20)      /* the forensic report and its plots, a recount */

static atomic_bool heap_on;
static atomic_llong heap_live, heap_peak;

static void heap_malloc(const volatile void *p, size_t n)
{
	(void)p;
	if (!atomic_load_explicit(&heap_on, memory_order_relaxed))
		return;
	long long live = atomic_fetch_add(&heap_live, (long long)n) + (long long)n;
	long long peak = atomic_load(&heap_peak);
	while (live > peak && !atomic_compare_exchange_weak(&heap_peak, &peak, live))
		;
}

static void heap_free(const volatile void *p)
{
	if (p && atomic_load_explicit(&heap_on, memory_order_relaxed))
		atomic_fetch_sub(&heap_live, (long long)__sanitizer_get_allocated_size(p));
}

/* ==== a fixed random source: the same tokens on every run ==== */

static uint64_t rng = 0x7a11e5eedull;

static uint32_t fixed_random(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33);
}

static void fixed_buf(void *const buf, const size_t size)
{
	unsigned char *p = buf;
	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)fixed_random();
}

static const char *fixed_name(void)
{
	return "fuzz-fixed";
}

static struct randombytes_implementation fixed_rng = {
	fixed_name, fixed_random, NULL, NULL, fixed_buf, NULL,
};

/* ==== the server ==== */

static server srv;
static struct MHD_Daemon *daemon_;
static char dir[64], dbpath[96];
static char *pristine;
static size_t pristine_len;

static void die(const char *what, const tally_error *err)
{
	fprintf(stderr, "fuzz_http: %s: %s %s [%s]\n", what, err ? err->where : "",
	        err ? err->msg : "", err ? err->code : "");
	abort();
}

static void rm_db_files(void)
{
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	char p[128];
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		snprintf(p, sizeof p, "%s%s", dbpath, ext[i]);
		unlink(p);
	}
}

static void cleanup(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	server_group_stop(&srv);
	server_release(&srv);
	free(pristine);
	rm_db_files();
	rmdir(dir);
}

/* sign_checkpoint signs the log's tree with a key of a fixed seed, so that
 * the tiles, entry bundles (and their gzip) are served */
static void sign_checkpoint(tally_store *s)
{
	static const uint8_t seed[32] = {7};
	const tally_merkle_tree *t = NULL;
	tally_note_signer k;
	tally_checkpoint cp;
	tally_error err = TALLY_ERROR_INIT;
	char *body = NULL, *note = NULL;
	size_t bl = 0, nl = 0;

	memset(&cp, 0, sizeof cp);
	if (tally_note_signer_from_seed("fuzz.example.org/log", TALLY_NOTE_ED25519, seed, &k, &err) ||
	    tally_store_log_tree(s, &t, &err))
		die("checkpoint", &err);
	snprintf(cp.origin, sizeof cp.origin, "%s", k.v.name);
	cp.size = tally_merkle_tree_size(t);
	if (tally_merkle_tree_root(t, cp.size, &cp.root, &err) ||
	    tally_checkpoint_format(&cp, &body, &bl, &err) ||
	    tally_note_sign(body, bl, &k, 1, 0, &note, &nl, &err) ||
	    tally_store_checkpoint_add(s, cp.size, &cp.root, note, &err))
		die("checkpoint", &err);
	tally_free(body);
	tally_free(note);
	tally_note_signer_release(&k);
}

/* make the database: the simulated election, both entries of every
 * station but the first three of each constituency (the first two are left
 * for the API, the third has its first entry only), and one user of each
 * role */
static void make_db(void)
{
	tally_sim_options o;
	tally_sim *sim = NULL;
	tally_store *s = NULL;
	tally_users *u = NULL;
	tally_error err = TALLY_ERROR_INIT;

	tally_sim_options_default(&o);
	o.seed = 7;
	o.constituencies = 2;
	o.stations = 8;
	o.voters = 8000;
	o.typos = 0;
	o.bad_protocols = 0;
	o.warnings = 1;
	if (tally_simulate(&o, &sim, &err) || tally_store_create(dbpath, sim->e, &s, &err))
		die("simulate", &err);
	tally_entry *en = calloc(sim->n_round[0] + sim->n_round[1], sizeof *en);
	size_t n = 0;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; en && i < sim->n_round[k]; i++) {
			const char *id = sim->e->stations[sim->round[k][i].p.station].id;
			size_t l = strlen(id);
			if (l < 3 || strcmp(id + l - 3, "001") == 0 || strcmp(id + l - 3, "002") == 0 ||
			    (k == 1 && strcmp(id + l - 3, "003") == 0))
				continue;
			en[n++] = sim->round[k][i];
		}
	}
	tally_submit_outcome *out = calloc(n ? n : 1, sizeof *out);
	if (!en || !out || tally_store_submit(s, sim->e, en, n, out, &err))
		die("submit", &err);
	free(out);
	free(en);
	sign_checkpoint(s);
	tally_store_close(s);

	const tally_election *e = sim->e;
	struct {
		tally_role role;
		const char *scope, *name;
	} users[] = {
		{TALLY_ROLE_PRECINCT, e->stations[0].id, "prec"},
		{TALLY_ROLE_CONSTITUENCY, e->constituencies[0].id, "con"},
		{TALLY_ROLE_CEC, "", "cec"},
		{TALLY_ROLE_OBSERVER, "", "obs"},
	};
	if (tally_users_open(dbpath, &u, &err))
		die("users", &err);
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		char token[TALLY_TOKEN_LEN + 1];
		if (tally_users_add(u, users[i].role, users[i].scope, users[i].name, token, NULL,
		                    &err))
			die("user add", &err);
		if (getenv("TALLY_FUZZ_TOKENS"))
			printf("%s %s %s\n", users[i].name, users[i].scope, token);
	}
	tally_users_close(u);
	tally_sim_free(sim);

	FILE *f = fopen(dbpath, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (pristine_len = (size_t)ftell(f)) == 0 ||
	    fseek(f, 0, SEEK_SET) || !(pristine = malloc(pristine_len)) ||
	    fread(pristine, 1, pristine_len, f) != pristine_len)
		die("read the database", NULL);
	fclose(f);
}

/* (re)open the store and the users table on the pristine database */
static void open_db(void)
{
	tally_error err = TALLY_ERROR_INIT;
	rm_db_files();
	FILE *f = fopen(dbpath, "wb");
	if (!f || fwrite(pristine, 1, pristine_len, f) != pristine_len || fclose(f))
		die("write the database", NULL);
	srv.cached = false;
	if (tally_store_open(dbpath, &srv.store, &err) ||
	    tally_users_open(dbpath, &srv.users, &err) ||
	    (srv.e && server_refresh(&srv, &err)))
		die("open", &err);
}

static void reset_db(void)
{
	pthread_mutex_lock(&srv.lock);
	tally_store_close(srv.store);
	tally_users_close(srv.users);
	srv.store = NULL;
	srv.users = NULL;
	open_db();
	pthread_mutex_unlock(&srv.lock);
}

/* A protocol submission is parked until its group commit. The client's
 * end is half-closed only when no request is parked: libmicrohttpd drops
 * the answer of a suspended connection whose client has closed. */
static bool parked;

static enum MHD_Result fuzz_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                       const char *method, const char *version,
                                       const char *upload, size_t *upload_size, void **con_cls)
{
	enum MHD_Result r = on_request(cls, c, url, method, version, upload, upload_size, con_cls);
	const server_req *q = *con_cls;
	parked = q && q->parked;
	return r;
}

static void fuzz_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
	parked = false;
	on_completed(cls, c, con_cls, toe);
}

static void setup(void)
{
	tally_error err = TALLY_ERROR_INIT;
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	randombytes_set_implementation(&fixed_rng);
	if (sodium_init() < 0)
		abort();
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof dir, "%s/tally-fuzz-http.XXXXXX", tmp);
	if (!mkdtemp(dir))
		abort();
	snprintf(dbpath, sizeof dbpath, "%s/t.db", dir);
	make_db();

	srv.cfg.db = dbpath;
	srv.cfg.web = NULL;
	srv.cfg.bind = "127.0.0.1";
	srv.cfg.threads = 1;
	srv.cfg.max_body = 16384;  /* small, so that 413 is within the fuzzer's reach */
	srv.cfg.rate = 1000000000; /* no 429: the outcome must not depend on the clock */
	srv.cfg.burst = 1000000000;
	srv.cfg.max_conns = 16;
	srv.boot = 0;
	pthread_mutex_init(&srv.lock, NULL);
	pthread_mutex_init(&srv.rl_lock, NULL);
	pthread_mutex_init(&srv.fx_lock, NULL);
	pthread_mutex_init(&srv.g_lock, NULL);
	pthread_mutex_init(&srv.c_lock, NULL);
	pthread_mutex_init(&srv.log_lock, NULL);
	pthread_cond_init(&srv.g_cond, NULL);
	pthread_cond_init(&srv.c_cond, NULL);
	server_json_init();
	srv.head_check = strncmp(MHD_get_version(), "0.9.", 4) == 0;
	open_db();
	if (tally_store_election(srv.store, &srv.e, &err) ||
	    tally_election_write(srv.e, &srv.definition_json, &srv.definition_len, &err) ||
	    server_refresh(&srv, &err))
		die("election", &err);
	if (server_group_start(&srv))
		die("group commit", NULL);
	/* the options of server_run (server_daemon_options), without the
	 * listening socket and threads; no deadlines (the reaper would make the
	 * outcome depend on the clock) */
	struct MHD_OptionItem opts[SERVER_DAEMON_OPTIONS];
	server_daemon_options(&srv, fuzz_on_completed, opts);
	daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME, 0,
	                           server_conn_accept, &srv, fuzz_on_request, &srv,
	                           MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!daemon_)
		die("MHD_start_daemon", NULL);
	__sanitizer_install_malloc_and_free_hooks(heap_malloc, heap_free);
	atexit(cleanup);
}

/* ==== the responses ==== */

static const char *find(const char *s, size_t n, const char *what)
{
	size_t w = strlen(what);
	for (size_t i = 0; i + w <= n; i++)
		if (memcmp(s + i, what, w) == 0)
			return s + i;
	return NULL;
}

/* check every response in "buf": a status line, headers, a body of its
 * Content-Length; no 500; a JSON body parses */
static void check_responses(const char *buf, size_t n, bool head)
{
	size_t pos = 0;
	if (getenv("TALLY_FUZZ_TRACE") && atoi(getenv("TALLY_FUZZ_TRACE")) > 1)
		fwrite(buf, 1, n, stderr);
	while (pos < n) {
		const char *r = buf + pos, *hend = find(r, n - pos, "\r\n\r\n");
		unsigned status = 0;
		if (n - pos < 12 || memcmp(r, "HTTP/1.", 7) != 0 || !hend) {
			fprintf(stderr, "fuzz_http: a malformed response: %.*s\n", (int)(n - pos), r);
			abort();
		}
		for (int i = 9; i < 12; i++)
			status = status * 10 + (unsigned)(r[i] - '0');
		size_t hlen = (size_t)(hend - r) + 4, clen = 0;
		bool json = false, has_len = false;
		for (const char *h = r; h < hend;) {
			const char *e = find(h, (size_t)(hend - h) + 2, "\r\n");
			if (!e)
				break;
			if ((size_t)(e - h) > 16 && strncasecmp(h, "Content-Length: ", 16) == 0) {
				has_len = true;
				for (const char *d = h + 16; d < e; d++)
					clen = clen * 10 + (size_t)(*d - '0');
			}
			if (strncasecmp(h, "Content-Type: application/json", 30) == 0)
				json = true;
			h = e + 2;
		}
		if (getenv("TALLY_FUZZ_TRACE"))
			fprintf(stderr, "fuzz_http: %u %.*s\n", status,
			        (int)(n - pos - hlen < 160 ? n - pos - hlen : 160), r + hlen);
		if (status == 500) {
			fprintf(stderr, "fuzz_http: status %u: %.*s\n", status, (int)(n - pos), r);
			abort();
		}
		/* every answer of the server is JSON; libmicrohttpd's own answers to
		 * requests it could not read (HTML, sometimes with the header block
		 * sent twice, or without a length) end the connection: stop there */
		if (!has_len || !json)
			break;
		if (head && (n - pos - hlen == 0 || (n - pos - hlen >= 7 &&
		                                     memcmp(r + hlen, "HTTP/1.", 7) == 0)))
			clen = 0;
		if (hlen + clen > n - pos) {
			/* the answer to HEAD has the length of a body it does not send */
			if (head)
				break;
			fprintf(stderr, "fuzz_http: a truncated response\n");
			abort();
		}
		if (json && clen > 0) {
			json_error_t je;
			json_t *j = json_loadb(r + hlen, clen, 0, &je);
			if (!j) {
				fprintf(stderr, "fuzz_http: not JSON (%s): %.*s\n", je.text, (int)clen,
				        r + hlen);
				abort();
			}
			json_decref(j);
		}
		pos += hlen + clen;
	}
}

/* ==== one input ==== */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	struct sockaddr_in sa;
	char *resp = NULL;
	size_t rlen = 0, rcap = 0, sent = 0;
	uint64_t writes, dv0 = 0, dv1 = 0;
	bool eof = false, closed = false;

	if (!daemon_)
		setup();
	if (size > 65536)
		return 0;
	pthread_mutex_lock(&srv.lock);
	writes = srv.writes;
	tally_users_data_version(srv.users, &dv0, NULL);
	pthread_mutex_unlock(&srv.lock);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(40000);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	atomic_store(&heap_live, 0);
	atomic_store(&heap_peak, 0);
	atomic_store(&heap_on, true);
	if (MHD_add_connection(daemon_, sv[1], (struct sockaddr *)&sa, sizeof sa) != MHD_YES)
		abort();
	double start = now();
	while (!eof) {
		if (sent < size) {
			ssize_t w = write(sv[0], data + sent, size - sent);
			if (w > 0)
				sent += (size_t)w;
		}
		if (sent == size && !parked && !closed) {
			/* a few idle turns first, so that every request of the input is in */
			MHD_run(daemon_);
			MHD_run(daemon_);
			if (!parked) {
				shutdown(sv[0], SHUT_WR);
				closed = true;
			}
		}
		MHD_run_wait(daemon_, 5);
		for (;;) {
			if (rlen + 4096 > rcap) {
				rcap = rcap ? rcap * 2 : 65536;
				resp = realloc(resp, rcap);
				if (!resp)
					abort();
			}
			ssize_t r = read(sv[0], resp + rlen, rcap - rlen);
			if (r > 0) {
				rlen += (size_t)r;
				continue;
			}
			if (r == 0)
				eof = true;
			break;
		}
		if (!eof && now() - start > 10) {
			fprintf(stderr, "fuzz_http: the server has not closed the connection in 10 s\n");
			abort();
		}
	}
	close(sv[0]);
	MHD_run(daemon_);
	atomic_store(&heap_on, false);
	long long peak = atomic_load(&heap_peak), allowed = (long long)(HEAP_PER_BYTE * size + HEAP_BASE);
	if (getenv("TALLY_FUZZ_TRACE"))
		fprintf(stderr, "fuzz_http: %zu bytes in, the heap grew by at most %lld\n", size, peak);
	if (peak > allowed) {
		fprintf(stderr, "fuzz_http: %zu bytes made the server's heap grow by %lld bytes (at most "
		                "%lld)\n", size, peak, allowed);
		abort();
	}
	check_responses(resp, rlen, find((const char *)data, size, "HEAD") != NULL);
	free(resp);
	/* a write by this server, or by the store's connection (data_version) */
	pthread_mutex_lock(&srv.lock);
	tally_users_data_version(srv.users, &dv1, NULL);
	bool wrote = srv.writes != writes || dv1 != dv0;
	pthread_mutex_unlock(&srv.lock);
	if (wrote)
		reset_db();
	return 0;
}
