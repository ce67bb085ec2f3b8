/*
 * config_tls.h — the [tls] section of the venue config (docs/config.md,
 * "[tls]"; docs/security.md, "TLS").
 *
 *   [tls]
 *   cert = server.crt    ; the aggregator's certificate (PEM)
 *   key = server.key     ; its private key (PEM, readable by the service only)
 *   ca = ca.crt          ; the venue CA that signed cert: its pin is logged
 *
 * Read by shared/config.c, which hands each key of the section here and
 * calls hc_config_tls_resolve() once the file is read. Relative paths are
 * made relative to the config file's directory, like database. This file
 * only checks the text; aggregator/tls_setup.c opens the files when the
 * listeners start.
 */
#ifndef HC_CONFIG_TLS_H
#define HC_CONFIG_TLS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct hc_tls_cfg {
	bool enabled; /* the section is present */
	int line;     /* of the [tls] header */
	char cert[PATH_MAX];
	char key[PATH_MAX];
	char ca[PATH_MAX]; /* "" when not given */
	int cert_line, key_line, ca_line;
};

/* Starts the section "[tls <id>]" at line; false with a message (the
 * section given twice, an id given). */
bool hc_config_tls_begin(struct hc_tls_cfg *t, const char *id, int line, char *msg, size_t msg_len);

/* One "name = value" of [tls] at line; false with a message for an
 * unknown key, a key given twice, an empty or too long path. */
bool hc_config_tls_key(struct hc_tls_cfg *t, const char *name, const char *value, int line,
		       char *msg, size_t msg_len);

/* After the file was read: cert and key must come together; relative
 * paths are joined to config_path's directory. False with the line the
 * error belongs to in *line and a message. */
bool hc_config_tls_resolve(struct hc_tls_cfg *t, const char *config_path, int *line, char *msg,
			   size_t msg_len);

#endif
