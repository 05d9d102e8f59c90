/* libxml2 through dlopen: see xml_lazy.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#define XML_LAZY_NO_RENAME
#include "xml_lazy.h"
#include "../common/banned.h"

struct xml_lazy xml_lazy;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym gives a data pointer; POSIX guarantees it converts to a function
 * pointer of the right type. */
#define XML_LAZY_BIND(name)                                                \
	if ((*(void **)(&fn.name) = dlsym(lib, #name)) == NULL)            \
		ok = 0;

static void load(void)
{
	void *lib = dlopen("libxml2.so.2", RTLD_NOW | RTLD_LOCAL);
	struct xml_lazy fn;
	int ok = 1;

	if (lib == NULL)
		return;
	XML_LAZY_FUNCS(XML_LAZY_BIND)
	if (ok)
		xml_lazy = fn;
}

xmlBufferPtr xml_lazy_buffer_create(void)
{
	pthread_once(&once, load);
	return xml_lazy.xmlBufferCreate != NULL ? xml_lazy.xmlBufferCreate() :
						  NULL;
}
