/* The catalog: the built-in one is valid and complete, every combination
 * generates keys that check and decode back to it, Setup's rules per
 * media, and malformed catalogs are named by file and JSON path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/keycheck.h"
#include "actsim/pkey.h"
#include "actsim/realm.h"

static struct actsim_realm *realm;
static struct actsim_catalog *cat;

static int setup(void **state)
{
	uint8_t seed[ACTSIM_SEED_BYTES];
	char err[512];

	(void)state;
	if (actsim_realm_seed_from_number(seed, 3) != ACTSIM_OK ||
	    actsim_realm_generate(&realm, seed) != ACTSIM_OK)
		return -1;
	if (actsim_catalog_load_builtin(&cat, err, sizeof err) != ACTSIM_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	actsim_catalog_free(cat);
	actsim_realm_free(realm);
	return 0;
}

/* The seed's product family: which platforms each SKU has. */
static void test_family_facts(void **state)
{
	(void)state;
	assert_true(actsim_catalog_product_exists(cat, "web", "x86", false));
	assert_false(actsim_catalog_product_exists(cat, "web", "x64", false));
	assert_false(actsim_catalog_product_exists(cat, "web", "ia64", false));
	assert_true(actsim_catalog_product_exists(cat, "standard", "x64",
						  false));
	assert_false(actsim_catalog_product_exists(cat, "standard", "ia64",
						   false));
	assert_true(actsim_catalog_product_exists(cat, "enterprise", "ia64",
						  false));
	assert_true(actsim_catalog_product_exists(cat, "datacenter", "ia64",
						  false));
	/* No Itanium R2; R2 for Standard, Enterprise, Datacenter. */
	assert_false(actsim_catalog_product_exists(cat, "enterprise", "ia64",
						   true));
	assert_true(actsim_catalog_product_exists(cat, "standard", "x86",
						  true));
	assert_true(actsim_catalog_product_exists(cat, "datacenter", "x64",
						  true));
	assert_false(actsim_catalog_product_exists(cat, "web", "x86", true));
	for (const char *const *c = (const char *const[]){ "retail", "msdn",
							    "evaluation", "oem",
							    "volume", NULL };
	     *c; c++)
		assert_true(actsim_catalog_has(cat, ACTSIM_CATALOG_CHANNEL, *c));
	assert_true(actsim_catalog_has(cat, ACTSIM_CATALOG_LANGUAGE, "de"));
	assert_false(actsim_catalog_has(cat, ACTSIM_CATALOG_SKU, "home"));
	/* 15 products x 5 channels, each its own range. */
	assert_int_equal(actsim_catalog_keyconfig_count(cat), 75);
}

static void test_ranges_distinct(void **state)
{
	size_t n = actsim_catalog_keyconfig_count(cat);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct actsim_keyconfig *a = actsim_catalog_keyconfig(cat, i);

		assert_true(a->channel_id_max <= ACTSIM_CHANNEL_ID_MAX);
		for (unsigned id = a->channel_id_min; id <= a->channel_id_max;
		     id++)
			assert_ptr_equal(actsim_catalog_by_channel_id(
						 cat, (uint16_t)id),
					 a);
		for (size_t j = i + 1; j < n; j++) {
			const struct actsim_keyconfig *b =
				actsim_catalog_keyconfig(cat, j);

			assert_true(a->channel_id_max < b->channel_id_min ||
				    b->channel_id_max < a->channel_id_min);
		}
	}
	assert_null(actsim_catalog_by_channel_id(cat, 0));
	assert_null(actsim_catalog_by_channel_id(cat, 1023));
	assert_null(actsim_catalog_keyconfig(cat, n));
}

