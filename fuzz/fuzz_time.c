/* Times and durations: parse, and format round trips. */
#include <stdlib.h>
#include <string.h>

#include "actsim/time.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	char out[ACTSIM_TIME_TEXT_BYTES];
	int64_t t, back, d;

	if (text == NULL)
		return 0;
	if (actsim_time_parse(text, &t) == ACTSIM_OK) {
		if (t < 0 || t > ACTSIM_TIME_MAX)
			abort();
		actsim_time_format(out, t);
		if (actsim_time_parse(out, &back) != ACTSIM_OK || back != t)
			abort();
	}
	if (actsim_duration_parse(text, &d) == ACTSIM_OK &&
	    (d <= 0 || d > ACTSIM_DURATION_MAX))
		abort();
	free(text);
	return 0;
}
