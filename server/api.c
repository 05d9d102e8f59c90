#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "actsim/clearinghouse.h"
#include "actsim/ids.h"
#include "actsim/keycheck.h"
#include "actsim/time.h"
#include "api.h"
#include "dashboard.h"
#include "../common/banned.h"

static const char *const activation_results[] = {
	"OK", "KEY_BLOCKED", "TOO_MANY_ACTIVATIONS", "ACTIVATION_NOT_REQUIRED",
	"INVALID_INSTALLATION_ID", "MALFORMED_INSTALLATION_ID"
};
#define N_RESULTS (sizeof activation_results / sizeof activation_results[0])

static const double latency_bounds[API_LATENCY_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05,	0.1,   0.25,   0.5,   1.0,  2.5
};

void api_error(struct api_response *resp, int status, const char *code,
	       const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_decref(resp->doc);
	resp->doc = json_pack("{s:{s:s,s:s}}", "error", "code", code,
			      "message", msg);
	resp->status = status;
}

void api_db_failure(struct api_response *resp, const struct actsim_lab *lab)
{
	if (actsim_lab_errcode(lab) == ACTSIM_E_DB_UNAVAILABLE) {
		api_error(resp, 503, "DATABASE_UNAVAILABLE",
			  "%s; nothing was recorded, try again",
			  actsim_lab_errmsg(lab));
		resp->retry_after = 1;
	} else if (actsim_lab_errcode(lab) == ACTSIM_E_LAB_BUSY) {
		api_error(resp, 503, "LAB_BUSY",
			  "the lab is held by another process; nothing was "
			  "recorded, try again");
		resp->retry_after = 1;
	} else {
		api_error(resp, 500, "INTERNAL",
			  "the lab database failed; nothing was recorded");
	}
}

static void error_object(struct api_response *resp, int status, json_t *err)
{
	json_decref(resp->doc);
	resp->doc = json_pack("{s:o}", "error", err);
	resp->status = status;
}

static void reply(struct api_response *resp, int status, json_t *doc)
{
	json_decref(resp->doc);
	resp->doc = doc;
	resp->status = status;
}

void api_response_release(struct api_response *resp)
{
	json_decref(resp->doc);
	free(resp->text);
	memset(resp, 0, sizeof *resp);
}

/* ---- small parsers ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes src[0..n) into out; false when malformed or too long. */
static bool url_decode(const char *src, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return false;
			h = hexval(src[i + 1]);
			l = hexval(src[i + 2]);
			if (h < 0 || l < 0)
				return false;
			c = h * 16 + l;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == 0 || o + 1 >= cap)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

/* The decoded value of query parameter `name`: 1 found, 0 absent, -1 bad. */
static int query_get(const char *query, const char *name, char *out,
		     size_t cap)
{
	size_t nl = strlen(name);
	const char *p = query;

	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
			return url_decode(p + nl + 1, len - nl - 1, out, cap) ?
				       1 :
				       -1;
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* A member that must be a string of at most `max` bytes without control
 * characters: 1 present, 0 absent, -1 wrong (resp filled). */
static int member_string(json_t *body, const char *name, size_t max,
			 bool required, const char **out,
			 struct api_response *resp)
{
	json_t *v = json_object_get(body, name);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'%s' is required", name);
		return -1;
	}
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'%s' must be a string of at most %zu bytes", name,
			  max);
		return -1;
	}
	for (const char *s = json_string_value(v); *s; s++)
		if ((unsigned char)*s < 0x20) {
			api_error(resp, 400, "MALFORMED_REQUEST",
				  "'%s' must not contain control characters",
				  name);
			return -1;
		}
	*out = json_string_value(v);
	return 1;
}

/* Parses key text into its canonical form, or fills resp. */
static bool canonical_key(const char *text, char out[ACTSIM_PKEY_TEXT_BYTES],
			  struct api_response *resp)
{
	struct actsim_pkey k;
	struct actsim_pkey_diag d;
	actsim_err e = actsim_pkey_parse(&k, text, &d);

	if (e == ACTSIM_E_MALFORMED_KEY) {
		error_object(resp, 400, actsim_pkey_malformed_json(text, &d));
		return false;
	}
	if (e != ACTSIM_OK) {
		api_error(resp, 400, "INVALID_KEY",
			  "the key's value does not fit in 114 bits");
		return false;
	}
	actsim_pkey_format(out, &k);
	return true;
}

/* AAAAA-BBB-CCCCCCC-DDEEE with its check digit. */
static bool valid_product_id(const char *s)
{
	static const char shape[] = "99999-999-9999999-99999";
	unsigned sum = 0;

	if (strlen(s) != sizeof shape - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == '-') {
			if (s[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)s[i]) &&
			   !(i >= 6 && i <= 8 && strncmp(s + 6, "OEM", 3) == 0)) {
			return false;
		}
	}
	for (size_t i = 10; i < 17; i++)
		sum += (unsigned)(s[i] - '0');
	return sum % 7 == 0;
}

/* ---- deferred writes ---- */

struct activation_job {
	struct actsim_clearing_request rq;
};

