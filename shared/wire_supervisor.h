/*
 * wire_supervisor.h — the supervisor role's messages, client side: build
 * the login and the commands, parse what the aggregator sends.
 *
 * What lives here: everything a supervisor client (the dashboard, a test
 * tool, a third-party program) needs to speak "headcount-supervisor.v1"
 * (docs/protocol.md, "The supervisor role") with shared/ alone: the
 * password login (hello, then a proof over the server's salt and
 * nonce), override / set_thresholds / correct (by a signed delta), and
 * typed views of challenge, salt, welcome, snapshot, area, group,
 * terminal and result.
 *
 * Relies on: jansson for every byte of JSON (in the .c only: this
 * header includes no JSON library, so the dashboard's pure model can
 * use its structs), shared/wire_scram.h for the key schedule (mbedtls),
 * shared/types.h for levels, ids and close codes. The server's end of
 * the role is shared/wire_supervisor_server.h.
 *
 * Promises: a parse that returns true has checked the type of every
 * field it fills; fields the aggregator added later are optional (their
 * has_* flag says whether they came), unknown fields are ignored.
 *
 * The login is SCRAM's key schedule (RFC 5802, shared/wire_scram.c)
 * over our own JSON messages: SaltedPassword =
 * PBKDF2-HMAC-SHA256(password, salt, iterations), ClientKey =
 * HMAC(SaltedPassword, "Client Key"), StoredKey = SHA-256(ClientKey); the aggregator keeps only salt,
 * iterations and StoredKey; the client proves it knows ClientKey with
 * proof = ClientKey XOR HMAC(StoredKey, AuthMessage), where
 * AuthMessage binds the name, the connection's nonce, the salt and the
 * iterations. The password never leaves the client. The slow part
 * (PBKDF2) runs here, on the client; checking a proof costs the
 * aggregator two hashes. No sockets, clocks or files here.
 */
#ifndef HC_WIRE_SUPERVISOR_H
#define HC_WIRE_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/limits.h"
#include "shared/types.h"
#include "shared/wire_scram.h"

#define HC_WIRE_SUP_NONCE_HEX_LEN 32
#define HC_WIRE_SUP_REASON_BYTES_MAX 200
/* Corrections the aggregator lists per area (newest last). */
#define HC_WIRE_SUP_CORRECTIONS_MAX 8
/* History samples per area (the last hour at one a minute). */
#define HC_WIRE_SUP_HISTORY_MAX 60
#define HC_WIRE_SUP_WHO_LEN_MAX 48
#define HC_WIRE_SUP_VERSION_LEN_MAX 32
#define HC_WIRE_SUP_ERROR_LEN_MAX 200
/* PBKDF2 iterations a client accepts from an aggregator (so a hostile
 * server cannot make a client spin for hours). */
#define HC_WIRE_SUP_ITERATIONS_MIN 1000
#define HC_WIRE_SUP_ITERATIONS_MAX 10000000
/* Passwords: 8..256 bytes. */
#define HC_WIRE_SUP_PASSWORD_BYTES_MIN 8
#define HC_WIRE_SUP_PASSWORD_BYTES_MAX 256

enum hc_wire_override { HC_WIRE_OVERRIDE_AUTO, HC_WIRE_OVERRIDE_CLOSED, HC_WIRE_OVERRIDE_OPEN };

/* "auto", "closed", "open". */
const char *hc_wire_override_name(enum hc_wire_override o);
/* And back; false for anything else. */
bool hc_wire_override_parse(const char *name, enum hc_wire_override *out);

struct hc_wire_correction {
	char who[HC_WIRE_SUP_WHO_LEN_MAX + 1]; /* "supervisor:alice" */
	int64_t at_ms;			       /* wall clock */
	int64_t delta;			       /* signed: entries - exits */
	char reason[HC_WIRE_SUP_REASON_BYTES_MAX + 1];
};

/* An area as the supervisor role sends it: the area object plus
 * override and group, and the optional supervisor-only additions. */
struct hc_wire_area {
	struct hc_area_state st;
	enum hc_wire_override override;
	char override_by[HC_WIRE_SUP_WHO_LEN_MAX + 1]; /* "" when auto */
	char override_reason[HC_WIRE_SUP_REASON_BYTES_MAX + 1];
	char group[HC_ID_LEN_MAX + 1]; /* "" if none */
	bool has_corrected;
	int64_t corrected_entered; /* sums of corrections */
	int64_t corrected_exited;
	uint32_t correction_count;
	struct hc_wire_correction corrections[HC_WIRE_SUP_CORRECTIONS_MAX];
	uint32_t history_count;			  /* oldest first */
	int64_t history[HC_WIRE_SUP_HISTORY_MAX]; /* occupancy per minute */
	bool has_minute;
	int64_t minute_entered; /* during the last minute */
	int64_t minute_exited;
};

