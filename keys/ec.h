/* Elliptic-curve arithmetic on a realm curve y^2 = x^3 + x over F_p, p a
 * 384-bit prime with p = 3 mod 4. Internal to libactsim.
 *
 * Field elements are six 64-bit limbs in Montgomery form (a*2^384 mod p),
 * always fully reduced, so equality is limb equality. Points are affine
 * (tables, results) or Jacobian (X/Z^2, Y/Z^3; Z = 0 is the point at
 * infinity). Nothing here allocates except the tables. */
#ifndef ACTSIM_EC_H
#define ACTSIM_EC_H

#include <stdbool.h>
#include <stdint.h>

#include <gmp.h>

#include "actsim/err.h"

#define EC_LIMBS 6
#define EC_FIELD_BITS 384
#define EC_COORD_BYTES 48

typedef mp_limb_t ec_fe[EC_LIMBS];

struct ec_field {
	mp_limb_t p[EC_LIMBS];
	mp_limb_t pinv; /* -p^-1 mod 2^64 */
	ec_fe r2;       /* 2^768 mod p */
	ec_fe one;      /* 1 in Montgomery form */
	mpz_t pz;
};

struct ec_affine {
	ec_fe x, y;
	bool inf;
};

struct ec_jac {
	ec_fe X, Y, Z;
};

/* Fixed-base table with windows of EC_WINDOW_BITS bits:
 * pts[w*EC_WINDOW_SIZE + d-1] = d * 2^(EC_WINDOW_BITS*w) * P, affine.
 * Six-bit windows balance table building (done at every realm load)
 * against the additions per scalar multiplication. */
#define EC_WINDOW_BITS 6
#define EC_WINDOW_SIZE ((1u << EC_WINDOW_BITS) - 1)

struct ec_table {
	unsigned windows;
	struct ec_affine *pts;
};

/* Sets up arithmetic mod p. p must be an odd 384-bit number. */
actsim_err ec_field_init(struct ec_field *f, const mpz_t p);
void ec_field_release(struct ec_field *f);

/* Conversions; v must satisfy 0 <= v < p. */
void ec_fe_from_mpz(const struct ec_field *f, ec_fe out, const mpz_t v);
void ec_fe_to_mpz(const struct ec_field *f, mpz_t out, const ec_fe a);

/* Affine point from integer coordinates; false if not on the curve or a
 * coordinate is >= p. */
bool ec_affine_set(const struct ec_field *f, struct ec_affine *out,
		   const mpz_t x, const mpz_t y);
void ec_affine_get(const struct ec_field *f, mpz_t x, mpz_t y,
		   const struct ec_affine *a);
bool ec_affine_on_curve(const struct ec_field *f, const struct ec_affine *a);
/* Big-endian 48-byte coordinates. `a` must not be infinity. */
void ec_affine_encode(const struct ec_field *f, uint8_t x[EC_COORD_BYTES],
		      uint8_t y[EC_COORD_BYTES], const struct ec_affine *a);

void ec_jac_set_inf(struct ec_jac *r);
void ec_jac_from_affine(const struct ec_field *f, struct ec_jac *r,
			const struct ec_affine *a);
void ec_jac_dbl(const struct ec_field *f, struct ec_jac *r,
		const struct ec_jac *a);
/* r = a + b; r may alias a. Handles infinity and a == b. */
void ec_jac_add_affine(const struct ec_field *f, struct ec_jac *r,
		       const struct ec_jac *a, const struct ec_affine *b);
void ec_jac_to_affine(const struct ec_field *f, struct ec_affine *out,
		      const struct ec_jac *a);

/* r = k * P by double-and-add, for any k >= 0. Not constant time: used
 * at realm generation and loading, and for checks. */
void ec_mul(const struct ec_field *f, struct ec_affine *r,
	    const struct ec_affine *P, const mpz_t k);

/* r = a*P + b*Q by interleaved double-and-add (Shamir's trick): what a
 * signature or verification costs without tables. Not constant time. */
void ec_jac_mul2(const struct ec_field *f, struct ec_jac *r,
		 const struct ec_affine *P, uint64_t a,
		 const struct ec_affine *Q, uint64_t b);

/* Builds the table for P covering scalars below 2^bits (bits <= 64). */
actsim_err ec_table_build(const struct ec_field *f, struct ec_table *t,
			  const struct ec_affine *P, unsigned bits);
void ec_table_release(struct ec_table *t);
/* acc += k * P using the table; k must be below
 * 2^(EC_WINDOW_BITS*windows). */
void ec_table_mul_add(const struct ec_field *f, struct ec_jac *acc,
		      const struct ec_table *t, uint64_t k);

#endif
