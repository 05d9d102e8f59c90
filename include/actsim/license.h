/* License state: a pure function of the installation record, the current
 * hardware's standing and the lab clock (seed 001). Services keep running
 * whatever the state; only logon is limited (evaluation expiry aside). */
#ifndef ACTSIM_LICENSE_H
#define ACTSIM_LICENSE_H

#include <stdbool.h>
#include <stdint.h>

#include "actsim/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the state machine needs to know about one installation. */
struct actsim_license {
	const struct actsim_channel_rules *channel;
	const struct actsim_activation_rules *rules;
	int64_t installed_at;
	bool activated;
	int64_t activated_at;
	bool out_of_tolerance;      /* hardware outside the baseline's */
	int64_t out_of_tolerance_at; /* when it first went out */
};

enum actsim_license_status {
	ACTSIM_LICENSE_GRACE,
	ACTSIM_LICENSE_GRACE_EXPIRED,
	ACTSIM_LICENSE_ACTIVATED,
	ACTSIM_LICENSE_REACTIVATION_GRACE,
	ACTSIM_LICENSE_REACTIVATION_EXPIRED,
	ACTSIM_LICENSE_EXEMPT,
	ACTSIM_LICENSE_EVALUATION_EXPIRED
};

struct actsim_license_state {
	enum actsim_license_status status;
	const char *status_name; /* "grace", "grace_expired", ... */
	bool has_deadline;
	int64_t deadline;  /* a window of N days from T closes at T + N*24h */
	int64_t days_left; /* ceil(remaining / 1 day), 0 once passed */
	bool logon_allowed;   /* interactive logon */
	bool remote_allowed;  /* remote administration */
	bool services_running;
	bool offer_activation;
	bool has_next_reminder;
	int64_t next_reminder;
};

/* Evaluates the license at `now`. Constant time whatever the distance
 * between installation and now. Pure; thread-safe. */
void actsim_license_eval(const struct actsim_license *l, int64_t now,
			 struct actsim_license_state *out);

/* Parses a license status name ("grace", "grace_expired", "activated",
 * "reactivation_grace", "reactivation_expired", "exempt",
 * "evaluation_expired"); false when it is none of them. */
bool actsim_license_status_parse(const char *name,
				 enum actsim_license_status *out)
	__attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
