/*
 * random.c — the server's ctr_drbg (random.h).
 *
 * Relies on mbedtls' entropy and ctr_drbg modules; the personalisation
 * string names the program. Promises a generator that is seeded before
 * its first draw, and hex with a terminating NUL.
 */
#include "aggregator/random.h"

#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "aggregator/server_internal.h"
#include "shared/log.h"

struct hc_random {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context ctr;
};

struct hc_random *hc_random_new(void)
{
	struct hc_random *d = calloc(1, sizeof *d);
	if (d == NULL) {
		hc_error("random: out of memory");
		return NULL;
	}
	mbedtls_entropy_init(&d->entropy);
	mbedtls_ctr_drbg_init(&d->ctr);
	static const char personal[] = "headcount-aggregator";
	int rc = mbedtls_ctr_drbg_seed(&d->ctr, mbedtls_entropy_func, &d->entropy,
				       (const unsigned char *)personal, sizeof personal - 1);
	if (rc != 0) {
		hc_error("random: mbedtls_ctr_drbg_seed failed (-0x%04x)", (unsigned)-rc);
		hc_random_free(d);
		return NULL;
	}
	return d;
}

void hc_random_free(struct hc_random *d)
{
	if (d == NULL)
		return;
	mbedtls_ctr_drbg_free(&d->ctr);
	mbedtls_entropy_free(&d->entropy);
	free(d);
}

bool hc_random_bytes(struct hc_random *d, unsigned char *out, size_t n)
{
	return d != NULL && mbedtls_ctr_drbg_random(&d->ctr, out, n) == 0;
}

bool hc_server_random_hex(struct hc_server *s, char *out, size_t bytes)
{
	unsigned char raw[64];
	if (bytes > sizeof raw || !hc_random_bytes(s->rng, raw, bytes))
		return false;
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return true;
}
