/*
 * lcd_text.h — what the 16x2 LCD says (pure: no I/O, no clock).
 *
 *   row 0: area name, occupancy/capacity on the right  "Main hall 12/300"
 *   row 1: the door's state, and the link              "ENTRY OPEN      "
 *                                                      "STOP  (full)    "
 *                                                      "OPEN?   OFFLINE "
 *                                                      "STOP?   OFFLINE "
 *                                                      "STORAGE FAULT!  "
 * Offline, or online before the new link brought the state again (the
 * display state's last_known), the last known state gets a '?' (it may
 * have changed); before
 * the first figure row 0 is the terminal id and row 1 "CONNECTING" or
 * "NO FIGURE YET". Same facts as the screen (hw/display_screen.c).
 */
#ifndef HC_HW_LCD_TEXT_H
#define HC_HW_LCD_TEXT_H

#include "hw/display.h"
#include "hw/hd44780.h"

void hc_lcd_text(const struct hc_display_state *s, char rows[HC_LCD_ROWS][HC_LCD_COLS + 1]);

#endif
