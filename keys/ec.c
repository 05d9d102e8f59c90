#include <stdlib.h>
#include <string.h>

#include "ec.h"
#include "../common/internal.h"

_Static_assert(GMP_NUMB_BITS == 64, "actsim needs 64-bit GMP limbs");

/* Montgomery reduction of the 12-limb t (destroyed) into r. */
static void fe_redc(const struct ec_field *f, ec_fe r, mp_limb_t t[2 * EC_LIMBS])
{
	mp_limb_t hi = 0;

	for (int i = 0; i < EC_LIMBS; i++) {
		mp_limb_t m = t[i] * f->pinv;
		mp_limb_t c = mpn_addmul_1(t + i, f->p, EC_LIMBS, m);

		hi += mpn_add_1(t + i + EC_LIMBS, t + i + EC_LIMBS,
				EC_LIMBS - i, c);
	}
	if (hi != 0 || mpn_cmp(t + EC_LIMBS, f->p, EC_LIMBS) >= 0)
		mpn_sub_n(r, t + EC_LIMBS, f->p, EC_LIMBS);
	else
		memcpy(r, t + EC_LIMBS, sizeof(ec_fe));
}

static void fe_mul(const struct ec_field *f, ec_fe r, const ec_fe a,
		   const ec_fe b)
{
	mp_limb_t t[2 * EC_LIMBS];

	mpn_mul_n(t, a, b, EC_LIMBS);
	fe_redc(f, r, t);
}

static void fe_sqr(const struct ec_field *f, ec_fe r, const ec_fe a)
{
	mp_limb_t t[2 * EC_LIMBS];

	mpn_sqr(t, a, EC_LIMBS);
	fe_redc(f, r, t);
}

static void fe_add(const struct ec_field *f, ec_fe r, const ec_fe a,
		   const ec_fe b)
{
	mp_limb_t c = mpn_add_n(r, a, b, EC_LIMBS);

	if (c != 0 || mpn_cmp(r, f->p, EC_LIMBS) >= 0)
		mpn_sub_n(r, r, f->p, EC_LIMBS);
}

static void fe_sub(const struct ec_field *f, ec_fe r, const ec_fe a,
		   const ec_fe b)
{
	if (mpn_sub_n(r, a, b, EC_LIMBS) != 0)
		mpn_add_n(r, r, f->p, EC_LIMBS);
}

static bool fe_is_zero(const ec_fe a)
{
	mp_limb_t acc = 0;

	for (int i = 0; i < EC_LIMBS; i++)
		acc |= a[i];
	return acc == 0;
}

static bool fe_equal(const ec_fe a, const ec_fe b)
{
	return mpn_cmp(a, b, EC_LIMBS) == 0;
}

/* r = a^-1; a must be non-zero. Inversion is rare (once per result), so
 * GMP's general mpz_invert is used rather than a chain of squarings. */
static void fe_inv(const struct ec_field *f, ec_fe r, const ec_fe a)
{
	mpz_t v;

	mpz_init(v);
	ec_fe_to_mpz(f, v, a);
	mpz_invert(v, v, f->pz);
	ec_fe_from_mpz(f, r, v);
	mpz_clear(v);
}

actsim_err ec_field_init(struct ec_field *f, const mpz_t p)
{
	mpz_t r;
	mp_limb_t inv = 1;

	if (mpz_sgn(p) <= 0 || mpz_sizeinbase(p, 2) != EC_FIELD_BITS ||
	    mpz_even_p(p))
		return ACTSIM_E_INVALID_ARG;
	memset(f, 0, sizeof *f);
	mpz_init_set(f->pz, p);
	mpz_export(f->p, NULL, -1, sizeof(mp_limb_t), 0, 0, p);
	/* Newton iteration doubles the correct low bits each round. */
	for (int i = 0; i < 7; i++)
		inv *= 2 - f->p[0] * inv;
	f->pinv = (mp_limb_t)0 - inv;

	mpz_init(r);
	mpz_setbit(r, 2 * EC_FIELD_BITS);
	mpz_mod(r, r, p);
	memset(f->r2, 0, sizeof f->r2);
	mpz_export(f->r2, NULL, -1, sizeof(mp_limb_t), 0, 0, r);
	mpz_set_ui(r, 1);
	ec_fe_from_mpz(f, f->one, r);
	mpz_clear(r);
	return ACTSIM_OK;
}

