/*
 * The live meeting screens (member, chair, secretary, projector): one ES module, no
 * dependencies.
 *
 * The page embeds the state it was rendered with (#live-state) and the translated strings
 * (#live-labels). The module connects to the meeting's socket (data-ws-path) and keeps the
 * state current by the contract's rules:
 *   - "snapshot" replaces the whole state and sets the last seq;
 *   - "event" replaces one part when its seq is the last seq + 1; a "poll" or "notes" refresh
 *     with the last seq is applied as is; an older one is dropped; a gap asks for a resync;
 *   - "me" replaces the user's own part; "ack" and "error" answer one action (by ref).
 * A lost connection is retried with backoff (1 s doubling to 30 s, with jitter), at once when
 * the browser comes back online; the server sends a fresh snapshot on every connection.
 *
 * A vote is kept in sessionStorage with its idempotency key until the server acknowledges
 * it (or refuses it for good), and sent again with the same key after a reconnect: the server
 * answers a repeated key with the same receipt, so it is never counted twice.
 *
 * Everything from the server is written with textContent; markup comes from the templates
 * or is built with createElement.
 */

const MIN_DELAY = 1000;
const MAX_DELAY = 30000;
const FINAL_CODES = { 4401: "logged_out", 4403: "forbidden" };
// Parts refreshed without moving the seq (the tally of an open poll, the minutes notes).
const REFRESHES = new Set(["poll", "notes"]);
const PARTS = new Set(["meeting", "quorum", "attendance", "items", "floor", "poll", "notes"]);
const ACTIVE_FLOOR = new Set(["waiting", "called", "speaking"]);
const POLLABLE = new Set(["in_discussion", "consent"]);

const root = document.querySelector("[data-live]");

function readJSON(id) {
  const el = document.getElementById(id);
  if (!el) {
    return null;
  }
  try {
    return JSON.parse(el.textContent);
  } catch (error) {
    return null;
  }
}

function fmt(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole,
  );
}

function setText(el, text) {
  if (el && el.textContent !== text) {
    el.textContent = text;
  }
}

function show(el, visible) {
  if (el && el.hidden === visible) {
    el.hidden = !visible;
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
  }
  return node;
}

