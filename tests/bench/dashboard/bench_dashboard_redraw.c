/*
 * bench_dashboard_redraw.c — how fast the dashboard redraws a large
 * venue, and what it costs at a steady stream of updates.
 *
 * A venue of --areas areas (default 200) in --groups groups and
 * --terminals doors (default 500) is given to the dashboard's own code
 * as the aggregator sends it: a snapshot, then {"type":"area"} frames as
 * JSON text. Each update goes the whole way a real one goes in the
 * dashboard: shared/wire_supervisor parses it, the model applies it,
 * the layout draws a frame, the screen buffer diffs it and ncursesw
 * writes the changed cells to a terminal (a real terminfo entry, the
 * bytes going to /dev/null).
 *
 *   1. redraw latency: --updates updates (default 20000), each followed by
 *      a redraw; p50 / p99 / max of the redraw (layout + diff + curses
 *      output) and of the whole update (parse + apply + redraw), and the
 *      cells sent per update.
 *   2. CPU at a rate: --rate updates per area per second (default 1) for
 *      --seconds (default 10) in real time, drawn as the dashboard draws
 *      (at most once per HC_DASH_REDRAW_MS_MIN); the process's CPU time
 *      (getrusage) over the wall time, as a share of one core.
 *
 * Not a timed test: it prints figures (docs/performance.md), and asserts
 * nothing about speed. Sizes: --rows/--cols (default 50x160).
 */
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>
#include <ncursesw/curses.h>

#include "aggregator/dashboard/model.h"
#include "aggregator/dashboard/render.h"
#include "aggregator/dashboard/screen.h"
#include "aggregator/dashboard/ui.h"
#include "shared/clock.h"
#include "shared/wire_supervisor.h"

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t pct(int64_t *v, size_t n, int p)
{
	if (n == 0)
		return 0;
	size_t rank = (size_t)((p * n + 99) / 100);
	return v[rank ? rank - 1 : 0];
}

static void emit(void *arg, int row, int col, const struct hc_cell *cells, int n)
{
	(void)arg;
	move(row, col);
	for (int i = 0; i < n; i++) {
		if (cells[i].ch == 0)
			continue;
		attr_t at = (cells[i].attr & HC_A_BOLD ? A_BOLD : 0) |
			    (cells[i].attr & HC_A_REVERSE ? A_REVERSE : 0);
		wchar_t wc[2] = { cells[i].ch, 0 };
		cchar_t cc;
		if (setcchar(&cc, wc, at, (short)HC_A_COLOUR_OF(cells[i].attr), NULL) == OK)
			add_wch(&cc);
	}
}

static const char *const levels[] = { "low", "moderate", "crowded", "full" };

static json_t *area_json(int i, int64_t occ)
{
	char id[16], name[32], group[16];
	snprintf(id, sizeof id, "a%03d", i);
	if (i % 10 == 0)
		snprintf(name, sizeof name, "\xe5\xa4\xa7\xe3\x83\x9b\xe3\x83\xbc\xe3\x83\xab %d",
			 i);
	else
		snprintf(name, sizeof name, "Area number %d", i);
	snprintf(group, sizeof group, "g%02d", i % 20);
	int64_t cap = 500;
	int lv = occ * 10 >= cap * 10 ? 3 : occ * 10 >= cap * 8 ? 2 : occ * 10 >= cap * 5 ? 1 : 0;
	json_t *hist = json_array();
	for (int k = 0; k < 60; k++)
		json_array_append_new(hist, json_integer((occ * k) / 60));
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:b, s:s, s:s, s:s, s:I, s:I,"
			 " s:o, s:o, s:I, s:I}",
			 "type", "area", "id", id, "name", name, "entered", (json_int_t)(occ + 40),
			 "exited", (json_int_t)40, "occupancy", (json_int_t)occ, "capacity",
			 (json_int_t)cap, "level", levels[lv], "restricted", lv == 3, "updated_at",
			 "2026-11-23T10:00:00.000Z", "override", "auto", "group", group,
			 "corrected_entered", (json_int_t)0, "corrected_exited", (json_int_t)0,
			 "corrections", json_array(), "history", hist, "minute_entered",
			 (json_int_t)(i % 13), "minute_exited", (json_int_t)(i % 7));
}