static void count_activation(struct api_env *env, const char *result)
{
	pthread_mutex_lock(&env->metrics.lock);
	for (size_t i = 0; i < N_RESULTS; i++)
		if (strcmp(activation_results[i], result) == 0)
			env->metrics.activations[i]++;
	pthread_mutex_unlock(&env->metrics.lock);
}

static int run_activation(struct api_env *env, struct actsim_lab *lab,
			  int64_t now, void *arg, struct api_response *out)
{
	struct activation_job *job = arg;
	struct actsim_clearing_result r;
	actsim_err e;
	static const int status[] = {
		[ACTSIM_DECISION_GRANTED] = 200,
		[ACTSIM_DECISION_KEY_BLOCKED] = 403,
		[ACTSIM_DECISION_TOO_MANY] = 409,
		[ACTSIM_DECISION_NOT_REQUIRED] = 422,
	};

	e = actsim_clearinghouse_decide(lab, env->cat, &job->rq, "online",
					false, now, &r);
	if (e == ACTSIM_E_INVALID_IID) {
		count_activation(env, "INVALID_INSTALLATION_ID");
		api_error(out, 400, "INVALID_INSTALLATION_ID",
			  "not an installation ID of a key this clearinghouse "
			  "issued");
		return 0;
	}
	if (e != ACTSIM_OK)
		return -1;
	count_activation(env, r.decision.code_name);
	if (r.decision.code == ACTSIM_DECISION_GRANTED) {
		reply(out, 200,
		      json_pack("{s:s,s:s,s:I}", "confirmation_id",
				r.confirmation_id, "product_id", r.product_id,
				"activation_id", (json_int_t)r.activation_id));
	} else {
		api_error(out, status[r.decision.code], r.decision.code_name,
			  "%s", r.decision.message);
		json_object_set_new(json_object_get(out->doc, "error"),
				    "reason", json_string(r.decision.reason));
	}
	return 0;
}

static void defer(struct api_write *w,
		  int (*run)(struct api_env *, struct actsim_lab *, int64_t,
			     void *, struct api_response *),
		  void *arg)
{
	w->run = run;
	w->arg = arg;
	w->free = free;
}

static int h_activate(struct api_env *env, struct actsim_lab *lab,
		      const struct api_request *req, json_t *body,
		      struct api_response *resp, struct api_write *w)
{
	struct activation_job *job;
	struct actsim_id_diag d;
	struct actsim_iid iid;
	const char *text;
	actsim_err e;

	(void)req;
	if (member_string(body, "installation_id", 256, true, &text, resp) < 0)
		return API_DONE;
	job = calloc(1, sizeof *job);
	if (job == NULL) {
		api_error(resp, 500, "INTERNAL", "out of memory");
		return API_DONE;
	}
	e = actsim_iid_parse(&iid, text, &d);
	/* Decryption and signing happen here, on the worker threads; the
	 * writer only decides. */
	if (e == ACTSIM_OK)
		e = actsim_clearinghouse_prepare(actsim_lab_realm(lab),
						 env->cat, &iid, &job->rq);
	if (e != ACTSIM_OK) {
		free(job);
		if (e == ACTSIM_E_MALFORMED_ID) {
			count_activation(env, "MALFORMED_INSTALLATION_ID");
			error_object(resp, 400, actsim_iid_malformed_json(&d));
		} else {
			count_activation(env, "INVALID_INSTALLATION_ID");
			api_error(resp, 400, "INVALID_INSTALLATION_ID",
				  "not an installation ID of this "
				  "clearinghouse");
		}
		return API_DONE;
	}
	defer(w, run_activation, job);
	w->order = job->rq.plain.key_id + 1;
	return API_DEFERRED;
}

static int h_validate(struct api_env *env, struct actsim_lab *lab,
		      const struct api_request *req, json_t *body,
		      struct api_response *resp, struct api_write *w)
{
	json_t *media = json_object_get(body, "media");
	struct actsim_media m = { NULL, NULL, NULL, false };
	struct actsim_check_result r;
	struct actsim_pkey_diag d;
	const char *key;

	(void)req;
	(void)w;
	if (member_string(body, "product_key", 256, true, &key, resp) < 0)
		return API_DONE;
	if (media != NULL && !json_is_null(media)) {
		json_t *r2 = json_object_get(media, "r2");

		if (!json_is_object(media) ||
		    member_string(media, "sku", 64, true, &m.sku, resp) < 0 ||
		    member_string(media, "channel", 64, true, &m.channel,
				  resp) < 0 ||
		    member_string(media, "platform", 64, true, &m.platform,
				  resp) < 0) {
			if (resp->doc == NULL)
				api_error(resp, 400, "MALFORMED_REQUEST",
					  "'media' must be an object");
			return API_DONE;
		}
		if (r2 != NULL && !json_is_boolean(r2)) {
			api_error(resp, 400, "MALFORMED_REQUEST",
				  "'media.r2' must be true or false");
			return API_DONE;
		}
		m.r2 = json_is_true(r2);
		if (!actsim_catalog_product_exists(env->cat, m.sku, m.platform,
						   m.r2) ||
		    !actsim_catalog_has(env->cat, ACTSIM_CATALOG_CHANNEL,
					m.channel)) {
			api_error(resp, 400, "UNKNOWN_PRODUCT",
				  "the catalog has no such media");
			return API_DONE;
		}
	}
	if (actsim_key_check(actsim_lab_realm(lab), env->cat, key,
			     m.sku != NULL ? &m : NULL, &r,
			     &d) != ACTSIM_OK) {
		error_object(resp, 400, actsim_pkey_malformed_json(key, &d));
		return API_DONE;
	}
	reply(resp, 200, actsim_check_result_json(&r));
	return API_DONE;
}

