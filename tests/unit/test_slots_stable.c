/*
 * test_slots_stable.c — ledger slots never move.
 *
 * Property: an id keeps the slot it was first given whatever else is
 * added, slots count up from 0 in the order ids are first seen, a full
 * table or an id that is too long gets no slot and changes nothing, and
 * the config's supervisor sections and shared value rules behave as the
 * loader promises (the rules set_thresholds relies on).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aggregator/slots.h"
#include "shared/config.h"

static void an_id_keeps_its_slot_whatever_is_added(void **state)
{
	(void)state;
	struct hc_slots *t = hc_slots_new(64, HC_SOURCE_ID_LEN_MAX);
	assert_non_null(t);
	assert_int_equal(hc_slots_add(t, "door-1"), 0);
	assert_int_equal(hc_slots_add(t, "door-2"), 1);
	assert_int_equal(hc_slots_add(t, "supervisor:alice"), 2);
	for (int i = 0; i < 40; i++) {
		char id[16];
		snprintf(id, sizeof id, "extra-%d", i);
		assert_int_equal(hc_slots_add(t, id), (uint32_t)(3 + i));
	}
	assert_int_equal(hc_slots_add(t, "door-2"), 1);
	assert_int_equal(hc_slots_find(t, "door-1"), 0);
	assert_int_equal(hc_slots_find(t, "supervisor:alice"), 2);
	assert_string_equal(hc_slots_id(t, 1), "door-2");
	assert_int_equal(hc_slots_find(t, "door-3"), HC_SLOT_NONE);
	assert_int_equal(hc_slots_count(t), 43);
	hc_slots_free(t);
}

static void a_full_table_gives_no_slot_and_changes_nothing(void **state)
{
	(void)state;
	struct hc_slots *t = hc_slots_new(2, 8);
	assert_int_equal(hc_slots_add(t, "a"), 0);
	assert_int_equal(hc_slots_add(t, "b"), 1);
	assert_int_equal(hc_slots_add(t, "c"), HC_SLOT_NONE);
	assert_int_equal(hc_slots_add(t, "a"), 0); /* known ids still found */
	assert_int_equal(hc_slots_count(t), 2);
	hc_slots_free(t);
	t = hc_slots_new(4, 8);
	assert_int_equal(hc_slots_add(t, "123456789"), HC_SLOT_NONE);
	assert_int_equal(hc_slots_count(t), 0);
	hc_slots_free(t);
}

/* Loads text as a venue config from a temporary file. */
static struct hc_venue_cfg *load_text(const char *text, struct hc_config_error *err)
{
	char dir[] = "/tmp/hc-slots-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/venue.ini", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	struct hc_venue_cfg *cfg = hc_venue_load(path, err);
	unlink(path);
	rmdir(dir);
	return cfg;
}

static void supervisor_sections_refuse_a_key_and_find_their_passwords(void **state)
{
	(void)state;
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = load_text("[area hall]\ncapacity = 9\n"
					     "[supervisor alice]\n[supervisor bob]\n",
					     &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->supervisor_count, 2);
	assert_int_equal(hc_venue_find_supervisor(cfg, "bob"), 1);
	/* The default passwords file sits beside the config. */
	const char *tail = strrchr(cfg->supervisor_passwords, '/');
	assert_non_null(tail);
	assert_string_equal(tail, "/supervisors.passwd");
	assert_int_equal(strncmp(cfg->supervisor_passwords, cfg->path,
				 (size_t)(strrchr(cfg->path, '/') - cfg->path)),
			 0);
	hc_venue_free(cfg);
	cfg = load_text("[venue]\nsupervisor_passwords = /var/lib/headcount/pw\n"
			"[area hall]\ncapacity = 9\n",
			&err);
	assert_non_null(cfg);
	assert_string_equal(cfg->supervisor_passwords, "/var/lib/headcount/pw");
	hc_venue_free(cfg);
	/* The clear-text key of old configs is refused with the way out. */
	cfg = load_text("[area hall]\ncapacity = 9\n[supervisor bob]\nkey = s3cret\n", &err);
	assert_null(cfg);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.message, "supervisor 'bob': key = is no longer accepted"));
	assert_non_null(strstr(err.message, "headcount-aggregator passwd bob -c "));
	cfg = load_text("[area hall]\ncapacity = 9\n[supervisor bob]\narea = hall\n", &err);
	assert_null(cfg);
	assert_int_equal(err.line, 4);
	assert_string_equal(err.message, "supervisor 'bob': unknown key 'area'");
}

static void shared_threshold_rules_match_the_loader(void **state)
{
	(void)state;
	struct hc_thresholds t = { 0.5, 0.8, 1.0, 1.0, 0.9, 60000 };
	const char *range = NULL;
	assert_true(hc_threshold_set(&t, HC_THRESHOLD_HOLD, 30, &range));
	assert_int_equal(t.hold_ms, 30000);
	assert_false(hc_threshold_set(&t, HC_THRESHOLD_HOLD, 30.5, &range));
	assert_string_equal(range, "an integer 0..86400");
	assert_false(hc_threshold_set(&t, HC_THRESHOLD_CROWDED, 0, &range));
	assert_string_equal(range, "a number > 0 and <= 10");
	assert_true(hc_threshold_set(&t, HC_THRESHOLD_RESUME, 0, &range));
	struct hc_threshold_fault faults[3];
	t.moderate_at = 0.9;
	assert_int_equal(hc_thresholds_order_faults(&t, faults), 1);
	assert_string_equal(faults[0].message, "moderate_at (0.9) must be <= crowded_at (0.8)");
	enum hc_threshold_key k;
	assert_true(hc_threshold_key_parse("restrict_at", &k));
	assert_int_equal(k, HC_THRESHOLD_RESTRICT);
	assert_false(hc_threshold_key_parse("capacity", &k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_id_keeps_its_slot_whatever_is_added),
		cmocka_unit_test(a_full_table_gives_no_slot_and_changes_nothing),
		cmocka_unit_test(supervisor_sections_refuse_a_key_and_find_their_passwords),
		cmocka_unit_test(shared_threshold_rules_match_the_loader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
