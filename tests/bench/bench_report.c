/*
 * bench_report.c — figures against their targets: the printed table and
 * the JSON file (--json).
 *
 * Relies on: jansson; /proc/cpuinfo, /proc/meminfo, uname(2) and
 * /etc/debian_version to describe the machine.
 *
 * Promises: every figure appears once in the table and once in the JSON,
 * under its phase, with its unit, its target and whether it was met, so
 * docs/performance.md and scripts read the same numbers.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "shared/log.h"
#include "tests/bench/bench.h"

static json_t *report_phases;  /* {"storm":{...}, ...} */
static json_t *report_figures; /* [{"phase","key","value","unit","target","met"}] */

static bool report_ready(void)
{
	if (report_phases == NULL)
		report_phases = json_object();
	if (report_figures == NULL)
		report_figures = json_array();
	return report_phases != NULL && report_figures != NULL;
}

static json_t *phase_object(const char *phase)
{
	json_t *o = json_object_get(report_phases, phase);
	if (o == NULL) {
		o = json_object();
		if (o == NULL || json_object_set_new(report_phases, phase, o) != 0)
			return NULL;
	}
	return o;
}

void bench_detail(const char *phase, const char *key, json_t *value)
{
	json_t *o = report_ready() ? phase_object(phase) : NULL;
	if (o == NULL || value == NULL || json_object_set_new(o, key, value) != 0)
		hc_error("bench: out of memory recording %s.%s", phase, key);
}

void bench_figure(const char *phase, const char *key, double value, const char *unit,
		  const char *target, int met)
{
	bench_detail(phase, key, json_real(value));
	json_t *row = json_pack("{s:s, s:s, s:f, s:s, s:s, s:o}", "phase", phase, "key", key,
				"value", value, "unit", unit, "target", target, "met",
				met < 0 ? json_null() : json_boolean(met));
	if (row == NULL || json_array_append_new(report_figures, row) != 0)
		hc_error("bench: out of memory recording figure %s.%s", phase, key);
}

void bench_report_print(void)
{
	if (!report_ready())
		return;
	printf("%-10s %-34s %14s %-8s %-14s %s\n", "phase", "figure", "value", "unit", "target",
	       "met");
	size_t i;
	json_t *row;
	json_array_foreach(report_figures, i, row)
	{
		json_t *met = json_object_get(row, "met");
		double value = json_real_value(json_object_get(row, "value"));
		char text[64];
		if (value == (double)(int64_t)value && value < 1e15 && value > -1e15)
			snprintf(text, sizeof text, "%lld", (long long)value);
		else
			snprintf(text, sizeof text, "%.3f", value);
		printf("%-10s %-34s %14s %-8s %-14s %s\n",
		       json_string_value(json_object_get(row, "phase")),
		       json_string_value(json_object_get(row, "key")), text,
		       json_string_value(json_object_get(row, "unit")),
		       json_string_value(json_object_get(row, "target")),
		       json_is_null(met)   ? ""
		       : json_is_true(met) ? "yes"
					   : "NO");
	}
	fflush(stdout);
}

/* The first line of /proc/cpuinfo starting with key, after its colon. */
static json_t *cpuinfo_field(const char *key)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f == NULL)
		return json_null();
	char line[512];
	json_t *out = json_null();
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, strlen(key)) != 0)
			continue;
		char *colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		colon++;
		while (*colon == ' ')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		json_decref(out);
		out = json_string(colon);
		break;
	}
	fclose(f);
	return out;
}

static json_t *first_line_of(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return json_null();
	char line[256] = "";
	if (fgets(line, sizeof line, f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return json_string(line);
}

static json_t *machine_json(void)
{
	struct utsname u;
	if (uname(&u) != 0)
		memset(&u, 0, sizeof u);
	long pages = sysconf(_SC_PHYS_PAGES), page_bytes = sysconf(_SC_PAGESIZE);
	return json_pack("{s:I, s:o, s:I, s:s, s:s, s:o}", "nproc",
			 (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "cpu_model",
			 cpuinfo_field("model name"), "memory_bytes",
			 (json_int_t)pages * page_bytes, "kernel", u.release, "machine", u.machine,
			 "debian_version", first_line_of("/etc/debian_version"));
}

bool bench_report_write(const char *path)
{
	if (!report_ready())
		return false;
	json_t *root = json_deep_copy(report_phases);
	if (root == NULL)
		return false;
	json_object_set_new(root, "machine", machine_json());
	json_object_set(root, "figures", report_figures);
	int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (rc != 0) {
		hc_error("bench: cannot write %s", path);
		return false;
	}
	return true;
}

void bench_report_free(void)
{
	json_decref(report_phases);
	json_decref(report_figures);
	report_phases = report_figures = NULL;
}
