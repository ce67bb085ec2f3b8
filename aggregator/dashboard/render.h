/*
 * render.h — the dashboard's layout: the model and the interaction
 * state drawn into a screen buffer (pure but for localtime_r).
 *
 * One function draws a whole frame; the screen buffer (screen.h) sends
 * the terminal only what changed. The layout adapts to the size: at
 * 80x24 the area table, a detail line for the selected area (raw door
 * sums beside the corrected figure, the latest corrections), the doors
 * and the alerts all fit; wider screens add a bar and a sparkline of
 * the last hour, taller ones more rows. Rows scroll to keep the
 * selection in view.
 */
#ifndef HC_DASH_RENDER_H
#define HC_DASH_RENDER_H

#include <stdint.h>

#include "aggregator/dashboard/model.h"
#include "aggregator/dashboard/screen.h"
#include "aggregator/dashboard/ui.h"

/* Updates arriving faster than this are drawn together: the screen is
 * redrawn at most once per HC_DASH_REDRAW_MS_MIN while figures stream in
 * (a key is answered at once). 20 frames a second is more than a person
 * reads, and bounds the dashboard's CPU whatever the venue's size. */
#define HC_DASH_REDRAW_MS_MIN 50

/* Rows per page of each pane at the current size (for PgUp/PgDn). */
struct hc_layout {
	int area_rows;
	int door_rows;
	int alert_rows;
};

/* Draws everything into scr->cur (clears it first). May adjust ui->sel
 * (clamped to the rows) and ui->top (scrolling). */
void hc_render(struct hc_screen *scr, const struct hc_model *m, struct hc_ui *ui, int64_t now_ms,
	       int64_t now_wall_ms, struct hc_layout *layout_out);

/* "hh:mm:ss" local time of a wall-clock ms, or "--:--:--" for 0. */
void hc_render_clock(int64_t wall_ms, char *out, size_t cap);

/* A sparkline of values scaled to max (0: the largest value), width
 * cells, in UTF-8 blocks or ASCII. */
void hc_render_sparkline(const int64_t *values, uint32_t n, int64_t max, int width, bool ascii,
			 char *out, size_t cap);

#endif