struct registration_job {
	char product_id[ACTSIM_PID_TEXT_BYTES];
	uint8_t *blob;
	size_t len;
};

static void registration_free(void *arg)
{
	struct registration_job *job = arg;

	if (job == NULL)
		return;
	free(job->blob);
	free(job);
}

static int run_registration(struct api_env *env, struct actsim_lab *lab,
			    int64_t now, void *arg, struct api_response *out)
{
	struct registration_job *job = arg;
	int64_t id;

	(void)env;
	if (actsim_lab_registration_add(lab, now, job->product_id, job->blob,
					job->len, &id) != ACTSIM_OK)
		return -1;
	reply(out, 201, json_pack("{s:I,s:s}", "registration_id",
				  (json_int_t)id, "product_id",
				  job->product_id));
	return 0;
}

/* AES-256-GCM: nonce (12) || ciphertext || tag (16); the product ID is
 * authenticated data, so a record cannot be moved to another product. */
static uint8_t *seal(const uint8_t key[32], const char *aad,
		     const char *plain, size_t *len)
{
	size_t n = strlen(plain);
	uint8_t *out = malloc(12 + n + 16);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	ok = out != NULL && c != NULL && RAND_bytes(out, 12) == 1 &&
	     EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out) &&
	     EVP_EncryptUpdate(c, NULL, &l1, (const uint8_t *)aad,
			       (int)strlen(aad)) &&
	     EVP_EncryptUpdate(c, out + 12, &l1, (const uint8_t *)plain,
			       (int)n) &&
	     EVP_EncryptFinal_ex(c, out + 12 + l1, &l2) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
				 out + 12 + l1 + l2);
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		free(out);
		return NULL;
	}
	*len = 12 + (size_t)l1 + (size_t)l2 + 16;
	return out;
}

static int h_register(struct api_env *env, struct actsim_lab *lab,
		      const struct api_request *req, json_t *body,
		      struct api_response *resp, struct api_write *w)
{
	static const char *const fields[] = { "name", "email",
					      "organization" };
	const char *pid, *v[3];
	struct registration_job *job;
	json_t *contact;
	char *plain;
	int present = 0;

	(void)lab;
	(void)req;
	if (member_string(body, "product_id", 64, true, &pid, resp) < 0)
		return API_DONE;
	if (!valid_product_id(pid)) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'product_id' is not a product ID "
			  "(AAAAA-BBB-CCCCCCC-DDEEE)");
		return API_DONE;
	}
	for (int i = 0; i < 3; i++) {
		int r = member_string(body, fields[i], 256, false, &v[i], resp);

		if (r < 0)
			return API_DONE;
		present += r;
	}
	if (present == 0) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "registration needs a name, email or organization");
		return API_DONE;
	}
	if (v[1] != NULL && strchr(v[1], '@') == NULL) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'email' is not an email address");
		return API_DONE;
	}
	contact = json_pack("{s:s?,s:s?,s:s?}", "name", v[0], "email", v[1],
			    "organization", v[2]);
	plain = json_dumps(contact, JSON_COMPACT);
	json_decref(contact);
	job = calloc(1, sizeof *job);
	if (plain == NULL || job == NULL) {
		free(job);
		free(plain);
		api_error(resp, 500, "INTERNAL", "out of memory");
		return API_DONE;
	}
	snprintf(job->product_id, sizeof job->product_id, "%s", pid);
	job->blob = seal(env->registration_key, pid, plain, &job->len);
	OPENSSL_cleanse(plain, strlen(plain));
	free(plain);
	if (job->blob == NULL) {
		free(job);
		api_error(resp, 500, "INTERNAL", "cannot encrypt");
		return API_DONE;
	}
	w->run = run_registration;
	w->arg = job;
	w->free = registration_free;
	return API_DEFERRED;
}

static int h_health(struct api_env *env, struct actsim_lab *lab,
		    const struct api_request *req, json_t *body,
		    struct api_response *resp, struct api_write *w)
{
	int64_t now;

	(void)env;
	(void)req;
	(void)body;
	(void)w;
	if (actsim_lab_clock_get(lab, &now) != ACTSIM_OK) {
		api_error(resp, 503, "UNAVAILABLE", "the lab cannot be read");
		return API_DONE;
	}
	reply(resp, 200, json_pack("{s:s}", "status", "ok"));
	return API_DONE;
}

/* A growable text buffer with a cap (metrics are small). */
struct text {
	char *buf;
	size_t len, cap;
};

static void emit(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->buf == NULL)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		if (t->cap >= (1u << 22)) {
			free(t->buf);
			t->buf = NULL;
			return;
		}
		char *grown = realloc(t->buf, t->cap * 2);

		if (grown == NULL) {
			free(t->buf);
			t->buf = NULL;
			return;
		}
		t->buf = grown;
		t->cap *= 2;
	}
}

