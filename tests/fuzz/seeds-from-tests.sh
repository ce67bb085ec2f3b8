#!/usr/bin/env bash
# seeds-from-tests.sh — adds to tests/fuzz/corpus/ every frame and venue
# config that the unit tests feed to the parsers (the rejection cases of
# test_protocol_rejections.c, test_supervisor_commands_parse.c and
# test_config_errors.c among them). Each unit test is relinked with
# tests/fuzz/seed_dump.c, which records the inputs and then runs the
# real parser, so the tests still pass. Run from the repository root
# after `make`; run `make fuzz-merge` afterwards to drop duplicates.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=build/fuzz/seed-dump
mkdir -p "$out" tests/fuzz/corpus/{terminal_proto,supervisor_cmd,venue_config}
flags=$(sed -n 's/^PKG_CFLAGS := //p' build/pkg.mk)
libs="$(sed -n 's/^PKG_LIBS := //p' build/pkg.mk) -lmbedcrypto -lpthread -lm -lcmocka"
wrap="-Wl,--wrap=hc_proto_parse_from_terminal -Wl,--wrap=hc_proto_parse_from_aggregator"
wrap="$wrap -Wl,--wrap=hc_sup_parse -Wl,--wrap=fwrite"
cc -std=gnu11 -O1 -I. $flags -c tests/fuzz/seed_dump.c -o "$out/seed_dump.o"
for t in test_protocol_rejections test_protocol_roundtrip test_supervisor_commands_parse \
	test_config_errors test_config_thresholds; do
	# shellcheck disable=SC2086
	cc -std=gnu11 -O1 -I. $flags -o "$out/$t" tests/unit/$t.c "$out/seed_dump.o" \
		build/libhcaggregator.a build/libhcterminal.a build/libhchw.a build/libhcshared.a \
		$wrap $libs
	HC_SEED_DIR=tests/fuzz/corpus "$out/$t" >"$out/$t.log" 2>&1 ||
		{ echo "seeds-from-tests: $t failed, see $out/$t.log" >&2; exit 1; }
done
for d in tests/fuzz/corpus/*/; do
	echo "$(basename "$d"): $(find "$d" -type f | wc -l) files"
done
