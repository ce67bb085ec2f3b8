/*
 * log.c — timestamped log lines on stderr.
 *
 * One write() per line so lines from several processes sharing a pipe in
 * tests never interleave mid-line.
 */
#include "shared/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "headcount";
static enum hc_log_level log_level_min = HC_LOG_INFO;

void hc_log_init(const char *program, enum hc_log_level level_min)
{
	log_program = program;
	log_level_min = level_min;
}

static const char *level_word(enum hc_log_level level)
{
	switch (level) {
	case HC_LOG_DEBUG: return "DEBUG";
	case HC_LOG_INFO: return "INFO";
	case HC_LOG_WARN: return "WARN";
	case HC_LOG_ERROR: return "ERROR";
	}
	return "?";
}

void hc_log(enum hc_log_level level, const char *fmt, ...)
{
	if (level < log_level_min)
		return;

	char line[1024];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof line,
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000, log_program, level_word(level));
	if (n < 0)
		return;

	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
