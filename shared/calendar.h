/*
 * calendar.h — UTC calendar fields to seconds since 1970, for the
 * parsers of UTC text (the wire's timestamps, the history's ranges).
 *
 * Pure: no clock is read. The one place that turns a date into seconds,
 * so every parser refuses the same impossible dates.
 */
#ifndef HC_CALENDAR_H
#define HC_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

/* The UTC instant of year-mon-day hour:min:sec (mon 1-12) in *out_s.
 * False for a field out of range, a year before 1970, or a date that
 * does not exist (30 February, 31 April): timegm would move those to
 * another day, and a parser must refuse them instead. A leap second
 * (sec 60) is refused too: headcount never writes one. */
bool hc_calendar_utc_seconds(int year, int mon, int day, int hour, int min, int sec,
			     int64_t *out_s);

#endif
