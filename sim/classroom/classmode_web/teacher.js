"use strict";
// The teacher's view (for the projector): the room live, and the teacher's controls.
(function () {
  const $ = (id) => document.getElementById(id);
  const KEY = new URLSearchParams(location.search).get("key") || "";
  const SVG = "http://www.w3.org/2000/svg";
  let last = null;

  async function call(method, url, body) {
    const options = { method: method, headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(Object.assign({ key: KEY }, body));
    }
    const reply = await fetch(url, options);
    let data = {};
    try { data = await reply.json(); } catch (e) { data = { error: reply.statusText }; }
    if (!reply.ok) throw new Error(data.error || reply.statusText);
    return data;
  }
  function text(el, value) { el.textContent = value; }
  function cell(row, value, cls) {
    const td = document.createElement("td");
    td.textContent = value;
    if (cls) td.className = cls;
    row.appendChild(td);
  }
  function nice(name) { return name ? name.replaceAll("_", " ") : ""; }
  function svg(tag, attrs, parent) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    parent.appendChild(el);
    return el;
  }

  function cooperation(v) {
    const chart = $("coop");
    chart.replaceChildren();
    const n = Math.max(v.rounds || 1, v.cooperation.length), w = 380 / n, h = 90;
    svg("line", { x1: 20, y1: 100, x2: 400, y2: 100, class: "axis" }, chart);
    svg("text", { x: 0, y: 14, class: "tick" }, chart).textContent = "100%";
    svg("text", { x: 0, y: 104, class: "tick" }, chart).textContent = "0";
    v.cooperation.forEach((share, t) => {
      const bar = svg("rect", { x: 20 + t * w + 1, y: 100 - share * h, width: Math.max(1, w - 2),
                                height: share * h, class: "bar" }, chart);
      svg("title", {}, bar).textContent = "round " + (t + 1) + ": " + Math.round(100 * share) + "% " + v.C;
      if (n <= 30) svg("text", { x: 20 + t * w + w / 2, y: 116, class: "tick mid" }, chart).textContent = String(t + 1);
    });
    chart.dataset.rounds = String(v.cooperation.length);
  }

  const TOP = 10;  // the leaderboard's length on the projector (every student is in the strip)

  function board(v) {
    const body = $("board").tBodies[0];
    body.replaceChildren();
    text($("board-note"), v.board.length > TOP ? "(the " + TOP + " best of " + v.board.length + ")" : "");
    v.board.slice(0, TOP).forEach((r, i) => {
      const row = document.createElement("tr");
      row.dataset.student = String(r.id);
      cell(row, String(i + 1));
      cell(row, r.name + (r.connected ? "" : " (away)"));
      cell(row, String(r.total));
      cell(row, r.cooperation === null ? "" : Math.round(100 * r.cooperation) + "%");
      cell(row, r.closest ? nice(r.closest) : (v.phase === "playing" ? (r.moved ? "moved" : "…") : ""));
      body.appendChild(row);
    });
  }

  function strip(v) {
    const box = $("strip");
    box.replaceChildren();
    const rows = v.board.slice().sort((a, b) => a.id - b.id);
    box.classList.toggle("many", rows.length > 15);  // two columns of smaller cells for a big class
    for (const r of rows) {
      const line = document.createElement("div");
      line.className = "strip-row";
      line.dataset.student = String(r.id);
      line.dataset.moves = r.strip;
      const name = document.createElement("span");
      name.className = "who";
      name.textContent = r.name;
      line.appendChild(name);
      for (const [t, m] of [...r.strip].entries()) {
        const c = document.createElement("span");
        c.className = "m " + (m === "C" || m === "c" ? "c" : "d") + (m === m.toLowerCase() ? " computer" : "") +
          (r.flipped[t] === "x" ? " noise" : "");
        c.title = m.toUpperCase() === "C" ? v.C : v.D;
        line.appendChild(c);
      }
      box.appendChild(line);
    }
  }

  function students(v) {
    const list = $("students");
    list.replaceChildren();
    for (const s of v.students) {
      const li = document.createElement("li");
      li.textContent = s.name;
      li.className = (s.connected ? "on" : "off") + (s.waiting && v.phase === "playing" ? " waiting" : "");
      list.appendChild(li);
    }
    text($("count"), "(" + v.students.length + ")");
  }

  function tournament(v) {
    $("tournament-box").hidden = !v.tournament;
    const body = $("ranking").tBodies[0];
    body.replaceChildren();
    for (const r of v.tournament || []) {
      const row = document.createElement("tr");
      cell(row, String(r.rank));
      cell(row, nice(r.strategy));
      cell(row, r.mean.toFixed(2));
      const names = r.students.length > 5
        ? r.students.slice(0, 4).join(", ") + " and " + (r.students.length - 4) + " more" : r.students.join(", ");
      cell(row, names);
      body.appendChild(row);
    }
  }

  function matrix(v) {
    const table = $("matrix");
    if (table.rows.length) return;  // the game never changes
    const head = document.createElement("tr");
    cell(head, "");
    cell(head, v.C, "c");
    cell(head, v.D, "d");
    table.appendChild(head);
    for (const mine of ["C", "D"]) {
      const row = document.createElement("tr");
      cell(row, v[mine], mine.toLowerCase());
      for (const theirs of ["C", "D"]) cell(row, v.matrix[mine + theirs].join(", "));
      table.appendChild(row);
    }
  }

  function render(v) {
    last = v;
    matrix(v);
    document.body.dataset.phase = v.phase;
    document.body.dataset.round = String(v.round);
    document.body.dataset.game = String(v.game);
    let status;
    if (v.phase === "lobby") status = "Waiting for students to join. Start a game when the class is in.";
    else if (v.phase === "playing") {
      const waiting = v.board.filter((r) => !r.moved && r.connected).length;
      status = "Game " + v.game + ", round " + (v.round + 1) + " of " + v.rounds + ": " + waiting +
        " still to move, " + Math.ceil(v.deadline) + " s left.";
    } else status = "Game " + v.game + " is over (" + v.rounds + " rounds). Run the tournament, export, or start another game.";
    if (v.noise) status += " Noise: " + Math.round(100 * v.noise) + "% of moves come out as the other one.";
    text($("status"), status);
    $("close").disabled = v.phase !== "playing";
    $("start").disabled = v.phase === "playing" || v.students.length === 0;
    $("tournament").disabled = v.phase !== "over";
    students(v);
    cooperation(v);
    board(v);
    strip(v);
    tournament(v);
  }

  async function poll() {
    try {
      render(await call("GET", "/api/teacher?key=" + encodeURIComponent(KEY)));
    } catch (e) {
      text($("message"), e.message);
    }
    setTimeout(poll, 500);   // the projector follows each move within half a second
  }

  async function act(url, body) {
    text($("message"), "");
    try { await call("POST", url, body || {}); } catch (e) { text($("message"), e.message); }
    try { render(await call("GET", "/api/teacher?key=" + encodeURIComponent(KEY))); } catch (e) { /* next poll */ }
  }

  async function start() {
    const info = await call("GET", "/api/info?key=" + encodeURIComponent(KEY));
    text($("title"), info.title || "Class mode");
    document.title = "Class: " + (info.title || info.lesson);
    text($("url"), info.url.replace(/\?.*$/, ""));
    text($("code"), info.code);
    if (info.qr) $("qr").innerHTML = info.qr;  // SVG made by the server from its own address
    else text($("qr"), "(pip install segno for a QR code)");
    const select = $("strategy");
    for (const s of info.opponents) {
      const o = document.createElement("option");
      o.value = s;
      o.textContent = s === "hidden" ? "a hidden strategy per student" : nice(s);
      if (s === "tit_for_tat") o.selected = true;
      select.appendChild(o);
    }
    $("export-moves").href = "/export/moves.csv?key=" + encodeURIComponent(KEY);
    $("export-students").href = "/export/students.csv?key=" + encodeURIComponent(KEY);
    $("start").addEventListener("click", () => act("/api/start", { mode: $("mode").value, strategy: select.value }));
    $("close").addEventListener("click", () => act("/api/close"));
    $("tournament").addEventListener("click", () => act("/api/tournament"));
    poll();
  }
  start().catch((e) => text($("message"), e.message));
})();
