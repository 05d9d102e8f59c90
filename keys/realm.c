#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "actsim/pkey.h"
#include "realm_internal.h"
#include "../common/internal.h"

#define REALM_FORMAT_PUBLIC "actsim-realm-public"
#define REALM_FORMAT_PRIVATE "actsim-realm-private"
#define REALM_VERSION 1
#define PRIME_REPS 40
/* Checking a stored realm: GMP runs Baillie-PSW (no known counterexample)
 * and reps - 24 Miller-Rabin rounds on top, one here; generation keeps
 * the stricter count. */
#define LOAD_PRIME_REPS 25

actsim_err actsim_realm_seed_from_number(uint8_t seed[ACTSIM_SEED_BYTES],
					 uint64_t n)
{
	uint8_t be[8];

	actsim_put_be64(be, n);
	return actsim_hash_tagged(seed, "actsim/realm-seed/v1", be, sizeof be);
}

static struct actsim_realm *realm_new(void)
{
	struct actsim_realm *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	if (pthread_mutex_init(&r->tables_lock, NULL) != 0) {
		free(r);
		return NULL;
	}
	atomic_init(&r->checked, false);
	atomic_init(&r->uses, 0);
	atomic_init(&r->tables_ready, false);
	mpz_inits(r->p, r->n, r->cofactor, NULL);
	return r;
}

void actsim_realm_free(struct actsim_realm *r)
{
	if (r == NULL)
		return;
	ec_table_release(&r->tG);
	ec_table_release(&r->tYk);
	ec_table_release(&r->tYa);
	pthread_mutex_destroy(&r->tables_lock);
	if (r->field_ready)
		ec_field_release(&r->f);
	mpz_clears(r->p, r->n, r->cofactor, NULL);
	OPENSSL_cleanse(r, sizeof *r);
	free(r);
}

void actsim_secure_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

bool actsim_realm_has_private(const struct actsim_realm *r)
{
	return r->has_private;
}

/* Reads `bytes` stream bytes as a big-endian integer. */
static actsim_err stream_mpz(struct actsim_stream *s, mpz_t out, size_t bytes)
{
	uint8_t buf[64];
	actsim_err e;

	if (bytes > sizeof buf)
		return ACTSIM_E_INVALID_ARG;
	e = actsim_stream_read(s, buf, bytes);
	if (e == ACTSIM_OK)
		mpz_import(out, bytes, 1, 1, 0, 0, buf);
	OPENSSL_cleanse(buf, sizeof buf);
	return e;
}

/* A private key in [1, n-1] from 16 stream bytes. */
static actsim_err stream_scalar(struct actsim_stream *s, const mpz_t n,
				uint64_t *out)
{
	mpz_t v, m;
	actsim_err e;

	mpz_inits(v, m, NULL);
	e = stream_mpz(s, v, 16);
	mpz_sub_ui(m, n, 1);
	mpz_mod(v, v, m);
	mpz_add_ui(v, v, 1);
	*out = mpz_get_ui(v);
	mpz_set_ui(v, 0);
	mpz_clears(v, m, NULL);
	return e;
}

static void mul_u64(const struct actsim_realm *r, struct ec_affine *out,
		    const struct ec_affine *P, uint64_t k)
{
	mpz_t kz;

	mpz_init_set_ui(kz, k);
	ec_mul(&r->f, out, P, kz);
	mpz_clear(kz);
}

/* Finishes a realm whose p, n, cofactor, G and public keys are set; the
 * tables wait for their first use (realm_tables). */
static actsim_err realm_build_tables(struct actsim_realm *r)
{
	r->n64 = mpz_get_ui(r->n);
	return ACTSIM_OK;
}

static bool order_n(const struct actsim_realm *r, const struct ec_affine *P)
{
	struct ec_affine chk;

	ec_mul(&r->f, &chk, P, r->n);
	return !P->inf && chk.inf;
}

/* Plain signatures and verifications cost about a sixteenth of building
 * the tables, and a twentieth more than one with them. */
#define REALM_TABLES_AFTER 16

static bool private_matches(const struct actsim_realm *r, uint64_t x,
			    const struct ec_affine *pub)
{
	struct ec_affine chk;

	mul_u64(r, &chk, &r->G, x);
	return !chk.inf && memcmp(&chk.x, &pub->x, sizeof chk.x) == 0 &&
	       memcmp(&chk.y, &pub->y, sizeof chk.y) == 0;
}

