// The administrator's system page: fetch the overview again every few seconds and put it in place, so the figures
// refresh without reloading the page. A separate file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var overview = document.getElementById("system-overview");
  if (!overview) {
    return;
  }
  var url = overview.getAttribute("data-refresh-url");
  var interval = parseInt(overview.getAttribute("data-refresh-ms"), 10) || 5000;

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        overview.innerHTML = html;
        overview.removeAttribute("data-refresh-failed");
      })
      .catch(function (error) {
        // Keep the last figures on screen and say they are stale; the next round tries again.
        overview.setAttribute("data-refresh-failed", String(error));
      })
      .finally(function () {
        window.setTimeout(refresh, interval);
      });
  }

  window.setTimeout(refresh, interval);
})();
