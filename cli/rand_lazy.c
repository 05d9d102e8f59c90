/* RAND_bytes through dlopen: see rand_lazy.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "rand_lazy.h"
#include "../common/banned.h"

static int (*rand_bytes)(unsigned char *, int);
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);

	/* dlsym gives a data pointer; POSIX guarantees it converts to a
	 * function pointer of the right type. */
	if (lib != NULL)
		*(void **)(&rand_bytes) = dlsym(lib, "RAND_bytes");
}

int lazy_RAND_bytes(unsigned char *buf, int num)
{
	pthread_once(&once, load);
	return rand_bytes != NULL ? rand_bytes(buf, num) : 0;
}
