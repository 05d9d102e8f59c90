/* Product keys: base24 text, field packing, signatures, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "actsim/pkey.h"
#include "actsim/realm.h"

static struct actsim_realm *realm0, *realm1;

static int setup(void **state)
{
	uint8_t seed[ACTSIM_SEED_BYTES];

	(void)state;
	if (actsim_realm_seed_from_number(seed, 0) != ACTSIM_OK ||
	    actsim_realm_generate(&realm0, seed) != ACTSIM_OK)
		return -1;
	if (actsim_realm_seed_from_number(seed, 1) != ACTSIM_OK ||
	    actsim_realm_generate(&realm1, seed) != ACTSIM_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	actsim_realm_free(realm0);
	actsim_realm_free(realm1);
	return 0;
}

static struct actsim_keygen keygen(const struct actsim_realm *r,
				   uint64_t seed, bool upgrade)
{
	struct actsim_keygen g;

	memset(&g, 0, sizeof g);
	g.realm = r;
	g.channel_id_min = 100;
	g.channel_id_max = 111;
	g.upgrade = upgrade;
	assert_int_equal(actsim_keygen_seed_from_number(g.stream_key, seed),
			 ACTSIM_OK);
	return g;
}

static void assert_fields_equal(const struct actsim_pkey *a,
				const struct actsim_pkey *b)
{
	assert_int_equal(a->upgrade, b->upgrade);
	assert_int_equal(a->channel_id, b->channel_id);
	assert_int_equal(a->hash, b->hash);
	assert_int_equal(a->signature, b->signature);
	assert_int_equal(a->auth_info, b->auth_info);
}

/* The 114-bit value from text, computed here independently of the
 * library: N = N*24 + index, first character most significant. */
static void value_of(const char *text, uint64_t *hi, uint64_t *lo)
{
	__extension__ unsigned __int128 v = 0;

	for (const char *p = text; *p; p++) {
		const char *at = strchr(ACTSIM_PKEY_ALPHABET, *p);

		if (*p == '-')
			continue;
		v = v * 24 + (unsigned)(at - ACTSIM_PKEY_ALPHABET);
	}
	*hi = (uint64_t)(v >> 64);
	*lo = (uint64_t)v;
}

static void test_zero_and_max(void **state)
{
	struct actsim_pkey k, back;
	char text[ACTSIM_PKEY_TEXT_BYTES];
	uint64_t hi, lo;

	(void)state;
	memset(&k, 0, sizeof k);
	actsim_pkey_format(text, &k);
	assert_string_equal(text, "BBBBB-BBBBB-BBBBB-BBBBB-BBBBB");
	assert_int_equal(actsim_pkey_parse(&back, text, NULL), ACTSIM_OK);
	assert_fields_equal(&k, &back);

	/* 2^114 - 1: every field all ones. */
	k.upgrade = true;
	k.channel_id = 0x3ff;
	k.hash = 0x7fffffff;
	k.signature = (UINT64_C(1) << 62) - 1;
	k.auth_info = 0x3ff;
	actsim_pkey_format(text, &k);
	value_of(text, &hi, &lo);
	assert_int_equal(hi, (UINT64_C(1) << 50) - 1);
	assert_int_equal(lo, UINT64_MAX);
	assert_int_equal(actsim_pkey_parse(&back, text, NULL), ACTSIM_OK);
	assert_fields_equal(&k, &back);
}

static void test_field_layout(void **state)
{
	struct actsim_pkey k;
	char text[ACTSIM_PKEY_TEXT_BYTES];
	uint64_t hi, lo;

	(void)state;
	/* One field at a time lands at its documented bit offset. */
	memset(&k, 0, sizeof k);
	k.upgrade = true;
	actsim_pkey_format(text, &k);
	value_of(text, &hi, &lo);
	assert_int_equal(lo, 1);
	memset(&k, 0, sizeof k);
	k.channel_id = 1;
	actsim_pkey_format(text, &k);
	value_of(text, &hi, &lo);
	assert_int_equal(lo, UINT64_C(1) << 1);
	memset(&k, 0, sizeof k);
	k.hash = 1;
	actsim_pkey_format(text, &k);
	value_of(text, &hi, &lo);
	assert_int_equal(lo, UINT64_C(1) << 11);
	memset(&k, 0, sizeof k);
	k.signature = 1;
	actsim_pkey_format(text, &k);
	value_of(text, &hi, &lo);
	assert_int_equal(lo, UINT64_C(1) << 42);
	memset(&k, 0, sizeof k);
	k.auth_info = 1;
	actsim_pkey_format(text, &k);
	value_of(text, &hi, &lo);
	assert_int_equal(hi, UINT64_C(1) << 40);
	assert_int_equal(lo, 0);
}

