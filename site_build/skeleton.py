"""``handbook new``: a complete, minimal handbook project that builds at once.

It writes what a team needs to start: ``mkdocs.yml`` with everything the
engine needs, the ``macros/`` module, a data package with a sample CSV and
three KPIs, a chapter and the action, dictionary and data-health pages, a
Makefile and a CI workflow; ``--example`` adds a page that shows every macro.
The words are in the chosen language, the money in the chosen currency. The
sample data end with last month, so the new handbook is fresh the day it is
made. An existing folder with anything in it is refused: nothing is ever
overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import string
from importlib import resources
from pathlib import Path

from site_build import cldr, fsutil, i18n, periods
from site_build.errors import ConfigError, WriteError

#: skeleton file (under site_build/skeleton/) -> where it goes in the new project
_COMMON = {
    "common/mkdocs.yml": "mkdocs.yml",
    "common/macros_init.py.txt": "macros/__init__.py",
    "common/datapackage.json": "data/datapackage.json",
    "common/Makefile": "Makefile",
    "common/gitignore": ".gitignore",
    "common/workflows/handbook.yml": ".github/workflows/handbook.yml",
}
_PAGES = ("index.md", "playbook.md", "actions.md", "dictionary.md", "health.md")


def create(
    folder: Path, *, language: str, currency: str, example: bool = False, today: dt.date | None = None
) -> list[Path]:
    """Write a new project into ``folder`` (new or empty); return the files written."""
    language = i18n.language_of(language)
    if not cldr.is_currency_code(currency):
        raise ConfigError(f"--currency {currency}: not an ISO 4217 currency code. Use one such as USD, EUR or CNY.")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(
            f"{folder} already exists and is not empty: handbook new writes into a new or empty folder, and never "
            "overwrites. Choose another folder name."
        )
    title = _title(folder, language)
    # YAML gets the name quoted (a folder named "a: b" stays one value); the home page gets it as written
    yaml_values = {
        "site_name": json.dumps(title, ensure_ascii=False),
        "language": language,
        "currency": currency.upper(),
    }
    files = {dest: _read(src) for src, dest in _COMMON.items()}
    files.update({f"content/{page}": _read(f"{language}/content/{page}") for page in _PAGES})
    files["data/metrics.yml"] = _read(f"{language}/metrics.yml")
    files["data/orders.csv"] = sample_orders(today or dt.date.today())
    if example:
        files["content/examples.md"] = _read(f"{language}/examples.md")
        files["mkdocs.yml"] = files["mkdocs.yml"].replace("  - health.md\n", "  - health.md\n  - examples.md\n")
    written = []
    try:
        for dest, text in files.items():
            path = folder / dest
            path.parent.mkdir(parents=True, exist_ok=True)
            if dest.endswith(".yml"):
                text = string.Template(text).safe_substitute(yaml_values)
            elif dest == "content/index.md":
                text = string.Template(text).safe_substitute(site_name=title)
            fsutil.atomic_write_text(path, text)
            written.append(path)
    except OSError as e:
        raise WriteError(f"Could not write {folder}: {e}. Nothing else was changed; remove {folder} and retry.") from e
    return written


def sample_orders(today: dt.date, months: int = 24) -> str:
    """Two regions' orders on the 1st and 15th of each of the ``months`` months before ``today``'s month."""
    rng = random.Random(20261203)
    this_month = periods.start_of(today, "month")
    rows = ["day,region,orders,revenue,handle_seconds"]
    for back in range(months, 0, -1):
        month = periods.shift(this_month, "month", -back)
        for day in (1, 15):
            for region in ("North", "South"):
                orders = rng.randint(330, 470)
                revenue = orders * rng.uniform(175.0, 225.0)
                rows.append(f"{month.replace(day=day)},{region},{orders},{revenue:.2f},{rng.randint(3900, 7600)}")
    return "\n".join(rows) + "\n"


def _read(name: str) -> str:
    path = resources.files("site_build") / "skeleton"
    for part in name.split("/"):
        path = path / part
    return path.read_text(encoding="utf-8")


def _title(folder: Path, language: str) -> str:
    name = folder.resolve().name.replace("-", " ").replace("_", " ").strip()
    return name[:1].upper() + name[1:] if name else ("Handbook" if language == "en" else "手册")
