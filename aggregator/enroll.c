/*
 * enroll.c — enroll, rotate and revoke terminals (docs/security.md).
 *
 *   headcount-aggregator enroll TERMINAL -c venue.ini [--url URL] [--ca FILE]
 *   headcount-aggregator rotate TERMINAL -c venue.ini [--url URL] [--ca FILE]
 *   headcount-aggregator revoke TERMINAL -c venue.ini
 *
 * enroll draws a 32-byte secret from mbedtls' CTR-DRBG, stores it in the
 * venue's secrets file (terminal_secrets.h: 0600, atomic) and prints
 * the terminal's config snippet (id, url, secret, and ca_sha256 when a
 * CA certificate is given) twice: as text and as a QR code drawn with
 * Unicode half blocks (libqrencode), for a handheld to scan. rotate
 * does the same for an enrolled terminal; revoke removes it.
 *
 * A running aggregator of this venue learns of the change at once: the
 * command reads the pid from the ledger's lock file (DATABASE.lock,
 * aggregator/store.c) while that lock is held and sends it SIGHUP; the
 * reload re-reads the secrets file and closes a revoked or rotated
 * terminal's connection (4023). Without a running aggregator the next
 * start reads the file.
 *
 * Promises: a terminal id not in the venue config, or (rotate, revoke)
 * not enrolled, or (enroll) already enrolled is refused with exit 2 and
 * the file is left as it was.
 */
#include "aggregator/enroll.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <qrencode.h>

#include "aggregator/terminal_secrets.h"
#include "shared/config.h"

#define EXIT_ENROLL_IO 1
#define EXIT_ENROLL_USAGE 2

/* Modules of white around the QR code (the standard asks for 4; 2 is
 * what phone scanners need and keeps it on an 80x24 screen). */
#define QR_QUIET_MODULES 2

bool hc_enroll_is_command(int argc, char **argv)
{
	return argc >= 2 && (strcmp(argv[1], "enroll") == 0 || strcmp(argv[1], "rotate") == 0 ||
			     strcmp(argv[1], "revoke") == 0);
}

static void usage(FILE *out, const char *cmd)
{
	fprintf(out, "usage: headcount-aggregator %s TERMINAL --config venue.ini [--db PATH]%s\n",
		cmd, strcmp(cmd, "revoke") == 0 ? "" : " [--url URL] [--ca FILE] [--no-qr]");
}

/* 32 bytes from a freshly seeded CTR-DRBG. */
static bool draw_secret(uint8_t out[HC_TAUTH_SECRET_BYTES])
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	static const char personal[] = "headcount-enroll";
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
				       (const unsigned char *)personal, sizeof personal - 1);
	if (rc == 0)
		rc = mbedtls_ctr_drbg_random(&drbg, out, HC_TAUTH_SECRET_BYTES);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	if (rc != 0)
		fprintf(stderr, "enroll: random secret failed (mbedtls -0x%04x)\n", (unsigned)-rc);
	return rc == 0;
}

/* SHA-256 of the first certificate's DER in a PEM or DER file. */
static bool ca_pin(const char *path, char out[HC_TAUTH_HEX_LEN + 1])
{
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	int rc = mbedtls_x509_crt_parse_file(&crt, path);
	if (rc != 0) {
		fprintf(stderr, "enroll: %s: not a certificate (mbedtls -0x%04x)\n", path,
			(unsigned)-rc);
		mbedtls_x509_crt_free(&crt);
		return false;
	}
	uint8_t digest[32];
	rc = mbedtls_sha256_ret(crt.raw.p, crt.raw.len, digest, 0);
	mbedtls_x509_crt_free(&crt);
	if (rc != 0)
		return false;
	hc_tauth_hex_encode(digest, sizeof digest, out);
	return true;
}

/* Draws text as a QR code with half blocks: each character cell holds
 * two modules, one above the other. */
static void print_qr(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL) {
		fprintf(stderr, "enroll: cannot draw the QR code: %s\n", strerror(errno));
		return;
	}
	int w = qr->width, full = w + 2 * QR_QUIET_MODULES;
	/* dark(x, y) with the quiet zone around the symbol. */
