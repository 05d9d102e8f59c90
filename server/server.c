#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <openssl/crypto.h>

#include "actsim/lab.h"
#include "api.h"
#include "server.h"
#include "tls.h"
#include "../common/banned.h"

#define MAX_WORKERS 32
#define BATCH_MAX 256
#define STOP_GRACE_SECONDS 5
#define SLOW_TICK_MS 100 /* a "slow" fault sends a piece this often */
/* How long a batch waits for a CLI command holding the lab before its
 * requests are answered 503 LAB_BUSY (its log rows are kept and retried). */
#define SERVER_LAB_WAIT_MS 3000
/* Writes waiting for the writer: beyond this (or --write-queue-max),
 * 503 SERVER_BUSY. (One connection has at most one request in flight, so
 * this matters only with a very high --max-connections.) */
#define WRITE_QUEUE_MAX 4096
/* Request-log rows waiting while the lab is busy: at most this many, nor
 * more than the log keeps; the rest are counted as dropped. */
#define LOG_QUEUE_MAX 65536
#define LOG_RETRIES 3 /* attempts for a log row after other failures */
#define DEFAULT_REQUEST_LOG_MAX 100000
#define MAX_HEADERS 8192 /* request line and headers */
#define MAX_BODY 65536   /* any body, before the route's own cap */

struct worker;

/* A fault in progress (a timer or a hand-written answer), listed on its
 * worker so that a stop frees what is still running. */
struct fault_op {
	struct fault_op *prev, *next;
	void (*release)(struct fault_op *op); /* at stop only */
};
struct conn;

static void arm_locked(struct worker *w);
static struct conn *conn_of(struct evhttp_request *req);
static void request_read(struct evhttp_request *req);
static void answer_sent(struct conn *c);
static void conn_abort(struct evhttp_request *req);
static void end_after_answer(struct evhttp_request *req, void *arg);

/* A request waiting for the writer, a request-log entry or a write of
 * the server's own (the demo clock's ticks). */
struct pending {
	struct pending *next;
	struct worker *w; /* NULL: nobody to answer: a log entry when
			   * write.run is NULL, else the server's own */
	struct evhttp_request *req;
	struct api_write write;
	struct api_response resp;
	const char *route;
	char method[8];
	int status; /* log entries */
	const char *fault; /* the fault kind injected, or NULL */
	struct fault hit;  /* requests: the fault that hit, if any */
	double start;
	bool failed; /* the transaction that held it did not commit */
	int attempts;      /* log entries: failed commits so far */
	unsigned seq; /* place in its batch as it came */
	atomic_bool *tick_done; /* set once a demo-clock tick is committed */
};

struct worker {
	struct server *srv;
	pthread_t thread;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct actsim_lab *lab;
	struct event *wake;
	pthread_mutex_t lock;
	struct pending *done;
	bool stop_requested;
	bool stopping;
	int outstanding;
	/* Guarded by the server's slot lock: this worker's listener holds
	 * one of the --max-connections slots (it is enabled) or waits for
	 * one (disabled; new clients wait in the kernel's queue). */
	bool armed;
	struct event *backoff; /* re-enables accepting after an error */
	struct fault_op *ops;  /* faults in progress */
};

struct server {
	struct api_env env;
	bool env_ready;
	struct actsim_catalog *cat;
	SSL_CTX *ssl;
	int fd;
	int timeout;              /* seconds */
	unsigned max_connections; /* all workers together */
	/* Slots: connections open plus listeners armed, never more than
	 * max_connections, so the cap is exact whatever the threads. */
	pthread_mutex_t slot_lock;
	unsigned slots_used;
	bool closing;
	/* Rate-limited warnings: one line a second, with a count. */
	pthread_mutex_t warn_lock;
	double warn_at;
	unsigned long warn_suppressed;
	char url[128];
	char lab_dir[4096];
	struct worker workers[MAX_WORKERS];
	unsigned nworkers;
	pthread_t writer;
	bool writer_started;
	struct actsim_lab *wlab;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct pending *qhead, *qtail;
	size_t qwrites, qlogs; /* queued requests and log rows */
	size_t qwrites_max;
	bool qstop;
	int64_t request_log_max;
	bool owns_server_file;
	int run_lock_fd; /* DIR/server.lock, locked while owns_server_file */
	struct event *cron;       /* on the first worker's loop */
	uint64_t run_generation;  /* the demo-clock run the cron follows */
	double next_tick;         /* monotonic seconds */
	atomic_bool tick_done;    /* the last tick queued is committed */
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	default:
		return "OTHER";
	}
}

static enum api_method api_method_of(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return API_GET;
	case EVHTTP_REQ_POST:
		return API_POST;
	case EVHTTP_REQ_PUT:
		return API_PUT;
	case EVHTTP_REQ_DELETE:
		return API_DELETE;
	case EVHTTP_REQ_HEAD:
		return API_HEAD;
	default:
		return API_OTHER;
	}
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Entity";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* ---- the writer: batches of deferred writes, one commit each ---- */

