/*
 * lcd_text.c — the two LCD rows for a terminal state (see lcd_text.h).
 * Text longer than a row is cut at HC_LCD_COLS characters.
 */
#include "hw/lcd_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Copies at most HC_LCD_COLS bytes of src into a row. */
static void put_row(char row[HC_LCD_COLS + 1], const char *src)
{
	size_t n = 0;
	for (; n < HC_LCD_COLS && src[n] != '\0'; n++)
		row[n] = src[n];
	row[n] = '\0';
}

void hc_lcd_text(const struct hc_display_state *s, char rows[HC_LCD_ROWS][HC_LCD_COLS + 1])
{
	char buf[128];
	if (!s->have_figure) {
		put_row(rows[0], s->terminal_id);
		put_row(rows[1], s->storage_fault ? "STORAGE FAULT!"
				 : s->online	  ? "NO FIGURE YET"
						  : "CONNECTING");
		return;
	}
	char fig[48];
	snprintf(fig, sizeof fig, "%" PRId64 "/%" PRId64, s->occupancy_shown, s->capacity);
	int name_room = HC_LCD_COLS - (int)strlen(fig) - 1;
	if (name_room < 0)
		name_room = 0;
	const char *name = s->area_name[0] != '\0' ? s->area_name : s->area_id;
	snprintf(buf, sizeof buf, "%-*.*s %s", name_room, name_room, name, fig);
	put_row(rows[0], buf);
	if (s->storage_fault)
		snprintf(buf, sizeof buf, "STORAGE FAULT!");
	else if (!s->online || s->last_known)
		snprintf(buf, sizeof buf, "%-8s%s", s->restricted ? "STOP?" : "OPEN?", "OFFLINE");
	else if (s->restricted)
		snprintf(buf, sizeof buf, "STOP  (%s)", s->level != NULL ? s->level : "?");
	else
		snprintf(buf, sizeof buf, "ENTRY OPEN");
	put_row(rows[1], buf);
}
