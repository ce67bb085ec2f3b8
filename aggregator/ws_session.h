/*
 * ws_session.h — the WebSocket session plumbing the aggregator's roles
 * (terminal, supervisor, map) share.
 *
 * What lives here: struct hc_ws_session, embedded in each role's
 * per-connection data (aggregator/server_internal.h), and the calls on
 * it: closing now (from inside one of the connection's own callbacks)
 * or later (from anywhere on the thread that serves it: at its next
 * writeable callback), the hello timer, the assembly of a message from
 * the pieces lws delivers, up to the role's limit, and the writes with
 * their LWS_PRE headroom. Two pure parts are tested as tables
 * (tests/unit/test_ws_session_plumbing.c): the receive assembly
 * (hc_ws_rx_add) and the per-connection message budget, a token bucket
 * (hc_ws_rate_take).
 *
 * Relies on: libwebsockets 4.1 (lws_close_reason, lws_write, timers by
 * lws_sul_schedule on the connection's context) and shared/log.h. The
 * role decides what its messages mean, when its hello is complete and
 * what is due next; nothing here knows the wire of any role.
 *
 * Promises: every close is logged once, as one WARN line
 * "<role> [<name>] <peer>: closing <code>: <reason>" (the name only for
 * roles that name their sessions: "?" until the role set it), and a
 * session that is closing takes no further message and writes nothing
 * but its close. A message is handed on only when whole and at most the
 * limit given at hc_ws_session_start; one byte over closes the
 * connection with 1009 ("message over N bytes") before anything of it is
 * looked at. A session that did not finish its hello within the time
 * given to hc_ws_session_start_hello_timer is closed with 4007 ("no
 * hello within N s"). Every function runs on the thread serving the
 * connection's context.
 */
#ifndef HC_WS_SESSION_H
#define HC_WS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "aggregator/slots.h"

/* Longest close reason kept for a close later (a WebSocket close frame
 * holds 123 bytes of reason). */
#define HC_WS_CLOSE_REASON_LEN_MAX 120

/* What a piece of a message made of the receive buffer. */
enum hc_ws_rx_verdict {
	HC_WS_RX_PARTIAL,  /* kept; more of the message is to come */
	HC_WS_RX_COMPLETE, /* the message is whole in buf[0..len), NUL-terminated */
	HC_WS_RX_TOO_BIG,  /* it would be over max_bytes: nothing kept */
};

/* A message being assembled: buf holds max_bytes + 1 bytes (room for a
 * terminating NUL), owned by the role's session. */
struct hc_ws_rx {
	char *buf;
	size_t max_bytes;
	size_t len;
	bool complete; /* buf holds a whole message: the next piece starts anew */
};

/* Pure: appends len bytes of in; last says the message ends with them.
 * A message of exactly max_bytes is whole; one byte more is TOO_BIG,
 * and the buffer is then emptied. */
enum hc_ws_rx_verdict hc_ws_rx_add(struct hc_ws_rx *rx, const void *in, size_t len, bool last);

/* A per-connection message budget: burst_max messages at once, refilled
 * at per_s_max a second, counted in thousandths so no fraction of a
 * refill is lost between two messages. */
struct hc_ws_rate {
	int64_t tokens_milli;
	int64_t refilled_at_ms;
	int64_t burst_max;
	int64_t per_s_max;
};

/* Pure: a full bucket at now_ms (any monotonic milliseconds). */
void hc_ws_rate_init(struct hc_ws_rate *r, int64_t burst_max, int64_t per_s_max, int64_t now_ms);
/* Pure: takes one message's worth at now_ms; false when the bucket is
 * empty (nothing taken). */
bool hc_ws_rate_take(struct hc_ws_rate *r, int64_t now_ms);
/* Pure: gives one message's worth back (for a message that does not
 * count, taken before it was known what it is). */
void hc_ws_rate_give_back(struct hc_ws_rate *r);

/* The role a session serves: the log's first word. */
enum hc_ws_role { HC_WS_TERMINAL, HC_WS_SUPERVISOR, HC_WS_MAP };

/* The part of a session that only roles which take messages need (a
 * name for the log, the hello timer, the receive assembly): kept apart
 * so that a map session, of which there are thousands, stays small. */
struct hc_ws_inbox {
	struct hc_ws_session *ws;	     /* the session it belongs to */
	char name[HC_SOURCE_ID_LEN_MAX + 1]; /* "" (logged as "?") until the role sets it */
	lws_sorted_usec_list_t hello_sul;
	bool hello_armed; /* the hello timer is scheduled */
	int32_t hello_timeout_s;
	struct hc_ws_rx rx;
};

