#!/usr/bin/env bash
# nginx (Debian's package) in front of the aggregator, with the config
# shipped in aggregator/nginx/headcount.conf and shown in docs/map.md.
#
# A real nginx runs on 127.0.0.1 with its own prefix, config, pid, logs,
# cache and temp dirs under the test's dir, "daemon off", in front of a
# real aggregator. Through nginx: the page and /api/areas come back
# whole; the aggregator's ETag passes through and If-None-Match with it
# gets 304; a repeat within max-age is a cache HIT (X-Cache-Status) that
# never reaches the aggregator; after the second expires the new figure
# shows; a map WebSocket through nginx gets its snapshot and then the
# update after a terminal's press. /metrics is not public through it.
. "$(dirname "$0")/lib.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
	bash .ci/install-deps.sh >/dev/null 2>&1 || true
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
fi
[ -x "$NGINX" ] || { echo "SKIP $TEST_NAME: nginx is not installed and cannot be installed"; exit 77; }

# The config block in docs/map.md is the file tested here.
awk '/^```nginx$/ { on = 1; next } on && /^```$/ { exit } on' docs/map.md |
	cmp -s - aggregator/nginx/headcount.conf ||
	fail "docs/map.md's nginx block differs from aggregator/nginx/headcount.conf"

agg_port=$(free_port)
ngx_port=$(free_port)
[ "$ngx_port" != "$agg_port" ] || ngx_port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
name = Main hall
capacity = 100
[terminal t1]
area = hall
INI
start_aggregator "$WORK/venue.ini" "$agg_port" --verbose

N="$WORK/nginx"
mkdir -p "$N/tmp" "$N/cache" "$N/logs"
sed -e "s|listen 80;|listen 127.0.0.1:$ngx_port;|" \
    -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$agg_port;|" \
    -e "s|/var/cache/nginx/headcount|$N/cache|" \
	aggregator/nginx/headcount.conf >"$N/headcount.conf"
grep -q "listen 127.0.0.1:$ngx_port;" "$N/headcount.conf" || fail "sed on the nginx config failed"
{
	echo "daemon off;"
	echo "worker_processes 1;"
	[ "$(id -u)" = 0 ] && echo "user root;"  # the workers write the test's dir
	echo "pid $N/nginx.pid;"
	echo "error_log $N/logs/error.log info;"
	echo "events { worker_connections 256; }"
	echo "http {"
	echo "    log_format hc '\$request_uri \$upstream_cache_status \$upstream_addr';"
	echo "    access_log $N/logs/access.log hc;"
	for t in client_body proxy fastcgi uwsgi scgi; do echo "    ${t}_temp_path $N/tmp/$t;"; done
	echo "    include $N/headcount.conf;"
	echo "}"
} >"$N/nginx.conf"
"$NGINX" -p "$N" -e "$N/logs/error.log" -c "$N/nginx.conf" -t >"$WORK/nginx-t.log" 2>&1 ||
	{ cat "$WORK/nginx-t.log" >&2; fail "nginx -t refused the config"; }
"$NGINX" -p "$N" -e "$N/logs/error.log" -c "$N/nginx.conf" >"$WORK/nginx.log" 2>&1 &
NGINX_PID=$!
HC_PIDS+=("$NGINX_PID")
# A master killed with SIGKILL leaves its workers behind: stop it with
# SIGTERM (nginx's fast shutdown takes its workers along) and wait.
HC_ON_EXIT="kill -TERM $NGINX_PID 2>/dev/null; for _ in \$(seq 1 50); do kill -0 $NGINX_PID 2>/dev/null || break; sleep 0.1; done"
NGX="http://127.0.0.1:$ngx_port"
wait_until 10 curl -sf -o /dev/null "$NGX/api/areas" || fail "nginx did not come up"
note "$("$NGINX" -v 2>&1) on port $ngx_port in front of the aggregator on $agg_port"

header() { awk -v n="$(tr 'A-Z' 'a-z' <<<"$2")" -F': ' 'tolower($1) == n { sub(/\r$/, "", $2); print $2 }' "$1"; }

# the page
curl -sf -D "$WORK/h" "$NGX/" -o "$WORK/page" || fail "GET / through nginx failed"
cmp -s "$WORK/page" aggregator/web/index.html || fail "/ through nginx is not the page"
curl -sf "$NGX/map.js" | cmp -s - aggregator/web/map.js || fail "/map.js through nginx differs"
[ "$(header "$WORK/h" access-control-allow-origin)" = "*" ] || fail "/: CORS header lost in nginx"

