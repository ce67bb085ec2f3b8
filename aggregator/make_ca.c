/*
 * make_ca.c — the venue CA and the aggregator's certificate (make_ca.h).
 *
 * Relies on: mbedtls 2.28 — entropy + CTR-DRBG for keys and serials,
 * ecp_gen_key for P-256 keys, x509write_crt for certificates. 2.28 has no
 * writer for subjectAltName or extendedKeyUsage, so their DER is built
 * with mbedtls's asn1write functions and added as raw extensions.
 *
 * Promises: a key file is created 0600 with O_EXCL and renamed into
 * place, so it is never readable by others, not even for a moment; an
 * existing CA is never overwritten (losing its key means re-pinning
 * every terminal); the printed pin is the one clients compute
 * (shared/tls_client.c, the same function).
 */
#include "aggregator/make_ca.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "shared/tls_client.h"

#define PEM_BYTES_MAX 8192
#define SAN_BYTES_MAX 4096
#define HOST_LEN_MAX 253

struct host {
	char text[HOST_LEN_MAX + 1];
	bool is_ip;
	unsigned char addr[16];
	size_t addr_len;
};

struct rng {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: headcount-aggregator make-ca DIR [--host NAME|IP]... [--days N]\n"
		"  Writes in DIR the venue CA (ca.crt, ca.key; kept when already there)\n"
		"  and the aggregator's certificate (server.crt, server.key) for every\n"
		"  --host (default: localhost and 127.0.0.1), valid N days (default %d,\n"
		"  at most %d). Prints the CA pin and the [tls] lines to paste.\n",
		HC_MAKE_CA_SERVER_DAYS, HC_MAKE_CA_DAYS_MAX);
}

static void say_mbedtls(const char *what, int rc)
{
	char why[160];
	mbedtls_strerror(rc, why, sizeof why);
	fprintf(stderr, "make-ca: %s: %s\n", what, why);
}

/* A DNS name of letters, digits, '-' and '.', or an IPv4/IPv6 address. */
static bool parse_host(const char *text, struct host *h)
{
	size_t n = strlen(text);
	if (n == 0 || n > HOST_LEN_MAX)
		return false;
	memset(h, 0, sizeof *h);
	memcpy(h->text, text, n + 1);
	if (inet_pton(AF_INET, text, h->addr) == 1) {
		h->is_ip = true;
		h->addr_len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, text, h->addr) == 1) {
		h->is_ip = true;
		h->addr_len = 16;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '.';
		if (!ok)
			return false;
	}
	return text[0] != '.' && text[0] != '-';
}

/* "YYYYMMDDhhmmss" (UTC) for t, as x509write wants it. */
static void x509_time(time_t t, char out[16])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

/* Writes len bytes to path (mode), through path.tmp created with O_EXCL. */
static bool write_file(const char *path, const unsigned char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		fprintf(stderr, "make-ca: path too long: %s\n", path);
		return false;
	}
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "make-ca: cannot create %s: %s\n", tmp, strerror(errno));
		return false;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "make-ca: cannot write %s: %s\n", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return false;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fprintf(stderr, "make-ca: cannot write %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return false;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "make-ca: cannot rename %s to %s: %s\n", tmp, path,
			strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

static bool new_key(mbedtls_pk_context *key, struct rng *r)
{
	int rc = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (rc == 0)
		rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
					 mbedtls_ctr_drbg_random, &r->drbg);
	if (rc != 0) {
		say_mbedtls("cannot make a key", rc);
		return false;
	}
	return true;
}

static bool write_key(const char *path, mbedtls_pk_context *key)
{
	unsigned char pem[PEM_BYTES_MAX];
	int rc = mbedtls_pk_write_key_pem(key, pem, sizeof pem);
	if (rc != 0) {
		say_mbedtls("cannot encode a key", rc);
		return false;
	}
	bool ok = write_file(path, pem, strlen((char *)pem), 0600);
	mbedtls_platform_zeroize(pem, sizeof pem);
	return ok;
}

/* Prepends the DER length and tag of the len bytes asn1write wrote just
 * after *p (it fills from the end of buf towards start). Returns len plus
 * what was prepended, or -1. */
static int prepend_len_tag(unsigned char **p, unsigned char *start, size_t len, unsigned char tag)
{
	int rc = mbedtls_asn1_write_len(p, start, len);
	if (rc < 0)
		return -1;
	len += (size_t)rc;
	if ((rc = mbedtls_asn1_write_tag(p, start, tag)) < 0)
		return -1;
	return (int)(len + (size_t)rc);
}

