/* The built-in catalog, compiled from fixtures/catalog/ws2003.json by
 * scripts/gen-catalog: each top-level member of the document as its own
 * JSON text, in order, ended by { NULL, NULL }, and the key
 * configurations as a table. Internal to libactsim. */
#ifndef ACTSIM_CATALOG_BUILTIN_H
#define ACTSIM_CATALOG_BUILTIN_H

#include <stddef.h>

#include "actsim/catalog.h"

struct catalog_member {
	const char *name;
	const char *json;
};

extern const struct catalog_member actsim_catalog_builtin[];

/* Its key configurations, as actsim_catalog_keyconfig gives them. */
extern const struct actsim_keyconfig actsim_catalog_builtin_configs[];
extern const size_t actsim_catalog_builtin_nconfigs;

#endif
