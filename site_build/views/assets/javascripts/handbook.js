/* Strategy Handbook: sortable metric tables. Cells carry a data-sort key so that
   formatted numbers (¥1.2万, $2.5M, 30.0%) sort by value. Works with Material's instant
   navigation (document$) and without it. */
(function () {
  "use strict";

  function compare(a, b, numeric) {
    if (a === b) return 0;
    if (a === "") return 1;
    if (b === "") return -1;
    if (numeric) return parseFloat(a) - parseFloat(b);
    return a.localeCompare(b, document.documentElement.lang || undefined);
  }

  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var numeric = th.classList.contains("hb-num");
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var k1 = r1.cells[index].getAttribute("data-sort") || "";
      var k2 = r2.cells[index].getAttribute("data-sort") || "";
      var c = compare(k1, k2, numeric);
      return ascending ? c : -c;
    });
    Array.prototype.forEach.call(th.parentNode.children, function (other) {
      other.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  }

  // The page's words, in its language (the build writes them into #hb-words).
  function word(key, fallback) {
    var source = document.getElementById("hb-words");
    try { return JSON.parse(source.textContent)[key] || fallback; } catch (e) { return fallback; }
  }

  // A table wider than its column scrolls sideways: say so above it while it does.
  function markWide() {
    var figures = document.querySelectorAll("figure.hb-table");
    Array.prototype.forEach.call(figures, function (figure) {
      var table = figure.querySelector("table");
      var box = figure.querySelector(".md-typeset__scrollwrap") || figure;
      var wide = !!table && table.scrollWidth > box.clientWidth + 1;
      var hint = figure.querySelector(".hb-table__more");
      if (wide && !hint) {
        hint = document.createElement("p");
        hint.className = "hb-table__more";
        hint.textContent = word("wide_table", "Scroll sideways to see every column →");
        figure.insertBefore(hint, box === figure ? table : box);
      } else if (!wide && hint) {
        hint.parentNode.removeChild(hint);
      }
    });
  }

  function init() {
    markWide();
    var tables = document.querySelectorAll("figure.hb-table table:not([data-hb-ready])");
    Array.prototype.forEach.call(tables, function (table) {
      table.setAttribute("data-hb-ready", "true");
      var headers = table.tHead ? table.tHead.rows[0].cells : [];
      Array.prototype.forEach.call(headers, function (th, index) {
        var button = th.querySelector("button.hb-sort");
        if (button) button.addEventListener("click", function () { sortBy(table, index, th); });
      });
    });
  }

  window.handbookOnPage(init);  // page.js, loaded first
  window.addEventListener("resize", markWide);
})();