static void emit_fault(void *arg, const char *route, const char *kind,
		       uint64_t count)
{
	emit(arg, "actsim_faults_injected_total{route=\"%s\",kind=\"%s\"} "
		  "%llu\n",
	     route, kind, (unsigned long long)count);
}

static const char *const event_names[API_N_EVENTS][2] = {
	[API_EV_CONN_TIMED_OUT] = { "connections_timed_out",
				    "Connections closed because a request "
				    "was not complete within --timeout." },
	[API_EV_ACCEPT_ERROR] = { "accept_errors",
				  "Failed accepts (descriptors exhausted); "
				  "the server backs off." },
	[API_EV_LOG_TRIMMED] = { "request_log_trimmed",
				 "Request-log rows removed beyond "
				 "--request-log-max." },
	[API_EV_LAB_BUSY] = { "lab_busy",
			      "Writes answered 503 LAB_BUSY: the lab was "
			      "held by another process." },
	[API_EV_QUEUE_FULL] = { "write_queue_full",
				"Writes answered 503 SERVER_BUSY: the write "
				"queue was full." },
	[API_EV_WRITE_RETRIED] = { "request_log_retries",
				   "Request-log batches written again after "
				   "the lab was busy." },
	[API_EV_LOG_DROPPED] = { "request_log_dropped",
				 "Request-log rows not kept: more were "
				 "waiting for a busy lab than the log "
				 "keeps." },
};

const struct api_refusal api_refusals[API_N_REFUSALS] = {
	[API_REFUSED_MALFORMED] = { 400, "MALFORMED_REQUEST" },
	[API_REFUSED_BODY] = { 413, "BODY_TOO_LARGE" },
	[API_REFUSED_EXPECT] = { 417, "EXPECTATION_FAILED" },
	[API_REFUSED_HEADERS] = { 431, "HEADERS_TOO_LARGE" },
	[API_REFUSED_METHOD] = { 501, "NOT_IMPLEMENTED" },
};

void api_metrics_refused(struct api_metrics *m, enum api_refused r)
{
	pthread_mutex_lock(&m->lock);
	m->refused[r]++;
	pthread_mutex_unlock(&m->lock);
}

void api_metrics_event(struct api_metrics *m, enum api_event ev, uint64_t n)
{
	pthread_mutex_lock(&m->lock);
	m->events[ev] += n;
	pthread_mutex_unlock(&m->lock);
}

static int h_metrics(struct api_env *env, struct actsim_lab *lab,
		     const struct api_request *req, json_t *body,
		     struct api_response *resp, struct api_write *w)
{
	struct api_metrics *m = &env->metrics;
	struct text t = { malloc(4096), 0, 4096 };
	uint64_t cumulative = 0;

	(void)lab;
	(void)req;
	(void)body;
	(void)w;
	pthread_mutex_lock(&m->lock);
	emit(&t, "# HELP actsim_requests_total Requests by route and "
		 "status.\n# TYPE actsim_requests_total counter\n");
	for (size_t i = 0; i < m->nrows; i++)
		emit(&t, "actsim_requests_total{route=\"%s\",status=\"%d\"} "
			 "%llu\n",
		     m->rows[i].route, m->rows[i].status,
		     (unsigned long long)m->rows[i].count);
	emit(&t, "# HELP actsim_faults_injected_total Faults injected by "
		 "route and kind.\n# TYPE actsim_faults_injected_total "
		 "counter\n");
	fault_table_metrics(&env->faults, emit_fault, &t);
	emit(&t, "# HELP actsim_activations_total Activation requests by "
		 "result.\n# TYPE actsim_activations_total counter\n");
	for (size_t i = 0; i < N_RESULTS; i++)
		emit(&t, "actsim_activations_total{result=\"%s\"} %llu\n",
		     activation_results[i],
		     (unsigned long long)m->activations[i]);
	emit(&t, "# HELP actsim_request_duration_seconds Time from request "
		 "to response.\n# TYPE actsim_request_duration_seconds "
		 "histogram\n");
	for (int i = 0; i <= API_LATENCY_BUCKETS; i++) {
		cumulative += m->buckets[i];
		if (i < API_LATENCY_BUCKETS)
			emit(&t,
			     "actsim_request_duration_seconds_bucket{le=\"%g\"} "
			     "%llu\n",
			     latency_bounds[i], (unsigned long long)cumulative);
		else
			emit(&t,
			     "actsim_request_duration_seconds_bucket{le=\"+Inf\"}"
			     " %llu\n",
			     (unsigned long long)cumulative);
	}
	emit(&t, "actsim_request_duration_seconds_sum %.6f\n"
		 "actsim_request_duration_seconds_count %llu\n",
	     m->latency_sum, (unsigned long long)m->latency_count);
	emit(&t, "# HELP actsim_protocol_errors_total Requests refused "
		 "before routing (unknown methods, oversized headers or "
		 "bodies, malformed requests), by status and code.\n"
		 "# TYPE actsim_protocol_errors_total counter\n");
	for (int i = 0; i < API_N_REFUSALS; i++)
		emit(&t, "actsim_protocol_errors_total{status=\"%d\","
			 "code=\"%s\"} %llu\n",
		     api_refusals[i].status, api_refusals[i].code,
		     (unsigned long long)m->refused[i]);
	for (int i = 0; i < API_N_EVENTS; i++)
		emit(&t, "# HELP actsim_%s_total %s\n# TYPE actsim_%s_total "
			 "counter\nactsim_%s_total %llu\n",
		     event_names[i][0], event_names[i][1], event_names[i][0],
		     event_names[i][0], (unsigned long long)m->events[i]);
	pthread_mutex_unlock(&m->lock);
	if (t.buf == NULL) {
		api_error(resp, 500, "INTERNAL", "out of memory");
		return API_DONE;
	}
	resp->status = 200;
	resp->text = t.buf;
	resp->content_type = "text/plain; version=0.0.4";
	return API_DONE;
}

