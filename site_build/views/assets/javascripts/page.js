/* Strategy Handbook: run a script's init on every page view. With Material's
   instant navigation each page load emits on document$; without it (a page
   opened from disk, a page outside the theme), once the document is ready.
   Loaded before handbook.js and versions.js, which both use it. */
(function () {
  "use strict";

  window.handbookOnPage = function (init) {
    if (window.document$ && typeof window.document$.subscribe === "function") {
      window.document$.subscribe(init);
    } else if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", init);
    } else {
      init();
    }
  };
})();
