// Draw each dashboard chart from its figure's JSON (built by plotly in Python) with plotly.js.
"use strict";
(function () {
  function draw() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll(".chart-plot[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.dataset.figure);
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(element, figure.data, figure.layout, {
        displayModeBar: false,
        responsive: true,
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
