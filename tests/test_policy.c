/* The activation policy per channel, and the license state machine as a
 * pure function of (record, hardware standing, now), at boundary days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "actsim/catalog.h"
#include "actsim/hwid.h"
#include "actsim/license.h"
#include "actsim/policy.h"
#include "actsim/time.h"

#define DAY ACTSIM_DAY
#define T0 INT64_C(1767225600) /* 2026-01-01T00:00:00Z */

static struct actsim_catalog *cat;

static int setup(void **state)
{
	(void)state;
	return actsim_catalog_load_builtin(&cat, NULL, 0) == ACTSIM_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	actsim_catalog_free(cat);
	return 0;
}

static const struct actsim_channel_rules *ch(const char *id)
{
	const struct actsim_channel_rules *r = actsim_catalog_channel(cat, id);

	assert_non_null(r);
	return r;
}

/* Distinct machines: hardware hashes that differ in every field. */
static uint64_t machine(unsigned i)
{
	uint64_t h = UINT64_C(1) << 32;

	for (int f = 0; f < ACTSIM_HW_FIELDS; f++) {
		unsigned bits = actsim_hw_field_bits(f);
		uint64_t v = (i % ((1u << bits) - 1)) + 1;
		static const unsigned lsb[] = { 0, 10, 20, 27, 35, 41,
						48, 53, 57, 60 };

		h |= v << lsb[f];
	}
	return h;
}

struct history {
	struct actsim_prior_activation a[64];
	size_t n;
};

static struct actsim_decision decide(const char *channel, struct history *h,
				     uint64_t hw, int64_t now, bool same_iid,
				     bool blocked)
{
	struct actsim_decision d;

	actsim_policy_decide(ch(channel), blocked, same_iid, h->a, h->n, hw,
			     now, &d);
	if (d.code == ACTSIM_DECISION_GRANTED) {
		h->a[h->n].hardware_hash = hw;
		h->a[h->n].at = now;
		h->a[h->n].counted = d.counts;
		h->n++;
	}
	return d;
}

static void test_retail_two_in_120_days(void **state)
{
	struct history h = { .n = 0 };
	struct actsim_decision d;

	(void)state;
	assert_string_equal(decide("retail", &h, machine(1), T0, false, false)
				    .code_name,
			    "OK");
	d = decide("retail", &h, machine(2), T0 + DAY, false, false);
	assert_int_equal(d.code, ACTSIM_DECISION_GRANTED);
	assert_true(d.counts);
	d = decide("retail", &h, machine(3), T0 + 2 * DAY, false, false);
	assert_int_equal(d.code, ACTSIM_DECISION_TOO_MANY);
	assert_string_equal(d.code_name, "TOO_MANY_ACTIVATIONS");
	assert_non_null(strstr(d.message, "2 in 120 days"));
	/* the same installation again is always granted, counting nothing */
	d = decide("retail", &h, machine(1), T0 + 3 * DAY, true, false);
	assert_int_equal(d.code, ACTSIM_DECISION_GRANTED);
	assert_false(d.counts);
	/* a reinstall on known hardware is the same baseline */
	d = decide("retail", &h, machine(2), T0 + 3 * DAY, false, false);
	assert_int_equal(d.code, ACTSIM_DECISION_GRANTED);
	assert_string_equal(d.reason, "same_hardware");
	/* the window is 120 days from the first activation: at exactly
	 * T0 + 120 days the first one has left it */
	d = decide("retail", &h, machine(3), T0 + 120 * DAY - 1, false, false);
	assert_int_equal(d.code, ACTSIM_DECISION_TOO_MANY);
	d = decide("retail", &h, machine(3), T0 + 120 * DAY, false, false);
	assert_int_equal(d.code, ACTSIM_DECISION_GRANTED);
	assert_true(d.counts);
}

static void test_limits_per_channel(void **state)
{
	static const struct {
		const char *channel;
		int limit;
	} cases[] = { { "retail", 2 }, { "evaluation", 2 }, { "msdn", 10 } };

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct history h = { .n = 0 };
		int granted = 0;

		for (unsigned i = 1; i <= 15; i++)
			granted += decide(cases[c].channel, &h, machine(i),
					  T0 + i * 3600, false, false)
					   .code == ACTSIM_DECISION_GRANTED;
		assert_int_equal(granted, cases[c].limit);
	}
}

