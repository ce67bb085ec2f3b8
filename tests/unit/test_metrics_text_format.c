/*
 * test_metrics_text_format.c — /metrics speaks the Prometheus text format.
 *
 * Properties: HELP and TYPE precede a family's samples; label values
 * escape backslash, double quote and newline (HELP text backslash and
 * newline); the histogram's buckets are cumulative, end in +Inf equal to
 * the count, bounds are in seconds, and _sum is in seconds; an
 * observation exactly on a bound falls in that bound's bucket; negative
 * observations count as zero; the text grows past its first allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/histogram.h"
#include "aggregator/prom_text.h"

static void family_header_comes_before_samples(void **state)
{
	(void)state;
	struct hc_prom_text t;
	hc_prom_init(&t);
	hc_prom_family(&t, "headcount_x", "gauge", "Help with a \\ and a\nnewline.");
	struct hc_prom_label l = { "area", "hall" };
	hc_prom_int(&t, "headcount_x", &l, 1, -42);
	hc_prom_int(&t, "headcount_x", NULL, 0, 7);
	assert_false(t.failed);
	assert_string_equal(t.buf, "# HELP headcount_x Help with a \\\\ and a\\nnewline.\n"
				   "# TYPE headcount_x gauge\n"
				   "headcount_x{area=\"hall\"} -42\n"
				   "headcount_x 7\n");
	assert_int_equal(t.len, strlen(t.buf));
	hc_prom_free(&t);
}

static void label_values_are_escaped(void **state)
{
	(void)state;
	struct hc_prom_text t;
	hc_prom_init(&t);
	struct hc_prom_label l[2] = { { "a", "say \"hi\"\\\n" }, { "b", "日本" } };
	hc_prom_int(&t, "m", l, 2, 1);
	assert_string_equal(t.buf, "m{a=\"say \\\"hi\\\"\\\\\\n\",b=\"日本\"} 1\n");
	hc_prom_free(&t);
}

static void histogram_buckets_are_cumulative_and_end_in_inf(void **state)
{
	(void)state;
	struct hc_histogram h;
	memset(&h, 0, sizeof h);
	hc_histogram_observe(&h, 100);	   /* <= 250 us */
	hc_histogram_observe(&h, 250);	   /* on the bound: still <= 250 us */
	hc_histogram_observe(&h, 251);	   /* <= 500 us */
	hc_histogram_observe(&h, -5);	   /* counts as 0 */
	hc_histogram_observe(&h, 9000000); /* over 5 s: +Inf only */
	assert_int_equal(h.count, 5);
	assert_int_equal(h.sum_us, 100 + 250 + 251 + 0 + 9000000);
	assert_int_equal(hc_histogram_cumulative(&h, 0), 3);
	assert_int_equal(hc_histogram_cumulative(&h, 1), 4);
	assert_int_equal(hc_histogram_cumulative(&h, HC_HISTOGRAM_BUCKETS - 1), 4);
	assert_int_equal(hc_histogram_cumulative(&h, HC_HISTOGRAM_BUCKETS), 5);

	struct hc_prom_text t;
	hc_prom_init(&t);
	hc_prom_histogram_seconds(&t, "c", &h);
	assert_false(t.failed);
	assert_non_null(strstr(t.buf, "c_bucket{le=\"0.00025\"} 3\n"));
	assert_non_null(strstr(t.buf, "c_bucket{le=\"0.0005\"} 4\n"));
	assert_non_null(strstr(t.buf, "c_bucket{le=\"5\"} 4\n"));
	assert_non_null(strstr(t.buf, "c_bucket{le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(t.buf, "c_sum 9.000601\n"));
	assert_non_null(strstr(t.buf, "c_count 5\n"));
	/* Buckets never decrease, line by line. */
	long prev = -1;
	for (const char *p = t.buf; (p = strstr(p, "c_bucket{")) != NULL; p++) {
		long v = strtol(strchr(p, '}') + 1, NULL, 10);
		assert_true(v >= prev);
		prev = v;
	}
	hc_prom_free(&t);
}

static void text_grows_past_its_first_allocation(void **state)
{
	(void)state;
	struct hc_prom_text t;
	hc_prom_init(&t);
	char id[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(id, sizeof id, "area-%04d", i);
		struct hc_prom_label l = { "area", id };
		hc_prom_int(&t, "headcount_area_occupancy", &l, 1, i);
	}
	assert_false(t.failed);
	assert_true(t.len > 4096);
	assert_non_null(strstr(t.buf, "headcount_area_occupancy{area=\"area-1999\"} 1999\n"));
	assert_int_equal(t.len, strlen(t.buf));
	hc_prom_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(family_header_comes_before_samples),
		cmocka_unit_test(label_values_are_escaped),
		cmocka_unit_test(histogram_buckets_are_cumulative_and_end_in_inf),
		cmocka_unit_test(text_grows_past_its_first_allocation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
