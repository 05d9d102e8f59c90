#include <string.h>

#include "actsim/license.h"
#include "actsim/time.h"
#include "../common/internal.h"

static const char *const status_names[] = {
	[ACTSIM_LICENSE_GRACE] = "grace",
	[ACTSIM_LICENSE_GRACE_EXPIRED] = "grace_expired",
	[ACTSIM_LICENSE_ACTIVATED] = "activated",
	[ACTSIM_LICENSE_REACTIVATION_GRACE] = "reactivation_grace",
	[ACTSIM_LICENSE_REACTIVATION_EXPIRED] = "reactivation_expired",
	[ACTSIM_LICENSE_EXEMPT] = "exempt",
	[ACTSIM_LICENSE_EVALUATION_EXPIRED] = "evaluation_expired",
};

/* Deadlines past the last representable time are clamped to it, and
 * days_left is counted from the clamped value, so what is shown and what
 * is counted agree. */
static int64_t clamp_time(int64_t t)
{
	return t > ACTSIM_TIME_MAX ? ACTSIM_TIME_MAX : t;
}

static void set_deadline(struct actsim_license_state *s, int64_t deadline,
			 int64_t now)
{
	deadline = clamp_time(deadline);
	s->has_deadline = true;
	s->deadline = deadline;
	s->days_left = deadline > now ?
			       (deadline - now + ACTSIM_DAY - 1) / ACTSIM_DAY :
			       0;
}

/* The next reminder before `deadline`: reminders fall on the deadline
 * minus whole multiples of the step that applies to the time remaining
 * (daily, then every 4 hours, then hourly, from the catalog). */
static int64_t next_reminder(const struct actsim_activation_rules *r,
			     int64_t deadline, int64_t now)
{
	int64_t remaining = deadline - now, step = 3600;

	for (size_t i = 0; i < r->nreminders; i++) {
		if (remaining > (int64_t)r->reminders[i].above_hours * 3600) {
			step = (int64_t)r->reminders[i].every_hours * 3600;
			break;
		}
	}
	return deadline - (remaining - 1) / step * step;
}

void actsim_license_eval(const struct actsim_license *l, int64_t now,
			 struct actsim_license_state *s)
{
	const struct actsim_channel_rules *ch = l->channel;
	bool evaluation = ch->evaluation_expiry_days > 0;
	int64_t eval_end = clamp_time(
		l->installed_at +
		(int64_t)ch->evaluation_expiry_days * ACTSIM_DAY);
	int64_t deadline;

	memset(s, 0, sizeof *s);
	s->logon_allowed = s->remote_allowed = s->services_running = true;
	if (evaluation && now >= eval_end) {
		/* The evaluation edition stops working, activated or not. */
		s->status = ACTSIM_LICENSE_EVALUATION_EXPIRED;
		set_deadline(s, eval_end, now);
		s->logon_allowed = s->remote_allowed = false;
		s->services_running = false;
	} else if (ch->grace_days < 0) {
		s->status = ACTSIM_LICENSE_EXEMPT;
	} else if (!l->activated) {
		deadline = clamp_time(l->installed_at +
				      (int64_t)ch->grace_days * ACTSIM_DAY);
		if (evaluation && eval_end < deadline)
			deadline = eval_end;
		set_deadline(s, deadline, now);
		s->status = now < deadline ? ACTSIM_LICENSE_GRACE :
					     ACTSIM_LICENSE_GRACE_EXPIRED;
	} else if (l->out_of_tolerance) {
		deadline = clamp_time(
			l->out_of_tolerance_at +
			(int64_t)l->rules->reactivation_days * ACTSIM_DAY);
		set_deadline(s, deadline, now);
		s->status = now < deadline ?
				    ACTSIM_LICENSE_REACTIVATION_GRACE :
				    ACTSIM_LICENSE_REACTIVATION_EXPIRED;
	} else {
		s->status = ACTSIM_LICENSE_ACTIVATED;
		if (evaluation)
			set_deadline(s, eval_end, now);
	}
	switch (s->status) {
	case ACTSIM_LICENSE_GRACE:
	case ACTSIM_LICENSE_REACTIVATION_GRACE:
		s->offer_activation = true;
		s->has_next_reminder = true;
		s->next_reminder = next_reminder(l->rules, s->deadline, now);
		break;
	case ACTSIM_LICENSE_GRACE_EXPIRED:
	case ACTSIM_LICENSE_REACTIVATION_EXPIRED:
		/* Only interactive logon is limited: services and remote
		 * administration carry on (seed 001). */
		s->logon_allowed = false;
		s->offer_activation = true;
		break;
	default:
		break;
	}
	s->status_name = status_names[s->status];
}

bool actsim_license_status_parse(const char *name,
				 enum actsim_license_status *out)
{
	for (size_t i = 0; i < sizeof status_names / sizeof status_names[0];
	     i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum actsim_license_status)i;
			return true;
		}
	}
	return false;
}