static struct actsim_pkey gen_for(const struct actsim_keyconfig *k,
				  uint64_t index)
{
	struct actsim_keygen g;
	struct actsim_pkey key;

	memset(&g, 0, sizeof g);
	g.realm = realm;
	g.channel_id_min = k->channel_id_min;
	g.channel_id_max = k->channel_id_max;
	assert_int_equal(actsim_keygen_seed_from_number(g.stream_key, k->index),
			 ACTSIM_OK);
	assert_int_equal(actsim_pkey_generate(&g, index, &key), ACTSIM_OK);
	return key;
}

/* Every combination: keys check, and decode back to the combination. */
static void test_every_combination_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < actsim_catalog_keyconfig_count(cat); i++) {
		const struct actsim_keyconfig *k = actsim_catalog_keyconfig(cat, i);

		for (uint64_t j = 0; j < 4; j++) {
			struct actsim_pkey key = gen_for(k, j);
			struct actsim_check_result r;
			struct actsim_media m = { k->sku, k->channel,
						  k->platform, k->r2 };
			char text[ACTSIM_PKEY_TEXT_BYTES];

			actsim_pkey_format(text, &key);
			assert_int_equal(actsim_key_check(realm, cat, text, NULL,
							  &r, NULL),
					 ACTSIM_OK);
			assert_int_equal(r.code, ACTSIM_CHECK_OK);
			assert_ptr_equal(r.config, k);
			assert_int_equal(actsim_key_check(realm, cat, text, &m,
							  &r, NULL),
					 ACTSIM_OK);
			assert_int_equal(r.code, ACTSIM_CHECK_OK);
			assert_string_equal(r.message, ACTSIM_MSG_VALID_MEDIA);
		}
	}
}

/* Setup's rules: a key typed into every media of the family. The
 * expected verdict is written out here from the seed's sentences. */
static void test_setup_rules_matrix(void **state)
{
	size_t n = actsim_catalog_keyconfig_count(cat);
	int edition = 0, invalid = 0, ok = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct actsim_keyconfig *key = actsim_catalog_keyconfig(cat, i);
		struct actsim_pkey k = gen_for(key, 0);
		char text[ACTSIM_PKEY_TEXT_BYTES];

		actsim_pkey_format(text, &k);
		for (size_t j = 0; j < n; j++) {
			const struct actsim_keyconfig *media =
				actsim_catalog_keyconfig(cat, j);
			struct actsim_media m = { media->sku, media->channel,
						  media->platform, media->r2 };
			struct actsim_check_result r;
			bool same_channel = !strcmp(key->channel, media->channel);
			bool same_platform =
				!strcmp(key->platform, media->platform);
			bool same_sku = !strcmp(key->sku, media->sku);
			bool same_r2 = key->r2 == media->r2;

			assert_int_equal(actsim_key_check(realm, cat, text, &m,
							  &r, NULL),
					 ACTSIM_OK);
			if (same_channel && same_platform && same_r2 &&
			    same_sku) {
				assert_int_equal(r.code, ACTSIM_CHECK_OK);
				ok++;
			} else if (same_channel && same_platform && same_r2) {
				assert_int_equal(r.code,
						 ACTSIM_CHECK_EDITION_MISMATCH);
				assert_string_equal(
					r.message,
					"Setup cannot continue because the "
					"operating system edition is different "
					"from the setup edition.");
				edition++;
			} else {
				assert_int_equal(r.code,
						 ACTSIM_CHECK_INVALID_KEY);
				assert_string_equal(
					r.message,
					"The product key you entered is not "
					"valid. Please type a valid product "
					"key.");
				invalid++;
			}
		}
	}
	assert_int_equal(ok, 75);
	assert_true(edition > 0 && invalid > 0);
}

