/*
 * terminal_secrets.c — read and write the enrollment secrets file
 * (terminal_secrets.h).
 *
 * Relies on: POSIX file calls (fstat for the mode check on the opened
 * file itself, aggregator/file_replace.c for the atomic write), the
 * shared id and hex rules. Promises: a set loaded is well-formed (valid
 * ids, each once, 32-byte secrets); a save never leaves a partly
 * written file under path; secrets are wiped before their memory is
 * freed.
 */
#define _GNU_SOURCE
#include "aggregator/terminal_secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "aggregator/file_replace.h"

#include "shared/protocol.h"

/* A secrets line is an id, a space and 64 hex digits; longer lines are
 * refused. */
#define SECRETS_LINE_MAX (HC_ID_LEN_MAX + 1 + HC_TAUTH_HEX_LEN + 2)

static struct hc_terminal_secrets *secrets_new(void)
{
	struct hc_terminal_secrets *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->items = calloc(HC_TERMINALS_MAX, sizeof *s->items);
	if (s->items == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void hc_terminal_secrets_free(struct hc_terminal_secrets *s)
{
	if (s == NULL)
		return;
	mbedtls_platform_zeroize(s->items, HC_TERMINALS_MAX * sizeof *s->items);
	free(s->items);
	free(s);
}

const uint8_t *hc_terminal_secrets_find(const struct hc_terminal_secrets *s, const char *id)
{
	for (uint32_t i = 0; s != NULL && i < s->count; i++)
		if (strcmp(s->items[i].id, id) == 0)
			return s->items[i].secret;
	return NULL;
}

bool hc_terminal_secrets_set(struct hc_terminal_secrets *s, const char *id,
			     const uint8_t secret[HC_TAUTH_SECRET_BYTES])
{
	if (!hc_proto_valid_id(id))
		return false;
	uint32_t i = 0;
	while (i < s->count && strcmp(s->items[i].id, id) != 0)
		i++;
	if (i == s->count) {
		if (s->count == HC_TERMINALS_MAX)
			return false;
		s->count++;
		snprintf(s->items[i].id, sizeof s->items[i].id, "%s", id);
	}
	memcpy(s->items[i].secret, secret, HC_TAUTH_SECRET_BYTES);
	return true;
}

bool hc_terminal_secrets_remove(struct hc_terminal_secrets *s, const char *id)
{
	for (uint32_t i = 0; i < s->count; i++) {
		if (strcmp(s->items[i].id, id) != 0)
			continue;
		memmove(&s->items[i], &s->items[i + 1], (s->count - i - 1) * sizeof s->items[0]);
		s->count--;
		mbedtls_platform_zeroize(&s->items[s->count], sizeof s->items[0]);
		return true;
	}
	return false;
}

/* One non-comment line "<id> <hex>" (newline stripped). */
static bool parse_line(struct hc_terminal_secrets *s, char *line, const char *path, int lineno,
		       char *err, size_t err_len)
{
	char *space = strchr(line, ' ');
	uint8_t secret[HC_TAUTH_SECRET_BYTES];
	if (space == NULL) {
		snprintf(err, err_len, "%s:%d: expected \"<terminal id> <64 hex digits>\"", path,
			 lineno);
		return false;
	}
	*space = '\0';
	if (!hc_proto_valid_id(line)) {
		snprintf(err, err_len, "%s:%d: terminal id must be 1..%d chars [A-Za-z0-9_-]", path,
			 lineno, HC_ID_LEN_MAX);
		return false;
	}
	if (!hc_tauth_hex_decode(space + 1, secret, sizeof secret)) {
		snprintf(err, err_len, "%s:%d: secret of %s must be 64 lower-case hex digits", path,
			 lineno, line);
		return false;
	}
	if (hc_terminal_secrets_find(s, line) != NULL) {
		snprintf(err, err_len, "%s:%d: terminal %s listed twice", path, lineno, line);
		return false;
	}
	bool ok = hc_terminal_secrets_set(s, line, secret);
	mbedtls_platform_zeroize(secret, sizeof secret);
	if (!ok)
		snprintf(err, err_len, "%s:%d: more than %d terminals", path, lineno,
			 HC_TERMINALS_MAX);
	return ok;
}

/* One piece (about 70 lines): open, the mode and size checks, then the
 * line loop, all sharing the one file, the table and the one fail path
 * that closes and frees both. */
struct hc_terminal_secrets *hc_terminal_secrets_load(const char *path, bool *missing, char *err,
						     size_t err_len)
{
	struct hc_terminal_secrets *s = secrets_new();
	FILE *f = NULL;
	char line[SECRETS_LINE_MAX + 2];
	int lineno = 0;
	if (missing != NULL)
		*missing = false;
	if (s == NULL) {
		snprintf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (missing != NULL)
			*missing = true;
		return s;
	}
	if (fd < 0) {
		snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, err_len, "%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, err_len,
			 "%s: mode %03o lets group or others read the terminal secrets;"
			 " refused (chmod 600 %s)",
			 path, (unsigned)(st.st_mode & 0777), path);
		close(fd);
		goto fail;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(f)) {
			snprintf(err, err_len, "%s:%d: line too long", path, lineno);
			goto fail;
		}
		if (n == 0 || line[0] == '#')
			continue;
		if (!parse_line(s, line, path, lineno, err, err_len))
			goto fail;
	}
	if (ferror(f)) {
		snprintf(err, err_len, "%s: read error", path);
		goto fail;
	}
	mbedtls_platform_zeroize(line, sizeof line);
	fclose(f);
	return s;
fail:
	mbedtls_platform_zeroize(line, sizeof line);
	if (f != NULL)
		fclose(f);
	hc_terminal_secrets_free(s);
	return NULL;
}

/* The secrets file's contents: a header, then one "id hex" line each. */
static bool write_secrets(FILE *f, void *arg, char *err, size_t err_len)
{
	const struct hc_terminal_secrets *s = arg;
	bool ok =
		fprintf(f,
			"# headcount terminal enrollment secrets: <terminal id> <secret>.\n"
			"# Written by headcount-aggregator enroll/rotate/revoke; keep it 0600.\n") >
		0;
	for (uint32_t i = 0; ok && i < s->count; i++) {
		char hex[HC_TAUTH_HEX_LEN + 1];
		hc_tauth_hex_encode(s->items[i].secret, HC_TAUTH_SECRET_BYTES, hex);
		ok = fprintf(f, "%s %s\n", s->items[i].id, hex) > 0;
		mbedtls_platform_zeroize(hex, sizeof hex);
	}
	if (!ok)
		snprintf(err, err_len, "cannot write the new secrets: %s", strerror(errno));
	return ok;
}

bool hc_terminal_secrets_save(const char *path, const struct hc_terminal_secrets *s, char *err,
			      size_t err_len)
{
	return hc_file_replace(path, NULL, write_secrets, (void *)s, err, err_len);
}
