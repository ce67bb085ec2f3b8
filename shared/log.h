/*
 * log.h — the one error-reporting helper, used everywhere.
 *
 * Lines go to stderr as "2026-11-23T10:00:00.123Z aggregator ERROR text";
 * under systemd as "<3>aggregator ERROR text" (journald priorities).
 * Tests grep these lines, so the level words are part of the contract.
 */
#ifndef HC_LOG_H
#define HC_LOG_H

enum hc_log_level { HC_LOG_DEBUG, HC_LOG_INFO, HC_LOG_WARN, HC_LOG_ERROR };

/* Names the program in every line and sets the lowest level printed. */
void hc_log_init(const char *program, enum hc_log_level level_min);

/* Prints one line if level >= the minimum. */
void hc_log(enum hc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define hc_debug(...) hc_log(HC_LOG_DEBUG, __VA_ARGS__)
#define hc_info(...) hc_log(HC_LOG_INFO, __VA_ARGS__)
#define hc_warn(...) hc_log(HC_LOG_WARN, __VA_ARGS__)
#define hc_error(...) hc_log(HC_LOG_ERROR, __VA_ARGS__)

#endif
