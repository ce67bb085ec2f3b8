/*
 * input.h — where presses come from: the terminal's input backends.
 *
 * A backend turns its device (a pipe, a keyboard, GPIO buttons) into
 * ENTER/EXIT presses. Each exposes one pollable file descriptor; the
 * terminal's event loop watches it and calls read when it is readable.
 * Backends: "stdin" (one press per line: "in" or "out"), "keyboard"
 * (interactive), later "gpio" (libgpiod). docs/terminal.md lists keys.
 */
#ifndef HC_HW_INPUT_H
#define HC_HW_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "terminal/outbox.h"

/* Presses one read returns at most. */
#define HC_INPUT_PRESSES_MAX 256

enum hc_input_status {
	HC_INPUT_OK,         /* zero or more presses returned */
	HC_INPUT_EOF,        /* the source ended (stdin closed) */
	HC_INPUT_QUIT,       /* the person asked to quit (keyboard 'q') */
	HC_INPUT_ERROR,      /* device failed; message logged */
};

struct hc_input {
	const char *name;
	int fd;                  /* poll this for readability */
	/* Reads what is available without blocking; fills dirs, sets *n. */
	enum hc_input_status (*read)(struct hc_input *in,
				     enum hc_direction *dirs, size_t max,
				     size_t *n);
	void (*close)(struct hc_input *in);
	void *priv;
};

/* Opens backend by name ("stdin", "keyboard"). Returns false and writes a
 * message into err for an unknown backend or a device that fails. */
bool hc_input_open(const char *backend, struct hc_input *in, char *err,
		   size_t err_len);

#endif