/* Under tables_lock. */
static actsim_err realm_check(const struct actsim_realm *r)
{
	/* G and the public keys must have order n (a loaded realm has only
	 * been checked to lie on the curve) */
	if (!order_n(r, &r->G) || !order_n(r, &r->Yk) || !order_n(r, &r->Ya))
		return ACTSIM_E_REALM;
	return ACTSIM_OK;
}

actsim_err realm_ready(const struct actsim_realm *cr, bool *tables)
{
	/* The checks and tables are a cache behind the lock: they do not
	 * change what the realm is. */
	struct actsim_realm *r = (struct actsim_realm *)(uintptr_t)cr;
	bool build = atomic_fetch_add_explicit(&r->uses, 1,
					       memory_order_relaxed) >=
		     REALM_TABLES_AFTER;
	actsim_err e = ACTSIM_OK;

	*tables = atomic_load_explicit(&r->tables_ready, memory_order_acquire);
	if (*tables)
		return ACTSIM_OK;
	if (!build && atomic_load_explicit(&r->checked, memory_order_acquire))
		return ACTSIM_OK;
	pthread_mutex_lock(&r->tables_lock);
	if (!atomic_load_explicit(&r->checked, memory_order_relaxed)) {
		e = realm_check(r);
		if (e == ACTSIM_OK)
			atomic_store_explicit(&r->checked, true,
					      memory_order_release);
	}
	if (e == ACTSIM_OK && build &&
	    !atomic_load_explicit(&r->tables_ready, memory_order_relaxed)) {
		e = ec_table_build(&r->f, &r->tG, &r->G, REALM_ORDER_BITS);
		if (e == ACTSIM_OK)
			e = ec_table_build(&r->f, &r->tYk, &r->Yk, 31);
		if (e == ACTSIM_OK)
			e = ec_table_build(&r->f, &r->tYa, &r->Ya, 50);
		if (e == ACTSIM_OK) {
			atomic_store_explicit(&r->tables_ready, true,
					      memory_order_release);
		} else {
			ec_table_release(&r->tG);
			ec_table_release(&r->tYk);
			ec_table_release(&r->tYa);
		}
	}
	*tables = e == ACTSIM_OK &&
		  atomic_load_explicit(&r->tables_ready, memory_order_relaxed);
	pthread_mutex_unlock(&r->tables_lock);
	return e;
}

static actsim_err find_order(struct actsim_stream *s, mpz_t n)
{
	actsim_err e;

	for (;;) {
		e = stream_mpz(s, n, 8);
		if (e != ACTSIM_OK)
			return e;
		mpz_fdiv_r_2exp(n, n, REALM_ORDER_BITS);
		mpz_setbit(n, REALM_ORDER_BITS - 1);
		mpz_nextprime(n, n);
		if (mpz_sizeinbase(n, 2) == REALM_ORDER_BITS)
			return ACTSIM_OK;
	}
}

/* p = k*n - 1 with p prime, 384 bits and k = 0 mod 4 (so p = 3 mod 4). */
static actsim_err find_field(struct actsim_stream *s, const mpz_t n, mpz_t p,
			     mpz_t k)
{
	mpz_t lo, t;
	actsim_err e = ACTSIM_OK;

	mpz_inits(lo, t, NULL);
	mpz_setbit(lo, EC_FIELD_BITS - 1);
	mpz_cdiv_q(lo, lo, n);
	for (;;) {
		e = stream_mpz(s, t, EC_COORD_BYTES);
		if (e != ACTSIM_OK)
			break;
		mpz_mod(t, t, lo);
		mpz_add(k, lo, t);
		mpz_cdiv_q_2exp(k, k, 2);
		mpz_mul_2exp(k, k, 2);
		for (int tries = 0; tries < 4096; tries++) {
			mpz_mul(p, k, n);
			mpz_sub_ui(p, p, 1);
			if (mpz_sizeinbase(p, 2) != EC_FIELD_BITS)
				break;
			if (mpz_probab_prime_p(p, PRIME_REPS) > 0)
				goto done;
			mpz_add_ui(k, k, 4);
		}
	}
done:
	mpz_clears(lo, t, NULL);
	return e;
}

/* G = cofactor * P for a stream-chosen point P, retried until G is not
 * the point at infinity. */
static actsim_err find_generator(struct actsim_stream *s,
				 struct actsim_realm *r)
{
	mpz_t x, y, rhs, ex;
	struct ec_affine P;
	actsim_err e;