static void test_oem_bound_to_first(void **state)
{
	struct history h = { .n = 0 };
	struct actsim_decision d;

	(void)state;
	d = decide("oem", &h, machine(5), T0, false, false);
	assert_int_equal(d.code, ACTSIM_DECISION_GRANTED);
	d = decide("oem", &h, machine(6), T0 + 400 * DAY, false, false);
	assert_int_equal(d.code, ACTSIM_DECISION_TOO_MANY);
	assert_string_equal(d.reason, "oem_bound");
	/* the same machine, years later, still activates */
	d = decide("oem", &h, machine(5), T0 + 2000 * DAY, false, false);
	assert_int_equal(d.code, ACTSIM_DECISION_GRANTED);
	assert_false(d.counts);
}

static void test_volume_and_blocks(void **state)
{
	struct history h = { .n = 0 };
	struct actsim_decision d;

	(void)state;
	d = decide("volume", &h, machine(1), T0, false, false);
	assert_string_equal(d.code_name, "ACTIVATION_NOT_REQUIRED");
	d = decide("retail", &h, machine(1), T0, false, true);
	assert_string_equal(d.code_name, "KEY_BLOCKED");
	d = decide("retail", &h, machine(1), T0, true, true);
	assert_string_equal(d.code_name, "KEY_BLOCKED");
	assert_int_equal(h.n, 0);
}

/* ---- license states ---- */

static struct actsim_license_state eval_at(const char *channel,
					   bool activated, int64_t oot_at,
					   int64_t now)
{
	struct actsim_license l;
	struct actsim_license_state s;

	memset(&l, 0, sizeof l);
	l.channel = ch(channel);
	l.rules = actsim_catalog_activation(cat);
	l.installed_at = T0;
	l.activated = activated;
	l.activated_at = T0;
	l.out_of_tolerance = oot_at >= 0;
	l.out_of_tolerance_at = oot_at;
	actsim_license_eval(&l, now, &s);
	return s;
}

static void test_grace_boundaries(void **state)
{
	static const struct {
		const char *channel;
		int days;
	} cases[] = { { "retail", 30 },
		      { "oem", 30 },
		      { "evaluation", 14 },
		      { "msdn", 60 } };

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		int n = cases[c].days;
		struct actsim_license_state s;

		s = eval_at(cases[c].channel, false, -1, T0);
		assert_string_equal(s.status_name, "grace");
		assert_int_equal(s.days_left, n);
		s = eval_at(cases[c].channel, false, -1, T0 + (n - 1) * DAY);
		assert_string_equal(s.status_name, "grace");
		assert_int_equal(s.days_left, 1);
		assert_true(s.logon_allowed);
		s = eval_at(cases[c].channel, false, -1, T0 + n * DAY - 1);
		assert_string_equal(s.status_name, "grace");
		assert_int_equal(s.days_left, 1);
		s = eval_at(cases[c].channel, false, -1, T0 + n * DAY);
		assert_string_equal(s.status_name, "grace_expired");
		assert_int_equal(s.days_left, 0);
		assert_false(s.logon_allowed);
		assert_true(s.remote_allowed);
		assert_true(s.services_running);
		assert_true(s.offer_activation);
		s = eval_at(cases[c].channel, false, -1, T0 + (n + 1) * DAY);
		assert_string_equal(s.status_name, "grace_expired");
		/* activated: no deadline (evaluation aside) */
		s = eval_at(cases[c].channel, true, -1, T0 + (n + 1) * DAY);
		assert_string_equal(s.status_name, "activated");
		assert_true(s.logon_allowed);
	}
}

static void test_days_left_is_ceiling(void **state)
{
	struct actsim_license_state s;

	(void)state;
	s = eval_at("retail", false, -1, T0 + 1);
	assert_int_equal(s.days_left, 30);
	s = eval_at("retail", false, -1, T0 + DAY);
	assert_int_equal(s.days_left, 29);
	s = eval_at("retail", false, -1, T0 + DAY + 1);
	assert_int_equal(s.days_left, 29);
}

static void test_volume_exempt(void **state)
{
	struct actsim_license_state s = eval_at("volume", false, -1,
						T0 + 5000 * DAY);

	(void)state;
	assert_string_equal(s.status_name, "exempt");
	assert_false(s.has_deadline);
	assert_true(s.logon_allowed);
}

static void test_evaluation_ends_at_180_days(void **state)
{
	struct actsim_license_state s;

	(void)state;
	s = eval_at("evaluation", true, -1, T0 + 179 * DAY);
	assert_string_equal(s.status_name, "activated");
	assert_int_equal(s.days_left, 1);
	s = eval_at("evaluation", true, -1, T0 + 180 * DAY);
	assert_string_equal(s.status_name, "evaluation_expired");
	assert_false(s.logon_allowed);
	assert_false(s.remote_allowed);
	assert_false(s.services_running);
	s = eval_at("evaluation", false, -1, T0 + 181 * DAY);
	assert_string_equal(s.status_name, "evaluation_expired");
}

