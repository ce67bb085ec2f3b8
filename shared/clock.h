/*
 * clock.h — the only place headcount reads clocks.
 *
 * Cores never call these: they take time as an argument (TigerStyle), so
 * a simulator can drive them with a fake clock.
 */
#ifndef HC_CLOCK_H
#define HC_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic milliseconds: for timers and intervals. */
int64_t hc_mono_ms(void);

/* Monotonic microseconds: for latency measurements. */
int64_t hc_mono_us(void);

/* Wall-clock milliseconds since 1970 UTC: for records people read. */
int64_t hc_wall_ms(void);

/* Writes wall_ms as "2026-11-23T10:00:00.123Z" into out (>= 25 bytes). */
void hc_format_utc(int64_t wall_ms, char *out, size_t out_len);

#endif
