/*
 * main.c — the headcount-terminal command line.
 *
 *   headcount-terminal [run] --id t1 --url ws://127.0.0.1:8080
 *       [--journal PATH] [--batch-interval-ms 2000]
 *       [--input stdin|keyboard|gpio|gpio-sim]
 *       [--display line|screen|none[,leds][,lcd]]
 *       [--exit-when-acked] [--config terminal.ini] [--verbose]
 *   headcount-terminal status --journal PATH   (or --id t1)
 *   headcount-terminal --help
 *
 * --config reads the [terminal] section of an INI file (keys id, url,
 * journal, batch_interval_ms, input, display, and the gpio_* and lcd_*
 * hardware keys, which exist only there); flags given on the command
 * line win over it. A bad flag or value prints a message and exits 2; a
 * failure at run time (journal, device) exits 1. docs/terminal.md is the
 * user guide. This file only parses flags (the file is read by
 * terminal/settings.c) and wires: journal -> station -> input/display ->
 * link.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/display.h"
#include "hw/input.h"
#include "shared/clock.h"
#include "shared/limits.h"
#include "shared/log.h"
#include "shared/protocol.h"
#include "shared/version.h"
#include "terminal/journal.h"
#include "terminal/link.h"
#include "terminal/settings.h"
#include "shared/tls_client.h"
#include "terminal/station.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fprintf(out,
		"usage: headcount-terminal [run] --id ID --url ws://HOST:PORT [options]\n"
		"       headcount-terminal status --journal PATH | --id ID\n"
		"       headcount-terminal --help | --version\n"
		"\n"
		"run options:\n"
		"  --id ID                  terminal id, as in the venue config\n"
		"  --url URL                aggregator, e.g. ws://127.0.0.1:8080\n"
		"  --journal PATH           journal file (default ./terminal-ID.db)\n"
		"  --batch-interval-ms MS   batch every MS ms (%d..%d, default %d)\n"
		"  --input stdin|keyboard|gpio|gpio-sim\n"
		"                           where presses come from (default stdin)\n"
		"  --display line|screen|none[,leds][,lcd]\n"
		"                           what the door sees (default line)\n"
		"  --exit-when-acked        exit 0 once input ended and all is acked\n"
		"  --ca PATH                venue CA certificate a wss:// aggregator must\n"
		"                           chain to (needed for wss://)\n"
		"  --ca-sha256 HEX          the CA's pin: refuse to start when ca differs\n"
		"  --secret-file FILE       the enrollment secret (64 hex digits), read\n"
		"                           at each connection\n"
		"  --config FILE            read [terminal] settings from an INI file\n"
		"  --verbose                debug logging\n",
		HC_BATCH_INTERVAL_MS_MIN, HC_BATCH_INTERVAL_MS_MAX, HC_BATCH_INTERVAL_MS_DEFAULT);
}

enum {
	OPT_ID = 1000,
	OPT_URL,
	OPT_JOURNAL,
	OPT_BATCH,
	OPT_INPUT,
	OPT_DISPLAY,
	OPT_EXIT_ACKED,
	OPT_SECRET_FILE,
	OPT_CONFIG,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_CA,
	OPT_CA_SHA256,
};

static const struct option long_options[] = {
	{ "id", required_argument, NULL, OPT_ID },
	{ "url", required_argument, NULL, OPT_URL },
	{ "journal", required_argument, NULL, OPT_JOURNAL },
	{ "batch-interval-ms", required_argument, NULL, OPT_BATCH },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "display", required_argument, NULL, OPT_DISPLAY },
	{ "exit-when-acked", no_argument, NULL, OPT_EXIT_ACKED },
	{ "secret-file", required_argument, NULL, OPT_SECRET_FILE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "ca-sha256", required_argument, NULL, OPT_CA_SHA256 },
	{ NULL, 0, NULL, 0 },
};

/* One getopt pass. With only_config, takes --config/--help/--verbose and
 * skips the rest (they are applied after the config file). */