	mpz_inits(x, y, rhs, ex, NULL);
	mpz_add_ui(ex, r->p, 1);
	mpz_fdiv_q_2exp(ex, ex, 2); /* (p+1)/4: square roots, p = 3 mod 4 */
	for (;;) {
		e = stream_mpz(s, x, EC_COORD_BYTES);
		if (e != ACTSIM_OK)
			break;
		mpz_mod(x, x, r->p);
		mpz_powm_ui(rhs, x, 3, r->p);
		mpz_add(rhs, rhs, x);
		mpz_mod(rhs, rhs, r->p);
		if (mpz_legendre(rhs, r->p) != 1)
			continue;
		mpz_powm(y, rhs, ex, r->p);
		if (!ec_affine_set(&r->f, &P, x, y)) {
			e = ACTSIM_E_CRYPTO;
			break;
		}
		ec_mul(&r->f, &r->G, &P, r->cofactor);
		if (!r->G.inf)
			break;
	}
	mpz_clears(x, y, rhs, ex, NULL);
	return e;
}

actsim_err actsim_realm_generate(struct actsim_realm **out,
				 const uint8_t seed[ACTSIM_SEED_BYTES])
{
	struct actsim_realm *r = realm_new();
	struct actsim_stream s;
	struct ec_affine chk;
	actsim_err e;

	*out = NULL;
	if (r == NULL)
		return ACTSIM_E_NOMEM;
	actsim_stream_init(&s, "actsim/realm/v1", seed);
	e = find_order(&s, r->n);
	if (e == ACTSIM_OK)
		e = find_field(&s, r->n, r->p, r->cofactor);
	if (e == ACTSIM_OK)
		e = ec_field_init(&r->f, r->p);
	r->field_ready = e == ACTSIM_OK;
	if (e == ACTSIM_OK)
		e = find_generator(&s, r);
	if (e == ACTSIM_OK) {
		ec_mul(&r->f, &chk, &r->G, r->n);
		if (!chk.inf)
			e = ACTSIM_E_CRYPTO;
	}
	if (e == ACTSIM_OK)
		e = stream_scalar(&s, r->n, &r->xk);
	if (e == ACTSIM_OK)
		e = stream_scalar(&s, r->n, &r->xa);
	if (e == ACTSIM_OK)
		e = actsim_stream_read(&s, r->iid_key, sizeof r->iid_key);
	actsim_stream_release(&s);
	if (e == ACTSIM_OK) {
		mul_u64(r, &r->Yk, &r->G, r->xk);
		mul_u64(r, &r->Ya, &r->G, r->xa);
		r->has_private = true;
		e = realm_build_tables(r);
	}
	if (e != ACTSIM_OK) {
		actsim_realm_free(r);
		return e;
	}
	*out = r;
	return ACTSIM_OK;
}

/* ---- serialisation ---- */

static json_t *hex_mpz(const mpz_t v)
{
	char *s = mpz_get_str(NULL, 16, v);
	json_t *j;
	void (*freefn)(void *, size_t);

	if (s == NULL)
		return NULL;
	j = json_string(s);
	mp_get_memory_functions(NULL, NULL, &freefn);
	freefn(s, strlen(s) + 1);
	return j;
}

static json_t *point_json(const struct actsim_realm *r,
			  const struct ec_affine *a)
{
	mpz_t x, y;
	json_t *j;

	mpz_inits(x, y, NULL);
	ec_affine_get(&r->f, x, y, a);
	j = json_pack("{s:o*,s:o*}", "x", hex_mpz(x), "y", hex_mpz(y));
	mpz_clears(x, y, NULL);
	return j;
}

static json_t *hex_u64(uint64_t v)
{
	char buf[17];
	mpz_t z;

	mpz_init_set_ui(z, v);
	mpz_get_str(buf, 16, z);
	mpz_clear(z);
	return json_string(buf);
}

static char *dump(json_t *doc)
{
	char *s = NULL, *withnl = NULL;
	size_t n;

	if (doc != NULL)
		s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	withnl = malloc(n + 2);
	if (withnl != NULL) {
		memcpy(withnl, s, n);
		withnl[n] = '\n';
		withnl[n + 1] = '\0';
	}
	OPENSSL_cleanse(s, n);
	free(s);
	return withnl;
}