void ec_field_release(struct ec_field *f)
{
	mpz_clear(f->pz);
}

void ec_fe_from_mpz(const struct ec_field *f, ec_fe out, const mpz_t v)
{
	ec_fe plain;

	memset(plain, 0, sizeof plain);
	mpz_export(plain, NULL, -1, sizeof(mp_limb_t), 0, 0, v);
	fe_mul(f, out, plain, f->r2);
}

void ec_fe_to_mpz(const struct ec_field *f, mpz_t out, const ec_fe a)
{
	mp_limb_t t[2 * EC_LIMBS];
	ec_fe plain;

	memset(t, 0, sizeof t);
	memcpy(t, a, sizeof(ec_fe));
	fe_redc(f, plain, t);
	mpz_import(out, EC_LIMBS, -1, sizeof(mp_limb_t), 0, 0, plain);
}

bool ec_affine_on_curve(const struct ec_field *f, const struct ec_affine *a)
{
	ec_fe lhs, rhs;

	if (a->inf)
		return true;
	fe_sqr(f, lhs, a->y);
	fe_sqr(f, rhs, a->x);
	fe_add(f, rhs, rhs, f->one);
	fe_mul(f, rhs, rhs, a->x); /* x^3 + x = x (x^2 + 1) */
	return fe_equal(lhs, rhs);
}

bool ec_affine_set(const struct ec_field *f, struct ec_affine *out,
		   const mpz_t x, const mpz_t y)
{
	struct ec_affine a;

	if (mpz_sgn(x) < 0 || mpz_sgn(y) < 0 || mpz_cmp(x, f->pz) >= 0 ||
	    mpz_cmp(y, f->pz) >= 0)
		return false;
	ec_fe_from_mpz(f, a.x, x);
	ec_fe_from_mpz(f, a.y, y);
	a.inf = false;
	if (!ec_affine_on_curve(f, &a))
		return false;
	*out = a;
	return true;
}

void ec_affine_get(const struct ec_field *f, mpz_t x, mpz_t y,
		   const struct ec_affine *a)
{
	ec_fe_to_mpz(f, x, a->x);
	ec_fe_to_mpz(f, y, a->y);
}

static void fe_encode(const struct ec_field *f, uint8_t out[EC_COORD_BYTES],
		      const ec_fe a)
{
	mp_limb_t t[2 * EC_LIMBS];
	ec_fe plain;

	memset(t, 0, sizeof t);
	memcpy(t, a, sizeof(ec_fe));
	fe_redc(f, plain, t);
	for (int i = 0; i < EC_LIMBS; i++)
		actsim_put_be64(out + 8 * (EC_LIMBS - 1 - i), plain[i]);
}

void ec_affine_encode(const struct ec_field *f, uint8_t x[EC_COORD_BYTES],
		      uint8_t y[EC_COORD_BYTES], const struct ec_affine *a)
{
	fe_encode(f, x, a->x);
	fe_encode(f, y, a->y);
}

void ec_jac_set_inf(struct ec_jac *r)
{
	memset(r, 0, sizeof *r);
}

void ec_jac_from_affine(const struct ec_field *f, struct ec_jac *r,
			const struct ec_affine *a)
{
	if (a->inf) {
		ec_jac_set_inf(r);
		return;
	}
	memcpy(r->X, a->x, sizeof(ec_fe));
	memcpy(r->Y, a->y, sizeof(ec_fe));
	memcpy(r->Z, f->one, sizeof(ec_fe));
}

