/* Every HTTP route's handling, without sockets: the same api_handle and
 * deferred writes the server runs, on a temporary lab. Input: a method
 * line, a path line (with an optional query), an authorization line
 * ("TOKEN" stands for the lab's token), then the body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../server/api.h"
#include "fuzz.h"

static struct actsim_lab *lab;
static struct actsim_catalog *cat;
static struct api_env env;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct actsim_lab_init_opts o;
	struct actsim_lab *made = NULL;
	char dir[] = "/tmp/actsim-fuzz-http-XXXXXX";

	(void)argc;
	(void)argv;
	memset(&o, 0, sizeof o);
	o.admin_token[0] = 1;
	if (mkdtemp(dir) == NULL ||
	    actsim_realm_seed_from_number(o.seed, 0) != ACTSIM_OK ||
	    actsim_lab_create(&made, dir, &o) != ACTSIM_OK)
		abort();
	actsim_lab_close(made);
	if (actsim_lab_open(&lab, dir, true) != ACTSIM_OK ||
	    actsim_lab_catalog(lab, &cat) != ACTSIM_OK ||
	    api_env_init(&env, lab, cat) != ACTSIM_OK)
		abort();
	return 0;
}

static const char *line(char **p)
{
	char *s = *p, *nl = strchr(s, '\n');

	if (nl == NULL) {
		*p = s + strlen(s);
		return s;
	}
	*nl = '\0';
	*p = nl + 1;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const char *name;
		enum api_method m;
	} methods[] = { { "GET", API_GET },	  { "POST", API_POST },
			{ "PUT", API_PUT },	  { "DELETE", API_DELETE },
			{ "HEAD", API_HEAD } };
	char *text = fuzz_string(data, size), *p = text, *q;
	char path[512], auth[128];
	const char *mline, *pline, *aline;
	struct api_request req;
	struct api_response resp;
	struct api_write w;

	if (text == NULL)
		return 0;
	mline = line(&p);
	pline = line(&p);
	aline = line(&p);
	memset(&req, 0, sizeof req);
	req.method = API_OTHER;
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(mline, methods[i].name) == 0)
			req.method = methods[i].m;
	snprintf(path, sizeof path, "%s", pline);
	q = strchr(path, '?');
	if (q != NULL)
		*q++ = '\0';
	req.path = path;
	req.query = q;
	if (strcmp(aline, "TOKEN") == 0)
		snprintf(auth, sizeof auth, "Bearer %s", env.admin_token);
	else
		snprintf(auth, sizeof auth, "%s", aline);
	req.authorization = auth[0] ? auth : NULL;
	req.body = p;
	req.body_len = strlen(p);
	memset(&resp, 0, sizeof resp);
	if (api_handle(&env, lab, &req, &resp, &w) == API_DEFERRED)
		api_run_write(&env, lab, &w, &resp);
	if (resp.status < 200 || resp.status > 599)
		abort(); /* every request gets a real status */
	api_response_release(&resp);
	free(text);
	return 0;
}