/* Queues a write or a log row; false when its queue is full. */
static bool enqueue(struct server *s, struct pending *p)
{
	size_t log_cap = (size_t)s->request_log_max < LOG_QUEUE_MAX ?
				 (size_t)s->request_log_max :
				 LOG_QUEUE_MAX;

	pthread_mutex_lock(&s->qlock);
	if (p->w != NULL ? s->qwrites >= s->qwrites_max :
			   s->qlogs >= log_cap) {
		pthread_mutex_unlock(&s->qlock);
		return false;
	}
	if (p->w != NULL)
		s->qwrites++;
	else
		s->qlogs++;
	p->next = NULL;
	if (s->qtail != NULL)
		s->qtail->next = p;
	else
		s->qhead = p;
	s->qtail = p;
	pthread_cond_signal(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
	return true;
}

/* Puts log rows of a batch that could not commit back at the head of the
 * queue, in order, for the next batch. */
static void requeue_front(struct server *s, struct pending *list,
			  struct pending *last, size_t n)
{
	if (list == NULL)
		return;
	pthread_mutex_lock(&s->qlock);
	last->next = s->qhead;
	s->qhead = list;
	if (s->qtail == NULL)
		s->qtail = last;
	s->qlogs += n;
	pthread_mutex_unlock(&s->qlock);
}

static void deliver(struct pending *p)
{
	struct worker *w = p->w;

	pthread_mutex_lock(&w->lock);
	p->next = w->done;
	w->done = p;
	pthread_mutex_unlock(&w->lock);
	event_active(w->wake, EV_READ, 0);
}

/* Runs a batch in one transaction; true when it did not commit. */
static bool write_batch(struct server *s, struct pending *batch)
{
	struct api_metrics *m = &s->env.metrics;
	struct pending *p;
	actsim_err e;
	bool failed, logged = false;
	int64_t now = 0, trimmed = 0;

	e = actsim_lab_begin(s->wlab, true);
	failed = e != ACTSIM_OK ||
		 actsim_lab_clock_get(s->wlab, &now) != ACTSIM_OK;
	for (p = batch; p != NULL && !failed; p = p->next) {
		if (p->w == NULL && p->write.run == NULL) {
			failed = actsim_lab_request_add(
					 s->wlab, now, p->method, p->route,
					 p->status, p->fault,
					 (int64_t)(p->start * 1e6),
					 (int64_t)time(NULL)) != ACTSIM_OK;
			logged = true;
		} else {
			failed = p->write.run(&s->env, s->wlab, now,
					      p->write.arg, &p->resp) != 0;
		}
	}
	/* The log keeps its newest rows, trimmed in the same transaction. */
	if (!failed && logged &&
	    actsim_lab_request_trim(s->wlab, s->request_log_max, &trimmed) !=
		    ACTSIM_OK)
		failed = true;
	/* Nothing is answered before the commit: an acknowledged write is
	 * durable (SQLite synchronous=FULL; a PostgreSQL commit). */
	if (!failed && actsim_lab_commit(s->wlab) != ACTSIM_OK)
		failed = true;
	if (failed)
		actsim_lab_rollback(s->wlab);
	else if (trimmed > 0)
		api_metrics_event(m, API_EV_LOG_TRIMMED, (uint64_t)trimmed);
	for (p = batch; p != NULL; p = p->next)
		p->failed = failed;
	return failed;
}

static int by_order(const void *a, const void *b)
{
	const struct pending *x = *(struct pending *const *)a,
			     *y = *(struct pending *const *)b;

	if (x->write.order != y->write.order)
		return x->write.order < y->write.order ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Puts a batch in its writes' order (api_write.order), ties as they
 * came. */
static struct pending *sort_batch(struct pending *batch)
{
	struct pending *list[BATCH_MAX], *p;
	unsigned n = 0;

	for (p = batch; p != NULL && n < BATCH_MAX; p = p->next) {
		p->seq = n;
		list[n++] = p;
	}
	if (p != NULL)
		return batch; /* never longer than BATCH_MAX */
	qsort(list, n, sizeof list[0], by_order);
	for (unsigned i = 0; i < n; i++)
		list[i]->next = i + 1 < n ? list[i + 1] : NULL;
	return list[0];
}

static void commit_batch(struct server *s, struct pending *batch)
{
	struct api_metrics *m = &s->env.metrics;
	struct pending *p, *next, *retry = NULL, *retry_tail = NULL;
	size_t nretry = 0;
	bool busy, stopping;

	batch = sort_batch(batch);
	pthread_mutex_lock(&s->qlock);
	stopping = s->qstop;
	pthread_mutex_unlock(&s->qlock);
	/* A batch fails as a whole. Unless the database is simply gone or
	 * held by another process, retry its requests one per transaction:
	 * that confines a failure to the request that caused it, and ends a
	 * deadlock between two nodes' batches (a transaction deciding one
	 * key cannot be part of one). */
	busy = write_batch(s, batch) &&
	       actsim_lab_errcode(s->wlab) == ACTSIM_E_LAB_BUSY;
	if (batch->failed && !busy && batch->next != NULL &&
	    actsim_lab_errcode(s->wlab) != ACTSIM_E_DB_UNAVAILABLE) {
		for (p = batch; p != NULL; p = next) {
			next = p->next;
			p->next = NULL;
			api_response_release(&p->resp);
			write_batch(s, p);
			p->next = next;
		}
	}
	for (p = batch; p != NULL; p = next) {
		next = p->next;
		if (p->write.free != NULL)
			p->write.free(p->write.arg);
		memset(&p->write, 0, sizeof p->write);
		if (p->w == NULL) {
			if (p->tick_done != NULL) {
				/* the server's own write: a lost tick only
				 * slows the demo clock */
				atomic_store(p->tick_done, true);
				api_response_release(&p->resp);
				free(p);
				continue;
			}
			/* A log row is never lost to a busy lab: it goes
			 * back in the queue. Other failures get a few more
			 * tries. */
			if (p->failed && !stopping &&
			    (busy || ++p->attempts < LOG_RETRIES)) {
				p->next = NULL;
				if (retry_tail != NULL)
					retry_tail->next = p;
				else
					retry = p;
				retry_tail = p;
				nretry++;
			} else {
				free(p);
			}
			continue;
		}
		if (p->failed) {
			api_response_release(&p->resp);
			api_db_failure(&p->resp, s->wlab);
			if (busy)
				api_metrics_event(m, API_EV_LAB_BUSY, 1);
		}
		deliver(p);
	}
	if (nretry > 0) {
		api_metrics_event(m, API_EV_WRITE_RETRIED, 1);
		requeue_front(s, retry, retry_tail, nretry);
	}
}

static void *writer_main(void *arg)
{
	struct server *s = arg;

	for (;;) {
		struct pending *batch, *p;
		int n = 1;

		pthread_mutex_lock(&s->qlock);
		while (s->qhead == NULL && !s->qstop)
			pthread_cond_wait(&s->qcond, &s->qlock);
		if (s->qhead == NULL) {
			pthread_mutex_unlock(&s->qlock);
			return NULL;
		}
		batch = p = s->qhead;
		while (p->next != NULL && n < BATCH_MAX) {
			p = p->next;
			n++;
		}
		s->qhead = p->next;
		if (s->qhead == NULL)
			s->qtail = NULL;
		p->next = NULL;
		for (p = batch; p != NULL; p = p->next) {
			if (p->w != NULL)
				s->qwrites--;
			else
				s->qlogs--;
		}
		pthread_mutex_unlock(&s->qlock);
		commit_batch(s, batch);
	}
}

/* ---- workers ---- */

/* The body of a response and its type; the caller frees the body. */
static char *response_body(const struct api_response *resp, size_t *len,
			   const char **type)
{
	char *body = NULL;

	*type = NULL;
	if (resp->static_body != NULL) {
		body = malloc(resp->static_len + 1);
		if (body != NULL) {
			memcpy(body, resp->static_body, resp->static_len);
			body[resp->static_len] = '\0';
		}
		*type = resp->content_type;
	} else if (resp->text != NULL) {
		body = strdup(resp->text);
		*type = resp->content_type;
	} else if (resp->doc != NULL) {
		/* reals at 10 digits: a latency of 0.237 ms prints so, not
		 * as 0.23699999999999999 */
		char *json = json_dumps(resp->doc,
					JSON_COMPACT | JSON_PRESERVE_ORDER |
						JSON_REAL_PRECISION(10));

		if (json != NULL && (body = malloc(strlen(json) + 2)) != NULL)
			snprintf(body, strlen(json) + 2, "%s\n", json);
		free(json);
		*type = "application/json";
	}
	*len = body != NULL ? strlen(body) : 0;
	return body;
}

/* The headers every answer carries beside its type and length, through
 * add(arg, name, value): the same for libevent's answers and for those a
 * fault writes by hand. */
static void common_headers(const struct api_response *resp,
			   void (*add)(void *arg, const char *name,
				       const char *value),
			   void *arg)
{
	char retry[24];

	if (resp->allow[0] != '\0')
		add(arg, "Allow", resp->allow);
	if (resp->status == 401)
		add(arg, "WWW-Authenticate", "Bearer");
	if (resp->retry_after > 0) {
		snprintf(retry, sizeof retry, "%d", resp->retry_after);
		add(arg, "Retry-After", retry);
	}
	add(arg, "Cache-Control", "no-store");
	/* The dashboard runs only its own files: no inline script or style,
	 * nothing from elsewhere, no framing. Harmless on JSON answers. */
	add(arg, "Content-Security-Policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
	    "form-action 'none'; frame-ancestors 'none'");
	add(arg, "X-Content-Type-Options", "nosniff");
	add(arg, "Referrer-Policy", "no-referrer");
}

static void add_evhttp_header(void *arg, const char *name, const char *value)
{
	evhttp_add_header(arg, name, value);
}

static void send_response(struct evhttp_request *req,
			  const struct api_response *resp)
{
	struct evbuffer *buf = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const char *type;
	size_t len;
	char *body = response_body(resp, &len, &type);
	char retry[24];

	if (type != NULL)
		evhttp_add_header(h, "Content-Type", type);
	if (body != NULL &&
	    evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* The headers GET would send, without the body (libevent
		 * adds no Content-Length to an answer to HEAD). */
		snprintf(retry, sizeof retry, "%zu", len);
		evhttp_add_header(h, "Content-Length", retry);
	} else if (body != NULL) {
		evbuffer_add(buf, body, len);
		/* Nor to one to CONNECT, whose success would have none;
		 * and libevent keeps a CONNECT's connection open for the
		 * tunnel it never makes, whatever the client asked. */
		if (evhttp_request_get_command(req) == EVHTTP_REQ_CONNECT) {
			snprintf(retry, sizeof retry, "%zu", len);
			evhttp_add_header(h, "Content-Length", retry);
			if (evhttp_find_header(h, "Connection") == NULL)
				evhttp_add_header(h, "Connection", "close");
			evhttp_request_set_on_complete_cb(req, end_after_answer,
							  NULL);
		}
	}
	common_headers(resp, add_evhttp_header, h);
	evhttp_send_reply(req, resp->status, reason_phrase(resp->status), buf);
	evbuffer_free(buf);
	free(body);
}

static void log_request(struct server *s, const char *method,
			const char *route, int status, const char *fault,
			double seconds)
{
	struct pending *p = calloc(1, sizeof *p);

	if (p == NULL)
		return;
	snprintf(p->method, sizeof p->method, "%s", method);
	p->route = route;
	p->status = status;
	p->fault = fault;
	p->start = seconds; /* the latency, for log entries */
	if (!enqueue(s, p)) {
		free(p);
		api_metrics_event(&s->env.metrics, API_EV_LOG_DROPPED, 1);
	}
}

/* status 0: no HTTP answer went out (a reset, a held request, garbage);
 * such requests are counted by actsim_faults_injected_total only. */
static void request_done(struct worker *w, const char *method,
			 const char *route, int status, const char *fault,
			 double start)
{
	double secs = now_seconds() - start;

	if (status != 0)
		api_metrics_observe(&w->srv->env.metrics, route, status, secs);
	log_request(w->srv, method, route, status, fault, secs);
	w->outstanding--;
	if (w->stopping && w->outstanding == 0)
		event_base_loopexit(w->base, NULL);
}

static const char *fault_name(const struct fault *f)
{
	return f != NULL && f->kind != FAULT_NONE ? fault_kind_names[f->kind] :
						    NULL;
}

static void op_add(struct worker *w, struct fault_op *op,
		   void (*release)(struct fault_op *))
{
	op->release = release;
	op->prev = NULL;
	op->next = w->ops;
	if (w->ops != NULL)
		w->ops->prev = op;
	w->ops = op;
}

static void op_remove(struct worker *w, struct fault_op *op)
{
	if (op->prev != NULL)
		op->prev->next = op->next;
	else
		w->ops = op->next;
	if (op->next != NULL)
		op->next->prev = op->prev;
}

/* Drops a request without an answer: with a TCP reset (RST, no FIN, no
 * TLS close_notify) or quietly. */
static void drop_request(struct evhttp_request *req, bool reset)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev = c ? evhttp_connection_get_bufferevent(c) :
				      NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	struct sockaddr unspec;

	if (c == NULL) {
		/* The client left; libevent handed the request to us. */
		evhttp_request_free(req);
		return;
	}
	conn_abort(req); /* no close_notify: the fault is a broken end */
	/* libevent shuts the socket down (FIN) before closing it, so the
	 * reset comes first: connecting a TCP socket to AF_UNSPEC aborts
	 * the connection with an RST (Linux, tcp_disconnect). */
	if (reset && fd >= 0) {
		memset(&unspec, 0, sizeof unspec);
		unspec.sa_family = AF_UNSPEC;
		connect(fd, &unspec, sizeof unspec);
	}
	evhttp_connection_free(c);
}

/* An answer written by hand on the connection, for faults that break
 * HTTP: cut short (truncate), trickled (slow) or not HTTP at all
 * (garbage). The connection ends with a TLS close_notify, so the client
 * sees the stream end where the fault ended it. */
struct raw_send {
	struct fault_op op; /* first */
	struct worker *w;
	struct evhttp_connection *conn;
	struct bufferevent *bev;
	struct event *tick;
	char *data;
	size_t len, off, piece;
	const char *method, *route, *fault;
	int status;
	double start;
};

static void raw_end(struct raw_send *r, bool clean)
{
	SSL *ssl = bufferevent_openssl_get_ssl(r->bev);

	if (clean && ssl != NULL)
		SSL_shutdown(ssl);
	op_remove(r->w, &r->op);
	if (r->tick != NULL)
		event_free(r->tick);
	evhttp_connection_free(r->conn);
	request_done(r->w, r->method, r->route, r->status, r->fault,
		     r->start);
	free(r->data);
	free(r);
}

static void raw_written(struct bufferevent *bev, void *arg)
{
	struct raw_send *r = arg;

	(void)bev;
	if (r->off == r->len)
		raw_end(r, true);
}

static void raw_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	raw_end(arg, false);
}

