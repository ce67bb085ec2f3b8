/*
 * input.c — picks an input backend by name (see input.h), and the GPIO
 * defaults.
 *
 * Each backend lives in its own file (input_stdin.c, input_keyboard.c,
 * input_gpiod.c, input_gpiosim.c) and exposes one open function; this
 * file only maps names to them.
 */
#include "hw/input.h"

#include <stdio.h>
#include <string.h>

bool hc_input_stdin_open(struct hc_input *in, char *err, size_t err_len);
bool hc_input_keyboard_open(struct hc_input *in, char *err, size_t err_len);
bool hc_input_gpiod_open(const struct hc_gpio_input_cfg *cfg, struct hc_input *in, char *err,
			 size_t err_len);
bool hc_input_gpiosim_open(const struct hc_gpio_input_cfg *cfg, struct hc_input *in, char *err,
			   size_t err_len);

void hc_gpio_input_cfg_default(struct hc_gpio_input_cfg *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->chip, sizeof c->chip, "gpiochip0");
	c->line_in = 17;
	c->line_out = 27;
	c->line_undo = 22;
	c->debounce_ms = HC_GPIO_DEBOUNCE_MS_DEFAULT;
	c->active_low = true;
	c->pull_up = true;
}

bool hc_input_known(const char *backend)
{
	return strcmp(backend, "stdin") == 0 || strcmp(backend, "keyboard") == 0 ||
	       strcmp(backend, "gpio") == 0 || strcmp(backend, "gpio-sim") == 0;
}

bool hc_input_open(const char *backend, const struct hc_gpio_input_cfg *gpio, struct hc_input *in,
		   char *err, size_t err_len)
{
	struct hc_gpio_input_cfg defaults;
	if (gpio == NULL) {
		hc_gpio_input_cfg_default(&defaults);
		gpio = &defaults;
	}
	memset(in, 0, sizeof *in);
	in->fd = -1;
	if (strcmp(backend, "stdin") == 0)
		return hc_input_stdin_open(in, err, err_len);
	if (strcmp(backend, "keyboard") == 0)
		return hc_input_keyboard_open(in, err, err_len);
	if (strcmp(backend, "gpio") == 0)
		return hc_input_gpiod_open(gpio, in, err, err_len);
	if (strcmp(backend, "gpio-sim") == 0)
		return hc_input_gpiosim_open(gpio, in, err, err_len);
	snprintf(err, err_len,
		 "unknown input backend \"%s\" (expected stdin, keyboard, "
		 "gpio or gpio-sim)",
		 backend);
	return false;
}
