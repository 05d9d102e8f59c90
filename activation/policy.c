#include <stdio.h>
#include <string.h>

#include "actsim/hwid.h"
#include "actsim/policy.h"
#include "actsim/time.h"
#include "../common/internal.h"

static void verdict(struct actsim_decision *d, enum actsim_decision_code c,
		    const char *reason, bool counts)
{
	static const char *const names[] = {
		[ACTSIM_DECISION_GRANTED] = "OK",
		[ACTSIM_DECISION_KEY_BLOCKED] = "KEY_BLOCKED",
		[ACTSIM_DECISION_TOO_MANY] = "TOO_MANY_ACTIVATIONS",
		[ACTSIM_DECISION_NOT_REQUIRED] = "ACTIVATION_NOT_REQUIRED",
	};

	d->code = c;
	d->code_name = names[c];
	d->reason = reason;
	d->counts = counts;
}

static bool same_machine(uint64_t base, uint64_t now)
{
	struct actsim_hw_vote v;

	actsim_hw_compare(base, now, &v);
	return v.within_tolerance;
}

void actsim_policy_decide(const struct actsim_channel_rules *rules,
			  bool blocked, bool same_iid,
			  const struct actsim_prior_activation *prior,
			  size_t n, uint64_t hw, int64_t now,
			  struct actsim_decision *out)
{
	const struct actsim_prior_activation *first = NULL;
	int64_t since;
	bool match = false;

	memset(out, 0, sizeof *out);
	if (blocked) {
		verdict(out, ACTSIM_DECISION_KEY_BLOCKED, "blocked", false);
		snprintf(out->message, sizeof out->message,
			 "This product key has been blocked. Contact your "
			 "reseller.");
		return;
	}
	if (rules->policy == ACTSIM_POLICY_EXEMPT) {
		verdict(out, ACTSIM_DECISION_NOT_REQUIRED, "exempt", false);
		snprintf(out->message, sizeof out->message,
			 "%s products do not require activation.", rules->name);
		return;
	}
	if (same_iid) {
		verdict(out, ACTSIM_DECISION_GRANTED, "same_installation",
			false);
		snprintf(out->message, sizeof out->message,
			 "Activation granted again for the same installation.");
		return;
	}
	if (rules->policy == ACTSIM_POLICY_BIND_FIRST) {
		for (size_t i = 0; i < n; i++)
			if (prior[i].counted &&
			    (first == NULL || prior[i].at < first->at))
				first = &prior[i];
		if (first == NULL) {
			verdict(out, ACTSIM_DECISION_GRANTED, "new_hardware",
				true);
		} else if (same_machine(first->hardware_hash, hw)) {
			verdict(out, ACTSIM_DECISION_GRANTED, "same_hardware",
				false);
		} else {
			verdict(out, ACTSIM_DECISION_TOO_MANY, "oem_bound",
				false);
			snprintf(out->message, sizeof out->message,
				 "This %s product key is bound to the computer "
				 "it was first activated on.",
				 rules->name);
			return;
		}
		out->baselines = first != NULL;
		snprintf(out->message, sizeof out->message,
			 "Activation granted.");
		return;
	}
	/* A window of N days back from now: (now - N days, now]. */
	since = now - (int64_t)rules->window_days * ACTSIM_DAY;
	for (size_t i = 0; i < n; i++) {
		if (!prior[i].counted || prior[i].at <= since)
			continue;
		out->baselines++;
		if (same_machine(prior[i].hardware_hash, hw))
			match = true;
	}
	if (match) {
		verdict(out, ACTSIM_DECISION_GRANTED, "same_hardware", false);
	} else if (out->baselines < rules->max_hardware) {
		verdict(out, ACTSIM_DECISION_GRANTED, "new_hardware", true);
	} else {
		verdict(out, ACTSIM_DECISION_TOO_MANY, "limit", false);
		snprintf(out->message, sizeof out->message,
			 "This product key has been activated on the maximum "
			 "number of computers (%d in %d days).",
			 rules->max_hardware, rules->window_days);
		return;
	}
	snprintf(out->message, sizeof out->message, "Activation granted.");
}
