/*
 * passwords.c — supervisors' password records, their file, and the
 * check of a login proof (passwords.h).
 *
 * Relies on: shared/wire_supervisor.c for PBKDF2 and the key schedule,
 * mbedtls_ct_memcmp, POSIX open/fstat/fsync/rename, shared/log.h for
 * the start-up lines.
 *
 * The file is small (64 supervisors at most, a line each), so every
 * operation reads it whole; the aggregator reads it at each login, which
 * makes a new password count from the next login without a reload.
 */
#include "aggregator/passwords.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/platform_util.h>

#include "aggregator/file_replace.h"

#include "shared/log.h"

#define SCHEME "pbkdf2-sha256"
#define HEADER                                                                      \
	"# headcount supervisor passwords: written by headcount-aggregator passwd." \
	" Mode 0600. Salted PBKDF2-HMAC-SHA256; no password is kept.\n"

bool hc_password_record_parse(const char *line, struct hc_password_record *out)
{
	char name[HC_ID_LEN_MAX + 2], scheme[16], salt[HC_WIRE_SUP_SALT_HEX_LEN + 2];
	char key[HC_WIRE_SUP_PROOF_HEX_LEN + 2], iter[12];
	memset(out, 0, sizeof *out);
	if (strlen(line) >= HC_PASSWORD_LINE_MAX)
		return false;
	/* Fields are split by hand: sscanf's %[ ] would accept overlong ones. */
	const char *p = line;
	struct {
		char *dst;
		size_t cap;
	} f[] = {
		{ name, sizeof name }, { scheme, sizeof scheme }, { iter, sizeof iter },
		{ salt, sizeof salt }, { key, sizeof key },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		const char *end = i + 1 < sizeof f / sizeof f[0] ? strchr(p, ':') : p + strlen(p);
		if (end == NULL || (size_t)(end - p) >= f[i].cap)
			return false;
		memcpy(f[i].dst, p, (size_t)(end - p));
		f[i].dst[end - p] = '\0';
		p = *end == ':' ? end + 1 : end;
	}
	char *iend = NULL;
	errno = 0;
	unsigned long n = strtoul(iter, &iend, 10);
	if (!hc_proto_valid_id(name) || strcmp(scheme, SCHEME) != 0 || iter[0] < '0' ||
	    iter[0] > '9' || *iend != '\0' || errno != 0 || n < HC_WIRE_SUP_ITERATIONS_MIN ||
	    n > HC_WIRE_SUP_ITERATIONS_MAX ||
	    !hc_wire_sup_unhex(salt, out->salt, sizeof out->salt) ||
	    !hc_wire_sup_unhex(key, out->stored_key, sizeof out->stored_key))
		return false;
	memcpy(out->name, name, strlen(name) + 1); /* valid: at most HC_ID_LEN_MAX */
	out->iterations = (uint32_t)n;
	return true;
}

void hc_password_salt_hex(const struct hc_password_record *r,
			  char out[HC_WIRE_SUP_SALT_HEX_LEN + 1])
{
	hc_wire_sup_hex(r->salt, sizeof r->salt, out);
}

bool hc_password_record_format(const struct hc_password_record *r, char *out, size_t cap)
{
	char salt[HC_WIRE_SUP_SALT_HEX_LEN + 1], key[HC_WIRE_SUP_PROOF_HEX_LEN + 1];
	hc_password_salt_hex(r, salt);
	hc_wire_sup_hex(r->stored_key, sizeof r->stored_key, key);
	int n = snprintf(out, cap, "%s:" SCHEME ":%" PRIu32 ":%s:%s", r->name, r->iterations, salt,
			 key);
	return n > 0 && (size_t)n < cap;
}

