/* Realms: generation, determinism, serialisation, strict loading, and the
 * known-answer vectors in tests/vectors/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "actsim/pkey.h"
#include "actsim/realm.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct actsim_realm *make(uint64_t n)
{
	uint8_t seed[ACTSIM_SEED_BYTES];
	struct actsim_realm *r;

	assert_int_equal(actsim_realm_seed_from_number(seed, n), ACTSIM_OK);
	assert_int_equal(actsim_realm_generate(&r, seed), ACTSIM_OK);
	return r;
}

static void test_same_seed_same_bytes(void **state)
{
	struct actsim_realm *a = make(42), *b = make(42), *c = make(43);
	char *pa = actsim_realm_public_json(a), *pb = actsim_realm_public_json(b);
	char *pc = actsim_realm_public_json(c);
	char *sa = actsim_realm_private_json(a), *sb = actsim_realm_private_json(b);
	char *sc = actsim_realm_private_json(c);

	(void)state;
	assert_string_equal(pa, pb);
	assert_string_equal(sa, sb);
	assert_string_not_equal(pa, pc);
	assert_string_not_equal(sa, sc);
	free(pa);
	free(pb);
	free(pc);
	actsim_secure_free(sa);
	actsim_secure_free(sb);
	actsim_secure_free(sc);
	actsim_realm_free(a);
	actsim_realm_free(b);
	actsim_realm_free(c);
}

/* The realm of seed 0 is frozen: changing it breaks every lab's vectors. */
static void test_known_answer_realm(void **state)
{
	struct actsim_realm *r = make(0);
	char *pub = actsim_realm_public_json(r);
	char *want = slurp("tests/vectors/realm-seed0.json");

	(void)state;
	assert_string_equal(pub, want);
	free(pub);
	free(want);
	actsim_realm_free(r);
}

static void test_known_answer_keys(void **state)
{
	struct actsim_realm *r = make(0);
	json_t *doc = json_load_file("tests/vectors/keys-seed0.json", 0, NULL);
	json_t *v;
	size_t i;

	(void)state;
	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "vectors"), i, v) {
		struct actsim_pkey k, parsed;
		char text[ACTSIM_PKEY_TEXT_BYTES];

		/* The key parses to the recorded fields and verifies. */
		assert_int_equal(
			actsim_pkey_parse(&parsed,
					  json_string_value(
						  json_object_get(v, "key")),
					  NULL),
			ACTSIM_OK);
		assert_int_equal(parsed.channel_id,
				 json_integer_value(
					 json_object_get(v, "channel_id")));
		assert_int_equal(parsed.auth_info,
				 json_integer_value(
					 json_object_get(v, "auth_info")));
		assert_int_equal(parsed.hash,
				 json_integer_value(json_object_get(v, "hash")));
		assert_int_equal(parsed.signature,
				 json_integer_value(
					 json_object_get(v, "signature")));
		assert_int_equal(parsed.upgrade,
				 json_is_true(json_object_get(v, "upgrade")));
		assert_int_equal(actsim_pkey_verify(r, &parsed), ACTSIM_OK);
		(void)k;
		actsim_pkey_format(text, &parsed);
		assert_string_equal(text,
				    json_string_value(json_object_get(v, "key")));
	}
	json_decref(doc);
	actsim_realm_free(r);
}

static void test_load_round_trip(void **state)
{
	struct actsim_realm *r = make(7), *back;
	char *pub = actsim_realm_public_json(r);
	char *priv = actsim_realm_private_json(r);
	char *pub2, *priv2, err[256];

	(void)state;
	assert_int_equal(actsim_realm_load(&back, pub, priv, err, sizeof err),
			 ACTSIM_OK);
	assert_true(actsim_realm_has_private(back));
	pub2 = actsim_realm_public_json(back);
	priv2 = actsim_realm_private_json(back);
	assert_string_equal(pub, pub2);
	assert_string_equal(priv, priv2);
	free(pub2);
	actsim_secure_free(priv2);
	actsim_realm_free(back);
	assert_int_equal(actsim_realm_load(&back, pub, NULL, err, sizeof err),
			 ACTSIM_OK);
	assert_false(actsim_realm_has_private(back));
	assert_null(actsim_realm_private_json(back));
	actsim_realm_free(back);
	free(pub);
	actsim_secure_free(priv);
	actsim_realm_free(r);
}