static void test_random_round_trips(void **state)
{
	unsigned seed = 12345;

	(void)state;
	print_message("random seed %u\n", seed);
	srand(seed);
	for (int i = 0; i < 20000; i++) {
		struct actsim_pkey k, back;
		char text[ACTSIM_PKEY_TEXT_BYTES];

		k.upgrade = rand() & 1;
		k.channel_id = (uint16_t)(rand() & 0x3ff);
		k.hash = (uint32_t)rand() & 0x7fffffff;
		k.signature = ((uint64_t)rand() << 31 ^ (uint64_t)rand()) &
			      ((UINT64_C(1) << 62) - 1);
		k.auth_info = (uint16_t)(rand() & 0x3ff);
		actsim_pkey_format(text, &k);
		assert_int_equal(strlen(text), 29);
		assert_int_equal(actsim_pkey_parse(&back, text, NULL),
				 ACTSIM_OK);
		assert_fields_equal(&k, &back);
	}
}

static void test_normalisation(void **state)
{
	struct actsim_pkey a, b;
	struct actsim_keygen g = keygen(realm0, 1, false);
	char text[ACTSIM_PKEY_TEXT_BYTES], messy[80];
	size_t o = 0;

	(void)state;
	assert_int_equal(actsim_pkey_generate(&g, 0, &a), ACTSIM_OK);
	actsim_pkey_format(text, &a);
	/* lower case, spaces instead of dashes, none at all */
	for (size_t i = 0; text[i]; i++) {
		if (text[i] == '-') {
			messy[o++] = ' ';
			continue;
		}
		messy[o++] = (char)(text[i] >= 'A' && text[i] <= 'Z' ?
					    text[i] - 'A' + 'a' :
					    text[i]);
	}
	messy[o] = '\0';
	assert_int_equal(actsim_pkey_parse(&b, messy, NULL), ACTSIM_OK);
	assert_fields_equal(&a, &b);
	o = 0;
	for (size_t i = 0; text[i]; i++)
		if (text[i] != '-')
			messy[o++] = text[i];
	messy[o] = '\0';
	assert_int_equal(actsim_pkey_parse(&b, messy, NULL), ACTSIM_OK);
	assert_fields_equal(&a, &b);
}

