/*
 * Live unread-notification count in the header.
 *
 * Connects to the WebSocket named by the badge's data-ws-path and shows every count the server
 * pushes ({"type": "notification.count", "unread": n}). When the socket is unavailable the
 * badge keeps the count rendered with the page; the module reconnects with exponential
 * backoff and jitter (1 s doubling to 60 s), at once when the browser comes back online or
 * the tab becomes visible, and never throws.
 */
(function () {
  "use strict";

  var MIN_DELAY = 1000;
  var MAX_DELAY = 60000;
  // The server refused us (logged out): do not hammer it.
  var FINAL_CODES = { 4401: true, 4403: true };

  function start(link) {
    var badge = link.querySelector("[data-unread]");
    var countEl = link.querySelector("[data-unread-count]");
    var announcer = document.querySelector("[data-unread-announce]");
    var path = link.getAttribute("data-ws-path");
    // Login steps (body.auth) have no live channel: the user is not fully logged in yet.
    if (document.body.classList.contains("auth")) {
      return;
    }
    if (!badge || !countEl || !path || !("WebSocket" in window)) {
      return;
    }
    var current = parseInt(link.getAttribute("data-unread-initial") || "0", 10) || 0;
    var delay = MIN_DELAY;
    var socket = null;
    var timer = null;
    var stopped = false;

    function render(value) {
      if (typeof value !== "number" || !isFinite(value) || value < 0) {
        return;
      }
      var n = Math.floor(value);
      var previous = current;
      current = n;
      countEl.textContent = n > 99 ? "99+" : String(n);
      badge.hidden = n === 0;
      if (n > previous && announcer) {
        // Clear first so the same sentence is announced again.
        announcer.textContent = "";
        window.setTimeout(function () {
          announcer.textContent = announcer.getAttribute("data-text") || "";
        }, 50);
      }
      document.dispatchEvent(new CustomEvent("ecabinet:unread", { detail: { unread: n } }));
    }

    function schedule() {
      if (stopped || timer !== null) {
        return;
      }
      var wait = delay / 2 + Math.random() * (delay / 2);
      delay = Math.min(delay * 2, MAX_DELAY);
      timer = window.setTimeout(function () {
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
      if (stopped || socket !== null) {
        return;
      }
      if (navigator.onLine === false) {
        return; // the "online" event reconnects
      }
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      try {
        socket = new WebSocket(scheme + window.location.host + path);
      } catch (error) {
        socket = null;
        schedule();
        return;
      }
      socket.onopen = function () {
        delay = MIN_DELAY;
      };
      socket.onmessage = function (event) {
        var data = null;
        try {
          data = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        if (data && data.type === "notification.count") {
          render(data.unread);
        }
      };
      socket.onclose = function (event) {
        socket = null;
        if (FINAL_CODES[event.code]) {
          stopped = true;
          return;
        }
        schedule();
      };
    }

    window.addEventListener("online", connectNow);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        connectNow();
      }
    });
    // Let the browser keep the page in its back/forward cache, then reconnect on return.
    window.addEventListener("pagehide", function () {
      if (socket !== null) {
        socket.onclose = null;
        socket.close();
        socket = null;
      }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        connectNow();
      }
    });
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var link = document.querySelector("[data-notification-badge]");
    if (link) {
      start(link);
    }
  });
})();
