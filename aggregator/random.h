/*
 * random.h — the aggregator's random source: mbedtls' ctr_drbg, seeded
 * once from the system's entropy.
 *
 * What it draws: terminals' challenge nonces and supervisors' login
 * nonces (as hex, through hc_server_random_hex), and the incarnation of
 * the corrections made in one run. Loop thread only (no lock).
 */
#ifndef HC_RANDOM_H
#define HC_RANDOM_H

#include <stdbool.h>
#include <stddef.h>

struct hc_random;
struct hc_server;

/* Seeds a new generator; NULL (logged) when the entropy source fails or
 * out of memory. */
struct hc_random *hc_random_new(void);
/* NULL is a no-op. */
void hc_random_free(struct hc_random *r);

/* n random bytes into out; false when the generator fails (or r is
 * NULL). */
bool hc_random_bytes(struct hc_random *r, unsigned char *out, size_t n);

/* Random bytes (at most 64) from the server's generator, as 2 * bytes
 * lowercase hex digits and a NUL into out. */
bool hc_server_random_hex(struct hc_server *s, char *out, size_t bytes);

#endif
