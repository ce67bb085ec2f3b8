/*
 * hc_login_bench.c — what a supervisor login costs, measured (not a
 * test: it asserts nothing and prints figures for docs/security.md).
 *
 *   build/tools/hc_login_bench [--iterations N] [--rounds N]
 *
 * Prints the time of one PBKDF2 derivation at N iterations (what
 * `passwd` and every client login pay), of the aggregator's proof check
 * (what the event loop pays per login), and of a lookup in a passwords
 * file of 64 records (read at every login). Relies on aggregator/
 * passwords.c and shared/wire_supervisor.c; writes one file in /tmp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregator/passwords.h"
#include "shared/clock.h"

/* One piece (a test tool's main): the measurements one after another, printed in the order they ran. */
int main(int argc, char **argv)
{
	long iterations = HC_PASSWORD_ITERATIONS_DEFAULT, rounds = 3;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--iterations") == 0)
			iterations = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = strtol(argv[i + 1], NULL, 10);
	}
	if (iterations < HC_WIRE_SUP_ITERATIONS_MIN || iterations > HC_WIRE_SUP_ITERATIONS_MAX ||
	    rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: hc_login_bench [--iterations N] [--rounds 1..1000]\n");
		return 2;
	}
	const unsigned char salt[HC_WIRE_SUP_SALT_BYTES] = { 7 };
	const char *nonce = "00112233445566778899aabbccddeeff";
	struct hc_password_record r;
	int64_t best_us = -1;
	for (long k = 0; k < rounds; k++) {
		int64_t t0 = hc_mono_us();
		if (!hc_password_record_make("alice", "correct-horse", salt, (uint32_t)iterations,
					     &r))
			return 1;
		int64_t us = hc_mono_us() - t0;
		if (best_us < 0 || us < best_us)
			best_us = us;
	}
	printf("pbkdf2: %ld iterations: %.1f ms (best of %ld)\n", iterations, best_us / 1000.0,
	       rounds);

	char salt_hex[HC_WIRE_SUP_SALT_HEX_LEN + 1], proof[512];
	hc_password_salt_hex(&r, salt_hex);
	size_t n = hc_wire_sup_build_proof(proof, sizeof proof, "alice", "correct-horse", nonce,
					   salt_hex, (uint32_t)iterations);
	if (n == 0)
		return 1;
	/* {"type":"proof","proof":"<64 hex>"}: the hex starts after the 3rd quote pair. */
	char *hex = strstr(proof, "\"proof\":\"");
	if (hex == NULL)
		return 1;
	hex += 9;
	hex[HC_WIRE_SUP_PROOF_HEX_LEN] = '\0';
	const long checks = 100000;
	int64_t t0 = hc_mono_us();
	long good = 0;
	for (long k = 0; k < checks; k++)
		good += hc_password_proof_valid(&r, nonce, hex);
	int64_t check_us = hc_mono_us() - t0;
	printf("proof check: %.2f us each (%ld checks, %ld valid)\n", (double)check_us / checks,
	       checks, good);

	char path[] = "/tmp/hc_login_bench.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	unlink(path);
	char why[512];
	for (int i = 0; i < 64; i++) {
		struct hc_password_record q = r;
		snprintf(q.name, sizeof q.name, "supervisor%02d", i);
		if (!hc_passwords_set(path, &q, why, sizeof why)) {
			fprintf(stderr, "%s\n", why);
			return 1;
		}
	}
	const long lookups = 2000;
	t0 = hc_mono_us();
	for (long k = 0; k < lookups; k++) {
		struct hc_password_record q;
		if (hc_passwords_lookup(path, "supervisor63", &q, why, sizeof why) !=
		    HC_PASSWORDS_FOUND)
			return 1;
	}
	int64_t lookup_us = hc_mono_us() - t0;
	unlink(path);
	printf("passwords file lookup (64 records): %.1f us each\n", (double)lookup_us / lookups);
	return good == checks ? 0 : 1;
}
