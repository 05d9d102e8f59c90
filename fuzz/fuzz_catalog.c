/* Catalog JSON: load and validate, then every lookup. */
#include <stdlib.h>

#include "actsim/catalog.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct actsim_catalog *c;
	char err[512];

	if (actsim_catalog_load(&c, "fuzz", (const char *)data, size, err,
				sizeof err) != ACTSIM_OK)
		return 0;
	for (unsigned id = 0; id <= 1023; id++)
		(void)actsim_catalog_by_channel_id(c, (uint16_t)id);
	for (size_t i = 0; i < actsim_catalog_keyconfig_count(c); i++) {
		const struct actsim_keyconfig *k = actsim_catalog_keyconfig(c, i);

		if (actsim_catalog_find(c, k->sku, k->platform, k->channel,
					k->r2) == NULL ||
		    actsim_catalog_channel(c, k->channel) == NULL)
			abort();
	}
	(void)actsim_catalog_phone(c, "US");
	actsim_catalog_free(c);
	return 0;
}
