/* The built-in catalog, compiled from fixtures/catalog/ws2003.json by
 * scripts/gen-catalog: each top-level member of the document as its own
 * JSON text, in order, ended by { NULL, NULL }. Internal to libactsim. */
#ifndef ACTSIM_CATALOG_BUILTIN_H
#define ACTSIM_CATALOG_BUILTIN_H

#include <stddef.h>

struct catalog_member {
	const char *name;
	const char *json;
};

extern const struct catalog_member actsim_catalog_builtin[];

#endif
