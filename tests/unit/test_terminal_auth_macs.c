/*
 * test_terminal_auth_macs.c — the terminal role's MACs
 * (shared/terminal_auth.c) and their place on the wire
 * (shared/wire_terminal.c).
 *
 * Properties: the hello proof and the batch MAC equal known answers
 * computed independently of this code, with
 *   printf <the layout of terminal_auth.h> | xxd -r -p |
 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:<secret>
 * (secret 0x40..0x5f, nonce 0x00..0x1f, terminal "north-door",
 * incarnation 0x0102030405060708); a change of any one field, of the
 * nonce or of the secret changes the MAC; the MAC compare tells equal
 * from different in every byte; a connection's batch key
 * (hc_tauth_batch_key_*) gives the same MACs for every id length and
 * batch after batch; proof, mac and challenge nonce survive
 * build and parse, and a malformed one is refused with its field named.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shared/protocol.h"
#include "shared/terminal_auth.h"

static uint8_t secret[32], nonce[32];

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 32; i++) {
		secret[i] = (uint8_t)(0x40 + i);
		nonce[i] = (uint8_t)i;
	}
	return 0;
}

static const uint64_t incarnation = 0x0102030405060708ull;

static struct hc_msg_batch sample_batch(void)
{
	struct hc_msg_batch b = {
		.seq = 42,
		.entered = 7,
		.exited = 3,
		.undo_entered = 1,
		.undo_exited = 0,
		.has_status = true,
		.pending = 5,
		.storage_faults = 2,
	};
	return b;
}

static void hex_is(const uint8_t mac[32], const char *expected)
{
	char hex[65];
	hc_tauth_hex_encode(mac, 32, hex);
	assert_string_equal(hex, expected);
}

static void hello_proof_matches_openssl(void **state)
{
	(void)state;
	uint8_t mac[32];
	assert_true(hc_tauth_hello_proof(secret, nonce, "north-door", incarnation, mac));
	hex_is(mac, "a5e604cc463f230b23ae150d93504ba367cde3fecf53b05bf2d71982bc8c8d47");
}

static void batch_mac_matches_openssl(void **state)
{
	(void)state;
	uint8_t mac[32];
	struct hc_msg_batch b = sample_batch();
	assert_true(hc_tauth_batch_mac(secret, nonce, "north-door", incarnation, &b, mac));
	hex_is(mac, "1d066fd0428a523a6cd60e47f6aa72badf17c42e3dfd6755a9a94f3a0f10b3bc");
	/* Without status the two status fields count as 0. */
	b.has_status = false;
	b.pending = 999;
	assert_true(hc_tauth_batch_mac(secret, nonce, "north-door", incarnation, &b, mac));
	hex_is(mac, "5605cf016add6a0cfdbb7d8cc97f97f7be33000a432270f3ec9ff24658379a06");
}

/* A connection's batch key gives the known answers too, batch after
 * batch (its state is cloned, never used up). */
static void batch_key_matches_openssl(void **state)
{
	(void)state;
	struct hc_tauth_batch_key *k = hc_tauth_batch_key_new(secret, nonce, "north-door",
							      incarnation);
	assert_non_null(k);
	uint8_t mac[32];
	struct hc_msg_batch b = sample_batch();
	for (int round = 0; round < 3; round++) {
		b.has_status = true;
		assert_true(hc_tauth_batch_key_mac(k, &b, mac));
		hex_is(mac, "1d066fd0428a523a6cd60e47f6aa72badf17c42e3dfd6755a9a94f3a0f10b3bc");
		b.has_status = false;
		assert_true(hc_tauth_batch_key_mac(k, &b, mac));
		hex_is(mac, "5605cf016add6a0cfdbb7d8cc97f97f7be33000a432270f3ec9ff24658379a06");
	}
	hc_tauth_batch_key_free(k);
	assert_null(hc_tauth_batch_key_new(secret, nonce, "bad id!", incarnation));
}

/* The batch key and the one-shot MAC agree for every id length (the
 * connection's head then ends anywhere in a SHA-256 block) and for a
 * run of different batches on one key. */