/* dbl-2007-bl with a = 1: M = 3 X^2 + Z^4. */
void ec_jac_dbl(const struct ec_field *f, struct ec_jac *r,
		const struct ec_jac *a)
{
	ec_fe xx, yy, yyyy, zz, s, m, t, u;

	if (fe_is_zero(a->Z)) {
		ec_jac_set_inf(r);
		return;
	}
	fe_sqr(f, xx, a->X);
	fe_sqr(f, yy, a->Y);
	fe_sqr(f, yyyy, yy);
	fe_sqr(f, zz, a->Z);
	fe_add(f, s, a->X, yy);
	fe_sqr(f, s, s);
	fe_sub(f, s, s, xx);
	fe_sub(f, s, s, yyyy);
	fe_add(f, s, s, s);
	fe_add(f, m, xx, xx);
	fe_add(f, m, m, xx);
	fe_sqr(f, t, zz);
	fe_add(f, m, m, t);
	/* Z3 first: it reads Y and Z, which r may alias. */
	fe_add(f, u, a->Y, a->Z);
	fe_sqr(f, u, u);
	fe_sub(f, u, u, yy);
	fe_sub(f, r->Z, u, zz);
	fe_sqr(f, t, m);
	fe_sub(f, t, t, s);
	fe_sub(f, t, t, s);
	memcpy(r->X, t, sizeof(ec_fe));
	fe_sub(f, u, s, t);
	fe_mul(f, u, m, u);
	fe_add(f, yyyy, yyyy, yyyy);
	fe_add(f, yyyy, yyyy, yyyy);
	fe_add(f, yyyy, yyyy, yyyy);
	fe_sub(f, r->Y, u, yyyy);
}

/* madd-2007-bl. */
void ec_jac_add_affine(const struct ec_field *f, struct ec_jac *r,
		       const struct ec_jac *a, const struct ec_affine *b)
{
	ec_fe z1z1, u2, s2, h, hh, i, j, rr, v, t;
	struct ec_jac out;

	if (b->inf) {
		if (r != a)
			*r = *a;
		return;
	}
	if (fe_is_zero(a->Z)) {
		ec_jac_from_affine(f, r, b);
		return;
	}
	fe_sqr(f, z1z1, a->Z);
	fe_mul(f, u2, b->x, z1z1);
	fe_mul(f, s2, b->y, a->Z);
	fe_mul(f, s2, s2, z1z1);
	fe_sub(f, h, u2, a->X);
	fe_sub(f, rr, s2, a->Y);
	fe_add(f, rr, rr, rr);
	if (fe_is_zero(h)) {
		if (fe_is_zero(rr))
			ec_jac_dbl(f, r, a);
		else
			ec_jac_set_inf(r);
		return;
	}
	fe_sqr(f, hh, h);
	fe_add(f, i, hh, hh);
	fe_add(f, i, i, i);
	fe_mul(f, j, h, i);
	fe_mul(f, v, a->X, i);
	fe_sqr(f, out.X, rr);
	fe_sub(f, out.X, out.X, j);
	fe_sub(f, out.X, out.X, v);
	fe_sub(f, out.X, out.X, v);
	fe_sub(f, t, v, out.X);
	fe_mul(f, t, rr, t);
	fe_mul(f, out.Y, a->Y, j);
	fe_add(f, out.Y, out.Y, out.Y);
	fe_sub(f, out.Y, t, out.Y);
	fe_add(f, out.Z, a->Z, h);
	fe_sqr(f, out.Z, out.Z);
	fe_sub(f, out.Z, out.Z, z1z1);
	fe_sub(f, out.Z, out.Z, hh);
	*r = out;
}

void ec_jac_to_affine(const struct ec_field *f, struct ec_affine *out,
		      const struct ec_jac *a)
{
	ec_fe zi, zi2;

	if (fe_is_zero(a->Z)) {
		memset(out, 0, sizeof *out);
		out->inf = true;
		return;
	}
	fe_inv(f, zi, a->Z);
	fe_sqr(f, zi2, zi);
	fe_mul(f, out->x, a->X, zi2);
	fe_mul(f, zi2, zi2, zi);
	fe_mul(f, out->y, a->Y, zi2);
	out->inf = false;
}

void ec_mul(const struct ec_field *f, struct ec_affine *r,
	    const struct ec_affine *P, const mpz_t k)
{
	struct ec_jac acc;

	ec_jac_set_inf(&acc);
	for (size_t i = mpz_sizeinbase(k, 2); i-- > 0;) {
		ec_jac_dbl(f, &acc, &acc);
		if (mpz_tstbit(k, i))
			ec_jac_add_affine(f, &acc, &acc, P);
	}
	ec_jac_to_affine(f, r, &acc);
}

