/*
 * config_reader.c — reading the venue config: the file into memory
 * (config_read_file), inih's line reader over it (config_read_line),
 * the section dispatch for each "[section]" header it passes
 * (begin_section), and inih's syntax errors quoted with their line.
 *
 * Relies on: inih calling the reader for exactly one line and then the
 * handler for that same line (see the note in config.c); the named
 * sections of config_sections.c; [tls] in config_tls.c.
 *
 * Promises: the loader's line and section are always those of the line
 * inih is handling, a section with no keys is still seen, a line too
 * long for inih's buffer or holding a NUL byte is an error of its own,
 * and a file over CONFIG_BYTES_MAX is refused before it is parsed.
 */
#include "shared/config.h"
#include "shared/config_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/protocol.h"

/* Begins [venue] at L->line: it takes no id and is given once. */
static void begin_venue(struct loader *L, const char *id)
{
	char q[QUOTE_MAX + 4];
	int line = L->line;
	if (id[0] != '\0') {
		config_error_at(L, line, "[venue] takes no id, got '%s'", config_quote(id, q));
		return;
	}
	if (L->venue_line != 0) {
		config_error_at(L, line, "[venue] given twice (first at line %d)", L->venue_line);
		return;
	}
	L->venue_line = line;
	L->kind = SEC_VENUE;
	snprintf(L->section_label, sizeof L->section_label, "venue");
}

/* Begins [mqtt] at L->line: it takes no id and is given once. */
static void begin_mqtt(struct loader *L, const char *id)
{
	struct hc_venue_cfg *cfg = L->cfg;
	char q[QUOTE_MAX + 4];
	int line = L->line;
	if (id[0] != '\0') {
		config_error_at(L, line, "[mqtt] takes no id, got '%s'", config_quote(id, q));
		return;
	}
	if (cfg->mqtt.enabled) {
		config_error_at(L, line, "[mqtt] given twice (first at line %d)", cfg->mqtt.line);
		return;
	}
	cfg->mqtt.enabled = true;
	cfg->mqtt.line = line;
	L->kind = SEC_MQTT;
	snprintf(L->section_label, sizeof L->section_label, "mqtt");
}

/* The section dispatch: starts section "<kind> <id>" found by the reader
 * at L->line. On error the section becomes SEC_INVALID so its keys add no
 * second error. [venue] and [mqtt] are begun here; the named sections
 * (areas, groups, terminals, supervisors) in config_sections.c. */
static void begin_section(struct loader *L, const char *kind, const char *id)
{
	struct hc_venue_cfg *cfg = L->cfg;
	char q[QUOTE_MAX + 4];
	int line = L->line;
	L->kind = SEC_INVALID;
	L->index = -1;

	if (strcmp(kind, "venue") == 0) {
		begin_venue(L, id);
		return;
	}

	if (strcmp(kind, "mqtt") == 0) {
		begin_mqtt(L, id);
		return;
	}

	if (strcmp(kind, "tls") == 0) {
		char m[200];
		if (hc_config_tls_begin(&cfg->tls, id, line, m, sizeof m))
			L->kind = SEC_TLS;
		else
			config_error_at(L, line, "%s", m);
		return;
	}

	bool is_area = strcmp(kind, "area") == 0;
	bool is_group = strcmp(kind, "group") == 0;
	bool is_terminal = strcmp(kind, "terminal") == 0;
	bool is_supervisor = strcmp(kind, "supervisor") == 0;
	if (!is_area && !is_group && !is_terminal && !is_supervisor) {
		config_error_at(
			L, line,
			"unknown section [%s]: expected [venue], [area <id>], [group <id>], [terminal <id>], [supervisor <name>] or [mqtt]",
			config_quote(kind, q));
		return;
	}
	if (!hc_proto_valid_id(id)) {
		config_error_at(L, line, "%s id '%s' must be 1..%d characters of A-Z a-z 0-9 _ -",
				kind, config_quote(id, q), HC_ID_LEN_MAX);
		return;
	}

	config_begin_named_section(L, kind, id, is_area, is_group, is_terminal);
}