static void batch_key_equals_one_shot_mac(void **state)
{
	(void)state;
	char id[HC_ID_LEN_MAX + 1];
	for (size_t len = 1; len <= HC_ID_LEN_MAX; len++) {
		for (size_t i = 0; i < len; i++)
			id[i] = (char)('a' + (i * 7 + len) % 26);
		id[len] = '\0';
		struct hc_tauth_batch_key *k = hc_tauth_batch_key_new(secret, nonce, id,
								      incarnation + len);
		assert_non_null(k);
		for (int64_t seq = 1; seq <= 5; seq++) {
			struct hc_msg_batch b = sample_batch();
			b.seq = seq * 1000003;
			b.entered = seq * (int64_t)len;
			b.has_status = seq % 2 == 0;
			uint8_t keyed[32], whole[32];
			assert_true(hc_tauth_batch_key_mac(k, &b, keyed));
			assert_true(hc_tauth_batch_mac(secret, nonce, id, incarnation + len, &b,
						       whole));
			if (!hc_tauth_mac_equal(keyed, whole))
				fail_msg("id of %zu characters, seq %" PRId64
					 ": the batch key differs",
					 len, b.seq);
		}
		hc_tauth_batch_key_free(k);
	}
}

/* Each variant differs from the sample in exactly one input. */
static void any_changed_field_changes_the_mac(void **state)
{
	(void)state;
	uint8_t base[32], other[32];
	struct hc_msg_batch b = sample_batch();
	assert_true(hc_tauth_batch_mac(secret, nonce, "north-door", incarnation, &b, base));
	for (int field = 0; field < 8; field++) {
		struct hc_msg_batch v = sample_batch();
		int64_t *f[] = { &v.seq,	 &v.entered, &v.exited,	       &v.undo_entered,
				 &v.undo_exited, &v.pending, &v.storage_faults };
		if (field < 7)
			(*f[field])++;
		else
			v.has_status = false;
		assert_true(
			hc_tauth_batch_mac(secret, nonce, "north-door", incarnation, &v, other));
		if (hc_tauth_mac_equal(base, other))
			fail_msg("field %d changed, MAC did not", field);
	}
	assert_true(hc_tauth_batch_mac(secret, nonce, "north-doos", incarnation, &b, other));
	assert_false(hc_tauth_mac_equal(base, other));
	assert_true(hc_tauth_batch_mac(secret, nonce, "north-door", incarnation + 1, &b, other));
	assert_false(hc_tauth_mac_equal(base, other));
	for (int i = 0; i < 32; i++) {
		uint8_t n2[32], s2[32];
		memcpy(n2, nonce, 32);
		memcpy(s2, secret, 32);
		n2[i] ^= 0x01;
		s2[i] ^= 0x80;
		assert_true(hc_tauth_batch_mac(secret, n2, "north-door", incarnation, &b, other));
		assert_false(hc_tauth_mac_equal(base, other));
		assert_true(hc_tauth_batch_mac(s2, nonce, "north-door", incarnation, &b, other));
		assert_false(hc_tauth_mac_equal(base, other));
	}
}

static void proof_is_never_a_batch_mac(void **state)
{
	(void)state;
	uint8_t proof[32], mac[32];
	struct hc_msg_batch b = sample_batch();
	assert_true(hc_tauth_hello_proof(secret, nonce, "north-door", incarnation, proof));
	assert_true(hc_tauth_batch_mac(secret, nonce, "north-door", incarnation, &b, mac));
	assert_false(hc_tauth_mac_equal(proof, mac));
	/* An id of another length shifts every later field: no collision
	 * between "ab" + incarnation and "a" + other bytes. */
	uint8_t m1[256], m2[256];
	size_t n1 = hc_tauth_hello_message(m1, sizeof m1, nonce, "ab", 0);
	size_t n2 = hc_tauth_hello_message(m2, sizeof m2, nonce, "a", 0);
	assert_int_equal(n1, n2 + 1);
	assert_int_equal(hc_tauth_hello_message(m1, sizeof m1, nonce, "bad id!", 0), 0);
	assert_int_equal(hc_tauth_hello_message(m1, 10, nonce, "ab", 0), 0);
}

