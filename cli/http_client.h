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
};

/* Performs the call; returns 0 when an HTTP answer (any status) came
 * back, -1 when the server could not be reached, the connection was reset
 * or timed out (error says which). Frees nothing of the caller's. */
int http_call(struct http_call *c);

/* The server a lab runs, from DIR/server.json, else the default
 * https://127.0.0.1:8443. */
void http_lab_url(const char *lab_dir, char *out, size_t cap);

#endif
