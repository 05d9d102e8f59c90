#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "faults.h"
#include "../common/banned.h"

const char *const fault_kind_names[FAULT_KINDS] = {
	"", "error", "latency", "reset", "timeout", "truncate", "slow",
	"garbage", "tls", "down"
};

/* Which members each kind takes, beyond the common ones. */
enum {
	P_STATUS = 1 << 0,
	P_CODE = 1 << 1,
	P_DELAY = 1 << 2,
	P_JITTER = 1 << 3,
	P_HOLD = 1 << 4,
	P_BYTES = 1 << 5,
	P_RATE = 1 << 6,
	P_RETRY = 1 << 7
};

static const unsigned kind_params[FAULT_KINDS] = {
	[FAULT_ERROR] = P_STATUS | P_CODE,
	[FAULT_LATENCY] = P_DELAY | P_JITTER,
	[FAULT_TIMEOUT] = P_HOLD,
	[FAULT_TRUNCATE] = P_BYTES,
	[FAULT_SLOW] = P_RATE,
	[FAULT_GARBAGE] = P_BYTES,
	[FAULT_DOWN] = P_RETRY,
};

static const struct param {
	const char *name;
	unsigned bit;
	long long min, max;
} params[] = {
	{ "status", P_STATUS, 400, 599 },
	{ "delay_ms", P_DELAY, 1, 60000 },
	{ "jitter_ms", P_JITTER, 0, 60000 },
	{ "hold_ms", P_HOLD, 1, 600000 },
	{ "bytes", P_BYTES, 0, 65536 },
	{ "rate", P_RATE, 1, 1000000 },
	{ "retry_after", P_RETRY, 1, 86400 },
};

static const char *const common_members[] = {
	"route", "method", "kind", "probability", "seed", "count", "after",
	"code", NULL
};

uint64_t fault_mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

void fault_table_init(struct fault_table *t, uint64_t key)
{
	memset(t, 0, sizeof *t);
	pthread_mutex_init(&t->lock, NULL);
	t->key = key;
}

void fault_table_release(struct fault_table *t)
{
	pthread_mutex_destroy(&t->lock);
}

/* "/v1/activations, /v1/keys/validate, ..." : the routes a fault can
 * name, each once. */
static void route_list(char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (const struct api_route *r = api_routes; r->path != NULL; r++) {
		bool seen = false;

		if (r->flags & API_ADMIN)
			continue;
		for (const struct api_route *q = api_routes; q < r; q++)
			seen |= strcmp(q->path, r->path) == 0;
		if (seen)
			continue;
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0,
					"%s%s", len ? ", " : "", r->path);
	}
}

static bool admin_route(const char *path)
{
	for (const struct api_route *r = api_routes; r->path != NULL; r++)
		if (strcmp(r->path, path) == 0)
			return (r->flags & API_ADMIN) != 0;
	return false;
}

/* Does a fault's route cover the route a request matched? */
static bool covers(const char *fault_route, const char *route)
{
	size_t n = strlen(fault_route);

	if (strcmp(fault_route, route) == 0)
		return true;
	return n > 0 && fault_route[n - 1] == '*' &&
	       strncmp(fault_route, route, n - 1) == 0;
}

/* 0 when the route names a non-admin route of the table or is a prefix
 * covering at least one; -1 with msg otherwise. */
static int check_route(const char *route, char *msg, size_t cap)
{
	char list[1024];
	bool any = false, admin = false;

	route_list(list, sizeof list);
	for (const struct api_route *r = api_routes; r->path != NULL; r++)
		if (covers(route, r->path)) {
			if (r->flags & API_ADMIN)
				admin = true;
			else
				any = true;
		}
	if (strcmp(route, "unmatched") != 0 && any &&
	    (!admin || route[strlen(route) - 1] == '*'))
		return 0;
	if (admin)
		snprintf(msg, cap,
			 "'%s' is an admin route; admin routes cannot be "
			 "faulted, so the lab can always be repaired "
			 "(routes: %s, or a prefix ending in '*' such as /v1/*)",
			 route, list);
	else
		snprintf(msg, cap,
			 "no route '%s' (routes: %s, or a prefix ending in '*' "
			 "such as /v1/*)",
			 route, list);
	return -1;
}

