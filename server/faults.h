/* Fault injection: the faults in force, which requests they hit and what
 * the metrics say about them. Whether the n-th request matching a fault is
 * hit depends only on the lab (a key derived from its realm), the fault's
 * own seed and n, so the same lab seed and the same sequence of requests
 * give the same failures on every run. */
#ifndef ACTSIM_SERVER_FAULTS_H
#define ACTSIM_SERVER_FAULTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define FAULT_MAX 16
#define FAULT_METRIC_ROWS 64

enum fault_kind {
	FAULT_NONE,
	FAULT_ERROR,
	FAULT_LATENCY,
	FAULT_RESET,
	FAULT_TIMEOUT,
	FAULT_TRUNCATE,
	FAULT_SLOW,
	FAULT_GARBAGE,
	FAULT_TLS,
	FAULT_DOWN,
	FAULT_KINDS
};

/* Each kind's name, indexed by enum fault_kind ("" for FAULT_NONE). */
extern const char *const fault_kind_names[FAULT_KINDS];

struct fault {
	char route[64];   /* a route of the table, or a prefix ending in '*' */
	char method[8];   /* "" for any */
	enum fault_kind kind;
	double probability;
	uint64_t seed;
	uint64_t count;   /* hits before the fault removes itself; 0: no end */
	uint64_t after;   /* matching requests let through first */
	int status;       /* error */
	char code[48];    /* error */
	int delay_ms;     /* latency */
	int jitter_ms;    /* latency */
	int hold_ms;      /* timeout */
	long bytes;       /* truncate: body bytes sent; garbage: bytes sent */
	long rate;        /* slow: bytes per second */
	int retry_after;  /* down: seconds */
	/* state */
	uint64_t seen;    /* matching requests so far */
	uint64_t fired;   /* hits so far */
	uint64_t rnd;     /* in a hit: this hit's own random number */
};

struct fault_table {
	pthread_mutex_t lock;
	uint64_t key; /* from the lab's realm */
	struct fault faults[FAULT_MAX];
	size_t n;
	struct fault_metric {
		char route[48];
		enum fault_kind kind;
		uint64_t count;
	} injected[FAULT_METRIC_ROWS];
	size_t ninjected;
};

/* Sets up an empty table; `key` comes from the lab. */
void fault_table_init(struct fault_table *t, uint64_t key);
void fault_table_release(struct fault_table *t);

/* Reads a fault from a PUT body. Returns 0, or -1 with *code (a stable
 * error code) and msg filled: an unknown member, kind or route, a route
 * of the admin API, a value out of range, a parameter of another kind. */
int fault_parse(json_t *body, struct fault *out, const char **code,
		char *msg, size_t cap);

/* Adds a fault, replacing one on the same route and method (its counters
 * start again). False when FAULT_MAX are in force. Thread-safe. */
bool fault_table_set(struct fault_table *t, const struct fault *f);

/* Removes every fault (route NULL) or those on one route; returns how many
 * went. Thread-safe. */
size_t fault_table_clear(struct fault_table *t, const char *route);

/* {"faults":[...]} with each fault's settings and how often it fired. */
json_t *fault_table_json(struct fault_table *t);

/* Decides whether a request on `route` (a name from the route table, or
 * "unmatched") with `method` is hit; admin routes never are. On a hit,
 * *out is a copy of the fault with its own random number. tls faults are
 * decided per connection, with route NULL, before any route is known.
 * Thread-safe. */
bool fault_table_pick(struct fault_table *t, const char *route,
		      const char *method, bool admin, struct fault *out);

/* Calls fn for each row of actsim_faults_injected_total. */
void fault_table_metrics(struct fault_table *t,
			 void (*fn)(void *arg, const char *route,
				    const char *kind, uint64_t count),
			 void *arg);

/* A deterministic 64-bit mix (splitmix64), for the jitter of a hit and
 * the bytes of garbage. */
uint64_t fault_mix(uint64_t x);

#endif