static void raw_tick(evutil_socket_t fd, short what, void *arg)
{
	struct raw_send *r = arg;
	size_t n = r->len - r->off < r->piece ? r->len - r->off : r->piece;
	struct timeval tv = { SLOW_TICK_MS / 1000,
			      (SLOW_TICK_MS % 1000) * 1000 };

	(void)fd;
	(void)what;
	bufferevent_write(r->bev, r->data + r->off, n);
	r->off += n;
	if (r->off < r->len)
		evtimer_add(r->tick, &tv);
}

/* At stop: libevent frees the connection with the HTTP layer. */
static void raw_release(struct fault_op *op)
{
	struct raw_send *r = (struct raw_send *)op;

	if (r->tick != NULL)
		event_free(r->tick);
	free(r->data);
	free(r);
}

/* Takes the connection over from libevent's HTTP layer and sends data
 * (which it frees), all at once or `rate` bytes a second. */
static void raw_send(struct worker *w, struct evhttp_request *req,
		     char *data, size_t len, long rate, const char *route,
		     int status, const char *fault, double start)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct raw_send *r = calloc(1, sizeof *r);
	const char *method = method_name(evhttp_request_get_command(req));

	if (c == NULL || r == NULL || data == NULL) {
		free(r);
		free(data);
		drop_request(req, false);
		request_done(w, method, route, 0, fault, start);
		return;
	}
	r->w = w;
	r->conn = c;
	r->bev = evhttp_connection_get_bufferevent(c);
	r->data = data;
	r->len = len;
	r->method = method;
	r->route = route;
	r->status = status;
	r->fault = fault;
	r->start = start;
	op_add(w, &r->op, raw_release);
	bufferevent_setcb(r->bev, NULL, raw_written, raw_event, r);
	bufferevent_disable(r->bev, EV_READ);
	bufferevent_enable(r->bev, EV_WRITE);
	if (rate > 0) {
		r->piece = (size_t)(rate * SLOW_TICK_MS / 1000);
		if (r->piece == 0)
			r->piece = 1;
		r->tick = evtimer_new(w->base, raw_tick, r);
		if (r->tick != NULL) {
			raw_tick(-1, 0, r);
			return;
		}
	}
	r->off = len;
	bufferevent_write(r->bev, data, len);
}

struct rendered {
	char *out;
	size_t len, cap;
};

static void add_rendered_header(void *arg, const char *name,
				const char *value)
{
	struct rendered *r = arg;
	int n = snprintf(r->out + r->len, r->cap - r->len, "%s: %s\r\n", name,
			 value);

	if (n > 0 && (size_t)n < r->cap - r->len)
		r->len += (size_t)n;
}

/* The whole response as bytes, to be cut or trickled: the headers
 * libevent's answer would have (without a body for HEAD), and
 * Connection: close. */
static char *render_response(const struct api_response *resp, bool head,
			     size_t *len)
{
	const char *type;
	size_t blen;
	char *body = response_body(resp, &blen, &type);
	struct rendered r = { NULL, 0, blen + 1024 };

	r.out = malloc(r.cap);
	if (r.out == NULL) {
		free(body);
		return NULL;
	}
	char date[64] = "";

	evutil_date_rfc1123(date, sizeof date, NULL); /* now, as libevent */
	r.len = (size_t)snprintf(r.out, r.cap,
				 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
				 "Content-Length: %zu\r\n"
				 "Connection: close\r\nDate: %s\r\n",
				 resp->status, reason_phrase(resp->status),
				 type != NULL ? type : "text/plain", blen,
				 date);
	common_headers(resp, add_rendered_header, &r);
	r.len += (size_t)snprintf(r.out + r.len, r.cap - r.len, "\r\n");
	if (body != NULL && !head) {
		memcpy(r.out + r.len, body, blen);
		r.len += blen;
	}
	*len = r.len;
	free(body);
	return r.out;
}

static void finish(struct worker *w, struct evhttp_request *req,
		   struct api_response *resp, const char *method,
		   const char *route, const struct fault *fault, double start)
{
	int status = resp->status;

	if (fault != NULL &&
	    (fault->kind == FAULT_TRUNCATE || fault->kind == FAULT_SLOW)) {
		size_t len = 0, cut;
		char *raw = render_response(
			resp,
			evhttp_request_get_command(req) == EVHTTP_REQ_HEAD,
			&len);
		char *end = raw ? strstr(raw, "\r\n\r\n") : NULL;

		api_response_release(resp);
		if (fault->kind == FAULT_TRUNCATE && end != NULL) {
			/* Whole headers, then `bytes` of the body (never all
			 * of it, so the cut always shows). */
			size_t head = (size_t)(end + 4 - raw);
			size_t blen = len - head;

			cut = (size_t)fault->bytes < blen ? (size_t)fault->bytes :
			      blen > 0			  ? blen - 1 :
							    0;
			len = head + cut;
		}
		raw_send(w, req, raw, len,
			 fault->kind == FAULT_SLOW ? fault->rate : 0, route,
			 status, fault_name(fault), start);
		return;
	}
	/* Before sending: the connection may be gone after. */
	answer_sent(conn_of(req));
	send_response(req, resp);
	api_response_release(resp);
	request_done(w, method, route, status, fault_name(fault), start);
}

