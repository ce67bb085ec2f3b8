/*
 * config_passwords.c — [venue] supervisor_passwords (config_passwords.h).
 *
 * Relies on: the loader in shared/config.c calling these two functions
 * (one line each); no file is opened here.
 */
#include "shared/config_passwords.h"

#include <stdio.h>
#include <string.h>

bool hc_config_passwords_key(struct hc_venue_cfg *cfg, const char *value, const char **range)
{
	*range = "a file path";
	if (value[0] == '\0' || strlen(value) >= sizeof cfg->supervisor_passwords)
		return false;
	snprintf(cfg->supervisor_passwords, sizeof cfg->supervisor_passwords, "%s", value);
	return true;
}

bool hc_config_passwords_resolve(struct hc_venue_cfg *cfg, char *why, size_t why_cap)
{
	char *p = cfg->supervisor_passwords;
	if (p[0] == '\0')
		snprintf(p, sizeof cfg->supervisor_passwords, "%s",
			 HC_SUPERVISOR_PASSWORDS_DEFAULT);
	const char *slash = strrchr(cfg->path, '/');
	if (p[0] == '/' || slash == NULL)
		return true;
	char joined[sizeof cfg->supervisor_passwords];
	int n = snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - cfg->path), cfg->path, p);
	if (n < 0 || (size_t)n >= sizeof joined) {
		snprintf(why, why_cap,
			 "venue: supervisor_passwords path too long once joined"
			 " to the config's directory");
		return false;
	}
	memcpy(p, joined, (size_t)n + 1);
	return true;
}
