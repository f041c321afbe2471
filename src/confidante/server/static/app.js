// Confidante's page. The session token lives only in the `token` variable below: never in
// storage, cookies or URLs. Nothing said is written to localStorage, sessionStorage or IndexedDB.
// Every word a person reads comes from index.html (data-* attributes and markup), not from here.
"use strict";

(function () {
  const words = document.body.dataset;
  const $ = (id) => document.getElementById(id);
  let token = null; // the session's capability; dropped at the close or quick exit
  let closeKey = null; // the close's Idempotency-Key, the same however often it is tried
  let socket = null; // WebSocket for turns, when it opened; HTTP otherwise
  let socketReady = false;
  let nextId = 1;
  const pending = new Map(); // message id -> resolve, for replies over the socket
  let deadline = null; // local time (ms) at which the hour ends, re-synced after each turn
  let timerHandle = null;
  let busy = false;
  let themes = [];
  let unsent = null; // the bubble of a message the server did not take, until it is sent again
  let resend = null; // { text, key } of that message: sent again unchanged, it keeps its key

  // ---- small helpers -------------------------------------------------------------------

  function fill(template, slots) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(slots[key] ?? ""));
  }

  function show(...ids) {
    for (const panel of document.querySelectorAll("main > section")) {
      panel.hidden = !ids.includes(panel.id);
    }
  }

  function status(text) {
    $("status").textContent = text || "";
  }

  function say(who, text, cue) {
    const item = document.createElement("li");
    item.className = who === "you" ? "you" : "listener";
    if (cue) item.classList.add("cue");
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = who === "you" ? words.you : words.listener;
    const body = document.createElement("p");
    body.textContent = text;
    item.append(name, body);
    const log = $("log");
    log.append(item);
    // Scroll the log itself: scrolling the item into view would move the page and push the
    // message box below the screen.
    log.scrollTop = log.scrollHeight;
    if (who !== "you") $("heard").textContent = text; // a person's own words are not read back
    return item;
  }

  function sendNote(text) {
    const note = $("send-note");
    note.textContent = text || "";
    note.hidden = !text;
  }

  // A fresh Idempotency-Key for each message sent over HTTP: if its answer is lost on the way,
  // the same message sent again with the same key is answered once, never taken twice.
  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function call(method, path, body, extra) {
    const headers = { "Content-Type": "application/json", ...extra };
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({ error: words.error }));
    if (!response.ok) {
      const err = new Error(data.error || words.error);
      err.status = response.status;
      throw err;
    }
    return data;
  }

  function failed(err) {
    if (err && (err.status === 404 || err.status === 401)) {
      token = null;
      status(words.ended);
      return;
    }
    status(err && err.message ? err.message : words.error);
  }

  // ---- the quiet timer -----------------------------------------------------------------

  function syncTime(time) {
    if (!time) return;
    deadline = Date.now() + time.seconds_left * 1000;
    renderTimer();
    if (!timerHandle) timerHandle = setInterval(renderTimer, 15000);
  }

  let lastCueCheck = Date.now();

  // Without the socket, ask now and then whether a time cue is due (the socket pushes them).
  async function pollCue() {
    if (!token || busy || socketReady || $("composer").hidden) return;
    if (Date.now() - lastCueCheck < 60000) return;
    lastCueCheck = Date.now();
    try {
      const due = await call("POST", "/api/session/cue");
      if (due && due.reply) say("listener", due.reply.text, true);
      if (due) syncTime(due.time);
    } catch (err) { /* a missed cue is not worth an error on the screen */ }
  }

  function renderTimer() {
    const timer = $("timer");
    pollCue();
    if (deadline === null) return;
    const left = Math.max(0, deadline - Date.now());
    const minutes = Math.ceil(left / 60000);
    timer.hidden = false;
    timer.textContent = left <= 0 ? words.timeUp
      : minutes <= 1 ? words.minuteLeft : fill(words.minutesLeft, { minutes });
  }

  // ---- the 0-10 scales -----------------------------------------------------------------

  function buildScales() {
    for (const row of document.querySelectorAll("[data-scale]")) {
      const which = row.dataset.scale;
      for (let score = 0; score <= 10; score += 1) {
        const id = `relief-${which}-${score}`;
        const input = document.createElement("input");
        input.type = "radio";
        input.name = `relief-${which}`;
        input.value = String(score);
        input.id = id;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = String(score);
        const cell = document.createElement("span");
        cell.className = "cell";
        cell.append(input, label);
        row.append(cell);
      }
    }
  }

  function score(which) {
    const chosen = document.querySelector(`input[name="relief-${which}"]:checked`);
    return chosen ? Number(chosen.value) : null;
  }

  // ---- the flow ------------------------------------------------------------------------

  async function begin(event) {
    event.preventDefault();
    if (busy) return;
    busy = true;
    status("");
    const body = { locale: navigator.language || null };
    const handle = $("handle").value.trim();
    const phrase = $("regular-passphrase").value;
    if (handle && phrase) body.regular = { handle, passphrase: phrase };
    try {
      const created = await call("POST", "/api/sessions", body);
      $("regular-passphrase").value = "";
      token = created.token;
      say("listener", created.notice.text);
      if (created.welcome_back) say("listener", words.welcomeBack);
      syncTime(created.time);
      show("chat", "relief-before");
      $("composer").hidden = true;
      document.querySelector('input[name="relief-before"]').focus();
    } catch (err) {
      failed(err);
    } finally {
      busy = false;
    }
  }

  async function start(relief) {
    if (busy || !token) return;
    busy = true;
    try {
      const turn = await call("POST", "/api/session/start", { relief });
      show("chat");
      $("composer").hidden = false;
      say("listener", turn.reply.text);
      syncTime(turn.time);
      openSocket();
      $("message").focus();
    } catch (err) {
      failed(err);
    } finally {
      busy = false;
    }
  }

  function openSocket() {
    try {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(`${scheme}//${location.host}/api/session/stream`);
    } catch (err) {
      socket = null;
      return;
    }
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "auth", token }));
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (err) { return; }
      if (frame.type === "ready") {
        socketReady = true;
      } else if (frame.type === "cue" && frame.reply) {
        say("listener", frame.reply.text, true);
        syncTime(frame.time);
      } else if ((frame.type === "reply" || frame.type === "error") && pending.has(frame.id)) {
        pending.get(frame.id)(frame);
        pending.delete(frame.id);
      }
    });
    socket.addEventListener("close", () => {
      socketReady = false;
      socket = null;
      for (const [id, resolve] of pending) {
        resolve({ type: "retry" });
        pending.delete(id);
      }
    });
  }

  function viaSocket(text) {
    return new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ type: "say", id, text }));
    });
  }

  async function send(event) {
    if (event) event.preventDefault();
    const box = $("message");
    const text = box.value.trim();
    if (!text || busy || !token) return;
    busy = true;
    status(words.sending);
    if (unsent) unsent.remove(); // sent again: the new bubble takes its place
    unsent = null;
    const key = resend && resend.text === text ? resend.key : newKey();
    resend = null;
    const mine = say("you", text);
    try {
      let turn = null;
      if (socket && socketReady) {
        const frame = await viaSocket(text);
        if (frame.type === "error") {
          const err = new Error(frame.error);
          err.status = frame.status;
          throw err;
        }
        if (frame.type === "reply") turn = frame;
      }
      if (!turn) {
        turn = await call("POST", "/api/session/messages", { text }, { "Idempotency-Key": key });
      }
      // Only now is the text the server's to keep; until then it stays in the box.
      if (box.value.trim() === text) box.value = "";
      sendNote("");
      status("");
      say("listener", turn.reply.text, turn.reply.cue);
      syncTime(turn.time);
      if (turn.time.should_close) {
        say("listener", turn.time.text);
        busy = false;
        await summary();
        return;
      }
    } catch (err) {
      mine.classList.add("unsent");
      const mark = document.createElement("span");
      mark.className = "unsent-note";
      mark.textContent = words.notSent;
      mine.append(mark);
      unsent = mine;
      resend = { text, key };
      failed(err);
      // The reason (such as how long to wait) sits beside the box, where the person looks.
      if (token) sendNote(err && err.message ? err.message : words.error);
    } finally {
      busy = false;
      if (!$("chat").hidden && !$("composer").hidden) box.focus();
    }
  }

  async function summary() {
    if (busy || !token) return;
    busy = true;
    try {
      const result = await call("POST", "/api/session/summary");
      say("listener", result.reply.text);
      $("composer").hidden = true;
      if (socket) socket.close();
      if (result.draft) {
        $("note").value = result.draft.note;
        themes = [...result.draft.feelings, ...result.draft.topics];
        $("keep-themes").parentElement.hidden = themes.length === 0;
        $("themes-label").textContent = fill(words.themes, { themes: themes.join(", ") });
        if (result.regular) $("passphrase-label").textContent = words.regularPassphrase;
        show("chat", "remember");
        $("note").focus();
      } else {
        askAfter();
      }
    } catch (err) {
      failed(err);
    } finally {
      busy = false;
    }
  }

  async function remember(event) {
    event.preventDefault();
    if (busy || !token) return;
    const note = $("note").value.trim();
    if (!note) { skipRemember(); return; }
    busy = true;
    try {
      const body = { note, keep_themes: $("keep-themes").checked };
      const phrase = $("passphrase").value;
      if (phrase) body.passphrase = phrase;
      const kept = await call("POST", "/api/session/remember", body);
      $("passphrase").value = "";
      $("remember-form").hidden = true;
      const shown = $("kept");
      shown.hidden = false;
      shown.textContent = kept.recovery
        ? `${kept.text} ${fill(words.recovery, { phrase: kept.recovery })}`
        : kept.text;
      askAfter(true);
    } catch (err) {
      failed(err);
    } finally {
      busy = false;
    }
  }

  function skipRemember() {
    status(words.notKept);
    askAfter();
  }

  function askAfter(keepNoteVisible) {
    if (keepNoteVisible) show("chat", "remember", "relief-after");
    else show("chat", "relief-after");
    document.querySelector('input[name="relief-after"]').focus();
  }

  async function finish(relief) {
    if (busy || !token) return;
    busy = true;
    try {
      closeKey = closeKey || newKey();
      const closed = await call(
        "POST", "/api/session/close", { relief }, { "Idempotency-Key": closeKey },
      );
      token = null;
      closeKey = null;
      forgetPage();
      show("goodbye");
      $("farewell").textContent = closed.reply.text;
      $("finished").textContent = words.finished;
      status("");
      $("again").focus();
    } catch (err) {
      failed(err);
    } finally {
      busy = false;
    }
  }

  // Drop what was said from the page itself once it is over.
  function forgetPage() {
    $("log").replaceChildren();
    unsent = resend = null;
    $("heard").textContent = "";
    sendNote("");
    $("note").value = "";
    $("message").value = "";
    $("kept").textContent = "";
    $("kept").hidden = true;
    if (timerHandle) clearInterval(timerHandle);
    timerHandle = null;
    deadline = null;
    $("timer").hidden = true;
    if (socket) socket.close();
  }

  // ---- quick exit: leave at once and drop the session ----------------------------------

  let lastEscape = 0;

  function quickExit() {
    const held = token;
    token = null;
    if (held) {
      try {
        fetch("/api/session", {
          method: "DELETE",
          headers: { Authorization: "Bearer " + held },
          keepalive: true,
          credentials: "omit",
        }).catch(() => {});
      } catch (err) { /* the beacon below still goes */ }
      try {
        navigator.sendBeacon("/api/session/exit", new Blob([held], { type: "text/plain" }));
      } catch (err) { /* nothing more can be done from a closing page */ }
    }
    try { if (socket) socket.close(); } catch (err) { /* leaving anyway */ }
    document.title = "";
    document.body.replaceChildren();
    location.replace("/weather");
  }

  function onKey(event) {
    if (event.key !== "Escape") return;
    const now = Date.now();
    if (now - lastEscape < 1500) {
      event.preventDefault();
      quickExit();
    }
    lastEscape = now;
  }

  // ---- wiring --------------------------------------------------------------------------

  function init() {
    buildScales();
    $("quick-exit").addEventListener("click", quickExit);
    document.addEventListener("keydown", onKey);
    $("begin-form").addEventListener("submit", begin);
    $("relief-before-form").addEventListener("submit", (e) => {
      e.preventDefault();
      start(score("before"));
    });
    $("relief-after-form").addEventListener("submit", (e) => {
      e.preventDefault();
      finish(score("after"));
    });
    for (const skip of document.querySelectorAll("[data-skip]")) {
      skip.addEventListener("click", () => {
        if (skip.dataset.skip === "before") start(null); else finish(null);
      });
    }
    $("composer").addEventListener("submit", send);
    $("message").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
    });
    $("end").addEventListener("click", summary);
    $("remember-form").addEventListener("submit", remember);
    $("no-thanks").addEventListener("click", skipRemember);
    $("again").addEventListener("click", () => location.replace("/"));
    // Leaving the page mid-session ends it: nothing should outlive the tab.
    window.addEventListener("pagehide", () => {
      if (token) {
        navigator.sendBeacon("/api/session/exit", new Blob([token], { type: "text/plain" }));
        token = null;
      }
    });
    $("begin").focus();
  }

  init();
})();
