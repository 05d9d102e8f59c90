/* Hardware profiles, the hardware hash layout and tolerance voting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "actsim/hwid.h"

static const char full[] =
	"{\"volume_serial\":\"V\",\"nic_mac\":\"N\",\"cdrom\":\"C\","
	"\"display\":\"D\",\"cpu_serial\":\"S\",\"hdd\":\"H\",\"scsi\":\"Q\","
	"\"ide\":\"I\",\"cpu_model\":\"M\",\"ram_mb\":2048,\"dockable\":false}";

static struct actsim_hw_profile profile(const char *json)
{
	struct actsim_hw_profile p;
	char err[256];

	if (actsim_hw_profile_parse(&p, json, strlen(json), err, sizeof err) !=
	    ACTSIM_OK)
		fail_msg("profile rejected: %s", err);
	return p;
}

static uint64_t hash(const struct actsim_hw_profile *p)
{
	uint64_t h;

	assert_int_equal(actsim_hw_hash(p, &h), ACTSIM_OK);
	return h;
}

static void test_layout(void **state)
{
	struct actsim_hw_profile p = profile(full);
	uint64_t h = hash(&p);
	/* the documented widths, least significant first */
	static const unsigned widths[] = { 10, 10, 7, 5, 6, 7, 5, 4, 3, 3 };
	unsigned total = 3 + 1; /* version, dockable */

	(void)state;
	for (int f = 0; f < ACTSIM_HW_FIELDS; f++) {
		unsigned v = actsim_hw_hash_field(h, f);

		assert_int_equal(actsim_hw_field_bits(f), widths[f]);
		total += widths[f];
		assert_true(v >= 1 && v <= (1u << widths[f]) - 1);
	}
	assert_int_equal(total, 64);
	assert_int_equal(actsim_hw_hash_version(h), 1);
	assert_int_equal((h >> 32) & 7, 1);
	assert_false(actsim_hw_hash_dockable(h));
	assert_int_equal(actsim_hw_hash_field(h, ACTSIM_HW_RAM_RANGE), 7);
	/* NIC MAC occupies bits 10-19 */
	assert_int_equal((h >> 10) & 0x3ff,
			 actsim_hw_hash_field(h, ACTSIM_HW_NIC_MAC));
	assert_int_equal((h >> 57) & 7,
			 actsim_hw_hash_field(h, ACTSIM_HW_CPU_MODEL));
}

static void test_absent_and_dockable(void **state)
{
	struct actsim_hw_profile p = profile("{\"dockable\":true,\"hdd\":null}");
	uint64_t h = hash(&p);

	(void)state;
	for (int f = 0; f < ACTSIM_HW_FIELDS; f++)
		assert_int_equal(actsim_hw_hash_field(h, f), 0);
	assert_true(actsim_hw_hash_dockable(h));
	assert_int_equal(h, (UINT64_C(1) << 63) | (UINT64_C(1) << 32));
}

static void test_ram_ranges(void **state)
{
	static const struct {
		long mb;
		unsigned range;
	} cases[] = { { 0, 1 },	  { 31, 1 },   { 32, 2 },   { 63, 2 },
		      { 64, 3 },  { 127, 3 },  { 128, 4 },  { 255, 4 },
		      { 256, 5 }, { 511, 5 },  { 512, 6 },  { 1023, 6 },
		      { 1024, 7 }, { 65536, 7 } };

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char json[64];
		struct actsim_hw_profile p;

		snprintf(json, sizeof json, "{\"ram_mb\":%ld}", cases[i].mb);
		p = profile(json);
		assert_int_equal(actsim_hw_hash_field(hash(&p),
						      ACTSIM_HW_RAM_RANGE),
				 cases[i].range);
	}
}

static void test_profile_errors(void **state)
{
	static const struct {
		const char *json, *needle;
	} bad[] = {
		{ "[]", "$: a hardware profile must be a JSON object" },
		{ "{\"nic\":\"x\"}", "$.nic: unknown member" },
		{ "{\"hdd\":5}", "$.hdd: must be a non-empty string" },
		{ "{\"hdd\":\"\"}", "$.hdd: must be a non-empty string" },
		{ "{\"ram_mb\":-1}", "$.ram_mb: must be a whole number" },
		{ "{\"ram_mb\":\"4G\"}", "$.ram_mb" },
		{ "{\"dockable\":1}", "$.dockable: must be true or false" },
		{ "{\"hdd\":\"a\",\"hdd\":\"b\"}", "duplicate" },
		{ "{", "invalid JSON" },
	};
	struct actsim_hw_profile p;
	char err[256], big[300];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(actsim_hw_profile_parse(&p, bad[i].json,
							 strlen(bad[i].json),
							 err, sizeof err),
				 ACTSIM_E_INVALID_ARG);
		if (strstr(err, bad[i].needle) == NULL)
			fail_msg("'%s': error '%s'", bad[i].json, err);
	}
	snprintf(big, sizeof big, "{\"hdd\":\"%0200d\"}", 1);
	assert_int_equal(actsim_hw_profile_parse(&p, big, strlen(big), err,
						 sizeof err),
			 ACTSIM_E_INVALID_ARG);
	assert_non_null(strstr(err, "longer than 128"));
}

