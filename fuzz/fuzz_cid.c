/* Confirmation ID text: parse, verify against a fixed installation ID,
 * and the error object of malformed text. */
#include <stdlib.h>
#include <string.h>

#include "actsim/ids.h"
#include "fuzz.h"

static struct actsim_realm *realm;
static struct actsim_iid iid;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct actsim_iid_plain p = { 1, 0x7226ca1909e6d591ull, 171, 1, 2, 3 };

	(void)argc;
	(void)argv;
	realm = fuzz_realm();
	if (actsim_iid_encrypt(realm, &p, &iid) != ACTSIM_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct actsim_cid cid;
	struct actsim_id_diag d;
	actsim_err e;

	if (text == NULL)
		return 0;
	e = actsim_cid_parse(&cid, text, &d);
	if (e == ACTSIM_E_MALFORMED_ID)
		json_decref(actsim_cid_malformed_json(&d));
	else if (e == ACTSIM_OK)
		e = actsim_cid_verify(realm, &iid, &cid); /* any answer */
	(void)e;
	free(text);
	return 0;
}
