"""The breach digest: how the KPIs' statuses moved between two published versions.

``handbook publish`` writes it next to the version (``digest.md`` and
``digest.json``); ``handbook digest --since VERSION`` prints it for any two
published versions. A breach is a KPI in watch or alert. For each one the
digest says how long it has lasted (in versions and in periods), who owns it,
what to do, and where its chapter is.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from site_build import fsutil
from site_build.errors import PublishError, suggest
from site_build.i18n import _
from site_build.kpis.status import BREACH, status_words

#: how bad a status is; a move up this scale while in breach is a worsening
SEVERITY = {"no-data": 0, "on-track": 0, "watch": 1, "alert": 2}
#: the digest's groups, in the order it lists them
GROUPS = ("new", "worse", "resolved", "better", "ongoing")
#: what --fail-on accepts: fail when a new breach at this level or worse appears
FAIL_LEVELS = ("watch", "alert", "never")
_COUNTED = ("alert", "watch", "on-track", "no-data")


def digest(current: dict, previous: dict | None, older: list[dict], *, site_url: str | None = None) -> dict:
    """The digest of build manifest ``current`` against ``previous`` (None for the first version).

    ``older`` holds the manifests published before ``current``, newest first;
    they tell how many versions in a row a breach has lasted. Links go to
    ``site_url`` when the site has one, else they are relative to the publish tree.
    """
    now, before = current.get("kpis") or {}, (previous or {}).get("kpis") or {}
    groups: dict[str, list[dict]] = {g: [] for g in GROUPS}
    for kpi_id, kpi in now.items():
        old = before.get(kpi_id)
        group = _group(kpi, old)
        if group:
            groups[group].append(_item(kpi_id, kpi, old, current["version"], older, site_url))
    for items in groups.values():
        items.sort(key=lambda i: (-SEVERITY.get(i["status"], 0), i["label"] or ""))
    return {
        "version": current["version"],
        "data_as_of": current.get("data_as_of"),
        "site_name": current.get("site_name"),
        "previous": previous and {"version": previous["version"], "data_as_of": previous.get("data_as_of")},
        "counts": {s: sum(1 for k in now.values() if k.get("status") == s) for s in _COUNTED},
        "changed": any(groups[g] for g in ("new", "worse", "resolved", "better")),
        **groups,
    }


def _group(kpi: dict, old: dict | None) -> str | None:
    """new, resolved, worse, better or ongoing; None for a KPI that was and is out of breach."""
    status, before = str(kpi.get("status")), str((old or {}).get("status"))
    if status in BREACH and before not in BREACH:
        return "new"
    if status not in BREACH:
        return "resolved" if before in BREACH and status == "on-track" else None
    if SEVERITY.get(status, 0) != SEVERITY.get(before, 0):
        return "worse" if SEVERITY.get(status, 0) > SEVERITY.get(before, 0) else "better"
    value, was = kpi.get("value"), (old or {}).get("value")
    if value is None or was is None or value == was:
        return "ongoing"
    return "worse" if (value < was) == (kpi.get("direction") == "higher") else "better"


def _item(kpi_id: str, kpi: dict, old: dict | None, version: str, older: list[dict], site_url: str | None) -> dict:
    section = kpi.get("section") or ""
    chapter = section.replace(".md", ".html", 1) if section else None
    in_breach = kpi.get("status") in BREACH
    return {
        "id": kpi_id,
        "label": kpi.get("label"),
        "status": kpi.get("status"),
        "previous_status": (old or {}).get("status"),
        "display": kpi.get("display"),
        "previous_display": (old or {}).get("display"),
        "target_display": kpi.get("target_display"),
        "period": kpi.get("period"),
        "owner": kpi.get("owner"),
        "play": kpi.get("play"),
        "chapter": chapter,
        "url": _url(site_url, version, chapter) if chapter else None,
        "versions_in_breach": _versions_in_breach(kpi_id, older) + 1 if in_breach else 0,
        "periods_in_breach": (kpi.get("breach_periods") or 1) if in_breach else 0,
    }


def _versions_in_breach(kpi_id: str, older: list[dict]) -> int:
    count = 0
    for build in older:
        if ((build.get("kpis") or {}).get(kpi_id) or {}).get("status") not in BREACH:
            break
        count += 1
    return count


def _url(site_url: str | None, version: str, chapter: str) -> str:
    """The chapter in the published version: absolute under site_url, else relative to the publish tree."""
    path = f"{version}/{chapter}"
    return f"{site_url.rstrip('/')}/{path}" if site_url else path


def failing(result: dict, level: str) -> list[dict]:
    """The new breaches at ``level`` or worse (a KPI that went from watch to alert counts for alert).

    What ``--fail-on LEVEL`` fails the command for; ``never`` fails for nothing.
    """
    if level == "never":
        return []
    escalated = [i for i in result["worse"] if i["status"] == "alert" and i["previous_status"] != "alert"]
    return [i for i in result["new"] + escalated if SEVERITY[i["status"]] >= SEVERITY[level]]


def markdown(result: dict) -> str:
    """The digest as Markdown: a headline, the status counts, then a table per group that has KPIs.

    Every value from the data is written as inert text: no link, HTML or table break can come from it.
    """
    previous = result["previous"]
    against = (
        _("version %(version)s (data as of %(date)s)")
        % {"version": _md(previous["version"]), "date": previous.get("data_as_of") or "—"}
        if previous
        else _("no earlier version")
    )
    title = _("KPI digest")
    lines = [
        f"# {title}: {_md(result.get('site_name') or '')} {_md(result['version'])}",
        "",
        _("Data as of %(date)s, compared with %(previous)s.")
        % {"date": result.get("data_as_of") or "—", "previous": against},
        "",
        " · ".join(f"{status_words(s)} {n}" for s, n in result["counts"].items() if n),
        "",
    ]
    if not result["changed"]:
        lines += [_("No KPI entered, left or moved within a breach since the previous version."), ""]
    for group in GROUPS:
        if result[group]:
            lines += _table(group, result[group])
    return "\n".join(lines)


def _table(group: str, items: list[dict]) -> list[str]:
    titles = {
        "new": _("New breaches"),
        "worse": _("Worse while in breach"),
        "resolved": _("Breaches resolved"),
        "better": _("Better while in breach"),
        "ongoing": _("Still in breach, unchanged"),
    }
    header = [_("Status"), _("KPI"), _("Value"), _("Before"), _("Target"), _("In breach for"), _("Owner"), _("Play")]
    lines = [f"## {titles[group]} ({len(items)})", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i in items:
        lasted = (
            _("%(versions)s versions, %(periods)s periods")
            % {"versions": i["versions_in_breach"], "periods": i["periods_in_breach"]}
            if i["versions_in_breach"]
            else "—"
        )
        label = f"[{_md(i['label'])}]({_href(i)})" if i["chapter"] else _md(i["label"])
        cells = [status_words(i["status"]), label, _md(i["display"]), _md(i["previous_display"])]
        cells += [_md(i["target_display"]), lasted, _md(i["owner"]), _md(i["play"])]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _href(item: dict) -> str:
    """The chapter's link from digest.md: the published URL under site_url, else a path beside the digest."""
    url = item["url"] if "://" in (item["url"] or "") else item["chapter"]
    # percent-encoded: no space, bracket or parenthesis can end the link early
    return quote(url, safe="/:#?&=%~+-._,;@!$'*")