/* The DER of subjectAltName: SEQUENCE OF GeneralName, dNSName [2] or
 * iPAddress [7]. asn1write fills the buffer from its end; *der points at
 * the first byte. Returns the length, or -1. */
static int san_der(const struct host *hosts, int count, unsigned char *buf, size_t cap,
		   unsigned char **der)
{
	unsigned char *p = buf + cap;
	size_t len = 0;
	for (int i = count - 1; i >= 0; i--) {
		const struct host *h = &hosts[i];
		const unsigned char *bytes = h->is_ip ? h->addr : (const unsigned char *)h->text;
		size_t n = h->is_ip ? h->addr_len : strlen(h->text);
		int rc = mbedtls_asn1_write_raw_buffer(&p, buf, bytes, n);
		if (rc < 0 ||
		    (rc = prepend_len_tag(&p, buf, (size_t)rc,
					  MBEDTLS_ASN1_CONTEXT_SPECIFIC | (h->is_ip ? 7 : 2))) < 0)
			return -1;
		len += (size_t)rc;
	}
	int rc = prepend_len_tag(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	if (rc < 0)
		return -1;
	*der = p;
	return rc;
}

/* The DER of extendedKeyUsage = serverAuth. */
static int eku_der(unsigned char *buf, size_t cap, unsigned char **der)
{
	unsigned char *p = buf + cap;
	int rc = mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_SERVER_AUTH,
					MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH));
	if (rc < 0 || (rc = prepend_len_tag(&p, buf, (size_t)rc,
					    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return -1;
	*der = p;
	return rc;
}

/* A server certificate's subjectAltName (the hosts) and
 * extendedKeyUsage = serverAuth; false (said on stderr) when either
 * cannot be encoded. */
static bool add_server_extensions(mbedtls_x509write_cert *crt, const struct host *hosts,
				  int host_count)
{
	unsigned char san[SAN_BYTES_MAX], eku[64];
	unsigned char *der;
	int n = san_der(hosts, host_count, san, sizeof san, &der);
	if (n < 0 ||
	    mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
						MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
						der, (size_t)n) != 0) {
		fprintf(stderr, "make-ca: cannot encode the certificate's names\n");
		return false;
	}
	n = eku_der(eku, sizeof eku, &der);
	if (n < 0 ||
	    mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
						MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
						der, (size_t)n) != 0) {
		fprintf(stderr, "make-ca: cannot encode the certificate's key usage\n");
		return false;
	}
	return true;
}

/* One certificate: subject_key signed by issuer_key. For the CA,
 * issuer_name == subject_name and is_ca; for the server, the hosts.
 * One piece (about 60 lines): the x509write calls in the order of the
 * certificate's fields, sharing one rc and one cleanup. */
