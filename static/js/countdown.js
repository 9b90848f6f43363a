// Counts down to a meeting room opening; at zero, offers the "Enter meeting" link.
// Without JavaScript the server-rendered "Opens in …" text stays, and a reload updates it.
(function () {
  "use strict";
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function describe(ms) {
    var minutes = Math.ceil(ms / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    if (days > 0) return plural(days, "day") + (hours ? ", " + plural(hours, "hour") : "");
    if (hours > 0) return plural(hours, "hour") + (mins ? ", " + plural(mins, "minute") : "");
    return plural(mins, "minute");
  }
  function tick() {
    var items = document.querySelectorAll("[data-opens-at]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var left = Date.parse(el.getAttribute("data-opens-at")) - Date.now();
      if (left <= 0) {
        var link = document.createElement("a");
        link.className = "button";
        link.href = el.getAttribute("data-enter-url");
        link.textContent = "Enter meeting";
        el.replaceWith(link);
      } else {
        el.textContent = "Opens in " + describe(left);
      }
    }
  }
  tick();
  setInterval(tick, 15000);
})();
