// Reading view: window presets, brightness/contrast, zoom, CT slices, findings rows, shortcuts.
// Every form works without it; the script only makes the common actions quicker.
(function () {
  "use strict";
  var printButton = document.getElementById("print-report");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
  var root = document.getElementById("reading");
  if (!root) { return; }

  var size = root.dataset.windowSize;
  var windowSelect = document.getElementById("id_window");
  var frames = Array.prototype.slice.call(root.querySelectorAll("img.frame"));
  var brightness = document.getElementById("adjust-brightness");
  var contrast = document.getElementById("adjust-contrast");
  var zoomLevel = document.getElementById("zoom-level");
  var zoom = 1;

  function frameSrc(url) {
    return url + "?window=" + encodeURIComponent(windowSelect ? windowSelect.value : "default") + "&size=" + size;
  }

  // Presets change the window on the server; the sliders fine-tune the rendered image.
  if (windowSelect) {
    windowSelect.addEventListener("change", function () {
      frames.forEach(function (img) { img.src = frameSrc(img.dataset.frameUrl); });
    });
  }
  function applyLook() {
    var filter = "brightness(" + brightness.value / 100 + ") contrast(" + contrast.value / 100 + ")";
    frames.forEach(function (img) {
      img.style.filter = filter;
      var host = img.parentElement;
      host.style.transform = zoom === 1 ? "" : "scale(" + zoom + ")";
    });
    if (zoomLevel) { zoomLevel.textContent = Math.round(zoom * 100) + "%"; }
    root.classList.toggle("zoomed", zoom > 1);
  }
  function setZoom(next) { zoom = Math.max(1, Math.min(4, next)); applyLook(); }
  if (brightness && contrast) {
    brightness.addEventListener("input", applyLook);
    contrast.addEventListener("input", applyLook);
  }
  function on(id, handler) {
    var element = document.getElementById(id);
    if (element) { element.addEventListener("click", handler); }
  }
  on("zoom-in", function () { setZoom(zoom + 0.5); });
  on("zoom-out", function () { setZoom(zoom - 0.5); });
  on("view-reset", function () {
    if (brightness) { brightness.value = 100; contrast.value = 100; }
    setZoom(1);
  });

  // CT: one slice at a time, the heat map overlay follows (ai_overlay.js watches the src).
  var stack = document.getElementById("stack-image");
  var sliceData = document.getElementById("slice-urls");
  var position = 1;
  var slices = sliceData ? JSON.parse(sliceData.textContent) : [];
  function showSlice(next) {
    if (!stack || !slices.length) { return; }
    next = Math.max(1, Math.min(slices.length, next));
    if (next === position) { return; }
    position = next;
    stack.dataset.frameUrl = slices[position - 1].url;
    stack.src = frameSrc(stack.dataset.frameUrl);
    stack.alt = "Slice " + position;
    document.getElementById("slice-number").textContent = position;
    document.getElementById("slice-caption").textContent = slices[position - 1].caption;
    var range = document.getElementById("slice-range");
    if (range) { range.value = position; }
  }
  on("slice-previous", function () { showSlice(position - 1); });
  on("slice-next", function () { showSlice(position + 1); });
  var sliceRange = document.getElementById("slice-range");
  if (sliceRange) { sliceRange.addEventListener("input", function () { showSlice(parseInt(sliceRange.value, 10)); }); }
  if (stack) {
    stack.addEventListener("wheel", function (event) {
      event.preventDefault();
      showSlice(position + (event.deltaY > 0 ? 1 : -1));
    }, { passive: false });
  }

  // Findings: add rows from the formset's empty form.
  document.querySelectorAll("fieldset.findings-formset").forEach(function (fieldset) {
    var prefix = fieldset.dataset.prefix;
    var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var template = fieldset.querySelector("template.finding-template");
    var rows = fieldset.querySelector(".finding-rows");
    var add = fieldset.querySelector("button.add-finding");
    add.addEventListener("click", function () {
      var count = parseInt(total.value, 10);
      if (count >= parseInt(fieldset.dataset.max, 10)) { return; }
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(count)));
      total.value = count + 1;
    });
  });

  // "Sign as normal": a routine result with the normal category everywhere, then the password.
  function signAsNormal() {
    var form = document.getElementById("sign-form");
    if (!form) { return; }
    var routine = form.querySelector("input[name='result'][value='routine']");
    if (routine) { routine.checked = true; }
    form.querySelectorAll("select[name^='category_']").forEach(function (select) {
      select.value = root.dataset.normalCategory;
    });
    var password = form.querySelector("input[name='password']");
    if (password) { password.focus(); }
  }
  on("sign-as-normal", signAsNormal);

  function toggleOverlay() {
    var toggle = document.getElementById("ai-overlay-toggle");
    if (!toggle) { return; }
    toggle.checked = !toggle.checked;
    toggle.dispatchEvent(new Event("change"));
  }

  document.addEventListener("keydown", function (event) {
    var tag = event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || event.target.isContentEditable) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var steps = { ArrowUp: -1, ArrowLeft: -1, PageUp: -10, ArrowDown: 1, ArrowRight: 1, PageDown: 10 };
    if (stack && event.key in steps) {
      event.preventDefault();
      showSlice(position + steps[event.key]);
    } else if (event.key === "n") {
      window.location.href = root.dataset.nextUrl;
    } else if (event.key === "o") {
      toggleOverlay();
    } else if (event.key === "s") {
      event.preventDefault();
      signAsNormal();
    } else if (event.key === "+" || event.key === "=") {
      setZoom(zoom + 0.5);
    } else if (event.key === "-") {
      setZoom(zoom - 0.5);
    }
  });
})();