static int h_admin_activations(struct api_env *env, struct actsim_lab *lab,
			       const struct api_request *req, json_t *body,
			       struct api_response *resp, struct api_write *w)
{
	char key[ACTSIM_PKEY_TEXT_BYTES], raw[300], pid[64];
	int hk, hp;
	json_t *list;

	(void)env;
	(void)body;
	(void)w;
	hk = query_get(req->query, "product_key", raw, sizeof raw);
	hp = query_get(req->query, "product_id", pid, sizeof pid);
	if (hk < 0 || hp < 0 || (hp > 0 && !valid_product_id(pid))) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "bad product_key or product_id parameter");
		return API_DONE;
	}
	if (hk > 0 && !canonical_key(raw, key, resp))
		return API_DONE;
	if (actsim_lab_activation_list(lab, hk > 0 ? key : NULL,
				       hp > 0 ? pid : NULL, API_LIST_LIMIT,
				       &list) != ACTSIM_OK) {
		json_decref(list);
		api_error(resp, 500, "INTERNAL", "cannot read activations");
		return API_DONE;
	}
	reply(resp, 200, json_pack("{s:o}", "activations", list));
	return API_DONE;
}

struct block_job {
	char key[ACTSIM_PKEY_TEXT_BYTES];
	char reason[260];
	bool block;
};

static int run_block(struct api_env *env, struct actsim_lab *lab, int64_t now,
		     void *arg, struct api_response *out)
{
	struct block_job *job = arg;
	actsim_err e;

	(void)env;
	if (job->block)
		e = actsim_lab_block(lab, job->key, job->reason, now);
	else
		e = actsim_lab_unblock(lab, job->key);
	if (e == ACTSIM_E_NOT_FOUND) {
		api_error(out, 404, "NOT_BLOCKED", "key '%s' is not blocked",
			  job->key);
		return 0;
	}
	if (e != ACTSIM_OK)
		return -1;
	reply(out, job->block ? 201 : 200,
	      json_pack("{s:s,s:b}", "product_key", job->key, "blocked",
			job->block));
	return 0;
}

static int h_block(struct api_env *env, struct actsim_lab *lab,
		   const struct api_request *req, json_t *body,
		   struct api_response *resp, struct api_write *w)
{
	struct block_job *job = calloc(1, sizeof *job);
	const char *key, *reason;

	(void)env;
	(void)lab;
	(void)req;
	if (job == NULL) {
		api_error(resp, 500, "INTERNAL", "out of memory");
		return API_DONE;
	}
	if (member_string(body, "product_key", 256, true, &key, resp) < 0 ||
	    member_string(body, "reason", 256, false, &reason, resp) < 0 ||
	    !canonical_key(key, job->key, resp)) {
		free(job);
		return API_DONE;
	}
	snprintf(job->reason, sizeof job->reason, "%s",
		 reason != NULL ? reason : "");
	job->block = true;
	defer(w, run_block, job);
	return API_DEFERRED;
}

static int h_unblock(struct api_env *env, struct actsim_lab *lab,
		     const struct api_request *req, json_t *body,
		     struct api_response *resp, struct api_write *w)
{
	const char *seg = strrchr(req->path, '/') + 1;
	struct block_job *job = calloc(1, sizeof *job);
	char raw[300];

	(void)env;
	(void)lab;
	(void)body;
	if (job == NULL) {
		api_error(resp, 500, "INTERNAL", "out of memory");
		return API_DONE;
	}
	if (!url_decode(seg, strlen(seg), raw, sizeof raw)) {
		free(job);
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "bad product key in the path");
		return API_DONE;
	}
	if (!canonical_key(raw, job->key, resp)) {
		free(job);
		return API_DONE;
	}
	defer(w, run_block, job);
	return API_DEFERRED;
}

static json_t *now_json(int64_t now)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	actsim_time_format(buf, now);
	return json_pack("{s:s}", "now", buf);
}

static int h_clock_get(struct api_env *env, struct actsim_lab *lab,
		       const struct api_request *req, json_t *body,
		       struct api_response *resp, struct api_write *w)
{
	int64_t now;

	(void)req;
	(void)body;
	(void)w;
	if (actsim_lab_clock_get(lab, &now) != ACTSIM_OK) {
		api_error(resp, 500, "INTERNAL", "cannot read the clock");
		return API_DONE;
	}
	reply(resp, 200, now_json(now));
	json_object_set_new(resp->doc, "clock_run",
			    dashboard_clock_run_json(env));
	return API_DONE;
}

