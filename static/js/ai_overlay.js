// Lay each image's AI heat map over it (mammogram views, and the CT slice shown), with a toggle.
(function () {
  "use strict";
  var data = document.getElementById("ai-overlays");
  if (!data) { return; }
  var overlays = JSON.parse(data.textContent);
  var toggle = document.getElementById("ai-overlay-toggle");
  var FRAME_URL = /\/instances\/(\d+)\/frames\/(\d+)\.png/;

  function attach(image, url) {
    var host = image.parentElement;
    if (!host) { return null; }
    host.classList.add("ai-overlay-host");
    var overlay = host.querySelector("img.ai-overlay");
    if (!overlay) {
      overlay = document.createElement("img");
      overlay.className = "ai-overlay";
      overlay.alt = "";
      host.appendChild(overlay);
    }
    if (url) { overlay.src = url; overlay.hidden = false; } else { overlay.hidden = true; }
    return overlay;
  }

  // Mammograms: one overlay per hung view.
  document.querySelectorAll("figure.view[data-view]").forEach(function (figure) {
    var image = figure.querySelector("img");
    var url = overlays[figure.dataset.view];
    if (image && url) { attach(image, url); }
  });

  // A stack: the overlay follows the slice shown (instance id and frame in the image URL).
  var stack = document.getElementById("stack-image");
  function followSlice() {
    var match = FRAME_URL.exec(stack.getAttribute("src") || "");
    attach(stack, match ? overlays[match[1] + ":" + match[2]] || overlays[match[1]] : null);
  }
  if (stack) {
    followSlice();
    new MutationObserver(followSlice).observe(stack, { attributes: true, attributeFilter: ["src"] });
  }

  if (toggle) {
    toggle.addEventListener("change", function () {
      document.body.classList.toggle("ai-overlays-hidden", !toggle.checked);
    });
  }
})();
