/*
 * test_tls_pin_and_dates.c — the pure parts of TLS: the CA pin as text
 * (shared/tls_client.c) and a certificate's dates against the clock
 * (aggregator/tls_setup.c), and how a verification failure is worded.
 *
 * Properties: a pin formats as 64 lower-case hex digits and parses back;
 * openssl's colon form and upper case are accepted, anything shorter,
 * longer or not hex is refused; a date before, inside, near the end of
 * and after the validity is told apart; lws's TLS error text becomes a
 * sentence naming the CA, other errors pass unchanged; a CA path that
 * is a directory is refused with a sentence before mbedtls reads it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/tls_setup.h"
#include "shared/tls_client.h"

static void a_pin_formats_as_hex_and_parses_back(void **state)
{
	(void)state;
	uint8_t pin[HC_TLS_PIN_BYTES], back[HC_TLS_PIN_BYTES];
	for (size_t i = 0; i < sizeof pin; i++)
		pin[i] = (uint8_t)(i * 37 + 5);
	char hex[HC_TLS_PIN_HEX_LEN];
	hc_tls_pin_format(pin, hex);
	assert_int_equal(strlen(hex), 64);
	assert_string_equal(hex, "052a4f74"
				 "99bee308"
				 "2d52779c"
				 "c1e60b30"
				 "557a9fc4"
				 "e90e3358"
				 "7da2c7ec"
				 "11365b80");
	assert_true(hc_tls_pin_parse(hex, back));
	assert_memory_equal(pin, back, sizeof pin);
}

static void openssl_fingerprint_form_is_accepted(void **state)
{
	(void)state;
	const char *colon = "SHA256 Fingerprint=DD:89:DF:68:1C:D6:BC:D3:D5:30:73:FF:C8:76:A2:AC:"
			    "F9:6F:FA:E4:21:68:76:26:26:0B:03:C3:02:49:3D:AD";
	const char *plain = "dd89df681cd6bcd3d53073ffc876a2acf96ffae421687626260b03c302493dad";
	uint8_t a[HC_TLS_PIN_BYTES], b[HC_TLS_PIN_BYTES];
	assert_true(hc_tls_pin_parse(colon, a));
	assert_true(hc_tls_pin_parse(plain, b));
	assert_memory_equal(a, b, sizeof a);
	assert_true(hc_tls_pin_parse(
		"sha256:DD89DF681CD6BCD3D53073FFC876A2ACF96FFAE421687626260B03C302493DAD\n", a));
	assert_memory_equal(a, b, sizeof a);
}

static void malformed_pins_are_refused(void **state)
{
	(void)state;
	uint8_t p[HC_TLS_PIN_BYTES];
	memset(p, 0xee, sizeof p);
	assert_false(hc_tls_pin_parse("", p));
	assert_false(hc_tls_pin_parse("dd89", p));
	/* 63 and 65 digits */
	assert_false(
		hc_tls_pin_parse("d89df681cd6bcd3d53073ffc876a2acf96ffae421687626260b03c302493dad",
				 p));
	assert_false(hc_tls_pin_parse(
		"dd89df681cd6bcd3d53073ffc876a2acf96ffae421687626260b03c302493dad0", p));
	assert_false(
		hc_tls_pin_parse("gg89df681cd6bcd3d53073ffc876a2acf96ffae421687626260b03c302493dad",
				 p));
	assert_false(hc_tls_pin_parse("DD:89DF:68:1C:D6:BC:D3:D5:30:73:FF:C8:76:A2:AC:F9:6F:FA:E4:"
				      "21:68:76:26:26:0B:03:C3:02:49:3D:AD",
				      p));
	/* a refused pin leaves the output alone */
	for (size_t i = 0; i < sizeof p; i++)
		assert_int_equal(p[i], 0xee);
}

static void dates_are_told_apart(void **state)
{
	(void)state;
	const int64_t day = 86400, from = 1000 * day, to = 2000 * day;
	assert_int_equal(hc_tls_check_dates(from - 1, from, to), HC_TLS_DATES_NOT_YET_VALID);
	assert_int_equal(hc_tls_check_dates(from, from, to), HC_TLS_DATES_OK);
	assert_int_equal(hc_tls_check_dates(to - HC_TLS_EXPIRY_WARN_DAYS * day, from, to),
			 HC_TLS_DATES_OK);
	assert_int_equal(hc_tls_check_dates(to - HC_TLS_EXPIRY_WARN_DAYS * day + 1, from, to),
			 HC_TLS_DATES_EXPIRES_SOON);
	assert_int_equal(hc_tls_check_dates(to, from, to), HC_TLS_DATES_EXPIRES_SOON);
	assert_int_equal(hc_tls_check_dates(to + 1, from, to), HC_TLS_DATES_EXPIRED);
	char d[16];
	hc_tls_format_day(1795996800, d); /* 2026-11-30T00:00Z */
	assert_string_equal(d, "2026-11-30");
}

static void a_verification_failure_names_the_ca(void **state)
{
	(void)state;
	char out[512];
	hc_tls_client_explain("connect SSL err 1: error:00000001:lib(0)::reason(1)", "/etc/ca.crt",
			      out, sizeof out);
	assert_non_null(strstr(out, "TLS verification failed"));
	assert_non_null(strstr(out, "/etc/ca.crt"));
	hc_tls_client_explain("Connection refused\n", "/etc/ca.crt", out, sizeof out);
	assert_string_equal(out, "Connection refused");
	hc_tls_client_explain("connect SSL err 1", "", out, sizeof out);
	assert_string_equal(out, "connect SSL err 1");
	hc_tls_client_explain(NULL, NULL, out, sizeof out);
	assert_string_equal(out, "connection error");
}

static void a_directory_as_ca_is_refused(void **state)
{
	(void)state;
	char pin[HC_TLS_PIN_HEX_LEN], err[512] = "";
	assert_false(hc_tls_ca_load(".", NULL, pin, err, sizeof err));
	assert_non_null(strstr(err, "CA certificate . is not a file"));
	assert_false(hc_tls_ca_load("/nonexistent/ca.crt", NULL, pin, err, sizeof err));
	assert_non_null(strstr(err, "cannot be opened"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_pin_formats_as_hex_and_parses_back),
		cmocka_unit_test(openssl_fingerprint_form_is_accepted),
		cmocka_unit_test(malformed_pins_are_refused),
		cmocka_unit_test(dates_are_told_apart),
		cmocka_unit_test(a_verification_failure_names_the_ca),
		cmocka_unit_test(a_directory_as_ca_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
