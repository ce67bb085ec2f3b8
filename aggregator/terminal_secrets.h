/*
 * terminal_secrets.h — the aggregator's enrollment secrets file.
 *
 * One line per enrolled terminal, "<terminal id> <64 hex digits>", and
 * '#' comment lines (docs/security.md). The file holds every secret in
 * clear, so it must be readable by the service user only: a file that
 * its group or others can read is refused, and every write creates it
 * 0600, atomically (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves the old file or the new one, never a
 * torn one.
 */
#ifndef HC_TERMINAL_SECRETS_H
#define HC_TERMINAL_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/limits.h"
#include "shared/terminal_auth.h"

struct hc_terminal_secret {
	char id[HC_ID_LEN_MAX + 1];
	uint8_t secret[HC_TAUTH_SECRET_BYTES];
};

/* At most HC_TERMINALS_MAX entries, in file order. */
struct hc_terminal_secrets {
	uint32_t count;
	struct hc_terminal_secret *items;
};

/* Reads path into a new set. A missing file is an empty set (*missing
 * true when missing is not NULL). False with err ("PATH:LINE: ...")
 * when it cannot be read, is readable by group or others, or a line is
 * malformed or repeats an id. */
struct hc_terminal_secrets *hc_terminal_secrets_load(const char *path, bool *missing, char *err,
						     size_t err_len);

/* Writes the set to path atomically, mode 0600. */
bool hc_terminal_secrets_save(const char *path, const struct hc_terminal_secrets *s, char *err,
			      size_t err_len);

/* The secret of a terminal, or NULL when it is not enrolled. */
const uint8_t *hc_terminal_secrets_find(const struct hc_terminal_secrets *s, const char *id);

/* Adds or replaces a terminal's secret; false when full or out of memory. */
bool hc_terminal_secrets_set(struct hc_terminal_secrets *s, const char *id,
			     const uint8_t secret[HC_TAUTH_SECRET_BYTES]);

/* Removes a terminal; false when it was not enrolled. */
bool hc_terminal_secrets_remove(struct hc_terminal_secrets *s, const char *id);

/* Wipes the secrets from memory and frees the set (NULL is fine). */
void hc_terminal_secrets_free(struct hc_terminal_secrets *s);

#endif
