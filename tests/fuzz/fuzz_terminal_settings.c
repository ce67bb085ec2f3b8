/*
 * fuzz_terminal_settings.c — libFuzzer target for the terminal's config
 * file parser (terminal/settings.c).
 *
 * What must hold, whatever the bytes (cut at the first NUL, as a C
 * string is):
 *  - no crash, leak or sanitizer report;
 *  - a refusal leaves the settings exactly as they were and says why in
 *    one line "name:line: message" (or "name: ...");
 *  - an accepted file sets only text that fits each field, and writing
 *    the settings back as a [terminal] section and reading that gives
 *    the same settings (parse-then-build round trip);
 *  - the file entry gives the same outcome as the text entry for the
 *    same bytes (the input is written to a scratch file to compare).
 * Relies on: settings.h, inih. Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/log.h"
#include "terminal/settings.h"

#include "tests/fuzz/fuzz_check.h"

/* inih's line buffer (INI_MAX_LINE); round trips are checked only for
 * lines that fit it with room to spare. */
#define INI_LINE_FIT 190

static char file_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(file_path, sizeof file_path, "/tmp/hc-fuzz-terminal-XXXXXX");
	int fd = mkstemp(file_path);
	CHECK(fd >= 0);
	close(fd);
	/* Only the unique name is kept: each input writes the file, loads
	 * it and removes it, so no run leaves it behind. */
	CHECK(unlink(file_path) == 0);
	/* The file entry logs its errors: above ERROR nothing is printed. */
	hc_log_init("fuzz", (enum hc_log_level)(HC_LOG_ERROR + 1));
	return 0;
}

/* Settings as main.c starts them, with a recognisable value each. */
static void defaults(struct hc_term_settings *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->input, sizeof s->input, "stdin");
	snprintf(s->display, sizeof s->display, "line");
	snprintf(s->batch_interval, sizeof s->batch_interval, "2000");
	snprintf(s->config, sizeof s->config, "%s", file_path);
}

static bool terminated(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

/* Appends "key=value\n" when it fits inih's line; false when not. */
static bool put(char *out, size_t cap, size_t *len, const char *key, const char *value)
{
	if (strlen(key) + 1 + strlen(value) > INI_LINE_FIT)
		return false;
	int n = snprintf(out + *len, cap - *len, "%s=%s\n", key, value);
	CHECK(n > 0 && (size_t)n < cap - *len);
	*len += (size_t)n;
	return true;
}

static void round_trip(const struct hc_term_settings *s)
{
	char text[4096];
	size_t len = 0;
	snprintf(text, sizeof text, "[terminal]\n");
	len = strlen(text);
	if (!put(text, sizeof text, &len, "id", s->id) ||
	    !put(text, sizeof text, &len, "url", s->url) ||
	    !put(text, sizeof text, &len, "journal", s->journal) ||
	    !put(text, sizeof text, &len, "batch_interval_ms", s->batch_interval) ||
	    !put(text, sizeof text, &len, "input", s->input) ||
	    !put(text, sizeof text, &len, "display", s->display))
		return;
	for (int k = 0; k < HC_HW_KEY_COUNT; k++)
		if (s->hw[k][0] != '\0' &&
		    !put(text, sizeof text, &len, hc_term_hw_key_name((enum hc_term_hw_key)k),
			 s->hw[k]))
			return;
	if ((s->secret[0] != '\0' && !put(text, sizeof text, &len, "secret", s->secret)) ||
	    (s->secret_file[0] != '\0' &&
	     !put(text, sizeof text, &len, "secret_file", s->secret_file)))
		return;
	struct hc_term_settings back;
	defaults(&back);
	char err[512];
	bool ok = hc_term_settings_load_text("rebuilt", text, &back, err, sizeof err);
	if (!ok)
		fprintf(stderr, "rebuilt settings refused: %s\n%s", err, text);
	CHECK(ok);
	/* Text compared as text: a key given twice leaves the longer first
	 * value's tail after the NUL, which means nothing. */
	CHECK(strcmp(back.id, s->id) == 0 && strcmp(back.url, s->url) == 0);
	CHECK(strcmp(back.journal, s->journal) == 0);
	CHECK(strcmp(back.batch_interval, s->batch_interval) == 0);
	CHECK(strcmp(back.input, s->input) == 0 && strcmp(back.display, s->display) == 0);
	CHECK(strcmp(back.config, s->config) == 0);
	for (int k = 0; k < HC_HW_KEY_COUNT; k++)
		CHECK(strcmp(back.hw[k], s->hw[k]) == 0);
	CHECK(strcmp(back.secret, s->secret) == 0 && strcmp(back.secret_file, s->secret_file) == 0);
	CHECK(back.help == s->help && back.verbose == s->verbose &&
	      back.exit_when_acked == s->exit_when_acked);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	size_t text_len = strlen(text);

	struct hc_term_settings s, before;
	defaults(&s);
	before = s;
	char err[512] = "";
	bool ok = hc_term_settings_load_text(file_path, text, &s, err, sizeof err);
	if (!ok) {
		CHECK(memcmp(&s, &before, sizeof s) == 0);
		CHECK(strncmp(err, file_path, strlen(file_path)) == 0);
		CHECK(strchr(err, '\n') == NULL && strlen(err) > strlen(file_path) + 2);
	} else {
		CHECK(terminated(s.id, sizeof s.id) && terminated(s.url, sizeof s.url));
		CHECK(terminated(s.journal, sizeof s.journal));
		CHECK(terminated(s.batch_interval, sizeof s.batch_interval));
		CHECK(terminated(s.input, sizeof s.input));
		CHECK(terminated(s.display, sizeof s.display));
		CHECK(terminated(s.secret, sizeof s.secret));
		CHECK(terminated(s.secret_file, sizeof s.secret_file));
		CHECK(s.secret[0] == '\0' || s.secret_file[0] == '\0');
		for (int k = 0; k < HC_HW_KEY_COUNT; k++)
			CHECK(terminated(s.hw[k], sizeof s.hw[k]));
		CHECK(strcmp(s.config, before.config) == 0);
		CHECK(!s.help && !s.verbose && !s.exit_when_acked);
		round_trip(&s);
	}

	/* The file entry logs instead of returning the message; compare the
	 * outcome and the settings. */
	FILE *f = fopen(file_path, "wb");
	CHECK(f != NULL);
	CHECK(text_len == 0 || fwrite(text, 1, text_len, f) == text_len);
	CHECK(fclose(f) == 0);
	struct hc_term_settings from_file;
	defaults(&from_file);
	bool file_ok = hc_term_settings_load_file(file_path, &from_file);
	CHECK(unlink(file_path) == 0);
	CHECK(file_ok == ok);
	CHECK(memcmp(&from_file, &s, sizeof s) == 0);
	free(text);
	return 0;
}
