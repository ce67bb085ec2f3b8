/*
 * passwords_cmd.c — `headcount-aggregator passwd NAME -c venue.ini
 * [--iterations N]`: sets or changes one supervisor's password.
 *
 * Relies on: passwords.c for the record and the atomic write, the venue
 * config (the supervisor must have a [supervisor NAME] section; the file
 * is its supervisor_passwords), mbedtls' CTR-DRBG over the system's
 * entropy for the salt, termios for a prompt with echo off.
 *
 * From a terminal the password is asked twice with echo off and must
 * match; otherwise the first line of standard input is the password (for
 * scripts and tests). Nothing is written unless everything checked out;
 * the password is wiped from memory before exit.
 */
#include "aggregator/passwords.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: headcount-aggregator passwd NAME -c venue.ini [--iterations N]\n"
		"  sets the password of supervisor NAME (a [supervisor NAME] section of\n"
		"  venue.ini) in the config's supervisor_passwords file. From a terminal\n"
		"  it asks twice with echo off; otherwise it reads one line from stdin.\n"
		"  --iterations N  PBKDF2-HMAC-SHA256 iterations (default %d, at least %d)\n",
		HC_PASSWORD_ITERATIONS_DEFAULT, HC_WIRE_SUP_ITERATIONS_MIN);
}

/* Reads one line from f into out without its newline; false at EOF or
 * when it is longer than cap - 1. */
static bool read_line(FILE *f, char *out, size_t cap)
{
	if (fgets(out, (int)cap, f) == NULL)
		return false;
	size_t n = strlen(out);
	if (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	else if (n == cap - 1 && !feof(f))
		return false; /* longer than cap: refuse, do not cut */
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	return true;
}

/* Asks on the terminal (stdin) with echo off. */
static bool prompt(const char *text, char *out, size_t cap)
{
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return false;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	fprintf(stderr, "%s", text);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &quiet) != 0)
		return false;
	bool ok = read_line(stdin, out, cap);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &old) != 0)
		ok = false;
	return ok;
}

static bool draw_salt(unsigned char salt[HC_WIRE_SUP_SALT_BYTES])
{
	static const char personal[] = "headcount-passwd";
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	bool ok = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
					(const unsigned char *)personal, strlen(personal)) == 0 &&
		  mbedtls_ctr_drbg_random(&drbg, salt, HC_WIRE_SUP_SALT_BYTES) == 0;
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return ok;
}

/* Reads the command line: -c venue.ini, --iterations and NAME. Returns
 * -1 to go on, else the exit status: 0 after --help, EXIT_USAGE after a
 * usage error (said on stderr). */
