/* The realm's layout, shared by the keys/ modules only. */
#ifndef ACTSIM_REALM_INTERNAL_H
#define ACTSIM_REALM_INTERNAL_H

#include <gmp.h>

#include "actsim/realm.h"
#include "ec.h"

#define REALM_ORDER_BITS 62
#define REALM_IID_KEY_BYTES 32

struct actsim_realm {
	mpz_t p, n, cofactor;
	uint64_t n64;
	struct ec_field f;
	bool field_ready;
	struct ec_affine G, Yk, Ya;
	bool has_private;
	uint64_t xk, xa; /* product-key and activation private keys */
	uint8_t iid_key[REALM_IID_KEY_BYTES];
	struct ec_table tG, tYk, tYa;
};


#endif
