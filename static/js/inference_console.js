// The AI job console: poll the JSON feed and redraw counts and tables without reloading.
(function () {
  "use strict";
  var console_ = document.getElementById("job-console");
  if (!console_) { return; }
  var feed = console_.dataset.feed;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var INTERVAL_MS = 3000;

  function text(tag, value, className) {
    var cell = document.createElement(tag);
    cell.textContent = value;
    if (className) { cell.className = className; }
    return cell;
  }

  function actionForm(job) {
    var cell = document.createElement("td");
    if (!csrf || !(job.can_retry || job.can_cancel)) { return cell; }
    var kind = job.can_cancel ? "cancel" : "retry";
    var form = document.createElement("form");
    form.method = "post";
    form.action = console_.dataset[kind].replace("/0/", "/" + job.id + "/");
    var token = document.createElement("input");
    token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = csrf.value;
    var button = text("button", kind === "cancel" ? "Cancel" : "Retry", "secondary");
    button.type = "submit";
    form.appendChild(token); form.appendChild(button); cell.appendChild(form);
    return cell;
  }

  function row(job, showError) {
    var tr = document.createElement("tr");
    tr.dataset.job = job.id;
    tr.appendChild(text("td", job.id));
    tr.appendChild(text("td", "Study " + job.study));
    var model = document.createElement("td"); model.appendChild(text("code", job.model)); tr.appendChild(model);
    var state = document.createElement("td"); state.appendChild(text("span", job.status_label, "badge job-" + job.status)); tr.appendChild(state);
    tr.appendChild(text("td", job.attempts + " / " + job.max_attempts));
    tr.appendChild(showError ? text("td", job.error, "job-error") : text("td", (job.worker || "-") + (job.device ? " · " + job.device : "")));
    tr.appendChild(actionForm(job));
    return tr;
  }

  function fill(tableId, jobs, showError, emptyText) {
    var body = document.querySelector("#" + tableId + " tbody");
    if (!body) { return; }
    body.textContent = "";
    if (!jobs.length) {
      var tr = document.createElement("tr"); tr.className = "empty";
      var td = text("td", emptyText, "muted"); td.colSpan = 7; tr.appendChild(td); body.appendChild(tr);
      return;
    }
    jobs.forEach(function (job) { body.appendChild(row(job, showError)); });
  }

  function render(data) {
    Object.keys(data.counts).forEach(function (status) {
      var box = document.querySelector('.job-count[data-status="' + status + '"] b');
      if (box) { box.textContent = data.counts[status]; }
    });
    document.getElementById("succeeded-last-hour").textContent = data.succeeded_last_hour;
    document.getElementById("per-minute").textContent = data.per_minute.toFixed(2);
    var oldest = data.oldest_queued;
    document.getElementById("oldest-queued").textContent = oldest ? "job " + oldest.id + ", queued " + oldest.age_seconds + " s ago" : "none";
    fill("job-problems", data.problems, true, "No failed or dead job.");
    fill("job-active", data.active, false, "Nothing queued or running.");
    document.getElementById("console-updated").textContent = "updated " + new Date().toLocaleTimeString();
  }

  function poll() {
    fetch(feed, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () { /* keep the last figures; try again at the next tick */ })
      .finally(function () { window.setTimeout(poll, INTERVAL_MS); });
  }
  window.setTimeout(poll, INTERVAL_MS);
})();
