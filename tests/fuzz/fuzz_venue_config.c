/*
 * fuzz_venue_config.c — libFuzzer target for the venue config parser
 * (shared/config.c) through hc_venue_load_text().
 *
 * What must hold, whatever the bytes:
 *  - no crash, leak or sanitizer report;
 *  - the in-memory entry behaves exactly as hc_venue_load() on a file
 *    with the same bytes: the same config, or the same error (file,
 *    line and message), which also shows that loading is
 *    deterministic (the input is written to a file to compare);
 *  - a refusal is one error: a non-empty message naming the file, at a
 *    line that exists in the input (0 = no particular line);
 *  - an accepted config keeps every promise of config.c's header: valid
 *    ids, names that are valid UTF-8 for JSON, terminals naming an
 *    existing area (area_index set), areas in existing groups,
 *    capacities in range, thresholds in range and in order.
 * Relies on: config.h, jansson (UTF-8 check). Built by `make fuzz`.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/config.h"
#include "shared/protocol.h"

#include "tests/fuzz/fuzz_check.h"

static char file_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(file_path, sizeof file_path, "/tmp/hc-fuzz-venue-XXXXXX");
	int fd = mkstemp(file_path);
	CHECK(fd >= 0);
	close(fd);
	/* Only the unique name is kept: each input writes the file, loads
	 * it and removes it, so no run leaves it behind. */
	CHECK(unlink(file_path) == 0);
	return 0;
}

static void check_name(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	CHECK(n >= 1 && n <= HC_NAME_LEN_MAX);
	json_t *j = json_stringn(s, n);
	CHECK(j != NULL);
	json_decref(j);
}

static void check_thresholds(const struct hc_thresholds *t)
{
	CHECK(t->moderate_at > 0 && t->moderate_at <= t->crowded_at);
	CHECK(t->crowded_at <= t->full_at && t->full_at <= 10);
	CHECK(t->resume_at >= 0 && t->resume_at < t->restrict_at && t->restrict_at <= 10);
	CHECK(t->hold_ms >= 0 && t->hold_ms <= 86400 * 1000LL && t->hold_ms % 1000 == 0);
	struct hc_threshold_fault faults[3];
	CHECK(hc_thresholds_order_faults(t, faults) == 0);
}

static void check_accepted(const struct hc_venue_cfg *cfg)
{
	const char *range;
	check_name(cfg->name, sizeof cfg->name);
	check_thresholds(&cfg->thresholds);
	CHECK(cfg->database[0] != '\0');
	CHECK(cfg->area_count >= 1 && cfg->area_count <= HC_AREAS_MAX);
	CHECK(cfg->group_count >= 0 && cfg->group_count <= HC_GROUPS_MAX);
	CHECK(cfg->terminal_count >= 0 && cfg->terminal_count <= HC_TERMINALS_MAX);
	CHECK(cfg->supervisor_count >= 0 && cfg->supervisor_count <= HC_SUPERVISORS_MAX);
	for (int i = 0; i < cfg->area_count; i++) {
		const struct hc_area_cfg *a = &cfg->areas[i];
		CHECK(hc_proto_valid_id(a->id));
		CHECK(hc_venue_find_area(cfg, a->id) == i);
		check_name(a->name, sizeof a->name);
		CHECK(hc_capacity_valid(false, a->capacity, &range));
		check_thresholds(&a->thresholds);
		if (a->group[0] != '\0')
			CHECK(hc_venue_find_group(cfg, a->group) >= 0);
	}
	for (int i = 0; i < cfg->group_count; i++) {
		const struct hc_group_cfg *g = &cfg->groups[i];
		CHECK(hc_proto_valid_id(g->id));
		CHECK(hc_venue_find_group(cfg, g->id) == i);
		check_name(g->name, sizeof g->name);
		CHECK(hc_capacity_valid(true, g->capacity, &range));
		check_thresholds(&g->thresholds);
	}
	for (int i = 0; i < cfg->terminal_count; i++) {
		const struct hc_terminal_cfg *t = &cfg->terminals[i];
		CHECK(hc_proto_valid_id(t->id));
		CHECK(hc_venue_find_terminal(cfg, t->id) == i);
		CHECK(t->area_index >= 0 && t->area_index < cfg->area_count);
		CHECK(strcmp(cfg->areas[t->area_index].id, t->area) == 0);
		CHECK(strnlen(t->key, sizeof t->key) < sizeof t->key);
	}
	for (int i = 0; i < cfg->supervisor_count; i++) {
		const struct hc_supervisor_cfg *s = &cfg->supervisors[i];
		CHECK(hc_proto_valid_id(s->id));
		CHECK(hc_venue_find_supervisor(cfg, s->id) == i);
		size_t n = strnlen(s->key, sizeof s->key);
		CHECK(n >= 1 && n < sizeof s->key);
	}
}

/* Both results must be the same config or the same error. */
static void check_same(const struct hc_venue_cfg *a, const struct hc_config_error *ea,
		       const struct hc_venue_cfg *b, const struct hc_config_error *eb)
{
	CHECK((a == NULL) == (b == NULL));
	if (a != NULL) {
		CHECK(memcmp(a, b, sizeof *a) == 0);
		return;
	}
	if (ea->line != eb->line || strcmp(ea->message, eb->message) != 0 ||
	    strcmp(ea->file, eb->file) != 0)
		fprintf(stderr, "differ: %d %s / %d %s\n", ea->line, ea->message, eb->line,
			eb->message);
	CHECK(ea->line == eb->line);
	CHECK(strcmp(ea->message, eb->message) == 0);
	CHECK(strcmp(ea->file, eb->file) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hc_config_error err, err_file;
	struct hc_venue_cfg *cfg = hc_venue_load_text(file_path, (const char *)data, size, &err);

	FILE *f = fopen(file_path, "wb");
	CHECK(f != NULL);
	CHECK(size == 0 || fwrite(data, 1, size, f) == size);
	CHECK(fclose(f) == 0);
	struct hc_venue_cfg *from_file = hc_venue_load(file_path, &err_file);
	CHECK(unlink(file_path) == 0);
	check_same(cfg, &err, from_file, &err_file);

	if (cfg != NULL) {
		check_accepted(cfg);
	} else {
		size_t n = strnlen(err.message, sizeof err.message);
		CHECK(n >= 1 && n < sizeof err.message);
		CHECK(strcmp(err.file, file_path) == 0);
		int lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		CHECK(err.line >= 0 && err.line <= lines);
	}
	hc_venue_free(cfg);
	hc_venue_free(from_file);
	return 0;
}
