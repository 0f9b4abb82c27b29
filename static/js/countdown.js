// Live countdowns for temporary credentials. The server stays the truth: the fragment carries the sandbox's
// "now" (data-sandbox-now) and each <time data-expires="ISO">; this script only counts down from them, once a
// second. When a countdown reaches zero it asks htmx to re-fetch the fragment ("countdown-expired"), so the
// expired state comes from the server; a change of the sandbox clock does the same ("clock-changed").
(function () {
  "use strict";

  var timer = null;
  var current = null;

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function format(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    return hours ? hours + ":" + pad(minutes) + ":" + pad(rest) : minutes + ":" + pad(rest);
  }

  function start() {
    if (timer) { clearInterval(timer); timer = null; }
    var root = document.querySelector("[data-sandbox-now]");
    current = root;
    if (!root) { return; }
    // The sandbox clock may run ahead of real time (fast-forward): count from the server's sandbox "now".
    var offset = Date.parse(root.getAttribute("data-sandbox-now")) - Date.now();
    var asked = false;
    function tick() {
      var now = Date.now() + offset;
      var reachedZero = false;
      root.querySelectorAll("time[data-expires]").forEach(function (element) {
        var left = Math.max(0, Math.round((Date.parse(element.getAttribute("data-expires")) - now) / 1000));
        element.textContent = format(left);
        element.setAttribute("datetime", "PT" + left + "S");
        if (left === 0) { reachedZero = true; }
      });
      if (reachedZero && !asked && window.htmx) {
        asked = true;
        window.htmx.trigger(root, "countdown-expired");
      }
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  // A sandbox clock change swaps the clock partial (#sandbox-clock): then fetch the sessions from the server
  // again. After htmx replaced the sessions fragment, count from the new one (and its new "now").
  var clock = null;
  function afterSettle() {
    var latest = document.getElementById("sandbox-clock");
    if (latest !== clock) {
      clock = latest;
      if (window.htmx) { window.htmx.trigger(document.body, "clock-changed"); }
    }
    if (current !== document.querySelector("[data-sandbox-now]")) { start(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    clock = document.getElementById("sandbox-clock");
    start();
  });
  document.body.addEventListener("htmx:afterSettle", afterSettle);
})();
