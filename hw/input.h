/*
 * input.h — where presses come from: the terminal's input backends.
 *
 * A backend turns its device (a pipe, a keyboard, GPIO buttons) into
 * ENTER/EXIT/UNDO key presses. Each exposes one pollable file descriptor;
 * the terminal's event loop watches it and calls read when it is
 * readable. Backends: "stdin" (one press per line: "in", "out" or
 * "undo"), "keyboard" (interactive), "gpio" (buttons through libgpiod,
 * hw/input_gpiod.c) and "gpio-sim" (the same debounce path fed from
 * scripted edge events, hw/input_gpiosim.c). docs/terminal.md lists keys.
 */
#ifndef HC_HW_INPUT_H
#define HC_HW_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/direction.h"

/* Presses one read returns at most. */
#define HC_INPUT_PRESSES_MAX 256

/* What one press of a key or button means. */
enum hc_key {
	HC_KEY_IN,   /* ENTER: one person in */
	HC_KEY_OUT,  /* EXIT: one person out */
	HC_KEY_UNDO, /* UNDO: take back the last press */
};

enum hc_input_status {
	HC_INPUT_OK,	/* zero or more presses returned */
	HC_INPUT_EOF,	/* the source ended (stdin closed) */
	HC_INPUT_QUIT,	/* the person asked to quit and confirmed it
				(keyboard 'q' then 'y' or 'q') */
	HC_INPUT_ERROR, /* device failed; message logged */
};

struct hc_input {
	const char *name;
	int fd; /* poll this for readability */
	/* Reads what is available without blocking; fills keys, sets *n. */
	enum hc_input_status (*read)(struct hc_input *in, enum hc_key *keys, size_t max, size_t *n);
	void (*close)(struct hc_input *in);
	/* Optional (NULL: the backend never asks): true while a quit waits
	 * for its confirmation at now_ms, so the screen can say so. */
	bool (*quit_asking)(struct hc_input *in, int64_t now_ms);
	void *priv;
};

/* GPIO settings (terminal config keys gpio_*; docs/terminal.md). Lines
 * are offsets on the chip (BCM numbers on a Raspberry Pi's main chip);
 * -1 leaves a button unused (UNDO is optional). */
struct hc_gpio_input_cfg {
	char chip[64]; /* "gpiochip0", a path or a label */
	int32_t line_in;
	int32_t line_out;
	int32_t line_undo;
	int64_t debounce_ms;
	bool active_low; /* button pulls the line to ground */
	bool pull_up;	 /* ask the kernel for the pull-up bias */
};

#define HC_GPIO_DEBOUNCE_MS_DEFAULT 30
#define HC_GPIO_LINE_MAX 1023
#define HC_GPIO_DEBOUNCE_MS_MAX 1000

/* Defaults: gpiochip0, ENTER 17, EXIT 27, UNDO 22, 30 ms, active low,
 * pull-up (hw/README.md wiring). */
void hc_gpio_input_cfg_default(struct hc_gpio_input_cfg *c);

/* Opens backend by name ("stdin", "keyboard", "gpio", "gpio-sim"); gpio
 * may be NULL for the first two. Returns false and writes a message into
 * err for an unknown backend or a device that fails. */
bool hc_input_open(const char *backend, const struct hc_gpio_input_cfg *gpio, struct hc_input *in,
		   char *err, size_t err_len);

/* True when name is a backend hc_input_open knows. */
bool hc_input_known(const char *backend);

#endif
