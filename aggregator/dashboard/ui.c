/*
 * ui.c — keys, prompts and results (see ui.h).
 *
 * Promises: no command leaves without a reason and an explicit "y"; a
 * correction is a signed, non-zero delta; Esc at any step of a prompt
 * sends nothing.
 */
#include "aggregator/dashboard/ui.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hc_ui_init(struct hc_ui *ui)
{
	memset(ui, 0, sizeof *ui);
	ui->sort = HC_SORT_NAME;
	ui->next_request = 1;
	snprintf(ui->status, sizeof ui->status, "? help  q quit");
}

void hc_ui_say(struct hc_ui *ui, bool bad, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_bad = bad;
}

bool hc_ui_parse_delta(const char *text, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v == 0 || v > 1000000 || v < -1000000)
		return false;
	*out = v;
	return true;
}

bool hc_ui_parse_thresholds(const char *text, struct hc_wire_thresholds *out, char *why,
			    size_t why_cap)
{
	*out = (struct hc_wire_thresholds){ .capacity = 0,
					    .moderate_at = -1,
					    .crowded_at = -1,
					    .full_at = -1,
					    .restrict_at = -1,
					    .resume_at = -1,
					    .hold_s = -1 };
	char buf[HC_UI_INPUT_BYTES];
	snprintf(buf, sizeof buf, "%s", text);
	int given = 0;
	for (char *save = NULL, *tok = strtok_r(buf, " ,", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		char *eq = strchr(tok, '=');
		if (eq == NULL) {
			snprintf(why, why_cap, "'%s' is not key=value", tok);
			return false;
		}
		*eq = '\0';
		const char *v = eq + 1;
		char *end;
		errno = 0;
		double d = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || d < 0) {
			snprintf(why, why_cap, "%s: '%s' is not a number >= 0", tok, v);
			return false;
		}
		if (strcmp(tok, "capacity") == 0 && d >= 1 && d == (double)(int64_t)d)
			out->capacity = (int64_t)d;
		else if (strcmp(tok, "hold_s") == 0 && d == (double)(int64_t)d)
			out->hold_s = (int64_t)d;
		else if (strcmp(tok, "moderate_at") == 0)
			out->moderate_at = d;
		else if (strcmp(tok, "crowded_at") == 0)
			out->crowded_at = d;
		else if (strcmp(tok, "full_at") == 0)
			out->full_at = d;
		else if (strcmp(tok, "restrict_at") == 0)
			out->restrict_at = d;
		else if (strcmp(tok, "resume_at") == 0)
			out->resume_at = d;
		else {
			snprintf(why, why_cap,
				 "unknown or bad key '%s' (capacity, moderate_at,"
				 " crowded_at, full_at, restrict_at, resume_at, hold_s)",
				 tok);
			return false;
		}
		given++;
	}
	if (given == 0) {
		snprintf(why, why_cap, "give at least one key=value");
		return false;
	}
	return true;
}

static const char *verb_of(const struct hc_action *a)
{
	switch (a->kind) {
	case HC_ACT_OVERRIDE:
		return a->mode == HC_WIRE_OVERRIDE_CLOSED ? "force STOP"
		       : a->mode == HC_WIRE_OVERRIDE_OPEN ? "force open"
							  : "back to automatic";
	case HC_ACT_CORRECT: return "correct";
	case HC_ACT_THRESHOLDS: return "set thresholds";
	default: return "";
	}
}

