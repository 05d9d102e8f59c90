/* Setup's product-key check: signature, key configuration and, when the
 * media is known, whether the key fits it (seed 000). */
#ifndef ACTSIM_KEYCHECK_H
#define ACTSIM_KEYCHECK_H

#include <stdbool.h>

#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/err.h"
#include "actsim/pkey.h"
#include "actsim/realm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Setup's messages, reproduced exactly from the seed text. */
#define ACTSIM_MSG_INVALID_KEY \
	"The product key you entered is not valid. Please type a valid " \
	"product key."
#define ACTSIM_MSG_EDITION_MISMATCH \
	"Setup cannot continue because the operating system edition is " \
	"different from the setup edition."
#define ACTSIM_MSG_VALID "The product key is valid."
#define ACTSIM_MSG_VALID_MEDIA "The product key is valid for this media."

/* The installation media a key is typed into. */
struct actsim_media {
	const char *sku, *channel, *platform;
	bool r2;
};

enum actsim_check_code {
	ACTSIM_CHECK_OK,
	ACTSIM_CHECK_INVALID_KEY,
	ACTSIM_CHECK_EDITION_MISMATCH
};

struct actsim_check_result {
	enum actsim_check_code code;
	const char *code_name; /* "OK", "INVALID_KEY", "EDITION_MISMATCH" */
	const char *reason;    /* "ok", "bad_signature", "out_of_range",
				* "unknown_channel_id", "wrong_channel",
				* "wrong_platform", "r2_mismatch", "wrong_sku" */
	const char *message;   /* what Setup says */
	bool in_range;         /* the value fits in 114 bits */
	bool signature_valid;
	struct actsim_pkey fields; /* meaningful when in_range */
	const struct actsim_keyconfig *config; /* NULL: not configured */
};

/* Checks key text against the realm and catalog and, when media is not
 * NULL, against that media. Returns ACTSIM_E_MALFORMED_KEY (diag filled
 * when not NULL) for text that is not a key; otherwise ACTSIM_OK with the
 * verdict in out. Reads only; thread-safe. */
actsim_err actsim_key_check(const struct actsim_realm *realm,
			    const struct actsim_catalog *catalog,
			    const char *text, const struct actsim_media *media,
			    struct actsim_check_result *out,
			    struct actsim_pkey_diag *diag)
	__attribute__((warn_unused_result));

/* The verdict as the JSON document `key check` and POST /v1/keys/validate
 * return: {"valid","code","message","reason","key","channel_id","sku",
 * "channel","platform","r2"} (new reference). */
json_t *actsim_check_result_json(const struct actsim_check_result *r);

/* The error object for malformed key text:
 * {"code":"MALFORMED_KEY","message", and "position"+"character" or
 * "length"} (new reference). */
json_t *actsim_pkey_malformed_json(const char *text,
				   const struct actsim_pkey_diag *d);

#ifdef __cplusplus
}
#endif
#endif
