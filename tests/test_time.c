/* Lab time: RFC 3339 parsing and formatting, durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "actsim/time.h"

static int64_t parse(const char *s)
{
	int64_t t = -1;

	assert_int_equal(actsim_time_parse(s, &t), ACTSIM_OK);
	return t;
}

static void test_parse(void **state)
{
	(void)state;
	assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse("2026-01-01T00:00:00Z"), 1767225600);
	assert_int_equal(parse("2026-01-01t00:00:00z"), 1767225600);
	assert_int_equal(parse("2026-01-01 00:00:00Z"), 1767225600);
	assert_int_equal(parse("2026-01-01"), 1767225600);
	assert_int_equal(parse("2026-01-01T01:00:00+01:00"), 1767225600);
	assert_int_equal(parse("2025-12-31T19:00:00-05:00"), 1767225600);
	assert_int_equal(parse("2026-01-01T00:00:00.999Z"), 1767225600);
	assert_int_equal(parse("2024-02-29T12:00:00Z"), 1709208000);
	assert_int_equal(parse("9999-12-31T23:59:59Z"), ACTSIM_TIME_MAX);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-13-01", "2026-02-29", "2025-02-29T00:00:00Z",
		"2026-01-32", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
		"2026-01-01T00:00:60Z", "2026-01-01T00:00:00", "2026-01-01T00:00Z",
		"2026-01-01T00:00:00+0100", "2026-01-01T00:00:00+24:00",
		"2026-01-01T00:00:00.Z", "1969-12-31T23:59:59Z",
		"1970-01-01T00:00:00+00:01", "x026-01-01", "2026-01-01Tab:00:00Z",
		"2026-01-01T00:00:00Zjunk", "now",
	};
	int64_t t = 42;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (actsim_time_parse(bad[i], &t) != ACTSIM_E_INVALID_ARG)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(t, 42);
	}
}

static void test_format_round_trip(void **state)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	(void)state;
	actsim_time_format(buf, 1767225600);
	assert_string_equal(buf, "2026-01-01T00:00:00Z");
	actsim_time_format(buf, 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	actsim_time_format(buf, ACTSIM_TIME_MAX);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	for (int64_t t = 0; t < ACTSIM_TIME_MAX; t += 7777777) {
		actsim_time_format(buf, t);
		assert_int_equal(parse(buf), t);
	}
}

static void test_durations(void **state)
{
	static const struct {
		const char *text;
		int64_t seconds;
	} good[] = { { "90m", 5400 },	     { "4h", 14400 },
		     { "29d", 29 * 86400 }, { "1d12h", 129600 },
		     { "2w", 14 * 86400 },  { "1h30m15s", 5415 },
		     { "1s", 1 },	     { "36600d", 36600LL * 86400 } };
	static const char *const bad[] = { "", "d", "5", "5x", "-1d", "0d",
					   "1d-", "1.5h", "36601d", " 1d",
					   "99999999999999999999d" };
	int64_t s;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(actsim_duration_parse(good[i].text, &s),
				 ACTSIM_OK);
		assert_int_equal(s, good[i].seconds);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (actsim_duration_parse(bad[i], &s) != ACTSIM_E_INVALID_ARG)
			fail_msg("accepted duration '%s'", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_durations),
	};

	return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
