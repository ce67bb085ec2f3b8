/*
 * hex.h — bytes as lower-case hex and back: secrets, nonces, MACs, salts
 * and proofs on the wire and in files (shared/terminal_auth.h,
 * shared/wire_supervisor.h). Pure; no allocation.
 */
#ifndef HC_SHARED_HEX_H
#define HC_SHARED_HEX_H

#include <stdbool.h>
#include <stddef.h>

/* n bytes -> 2n lower-case hex digits and a NUL (out holds 2n + 1). */
void hc_hex_encode(const void *bytes, size_t n, char *out);

/* Exactly 2n lower-case hex digits (nothing after) -> n bytes; false for
 * NULL, another length or any other character (out then undefined). */
bool hc_hex_decode(const char *hex, void *out, size_t n);

#endif
