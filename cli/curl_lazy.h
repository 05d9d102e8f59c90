/* libcurl, loaded when a command first talks HTTP. Linking it outright
 * costs every actsim process the loading of some thirty libraries (TLS,
 * Kerberos, LDAP, SSH, compression) that only the client commands use;
 * with these shims a `clock show` starts as fast as the rest allows.
 * Include this instead of <curl/curl.h>; the calls keep curl's names. */
#ifndef ACTSIM_CURL_LAZY_H
#define ACTSIM_CURL_LAZY_H

#include <curl/curl.h>

/* Whether libcurl could be loaded; when not, curl_easy_init() returns
 * NULL and curl_lazy_error() says why. Thread-safe. */
const char *curl_lazy_error(void);

CURL *lazy_curl_easy_init(void);
CURLcode lazy_curl_easy_setopt(CURL *h, CURLoption opt, ...);
CURLcode lazy_curl_easy_getinfo(CURL *h, CURLINFO info, ...);
CURLcode lazy_curl_easy_perform(CURL *h);
void lazy_curl_easy_cleanup(CURL *h);
const char *lazy_curl_easy_strerror(CURLcode code);
char *lazy_curl_easy_escape(CURL *h, const char *s, int len);
void lazy_curl_free(void *p);
struct curl_slist *lazy_curl_slist_append(struct curl_slist *l,
					  const char *s);
void lazy_curl_slist_free_all(struct curl_slist *l);

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_init lazy_curl_easy_init
#define curl_easy_setopt lazy_curl_easy_setopt
#define curl_easy_getinfo lazy_curl_easy_getinfo
#define curl_easy_perform lazy_curl_easy_perform
#define curl_easy_cleanup lazy_curl_easy_cleanup
#define curl_easy_strerror lazy_curl_easy_strerror
#define curl_easy_escape lazy_curl_easy_escape
#define curl_free lazy_curl_free
#define curl_slist_append lazy_curl_slist_append
#define curl_slist_free_all lazy_curl_slist_free_all

#endif
