/*
 * display_lcd.c — a 16x2 HD44780 LCD behind a PCF8574 on I2C
 * (/dev/i2c-N through linux/i2c-dev.h), showing area, occupancy and the
 * door's state (hw/lcd_text.c says what, hw/hd44780.c encodes how).
 *
 * What lives here: opening the bus and selecting the expander's address
 * (I2C_SLAVE ioctl), writing the encoder's steps with write(2) and
 * sleeping the delays they ask for. A row is rewritten only when its text
 * changed: a full row is 68 bus bytes, about 7 ms at 100 kHz, so the loop
 * is held up only when what the door should read changed. The initial
 * reset waits about 6 ms once, at start.
 *
 * Relies on: the i2c-dev module (dtparam=i2c_arm=on on a Pi) and a
 * PCF8574 backpack at lcd_address (usually 0x27, or 0x3f).
 * A failing write is logged once and the LCD is left alone until the
 * next change; the counting never depends on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/i2c-dev.h>

#include "hw/display.h"
#include "hw/hd44780.h"
#include "hw/lcd_text.h"
#include "shared/log.h"

struct lcd {
	int fd;
	char shown[HC_LCD_ROWS][HC_LCD_COLS + 1];
	bool valid[HC_LCD_ROWS]; /* shown[] is what the LCD holds */
	bool failed;
};

static void sleep_us(uint32_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Writes steps; false (logged once) when the bus refuses. */
static bool write_steps(struct lcd *l, const struct hc_lcd_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ssize_t w = write(l->fd, steps[i].bytes, steps[i].count);
		if (w != (ssize_t)steps[i].count) {
			if (!l->failed)
				hc_error("lcd: I2C write failed: %s",
					 w < 0 ? strerror(errno) : "short write");
			l->failed = true;
			return false;
		}
		sleep_us(steps[i].delay_us);
	}
	if (l->failed)
		hc_info("lcd: I2C writes work again");
	l->failed = false;
	return true;
}

static void lcd_show(struct hc_display *d, const struct hc_display_state *s)
{
	struct lcd *l = d->priv;
	char rows[HC_LCD_ROWS][HC_LCD_COLS + 1];
	struct hc_lcd_step steps[HC_LCD_STEPS_MAX];
	hc_lcd_text(s, rows);
	for (unsigned r = 0; r < HC_LCD_ROWS; r++) {
		if (l->valid[r] && strcmp(rows[r], l->shown[r]) == 0)
			continue;
		size_t n = hc_hd44780_line(steps, r, rows[r], true);
		l->valid[r] = write_steps(l, steps, n);
		memcpy(l->shown[r], rows[r], sizeof rows[r]);
	}
}

static void lcd_close(struct hc_display *d)
{
	struct lcd *l = d->priv;
	if (l == NULL)
		return;
	struct hc_lcd_step steps[HC_LCD_STEPS_MAX];
	size_t n = hc_hd44780_line(steps, 0, "headcount", true);
	n += hc_hd44780_line(steps + n, 1, "stopped", true);
	(void)write_steps(l, steps, n);
	close(l->fd);
	free(l);
	d->priv = NULL;
}

bool hc_display_lcd_open(const struct hc_hw_output_cfg *hw, struct hc_display *d, char *err,
			 size_t err_len)
{
	struct lcd *l = calloc(1, sizeof *l);
	if (l == NULL) {
		snprintf(err, err_len, "lcd: out of memory");
		return false;
	}
	l->fd = open(hw->lcd_i2c, O_RDWR | O_CLOEXEC);
	if (l->fd < 0) {
		snprintf(err, err_len,
			 "lcd: cannot open %s: %s (is I2C enabled: "
			 "dtparam=i2c_arm=on, user in group i2c?)",
			 hw->lcd_i2c, strerror(errno));
		goto fail;
	}
	if (ioctl(l->fd, I2C_SLAVE, (unsigned long)hw->lcd_address) < 0) {
		snprintf(err, err_len, "lcd: %s: address 0x%02x: %s", hw->lcd_i2c,
			 (unsigned)hw->lcd_address, strerror(errno));
		goto fail;
	}
	struct hc_lcd_step steps[HC_LCD_STEPS_MAX];
	size_t n = hc_hd44780_init(steps, true);
	if (!write_steps(l, steps, n)) {
		snprintf(err, err_len,
			 "lcd: no PCF8574 answers at 0x%02x on %s "
			 "(i2cdetect -y 1 lists addresses)",
			 (unsigned)hw->lcd_address, hw->lcd_i2c);
		goto fail;
	}
	d->name = "lcd";
	d->show = lcd_show;
	d->close = lcd_close;
	d->priv = l;
	return true;

fail:
	if (l->fd >= 0)
		close(l->fd);
	free(l);
	return false;
}
