/* Product IDs, installation IDs and confirmation IDs: formats, check
 * digits computed independently here, encryption round trips, signatures
 * bound to their installation ID, and known-answer vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "actsim/catalog.h"
#include "actsim/ids.h"
#include "actsim/realm.h"

/* Frozen vectors, also in docs/formats.md. */
#define KAT_IID "521452-607535-355956-332442-606304-782912-251171-505886-531705"
#define KAT_CID "076936-271175-357320-305264-065186-278014-115986"

static struct actsim_realm *realm0, *realm1;
static struct actsim_catalog *cat;

static int setup(void **state)
{
	uint8_t seed[ACTSIM_SEED_BYTES];

	(void)state;
	if (actsim_realm_seed_from_number(seed, 0) != ACTSIM_OK ||
	    actsim_realm_generate(&realm0, seed) != ACTSIM_OK ||
	    actsim_realm_seed_from_number(seed, 1) != ACTSIM_OK ||
	    actsim_realm_generate(&realm1, seed) != ACTSIM_OK ||
	    actsim_catalog_load_builtin(&cat, NULL, 0) != ACTSIM_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	actsim_realm_free(realm0);
	actsim_realm_free(realm1);
	actsim_catalog_free(cat);
	return 0;
}

/* The check digit rule, written out again: (d1 + 2d2 + d3 + 2d4 + d5)
 * mod 7, groups of six joined by '-'. */
static void assert_groups_valid(const char *text, unsigned groups)
{
	assert_int_equal(strlen(text), groups * 7 - 1);
	for (unsigned g = 0; g < groups; g++) {
		const char *d = text + 7 * g;
		int sum = (d[0] - '0') + 2 * (d[1] - '0') + (d[2] - '0') +
			  2 * (d[3] - '0') + (d[4] - '0');

		assert_int_equal(d[5] - '0', sum % 7);
		if (g + 1 < groups)
			assert_int_equal(d[6], '-');
	}
}

static struct actsim_iid_plain sample(unsigned i)
{
	struct actsim_iid_plain p;

	p.version = ACTSIM_IID_VERSION;
	p.hardware_hash = UINT64_C(0x7226ca1909e6d591) ^ ((uint64_t)i << 3);
	p.channel_id = (uint16_t)(100 + i % 900);
	p.sequence = (uint32_t)(i * 7919u % 1000000u);
	p.install = i % 1000;
	p.key_id = (UINT64_C(0x2a5a5a5a5a5) + i * UINT64_C(104729)) &
		   ((UINT64_C(1) << 42) - 1);
	return p;
}

static void test_product_id(void **state)
{
	const struct actsim_keyconfig *k = actsim_catalog_find(cat, "standard",
							       "x86", "retail",
							       false);
	const struct actsim_keyconfig *o = actsim_catalog_find(cat, "standard",
							       "x86", "oem",
							       false);
	struct actsim_pid pid;
	char text[ACTSIM_PID_TEXT_BYTES];

	(void)state;
	actsim_pid_make(&pid, k, 171, 611769, 465);
	actsim_pid_format(text, &pid);
	assert_string_equal(text, "76317-171-6117695-05465");
	actsim_pid_make(&pid, o, 200, 12, 7);
	actsim_pid_format(text, &pid);
	assert_string_equal(text, "76317-OEM-0000124-08007");
	/* the sequence's 7 digits always sum to a multiple of 7 */
	for (uint32_t s = 0; s < 1000000; s += 997) {
		unsigned sum = actsim_pid_check_digit(s);

		for (uint32_t v = s; v > 0; v /= 10)
			sum += v % 10;
		assert_int_equal(sum % 7, 0);
		assert_true(actsim_pid_check_digit(s) <= 6);
	}
}

static void test_iid_round_trip(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 300; i++) {
		struct actsim_iid_plain p = sample(i), back;
		struct actsim_iid iid, parsed;
		char text[ACTSIM_IID_TEXT_BYTES], messy[128];
		size_t o = 0;

		assert_int_equal(actsim_iid_encrypt(realm0, &p, &iid), ACTSIM_OK);
		actsim_iid_format(text, &iid);
		assert_groups_valid(text, 9);
		/* spaces or nothing instead of dashes */
		for (size_t j = 0; text[j]; j++)
			messy[o++] = text[j] == '-' ? (i % 2 ? ' ' : '\t') :
						      text[j];
		messy[o] = '\0';
		assert_int_equal(actsim_iid_parse(&parsed, messy, NULL),
				 ACTSIM_OK);
		assert_memory_equal(parsed.value, iid.value, sizeof iid.value);
		assert_int_equal(actsim_iid_decrypt(realm0, &parsed, &back),
				 ACTSIM_OK);
		assert_memory_equal(&back.hardware_hash, &p.hardware_hash, 8);
		assert_int_equal(back.channel_id, p.channel_id);
		assert_int_equal(back.sequence, p.sequence);
		assert_int_equal(back.install, p.install);
		assert_int_equal(back.key_id, p.key_id);
		assert_int_equal(back.version, 1);
	}
}