/* True for a connection without TLS: only when make_bev failed. */
static bool plain_connection(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev = c ? evhttp_connection_get_bufferevent(c) :
				      NULL;

	return bev == NULL || bufferevent_openssl_get_ssl(bev) == NULL;
}

static void build_request(struct evhttp_request *req, struct api_request *ar)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	memset(ar, 0, sizeof *ar);
	ar->method = api_method_of(evhttp_request_get_command(req));
	/* CONNECT's target is parsed as an authority (host:port), without
	 * a path: its text as given never names a route by accident. */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_CONNECT)
		path = evhttp_request_get_uri(req);
	ar->path = path != NULL && path[0] != '\0' ? path : "/";
	ar->query = uri ? evhttp_uri_get_query(uri) : NULL;
	ar->body_len = evbuffer_get_length(in);
	ar->body = ar->body_len ? (const char *)evbuffer_pullup(in, -1) : "";
	ar->authorization = evhttp_find_header(
		evhttp_request_get_input_headers(req), "Authorization");
}

static void process(struct worker *w, struct evhttp_request *req,
		    const struct fault *fault, double start)
{
	struct api_request ar;
	struct api_response resp;
	struct api_write write;
	const char *route;

	build_request(req, &ar);
	route = api_route_name(&ar);
	memset(&resp, 0, sizeof resp);
	if (api_handle(&w->srv->env, w->lab, &ar, &resp, &write) ==
	    API_DEFERRED) {
		struct pending *p = calloc(1, sizeof *p);

		if (p == NULL) {
			if (write.free != NULL)
				write.free(write.arg);
			api_error(&resp, 500, "INTERNAL", "out of memory");
		} else {
			p->w = w;
			p->req = req;
			p->write = write;
			p->route = route;
			if (fault != NULL)
				p->hit = *fault;
			p->start = start;
			snprintf(p->method, sizeof p->method, "%s",
				 method_name(evhttp_request_get_command(req)));
			if (enqueue(w->srv, p))
				return;
			free(p);
			if (write.free != NULL)
				write.free(write.arg);
			api_error(&resp, 503, "SERVER_BUSY",
				  "too many writes are waiting; retry");
			resp.retry_after = 1;
			api_metrics_event(&w->srv->env.metrics,
					  API_EV_QUEUE_FULL, 1);
		}
	}
	/* A read that failed because the database is away says so. */
	if (resp.status == 500 &&
	    actsim_lab_errcode(w->lab) == ACTSIM_E_DB_UNAVAILABLE)
		api_db_failure(&resp, w->lab);
	finish(w, req, &resp, method_name(evhttp_request_get_command(req)),
	       route, fault, start);
}

/* A fault's action, run from a timer: after a delay (latency), after
 * the hold (timeout), or at once but outside libevent's request
 * callback (reset, garbage). */
struct delayed {
	struct fault_op op; /* first */
	struct worker *w;
	struct evhttp_request *req;
	struct event *ev;
	double start;
	const char *route;
	struct fault fault;
};

static char *garbage(const struct fault *f, size_t *len)
{
	char *out = malloc((size_t)f->bytes + 1);
	uint64_t x = f->rnd;

	if (out == NULL)
		return NULL;
	for (long i = 0; i < f->bytes; i++) {
		x = fault_mix(x);
		out[i] = (char)(x >> 56);
	}
	/* Never by chance the start of an HTTP status line. */
	if (f->bytes > 0 && out[0] == 'H')
		out[0] = 'h';
	*len = (size_t)f->bytes;
	return out;
}

static void on_delayed(evutil_socket_t fd, short what, void *arg)
{
	struct delayed *d = arg;
	const char *method = method_name(evhttp_request_get_command(d->req));
	const char *kind = fault_kind_names[d->fault.kind];
	size_t len = 0;
	char *bytes;

	(void)fd;
	(void)what;
	op_remove(d->w, &d->op);
	switch (d->fault.kind) {
	case FAULT_RESET:
	case FAULT_TIMEOUT:
		drop_request(d->req, d->fault.kind == FAULT_RESET);
		request_done(d->w, method, d->route, 0, kind, d->start);
		break;
	case FAULT_GARBAGE:
		bytes = garbage(&d->fault, &len);
		raw_send(d->w, d->req, bytes, len, 0, d->route, 0, kind,
			 d->start);
		break;
	default:
		process(d->w, d->req, &d->fault, d->start);
		break;
	}
	event_free(d->ev);
	free(d);
}

static void delayed_release(struct fault_op *op)
{
	struct delayed *d = (struct delayed *)op;

	event_free(d->ev);
	free(d);
}

static void delay(struct worker *w, struct evhttp_request *req, double start,
		  const char *route, const struct fault *fault, int ms)
{
	struct delayed *d = calloc(1, sizeof *d);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (d == NULL || (d->ev = evtimer_new(w->base, on_delayed, d)) == NULL) {
		free(d);
		process(w, req, NULL, start);
		return;
	}
	d->w = w;
	d->req = req;
	d->start = start;
	d->route = route;
	d->fault = *fault;
	op_add(w, &d->op, delayed_release);
	evtimer_add(d->ev, &tv);
}

/* Two Content-Length headers that disagree: which body is meant cannot
 * be known (RFC 9112, 6.3), so the request is refused. */
static bool conflicting_lengths(struct evhttp_request *req)
{
	const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *first = NULL;

	for (const struct evkeyval *kv = h->tqh_first; kv != NULL;
	     kv = kv->next.tqe_next) {
		if (evutil_ascii_strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		if (first == NULL)
			first = kv->value;
		else if (strcmp(first, kv->value) != 0)
			return true;
	}
	return false;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct worker *w = arg;
	double start = now_seconds();
	struct api_request ar;
	struct api_response resp;
	struct fault f;
	const char *route;

	if (plain_connection(req)) {
		drop_request(req, true); /* never answer without TLS */
		return;
	}
	if (conflicting_lengths(req)) {
		request_read(req);
		evhttp_send_error(req, HTTP_BADREQUEST, NULL);
		return;
	}
	request_read(req);
	w->outstanding++;
	build_request(req, &ar);
	route = api_route_name(&ar);
	if (!fault_table_pick(&w->srv->env.faults, route,
			      method_name(evhttp_request_get_command(req)),
			      false, &f)) {
		process(w, req, NULL, start);
		return;
	}
	memset(&resp, 0, sizeof resp);
	switch (f.kind) {
	case FAULT_ERROR:
		api_error(&resp, f.status, f.code,
			  "fault injected by the lab administrator");
		finish(w, req, &resp,
		       method_name(evhttp_request_get_command(req)), route, &f,
		       start);
		break;
	case FAULT_DOWN:
		api_error(&resp, 503, "CLEARINGHOUSE_DOWN",
			  "the clearinghouse is down; retry after %d s",
			  f.retry_after);
		resp.retry_after = f.retry_after;
		finish(w, req, &resp,
		       method_name(evhttp_request_get_command(req)), route, &f,
		       start);
		break;
	case FAULT_LATENCY:
		delay(w, req, start, route, &f,
		      f.delay_ms + (f.jitter_ms > 0 ?
					    (int)(f.rnd % (uint64_t)(f.jitter_ms +
								     1)) :
					    0));
		break;
	case FAULT_TIMEOUT:
		delay(w, req, start, route, &f, f.hold_ms);
		break;
	case FAULT_RESET:
	case FAULT_GARBAGE:
		delay(w, req, start, route, &f, 0);
		break;
	default: /* truncate, slow: the real answer, broken on the way */
		process(w, req, &f, start);
		break;
	}
}

/* Results from the writer, and the stop request. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct pending *list, *p;
	bool stop;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->lock);
	list = w->done;
	w->done = NULL;
	stop = w->stop_requested && !w->stopping;
	pthread_mutex_unlock(&w->lock);
	pthread_mutex_lock(&w->srv->slot_lock);
	arm_locked(w); /* a connection elsewhere may have freed a slot */
	pthread_mutex_unlock(&w->srv->slot_lock);
	while ((p = list) != NULL) {
		list = p->next;
		finish(w, p->req, &p->resp, p->method, p->route,
		       p->hit.kind != FAULT_NONE ? &p->hit : NULL, p->start);
		free(p);
	}
	if (stop) {
		struct timeval grace = { STOP_GRACE_SECONDS, 0 };

		w->stopping = true;
		if (w->bound != NULL)
			evhttp_del_accept_socket(w->http, w->bound);
		w->bound = NULL;
		if (w->outstanding == 0)
			event_base_loopexit(w->base, NULL);
		else
			event_base_loopexit(w->base, &grace);
	}
}