#define DARK(x, y)                                                                           \
	((x) >= QR_QUIET_MODULES && (y) >= QR_QUIET_MODULES && (x) < w + QR_QUIET_MODULES && \
	 (y) < w + QR_QUIET_MODULES &&                                                       \
	 (qr->data[((y)-QR_QUIET_MODULES) * w + ((x)-QR_QUIET_MODULES)] & 1))
	for (int y = 0; y < full; y += 2) {
		for (int x = 0; x < full; x++) {
			bool top = DARK(x, y), bottom = y + 1 < full && DARK(x, y + 1);
			/* Light modules are drawn as blocks: dark text on a light
			 * code would invert it on a dark terminal. */
			fputs(!top && !bottom ? "\u2588"
			      : !top	      ? "\u2580"
			      : !bottom	      ? "\u2584"
					      : " ",
			      stdout);
		}
		putchar('\n');
	}
#undef DARK
	QRcode_free(qr);
}

/* SIGHUP to the aggregator holding DATABASE.lock, if one does. */
static void signal_running(const char *database)
{
	char lock_path[PATH_MAX + 8];
	snprintf(lock_path, sizeof lock_path, "%s.lock", database);
	int fd = open(lock_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("# no aggregator is running on %s; it reads the change when it starts\n",
		       database);
		return;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		close(fd);
		printf("# no aggregator is running on %s; it reads the change when it starts\n",
		       database);
		return;
	}
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
	if (pid <= 1 || kill((pid_t)pid, SIGHUP) != 0) {
		fprintf(stderr,
			"enroll: cannot signal the running aggregator (pid %ld, %s): "
			"send it SIGHUP to apply the change\n",
			pid, pid <= 1 ? "unreadable lock file" : strerror(errno));
		return;
	}
	printf("# the running aggregator (pid %ld) was told to reload (SIGHUP)\n", pid);
}

/* What the command line says. */
struct enroll_args {
	const char *config_path, *db_path, *url, *ca, *id;
	bool no_qr;
};

/* Reads the command line of cmd (enroll, rotate or revoke) into a.
 * Returns -1 to go on, else the exit status: 0 after --help,
 * EXIT_ENROLL_USAGE after a usage error (the usage on stderr). */