static char *snapshot_text(int areas, int groups, int terms)
{
	json_t *a = json_array(), *g = json_array(), *t = json_array();
	for (int i = 0; i < areas; i++) {
		json_t *o = area_json(i, (i * 37) % 480);
		json_object_del(o, "type");
		json_array_append_new(a, o);
	}
	for (int k = 0; k < groups; k++) {
		char id[16], name[32];
		snprintf(id, sizeof id, "g%02d", k);
		snprintf(name, sizeof name, "Group %d", k);
		json_array_append_new(g, json_pack("{s:s, s:s, s:I, s:I, s:s, s:b, s:s, s:[], s:n}",
						   "id", id, "name", name, "occupancy",
						   (json_int_t)1000, "capacity", (json_int_t)5000,
						   "level", "low", "restricted", 0, "override",
						   "auto", "areas", "updated_at"));
	}
	for (int k = 0; k < terms; k++) {
		char id[16], area[16];
		snprintf(id, sizeof id, "d%03d", k);
		snprintf(area, sizeof area, "a%03d", k % areas);
		json_array_append_new(t,
				      json_pack("{s:s, s:s, s:b, s:s, s:n, s:I, s:I, s:I, s:I,"
						" s:I}",
						"id", id, "area", area, "online", k % 17 != 0,
						"last_seen", "2026-11-23T10:41:07.498Z",
						"incarnation", "last_seq", (json_int_t)k,
						"missing_seqs", (json_int_t)0, "batches_in_flight",
						(json_int_t)0, "entered_today", (json_int_t)k,
						"exited_today", (json_int_t)(k / 2)));
	}
	json_t *snap = json_pack("{s:s, s:s, s:o, s:o, s:o}", "type", "snapshot", "venue",
				 "Bench fest", "areas", a, "groups", g, "terminals", t);
	char *text = json_dumps(snap, JSON_COMPACT);
	json_decref(snap);
	return text;
}

struct bench {
	struct hc_model model;
	struct hc_ui ui;
	struct hc_screen screen;
};

static bool apply_text(struct bench *b, const char *text, int64_t now_ms)
{
	struct hc_wire_sup_msg msg;
	char why[200];
	if (!hc_wire_sup_parse(text, strlen(text), &msg, why, sizeof why)) {
		fprintf(stderr, "bench: cannot parse: %s\n", why);
		return false;
	}
	bool ok = hc_model_apply(&b->model, &msg, now_ms, hc_wall_ms());
	hc_wire_sup_msg_free(&msg);
	return ok;
}

static size_t cells_sent;
static void redraw(struct bench *b, int64_t now_ms)
{
	hc_render(&b->screen, &b->model, &b->ui, now_ms, hc_wall_ms(), NULL);
	cells_sent += hc_screen_flush(&b->screen, emit, NULL);
	refresh();
}

