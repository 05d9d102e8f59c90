/* The clearinghouse's activation policy: one pure function decides every
 * activation, whether it arrives in process, over HTTPS or by phone. */
#ifndef ACTSIM_POLICY_H
#define ACTSIM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actsim/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A granted activation of the same key, earlier. */
struct actsim_prior_activation {
	uint64_t hardware_hash;
	int64_t at;
	bool counted; /* it started a new hardware baseline */
};

enum actsim_decision_code {
	ACTSIM_DECISION_GRANTED,
	ACTSIM_DECISION_KEY_BLOCKED,
	ACTSIM_DECISION_TOO_MANY,
	ACTSIM_DECISION_NOT_REQUIRED
};

struct actsim_decision {
	enum actsim_decision_code code;
	const char *code_name; /* "OK", "KEY_BLOCKED", "TOO_MANY_ACTIVATIONS",
				* "ACTIVATION_NOT_REQUIRED" */
	const char *reason;    /* "new_hardware", "same_hardware",
				* "same_installation", "limit", "oem_bound",
				* "blocked", "exempt" */
	bool counts;           /* a new hardware baseline */
	int baselines;         /* baselines in the window before this one */
	char message[160];
};

/* Decides an activation of a key whose granted history is prior[0..n-1]
 * (any order). same_iid: this installation ID was granted before (always
 * granted again, counting nothing, unless the key is blocked). Hardware
 * within tolerance of a baseline counts as the same baseline. Pure. */
void actsim_policy_decide(const struct actsim_channel_rules *rules,
			  bool blocked, bool same_iid,
			  const struct actsim_prior_activation *prior,
			  size_t n, uint64_t hardware_hash, int64_t now,
			  struct actsim_decision *out);

#ifdef __cplusplus
}
#endif
#endif