static int bad(const char **code, const char *c, char *msg, size_t cap,
	       const char *fmt, const char *arg)
{
	*code = c;
	snprintf(msg, cap, fmt, arg);
	return -1;
}

static bool known_member(const char *name)
{
	for (size_t i = 0; common_members[i] != NULL; i++)
		if (strcmp(common_members[i], name) == 0)
			return true;
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
		if (strcmp(params[i].name, name) == 0)
			return true;
	return false;
}

static int read_u64(json_t *body, const char *name, uint64_t max,
		    uint64_t *out, const char **code, char *msg, size_t cap)
{
	json_t *v = json_object_get(body, name);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		*code = "MALFORMED_REQUEST";
		snprintf(msg, cap, "'%s' must be an integer from 0 to %llu",
			 name, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int fault_parse(json_t *body, struct fault *f, const char **code, char *msg,
		size_t cap)
{
	const char *route, *kind, *method, *key;
	json_t *v;
	unsigned allowed;
	int k;

	memset(f, 0, sizeof f[0]);
	json_object_foreach(body, key, v)
		if (!known_member(key))
			return bad(code, "MALFORMED_REQUEST", msg, cap,
				   "unknown member '%s'", key);
	route = json_string_value(json_object_get(body, "route"));
	kind = json_string_value(json_object_get(body, "kind"));
	if (route == NULL || kind == NULL)
		return bad(code, "MALFORMED_REQUEST", msg, cap, "%s",
			   "'route' and 'kind' are required strings");
	if (route[0] != '/' || strlen(route) >= sizeof f->route)
		return bad(code, "UNKNOWN_ROUTE", msg, cap,
			   "'route' must be a path such as /v1/activations, "
			   "not '%.60s'",
			   route);
	if (check_route(route, msg, cap) != 0) {
		*code = "UNKNOWN_ROUTE";
		return -1;
	}
	snprintf(f->route, sizeof f->route, "%s", route);
	for (k = 1; k < FAULT_KINDS && strcmp(kind, fault_kind_names[k]); k++)
		;
	if (k == FAULT_KINDS)
		return bad(code, "MALFORMED_REQUEST", msg, cap,
			   "unknown kind '%.20s' (kinds: error, latency, "
			   "reset, timeout, truncate, slow, garbage, tls, "
			   "down)",
			   kind);
	f->kind = (enum fault_kind)k;
	v = json_object_get(body, "method");
	if (v != NULL && !json_is_null(v)) {
		method = json_string_value(v);
		if (method == NULL ||
		    (strcmp(method, "GET") && strcmp(method, "POST") &&
		     strcmp(method, "PUT") && strcmp(method, "DELETE") &&
		     strcmp(method, "HEAD")))
			return bad(code, "MALFORMED_REQUEST", msg, cap, "%s",
				   "'method' must be GET, POST, PUT, DELETE "
				   "or HEAD");
		snprintf(f->method, sizeof f->method, "%s", method);
	}
	v = json_object_get(body, "probability");
	f->probability = v == NULL ? 1.0 : json_number_value(v);
	if ((v != NULL && !json_is_number(v)) || !(f->probability > 0.0) ||
	    f->probability > 1.0)
		return bad(code, "MALFORMED_REQUEST", msg, cap, "%s",
			   "'probability' must be a number in (0, 1]");
	if (read_u64(body, "seed", UINT64_C(0xffffffffffff), &f->seed, code,
		     msg, cap) ||
	    read_u64(body, "count", 1000000000, &f->count, code, msg, cap) ||
	    read_u64(body, "after", 1000000000, &f->after, code, msg, cap))
		return -1;
	/* A handshake comes before any route is known, so a tls fault hits
	 * every new connection, the admin API's too: it must end by itself
	 * for the lab to stay repairable. */
	if (f->kind == FAULT_TLS && f->count == 0)
		return bad(code, "MALFORMED_REQUEST", msg, cap, "%s",
			   "a tls fault needs 'count' (it hits every new "
			   "connection, before any route is known, so it must "
			   "end by itself)");
	/* Defaults, then the kind's own parameters. */
	f->status = 503;
	snprintf(f->code, sizeof f->code, "FAULT_INJECTED");
	f->hold_ms = 60000;
	f->bytes = f->kind == FAULT_GARBAGE ? 256 : 10;
	f->retry_after = 60;
	allowed = kind_params[f->kind];
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
		const struct param *p = &params[i];
		long long x;

		v = json_object_get(body, p->name);
		if (v == NULL) {
			if (p->bit == P_DELAY && (allowed & P_DELAY))
				return bad(code, "MALFORMED_REQUEST", msg, cap,
					   "%s", "a latency fault needs "
						 "'delay_ms'");
			if (p->bit == P_RATE && (allowed & P_RATE))
				return bad(code, "MALFORMED_REQUEST", msg, cap,
					   "%s", "a slow fault needs 'rate'");
			continue;
		}
		if (!(allowed & p->bit)) {
			*code = "MALFORMED_REQUEST";
			snprintf(msg, cap, "'%s' does not apply to %s faults",
				 p->name, kind);
			return -1;
		}
		x = json_integer_value(v);
		if (!json_is_integer(v) || x < p->min || x > p->max) {
			*code = "MALFORMED_REQUEST";
			snprintf(msg, cap, "'%s' must be an integer from %lld "
					   "to %lld",
				 p->name, p->min, p->max);
			return -1;
		}
		switch (p->bit) {
		case P_STATUS: f->status = (int)x; break;
		case P_DELAY: f->delay_ms = (int)x; break;
		case P_JITTER: f->jitter_ms = (int)x; break;
		case P_HOLD: f->hold_ms = (int)x; break;
		case P_BYTES: f->bytes = (long)x; break;
		case P_RATE: f->rate = (long)x; break;
		case P_RETRY: f->retry_after = (int)x; break;
		default: break;
		}
	}
	v = json_object_get(body, "code");
	if (v != NULL) {
		const char *c = json_string_value(v);

		if (f->kind != FAULT_ERROR)
			return bad(code, "MALFORMED_REQUEST", msg, cap,
				   "'code' does not apply to %s faults", kind);
		if (c == NULL || c[0] == '\0' || strlen(c) >= sizeof f->code ||
		    strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
			    strlen(c))
			return bad(code, "MALFORMED_REQUEST", msg, cap, "%s",
				   "'code' must be 1 to 47 characters of A-Z, "
				   "0-9 and _");
		snprintf(f->code, sizeof f->code, "%s", c);
	}
	return 0;
}

bool fault_table_set(struct fault_table *t, const struct fault *f)
{
	size_t i;
	bool ok;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->n; i++)
		if (strcmp(t->faults[i].route, f->route) == 0 &&
		    strcmp(t->faults[i].method, f->method) == 0)
			break;
	ok = i < FAULT_MAX;
	if (ok) {
		t->faults[i] = *f;
		t->faults[i].seen = t->faults[i].fired = 0;
		if (i == t->n)
			t->n++;
	}
	pthread_mutex_unlock(&t->lock);
	return ok;
}

