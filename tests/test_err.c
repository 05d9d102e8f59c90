/* Every error code has its own text; unknown codes do not crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "actsim/err.h"

static void test_every_code_has_text(void **state)
{
	(void)state;
	for (int e = 0; e < ACTSIM_E__COUNT; e++) {
		const char *s = actsim_strerror((actsim_err)e);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (int f = 0; f < e; f++)
			assert_string_not_equal(s,
						actsim_strerror((actsim_err)f));
	}
}

static void test_frozen_numbers(void **state)
{
	(void)state;
	assert_int_equal(ACTSIM_OK, 0);
	assert_int_equal(ACTSIM_E_MALFORMED_KEY, 3);
	assert_int_equal(ACTSIM_E_BAD_SIGNATURE, 5);
	assert_int_equal(ACTSIM_E_NO_LAB, 11);
	assert_int_equal(ACTSIM_E_PERMISSION, 17);
}

static void test_unknown_code(void **state)
{
	(void)state;
	assert_string_equal(actsim_strerror((actsim_err)-1), "unknown error");
	assert_string_equal(actsim_strerror(ACTSIM_E__COUNT), "unknown error");
	assert_string_equal(actsim_strerror((actsim_err)9999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_text),
		cmocka_unit_test(test_frozen_numbers),
		cmocka_unit_test(test_unknown_code),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
