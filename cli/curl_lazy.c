/* libcurl through dlopen: see curl_lazy.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "../common/banned.h"

#include "curl_lazy.h"

static struct {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	CURLcode (*easy_perform)(CURL *);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} fn;
static const char *load_error;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym gives a data pointer; POSIX guarantees it converts to a function
 * pointer of the right type. */
#define BIND(lib, field, name)                                             \
	do {                                                               \
		void *sym_ = dlsym(lib, name);                             \
		if (sym_ == NULL)                                          \
			ok = false;                                        \
		*(void **)(&fn.field) = sym_;                              \
	} while (0)

static void load(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	bool ok = true;

	if (lib == NULL) {
		load_error = "cannot load libcurl.so.4";
		return;
	}
	BIND(lib, easy_init, "curl_easy_init");
	BIND(lib, easy_setopt, "curl_easy_setopt");
	BIND(lib, easy_getinfo, "curl_easy_getinfo");
	BIND(lib, easy_perform, "curl_easy_perform");
	BIND(lib, easy_cleanup, "curl_easy_cleanup");
	BIND(lib, easy_strerror, "curl_easy_strerror");
	BIND(lib, easy_escape, "curl_easy_escape");
	BIND(lib, free, "curl_free");
	BIND(lib, slist_append, "curl_slist_append");
	BIND(lib, slist_free_all, "curl_slist_free_all");
	if (!ok) {
		load_error = "libcurl.so.4 lacks a function actsim needs";
		fn.easy_init = NULL;
	}
}

const char *curl_lazy_error(void)
{
	pthread_once(&once, load);
	return load_error;
}

CURL *lazy_curl_easy_init(void)
{
	pthread_once(&once, load);
	return fn.easy_init != NULL ? fn.easy_init() : NULL;
}

/* The argument's type follows from the option's number, as in curl's
 * own curl_easy_setopt. The functions below are only reached with a
 * handle, hence after a successful load. */
CURLcode lazy_curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode rc;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = fn.easy_setopt(h, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = fn.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode lazy_curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	CURLcode rc;

	va_start(ap, info);
	rc = fn.easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode lazy_curl_easy_perform(CURL *h)
{
	return fn.easy_perform(h);
}

void lazy_curl_easy_cleanup(CURL *h)
{
	if (h != NULL)
		fn.easy_cleanup(h);
}

const char *lazy_curl_easy_strerror(CURLcode code)
{
	pthread_once(&once, load);
	return fn.easy_strerror != NULL ? fn.easy_strerror(code) :
					  "libcurl not loaded";
}

char *lazy_curl_easy_escape(CURL *h, const char *s, int len)
{
	return fn.easy_escape(h, s, len);
}

void lazy_curl_free(void *p)
{
	pthread_once(&once, load);
	if (p != NULL && fn.free != NULL)
		fn.free(p);
}

struct curl_slist *lazy_curl_slist_append(struct curl_slist *l,
					  const char *s)
{
	pthread_once(&once, load);
	return fn.slist_append != NULL ? fn.slist_append(l, s) : NULL;
}

void lazy_curl_slist_free_all(struct curl_slist *l)
{
	pthread_once(&once, load);
	if (l != NULL && fn.slist_free_all != NULL)
		fn.slist_free_all(l);
}
