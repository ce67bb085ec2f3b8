/*
 * limits.h — every bound headcount enforces, in one place.
 *
 * docs/design.md invariant 6: everything is bounded. Each limit has a name with
 * its unit, a value, and a line saying why. docs/protocol.md and
 * docs/config.md quote these values; tests exercise each edge.
 */
#ifndef HC_LIMITS_H
#define HC_LIMITS_H

/* Identifiers (terminal, area, group ids): [A-Za-z0-9_-], short enough
 * to print in a dashboard column and store cheaply per ledger row. */
#define HC_ID_LEN_MAX 32

/* Human-readable names (area names, venue name). */
#define HC_NAME_LEN_MAX 64

/* An outbox incarnation is 64 random bits, written as 16 lower-case hex
 * digits (JSON numbers above 2^53 are not exact in every client). */
#define HC_INCARNATION_HEX_LEN 16

/* Largest WebSocket message accepted from a terminal. A batch is ~100
 * bytes; 4 KiB leaves room for future fields and refuses floods. */
#define HC_TERMINAL_FRAME_BYTES_MAX 4096

/* Largest message a supervisor may send. Commands are ~200 bytes. */
#define HC_SUPERVISOR_FRAME_BYTES_MAX 4096

/* A supervisor's login proof (32 bytes) as lower-case hex, and the
 * challenge nonce (16 random bytes) as hex. */
#define HC_PROOF_HEX_LEN 64
#define HC_NONCE_HEX_LEN 32

/* Longest "request" a supervisor's command may carry and gets back in
 * its result, as JSON text (a string with its quotes, or an integer). */
#define HC_REQUEST_JSON_MAX 80

/* Most presses one batch may carry per direction. A terminal splits
 * larger backlogs into several batches. Bounds one row's effect. */
#define HC_BATCH_DELTA_MAX 10000

/* Largest sequence number: 2^53 - 1, exact in JSON doubles. */
#define HC_SEQ_MAX 9007199254740991LL

/* Unacknowledged batches a terminal may have on the wire at once; the
 * aggregator refuses more (close 4008). Bounds per-connection ack queues. */
#define HC_INFLIGHT_BATCHES_MAX 32

/* Batches written by one group commit at most; more wait for the next. */
#define HC_COMMIT_BATCHES_MAX 4096

/* Configured areas, groups and terminals per venue. */
#define HC_AREAS_MAX 256
#define HC_GROUPS_MAX 64
#define HC_TERMINALS_MAX 4096

/* Default and bounds of the terminal's batch interval. */
#define HC_BATCH_INTERVAL_MS_DEFAULT 2000
#define HC_BATCH_INTERVAL_MS_MIN 50
#define HC_BATCH_INTERVAL_MS_MAX 60000

/* A sent batch without an ack is sent again after this long. */
#define HC_RESEND_AFTER_MS 5000

/* A connection that has not said hello within this time is closed. */
#define HC_HELLO_TIMEOUT_S 5

/* Ping an idle link after this long; hang up when nothing arrives for
 * the second figure. Detects a dead Wi-Fi link within ~20 s. */
#define HC_PING_AFTER_S 5
#define HC_HANGUP_AFTER_S 15

/* The aggregator's dead-peer clean-up, for every role: TCP keepalive
 * probes a silent connection after the first figure and drops it by the
 * second. It only cleans up connections whose peer vanished; terminals
 * detect a dead link themselves with the figures above. Kernel timers,
 * not lws pings: lws 4.1 keeps a ping timer per connection in one sorted
 * list, which with 10,000 silent map readers dominated the loop. */
#define HC_SERVER_PING_AFTER_S 30
#define HC_SERVER_HANGUP_AFTER_S 60

/* An area's or group's occupancy-only changes (no level, restriction or
 * override change) are published through a token bucket per area and
 * group (aggregator/conflation.h), refilled at HC_OCCUPANCY_PUSH_RATE_PER_S
 * and holding at most HC_OCCUPANCY_PUSH_BURST_MILLI thousandths of a
 * token (1.5 pushes). A change with a whole token there goes out at once;
 * one without waits for the next token and then goes out with the latest
 * state. So updates at up to the rate, with up to half an interval of
 * jitter, are never delayed; in any span S at most 2 + (S - 125 ms) /
 * 250 ms pushes go out; level and restriction changes always go out in
 * the same loop turn. */
