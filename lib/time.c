/*
 * time.c - clocks, RFC 3339 timestamps and durations.  Records carry
 * times as RFC 3339 UTC with milliseconds; the spool stores seconds since
 * the epoch as REAL.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mend.h"

double
mend_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
mend_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

char *
mend_rfc3339(char *buf, size_t len, double t)
{
	long long total = llround(t * 1000.0);
	time_t sec = (time_t)(total / 1000);
	int ms = (int)(total % 1000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return buf;
}

int
mend_parse_time(double *out, const char *s)
{
	struct tm tm;
	const char *p;
	double frac = 0;
	long off = 0;

	memset(&tm, 0, sizeof tm);
	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return mend_err("bad time '%s'", s ? s : "(null)");
	if (*p == '.') {
		char *end;
		frac = strtod(p, &end);
		p = end;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, h, m;
		if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2)
			return mend_err("bad time zone in '%s'", s);
		off = sign * (h * 3600L + m * 60L);
		p += 6;
	} else {
		return mend_err("time '%s' has no zone", s);
	}
	if (*p)
		return mend_err("trailing text in time '%s'", s);
	*out = (double)timegm(&tm) - off + frac;
	return 0;
}

int
mend_parse_duration(double *out, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || isnan(v))
		return mend_err("bad duration '%s'", s);
	if (*end == '\0' || !strcmp(end, "s"))
		;
	else if (!strcmp(end, "ms"))
		v /= 1000;
	else if (!strcmp(end, "m"))
		v *= 60;
	else if (!strcmp(end, "h"))
		v *= 3600;
	else if (!strcmp(end, "d"))
		v *= 86400;
	else
		return mend_err("bad duration '%s': unit must be ms, s, m, h or d", s);
	*out = v;
	return 0;
}

void
mend_sleep(double s, volatile int *stop)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		if (stop && *stop)
			break;
}

/* Howard Hinnant's days_from_civil: no table, no time zone, any year. */
long
mend_days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}