struct clock_job {
	bool advance;
	int64_t value;
};

static int run_clock(struct api_env *env, struct actsim_lab *lab, int64_t now,
		     void *arg, struct api_response *out)
{
	struct clock_job *job = arg;

	(void)env;
	if ((job->advance && job->value > ACTSIM_CLOCK_MAX - now) ||
	    (!job->advance && job->value > ACTSIM_CLOCK_MAX)) {
		api_error(out, 400, "MALFORMED_REQUEST",
			  "the clock cannot pass " ACTSIM_CLOCK_MAX_TEXT);
		return 0;
	}
	now = job->advance ? now + job->value : job->value;
	if (actsim_lab_clock_set(lab, now) != ACTSIM_OK)
		return -1;
	reply(out, 200, now_json(now));
	return 0;
}

static int h_clock_put(struct api_env *env, struct actsim_lab *lab,
		       const struct api_request *req, json_t *body,
		       struct api_response *resp, struct api_write *w)
{
	const char *now, *adv;
	struct clock_job job;

	(void)env;
	(void)lab;
	(void)req;
	if (member_string(body, "now", 64, false, &now, resp) < 0 ||
	    member_string(body, "advance", 64, false, &adv, resp) < 0)
		return API_DONE;
	if ((now == NULL) == (adv == NULL)) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "give exactly one of 'now' or 'advance'");
		return API_DONE;
	}
	job.advance = adv != NULL;
	if (now != NULL && actsim_time_parse(now, &job.value) != ACTSIM_OK) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'now' must be an RFC 3339 time");
		return API_DONE;
	}
	if (adv != NULL && actsim_duration_parse(adv, &job.value) != ACTSIM_OK) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'advance' must be a duration such as 29d or 1d12h");
		return API_DONE;
	}
	{
		struct clock_job *copy = malloc(sizeof *copy);

		if (copy == NULL) {
			api_error(resp, 500, "INTERNAL", "out of memory");
			return API_DONE;
		}
		*copy = job;
		defer(w, run_clock, copy);
	}
	return API_DEFERRED;
}

static int h_faults_get(struct api_env *env, struct actsim_lab *lab,
			const struct api_request *req, json_t *body,
			struct api_response *resp, struct api_write *w)
{
	(void)lab;
	(void)req;
	(void)body;
	(void)w;
	reply(resp, 200, fault_table_json(&env->faults));
	return API_DONE;
}

static int h_faults_put(struct api_env *env, struct actsim_lab *lab,
			const struct api_request *req, json_t *body,
			struct api_response *resp, struct api_write *w)
{
	struct fault f;
	const char *code = "MALFORMED_REQUEST";
	char msg[1200];

	(void)lab;
	(void)req;
	(void)w;
	if (fault_parse(body, &f, &code, msg, sizeof msg) != 0) {
		api_error(resp, 400, code, "%s", msg);
		return API_DONE;
	}
	if (!fault_table_set(&env->faults, &f)) {
		api_error(resp, 409, "TOO_MANY_FAULTS",
			  "at most %d faults at once", FAULT_MAX);
		return API_DONE;
	}
	reply(resp, 200, fault_table_json(&env->faults));
	return API_DONE;
}

/* DELETE /v1/admin/faults[?route=PATH]: all faults, or one route's. */
static int h_faults_delete(struct api_env *env, struct actsim_lab *lab,
			   const struct api_request *req, json_t *body,
			   struct api_response *resp, struct api_write *w)
{
	char route[64] = "";
	json_t *doc;
	size_t removed;
	int r;

	(void)lab;
	(void)body;
	(void)w;
	r = query_get(req->query, "route", route, sizeof route);
	if (r < 0 || (r > 0 && route[0] != '/')) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'route' must be a path such as /v1/activations");
		return API_DONE;
	}
	removed = fault_table_clear(&env->faults, r > 0 ? route : NULL);
	if (r > 0 && removed == 0) {
		api_error(resp, 404, "NO_FAULT", "no fault on '%s'", route);
		return API_DONE;
	}
	doc = fault_table_json(&env->faults);
	json_object_set_new(doc, "removed", json_integer((json_int_t)removed));
	reply(resp, 200, doc);
	return API_DONE;
}

static int run_reset(struct api_env *env, struct actsim_lab *lab, int64_t now,
		     void *arg, struct api_response *out)
{
	(void)env;
	(void)now;
	(void)arg;
	if (actsim_lab_reset(lab) != ACTSIM_OK)
		return -1;
	reply(out, 200, json_pack("{s:b}", "reset", 1));
	return 0;
}

static int h_reset(struct api_env *env, struct actsim_lab *lab,
		   const struct api_request *req, json_t *body,
		   struct api_response *resp, struct api_write *w)
{
	(void)env;
	(void)lab;
	(void)req;
	(void)body;
	(void)resp;
	w->run = run_reset;
	w->arg = NULL;
	w->free = NULL;
	return API_DEFERRED;
}

static int h_requests(struct api_env *env, struct actsim_lab *lab,
		      const struct api_request *req, json_t *body,
		      struct api_response *resp, struct api_write *w)
{
	char raw[16];
	long limit = 100;
	int r = query_get(req->query, "limit", raw, sizeof raw);
	json_t *list;

