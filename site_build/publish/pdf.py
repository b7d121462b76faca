"""``handbook pdf``: the whole handbook of one build as one PDF, typeset by WeasyPrint.

WeasyPrint turns HTML and CSS into PDF in Python, with no browser: the cover,
the contents with page numbers (CSS ``target-counter``), bookmarks, links
inside the document, the stamp on every sheet and the charts' static SVGs as
vectors. Two runs over one build give the same bytes: the dates come from
the build and the file identifier from the document's content.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from site_build import fsutil, i18n
from site_build.errors import PublishError
from site_build.i18n import _
from site_build.publish import document, publishing
from site_build.publish.archive import slug
from site_build.publish.staging import shown, write_error

log = logging.getLogger("handbook.pdf")

#: fonts WeasyPrint finds through fontconfig; Debian and Ubuntu ship them as fonts-noto-cjk
CJK_FONT_HINT = "apt-get install fonts-noto-cjk (or any font with the handbook's script, named in pdf.css)"


@dataclass
class PdfResult:
    path: Path
    copy: Path
    pages: int
    seconds: float


def file_name(build: dict, name: str | None = None) -> str:
    """``<site>-<version>.pdf``, as the archive names its zip."""
    return f"{slug(name or build.get('site_name') or 'handbook')}-{build['version']}.pdf"


def write(site_dir, dist_dir, *, name: str | None = None) -> PdfResult:
    """Write ``dist_dir/<site>-<version>.pdf`` from the build in ``site_dir``, and the same file into the build.

    The copy in the build is what ``handbook publish`` and ``handbook archive``
    carry along, and what the version menu links.
    """
    site, dist = Path(site_dir), Path(dist_dir)
    build = publishing.read_build(site)
    if not build.get("pages"):
        raise PublishError(
            f"{shown(site)}/build.json lists no pages, so the PDF would be empty. "
            "Rebuild the site with this version of the handbook (handbook build), then run handbook pdf again."
        )
    started = time.perf_counter()
    with i18n.use(build.get("language") or i18n.SOURCE):
        html = document.document(site, build, stylesheet=_stylesheet(), stamp=_stamp(build))
    data, pages = _typeset(html, site)
    dest, copy = dist / file_name(build, name), site / file_name(build, name)
    for path in (dest, copy):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with fsutil.replacing(path, "wb") as handle:
                handle.write(data)
        except OSError as e:
            raise write_error(
                "Writing the PDF",
                e,
                at=path,
                kept=f"{shown(path)} holds what it held before.",
                elsewhere="write it to another disk with --dist DIR",
            ) from None
    return PdfResult(dest, copy, pages, time.perf_counter() - started)


def _stamp(build: dict) -> str:
    return _("%(site)s · Version %(version)s · Data as of %(date)s") % {
        "site": build.get("site_name") or "",
        "version": build["version"],
        "date": build.get("data_as_of") or "—",
    }


def _stylesheet() -> str:
    assets = resources.files("site_build.views") / "assets" / "stylesheets"
    ours = resources.files("site_build.publish") / "pdf.css"
    return (assets / "handbook.css").read_text(encoding="utf-8") + "\n" + ours.read_text(encoding="utf-8")


def _typeset(html: str, site: Path) -> tuple[bytes, int]:
    try:
        import weasyprint
    except ImportError as e:  # OSError too: WeasyPrint needs the Pango library
        raise PublishError(
            f"handbook pdf needs WeasyPrint and the Pango library it uses: {e}. "
            "Install the project again (make venv), and Pango with apt-get install libpango-1.0-0."
        ) from None
    except OSError as e:
        raise PublishError(
            f"WeasyPrint could not load the Pango library: {e}. Install it with apt-get install libpango-1.0-0."
        ) from None
    # Only the build's own folder: a page may not make the PDF read a file elsewhere or a URL.
    fetcher = _local_fetcher(site)
    rendered = weasyprint.HTML(string=html, base_url=site.resolve().as_uri() + "/", url_fetcher=fetcher).render()
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    data = rendered.write_pdf(pdf_identifier=identifier)
    if not _has_cjk_font(rendered, html):  # the document's fonts are known once it is written
        log.warning("No CJK font was found for the PDF's Chinese text; it may print as boxes. %s", CJK_FONT_HINT)
    return data, len(rendered.pages)


def _has_cjk_font(rendered, html: str) -> bool:
    import re

    if not re.search(r"[\u4e00-\u9fff]", html):
        return True
    names = [bytes(font.name or b"").decode("latin-1") for font in rendered.fonts.values()]
    return any("CJK" in name or "Han" in name or "Hei" in name or "Song" in name for name in names)


def _local_fetcher(site: Path):
    """WeasyPrint's fetcher, limited to data: URIs and the files of the build folder: never the network."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    root = site.resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file" and not Path(unquote(parts.path)).resolve().is_relative_to(root):
                raise ValueError(f"the PDF reads only files of the build, not {url}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols={"file", "data"}, timeout=5)