function uuid4() {
  // crypto.randomUUID needs a secure context; getRandomValues does not.
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function start(rootEl) {
  const L = readJSON("live-labels") || {};
  const initial = readJSON("live-state") || {};
  const papers = readJSON("live-papers") || [];
  const screen = rootEl.getAttribute("data-screen") || "member";
  const meetingId = rootEl.getAttribute("data-meeting") || "";
  const wsPath = rootEl.getAttribute("data-ws-path") || "";
  const signingUrl = rootEl.getAttribute("data-signing-url") || "";
  const lang = document.documentElement.lang || "vi";
  const storageKey = `ecabinet.live.vote.${meetingId}`;
  const q = (selector) => rootEl.querySelector(selector);
  const qa = (selector) => Array.from(rootEl.querySelectorAll(selector));

  let seq = typeof initial.seq === "number" ? initial.seq : -1;
  let state = initial;
  delete state.seq;
  let offset = 0; // server clock minus ours, in ms
  let socket = null;
  let synced = false;
  let timer = null;
  let delay = MIN_DELAY;
  let stopped = false;
  let refCounter = 0;
  const waiting = new Map(); // ref -> {onAck, onError}
  const busy = new Set(); // keys of buttons whose action is in flight
  let chosen = null; // the member's choice awaiting confirmation
  let voteNote = ""; // a message about the member's vote (sending, queued, refused)
  let voteRefused = null; // {poll, stepup}
  let seen = null; // what was announced last: {item, poll, status, speaker}
  let minutesItem = null; // the secretary's selected item
  let minutesPicked = false;

  // --- Clock -------------------------------------------------------------------------------

  function syncClock() {
    const at = state.meeting && Date.parse(state.meeting.server_time);
    if (at && !Number.isNaN(at)) {
      offset = at - Date.now();
    }
  }

  function now() {
    return Date.now() + offset;
  }

  function clockTime(iso) {
    const t = Date.parse(iso || "");
    if (Number.isNaN(t)) {
      return "";
    }
    try {
      return new Date(t).toLocaleString(lang, {
        timeZone: "Asia/Ho_Chi_Minh",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        day: "2-digit",
        month: "2-digit",
        year: "numeric",
      });
    } catch (error) {
      return new Date(t).toISOString();
    }
  }

  function shortTime(iso) {
    const t = Date.parse(iso || "");
    if (Number.isNaN(t)) {
      return "";
    }
    try {
      return new Date(t).toLocaleTimeString(lang, {
        timeZone: "Asia/Ho_Chi_Minh",
        hour: "2-digit",
        minute: "2-digit",
      });
    } catch (error) {
      return "";
    }
  }

  // --- Messages to the user ------------------------------------------------------------------

  function setConn(kind) {
    const node = q("[data-conn]");
    if (node) {
      node.setAttribute("data-state", kind);
      setText(node, L[kind] || kind);
    }
    rootEl.classList.toggle("is-live", kind === "connected");
    updateEnabled();
  }

  function showError(message) {
    const node = q("[data-live-error]");
    if (!node) {
      return;
    }
    node.textContent = message ? fmt(L.error, { message }) : "";
    show(node, Boolean(message));
  }

  function flash(message) {
    const node = q("[data-live-flash]");
    if (node) {
      node.textContent = "";
      window.setTimeout(() => {
        node.textContent = message;
      }, 30);
    }
  }

  function announce(message) {
    const node = q("[data-announce]");
    if (node && message) {
      node.textContent = "";
      window.setTimeout(() => {
        node.textContent = message;
      }, 30);
    }
  }

  // --- The socket ----------------------------------------------------------------------------

  function schedule() {
    if (stopped || timer !== null) {
      return;
    }
    const wait = delay / 2 + Math.random() * (delay / 2);
    delay = Math.min(delay * 2, MAX_DELAY);
    timer = window.setTimeout(() => {
      timer = null;
      connect();
    }, wait);
  }

  function connectNow() {
    if (stopped || socket !== null) {
      return;
    }
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
    delay = MIN_DELAY;
    connect();
  }

  function connect() {
    if (stopped || socket !== null || !wsPath) {
      return;
    }
    if (navigator.onLine === false) {
      setConn("offline");
      return; // the "online" event reconnects
    }
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    let ws;
    try {
      ws = new WebSocket(scheme + window.location.host + wsPath);
    } catch (error) {
      schedule();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      delay = MIN_DELAY;
    };
    ws.onmessage = (event) => {
      let message = null;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && typeof message === "object") {
        receive(message);
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws) {
        return;
      }
      lost();
      if (FINAL_CODES[event.code]) {
        stopped = true;
        setConn(FINAL_CODES[event.code]);
        return;
      }
      setConn(navigator.onLine === false ? "offline" : "reconnecting");
      schedule();
    };
  }

  function lost() {
    socket = null;
    synced = false;
    // Answers to actions sent on the lost socket will not come; a vote stays queued.
    waiting.clear();
    busy.clear();
    render();
  }

  function hangUp() {
    if (socket !== null) {
      const ws = socket;
      ws.onclose = null;
      ws.close();
      lost();
    }
  }

  function send(message) {
    if (socket === null || socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    socket.send(JSON.stringify(message));
    return true;
  }

  function resync() {
    synced = false;
    setConn("resyncing");
    refCounter += 1;
    if (!send({ action: "resync", ref: `s${refCounter}` })) {
      hangUp();
      schedule();
    }
  }

  function act(action, fields, handlers) {
    if (!synced) {
      showError(L.not_connected);
      return false;
    }
    refCounter += 1;
    const ref = `r${refCounter}-${Math.random().toString(36).slice(2, 8)}`;
    const message = Object.assign({ action, ref }, fields || {});
    if (!send(message)) {
      showError(L.not_connected);
      return false;
    }
    waiting.set(ref, handlers || {});
    return true;
  }

  function receive(message) {
    switch (message.type) {
      case "snapshot":
        if (typeof message.seq !== "number" || !message.state) {
          return;
        }
        seq = message.seq;
        state = message.state;
        synced = true;
        syncClock();
        setConn("connected");
        render();
        resendVote();
        return;
      case "event":
        if (!synced || !PARTS.has(message.event) || typeof message.seq !== "number") {
          return;
        }
        if (message.seq === seq + 1) {
          seq = message.seq;
        } else if (message.seq === seq && REFRESHES.has(message.event)) {
          // a tally or notes refresh: same seq
        } else if (message.seq <= seq) {
          return; // already in our state
        } else {
          resync(); // we missed something
          return;
        }
        state[message.event] = message.data;
        if (message.event === "meeting") {
          syncClock();
        }
        render();
        return;
      case "me":
        if (message.data && typeof message.data === "object") {
          state.me = message.data;
          render();
        }
        return;
      case "ack":
      case "error": {
        const handlers = waiting.get(message.ref);
        waiting.delete(message.ref);
        if (message.type === "ack") {
          if (handlers && handlers.onAck) {
            handlers.onAck(message.data || {});
          }
        } else if (handlers && handlers.onError) {
          handlers.onError(message);
        } else if (message.message) {
          showError(message.message);
        }
        render();
        return;
      }
      default:
    }
  }

  // --- Reading the state ---------------------------------------------------------------------

  const meeting = () => state.meeting || {};
  const items = () => (Array.isArray(state.items) ? state.items : []);
  const me = () => state.me || {};
  const poll = () => state.poll || null;
  const floor = (kind) => ((state.floor || {})[kind] || []);
  const inSession = () => meeting().status === "in_session";
  const itemById = (id) => items().find((item) => item.id === id) || null;
  const currentItem = () => itemById(meeting().current_item);
  const itemLabel = (item) => `${item.number}. ${item.title}`;

  function speakingNow() {
    for (const kind of ["speak", "question"]) {
      const entry = floor(kind).find((f) => f.status === "speaking");
      if (entry) {
        return entry;
      }
    }
    return null;
  }

  function myRequest(kind) {
    const id = me().user_id;
    return floor(kind).find((f) => f.user_id === id && ACTIVE_FLOOR.has(f.status)) || null;
  }

  function myVoteFor(p) {
    const v = me().my_vote;
    return p && v && v.poll === p.id ? v : null;
  }

  // --- Pending vote --------------------------------------------------------------------------

  function loadVote() {
    try {
      const raw = window.sessionStorage.getItem(storageKey);
      const value = raw ? JSON.parse(raw) : null;
      return value && typeof value.poll === "number" && value.key && value.choice ? value : null;
    } catch (error) {
      return null;
    }
  }

  function saveVote(value) {
    try {
      if (value) {
        window.sessionStorage.setItem(storageKey, JSON.stringify(value));
      } else {
        window.sessionStorage.removeItem(storageKey);
      }
    } catch (error) {
      // storage refused (private mode): the vote is still sent while the page stays open
    }
  }

  let queued = loadVote();

  function sendVote() {
    if (!queued) {
      return;
    }
    const vote = queued;
    if (!synced) {
      voteNote = fmt(L.vote_queued, { choice: L[vote.choice] || vote.choice });
      render();
      return;
    }
    voteNote = L.vote_sending;
    const sent = act(
      "vote",
      { poll: vote.poll, choice: vote.choice, key: vote.key },
      {
        onAck(data) {
          queued = null;
          saveVote(null);
          voteNote = "";
          if (data && data.poll) {
            state.me = Object.assign({}, state.me, { my_vote: data });
          }
          flash(L.receipt_title);
        },
        onError(error) {
          if (error.code === "unavailable") {
            // the database was busy: the same key again shortly
            window.setTimeout(sendVote, 1500);
            return;
          }
          queued = null;
          saveVote(null);
          voteNote = "";
          voteRefused = { poll: vote.poll, stepup: error.code === "stepup_required" };
          showError(error.message || "");
        },
      },
    );
    if (!sent) {
      voteNote = fmt(L.vote_queued, { choice: L[vote.choice] || vote.choice });
    }
    render();
  }

  function resendVote() {
    if (!queued) {
      return;
    }
    if (myVoteFor({ id: queued.poll })) {
      queued = null; // counted before the connection dropped
      saveVote(null);
      return;
    }
    voteNote = L.vote_retry;
    sendVote();
  }

  // --- Rendering -----------------------------------------------------------------------------

  /* Replace a list's children, keeping the keyboard focus on the same entry (data-key). */
  function renderList(container, rows, build) {
    if (!container) {
      return;
    }
    const active = document.activeElement;
    const hadFocus = active && container.contains(active);
    const focusKey = hadFocus ? active.getAttribute("data-key") : null;
    const entryKey = hadFocus && active.closest("[data-entry]")
      ? active.closest("[data-entry]").getAttribute("data-entry")
      : null;
    const nodes = rows.map(build).filter(Boolean);
    container.replaceChildren(...nodes);
    if (hadFocus) {
      const again =
        (focusKey && container.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)) ||
        (entryKey && container.querySelector(`[data-entry="${CSS.escape(entryKey)}"] button`)) ||
        container.querySelector("button");
      if (again) {
        again.focus();
      }
    }
  }

  function button(label, key, onClick, kind) {
    const b = el("button", `btn ${kind || "btn-secondary"}`, label);
    b.type = "button";
    b.setAttribute("data-key", key);
    b.addEventListener("click", onClick);
    b.disabled = !synced || busy.has(key);
    return b;
  }

  function render() {
    renderMeeting();
    renderCurrent();
    renderAgenda();
    renderQuorum();
    renderFloor();
    renderPoll();
    renderVoters();
    renderCheckin();
    if (screen === "member") {
      renderPapers();
      renderFloorMe();
      renderVote();
    }
    if (screen === "chair") {
      renderChair();
    }
    if (screen === "secretary") {
      renderAttendance();
      renderMinutes();
    }
    renderTimers();
    announceChanges();
    updateEnabled();
  }

  function renderMeeting() {
    const node = q("[data-meeting-status]");
    setText(node, meeting().status_label || "");
    if (node) {
      node.setAttribute("data-status", meeting().status || "");
    }
  }

  function renderCurrent() {
    const item = currentItem();
    setText(q("[data-current-number]"), item ? fmt(L.item_number, { n: item.number }) : "");
    setText(q("[data-current-title]"), item ? item.title : L.no_current_item);
    setText(
      q("[data-current-unit]"),
      item && item.presenting_unit ? fmt(L.presenting_unit, { unit: item.presenting_unit }) : "",
    );
    setText(
      q("[data-current-planned]"),
      item && item.planned_minutes ? fmt(L.planned, { n: item.planned_minutes }) : "",
    );
  }

  function renderTimers() {
    const m = meeting();
    const clock = q("[data-meeting-clock]");
    if (clock) {
      let text = "";
      if (m.status === "in_session" || m.status === "adjourned") {
        const left = Date.parse(m.ends_at) - now();
        text = left >= 0 ? fmt(L.time_left, { time: duration(left) }) : fmt(L.overtime, { time: duration(-left) });
      } else if (m.status === "scheduled" || m.status === "documents_published") {
        text = L.not_started;
      }
      setText(clock, text);
      clock.classList.toggle("is-over", text.startsWith((L.overtime || "").split("{")[0]) && Boolean(text));
    }
    const timerEl = q("[data-current-timer]");
    if (timerEl) {
      const item = currentItem();
      let text = "";
      let over = false;
      if (item && item.started_at && !item.ended_at) {
        const left = (item.planned_minutes || 0) * 60000 - (now() - Date.parse(item.started_at));
        over = left < 0;
        text = over ? fmt(L.overtime, { time: duration(-left) }) : fmt(L.time_left, { time: duration(left) });
      }
      setText(timerEl, text);
      timerEl.classList.toggle("is-over", over);
    }
    const speechEl = q("[data-speaker-timer]");
    if (speechEl) {
      const speaker = speakingNow();
      setText(
        speechEl,
        speaker && speaker.started_at
          ? fmt(L.speech_time, { time: duration(now() - Date.parse(speaker.started_at)) })
          : "",
      );
    }
  }

  function renderAgenda() {
    const list = q("[data-agenda]");
    if (!list) {
      return;
    }
    const mode = list.getAttribute("data-agenda");
    const all = items();
    const done = all.filter((item) => item.status === "concluded").length;
    setText(q("[data-progress]"), fmt(L.progress, { done, total: all.length }));
    const bar = q("[data-progress-bar]");
    if (bar) {
      bar.max = Math.max(all.length, 1);
      bar.value = done;
    }
    const current = meeting().current_item;
    const open = poll() && poll().status === "open";
    renderList(list, all, (item) => {
      const li = el("li", "live-item");
      li.setAttribute("data-entry", `item-${item.id}`);
      li.setAttribute("data-status", item.status);
      if (item.id === current) {
        li.classList.add("is-current");
        li.setAttribute("aria-current", "step");
      }
      li.appendChild(el("span", "live-item-title", itemLabel(item)));
      const meta = el("span", "live-item-meta");
      meta.appendChild(el("span", "badge", item.status_label || item.status));
      if (item.block === "consent" && item.status !== "consent") {
        meta.appendChild(el("span", "badge", L.consent_block));
      }
      if (item.conclusion && item.conclusion.outcome_label) {
        meta.appendChild(el("span", "badge badge-ok", item.conclusion.outcome_label));
      }
      if (item.id === current) {
        meta.appendChild(el("span", "badge badge-warning", L.current_marker));
      }
      li.appendChild(meta);
      if (mode === "chair" && inSession() && !open && item.id !== current && item.status !== "concluded") {
        const key = `item.start:${item.id}`;
        const b = button(L.item_start, key, () => chairAct("item.start", { item: item.id }, key));
        b.setAttribute("aria-label", `${L.item_start}: ${itemLabel(item)}`);
        li.appendChild(b);
      }
      return li;
    });
  }

  function renderQuorum() {
    const qu = state.quorum;
    if (!qu) {
      return;
    }
    const text = fmt(L.quorum, {
      present: qu.present_members,
      total: qu.members_total,
      required: qu.required,
    });
    setText(q("[data-quorum]"), text);
    const badge = q("[data-quorum-badge]");
    if (badge) {
      setText(badge, qu.reached ? L.quorum_reached : L.quorum_missing);
      badge.classList.toggle("badge-ok", Boolean(qu.reached));
      badge.classList.toggle("badge-warning", !qu.reached);
    }
    setText(
      q("[data-quorum-extra]"),
      [fmt(L.substitutes, { n: qu.present_substitutes }), fmt(L.guests, { n: qu.guests })].join(" · "),
    );
  }

  function floorStatus(status) {
    return L[`floor_${status}`] || status;
  }

  function renderFloor() {
    const speaker = speakingNow();
    const speakerEl = q("[data-speaker]");
    if (speakerEl) {
      let text = L.nobody_speaking;
      if (speaker) {
        text = speakerEl.closest(".projector")
          ? speaker.name
          : fmt(L.speaking_now, { name: speaker.name });
        if (speaker.on_behalf_of) {
          text += ` (${fmt(L.on_behalf_of, { name: speaker.on_behalf_of })})`;
        }
      }
      setText(speakerEl, text);
    }
    for (const list of qa("[data-floor-list]")) {
      const kind = list.getAttribute("data-floor-list");
      const controls = list.hasAttribute("data-controls");
      const rows = floor(kind).filter((f) => controls || f.status !== "cancelled");
      if (!rows.length) {
        renderList(list, [null], () => el("li", "muted", L.floor_empty));
        continue;
      }
      renderList(list, rows, (f) => {
        const li = el("li", `live-floor-entry is-${f.status}`);
        li.setAttribute("data-entry", `floor-${f.id}`);
        const who = el("span", "live-floor-name", f.name);
        li.appendChild(who);
        if (f.on_behalf_of) {
          li.appendChild(el("span", "muted", ` (${fmt(L.on_behalf_of, { name: f.on_behalf_of })})`));
        }
        li.appendChild(el("span", "badge", floorStatus(f.status)));
        if (controls && inSession()) {
          const actions = el("span", "live-floor-actions");
          const add = (action, label, style) => {
            const key = `${action}:${f.id}`;
            const b = button(label, key, () => chairAct(action, { id: f.id }, key), style);
            b.setAttribute("aria-label", `${label}: ${f.name}`);
            actions.appendChild(b);
          };
          if (f.status === "waiting") {
            add("floor.call", L.call, "btn-primary");
          }
          if (f.status === "waiting" || f.status === "called") {
            add("floor.start", L.start, f.status === "called" ? "btn-primary" : "btn-secondary");
          }
          if (f.status === "called" || f.status === "speaking") {
            add("floor.finish", L.finish, "btn-secondary");
          }
          if (actions.childNodes.length) {
            li.appendChild(actions);
          }
        }
        return li;
      });
    }
  }

  function renderPoll() {
    const p = poll();
    for (const box of qa("[data-poll]")) {
      const status = box.querySelector("[data-poll-status]");
      setText(box.querySelector("[data-poll-title]"), p ? p.title : L.no_poll);
      show(status, Boolean(p));
      if (status && p) {
        setText(status, p.status === "open" ? L.poll_open : L.poll_closed);
        status.classList.toggle("badge-warning", p.status === "open");
      }
      setText(
        box.querySelector("[data-poll-count]"),
        p ? fmt(L.voted_count, { voted: p.voted, eligible: p.eligible }) : "",
      );
      const bar = box.querySelector("[data-poll-bar]");
      if (bar) {
        show(bar, Boolean(p));
        bar.max = Math.max(p ? p.eligible : 1, 1);
        bar.value = p ? p.voted : 0;
      }
      const results = p && p.status === "closed" ? p.results : null;
      const resultsBox = box.querySelector("[data-poll-results]");
      show(resultsBox, Boolean(results));
      if (!results) {
        continue;
      }
      const outcome = box.querySelector("[data-poll-outcome]");
      setText(outcome, fmt(L.outcome, { label: results.outcome_label || results.outcome }));
      if (outcome) {
        outcome.setAttribute("data-outcome", results.outcome || "");
      }
      renderList(box.querySelector("[data-poll-counts]"), ["agree", "disagree", "other", "not_voted"], (key) => {
        const li = el("li", `live-count live-count-${key}`);
        li.appendChild(el("strong", "", results[key] ?? 0));
        li.appendChild(el("span", "", L[key] || key));
        return li;
      });
      setText(box.querySelector("[data-poll-required]"), fmt(L.required, { n: results.required }));
      renderList(box.querySelector("[data-poll-named]"), results.named || [], (row) => {
        const li = el("li", `live-named-${row.choice}`);
        let name = row.name;
        if (row.on_behalf_of) {
          name += ` (${fmt(L.on_behalf_of, { name: row.on_behalf_of })})`;
        }
        li.appendChild(el("span", "", name));
        li.appendChild(el("span", "badge", row.choice_label || L[row.choice] || row.choice));
        return li;
      });
    }
  }

  function renderVoters() {
    const box = q("[data-voters]");
    if (!box) {
      return;
    }
    const p = poll();
    const voted = new Set(p ? p.voted_user_ids || [] : []);
    const attendance = state.attendance || {};
    const present = (attendance.present || []).filter((a) => a.capacity !== "guest");
    const groups = {
      voted: p ? present.filter((a) => voted.has(a.user_id)) : [],
      waiting: p ? present.filter((a) => !voted.has(a.user_id)) : present,
      away: attendance.not_arrived || [],
    };
    for (const [name, rows] of Object.entries(groups)) {
      setText(box.querySelector(`[data-voters-count="${name}"]`), String(rows.length));
      renderList(box.querySelector(`[data-voters-list="${name}"]`), rows, (a) => {
        let text = a.name;
        if (a.on_behalf_of) {
          text += ` (${fmt(L.on_behalf_of, { name: a.on_behalf_of })})`;
        }
        if (a.mode) {
          text += ` · ${L[`mode_${a.mode}`] || a.mode}`;
        }
        return el("li", "", text);
      });
    }
  }

  function renderAttendance() {
    const attendance = state.attendance || {};
    const lists = {
      present: (a) => {
        const parts = [a.name, L[`capacity_${a.capacity}`] || a.capacity];
        if (a.on_behalf_of) {
          parts.push(fmt(L.on_behalf_of, { name: a.on_behalf_of }));
        }
        parts.push(L[`mode_${a.mode}`] || a.mode);
        parts.push(fmt(L.checked_in_at, { time: shortTime(a.checked_in_at) }));
        return parts.join(" · ");
      },
      not_arrived: (a) => a.name,
      absent: (a) => (a.reason ? `${a.name} · ${fmt(L.absent_reason, { reason: a.reason })}` : a.name),
    };
    for (const [key, text] of Object.entries(lists)) {
      const rows = attendance[key] || [];
      setText(q(`[data-attendance-count="${key}"]`), String(rows.length));
      renderList(q(`[data-attendance="${key}"]`), rows, (a) => el("li", "", text(a)));
    }
  }

  // --- Member --------------------------------------------------------------------------------

  function renderPapers() {
    const list = q("[data-papers]");
    if (!list) {
      return;
    }
    const item = currentItem();
    const rows = item ? papers.filter((p) => p.item === item.id) : [];
    if (!rows.length) {
      renderList(list, [null], () => el("li", "muted", item ? L.no_documents : L.no_current_item));
      return;
    }
    renderList(list, rows, (p) => {
      const li = el("li", "live-paper");
      li.setAttribute("data-entry", `paper-${p.document}`);
      li.appendChild(el("span", "live-paper-title", p.title));
      const here = el("a", "btn btn-primary", L.read_here);
      here.href = `?tai-lieu=${encodeURIComponent(p.document)}#tai-lieu`;
      here.setAttribute("aria-label", `${L.read_here}: ${p.title}`);
      here.setAttribute("data-key", `read-${p.document}`);
      li.appendChild(here);
      if (p.url) {
        const page = el("a", "btn btn-secondary", L.open_page);
        page.href = p.url;
        page.setAttribute("aria-label", `${L.open_page}: ${p.title}`);
        li.appendChild(page);
      }
      return li;
    });
  }

  function renderCheckin() {
    const m = me();
    const attend = Boolean(m.can_attend);
    const status = q("[data-checkin-status]");
    if (status) {
      if (m.checked_in) {
        setText(status, fmt(L.checked_in, { mode: L[`mode_${m.mode}`] || m.mode || "" }));
      } else {
        setText(status, m.can_attend ? L.not_checked_in : "");
      }
    }
    for (const b of qa("[data-checkin-mode]")) {
      const mode = b.getAttribute("data-checkin-mode");
      show(b, Boolean(m.can_attend && attend && (!m.checked_in || m.mode !== mode)));
      setText(b, m.checked_in ? L[`switch_${mode}`] : L[`checkin_${mode}`]);
      b.classList.toggle("btn-primary", !m.checked_in && mode === "room");
      b.classList.toggle("btn-secondary", m.checked_in || mode !== "room");
    }
  }

  function renderFloorMe() {
    const m = me();
    const roles = m.roles || [];
    const canQuestion = roles.includes("member") || roles.includes("substitute");
    const mine = myRequest("speak") || myRequest("question");
    const floorMe = q("[data-floor-me]");
    if (floorMe) {
      setText(
        floorMe,
        mine
          ? fmt(L.my_request, {
              kind: mine === myRequest("speak") ? L.kind_speak : L.kind_question,
              status: floorStatus(mine.status),
            })
          : "",
      );
    }
    const actions = q("[data-floor-actions]");
    const canAsk = Boolean(m.can_speak && m.checked_in && inSession());
    for (const b of qa("[data-floor-request]")) {
      const kind = b.getAttribute("data-floor-request");
      show(b, canAsk && !myRequest(kind) && (kind === "speak" || canQuestion));
    }
    if (actions) {
      let cancel = actions.querySelector("[data-floor-cancel]");
      const cancellable = ["speak", "question"]
        .map(myRequest)
        .find((f) => f && (f.status === "waiting" || f.status === "called"));
      if (cancellable && !cancel) {
        cancel = el("button", "btn btn-danger", L.cancel_request);
        cancel.type = "button";
        cancel.setAttribute("data-floor-cancel", "");
        actions.appendChild(cancel);
        cancel.addEventListener("click", () => {
          const target = ["speak", "question"]
            .map(myRequest)
            .find((f) => f && (f.status === "waiting" || f.status === "called"));
          if (target) {
            simpleAct("floor.cancel", { id: target.id }, "floor.cancel");
          }
        });
      } else if (!cancellable && cancel) {
        const focused = document.activeElement === cancel;
        cancel.remove();
        if (focused) {
          const next = qa("[data-floor-request]").find((x) => !x.hidden);
          if (next) {
            next.focus();
          }
        }
      }
    }
  }

  function renderVote() {
    const box = q("[data-vote]");
    if (!box) {
      return;
    }
    const p = poll();
    const m = me();
    const receipt = myVoteFor(p);
    const open = p && p.status === "open";
    const pendingHere = queued && p && queued.poll === p.id;
    let message = L.no_poll;
    let choices = false;
    let stepup = false;
    if (p) {
      message = p.title;
      if (receipt) {
        message = p.title;
      } else if (pendingHere) {
        message = voteNote || L.vote_sending;
      } else if (!open) {
        message = `${p.title} · ${L.poll_closed}`;
      } else if (!m.can_vote) {
        message = L.cannot_vote;
      } else if (!m.checked_in) {
        message = L.must_check_in;
      } else if (!m.signing_window || (voteRefused && voteRefused.poll === p.id && voteRefused.stepup)) {
        message = L.stepup_needed;
        stepup = true;
      } else {
        message = p.title;
        choices = true;
      }
    }
    setText(box.querySelector("[data-vote-message]"), message);
    show(box.querySelector("[data-vote-stepup]"), stepup);
    const link = box.querySelector("[data-vote-stepup] a");
    if (link && signingUrl) {
      link.href = signingUrl;
    }
    if (!choices || !open) {
      chosen = null;
    }
    show(box.querySelector("[data-vote-choices]"), choices && !chosen);
    const confirm = box.querySelector("[data-vote-confirm]");
    show(confirm, Boolean(choices && chosen));
    if (choices && chosen) {
      setText(
        box.querySelector("[data-vote-confirm-text]"),
        fmt(L.confirm_vote, { choice: L[chosen] || chosen, title: p.title }),
      );
    }
    const receiptBox = box.querySelector("[data-vote-receipt]");
    show(receiptBox, Boolean(receipt));
    if (receipt) {
      setText(
        box.querySelector("[data-vote-receipt-text]"),
        fmt(L.receipt, {
          choice: receipt.choice_label || L[receipt.choice] || receipt.choice,
          time: clockTime(receipt.signed_at),
          id: receipt.statement_id,
        }),
      );
      const behalf = box.querySelector("[data-vote-receipt-behalf]");
      show(behalf, Boolean(receipt.on_behalf_of));
      setText(behalf, receipt.on_behalf_of ? fmt(L.receipt_behalf, { name: receipt.on_behalf_of }) : "");
    }
  }

  function simpleAct(action, fields, key, done) {
    busy.add(key);
    showError("");
    const sent = act(action, fields, {
      onAck(data) {
        busy.delete(key);
        flash(L.done);
        if (done) {
          done(data);
        }
      },
      onError(error) {
        busy.delete(key);
        showError(error.message || error.code);
        if (error.code === "conflict" && error.reason === "stale") {
          resync();
        }
      },
    });
    if (!sent) {
      busy.delete(key);
    }
    render();
  }

  // --- Chair ---------------------------------------------------------------------------------

  function chairAct(action, fields, key) {
    simpleAct(action, Object.assign({}, fields, { seq }), key || action);
  }

  function renderChair() {
    const m = meeting();
    const status = m.status;
    const p = poll();
    const open = p && p.status === "open";
    const item = currentItem();
    const block = items().filter((i) => i.block === "consent" && i.status === "consent");
    const visible = {
      "session.open": status === "scheduled" || status === "documents_published",
      "session.adjourn": status === "in_session",
      "session.resume": status === "adjourned",
      "session.close": status === "in_session" || status === "adjourned",
      "item.end": Boolean(inSession() && item && item.status !== "voting"),
      "poll.close": Boolean(inSession() && open),
    };
    for (const b of qa("[data-chair-action]")) {
      const action = b.getAttribute("data-chair-action");
      let visibleNow = visible[action];
      if (action === "poll.open") {
        const scope = b.getAttribute("data-scope");
        if (scope === "block") {
          visibleNow = inSession() && !open && block.length > 0;
          setText(b, fmt(L.poll_open_block, { n: block.length }));
        } else {
          visibleNow = Boolean(inSession() && !open && item && POLLABLE.has(item.status));
        }
      }
      const wasFocused = document.activeElement === b;
      show(b, Boolean(visibleNow));
      if (wasFocused && !visibleNow) {
        const group = b.parentElement;
        const next = group && Array.from(group.querySelectorAll("button")).find((x) => !x.hidden);
        if (next) {
          next.focus();
        }
      }
      if (!visibleNow && b.hasAttribute("data-armed")) {
        disarm(b);
      }
    }
  }

  function disarm(b) {
    b.removeAttribute("data-armed");
    if (b.dataset.label) {
      b.textContent = b.dataset.label;
    }
  }

  function chairButton(b) {
    const action = b.getAttribute("data-chair-action");
    const confirmText = b.getAttribute("data-confirm");
    if (confirmText && !b.hasAttribute("data-armed")) {
      // Closing the session needs a second press.
      b.dataset.label = b.textContent;
      b.setAttribute("data-armed", "");
      b.textContent = confirmText;
      window.setTimeout(() => disarm(b), 6000);
      return;
    }
    if (confirmText) {
      disarm(b);
    }
    const fields = {};
    const item = currentItem();
    const p = poll();
    if (action === "item.end" && item) {
      fields.item = item.id;
    } else if (action === "poll.open") {
      if (b.getAttribute("data-scope") === "block") {
        fields.items = items()
          .filter((i) => i.block === "consent" && i.status === "consent")
          .map((i) => i.id);
      } else if (item) {
        fields.items = [item.id];
      }
    } else if (action === "poll.close" && p) {
      fields.poll = p.id;
    }
    chairAct(action, fields, `${action}:${b.getAttribute("data-scope") || ""}`);
  }

  // --- Secretary -----------------------------------------------------------------------------

  function renderMinutes() {
    const box = q("[data-minutes]");
    if (!box) {
      return;
    }
    const select = box.querySelector("[data-minutes-item]");
    const all = items();
    if (!minutesPicked || !itemById(minutesItem)) {
      minutesItem = meeting().current_item || minutesItem || (all[0] ? all[0].id : null);
    }
    if (select) {
      const wanted = all.map((i) => `${i.id}:${itemLabel(i)}`).join("|");
      if (select.getAttribute("data-options") !== wanted) {
        select.replaceChildren(
          ...all.map((i) => {
            const option = el("option", "", itemLabel(i));
            option.value = String(i.id);
            return option;
          }),
        );
        select.setAttribute("data-options", wanted);
      }
      if (minutesItem !== null && select.value !== String(minutesItem)) {
        select.value = String(minutesItem);
        fillConclusion();
      }
    }
    const notes = (state.notes || []).filter((n) => n.item === minutesItem);
    const list = box.querySelector("[data-notes]");
    if (!notes.length) {
      renderList(list, [null], () => el("li", "muted", L.notes_empty));
    } else {
      renderList(list, notes, (n) => {
        const li = el("li", "live-note");
        li.appendChild(el("p", "live-pre", n.text));
        li.appendChild(el("p", "muted", fmt(L.note_by, { author: n.author, time: shortTime(n.created_at) })));
        return li;
      });
    }
    const item = itemById(minutesItem);
    const c = item ? item.conclusion : null;
    setText(box.querySelector("[data-conclusion-outcome]"), c ? c.outcome_label : L.conclusion_none);
    setText(box.querySelector("[data-conclusion-text]"), c ? c.text : "");
    setText(
      box.querySelector("[data-conclusion-by]"),
      c ? fmt(L.conclusion_by, { name: c.recorded_by, time: clockTime(c.recorded_at), version: c.version }) : "",
    );
    const attachment = box.querySelector("[data-conclusion-attachment]");
    show(attachment, Boolean(c && c.attachment));
    if (c && c.attachment) {
      const a = box.querySelector("[data-conclusion-attachment-link]");
      setText(a, fmt(L.attachment, { title: c.attachment.title }));
      a.href = c.attachment.url || "#";
    }
    const attach = box.querySelector("[data-attach-form]");
    if (attach) {
      show(attach, Boolean(c));
      const template = attach.getAttribute("data-url") || "";
      if (item) {
        attach.action = template.replace(/\/0\/ket-luan\//, `/${item.id}/ket-luan/`);
      }
    }
  }

  function fillConclusion() {
    const box = q("[data-conclude-form]");
    const item = itemById(minutesItem);
    if (!box) {
      return;
    }
    const c = item ? item.conclusion : null;
    let outcome = c ? c.outcome : "adopted";
    const p = poll();
    if (!c && p && p.status === "closed" && p.results && (p.item_ids || []).includes(minutesItem)) {
      outcome = p.results.outcome === "rejected" ? "rejected" : "adopted";
    }
    const radio = box.querySelector(`input[name="outcome"][value="${outcome}"]`);
    if (radio) {
      radio.checked = true;
    }
    box.querySelector("textarea").value = c ? c.text : "";
  }

  // --- Buttons and forms ---------------------------------------------------------------------

  function updateEnabled() {
    for (const b of qa("[data-checkin-mode], [data-floor-request], [data-chair-action], [data-choice], [data-vote-sign], [data-floor-cancel]")) {
      const key = b.getAttribute("data-key") || b.getAttribute("data-chair-action") || "";
      b.disabled = !synced || busy.has(key) || busy.has(`${key}:${b.getAttribute("data-scope") || ""}`);
    }
    // A vote may be confirmed offline: it is queued and sent on reconnection.
    for (const b of qa("[data-vote-sign], [data-choice]")) {
      b.disabled = false;
    }
    for (const form of qa("[data-note-form] button, [data-conclude-form] button")) {
      form.disabled = !synced;
    }
  }

  function wire() {
    for (const b of qa("[data-checkin-mode]")) {
      b.addEventListener("click", () => {
        simpleAct("checkin", { mode: b.getAttribute("data-checkin-mode") }, "checkin", () =>
          flash(L.checkin_done),
        );
      });
    }
    for (const b of qa("[data-floor-request]")) {
      b.addEventListener("click", () => {
        simpleAct("floor.request", { kind: b.getAttribute("data-floor-request") }, "floor.request");
      });
    }
    for (const b of qa("[data-chair-action]")) {
      b.addEventListener("click", () => chairButton(b));
    }
    for (const b of qa("[data-choice]")) {
      b.addEventListener("click", () => {
        chosen = b.getAttribute("data-choice");
        voteRefused = null;
        showError("");
        render();
        const text = q("[data-vote-confirm-text]");
        if (text) {
          text.focus();
        }
      });
    }
    const back = q("[data-vote-back]");
    if (back) {
      back.addEventListener("click", () => {
        chosen = null;
        render();
        const first = q("[data-choice]");
        if (first) {
          first.focus();
        }
      });
    }
    const sign = q("[data-vote-sign]");
    if (sign) {
      sign.addEventListener("click", () => {
        const p = poll();
        if (!p || !chosen || queued) {
          return;
        }
        queued = { poll: p.id, choice: chosen, key: uuid4(), at: Date.now() };
        saveVote(queued);
        chosen = null;
        showError("");
        sendVote();
        const message = q("[data-vote-message]");
        if (message) {
          message.setAttribute("tabindex", "-1");
          message.focus();
        }
      });
    }
    const select = q("[data-minutes-item]");
    if (select) {
      select.addEventListener("change", () => {
        minutesItem = Number(select.value);
        minutesPicked = true;
        fillConclusion();
        render();
      });
    }
    const noteForm = q("[data-note-form]");
    if (noteForm) {
      noteForm.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = noteForm.querySelector("textarea");
        if (!text.value.trim()) {
          showError(L.text_required);
          text.focus();
          return;
        }
        simpleAct("note.add", { item: minutesItem, text: text.value }, "note.add", () => {
          text.value = "";
          flash(L.note_saved);
        });
      });
    }
    const concludeForm = q("[data-conclude-form]");
    if (concludeForm) {
      concludeForm.addEventListener("submit", (event) => {
        event.preventDefault();
        const item = itemById(minutesItem);
        const checked = concludeForm.querySelector('input[name="outcome"]:checked');
        const fields = {
          item: minutesItem,
          outcome: checked ? checked.value : "adopted",
          text: concludeForm.querySelector("textarea").value,
        };
        if (item && item.conclusion) {
          fields.version = item.conclusion.version;
        }
        simpleAct("item.conclude", fields, "item.conclude", () => flash(L.conclusion_saved));
      });
    }
    if (screen === "secretary") {
      fillConclusion();
    }
  }

  function announceChanges() {
    const p = poll();
    const speaker = speakingNow();
    const item = currentItem();
    const next = {
      item: item ? item.id : null,
      poll: p ? p.id : null,
      status: p ? p.status : null,
      speaker: speaker ? speaker.id : null,
    };
    if (seen !== null) {
      if (item && next.item !== seen.item) {
        announce(fmt(L.announce_item, { n: item.number, title: item.title }));
      } else if (p && p.status === "open" && (next.poll !== seen.poll || seen.status !== "open")) {
        announce(fmt(L.announce_poll_open, { title: p.title }));
      } else if (p && p.status === "closed" && seen.status === "open" && p.results) {
        announce(fmt(L.announce_poll_closed, { outcome: p.results.outcome_label || "" }));
      } else if (speaker && next.speaker !== seen.speaker) {
        announce(fmt(L.announce_speaker, { name: speaker.name }));
      }
    }
    seen = next;
  }

  // --- Start ---------------------------------------------------------------------------------

  syncClock();
  wire();
  render();
  setConn("connecting");
  window.setInterval(renderTimers, 1000);
  window.addEventListener("online", connectNow);
  window.addEventListener("offline", () => {
    // Do not wait for the socket to time out: queue from now on and reconnect when back.
    hangUp();
    setConn("offline");
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      connectNow();
    }
  });
  window.addEventListener("pagehide", () => {
    if (socket !== null) {
      const ws = socket;
      ws.onclose = null;
      ws.close();
      socket = null;
      synced = false;
    }
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      connectNow();
    }
  });
  connect();
  // For tests and support: what the screen holds now (read-only copy).
  rootEl.liveDebug = () => ({ seq, synced, queued, state: JSON.parse(JSON.stringify(state)) });
}

if (root) {
  start(root);
}