	(void)env;
	(void)body;
	(void)w;
	if (r > 0) {
		char *end;

		limit = strtol(raw, &end, 10);
		if (*end != '\0' || limit < 1 || limit > API_LIST_LIMIT)
			r = -1;
	}
	if (r < 0) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'limit' must be a number from 1 to %d",
			  API_LIST_LIMIT);
		return API_DONE;
	}
	if (actsim_lab_request_list(lab, (size_t)limit, &list) != ACTSIM_OK) {
		json_decref(list);
		api_error(resp, 500, "INTERNAL", "cannot read the request log");
		return API_DONE;
	}
	reply(resp, 200, json_pack("{s:o}", "requests", list));
	return API_DONE;
}

const struct api_route api_routes[] = {
	{ "POST", API_POST, "/v1/activations", h_activate, 4096, API_JSON_BODY },
	{ "POST", API_POST, "/v1/keys/validate", h_validate, 4096,
	  API_JSON_BODY },
	{ "POST", API_POST, "/v1/registrations", h_register, 4096,
	  API_JSON_BODY },
	{ "GET", API_GET, "/healthz", h_health, 0, 0 },
	{ "GET", API_GET, "/metrics", h_metrics, 0, 0 },
	{ "GET", API_GET, "/v1/admin/activations", h_admin_activations, 0,
	  API_ADMIN },
	{ "POST", API_POST, "/v1/admin/blocks", h_block, 4096,
	  API_ADMIN | API_JSON_BODY },
	{ "DELETE", API_DELETE, "/v1/admin/blocks/*", h_unblock, 0, API_ADMIN },
	{ "GET", API_GET, "/v1/admin/clock", h_clock_get, 0, API_ADMIN },
	{ "PUT", API_PUT, "/v1/admin/clock", h_clock_put, 4096,
	  API_ADMIN | API_JSON_BODY },
	{ "GET", API_GET, "/v1/admin/faults", h_faults_get, 0, API_ADMIN },
	{ "PUT", API_PUT, "/v1/admin/faults", h_faults_put, 4096,
	  API_ADMIN | API_JSON_BODY },
	{ "DELETE", API_DELETE, "/v1/admin/faults", h_faults_delete, 0,
	  API_ADMIN },
	{ "POST", API_POST, "/v1/admin/reset", h_reset, 0, API_ADMIN },
	{ "GET", API_GET, "/v1/admin/requests", h_requests, 0, API_ADMIN },
	/* the web dashboard: its files, then what only it needs */
	{ "GET", API_GET, "/", dashboard_index, 0, 0 },
	{ "GET", API_GET, "/app.css", dashboard_css, 0, 0 },
	{ "GET", API_GET, "/app.js", dashboard_js, 0, 0 },
	{ "GET", API_GET, "/v1/admin/machines", dashboard_machines, 0,
	  API_ADMIN },
	{ "GET", API_GET, "/v1/admin/machines/*", dashboard_machine, 0,
	  API_ADMIN },
	{ "GET", API_GET, "/v1/admin/timelines/*", dashboard_timeline_svg, 0,
	  API_ADMIN },
	{ "PUT", API_PUT, "/v1/admin/clock/run", dashboard_clock_run_put, 4096,
	  API_ADMIN | API_JSON_BODY },
	{ "DELETE", API_DELETE, "/v1/admin/clock/run",
	  dashboard_clock_run_delete, 0, API_ADMIN },
	{ "GET", API_GET, "/v1/admin/blocks", dashboard_blocks, 0, API_ADMIN },
	{ "GET", API_GET, "/v1/admin/activations/counts",
	  dashboard_activation_counts, 0, API_ADMIN },
	{ NULL, 0, NULL, NULL, 0, 0 },
};

static bool path_matches(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*') {
		const char *seg = path + n - 1;

		return strncmp(pattern, path, n - 1) == 0 && *seg != '\0' &&
		       strchr(seg, '/') == NULL;
	}
	return strcmp(pattern, path) == 0;
}

const char *api_route_name(const struct api_request *req)
{
	for (const struct api_route *r = api_routes; r->path != NULL; r++)
		if (path_matches(r->path, req->path))
			return r->path;
	return "unmatched";
}

/* Bearer token check in constant time over the full token length. */
static bool authorised(const struct api_env *env, const char *header)
{
	char given[ACTSIM_ADMIN_TOKEN_HEX];
	size_t n;

	memset(given, 0, sizeof given);
	if (header == NULL || strncmp(header, "Bearer ", 7) != 0)
		return false;
	n = strlen(header + 7);
	memcpy(given, header + 7,
	       n < sizeof given - 1 ? n : sizeof given - 1);
	return (CRYPTO_memcmp(given, env->admin_token, sizeof given) == 0) &
	       (n == sizeof given - 1);
}

/* Appends a method to an Allow list ("GET, HEAD, PUT"). */
static void allow_add(char *list, size_t cap, const char *method)
{
	size_t n = strlen(list);

	if (n + strlen(method) + 3 > cap)
		return;
	snprintf(list + n, cap - n, "%s%s", n > 0 ? ", " : "", method);
}

