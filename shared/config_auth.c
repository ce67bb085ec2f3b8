/*
 * config_auth.c — terminal_auth and terminal_secrets of [venue]
 * (config_auth.h).
 *
 * Relies on: the fields of struct hc_venue_cfg named terminal_* and the
 * resolved database and config paths. Promises: each key once, its value
 * checked; the secrets path always set and absolute-or-relative exactly
 * as database is once hc_config_auth_resolve has run.
 */
#include "shared/config_auth.h"

#include <stdio.h>
#include <string.h>

#include "shared/config.h"

#define SECRETS_DEFAULT_NAME "terminal-secrets"

enum hc_config_auth_result hc_config_auth_key(struct hc_venue_cfg *cfg, const char *name,
					      const char *value, int line, char *msg,
					      size_t msg_cap)
{
	int *seen;
	if (strcmp(name, "terminal_auth") == 0)
		seen = &cfg->terminal_auth_line;
	else if (strcmp(name, "terminal_secrets") == 0)
		seen = &cfg->terminal_secrets_line;
	else
		return HC_CONFIG_AUTH_NOT_MINE;
	if (*seen != 0) {
		snprintf(msg, msg_cap, "venue: %s given twice (first at line %d)", name, *seen);
		return HC_CONFIG_AUTH_BAD;
	}
	*seen = line;
	if (seen == &cfg->terminal_auth_line) {
		if (strcmp(value, "on") == 0)
			cfg->terminal_auth_off = false;
		else if (strcmp(value, "off") == 0)
			cfg->terminal_auth_off = true;
		else {
			snprintf(msg, msg_cap,
				 "venue: terminal_auth must be on or off, got '%.40s'", value);
			return HC_CONFIG_AUTH_BAD;
		}
		return HC_CONFIG_AUTH_OK;
	}
	if (value[0] == '\0' || strlen(value) >= sizeof cfg->terminal_secrets) {
		snprintf(msg, msg_cap, "venue: terminal_secrets must be a path of 1..%zu bytes",
			 sizeof cfg->terminal_secrets - 1);
		return HC_CONFIG_AUTH_BAD;
	}
	snprintf(cfg->terminal_secrets, sizeof cfg->terminal_secrets, "%s", value);
	return HC_CONFIG_AUTH_OK;
}

bool hc_config_auth_resolve(struct hc_venue_cfg *cfg, char *msg, size_t msg_cap, int *line)
{
	char joined[PATH_MAX];
	int n;
	*line = cfg->terminal_secrets_line;
	if (cfg->terminal_secrets[0] == '\0') {
		const char *slash = strrchr(cfg->database, '/');
		if (slash == NULL)
			n = snprintf(joined, sizeof joined, "%s", SECRETS_DEFAULT_NAME);
		else
			n = snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - cfg->database),
				     cfg->database, SECRETS_DEFAULT_NAME);
	} else {
		const char *slash = strrchr(cfg->path, '/');
		if (cfg->terminal_secrets[0] == '/' || slash == NULL)
			return true;
		n = snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - cfg->path), cfg->path,
			     cfg->terminal_secrets);
	}
	if (n < 0 || (size_t)n >= sizeof cfg->terminal_secrets) {
		snprintf(msg, msg_cap, "venue: terminal_secrets path too long");
		return false;
	}
	memcpy(cfg->terminal_secrets, joined, (size_t)n + 1);
	return true;
}
