/* Lab time: RFC 3339 instants and durations such as "1d12h". Times are
 * seconds since 1970-01-01T00:00:00Z (UTC, no leap seconds), limited to
 * years 1970 to 9999. */
#ifndef ACTSIM_TIME_H
#define ACTSIM_TIME_H

#include <stdint.h>

#include "actsim/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTSIM_TIME_TEXT_BYTES 21 /* "2026-01-01T00:00:00Z" + NUL */
#define ACTSIM_TIME_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
/* The latest the lab clock may show: 9899-12-31T23:59:59Z. The longest
 * window a catalog may give (a 36,500-day evaluation) still ends before
 * ACTSIM_TIME_MAX, so no deadline from a clock time overflows. */
#define ACTSIM_CLOCK_MAX INT64_C(250246627199)
#define ACTSIM_CLOCK_MAX_TEXT "9899-12-31T23:59:59Z"
#define ACTSIM_WINDOW_MAX_DAYS 36500
#define ACTSIM_DURATION_MAX (INT64_C(100) * 366 * 86400)
#define ACTSIM_DAY 86400

/* Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('t', 'z' and
 * a space separator accepted; the fraction is dropped) or "YYYY-MM-DD"
 * (midnight UTC). ACTSIM_E_INVALID_ARG for anything else, including
 * impossible dates and times outside 1970-9999. */
actsim_err actsim_time_parse(const char *text, int64_t *out)
	__attribute__((warn_unused_result));

/* Formats t (0 <= t <= ACTSIM_TIME_MAX) as "YYYY-MM-DDTHH:MM:SSZ". */
void actsim_time_format(char out[ACTSIM_TIME_TEXT_BYTES], int64_t t);

/* Parses a duration: one or more <number><unit> with units w, d, h, m, s
 * ("90m", "4h", "29d", "1d12h"). Positive, at most ACTSIM_DURATION_MAX. */
actsim_err actsim_duration_parse(const char *text, int64_t *seconds)
	__attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
