/* A small HTTPS client for the CLI's online roads (libcurl, OpenSSL). */
#ifndef ACTSIM_HTTP_CLIENT_H
#define ACTSIM_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_RESPONSE_CAP (1u << 20)

struct http_call {
	const char *method;       /* "GET", "POST", "PUT", "DELETE" */
	const char *url;
	const char *body;         /* JSON, or NULL */
	const char *ca_file;      /* NULL: the system's */
	const char *bearer;       /* admin token, or NULL */
	bool insecure;            /* skip certificate checks */
	long timeout_ms;
	/* out */
	long status;              /* 0 when no HTTP answer came */
	char *response;           /* malloc'd, NUL-terminated */
	char error[256];          /* why no answer came */
	int curl_code;            /* libcurl's CURLcode, 0 for an answer */
	long retry_after;         /* the Retry-After header's seconds, or -1 */
};

/* Performs the call; returns 0 when an HTTP answer (any status) came
 * back, -1 when the server could not be reached, the connection was reset
 * or timed out (error says which). Frees nothing of the caller's. */
int http_call(struct http_call *c);

/* Why a call got no usable answer, from libcurl's code. */
enum http_failure {
	HTTP_NOT_LISTENING, /* connection refused: no server there */
	HTTP_WRONG_SERVER,  /* a certificate the given CA did not sign */
	HTTP_RESET,         /* the connection was reset */
	HTTP_TIMEOUT,       /* no answer in time */
	HTTP_TRUNCATED,     /* the answer stopped short */
	HTTP_GARBAGE,       /* the answer was not HTTP */
	HTTP_EMPTY,         /* closed without an answer */
	HTTP_TLS,           /* the TLS handshake failed */
	HTTP_UNREACHABLE    /* anything else */
};

/* Classifies a call that returned -1. */
enum http_failure http_failure_of(const struct http_call *c);

/* The server a lab runs, from DIR/server.json, else the default
 * https://127.0.0.1:8443. True when DIR/server.json named it. */
bool http_lab_url(const char *lab_dir, char *out, size_t cap);

/* BASE and PATH ("/v1/...") as one URL: a slash ending BASE is not
 * doubled. */
void http_url(char *out, size_t cap, const char *base, const char *path);

#endif
