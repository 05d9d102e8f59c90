#include <string.h>

#include "actsim/keycheck.h"
#include "../common/internal.h"

static void verdict(struct actsim_check_result *out,
		    enum actsim_check_code code, const char *reason)
{
	static const char *const names[] = { "OK", "INVALID_KEY",
					     "EDITION_MISMATCH" };
	static const char *const messages[] = { ACTSIM_MSG_VALID,
						ACTSIM_MSG_INVALID_KEY,
						ACTSIM_MSG_EDITION_MISMATCH };

	out->code = code;
	out->code_name = names[code];
	out->reason = reason;
	out->message = messages[code];
}

actsim_err actsim_key_check(const struct actsim_realm *realm,
			    const struct actsim_catalog *catalog,
			    const char *text, const struct actsim_media *media,
			    struct actsim_check_result *out,
			    struct actsim_pkey_diag *diag)
{
	struct actsim_check_result r;
	const struct actsim_keyconfig *k;
	actsim_err e;

	memset(&r, 0, sizeof r);
	e = actsim_pkey_parse(&r.fields, text, diag);
	if (e == ACTSIM_E_MALFORMED_KEY)
		return e;
	if (e == ACTSIM_E_KEY_RANGE) {
		verdict(&r, ACTSIM_CHECK_INVALID_KEY, "out_of_range");
		*out = r;
		return ACTSIM_OK;
	}
	r.in_range = true;
	r.signature_valid = actsim_pkey_verify(realm, &r.fields) == ACTSIM_OK;
	r.config = k = actsim_catalog_by_channel_id(catalog,
						    r.fields.channel_id);
	if (!r.signature_valid)
		verdict(&r, ACTSIM_CHECK_INVALID_KEY, "bad_signature");
	else if (k == NULL)
		verdict(&r, ACTSIM_CHECK_INVALID_KEY, "unknown_channel_id");
	else if (media == NULL)
		verdict(&r, ACTSIM_CHECK_OK, "ok");
	/* Keys are unique per channel, then per SKU (seed 000): a key of
	 * another channel, platform or R2-ness is simply not valid; only a
	 * key right in all but the edition gets the edition message. */
	else if (strcmp(k->channel, media->channel) != 0)
		verdict(&r, ACTSIM_CHECK_INVALID_KEY, "wrong_channel");
	else if (strcmp(k->platform, media->platform) != 0)
		verdict(&r, ACTSIM_CHECK_INVALID_KEY, "wrong_platform");
	else if (k->r2 != media->r2)
		verdict(&r, ACTSIM_CHECK_INVALID_KEY, "r2_mismatch");
	else if (strcmp(k->sku, media->sku) != 0)
		verdict(&r, ACTSIM_CHECK_EDITION_MISMATCH, "wrong_sku");
	else
		verdict(&r, ACTSIM_CHECK_OK, "ok");
	if (r.code == ACTSIM_CHECK_OK && media != NULL)
		r.message = ACTSIM_MSG_VALID_MEDIA;
	*out = r;
	return ACTSIM_OK;
}
