/* Schnorr-style short signatures on the realm curve, shared by product
 * keys and confirmation IDs. Internal to libactsim.
 *
 *   sign:   r = nonce, R = r*G, h = top hash_bits of H(tag, msg || R.x ||
 *           R.y), s = (r - h*x) mod n
 *   verify: s < n, R' = s*G + h*Y != O, h == top hash_bits of
 *           H(tag, msg || R'.x || R'.y)
 * with H the tagged SHA-256 and coordinates as 48 big-endian bytes. */
#ifndef ACTSIM_SCHNORR_H
#define ACTSIM_SCHNORR_H

#include <stddef.h>
#include <stdint.h>

#include "actsim/err.h"
#include "actsim/realm.h"

#define SCHNORR_MAX_MSG 64

enum realm_key { REALM_KEY_PRODUCT, REALM_KEY_ACTIVATION };

struct schnorr_scheme {
	enum realm_key key;
	const char *tag;       /* challenge hash tag */
	const char *nonce_tag; /* nonce = H(nonce_tag, be64(x) || material) */
	unsigned hash_bits;    /* 1..63 */
};

/* Signs msg (at most SCHNORR_MAX_MSG bytes). The nonce is derived from
 * the private key and `material`, so the same inputs give the same
 * signature. ACTSIM_E_INVALID_ARG without the private key. */
actsim_err schnorr_sign(const struct actsim_realm *r,
			const struct schnorr_scheme *sc, const uint8_t *msg,
			size_t len, const uint8_t material[32], uint64_t *h,
			uint64_t *s) __attribute__((warn_unused_result));

/* ACTSIM_OK or ACTSIM_E_BAD_SIGNATURE; recomputes everything. */
actsim_err schnorr_verify(const struct actsim_realm *r,
			  const struct schnorr_scheme *sc, const uint8_t *msg,
			  size_t len, uint64_t h, uint64_t s)
	__attribute__((warn_unused_result));

#endif
