/*
 * config_auth.h — the venue config's terminal authentication keys.
 *
 * Two keys of [venue] (docs/config.md):
 *   terminal_auth = on | off        default on; off is for a closed demo
 *                                   network only and is logged loudly
 *   terminal_secrets = PATH         the enrollment secrets file; default
 *                                   terminal-secrets beside the database
 *                                   named in the config; a relative path
 *                                   is resolved like database
 * shared/config.c hands these keys here (one hook in its key dispatch,
 * one after resolving the database) and reports the errors with their
 * line. Pure: no file is opened.
 */
#ifndef HC_CONFIG_AUTH_H
#define HC_CONFIG_AUTH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct hc_venue_cfg;

enum hc_config_auth_result {
	HC_CONFIG_AUTH_NOT_MINE, /* not one of these keys */
	HC_CONFIG_AUTH_OK,
	HC_CONFIG_AUTH_BAD, /* msg says why */
};

/* One key of [venue] at line; fills msg on HC_CONFIG_AUTH_BAD. */
enum hc_config_auth_result hc_config_auth_key(struct hc_venue_cfg *cfg, const char *name,
					      const char *value, int line, char *msg,
					      size_t msg_cap);

/* After the database path is resolved: fills the default secrets path
 * and resolves a relative one. False with msg and *line when the
 * result does not fit. */
bool hc_config_auth_resolve(struct hc_venue_cfg *cfg, char *msg, size_t msg_cap, int *line);

#endif