/* ---- connections ---- */

/* Prints a warning at most once a second; the ones in between are
 * counted and the count is given with the next line. */
static void warn_limited(struct server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warn_limited(struct server *s, const char *fmt, ...)
{
	double now = now_seconds();
	unsigned long skipped = 0;
	bool print = false;
	char msg[256];
	va_list ap;

	pthread_mutex_lock(&s->warn_lock);
	if (now - s->warn_at >= 1.0) {
		print = true;
		skipped = s->warn_suppressed;
		s->warn_suppressed = 0;
		s->warn_at = now;
	} else {
		s->warn_suppressed++;
	}
	pthread_mutex_unlock(&s->warn_lock);
	if (!print)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (skipped > 0)
		fprintf(stderr, "actsim: %s (and %lu more in the last second)\n",
			msg, skipped);
	else
		fprintf(stderr, "actsim: %s\n", msg);
}

static struct evconnlistener *listener_of(struct worker *w)
{
	return w->bound != NULL ? evhttp_bound_socket_get_listener(w->bound) :
				  NULL;
}

/* Takes a slot for this worker's listener if one is free. Called on the
 * worker's own thread, with the slot lock held. */
static void arm_locked(struct worker *w)
{
	struct server *s = w->srv;
	struct evconnlistener *l = listener_of(w);

	if (w->armed || l == NULL || w->stopping)
		return;
	if (s->slots_used < s->max_connections) {
		s->slots_used++;
		w->armed = true;
		if (!evtimer_pending(w->backoff, NULL))
			evconnlistener_enable(l);
	}
}

/* Gives a slot back and lets a waiting listener have it. */
static void slot_free(struct worker *w)
{
	struct server *s = w->srv;

	pthread_mutex_lock(&s->slot_lock);
	s->slots_used--;
	if (!w->armed) {
		arm_locked(w);
	} else if (!s->closing) {
		/* Another worker may be waiting: wake them to try. */
		for (unsigned i = 0; i < s->nworkers; i++)
			if (&s->workers[i] != w && !s->workers[i].armed)
				event_active(s->workers[i].wake, EV_READ, 0);
	}
	pthread_mutex_unlock(&s->slot_lock);
}

/* Each connection's state rides on its SSL object: OpenSSL calls
 * conn_closed when the connection (and so its SSL) is freed. */
struct conn {
	struct worker *w;
	struct bufferevent *bev;
	/* A request must be complete within --timeout of its first byte:
	 * armed by the first byte (or the connection), disarmed once the
	 * request is read. A client dripping bytes cannot hold it longer. */
	struct event *deadline;
	struct event *setup; /* hooks the close, once libevent has it */
	bool abortive;       /* closed without a TLS close_notify */
	/* Bytes of the request being read that libevent has taken out of
	 * the input so far: tells a request line over the limit (libevent
	 * keeps no trace of it) from a malformed one. */
	size_t consumed;
};

static int conn_index = -1;
static int tls_fault_index = -1; /* set: abort this handshake */
static pthread_once_t conn_index_once = PTHREAD_ONCE_INIT;

static void conn_closed(void *parent, void *ptr, CRYPTO_EX_DATA *ad,
			int idx, long argl, void *argp)
{
	struct conn *c = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (c == NULL)
		return;
	if (c->deadline != NULL)
		event_free(c->deadline);
	if (c->setup != NULL)
		event_free(c->setup);
	slot_free(c->w);
	free(c);
}

static void conn_index_init(void)
{
	conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_closed);
	tls_fault_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* A "tls" fault: the handshake ends with a handshake_failure alert. */
static int on_client_hello(SSL *ssl, int *al, void *arg)
{
	(void)arg;
	if (SSL_get_ex_data(ssl, tls_fault_index) == NULL)
		return SSL_CLIENT_HELLO_SUCCESS;
	*al = SSL_AD_HANDSHAKE_FAILURE;
	return SSL_CLIENT_HELLO_ERROR;
}

static struct conn *conn_of(struct evhttp_request *req)
{
	struct evhttp_connection *ec = evhttp_request_get_connection(req);
	struct bufferevent *bev = ec ? evhttp_connection_get_bufferevent(ec) :
				       NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;

	return ssl != NULL ? SSL_get_ex_data(ssl, conn_index) : NULL;
}

/* Sends a TLS close_notify, once, unless the connection is to end
 * broken (a fault) or never finished its handshake. */
static void close_notify(struct conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);

	if (!c->abortive && ssl != NULL && SSL_is_init_finished(ssl) &&
	    !(SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN))
		SSL_shutdown(ssl);
}

/* Ends a connection once its answer is written: libevent then reads the
 * end of the stream and frees it. */
static void end_after_answer(struct evhttp_request *req, void *arg)
{
	struct conn *c = conn_of(req);
	evutil_socket_t sock = c != NULL ? bufferevent_getfd(c->bev) : -1;

	(void)arg;
	if (c != NULL)
		close_notify(c);
	if (sock >= 0)
		shutdown(sock, SHUT_RDWR);
}

static void conn_abort(struct evhttp_request *req)
{
	struct conn *c = conn_of(req);

	if (c != NULL)
		c->abortive = true;
}

/* libevent's TLS bufferevent closes the socket without a close_notify.
 * Whatever closes a connection (an answer with Connection: close, a
 * refusal, the idle timeout, the server stopping) goes through
 * evhttp_connection_free, which calls this first: the client sees a
 * clean end of the stream, not a cut. */
static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	close_notify(arg);
}

static void arm_deadline(struct conn *c);

/* Every read from the socket, below TLS: a next request's first bytes
 * start its clock even while they are only part of a TLS record, which
 * yields no plaintext until it is whole (a client dripping a record would
 * otherwise keep its connection for as long as it liked). libevent reads
 * nothing while it answers a request, so this only sees what comes
 * between requests. */
static long on_raw_read(BIO *b, int oper, const char *argp, size_t len,
			int argi, long argl, int ret, size_t *processed)
{
	struct conn *c = (struct conn *)BIO_get_callback_arg(b);

	(void)argp;
	(void)len;
	(void)argi;
	(void)argl;
	if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && c != NULL &&
	    processed != NULL && *processed > 0)
		arm_deadline(c);
	return ret;
}

/* Runs once the connection made with make_bev has its evhttp_connection
 * (and its socket): libevent gives the bufferevent's callbacks that
 * connection as their argument. */
static void on_conn_setup(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	void *cbarg = NULL;
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	BIO *rbio = ssl != NULL ? SSL_get_rbio(ssl) : NULL;

	(void)fd;
	(void)what;
	if (rbio != NULL) {
		BIO_set_callback_arg(rbio, (char *)c);
		BIO_set_callback_ex(rbio, on_raw_read);
	}
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
	if (cbarg != NULL &&
	    evhttp_connection_get_bufferevent(cbarg) == c->bev)
		evhttp_connection_set_closecb(cbarg, on_conn_close, c);
}

static void arm_deadline(struct conn *c)
{
	struct timeval tv = { c->w->srv->timeout, 0 };

	if (!evtimer_pending(c->deadline, NULL))
		evtimer_add(c->deadline, &tv);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	evutil_socket_t sock = bufferevent_getfd(c->bev);

	(void)fd;
	(void)what;
	api_metrics_event(&c->w->srv->env.metrics, API_EV_CONN_TIMED_OUT, 1);
	close_notify(c);
	/* libevent sees the end of the stream and frees the connection. */
	if (sock >= 0)
		shutdown(sock, SHUT_RDWR);
}

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
		     void *arg)
{
	struct conn *c = arg;

	(void)buf;
	c->consumed += info->n_deleted;
	if (info->n_added > 0)
		arm_deadline(c);
}

