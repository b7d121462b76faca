"""Pages made from a template per row of a query: real catalogue, DuckDB and MkDocs builds."""

import html
import shutil
from pathlib import Path

import pytest
import yaml

from site_build.errors import CatalogueError, MacroError
from site_build.macros import Handbook
from site_build.views.page_templates import generated_pages
from tests.sitebuild import build, copy_site, soup

BASIC = Path(__file__).parent / "sites" / "basic"


@pytest.fixture
def project(tmp_path):
    return copy_site("basic", tmp_path / "project")


def open_handbook(project: Path) -> Handbook:
    return Handbook.open(project / "data", cache_dir=None, validate=False)


def set_pages(project: Path, pages: list[dict]) -> None:
    path = project / "data" / "metrics.yml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue["pages"] = pages
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8")


def channel_pages(sql: str, template: str = "_templates/channel.md") -> list[dict]:
    return [{"id": "channel", "template": template, "path": "channels/{slug}.md", "sql": sql}]


def test_one_page_per_row_with_the_row_beside_the_page_not_in_it():
    hb = open_handbook(BASIC)
    try:
        pages = generated_pages(hb.catalogue, hb.session.engine, BASIC / "content")
    finally:
        hb.close()
    assert [(p.template_id, p.path, p.title) for p in pages] == [
        ("channel", "channels/jd.md", "京东"),
        ("channel", "channels/tmall.md", "天猫"),
    ]
    front, body = pages[1].content.removeprefix("---\n").split("---\n", 1)
    # the row is data: it reaches the template as page.meta.row from the host, never through the page source
    assert yaml.safe_load(front) == {"title": "天猫", "generated_from": "_templates/channel.md"}
    assert pages[1].row == {"channel": "天猫", "title": "天猫", "slug": "tmall"}
    # the body is the template verbatim, so an error's line number is the template's
    assert body == (BASIC / "content" / "_templates" / "channel.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "pages, expected",
    [
        (
            channel_pages("SELECT DISTINCT channel FROM traffic"),
            "page template 'channel': its query must return a 'slug' column (used in path 'channels/{slug}.md'). Columns: channel.",
        ),
        (
            channel_pages("SELECT DISTINCT channel, channel AS slug FROM traffic ORDER BY 1"),
            "page template 'channel': row 1 has slug '京东'; a slug becomes a file name, so use lower-case letters, digits, '-' and '_' (for example 'tmall').",
        ),
        (
            channel_pages("SELECT channel, 'same' AS slug FROM traffic GROUP BY 1 ORDER BY 1"),
            "page template 'channel': rows 1 and 2 both have slug 'same'. Make the slug unique, for example with GROUP BY.",
        ),
        (
            channel_pages("SELECT 'a' AS slug", template="_templates/missing.md"),
            "page template 'channel': template _templates/missing.md not found in ",
        ),
        (
            channel_pages("SELECT '../../outside' AS slug"),
            "page template 'channel': row 1 has slug '../../outside'; a slug becomes a file name",
        ),
        (
            channel_pages("SELECT '{{ 7*7 }}' AS slug"),
            "page template 'channel': row 1 has slug '{{ 7*7 }}'; a slug becomes a file name",
        ),
    ],
    ids=["no-slug", "bad-slug", "duplicate-slug", "missing-template", "slug-with-a-path", "slug-with-jinja"],
)
def test_mistakes_in_a_page_template_name_the_entry_and_the_fix(project, pages, expected):
    set_pages(project, pages)
    hb = open_handbook(project)
    try:
        with pytest.raises(CatalogueError) as info:
            generated_pages(hb.catalogue, hb.session.engine, project / "content")
    finally:
        hb.close()
    assert str(info.value).split(": ", 1)[1].startswith(expected)
    assert "metrics.yml:" in str(info.value).split(": ", 1)[0]