int api_handle(struct api_env *env, struct actsim_lab *lab,
	       const struct api_request *req, struct api_response *resp,
	       struct api_write *write)
{
	const struct api_route *route = NULL;
	char methods[64] = "";
	bool path_known = false;
	json_t *body = NULL;
	json_error_t je;
	int rc;

	memset(write, 0, sizeof *write);
	for (const struct api_route *r = api_routes; r->path != NULL; r++) {
		if (!path_matches(r->path, req->path))
			continue;
		path_known = true;
		allow_add(methods, sizeof methods, r->method_name);
		/* HEAD is served wherever GET is (the server sends the
		 * headers GET would, without the body). */
		if (r->method == API_GET)
			allow_add(methods, sizeof methods, "HEAD");
		if (r->method == req->method ||
		    (req->method == API_HEAD && r->method == API_GET))
			route = r;
	}
	if (!path_known) {
		api_error(resp, 404, "NOT_FOUND", "no such route");
		return API_DONE;
	}
	if (route == NULL) {
		api_error(resp, 405, "METHOD_NOT_ALLOWED", "allowed: %s",
			  methods);
		snprintf(resp->allow, sizeof resp->allow, "%s", methods);
		return API_DONE;
	}
	if (req->body_len > (route->max_body ? route->max_body :
					       API_MAX_BODY_DEFAULT)) {
		api_error(resp, 413, "BODY_TOO_LARGE",
			  "the body is larger than %zu bytes",
			  route->max_body ? route->max_body :
					    (size_t)API_MAX_BODY_DEFAULT);
		return API_DONE;
	}
	if ((route->flags & API_ADMIN) &&
	    !authorised(env, req->authorization)) {
		api_error(resp, 401, "UNAUTHORIZED",
			  "admin routes need 'Authorization: Bearer TOKEN'");
		return API_DONE;
	}
	if (route->flags & API_JSON_BODY) {
		body = json_loadb(req->body != NULL ? req->body : "",
				  req->body_len, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(body)) {
			json_decref(body);
			api_error(resp, 400, "MALFORMED_JSON",
				  "the body must be a JSON object%s%s",
				  body == NULL ? ": " : "",
				  body == NULL ? je.text : "");
			return API_DONE;
		}
	}
	rc = route->handler(env, lab, req, body, resp, write);
	json_decref(body);
	return rc;
}

void api_run_write(struct api_env *env, struct actsim_lab *lab,
		   struct api_write *write, struct api_response *resp)
{
	int64_t now;

	if (actsim_lab_begin(lab, true) != ACTSIM_OK ||
	    actsim_lab_clock_get(lab, &now) != ACTSIM_OK ||
	    write->run(env, lab, now, write->arg, resp) != 0 ||
	    actsim_lab_commit(lab) != ACTSIM_OK) {
		actsim_lab_rollback(lab);
		api_error(resp, 500, "INTERNAL", "the lab database failed");
	}
	if (write->free != NULL)
		write->free(write->arg);
	memset(write, 0, sizeof *write);
}

void api_metrics_observe(struct api_metrics *m, const char *route, int status,
			 double seconds)
{
	size_t i;
	int b;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].status == status &&
		    strcmp(m->rows[i].route, route) == 0)
			break;
	if (i == m->nrows && m->nrows < sizeof m->rows / sizeof m->rows[0]) {
		snprintf(m->rows[i].route, sizeof m->rows[i].route, "%s",
			 route);
		m->rows[i].status = status;
		m->nrows++;
	}
	if (i < m->nrows)
		m->rows[i].count++;
	for (b = 0; b < API_LATENCY_BUCKETS && seconds > latency_bounds[b];
	     b++)
		;
	m->buckets[b]++;
	m->latency_sum += seconds;
	m->latency_count++;
	pthread_mutex_unlock(&m->lock);
}

actsim_err api_env_init(struct api_env *env, struct actsim_lab *lab,
			const struct actsim_catalog *cat)
{
	uint8_t fault_key[32];
	uint64_t key = 0;
	actsim_err e;

	memset(env, 0, sizeof *env);
	env->cat = cat;
	e = actsim_lab_admin_token(lab, env->admin_token);
	if (e == ACTSIM_OK)
		e = actsim_realm_derive_key(actsim_lab_realm(lab),
					    "actsim/registration-key/v1",
					    env->registration_key);
	/* Fault rolls depend on the lab seed through the realm. */
	if (e == ACTSIM_OK)
		e = actsim_realm_derive_key(actsim_lab_realm(lab),
					    "actsim/faults/v1", fault_key);
	if (e != ACTSIM_OK)
		return e;
	for (int i = 0; i < 8; i++)
		key = key << 8 | fault_key[i];
	OPENSSL_cleanse(fault_key, sizeof fault_key);
	pthread_mutex_init(&env->metrics.lock, NULL);
	fault_table_init(&env->faults, key);
	pthread_mutex_init(&env->clock_run.lock, NULL);
	return ACTSIM_OK;
}

void api_env_release(struct api_env *env)
{
	pthread_mutex_destroy(&env->metrics.lock);
	fault_table_release(&env->faults);
	pthread_mutex_destroy(&env->clock_run.lock);
	OPENSSL_cleanse(env, sizeof *env);
}
