// Scroll a stack of slices with the keyboard or mouse wheel; the links and form work without it.
(function () {
  "use strict";
  var viewer = document.getElementById("stack-viewer");
  var data = document.getElementById("slice-urls");
  var image = document.getElementById("stack-image");
  if (!viewer || !data || !image) { return; }
  var slices = JSON.parse(data.textContent);
  var caption = document.getElementById("slice-caption");
  var query = "?window=" + encodeURIComponent(viewer.dataset.window) + "&size=" + viewer.dataset.size;
  var position = parseInt(viewer.dataset.slice, 10) || 1;
  var number = document.getElementById("slice-number");
  var input = document.getElementById("id_slice");

  function show(next) {
    next = Math.max(1, Math.min(slices.length, next));
    if (next === position) { return; }
    position = next;
    image.src = slices[position - 1].url + query;
    if (caption) { caption.textContent = slices[position - 1].caption; }
    image.alt = "Slice " + position;
    number.textContent = position;
    if (input) { input.value = position; }
    var kept = document.querySelector("#window-form input[name=slice]");
    if (kept) { kept.value = position; }
    var url = new URL(window.location.href);
    url.searchParams.set("slice", position);
    window.history.replaceState(null, "", url);
  }

  document.addEventListener("keydown", function (event) {
    if (event.target.tagName === "INPUT" || event.target.tagName === "SELECT") { return; }
    var steps = { ArrowUp: -1, ArrowLeft: -1, PageUp: -10, ArrowDown: 1, ArrowRight: 1, PageDown: 10 };
    if (event.key in steps) {
      event.preventDefault();
      show(position + steps[event.key]);
    } else if (event.key === "Home") {
      show(1);
    } else if (event.key === "End") {
      show(slices.length);
    }
  });
  image.addEventListener("wheel", function (event) {
    event.preventDefault();
    show(position + (event.deltaY > 0 ? 1 : -1));
  }, { passive: false });
  ["slice-previous", "slice-next", "slice-first", "slice-last"].forEach(function (id) {
    var link = document.getElementById(id);
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var target = { "slice-previous": position - 1, "slice-next": position + 1, "slice-first": 1, "slice-last": slices.length }[id];
      show(target);
    });
  });
})();