/* The request is read: no deadline while it is answered. */
static void request_read(struct evhttp_request *req)
{
	struct conn *c = conn_of(req);

	if (c != NULL) {
		evtimer_del(c->deadline);
		c->consumed = 0;
	}
}

/* Whether libevent refused a request (400) because its request line and
 * headers are over MAX_HEADERS rather than malformed: libevent reports
 * both alike. It gives up on a line over the limit (consumed whole, or
 * still without its end in the input), or on headers whose lengths add
 * up past it (req->headers_size). */
static bool headers_too_large(const struct evhttp_request *req,
			      const struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t left = evbuffer_get_length(in);
	struct evbuffer_ptr eol = evbuffer_search(in, "\n", 1, NULL);

	if (req->headers_size > MAX_HEADERS)
		return true;
	if (eol.pos < 0 && req->headers_size + left > MAX_HEADERS)
		return true;
	/* The request line itself: libevent drops it without counting. */
	return req->headers_size == 0 && c->consumed > MAX_HEADERS;
}

/* Whether a 413 from libevent's parser is for a declared body over
 * MAX_BODY. Its chunked reader says 413 both for a corrupt chunk and for
 * a chunk that would take the body past the limit, and cannot tell which:
 * a chunked body is then refused as malformed (docs/api.md). */
static bool body_too_large(struct evhttp_request *req)
{
	const char *cl = evhttp_find_header(
		evhttp_request_get_input_headers(req), "Content-Length");
	char *end;
	long long n;

	if (req->chunked || cl == NULL)
		return req->body_size > MAX_BODY && !req->chunked;
	n = strtoll(cl, &end, 10);
	return end != cl && n > MAX_BODY;
}

/* libevent answers the requests it refuses while parsing (a method it
 * does not know, a request line and headers or a body over the limits,
 * anything that is not HTTP/1.x) itself, with evhttp_send_error and an
 * HTML page. Its own calls to evhttp_send_error go through its PLT, and
 * the executable exports this definition (-Wl,--export-dynamic-symbol in
 * the Makefile), so the dynamic linker binds those calls here: every
 * answer is JSON with a documented code, and counted. This needs libevent
 * as a shared library, found through the global scope (linked, or
 * dlopen'ed without RTLD_DEEPBIND); tests/hardening.py fails if an HTML
 * page comes back. */
void evhttp_send_error(struct evhttp_request *req, int error,
		       const char *reason)
{
	struct conn *c = conn_of(req);
	struct api_response resp;
	enum api_refused kind;
	const char *msg;

	(void)reason;
	if (c == NULL) {
		drop_request(req, true); /* never answer without TLS */
		return;
	}
	switch (error) {
	case 413:
		/* libevent says 413 for a corrupt chunked body too, and for
		 * the first of two lengths that disagree */
		if (body_too_large(req) && !conflicting_lengths(req)) {
			kind = API_REFUSED_BODY;
			msg = "the body is over 64 KiB";
		} else {
			kind = API_REFUSED_MALFORMED;
			msg = "the chunked body is corrupt, or a chunk would "
			      "take it over 64 KiB";
		}
		break;
	case 417:
		kind = API_REFUSED_EXPECT;
		msg = "the only expectation served is 'Expect: 100-continue'";
		break;
	case 501:
		kind = API_REFUSED_METHOD;
		msg = "unknown method (served: GET, HEAD, POST, PUT, DELETE)";
		break;
	default:
		if (headers_too_large(req, c)) {
			kind = API_REFUSED_HEADERS;
			msg = "the request line and headers are over 8 KiB";
		} else {
			kind = API_REFUSED_MALFORMED;
			msg = "the request is not valid HTTP/1.1";
		}
		break;
	}
	api_metrics_refused(&c->w->srv->env.metrics, kind);
	/* libevent's own page would say HTTP/1.1 when the request line was
	 * never read: so does this. */
	if (req->major == 0) {
		req->major = 1;
		req->minor = 1;
	}
	memset(&resp, 0, sizeof resp);
	api_error(&resp, api_refusals[kind].status, api_refusals[kind].code,
		  "%s", msg);
	evhttp_clear_headers(evhttp_request_get_output_headers(req));
	/* What comes after a refused request cannot be trusted to start a
	 * next one. */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
			  "close");
	send_response(req, &resp);
	api_response_release(&resp);
}

/* After an answer: bytes of a next request already read start its
 * clock. */
static void answer_sent(struct conn *c)
{
	if (c != NULL && evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		arm_deadline(c);
}

/* Each accepted connection: TLS, with its deadline. It took this worker's
 * slot; the worker takes another for its listener if one is free, else
 * stops accepting until a connection closes. */
static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
	struct worker *w = arg;
	struct server *s = w->srv;
	SSL *ssl = SSL_new(s->ssl);
	struct conn *c = calloc(1, sizeof *c);
	struct bufferevent *bev = NULL;
	struct evconnlistener *l = listener_of(w);
	struct fault f;

	pthread_mutex_lock(&s->slot_lock);
	if (w->armed)
		w->armed = false; /* the listener's slot is the connection's */
	else
		s->slots_used++;  /* accepted while disarming: counted */
	if (l != NULL)
		evconnlistener_disable(l);
	arm_locked(w);
	pthread_mutex_unlock(&s->slot_lock);
	if (ssl == NULL || c == NULL)
		goto fail;
	c->w = w;
	c->deadline = evtimer_new(base, on_deadline, c);
	c->setup = evtimer_new(base, on_conn_setup, c);
	if (c->deadline == NULL || c->setup == NULL)
		goto fail;
	/* tls faults act before any request, so they count connections. */
	if (fault_table_pick(&s->env.faults, NULL, "", false, &f)) {
		SSL_set_ex_data(ssl, tls_fault_index, ssl);
		log_request(s, "TLS", "(handshake)", 0, "tls", 0);
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
					     BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		goto fail;
	c->bev = bev;
	SSL_set_ex_data(ssl, conn_index, c);
	evbuffer_add_cb(bufferevent_get_input(bev), on_input, c);
	arm_deadline(c); /* the handshake counts too */
	{
		static const struct timeval now = { 0, 0 };

		evtimer_add(c->setup, &now);
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
fail:
	if (c != NULL && c->deadline != NULL)
		event_free(c->deadline);
	if (c != NULL && c->setup != NULL)
		event_free(c->setup);
	free(c);
	SSL_free(ssl);
	slot_free(w);
	return NULL; /* libevent falls back to plain: on_request drops it */
}

static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct evconnlistener *l = listener_of(w);

	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->srv->slot_lock);
	if (w->armed && l != NULL)
		evconnlistener_enable(l);
	pthread_mutex_unlock(&w->srv->slot_lock);
}

/* The worker whose loop runs on this thread. */
static _Thread_local struct worker *this_worker;

/* accept() failed: out of descriptors, most likely. Spinning on a
 * listening socket that stays readable would burn a core and fill the
 * log, so the worker stops accepting for a moment. (The listener's
 * argument is libevent's, its struct evhttp: the worker is the one
 * running this thread's loop.) */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct worker *w = this_worker;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { 0, 250000 };

	(void)arg;
	evconnlistener_disable(l);
	if (w == NULL)
		return;
	evtimer_add(w->backoff, &tv);
	api_metrics_event(&w->srv->env.metrics, API_EV_ACCEPT_ERROR, 1);
	warn_limited(w->srv, "cannot accept a connection: %s",
		     evutil_socket_error_to_string(err));
}

#define CRON_MS 100

/* The server's timers, run every CRON_MS on the first worker's loop.
 * Duties:
 *  - the demo clock (PUT /v1/admin/clock/run): queue one clock advance
 *    whenever its interval has passed, never more than one at a time (a
 *    busy writer delays the clock rather than piling up ticks), and
 *    restart the count when the run is started again. */