/* The shared part of a role's per-connection data (lws zeroes it with
 * the rest; wsi is set by hc_ws_session_start, so a session whose wsi is
 * NULL was never established and has nothing to undo). */
struct hc_ws_session {
	struct lws *wsi;
	struct hc_ws_inbox *in; /* NULL for a role that takes no message (map) */
	/* The reason of a close later, allocated when it is asked for (at
	 * most HC_WS_CLOSE_REASON_LEN_MAX bytes; NULL when there is none or
	 * no memory was left for it): a session that never closes early,
	 * which is nearly every one of thousands of map sessions, carries a
	 * pointer instead of a 121-byte buffer. Freed by hc_ws_session_end. */
	char *close_reason;
	char peer[48]; /* the peer's address: INET6_ADDRSTRLEN (46) fits any */
	uint16_t close_code;
	bool close_pending; /* close at the next writeable callback */
	uint8_t role;	    /* enum hc_ws_role */
};

/* At LWS_CALLBACK_ESTABLISHED: binds the session to wsi. A role that
 * takes messages passes its inbox (embedded in its session; the log then
 * names the session) and the receive buffer (rx_buf holds rx_max_bytes +
 * 1 bytes); a role that takes none passes NULL, NULL, 0. */
void hc_ws_session_start(struct hc_ws_session *ws, struct lws *wsi, enum hc_ws_role role,
			 struct hc_ws_inbox *in, char *rx_buf, size_t rx_max_bytes);

/* The name logged for this session from now on (terminal id, supervisor). */
void hc_ws_session_set_name(struct hc_ws_session *ws, const char *name);

/* Closes from inside one of this connection's callbacks: logs, sets the
 * close code and reason; the caller returns what this returns (-1). */
int hc_ws_session_close_now(struct hc_ws_session *ws, uint16_t code, const char *reason);

/* Closes from outside this connection's callbacks: logs and asks for a
 * writeable callback, which closes it (hc_ws_session_writeable_closes).
 * Only the first close of a session counts. */
void hc_ws_session_close_later(struct hc_ws_session *ws, uint16_t code, const char *reason);

/* Closes the session with 4007 when hc_ws_session_hello_done has not
 * been called within timeout_s (a session with an inbox). */
void hc_ws_session_start_hello_timer(struct hc_ws_session *ws, int32_t timeout_s);

/* The hello is complete: the timer is cancelled. */
void hc_ws_session_hello_done(struct hc_ws_session *ws);

/* At LWS_CALLBACK_RECEIVE: adds a piece of a message. 1: the message is
 * whole (*msg, *msg_len; valid until the next call). 0: nothing to do yet
 * (more to come, or the session is closing). -1: over the limit, closed
 * with 1009; the callback returns -1. */
int hc_ws_session_receive(struct hc_ws_session *ws, const void *in, size_t len, const char **msg,
			  size_t *msg_len);

/* Closes with 4000 when the message being handled came in binary frames:
 * -1 then (the callback returns it), 0 for text. */
int hc_ws_session_refuse_binary(struct hc_ws_session *ws);

/* First step of every writeable callback: true when the session is to
 * close now (a close later is pending, or closing_all: 1001 "aggregator
 * shutting down"); the callback then returns -1. */
bool hc_ws_session_writeable_closes(struct hc_ws_session *ws, bool closing_all);

/* Writes len bytes at buf + LWS_PRE (the headroom lws needs before the
 * payload) as one text message: 0, or -1 when lws took less. */
int hc_ws_session_write_text(struct hc_ws_session *ws, unsigned char *buf, size_t len);

/* Like hc_ws_session_write_text for text without headroom: copied into
 * a buffer that has it. */
int hc_ws_session_write_copy(struct hc_ws_session *ws, const char *text, size_t len);

/* Writes a ping of len payload bytes (0 to 125) and nothing more, also
 * outside a writeable callback: 0, or -1. */
int hc_ws_session_ping_now(struct hc_ws_session *ws, const char *payload, size_t len);

/* Writes a ping of len payload bytes (0 to 125) and asks for another
 * writeable callback for whatever else waits: 0, or -1. */
int hc_ws_session_write_ping(struct hc_ws_session *ws, const char *payload, size_t len);

/* Asks for a writeable callback. */
void hc_ws_session_want_write(struct hc_ws_session *ws);

/* At LWS_CALLBACK_CLOSED, for every role: cancels the hello timer and
 * frees the close reason. */
void hc_ws_session_end(struct hc_ws_session *ws);

#endif
