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

  // The wide-table hint above a table's box, past the filter box that may sit between them.
  function hintOf(box) {
    for (var e = box.previousElementSibling; e && /\bhb-(filter|table__more)\b/.test(e.className); e = e.previousElementSibling) {
      if (e.classList.contains("hb-table__more")) return e;
    }
    return null;
  }

  // A table wider than its column scrolls sideways: say so above it while it does.
  // Every table of the article, ours and Markdown's; one in a closed <details> is measured when it opens.
  function markWide() {
    var tables = document.querySelectorAll("article table");
    Array.prototype.forEach.call(tables, function (table) {
      // Material may wrap the table in its scroller after this runs: then measure against the parent
      var wrap = table.closest(".md-typeset__scrollwrap");
      var box = wrap || table;
      var room = wrap ? wrap.clientWidth : table.parentNode.clientWidth;
      var wide = table.getClientRects().length > 0 && Math.max(table.scrollWidth, box.scrollWidth) > room + 1;
      var hint = hintOf(box);
      if (wide && !hint) {
        hint = document.createElement("p");
        hint.className = "hb-table__more";
        hint.textContent = word("wide_table", "Scroll sideways to see every column →");
        box.parentNode.insertBefore(hint, box);
      } else if (!wide && hint) {
        hint.parentNode.removeChild(hint);
      }
    });
  }

  // -- CSV downloads: every table's rows and every chart's data, built in the page (works from file://) --

  function csvCell(value) {
    var text = value === null || value === undefined ? "" : String(value);
    // Data is untrusted: a text cell a spreadsheet would run as a formula is kept as text.
    if (/^[=+\-@\t\r]/.test(text) && isNaN(Number(text))) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function saveCsv(name, rows) {
    var csv = rows.map(function (row) { return row.map(csvCell).join(","); }).join("\r\n") + "\r\n";
    // The byte order mark makes Excel read the Chinese text as UTF-8.
    var url = URL.createObjectURL(new Blob(["\ufeff" + csv], { type: "text/csv;charset=utf-8" }));
    var link = document.createElement("a");
    link.href = url;
    link.download = name + ".csv";
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function tableRows(table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var numeric = heads.map(function (th) { return th.classList.contains("hb-num"); });
    var rows = [heads.map(function (th) { return th.getAttribute("data-label") || th.textContent.trim(); })];
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      rows.push(Array.prototype.map.call(tr.cells, function (td, i) {
        var raw = td.getAttribute("data-sort");
        if (raw === null) return td.textContent.trim();
        return numeric[i] && raw !== "" ? String(Number(raw)) : raw;
      }));
    });
    return rows;
  }

  function chartRows(figure) {
    var source = figure.querySelector("script.hb-chart__spec");
    if (!source) return null;
    var spec = JSON.parse(source.textContent);
    var sets = spec.datasets || {};
    var main = (spec.data && spec.data.name) || (spec.layer && spec.layer[0].data && spec.layer[0].data.name);
    var values = main ? sets[main] || [] : [].concat.apply([], Object.keys(sets).sort().map(function (k) { return sets[k]; }));
    if (!values.length) return null;
    var columns = Object.keys(values[0]).filter(function (key) { return key.indexOf("_text_") !== 0; });
    return [columns].concat(values.map(function (v) { return columns.map(function (c) { return v[c]; }); }));
  }

  function addDownload(figure, rows, name) {
    if (figure.querySelector(".hb-download") || !rows) return;
    var box = document.createElement("p");
    box.className = "hb-download";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "hb-download__button";
    button.textContent = word("download_csv", "Download CSV");
    button.addEventListener("click", function () { saveCsv(name, rows()); });
    box.appendChild(button);
    figure.appendChild(box);
  }

  function addDownloads() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.hb-table"), function (figure) {
      var tables = figure.querySelectorAll("table");
      var full = tables[tables.length - 1];  // with top/bottom ends, the folded table holds every row
      addDownload(figure, function () { return tableRows(full); }, figure.id || "table");
    });
    Array.prototype.forEach.call(document.querySelectorAll("figure.hb-chart"), function (figure) {
      if (!figure.querySelector("script.hb-chart__spec")) return;
      addDownload(figure, function () { return chartRows(figure); }, figure.id || "chart");
    });
  }

  // A table longer than a screen gets a filter box: rows that do not contain the text are hidden.
  var FILTER_FROM = 20;

  function addFilters() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.hb-table"), function (figure) {
      var tables = figure.querySelectorAll("table");
      var table = tables[tables.length - 1];
      if (figure.querySelector(".hb-filter") || !table.tBodies[0] || table.tBodies[0].rows.length <= FILTER_FROM) return;
      var input = document.createElement("input");
      input.type = "search";
      input.className = "hb-filter";
      input.placeholder = word("filter_rows", "Filter the rows…");
      input.setAttribute("aria-label", input.placeholder);
      input.addEventListener("input", function () {
        var needle = input.value.trim().toLowerCase();
        if (needle && table.closest("details")) table.closest("details").open = true;
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
        });
      });
      var box = table.closest("details") || figure.querySelector(".md-typeset__scrollwrap") || table;
      box.parentNode.insertBefore(input, box);
    });
  }

  function init() {
    markWide();
    addDownloads();
    addFilters();
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
  document.addEventListener("toggle", markWide, true);  // <details> does not bubble it
})();
