/* Product key text: parse, format, check against a realm and the
 * catalog, decode the error object of malformed text. */
#include <stdlib.h>
#include <string.h>

#include "actsim/keycheck.h"
#include "fuzz.h"

static struct actsim_realm *realm;
static struct actsim_catalog *cat;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	realm = fuzz_realm();
	cat = fuzz_catalog();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct actsim_pkey k, back;
	struct actsim_pkey_diag d;
	struct actsim_check_result r;
	struct actsim_media m = { "standard", "retail", "x86", false };
	char out[ACTSIM_PKEY_TEXT_BYTES];
	json_t *j;

	if (text == NULL)
		return 0;
	if (actsim_pkey_parse(&k, text, &d) == ACTSIM_OK) {
		actsim_pkey_format(out, &k);
		if (actsim_pkey_parse(&back, out, NULL) != ACTSIM_OK ||
		    k.upgrade != back.upgrade ||
		    k.channel_id != back.channel_id || k.hash != back.hash ||
		    k.signature != back.signature ||
		    k.auth_info != back.auth_info)
			abort(); /* format and parse must round-trip */
	}
	if (actsim_key_check(realm, cat, text, &m, &r, &d) == ACTSIM_OK)
		j = actsim_check_result_json(&r);
	else
		j = actsim_pkey_malformed_json(text, &d);
	json_decref(j);
	free(text);
	return 0;
}