static int parse_args(int argc, char **argv, const char *cmd, struct enroll_args *a)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'a' },
		{ "no-qr", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	int opt;
	while ((opt = getopt_long(argc, argv, "c:d:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': a->config_path = optarg; break;
		case 'd': a->db_path = optarg; break;
		case 'u': a->url = optarg; break;
		case 'a': a->ca = optarg; break;
		case 'q': a->no_qr = true; break;
		case 'h': usage(stdout, cmd); return 0;
		default: usage(stderr, cmd); return EXIT_ENROLL_USAGE;
		}
	}
	if (a->config_path == NULL || optind != argc - 1) {
		usage(stderr, cmd);
		return EXIT_ENROLL_USAGE;
	}
	a->id = argv[optind];
	return -1;
}

/* The terminal's config snippet (and its QR code unless no_qr) after an
 * enroll or a rotate. */
static void print_enrolled(const struct hc_venue_cfg *cfg, const struct enroll_args *a,
			   const char *secret_hex, const char *pin, bool is_rotate)
{
	char default_url[128];
	snprintf(default_url, sizeof default_url, "%s://%s:%u", cfg->tls.enabled ? "wss" : "ws",
		 cfg->listen_host, (unsigned)cfg->listen_port);
	char snippet[1024];
	int n = snprintf(snippet, sizeof snippet,
			 "[terminal]\nid = %s\nurl = %s\nsecret = %s\n%s%s%s", a->id,
			 a->url != NULL ? a->url : default_url, secret_hex,
			 pin[0] ? "ca = /etc/headcount/ca.crt\nca_sha256 = " : "", pin,
			 pin[0] ? "\n" : "");
	printf("# terminal %s %s in %s; its config (keep it secret):\n%s", a->id,
	       is_rotate ? "has a new secret" : "enrolled", cfg->terminal_secrets, snippet);
	if (!a->no_qr && n > 0 && (size_t)n < sizeof snippet)
		print_qr(snippet);
	mbedtls_platform_zeroize(snippet, sizeof snippet);
}

/* headcount-aggregator enroll | rotate | revoke TERMINAL (see the top of
 * this file). One piece (about 90 lines): the checks in order, each
 * leaving the secrets file as it was, then one save and one cleanup. */
int hc_enroll_main(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct enroll_args args;
	int parsed = parse_args(argc, argv, cmd, &args);
	if (parsed >= 0)
		return parsed;
	const char *config_path = args.config_path, *ca = args.ca;
	const char *id = args.id;
	bool is_revoke = strcmp(cmd, "revoke") == 0, is_rotate = strcmp(cmd, "rotate") == 0;
	int rc = EXIT_ENROLL_USAGE;
	struct hc_terminal_secrets *secrets = NULL;
	uint8_t secret[HC_TAUTH_SECRET_BYTES];
	char secret_hex[HC_TAUTH_HEX_LEN + 1] = "";
	char pin[HC_TAUTH_HEX_LEN + 1] = "";
	char err[PATH_MAX + 256];

	struct hc_config_error cerr;
	struct hc_venue_cfg *cfg = hc_venue_load(config_path, &cerr);
	if (cfg == NULL) {
		hc_config_error_format(&cerr, err, sizeof err);
		fprintf(stderr, "%s: %s\n", cmd, err);
		return EXIT_ENROLL_USAGE;
	}
	if (hc_venue_find_terminal(cfg, id) < 0) {
		fprintf(stderr,
			"%s: unknown terminal \"%s\": %s has no [terminal %s] section"
			" (add it first); nothing changed\n",
			cmd, id, config_path, id);
		goto done;
	}
	if (cfg->terminal_auth_off)
		fprintf(stderr,
			"%s: note: %s has terminal_auth = off, so the aggregator does not"
			" ask for this secret until it is switched on\n",
			cmd, config_path);
	/* With [tls] the venue CA is the one to pin, unless --ca names another. */
	if (ca == NULL && cfg->tls.enabled && cfg->tls.ca[0] != '\0')
		ca = cfg->tls.ca;
	if (ca != NULL && !ca_pin(ca, pin))
		goto done;
	bool missing = false;
	secrets = hc_terminal_secrets_load(cfg->terminal_secrets, &missing, err, sizeof err);
	if (secrets == NULL) {
		fprintf(stderr, "%s: %s; nothing changed\n", cmd, err);
		goto done;
	}
	bool enrolled = hc_terminal_secrets_find(secrets, id) != NULL;
	if (!enrolled && (is_revoke || is_rotate)) {
		fprintf(stderr, "%s: terminal \"%s\" is not enrolled (%s); nothing changed\n", cmd,
			id, cfg->terminal_secrets);
		goto done;
	}
	if (enrolled && !is_revoke && !is_rotate) {
		fprintf(stderr,
			"%s: terminal \"%s\" is already enrolled; use rotate for a new"
			" secret; nothing changed\n",
			cmd, id);
		goto done;
	}
	if (is_revoke) {
		hc_terminal_secrets_remove(secrets, id);
	} else {
		if (!draw_secret(secret) || !hc_terminal_secrets_set(secrets, id, secret)) {
			rc = EXIT_ENROLL_IO;
			goto done;
		}
		hc_tauth_hex_encode(secret, sizeof secret, secret_hex);
	}
	if (!hc_terminal_secrets_save(cfg->terminal_secrets, secrets, err, sizeof err)) {
		fprintf(stderr, "%s: %s; nothing changed\n", cmd, err);
		rc = EXIT_ENROLL_IO;
		goto done;
	}
	rc = 0;
	if (is_revoke) {
		printf("# terminal %s revoked in %s\n", id, cfg->terminal_secrets);
	} else {
		print_enrolled(cfg, &args, secret_hex, pin, is_rotate);
	}
	signal_running(args.db_path != NULL ? args.db_path : cfg->database);
done:
	mbedtls_platform_zeroize(secret, sizeof secret);
	mbedtls_platform_zeroize(secret_hex, sizeof secret_hex);
	hc_terminal_secrets_free(secrets);
	hc_venue_free(cfg);
	fflush(stdout);
	return rc;
}
