// Site-wide helpers: the header's menu button, and keyboard access to areas that scroll sideways.
(function () {
  "use strict";
  // On narrow screens the navigation folds away behind the menu button. Without the script the
  // navigation simply stays open (the CSS only folds it once this has run).
  var toggle = document.getElementById("menu-toggle");
  var menu = document.getElementById("site-menu");
  if (toggle && menu) {
    document.documentElement.classList.add("has-menu-toggle");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  }

  // A table wider than the screen scrolls inside its own box (the CSS makes narrow screens' tables
  // that box without the script); keyboard users reach the box with Tab and scroll it with arrows.
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.parentElement.closest(".table-scroll")) { return; }
    var box = document.createElement("div");
    box.className = "table-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
  function markScrollable() {
    document.querySelectorAll("main .table-scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible";
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "added";
      } else if (!scrolls && box.dataset.scrollFocus === "added") {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }
  markScrollable();
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.cancelAnimationFrame(pending); }
    pending = window.requestAnimationFrame(markScrollable);
  });
  window.addEventListener("load", markScrollable);
})();