static void test_invalid_verdicts(void **state)
{
	const struct actsim_keyconfig *k = actsim_catalog_find(cat, "standard",
							       "x86", "retail",
							       false);
	struct actsim_pkey key = gen_for(k, 0);
	struct actsim_check_result r;
	struct actsim_pkey_diag d;
	struct actsim_keygen g;
	char text[ACTSIM_PKEY_TEXT_BYTES];

	(void)state;
	key.hash ^= 1;
	actsim_pkey_format(text, &key);
	assert_int_equal(actsim_key_check(realm, cat, text, NULL, &r, NULL),
			 ACTSIM_OK);
	assert_int_equal(r.code, ACTSIM_CHECK_INVALID_KEY);
	assert_string_equal(r.reason, "bad_signature");
	/* a genuine signature on a channel ID the catalog does not know */
	memset(&g, 0, sizeof g);
	g.realm = realm;
	g.channel_id_min = g.channel_id_max = 1010;
	assert_int_equal(actsim_pkey_generate(&g, 0, &key), ACTSIM_OK);
	actsim_pkey_format(text, &key);
	assert_int_equal(actsim_key_check(realm, cat, text, NULL, &r, NULL),
			 ACTSIM_OK);
	assert_true(r.signature_valid);
	assert_null(r.config);
	assert_string_equal(r.reason, "unknown_channel_id");
	assert_int_equal(actsim_key_check(realm, cat,
					  "99999-99999-99999-99999-99999", NULL,
					  &r, NULL),
			 ACTSIM_OK);
	assert_string_equal(r.reason, "out_of_range");
	assert_int_equal(actsim_key_check(realm, cat, "nope", NULL, &r, &d),
			 ACTSIM_E_MALFORMED_KEY);
}

/* Applies one edit to the built-in catalog and expects a message. */
static void expect_catalog_error(const char *edit_path, json_t *value,
				 const char *needle)
{
	size_t len;
	const json_t *orig = actsim_catalog_document(cat);
	json_t *doc = json_deep_copy(orig), *obj = doc;
	char buf[160], *save = NULL, *tok, *text, err[512];
	const char *last = NULL;
	struct actsim_catalog *c = NULL;

	snprintf(buf, sizeof buf, "%s", edit_path);
	for (tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (last != NULL)
			obj = json_is_array(obj) ?
				      json_array_get(obj, strtoul(last, NULL, 10)) :
				      json_object_get(obj, last);
		last = tok;
	}
	if (json_is_array(obj))
		json_array_set_new(obj, strtoul(last, NULL, 10), value);
	else if (value == NULL)
		json_object_del(obj, last);
	else
		json_object_set_new(obj, last, value);
	text = json_dumps(doc, 0);
	len = strlen(text);
	assert_int_equal(actsim_catalog_load(&c, "edited.json", text, len, err,
					     sizeof err),
			 ACTSIM_E_CATALOG);
	assert_null(c);
	if (strstr(err, needle) == NULL || strstr(err, "edited.json") == NULL)
		fail_msg("error '%s' does not name '%s'", err, needle);
	free(text);
	json_decref(doc);
}

