/* libpq through dlopen: see pg_lazy.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#define PQ_LAZY_NO_RENAME
#include "pg_lazy.h"
#include "../common/banned.h"

#define PQ_LIB "libpq.so.5"

struct pq_lazy pq_lazy;
static const char *load_error;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym gives a data pointer; POSIX guarantees it converts to a function
 * pointer of the right type. */
#define PQ_LAZY_BIND(name)                                                 \
	if ((*(void **)(&fn.name) = dlsym(lib, #name)) == NULL)            \
		ok = 0;

static void load(void)
{
	void *lib = dlopen(PQ_LIB, RTLD_NOW | RTLD_LOCAL);
	struct pq_lazy fn;
	int ok = 1;

	if (lib == NULL) {
		load_error = "cannot load " PQ_LIB ", the PostgreSQL client "
			     "library (install libpq5)";
		return;
	}
	PQ_LAZY_FUNCS(PQ_LAZY_BIND)
	if (!ok) {
		load_error = PQ_LIB " lacks a function actsim needs";
		return;
	}
	pq_lazy = fn;
}

const char *pq_lazy_load(void)
{
	pthread_once(&once, load);
	return load_error;
}
