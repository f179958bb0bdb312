// Live pages: an element with data-live-topics and data-live-url is re-read from its URL
// whenever an event arrives on one of its topics (Server-Sent Events, /live).
(function () {
  function connect(el) {
    var url = el.getAttribute("data-live-url");
    var source = new EventSource("/live?topics=" + encodeURIComponent(el.getAttribute("data-live-topics")));
    var timer = null;
    function refresh() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        htmx.ajax("GET", url, {target: el, swap: "innerHTML"});
      }, 150);
    }
    source.onmessage = refresh;
    ["offer", "accepted", "declined", "timeout", "withdrawn", "done", "reassigned", "queue",
     "presence", "surge"].forEach(function (kind) { source.addEventListener(kind, refresh); });
    source.onopen = function () { el.setAttribute("data-live", "on"); };
    source.onerror = function () { el.setAttribute("data-live", "off"); };
  }
  function ticking() {
    // Durations and offer countdowns tick between events.
    document.querySelectorAll("[data-since]").forEach(function (node) {
      var base = parseInt(node.getAttribute("data-since"), 10);
      var start = parseInt(node.getAttribute("data-at") || "0", 10);
      if (!start) { start = Date.now(); node.setAttribute("data-at", String(start)); }
      var s = base + Math.floor((Date.now() - start) / 1000);
      var sign = node.hasAttribute("data-countdown") ? -1 : 1;
      var v = Math.max(0, sign < 0 ? base - Math.floor((Date.now() - start) / 1000) : s);
      node.textContent = Math.floor(v / 60) + ":" + String(v % 60).padStart(2, "0");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-topics]").forEach(connect);
    setInterval(ticking, 1000);
  });
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("[data-at]").forEach(function (n) { n.removeAttribute("data-at"); });
  });
})();