char *actsim_realm_public_json(const struct actsim_realm *r)
{
	json_t *doc;
	char fp[ACTSIM_FINGERPRINT_HEX];

	actsim_realm_fingerprint(r, fp);
	/* The key layout and hash tag travel with the numbers so that an
	 * independent verifier needs this document only (docs/formats.md). */
	doc = json_pack(
		"{s:s,s:i,s:s,s:{s:s,s:o*,s:s,s:s,s:o*,s:o*,s:o*},"
		"s:{s:o*,s:s,s:s,s:{s:[ii],s:[ii],s:[ii],s:[ii],s:[ii]}},"
		"s:{s:o*,s:s,s:i,s:{s:[ii],s:[ii],s:[ii]}}}",
		"format", REALM_FORMAT_PUBLIC, "version", REALM_VERSION,
		"fingerprint", fp,
		"curve",
		"equation", "y^2 = x^3 + a*x + b (mod p)",
		"p", hex_mpz(r->p), "a", "1", "b", "0",
		"n", hex_mpz(r->n), "cofactor", hex_mpz(r->cofactor),
		"G", point_json(r, &r->G),
		"product_key", "public", point_json(r, &r->Yk),
		"alphabet", ACTSIM_PKEY_ALPHABET, "hash_tag", "actsim/pkey/v1",
		"fields", "upgrade", 0, 1, "channel_id", 1, 10, "hash", 11, 31,
		"signature", 42, 62, "auth_info", 104, 10,
		"activation", "public", point_json(r, &r->Ya), "hash_tag",
		"actsim/cid/v1", "hash_bits", 50, "confirmation_id_fields",
		"signature", 0, 62, "hash", 62, 50, "version", 112, 4);
	return dump(doc);
}

char *actsim_realm_private_json(const struct actsim_realm *r)
{
	json_t *doc;
	char fp[ACTSIM_FINGERPRINT_HEX];
	char iid[2 * REALM_IID_KEY_BYTES + 1];
	char *s;

	if (!r->has_private)
		return NULL;
	actsim_realm_fingerprint(r, fp);
	actsim_hex(iid, r->iid_key, sizeof r->iid_key);
	doc = json_pack("{s:s,s:i,s:s,s:o*,s:o*,s:s}", "format",
			REALM_FORMAT_PRIVATE, "version", REALM_VERSION,
			"fingerprint", fp, "product_key_private",
			hex_u64(r->xk), "activation_private", hex_u64(r->xa),
			"iid_cipher_key", iid);
	OPENSSL_cleanse(iid, sizeof iid);
	s = dump(doc);
	return s;
}

/* SHA-256 over the fixed-width public parameters: p, n, G, Yk, Ya. */
static void realm_digest(const struct actsim_realm *r, const char *tag,
			 const struct ec_affine *only, char out[65])
{
	uint8_t buf[8 * EC_COORD_BYTES], h[ACTSIM_HASH_BYTES];
	size_t len = 0;

	memset(buf, 0, sizeof buf);
	if (only != NULL) {
		ec_affine_encode(&r->f, buf, buf + EC_COORD_BYTES, only);
		len = 2 * EC_COORD_BYTES;
	} else {
		const struct ec_affine *pts[3] = { &r->G, &r->Yk, &r->Ya };

		mpz_export(buf + EC_COORD_BYTES - (mpz_sizeinbase(r->p, 2) + 7) / 8,
			   NULL, 1, 1, 0, 0, r->p);
		len = EC_COORD_BYTES;
		mpz_export(buf + len + EC_COORD_BYTES -
				   (mpz_sizeinbase(r->n, 2) + 7) / 8,
			   NULL, 1, 1, 0, 0, r->n);
		len += EC_COORD_BYTES;
		for (int i = 0; i < 3; i++) {
			ec_affine_encode(&r->f, buf + len,
					 buf + len + EC_COORD_BYTES, pts[i]);
			len += 2 * EC_COORD_BYTES;
		}
	}
	if (actsim_hash_tagged(h, tag, buf, len) != ACTSIM_OK)
		memset(h, 0, sizeof h);
	actsim_hex(out, h, sizeof h);
}

void actsim_realm_fingerprint(const struct actsim_realm *r,
			      char out[ACTSIM_FINGERPRINT_HEX])
{
	realm_digest(r, "actsim/realm-fp/v1", NULL, out);
}

