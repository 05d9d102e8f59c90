/* The clearinghouse's HTTP API without sockets: a route table, shared
 * checks (method, body cap, admin token, JSON) and handlers that turn a
 * request into a response. Database writes are handed back as deferred
 * jobs so the server can commit many in one transaction; api_run_write
 * runs one on its own for tests and fuzzing. */
#ifndef ACTSIM_SERVER_API_H
#define ACTSIM_SERVER_API_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/lab.h"
#include "faults.h"

#define API_MAX_BODY_DEFAULT 4096
#define API_LIST_LIMIT 1000

enum api_method {
	API_GET = 1,
	API_POST = 2,
	API_PUT = 4,
	API_DELETE = 8,
	API_HEAD = 16,
	API_OTHER = 32
};

struct api_request {
	enum api_method method;
	const char *path;  /* without the query */
	const char *query; /* NULL or "a=b&c=d", still percent-encoded */
	const char *body;
	size_t body_len;
	const char *authorization; /* the header's value, or NULL */
};

struct api_response {
	int status;
	json_t *doc;              /* JSON body, or NULL */
	char *text;               /* other body (metrics), malloc'd */
	const char *content_type; /* for text or static_body */
	const char *static_body;  /* a body not to free (the page's files) */
	size_t static_len;
	char allow[64];           /* Allow header for 405 */
	int retry_after;          /* Retry-After header when > 0 */
};

struct api_env;

/* A database write, run later inside a transaction with the lab clock's
 * time `now`. */
struct api_write {
	int (*run)(struct api_env *env, struct actsim_lab *lab, int64_t now,
		   void *arg, struct api_response *out);
	void *arg;
	void (*free)(void *arg);
	/* A batch runs its writes in ascending order (0: first): writes that
	 * lock a key carry the key's ID, so that writers on several nodes
	 * take their locks in one order and cannot deadlock. */
	uint64_t order;
};

#define API_LATENCY_BUCKETS 12

/* What the server did to protect itself, counted in /metrics. */
enum api_event {
	API_EV_CONN_TIMED_OUT,   /* a request not complete within --timeout */
	API_EV_ACCEPT_ERROR,     /* accept() failed (descriptors exhausted) */
	API_EV_LOG_TRIMMED,      /* request-log rows over --request-log-max */
	API_EV_LAB_BUSY,         /* writes answered 503 LAB_BUSY */
	API_EV_QUEUE_FULL,       /* writes answered 503 SERVER_BUSY */
	API_EV_WRITE_RETRIED,    /* request-log batches retried */
	API_EV_LOG_DROPPED,      /* log rows beyond the queue, while busy */
	API_N_EVENTS
};

/* Requests refused before routing, by what libevent's parser found:
 * each answered with its status and JSON error code. */
enum api_refused {
	API_REFUSED_MALFORMED, /* 400: not valid HTTP/1.x */
	API_REFUSED_BODY,      /* 413: a body over 64 KiB */
	API_REFUSED_EXPECT,    /* 417: an Expect other than 100-continue */
	API_REFUSED_HEADERS,   /* 431: request line and headers over 8 KiB */
	API_REFUSED_METHOD,    /* 501: a method the server does not know */
	API_N_REFUSALS
};

struct api_refusal {
	int status;
	const char *code;
};

extern const struct api_refusal api_refusals[API_N_REFUSALS];

/* Counters for /metrics, shared by every worker. */
struct api_metrics {
	pthread_mutex_t lock;
	struct metric_row {
		char route[48];
		int status;
		uint64_t count;
	} rows[128];
	size_t nrows;
	uint64_t activations[8]; /* by decision code, then invalid */
	uint64_t buckets[API_LATENCY_BUCKETS + 1];
	double latency_sum;
	uint64_t latency_count;
	/* The server's own defences (server.c), by event. */
	uint64_t events[API_N_EVENTS];
	uint64_t refused[API_N_REFUSALS];
};

/* Adds one to the refusals of kind r. */
void api_metrics_refused(struct api_metrics *m, enum api_refused r);

/* Adds one to a defence counter. */
void api_metrics_event(struct api_metrics *m, enum api_event ev,
		       uint64_t n);

/* The demo clock: the server's cron advances the lab clock by step_seconds
 * every every_ms while running. generation changes with each start, so
 * the cron knows to restart its count. */
struct api_clock_run {
	pthread_mutex_t lock;
	bool running;
	int64_t step_seconds;
	int64_t every_ms;
	uint64_t generation;
	uint64_t ticks; /* advances made since the start */
};

/* What handlers share. Read-only after start, but for the locked parts. */
struct api_env {
	const struct actsim_catalog *cat;
	char admin_token[ACTSIM_ADMIN_TOKEN_HEX];
	uint8_t registration_key[32];
	struct api_metrics metrics;
	struct fault_table faults;
	struct api_clock_run clock_run;
};

struct api_route {
	const char *method_name;
	enum api_method method;
	const char *path; /* a trailing '*' matches one more segment */
	int (*handler)(struct api_env *env, struct actsim_lab *lab,
		       const struct api_request *req, json_t *body,
		       struct api_response *resp, struct api_write *write);
	size_t max_body;
	unsigned flags;
};

#define API_ADMIN 1u     /* needs the bearer token */
#define API_JSON_BODY 2u /* the body must be a JSON object */

enum { API_DONE = 0, API_DEFERRED = 1 };

extern const struct api_route api_routes[];

/* Sets up env (the token and registration key come from the lab). */
actsim_err api_env_init(struct api_env *env, struct actsim_lab *lab,
			const struct actsim_catalog *cat)
	__attribute__((warn_unused_result));
void api_env_release(struct api_env *env);

/* The route a request matches: its pattern for metrics and faults
 * (such as "/v1/admin/blocks/{key}" written with a star), or
 * "unmatched". */
const char *api_route_name(const struct api_request *req);

/* Handles a request. `lab` is this thread's own connection, for reads.
 * Returns API_DONE with resp filled, or API_DEFERRED with write filled
 * (resp untouched). */
int api_handle(struct api_env *env, struct actsim_lab *lab,
	       const struct api_request *req, struct api_response *resp,
	       struct api_write *write);

/* Runs one deferred write in its own transaction (tests, fuzzing, and a
 * server with batching off). */
void api_run_write(struct api_env *env, struct actsim_lab *lab,
		   struct api_write *write, struct api_response *resp);

/* An error response {"error":{"code","message"}}. */
void api_error(struct api_response *resp, int status, const char *code,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void api_response_release(struct api_response *resp);
/* The answer when the lab failed under a request: 503
 * DATABASE_UNAVAILABLE with Retry-After when its database server is
 * unreachable, else 500 INTERNAL. */
void api_db_failure(struct api_response *resp, const struct actsim_lab *lab);

/* Counts a finished request for /metrics. */
void api_metrics_observe(struct api_metrics *m, const char *route, int status,
			 double seconds);

/* The write one demo-clock tick makes: advances the clock by step_seconds
 * and counts the tick, or stops the run when the clock would pass its
 * limit. */
void api_clock_tick(struct api_env *env, int64_t step_seconds,
		    struct api_write *out);

#endif
