/* The server part through dlopen: see server_lazy.h. */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server_lazy.h"
#include "../common/banned.h"

#define PLUGIN_FILE "actsim-server.so"

static const struct server_plugin *plugin;
static char load_error[PATH_MAX + 256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The directory of the running executable, "" when unknown. */
static void exe_dir(char *out, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	char *slash;

	out[n > 0 ? n : 0] = '\0';
	slash = strrchr(out, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		out[0] = '\0';
}

static void load(void)
{
	static const char *const where[] = { "/" PLUGIN_FILE,
					     "/../lib/actsim/" PLUGIN_FILE };
	char dir[PATH_MAX], path[PATH_MAX + 64], first[PATH_MAX + 64] = "";
	const char *why = "not found";
	void *lib = NULL, *sym;

	exe_dir(dir, sizeof dir);
	for (size_t i = 0; lib == NULL && i < sizeof where / sizeof *where;
	     i++) {
		snprintf(path, sizeof path, "%s%s", dir, where[i]);
		if (i == 0)
			snprintf(first, sizeof first, "%s", path);
		if (access(path, F_OK) != 0)
			continue;
		lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (lib == NULL)
			why = dlerror();
	}
	if (lib == NULL) {
		snprintf(load_error, sizeof load_error,
			 "cannot load the server part '%s': %s", first, why);
		return;
	}
	sym = dlsym(lib, SERVER_PLUGIN_SYMBOL);
	if (sym == NULL ||
	    ((const struct server_plugin *)sym)->size !=
		    sizeof(struct server_plugin) ||
	    strcmp(((const struct server_plugin *)sym)->version,
		   ACTSIM_VERSION) != 0) {
		snprintf(load_error, sizeof load_error,
			 "the server part '%s' is not from this build of "
			 "actsim",
			 path);
		return;
	}
	plugin = sym;
}

const struct server_plugin *server_lazy_load(char *err, size_t cap)
{
	pthread_once(&once, load);
	if (plugin == NULL && err != NULL && cap > 0)
		snprintf(err, cap, "%s", load_error);
	return plugin;
}
