/*
 * render.c — the layout (see render.h).
 *
 * Relies on textwidth.h for every column (Japanese names line up), on
 * view.h for which rows and in what order, on the model's derived
 * figures (time to full, per-minute flow, raw sums).
 */
#include "aggregator/dashboard/render.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aggregator/dashboard/textwidth.h"
#include "aggregator/dashboard/view.h"
#include "shared/occupancy.h"

void hc_render_clock(int64_t wall_ms, char *out, size_t cap)
{
	if (wall_ms <= 0) {
		snprintf(out, cap, "--:--:--");
		return;
	}
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	if (localtime_r(&secs, &tm) == NULL) {
		snprintf(out, cap, "--:--:--");
		return;
	}
	snprintf(out, cap, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void hc_render_sparkline(const int64_t *values, uint32_t n, int64_t max, int width, bool ascii,
			 char *out, size_t cap)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii_steps[] = "_.-:=+*#";
	size_t o = 0;
	out[0] = '\0';
	if (width <= 0)
		return;
	if (max <= 0)
		for (uint32_t i = 0; i < n; i++)
			if (values[i] > max)
				max = values[i];
	/* The newest values at the right; fewer values than cells: pad left. */
	uint32_t shown = n < (uint32_t)width ? n : (uint32_t)width;
	for (int c = 0; c < width - (int)shown && o + 1 < cap; c++)
		out[o++] = ' ';
	for (uint32_t i = n - shown; i < n; i++) {
		int64_t v = values[i] < 0 ? 0 : values[i];
		int step = max > 0 ? (int)(v * 7 / max) : 0;
		if (step > 7)
			step = 7;
		const char *s = ascii ? (char[2]){ ascii_steps[step], '\0' } : blocks[step];
		size_t len = strlen(s);
		if (o + len >= cap)
			break;
		memcpy(out + o, s, len);
		o += len;
	}
	out[o] = '\0';
}

/* Writes text fitted to width columns at (row, *col) and moves *col on
 * by width + 1 (a gap). */
static void cell(struct hc_screen *s, int row, int *col, int width, const char *text, uint16_t attr,
		 bool right)
{
	char buf[512];
	if (width <= 0)
		return;
	hc_tw_fit(text, width, s->ascii, right, buf, sizeof buf);
	hc_screen_put(s, row, *col, width, buf, attr);
	*col += width + 1;
}

static uint16_t level_attr(enum hc_level l)
{
	switch (l) {
	case HC_LEVEL_LOW: return HC_A_COLOUR(HC_C_GREEN);
	case HC_LEVEL_MODERATE: return HC_A_COLOUR(HC_C_YELLOW);
	case HC_LEVEL_CROWDED: return HC_A_COLOUR(HC_C_MAGENTA) | HC_A_BOLD;
	default: return HC_A_COLOUR(HC_C_RED) | HC_A_BOLD;
	}
}

/* Column widths of the area table for a screen width. */
struct area_cols {
	int name, occ, bar, pct, level, entry, rate, ttf, spark;
};

static struct area_cols area_cols_for(int cols)
{
	struct area_cols c = { .name = 12,
			       .occ = 9,
			       .bar = 5,
			       .pct = 4,
			       .level = 8,
			       .entry = 11,
			       .rate = 8,
			       .ttf = 15,
			       .spark = 0 };
	/* 1 (cursor) + widths + one gap each: 80 columns at the minimum. */
	int used = 1 + c.name + c.occ + c.bar + c.pct + c.level + c.entry + c.rate + c.ttf + 8;
	int extra = cols - used;
	if (extra > 0) {
		int more_name = extra / 3 > 12 ? 12 : extra / 3;
		c.name += more_name;
		extra -= more_name;
		int more_bar = extra / 3 > 6 ? 6 : extra / 3;
		c.bar += more_bar;
		extra -= more_bar;
		if (extra >= 9)
			c.spark = extra - 1 > 60 ? 60 : extra - 1;
	} else if (extra < 0) {
		c.name += extra; /* narrower than 80: the name gives way */
		if (c.name < 4)
			c.name = 4;
	}
	return c;
}

static void entry_text(bool restricted, enum hc_wire_override o, char *out, size_t cap)
{
	snprintf(out, cap, "%s %s", restricted ? "STOP" : "open",
		 o == HC_WIRE_OVERRIDE_AUTO ? "auto" : "forced");
}

/* range: "rows 12-21/220" when the table scrolls, else NULL. */
static void area_header(struct hc_screen *s, int row, const struct area_cols *c, bool stale,
			const char *range)
{
	int col = 1;
	uint16_t a = HC_A_UNDERLINE | HC_A_BOLD;
	hc_screen_attr(s, row, 0, s->cols, a);
	cell(s, row, &col, c->name, "AREA", a, false);
	cell(s, row, &col, c->occ, "IN/CAP", a, true);
	cell(s, row, &col, c->bar, "", a, false);
	cell(s, row, &col, c->pct, "%", a, true);
	cell(s, row, &col, c->level, "LEVEL", a, false);
	cell(s, row, &col, c->entry, "ENTRY", a, false);
	cell(s, row, &col, c->rate, "+IN/-OUT", a, false);
	cell(s, row, &col, c->ttf,
	     stale   ? "STALE"
	     : range ? range
		     : "FORECAST",
	     stale ? a | HC_A_REVERSE : a, false);
	if (c->spark > 0)
		cell(s, row, &col, c->spark, "LAST HOUR", a, false);
}

/* One row of the area table. One piece (about 80 lines): the columns
 * are drawn left to right in the order area_cols laid them out, and
 * reading them in that order is the clearest check that they line up. */
static void area_row(struct hc_screen *s, int row, const struct area_cols *c,
		     const struct hc_model *m, const struct hc_view_row *r, bool selected,
		     bool stale, int64_t now_ms)
{
	char buf[256];
	uint16_t base = (selected ? HC_A_REVERSE : 0) | (stale ? HC_A_DIM : 0);
	hc_screen_attr(s, row, 0, s->cols, base);
	hc_screen_put(s, row, 0, 1, selected ? ">" : " ", base);
	int col = 1;
	const char *name;
	int64_t occ, cap;
	enum hc_level level;
	bool restricted;
	enum hc_wire_override ov;
	if (r->group) {
		const struct hc_wire_group *g = &m->groups[r->index];
		snprintf(buf, sizeof buf, "[%s]", g->name);
		name = buf;
		occ = g->occupancy;
		cap = g->capacity;
		level = g->level;
		restricted = g->restricted;
		ov = g->override;
	} else {
		const struct hc_wire_area *a = &m->areas[r->index].w;
		name = a->st.name;
		occ = a->st.occupancy;
		cap = a->st.capacity;
		level = a->st.level;
		restricted = a->st.restricted;
		ov = a->override;
	}
	char name_copy[sizeof buf];
	snprintf(name_copy, sizeof name_copy, "%s", name);
	cell(s, row, &col, c->name, name_copy, base, false);
	snprintf(buf, sizeof buf, "%" PRId64 "/%" PRId64, occ, cap);
	cell(s, row, &col, c->occ, buf, base | HC_A_BOLD, true);
	int64_t pm = hc_view_fill_permille(occ, cap);
	int filled = (int)(pm * c->bar / 1000);
	if (filled > c->bar)
		filled = c->bar;
	size_t o = 0;
	for (int k = 0; k < c->bar; k++) {
		const char *ch = s->ascii ? (k < filled ? "#" : ".")
					  : (k < filled ? "\u2588" : "\u2591");
		size_t len = strlen(ch);
		memcpy(buf + o, ch, len);
		o += len;
	}
	buf[o] = '\0';
	cell(s, row, &col, c->bar, buf, base | level_attr(level), false);
	snprintf(buf, sizeof buf, "%" PRId64 "%%", pm / 10);
	cell(s, row, &col, c->pct, buf, base, true);
	cell(s, row, &col, c->level, hc_level_name(level), base | level_attr(level), false);
	entry_text(restricted, ov, buf, sizeof buf);
	cell(s, row, &col, c->entry, buf,
	     base | (restricted ? HC_A_COLOUR(HC_C_RED) | HC_A_BOLD : HC_A_COLOUR(HC_C_GREEN)),
	     false);
	if (r->group) {
		cell(s, row, &col, c->rate, "", base, false);
		cell(s, row, &col, c->ttf, "", base, false);
		return;
	}
	int64_t e, x;
	if (hc_model_per_minute(m, r->index, now_ms, &e, &x))
		snprintf(buf, sizeof buf, "+%" PRId64 "/-%" PRId64, e, x);
	else
		snprintf(buf, sizeof buf, "-");
	cell(s, row, &col, c->rate, buf, base, false);
	struct hc_ttf t = hc_model_ttf(m, r->index, now_ms);
	hc_ttf_text(&t, buf, sizeof buf);
	uint16_t ta = t.kind == HC_TTF_FULL || (t.kind == HC_TTF_FILLING && t.minutes <= 15)
			      ? HC_A_COLOUR(HC_C_RED) | HC_A_BOLD
			      : 0;
	cell(s, row, &col, c->ttf, buf, base | ta, false);
	if (c->spark > 0) {
		const struct hc_wire_area *a = &m->areas[r->index].w;
		hc_render_sparkline(a->history, a->history_count, a->st.capacity, c->spark,
				    s->ascii, buf, sizeof buf);
		cell(s, row, &col, c->spark, buf, base | HC_A_COLOUR(HC_C_CYAN), false);
	}
}

/* The two detail lines of the selected area: raw beside adjusted, the
 * gate and who forced it, the latest corrections. */
static void area_detail(struct hc_screen *s, int row, int lines, const struct hc_model *m,
			const struct hc_view_row *r)
{
	char buf[512], when[16];
	if (r == NULL || lines <= 0)
		return;
	if (r->group) {
		const struct hc_wire_group *g = &m->groups[r->index];
		int n = snprintf(buf, sizeof buf,
				 " group %s: %" PRId64 " of %" PRId64 ", entry %s (%s)", g->name,
				 g->occupancy, g->capacity, g->restricted ? "STOP" : "open",
				 hc_wire_override_name(g->override));
		if (n > 0 && (size_t)n < sizeof buf && g->override != HC_WIRE_OVERRIDE_AUTO)
			snprintf(buf + n, sizeof buf - (size_t)n, " | forced %s by %s: %s",
				 g->override == HC_WIRE_OVERRIDE_CLOSED ? "STOP" : "open",
				 g->override_by[0] ? g->override_by : "?", g->override_reason);
		hc_screen_put(s, row, 0, s->cols, buf, HC_A_DIM);
		return;
	}
	const struct hc_wire_area *a = &m->areas[r->index].w;
	int64_t re, rx;
	int n;
	if (hc_model_raw(m, r->index, &re, &rx)) {
		int64_t raw = hc_occupancy(re, rx);
		n = snprintf(buf, sizeof buf,
			     " %s: doors in %" PRId64 " out %" PRId64 " = %" PRId64
			     " | corrections %+" PRId64 " | adjusted %" PRId64,
			     a->st.id, re, rx, raw, (a->corrected_entered - a->corrected_exited),
			     a->st.occupancy);
	} else {
		n = snprintf(buf, sizeof buf, " %s: in %" PRId64 " out %" PRId64 " = %" PRId64,
			     a->st.id, a->st.entered, a->st.exited, a->st.occupancy);
	}
	if (n > 0 && (size_t)n < sizeof buf && a->override != HC_WIRE_OVERRIDE_AUTO)
		snprintf(buf + n, sizeof buf - (size_t)n, " | forced %s by %s: %s",
			 a->override == HC_WIRE_OVERRIDE_CLOSED ? "STOP" : "open",
			 a->override_by[0] ? a->override_by : "?", a->override_reason);
	hc_screen_put(s, row, 0, s->cols, buf, 0);
	if (lines < 2)
		return;
	if (a->correction_count == 0) {
		hc_screen_put(s, row + 1, 0, s->cols, " corrections: none", HC_A_DIM);
		return;
	}
	size_t o = (size_t)snprintf(buf, sizeof buf, " corrections:");
	for (uint32_t k = a->correction_count; k-- > 0 && o < sizeof buf;) {
		const struct hc_wire_correction *c = &a->corrections[k];
		hc_render_clock(c->at_ms, when, sizeof when);
		const char *who = strncmp(c->who, "supervisor:", 11) == 0 ? c->who + 11 : c->who;
		int w = snprintf(buf + o, sizeof buf - o, " %s %s %+" PRId64 " \"%s\";", when, who,
				 c->delta, c->reason);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	hc_screen_put(s, row + 1, 0, s->cols, buf, 0);
}

static void door_header(struct hc_screen *s, int row)
{
	uint16_t a = HC_A_UNDERLINE | HC_A_BOLD;
	hc_screen_attr(s, row, 0, s->cols, a);
	int col = 1;
	cell(s, row, &col, 10, "DOOR", a, false);
	cell(s, row, &col, 10, "AREA", a, false);
	cell(s, row, &col, 7, "LINK", a, false);
	cell(s, row, &col, 8, "SEEN", a, false);
	cell(s, row, &col, 5, "PEND", a, true);
	cell(s, row, &col, 4, "GAPS", a, true);
	cell(s, row, &col, 4, "STOR", a, true);
	cell(s, row, &col, 13, "TODAY IN/OUT", a, true);
	cell(s, row, &col, s->cols - col, "VERSION", a, false);
}

static void door_row(struct hc_screen *s, int row, const struct hc_model_terminal *t, bool selected,
		     bool stale)
{
	char buf[128];
	uint16_t base = (selected ? HC_A_REVERSE : 0) | (stale ? HC_A_DIM : 0);
	hc_screen_attr(s, row, 0, s->cols, base);
	hc_screen_put(s, row, 0, 1, selected ? ">" : " ", base);
	int col = 1;
	const struct hc_wire_terminal *w = &t->w;
	cell(s, row, &col, 10, w->id, base, false);
	cell(s, row, &col, 10, w->area, base, false);
	cell(s, row, &col, 7, w->online ? "online" : "OFFLINE",
	     base | (w->online ? HC_A_COLOUR(HC_C_GREEN) : HC_A_COLOUR(HC_C_RED) | HC_A_BOLD),
	     false);
	hc_render_clock(w->last_seen_ms, buf, sizeof buf);
	cell(s, row, &col, 8, buf, base, false);
	if (w->has_reported)
		snprintf(buf, sizeof buf, "%" PRId64, w->pending);
	else
		snprintf(buf, sizeof buf, "%" PRId64 "b", w->batches_in_flight);
	cell(s, row, &col, 5, buf, base, true);
	snprintf(buf, sizeof buf, "%" PRId64, w->missing_seqs);
	cell(s, row, &col, 4, buf, base | (w->missing_seqs ? HC_A_COLOUR(HC_C_RED) : 0), true);
	snprintf(buf, sizeof buf, "%" PRId64, w->has_reported ? w->storage_faults : 0);
	cell(s, row, &col, 4, w->has_reported ? buf : "-",
	     base | (w->storage_faults ? HC_A_COLOUR(HC_C_RED) : 0), true);
	if (w->has_today)
		snprintf(buf, sizeof buf, "%" PRId64 "/%" PRId64, w->entered_today,
			 w->exited_today);
	else
		snprintf(buf, sizeof buf, "-");
	cell(s, row, &col, 13, buf, base, true);
	cell(s, row, &col, s->cols - col, w->version[0] ? w->version : "-", base, false);
}

/* Keeps sel within n rows and visible in a window of `rows`. */
static void scroll(struct hc_ui *ui, enum hc_pane p, uint32_t n, int rows)
{
	if (n == 0) {
		ui->sel[p] = ui->top[p] = 0;
		return;
	}
	if (ui->sel[p] >= n)
		ui->sel[p] = n - 1;
	if (rows <= 0)
		return;
	if (ui->sel[p] < ui->top[p])
		ui->top[p] = ui->sel[p];
	if (ui->sel[p] >= ui->top[p] + (uint32_t)rows)
		ui->top[p] = ui->sel[p] - (uint32_t)rows + 1;
	if (ui->top[p] + (uint32_t)rows > n)
		ui->top[p] = n > (uint32_t)rows ? n - (uint32_t)rows : 0;
}

static void section(struct hc_screen *s, int row, const char *title, bool active)
{
	hc_screen_put(s, row, 0, s->cols, title, HC_A_BOLD | (active ? HC_A_COLOUR(HC_C_CYAN) : 0));
}

static void help(struct hc_screen *s)
{
	static const char *const lines[] = {
		"headcount dashboard: keys",
		"",
		"Up/Down j/k    move        PgUp/PgDn  page     Tab  next table",
		"s   force STOP (selected area or group)",
		"o   force open             a   back to automatic",
		"c   correct a count by a signed delta (+5, -3)",
		"t   thresholds (capacity=400 crowded_at=0.8 hold_s=30 ...)",
		"    every command asks for a reason, then y to send",
		"S   sort: name / fill / level      /   filter",
		"Enter  all corrections of the area  m   mute / unmute the bell",
		"?   this help                      q   quit",
		"",
		"any key closes this help",
	};
	int n = (int)(sizeof lines / sizeof lines[0]);
	int w = 72 < s->cols - 2 ? 72 : s->cols - 2;
	int top = (s->rows - n - 2) / 2 > 0 ? (s->rows - n - 2) / 2 : 0;
	int left = (s->cols - w) / 2 > 0 ? (s->cols - w) / 2 : 0;
	for (int i = -1; i <= n; i++) {
		char buf[128];
		hc_tw_fit(i >= 0 && i < n ? lines[i] : "", w - 2, s->ascii, false, buf, sizeof buf);
		char line[160];
		snprintf(line, sizeof line, " %s ", buf);
		hc_screen_put(s, top + 1 + i, left, w, line, HC_A_REVERSE);
	}
}

/* The doors in view order. The order changes only with a new snapshot or
 * filter, so it is sorted once for those, not once per frame. */
static size_t door_order(const struct hc_model *m, const char *filter, uint32_t *doors)
{
	static const struct hc_model *doors_of;
	static uint64_t doors_generation;
	static char doors_filter[HC_UI_INPUT_BYTES];
	static size_t nd;
	if (doors_of != m || doors_generation != m->snapshot_generation ||
	    strcmp(doors_filter, filter) != 0) {
		nd = hc_view_doors(m, filter, doors);
		doors_of = m;
		doors_generation = m->snapshot_generation;
		snprintf(doors_filter, sizeof doors_filter, "%s", filter);
	}
	return nd;
}

/* Draws the whole frame, top to bottom: the title, the areas and
 * groups, the doors, the alerts, the detail overlay and the status or
 * prompt line. One piece (about 160 lines) because the blocks share the
 * heights worked out at its start (rows the area table does not need go
 * to the doors, then the alerts); the blocks read in screen order. */
void hc_render(struct hc_screen *s, const struct hc_model *m, struct hc_ui *ui, int64_t now_ms,
	       int64_t now_wall_ms, struct hc_layout *layout_out)
{
	static struct hc_view_row rows[HC_AREAS_MAX + HC_GROUPS_MAX];
	static uint32_t doors[HC_TERMINALS_MAX];
	char buf[512], clock[16], since[16];
	hc_screen_clear(s);
	if (s->rows < 8 || s->cols < 20) {
		hc_screen_put(s, 0, 0, s->cols, "window too small", HC_A_BOLD);
		return;
	}
	bool stale = hc_model_stale(m);

	/* Title line. */
	hc_render_clock(now_wall_ms, clock, sizeof clock);
	hc_screen_attr(s, 0, 0, s->cols, HC_A_REVERSE);
	snprintf(buf, sizeof buf, " headcount | %s | %s | %s | sort %s%s%s | bell %s",
		 m->venue[0] ? m->venue : "-", m->supervisor[0] ? m->supervisor : "-", clock,
		 hc_sort_name(ui->sort), ui->filter[0] ? " | filter " : "", ui->filter,
		 m->alerts.muted ? "muted" : "on");
	hc_screen_put(s, 0, 0, s->cols, buf, HC_A_REVERSE);
	if (stale) {
		if (m->disconnected_since_wall_ms > 0) {
			hc_render_clock(m->disconnected_since_wall_ms, since, sizeof since);
			snprintf(buf, sizeof buf, " disconnected since %s, STALE ", since);
		} else {
			snprintf(buf, sizeof buf, " connecting... ");
		}
		int w = hc_tw_width(buf, s->ascii);
		hc_screen_put(s, 0, s->cols - w > 0 ? s->cols - w : 0, w, buf,
			      HC_A_BOLD | HC_A_COLOUR(HC_C_RED));
	} else {
		const char *c = " connected ";
		int w = hc_tw_width(c, s->ascii);
		hc_screen_put(s, 0, s->cols - w, w, c, HC_A_REVERSE | HC_A_COLOUR(HC_C_GREEN));
	}

	/* Heights. */
	int avail = s->rows - 2;
	int alert_rows = avail * 15 / 100 < 2 ? 2 : avail * 15 / 100;
	int door_rows = (avail - 6) * 33 / 100 < 2 ? 2 : (avail - 6) * 33 / 100;
	int detail_rows = 2;
	/* title and status, area header, detail, doors title and header,
	 * alerts title: the rest are rows of the three tables */
	int area_rows = avail - 1 - detail_rows - door_rows - alert_rows - 1;
	if (area_rows < 2)
		area_rows = 2;
	/* Rows the area table does not need go to the doors, then the alerts
	 * (door_rows counts the doors' header line). */
	size_t na = hc_view_areas(m, ui->sort, ui->filter, rows);
	size_t nd = door_order(m, ui->filter, doors);
	int spare = area_rows - (na > 3 ? (int)na : 3);
	if (spare > 0) {
		area_rows -= spare;
		int more_doors = (int)nd + 1 - door_rows;
		if (more_doors > spare)
			more_doors = spare;
		if (more_doors > 0) {
			door_rows += more_doors;
			spare -= more_doors;
		}
		alert_rows += spare;
	}
	if (layout_out != NULL)
		*layout_out = (struct hc_layout){ area_rows, door_rows, alert_rows };

	/* Areas and groups. */
	struct area_cols ac = area_cols_for(s->cols);
	scroll(ui, HC_PANE_AREAS, (uint32_t)na, area_rows);
	int row = 1;
	char range[32];
	if (na > (size_t)area_rows)
		snprintf(range, sizeof range, "rows %u-%u/%zu", ui->top[0] + 1,
			 ui->top[0] + (uint32_t)area_rows, na);
	area_header(s, row++, &ac, stale, na > (size_t)area_rows ? range : NULL);
	for (int k = 0; k < area_rows; k++, row++) {
		uint32_t i = ui->top[HC_PANE_AREAS] + (uint32_t)k;
		if (i >= na)
			continue;
		area_row(s, row, &ac, m, &rows[i], ui->pane == HC_PANE_AREAS && i == ui->sel[0],
			 stale, now_ms);
	}
	const struct hc_view_row *selected = na ? &rows[ui->sel[HC_PANE_AREAS]] : NULL;
	area_detail(s, row, detail_rows, m, selected);
	row += detail_rows;

	/* Doors. */
	scroll(ui, HC_PANE_DOORS, (uint32_t)nd, door_rows - 1); /* less its header */
	uint32_t online = 0;
	for (uint32_t i = 0; i < m->terminal_count; i++)
		online += m->terminals[i].w.online;
	if (nd > (size_t)(door_rows - 1))
		snprintf(buf, sizeof buf,
			 "DOORS  %u of %u online  rows %u-%u/%zu (Tab, then Up/Down)", online,
			 m->terminal_count, ui->top[HC_PANE_DOORS] + 1,
			 ui->top[HC_PANE_DOORS] + (uint32_t)(door_rows - 1), nd);
	else
		snprintf(buf, sizeof buf, "DOORS  %u of %u online", online, m->terminal_count);
	section(s, row++, buf, ui->pane == HC_PANE_DOORS);
	door_header(s, row++);
	for (int k = 0; k < door_rows - 1; k++, row++) {
		uint32_t i = ui->top[HC_PANE_DOORS] + (uint32_t)k;
		if (i < nd)
			door_row(s, row, &m->terminals[doors[i]],
				 ui->pane == HC_PANE_DOORS && i == ui->sel[HC_PANE_DOORS], stale);
	}

	/* Alerts, newest first. */
	scroll(ui, HC_PANE_ALERTS, m->alerts.len, alert_rows - 1);
	snprintf(buf, sizeof buf, "ALERTS  %u%s", m->alerts.len,
		 m->alerts.muted ? "  (bell muted: m)" : "  (m mutes the bell)");
	section(s, row++, buf, ui->pane == HC_PANE_ALERTS);
	for (int k = 0; k < alert_rows - 1 && row < s->rows - 1; k++, row++) {
		const struct hc_alert *al = hc_alerts_get(&m->alerts,
							  ui->top[HC_PANE_ALERTS] + (uint32_t)k);
		if (al == NULL)
			continue;
		hc_render_clock(al->at_wall_ms, clock, sizeof clock);
		snprintf(buf, sizeof buf, " %s %-7s %s", clock, hc_alert_label(al->kind), al->text);
		bool sel = ui->pane == HC_PANE_ALERTS &&
			   ui->top[HC_PANE_ALERTS] + (uint32_t)k == ui->sel[HC_PANE_ALERTS];
		uint16_t a = al->kind == HC_ALERT_FULL || al->kind == HC_ALERT_GATE_CLOSED ||
					     al->kind == HC_ALERT_DOOR_OFFLINE
				     ? HC_A_COLOUR(HC_C_RED)
				     : HC_A_COLOUR(HC_C_YELLOW);
		hc_screen_put(s, row, 0, s->cols, buf, a | (sel ? HC_A_REVERSE : 0));
	}

	/* Detail overlay: every correction of the selected area. */
	if (ui->detail && selected != NULL && !selected->group) {
		const struct hc_wire_area *a = &m->areas[selected->index].w;
		int r0 = 2;
		snprintf(buf, sizeof buf, " corrections of %s (newest first; Enter closes)",
			 a->st.name);
		hc_screen_put(s, r0++, 0, s->cols, buf, HC_A_REVERSE | HC_A_BOLD);
		for (uint32_t k = a->correction_count; k-- > 0 && r0 < 1 + area_rows;) {
			const struct hc_wire_correction *c = &a->corrections[k];
			hc_render_clock(c->at_ms, clock, sizeof clock);
			snprintf(buf, sizeof buf, "  %s  %-20s %+6" PRId64 "  %s", clock, c->who,
				 c->delta, c->reason);
			hc_screen_attr(s, r0, 0, s->cols, HC_A_REVERSE);
			hc_screen_put(s, r0++, 0, s->cols, buf, HC_A_REVERSE);
		}
		if (a->correction_count == 0 && r0 < 1 + area_rows)
			hc_screen_put(s, r0, 0, s->cols, "  none", HC_A_REVERSE);
	}

	/* Status or prompt on the last line. */
	int last = s->rows - 1;
	if (ui->prompt != HC_PROMPT_NONE) {
		hc_ui_prompt_text(ui, buf, sizeof buf);
		hc_screen_attr(s, last, 0, s->cols, HC_A_BOLD | HC_A_REVERSE);
		hc_screen_put(s, last, 0, s->cols, buf, HC_A_BOLD | HC_A_REVERSE);
	} else {
		hc_screen_put(s, last, 0, s->cols, ui->status,
			      ui->status_bad ? HC_A_BOLD | HC_A_COLOUR(HC_C_RED) : 0);
	}
	if (ui->help)
		help(s);
}
