/*
 * metrics.h — the body of GET /metrics (Prometheus text format).
 *
 * docs/operations.md lists every metric. The figures come from the same
 * loop state as GET /api/areas, at the same moment, so a scrape and a
 * snapshot taken together agree.
 */
#ifndef HC_METRICS_H
#define HC_METRICS_H

#include <stddef.h>

struct hc_server;

/* A malloc'd NUL-terminated text (caller frees) or NULL when out of
 * memory; *len is its length. */
char *hc_metrics_text(const struct hc_server *s, size_t *len);

#endif
