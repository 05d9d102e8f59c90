/* Hardware profile JSON: parse, hash, back to JSON and again (the hash
 * must not change), compare. */
#include <stdlib.h>

#include "actsim/hwid.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct actsim_hw_profile p, q;
	struct actsim_hw_vote v;
	char err[256];
	uint64_t h, h2;
	json_t *j;

	if (actsim_hw_profile_parse(&p, (const char *)data, size, err,
				    sizeof err) != ACTSIM_OK)
		return 0;
	if (actsim_hw_hash(&p, &h) != ACTSIM_OK)
		abort();
	j = actsim_hw_profile_to_json(&p);
	if (actsim_hw_profile_from_json(&q, j, err, sizeof err) != ACTSIM_OK ||
	    actsim_hw_hash(&q, &h2) != ACTSIM_OK || h != h2)
		abort();
	json_decref(j);
	actsim_hw_profile_replace(&q, ACTSIM_HW_NIC_MAC, 1);
	actsim_hw_profile_replace(&q, ACTSIM_HW_RAM_RANGE, 2);
	if (actsim_hw_hash(&q, &h2) != ACTSIM_OK)
		abort();
	actsim_hw_compare(h, h2, &v);
	if (v.votes > ACTSIM_HW_TOTAL_VOTES)
		abort();
	return 0;
}