/* The cipher hides its input: IDs of nearby plaintexts share no digits
 * in general. */
static void test_iid_diffuses(void **state)
{
	struct actsim_iid_plain a = sample(1), b = a;
	struct actsim_iid ia, ib;
	char ta[ACTSIM_IID_TEXT_BYTES], tb[ACTSIM_IID_TEXT_BYTES];
	int same = 0;

	(void)state;
	b.hardware_hash ^= 1;
	assert_int_equal(actsim_iid_encrypt(realm0, &a, &ia), ACTSIM_OK);
	assert_int_equal(actsim_iid_encrypt(realm0, &b, &ib), ACTSIM_OK);
	actsim_iid_format(ta, &ia);
	actsim_iid_format(tb, &ib);
	for (size_t i = 0; ta[i]; i++)
		same += ta[i] == tb[i];
	assert_true(same < 30); /* 8 dashes + chance agreement */
}

static void test_iid_malformed(void **state)
{
	struct actsim_iid_plain p = sample(3);
	struct actsim_iid iid, out;
	struct actsim_id_diag d;
	char text[ACTSIM_IID_TEXT_BYTES], bad[ACTSIM_IID_TEXT_BYTES];

	(void)state;
	assert_int_equal(actsim_iid_encrypt(realm0, &p, &iid), ACTSIM_OK);
	actsim_iid_format(text, &iid);
	/* a typo in group g is reported as group g, unless it changes the
	 * weighted sum by a multiple of 7 (the rule cannot see those) */
	for (unsigned g = 0; g < 9; g++) {
		for (unsigned pos = 0; pos < 5; pos++) {
			unsigned at = 7 * g + pos;
			int digit = text[at] - '0';
			int delta = digit == 9 ? -1 : 1;

			memcpy(bad, text, sizeof bad);
			bad[at] = (char)('0' + digit + delta);
			assert_int_equal(actsim_iid_parse(&out, bad, &d),
					 ACTSIM_E_MALFORMED_ID);
			assert_int_equal(d.group, g + 1);
		}
	}
	memcpy(bad, text, sizeof bad);
	bad[0] = bad[0] == '9' ? '8' : (char)(bad[0] + 1);
	bad[7] = bad[7] == '9' ? '8' : (char)(bad[7] + 1);
	assert_int_equal(actsim_iid_parse(&out, bad, &d), ACTSIM_E_MALFORMED_ID);
	assert_int_equal(d.group, 0);
	assert_int_equal(d.bad_groups, 3);
	assert_int_equal(actsim_iid_parse(&out, "123456-123456", &d),
			 ACTSIM_E_MALFORMED_ID);
	assert_int_equal(d.length, 12);
	memcpy(bad, text, sizeof bad);
	bad[10] = 'x';
	assert_int_equal(actsim_iid_parse(&out, bad, &d), ACTSIM_E_MALFORMED_ID);
	assert_int_equal(d.position, 11);
	assert_int_equal(d.character, 'x');
	/* 45 nines: right digits, but over 149 bits */
	assert_int_equal(actsim_iid_parse(&out,
					  "999990-999990-999990-999990-999990-"
					  "999990-999990-999990-999990",
					  &d),
			 ACTSIM_E_INVALID_IID);
}

