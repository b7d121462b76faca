/* Strategy Handbook: draw every .hb-chart with vega-embed (served from the site,
   see vega.js). The spec, data inlined, sits in a JSON <script> inside the figure;
   the build-time SVG stays visible until the live chart has drawn, and in print.
   Runs on DOMContentLoaded and on Material's instant navigation (document$). */
(function () {
  "use strict";

  // The page's words, in its language (the build writes them into #hb-words).
  function word(key, fallback) {
    var source = document.getElementById("hb-words");
    try { return JSON.parse(source.textContent)[key] || fallback; } catch (e) { return fallback; }
  }

  function showError(figure, error) {
    figure.setAttribute("data-drawn", "error");
    var message = document.createElement("p");
    message.className = "hb-chart__error";
    message.setAttribute("role", "alert");
    message.textContent = word("chart_failed", "The chart could not be drawn: ") + (error && error.message ? error.message : String(error));
    figure.appendChild(message);
    console.error("Strategy Handbook: chart " + figure.id + " failed", error);
  }

  function draw(figure) {
    if (figure.hasAttribute("data-drawn")) {
      return;
    }
    figure.setAttribute("data-drawn", "drawing");
    var live = figure.querySelector(".hb-chart__live");
    var source = figure.querySelector("script.hb-chart__spec");
    var spec;
    try {
      if (typeof window.vegaEmbed !== "function") {
        throw new Error(word("no_runtime", "vegaEmbed did not load (assets/handbook/javascripts/vega.js)"));
      }
      spec = JSON.parse(source.textContent);
    } catch (error) {
      showError(figure, error);
      return;
    }
    window.vegaEmbed(live, spec, { renderer: "svg", actions: false, tooltip: true })
      .then(function (result) {
        figure.setAttribute("data-drawn", "true");
        figure._hbView = result.view;
      })
      .catch(function (error) {
        showError(figure, error);
      });
  }

  function drawAll() {
    var figures = document.querySelectorAll(".hb-chart");
    for (var i = 0; i < figures.length; i++) {
      draw(figures[i]);
    }
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(drawAll);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