void actsim_realm_pkey_fingerprint(const struct actsim_realm *r,
				   char out[ACTSIM_FINGERPRINT_HEX])
{
	realm_digest(r, "actsim/key-fp/v1", &r->Yk, out);
}

void actsim_realm_activation_fingerprint(const struct actsim_realm *r,
					 char out[ACTSIM_FINGERPRINT_HEX])
{
	realm_digest(r, "actsim/key-fp/v1", &r->Ya, out);
}

actsim_err actsim_realm_private_fingerprint(const struct actsim_realm *r,
					    char out[ACTSIM_FINGERPRINT_HEX])
{
	uint8_t buf[ACTSIM_HASH_BYTES + 16 + REALM_IID_KEY_BYTES];
	uint8_t h[ACTSIM_HASH_BYTES];
	char fp[ACTSIM_FINGERPRINT_HEX];
	actsim_err e;

	if (!r->has_private)
		return ACTSIM_E_INVALID_ARG;
	/* the public fingerprint's bytes, then the secrets */
	actsim_realm_fingerprint(r, fp);
	for (size_t i = 0; i < ACTSIM_HASH_BYTES; i++) {
		char b[3] = { fp[2 * i], fp[2 * i + 1], '\0' };

		buf[i] = (uint8_t)strtoul(b, NULL, 16);
	}
	actsim_put_be64(buf + ACTSIM_HASH_BYTES, r->xk);
	actsim_put_be64(buf + ACTSIM_HASH_BYTES + 8, r->xa);
	memcpy(buf + ACTSIM_HASH_BYTES + 16, r->iid_key, REALM_IID_KEY_BYTES);
	e = actsim_hash_tagged(h, "actsim/realm-private-fp/v1", buf,
			       sizeof buf);
	OPENSSL_cleanse(buf, sizeof buf);
	if (e == ACTSIM_OK)
		actsim_hex(out, h, sizeof h);
	return e;
}

/* ---- loading ---- */

struct loader {
	char *err;
	size_t cap;
};

static actsim_err fail(struct loader *l, const char *fmt, const char *what)
{
	if (l->err != NULL && l->cap > 0)
		snprintf(l->err, l->cap, fmt, what);
	return ACTSIM_E_REALM;
}

static actsim_err get_hex(struct loader *l, json_t *obj, const char *path,
			  const char *name, mpz_t out)
{
	json_t *v = json_object_get(obj, name);
	const char *s = json_string_value(v);

	if (s == NULL || *s == '\0' || strlen(s) > 200 ||
	    strspn(s, "0123456789abcdef") != strlen(s) ||
	    mpz_set_str(out, s, 16) != 0) {
		char what[128];

		snprintf(what, sizeof what, "%s.%s", path, name);
		return fail(l, "%s: expected a lower-case hex string", what);
	}
	return ACTSIM_OK;
}

static actsim_err get_point(struct loader *l, struct actsim_realm *r,
			    json_t *obj, const char *path,
			    struct ec_affine *out)
{
	mpz_t x, y;
	actsim_err e;

	if (!json_is_object(obj))
		return fail(l, "%s: expected an object {x, y}", path);
	mpz_inits(x, y, NULL);
	e = get_hex(l, obj, path, "x", x);
	if (e == ACTSIM_OK)
		e = get_hex(l, obj, path, "y", y);
	if (e == ACTSIM_OK && !ec_affine_set(&r->f, out, x, y))
		e = fail(l, "%s: point is not on the curve", path);
	/* its order is checked before the first signature or verification
	 * (realm_tables): commands that do neither need not pay for it */
	mpz_clears(x, y, NULL);
	return e;
}

static actsim_err check_format(struct loader *l, json_t *doc,
			       const char *format, const char *what)
{
	json_int_t version;

	if (!json_is_object(doc))
		return fail(l, "%s: not a JSON object", what);
	if (!json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")),
		   format) != 0)
		return fail(l, "%s: $.format is not the expected format", what);
	version = json_integer_value(json_object_get(doc, "version"));
	if (version > REALM_VERSION)
		return fail(l, "%s: made by a newer actsim (version too high)",
			    what);
	if (version != REALM_VERSION)
		return fail(l, "%s: $.version must be 1", what);
	return ACTSIM_OK;
}

/* known: the fingerprint of a realm checked before (see
 * actsim_realm_load_known), or NULL. */
