/*
 * history.c — interval arithmetic, UTC text and CSV lines for the
 * per-area history (history.h).
 *
 * Relies on: shared/calendar.h and libc's gmtime_r() for calendar arithmetic (UTC
 * only, no time zone files). Pure: no clock is read here.
 */
#include "aggregator/history.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shared/calendar.h"

int64_t hc_history_bucket_start(int64_t wall_ms, int64_t interval_ms)
{
	assert(interval_ms > 0);
	int64_t r = wall_ms % interval_ms;
	if (r < 0)
		r += interval_ms;
	return wall_ms - r;
}

int64_t hc_history_next_boundary(int64_t wall_ms, int64_t interval_ms)
{
	return hc_history_bucket_start(wall_ms, interval_ms) + interval_ms;
}

bool hc_history_parse_utc(const char *text, int64_t *out_ms)
{
	int year, mon, day, hour, min, sec = 0, used = 0;
	size_t len = strlen(text);
	if (len == 17) {
		if (sscanf(text, "%4d-%2d-%2dT%2d:%2dZ%n", &year, &mon, &day, &hour, &min, &used) !=
			    5 ||
		    used != 17)
			return false;
	} else if (len == 20) {
		if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &year, &mon, &day, &hour, &min, &sec,
			   &used) != 6 ||
		    used != 20)
			return false;
	} else {
		return false;
	}
	/* Fixed positions: digits where digits belong (sscanf allows signs
	 * and spaces). */
	for (size_t i = 0; i < len - 1; i++) {
		bool sep = i == 4 || i == 7 || i == 10 || i == 13 || i == 16;
		if (!sep && (text[i] < '0' || text[i] > '9'))
			return false;
	}
	int64_t secs;
	if (!hc_calendar_utc_seconds(year, mon, day, hour, min, sec, &secs))
		return false;
	*out_ms = secs * 1000;
	return true;
}

void hc_history_format_utc(int64_t wall_ms, char *out, size_t cap)
{
	time_t t = (time_t)(hc_history_bucket_start(wall_ms, 1000) / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (tm.tm_sec == 0)
		strftime(out, cap, "%Y-%m-%dT%H:%MZ", &tm);
	else
		strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool hc_history_range_valid(int64_t from_ms, int64_t to_ms, const char **why)
{
	if (from_ms >= to_ms) {
		*why = "--from must be before --to";
		return false;
	}
	if (to_ms - from_ms > HC_HISTORY_RANGE_MS_MAX) {
		*why = "the range may span at most 366 days";
		return false;
	}
	return true;
}

int64_t hc_history_during(int64_t total_now, int64_t total_at_start)
{
	assert(total_now >= total_at_start);
	return total_now > total_at_start ? total_now - total_at_start : 0;
}

size_t hc_history_csv_row(char *out, size_t cap, const char *area, int64_t minute_ms,
			  int64_t occupancy, const char *level, bool restricted, int64_t entered,
			  int64_t exited)
{
	char when[32];
	hc_history_format_utc(minute_ms, when, sizeof when);
	int n = snprintf(out, cap, "%s,%s,%" PRId64 ",%s,%d,%" PRId64 ",%" PRId64 "\n", area, when,
			 occupancy, level, restricted ? 1 : 0, entered, exited);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}
