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
	bool private_unchecked; /* known public part, private not checked */
	uint64_t xk, xa; /* product-key and activation private keys */
	uint8_t iid_key[REALM_IID_KEY_BYTES];
	/* Checked before the first signature or verification (realm_ready)
	 * so that commands that do neither start at once: the orders of G
	 * and the public keys, and private keys loaded unchecked. */
	pthread_mutex_t tables_lock;
	atomic_bool checked;
	/* Fixed-base tables, built once the realm has done REALM_TABLES_AFTER
	 * signatures and verifications: a command that does one or two is
	 * faster without them. */
	atomic_uint uses;
	atomic_bool tables_ready;
	struct ec_table tG, tYk, tYa;
};

/* Before a signature or verification: runs the checks left from loading
 * once (ACTSIM_E_REALM when one fails), and says whether the fixed-base
 * tables are there to use (*tables), building them when the realm has
 * been used enough. Safe from several threads at once (checks and tables
 * are a cache: the realm stays logically const). ACTSIM_E_NOMEM when
 * they cannot be built. */
actsim_err realm_ready(const struct actsim_realm *r, bool *tables)
	__attribute__((warn_unused_result));


#endif