#define HC_OCCUPANCY_PUSH_RATE_PER_S 4
#define HC_OCCUPANCY_PUSH_BURST_MILLI 1500
/* The refill interval of one token (the long-run spacing of pushes). */
#define HC_OCCUPANCY_PUSH_INTERVAL_MS (1000 / HC_OCCUPANCY_PUSH_RATE_PER_S)

/* Reconnect backoff: first retry, cap, and jitter. */
#define HC_RECONNECT_MS_MIN 250
#define HC_RECONNECT_MS_MAX 10000
#define HC_RECONNECT_JITTER_PERCENT 30

/* A terminal's area figure is called stale when older than this. */
#define HC_FIGURE_STALE_MS 15000

/* ---- connections (docs/aggregator.md, *Limits*) ------------------------ */

/* Connections one peer address may hold open on the public listener at
 * once (any role, and connections that have not finished their request).
 * The next one is closed right after accept, before anything is
 * allocated for it. The default leaves room for a few hundred phones
 * behind one NAT; [venue] connections_per_address changes it. */
#define HC_CONNECTIONS_PER_ADDRESS_DEFAULT 256
#define HC_CONNECTIONS_PER_ADDRESS_MAX 1000000

/* A connection must have sent its whole HTTP request (headers, or the
 * WebSocket upgrade) this long after it was accepted; otherwise it is
 * closed without an answer. A slow sender (a header byte a second)
 * gets no more time than one that sends nothing. */
#define HC_HANDSHAKE_TIMEOUT_S 5

/* An HTTP/1.1 connection kept alive after its response is closed when
 * no next request starts within this time (lws's default is 5 s; a map
 * page polls /api/areas less often than that anyway, and a shorter hold
 * frees a connection slot sooner). */
#define HC_HTTP_IDLE_TIMEOUT_S 3

/* Bytes of request line and headers one HTTP request may have, as lws
 * keeps them; a request with more is refused and its connection closed.
 * A WebSocket upgrade from a browser takes about 600. Half lws's default
 * (4096): each connection still in its request holds this much. */
#define HC_HTTP_HEADER_BYTES_MAX 2048

/* A map client is pinged every third of its idle timeout; one that has
 * sent nothing at all (not even the pong every WebSocket client answers
 * with) for the timeout is closed with 4011. [venue] map_idle_timeout_s
 * sets it within these bounds. */
#define HC_MAP_IDLE_TIMEOUT_S_DEFAULT 90
#define HC_MAP_IDLE_TIMEOUT_S_MIN 3
#define HC_MAP_IDLE_TIMEOUT_S_MAX 3600

/* The ping round is spread: the idle timer runs this many times per
 * third of the idle timeout and pings one slice of the map clients each
 * time (slices dealt round robin at connection), so 10,000 phones are
 * never pinged in one burst that a push would wait behind. */
#define HC_MAP_PING_SLICES 8

/* Messages a supervisor connection may send: a bucket of this many,
 * refilled at the rate per second. A message with the bucket empty
 * closes the connection with 4010. A burst is the hello plus 15
 * commands, under the 16 unanswered commands the aggregator holds per
 * connection, so a burst is answered, not refused. */
#define HC_SUPERVISOR_MESSAGES_BURST_MAX 16
#define HC_SUPERVISOR_MESSAGES_PER_S_MAX 5

/* Map clients send no messages at all: the first closes with 4001. */
#define HC_MAP_MESSAGES_MAX 0

/* For messages that quote a limit: HC_STR(HC_X) is "123". */
#define HC_STR_(x) #x
#define HC_STR(x) HC_STR_(x)

/* The longest area restricted_by: "group_override:" and a group id. */
#define HC_RESTRICTED_BY_LEN_MAX (15 + HC_ID_LEN_MAX)

/* A door's 'q' waits this long for its confirmation (y, or q again). */
#define HC_QUIT_CONFIRM_MS 5000

/* After the aggregator replaced this terminal's connection (4006), the
 * door keeps saying so this long even once it is welcomed again. */
#define HC_REPLACED_NOTICE_MS 60000

/* WebSocket subprotocol names, one per role, versioned. */
/* Terminal role v2 adds batch.undo_entered/undo_exited; the aggregator
 * still serves v1 terminals (docs/protocol.md). */
#define HC_PROTO_TERMINAL "headcount-terminal.v3" /* authenticated */
#define HC_PROTO_TERMINAL_V2 "headcount-terminal.v2"
#define HC_PROTO_TERMINAL_V1 "headcount-terminal.v1"
#define HC_PROTO_MAP "headcount-map.v1"
#define HC_PROTO_SUPERVISOR "headcount-supervisor.v1"

#endif