def test_a_title_from_data_is_text_in_the_page_source(project):
    set_pages(
        project, channel_pages("SELECT 'tmall' AS slug, '天猫 {{ 7*7 }} {% if x %}<b>&amp;</b>\n---\nrow: 1' AS title")
    )
    hb = open_handbook(project)
    try:
        (page,) = generated_pages(hb.catalogue, hb.session.engine, project / "content")
    finally:
        hb.close()
    front = yaml.safe_load(page.content.removeprefix("---\n").split("---\n", 1)[0])
    # no Jinja, HTML, entity or line break left for mkdocs-macros or the theme to act on
    assert front["title"].startswith("天猫 &#123;&#123; 7&#42;7 &#125;&#125;")
    assert not set(front["title"]) & set("{}<>\n") and "&amp;" not in front["title"]
    assert html.unescape(front["title"]) == page.title


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("path", "/tmp/outside/{slug}.md", "path '/tmp/outside/{slug}.md' is not a relative path."),
        ("path", "../outside/{slug}.md", "path '../outside/{slug}.md' leaves its folder with '..' or '.'."),
        ("path", "channels/./{slug}.md", "path 'channels/./{slug}.md' leaves its folder with '..' or '.'."),
        ("path", "channels\\..\\..\\{slug}.md", "path 'channels\\..\\..\\{slug}.md' is not a relative path."),
        ("template", "../README.md", "template '../README.md' is outside content/."),
        ("template", "/etc/hosts.md", "template '/etc/hosts.md' is outside content/."),
    ],
)
def test_page_template_paths_stay_inside_the_content_folder(project, monkeypatch, key, value, expected):
    monkeypatch.chdir(project)
    pages = channel_pages("SELECT 'tmall' AS slug")
    pages[0][key] = value
    set_pages(project, pages)
    hb = open_handbook(project)
    try:
        with pytest.raises(CatalogueError) as info:
            generated_pages(hb.catalogue, hb.session.engine, Path("content"))
    finally:
        hb.close()
    assert str(info.value).startswith(f"data/metrics.yml:{pages_line(project)}: page template 'channel': {expected}")


def test_a_template_symlinked_out_of_the_content_folder_is_refused(project, tmp_path, monkeypatch):
    monkeypatch.chdir(project)
    secret = tmp_path / "secret.md"
    secret.write_text("# secret\n", encoding="utf-8")
    (project / "content" / "_templates" / "link.md").symlink_to(secret)
    set_pages(project, channel_pages("SELECT 'tmall' AS slug", template="_templates/link.md"))
    hb = open_handbook(project)
    try:
        with pytest.raises(
            CatalogueError,
            match=r"template '_templates/link\.md' is outside content/\. Give a path relative to content/",
        ):
            generated_pages(hb.catalogue, hb.session.engine, Path("content"))
    finally:
        hb.close()


def test_a_build_with_a_page_path_outside_writes_nothing_there(project, tmp_path):
    outside = tmp_path / "outside"
    set_pages(
        project,
        channel_pages(
            "SELECT DISTINCT channel, CASE channel WHEN '天猫' THEN 'tmall' ELSE 'jd' END AS slug FROM traffic"
        ),
    )
    pages = yaml.safe_load((project / "data" / "metrics.yml").read_text(encoding="utf-8"))["pages"]
    pages[0]["path"] = str(outside / "{slug}.md")
    set_pages(project, pages)
    result = build(project)
    assert result.exit_code == 1
    assert f"path '{outside}/{{slug}}.md' is not a relative path." in result.output
    assert not outside.exists() and not (project / "site").exists()
    assert "Traceback" not in result.output


def pages_line(project: Path) -> int:
    lines = (project / "data" / "metrics.yml").read_text(encoding="utf-8").splitlines()
    return lines.index("pages:") + 2


def test_unknown_query_of_a_page_template_is_a_catalogue_error(project):
    set_pages(
        project,
        [{"id": "channel", "template": "_templates/channel.md", "path": "channels/{slug}.md", "query": "monthy"}],
    )
    with pytest.raises(
        CatalogueError, match=r"page template 'channel' uses unknown query 'monthy'\. Did you mean 'monthly'\?"
    ):
        open_handbook(project)


def test_page_links_to_an_unknown_template_suggests_the_known_ones():
    hb = open_handbook(BASIC)
    try:
        with pytest.raises(
            MacroError, match=r"page_links\('chanel'\): unknown page template\. Did you mean 'channel'\?"
        ):
            hb.page_links("chanel")
    finally:
        hb.close()