static void test_malformed(void **state)
{
	struct actsim_pkey k;
	struct actsim_pkey_diag d;
	char long_text[400];

	(void)state;
	memset(&k, 0x5a, sizeof k);
	assert_int_equal(actsim_pkey_parse(&k, "BBBBB-BBBBB-BBBBB-BBBBB-BBBB",
					   &d),
			 ACTSIM_E_MALFORMED_KEY);
	assert_int_equal(d.length, 24);
	assert_int_equal(d.character, 0);
	assert_int_equal(k.channel_id, 0x5a5a); /* untouched on failure */
	assert_int_equal(actsim_pkey_parse(&k, "BBBBB-BBBBB-BBBBB-BBBBB-BBBBBB",
					   &d),
			 ACTSIM_E_MALFORMED_KEY);
	assert_int_equal(d.length, 26);
	/* A (a vowel) is not in the alphabet; position is in the input. */
	assert_int_equal(actsim_pkey_parse(&k, "BBBBB-BBABB-BBBBB-BBBBB-BBBBB",
					   &d),
			 ACTSIM_E_MALFORMED_KEY);
	assert_int_equal(d.position, 9);
	assert_int_equal(d.character, 'A');
	assert_int_equal(actsim_pkey_parse(&k, "BBBBB-BBBBB-BBBBB-BBBBB-BBBB1",
					   &d),
			 ACTSIM_E_MALFORMED_KEY);
	assert_int_equal(d.position, 29);
	assert_int_equal(d.character, '1');
	assert_int_equal(actsim_pkey_parse(&k, "", &d), ACTSIM_E_MALFORMED_KEY);
	assert_int_equal(d.length, 0);
	memset(long_text, 'B', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	assert_int_equal(actsim_pkey_parse(&k, long_text, &d),
			 ACTSIM_E_MALFORMED_KEY);
	/* 24^25 > 2^114: the largest texts do not fit. */
	assert_int_equal(actsim_pkey_parse(&k, "99999-99999-99999-99999-99999",
					   &d),
			 ACTSIM_E_KEY_RANGE);
}

static void test_sign_verify(void **state)
{
	struct actsim_keygen g = keygen(realm0, 2, false);
	struct actsim_keygen u = keygen(realm0, 2, true);

	(void)state;
	for (uint64_t i = 0; i < 500; i++) {
		struct actsim_pkey k;

		assert_int_equal(actsim_pkey_generate(&g, i, &k), ACTSIM_OK);
		assert_false(k.upgrade);
		assert_in_range(k.channel_id, 100, 111);
		assert_int_equal(actsim_pkey_verify(realm0, &k), ACTSIM_OK);
		assert_int_equal(actsim_pkey_generate(&u, i, &k), ACTSIM_OK);
		assert_true(k.upgrade);
		assert_int_equal(actsim_pkey_verify(realm0, &k), ACTSIM_OK);
	}
}

/* Every single-character change of a genuine key must fail. */
static void test_mutations_fail(void **state)
{
	struct actsim_keygen g = keygen(realm0, 3, false);

	(void)state;
	for (uint64_t i = 0; i < 8; i++) {
		struct actsim_pkey k, m;
		char text[ACTSIM_PKEY_TEXT_BYTES];

		assert_int_equal(actsim_pkey_generate(&g, i, &k), ACTSIM_OK);
		actsim_pkey_format(text, &k);
		for (size_t pos = 0; pos < 29; pos++) {
			char orig = text[pos];

			if (orig == '-')
				continue;
			for (const char *c = ACTSIM_PKEY_ALPHABET; *c; c++) {
				if (*c == orig)
					continue;
				text[pos] = *c;
				if (actsim_pkey_parse(&m, text, NULL) ==
				    ACTSIM_OK)
					assert_int_equal(
						actsim_pkey_verify(realm0, &m),
						ACTSIM_E_BAD_SIGNATURE);
			}
			text[pos] = orig;
		}
		/* and every single-bit change of every field */
		for (int b = 0; b < 10; b++) {
			m = k;
			m.channel_id ^= (uint16_t)(1u << b);
			assert_int_equal(actsim_pkey_verify(realm0, &m),
					 ACTSIM_E_BAD_SIGNATURE);
			m = k;
			m.auth_info ^= (uint16_t)(1u << b);
			assert_int_equal(actsim_pkey_verify(realm0, &m),
					 ACTSIM_E_BAD_SIGNATURE);
		}
		for (int b = 0; b < 31; b++) {
			m = k;
			m.hash ^= 1u << b;
			assert_int_equal(actsim_pkey_verify(realm0, &m),
					 ACTSIM_E_BAD_SIGNATURE);
		}
		for (int b = 0; b < 62; b++) {
			m = k;
			m.signature ^= UINT64_C(1) << b;
			assert_int_equal(actsim_pkey_verify(realm0, &m),
					 ACTSIM_E_BAD_SIGNATURE);
		}
		m = k;
		m.upgrade = !m.upgrade;
		assert_int_equal(actsim_pkey_verify(realm0, &m),
				 ACTSIM_E_BAD_SIGNATURE);
	}
}

static void test_forgeries_fail(void **state)
{
	unsigned seed = 777;
	int passed = 0;

	(void)state;
	print_message("random seed %u\n", seed);
	srand(seed);
	for (int i = 0; i < 5000; i++) {
		struct actsim_pkey k;

		k.upgrade = rand() & 1;
		k.channel_id = (uint16_t)(100 + rand() % 900);
		k.hash = (uint32_t)rand() & 0x7fffffff;
		k.signature = ((uint64_t)rand() << 31 ^ (uint64_t)rand()) &
			      ((UINT64_C(1) << 61) - 1);
		k.auth_info = (uint16_t)(rand() & 0x3ff);
		passed += actsim_pkey_verify(realm0, &k) == ACTSIM_OK;
	}
	assert_int_equal(passed, 0);
}

static void test_other_realm_fails(void **state)
{
	struct actsim_keygen g0 = keygen(realm0, 4, false);
	struct actsim_keygen g1 = keygen(realm1, 4, false);

	(void)state;
	for (uint64_t i = 0; i < 200; i++) {
		struct actsim_pkey k;

		assert_int_equal(actsim_pkey_generate(&g0, i, &k), ACTSIM_OK);
		assert_int_equal(actsim_pkey_verify(realm1, &k),
				 ACTSIM_E_BAD_SIGNATURE);
		assert_int_equal(actsim_pkey_generate(&g1, i, &k), ACTSIM_OK);
		assert_int_equal(actsim_pkey_verify(realm0, &k),
				 ACTSIM_E_BAD_SIGNATURE);
		assert_int_equal(actsim_pkey_verify(realm1, &k), ACTSIM_OK);
	}
}

static void test_signature_not_below_n_rejected(void **state)
{
	struct actsim_pkey k;

	(void)state;
	memset(&k, 0, sizeof k);
	k.channel_id = 100;
	k.signature = (UINT64_C(1) << 62) - 1; /* n < 2^62 */
	assert_int_equal(actsim_pkey_verify(realm0, &k),
			 ACTSIM_E_BAD_SIGNATURE);
}

static void test_determinism_and_threads(void **state)
{
	struct actsim_keygen g = keygen(realm0, 5, false);
	struct actsim_keygen other = keygen(realm0, 6, false);
	enum { N = 3000 };
	struct actsim_pkey *a = calloc(N, sizeof *a);
	struct actsim_pkey *b = calloc(N, sizeof *b);
	struct actsim_pkey *c = calloc(N, sizeof *c);
	int same = 0;

	(void)state;
	assert_int_equal(actsim_pkey_generate_batch(&g, N, 1, a, NULL, NULL),
			 ACTSIM_OK);
	assert_int_equal(actsim_pkey_generate_batch(&g, N, 2, b, NULL, NULL),
			 ACTSIM_OK);
	assert_memory_equal(a, b, N * sizeof *a);
	assert_int_equal(actsim_pkey_generate_batch(&other, N, 2, c, NULL,
						     NULL),
			 ACTSIM_OK);
	for (int i = 0; i < N; i++)
		same += memcmp(&a[i], &c[i], sizeof *a) == 0;
	assert_int_equal(same, 0);
	free(a);
	free(b);
	free(c);
}

static void test_generate_needs_private(void **state)
{
	char *pub = actsim_realm_public_json(realm0);
	struct actsim_realm *public_only;
	struct actsim_keygen g;
	struct actsim_pkey k;

	(void)state;
	assert_int_equal(actsim_realm_load(&public_only, pub, NULL, NULL, 0),
			 ACTSIM_OK);
	g = keygen(public_only, 1, false);
	assert_int_equal(actsim_pkey_generate(&g, 0, &k),
			 ACTSIM_E_INVALID_ARG);
	g = keygen(realm0, 1, false);
	assert_int_equal(actsim_pkey_generate(&g, 0, &k), ACTSIM_OK);
	/* a public-only realm verifies */
	assert_int_equal(actsim_pkey_verify(public_only, &k), ACTSIM_OK);
	actsim_realm_free(public_only);
	free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_and_max),
		cmocka_unit_test(test_field_layout),
		cmocka_unit_test(test_random_round_trips),
		cmocka_unit_test(test_normalisation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_mutations_fail),
		cmocka_unit_test(test_forgeries_fail),
		cmocka_unit_test(test_other_realm_fails),
		cmocka_unit_test(test_signature_not_below_n_rejected),
		cmocka_unit_test(test_determinism_and_threads),
		cmocka_unit_test(test_generate_needs_private),
	};

	return cmocka_run_group_tests_name("pkey", tests, setup, teardown);
}
