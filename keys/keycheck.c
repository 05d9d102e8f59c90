#include <stdio.h>
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

static json_t *nullable(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *actsim_check_result_json(const struct actsim_check_result *r)
{
	const struct actsim_keyconfig *k = r->config;
	char canon[ACTSIM_PKEY_TEXT_BYTES];

	actsim_pkey_format(canon, &r->fields);
	return json_pack(
		"{s:b,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "valid",
		r->code == ACTSIM_CHECK_OK, "code", r->code_name, "message",
		r->message, "reason", r->reason, "key",
		r->in_range ? json_string(canon) : json_null(), "channel_id",
		r->in_range ? json_integer(r->fields.channel_id) : json_null(),
		"sku", nullable(k ? k->sku : NULL), "channel",
		nullable(k ? k->channel : NULL), "platform",
		nullable(k ? k->platform : NULL), "r2",
		k ? json_boolean(k->r2) : json_null());
}

json_t *actsim_pkey_malformed_json(const char *text,
				   const struct actsim_pkey_diag *d)
{
	char msg[256];
	json_t *err;

	if (d->character != '\0') {
		unsigned char ch = (unsigned char)d->character;
		char shown[8];

		if (ch >= 0x20 && ch < 0x7f)
			snprintf(shown, sizeof shown, "'%c'", ch);
		else
			snprintf(shown, sizeof shown, "0x%02x", ch);
		snprintf(msg, sizeof msg,
			 "malformed product key: character %s at position %zu "
			 "is not one of %s",
			 shown, d->position, ACTSIM_PKEY_ALPHABET);
		/* printable ASCII as itself, anything else in hex: the
		 * document stays valid UTF-8 whatever was typed */
		err = json_pack("{s:s,s:s,s:I,s:s}", "code", "MALFORMED_KEY",
				"message", msg, "position",
				(json_int_t)d->position, "character",
				ch >= 0x20 && ch < 0x7f ? shown + 1 : shown);
		if (ch >= 0x20 && ch < 0x7f)
			json_object_set_new(err, "character",
					    json_stringn(&d->character, 1));
	} else if (strlen(text) > ACTSIM_PKEY_MAX_INPUT) {
		snprintf(msg, sizeof msg,
			 "malformed product key: longer than %d characters",
			 ACTSIM_PKEY_MAX_INPUT);
		err = json_pack("{s:s,s:s}", "code", "MALFORMED_KEY", "message",
				msg);
	} else {
		snprintf(msg, sizeof msg,
			 "malformed product key: %zu key characters, expected "
			 "%d",
			 d->length, ACTSIM_PKEY_CHARS);
		err = json_pack("{s:s,s:s,s:I}", "code", "MALFORMED_KEY",
				"message", msg, "length", (json_int_t)d->length);
	}
	return err;
}
