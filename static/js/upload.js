// Upload chosen files one per request, with a progress bar, then list each file's result.
// Without this script the form posts all files at once and the server renders the same table.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = document.getElementById("upload-progress-bar");
  var barText = document.getElementById("upload-progress-text");
  var results = document.getElementById("upload-results");
  var body = document.getElementById("upload-results-body");
  var summary = document.getElementById("upload-summary");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function chosenFiles() {
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (file) { files.push(file); });
    });
    return files;
  }

  function cell(row, text) {
    var td = document.createElement("td");
    if (text instanceof Node) { td.appendChild(text); } else { td.textContent = text || ""; }
    row.appendChild(td);
    return td;
  }

  function addRow(result) {
    var row = document.createElement("tr");
    row.dataset.status = result.status;
    cell(row, result.filename);
    var badge = document.createElement("span");
    badge.className = "badge" + (result.status === "stored" ? " ok" : result.status === "rejected" ? " bad" : "");
    badge.textContent = result.status_label;
    cell(row, badge);
    cell(row, (result.reason ? result.reason + ": " : "") + (result.message || ""));
    if (result.study_url) {
      var link = document.createElement("a");
      link.href = result.study_url;
      link.textContent = "Open study";
      cell(row, link);
    } else {
      cell(row, "");
    }
    body.appendChild(row);
  }

  function send(file, done, onProgress) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("files", file, file.name);
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.upload.onprogress = function (event) { if (event.lengthComputable) { onProgress(event.loaded); } };
    request.onload = function () {
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = {}; }
      if (request.status === 200 && answer.results) {
        done(answer.results);
      } else {
        done([{ filename: file.name, status: "rejected", status_label: "Rejected",
                reason: "upload_failed", message: answer.error || ("The server answered " + request.status) }]);
      }
    };
    request.onerror = function () {
      done([{ filename: file.name, status: "rejected", status_label: "Rejected",
              reason: "upload_failed", message: "The connection failed." }]);
    };
    request.send(data);
  }

  form.addEventListener("submit", function (event) {
    var files = chosenFiles();
    if (!files.length) { return; }  // let the server say what is missing
    event.preventDefault();
    var total = files.reduce(function (sum, file) { return sum + file.size; }, 0) || 1;
    var sent = 0, index = 0, processed = 0;
    body.innerHTML = "";
    results.hidden = false;
    summary.textContent = "";
    document.getElementById("upload-progress").hidden = false;
    form.querySelector("button[type=submit]").disabled = true;

    function showProgress(extra) {
      bar.value = Math.round(100 * (sent + extra) / total);
      barText.textContent = Math.min(index + 1, files.length) + " of " + files.length;
    }

    function next() {
      if (index >= files.length) {
        bar.value = 100;
        barText.textContent = "done";
        summary.textContent = processed + " file" + (processed === 1 ? "" : "s") + " processed.";
        form.querySelector("button[type=submit]").disabled = false;
        form.reset();
        return;
      }
      var file = files[index];
      showProgress(0);
      send(file, function (rows) {
        rows.forEach(addRow);
        processed += rows.length;
        sent += file.size;
        index += 1;
        next();
      }, showProgress);
    }
    next();
  });
})();
