/*
 * config_mqtt.c — the [mqtt] section of the venue config
 * (config_internal.h; docs/config.md).
 *
 * What lives here: the bridge's keys (host, port, topic_prefix,
 * client_id, qos, keepalive_s, username, password) and the defaults that
 * depend on the venue's name (topic prefix and client id from its slug).
 */
#include "shared/config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An MQTT topic prefix: printable ASCII without the wildcards + and #,
 * no leading or trailing '/', no empty level. */
static bool valid_topic_prefix(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > HC_MQTT_TOPIC_PREFIX_LEN_MAX || s[0] == '/' || s[n - 1] == '/' ||
	    strstr(s, "//") != NULL)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '+' || *p == '#')
			return false;
	return true;
}

/* 1..64 characters of A-Z a-z 0-9 _ - (what every broker accepts). */
static bool valid_client_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

bool config_apply_mqtt_key(struct hc_mqtt_cfg *m, enum key k, const char *value, const char **range)
{
	int64_t n = 0;
	switch (k) {
	case K_HOST:
		*range = "a host name or address of 1..255 bytes";
		return config_copy_text(m->host, sizeof m->host, value, false);
	case K_PORT:
		*range = "a port 1..65535";
		if (!config_parse_int(value, 1, 65535, &n))
			return false;
		m->port = (uint16_t)n;
		return true;
	case K_TOPIC_PREFIX:
		*range =
			"1..96 printable ASCII characters without + or #, no leading, trailing or double /";
		if (!valid_topic_prefix(value))
			return false;
		snprintf(m->topic_prefix, sizeof m->topic_prefix, "%s", value);
		return true;
	case K_CLIENT_ID:
		*range = "1..64 characters of A-Z a-z 0-9 _ -";
		if (!valid_client_id(value))
			return false;
		snprintf(m->client_id, sizeof m->client_id, "%s", value);
		return true;
	case K_QOS:
		*range = "0, 1 or 2";
		if (!config_parse_int(value, 0, 2, &n))
			return false;
		m->qos = (int)n;
		return true;
	case K_KEEPALIVE:
		*range = "an integer 5..3600";
		if (!config_parse_int(value, 5, 3600, &n))
			return false;
		m->keepalive_s = (int)n;
		return true;
	case K_USERNAME:
		*range = "1..64 bytes";
		return config_copy_text(m->username, sizeof m->username, value, false);
	case K_PASSWORD:
		*range = "1..128 bytes";
		return config_copy_text(m->password, sizeof m->password, value, false);
	default: return false;
	}
}

/* "Summer Fest 2026!" -> "summer-fest-2026": the venue's name as one MQTT
 * topic level and client id (lower-case letters, digits and '-'). */
static void venue_slug(const char *name, char *out, size_t cap)
{
	size_t n = 0;
	bool dash = false;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0' && n + 1 < cap; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			out[n++] = (char)*p;
			dash = false;
		} else if (*p >= 'A' && *p <= 'Z') {
			out[n++] = (char)(*p - 'A' + 'a');
			dash = false;
		} else if (n > 0 && !dash) {
			out[n++] = '-';
			dash = true;
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	if (n == 0)
		n = (size_t)snprintf(out, cap, "venue");
	out[n] = '\0';
}

/* Fills the [mqtt] defaults that depend on the venue's name. */
void config_resolve_mqtt(struct loader *L)
{
	struct hc_mqtt_cfg *m = &L->cfg->mqtt;
	if (!m->enabled)
		return;
	char slug[48];
	venue_slug(L->cfg->name, slug, sizeof slug);
	if (m->topic_prefix[0] == '\0')
		snprintf(m->topic_prefix, sizeof m->topic_prefix, "headcount/%s", slug);
	if (m->client_id[0] == '\0')
		snprintf(m->client_id, sizeof m->client_id, "headcount-%s", slug);
	if (m->password[0] != '\0' && m->username[0] == '\0')
		config_error_at(L, m->line, "mqtt: password given without username");
}