static void remove_at(struct fault_table *t, size_t i)
{
	memmove(&t->faults[i], &t->faults[i + 1],
		(t->n - i - 1) * sizeof t->faults[0]);
	t->n--;
}

size_t fault_table_clear(struct fault_table *t, const char *route)
{
	size_t removed = 0;

	pthread_mutex_lock(&t->lock);
	for (size_t i = t->n; i-- > 0;)
		if (route == NULL || strcmp(t->faults[i].route, route) == 0) {
			remove_at(t, i);
			removed++;
		}
	pthread_mutex_unlock(&t->lock);
	return removed;
}

json_t *fault_table_json(struct fault_table *t)
{
	json_t *list = json_array();

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n; i++) {
		const struct fault *f = &t->faults[i];
		json_t *o = json_pack(
			"{s:s,s:s?,s:s,s:f,s:I,s:o,s:I,s:I,s:I}", "route",
			f->route, "method", f->method[0] ? f->method : NULL,
			"kind", fault_kind_names[f->kind], "probability",
			f->probability, "seed", (json_int_t)f->seed, "count",
			f->count ? json_integer((json_int_t)f->count) :
				   json_null(),
			"after", (json_int_t)f->after, "seen",
			(json_int_t)f->seen, "fired", (json_int_t)f->fired);

		switch (f->kind) {
		case FAULT_ERROR:
			json_object_set_new(o, "status",
					    json_integer(f->status));
			json_object_set_new(o, "code", json_string(f->code));
			break;
		case FAULT_LATENCY:
			json_object_set_new(o, "delay_ms",
					    json_integer(f->delay_ms));
			json_object_set_new(o, "jitter_ms",
					    json_integer(f->jitter_ms));
			break;
		case FAULT_TIMEOUT:
			json_object_set_new(o, "hold_ms",
					    json_integer(f->hold_ms));
			break;
		case FAULT_TRUNCATE:
		case FAULT_GARBAGE:
			json_object_set_new(o, "bytes", json_integer(f->bytes));
			break;
		case FAULT_SLOW:
			json_object_set_new(o, "rate", json_integer(f->rate));
			break;
		case FAULT_DOWN:
			json_object_set_new(o, "retry_after",
					    json_integer(f->retry_after));
			break;
		default:
			break;
		}
		json_array_append_new(list, o);
	}
	pthread_mutex_unlock(&t->lock);
	return json_pack("{s:o}", "faults", list);
}