void hc_ui_prompt_text(const struct hc_ui *ui, char *out, size_t cap)
{
	const struct hc_action *a = &ui->draft;
	switch (ui->prompt) {
	case HC_PROMPT_FILTER: snprintf(out, cap, "filter (empty: all): %s_", ui->input); break;
	case HC_PROMPT_VALUE:
		if (a->kind == HC_ACT_CORRECT)
			snprintf(out, cap, "correct %s by (signed, e.g. +5 or -3): %s_", a->name,
				 ui->input);
		else
			snprintf(out, cap,
				 "thresholds of %s (e.g. capacity=400 crowded_at=0.8): %s_",
				 a->name, ui->input);
		break;
	case HC_PROMPT_REASON:
		snprintf(out, cap, "%s %s: reason: %s_", verb_of(a), a->name, ui->input);
		break;
	case HC_PROMPT_CONFIRM:
		if (a->kind == HC_ACT_CORRECT)
			snprintf(out, cap, "correct %s by %+" PRId64 " (\"%s\")? y/n", a->name,
				 a->delta, a->reason);
		else
			snprintf(out, cap, "%s %s (\"%s\")? y/n", verb_of(a), a->name, a->reason);
		break;
	default: out[0] = '\0';
	}
}

/* The area or group under the cursor of the area pane. */
static bool selected_target(const struct hc_ui *ui, const struct hc_model *m, struct hc_action *a)
{
	struct hc_view_row rows[HC_AREAS_MAX + HC_GROUPS_MAX];
	size_t n = hc_view_areas(m, ui->sort, ui->filter, rows);
	if (ui->sel[HC_PANE_AREAS] >= n)
		return false;
	const struct hc_view_row *r = &rows[ui->sel[HC_PANE_AREAS]];
	a->group = r->group;
	const char *id = r->group ? m->groups[r->index].id : m->areas[r->index].w.st.id;
	const char *name = r->group ? m->groups[r->index].name : m->areas[r->index].w.st.name;
	snprintf(a->id, sizeof a->id, "%s", id);
	snprintf(a->name, sizeof a->name, "%s", name);
	return true;
}

static uint32_t rows_in(const struct hc_ui *ui, const struct hc_model *m, enum hc_pane p)
{
	if (p == HC_PANE_AREAS) {
		struct hc_view_row rows[HC_AREAS_MAX + HC_GROUPS_MAX];
		return (uint32_t)hc_view_areas(m, ui->sort, ui->filter, rows);
	}
	if (p == HC_PANE_DOORS) {
		static uint32_t doors[HC_TERMINALS_MAX];
		return (uint32_t)hc_view_doors(m, ui->filter, doors);
	}
	return m->alerts.len;
}

static void start(struct hc_ui *ui, const struct hc_model *m, enum hc_action_kind kind,
		  enum hc_wire_override mode)
{
	memset(&ui->draft, 0, sizeof ui->draft);
	if (ui->pane != HC_PANE_AREAS || !selected_target(ui, m, &ui->draft)) {
		hc_ui_say(ui, true, "select an area or group first (Tab to the area table)");
		return;
	}
	if (kind == HC_ACT_CORRECT && ui->draft.group) {
		hc_ui_say(ui, true, "corrections are per area, not per group");
		return;
	}
	ui->draft.kind = kind;
	ui->draft.mode = mode;
	ui->prompt = kind == HC_ACT_OVERRIDE ? HC_PROMPT_REASON : HC_PROMPT_VALUE;
	ui->input[0] = '\0';
	ui->input_len = 0;
}

/* Enter on a prompt: move to the next step, or finish. */
static bool prompt_enter(struct hc_ui *ui, struct hc_action *out)
{
	char why[160];
	switch (ui->prompt) {
	case HC_PROMPT_FILTER:
		snprintf(ui->filter, sizeof ui->filter, "%s", ui->input);
		ui->sel[HC_PANE_AREAS] = ui->sel[HC_PANE_DOORS] = 0;
		ui->top[HC_PANE_AREAS] = ui->top[HC_PANE_DOORS] = 0;
		ui->prompt = HC_PROMPT_NONE;
		hc_ui_say(ui, false, ui->filter[0] ? "filter: %s" : "filter cleared%s", ui->filter);
		return false;
	case HC_PROMPT_VALUE:
		if (ui->draft.kind == HC_ACT_CORRECT &&
		    !hc_ui_parse_delta(ui->input, &ui->draft.delta)) {
			hc_ui_say(ui, true,
				  "a correction is a signed non-zero number, e.g. +5 or -3");
			return false;
		}
		if (ui->draft.kind == HC_ACT_THRESHOLDS &&
		    !hc_ui_parse_thresholds(ui->input, &ui->draft.thresholds, why, sizeof why)) {
			hc_ui_say(ui, true, "%s", why);
			return false;
		}
		ui->prompt = HC_PROMPT_REASON;
		break;
	case HC_PROMPT_REASON:
		if (ui->input_len == 0) {
			hc_ui_say(ui, true, "a reason is required");
			return false;
		}
		snprintf(ui->draft.reason, sizeof ui->draft.reason, "%s", ui->input);
		ui->prompt = HC_PROMPT_CONFIRM;
		break;
	default: return false;
	}
	ui->input[0] = '\0';
	ui->input_len = 0;
	(void)out;
	return false;
}

