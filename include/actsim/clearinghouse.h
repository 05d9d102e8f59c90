/* The lab's clearinghouse: decrypts an installation ID, finds the key,
 * applies the activation policy, records the decision and issues the
 * confirmation ID. Every road (in process, HTTPS, telephone) calls this.
 * Runs inside the caller's transaction (actsim_lab_begin(lab, true)). */
#ifndef ACTSIM_CLEARINGHOUSE_H
#define ACTSIM_CLEARINGHOUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "actsim/catalog.h"
#include "actsim/ids.h"
#include "actsim/lab.h"
#include "actsim/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The part of a request that needs no database: decrypted, checked
 * against the catalog, the confirmation ID already signed (it depends on
 * the installation ID only). Made outside the transaction, so a server
 * can do it on many threads while one thread decides. */
struct actsim_clearing_request {
	struct actsim_iid iid;
	struct actsim_iid_plain plain;
	const struct actsim_keyconfig *config;
	char installation_id[ACTSIM_IID_TEXT_BYTES];
	char hardware_hash[17];
	char product_id[ACTSIM_PID_TEXT_BYTES];
	char confirmation_id[ACTSIM_CID_TEXT_BYTES];
};

struct actsim_clearing_result {
	struct actsim_decision decision;
	struct actsim_iid_plain plain;
	char key[ACTSIM_PKEY_TEXT_BYTES];
	char product_id[ACTSIM_PID_TEXT_BYTES];
	char confirmation_id[ACTSIM_CID_TEXT_BYTES]; /* empty unless granted */
	int64_t activation_id;
};

/* Prepares a request: ACTSIM_E_INVALID_IID when the ID does not decrypt
 * to a plaintext of this realm and catalog. Reads only; thread-safe. */
actsim_err actsim_clearinghouse_prepare(const struct actsim_realm *realm,
					const struct actsim_catalog *cat,
					const struct actsim_iid *iid,
					struct actsim_clearing_request *out)
	__attribute__((warn_unused_result));

/* Decides and records a prepared request, as actsim_clearinghouse_activate
 * does. */
actsim_err actsim_clearinghouse_decide(struct actsim_lab *lab,
				       const struct actsim_catalog *cat,
				       const struct actsim_clearing_request *rq,
				       const char *kind, bool transfer,
				       int64_t now,
				       struct actsim_clearing_result *out)
	__attribute__((warn_unused_result));

/* Decides and records one activation request of the given kind ("local",
 * "online", "phone"). With `transfer` (the telephone operator heard that
 * the product is on one computer only), a key over its activation limit
 * is granted anyway and recorded as kind "transfer"; blocked and exempt
 * keys are not. ACTSIM_E_INVALID_IID when the ID is not one of this lab's
 * (another realm, or a key this lab never issued); otherwise ACTSIM_OK
 * with the decision in out (granted or refused). */
actsim_err actsim_clearinghouse_activate(struct actsim_lab *lab,
					 const struct actsim_catalog *cat,
					 const struct actsim_iid *iid,
					 const char *kind, bool transfer,
					 int64_t now,
					 struct actsim_clearing_result *out)
	__attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