static void test_round_trip_json(void **state)
{
	struct actsim_hw_profile p = profile(full), q;
	json_t *doc = actsim_hw_profile_to_json(&p);

	(void)state;
	assert_int_equal(actsim_hw_profile_from_json(&q, doc, NULL, 0),
			 ACTSIM_OK);
	assert_int_equal(hash(&p), hash(&q));
	json_decref(doc);
}

/* Votes: each field one, the NIC three, 12 in all; 7 needed (4 when
 * dockable); the count is against the baseline, so changes accumulate. */
static void test_votes(void **state)
{
	struct actsim_hw_profile base = profile(full), now = base;
	struct actsim_hw_vote v;
	uint64_t b = hash(&base);
	unsigned serial = 0;

	(void)state;
	actsim_hw_compare(b, b, &v);
	assert_int_equal(v.votes, 12);
	assert_int_equal(v.needed, 7);
	assert_true(v.within_tolerance);
	assert_int_equal(v.changed, 0);
	actsim_hw_profile_replace(&now, ACTSIM_HW_NIC_MAC, ++serial);
	actsim_hw_compare(b, hash(&now), &v);
	assert_int_equal(v.votes, 9);
	assert_int_equal(v.changed, 1u << ACTSIM_HW_NIC_MAC);
	actsim_hw_profile_replace(&now, ACTSIM_HW_HDD, ++serial);
	actsim_hw_profile_replace(&now, ACTSIM_HW_SCSI, ++serial);
	actsim_hw_compare(b, hash(&now), &v);
	assert_int_equal(v.votes, 7);
	assert_true(v.within_tolerance);
	actsim_hw_profile_replace(&now, ACTSIM_HW_RAM_RANGE, ++serial);
	actsim_hw_compare(b, hash(&now), &v);
	assert_int_equal(v.votes, 6);
	assert_false(v.within_tolerance);
	/* every single field on its own stays within tolerance */
	for (int f = 0; f < ACTSIM_HW_FIELDS; f++) {
		struct actsim_hw_profile one = base;

		actsim_hw_profile_replace(&one, f, 99);
		actsim_hw_compare(b, hash(&one), &v);
		assert_int_equal(v.votes, 12 - actsim_hw_field_votes(f));
		assert_int_equal(v.changed, 1u << f);
		assert_true(v.within_tolerance);
	}
}

static void test_dockable_needs_four(void **state)
{
	struct actsim_hw_profile base = profile(full), now;
	struct actsim_hw_vote v;
	uint64_t b;
	static const enum actsim_hw_field order[] = {
		ACTSIM_HW_NIC_MAC, ACTSIM_HW_HDD, ACTSIM_HW_SCSI,
		ACTSIM_HW_CDROM, ACTSIM_HW_DISPLAY, ACTSIM_HW_IDE,
		ACTSIM_HW_CPU_MODEL, ACTSIM_HW_VOLUME_SERIAL
	};

	(void)state;
	base.dockable = true;
	b = hash(&base);
	now = base;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		actsim_hw_profile_replace(&now, order[i], (unsigned)i + 1);
		actsim_hw_compare(b, hash(&now), &v);
		assert_int_equal(v.needed, 4);
		assert_int_equal(v.within_tolerance, v.votes >= 4);
	}
	assert_int_equal(v.votes, 2);
}

static void test_hash_text(void **state)
{
	char buf[ACTSIM_HW_HASH_HEX];
	uint64_t h;

	(void)state;
	actsim_hw_hash_format(buf, UINT64_C(0x8000000100000abc));
	assert_string_equal(buf, "8000000100000abc");
	assert_int_equal(actsim_hw_hash_parse("8000000100000ABC", &h),
			 ACTSIM_OK);
	assert_int_equal(h, UINT64_C(0x8000000100000abc));
	assert_int_equal(actsim_hw_hash_parse("800000010000abc", &h),
			 ACTSIM_E_INVALID_ARG);
	assert_int_equal(actsim_hw_hash_parse("800000010000abcg", &h),
			 ACTSIM_E_INVALID_ARG);
	assert_int_equal(actsim_hw_field_lookup("ram"), ACTSIM_HW_RAM_RANGE);
	assert_int_equal(actsim_hw_field_lookup("nic_mac"), ACTSIM_HW_NIC_MAC);
	assert_int_equal(actsim_hw_field_lookup("floppy"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_absent_and_dockable),
		cmocka_unit_test(test_ram_ranges),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_round_trip_json),
		cmocka_unit_test(test_votes),
		cmocka_unit_test(test_dockable_needs_four),
		cmocka_unit_test(test_hash_text),
	};

	return cmocka_run_group_tests_name("hwid", tests, NULL, NULL);
}
