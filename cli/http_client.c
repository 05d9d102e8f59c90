#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "curl_lazy.h"
#include <jansson.h>

#include "http_client.h"
#include "../common/banned.h"

struct sink {
	char *buf;
	size_t len;
	bool overflow;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = size * n;
	char *grown;

	if (s->len + add > HTTP_RESPONSE_CAP) {
		s->overflow = true;
		return 0;
	}
	grown = realloc(s->buf, s->len + add + 1);
	if (grown == NULL)
		return 0;
	s->buf = grown;
	memcpy(s->buf + s->len, data, add);
	s->len += add;
	s->buf[s->len] = '\0';
	return add;
}

/* Picks Retry-After (seconds) out of the response headers. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	char value[32];
	size_t i = sizeof name - 1, o = 0;

	if (len > i && strncasecmp(data, name, i) == 0) {
		while (i < len && (data[i] == ' ' || data[i] == '\t'))
			i++;
		while (i < len && o < sizeof value - 1 && data[i] >= '0' &&
		       data[i] <= '9')
			value[o++] = data[i++];
		value[o] = '\0';
		if (o > 0 && o < 10)
			c->retry_after = strtol(value, NULL, 10);
	}
	return len;
}

int http_call(struct http_call *c)
{
	CURL *h = curl_easy_init();
	struct curl_slist *headers = NULL;
	struct sink sink = { NULL, 0, false };
	char auth[128], detail[CURL_ERROR_SIZE];
	CURLcode rc;

	c->status = 0;
	c->response = NULL;
	c->error[0] = '\0';
	c->curl_code = 0;
	c->retry_after = -1;
	if (h == NULL) {
		snprintf(c->error, sizeof c->error, "cannot start libcurl");
		return -1;
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	if (c->bearer != NULL) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s",
			 c->bearer);
		headers = curl_slist_append(headers, auth);
	}
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
			 c->timeout_ms > 0 ? c->timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	detail[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	if (c->body != NULL)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
	if (c->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(h);
	c->curl_code = (int)rc;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
		c->response = sink.buf != NULL ? sink.buf : calloc(1, 1);
	} else {
		snprintf(c->error, sizeof c->error, "%s",
			 sink.overflow	   ? "response too large" :
			 detail[0] != '\0' ? detail :
					     curl_easy_strerror(rc));
		free(sink.buf);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	return rc == CURLE_OK ? 0 : -1;
}

enum http_failure http_failure_of(const struct http_call *c)
{
	switch ((CURLcode)c->curl_code) {
	case CURLE_COULDNT_CONNECT:
		return HTTP_NOT_LISTENING;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE: /* a lab that never ran a server */
		return HTTP_WRONG_SERVER;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_TIMEOUT;
	case CURLE_PARTIAL_FILE:
		return HTTP_TRUNCATED;
	case CURLE_UNSUPPORTED_PROTOCOL: /* "Received HTTP/0.9" */
	case CURLE_WEIRD_SERVER_REPLY:
		return HTTP_GARBAGE;
	case CURLE_GOT_NOTHING:
		return HTTP_EMPTY;
	case CURLE_SSL_CONNECT_ERROR:
		return HTTP_TLS;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return strstr(c->error, "reset") != NULL ? HTTP_RESET :
							   HTTP_UNREACHABLE;
	default:
		return HTTP_UNREACHABLE;
	}
}

void http_url(char *out, size_t cap, const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(out, cap, "%.*s%s", (int)n, base, path);
}

bool http_lab_url(const char *lab_dir, char *out, size_t cap)
{
	bool found;
	char path[4200];
	json_t *doc;
	const char *url;

	snprintf(path, sizeof path, "%s/server.json", lab_dir);
	doc = json_load_file(path, 0, NULL);
	url = json_string_value(json_object_get(doc, "url"));
	found = url != NULL && strncmp(url, "https://", 8) == 0;
	snprintf(out, cap, "%s", found ? url : "https://127.0.0.1:8443");
	json_decref(doc);
	return found;
}
