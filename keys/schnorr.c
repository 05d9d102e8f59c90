#include <string.h>

#include <openssl/crypto.h>

#include "schnorr.h"
#include "realm_internal.h"
#include "../common/internal.h"

__extension__ typedef unsigned __int128 u128;

static const struct ec_table *table_of(const struct actsim_realm *r,
				       enum realm_key k)
{
	return k == REALM_KEY_PRODUCT ? &r->tYk : &r->tYa;
}

static const struct ec_affine *key_of(const struct actsim_realm *r,
				      enum realm_key k)
{
	return k == REALM_KEY_PRODUCT ? &r->Yk : &r->Ya;
}

/* Top hash_bits of H(tag, msg || R.x || R.y). */
static actsim_err challenge(const struct actsim_realm *r,
			    const struct schnorr_scheme *sc,
			    const uint8_t *msg, size_t len,
			    const struct ec_affine *R, uint64_t *h)
{
	uint8_t buf[SCHNORR_MAX_MSG + 2 * EC_COORD_BYTES];
	uint8_t d[ACTSIM_HASH_BYTES];
	actsim_err e;

	memcpy(buf, msg, len);
	ec_affine_encode(&r->f, buf + len, buf + len + EC_COORD_BYTES, R);
	e = actsim_hash_tagged(d, sc->tag, buf, len + 2 * EC_COORD_BYTES);
	if (e != ACTSIM_OK)
		return e;
	*h = actsim_get_be64(d) >> (64 - sc->hash_bits);
	return ACTSIM_OK;
}

actsim_err schnorr_sign(const struct actsim_realm *r,
			const struct schnorr_scheme *sc, const uint8_t *msg,
			size_t len, const uint8_t material[32], uint64_t *h,
			uint64_t *s)
{
	uint64_t x = sc->key == REALM_KEY_PRODUCT ? r->xk : r->xa;
	uint8_t nin[8 + 32], nonce[ACTSIM_HASH_BYTES];
	struct ec_jac acc;
	struct ec_affine R;
	uint64_t k, hv, hx;
	u128 t;
	bool tables;
	actsim_err e;

	if (!r->has_private || len > SCHNORR_MAX_MSG || sc->hash_bits == 0 ||
	    sc->hash_bits > 63)
		return ACTSIM_E_INVALID_ARG;
	e = realm_ready(r, &tables);
	if (e != ACTSIM_OK)
		return e;
	actsim_put_be64(nin, x);
	memcpy(nin + 8, material, 32);
	e = actsim_hash_tagged(nonce, sc->nonce_tag, nin, sizeof nin);
	OPENSSL_cleanse(nin, sizeof nin);
	if (e != ACTSIM_OK)
		return e;
	t = (u128)actsim_get_be64(nonce) << 64 | actsim_get_be64(nonce + 8);
	k = (uint64_t)(t % (r->n64 - 1)) + 1;
	OPENSSL_cleanse(nonce, sizeof nonce);

	if (tables) {
		ec_jac_set_inf(&acc);
		ec_table_mul_add(&r->f, &acc, &r->tG, k);
	} else {
		ec_jac_mul2(&r->f, &acc, &r->G, k, &r->G, 0);
	}
	ec_jac_to_affine(&r->f, &R, &acc);
	e = challenge(r, sc, msg, len, &R, &hv);
	if (e == ACTSIM_OK) {
		hx = (uint64_t)(((u128)(hv % r->n64) * x) % r->n64);
		*h = hv;
		*s = (k + r->n64 - hx) % r->n64;
	}
	k = 0;
	return e;
}

actsim_err schnorr_verify(const struct actsim_realm *r,
			  const struct schnorr_scheme *sc, const uint8_t *msg,
			  size_t len, uint64_t h, uint64_t s)
{
	struct ec_jac acc;
	struct ec_affine R;
	uint64_t got;
	uint8_t a[8], b[8];
	bool tables;
	actsim_err e;

	if (len > SCHNORR_MAX_MSG || sc->hash_bits == 0 ||
	    sc->hash_bits > 63 || s >= r->n64 || (h >> sc->hash_bits) != 0)
		return ACTSIM_E_BAD_SIGNATURE;
	e = realm_ready(r, &tables);
	if (e != ACTSIM_OK)
		return e;
	/* R' = s*G + h*Y equals the signer's r*G only for a genuine pair. */
	if (tables) {
		ec_jac_set_inf(&acc);
		ec_table_mul_add(&r->f, &acc, &r->tG, s);
		ec_table_mul_add(&r->f, &acc, table_of(r, sc->key), h);
	} else {
		ec_jac_mul2(&r->f, &acc, &r->G, s, key_of(r, sc->key), h);
	}
	ec_jac_to_affine(&r->f, &R, &acc);
	if (R.inf || challenge(r, sc, msg, len, &R, &got) != ACTSIM_OK)
		return ACTSIM_E_BAD_SIGNATURE;
	actsim_put_be64(a, h);
	actsim_put_be64(b, got);
	return CRYPTO_memcmp(a, b, sizeof a) == 0 ? ACTSIM_OK :
						    ACTSIM_E_BAD_SIGNATURE;
}