def _md(text) -> str:
    """A cell's text, inert in Markdown: no table break, link, emphasis or HTML."""
    if text is None or text == "":
        return "—"
    out = str(text).replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")
    for ch in "|<>[]()`*_#!&":
        out = out.replace(ch, "\\" + ch)
    return out


def between(public_dir, *, version: str | None = None, since: str | None = None) -> dict:
    """The digest of a published ``version`` (default: the newest) against ``since`` (default: the one before it)."""
    from site_build.publish import published

    public = Path(public_dir)
    listed = published.builds(public)
    versions = [entry["version"] for entry, _ in listed]
    if not listed:
        raise PublishError(f"Nothing is published in {public}/: run handbook publish first, or pass --public DIR.")
    version = version or versions[0]
    for name, option in ((version, "--version"), (since, "--since")):
        if name is not None and name not in versions:
            raise PublishError(
                f"{option} {name}: no such version in {public}/versions.json. {suggest(name, versions, noun='version')}"
            )
    index = versions.index(version)
    older = [build for _, build in listed[index + 1 :]]
    if since is None:
        previous = older[0] if older else None
    elif versions.index(since) <= index:
        raise PublishError(
            f"--since {since} is not older than {version}: pass a version published before it "
            f"({', '.join(versions[index + 1 :][:5]) or 'there is none'})."
        )
    else:
        previous = listed[versions.index(since)][1]
    current = listed[index][1]
    return digest(current, previous, older, site_url=current.get("site_url"))


def write(folder: Path, result: dict) -> tuple[Path, Path]:
    """``digest.json`` and ``digest.md`` in ``folder``, each written whole or not at all."""
    paths = (folder / "digest.json", folder / "digest.md")
    texts = (json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n", markdown(result))
    for path, text in zip(paths, texts, strict=True):
        with fsutil.replacing(path, "w") as handle:
            handle.write(text)
    return paths
