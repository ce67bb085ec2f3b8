/*
 * prom_text.h — writes the Prometheus text exposition format (0.0.4).
 *
 * Pure: appends to a growable buffer, no I/O. It knows the format's rules
 * (HELP and TYPE once per family before its samples, label values escaped,
 * histogram buckets cumulative with a +Inf bucket, _sum and _count) so
 * metrics.c only says what to expose. A buffer that failed to grow stays
 * failed and every later call is a no-op, so the caller checks once.
 */
#ifndef HC_PROM_TEXT_H
#define HC_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/histogram.h"

struct hc_prom_text {
	char *buf; /* NUL-terminated while !failed */
	size_t len;
	size_t cap;
	bool failed; /* out of memory: the text is incomplete */
};

/* One label; value is escaped on output. */
struct hc_prom_label {
	const char *name;
	const char *value;
};

void hc_prom_init(struct hc_prom_text *t);
void hc_prom_free(struct hc_prom_text *t);

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void hc_prom_family(struct hc_prom_text *t, const char *name, const char *type, const char *help);

/* One sample line: name{labels} value. */
void hc_prom_int(struct hc_prom_text *t, const char *name, const struct hc_prom_label *labels,
		 size_t n_labels, int64_t value);
void hc_prom_double(struct hc_prom_text *t, const char *name, const struct hc_prom_label *labels,
		    size_t n_labels, double value);

/* name_bucket{le=...} for every bound and +Inf, name_sum (seconds) and
 * name_count, from a histogram in microseconds. */
void hc_prom_histogram_seconds(struct hc_prom_text *t, const char *name,
			       const struct hc_histogram *h);

#endif