/* Replaces one value in a JSON document, loads it, expects a message. */
static void expect_rejected(const char *pub, const char *priv,
			    const char *which, const char *path,
			    json_t *value, const char *needle)
{
	json_t *doc = json_loads(strcmp(which, "public") == 0 ? pub : priv, 0,
				 NULL);
	json_t *obj = doc;
	char buf[128], *tok, *save = NULL, *text, err[256];
	struct actsim_realm *r = (struct actsim_realm *)0x1;
	const char *last = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL;
	     tok = strtok_r(NULL, ".", &save)) {
		if (last != NULL)
			obj = json_object_get(obj, last);
		last = tok;
	}
	json_object_set_new(obj, last, value);
	text = json_dumps(doc, 0);
	if (strcmp(which, "public") == 0)
		assert_int_equal(actsim_realm_load(&r, text, priv, err,
						   sizeof err),
				 ACTSIM_E_REALM);
	else
		assert_int_equal(actsim_realm_load(&r, pub, text, err,
						   sizeof err),
				 ACTSIM_E_REALM);
	assert_null(r);
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", err, needle);
	free(text);
	json_decref(doc);
}

static void test_load_rejects_tampering(void **state)
{
	struct actsim_realm *r = make(9), *other = make(10);
	char *pub = actsim_realm_public_json(r);
	char *priv = actsim_realm_private_json(r);
	char *opriv = actsim_realm_private_json(other);
	json_t *od = json_loads(opriv, 0, NULL);
	struct actsim_realm *out;
	char err[256];

	(void)state;
	expect_rejected(pub, priv, "public", "curve.G.x", json_string("2"),
			"$.curve.G");
	expect_rejected(pub, priv, "public", "curve.n",
			json_string("3fcf816cf55024bc"), "$.curve.n");
	expect_rejected(pub, priv, "public", "curve.p", json_string("17"),
			"$.curve.p");
	expect_rejected(pub, priv, "public", "curve.a", json_string("2"),
			"$.curve");
	expect_rejected(pub, priv, "public", "product_key.public.y",
			json_string("1"), "$.product_key.public");
	expect_rejected(pub, priv, "public", "curve.p", json_integer(5),
			"$.curve.p");
	expect_rejected(pub, priv, "public", "version", json_integer(2),
			"newer");
	/* a private key that is not the public key's */
	expect_rejected(pub, priv, "private", "product_key_private",
			json_deep_copy(json_object_get(od,
						       "product_key_private")),
			"$.product_key_private");
	expect_rejected(pub, priv, "private", "iid_cipher_key",
			json_string("00"), "$.iid_cipher_key");
	assert_int_equal(actsim_realm_load(&out, "{", NULL, err, sizeof err),
			 ACTSIM_E_REALM);
	assert_int_equal(actsim_realm_load(&out, "[]", NULL, err, sizeof err),
			 ACTSIM_E_REALM);
	json_decref(od);
	free(pub);
	actsim_secure_free(priv);
	actsim_secure_free(opriv);
	actsim_realm_free(r);
	actsim_realm_free(other);
}

/* Forty keys from a fresh realm: the first ones are signed and verified
 * without the fixed-base tables, the later ones with them; all verify,
 * and a realm reloaded from the files gets the same keys. */
static void test_with_and_without_tables(void **state)
{
	struct actsim_realm *r = make(11), *back;
	char *pub = actsim_realm_public_json(r);
	char *priv = actsim_realm_private_json(r);
	struct actsim_keygen g = { .realm = r, .channel_id_min = 0,
				   .channel_id_max = 999 };
	struct actsim_pkey a[40], b;
	char err[256];

	(void)state;
	assert_int_equal(actsim_keygen_seed_from_number(g.stream_key, 5),
			 ACTSIM_OK);
	for (uint64_t i = 0; i < 40; i++) {
		assert_int_equal(actsim_pkey_generate(&g, i, &a[i]), ACTSIM_OK);
		assert_int_equal(actsim_pkey_verify(r, &a[i]), ACTSIM_OK);
	}
	assert_int_equal(actsim_realm_load(&back, pub, priv, err, sizeof err),
			 ACTSIM_OK);
	g.realm = back;
	for (uint64_t i = 40; i-- > 0;) {
		assert_int_equal(actsim_pkey_verify(back, &a[i]), ACTSIM_OK);
		assert_int_equal(actsim_pkey_generate(&g, i, &b), ACTSIM_OK);
		assert_memory_equal(&a[i], &b, sizeof b);
		b.signature ^= 1;
		assert_int_equal(actsim_pkey_verify(back, &b),
				 ACTSIM_E_BAD_SIGNATURE);
	}
	actsim_realm_free(back);
	free(pub);
	actsim_secure_free(priv);
	actsim_realm_free(r);
}

/* A realm known by its fingerprints loads without the primality tests
 * and the private-key multiplications; anything that does not fit is
 * loaded (or refused) exactly as by actsim_realm_load. */
