/*
 * input.c — picks an input backend by name (see input.h).
 *
 * Each backend lives in its own file (input_stdin.c, input_keyboard.c)
 * and exposes one open function; this file only maps names to them.
 */
#include "hw/input.h"

#include <stdio.h>
#include <string.h>

bool hc_input_stdin_open(struct hc_input *in, char *err, size_t err_len);
bool hc_input_keyboard_open(struct hc_input *in, char *err, size_t err_len);

bool hc_input_open(const char *backend, struct hc_input *in, char *err,
		   size_t err_len)
{
	memset(in, 0, sizeof *in);
	in->fd = -1;
	if (strcmp(backend, "stdin") == 0)
		return hc_input_stdin_open(in, err, err_len);
	if (strcmp(backend, "keyboard") == 0)
		return hc_input_keyboard_open(in, err, err_len);
	snprintf(err, err_len,
		 "unknown input backend \"%s\" (expected stdin or keyboard)",
		 backend);
	return false;
}
