/*
 * peers_wire.c — the two subscriber wires of bench_peers, by hand:
 * WebSocket (RFC 6455) client side and MQTT 3.1.1 client packets.
 *
 * Relies on: mbedtls for the base64 of the WebSocket key
 * (the key is 16 bytes of getrandom()).
 *
 * Promises: every builder checks its capacity and returns 0 rather than
 * write past it; every parser reads only within len and says
 * "incomplete" (0) or "malformed" (-1) rather than guess. Server
 * WebSocket frames must be unmasked (RFC 6455 5.1); frames over 16 MiB
 * and MQTT packets over 16 MiB are refused (a load generator reading a
 * server it trusts needs no more).
 */
#define _GNU_SOURCE
#include "tests/bench/peers/peers.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/base64.h>

#define PEERS_FRAME_BYTES_MAX (16u * 1024u * 1024u)

size_t peers_ws_request(char *out, size_t cap, const char *host, int port, const char *path,
			const char *protocol)
{
	uint8_t raw[16];
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		memset(raw, 0x5a, sizeof raw);
	unsigned char key[32];
	size_t key_len = 0;
	if (mbedtls_base64_encode(key, sizeof key, &key_len, raw, sizeof raw) != 0)
		return 0;
	int n = snprintf(out, cap,
			 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: %.*s\r\n"
			 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
			 path, host, port, (int)key_len, key, protocol);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t peers_ws_frame(uint8_t *out, size_t cap, uint8_t opcode, const void *payload, size_t len)
{
	size_t head = len < 126 ? 2 : len <= 0xffff ? 4 : 10;
	if (cap < head + 4 + len)
		return 0;
	out[0] = (uint8_t)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		out[1] = (uint8_t)(0x80 | len);
	} else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	static uint32_t counter = 0x9e3779b9u;
	counter = counter * 1664525u + 1013904223u;
	uint8_t *mask = out + head;
	memcpy(mask, &counter, 4);
	const uint8_t *p = payload;
	for (size_t i = 0; i < len; i++)
		out[head + 4 + i] = p[i] ^ mask[i & 3];
	return head + 4 + len;
}

int64_t peers_ws_parse(const uint8_t *buf, size_t len, uint8_t *opcode, bool *fin,
		       const uint8_t **payload, size_t *payload_len)
{
	if (len < 2)
		return 0;
	if (buf[1] & 0x80)
		return -1; /* a server never masks */
	uint64_t plen = buf[1] & 0x7f;
	size_t head = 2;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = ((uint64_t)buf[2] << 8) | buf[3];
		head = 4;
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = (plen << 8) | buf[2 + i];
		head = 10;
	}
	if (plen > PEERS_FRAME_BYTES_MAX)
		return -1;
	if (len < head + plen)
		return 0;
	*opcode = buf[0] & 0x0f;
	*fin = (buf[0] & 0x80) != 0;
	*payload = buf + head;
	*payload_len = (size_t)plen;
	return (int64_t)(head + plen);
}

size_t peers_http_head(const uint8_t *buf, size_t len, int *status)
{
	const uint8_t *end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	*status = 0;
	if (len >= 12 && memcmp(buf, "HTTP/1.1 ", 9) == 0)
		*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	return (size_t)(end - buf) + 4;
}

/* Writes MQTT's variable-length "remaining length"; bytes written. */
static size_t put_remaining(uint8_t *out, size_t value)
{
	size_t n = 0;
	do {
		uint8_t b = value % 128;
		value /= 128;
		out[n++] = (uint8_t)(value > 0 ? b | 0x80 : b);
	} while (value > 0 && n < 4);
	return n;
}

size_t peers_mqtt_connect(uint8_t *out, size_t cap, const char *client_id)
{
	size_t id_len = strlen(client_id);
	size_t body = 10 + 2 + id_len;
	if (id_len > 64 || cap < 1 + 4 + body)
		return 0;
	size_t n = 0;
	out[n++] = 0x10;
	n += put_remaining(out + n, body);
	static const uint8_t vh[10] = { 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0 };
	memcpy(out + n, vh, sizeof vh); /* level 4, clean session, keep-alive 0 */
	n += sizeof vh;
	out[n++] = (uint8_t)(id_len >> 8);
	out[n++] = (uint8_t)id_len;
	memcpy(out + n, client_id, id_len);
	return n + id_len;
}

size_t peers_mqtt_subscribe(uint8_t *out, size_t cap, uint16_t packet_id, const char *filter)
{
	size_t f_len = strlen(filter);
	size_t body = 2 + 2 + f_len + 1;
	if (f_len > 200 || cap < 1 + 4 + body)
		return 0;
	size_t n = 0;
	out[n++] = 0x82;
	n += put_remaining(out + n, body);
	out[n++] = (uint8_t)(packet_id >> 8);
	out[n++] = (uint8_t)packet_id;
	out[n++] = (uint8_t)(f_len >> 8);
	out[n++] = (uint8_t)f_len;
	memcpy(out + n, filter, f_len);
	n += f_len;
	out[n++] = 0; /* QoS 0 */
	return n;
}

int64_t peers_mqtt_parse(const uint8_t *buf, size_t len, uint8_t *type, const uint8_t **payload,
			 size_t *payload_len)
{
	if (len < 2)
		return 0;
	size_t value = 0, mult = 1, i = 1;
	for (;;) {
		if (i >= len)
			return 0;
		if (i > 4)
			return -1;
		value += (size_t)(buf[i] & 0x7f) * mult;
		mult *= 128;
		if ((buf[i++] & 0x80) == 0)
			break;
	}
	if (value > PEERS_FRAME_BYTES_MAX)
		return -1;
	if (len < i + value)
		return 0;
	*type = buf[0] >> 4;
	*payload = buf + i;
	*payload_len = value;
	if (*type == 3) { /* PUBLISH: skip the topic (and packet id) */
		if (value < 2)
			return -1;
		size_t t_len = ((size_t)buf[i] << 8) | buf[i + 1];
		size_t skip = 2 + t_len + (((buf[0] >> 1) & 3) ? 2 : 0);
		if (skip > value)
			return -1;
		*payload = buf + i + skip;
		*payload_len = value - skip;
	}
	return (int64_t)(i + value);
}