static bool make_cert(const char *path, struct rng *r, mbedtls_pk_context *subject_key,
		      mbedtls_pk_context *issuer_key, const char *subject_name,
		      const char *issuer_name, bool is_ca, int days, const struct host *hosts,
		      int host_count)
{
	bool ok = false;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	unsigned char serial_raw[16], pem[PEM_BYTES_MAX];
	int rc = mbedtls_ctr_drbg_random(&r->drbg, serial_raw, sizeof serial_raw);
	serial_raw[0] &= 0x7f; /* a positive INTEGER */
	serial_raw[0] |= 0x01; /* and never zero */
	if (rc == 0)
		rc = mbedtls_mpi_read_binary(&serial, serial_raw, sizeof serial_raw);
	/* valid from an hour ago: a client whose clock is a little behind
	 * still accepts a certificate made a minute ago */
	time_t now = time(NULL);
	char from[16], to[16];
	x509_time(now - 3600, from);
	x509_time(now + (time_t)days * 86400, to);
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, subject_key);
	mbedtls_x509write_crt_set_issuer_key(&crt, issuer_key);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_serial(&crt, &serial);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_validity(&crt, from, to);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_subject_name(&crt, subject_name);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_issuer_name(&crt, issuer_name);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_basic_constraints(&crt, is_ca ? 1 : 0,
								 is_ca ? 0 : -1);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_subject_key_identifier(&crt);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_authority_key_identifier(&crt);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_key_usage(&crt,
							 is_ca ? (MBEDTLS_X509_KU_KEY_CERT_SIGN |
								  MBEDTLS_X509_KU_CRL_SIGN)
							       : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
	if (rc != 0) {
		say_mbedtls("cannot fill in a certificate", rc);
		goto fail;
	}
	if (!is_ca && !add_server_extensions(&crt, hosts, host_count))
		goto fail;
	rc = mbedtls_x509write_crt_pem(&crt, pem, sizeof pem, mbedtls_ctr_drbg_random, &r->drbg);
	if (rc != 0) {
		say_mbedtls("cannot sign a certificate", rc);
		goto fail;
	}
	ok = write_file(path, pem, strlen((char *)pem), 0644);
fail:
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	return ok;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The CA's subject as written in ca.crt, for the server cert's issuer. */
static bool ca_subject(const char *ca_crt, char *out, size_t cap)
{
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	int rc = mbedtls_x509_crt_parse_file(&crt, ca_crt);
	bool ok = rc == 0 && mbedtls_x509_dn_gets(out, cap, &crt.subject) > 0;
	if (!ok)
		fprintf(stderr, "make-ca: cannot read %s\n", ca_crt);
	mbedtls_x509_crt_free(&crt);
	return ok;
}

/* What the command line asks for. */
struct request {
	const char *dir;
	struct host hosts[HC_MAKE_CA_HOSTS_MAX];
	int host_count;
	long days;
};

/* Reads the command line into q (hosts default to localhost and
 * 127.0.0.1). Returns -1 to go on, else the exit status: 0 after
 * --help, 2 after a usage error (said on stderr). */
static int parse_args(int argc, char **argv, struct request *q)
{
	memset(q, 0, sizeof *q);
	q->days = HC_MAKE_CA_SERVER_DAYS;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--host") == 0 || strcmp(a, "--days") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "make-ca: %s needs a value\n", a);
				return 2;
			}
			const char *v = argv[++i];
			if (strcmp(a, "--days") == 0) {
				char *end = NULL;
				q->days = strtol(v, &end, 10);
				if (end == v || *end != '\0' || q->days < 1 ||
				    q->days > HC_MAKE_CA_DAYS_MAX) {
					fprintf(stderr, "make-ca: --days %s: expected 1..%d\n", v,
						HC_MAKE_CA_DAYS_MAX);
					return 2;
				}
				continue;
			}
			if (q->host_count == HC_MAKE_CA_HOSTS_MAX) {
				fprintf(stderr, "make-ca: at most %d --host\n",
					HC_MAKE_CA_HOSTS_MAX);
				return 2;
			}
			if (!parse_host(v, &q->hosts[q->host_count])) {
				fprintf(stderr,
					"make-ca: --host %s: expected a DNS name (letters,"
					" digits, '-', '.') or an IPv4/IPv6 address\n",
					v);
				return 2;
			}
			q->host_count++;
			continue;
		}
		if (a[0] == '-' || q->dir != NULL) {
			usage(stderr);
			return 2;
		}
		q->dir = a;
	}
	if (q->dir == NULL) {
		usage(stderr);
		return 2;
	}
	if (q->host_count == 0) {
		parse_host("localhost", &q->hosts[q->host_count++]);
		parse_host("127.0.0.1", &q->hosts[q->host_count++]);
	}
	return -1;
}

/* The venue CA in cakey, its subject in ca_name: the one at ca_key and
 * ca_crt when both are there (*reused), a new one written there when
 * neither is; false (said on stderr) when only one of them is, or on
 * any error. */
