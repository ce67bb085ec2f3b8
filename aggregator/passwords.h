/*
 * passwords.h — supervisors' passwords: the records, the file that holds
 * them, and the aggregator's check of a login proof.
 *
 * What lives here: one record per supervisor, "NAME:pbkdf2-sha256:
 * ITERATIONS:SALT:STOREDKEY" (hex), never the password itself and
 * nothing a client could log in with: StoredKey is SHA-256 of the
 * ClientKey the login proves (shared/wire_supervisor.h has the key
 * schedule). The file is read whole at every login and at start-up;
 * written only by `headcount-aggregator passwd` (passwords_cmd.c).
 *
 * Relies on: shared/wire_supervisor.h for the key schedule, mbedtls'
 * constant-time compare, POSIX files (open, fstat, fsync, rename).
 *
 * Promises: a file readable or writable by group or others is refused
 * (read and write alike) with a sentence saying how to fix it; a line
 * that is not a record is refused with its line number, never skipped;
 * a write goes to a temporary file in the same directory (mode 0600,
 * the old file's owner), is fsynced and renamed over the old one, and
 * the directory fsynced, so a crash leaves the old file or the new one.
 * The proof check takes the same time whatever it finds.
 */
#ifndef HC_PASSWORDS_H
#define HC_PASSWORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/config.h"
#include "shared/protocol.h"
#include "shared/wire_supervisor.h"

/* PBKDF2-HMAC-SHA256 iterations `passwd` uses unless told otherwise
 * (docs/security.md, "Supervisor passwords": about 0.75 s here). */
#define HC_PASSWORD_ITERATIONS_DEFAULT 600000
/* The largest passwords file read (64 supervisors take ~8 KiB). */
#define HC_PASSWORDS_FILE_BYTES_MAX 65536
/* Longest line of the file. */
#define HC_PASSWORD_LINE_MAX 200

struct hc_password_record {
	char name[HC_ID_LEN_MAX + 1];
	uint32_t iterations;
	unsigned char salt[HC_WIRE_SUP_SALT_BYTES];
	unsigned char stored_key[HC_WIRE_SUP_KEY_BYTES];
};

/* One login in progress on a supervisor connection: what the hello
 * named and the record its proof is checked against (a stand-in when
 * the name has no password, so both cost the same). */
struct hc_sup_login {
	bool hello_seen;
	bool salt_pending; /* the salt message is still to be written */
	bool known;	   /* record is the supervisor's own */
	struct hc_password_record record;
};

/* Parses one line (no newline); false for anything but a record. */
bool hc_password_record_parse(const char *line, struct hc_password_record *out);

/* Writes r as one line (no newline) into out; false when it does not fit. */
bool hc_password_record_format(const struct hc_password_record *r, char *out, size_t cap);

/* Derives name's record from password, salt and iterations (PBKDF2:
 * slow by design). False when a value is out of range or mbedtls fails. */
bool hc_password_record_make(const char *name, const char *password,
			     const unsigned char salt[HC_WIRE_SUP_SALT_BYTES], uint32_t iterations,
			     struct hc_password_record *out);

/* The salt as hex, for the salt message and the AuthMessage. */
void hc_password_salt_hex(const struct hc_password_record *r,
			  char out[HC_WIRE_SUP_SALT_HEX_LEN + 1]);

/* True when proof_hex proves the ClientKey behind r for this nonce:
 * SHA-256(proof XOR HMAC(StoredKey, AuthMessage)) == StoredKey, compared
 * in constant time. Costs two hashes, no PBKDF2. */
bool hc_password_proof_valid(const struct hc_password_record *r, const char *nonce_hex,
			     const char *proof_hex);

enum hc_passwords_status {
	HC_PASSWORDS_FOUND,
	HC_PASSWORDS_NOT_FOUND, /* the file has no record of the name */
	HC_PASSWORDS_NO_FILE,	/* the file does not exist */
	HC_PASSWORDS_ERROR,	/* unreadable, mode too open, a bad line: why */
};

/* Looks name up in the file at path (name NULL: only checks the file). */
enum hc_passwords_status hc_passwords_lookup(const char *path, const char *name,
					     struct hc_password_record *out, char *why,
					     size_t why_cap);

/* Sets r in the file at path (adding or replacing r->name), atomically
 * as promised above; creates the file (0600) when there is none. */
bool hc_passwords_set(const char *path, const struct hc_password_record *r, char *why,
		      size_t why_cap);

/* Start-up: ERROR and false when the passwords file exists but cannot
 * be used (mode, a bad line); a WARN per supervisor without a password.
 * config_path is only named in the hints. */
bool hc_passwords_check_at_start(const struct hc_venue_cfg *cfg, const char *config_path);

/* `headcount-aggregator passwd NAME -c venue.ini [--iterations N]`
 * (passwords_cmd.c): argv[0] is "passwd". Exit status: 0 set, 1 failed,
 * 2 bad arguments. */
int hc_passwd_main(int argc, char **argv);

#endif