static void test_load_known(void **state)
{
	struct actsim_realm *r = make(12), *other = make(13), *out = NULL;
	char *pub = actsim_realm_public_json(r);
	char *priv = actsim_realm_private_json(r);
	char *opriv = actsim_realm_private_json(other);
	char fp[ACTSIM_FINGERPRINT_HEX], ofp[ACTSIM_FINGERPRINT_HEX];
	char pfp[ACTSIM_FINGERPRINT_HEX], opfp[ACTSIM_FINGERPRINT_HEX];
	char back[ACTSIM_FINGERPRINT_HEX], err[256] = "";
	struct actsim_keygen g = { .channel_id_min = 0, .channel_id_max = 999 };
	struct actsim_pkey k;
	json_t *doc, *odoc;
	char *text;

	(void)state;
	actsim_realm_fingerprint(r, fp);
	actsim_realm_fingerprint(other, ofp);
	assert_int_equal(actsim_realm_private_fingerprint(r, pfp), ACTSIM_OK);
	assert_int_equal(actsim_realm_private_fingerprint(other, opfp),
			 ACTSIM_OK);
	assert_string_not_equal(pfp, opfp);
	assert_string_not_equal(pfp, fp);
	assert_int_equal(actsim_keygen_seed_from_number(g.stream_key, 1),
			 ACTSIM_OK);
	/* known, partly known, and a wrong fingerprint: the same realm */
	assert_int_equal(actsim_realm_load_known(&out, pub, priv, fp, pfp,
						 err, sizeof err),
			 ACTSIM_OK);
	actsim_realm_fingerprint(out, back);
	assert_string_equal(back, fp);
	assert_int_equal(actsim_realm_private_fingerprint(out, back),
			 ACTSIM_OK);
	assert_string_equal(back, pfp);
	g.realm = out;
	assert_int_equal(actsim_pkey_generate(&g, 0, &k), ACTSIM_OK);
	assert_int_equal(actsim_pkey_verify(r, &k), ACTSIM_OK);
	actsim_realm_free(out);
	assert_int_equal(actsim_realm_load_known(&out, pub, priv, fp, NULL,
						 err, sizeof err),
			 ACTSIM_OK);
	actsim_realm_free(out);
	assert_int_equal(actsim_realm_load_known(&out, pub, priv, ofp, opfp,
						 err, sizeof err),
			 ACTSIM_OK);
	actsim_realm_free(out);
	/* without its private part there is no private fingerprint */
	assert_int_equal(actsim_realm_load_known(&out, pub, NULL, fp, pfp,
						 err, sizeof err),
			 ACTSIM_OK);
	assert_int_equal(actsim_realm_private_fingerprint(out, back),
			 ACTSIM_E_INVALID_ARG);
	actsim_realm_free(out);
	/* another realm's private file: refused with the usual message */
	out = (struct actsim_realm *)0x1;
	assert_int_equal(actsim_realm_load_known(&out, pub, opriv, fp, pfp,
						 err, sizeof err),
			 ACTSIM_E_REALM);
	assert_null(out);
	assert_non_null(strstr(err, "$.product_key_private"));
	/* a private key changed by hand: refused at once as well */
	doc = json_loads(priv, 0, NULL);
	odoc = json_loads(opriv, 0, NULL);
	json_object_set(doc, "activation_private",
			json_object_get(odoc, "activation_private"));
	json_decref(odoc);
	text = json_dumps(doc, 0);
	err[0] = '\0';
	assert_int_equal(actsim_realm_load_known(&out, pub, text, fp, pfp,
						 err, sizeof err),
			 ACTSIM_E_REALM);
	assert_non_null(strstr(err, "$.activation_private"));
	free(text);
	json_decref(doc);
	free(pub);
	actsim_secure_free(priv);
	actsim_secure_free(opriv);
	actsim_realm_free(r);
	actsim_realm_free(other);
}

static void test_fingerprints(void **state)
{
	struct actsim_realm *a = make(1), *b = make(2);
	char fa[ACTSIM_FINGERPRINT_HEX], fb[ACTSIM_FINGERPRINT_HEX];
	char ka[ACTSIM_FINGERPRINT_HEX], aa[ACTSIM_FINGERPRINT_HEX];

	(void)state;
	actsim_realm_fingerprint(a, fa);
	actsim_realm_fingerprint(b, fb);
	actsim_realm_pkey_fingerprint(a, ka);
	actsim_realm_activation_fingerprint(a, aa);
	assert_int_equal(strlen(fa), 64);
	assert_string_not_equal(fa, fb);
	assert_string_not_equal(ka, aa);
	assert_string_not_equal(fa, ka);
	actsim_realm_free(a);
	actsim_realm_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_known_answer_realm),
		cmocka_unit_test(test_known_answer_keys),
		cmocka_unit_test(test_load_round_trip),
		cmocka_unit_test(test_load_rejects_tampering),
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_with_and_without_tables),
		cmocka_unit_test(test_load_known),
	};

	return cmocka_run_group_tests_name("realm", tests, NULL, NULL);
}
