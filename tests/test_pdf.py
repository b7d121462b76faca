"""``handbook pdf`` (issue 13): the shipped handbook as one PDF, read back.

One PDF is printed from the session's build and read once: its text page by
page and its images with PDFium (normalised to NFKC: a PDF may give CJK
compatibility forms such as ⽉ for 月), its outline and link annotations with pypdf.
"""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from site_build.cli import main
from site_build.publish import document
from tests.sitebuild import soup


def _pdf(project, dist: str):
    old = os.getcwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, ["pdf", "--dist", dist, "--json"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return project / json.loads(result.output.strip().splitlines()[-1])["pdf"]


def _flat(text: str) -> str:
    """Text without whitespace: a table header may wrap inside its cell."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def sheets(data: bytes) -> tuple[list[str], int]:
    """Each sheet's text (NFKC), and how many raster images the PDF holds, read with PDFium."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    texts, images = [], 0
    for page in doc:
        texts.append(unicodedata.normalize("NFKC", page.get_textpage().get_text_bounded()))
        images += len(list(page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,))))
    doc.close()
    return texts, images


def drawn_text(data: bytes) -> list[str]:
    """Per sheet, the text drawn inside form XObjects (WeasyPrint's SVG charts), glyph runs joined."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc, out = pdfium.PdfDocument(data), []
    for page in doc:
        textpage, glyphs = page.get_textpage(), []
        for obj in page.get_objects(max_depth=8, filter=(raw.FPDF_PAGEOBJ_TEXT,)):
            if obj.level == 0:
                continue
            size = raw.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
            buffer = ctypes.create_string_buffer(size)
            raw.FPDFTextObj_GetText(obj.raw, textpage.raw, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), size)
            glyphs.append(buffer.raw[: size - 2].decode("utf-16-le"))
        out.append("".join(glyphs))
    doc.close()
    return out


@pytest.fixture(scope="module")
def printed(handbook_project):
    # a second, separate process prints the same build meanwhile, on the other core
    again = subprocess.Popen(
        [sys.executable, "-m", "site_build", "pdf", "--dist", "dist-again", "--json"],
        cwd=handbook_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    path = _pdf(handbook_project, "dist")
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    pages, images = sheets(path.read_bytes())
    build = json.loads((handbook_project / "site" / "build.json").read_text(encoding="utf-8"))
    site = handbook_project / "site"
    yield {
        "path": path,
        "reader": reader,
        "pages": pages,
        "images": images,
        "build": build,
        "site": site,
        "again": again,
    }
    again.kill()


def test_the_cover_gives_title_version_data_date_and_status_summary(printed):
    build, cover = printed["build"], printed["pages"][0]
    assert build["site_name"] in cover and build["version"] in cover and build["data_as_of"] in cover
    statuses = [k["status"] for k in build["kpis"].values()]
    words = {"alert": "✖ 告警", "watch": "⚠ 关注", "on-track": "✔ 达标"}
    for status, word in words.items():
        assert f"{word} {statuses.count(status)}" in cover, (word, cover)
    assert f"本版共 {len(statuses)} 个指标" in cover


def test_every_sheet_carries_the_version_and_data_date(printed):
    build = printed["build"]
    stamp = f"版本 {build['version']} · 数据截至 {build['data_as_of']}"
    missing = [n for n, text in enumerate(printed["pages"], 1) if stamp not in text]
    assert missing == []
    assert len(printed["pages"]) > len(build["pages"])  # every page of the site, most on several sheets


def test_contents_list_every_chapter_in_nav_order_with_its_page_number(printed):
    build, pages = printed["build"], printed["pages"]
    contents = pages[1]
    titles = [p["title"] for p in build["pages"]]
    found = [contents.find(t) for t in titles]
    assert -1 not in found and found == sorted(found), titles
    for page in build["pages"]:  # the number in the contents is the sheet where the page's heading is
        number = int(re.search(re.escape(page["title"]) + r"[ .]*?(\d+)\s*$", contents, re.M).group(1))
        heading = soup(printed["site"] / page["path"]).select_one("article h1").get_text().strip("¶ ")
        assert _flat(heading) in _flat(pages[number - 1]), (page["title"], heading, number)
    outline = [item.title for item in printed["reader"].outline if not isinstance(item, list)]
    assert [t for t in outline if t in titles] == [t for t in titles if t in outline] and len(outline) >= len(titles)


def test_every_kpi_label_and_every_table_column_is_in_the_pdf(printed):
    text = _flat("".join(printed["pages"]))
    labels = {k["label"] for k in printed["build"]["kpis"].values()}
    assert [label for label in labels if _flat(label) not in text] == []
    missing = []
    for page in printed["build"]["pages"]:
        for th in soup(printed["site"] / page["path"]).select("article table thead th"):
            header = _flat(th.get("data-label") or th.get_text())
            if header and header not in text:
                missing.append(f"{page['path']}: {header}")
    assert missing == []


def test_charts_are_vectors_and_links_stay_inside_the_document(printed):
    reader = printed["reader"]
    assert printed["images"] == 0  # no raster image anywhere
    # the 月度销售额 chart is drawn, axis labels as text: searchable and selectable
    drawn = drawn_text(printed["path"].read_bytes())
    sheet = next(n for n, text in enumerate(printed["pages"]) if "月度销售额 近 24 个月" in text)
    assert "2024年11月" in drawn[sheet] and "¥60.0万" in drawn[sheet]
    internal = external = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            if annot.get_object().get("/Dest") is not None or action.get("/S") == "/GoTo":
                internal += 1
            elif action.get("/S") == "/URI":
                external += 1
    assert internal > len(printed["build"]["pages"]) and external == 0


def test_two_pdfs_of_one_build_are_byte_identical(printed, handbook_project):
    out, err = printed["again"].communicate(timeout=600)
    assert printed["again"].returncode == 0, err
    again = handbook_project / json.loads(out.strip().splitlines()[-1])["pdf"]
    assert again.name == printed["path"].name
    assert again.read_bytes() == printed["path"].read_bytes()
    # the copy in the build, which publish and archive carry, is the same file
    assert (printed["site"] / printed["path"].name).read_bytes() == printed["path"].read_bytes()
    shutil.rmtree(handbook_project / "dist-again")


def test_a_page_is_copied_as_escaped_text_with_its_links_kept_inside():
    page = (
        '<html><body><nav><a href="x.html">nav</a></nav><article class="md-content__inner md-typeset">'
        '<h1 id="t">标题</h1><p>&lt;img src=x onerror=alert(1)&gt; &amp; "引号"</p>'
        '<script>alert(1)</script><div class="hb-chart__live"><p>live</p></div>'
        '<a href="../b/c.html#sec">in</a> <a href="#t">here</a> <a href="javascript:alert(1)">js</a> '
        '<a href="../../etc/passwd">out</a> <a href="https://example.com/">web</a>'
        '<table><thead><tr><th><button class="hb-sort">列</button></th></tr></thead></table>'
        '<article class="hb-kpi"><p>卡片</p></article><p>后</p></article><p>页脚</p></body></html>'
    )
    parser = document._Article("a/page.html", {"a/page.html", "b/c.html"})
    parser.feed(page)
    body = "".join(parser.out)
    assert "&lt;img src=x onerror=alert(1)&gt; &amp;" in body and "<img" not in body
    assert "<script" not in body and "live" not in body and "nav" not in body and "页脚" not in body
    assert 'href="#p-b-c--sec"' in body and 'href="#p-a-page--t"' in body and 'id="p-a-page--t"' in body
    assert "javascript" not in body and "passwd" not in body and 'href="https://example.com/"' in body
    assert "<th>列</th>" in body and "button" not in body
    assert body.endswith("<p>后</p>")  # the nested card's </article> does not end the page


def test_the_pdf_reads_no_file_outside_the_build(tmp_path):
    from site_build.publish.pdf import _local_fetcher

    site = tmp_path / "site"
    site.mkdir()
    (site / "ok.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    fetch = _local_fetcher(site)
    response = fetch.fetch((site / "ok.svg").as_uri())
    assert b"<svg" in response.read()
    response.close()
    for url in [(tmp_path / "secret.txt").as_uri(), (site / ".." / "secret.txt").as_uri(), "http://127.0.0.1:9/x"]:
        with pytest.raises(ValueError):
            fetch.fetch(url)


def test_an_english_handbook_prints_in_english(tmp_path):
    from tests.sitebuild import build, copy_site

    project = copy_site("english", tmp_path / "project")
    assert build(project, today="2025-11-10").exit_code == 0
    path = _pdf(project, "dist")
    texts, images = sheets(path.read_bytes())
    build_json = json.loads((project / "site" / "build.json").read_text(encoding="utf-8"))
    assert "Contents" in texts[1] and "KPIs by status" in texts[0] and images == 0
    assert all(f"Version {build_json['version']} · Data as of {build_json['data_as_of']}" in t for t in texts)
    assert not re.search(r"[\u4e00-\u9fff]", "".join(texts))  # no Chinese word of the engine's


def test_pdf_of_a_missing_or_old_build_says_what_to_do(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["pdf", "--site", str(tmp_path / "nowhere"), "--dist", str(tmp_path / "dist")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output and "handbook build" in missing.output
    site = tmp_path / "site"
    site.mkdir()
    old = {"version": "2026.10.31-abcdef", "fingerprint": {"combined": "x"}, "kpis": {}}
    (site / "build.json").write_text(json.dumps(old), encoding="utf-8")
    (site / "index.html").write_text("<html></html>", encoding="utf-8")
    result = runner.invoke(main, ["pdf", "--site", str(site), "--dist", str(tmp_path / "dist")])
    assert result.exit_code == 1 and "lists no pages" in result.output and "Rebuild the site" in result.output
    assert not (tmp_path / "dist").exists()  # nothing written