bool hc_password_record_make(const char *name, const char *password,
			     const unsigned char salt[HC_WIRE_SUP_SALT_BYTES], uint32_t iterations,
			     struct hc_password_record *out)
{
	unsigned char client_key[HC_WIRE_SUP_KEY_BYTES];
	memset(out, 0, sizeof *out);
	size_t len = strlen(password);
	if (!hc_proto_valid_id(name) || len < HC_WIRE_SUP_PASSWORD_BYTES_MIN ||
	    len > HC_WIRE_SUP_PASSWORD_BYTES_MAX || iterations < HC_WIRE_SUP_ITERATIONS_MIN ||
	    iterations > HC_WIRE_SUP_ITERATIONS_MAX)
		return false;
	bool ok = hc_wire_sup_client_key(password, salt, HC_WIRE_SUP_SALT_BYTES, iterations,
					 client_key) &&
		  hc_wire_sup_stored_key(client_key, out->stored_key);
	mbedtls_platform_zeroize(client_key, sizeof client_key);
	if (!ok)
		return false;
	snprintf(out->name, sizeof out->name, "%s", name);
	memcpy(out->salt, salt, HC_WIRE_SUP_SALT_BYTES);
	out->iterations = iterations;
	return true;
}

bool hc_password_proof_valid(const struct hc_password_record *r, const char *nonce_hex,
			     const char *proof_hex)
{
	unsigned char proof[HC_WIRE_SUP_KEY_BYTES], sig[HC_WIRE_SUP_KEY_BYTES];
	unsigned char stored[HC_WIRE_SUP_KEY_BYTES];
	char salt[HC_WIRE_SUP_SALT_HEX_LEN + 1];
	hc_password_salt_hex(r, salt);
	/* Every step runs whatever the earlier ones found, so a malformed
	 * proof costs what a wrong one costs. */
	bool form_ok = hc_wire_sup_unhex(proof_hex, proof, sizeof proof);
	bool sig_ok = hc_wire_sup_client_signature(r->stored_key, r->name, nonce_hex, salt,
						   r->iterations, sig);
	for (size_t i = 0; i < sizeof proof; i++)
		proof[i] ^= sig[i]; /* ClientKey, if the proof is right */
	bool hash_ok = hc_wire_sup_stored_key(proof, stored);
	int diff = mbedtls_ct_memcmp(stored, r->stored_key, sizeof stored);
	mbedtls_platform_zeroize(proof, sizeof proof);
	return form_ok & sig_ok & hash_ok & (diff == 0);
}

/* ---- the file ------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static bool say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return false;
}

/* The mode rule, for reads and writes alike. */
static bool mode_ok(const char *path, const struct stat *st, char *why, size_t cap)
{
	if (!S_ISREG(st->st_mode))
		return say(why, cap, "%s is not a regular file", path);
	if ((st->st_mode & 077) != 0)
		return say(why, cap,
			   "%s is open to group or others (mode %04o); it holds"
			   " password hashes: chmod 600 %s",
			   path, (unsigned)(st->st_mode & 07777), path);
	return true;
}

/* Reads the whole file into a NUL-ended heap buffer (*text); *st gets
 * its fstat. HC_PASSWORDS_NO_FILE when it does not exist. */
