/* A realm: one lab's own curve and keys (DESIGN.md sections 0 and 3).
 *
 * A realm holds the curve y^2 = x^3 + x over a 384-bit prime field, a
 * generator G of prime order n (62 bits), the product-key signing key pair,
 * the activation (confirmation ID) key pair and the installation-ID cipher
 * key. It is generated from a 32-byte seed; the same seed gives the same
 * realm. Nothing in it comes from, or validates against, a real product. */
#ifndef ACTSIM_REALM_H
#define ACTSIM_REALM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actsim/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTSIM_SEED_BYTES 32
#define ACTSIM_FINGERPRINT_HEX 65 /* 64 hex digits and a NUL */

struct actsim_realm;

/* Derives realm seed bytes from a number, as `lab init --seed N` does:
 * SHA-256("actsim/realm-seed/v1" || 0x00 || be64(n)). */
actsim_err actsim_realm_seed_from_number(uint8_t seed[ACTSIM_SEED_BYTES],
					 uint64_t n)
	__attribute__((warn_unused_result));

/* Generates a realm, private parts included, from `seed`. On success *out
 * is a new handle the caller frees with actsim_realm_free(). Takes well
 * under a second. Thread-safe (no shared state). */
actsim_err actsim_realm_generate(struct actsim_realm **out,
				 const uint8_t seed[ACTSIM_SEED_BYTES])
	__attribute__((warn_unused_result));

/* Loads a realm from its public JSON text and, when private_json is not
 * NULL, its private JSON text. Every parameter is checked (primes, points
 * on the curve, orders, private keys matching public ones). On failure
 * returns ACTSIM_E_REALM with a reason in err (cap bytes, may be NULL). */
actsim_err actsim_realm_load(struct actsim_realm **out,
			     const char *public_json, const char *private_json,
			     char *err, size_t cap)
	__attribute__((warn_unused_result));

/* As actsim_realm_load, for a realm checked before: when the fingerprint
 * of the public parameters (actsim_realm_fingerprint) equals `known`, as
 * a lab records it when it is made, the tests that depend on nothing else
 * (p and n prime) are not run again; and when the private part's
 * fingerprint (actsim_realm_private_fingerprint) also equals
 * `known_private` (may be NULL), the private keys are not compared with
 * the public ones again. Anything else, as actsim_realm_load (the same
 * checks and messages). For commands that open a lab. */
actsim_err actsim_realm_load_known(struct actsim_realm **out,
				   const char *public_json,
				   const char *private_json, const char *known,
				   const char *known_private, char *err,
				   size_t cap)
	__attribute__((warn_unused_result));

/* Serialises the public parameters (everything a verifier needs) or the
 * private parts as JSON text ending in a newline. The same realm always
 * gives the same bytes. Returns a malloc'd string the caller frees (the
 * private one with actsim_secure_free()), or NULL when out of memory or
 * when the realm has no private parts. */
char *actsim_realm_public_json(const struct actsim_realm *r);
char *actsim_realm_private_json(const struct actsim_realm *r);

/* Wipes and frees a string returned by actsim_realm_private_json(). */
void actsim_secure_free(char *s);

/* True when the realm was generated or loaded with its private parts. */
bool actsim_realm_has_private(const struct actsim_realm *r);

/* Hex fingerprints: of the whole public realm, of the product-key public
 * key and of the activation public key. */
void actsim_realm_fingerprint(const struct actsim_realm *r,
			      char out[ACTSIM_FINGERPRINT_HEX]);
void actsim_realm_pkey_fingerprint(const struct actsim_realm *r,
				   char out[ACTSIM_FINGERPRINT_HEX]);
void actsim_realm_activation_fingerprint(const struct actsim_realm *r,
					 char out[ACTSIM_FINGERPRINT_HEX]);
/* A digest of the private part (both private keys and the installation-ID
 * key, bound to the public fingerprint) that reveals none of it, for a
 * lab to recognise the private file it was made with.
 * ACTSIM_E_INVALID_ARG when r has no private part. */
actsim_err actsim_realm_private_fingerprint(const struct actsim_realm *r,
					    char out[ACTSIM_FINGERPRINT_HEX])
	__attribute__((warn_unused_result));

/* Derives a 32-byte secret for one purpose from the realm's private part:
 * H(tag, installation-ID key). ACTSIM_E_INVALID_ARG without the private
 * part. Used for the registration cipher key. */
actsim_err actsim_realm_derive_key(const struct actsim_realm *r,
				   const char *tag, uint8_t out[32])
	__attribute__((warn_unused_result));

/* Frees the realm and wipes its private parts. NULL is a no-op. */
void actsim_realm_free(struct actsim_realm *r);

#ifdef __cplusplus
}
#endif
#endif