static void compare_sees_every_byte(void **state)
{
	(void)state;
	uint8_t a[32], b[32];
	memset(a, 0x5a, sizeof a);
	memcpy(b, a, sizeof b);
	assert_true(hc_tauth_mac_equal(a, b));
	for (int i = 0; i < 32; i++) {
		b[i] ^= 0x01;
		assert_false(hc_tauth_mac_equal(a, b));
		b[i] ^= 0x01;
	}
}

static void proof_mac_and_nonce_round_trip(void **state)
{
	(void)state;
	char buf[1024];
	struct hc_msg m;
	struct hc_proto_error err;
	struct hc_msg_hello h = { .terminal = "north-door",
				  .incarnation = incarnation,
				  .has_proof = true };
	memcpy(h.proof, secret, 32);
	size_t n = hc_proto_build_hello(buf, sizeof buf, &h);
	assert_true(n > 0);
	assert_true(hc_proto_parse_from_terminal(buf, n, &m, &err));
	assert_true(m.u.hello.has_proof);
	assert_memory_equal(m.u.hello.proof, secret, 32);

	struct hc_msg_batch b = sample_batch();
	b.has_mac = true;
	memcpy(b.mac, nonce, 32);
	n = hc_proto_build_batch(buf, sizeof buf, &b);
	assert_true(n > 0);
	assert_true(hc_proto_parse_from_terminal(buf, n, &m, &err));
	assert_true(m.u.batch.has_mac);
	assert_memory_equal(m.u.batch.mac, nonce, 32);

	struct hc_msg_challenge c;
	memcpy(c.nonce, nonce, 32);
	n = hc_proto_build_challenge(buf, sizeof buf, &c);
	assert_true(n > 0);
	assert_true(hc_proto_parse_from_aggregator(buf, n, &m, &err));
	assert_int_equal(m.type, HC_MSG_CHALLENGE);
	assert_memory_equal(m.u.challenge.nonce, nonce, 32);

	/* Without them: absent, not zero. */
	static const char plain[] = "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"exited\":0}";
	assert_true(hc_proto_parse_from_terminal(plain, sizeof plain - 1, &m, &err));
	assert_false(m.u.batch.has_mac);
}

static void malformed_mac_is_refused(void **state)
{
	(void)state;
	struct hc_msg m;
	struct hc_proto_error err;
	static const char upper[] = "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"exited\":0,"
				    "\"mac\":\"AB\"}";
	assert_false(hc_proto_parse_from_terminal(upper, sizeof upper - 1, &m, &err));
	assert_int_equal(err.code, HC_CLOSE_OUT_OF_RANGE);
	assert_non_null(strstr(err.reason, "batch.mac"));
	static const char number[] = "{\"type\":\"hello\",\"terminal\":\"t1\","
				     "\"incarnation\":\"0000000000000001\",\"proof\":5}";
	assert_false(hc_proto_parse_from_terminal(number, sizeof number - 1, &m, &err));
	assert_int_equal(err.code, HC_CLOSE_BAD_FIELD);
	assert_non_null(strstr(err.reason, "hello.proof"));
	static const char no_nonce[] = "{\"type\":\"challenge\"}";
	assert_false(hc_proto_parse_from_aggregator(no_nonce, sizeof no_nonce - 1, &m, &err));
	assert_int_equal(err.code, HC_CLOSE_BAD_FIELD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(hello_proof_matches_openssl, setup),
		cmocka_unit_test_setup(batch_mac_matches_openssl, setup),
		cmocka_unit_test_setup(batch_key_matches_openssl, setup),
		cmocka_unit_test_setup(batch_key_equals_one_shot_mac, setup),
		cmocka_unit_test_setup(any_changed_field_changes_the_mac, setup),
		cmocka_unit_test_setup(proof_is_never_a_batch_mac, setup),
		cmocka_unit_test_setup(compare_sees_every_byte, setup),
		cmocka_unit_test_setup(proof_mac_and_nonce_round_trip, setup),
		cmocka_unit_test_setup(malformed_mac_is_refused, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
