#!/usr/bin/env bash
# The map page in a real browser: headless Chromium (Debian's package)
# shows what a real terminal counts, in Japanese and in English.
#
# A venue with "hall" (capacity 10: crowded at 8, full and STOP at 10)
# and a drawn lawn. Chromium opens the page at "/" with its language set
# to Japanese, so the page must choose Japanese by itself. The door
# terminal presses 8 entries: the DOM must show 8 / 10, level crowded
# (list and map, hatching on the map) and no STOP, in Japanese. The
# visible switch turns the page to English (same figures, English words,
# ?lang=en in the address). 2 more entries: 10 / 10, full, the STOP mark
# on the map and in the list, announced through aria-live, in English.
# Then the page is loaded afresh with ?lang=ja: the snapshot shows STOP in
# Japanese. The aggregator is killed: the page must say plainly that it
# is not live, and still show when it was last updated; started again,
# the page must reconnect by itself and be live with the same figures.
#
# The DOM is read through Chromium's DevTools protocol
# (Runtime.evaluate) with the repo's own WebSocket client; each question
# waits inside the page, bounded, for the state it expects.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
	bash .ci/install-deps.sh >/dev/null 2>&1 || true
	CHROMIUM=$(command -v chromium || true)
fi
if [ -z "$CHROMIUM" ]; then
	echo "SKIP $TEST_NAME: chromium is not installed and cannot be installed"
	exit 77
fi

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
name = 夏祭り Summer fair
database = $WORK/agg.db
map_width = 1000
map_height = 500
[area hall]
name = 本館ホール Main hall
capacity = 10
map_shape = polygon 20,20 460,20 460,480 20,480
[area lawn]
name = Lawn
capacity = 50
map_shape = circle 740 250 200
[terminal door]
area = hall
INI
start_aggregator "$WORK/venue.ini" "$port"
BASE="http://127.0.0.1:$port"

mkfifo "$WORK/door.fifo"
"$TERM_BIN" --id door --url "ws://127.0.0.1:$port" --journal "$WORK/door.db" \
	--batch-interval-ms 100 --display line <"$WORK/door.fifo" >"$WORK/door.log" 2>&1 &
HC_PIDS+=($!)
exec 3>"$WORK/door.fifo"
press() { for _ in $(seq 1 "$1"); do echo in >&3; done; }

# Chromium in a session of its own, so that all its processes end with it.
cdp_port=$(free_port)
mkdir -p "$WORK/profile"
setsid "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$WORK/profile" --remote-debugging-port="$cdp_port" \
	--remote-allow-origins='*' --lang=ja --accept-lang=ja --window-size=1280,900 \
	"$BASE/" >"$WORK/chromium.log" 2>&1 &
CHROME_PID=$!
HC_PIDS+=("$CHROME_PID")
HC_ON_EXIT="kill -9 -- -$CHROME_PID"

page_ws() {
	curl -sf "http://127.0.0.1:$cdp_port/json" |
		jq -er '[.[] | select(.type == "page" and (.url | startswith("'"$BASE"'")))][0].webSocketDebuggerUrl'
}
wait_until 30 page_ws || fail "chromium did not open the page (no DevTools target)"
DEVTOOLS=$(page_ws)
note "chromium $("$CHROMIUM" --version 2>/dev/null | awk '{print $2}'), page $DEVTOOLS"

# cdp JS: evaluates JS in the page (awaiting a promise), prints its value.
# An evaluation that meets a navigation (the page still loading, or
# reloading) ends with an error instead of a value: it is tried again, up
# to 5 times. Every answer is kept in cdp.log.
cdp_id=0
cdp() {
	local req raw value
	for _ in 1 2 3 4 5; do
		cdp_id=$((cdp_id + 1))
		req=$(jq -cn --arg e "$1" --argjson id "$cdp_id" \
			'{id: $id, method: "Runtime.evaluate", params: {expression: $e, returnByValue: true, awaitPromise: true}}')
		raw=$("$WSCLIENT" --url "$DEVTOOLS" --proto devtools --send "$req" --count 1 --wait-ms 25000 |
			sed -n 's/^recv [0-9]* //p')
		echo "$raw" >>"$WORK/cdp.log"
		if value=$(jq -er '.result.result.value' <<<"$raw" 2>/dev/null); then
			printf '%s\n' "$value"
			return 0
		fi
		sleep 0.5
	done
	return 0
}

# In-page helpers (inside a function: top-level const would persist
# between evaluations): until(f, ms) waits for f() to hold (polled, bounded);
# st(id) is what the page shows for one area, from the DOM.
JS_HELPERS='
const until = (f, ms) => new Promise(done => {
  const t0 = Date.now();
  (function poll() {
    let ok = false;
    try { ok = !!f(); } catch (e) { ok = false; }
    if (ok || Date.now() - t0 > ms) done(ok); else setTimeout(poll, 100);
  })();
});
const st = id => {
  const r = document.getElementById("row-" + id), g = document.getElementById("area-" + id);
  if (!r || !g || !window.headcountMap) return null;
  return {
    lang: headcountMap.language(), htmlLang: document.documentElement.lang,
    feed: headcountMap.feed(), feedText: document.getElementById("feed-text").textContent,
    updated: document.getElementById("updated").textContent,
    people: r.querySelector(".people").textContent, level: r.querySelector(".lvl").textContent,
    entry: r.querySelector(".entry").textContent, rowLevel: r.dataset.level,
    rowRestricted: r.dataset.restricted, rowStopBadge: !!r.querySelector(".entry .stop-badge"),
    svgLevel: g.dataset.level, svgRestricted: g.dataset.restricted,
    svgFigures: g.querySelector(".figures").textContent,
    svgLevelText: g.querySelector(".level").textContent,
    stopShown: getComputedStyle(g.querySelector(".stop")).display !== "none",
    stopText: g.querySelector(".stop text").textContent,
    hatch: getComputedStyle(g.querySelector(".hatch")).fill,
    announce: document.getElementById("announce").textContent,
    search: location.search, name: r.querySelector(".name").textContent
  };
};'