# /api/areas whole, its ETag, 304
curl -sf -D "$WORK/h" -o "$WORK/areas" "$NGX/api/areas" || fail "GET /api/areas through nginx failed"
[ "$(jq -r '.[0].id' "$WORK/areas")" = hall ] || fail "/api/areas through nginx: $(cat "$WORK/areas")"
etag=$(header "$WORK/h" etag)
direct=$(curl -sf -D - -o /dev/null "http://127.0.0.1:$agg_port/api/areas" | awk -F': ' 'tolower($1) == "etag" { sub(/\r$/, "", $2); print $2 }')
[ -n "$etag" ] && [ "$etag" = "$direct" ] || fail "ETag through nginx '$etag', direct '$direct'"
[ "$(header "$WORK/h" cache-control)" = "public, max-age=1" ] || fail "Cache-Control lost in nginx"
code=$(curl -s -o "$WORK/b" -w '%{http_code}' -H "If-None-Match: $etag" "$NGX/api/areas")
[ "$code" = 304 ] && [ ! -s "$WORK/b" ] || fail "If-None-Match through nginx got $code"
note "through nginx: / and /api/areas whole, ETag $etag as sent by the aggregator, If-None-Match -> 304"

# a repeat within max-age is a HIT and does not reach the aggregator.
# (Retried a few times: a slow machine may let the second pass first.)
hit=""
for _ in 1 2 3 4 5; do
	sleep 1.1     # let the entry expire, so the first is a fresh fetch
	curl -s -D "$WORK/h1" -o /dev/null "$NGX/api/groups"
	curl -s -D "$WORK/h2" -o /dev/null "$NGX/api/groups"
	if [ "$(header "$WORK/h2" x-cache-status)" = HIT ]; then
		hit="first $(header "$WORK/h1" x-cache-status), repeat HIT"
		break
	fi
done
[ -n "$hit" ] || fail "no cache HIT on a repeat within max-age (last: $(header "$WORK/h2" x-cache-status))"
note "/api/groups: $hit"

# a HIT never reaches the aggregator (no upstream address in nginx's log)
hit_lines=$(awk '$2 == "HIT"' "$N/logs/access.log" | wc -l)
hit_upstream=$(awk '$2 == "HIT" && $3 != "-"' "$N/logs/access.log" | wc -l)
[ "$hit_lines" -ge 1 ] && [ "$hit_upstream" = 0 ] || fail "HITs $hit_lines, of which $hit_upstream went upstream"
t0=$(date +%s%N)
for _ in $(seq 1 50); do curl -s -o /dev/null "$NGX/api/areas"; done
ms=$((($(date +%s%N) - t0) / 1000000))
upstream=$(awk '$1 == "/api/areas" && $3 != "-"' "$N/logs/access.log" | wc -l)
total=$(awk '$1 == "/api/areas"' "$N/logs/access.log" | wc -l)
note "$total /api/areas requests through nginx (50 of them in $ms ms): $upstream reached the aggregator"

# a press: the new figure through nginx within a couple of seconds, and
# on a map WebSocket through nginx: snapshot, then the update.
"$WSCLIENT" --url "ws://127.0.0.1:$ngx_port/ws" --proto headcount-map.v1 --wait-ms 15000 >"$WORK/map.out" &
MAP_PID=$!
HC_PIDS+=("$MAP_PID")
wait_until 10 grep -q '"type":"snapshot"' "$WORK/map.out" || fail "no snapshot over the WebSocket through nginx"
grep -q '"occupancy":0' "$WORK/map.out" || fail "snapshot without occupancy 0: $(cat "$WORK/map.out")"
"$WSCLIENT" --url "ws://127.0.0.1:$agg_port" --proto headcount-terminal.v3 --wait-ms 3000 --count 3 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000aa"}' \
	--send '{"type":"batch","seq":1,"entered":7,"exited":0}' >"$WORK/t1.out"
grep -q '"type":"ack"' "$WORK/t1.out" || fail "no ack for the press"
wait_until 10 grep -q '"type":"area".*"occupancy":7' "$WORK/map.out" ||
	fail "no area update over the WebSocket through nginx: $(cat "$WORK/map.out")"
note "map WebSocket through nginx: $(grep -c '^recv' "$WORK/map.out") frames, snapshot then occupancy 7"
new_figure() { [ "$(curl -s "$NGX/api/areas" | jq '.[0].occupancy')" = 7 ]; }
wait_until 5 new_figure || fail "nginx kept serving the old figure beyond max-age"
note "/api/areas through nginx shows 7 once its second is over"

code=$(curl -s -o /dev/null -w '%{http_code}' "$NGX/metrics")
[ "$code" = 403 ] || fail "/metrics through nginx got $code, want 403"
kill9 "$MAP_PID"
echo "ok $TEST_NAME"