static actsim_err load_public(struct loader *l, struct actsim_realm *r,
			      json_t *doc, const char *known)
{
	json_t *curve = json_object_get(doc, "curve");
	mpz_t t;
	actsim_err e;

	e = check_format(l, doc, REALM_FORMAT_PUBLIC, "public realm");
	if (e != ACTSIM_OK)
		return e;
	if (!json_is_object(curve))
		return fail(l, "%s: expected an object", "$.curve");
	if ((e = get_hex(l, curve, "$.curve", "p", r->p)) != ACTSIM_OK ||
	    (e = get_hex(l, curve, "$.curve", "n", r->n)) != ACTSIM_OK ||
	    (e = get_hex(l, curve, "$.curve", "cofactor", r->cofactor)) !=
		    ACTSIM_OK)
		return e;
	if (!json_is_string(json_object_get(curve, "a")) ||
	    strcmp(json_string_value(json_object_get(curve, "a")), "1") != 0 ||
	    !json_is_string(json_object_get(curve, "b")) ||
	    strcmp(json_string_value(json_object_get(curve, "b")), "0") != 0)
		return fail(l, "%s: only a = 1, b = 0 is supported", "$.curve");
	/* The primality tests are most of a load's time: a realm known by
	 * its fingerprint has passed them before (checked below). */
	if (mpz_sizeinbase(r->p, 2) != EC_FIELD_BITS ||
	    mpz_fdiv_ui(r->p, 4) != 3 ||
	    (known == NULL && mpz_probab_prime_p(r->p, LOAD_PRIME_REPS) == 0))
		return fail(l, "%s: must be a 384-bit prime = 3 mod 4",
			    "$.curve.p");
	if (mpz_sizeinbase(r->n, 2) != REALM_ORDER_BITS ||
	    (known == NULL && mpz_probab_prime_p(r->n, LOAD_PRIME_REPS) == 0))
		return fail(l, "%s: must be a 62-bit prime", "$.curve.n");
	mpz_init(t);
	mpz_mul(t, r->n, r->cofactor);
	mpz_sub_ui(t, t, 1);
	if (mpz_cmp(t, r->p) != 0) {
		mpz_clear(t);
		return fail(l, "%s: n * cofactor must equal p + 1",
			    "$.curve.cofactor");
	}
	mpz_clear(t);
	e = ec_field_init(&r->f, r->p);
	if (e != ACTSIM_OK)
		return fail(l, "%s: unusable field prime", "$.curve.p");
	r->field_ready = true;
	if ((e = get_point(l, r, json_object_get(curve, "G"), "$.curve.G",
			   &r->G)) != ACTSIM_OK ||
	    (e = get_point(l, r,
			   json_object_get(json_object_get(doc, "product_key"),
					   "public"),
			   "$.product_key.public", &r->Yk)) != ACTSIM_OK ||
	    (e = get_point(l, r,
			   json_object_get(json_object_get(doc, "activation"),
					   "public"),
			   "$.activation.public", &r->Ya)) != ACTSIM_OK)
		return e;
	if (r->G.inf)
		return fail(l, "%s: generator is the point at infinity",
			    "$.curve.G");
	if (known != NULL) {
		char fp[ACTSIM_FINGERPRINT_HEX];

		actsim_realm_fingerprint(r, fp);
		if (strcmp(fp, known) != 0)
			return ACTSIM_E_REALM; /* realm_load checks it all */
		r->private_unchecked = true;
	}
	return ACTSIM_OK;
}

static actsim_err get_private_scalar(struct loader *l, struct actsim_realm *r,
				     json_t *doc, const char *name,
				     const struct ec_affine *pub,
				     uint64_t *out)
{
	mpz_t v;
	actsim_err e;

	mpz_init(v);
	e = get_hex(l, doc, "$", name, v);
	if (e == ACTSIM_OK &&
	    (mpz_sgn(v) <= 0 || mpz_cmp(v, r->n) >= 0))
		e = fail(l, "$.%s: must be in [1, n-1]", name);
	if (e == ACTSIM_OK) {
		*out = mpz_get_ui(v);
		if (!r->private_unchecked && !private_matches(r, *out, pub))
			e = fail(l, "$.%s: does not match the public key",
				 name);
	}
	mpz_set_ui(v, 0);
	mpz_clear(v);
	return e;
}

/* known_private: the private fingerprint recorded for a realm known by
 * its public one (see actsim_realm_load_known), or NULL. */
