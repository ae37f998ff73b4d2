"use strict";
// A student's page: join with the room code and a name, then ask the server for news every second.
(function () {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const STORE = "sim-class";
  let token = null, view = null, timer = null, sending = false;

  function saved() {
    try { return JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function save(code, tok) {
    try { localStorage.setItem(STORE, JSON.stringify({ code: code, token: tok })); } catch (e) { /* private mode */ }
  }

  async function call(method, url, body) {
    const options = { method: method, headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const reply = await fetch(url, options);
    let data = {};
    try { data = await reply.json(); } catch (e) { data = { error: "no answer from the teacher's computer" }; }
    if (!reply.ok) { const err = new Error(data.error || reply.statusText); err.status = reply.status; throw err; }
    return data;
  }

  function text(el, value) { el.textContent = value; }
  function cell(row, value, cls) {
    const td = document.createElement("td");
    td.textContent = value;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  function matrix(v) {
    const table = $("matrix");
    table.replaceChildren();
    const head = document.createElement("tr");
    cell(head, "");
    cell(head, "they " + v.C, "c");
    cell(head, "they " + v.D, "d");
    table.appendChild(head);
    for (const mine of ["C", "D"]) {
      const row = document.createElement("tr");
      cell(row, "you " + v[mine], mine.toLowerCase());
      for (const theirs of ["C", "D"]) {
        const p = v.matrix[mine + theirs];
        cell(row, p[0] + ", " + p[1]);
      }
      table.appendChild(row);
    }
  }

  function render(v) {
    view = v;
    const room = $("room");
    room.dataset.phase = v.phase;
    room.dataset.inGame = v.in_game ? "yes" : "no";
    room.dataset.round = v.in_game ? String(v.round) : "";
    room.dataset.moved = v.moved ? "yes" : "no";
    room.dataset.game = String(v.game);
    if (v.title) text($("title"), v.title);
    text($("hello"), "You are " + v.name + " (student " + v.id + ").");
    text($("move-C"), v.C);
    text($("move-D"), v.D);
    matrix(v);
    text($("noise"), v.noise ? "Noise: " + Math.round(100 * v.noise) + "% of moves come out as the other one." : "");
    let status = "", canMove = false;
    if (!v.in_game) {
      status = v.phase === "playing" ? "A game is under way: you will play in the next one."
        : "You are in. Wait for the teacher to start the game.";
    } else if (v.phase === "playing") {
      const of = v.rounds ? " of " + v.rounds : " (the game may end after any round)";
      status = "Round " + (v.round + 1) + of + ": you play " + v.opponent + ". ";
      if (v.moved) status += "Move sent: waiting for the others.";
      else { status += "Choose your move."; canMove = true; }
    } else {
      status = "Game over.";
    }
    text($("status"), status);
    $("moves").hidden = !canMove;
    text($("timer"), v.in_game && v.phase === "playing" && v.deadline !== null
      ? "This round closes in " + Math.ceil(v.deadline) + " s (then the computer moves for you)." : "");
    const body = $("history").tBodies[0];
    body.replaceChildren();
    for (const [t, h] of (v.history || []).entries()) {
      const row = document.createElement("tr");
      cell(row, String(t + 1));
      const mark = h.by === "computer" ? " (computer)"
        : h.chose !== h.you ? " (you chose " + (h.chose === "C" ? v.C : v.D) + ": noise)" : "";
      cell(row, (h.you === "C" ? v.C : v.D) + mark, h.you.toLowerCase());
      cell(row, h.them === "C" ? v.C : v.D, h.them.toLowerCase());
      cell(row, String(h.points));
      body.appendChild(row);
    }
    text($("score"), v.in_game ? "Your points: " + v.total + " · theirs: " + v.their_total : "");
    text($("result"), v.in_game && v.phase === "over"
      ? "You played " + v.opponent.replaceAll("_", " ") + ". Your moves look most like " + v.closest.replaceAll("_", " ") +
        " (" + v.agree + " of " + v.history.length + " moves)." : "");
  }

  async function poll() {
    clearTimeout(timer);
    try {
      render(await call("GET", "/api/state?token=" + encodeURIComponent(token)));
      text($("error"), "");
    } catch (e) {
      if (e.status === 403) { localStorage.removeItem(STORE); token = null; showJoin(e.message); return; }
      text($("error"), "No news from the teacher's computer (" + e.message + "): retrying.");
    }
    timer = setTimeout(poll, view && view.moved ? 250 : 1000);  // sooner while the round is closing
  }

  async function move(m) {
    if (sending || !view) return;
    sending = true;
    $("moves").hidden = true;
    try {
      await call("POST", "/api/move", { token: token, round: view.round, move: m });
    } catch (e) {
      text($("error"), e.message);
    }
    sending = false;
    poll();
  }

  function showJoin(message) {
    $("room").hidden = true;
    $("join").hidden = false;
    text($("join-error"), message || "");
  }

  function enter(tok) {
    token = tok;
    $("join").hidden = true;
    $("room").hidden = false;
    poll();
  }

  $("join").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("code").value.trim().toUpperCase();
    try {
      const reply = await call("POST", "/api/join", { room: code, name: $("name").value });
      save(code, reply.token);
      enter(reply.token);
    } catch (e) {
      text($("join-error"), e.message);
    }
  });
  $("move-C").addEventListener("click", () => move("C"));
  $("move-D").addEventListener("click", () => move("D"));

  const given = (params.get("room") || "").toUpperCase();
  $("code").value = given;
  const was = saved();
  if (was && was.token && (!given || given === was.code)) enter(was.token);
  else showJoin("");
})();