struct hc_wire_group {
	char id[HC_ID_LEN_MAX + 1];
	char name[HC_NAME_LEN_MAX + 1];
	int64_t occupancy;
	int64_t capacity;
	enum hc_level level;
	bool restricted;
	enum hc_wire_override override;
	char override_by[HC_WIRE_SUP_WHO_LEN_MAX + 1]; /* "" when auto */
	char override_reason[HC_WIRE_SUP_REASON_BYTES_MAX + 1];
	int64_t updated_at_ms;
};

struct hc_wire_terminal {
	char id[HC_ID_LEN_MAX + 1];
	char area[HC_ID_LEN_MAX + 1];
	bool online;
	int64_t last_seen_ms; /* 0: never */
	bool has_incarnation; /* null on the wire without one */
	uint64_t incarnation;
	int64_t last_seq; /* -1: none */
	int64_t missing_seqs;
	int64_t batches_in_flight;
	bool has_today;
	int64_t entered_today;
	int64_t exited_today;
	bool has_reported;			       /* the terminal reported these two */
	int64_t pending;			       /* presses not yet acknowledged */
	int64_t storage_faults;			       /* journal fault episodes */
	char version[HC_WIRE_SUP_VERSION_LEN_MAX + 1]; /* "" when not reported */
};

enum hc_wire_sup_type {
	HC_WIRE_SUP_CHALLENGE,
	HC_WIRE_SUP_SALT,
	HC_WIRE_SUP_WELCOME,
	HC_WIRE_SUP_SNAPSHOT,
	HC_WIRE_SUP_AREA,
	HC_WIRE_SUP_GROUP,
	HC_WIRE_SUP_TERMINAL,
	HC_WIRE_SUP_RESULT,
};

struct hc_wire_result {
	bool has_request;
	int64_t request; /* this client sends integers */
	bool ok;
	char error[HC_WIRE_SUP_ERROR_LEN_MAX + 1];
};

/* One parsed message. A snapshot owns heap arrays: release with
 * hc_wire_sup_msg_free() (harmless for every other type). */
struct hc_wire_sup_msg {
	enum hc_wire_sup_type type;
	char nonce[HC_WIRE_SUP_NONCE_HEX_LEN + 1]; /* challenge */
	char salt[HC_WIRE_SUP_SALT_HEX_LEN + 1];   /* salt */
	uint32_t iterations;			   /* salt */
	char supervisor[HC_ID_LEN_MAX + 1];	   /* welcome */
	char venue[HC_NAME_LEN_MAX + 1];	   /* snapshot */
	struct hc_wire_area *areas;		   /* snapshot */
	uint32_t area_count;
	struct hc_wire_group *groups;
	uint32_t group_count;
	struct hc_wire_terminal *terminals;
	uint32_t terminal_count;
	struct hc_wire_area area;	  /* area */
	struct hc_wire_group group;	  /* group */
	struct hc_wire_terminal terminal; /* terminal */
	struct hc_wire_result result;	  /* result */
};

/* Parses one frame from the aggregator. False (and why filled) for
 * anything that is not one of the messages above with its fields of the
 * right type. */
bool hc_wire_sup_parse(const char *buf, size_t len, struct hc_wire_sup_msg *out, char *why,
		       size_t why_cap);
void hc_wire_sup_msg_free(struct hc_wire_sup_msg *m);

/* The hello after the challenge: {"type":"hello","supervisor":NAME}.
 * Builders write compact JSON (no NUL) and return its length, or 0
 * when cap is too small or a field is out of range. */
size_t hc_wire_sup_build_hello(char *out, size_t cap, const char *supervisor);

/* The proof answering the salt message: {"type":"proof","proof":HEX}.
 * Runs PBKDF2 (as slow as iterations make it). 0 when a value is out of
 * range (password 1..HC_WIRE_SUP_PASSWORD_BYTES_MAX bytes, iterations
 * HC_WIRE_SUP_ITERATIONS_MIN..MAX, hex of the right lengths). */
size_t hc_wire_sup_build_proof(char *out, size_t cap, const char *supervisor, const char *password,
			       const char *nonce_hex, const char *salt_hex, uint32_t iterations);

/* override: target "area" or "group". */
size_t hc_wire_sup_build_override(char *out, size_t cap, int64_t request, bool group,
				  const char *id, enum hc_wire_override mode, const char *reason);

/* correct by a signed delta (never "set to"): +n entries or -n exits. */
size_t hc_wire_sup_build_correct(char *out, size_t cap, int64_t request, const char *area,
				 int64_t delta, const char *reason);

/* set_thresholds: capacity (0: unchanged) and the fractions given
 * (a negative value: unchanged). */
struct hc_wire_thresholds {
	int64_t capacity;
	double moderate_at, crowded_at, full_at, restrict_at, resume_at;
	int64_t hold_s; /* negative: unchanged */
};
size_t hc_wire_sup_build_thresholds(char *out, size_t cap, int64_t request, bool group,
				    const char *id, const struct hc_wire_thresholds *t,
				    const char *reason);

#endif