void ec_jac_mul2(const struct ec_field *f, struct ec_jac *r,
		 const struct ec_affine *P, uint64_t a,
		 const struct ec_affine *Q, uint64_t b)
{
	ec_jac_set_inf(r);
	for (unsigned i = 64; i-- > 0;) {
		ec_jac_dbl(f, r, r);
		if ((a >> i) & 1)
			ec_jac_add_affine(f, r, r, P);
		if ((b >> i) & 1)
			ec_jac_add_affine(f, r, r, Q);
	}
}

/* Affine forms of n Jacobian points with one inversion (Montgomery's
 * trick). Points at infinity become affine infinity. */
static actsim_err batch_to_affine(const struct ec_field *f,
				  struct ec_affine *out,
				  const struct ec_jac *in, size_t n)
{
	ec_fe *prefix = malloc(n * sizeof(ec_fe));
	ec_fe acc, inv, zi, zi2;

	if (prefix == NULL)
		return ACTSIM_E_NOMEM;
	memcpy(acc, f->one, sizeof acc);
	for (size_t i = 0; i < n; i++) {
		memcpy(prefix[i], acc, sizeof acc);
		if (!fe_is_zero(in[i].Z))
			fe_mul(f, acc, acc, in[i].Z);
	}
	fe_inv(f, inv, acc);
	for (size_t i = n; i-- > 0;) {
		if (fe_is_zero(in[i].Z)) {
			memset(&out[i], 0, sizeof out[i]);
			out[i].inf = true;
			continue;
		}
		fe_mul(f, zi, inv, prefix[i]);
		fe_mul(f, inv, inv, in[i].Z);
		fe_sqr(f, zi2, zi);
		fe_mul(f, out[i].x, in[i].X, zi2);
		fe_mul(f, zi2, zi2, zi);
		fe_mul(f, out[i].y, in[i].Y, zi2);
		out[i].inf = false;
	}
	free(prefix);
	return ACTSIM_OK;
}

actsim_err ec_table_build(const struct ec_field *f, struct ec_table *t,
			  const struct ec_affine *P, unsigned bits)
{
	struct ec_jac *jac;
	struct ec_affine base = *P;
	struct ec_jac next;
	actsim_err e = ACTSIM_OK;

	if (bits == 0 || bits > 64)
		return ACTSIM_E_INVALID_ARG;
	t->windows = (bits + EC_WINDOW_BITS - 1) / EC_WINDOW_BITS;
	t->pts = calloc((size_t)t->windows * EC_WINDOW_SIZE, sizeof *t->pts);
	jac = malloc(EC_WINDOW_SIZE * sizeof *jac);
	if (t->pts == NULL || jac == NULL) {
		e = ACTSIM_E_NOMEM;
		goto out;
	}
	for (unsigned w = 0; w < t->windows; w++) {
		ec_jac_from_affine(f, &jac[0], &base);
		for (unsigned d = 1; d < EC_WINDOW_SIZE; d++)
			ec_jac_add_affine(f, &jac[d], &jac[d - 1], &base);
		e = batch_to_affine(f, t->pts + (size_t)w * EC_WINDOW_SIZE, jac,
				    EC_WINDOW_SIZE);
		if (e != ACTSIM_OK)
			goto out;
		/* the next window's base: 2^EC_WINDOW_BITS times this one */
		ec_jac_add_affine(f, &next, &jac[EC_WINDOW_SIZE - 1], &base);
		ec_jac_to_affine(f, &base, &next);
	}
out:
	free(jac);
	if (e != ACTSIM_OK)
		ec_table_release(t);
	return e;
}

void ec_table_release(struct ec_table *t)
{
	free(t->pts);
	t->pts = NULL;
	t->windows = 0;
}

void ec_table_mul_add(const struct ec_field *f, struct ec_jac *acc,
		      const struct ec_table *t, uint64_t k)
{
	for (unsigned w = 0; w < t->windows; w++) {
		unsigned d = (unsigned)(k >> (EC_WINDOW_BITS * w)) &
			     EC_WINDOW_SIZE;

		if (d != 0)
			ec_jac_add_affine(f, acc, acc,
					  &t->pts[(size_t)w * EC_WINDOW_SIZE +
						  d - 1]);
	}
}
