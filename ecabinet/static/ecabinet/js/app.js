/*
 * eCabinet layout behaviour, no dependencies. Loaded in <head> without defer so the "js"
 * class is set before the first paint (the phone menu must not flash open); everything
 * else waits for DOMContentLoaded. Strings come from data attributes rendered by Django,
 * already translated.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function initMenuToggle() {
    var toggle = document.querySelector("[data-nav-toggle]");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // <details data-menu> drop-downs close on Escape and on a click elsewhere.
  function initDropdowns() {
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
        if (!menu.contains(event.target)) {
          menu.removeAttribute("open");
        }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
        menu.removeAttribute("open");
        var summary = menu.querySelector("summary");
        if (summary) {
          summary.focus();
        }
      });
    });
  }

  // A form that came back with errors: move focus to its summary so it is read out.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  function showMessage(kind, text) {
    var region = document.querySelector("[data-messages]");
    if (!region || !text) {
      return;
    }
    region.querySelectorAll("[data-transient]").forEach(function (old) {
      old.remove();
    });
    var alert = document.createElement("div");
    alert.className = "alert alert-" + kind;
    alert.setAttribute("role", kind === "error" ? "alert" : "status");
    alert.setAttribute("data-transient", "");
    alert.textContent = text;
    region.appendChild(alert);
  }

  // htmx does not swap error responses: say what happened instead of doing nothing.
  function initHtmxErrors() {
    var region = document.querySelector("[data-messages]");
    if (!region) {
      return;
    }
    document.body.addEventListener("htmx:responseError", function (event) {
      var xhr = event.detail && event.detail.xhr;
      var status = xhr ? xhr.status : 0;
      showMessage(
        "error",
        region.getAttribute("data-error-" + status) || region.getAttribute("data-error-generic")
      );
    });
    document.body.addEventListener("htmx:sendError", function () {
      showMessage("error", region.getAttribute("data-error-network"));
    });
  }

  window.ecabinet = window.ecabinet || {};
  window.ecabinet.showMessage = showMessage;

  document.addEventListener("DOMContentLoaded", function () {
    initMenuToggle();
    initDropdowns();
    focusErrorSummary();
    initHtmxErrors();
  });
})();
