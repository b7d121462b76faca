/* Strategy Handbook: version switcher that also works from disk (file://).

   The page names its own version in <meta name="handbook-version"> (and its
   data date in <meta name="handbook-data-as-of">). The list of versions comes
   from ../versions.js, which `handbook publish` and `handbook archive` write
   next to the version folders: a <script> tag may load it from file://,
   where fetch() of versions.json is blocked. Over http, when ../versions.js
   is missing, it falls back to ../versions.json (mike's format).

   Only a site whose root folder is named after its version (a publish tree
   or an unzipped archive) looks for the list; a plain site/ shows its own
   version and requests nothing, so `handbook serve` logs no 404. */
(function () {
  "use strict";

  // The page's words, in its language (the build writes them into #hb-words).
  function word(key, fallback) {
    var source = document.getElementById("hb-words");
    try { return JSON.parse(source.textContent)[key] || fallback; } catch (e) { return fallback; }
  }

  var script = document.currentScript;
  var SELF = /assets\/handbook\/javascripts\/versions\.js(?:[?#].*)?$/;

  function meta(name) {
    var node = document.querySelector('meta[name="' + name + '"]');
    return node ? node.getAttribute("content") : null;
  }

  // The site root, as an absolute URL ending in "/": this script lives at a known place under it.
  function siteRoot() {
    var src = script && script.src;
    if (src && SELF.test(src)) return src.replace(SELF, "");
    var config = document.getElementById("__config");
    if (config) {
      try { return new URL(JSON.parse(config.textContent).base.replace(/\/?$/, "/"), location.href).href; } catch (e) { /* fall through */ }
    }
    return new URL("./", location.href).href;
  }

  function inPublishTree(root, version) {
    var parts = new URL(root).pathname.replace(/\/+$/, "").split("/");
    return decodeURIComponent(parts[parts.length - 1]) === version;
  }

  function loadVersions(root, done) {
    if (Array.isArray(window.__HANDBOOK_VERSIONS__)) {
      done(window.__HANDBOOK_VERSIONS__, window.__HANDBOOK_PAGES__ || null);
      return;
    }
    var tag = document.createElement("script");
    tag.src = new URL("../versions.js", root).href;
    tag.onload = function () {
      done(Array.isArray(window.__HANDBOOK_VERSIONS__) ? window.__HANDBOOK_VERSIONS__ : null, window.__HANDBOOK_PAGES__ || null);
    };
    tag.onerror = function () {
      if (location.protocol === "file:" || !window.fetch) { done(null, null); return; }
      fetch(new URL("../versions.json", root).href)
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (list) { done(Array.isArray(list) ? list : null, null); }, function () { done(null, null); });
    };
    document.head.appendChild(tag);
  }

  // This page's path under the site root, e.g. "kpis/conversion.html".
  function pagePath(root) {
    var here = location.href.split("#")[0].split("?")[0];
    var rel = here.indexOf(root) === 0 ? here.slice(root.length) : "";
    return rel === "" || /\/$/.test(rel) ? rel + "index.html" : decodeURI(rel);
  }

  function targetHref(root, entry, current, page, pages) {
    if (entry.version === current) return new URL(encodeURI(page), root).href;
    var list = pages && pages[entry.version];
    var path = list && list.indexOf(page) >= 0 ? page : "index.html";
    return new URL("../" + encodeURIComponent(entry.version) + "/" + encodeURI(path), root).href;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function dataDate(entry) {
    return (entry.properties && entry.properties.data_as_of) || "";
  }

  // On an older version, a note at the top of the page links to the same page in the newest one.
  function noteIfOld(entries, pages, root, current) {
    var previous = document.querySelector(".hb-oldversion");
    if (previous) previous.parentNode.removeChild(previous);
    var newest = entries[0];
    var active = entries.filter(function (e) { return e.version === current; })[0];
    if (!newest || !active || newest.version === current) return;
    var note = element("p", "hb-oldversion");
    note.setAttribute("role", "note");
    note.appendChild(document.createTextNode(
      word("old_version", "This is an older version, %(version)s (data as of %(date)s). ")
        .replace("%(version)s", active.title || active.version).replace("%(date)s", dataDate(active) || "—")));
    var link = element("a", "hb-oldversion__link", word("newest_version", "Go to the newest version, %(version)s →")
      .replace("%(version)s", newest.title || newest.version));
    link.href = targetHref(root, newest, current, pagePath(root), pages);
    note.appendChild(link);
    var place = document.querySelector(".md-content__inner") || document.querySelector("main") || document.body;
    place.insertBefore(note, place.firstChild);
  }

  function render(entries, pages, root, current) {
    noteIfOld(entries, pages, root, current);
    var old = document.querySelector(".hb-versions");
    if (old) old.parentNode.removeChild(old);
    var active = entries.filter(function (e) { return e.version === current; })[0];
    var box = element("div", "md-version hb-versions");
    box.setAttribute("data-hb-versions", String(entries.length));
    var button = element("button", "md-version__current hb-versions__current", active.title || active.version);
    button.type = "button";
    // The accessible name must contain the visible text (WCAG 2.5.3): "Version <id>", not just "Choose a version".
    button.setAttribute("aria-label", word("choose_version", "Version %(version)s, choose another version")
      .replace("%(version)s", active.title || active.version));
    if (dataDate(active)) button.title = word("data_as_of", "Data as of") + " " + dataDate(active);
    box.appendChild(button);
    var list = element("ul", "md-version__list hb-versions__list");
    var page = pagePath(root);
    entries.forEach(function (entry, index) {
      var item = element("li", "md-version__item hb-versions__item");
      var link = element("a", "md-version__link hb-versions__link");
      link.href = targetHref(root, entry, current, page, pages);
      link.setAttribute("data-version", entry.version);
      link.appendChild(element("span", "hb-versions__title", entry.title || entry.version));
      if (index === 0 && entries.length > 1) link.appendChild(element("span", "hb-versions__latest", word("latest", "latest")));
      if (dataDate(entry)) {
        link.appendChild(element("span", "hb-versions__date", word("data_as_of", "Data as of") + " " + dataDate(entry)));
      }
      if (entry.version === current) {
        link.className += " hb-versions__link--current";
        link.setAttribute("aria-current", "page");
      }
      item.appendChild(link);
      var pdf = entry.properties && entry.properties.pdf;
      if (pdf) {  // handbook pdf wrote the whole version as one PDF beside its pages
        var file = element("a", "md-version__link hb-versions__pdf", word("pdf", "PDF"));
        file.href = new URL("../" + encodeURIComponent(entry.version) + "/" + encodeURIComponent(pdf), root).href;
        file.setAttribute("aria-label", word("pdf_of", "PDF of version %(version)s").replace("%(version)s", entry.title || entry.version));
        item.appendChild(file);
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    var topic = document.querySelector(".md-header__topic");
    if (topic) {
      topic.appendChild(box);
    } else {
      box.className += " hb-versions--floating";
      document.body.insertBefore(box, document.body.firstChild);
    }
  }

  function init() {
    var current = meta("handbook-version");
    if (!current) return;
    var own = { version: current, title: current, aliases: [], properties: { data_as_of: meta("handbook-data-as-of") } };
    var root = siteRoot();
    if (!inPublishTree(root, current)) {
      render([own], null, root, current);
      return;
    }
    loadVersions(root, function (entries, pages) {
      entries = entries && entries.length ? entries.slice() : [own];
      if (!entries.some(function (e) { return e.version === current; })) entries.push(own);
      render(entries, pages, root, current);
    });
  }

  window.handbookOnPage(init);  // page.js, loaded first
})();
