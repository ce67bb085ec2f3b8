/*
 * history.h — per-area history by interval: time buckets, the UTC text
 * of the export's command line and its CSV lines (pure).
 *
 * The aggregator samples every area at the end of each interval (a
 * minute, or --sample-interval-s for tests): occupancy, level and
 * restriction at that moment, and the entries and exits during the
 * interval. An interval is named by its start, a multiple of its length
 * since the epoch (UTC), so 10:00:00.000 .. 10:00:59.999 is "10:00".
 * Nothing here reads a clock or a file: times are arguments.
 */
#ifndef HC_HISTORY_H
#define HC_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The default interval, and the bounds of --sample-interval-s. */
#define HC_HISTORY_INTERVAL_MS_DEFAULT 60000
#define HC_HISTORY_INTERVAL_S_MIN 1
#define HC_HISTORY_INTERVAL_S_MAX 3600

/* The longest range one export may ask for (a year). */
#define HC_HISTORY_RANGE_MS_MAX (366LL * 24 * 3600 * 1000)

#define HC_HISTORY_CSV_HEADER "area,minute_utc,occupancy,level,restricted,entered,exited"

/* Start of the interval holding wall_ms (floor to a multiple of
 * interval_ms; correct for times before 1970 too). */
int64_t hc_history_bucket_start(int64_t wall_ms, int64_t interval_ms);

/* The first interval boundary strictly after wall_ms. */
int64_t hc_history_next_boundary(int64_t wall_ms, int64_t interval_ms);

/* Parses a UTC time "2026-11-23T10:00Z" or "2026-11-23T10:00:30Z" (a
 * final "Z" is required) into ms since the epoch. False for anything
 * else, including impossible dates (2026-02-30). */
bool hc_history_parse_utc(const char *text, int64_t *out_ms);

/* "2026-11-23T10:00Z", or "2026-11-23T10:00:30Z" when not on a whole
 * minute. out needs at least 24 bytes. */
void hc_history_format_utc(int64_t wall_ms, char *out, size_t cap);

/* True when from < to and the range is at most HC_HISTORY_RANGE_MS_MAX;
 * otherwise false with *why saying which. */
bool hc_history_range_valid(int64_t from_ms, int64_t to_ms, const char **why);

/* Entries (or exits) during an interval: total now minus total at its
 * start, never negative (a total only grows). */
int64_t hc_history_during(int64_t total_now, int64_t total_at_start);

/* One CSV line (with "\n") for a sample; returns its length, or 0 when
 * cap is too small. restricted is written 1 or 0. */
size_t hc_history_csv_row(char *out, size_t cap, const char *area, int64_t minute_ms,
			  int64_t occupancy, const char *level, bool restricted, int64_t entered,
			  int64_t exited);

#endif
