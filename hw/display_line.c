/*
 * display_line.c — the "line" display: one status line per change.
 *
 * Prints "screen: " + hc_display_format_line() on stdout, only when the
 * line differs from the last one printed, and flushes at once so a
 * script or test reading the pipe sees each change as it happens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/display.h"
#include "shared/log.h"

struct line_display {
	char last[512];
};

static void line_show(struct hc_display *d, const struct hc_display_state *s)
{
	struct line_display *ld = d->priv;
	char line[sizeof ld->last];
	hc_display_format_line(s, line, sizeof line);
	if (strcmp(line, ld->last) == 0)
		return;
	memcpy(ld->last, line, sizeof line);
	if (printf("screen: %s\n", line) < 0 || fflush(stdout) != 0)
		hc_warn("display line: writing stdout failed");
}

static void line_close(struct hc_display *d)
{
	free(d->priv);
	d->priv = NULL;
}

bool hc_display_line_open(struct hc_display *d, char *err, size_t err_len)
{
	struct line_display *ld = calloc(1, sizeof *ld);
	if (ld == NULL) {
		snprintf(err, err_len, "display line: out of memory");
		return false;
	}
	d->name = "line";
	d->show = line_show;
	d->close = line_close;
	d->priv = ld;
	return true;
}
