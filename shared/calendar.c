/*
 * calendar.c — UTC calendar fields to seconds (calendar.h).
 *
 * Relies on: libc's timegm() for the calendar arithmetic (UTC only, no
 * time zone files).
 */
#define _GNU_SOURCE /* timegm */
#include "shared/calendar.h"

#include <time.h>

bool hc_calendar_utc_seconds(int year, int mon, int day, int hour, int min, int sec, int64_t *out_s)
{
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 59)
		return false;
	struct tm tm = {
		.tm_year = year - 1900,
		.tm_mon = mon - 1,
		.tm_mday = day,
		.tm_hour = hour,
		.tm_min = min,
		.tm_sec = sec,
	};
	time_t t = timegm(&tm);
	/* timegm normalises 02-30 to 03-02: refuse dates that moved. */
	if (t == (time_t)-1 || tm.tm_mday != day || tm.tm_mon != mon - 1)
		return false;
	*out_s = (int64_t)t;
	return true;
}
