/*
 * settings.h — the terminal's settings as text, and its config file.
 *
 * headcount-terminal takes its settings from flags and from the
 * [terminal] section of an INI file (docs/terminal.md, "Config file");
 * terminal/main.c parses the flags, this reads the file. Values are kept
 * as text here and checked by main.c once flags and file are merged.
 */
#ifndef HC_TERMINAL_SETTINGS_H
#define HC_TERMINAL_SETTINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hardware keys of the [terminal] section (docs/terminal.md, GPIO and
 * LCD), kept as text like the others. */
enum hc_term_hw_key {
	HC_HW_GPIO_CHIP,
	HC_HW_LINE_IN,
	HC_HW_LINE_OUT,
	HC_HW_LINE_UNDO,
	HC_HW_DEBOUNCE,
	HC_HW_ACTIVE_LOW,
	HC_HW_PULL_UP,
	HC_HW_LINE_GREEN,
	HC_HW_LINE_RED,
	HC_HW_LINE_BUZZER,
	HC_HW_LCD_I2C,
	HC_HW_LCD_ADDRESS,
	HC_HW_KEY_COUNT,
};

/* The key's name in the file ("gpio_chip", ...). */
const char *hc_term_hw_key_name(enum hc_term_hw_key k);

struct hc_term_settings {
	char hw[HC_HW_KEY_COUNT][64]; /* "" = not set: the default */
	char id[128];
	char url[512];
	char journal[PATH_MAX];
	char batch_interval[32];
	char input[32];
	char display[32];
	char config[PATH_MAX];
	/* TLS (docs/terminal.md, "TLS"): the venue CA's certificate that a
	 * wss:// aggregator must chain to, and its optional pin. A file that
	 * gives both is checked when read: a pin that does not match the CA
	 * file is an error at the line of the later of the two keys. */
	char ca[PATH_MAX];
	char ca_sha256[160];
	char secret[65];	    /* 64 hex digits, checked at load */
	char secret_file[PATH_MAX]; /* read at each connection */
	bool exit_when_acked;
	bool verbose;
	bool help;
};

/* Copies value into dst when it fits (strlen < cap); false otherwise. */
bool hc_term_settings_copy(char *dst, size_t cap, const char *value);

/* Reads the INI file at path into s: keys id, url, journal,
 * batch_interval_ms, input, display, ca, ca_sha256 and the hardware keys of [terminal]. All or nothing: on
 * any error s is unchanged, the error is logged ("terminal.ini:3:
 * unknown key \"ids\" in [terminal]", "x.ini: cannot open: ...") and the
 * result is false. */
bool hc_term_settings_load_file(const char *path, struct hc_term_settings *s);

/* The same for INI text already in memory (NUL-ended), named name in
 * the message; the error goes into err (err_len bytes) instead of the
 * log, word for word what hc_term_settings_load_file() would log. */
bool hc_term_settings_load_text(const char *name, const char *text, struct hc_term_settings *s,
				char *err, size_t err_len);

/* The enrollment secret in a secret_file: its first line, 64 lower-case
 * hex digits (what `headcount-aggregator enroll` prints as secret).
 * False with err "PATH: ..." or "PATH:1: ..."; *missing tells a file
 * that does not exist (yet) from a malformed one. */
bool hc_term_secret_read_file(const char *path, uint8_t out[32], bool *missing, char *err,
			      size_t err_len);

/* secret (hex) into 32 bytes; false when it is not 64 lower-case hex. */
bool hc_term_secret_parse(const char *hex, uint8_t out[32]);

#endif
