#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "actsim/time.h"
#include "internal.h"

/* Days since 1970-01-01 of a proleptic Gregorian date, and back
 * (H. Hinnant's civil calendar algorithms). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3u : 9u)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static bool digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

actsim_err actsim_time_parse(const char *s, int64_t *out)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30,
					  31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0;
	int64_t t, offset = 0;
	size_t n = strlen(s), i;

	if (n < 10 || n > 64 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d))
		return ACTSIM_E_INVALID_ARG;
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return ACTSIM_E_INVALID_ARG;
	if (n > 10) {
		if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || n < 20 ||
		    !digits(s + 11, 2, &h) || s[13] != ':' ||
		    !digits(s + 14, 2, &mi) || s[16] != ':' ||
		    !digits(s + 17, 2, &se) || h > 23 || mi > 59 || se > 59)
			return ACTSIM_E_INVALID_ARG;
		i = 19;
		if (s[i] == '.') {
			size_t f = ++i;

			while (s[i] >= '0' && s[i] <= '9')
				i++;
			if (i == f)
				return ACTSIM_E_INVALID_ARG;
		}
		if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') {
			offset = 0;
		} else if ((s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 &&
			   digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
			   digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59) {
			offset = (int64_t)(oh * 3600 + om * 60);
			if (s[i] == '-')
				offset = -offset;
		} else {
			return ACTSIM_E_INVALID_ARG;
		}
	}
	t = days_from_civil(y, mo, d) * ACTSIM_DAY + h * 3600 + mi * 60 + se -
	    offset;
	if (t < 0 || t > ACTSIM_TIME_MAX)
		return ACTSIM_E_INVALID_ARG;
	*out = t;
	return ACTSIM_OK;
}

void actsim_time_format(char out[ACTSIM_TIME_TEXT_BYTES], int64_t t)
{
	int y;
	unsigned m, d;
	int64_t day, sec;
	char buf[64];

	if (t < 0)
		t = 0;
	if (t > ACTSIM_TIME_MAX)
		t = ACTSIM_TIME_MAX;
	day = t / ACTSIM_DAY;
	sec = t % ACTSIM_DAY;
	civil_from_days(day, &y, &m, &d);
	snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d,
		 (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
	memcpy(out, buf, ACTSIM_TIME_TEXT_BYTES - 1);
	out[ACTSIM_TIME_TEXT_BYTES - 1] = '\0';
}

actsim_err actsim_duration_parse(const char *s, int64_t *seconds)
{
	int64_t total = 0;

	if (*s == '\0')
		return ACTSIM_E_INVALID_ARG;
	while (*s != '\0') {
		int64_t v = 0, unit;
		const char *start = s;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s - '0');
			if (v > ACTSIM_DURATION_MAX)
				return ACTSIM_E_INVALID_ARG;
			s++;
		}
		if (s == start)
			return ACTSIM_E_INVALID_ARG;
		switch (*s) {
		case 'w':
			unit = 7 * ACTSIM_DAY;
			break;
		case 'd':
			unit = ACTSIM_DAY;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'm':
			unit = 60;
			break;
		case 's':
			unit = 1;
			break;
		default:
			return ACTSIM_E_INVALID_ARG;
		}
		s++;
		if (v > ACTSIM_DURATION_MAX / unit)
			return ACTSIM_E_INVALID_ARG;
		total += v * unit;
		if (total > ACTSIM_DURATION_MAX)
			return ACTSIM_E_INVALID_ARG;
	}
	if (total <= 0)
		return ACTSIM_E_INVALID_ARG;
	*seconds = total;
	return ACTSIM_OK;
}
