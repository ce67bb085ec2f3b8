/*
 * settings.c — reads the terminal's config file (settings.h).
 *
 * Relies on: inih (ini_parse for a file, ini_parse_string for text in
 * memory; both read line by line with the same rules). Its multi-line
 * values are switched off, as for the venue config: with them an
 * indented line silently replaced the value of the key above (an
 * indented "display = screen" under journal became the journal path).
 *
 * The enrollment secret: `secret = HEX` is checked here, at its line;
 * `secret_file = PATH` is read by the link at each connection
 * (hc_term_secret_read_file), so a rotated secret dropped into place is
 * used without a restart.
 *
 * Promises: the [terminal] section's keys are copied as text when
 * they fit their field; any other section or key, or a value too long,
 * is an error on its line; the first error found is the one reported,
 * at the line inih reports (its first error line). Nothing is changed
 * unless the whole file is good.
 */
#include "terminal/settings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>

#include "shared/log.h"
#include "shared/tls_client.h"
#include "shared/terminal_auth.h"

/* One load: the settings being filled and the first error's text. */
struct ini_state {
	struct hc_term_settings s;
	char message[256];
};

bool hc_term_settings_copy(char *dst, size_t cap, const char *value)
{
	size_t n = strlen(value);
	if (n >= cap)
		return false;
	memcpy(dst, value, n + 1);
	return true;
}

static const char *const hw_key_names[HC_HW_KEY_COUNT] = {
	[HC_HW_GPIO_CHIP] = "gpio_chip",       [HC_HW_LINE_IN] = "gpio_line_in",
	[HC_HW_LINE_OUT] = "gpio_line_out",    [HC_HW_LINE_UNDO] = "gpio_line_undo",
	[HC_HW_DEBOUNCE] = "gpio_debounce_ms", [HC_HW_ACTIVE_LOW] = "gpio_active_low",
	[HC_HW_PULL_UP] = "gpio_pull_up",      [HC_HW_LINE_GREEN] = "gpio_line_green",
	[HC_HW_LINE_RED] = "gpio_line_red",    [HC_HW_LINE_BUZZER] = "gpio_line_buzzer",
	[HC_HW_LCD_I2C] = "lcd_i2c",	       [HC_HW_LCD_ADDRESS] = "lcd_address",
};

const char *hc_term_hw_key_name(enum hc_term_hw_key k)
{
	return k < HC_HW_KEY_COUNT ? hw_key_names[k] : "?";
}

/* Stores a hardware key; *known says whether name is one. */
static bool hw_key_set(struct hc_term_settings *s, const char *name, const char *value, bool *known)
{
	for (int k = 0; k < HC_HW_KEY_COUNT; k++) {
		if (strcmp(name, hw_key_names[k]) == 0) {
			*known = true;
			return hc_term_settings_copy(s->hw[k], sizeof s->hw[k], value);
		}
	}
	*known = false;
	return false;
}

/* ca and ca_sha256 (shared/tls_client.h): copied, the pin's form
 * checked, and once both are known the pin checked against the file, so
 * that a wrong one is reported at its line. Returns inih's 1 or 0. */
static int tls_key_set(struct ini_state *is, const char *name, const char *value)
{
	struct hc_term_settings *s = &is->s;
	bool is_pin = strcmp(name, "ca_sha256") == 0;
	char *dst = is_pin ? s->ca_sha256 : s->ca;
	size_t cap = is_pin ? sizeof s->ca_sha256 : sizeof s->ca;
	uint8_t pin[HC_TLS_PIN_BYTES];
	if (!hc_term_settings_copy(dst, cap, value)) {
		if (is->message[0] == '\0')
			snprintf(is->message, sizeof is->message, "value of %s too long", name);
		return 0;
	}
	if (is_pin && !hc_tls_pin_parse(value, pin)) {
		if (is->message[0] == '\0')
			snprintf(is->message, sizeof is->message,
				 "ca_sha256 must be 64 hex digits (the CA pin make-ca printed)");
		return 0;
	}
	if (s->ca[0] != '\0' && s->ca_sha256[0] != '\0') {
		char err[PATH_MAX + 200];
		if (!hc_tls_ca_load(s->ca, s->ca_sha256, NULL, err, sizeof err)) {
			if (is->message[0] == '\0')
				snprintf(is->message, sizeof is->message, "%.250s", err);
			return 0;
		}
	}
	return 1;
}

/* inih handler for the [terminal] section. One piece (about 65 lines):
 * one branch per key, so each key's rule is found in one place (as
 * shared/config_keys.c does for the venue config). */