static void server_cron(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	struct api_clock_run *r = &s->env.clock_run;
	double mono = now_seconds();
	bool running, due = false;
	int64_t step = 0;
	struct pending *p;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&r->lock);
	running = r->running;
	if (running && r->generation != s->run_generation) {
		s->run_generation = r->generation;
		s->next_tick = mono + (double)r->every_ms / 1000.0;
	} else if (running && mono >= s->next_tick &&
		   atomic_load(&s->tick_done)) {
		due = true;
		step = r->step_seconds;
		s->next_tick += (double)r->every_ms / 1000.0;
		if (s->next_tick < mono)
			s->next_tick = mono;
	}
	pthread_mutex_unlock(&r->lock);
	if (!due || (p = calloc(1, sizeof *p)) == NULL)
		return;
	api_clock_tick(&s->env, step, &p->write);
	if (p->write.run == NULL) {
		free(p);
		return;
	}
	snprintf(p->method, sizeof p->method, "CRON");
	p->route = "clock-run";
	p->tick_done = &s->tick_done;
	atomic_store(&s->tick_done, false);
	if (!enqueue(s, p)) {
		/* a full queue: this tick is skipped, the next one comes */
		atomic_store(&s->tick_done, true);
		p->write.free(p->write.arg);
		free(p);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	this_worker = w;
	event_base_dispatch(w->base);
	return NULL;
}

static int worker_init(struct server *s, struct worker *w, unsigned i,
		       unsigned n, char *err, size_t cap)
{
	int fd;

	w->srv = s;
	(void)i;
	(void)n;
	pthread_mutex_init(&w->lock, NULL);
	if (actsim_lab_open(&w->lab, s->lab_dir, true) != ACTSIM_OK) {
		snprintf(err, cap, "%s", actsim_lab_errmsg(w->lab));
		return -1;
	}
	actsim_lab_set_busy_timeout(w->lab, SERVER_LAB_WAIT_MS);
	w->base = event_base_new();
	w->http = w->base ? evhttp_new(w->base) : NULL;
	w->wake = w->base ? event_new(w->base, -1, 0, on_wake, w) : NULL;
	w->backoff = w->base ? evtimer_new(w->base, on_backoff, w) : NULL;
	if (w->http == NULL || w->wake == NULL || w->backoff == NULL) {
		snprintf(err, cap, "cannot set up the event loop");
		return -1;
	}
	evhttp_set_bevcb(w->http, make_bev, w);
	evhttp_set_gencb(w->http, on_request, w);
	evhttp_set_timeout(w->http, s->timeout);
	evhttp_set_max_headers_size(w->http, MAX_HEADERS);
	evhttp_set_max_body_size(w->http, MAX_BODY);
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
						    EVHTTP_REQ_PUT |
						    EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PATCH |
						    EVHTTP_REQ_OPTIONS |
						    EVHTTP_REQ_TRACE |
						    EVHTTP_REQ_CONNECT);
	/* Each worker's listener closes its socket when freed at stop, so
	 * each gets its own descriptor: closing a shared one would pull it
	 * out from under the workers still running. */
	fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	w->bound = fd >= 0 ? evhttp_accept_socket_with_handle(w->http, fd) :
			     NULL;
	if (w->bound == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(err, cap, "cannot accept on the listening socket");
		return -1;
	}
	evconnlistener_set_error_cb(listener_of(w), on_accept_error);
	pthread_mutex_lock(&s->slot_lock);
	if (s->slots_used < s->max_connections) {
		s->slots_used++;
		w->armed = true;
	} else {
		evconnlistener_disable(listener_of(w));
	}
	pthread_mutex_unlock(&s->slot_lock);
	return 0;
}

/* ---- listening socket ---- */

static int parse_listen(const char *spec, char *host, size_t hcap,
			char *port, size_t pcap)
{
	const char *colon;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		snprintf(host, hcap, "%.*s", (int)(end - spec - 1), spec + 1);
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL)
			return -1;
		snprintf(host, hcap, "%.*s", (int)(colon - spec), spec);
	}
	snprintf(port, pcap, "%s", colon + 1);
	if (host[0] == '\0' || port[0] == '\0' ||
	    strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    strtol(port, NULL, 10) > 65535)
		return -1;
	return 0;
}

static int open_listener(struct server *s, const char *spec, char *err,
			 size_t cap, int *status)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[256], port[16], shown[300], sport[16];
	int one = 1, fd;

	if (parse_listen(spec, host, sizeof host, port, sizeof port) != 0) {
		snprintf(err, cap, "--listen takes ADDR:PORT (such as "
				   "127.0.0.1:8443 or [::1]:0), not '%s'",
			 spec);
		*status = 2;
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL) {
		snprintf(err, cap, "--listen: '%s' is not a numeric address",
			 host);
		*status = 2;
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    /* Accepted sockets inherit it: without it a response written in
	     * pieces waits ~40 ms on Nagle and delayed ACKs. */
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0 ||
	    evutil_make_socket_nonblocking(fd) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, cap, "cannot listen on %s: %s", spec,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		*status = 3;
		return -1;
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, shown, sizeof shown, sport,
			sizeof sport, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(sport, sizeof sport, "%s", port);
	snprintf(s->url, sizeof s->url,
		 ss.ss_family == AF_INET6 ? "https://[%s]:%s" : "https://%s:%s",
		 host, sport);
	freeaddrinfo(ai);
	s->fd = fd;
	return 0;
}

/* DIR/server.json tells `machine activate --online` where to go, and
 * another server that this lab has one. Claimed and removed holding the
 * lab directory's lock, so two servers starting at once cannot both take
 * it. */
static int lock_lab_dir(const struct server *s)
{
	int dfd = open(s->lab_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -1;
	while (flock(dfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(dfd);
			return -1;
		}
	}
	return dfd;
}

/* The pid recorded in DIR/server.json, 0 if none can be read. */
static long server_file_pid(const char *path, char *url, size_t cap)
{
	json_t *doc = json_load_file(path, 0, NULL);
	json_t *pid = json_object_get(doc, "pid");
	const char *u = json_string_value(json_object_get(doc, "url"));
	long v = json_is_integer(pid) ? (long)json_integer_value(pid) : 0;

	snprintf(url, cap, "%s", u != NULL ? u : "?");
	json_decref(doc);
	return v;
}

/* Takes DIR/server.lock for as long as the server runs (the lock goes with
 * the process, however it ends): the fd, -1 when another process holds
 * it, -2 on another failure (errno set). */
static int take_run_lock(const struct server *s)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof path, "%s/server.lock", s->lab_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -2;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		close(fd);
		return errno == EWOULDBLOCK ? -1 : -2;
	}
	return fd;
}