/* A key while a prompt is open: Esc cancels, a confirmation takes y or
 * n, a text prompt (a number, a reason) edits its input and Enter
 * submits it. One piece (about 60 lines): the prompt kinds side by side. */
static bool prompt_key(struct hc_ui *ui, int key, struct hc_action *out)
{
	if (key == HC_KEY_ESC) {
		ui->prompt = HC_PROMPT_NONE;
		hc_ui_say(ui, false, "cancelled; nothing sent");
		return false;
	}
	if (ui->prompt == HC_PROMPT_CONFIRM) {
		if (key == 'y' || key == 'Y') {
			ui->prompt = HC_PROMPT_NONE;
			*out = ui->draft;
			return true;
		}
		if (key == 'n' || key == 'N') {
			ui->prompt = HC_PROMPT_NONE;
			hc_ui_say(ui, false, "cancelled; nothing sent");
		}
		return false;
	}
	if (key == HC_KEY_ENTER)
		return prompt_enter(ui, out);
	if (key == HC_KEY_BACKSPACE) {
		/* Drop a whole UTF-8 character. */
		while (ui->input_len > 0) {
			unsigned char c = (unsigned char)ui->input[--ui->input_len];
			if ((c & 0xC0) != 0x80)
				break;
		}
		ui->input[ui->input_len] = '\0';
		return false;
	}
	if (key >= 0x20 && key < 0x110000 && key != 0x7f) {
		char enc[4];
		size_t n;
		if (key < 0x80) {
			enc[0] = (char)key;
			n = 1;
		} else if (key < 0x800) {
			enc[0] = (char)(0xC0 | (key >> 6));
			enc[1] = (char)(0x80 | (key & 0x3F));
			n = 2;
		} else if (key < 0x10000) {
			enc[0] = (char)(0xE0 | (key >> 12));
			enc[1] = (char)(0x80 | ((key >> 6) & 0x3F));
			enc[2] = (char)(0x80 | (key & 0x3F));
			n = 3;
		} else {
			enc[0] = (char)(0xF0 | (key >> 18));
			enc[1] = (char)(0x80 | ((key >> 12) & 0x3F));
			enc[2] = (char)(0x80 | ((key >> 6) & 0x3F));
			enc[3] = (char)(0x80 | (key & 0x3F));
			n = 4;
		}
		size_t limit = ui->prompt == HC_PROMPT_REASON ? HC_WIRE_SUP_REASON_BYTES_MAX
							      : sizeof ui->input - 1;
		if (ui->input_len + n <= limit) {
			memcpy(ui->input + ui->input_len, enc, n);
			ui->input_len += (uint32_t)n;
			ui->input[ui->input_len] = '\0';
		}
	}
	return false;
}

/* One piece (about 65 lines): the key map, one case per key, so every
 * key's meaning is found in one switch. */
