/* Installation ID text: parse, decrypt, the clearinghouse's preparation,
 * and the error object of malformed text. */
#include <stdlib.h>
#include <string.h>

#include "actsim/clearinghouse.h"
#include "actsim/ids.h"
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
	struct actsim_iid iid, again;
	struct actsim_iid_plain p;
	struct actsim_id_diag d;
	struct actsim_clearing_request rq;
	char out[ACTSIM_IID_TEXT_BYTES];
	actsim_err e;

	if (text == NULL)
		return 0;
	e = actsim_iid_parse(&iid, text, &d);
	if (e == ACTSIM_E_MALFORMED_ID) {
		json_decref(actsim_iid_malformed_json(&d));
	} else if (e == ACTSIM_OK) {
		actsim_iid_format(out, &iid);
		if (actsim_iid_parse(&again, out, NULL) != ACTSIM_OK ||
		    memcmp(&iid, &again, sizeof iid) != 0)
			abort();
		if (actsim_iid_decrypt(realm, &iid, &p) == ACTSIM_OK &&
		    p.version != ACTSIM_IID_VERSION)
			abort();
		/* Any answer will do; only a crash or a report fails. */
		e = actsim_clearinghouse_prepare(realm, cat, &iid, &rq);
		(void)e;
	}
	free(text);
	return 0;
}
