/*
 * prom_text.c — Prometheus text format writer (see prom_text.h).
 */
#include "aggregator/prom_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hc_prom_init(struct hc_prom_text *t)
{
	memset(t, 0, sizeof *t);
}

void hc_prom_free(struct hc_prom_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof *t);
}

/* Makes room for extra more bytes plus the NUL. */
static bool reserve(struct hc_prom_text *t, size_t extra)
{
	if (t->failed)
		return false;
	if (t->len + extra + 1 <= t->cap)
		return true;
	size_t cap = t->cap ? t->cap : 4096;
	while (cap < t->len + extra + 1)
		cap *= 2;
	char *p = realloc(t->buf, cap);
	if (p == NULL) {
		t->failed = true;
		return false;
	}
	t->buf = p;
	t->cap = cap;
	return true;
}

static void append(struct hc_prom_text *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void appendf(struct hc_prom_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void appendf(struct hc_prom_text *t, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line) {
		t->failed = true;
		return;
	}
	append(t, line, (size_t)n);
}

/* Label values escape backslash, double quote and newline; HELP text
 * escapes backslash and newline (the format's two rules). */
static void append_escaped(struct hc_prom_text *t, const char *s, bool quotes)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			append(t, "\\\\", 2);
		else if (*s == '\n')
			append(t, "\\n", 2);
		else if (*s == '"' && quotes)
			append(t, "\\\"", 2);
		else
			append(t, s, 1);
	}
}

void hc_prom_family(struct hc_prom_text *t, const char *name, const char *type, const char *help)
{
	appendf(t, "# HELP %s ", name);
	append_escaped(t, help, false);
	appendf(t, "\n# TYPE %s %s\n", name, type);
}

static void append_series(struct hc_prom_text *t, const char *name,
			  const struct hc_prom_label *labels, size_t n_labels)
{
	append(t, name, strlen(name));
	if (n_labels == 0)
		return;
	append(t, "{", 1);
	for (size_t i = 0; i < n_labels; i++) {
		if (i > 0)
			append(t, ",", 1);
		appendf(t, "%s=\"", labels[i].name);
		append_escaped(t, labels[i].value, true);
		append(t, "\"", 1);
	}
	append(t, "}", 1);
}

void hc_prom_int(struct hc_prom_text *t, const char *name, const struct hc_prom_label *labels,
		 size_t n_labels, int64_t value)
{
	append_series(t, name, labels, n_labels);
	appendf(t, " %" PRId64 "\n", value);
}

void hc_prom_double(struct hc_prom_text *t, const char *name, const struct hc_prom_label *labels,
		    size_t n_labels, double value)
{
	append_series(t, name, labels, n_labels);
	appendf(t, " %.9g\n", value);
}

void hc_prom_histogram_seconds(struct hc_prom_text *t, const char *name,
			       const struct hc_histogram *h)
{
	char series[128];
	snprintf(series, sizeof series, "%s_bucket", name);
	for (size_t i = 0; i <= HC_HISTOGRAM_BUCKETS; i++) {
		char le[32];
		if (i < HC_HISTOGRAM_BUCKETS)
			snprintf(le, sizeof le, "%.6g", (double)hc_histogram_bound_us(i) / 1e6);
		else
			snprintf(le, sizeof le, "+Inf");
		struct hc_prom_label l = { "le", le };
		hc_prom_int(t, series, &l, 1, (int64_t)hc_histogram_cumulative(h, i));
	}
	snprintf(series, sizeof series, "%s_sum", name);
	hc_prom_double(t, series, NULL, 0, (double)h->sum_us / 1e6);
	snprintf(series, sizeof series, "%s_count", name);
	hc_prom_int(t, series, NULL, 0, (int64_t)h->count);
}