static void test_catalog_errors(void **state)
{
	struct actsim_catalog *c = NULL;
	char err[512];

	(void)state;
	expect_catalog_error("catalog_version", json_integer(2),
			     "$.catalog_version");
	expect_catalog_error("skus", json_array(), "$: 'skus'");
	expect_catalog_error("skus/0/id", json_integer(1), "$.skus[0]: 'id'");
	expect_catalog_error("skus/1/id", json_string("web"),
			     "$.skus[1]: duplicate id 'web'");
	expect_catalog_error("skus/0/platforms/0", json_string("arm"),
			     "$.skus[0].platforms[0]: unknown platform 'arm'");
	expect_catalog_error("products/0/sku", json_string("home"),
			     "$.products[0]: unknown sku 'home'");
	expect_catalog_error("products/0/platform", json_string("x64"),
			     "$.products[0]: sku 'web' has no platform 'x64'");
	expect_catalog_error("products/0/product_code", json_string("12a45"),
			     "$.products[0]: 'product_code'");
	expect_catalog_error("key_configurations/3/channel_id_max",
			     json_integer(1024),
			     "$.key_configurations[3]: 'channel_id_max'");
	expect_catalog_error("key_configurations/3/channel_id_min",
			     json_integer(100),
			     "$.key_configurations[3]: channel ID 100 already");
	expect_catalog_error("key_configurations/4/channel",
			     json_string("retail"),
			     "$.key_configurations[4]: same product and channel");
	expect_catalog_error("key_configurations/4/channel",
			     json_string("shop"),
			     "$.key_configurations[4]: unknown channel 'shop'");
	expect_catalog_error("key_configurations/2/index", json_integer(9),
			     "$.key_configurations[2]: 'index' must be 2");
	expect_catalog_error("key_configurations/5/r2", json_string("no"),
			     "$.key_configurations[5]: 'r2'");
	expect_catalog_error("r2_upgrade/channel_matrix/oem",
			     json_pack("[s]", "shop"),
			     "$.r2_upgrade.channel_matrix.oem: unknown id "
			     "'shop'");
	expect_catalog_error("r2_upgrade/sku_matrix/standard", json_integer(1),
			     "$.r2_upgrade.sku_matrix.standard: must be an "
			     "array");
	expect_catalog_error("r2_upgrade/messages/sp_required", NULL,
			     "$.r2_upgrade.messages: 'sp_required'");
	expect_catalog_error("service_pack_2/updates/0/superseded_by_sp2",
			     json_string("yes"),
			     "$.service_pack_2.updates[0]: "
			     "'superseded_by_sp2'");
	expect_catalog_error("exchange/blockers/powershell/source", NULL,
			     "$.exchange.blockers.powershell");
	assert_int_equal(actsim_catalog_load(&c, "x.json", "{\"a\":", 5, err,
					     sizeof err),
			 ACTSIM_E_CATALOG);
	assert_non_null(strstr(err, "catalog 'x.json': line 1"));
	assert_int_equal(actsim_catalog_load_file(&c, "/nonexistent/c.json",
						  err, sizeof err),
			 ACTSIM_E_IO);
	assert_non_null(strstr(err, "/nonexistent/c.json"));
}

/* A catalog whose last key configuration is removed leaves a product
 * without a channel: named by the product's path. */
static void test_catalog_coverage(void **state)
{
	json_t *doc = json_deep_copy(actsim_catalog_document(cat));
	json_t *arr = json_object_get(doc, "key_configurations");
	struct actsim_catalog *c = NULL;
	char *text, err[512];

	(void)state;
	json_array_remove(arr, json_array_size(arr) - 1);
	text = json_dumps(doc, 0);
	assert_int_equal(actsim_catalog_load(&c, "short.json", text,
					     strlen(text), err, sizeof err),
			 ACTSIM_E_CATALOG);
	assert_non_null(strstr(err, "no key configuration for channel"));
	free(text);
	json_decref(doc);
}

/* The built-in catalog is compiled from the fixture (scripts/gen-catalog)
 * and read member by member, without the checks: the fixture passes them
 * all when loaded whole, and both give the same members, rules, key
 * configurations and document, in the same order. */