static actsim_err load_private(struct loader *l, struct actsim_realm *r,
			       json_t *doc, const char *known_private)
{
	const char *iid;
	actsim_err e;

	e = check_format(l, doc, REALM_FORMAT_PRIVATE, "private realm");
	if (e != ACTSIM_OK)
		return e;
	/* A known realm's private keys are compared with the public ones
	 * below, unless the file is the one the lab was made with (that
	 * multiplication would be most of the load's time). */
	e = get_private_scalar(l, r, doc, "product_key_private", &r->Yk,
			       &r->xk);
	if (e == ACTSIM_OK)
		e = get_private_scalar(l, r, doc, "activation_private", &r->Ya,
				       &r->xa);
	if (e != ACTSIM_OK)
		return e;
	iid = json_string_value(json_object_get(doc, "iid_cipher_key"));
	if (iid == NULL || strlen(iid) != 2 * REALM_IID_KEY_BYTES ||
	    strspn(iid, "0123456789abcdef") != strlen(iid))
		return fail(l, "%s: expected 64 lower-case hex digits",
			    "$.iid_cipher_key");
	for (size_t i = 0; i < REALM_IID_KEY_BYTES; i++) {
		char b[3] = { iid[2 * i], iid[2 * i + 1], '\0' };

		r->iid_key[i] = (uint8_t)strtoul(b, NULL, 16);
	}
	r->has_private = true;
	if (r->private_unchecked) {
		char fp[ACTSIM_FINGERPRINT_HEX];

		if (known_private != NULL &&
		    actsim_realm_private_fingerprint(r, fp) == ACTSIM_OK &&
		    strcmp(fp, known_private) == 0)
			return ACTSIM_OK;
		r->private_unchecked = false;
		if (!private_matches(r, r->xk, &r->Yk))
			return fail(l, "$.%s: does not match the public key",
				    "product_key_private");
		if (!private_matches(r, r->xa, &r->Ya))
			return fail(l, "$.%s: does not match the public key",
				    "activation_private");
	}
	return ACTSIM_OK;
}

static actsim_err realm_load(struct actsim_realm **out,
			     const char *public_json, const char *private_json,
			     const char *known, const char *known_private,
			     char *err, size_t cap)
{
	struct loader l = { err, cap };
	struct actsim_realm *r;
	json_t *pub, *priv = NULL;
	json_error_t je;
	actsim_err e;

	*out = NULL;
	if (err != NULL && cap > 0)
		err[0] = '\0';
	pub = json_loads(public_json, JSON_REJECT_DUPLICATES, &je);
	if (pub == NULL)
		return fail(&l, "public realm: %s", je.text);
	if (private_json != NULL) {
		priv = json_loads(private_json, JSON_REJECT_DUPLICATES, &je);
		if (priv == NULL) {
			json_decref(pub);
			return fail(&l, "private realm: %s", "not valid JSON");
		}
	}
	r = realm_new();
	if (r == NULL) {
		e = ACTSIM_E_NOMEM;
	} else {
		e = load_public(&l, r, pub, known);
		if (e == ACTSIM_OK && priv != NULL)
			e = load_private(&l, r, priv, known_private);
		if (e == ACTSIM_OK)
			e = realm_build_tables(r);
	}
	json_decref(pub);
	json_decref(priv);
	if (e != ACTSIM_OK) {
		actsim_realm_free(r);
		return e;
	}
	*out = r;
	return ACTSIM_OK;
}

actsim_err actsim_realm_load(struct actsim_realm **out,
			     const char *public_json, const char *private_json,
			     char *err, size_t cap)
{
	return realm_load(out, public_json, private_json, NULL, NULL, err,
			  cap);
}

actsim_err actsim_realm_load_known(struct actsim_realm **out,
				   const char *public_json,
				   const char *private_json, const char *known,
				   const char *known_private, char *err,
				   size_t cap)
{
	/* Anything unexpected, a fingerprint that differs included: every
	 * check again, in order, for the same message as a plain load. */
	if (known != NULL && realm_load(out, public_json, private_json, known,
					known_private, NULL, 0) == ACTSIM_OK)
		return ACTSIM_OK;
	return realm_load(out, public_json, private_json, NULL, NULL, err,
			  cap);
}

actsim_err actsim_realm_derive_key(const struct actsim_realm *r,
				   const char *tag, uint8_t out[32])
{
	if (!r->has_private)
		return ACTSIM_E_INVALID_ARG;
	return actsim_hash_tagged(out, tag, r->iid_key, sizeof r->iid_key);
}