static bool parse_flags(int argc, char **argv, struct hc_term_settings *s, bool only_config)
{
	optind = 0; /* GNU: full re-initialisation for a second pass */
	opterr = only_config ? 1 : 0;
	int c;
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		bool ok = true;
		if (c == '?' || c == ':')
			return false;
		if (c == OPT_CONFIG)
			ok = hc_term_settings_copy(s->config, sizeof s->config, optarg);
		else if (c == OPT_HELP)
			s->help = true;
		else if (c == OPT_VERBOSE)
			s->verbose = true;
		else if (only_config)
			continue;
		else if (c == OPT_ID)
			ok = hc_term_settings_copy(s->id, sizeof s->id, optarg);
		else if (c == OPT_URL)
			ok = hc_term_settings_copy(s->url, sizeof s->url, optarg);
		else if (c == OPT_JOURNAL)
			ok = hc_term_settings_copy(s->journal, sizeof s->journal, optarg);
		else if (c == OPT_BATCH)
			ok = hc_term_settings_copy(s->batch_interval, sizeof s->batch_interval,
						   optarg);
		else if (c == OPT_INPUT)
			ok = hc_term_settings_copy(s->input, sizeof s->input, optarg);
		else if (c == OPT_DISPLAY)
			ok = hc_term_settings_copy(s->display, sizeof s->display, optarg);
		else if (c == OPT_EXIT_ACKED)
			s->exit_when_acked = true;
		else if (c == OPT_CA)
			ok = hc_term_settings_copy(s->ca, sizeof s->ca, optarg);
		else if (c == OPT_CA_SHA256)
			ok = hc_term_settings_copy(s->ca_sha256, sizeof s->ca_sha256, optarg);
		else if (c == OPT_SECRET_FILE) {
			ok = hc_term_settings_copy(s->secret_file, sizeof s->secret_file, optarg);
			s->secret[0] = '\0'; /* the flag wins over the file's secret */
		}
		if (!ok) {
			hc_error("value of %s too long", argv[optind - 1]);
			return false;
		}
	}
	if (optind < argc) {
		hc_error("unexpected argument \"%s\"", argv[optind]);
		return false;
	}
	return true;
}

/* Parses a decimal integer within [min, max]. */
static bool parse_int64(const char *text, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Reads config file and flags into s; false on any usage error. */
static bool gather_settings(int argc, char **argv, struct hc_term_settings *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->input, sizeof s->input, "stdin");
	snprintf(s->display, sizeof s->display, "line");
	snprintf(s->batch_interval, sizeof s->batch_interval, "%d", HC_BATCH_INTERVAL_MS_DEFAULT);
	if (!parse_flags(argc, argv, s, true))
		return false;
	if (s->help)
		return true;
	if (s->config[0] != '\0' && !hc_term_settings_load_file(s->config, s))
		return false;
	return parse_flags(argc, argv, s, false);
}

