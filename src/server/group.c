/* SPDX-License-Identifier: Apache-2.0 */
/*
 * group.c: group commit of protocol submissions. A POST /api/v1/protocols
 * is parsed and checked in the pool thread that received it, queued here,
 * and its connection suspended (MHD_suspend_connection), so the pool thread
 * goes on serving other connections. One writer thread takes every waiting
 * submission (up to GROUP_MAX_REQ requests or GROUP_MAX_ENTRIES entries),
 * submits all their entries, in arrival order, in ONE tally_store_submit
 * (one durable transaction: one fsync for many requests), records the
 * audit rows of the batch in one more transaction, gives each request its
 * own outcomes and status, and only then resumes the connections; each
 * response body is written by the request's own pool thread, so the writer
 * does little besides the commit. A request's outcome is what it would have been had the
 * requests been submitted one by one in that order: tally_store_submit
 * decides each entry against the stored state and the entries before it,
 * and a refused entry changes nothing and does not stop the others.
 */
#include "server/server_int.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define GROUP_MAX_REQ 512
#define GROUP_MAX_ENTRIES 8192

int server_group_submit(server_req *q)
{
	server *srv = q->srv;
	pthread_mutex_lock(&srv->g_lock);
	if (!srv->g_started || srv->g_stopping) {
		pthread_mutex_unlock(&srv->g_lock);
		routes_protocols_release(q);
		server_error(q, MHD_HTTP_SERVICE_UNAVAILABLE, "", q->url, "the server is stopping");
		return -1;
	}
	/* suspended before the writer can see it, so its resume always follows */
	MHD_suspend_connection((struct MHD_Connection *)q->conn);
	q->parked = true;
	q->answered = false;
	q->sub_next = NULL;
	if (srv->g_tail)
		srv->g_tail->sub_next = q;
	else
		srv->g_head = q;
	srv->g_tail = q;
	pthread_cond_signal(&srv->g_cond);
	pthread_mutex_unlock(&srv->g_lock);
	return 0;
}

/* one batch: the requests from "head" on, linked by sub_next */
static void commit_batch(server *srv, server_req *head, size_t total)
{
	tally_entry *en = malloc((total ? total : 1) * sizeof *en);
	tally_submit_outcome *out = calloc(total ? total : 1, sizeof *out);
	tally_error err = TALLY_ERROR_INIT;
	int rc;
	size_t k = 0;
	for (server_req *q = head; q; q = q->sub_next)
		for (size_t i = 0; en && i < q->sub_n; i++)
			en[k++] = q->sub_en[i];  /* shallow: q keeps ownership */
	pthread_mutex_lock(&srv->lock);
	if (!en || !out)
		rc = tally_error_set(&err, TALLY_ENOMEM, "", "submit", "out of memory");
	else
		rc = tally_store_submit(srv->store, srv->e, en, total, out, &err);
	tally_error aerr = TALLY_ERROR_INIT;
	bool batched = tally_users_begin(srv->users, &aerr) == TALLY_OK;
	if (!batched)
		fprintf(stderr, "tally serve: audit: %s\n", aerr.msg);
	k = 0;
	for (server_req *q = head; q; q = q->sub_next) {
		q->sub_rc = rc;
		if (rc)
			q->sub_err = err;
		else
			memcpy(q->sub_out, out + k, q->sub_n * sizeof *out);
		k += q->sub_n;
		routes_protocols_settle(q);
	}
	if (batched && tally_users_commit(srv->users, &aerr))
		fprintf(stderr, "tally serve: audit: %s\n", aerr.msg);
	pthread_mutex_unlock(&srv->lock);
	free(en);
	free(out);
	/* acknowledged only now, after the commit */
	size_t nreq = 0;
	for (server_req *q = head, *next; q; q = next) {
		next = q->sub_next;
		q->sub_next = NULL;
		q->answered = true;
		nreq++;
		MHD_resume_connection((struct MHD_Connection *)q->conn);
	}
	pthread_mutex_lock(&srv->g_lock);
	srv->g_requests += nreq;
	srv->g_commits++;
	pthread_mutex_unlock(&srv->g_lock);
}

static void *writer(void *arg)
{
	server *srv = arg;
	pthread_mutex_lock(&srv->g_lock);
	for (;;) {
		while (!srv->g_head && !srv->g_stopping)
			pthread_cond_wait(&srv->g_cond, &srv->g_lock);
		if (!srv->g_head)
			break;  /* stopping, and nothing left */
		server_req *head = srv->g_head, *last = head;
		size_t nreq = 1, total = head->sub_n;
		while (last->sub_next && nreq < GROUP_MAX_REQ &&
		       total + last->sub_next->sub_n <= GROUP_MAX_ENTRIES) {
			last = last->sub_next;
			total += last->sub_n;
			nreq++;
		}
		srv->g_head = last->sub_next;
		if (!srv->g_head)
			srv->g_tail = NULL;
		last->sub_next = NULL;
		pthread_mutex_unlock(&srv->g_lock);
		commit_batch(srv, head, total);
		pthread_mutex_lock(&srv->g_lock);
	}
	pthread_mutex_unlock(&srv->g_lock);
	return NULL;
}

int server_group_start(server *srv)
{
	srv->g_stopping = false;
	if (pthread_create(&srv->g_thread, NULL, writer, srv) != 0)
		return -1;
	pthread_mutex_lock(&srv->g_lock);
	srv->g_started = true;
	pthread_mutex_unlock(&srv->g_lock);
	return 0;
}

void server_group_stop(server *srv)
{
	pthread_mutex_lock(&srv->g_lock);
	bool started = srv->g_started;
	srv->g_stopping = true;
	pthread_cond_broadcast(&srv->g_cond);
	pthread_mutex_unlock(&srv->g_lock);
	if (started)
		pthread_join(srv->g_thread, NULL);
	pthread_mutex_lock(&srv->g_lock);
	srv->g_started = false;
	pthread_mutex_unlock(&srv->g_lock);
	if (srv->g_requests)
		fprintf(stderr, "tally serve: %llu protocol submissions in %llu group commits\n",
		        (unsigned long long)srv->g_requests, (unsigned long long)srv->g_commits);
}
