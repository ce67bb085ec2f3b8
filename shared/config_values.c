/*
 * config_values.c — the venue config's value parsers and its one error
 * (config_internal.h).
 *
 * What lives here: the error a load reports (the lowest line wins; line
 * 0 loses to any numbered line), quoting a bad value in it, and the
 * parsers every section's keys share: integers, numbers, display names
 * (jansson is the UTF-8 check, names go into JSON), host:port, bounded
 * text. Each parser takes the whole value: trailing text is refused.
 */
#include "shared/config_internal.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records an error at line unless one at an earlier line is already
 * recorded. Line 0 (no particular line) loses to any numbered line. */
void config_error_at(struct loader *L, int line, const char *fmt, ...)
{
	if (L->failed && (line == 0 || (L->err.line != 0 && L->err.line <= line)))
		return;
	L->failed = true;
	L->err.line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->err.message, sizeof L->err.message, fmt, ap);
	va_end(ap);
}

/* Copies at most QUOTE_MAX bytes of s (with "..." when cut). */
const char *config_quote(const char *s, char out[QUOTE_MAX + 4])
{
	if (strlen(s) <= QUOTE_MAX)
		snprintf(out, QUOTE_MAX + 4, "%s", s);
	else
		snprintf(out, QUOTE_MAX + 4, "%.*s...", QUOTE_MAX, s);
	return out;
}

bool config_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool config_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (*s == '\0' || config_is_blank(*s))
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = (int64_t)v;
	return true;
}

/* A finite number in (min, max] when min_exclusive, else [min, max]. */
bool config_parse_number(const char *s, double min, bool min_exclusive, double max, double *out)
{
	if (*s == '\0' || config_is_blank(*s))
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return false;
	if ((min_exclusive ? v <= min : v < min) || v > max)
		return false;
	*out = v;
	return true;
}

/* A display name: 1..HC_NAME_LEN_MAX bytes of valid UTF-8 (names go
 * into JSON; jansson is the UTF-8 check). */
bool config_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > HC_NAME_LEN_MAX)
		return false;
	json_t *j = json_stringn(s, n);
	if (j == NULL)
		return false;
	json_decref(j);
	return true;
}

/* "host:port" or "[v6-host]:port" into host (cap bytes) and port. */
bool config_parse_host_port(const char *s, char *host_out, size_t cap, uint16_t *port_out)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL)
		return false;
	const char *host = s;
	size_t host_len = (size_t)(colon - s);
	if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
		host++;
		host_len -= 2;
	}
	int64_t port;
	if (host_len < 1 || host_len >= cap || !config_parse_int(colon + 1, 1, 65535, &port))
		return false;
	memcpy(host_out, host, host_len);
	host_out[host_len] = '\0';
	*port_out = (uint16_t)port;
	return true;
}

/* Copies value into dst[cap] when it has 1..cap-1 bytes (empty allowed
 * when allow_empty). */
bool config_copy_text(char *dst, size_t cap, const char *value, bool allow_empty)
{
	size_t n = strlen(value);
	if ((n == 0 && !allow_empty) || n >= cap)
		return false;
	memcpy(dst, value, n + 1);
	return true;
}
