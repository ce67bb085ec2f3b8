/*
 * log.c — timestamped log lines on stderr.
 *
 * One write() per line so lines from several processes sharing a pipe in
 * tests never interleave mid-line.
 *
 * Under systemd (stderr connected to the journal, which systemd announces
 * in $JOURNAL_STREAM as "device:inode") each line starts with its syslog
 * priority, "<3>" for ERROR down to "<7>" for DEBUG, which journald reads
 * and strips; the journal stamps its own time, so the timestamp is left
 * out there. `journalctl -p warning -u headcount-aggregator` then works.
 */
#include "shared/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "headcount";
static enum hc_log_level log_level_min = HC_LOG_INFO;
static bool log_to_journal;

/* True when stderr is the stream $JOURNAL_STREAM names (not merely
 * inherited by a child whose stderr was redirected elsewhere). */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev = 0, ino = 0;
	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	struct stat st;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void hc_log_init(const char *program, enum hc_log_level level_min)
{
	log_program = program;
	log_level_min = level_min;
	log_to_journal = stderr_is_journal();
}

/* syslog(3) priorities, as sd-daemon(3) prefixes. */
static int level_priority(enum hc_log_level level)
{
	switch (level) {
	case HC_LOG_DEBUG: return 7;
	case HC_LOG_INFO: return 6;
	case HC_LOG_WARN: return 4;
	case HC_LOG_ERROR: return 3;
	}
	return 6;
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
	int n;
	if (log_to_journal) {
		n = snprintf(line, sizeof line, "<%d>%s %s ", level_priority(level), log_program,
			     level_word(level));
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, ts.tv_nsec / 1000000, log_program, level_word(level));
	}
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
