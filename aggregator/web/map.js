/*
 * map.js — the visitors' live map (docs/map.md).
 *
 * Reads the venue's geometry from api/venue, draws it as SVG, and follows
 * the map WebSocket (subprotocol headcount-map.v1, docs/protocol.md): a
 * snapshot, then one message per changed area or group. Reconnects by
 * itself with a growing, jittered delay. The figures are called stale
 * when the WebSocket is down or nothing has confirmed them for STALE_MS;
 * while the feed is quiet the page confirms them with a conditional GET
 * of api/areas (a 304 when nothing changed), since map clients are sent
 * no pings. Every figure is also in the list (a table) for screen
 * readers, and level and entry changes are announced through aria-live.
 *
 * Language: ?lang=ja|en, else the choice made with the switch (kept in
 * localStorage), else the browser's languages (Japanese when the first
 * of ja/en it names is ja), else English.
 */
(function () {
	"use strict";

	var STALE_MS = 30000;          /* figures older than this: "not live" */
	var CHECK_AFTER_MS = 10000;    /* quiet this long: confirm by HTTP */
	var TICK_MS = 1000;
	var RECONNECT_MS_MIN = 500;
	var RECONNECT_MS_MAX = 15000;
	var JITTER = 0.3;
	var SVG_NS = "http://www.w3.org/2000/svg";

	var TEXT = {
		en: {
			title: "Crowd map",
			connecting: "Connecting…",
			live: "Live",
			stale: "NOT LIVE: these figures may be out of date",
			disconnected: "NOT LIVE: connection lost, reconnecting…",
			updated: "updated {t}",
			never: "no figures yet",
			map: "Map",
			mapDesc: "Map of the venue. The list shows the same figures.",
			list: "All areas",
			groups: "Groups of areas",
			colArea: "Area",
			colGroup: "Group",
			colPeople: "People / capacity",
			colLevel: "Level",
			colEntry: "Entry",
			level_low: "Low",
			level_moderate: "Moderate",
			level_crowded: "Crowded",
			level_full: "Full",
			entryOpen: "Open",
			entryClosed: "Entry closed",
			stopLong: "STOP: entry closed",
			people: "{o} / {c}",
			announce: "{name}: {level}, {o} of {c} people",
			announceStop: "{name}: STOP, entry closed",
			announceOpen: "{name}: entry open again"
		},
		ja: {
			title: "混雑マップ",
			connecting: "接続中…",
			live: "ライブ",
			stale: "ライブではありません：表示が古い可能性があります",
			disconnected: "ライブではありません：接続が切れました。再接続中…",
			updated: "更新 {t}",
			never: "まだ情報がありません",
			map: "地図",
			mapDesc: "会場の地図。一覧に同じ数字があります。",
			list: "エリア一覧",
			groups: "エリアのグループ",
			colArea: "エリア",
			colGroup: "グループ",
			colPeople: "人数 / 定員",
			colLevel: "混雑度",
			colEntry: "入場",
			level_low: "空いています",
			level_moderate: "やや混雑",
			level_crowded: "混雑",
			level_full: "満員",
			entryOpen: "入場できます",
			entryClosed: "入場制限中",
			stopLong: "STOP 入場制限中",
			people: "{o} / {c}人",
			announce: "{name}：{level}、{o}人 / 定員{c}人",
			announceStop: "{name}：STOP 入場制限中",
			announceOpen: "{name}：入場できるようになりました"
		}
	};

	var lang = chooseLanguage();
	var venue = null;              /* api/venue */
	var areas = {};                /* id -> latest area object */
	var groups = {};               /* id -> latest group object */
	var ws = null;
	var wsOpen = false;
	var gotSnapshot = false;
	var reconnectMs = RECONNECT_MS_MIN;
	var lastFigureMs = 0;          /* Date.now() of the latest confirmation */
	var lastMessageMs = 0;
	var checking = false;

	function $(id) { return document.getElementById(id); }

	function chooseLanguage() {
		var q = new URLSearchParams(location.search).get("lang");
		if (q === "ja" || q === "en")
			return q;
		try {
			var kept = localStorage.getItem("headcount-lang");
			if (kept === "ja" || kept === "en")
				return kept;
		} catch (e) { /* storage may be off */ }
		var langs = navigator.languages || [navigator.language || "en"];
		for (var i = 0; i < langs.length; i++) {
			var l = String(langs[i]).toLowerCase();
			if (l.indexOf("ja") === 0) return "ja";
			if (l.indexOf("en") === 0) return "en";
		}
		return "en";
	}

	function t(key, vars) {
		var s = TEXT[lang][key] || TEXT.en[key] || key;
		if (vars)
			s = s.replace(/\{(\w+)\}/g, function (_, k) { return vars[k] !== undefined ? vars[k] : ""; });
		return s;
	}

	function setLanguage(l) {
		lang = l;
		try { localStorage.setItem("headcount-lang", l); } catch (e) { /* ignore */ }
		var url = new URL(location.href);
		url.searchParams.set("lang", l);
		history.replaceState(null, "", url);
		applyLanguage();
	}

	function applyLanguage() {
		document.documentElement.lang = lang;
		document.title = t("title") + (venue ? " — " + venue.name : "");
		var nodes = document.querySelectorAll("[data-i18n]");
		for (var i = 0; i < nodes.length; i++)
			nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
		var buttons = document.querySelectorAll("#lang button");
		for (var j = 0; j < buttons.length; j++)
			buttons[j].setAttribute("aria-pressed", String(buttons[j].getAttribute("data-lang") === lang));
		Object.keys(areas).forEach(function (id) { showArea(areas[id], false); });
		Object.keys(groups).forEach(function (id) { showGroup(groups[id], false); });
		showFeed();
	}

	/* ---- drawing ---------------------------------------------------- */

	function svg(name, attrs, parent) {
		var el = document.createElementNS(SVG_NS, name);
		for (var k in attrs)
			el.setAttribute(k, attrs[k]);
		if (parent)
			parent.appendChild(el);
		return el;
	}

	function shapeElement(shape, cls, parent) {
		if (shape.kind === "rect")
			return svg("rect", { x: shape.x, y: shape.y, width: shape.w, height: shape.h, "class": cls }, parent);
		if (shape.kind === "circle")
			return svg("circle", { cx: shape.cx, cy: shape.cy, r: shape.r, "class": cls }, parent);
		var pts = shape.points.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
		return svg("polygon", { points: pts, "class": cls }, parent);
	}

	/* Map units per unit of a 1000-wide map. */
	function textScale() {
		return Math.max(venue.width, venue.height * 1.5) / 1000;
	}

	function drawVenue() {
		var box = $("map");
		box.setAttribute("viewBox", "0 0 " + venue.width + " " + venue.height);
		$("venue-name").textContent = venue.name;
		var bg = $("map-background");
		if (venue.background)
			svg("image", { href: venue.background.replace(/^\//, ""), x: 0, y: 0,
				       width: venue.width, height: venue.height,
				       preserveAspectRatio: "xMidYMid meet" }, bg);
		venue.groups.forEach(function (g) {
			if (!g.shape) return;
			var el = svg("g", { "class": "group", id: "group-" + g.id }, $("map-groups"));
			shapeElement(g.shape, "outline", el);
			svg("text", { x: g.label[0], y: g.label[1], "class": "name",
				      "font-size": 26 * textScale() }, el).textContent = g.name;
		});
		venue.areas.forEach(function (a) {
			var el = svg("g", { "class": "area", id: "area-" + a.id, "data-level": "low",
					    "data-restricted": "false" }, $("map-areas"));
			shapeElement(a.shape, "shape lvl-low", el);
			shapeElement(a.shape, "hatch", el);
			/* type in map units, so it keeps its size on the screen
			 * whatever units the venue's map uses */
			var x = a.label[0], y = a.label[1], k = textScale();
			svg("text", { x: x, y: y - 36 * k, "class": "name", "font-size": 30 * k }, el).textContent = a.name;
			svg("text", { x: x, y: y + 6 * k, "class": "figures", "font-size": 40 * k }, el).textContent = "–";
			svg("text", { x: x, y: y + 38 * k, "class": "level", "font-size": 28 * k }, el);
			var stop = svg("g", { "class": "stop" }, el);
			svg("rect", { x: x - 80 * k, y: y + 50 * k, width: 160 * k, height: 56 * k, rx: 8 * k,
				      "stroke-width": 4 * k }, stop);
			svg("text", { x: x, y: y + 92 * k, "font-size": 42 * k }, stop).textContent = "STOP";

			var row = document.createElement("tr");
			row.id = "row-" + a.id;
			row.innerHTML = '<th scope="row" class="name"></th><td class="people"></td>' +
				'<td class="lvl"></td><td class="entry"></td>';
			row.querySelector(".name").textContent = a.name;
			$("area-rows").appendChild(row);
		});
		if (venue.groups.length > 0) {
			$("groups").hidden = false;
			venue.groups.forEach(function (g) {
				var row = document.createElement("tr");
				row.id = "grow-" + g.id;
				row.innerHTML = '<th scope="row" class="name"></th><td class="people"></td>' +
					'<td class="lvl"></td><td class="entry"></td>';
				row.querySelector(".name").textContent = g.name;
				$("group-rows").appendChild(row);
			});
		}
	}

	function fillRow(row, o) {
		row.setAttribute("data-level", o.level);
		row.setAttribute("data-restricted", String(o.restricted));
		row.querySelector(".people").textContent = t("people", { o: o.occupancy, c: o.capacity });
		var lvl = row.querySelector(".lvl");
		lvl.textContent = t("level_" + o.level);
		lvl.className = "lvl lvl-" + o.level;
		var entry = row.querySelector(".entry");
		entry.textContent = "";
		if (o.restricted) {
			var b = document.createElement("span");
			b.className = "stop-badge";
			b.textContent = "STOP";
			entry.appendChild(b);
			entry.appendChild(document.createTextNode(" " + t("entryClosed")));
		} else {
			entry.textContent = t("entryOpen");
		}
	}

	function announce(text) {
		var p = document.createElement("p");
		p.textContent = text;
		var box = $("announce");
		box.appendChild(p);
		while (box.childNodes.length > 5)
			box.removeChild(box.firstChild);
	}

	/* Shows area a; tell: announce a level or entry change. */
	function showArea(a, tell) {
		var before = areas[a.id];
		areas[a.id] = a;
		var el = $("area-" + a.id);
		var row = $("row-" + a.id);
		if (!el || !row)
			return;
		el.setAttribute("data-level", a.level);
		el.setAttribute("data-restricted", String(a.restricted));
		el.setAttribute("data-occupancy", String(a.occupancy));
		el.querySelector(".shape").setAttribute("class", "shape lvl-" + a.level);
		el.querySelector(".figures").textContent = t("people", { o: a.occupancy, c: a.capacity });
		el.querySelector(".level").textContent = t("level_" + a.level);
		fillRow(row, a);
		if (tell && before) {
			if (before.restricted !== a.restricted)
				announce(t(a.restricted ? "announceStop" : "announceOpen", { name: a.name }));
			if (before.level !== a.level)
				announce(t("announce", { name: a.name, level: t("level_" + a.level),
							 o: a.occupancy, c: a.capacity }));
		}
	}

	function showGroup(g, tell) {
		var before = groups[g.id];
		groups[g.id] = g;
		var row = $("grow-" + g.id);
		if (!row)
			return;
		fillRow(row, g);
		if (tell && before && before.restricted !== g.restricted)
			announce(t(g.restricted ? "announceStop" : "announceOpen", { name: g.name }));
	}

	/* ---- feed state ------------------------------------------------- */

	function clock(ms) {
		var d = new Date(ms);
		function two(n) { return (n < 10 ? "0" : "") + n; }
		return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
	}

	function showFeed() {
		var now = Date.now();
		var state;
		if (!gotSnapshot && !wsOpen && lastFigureMs === 0)
			state = "connecting";
		else if (!wsOpen)
			state = "stale";
		else if (lastFigureMs === 0)
			state = "connecting";
		else
			state = now - lastFigureMs > STALE_MS ? "stale" : "live";
		var feed = $("feed");
		feed.setAttribute("data-state", state);
		document.body.classList.toggle("stale", state === "stale");
		var key = state === "live" ? "live" : state === "connecting" ? "connecting"
			: wsOpen ? "stale" : "disconnected";
		$("feed-text").textContent = t(key);
		$("updated").textContent = lastFigureMs ? t("updated", { t: clock(lastFigureMs) }) : "";
	}

	function confirmed() {
		lastFigureMs = Date.now();
		showFeed();
	}

	/* A quiet feed is confirmed over HTTP (a 304 when nothing moved). */
	function checkQuiet() {
		if (checking || !wsOpen || Date.now() - Math.max(lastMessageMs, lastFigureMs) < CHECK_AFTER_MS)
			return;
		checking = true;
		fetch("api/areas", { cache: "no-cache" }).then(function (r) {
			if (!r.ok) throw new Error("HTTP " + r.status);
			return r.json();
		}).then(function (list) {
			list.forEach(function (a) { showArea(a, true); });
			confirmed();
		}).catch(function () { /* stays as it is; stale in time */ }).then(function () {
			checking = false;
		});
	}

	/* ---- the map WebSocket ------------------------------------------ */

	function connect() {
		var url = new URL("ws", location.href);
		url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
		url.search = "";
		try {
			ws = new WebSocket(url.href, "headcount-map.v1");
		} catch (e) {
			scheduleReconnect();
			return;
		}
		ws.onopen = function () { wsOpen = true; showFeed(); };
		ws.onmessage = function (ev) {
			var m;
			try { m = JSON.parse(ev.data); } catch (e) { return; }
			lastMessageMs = Date.now();
			if (m.type === "snapshot") {
				gotSnapshot = true;
				reconnectMs = RECONNECT_MS_MIN;
				m.areas.forEach(function (a) { showArea(a, true); });
				(m.groups || []).forEach(function (g) { showGroup(g, true); });
			} else if (m.type === "area") {
				showArea(m, true);
			} else if (m.type === "group") {
				showGroup(m, true);
			} else {
				return;
			}
			confirmed();
		};
		ws.onclose = function () {
			wsOpen = false;
			ws = null;
			showFeed();
			scheduleReconnect();
		};
	}

	function scheduleReconnect() {
		var delay = reconnectMs * (1 - JITTER + 2 * JITTER * Math.random());
		reconnectMs = Math.min(reconnectMs * 2, RECONNECT_MS_MAX);
		setTimeout(connect, delay);
	}

	/* ---- start ------------------------------------------------------ */

	function loadVenue(attempt) {
		fetch("api/venue").then(function (r) {
			if (!r.ok) throw new Error("HTTP " + r.status);
			return r.json();
		}).then(function (v) {
			venue = v;
			drawVenue();
			applyLanguage();
			connect();
		}).catch(function () {
			var delay = Math.min(RECONNECT_MS_MIN * Math.pow(2, attempt), RECONNECT_MS_MAX);
			setTimeout(function () { loadVenue(attempt + 1); }, delay);
		});
	}

	var buttons = document.querySelectorAll("#lang button");
	for (var i = 0; i < buttons.length; i++)
		buttons[i].addEventListener("click", function (ev) {
			setLanguage(ev.currentTarget.getAttribute("data-lang"));
		});
	applyLanguage();
	setInterval(function () { checkQuiet(); showFeed(); }, TICK_MS);
	loadVenue(0);

	/* For tests and embedding: the page's state, read-only. */
	window.headcountMap = {
		language: function () { return lang; },
		feed: function () { return $("feed").getAttribute("data-state"); },
		area: function (id) { return areas[id]; }
	};
})();