static void test_iid_other_realm(void **state)
{
	int rejected = 0;

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		struct actsim_iid_plain p = sample(i), back;
		struct actsim_iid iid;

		assert_int_equal(actsim_iid_encrypt(realm1, &p, &iid), ACTSIM_OK);
		if (actsim_iid_decrypt(realm0, &iid, &back) ==
		    ACTSIM_E_INVALID_IID)
			rejected++;
		else
			assert_true(back.key_id != p.key_id ||
				    back.hardware_hash != p.hardware_hash);
	}
	/* the plaintext checks alone reject nearly all; the clearinghouse's
	 * key lookup rejects the rest (test_clearinghouse) */
	assert_true(rejected >= 190);
}

static void test_cid(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 100; i++) {
		struct actsim_iid_plain p = sample(i), q = sample(i + 1);
		struct actsim_iid iid, other;
		struct actsim_cid cid, again, parsed;
		char text[ACTSIM_CID_TEXT_BYTES];

		assert_int_equal(actsim_iid_encrypt(realm0, &p, &iid), ACTSIM_OK);
		assert_int_equal(actsim_iid_encrypt(realm0, &q, &other),
				 ACTSIM_OK);
		assert_int_equal(actsim_cid_issue(realm0, &iid, &cid), ACTSIM_OK);
		assert_int_equal(actsim_cid_issue(realm0, &iid, &again),
				 ACTSIM_OK);
		assert_memory_equal(cid.value, again.value, sizeof cid.value);
		actsim_cid_format(text, &cid);
		assert_groups_valid(text, 7);
		assert_int_equal(actsim_cid_parse(&parsed, text, NULL),
				 ACTSIM_OK);
		assert_int_equal(actsim_cid_verify(realm0, &iid, &parsed),
				 ACTSIM_OK);
		/* it unlocks its own installation only */
		assert_int_equal(actsim_cid_verify(realm0, &other, &parsed),
				 ACTSIM_E_BAD_SIGNATURE);
		assert_int_equal(actsim_cid_verify(realm1, &iid, &parsed),
				 ACTSIM_E_BAD_SIGNATURE);
		/* every bit of the value matters */
		for (unsigned b = 0; b < 116; b += 5) {
			struct actsim_cid m = cid;

			m.value[14 - b / 8] ^= (uint8_t)(1u << (b % 8));
			assert_int_equal(actsim_cid_verify(realm0, &iid, &m),
					 ACTSIM_E_BAD_SIGNATURE);
		}
	}
}

/* Frozen: an IID and CID of realm seed 0 (docs/formats.md). */
static void test_known_answers(void **state)
{
	struct actsim_iid_plain p = sample(0), back;
	struct actsim_iid iid;
	struct actsim_cid cid;
	char itext[ACTSIM_IID_TEXT_BYTES], ctext[ACTSIM_CID_TEXT_BYTES];

	(void)state;
	assert_int_equal(actsim_iid_encrypt(realm0, &p, &iid), ACTSIM_OK);
	assert_int_equal(actsim_cid_issue(realm0, &iid, &cid), ACTSIM_OK);
	actsim_iid_format(itext, &iid);
	actsim_cid_format(ctext, &cid);
	print_message("iid %s\ncid %s\n", itext, ctext);
	assert_string_equal(itext, KAT_IID);
	assert_string_equal(ctext, KAT_CID);
	assert_int_equal(actsim_iid_decrypt(realm0, &iid, &back), ACTSIM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_product_id),
		cmocka_unit_test(test_iid_round_trip),
		cmocka_unit_test(test_iid_diffuses),
		cmocka_unit_test(test_iid_malformed),
		cmocka_unit_test(test_iid_other_realm),
		cmocka_unit_test(test_cid),
		cmocka_unit_test(test_known_answers),
	};

	return cmocka_run_group_tests_name("ids", tests, setup, teardown);
}
