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

struct actsim_clearing_result {
	struct actsim_decision decision;
	struct actsim_iid_plain plain;
	char key[ACTSIM_PKEY_TEXT_BYTES];
	char product_id[ACTSIM_PID_TEXT_BYTES];
	char confirmation_id[ACTSIM_CID_TEXT_BYTES]; /* empty unless granted */
	int64_t activation_id;
};

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
