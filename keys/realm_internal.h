/* The realm's layout, shared by the keys/ modules only. */
#ifndef ACTSIM_REALM_INTERNAL_H
#define ACTSIM_REALM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

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
	/* Fixed-base tables, built on the first signature or verification
	 * (realm_tables) so that commands that do neither start at once. */
	pthread_mutex_t tables_lock;
	atomic_bool tables_ready;
	struct ec_table tG, tYk, tYa;
};

/* Builds the realm's fixed-base tables once; safe from several threads
 * at once (the tables are a cache: the realm stays logically const).
 * ACTSIM_E_NOMEM when they cannot be built. */
actsim_err realm_tables(const struct actsim_realm *r)
	__attribute__((warn_unused_result));


#endif
