/*
 * config_tls.c — the [tls] section of the venue config (config_tls.h).
 *
 * Relies on nothing but libc: shared/config.c tracks lines and sections
 * and passes each key on. Promises: the section at most once, each of
 * its three keys at most once and non-empty, cert and key together, paths
 * that fit PATH_MAX once joined to the config's directory.
 */
#include "shared/config_tls.h"

#include <stdio.h>
#include <string.h>

bool hc_config_tls_begin(struct hc_tls_cfg *t, const char *id, int line, char *msg, size_t msg_len)
{
	if (id[0] != '\0') {
		snprintf(msg, msg_len, "[tls] takes no id, got '%.40s'", id);
		return false;
	}
	if (t->enabled) {
		snprintf(msg, msg_len, "[tls] given twice (first at line %d)", t->line);
		return false;
	}
	t->enabled = true;
	t->line = line;
	return true;
}

bool hc_config_tls_key(struct hc_tls_cfg *t, const char *name, const char *value, int line,
		       char *msg, size_t msg_len)
{
	char *dst;
	int *dst_line;
	if (strcmp(name, "cert") == 0) {
		dst = t->cert;
		dst_line = &t->cert_line;
	} else if (strcmp(name, "key") == 0) {
		dst = t->key;
		dst_line = &t->key_line;
	} else if (strcmp(name, "ca") == 0) {
		dst = t->ca;
		dst_line = &t->ca_line;
	} else {
		snprintf(msg, msg_len, "tls: unknown key '%.40s' (expected cert, key or ca)", name);
		return false;
	}
	if (*dst_line != 0) {
		snprintf(msg, msg_len, "tls: %s given twice (first at line %d)", name, *dst_line);
		return false;
	}
	*dst_line = line;
	size_t n = strlen(value);
	if (n == 0) {
		snprintf(msg, msg_len, "tls: %s must be a file path, got ''", name);
		return false;
	}
	if (n >= PATH_MAX) {
		snprintf(msg, msg_len, "tls: %s path too long", name);
		return false;
	}
	memcpy(dst, value, n + 1);
	return true;
}

/* Joins a relative path to the directory of config_path. */
static bool join(char *path, const char *config_path)
{
	const char *slash = strrchr(config_path, '/');
	if (path[0] == '\0' || path[0] == '/' || slash == NULL)
		return true;
	char joined[PATH_MAX];
	int n = snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - config_path), config_path,
			 path);
	if (n < 0 || (size_t)n >= sizeof joined)
		return false;
	memcpy(path, joined, (size_t)n + 1);
	return true;
}

bool hc_config_tls_resolve(struct hc_tls_cfg *t, const char *config_path, int *line, char *msg,
			   size_t msg_len)
{
	if (!t->enabled)
		return true;
	if (t->cert_line == 0 || t->key_line == 0) {
		*line = t->line;
		snprintf(msg, msg_len,
			 "tls: give cert and key (the files headcount-aggregator make-ca writes)");
		return false;
	}
	struct {
		char *path;
		int line;
		const char *name;
	} paths[] = {
		{ t->cert, t->cert_line, "cert" },
		{ t->key, t->key_line, "key" },
		{ t->ca, t->ca_line, "ca" },
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		if (!join(paths[i].path, config_path)) {
			*line = paths[i].line;
			snprintf(msg, msg_len,
				 "tls: %s path too long once joined to the config's directory",
				 paths[i].name);
			return false;
		}
	}
	return true;
}