static int read_ini_key(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *is = user;
	struct hc_term_settings *s = &is->s;
	bool ok, known = false;

	if (strcmp(section, "terminal") != 0) {
		if (is->message[0] == '\0')
			snprintf(is->message, sizeof is->message,
				 "unknown section [%s] (expected [terminal])", section);
		return 0;
	}
	if (strcmp(name, "id") == 0)
		ok = hc_term_settings_copy(s->id, sizeof s->id, value);
	else if (strcmp(name, "url") == 0)
		ok = hc_term_settings_copy(s->url, sizeof s->url, value);
	else if (strcmp(name, "journal") == 0)
		ok = hc_term_settings_copy(s->journal, sizeof s->journal, value);
	else if (strcmp(name, "batch_interval_ms") == 0)
		ok = hc_term_settings_copy(s->batch_interval, sizeof s->batch_interval, value);
	else if (strcmp(name, "input") == 0)
		ok = hc_term_settings_copy(s->input, sizeof s->input, value);
	else if (strcmp(name, "display") == 0)
		ok = hc_term_settings_copy(s->display, sizeof s->display, value);
	else if (strcmp(name, "ca") == 0 || strcmp(name, "ca_sha256") == 0)
		return tls_key_set(is, name, value);
	else if (strcmp(name, "secret") == 0 || strcmp(name, "secret_file") == 0) {
		bool inline_secret = name[6] == '\0';
		uint8_t bytes[32];
		if ((inline_secret ? s->secret_file : s->secret)[0] != '\0') {
			if (is->message[0] == '\0')
				snprintf(is->message, sizeof is->message,
					 "give either secret or secret_file, not both");
			return 0;
		}
		if (inline_secret && !hc_term_secret_parse(value, bytes)) {
			if (is->message[0] == '\0')
				snprintf(
					is->message, sizeof is->message,
					"secret must be 64 lower-case hex digits (as enroll printed it)");
			return 0;
		}
		memset(bytes, 0, sizeof bytes);
		if (!inline_secret && value[0] == '\0') {
			if (is->message[0] == '\0')
				snprintf(is->message, sizeof is->message,
					 "secret_file must name a file");
			return 0;
		}
		ok = inline_secret
			     ? hc_term_settings_copy(s->secret, sizeof s->secret, value)
			     : hc_term_settings_copy(s->secret_file, sizeof s->secret_file, value);
	} else if ((ok = hw_key_set(s, name, value, &known)), known)
		;
	else {
		if (is->message[0] == '\0')
			snprintf(is->message, sizeof is->message,
				 "unknown key \"%s\" in [terminal]", name);
		return 0;
	}
	if (!ok && is->message[0] == '\0')
		snprintf(is->message, sizeof is->message, "value of %s too long", name);
	return ok ? 1 : 0;
}

/* Turns inih's result into the outcome: s updated, or err filled. */
static bool finish(const char *name, int rc, const struct ini_state *is, struct hc_term_settings *s,
		   char *err, size_t err_len)
{
	if (rc == -1) {
		snprintf(err, err_len, "%s: cannot open: %s", name, strerror(errno));
		return false;
	}
	if (rc == -2) {
		snprintf(err, err_len, "%s: out of memory", name);
		return false;
	}
	if (rc > 0) {
		snprintf(err, err_len, "%s:%d: %s", name, rc,
			 is->message[0] != '\0' ? is->message : "syntax error");
		return false;
	}
	*s = is->s;
	return true;
}

bool hc_term_secret_parse(const char *hex, uint8_t out[32])
{
	return hc_tauth_hex_decode(hex, out, 32);
}

bool hc_term_secret_read_file(const char *path, uint8_t out[32], bool *missing, char *err,
			      size_t err_len)
{
	char line[128] = "";
	*missing = false;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		*missing = errno == ENOENT;
		snprintf(err, err_len, "%s: cannot open the secret file: %s", path,
			 strerror(errno));
		return false;
	}
	bool got = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	bool ok = got && hc_term_secret_parse(line, out);
	memset(line, 0, sizeof line);
	if (!ok)
		snprintf(err, err_len, "%s:1: secret must be 64 lower-case hex digits", path);
	return ok;
}

bool hc_term_settings_load_text(const char *name, const char *text, struct hc_term_settings *s,
				char *err, size_t err_len)
{
	struct ini_state is = { .s = *s };
	ini_allow_multiline = false; /* see the note at the top of this file */
	int rc = ini_parse_string(text, read_ini_key, &is);
	return finish(name, rc, &is, s, err, err_len);
}

bool hc_term_settings_load_file(const char *path, struct hc_term_settings *s)
{
	struct ini_state is = { .s = *s };
	ini_allow_multiline = false; /* see the note at the top of this file */
	int rc = ini_parse(path, read_ini_key, &is);
	char err[PATH_MAX + 300];
	if (finish(path, rc, &is, s, err, sizeof err))
		return true;
	hc_error("%s", err);
	return false;
}