# show AREA CONDITION [MS]: waits (up to MS, default 15000 ms) until
# CONDITION on s = st(AREA) holds, then prints st(AREA) as JSON (also
# when it never held).
show() {
	cdp "(() => { $JS_HELPERS
  return (async () => {
    await until(() => { const s = st('$1'); return s && ($2); }, ${3:-15000});
    return JSON.stringify(st('$1'));
  })();
})()"
}

S=""
want() { # FIELD VALUE
	local got
	got=$(jq -r ".$1" <<<"$S")
	[ "$got" = "$2" ] || fail "$STEP: $1 is '$got', want '$2' (page: $S)"
}
want_match() { # FIELD REGEX
	local got
	got=$(jq -r ".$1" <<<"$S")
	[[ "$got" =~ $2 ]] || fail "$STEP: $1 is '$got', want /$2/ (page: $S)"
}

STEP="first load, browser language Japanese"
S=$(show hall 's.feed === "live" && s.people !== ""')
[ -n "$S" ] || fail "$STEP: no answer from the page"
want lang ja
want htmlLang ja
want name "本館ホール Main hall"
want people "0 / 10人"
want level "空いています"
want entry "入場できます"
want feed live
want_match updated '^更新 [0-9]{2}:[0-9]{2}:[0-9]{2}$'
want stopShown false
note "$STEP: $(jq -c '{people, level, entry, feedText, updated}' <<<"$S")"

STEP="8 entries: crowded (Japanese)"
press 8
S=$(show hall 's.rowLevel === "crowded"')
want people "8 / 10人"
want level "混雑"
want rowLevel crowded
want svgLevel crowded
want svgFigures "8 / 10人"
want svgLevelText "混雑"
want_match hatch 'hatch-crowded'
want rowRestricted false
want stopShown false
want entry "入場できます"
note "$STEP: $(jq -c '{people, level, entry, svgLevel, hatch}' <<<"$S")"

STEP="the switch turns the page to English"
cdp 'document.querySelector("#lang button[data-lang=en]").click(); "clicked"' >/dev/null
S=$(show hall 's.lang === "en"')
want lang en
want htmlLang en
want_match search 'lang=en'
want people "8 / 10"
want level "Crowded"
want svgLevelText "Crowded"
want entry "Open"
want_match updated '^updated [0-9]{2}:[0-9]{2}:[0-9]{2}$'
note "$STEP: $(jq -c '{people, level, entry, search}' <<<"$S")"

STEP="2 more entries: full and STOP (English)"
press 2
S=$(show hall 's.rowRestricted === "true"')
want people "10 / 10"
want level "Full"
want svgLevel full
want_match hatch 'hatch-full'
want rowRestricted true
want svgRestricted true
want stopShown true
want stopText STOP
want rowStopBadge true
want entry "STOP Entry closed"
want_match announce 'Main hall: STOP, entry closed'
want feed live
note "$STEP: $(jq -c '{people, level, entry, stopShown, announce}' <<<"$S")"
[ "$(api_area "$port" hall occupancy)" = 10 ] || fail "aggregator: hall occupancy $(api_area "$port" hall occupancy)"

STEP="reloaded with ?lang=ja: STOP in Japanese from the snapshot"
cdp "location.href = '$BASE/?lang=ja'; 'navigating'" >/dev/null
S=$(show hall 's.lang === "ja" && s.rowRestricted === "true"')
want lang ja
want people "10 / 10人"
want level "満員"
want svgLevelText "満員"
want stopShown true
want rowStopBadge true
want entry "STOP 入場制限中"
note "$STEP: $(jq -c '{people, level, entry, stopShown}' <<<"$S")"

STEP="aggregator gone: the page says it is not live"
kill9 "$AGG_PID"
S=$(show hall 's.feed === "stale"')
want feed stale
want feedText "ライブではありません：接続が切れました。再接続中…"
want_match updated '^更新 [0-9]{2}:[0-9]{2}:[0-9]{2}$'
want people "10 / 10人"
note "$STEP: $(jq -c '{feed, feedText, updated}' <<<"$S")"

STEP="aggregator back: the page reconnects by itself"
start_aggregator "$WORK/venue.ini" "$port"
S=$(show hall 's.feed === "live"' 20000)
want feed live
want feedText "ライブ"
want people "10 / 10人"
want stopShown true
note "$STEP: $(jq -c '{feed, feedText, updated, people}' <<<"$S")"

exec 3>&-
echo "ok $TEST_NAME"