static bool get_ca(const char *ca_key, const char *ca_crt, struct rng *r, mbedtls_pk_context *cakey,
		   char *ca_name, size_t ca_name_len, bool *reused)
{
	*reused = exists(ca_key);
	if (*reused) {
		if (!exists(ca_crt)) {
			fprintf(stderr,
				"make-ca: %s is there but %s is not: restore ca.crt"
				" from a copy (a terminal has one), or move ca.key away to make"
				" a new CA\n",
				ca_key, ca_crt);
			return false;
		}
		int rc = mbedtls_pk_parse_keyfile(cakey, ca_key, NULL);
		if (rc != 0) {
			say_mbedtls(ca_key, rc);
			return false;
		}
		return ca_subject(ca_crt, ca_name, ca_name_len);
	}
	if (exists(ca_crt)) {
		fprintf(stderr,
			"make-ca: %s is there without its key %s: a CA whose"
			" key is lost cannot sign; move ca.crt away to make a new CA"
			" (docs/security.md, \"When the CA key is lost\")\n",
			ca_crt, ca_key);
		return false;
	}
	char host[64] = "";
	if (gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	for (char *p = host; *p != '\0'; p++)
		if (*p == ',' || *p == '=' || *p == '\\')
			*p = '-';
	char day[16];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	snprintf(ca_name, ca_name_len, "CN=headcount venue CA %s %s,O=headcount",
		 host[0] ? host : "venue", day);
	return new_key(cakey, r) && write_key(ca_key, cakey) &&
	       make_cert(ca_crt, r, cakey, cakey, ca_name, ca_name, true, HC_MAKE_CA_CA_DAYS, NULL,
			 0);
}

/* The files written, the pin, and the config lines to paste. */
static void print_result(const struct request *q, const char *ca_crt, const char *ca_key,
			 bool ca_reused, const char *srv_crt, const char *srv_key, const char *pin)
{
	printf("venue CA:    %s (%s)\n", ca_crt, ca_reused ? "kept" : "new");
	printf("CA key:      %s (0600; keep a copy offline, see docs/security.md)\n", ca_key);
	printf("server:      %s, %s, valid %ld days, for", srv_crt, srv_key, q->days);
	for (int i = 0; i < q->host_count; i++)
		printf(" %s", q->hosts[i].text);
	printf("\nCA pin:      %s\n\n", pin);
	printf("# venue config (the aggregator):\n[tls]\ncert = %s\nkey = %s\nca = %s\n\n", srv_crt,
	       srv_key, ca_crt);
	printf("# each terminal's [terminal] section (copy ca.crt to it):\n"
	       "url = wss://%s:8080\nca = /etc/headcount/ca.crt\nca_sha256 = %s\n\n",
	       q->hosts[0].text, pin);
	printf("# the dashboard:\nheadcount-dashboard --url wss://%s:8080 --ca %s"
	       " --supervisor NAME\n",
	       q->hosts[0].text, ca_crt);
}

/* headcount-aggregator make-ca (make_ca.h). One piece (about 60 lines):
 * the steps in order — paths, random generator, CA, server certificate,
 * pin — sharing the mbedtls contexts that its one cleanup releases. */
int hc_make_ca_main(int argc, char **argv)
{
	struct request q;
	int parsed = parse_args(argc, argv, &q);
	if (parsed >= 0)
		return parsed;

	if (mkdir(q.dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "make-ca: cannot create %s: %s\n", q.dir, strerror(errno));
		return 1;
	}
	char abs_dir[PATH_MAX];
	if (realpath(q.dir, abs_dir) == NULL) {
		fprintf(stderr, "make-ca: %s: %s\n", q.dir, strerror(errno));
		return 1;
	}
	char ca_key[PATH_MAX + 16], ca_crt[PATH_MAX + 16], srv_key[PATH_MAX + 16],
		srv_crt[PATH_MAX + 16];
	snprintf(ca_key, sizeof ca_key, "%s/ca.key", abs_dir);
	snprintf(ca_crt, sizeof ca_crt, "%s/ca.crt", abs_dir);
	snprintf(srv_key, sizeof srv_key, "%s/server.key", abs_dir);
	snprintf(srv_crt, sizeof srv_crt, "%s/server.crt", abs_dir);

	int status = 1;
	struct rng r;
	mbedtls_pk_context cakey, srvkey;
	mbedtls_entropy_init(&r.entropy);
	mbedtls_ctr_drbg_init(&r.drbg);
	mbedtls_pk_init(&cakey);
	mbedtls_pk_init(&srvkey);
	static const char pers[] = "headcount make-ca";
	int rc = mbedtls_ctr_drbg_seed(&r.drbg, mbedtls_entropy_func, &r.entropy,
				       (const unsigned char *)pers, sizeof pers - 1);
	if (rc != 0) {
		say_mbedtls("cannot seed the random generator", rc);
		goto fail;
	}
	bool ca_reused;
	char ca_name[512];
	if (!get_ca(ca_key, ca_crt, &r, &cakey, ca_name, sizeof ca_name, &ca_reused))
		goto fail;
	char srv_name[HOST_LEN_MAX + 32];
	snprintf(srv_name, sizeof srv_name, "CN=%s,O=headcount", q.hosts[0].text);
	if (!new_key(&srvkey, &r) || !write_key(srv_key, &srvkey) ||
	    !make_cert(srv_crt, &r, &srvkey, &cakey, srv_name, ca_name, false, (int)q.days, q.hosts,
		       q.host_count))
		goto fail;

	char pin[HC_TLS_PIN_HEX_LEN], err[PATH_MAX + 200];
	if (!hc_tls_ca_load(ca_crt, NULL, pin, err, sizeof err)) {
		fprintf(stderr, "make-ca: %s\n", err);
		goto fail;
	}
	print_result(&q, ca_crt, ca_key, ca_reused, srv_crt, srv_key, pin);
	status = 0;
fail:
	mbedtls_pk_free(&srvkey);
	mbedtls_pk_free(&cakey);
	mbedtls_ctr_drbg_free(&r.drbg);
	mbedtls_entropy_free(&r.entropy);
	return status;
}
