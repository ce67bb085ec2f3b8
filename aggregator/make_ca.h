/*
 * make_ca.h — `headcount-aggregator make-ca DIR [--host NAME|IP ...]`: a
 * venue's own certificate authority and the aggregator's certificate
 * (docs/security.md, "TLS on a venue LAN").
 *
 * In DIR it writes ca.key (0600) and ca.crt, the venue CA, unless they are
 * there already (then the CA is reused, so its pin stays the same), and
 * server.key (0600) and server.crt for the names and addresses given,
 * signed by the CA. It prints the CA's pin and the lines to paste into
 * the venue config, the terminals' configs and the dashboard's command.
 *
 * Done in-process with mbedtls's x509write (no openssl binary needed on
 * the machine, and the keys come from the same CTR-DRBG the aggregator
 * uses): ECDSA P-256 keys, SHA-256 signatures.
 */
#ifndef HC_AGGREGATOR_MAKE_CA_H
#define HC_AGGREGATOR_MAKE_CA_H

/* Days the CA and a server certificate are valid by default. */
#define HC_MAKE_CA_CA_DAYS 3650
#define HC_MAKE_CA_SERVER_DAYS 825
#define HC_MAKE_CA_DAYS_MAX 3650
/* Names and addresses one server certificate may carry. */
#define HC_MAKE_CA_HOSTS_MAX 16

/* The subcommand; argv[0] is "make-ca". Returns the exit status: 0 done,
 * 1 a file could not be read or written, 2 bad arguments. */
int hc_make_ca_main(int argc, char **argv);

#endif