static int claim_server_file(struct server *s, char *err, size_t cap)
{
	char path[4200], tmp[4200], url[256];
	int dfd = lock_lab_dir(s), fd, rc = -1, lock = -2;
	long pid;
	FILE *f;

	if (dfd < 0) {
		snprintf(err, cap, "cannot lock lab '%s': %s", s->lab_dir,
			 strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/server.json", s->lab_dir);
	lock = take_run_lock(s);
	if (lock == -1) {
		pid = server_file_pid(path, url, sizeof url);
		if (pid > 0)
			snprintf(err, cap,
				 "lab '%s' already has a server: pid %ld at %s "
				 "(stop it first, or use another lab)",
				 s->lab_dir, pid, url);
		else
			snprintf(err, cap,
				 "lab '%s' already has a server starting or "
				 "stopping (try again, or use another lab)",
				 s->lab_dir);
		goto out;
	}
	if (lock < 0) {
		snprintf(err, cap, "cannot lock '%s/server.lock': %s",
			 s->lab_dir, strerror(errno));
		goto out;
	}
	/* Absent, or left by a process that is gone (whatever now has its
	 * pid): (re)placed whole. */
	snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", s->lab_dir);
	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		snprintf(err, cap, "cannot write '%s': %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fprintf(f, "{\"url\": \"%s\", \"pid\": %ld}\n", s->url,
		(long)getpid());
	/* Readable by the lab's clients whatever the umask. */
	if (fchmod(fd, 0644) != 0 || fflush(f) != 0 || fsync(fd) != 0 ||
	    ferror(f)) {
		snprintf(err, cap, "cannot write '%s': %s", path,
			 strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, cap, "cannot write '%s': %s", path,
			 strerror(errno));
		unlink(tmp);
		goto out;
	}
	s->owns_server_file = true;
	s->run_lock_fd = lock;
	lock = -2;
	rc = 0;
out:
	if (lock >= 0)
		close(lock);
	close(dfd);
	return rc;
}

/* Removes DIR/server.json if it is still this server's. */
static void remove_server_file(struct server *s)
{
	char path[4200], url[256];
	int dfd;

	if (!s->owns_server_file)
		return;
	dfd = lock_lab_dir(s);
	snprintf(path, sizeof path, "%s/server.json", s->lab_dir);
	if (server_file_pid(path, url, sizeof url) == (long)getpid())
		unlink(path);
	s->owns_server_file = false;
	close(s->run_lock_fd);
	if (dfd >= 0)
		close(dfd);
}

const char *server_url(const struct server *s)
{
	return s->url;
}

static void server_free(struct server *s)
{
	if (s->cron != NULL)
		event_free(s->cron);
	/* Connections freed below give their slots back: nobody to wake. */
	pthread_mutex_lock(&s->slot_lock);
	s->closing = true;
	pthread_mutex_unlock(&s->slot_lock);
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->workers[i];
		struct pending *p;

		while ((p = w->done) != NULL) {
			w->done = p->next;
			api_response_release(&p->resp);
			free(p);
		}
		while (w->ops != NULL) {
			struct fault_op *op = w->ops;

			w->ops = op->next;
			op->release(op);
		}
		if (w->wake)
			event_free(w->wake);
		if (w->backoff)
			event_free(w->backoff);
		if (w->http)
			evhttp_free(w->http);
		if (w->base)
			event_base_free(w->base);
		actsim_lab_close(w->lab);
		pthread_mutex_destroy(&w->lock);
	}
	actsim_lab_close(s->wlab);
	if (s->fd >= 0)
		close(s->fd);
	SSL_CTX_free(s->ssl);
	if (s->env_ready)
		api_env_release(&s->env);
	actsim_catalog_free(s->cat);
	pthread_mutex_destroy(&s->qlock);
	pthread_cond_destroy(&s->qcond);
	pthread_mutex_destroy(&s->slot_lock);
	pthread_mutex_destroy(&s->warn_lock);
	free(s);
}

/* Each connection needs a descriptor: the cap must fit under the
 * process's limit (ulimit -n), with room for what the server itself keeps
 * open (the lab database per worker, event loops, the listener). Says so
 * when it lowers the cap. */
static void fit_descriptor_limit(struct server *s, unsigned threads)
{
	struct rlimit rl;
	rlim_t reserve = 64 + (rlim_t)threads * 12, room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 65536) {
		/* Raise the soft limit as far as allowed first. */
		struct rlimit want = rl;

		want.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	room = rl.rlim_cur > reserve ? rl.rlim_cur - reserve : 1;
	if (room < 1)
		room = 1;
	if ((rlim_t)s->max_connections > room) {
		fprintf(stderr,
			"actsim: --max-connections lowered from %u to %lu: "
			"the descriptor limit (ulimit -n) is %lu\n",
			s->max_connections, (unsigned long)room,
			(unsigned long)rl.rlim_cur);
		s->max_connections = (unsigned)room;
	}
}

struct server *server_start(const struct server_opts *o, char *err,
			    size_t cap, int *status)
{
	struct server *s = calloc(1, sizeof *s);
	char cert[4200], key[4200];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = o->threads ? o->threads :
			   (cores > 0 ? (unsigned)cores : 1);
	actsim_err e;

	*status = 3;
	if (s == NULL) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	s->fd = -1;
	pthread_mutex_init(&s->qlock, NULL);
	pthread_cond_init(&s->qcond, NULL);
	pthread_mutex_init(&s->slot_lock, NULL);
	pthread_mutex_init(&s->warn_lock, NULL);
	snprintf(s->lab_dir, sizeof s->lab_dir, "%s", o->lab_dir);
	if (threads > MAX_WORKERS)
		threads = MAX_WORKERS;
	s->timeout = o->timeout ? (int)o->timeout : 30;
	s->max_connections = o->max_connections ? o->max_connections : 1024;
	s->qwrites_max = o->write_queue_max ? o->write_queue_max :
					      WRITE_QUEUE_MAX;
	s->request_log_max = o->request_log_max ?
				     (int64_t)o->request_log_max :
				     DEFAULT_REQUEST_LOG_MAX;
	fit_descriptor_limit(s, threads);
	pthread_once(&conn_index_once, conn_index_init);
	evthread_use_pthreads();
	signal(SIGPIPE, SIG_IGN);

	e = actsim_lab_open(&s->wlab, o->lab_dir, true);
	if (e == ACTSIM_OK)
		actsim_lab_set_busy_timeout(s->wlab, SERVER_LAB_WAIT_MS);
	if (e == ACTSIM_OK)
		e = o->catalog_path ?
			    actsim_catalog_load_file(&s->cat, o->catalog_path,
						     err, cap) :
			    actsim_lab_catalog(s->wlab, &s->cat);
	if (e == ACTSIM_OK) {
		e = api_env_init(&s->env, s->wlab, s->cat);
		s->env_ready = e == ACTSIM_OK;
	}
	if (e != ACTSIM_OK) {
		if (err[0] == '\0' || o->catalog_path == NULL)
			snprintf(err, cap, "%s", actsim_lab_errmsg(s->wlab));
		goto fail;
	}
	if (o->cert_file != NULL) {
		snprintf(cert, sizeof cert, "%s", o->cert_file);
		snprintf(key, sizeof key, "%s",
			 o->key_file ? o->key_file : o->cert_file);
	} else {
		if (tls_ensure_lab_certs(o->lab_dir, err, cap) != 0)
			goto fail;
		snprintf(cert, sizeof cert, "%s/tls/server.pem", o->lab_dir);
		snprintf(key, sizeof key, "%s/tls/server-key.pem", o->lab_dir);
	}
	s->ssl = tls_server_ctx(cert, key, err, cap);
	if (s->ssl != NULL)
		SSL_CTX_set_client_hello_cb(s->ssl, on_client_hello, NULL);
	if (s->ssl == NULL ||
	    open_listener(s, o->listen ? o->listen : "127.0.0.1:8443", err,
			  cap, status) != 0)
		goto fail;
	if (claim_server_file(s, err, cap) != 0)
		goto fail;
	for (unsigned i = 0; i < threads; i++) {
		if (worker_init(s, &s->workers[i], i, threads, err, cap) != 0) {
			s->nworkers = i + 1;
			goto fail;
		}
		s->nworkers = i + 1;
	}
	{
		struct timeval every = { 0, CRON_MS * 1000 };

		atomic_store(&s->tick_done, true);
		s->cron = event_new(s->workers[0].base, -1, EV_PERSIST,
				    server_cron, s);
		if (s->cron == NULL || event_add(s->cron, &every) != 0) {
			snprintf(err, cap, "cannot start the server's timer");
			goto fail;
		}
	}
	if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
		snprintf(err, cap, "cannot start the writer thread");
		goto fail;
	}
	s->writer_started = true;
	for (unsigned i = 0; i < s->nworkers; i++)
		if (pthread_create(&s->workers[i].thread, NULL, worker_main,
				   &s->workers[i]) != 0) {
			snprintf(err, cap, "cannot start worker threads");
			s->nworkers = i;
			server_stop(s);
			return NULL;
		}
	*status = 0;
	return s;
fail:
	if (s->writer_started) {
		pthread_mutex_lock(&s->qlock);
		s->qstop = true;
		pthread_cond_signal(&s->qcond);
		pthread_mutex_unlock(&s->qlock);
		pthread_join(s->writer, NULL);
	}
	remove_server_file(s);
	server_free(s);
	return NULL;
}

void server_stop(struct server *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->workers[i];

		pthread_mutex_lock(&w->lock);
		w->stop_requested = true;
		pthread_mutex_unlock(&w->lock);
		event_active(w->wake, EV_READ, 0);
	}
	for (unsigned i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i].thread, NULL);
	pthread_mutex_lock(&s->qlock);
	s->qstop = true;
	pthread_cond_signal(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
	if (s->writer_started)
		pthread_join(s->writer, NULL);
	remove_server_file(s);
	server_free(s);
}

int server_run(const struct server_opts *o, char *err, size_t cap)
{
	sigset_t set;
	struct server *s;
	int sig = 0, status;

	/* Every thread inherits the blocked signals; only sigwait sees
	 * them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	s = server_start(o, err, cap, &status);
	if (s == NULL)
		return status;
	printf("listening on %s\n", server_url(s));
	fflush(stdout);
	sigwait(&set, &sig);
	server_stop(s);
	fprintf(stderr, "actsim: server stopped (signal %d)\n", sig);
	return 0;
}