static double cpu_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	int areas = 200, groups = 20, terms = 500, rows = 50, cols = 160;
	long updates = 20000, seconds = 10;
	double rate = 1.0;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i];
		long v = strtol(argv[i + 1], NULL, 10);
		if (!strcmp(k, "--areas"))
			areas = (int)v;
		else if (!strcmp(k, "--groups"))
			groups = (int)v;
		else if (!strcmp(k, "--terminals"))
			terms = (int)v;
		else if (!strcmp(k, "--rows"))
			rows = (int)v;
		else if (!strcmp(k, "--cols"))
			cols = (int)v;
		else if (!strcmp(k, "--updates"))
			updates = v;
		else if (!strcmp(k, "--seconds"))
			seconds = v;
		else if (!strcmp(k, "--rate"))
			rate = strtod(argv[i + 1], NULL);
		else {
			fprintf(stderr, "usage: bench_dashboard_redraw [--areas N] [--groups N]"
					" [--terminals N] [--rows N] [--cols N] [--updates N]"
					" [--seconds N] [--rate PER_AREA_PER_S]\n");
			return 2;
		}
	}
	if (areas < 1 || areas > HC_AREAS_MAX || groups < 0 || groups > HC_GROUPS_MAX ||
	    terms < 0 || terms > HC_TERMINALS_MAX || updates < 1 || seconds < 1 || rate <= 0) {
		fprintf(stderr, "bench_dashboard_redraw: a size is out of range\n");
		return 2;
	}
	setlocale(LC_ALL, "C.UTF-8");
	if (getenv("TERM") == NULL)
		setenv("TERM", "xterm-256color", 1);
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	if (out == NULL || in == NULL || newterm(NULL, out, in) == NULL) {
		fprintf(stderr, "bench_dashboard_redraw: cannot start curses on /dev/null\n");
		return 1;
	}
	resizeterm(rows, cols);
	if (has_colors()) {
		start_color();
		for (short c = 1; c < HC_C_COUNT; c++)
			init_pair(c, c, COLOR_BLACK);
	}
	static struct bench b;
	hc_model_init(&b.model);
	hc_ui_init(&b.ui);
	b.ui.sort = HC_SORT_FILL; /* the order moves with the figures: the worst case */
	if (!hc_screen_resize(&b.screen, rows, cols))
		return 1;
	char *snap = snapshot_text(areas, groups, terms);
	if (snap == NULL || !apply_text(&b, snap, hc_mono_ms()))
		return 1;
	free(snap);
	redraw(&b, hc_mono_ms());

	/* Pre-built update frames, so the loop measures the dashboard only. */
	enum { VARIANTS = 8 };
	char **frames = calloc((size_t)areas * VARIANTS, sizeof *frames);
	for (int i = 0; i < areas; i++)
		for (int v = 0; v < VARIANTS; v++) {
			json_t *o = area_json(i, ((i * 37) + v * 11) % 520);
			frames[i * VARIANTS + v] = json_dumps(o, JSON_COMPACT);
			json_decref(o);
		}

	int64_t *redraw_us = malloc((size_t)updates * sizeof *redraw_us);
	int64_t *update_us = malloc((size_t)updates * sizeof *update_us);
	if (frames == NULL || redraw_us == NULL || update_us == NULL)
		return 1;
	cells_sent = 0;
	for (long u = 0; u < updates; u++) {
		int i = (int)((u * 7919) % areas);
		const char *text = frames[i * VARIANTS + (int)(u / areas) % VARIANTS];
		int64_t t0 = now_us();
		if (!apply_text(&b, text, hc_mono_ms()))
			return 1;
		int64_t t1 = now_us();
		redraw(&b, hc_mono_ms());
		int64_t t2 = now_us();
		redraw_us[u] = t2 - t1;
		update_us[u] = t2 - t0;
	}
	size_t cells_per_update = cells_sent / (size_t)updates;
	qsort(redraw_us, (size_t)updates, sizeof *redraw_us, cmp64);
	qsort(update_us, (size_t)updates, sizeof *update_us, cmp64);

	/* Real time at the given rate, drawn as the dashboard draws. */
	double interval_us = 1e6 / (rate * areas);
	int64_t start = now_us(), next = start, drawn = start;
	double cpu0 = cpu_s();
	long applied = 0, frames_drawn = 0;
	bool dirty = false;
	while (now_us() - start < seconds * 1000000) {
		int64_t t = now_us();
		while (next <= t) {
			int i = (int)(applied % areas);
			if (!apply_text(&b,
					frames[i * VARIANTS + (int)(applied / areas) % VARIANTS],
					hc_mono_ms()))
				return 1;
			applied++;
			dirty = true;
			next = start + (int64_t)(interval_us * (double)applied);
		}
		if (dirty && t - drawn >= HC_DASH_REDRAW_MS_MIN * 1000) {
			redraw(&b, hc_mono_ms());
			frames_drawn++;
			dirty = false;
			drawn = t;
		}
		int64_t wake = next < drawn + HC_DASH_REDRAW_MS_MIN * 1000 || !dirty
				       ? next
				       : drawn + HC_DASH_REDRAW_MS_MIN * 1000;
		int64_t sleep_us = wake - now_us();
		if (sleep_us > 0) {
			struct timespec ts = { sleep_us / 1000000, (sleep_us % 1000000) * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	double wall = (double)(now_us() - start) / 1e6;
	double cpu = cpu_s() - cpu0;
	endwin();

	printf("dashboard redraw: %d areas, %d groups, %d doors, %dx%d screen\n", areas, groups,
	       terms, rows, cols);
	printf("  redraw per update (layout + diff + curses): p50 %" PRId64 " us, p99 %" PRId64
	       " us, max %" PRId64 " us over %ld updates\n",
	       pct(redraw_us, (size_t)updates, 50), pct(redraw_us, (size_t)updates, 99),
	       redraw_us[updates - 1], updates);
	printf("  whole update (parse + apply + redraw):      p50 %" PRId64 " us, p99 %" PRId64
	       " us\n",
	       pct(update_us, (size_t)updates, 50), pct(update_us, (size_t)updates, 99));
	printf("  cells sent to the terminal per update: %zu of %d\n", cells_per_update,
	       rows * cols);
	printf("  at %.1f update(s) per area per second (%.0f/s) for %.1f s: %ld updates, %ld"
	       " frames, CPU %.2f %% of one core\n",
	       rate, rate * areas, wall, applied, frames_drawn, 100.0 * cpu / wall);
	for (int i = 0; i < areas * VARIANTS; i++)
		free(frames[i]);
	free(frames);
	free(redraw_us);
	free(update_us);
	hc_screen_free(&b.screen);
	hc_model_free(&b.model);
	return 0;
}
