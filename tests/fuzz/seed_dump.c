/*
 * seed_dump.c — collects the frames and config files the unit tests feed
 * to the parsers, as seed inputs for the fuzz targets.
 *
 * Linked into a unit test with -Wl,--wrap for the parser entry points
 * (and fwrite, which the config tests use to write their venue.ini):
 * each call first writes its input to $HC_SEED_DIR/<target>/<fnv-hash>,
 * then calls the real function, so the test runs exactly as it would.
 * Used by tests/fuzz/seeds-from-tests.sh; not part of any product binary.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/supervisor_cmd.h"
#include "shared/protocol.h"

size_t __real_fwrite(const void *ptr, size_t size, size_t n, FILE *f);

/* Writes data to $HC_SEED_DIR/target/<hash>; silent when unset. */
static void dump(const char *target, const void *data, size_t len)
{
	const char *dir = getenv("HC_SEED_DIR");
	if (dir == NULL)
		return;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const unsigned char *)data)[i]) * 1099511628211ULL;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/%016llx", dir, target, (unsigned long long)h);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return;
	if (len > 0 && __real_fwrite(data, 1, len, f) != len)
		perror(path);
	fclose(f);
}

bool __real_hc_proto_parse_from_terminal(const char *buf, size_t len, struct hc_msg *out,
					 struct hc_proto_error *err);
bool __wrap_hc_proto_parse_from_terminal(const char *buf, size_t len, struct hc_msg *out,
					 struct hc_proto_error *err);
bool __wrap_hc_proto_parse_from_terminal(const char *buf, size_t len, struct hc_msg *out,
					 struct hc_proto_error *err)
{
	dump("terminal_proto", buf, len);
	return __real_hc_proto_parse_from_terminal(buf, len, out, err);
}

bool __real_hc_proto_parse_from_aggregator(const char *buf, size_t len, struct hc_msg *out,
					   struct hc_proto_error *err);
bool __wrap_hc_proto_parse_from_aggregator(const char *buf, size_t len, struct hc_msg *out,
					   struct hc_proto_error *err);
bool __wrap_hc_proto_parse_from_aggregator(const char *buf, size_t len, struct hc_msg *out,
					   struct hc_proto_error *err)
{
	dump("terminal_proto", buf, len);
	return __real_hc_proto_parse_from_aggregator(buf, len, out, err);
}

enum hc_sup_verdict __real_hc_sup_parse(const char *buf, size_t len, struct hc_sup_cmd *cmd,
					char *why, size_t why_cap, struct hc_proto_error *err);
enum hc_sup_verdict __wrap_hc_sup_parse(const char *buf, size_t len, struct hc_sup_cmd *cmd,
					char *why, size_t why_cap, struct hc_proto_error *err);
enum hc_sup_verdict __wrap_hc_sup_parse(const char *buf, size_t len, struct hc_sup_cmd *cmd,
					char *why, size_t why_cap, struct hc_proto_error *err)
{
	dump("supervisor_cmd", buf, len);
	return __real_hc_sup_parse(buf, len, cmd, why, why_cap, err);
}

size_t __wrap_fwrite(const void *ptr, size_t size, size_t n, FILE *f);
size_t __wrap_fwrite(const void *ptr, size_t size, size_t n, FILE *f)
{
	if (f != stdout && f != stderr)
		dump("venue_config", ptr, size * n);
	return __real_fwrite(ptr, size, n, f);
}