static enum hc_passwords_status read_file(const char *path, char **text, struct stat *st, char *why,
					  size_t cap)
{
	*text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return HC_PASSWORDS_NO_FILE;
		say(why, cap, "cannot open %s: %s", path, strerror(errno));
		return HC_PASSWORDS_ERROR;
	}
	char *buf = NULL;
	if (fstat(fd, st) != 0) {
		say(why, cap, "cannot stat %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!mode_ok(path, st, why, cap))
		goto fail;
	if (st->st_size > HC_PASSWORDS_FILE_BYTES_MAX) {
		say(why, cap, "%s is over %d bytes", path, HC_PASSWORDS_FILE_BYTES_MAX);
		goto fail;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (buf == NULL) {
		say(why, cap, "out of memory reading %s", path);
		goto fail;
	}
	size_t got = 0;
	while (got < (size_t)st->st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st->st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			say(why, cap, "cannot read %s: %s", path,
			    n < 0 ? strerror(errno) : "short");
			goto fail;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	*text = buf;
	return HC_PASSWORDS_FOUND;
fail:
	free(buf);
	close(fd);
	return HC_PASSWORDS_ERROR;
}

/* Calls each(record, ctx) for every record of text; false with why at
 * the first line that is neither a record, a comment nor blank. */
static bool each_record(const char *path, char *text,
			void (*each)(const struct hc_password_record *r, void *ctx), void *ctx,
			char *why, size_t cap)
{
	int line_no = 0;
	for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
		line_no++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		struct hc_password_record r;
		if (!hc_password_record_parse(line, &r))
			return say(why, cap,
				   "%s:%d: not a password record (NAME:" SCHEME
				   ":ITERATIONS:SALT:KEY); set it again with passwd",
				   path, line_no);
		each(&r, ctx);
	}
	return true;
}

struct find_ctx {
	const char *name;
	struct hc_password_record *out;
	bool found;
};

static void find_one(const struct hc_password_record *r, void *ctx)
{
	struct find_ctx *f = ctx;
	if (f->name != NULL && strcmp(r->name, f->name) == 0) {
		*f->out = *r;
		f->found = true;
	}
}

enum hc_passwords_status hc_passwords_lookup(const char *path, const char *name,
					     struct hc_password_record *out, char *why,
					     size_t why_cap)
{
	char *text = NULL;
	struct stat st;
	struct hc_password_record scratch = { 0 };
	enum hc_passwords_status rc = read_file(path, &text, &st, why, why_cap);
	if (rc != HC_PASSWORDS_FOUND)
		return rc;
	struct find_ctx f = { .name = name, .out = out ? out : &scratch };
	if (!each_record(path, text, find_one, &f, why, why_cap))
		rc = HC_PASSWORDS_ERROR;
	else if (!f.found)
		rc = HC_PASSWORDS_NOT_FOUND;
	free(text);
	return rc;
}

struct rewrite_ctx {
	FILE *out;
	const struct hc_password_record *replace;
	bool replaced;
	bool failed;
};

static void write_one(const struct hc_password_record *r, void *ctx)
{
	struct rewrite_ctx *w = ctx;
	char line[HC_PASSWORD_LINE_MAX];
	if (strcmp(r->name, w->replace->name) == 0) {
		if (w->replaced)
			return; /* a duplicate line: keep one */
		r = w->replace;
		w->replaced = true;
	}
	if (!hc_password_record_format(r, line, sizeof line) || fprintf(w->out, "%s\n", line) < 0)
		w->failed = true;
}

/* The new file's contents: the header, every record of the old text
 * with r in place of its namesake (or after them), one line each. */
struct rewrite_job {
	const char *path;
	char *text; /* the old file, or NULL */
	const struct hc_password_record *replace;
};

static bool write_records(FILE *out, void *arg, char *why, size_t why_cap)
{
	const struct rewrite_job *job = arg;
	struct rewrite_ctx w = { .out = out, .replace = job->replace };
	if (fputs(HEADER, out) < 0)
		w.failed = true;
	if (job->text != NULL && !each_record(job->path, job->text, write_one, &w, why, why_cap))
		return false;
	if (!w.replaced)
		write_one(job->replace, &w);
	if (w.failed)
		return say(why, why_cap, "cannot write the new %s: %s", job->path, strerror(errno));
	return true;
}

bool hc_passwords_set(const char *path, const struct hc_password_record *r, char *why,
		      size_t why_cap)
{
	char *text = NULL;
	struct stat st = { 0 };
	enum hc_passwords_status rc = read_file(path, &text, &st, why, why_cap);
	if (rc == HC_PASSWORDS_ERROR)
		return false;
	struct rewrite_job job = { .path = path, .text = text, .replace = r };
	bool ok = hc_file_replace(path, rc != HC_PASSWORDS_NO_FILE ? &st : NULL, write_records,
				  &job, why, why_cap);
	free(text);
	return ok;
}

bool hc_passwords_check_at_start(const struct hc_venue_cfg *cfg, const char *config_path)
{
	char why[PATH_MAX + 200];
	const char *path = cfg->supervisor_passwords;
	enum hc_passwords_status rc = hc_passwords_lookup(path, NULL, NULL, why, sizeof why);
	if (rc == HC_PASSWORDS_ERROR) {
		hc_error("supervisor passwords: %s", why);
		return false;
	}
	for (int i = 0; i < cfg->supervisor_count; i++) {
		const char *name = cfg->supervisors[i].id;
		if (rc == HC_PASSWORDS_NO_FILE ||
		    hc_passwords_lookup(path, name, NULL, why, sizeof why) != HC_PASSWORDS_FOUND)
			hc_warn("supervisor %s has no password in %s and cannot log in; set one"
				" with: headcount-aggregator passwd %s -c %s",
				name, path, name, config_path);
	}
	return true;
}