def test_built_pages_have_live_figures_links_and_sources(project):
    result = build(project)
    assert result.exit_code == 0, result.output
    site = project / "site"
    links = soup(site / "service.html").select(".hb-page-links a")
    assert [(a.get_text(), a["href"]) for a in links] == [("京东", "channels/jd.html"), ("天猫", "channels/tmall.html")]
    tmall = soup(site / "channels" / "tmall.html")
    assert tmall.select_one("article h1").get_text(strip=True).rstrip("¶") == "天猫渠道"
    assert tmall.select_one("title").get_text().startswith("天猫")
    rows = [[td.get_text() for td in tr.select("td")] for tr in tmall.select("figure.hb-table tbody tr")]
    jd_rows = [
        [td.get_text() for td in tr.select("td")]
        for tr in soup(site / "channels" / "jd.html").select("figure.hb-table tbody tr")
    ]
    assert rows and jd_rows and rows != jd_rows  # each page queried its own channel
    assert {a["href"] for a in tmall.select(".hb-sources a")} == {"../health.html#data-traffic"}
    assert tmall.select_one(".hb-chart")
    assert not (site / "_templates").exists()


def test_generated_pages_sit_after_their_folder_index_in_the_nav(project):
    (project / "content" / "channels").mkdir()
    (project / "content" / "channels" / "index.md").write_text(
        '# 渠道\n\n{{ page_links("channel") }}\n', encoding="utf-8"
    )
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "nav:" not in text
    config.write_text(
        text + "nav:\n  - index.md\n  - 渠道:\n      - channels/index.md\n  - service.md\n", encoding="utf-8"
    )
    result = build(project)
    assert result.exit_code == 0, result.output
    nav = soup(project / "site" / "channels" / "index.html").select("nav.md-nav--primary a.md-nav__link[href]")
    hrefs = [a["href"] for a in nav]
    assert (
        hrefs.index("jd.html") == hrefs.index("index.html") + 1
        and hrefs.index("tmall.html") == hrefs.index("jd.html") + 1
    )
    assert "- channels/jd.md" not in result.output  # MkDocs lists pages missing from the nav like this
    assert "- dictionary.md" in result.output  # … as it does for this page, which the test's nav leaves out


def test_nav_config_gains_generated_pages_after_their_index_once():
    from site_build.mkdocs.pages import nav_with_generated

    nav = ["index.md", {"渠道": [{"总览": "channels/index.md"}, "channels/jd.md"]}, {"服务": "service.md"}]
    assert nav_with_generated(nav, ["channels/jd.md", "channels/tmall.md", "other/x.md"]) == [
        "index.md",
        {"渠道": [{"总览": "channels/index.md"}, "channels/tmall.md", "channels/jd.md"]},
        {"服务": "service.md"},
    ]
    assert nav[1] == {
        "渠道": [{"总览": "channels/index.md"}, "channels/jd.md"]
    }  # the user's config is not changed in place


def test_a_failing_macro_on_a_generated_page_names_the_template(project):
    template = project / "content" / "_templates" / "channel.md"
    template.write_text(template.read_text(encoding="utf-8") + '\n{{ kpi("conversion") }}\n', encoding="utf-8")
    result = build(project)
    assert result.exit_code == 1, result.output
    assert (
        "channels/jd.md (made from _templates/channel.md): kpi('conversion') failed: Unknown KPI 'conversion'."
        in result.output
    )
    assert "Traceback" not in result.output


def test_an_unknown_macro_in_a_template_names_the_template_and_line(project):
    template = project / "content" / "_templates" / "channel.md"
    lines = template.read_text(encoding="utf-8").splitlines()
    template.write_text("\n".join([*lines, "", '{{ kip("conversion_rate") }}']) + "\n", encoding="utf-8")
    result = build(project)
    assert result.exit_code == 1, result.output
    assert (
        f"_templates/channel.md:{len(lines) + 2}: unknown macro or variable 'kip'. Did you mean 'kpi'?" in result.output
    )
    assert "Traceback" not in result.output


def test_a_page_template_may_not_overwrite_a_page(project):
    (project / "content" / "channels").mkdir()
    shutil.copy(project / "content" / "index.md", project / "content" / "channels" / "tmall.md")
    result = build(project)
    assert result.exit_code == 1, result.output
    assert "page template 'channel' would make channels/tmall.md, which already exists in content/" in result.output