static int run_status(int argc, char **argv)
{
	struct hc_term_settings s;
	if (!gather_settings(argc, argv, &s))
		return EXIT_USAGE;
	if (s.help) {
		usage(stdout);
		return 0;
	}
	if (s.journal[0] == '\0') {
		if (s.id[0] == '\0' || !hc_proto_valid_id(s.id)) {
			hc_error("status needs --journal PATH or a valid --id");
			return EXIT_USAGE;
		}
		hc_journal_default_path(s.id, s.journal, sizeof s.journal);
	}
	char err[512];
	struct hc_journal *j = hc_journal_open_existing(s.journal, s.id[0] != '\0' ? s.id : NULL,
							err, sizeof err);
	if (j == NULL) {
		hc_error("%s", err);
		return 1;
	}
	struct hc_journal_status st;
	bool ok = hc_journal_status(j, &st);
	hc_journal_close(j);
	if (!ok) {
		hc_error("%s: cannot read status", s.journal);
		return 1;
	}
	char hex[17];
	hc_proto_format_incarnation(st.incarnation, hex);
	printf("terminal=%s\n", st.terminal);
	printf("incarnation=%s\n", hex);
	printf("pressed_in=%" PRId64 "\n", st.pressed_in);
	printf("pressed_out=%" PRId64 "\n", st.pressed_out);
	printf("undone_in=%" PRId64 "\n", st.undone_in);
	printf("undone_out=%" PRId64 "\n", st.undone_out);
	printf("acked_in=%" PRId64 "\n", st.acked_in);
	printf("acked_out=%" PRId64 "\n", st.acked_out);
	printf("pending_in=%" PRId64 "\n", st.pending_in);
	printf("pending_out=%" PRId64 "\n", st.pending_out);
	printf("unacked_batches=%" PRId64 "\n", st.unacked_batches);
	printf("last_seq=%" PRId64 "\n", st.last_seq);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Parses a boolean key: true/false, yes/no, on/off, 1/0. */
static bool parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(text, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(text, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* A line offset key: 0..HC_GPIO_LINE_MAX, or -1 / "none" for unused. */
static bool parse_line_key(const struct hc_term_settings *s, enum hc_term_hw_key k, int32_t *out)
{
	int64_t v;
	if (s->hw[k][0] == '\0')
		return true; /* keep the default */
	if (strcmp(s->hw[k], "none") == 0) {
		*out = -1;
		return true;
	}
	if (!parse_int64(s->hw[k], -1, HC_GPIO_LINE_MAX, &v)) {
		hc_error("%s \"%s\": expected a line offset 0..%d or none", hc_term_hw_key_name(k),
			 s->hw[k], HC_GPIO_LINE_MAX);
		return false;
	}
	*out = (int32_t)v;
	return true;
}

/* Fills the GPIO input and output settings from the hardware keys. */
static bool parse_hw(const struct hc_term_settings *s, struct hc_gpio_input_cfg *in,
		     struct hc_hw_output_cfg *out)
{
	hc_gpio_input_cfg_default(in);
	hc_hw_output_cfg_default(out);
	if (s->hw[HC_HW_GPIO_CHIP][0] != '\0') {
		snprintf(in->chip, sizeof in->chip, "%s", s->hw[HC_HW_GPIO_CHIP]);
		snprintf(out->chip, sizeof out->chip, "%s", s->hw[HC_HW_GPIO_CHIP]);
	}
	if (!parse_line_key(s, HC_HW_LINE_IN, &in->line_in) ||
	    !parse_line_key(s, HC_HW_LINE_OUT, &in->line_out) ||
	    !parse_line_key(s, HC_HW_LINE_UNDO, &in->line_undo) ||
	    !parse_line_key(s, HC_HW_LINE_GREEN, &out->line_green) ||
	    !parse_line_key(s, HC_HW_LINE_RED, &out->line_red) ||
	    !parse_line_key(s, HC_HW_LINE_BUZZER, &out->line_buzzer))
		return false;
	if (in->line_in < 0 || in->line_out < 0) {
		hc_error("gpio_line_in and gpio_line_out must name a line");
		return false;
	}
	if (s->hw[HC_HW_DEBOUNCE][0] != '\0' &&
	    !parse_int64(s->hw[HC_HW_DEBOUNCE], 0, HC_GPIO_DEBOUNCE_MS_MAX, &in->debounce_ms)) {
		hc_error("gpio_debounce_ms \"%s\": expected 0..%d", s->hw[HC_HW_DEBOUNCE],
			 HC_GPIO_DEBOUNCE_MS_MAX);
		return false;
	}
	if ((s->hw[HC_HW_ACTIVE_LOW][0] != '\0' &&
	     !parse_bool(s->hw[HC_HW_ACTIVE_LOW], &in->active_low)) ||
	    (s->hw[HC_HW_PULL_UP][0] != '\0' && !parse_bool(s->hw[HC_HW_PULL_UP], &in->pull_up))) {
		hc_error("gpio_active_low and gpio_pull_up take true or false");
		return false;
	}
	if (s->hw[HC_HW_LCD_I2C][0] != '\0')
		snprintf(out->lcd_i2c, sizeof out->lcd_i2c, "%s", s->hw[HC_HW_LCD_I2C]);
	if (s->hw[HC_HW_LCD_ADDRESS][0] != '\0') {
		char *end;
		errno = 0;
		long a = strtol(s->hw[HC_HW_LCD_ADDRESS], &end, 0);
		if (errno != 0 || *end != '\0' || a < 0x03 || a > 0x77) {
			hc_error("lcd_address \"%s\": expected a 7-bit I2C "
				 "address such as 0x27",
				 s->hw[HC_HW_LCD_ADDRESS]);
			return false;
		}
		out->lcd_address = (int32_t)a;
	}
	return true;
}

/* The TLS settings (shared/tls_client.h): wss:// needs the venue CA; a
 * pin must match the CA file. Fills lc->ca. */
static bool validate_tls(const struct hc_term_settings *s, struct hc_link_config *lc)
{
	char err[PATH_MAX + 256];
	if (lc->url.tls && s->ca[0] == '\0') {
		hc_error("--url %s needs the venue CA to verify the aggregator: ca = PATH in"
			 " the config or --ca PATH (the ca.crt headcount-aggregator make-ca"
			 " wrote)",
			 s->url);
		return false;
	}
	if (s->ca_sha256[0] != '\0' && s->ca[0] == '\0') {
		hc_error("ca_sha256 is given without ca: give the CA file it pins");
		return false;
	}
	if (s->ca[0] == '\0')
		return true;
	if (!hc_tls_ca_load(s->ca, s->ca_sha256, NULL, err, sizeof err)) {
		hc_error("%s", err);
		return false;
	}
	if (!lc->url.tls)
		hc_warn("ca is set but the url is ws://: the link is not encrypted and"
			" the CA is not used (use wss://)");
	if (!hc_term_settings_copy(lc->ca, sizeof lc->ca, s->ca)) {
		hc_error("ca path too long");
		return false;
	}
	return true;
}

/* The enrollment secret into lc: inline (checked when the file was
 * read), or the secret file, which must be well-formed when it exists
 * and is read again at each connection. */
static bool terminal_secret(const struct hc_term_settings *s, struct hc_link_config *lc)
{
	lc->has_secret = false;
	lc->secret_file[0] = '\0';
	if (s->secret[0] != '\0')
		return (lc->has_secret = hc_term_secret_parse(s->secret, lc->secret));
	if (s->secret_file[0] == '\0')
		return true;
	char err[PATH_MAX + 100];
	bool missing;
	uint8_t probe[32];
	if (!hc_term_secret_read_file(s->secret_file, probe, &missing, err, sizeof err)) {
		if (!missing) {
			hc_error("%s", err);
			return false;
		}
		hc_warn("%s; retrying at each connection", err);
	}
	memset(probe, 0, sizeof probe);
	snprintf(lc->secret_file, sizeof lc->secret_file, "%s", s->secret_file);
	return true;
}

/* Checks every run setting; fills the parsed forms. */
static bool validate_run(struct hc_term_settings *s, struct hc_link_config *lc,
			 int64_t *batch_interval_ms, struct hc_gpio_input_cfg *gpio_in,
			 struct hc_hw_output_cfg *hw_out)
{
	char err[256];
	if (s->id[0] == '\0' || !hc_proto_valid_id(s->id)) {
		hc_error("--id must be 1..%d characters of [A-Za-z0-9_-]%s", HC_ID_LEN_MAX,
			 s->id[0] == '\0' ? " (missing)" : "");
		return false;
	}
	if (s->url[0] == '\0') {
		hc_error("--url is missing (e.g. ws://127.0.0.1:8080)");
		return false;
	}
	if (!hc_link_parse_url(s->url, &lc->url, err, sizeof err)) {
		hc_error("--url: %s", err);
		return false;
	}
	if (!validate_tls(s, lc))
		return false;
	if (!parse_int64(s->batch_interval, HC_BATCH_INTERVAL_MS_MIN, HC_BATCH_INTERVAL_MS_MAX,
			 batch_interval_ms)) {
		hc_error("--batch-interval-ms \"%s\": expected %d..%d", s->batch_interval,
			 HC_BATCH_INTERVAL_MS_MIN, HC_BATCH_INTERVAL_MS_MAX);
		return false;
	}
	if (!hc_input_known(s->input)) {
		hc_error("--input \"%s\": expected stdin, keyboard, gpio or "
			 "gpio-sim",
			 s->input);
		return false;
	}
	if (!hc_display_known(s->display)) {
		hc_error("--display \"%s\": expected line, screen or none, "
			 "optionally followed by ,leds and/or ,lcd",
			 s->display);
		return false;
	}
	if (!parse_hw(s, gpio_in, hw_out))
		return false;
	if (s->journal[0] == '\0')
		hc_journal_default_path(s->id, s->journal, sizeof s->journal);
	lc->exit_when_acked = s->exit_when_acked;
	lc->verbose = s->verbose;
	if (!terminal_secret(s, lc))
		return false;
	return true;
}

/* `headcount-terminal run`: opens the journal, the station, the input and
 * the display, runs the link until it ends, and closes them. One piece
 * (about 65 lines) because it owns all four and releases them on its one
 * fail path, in the reverse order of opening. */
static int run_terminal(int argc, char **argv)
{
	struct hc_term_settings s;
	struct hc_link_config lc;
	int64_t batch_interval_ms = 0;
	struct hc_journal *j = NULL;
	struct hc_station st;
	struct hc_input in;
	struct hc_display d;
	struct hc_gpio_input_cfg gpio_in;
	struct hc_hw_output_cfg hw_out;
	bool station_ok = false, input_ok = false, display_ok = false;
	int status = 1;
	char err[512];

	memset(&lc, 0, sizeof lc);
	if (!gather_settings(argc, argv, &s))
		return EXIT_USAGE;
	if (s.help) {
		usage(stdout);
		return 0;
	}
	if (s.verbose)
		hc_log_init("terminal", HC_LOG_DEBUG);
	if (!validate_run(&s, &lc, &batch_interval_ms, &gpio_in, &hw_out))
		return EXIT_USAGE;

	j = hc_journal_open(s.journal, s.id, err, sizeof err);
	if (j == NULL) {
		hc_error("%s", err);
		goto fail;
	}
	station_ok = hc_station_init(&st, s.id, j, batch_interval_ms, hc_mono_ms());
	if (!station_ok)
		goto fail;
	input_ok = hc_input_open(s.input, &gpio_in, &in, err, sizeof err);
	if (!input_ok) {
		hc_error("%s", err);
		goto fail;
	}
	display_ok = hc_display_open_with(s.display, &hw_out, &d, err, sizeof err);
	if (!display_ok) {
		hc_error("%s", err);
		goto fail;
	}

	char hex[17];
	hc_proto_format_incarnation(hc_journal_incarnation(j), hex);
	hc_info("terminal %s: journal %s incarnation %s, next seq %" PRId64 ", %" PRId64
		" presses pending, %zu batches unacked; "
		"aggregator %s",
		s.id, s.journal, hex, st.outbox->next_seq,
		st.outbox->pending_entered + st.outbox->pending_exited, st.outbox->unacked_count,
		s.url);
	status = hc_link_run(&lc, &st, &in, &d);

fail:
	if (display_ok)
		d.close(&d);
	if (input_ok)
		in.close(&in);
	if (station_ok)
		hc_station_free(&st);
	hc_journal_close(j);
	return status;
}

int main(int argc, char **argv)
{
	hc_log_init("terminal", HC_LOG_INFO);
	if (hc_version_requested(argc, argv)) {
		hc_version_print(stdout, "headcount-terminal");
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return run_status(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run_terminal(argc - 1, argv + 1);
	if (argc >= 2 && argv[1][0] != '-') {
		hc_error("unknown command \"%s\" (expected run or status)", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return run_terminal(argc, argv);
}