static int parse_args(int argc, char **argv, const char **config_path, long *iterations,
		      const char **name_out)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	char *end = NULL;
	*config_path = NULL;
	*iterations = HC_PASSWORD_ITERATIONS_DEFAULT;
	optind = 1;
	opterr = 0; /* our own message names the option */
	while ((opt = getopt_long(argc, argv, ":c:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': *config_path = optarg; break;
		case 'i':
			errno = 0;
			*iterations = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    *iterations < HC_WIRE_SUP_ITERATIONS_MIN ||
			    *iterations > HC_WIRE_SUP_ITERATIONS_MAX) {
				fprintf(stderr, "passwd: --iterations %s: expected %d..%d\n",
					optarg, HC_WIRE_SUP_ITERATIONS_MIN,
					HC_WIRE_SUP_ITERATIONS_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return 0;
		case ':':
			fprintf(stderr, "passwd: %s needs a value\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "passwd: unknown option %s\n", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* getopt_long moved the operands to the end: NAME is the only one. */
	const char *name = optind < argc ? argv[optind++] : NULL;
	if (name == NULL || *config_path == NULL || optind != argc) {
		fprintf(stderr, "passwd: %s\n",
			name == NULL	       ? "the supervisor's NAME is required"
			: *config_path == NULL ? "-c venue.ini is required"
					       : "one NAME only");
		usage(stderr);
		return EXIT_USAGE;
	}
	*name_out = name;
	return -1;
}

/* The new password for supervisor name into pw (cap bytes): asked twice
 * on a terminal (again is the second answer's buffer), else one line of
 * standard input; false (said on stderr) when none is read, the two
 * differ or its length is out of range. */
static bool read_new_password(const char *name, char *pw, char *again, size_t cap)
{
	if (isatty(STDIN_FILENO)) {
		char q[HC_ID_LEN_MAX + 64];
		snprintf(q, sizeof q, "new password for supervisor %s: ", name);
		if (!prompt(q, pw, cap) || !prompt("again: ", again, cap)) {
			fprintf(stderr, "passwd: no password read; nothing changed\n");
			return false;
		}
		if (strcmp(pw, again) != 0) {
			fprintf(stderr, "passwd: the two passwords differ; nothing changed\n");
			return false;
		}
	} else if (!read_line(stdin, pw, cap)) {
		fprintf(stderr,
			"passwd: no password line on standard input (or one over %d"
			" bytes); nothing changed\n",
			HC_WIRE_SUP_PASSWORD_BYTES_MAX);
		return false;
	}
	size_t len = strlen(pw);
	if (len < HC_WIRE_SUP_PASSWORD_BYTES_MIN || len > HC_WIRE_SUP_PASSWORD_BYTES_MAX) {
		fprintf(stderr,
			"passwd: a password has %d..%d bytes (this one has %zu); nothing"
			" changed\n",
			HC_WIRE_SUP_PASSWORD_BYTES_MIN, HC_WIRE_SUP_PASSWORD_BYTES_MAX, len);
		return false;
	}
	return true;
}

/* headcount-aggregator passwd NAME -c venue.ini (docs/security.md). */
int hc_passwd_main(int argc, char **argv)
{
	const char *config_path, *name;
	long iterations;
	int parsed = parse_args(argc, argv, &config_path, &iterations, &name);
	if (parsed >= 0)
		return parsed;

	struct hc_config_error cerr;
	struct hc_venue_cfg *cfg = hc_venue_load(config_path, &cerr);
	if (cfg == NULL) {
		char text[PATH_MAX + 256];
		hc_config_error_format(&cerr, text, sizeof text);
		fprintf(stderr, "passwd: %s\n", text);
		return EXIT_USAGE;
	}
	int rc = EXIT_FAILURE;
	char pw[HC_WIRE_SUP_PASSWORD_BYTES_MAX + 2], again[sizeof pw];
	char why[PATH_MAX + 200];
	pw[0] = again[0] = '\0';
	if (hc_venue_find_supervisor(cfg, name) < 0) {
		fprintf(stderr,
			"passwd: no supervisor '%s' in %s; add a [supervisor %s] section"
			" first\n",
			name, config_path, name);
		rc = EXIT_USAGE;
		goto done;
	}
	/* Refuse an unusable file before asking for anything. */
	if (hc_passwords_lookup(cfg->supervisor_passwords, NULL, NULL, why, sizeof why) ==
	    HC_PASSWORDS_ERROR) {
		fprintf(stderr, "passwd: %s\n", why);
		goto done;
	}
	if (!read_new_password(name, pw, again, sizeof pw))
		goto done;
	unsigned char salt[HC_WIRE_SUP_SALT_BYTES];
	struct hc_password_record r;
	if (!draw_salt(salt)) {
		fprintf(stderr, "passwd: cannot draw a random salt (mbedtls CTR-DRBG)\n");
		goto done;
	}
	if (!hc_password_record_make(name, pw, salt, (uint32_t)iterations, &r)) {
		fprintf(stderr, "passwd: cannot derive the password record\n");
		goto done;
	}
	if (!hc_passwords_set(cfg->supervisor_passwords, &r, why, sizeof why)) {
		fprintf(stderr, "passwd: %s\n", why);
		goto done;
	}
	fprintf(stderr,
		"passwd: supervisor %s: password set in %s (PBKDF2-HMAC-SHA256, %ld"
		" iterations); it counts from the next login\n",
		name, cfg->supervisor_passwords, iterations);
	rc = 0;
done:
	mbedtls_platform_zeroize(pw, sizeof pw);
	mbedtls_platform_zeroize(again, sizeof again);
	hc_venue_free(cfg);
	return rc;
}
