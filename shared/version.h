/*
 * version.h — what every headcount binary says for --version, and the
 * version a terminal reports to the aggregator (hello.version, shown to
 * supervisors per door).
 *
 * The release number lives here; the git revision is stamped by the
 * Makefile at build time (HC_GIT_REV), so a binary found on a door's
 * Raspberry Pi names the exact source it was built from.
 */
#ifndef HC_VERSION_H
#define HC_VERSION_H

#include <stdbool.h>
#include <stdio.h>

#define HC_RELEASE "0.9.0"

/* A reported version: 1..32 characters of A-Z a-z 0-9 . _ + - */
#define HC_VERSION_LEN_MAX 32

/* "0.9.0 (git 6ed5b98b8a63)"; "(git unknown)" when built outside a checkout. */
const char *hc_version(void);

/* The same as one word for the wire: "0.9.0+6ed5b98b8a63" ("0.9.0"
 * outside a checkout); always a valid reported version. */
const char *hc_version_tag(void);

/* Prints "PROGRAM VERSION" to out. */
void hc_version_print(FILE *out, const char *program);

/* True when argv holds "--version" before any "--" (then print and
 * exit 0: every binary answers it the same way). */
bool hc_version_requested(int argc, char *const *argv);

#endif