bool hc_ui_key(struct hc_ui *ui, const struct hc_model *m, int key, int page, struct hc_action *out)
{
	memset(out, 0, sizeof *out);
	if (ui->prompt != HC_PROMPT_NONE)
		return prompt_key(ui, key, out);
	if (ui->help) {
		ui->help = false; /* any key closes help */
		return false;
	}
	uint32_t n = rows_in(ui, m, ui->pane);
	uint32_t *sel = &ui->sel[ui->pane];
	uint32_t step = page > 1 ? (uint32_t)page : 1;
	switch (key) {
	case HC_KEY_UP:
	case 'k':
		if (*sel > 0)
			(*sel)--;
		break;
	case HC_KEY_DOWN:
	case 'j':
		if (*sel + 1 < n)
			(*sel)++;
		break;
	case HC_KEY_PGUP: *sel = *sel > step ? *sel - step : 0; break;
	case HC_KEY_PGDN: *sel = n == 0 ? 0 : (*sel + step < n ? *sel + step : n - 1); break;
	case HC_KEY_HOME:
	case 'g': *sel = 0; break;
	case HC_KEY_END:
	case 'G': *sel = n ? n - 1 : 0; break;
	case HC_KEY_TAB: ui->pane = (enum hc_pane)((ui->pane + 1) % HC_PANE_COUNT); break;
	case HC_KEY_ENTER: ui->detail = !ui->detail; break;
	case 's': start(ui, m, HC_ACT_OVERRIDE, HC_WIRE_OVERRIDE_CLOSED); break;
	case 'o': start(ui, m, HC_ACT_OVERRIDE, HC_WIRE_OVERRIDE_OPEN); break;
	case 'a': start(ui, m, HC_ACT_OVERRIDE, HC_WIRE_OVERRIDE_AUTO); break;
	case 'c': start(ui, m, HC_ACT_CORRECT, HC_WIRE_OVERRIDE_AUTO); break;
	case 't': start(ui, m, HC_ACT_THRESHOLDS, HC_WIRE_OVERRIDE_AUTO); break;
	case 'S':
		ui->sort = (enum hc_sort)((ui->sort + 1) % HC_SORT_COUNT);
		hc_ui_say(ui, false, "sorted by %s", hc_sort_name(ui->sort));
		break;
	case '/':
		ui->prompt = HC_PROMPT_FILTER;
		snprintf(ui->input, sizeof ui->input, "%s", ui->filter);
		ui->input_len = (uint32_t)strlen(ui->input);
		break;
	case 'm':
		/* the edge flips alerts.muted; nothing to keep here */
		break;
	case '?': ui->help = true; break;
	case 'q': out->kind = HC_ACT_QUIT; return true;
	default: break;
	}
	return false;
}

void hc_ui_sent(struct hc_ui *ui, const struct hc_action *a, int64_t *request)
{
	*request = ui->next_request++;
	uint32_t slot;
	if (ui->sent_len == HC_UI_SENT_MAX) {
		memmove(&ui->sent[0], &ui->sent[1], sizeof ui->sent[0] * (HC_UI_SENT_MAX - 1));
		slot = HC_UI_SENT_MAX - 1;
	} else {
		slot = ui->sent_len++;
	}
	ui->sent[slot].request = *request;
	if (a->kind == HC_ACT_CORRECT)
		snprintf(ui->sent[slot].what, sizeof ui->sent[slot].what, "correct %s by %+" PRId64,
			 a->name, a->delta);
	else
		snprintf(ui->sent[slot].what, sizeof ui->sent[slot].what, "%s %s", verb_of(a),
			 a->name);
	hc_ui_say(ui, false, "#%" PRId64 " %s: sent, waiting for the aggregator", *request,
		  ui->sent[slot].what);
}

void hc_ui_result(struct hc_ui *ui, const struct hc_wire_result *r)
{
	const char *what = "command";
	for (uint32_t i = 0; i < ui->sent_len; i++)
		if (r->has_request && ui->sent[i].request == r->request)
			what = ui->sent[i].what;
	if (r->ok)
		hc_ui_say(ui, false, "#%" PRId64 " %s: ACCEPTED", r->request, what);
	else
		hc_ui_say(ui, true, "#%" PRId64 " %s: REFUSED: %s", r->request, what, r->error);
}