static void count_injected(struct fault_table *t, const char *route,
			   enum fault_kind kind)
{
	size_t i;

	for (i = 0; i < t->ninjected; i++)
		if (t->injected[i].kind == kind &&
		    strcmp(t->injected[i].route, route) == 0)
			break;
	if (i == t->ninjected && i < FAULT_METRIC_ROWS) {
		snprintf(t->injected[i].route, sizeof t->injected[i].route,
			 "%s", route);
		t->injected[i].kind = kind;
		t->ninjected++;
	}
	if (i < t->ninjected)
		t->injected[i].count++;
}

bool fault_table_pick(struct fault_table *t, const char *route,
		      const char *method, bool admin, struct fault *out)
{
	bool hit = false;
	size_t i, at = 0;

	if (admin || (route != NULL && strcmp(route, "unmatched") == 0) ||
	    (route != NULL && admin_route(route)))
		return false;
	pthread_mutex_lock(&t->lock);
	/* Every fault covering the request counts it, so each fault's
	 * sequence depends only on the requests, never on the others. */
	for (i = 0; i < t->n; i++) {
		struct fault *f = &t->faults[i];
		uint64_t n, h;

		if ((route == NULL) != (f->kind == FAULT_TLS))
			continue;
		if (route != NULL &&
		    (!covers(f->route, route) ||
		     (f->method[0] && strcmp(f->method, method) != 0)))
			continue;
		n = f->seen++;
		if (hit || n < f->after)
			continue;
		h = fault_mix(t->key ^ fault_mix(f->seed ^ fault_mix(n)));
		if ((double)(h >> 11) / 9007199254740992.0 >= f->probability)
			continue;
		f->fired++;
		*out = *f;
		out->rnd = fault_mix(h);
		hit = true;
		at = i;
	}
	if (hit) {
		count_injected(t, route != NULL ? route : "(handshake)",
			       out->kind);
		if (t->faults[at].count &&
		    t->faults[at].fired >= t->faults[at].count)
			remove_at(t, at);
	}
	pthread_mutex_unlock(&t->lock);
	return hit;
}

void fault_table_metrics(struct fault_table *t,
			 void (*fn)(void *arg, const char *route,
				    const char *kind, uint64_t count),
			 void *arg)
{
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->ninjected; i++)
		fn(arg, t->injected[i].route,
		   fault_kind_names[t->injected[i].kind],
		   t->injected[i].count);
	pthread_mutex_unlock(&t->lock);
}
