// Reading view: window presets, brightness/contrast, zoom and pan, the mammogram magnifier, CT
// slices, findings rows, shortcuts.
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
  // Zoom applies to every view; each view pans on its own (drag it), within what zoom uncovered.
  var pans = new Map();
  function panOf(host) { return pans.get(host) || { x: 0, y: 0 }; }
  function clampPan(host, pan) {
    var limitX = (host.offsetWidth * (zoom - 1)) / 2;
    var limitY = (host.offsetHeight * (zoom - 1)) / 2;
    return {
      x: Math.max(-limitX, Math.min(limitX, pan.x)),
      y: Math.max(-limitY, Math.min(limitY, pan.y)),
    };
  }
  function placeView(host) {
    var pan = clampPan(host, panOf(host));
    pans.set(host, pan);
    host.style.transform = zoom === 1 ? "" : "translate(" + pan.x + "px, " + pan.y + "px) scale(" + zoom + ")";
    host.dataset.panX = String(Math.round(pan.x));
    host.dataset.panY = String(Math.round(pan.y));
  }
  function applyLook() {
    var filter = "brightness(" + brightness.value / 100 + ") contrast(" + contrast.value / 100 + ")";
    frames.forEach(function (img) {
      img.style.filter = filter;
      placeView(img.parentElement);
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
  function resetView() {
    if (brightness) { brightness.value = 100; contrast.value = 100; }
    pans.clear();
    setZoom(1);
  }
  on("zoom-in", function () { setZoom(zoom + 0.5); });
  on("zoom-out", function () { setZoom(zoom - 0.5); });
  on("view-reset", resetView);

  frames.forEach(function (img) {
    var host = img.parentElement;
    var start = null;
    host.addEventListener("pointerdown", function (event) {
      if (zoom === 1 || event.button !== 0) { return; }
      event.preventDefault();
      var pan = panOf(host);
      start = { x: event.clientX - pan.x, y: event.clientY - pan.y };
      host.setPointerCapture(event.pointerId);
      host.classList.add("panning");
    });
    host.addEventListener("pointermove", function (event) {
      if (!start) { return; }
      pans.set(host, { x: event.clientX - start.x, y: event.clientY - start.y });
      placeView(host);
    });
    function stop() { start = null; host.classList.remove("panning"); }
    host.addEventListener("pointerup", stop);
    host.addEventListener("pointercancel", stop);
  });

  // Mammograms: a round magnifier follows the pointer over a view, showing it 2.5 times larger.
  var lens = document.getElementById("magnifier");
  var lensToggle = document.getElementById("magnifier-toggle");
  var LENS_POWER = 2.5;
  function shownArea(img) {
    // The drawn picture inside the element (object-fit: contain leaves bars on one axis).
    var box = img.getBoundingClientRect();
    var ratio = img.naturalWidth / img.naturalHeight || 1;
    var width = Math.min(box.width, box.height * ratio);
    var height = width / ratio;
    return { left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2, width: width, height: height };
  }
  function moveLens(event) {
    var img = event.currentTarget;
    var area = shownArea(img);
    var x = event.clientX - area.left;
    var y = event.clientY - area.top;
    if (x < 0 || y < 0 || x > area.width || y > area.height) { lens.hidden = true; return; }
    lens.hidden = false;
    var radius = lens.offsetWidth / 2;
    lens.style.left = event.clientX - radius + "px";
    lens.style.top = event.clientY - radius + "px";
    lens.style.backgroundImage = "url(\"" + img.currentSrc + "\")";
    lens.style.backgroundSize = area.width * LENS_POWER + "px " + area.height * LENS_POWER + "px";
    lens.style.backgroundPosition = radius - x * LENS_POWER + "px " + (radius - y * LENS_POWER) + "px";
    lens.style.filter = img.style.filter;
    lens.dataset.view = img.alt;
  }
  function hideLens() { lens.hidden = true; }
  function setMagnifier(enabled) {
    if (!lens || !lensToggle) { return; }
    lensToggle.setAttribute("aria-pressed", enabled ? "true" : "false");
    root.classList.toggle("magnifying", enabled);
    frames.forEach(function (img) {
      if (enabled) {
        img.addEventListener("pointermove", moveLens);
        img.addEventListener("pointerleave", hideLens);
      } else {
        img.removeEventListener("pointermove", moveLens);
        img.removeEventListener("pointerleave", hideLens);
      }
    });
    if (!enabled) { hideLens(); }
  }
  function toggleMagnifier() {
    if (lensToggle) { setMagnifier(lensToggle.getAttribute("aria-pressed") !== "true"); }
  }
  on("magnifier-toggle", toggleMagnifier);

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
    var password = form.elements.namedItem("password");
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
    } else if (event.key === "m") {
      toggleMagnifier();
    } else if (event.key === "0") {
      resetView();
    }
  });
})();
