// Charts: a <canvas data-chart='{"type": …, "data": …, "options": …}'> becomes a Chart.js
// chart when the page loads and whenever HTMX swaps new content in. The configuration is
// plain JSON written by the server, so a chart shows exactly the figures of the table
// beside it.
(function () {
  function draw(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas._chart) { canvas._chart.destroy(); }
      var config = JSON.parse(canvas.getAttribute("data-chart"));
      config.options = Object.assign({responsive: true, maintainAspectRatio: false,
                                      animation: false}, config.options || {});
      canvas._chart = new Chart(canvas, config);
      canvas.setAttribute("data-drawn", "1");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