static void test_builtin_is_the_fixture(void **state)
{
	struct actsim_catalog *full = NULL, *lazy = NULL;
	const struct actsim_activation_rules *fa, *la;
	char err[512] = "", *fd, *ld;
	json_t *el;
	size_t i;

	(void)state;
	assert_int_equal(actsim_catalog_load_file(&full,
						  "fixtures/catalog/ws2003.json",
						  err, sizeof err),
			 ACTSIM_OK);
	assert_int_equal(actsim_catalog_load_builtin(&lazy, err, sizeof err),
			 ACTSIM_OK);
	/* members first, then the rest on demand */
	assert_true(json_equal((json_t *)actsim_catalog_member(lazy, "skus"),
			       (json_t *)actsim_catalog_member(full, "skus")));
	assert_true(json_equal(
		(json_t *)actsim_catalog_member(lazy, "family"),
		(json_t *)actsim_catalog_member(full, "family")));
	assert_null(actsim_catalog_member(lazy, "no_such_member"));
	json_array_foreach((json_t *)actsim_catalog_member(full, "countries"),
			   i, el) {
		const char *id = json_string_value(json_object_get(el, "id"));

		assert_true(actsim_catalog_has(lazy, ACTSIM_CATALOG_COUNTRY,
					       id));
		assert_string_equal(actsim_catalog_phone(lazy, id),
				    actsim_catalog_phone(full, id));
	}
	json_array_foreach((json_t *)actsim_catalog_member(full, "channels"),
			   i, el) {
		const char *id = json_string_value(json_object_get(el, "id"));
		const struct actsim_channel_rules *f =
			actsim_catalog_channel(full, id);
		const struct actsim_channel_rules *l =
			actsim_catalog_channel(lazy, id);

		assert_non_null(l);
		assert_string_equal(l->name, f->name);
		assert_int_equal(l->grace_days, f->grace_days);
		assert_int_equal(l->evaluation_expiry_days,
				 f->evaluation_expiry_days);
		assert_int_equal(l->policy, f->policy);
		assert_int_equal(l->max_hardware, f->max_hardware);
		assert_int_equal(l->window_days, f->window_days);
	}
	fa = actsim_catalog_activation(full);
	la = actsim_catalog_activation(lazy);
	assert_int_equal(la->reactivation_days, fa->reactivation_days);
	assert_int_equal(la->nreminders, fa->nreminders);
	assert_memory_equal(la->reminders, fa->reminders,
			    sizeof fa->reminders);
	assert_string_equal(la->oem_bios_marker, fa->oem_bios_marker);
	assert_string_equal(la->default_country, fa->default_country);
	assert_int_equal(actsim_catalog_keyconfig_count(lazy),
			 actsim_catalog_keyconfig_count(full));
	for (i = 0; i < actsim_catalog_keyconfig_count(full); i++) {
		const struct actsim_keyconfig *f = actsim_catalog_keyconfig(full, i);
		const struct actsim_keyconfig *l = actsim_catalog_keyconfig(lazy, i);

		assert_int_equal(l->index, f->index);
		assert_int_equal(l->channel_id_min, f->channel_id_min);
		assert_int_equal(l->channel_id_max, f->channel_id_max);
		assert_string_equal(l->sku, f->sku);
		assert_string_equal(l->platform, f->platform);
		assert_string_equal(l->channel, f->channel);
		assert_int_equal(l->r2, f->r2);
		assert_string_equal(l->product_code, f->product_code);
		assert_ptr_equal(actsim_catalog_find(lazy, f->sku, f->platform,
						     f->channel, f->r2),
				 l);
	}
	for (unsigned id = 0; id <= ACTSIM_CHANNEL_ID_MAX; id++) {
		const struct actsim_keyconfig *f =
			actsim_catalog_by_channel_id(full, (uint16_t)id);
		const struct actsim_keyconfig *l =
			actsim_catalog_by_channel_id(lazy, (uint16_t)id);

		assert_int_equal(l == NULL, f == NULL);
		if (f != NULL)
			assert_int_equal(l->index, f->index);
	}
	fd = json_dumps(actsim_catalog_document(full), JSON_PRESERVE_ORDER);
	ld = json_dumps(actsim_catalog_document(lazy), JSON_PRESERVE_ORDER);
	assert_string_equal(ld, fd);
	free(fd);
	free(ld);
	actsim_catalog_free(lazy);
	actsim_catalog_free(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_facts),
		cmocka_unit_test(test_ranges_distinct),
		cmocka_unit_test(test_every_combination_round_trips),
		cmocka_unit_test(test_setup_rules_matrix),
		cmocka_unit_test(test_invalid_verdicts),
		cmocka_unit_test(test_catalog_errors),
		cmocka_unit_test(test_catalog_coverage),
		cmocka_unit_test(test_builtin_is_the_fixture),
	};

	return cmocka_run_group_tests_name("catalog", tests, setup, teardown);
}
