/*
 * ui.h — the dashboard's interaction state and what each key does
 * (pure).
 *
 * What lives here: the selected pane and row, scrolling, sort, filter,
 * help, the prompt that asks for a value, a reason and a confirmation
 * before any command, and the requests sent and their results. A key
 * goes in, an action may come out (the edge sends it); a result goes in,
 * a status line comes out. No curses, no sockets: keys are plain ints
 * (printable characters as themselves, the HC_KEY_* codes for the rest).
 */
#ifndef HC_DASH_UI_H
#define HC_DASH_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregator/dashboard/model.h"
#include "aggregator/dashboard/view.h"
#include "shared/wire_supervisor.h"

enum {
	HC_KEY_UP = 0x110000,
	HC_KEY_DOWN,
	HC_KEY_PGUP,
	HC_KEY_PGDN,
	HC_KEY_HOME,
	HC_KEY_END,
	HC_KEY_ENTER,
	HC_KEY_ESC,
	HC_KEY_BACKSPACE,
	HC_KEY_TAB,
};

enum hc_pane { HC_PANE_AREAS, HC_PANE_DOORS, HC_PANE_ALERTS, HC_PANE_COUNT };

enum hc_prompt {
	HC_PROMPT_NONE,
	HC_PROMPT_VALUE,
	HC_PROMPT_REASON,
	HC_PROMPT_CONFIRM,
	HC_PROMPT_FILTER
};

enum hc_action_kind {
	HC_ACT_NONE,
	HC_ACT_OVERRIDE,
	HC_ACT_CORRECT,
	HC_ACT_THRESHOLDS,
	HC_ACT_QUIT
};

struct hc_action {
	enum hc_action_kind kind;
	bool group;
	char id[HC_ID_LEN_MAX + 1];
	char name[HC_NAME_LEN_MAX + 1];
	enum hc_wire_override mode;
	int64_t delta;
	struct hc_wire_thresholds thresholds;
	char reason[HC_WIRE_SUP_REASON_BYTES_MAX + 1];
};

#define HC_UI_SENT_MAX 16
#define HC_UI_INPUT_BYTES 201
#define HC_UI_STATUS_BYTES 240

struct hc_ui {
	enum hc_pane pane;
	uint32_t sel[HC_PANE_COUNT]; /* selected row in each pane */
	uint32_t top[HC_PANE_COUNT]; /* first row shown (the renderer keeps sel visible) */
	enum hc_sort sort;
	char filter[HC_UI_INPUT_BYTES];
	bool help;
	bool detail; /* the selected area's corrections, all of them */

	enum hc_prompt prompt;
	struct hc_action draft; /* the command being prompted for */
	char input[HC_UI_INPUT_BYTES];
	uint32_t input_len;

	char status[HC_UI_STATUS_BYTES]; /* last result or hint */
	bool status_bad;
	int64_t next_request;
	struct {
		int64_t request;
		char what[120];
	} sent[HC_UI_SENT_MAX];
	uint32_t sent_len;
};

void hc_ui_init(struct hc_ui *ui);

/* Handles one key. Returns true with *out filled when a command is
 * confirmed (or the supervisor quits). rows: what the area pane shows;
 * page: rows per page of the current pane. */
bool hc_ui_key(struct hc_ui *ui, const struct hc_model *m, int key, int page,
	       struct hc_action *out);

/* Remembers an action sent as request number *request (assigned here). */
void hc_ui_sent(struct hc_ui *ui, const struct hc_action *a, int64_t *request);

/* A result arrived: the status line says what was accepted or refused. */
void hc_ui_result(struct hc_ui *ui, const struct hc_wire_result *r);

/* The status line says text (bad: shown as an error). */
void hc_ui_say(struct hc_ui *ui, bool bad, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses "+5", "-3", "7" into a non-zero delta within
 * -HC_BATCH_DELTA_MAX*100..; false otherwise. */
bool hc_ui_parse_delta(const char *text, int64_t *out);

/* Parses "capacity=400 crowded_at=0.8 hold_s=30" (any of capacity,
 * moderate_at, crowded_at, full_at, restrict_at, resume_at, hold_s);
 * false with why for anything else. */
bool hc_ui_parse_thresholds(const char *text, struct hc_wire_thresholds *out, char *why,
			    size_t why_cap);

/* The prompt line's text for the current step. */
void hc_ui_prompt_text(const struct hc_ui *ui, char *out, size_t cap);

#endif