static void test_reactivation_window(void **state)
{
	int64_t oot = T0 + 100 * DAY;
	struct actsim_license_state s;

	(void)state;
	s = eval_at("retail", true, oot, oot);
	assert_string_equal(s.status_name, "reactivation_grace");
	assert_int_equal(s.days_left, 3);
	s = eval_at("retail", true, oot, oot + 2 * DAY);
	assert_string_equal(s.status_name, "reactivation_grace");
	assert_int_equal(s.days_left, 1);
	s = eval_at("retail", true, oot, oot + 3 * DAY);
	assert_string_equal(s.status_name, "reactivation_expired");
	assert_false(s.logon_allowed);
	assert_true(s.remote_allowed);
	assert_true(s.services_running);
	s = eval_at("retail", true, oot, oot + 4 * DAY);
	assert_string_equal(s.status_name, "reactivation_expired");
}

/* Reminders: daily, every 4 hours in the last 3 days, hourly on the
 * last day, falling on whole steps before the deadline. */
static void test_reminders(void **state)
{
	int64_t deadline = T0 + 30 * DAY;
	struct actsim_license_state s;

	(void)state;
	s = eval_at("retail", false, -1, T0);
	assert_int_equal(s.next_reminder, T0 + DAY);
	s = eval_at("retail", false, -1, T0 + 3600);
	assert_int_equal(s.next_reminder, T0 + DAY);
	s = eval_at("retail", false, -1, deadline - 72 * 3600);
	assert_int_equal(s.next_reminder, deadline - 68 * 3600);
	s = eval_at("retail", false, -1, deadline - 50 * 3600);
	assert_int_equal(s.next_reminder, deadline - 48 * 3600);
	s = eval_at("retail", false, -1, deadline - 24 * 3600);
	assert_int_equal(s.next_reminder, deadline - 23 * 3600);
	s = eval_at("retail", false, -1, deadline - 90 * 60);
	assert_int_equal(s.next_reminder, deadline - 3600);
	s = eval_at("retail", true, -1, deadline);
	assert_false(s.has_next_reminder);
}

/* Ten years later costs the same work as a day later: the state is a
 * closed form of the times, not a replay. */
static void test_far_future(void **state)
{
	struct actsim_license_state s;

	(void)state;
	s = eval_at("retail", false, -1, T0 + 3650 * DAY);
	assert_string_equal(s.status_name, "grace_expired");
	s = eval_at("retail", true, -1, INT64_C(253402300799));
	assert_string_equal(s.status_name, "activated");
}

/* A deadline past the last representable time is shown as that time, and
 * days_left is counted from what is shown: at the end of time nothing is
 * left, and the grace period has ended. */
static void test_deadline_clamped(void **state)
{
	struct actsim_license l;
	struct actsim_license_state s;
	const char *channels[] = { "evaluation", "retail" };
	const char *ended[] = { "evaluation_expired", "grace_expired" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		memset(&l, 0, sizeof l);
		l.channel = ch(channels[i]);
		l.rules = actsim_catalog_activation(cat);
		l.installed_at = ACTSIM_TIME_MAX - 5 * DAY;
		actsim_license_eval(&l, ACTSIM_TIME_MAX - DAY, &s);
		assert_true(s.has_deadline);
		assert_true(s.deadline == ACTSIM_TIME_MAX);
		assert_int_equal(s.days_left, 1);
		assert_string_equal(s.status_name, "grace");
		actsim_license_eval(&l, ACTSIM_TIME_MAX, &s);
		assert_true(s.deadline == ACTSIM_TIME_MAX);
		assert_int_equal(s.days_left, 0);
		assert_string_equal(s.status_name, ended[i]);
	}
	/* An activated evaluation machine: the edition's end, clamped. */
	l.channel = ch("evaluation");
	l.activated = true;
	l.activated_at = l.installed_at;
	actsim_license_eval(&l, ACTSIM_TIME_MAX, &s);
	assert_string_equal(s.status_name, "evaluation_expired");
	assert_int_equal(s.days_left, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retail_two_in_120_days),
		cmocka_unit_test(test_limits_per_channel),
		cmocka_unit_test(test_oem_bound_to_first),
		cmocka_unit_test(test_volume_and_blocks),
		cmocka_unit_test(test_grace_boundaries),
		cmocka_unit_test(test_days_left_is_ceiling),
		cmocka_unit_test(test_volume_exempt),
		cmocka_unit_test(test_evaluation_ends_at_180_days),
		cmocka_unit_test(test_reactivation_window),
		cmocka_unit_test(test_reminders),
		cmocka_unit_test(test_far_future),
		cmocka_unit_test(test_deadline_clamped),
	};

	return cmocka_run_group_tests_name("policy", tests, setup, teardown);
}
