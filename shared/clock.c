/*
 * clock.c — monotonic and wall clocks, and the one UTC time format.
 */
#include "shared/clock.h"

#include <stdio.h>
#include <time.h>

static int64_t read_clock_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t hc_mono_ms(void)
{
	return read_clock_us(CLOCK_MONOTONIC) / 1000;
}
int64_t hc_mono_us(void)
{
	return read_clock_us(CLOCK_MONOTONIC);
}
int64_t hc_wall_ms(void)
{
	return read_clock_us(CLOCK_REALTIME) / 1000;
}

void hc_format_utc(int64_t wall_ms, char *out, size_t out_len)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(out, out_len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(wall_ms % 1000));
}
