/* Helpers for the fuzz targets. */
#include <stdlib.h>
#include <string.h>

#include "actsim/catalog.h"
#include "actsim/realm.h"
#include "fuzz.h"

char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

struct actsim_realm *fuzz_realm(void)
{
	uint8_t seed[ACTSIM_SEED_BYTES];
	struct actsim_realm *realm = NULL;

	if (actsim_realm_seed_from_number(seed, 0) != ACTSIM_OK ||
	    actsim_realm_generate(&realm, seed) != ACTSIM_OK)
		abort();
	return realm;
}

struct actsim_catalog *fuzz_catalog(void)
{
	struct actsim_catalog *cat = NULL;

	if (actsim_catalog_load_builtin(&cat, NULL, 0) != ACTSIM_OK)
		abort();
	return cat;
}
