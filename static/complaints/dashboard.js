/* The dashboard's charts. Each <canvas data-chart="ID"> is drawn from the JSON in
 * <script id="ID" type="application/json"> (Django's json_script); the same
 * numbers are in the table that follows each chart. Chart.js is vendored under
 * static/vendor/chartjs/. */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return;
  }

  // Okabe–Ito: distinguishable with the common colour-vision deficiencies.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function readSpec(id) {
    var element = document.getElementById(id);
    if (!element) {
      return null;
    }
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  function draw(canvas) {
    var spec = readSpec(canvas.getAttribute("data-chart"));
    if (!spec) {
      return;
    }
    var single = spec.datasets.length === 1;
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = PALETTE[index % PALETTE.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: spec.type === "line" ? 2 : 0,
        tension: 0,
        spanGaps: false
      };
    });
    var valueAxis = { beginAtZero: true, ticks: { precision: 0 } };
    if (spec.percent) {
      valueAxis.max = 100;
      valueAxis.ticks = {
        callback: function (value) { return value + "%"; }
      };
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        scales: { y: valueAxis },
        plugins: {
          legend: { display: !single },
          tooltip: {
            callbacks: spec.percent ? {
              label: function (context) {
                var value = context.parsed.y;
                return context.dataset.label + "：" + (value === null ? "—" : value + "%");
              }
            } : {}
          }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
