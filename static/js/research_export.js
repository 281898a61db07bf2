// A research export's page: poll its progress and redraw the bar; reload once it has finished.
(function () {
  "use strict";
  var panel = document.getElementById("export-progress");
  if (!panel || panel.dataset.active !== "true") { return; }
  var bar = document.getElementById("export-progress-bar");
  var label = document.getElementById("export-progress-label");
  var INTERVAL_MS = 1500;

  function poll() {
    fetch(panel.dataset.feed, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        bar.value = state.percent;
        label.textContent = state.status + ": " + state.done + " of " + state.total + " files (" + state.percent + "%)";
        if (state.finished) { window.location.reload(); return; }
        window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () { window.setTimeout(poll, INTERVAL_MS * 2); });
  }
  window.setTimeout(poll, INTERVAL_MS);
})();
