// Upload chosen files in batches (at most data-max-files files and data-batch-megabytes MB per
// request; each request is stored as one intake batch), with a progress bar, then list each
// file's result. Without this script the form posts all files at once and the server renders
// the same table.
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
  var maxFiles = parseInt(form.dataset.maxFiles, 10) || 1;
  var maxBytes = (parseInt(form.dataset.batchMegabytes, 10) || 1) * 1024 * 1024;

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

  // Consecutive files grouped within the limits; a file larger than maxBytes goes alone.
  function batches(files) {
    var groups = [], size = 0;
    files.forEach(function (file) {
      var last = groups[groups.length - 1];
      if (!last || last.length >= maxFiles || (last.length && size + file.size > maxBytes)) {
        last = [];
        groups.push(last);
        size = 0;
      }
      last.push(file);
      size += file.size;
    });
    return groups;
  }

  function failed(batch, message) {
    return batch.map(function (file) {
      return { filename: file.name, status: "rejected", status_label: "Rejected",
               reason: "upload_failed", message: message };
    });
  }

  function send(batch, done, onProgress) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    batch.forEach(function (file) { data.append("files", file, file.name); });
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
        done(failed(batch, answer.error || ("The server answered " + request.status)));
      }
    };
    request.onerror = function () { done(failed(batch, "The connection failed.")); };
    request.send(data);
  }

  form.addEventListener("submit", function (event) {
    var files = chosenFiles();
    if (!files.length) { return; }  // let the server say what is missing
    event.preventDefault();
    var total = files.reduce(function (sum, file) { return sum + file.size; }, 0) || 1;
    var groups = batches(files);
    var sent = 0, index = 0, done = 0, processed = 0;
    body.innerHTML = "";
    results.hidden = false;
    summary.textContent = "";
    document.getElementById("upload-progress").hidden = false;
    form.querySelector("button[type=submit]").disabled = true;

    function showProgress(extra) {
      bar.value = Math.round(100 * (sent + extra) / total);
      barText.textContent = Math.min(done + groups[Math.min(index, groups.length - 1)].length, files.length) +
        " of " + files.length;
    }

    function next() {
      if (index >= groups.length) {
        bar.value = 100;
        barText.textContent = "done";
        summary.textContent = processed + " file" + (processed === 1 ? "" : "s") + " processed.";
        form.querySelector("button[type=submit]").disabled = false;
        form.reset();
        return;
      }
      var batch = groups[index];
      showProgress(0);
      send(batch, function (rows) {
        rows.forEach(addRow);
        processed += rows.length;
        sent += batch.reduce(function (sum, file) { return sum + file.size; }, 0);
        done += batch.length;
        index += 1;
        next();
      }, showProgress);
    }
    next();
  });
})();
