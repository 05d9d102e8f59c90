/* The catalog: the product family as data (fixtures/catalog/ws2003.json).
 * Code implements mechanisms; the catalog holds the Windows Server 2003
 * facts: SKUs, platforms, channels, languages, product codes and the
 * key-configuration table mapping channel-ID ranges to products. */
#ifndef ACTSIM_CATALOG_H
#define ACTSIM_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actsim/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTSIM_CATALOG_MAX_BYTES (16u << 20)

/* One row of the key-configuration table. Strings are owned by the
 * catalog and live as long as it does. */
struct actsim_keyconfig {
	unsigned index;
	uint16_t channel_id_min, channel_id_max;
	const char *sku, *platform, *channel;
	bool r2;
	const char *product_code;
};

struct actsim_catalog;

/* What a name is checked against in actsim_catalog_has(). */
enum actsim_catalog_kind {
	ACTSIM_CATALOG_SKU,
	ACTSIM_CATALOG_PLATFORM,
	ACTSIM_CATALOG_CHANNEL,
	ACTSIM_CATALOG_LANGUAGE,
	ACTSIM_CATALOG_COUNTRY
};

enum actsim_policy_mode {
	ACTSIM_POLICY_LIMIT,      /* at most max_hardware in window_days */
	ACTSIM_POLICY_BIND_FIRST, /* bound to the first hardware for good */
	ACTSIM_POLICY_EXEMPT      /* no activation (volume license) */
};

/* A channel's activation rules (seed 001 and actsim defaults). */
struct actsim_channel_rules {
	const char *id, *name;
	int grace_days;             /* -1: exempt from activation */
	int evaluation_expiry_days; /* 0: the edition never ends */
	enum actsim_policy_mode policy;
	int max_hardware, window_days; /* ACTSIM_POLICY_LIMIT only */
};

#define ACTSIM_MAX_REMINDER_STEPS 8

/* Rules shared by every channel. Reminder steps are ordered by
 * above_hours, descending, the last one 0: while more than above_hours
 * remain, a reminder comes every every_hours. */
struct actsim_activation_rules {
	int reactivation_days;
	size_t nreminders;
	struct {
		int above_hours, every_hours;
	} reminders[ACTSIM_MAX_REMINDER_STEPS];
	const char *oem_bios_marker; /* OEM pre-activation marker in BIOS */
	const char *default_country;
};

/* Parses and validates catalog text; `name` is used in messages. On
 * failure returns ACTSIM_E_CATALOG and writes
 * "catalog 'NAME': $.json.path: what is wrong" into err (cap bytes). */
actsim_err actsim_catalog_load(struct actsim_catalog **out, const char *name,
			       const char *text, size_t len, char *err,
			       size_t cap) __attribute__((warn_unused_result));

/* Reads and loads a file; ACTSIM_E_IO when it cannot be read,
 * ACTSIM_E_TOO_BIG over ACTSIM_CATALOG_MAX_BYTES. */
actsim_err actsim_catalog_load_file(struct actsim_catalog **out,
				    const char *path, char *err, size_t cap)
	__attribute__((warn_unused_result));

/* The catalog compiled into the library (fixtures/catalog/ws2003.json). */
actsim_err actsim_catalog_load_builtin(struct actsim_catalog **out, char *err,
				       size_t cap)
	__attribute__((warn_unused_result));

void actsim_catalog_free(struct actsim_catalog *c); /* NULL is a no-op */

/* The name given at load ("builtin:ws2003.json" for the built-in one). */
const char *actsim_catalog_name(const struct actsim_catalog *c);

/* The whole validated document; borrowed, valid while c lives. Thread-
 * safe. The built-in catalog assembles it on the first call: a command
 * that needs a few members asks for them with actsim_catalog_member. */
const json_t *actsim_catalog_document(const struct actsim_catalog *c);

/* One top-level member of the document ("skus", "r2_upgrade"...), NULL
 * when there is none; borrowed, valid while c lives. Thread-safe. */
const json_t *actsim_catalog_member(const struct actsim_catalog *c,
				    const char *name);

bool actsim_catalog_has(const struct actsim_catalog *c,
			enum actsim_catalog_kind kind, const char *id);

/* Whether `platform` exists for `sku` (as R2 when r2 is true). */
bool actsim_catalog_product_exists(const struct actsim_catalog *c,
				   const char *sku, const char *platform,
				   bool r2);

/* A channel's rules, or NULL for an unknown channel. */
const struct actsim_channel_rules *
actsim_catalog_channel(const struct actsim_catalog *c, const char *id);

const struct actsim_activation_rules *
actsim_catalog_activation(const struct actsim_catalog *c);

/* The activation telephone number for a country, or NULL. */
const char *actsim_catalog_phone(const struct actsim_catalog *c,
				 const char *country);

size_t actsim_catalog_keyconfig_count(const struct actsim_catalog *c);
const struct actsim_keyconfig *
actsim_catalog_keyconfig(const struct actsim_catalog *c, size_t i);

/* The configuration whose range holds channel_id, or NULL. O(1). */
const struct actsim_keyconfig *
actsim_catalog_by_channel_id(const struct actsim_catalog *c,
			     uint16_t channel_id);

/* The configuration for a combination, or NULL when the catalog lacks it. */
const struct actsim_keyconfig *
actsim_catalog_find(const struct actsim_catalog *c, const char *sku,
		    const char *platform, const char *channel, bool r2);

#ifdef __cplusplus
}
#endif
#endif
