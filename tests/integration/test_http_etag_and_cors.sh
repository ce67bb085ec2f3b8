#!/usr/bin/env bash
# The public read-only endpoints are cacheable and readable from any web
# origin; the private ones are not.
#
# For /, /map.css, /map.js, /api/areas, /api/groups and /api/venue: 200
# with a strong ETag, "Cache-Control: public, max-age=1" and
# "Access-Control-Allow-Origin: *"; the same request with If-None-Match
# naming that ETag (alone, weak, or in a list) gets 304 with no body, on
# the same kept-alive connection; another ETag gets the full body. After
# a press the ETag of /api/areas changes and the old one gets 200 again.
# /healthz and /metrics stay no-store without CORS; the background image
# is served with the public headers.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
printf '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n' >"$WORK/plan.svg"
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
map_width = 100
map_height = 100
map_background = plan.svg
[group park]
[area hall]
capacity = 10
group = park
map_shape = rect 0 0 50 50
[terminal t1]
area = hall
INI
start_aggregator "$WORK/venue.ini" "$port"
BASE="http://127.0.0.1:$port"

# header FILE NAME: the value of one response header (case-insensitive).
header() { awk -v n="$(tr 'A-Z' 'a-z' <<<"$2")" -F': ' 'tolower($1) == n { sub(/\r$/, "", $2); print $2 }' "$1"; }
status() { head -n 1 "$1" | awk '{print $2}'; }

for path in / /map.css /map.js /api/areas /api/groups /api/venue; do
	curl -sf -D "$WORK/h" -o "$WORK/body" "$BASE$path" || fail "GET $path failed"
	etag=$(header "$WORK/h" etag)
	[[ "$etag" =~ ^\"[0-9a-f]{32}\"$ ]] || fail "$path: ETag '$etag' is not a strong 32-hex tag"
	[ "$(header "$WORK/h" cache-control)" = "public, max-age=1" ] ||
		fail "$path: Cache-Control '$(header "$WORK/h" cache-control)'"
	[ "$(header "$WORK/h" access-control-allow-origin)" = "*" ] || fail "$path: no CORS header"
	[ -s "$WORK/body" ] || fail "$path: empty body"

	# alone, weak, and in a list; twice on one kept-alive connection
	for inm in "$etag" "W/$etag" "\"other\", $etag"; do
		curl -s -D "$WORK/h304" -o "$WORK/b304" -H "If-None-Match: $inm" \
			"$BASE$path" "$BASE$path" 2>"$WORK/curl.err" -v
		[ "$(grep -c '^HTTP/1.1 304' "$WORK/h304")" = 2 ] || fail "$path: If-None-Match: $inm did not get 304 twice"
		[ ! -s "$WORK/b304" ] || fail "$path: 304 with a body"
		grep -qi '^content-length' "$WORK/h304" && fail "$path: 304 with a Content-Length"
		grep -q 'Re-using existing connection' "$WORK/curl.err" || fail "$path: connection not kept after 304"
		[ "$(header "$WORK/h304" etag | head -n 1)" = "$etag" ] || fail "$path: 304 without the ETag"
	done
	code=$(curl -s -o "$WORK/b200" -w '%{http_code}' -H 'If-None-Match: "0123"' "$BASE$path")
	[ "$code" = 200 ] && cmp -s "$WORK/b200" "$WORK/body" || fail "$path: other ETag got $code"
done
note "/ /map.css /map.js /api/areas /api/groups /api/venue: ETag, 304, public max-age=1, CORS"

jq -e '.width == 100 and .background == "/map/background" and .areas[0].shape.kind == "rect"' \
	<"$WORK/body" >/dev/null || fail "/api/venue: unexpected body $(cat "$WORK/body")"

# the index is the embedded file, byte for byte
curl -sf "$BASE/" | cmp -s - aggregator/web/index.html || fail "/ is not aggregator/web/index.html"

before=$(curl -sf -D - -o /dev/null "$BASE/api/areas" | awk -F': ' 'tolower($1) == "etag" { sub(/\r$/, "", $2); print $2 }')
"$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-terminal.v3 --wait-ms 3000 --count 3 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000aa"}' \
	--send '{"type":"batch","seq":1,"entered":3,"exited":0}' >"$WORK/t1.out"
grep -q '"type":"ack"' "$WORK/t1.out" || fail "no ack for the batch"
wait_until 5 bash -c "[ \"\$(curl -s '$BASE/api/areas' | jq '.[0].occupancy')\" = 3 ]" || fail "occupancy never 3"
code=$(curl -s -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' -H "If-None-Match: $before" "$BASE/api/areas")
[ "$code" = 200 ] || fail "old ETag after a change got $code, want 200"
after=$(header "$WORK/h" etag)
[ "$after" != "$before" ] || fail "ETag did not change with the body"
note "after 3 entries: ETag $before -> $after, old one gets 200"

for path in /healthz /metrics; do
	curl -s -D "$WORK/h" -o /dev/null "$BASE$path"
	[ "$(header "$WORK/h" cache-control)" = "no-store" ] || fail "$path: Cache-Control '$(header "$WORK/h" cache-control)'"
	[ -z "$(header "$WORK/h" access-control-allow-origin)" ] || fail "$path: has a CORS header"
	[ -z "$(header "$WORK/h" etag)" ] || fail "$path: has an ETag"
done
curl -s -D "$WORK/h" -o /dev/null "$BASE/nope"
[ "$(header "$WORK/h" cache-control)" = "no-store" ] || fail "404: not no-store"

curl -sf -D "$WORK/h" -o "$WORK/bg" "$BASE/map/background" || fail "GET /map/background failed"
cmp -s "$WORK/bg" "$WORK/plan.svg" || fail "/map/background is not the configured file"
[ "$(header "$WORK/h" content-type)" = "image/svg+xml" ] || fail "background type $(header "$WORK/h" content-type)"
[ "$(header "$WORK/h" access-control-allow-origin)" = "*" ] || fail "background: no CORS header"
note "/healthz, /metrics, 404: no-store, no CORS; /map/background: the file, public"
echo "ok $TEST_NAME"
