/*
 * config_passwords.h — the venue config's supervisor_passwords key: where
 * the supervisors' password records live (aggregator/passwords.h).
 *
 * Relies on: shared/config.h's struct hc_venue_cfg (its path names the
 * config file, so a relative value is joined to its directory).
 * Promises: after hc_config_passwords_resolve() succeeds,
 * cfg->supervisor_passwords is a path usable as is (absolute, or relative
 * to the working directory exactly like the resolved database path).
 */
#ifndef HC_CONFIG_PASSWORDS_H
#define HC_CONFIG_PASSWORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/config.h"

/* The file's name when the key is not given. */
#define HC_SUPERVISOR_PASSWORDS_DEFAULT "supervisors.passwd"

/* [venue] supervisor_passwords = PATH; false with *range set when the
 * value is refused. */
bool hc_config_passwords_key(struct hc_venue_cfg *cfg, const char *value, const char **range);

/* Fills in the default and joins a relative path to the config file's
 * directory; false with why when the result does not fit. */
bool hc_config_passwords_resolve(struct hc_venue_cfg *cfg, char *why, size_t why_cap);

#endif