/* If line is a section header, splits it into kind and id and begins
 * the section. Mirrors inih: the header ends at the first ']'; a ';'
 * after whitespace before it starts a comment, which inih calls a syntax
 * error — then the section is invalid and inih reports the line. */
static void note_section_header(struct loader *L, const char *line)
{
	const char *p = line;
	if (L->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3; /* UTF-8 byte order mark, as inih skips it */
	while (config_is_blank(*p))
		p++;
	if (*p != '[')
		return;
	p++;

	const char *end = p;
	while (*end != '\0' && *end != ']' && !(*end == ';' && end > p && config_is_blank(end[-1])))
		end++;
	if (*end != ']') {
		L->kind = SEC_INVALID;
		return;
	}

	char inside[128];
	size_t n = (size_t)(end - p);
	if (n >= sizeof inside)
		n = sizeof inside - 1;
	memcpy(inside, p, n);
	inside[n] = '\0';

	char *kind = inside;
	while (config_is_blank(*kind))
		kind++;
	char *id = kind;
	while (*id != '\0' && !config_is_blank(*id))
		id++;
	if (*id != '\0')
		*id++ = '\0';
	while (config_is_blank(*id))
		id++;
	char *tail = id + strlen(id);
	while (tail > id && config_is_blank(tail[-1]))
		*--tail = '\0';
	begin_section(L, kind, id);
}

/* inih's fgets-style reader over the file in memory: one line per call,
 * counted, each header noted before inih hands its keys to the handler.
 * A line that does not fit inih's buffer is an error of its own (inih
 * would silently split it into two lines). */
char *config_read_line(char *str, int num, void *stream)
{
	struct loader *L = stream;
	if (L->pos >= L->text_len || num < 2)
		return NULL;

	const char *start = L->text + L->pos;
	size_t left = L->text_len - L->pos;
	const char *nl = memchr(start, '\n', left);
	size_t len = nl != NULL ? (size_t)(nl - start) + 1 : left;
	L->pos += len;
	L->line++;

	/* inih's own rule: a line's text may take num - 3 bytes, leaving
	 * room for "\r\n" and the NUL. */
	size_t text_len = len;
	while (text_len > 0 && (start[text_len - 1] == '\n' || start[text_len - 1] == '\r'))
		text_len--;
	if (memchr(start, '\0', len) != NULL) {
		config_error_at(L, L->line, "line contains a NUL byte");
		len = 0;
	} else if (text_len > (size_t)num - 3 || len > (size_t)num - 1) {
		config_error_at(L, L->line, "line longer than %d characters", num - 3);
		len = 0;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	if (len > 0)
		note_section_header(L, str);
	return str;
}

/* Reads the whole file (at most CONFIG_BYTES_MAX). Returns a NUL-ended
 * heap copy and its length, or NULL with a line-0 error recorded. */
char *config_read_file(struct loader *L, const char *path, size_t *len_out)
{
	char *text = NULL;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		config_error_at(L, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	text = malloc(CONFIG_BYTES_MAX + 1);
	if (text == NULL) {
		config_error_at(L, 0, "out of memory");
		goto fail;
	}
	size_t len = fread(text, 1, CONFIG_BYTES_MAX + 1, f);
	if (ferror(f)) {
		config_error_at(L, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (len > CONFIG_BYTES_MAX) {
		config_error_at(L, 0, "larger than %d bytes", CONFIG_BYTES_MAX);
		goto fail;
	}
	text[len] = '\0';
	fclose(f);
	*len_out = len;
	return text;
fail:
	free(text);
	if (f != NULL)
		fclose(f);
	return NULL;
}

/* Records inih's syntax error at line, quoting that line of the text. */
void config_syntax_error(struct loader *L, int line)
{
	const char *p = L->text;
	for (int n = 1; n < line && p != NULL; n++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	char shown[QUOTE_MAX + 1] = "";
	if (p != NULL) {
		size_t n = strcspn(p, "\r\n");
		while (n > 0 && config_is_blank(*p)) {
			p++;
			n--;
		}
		snprintf(shown, sizeof shown, "%.*s", (int)(n < QUOTE_MAX ? n : QUOTE_MAX), p);
	}
	config_error_at(L, line,
			"syntax error: expected [section], key = value or ; comment, got '%s'",
			shown);
}
