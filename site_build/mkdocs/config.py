"""The handbook plugin's block in ``mkdocs.yml``: its options, and reading it without a build.

``HandbookConfig`` declares and validates the options; ``settings_from_file``
reads the same block for the CLI commands that don't run MkDocs
(``handbook publish``, ``validate``, ``query``), so both take their defaults
from one place: ``Settings.from_options``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c

from site_build.errors import ConfigError
from site_build.settings import Settings


class _MemorySize(c.Type):
    """An amount of memory as DuckDB reads it: a number and a unit, such as 1GB or 512MB."""

    def run_validation(self, value):
        value = super().run_validation(value)
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value.strip(), re.IGNORECASE):
            raise base.ValidationError(
                f"{value!r} is not an amount of memory; write a number and a unit, like 1GB or 512MB"
            )
        return value.strip()


class HandbookConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Turn the handbook engine off, e.g. for a plain-theme preview."""

    language = c.Optional(c.Type(str))
    """Language of the engine's own words and number formats (en, zh, …); defaults to theme.language."""

    currency = c.Optional(c.Type(str))
    """The site's currency, an ISO 4217 code (CNY, USD, EUR …): what format: currency means."""

    data_dir = c.Type(str, default="data")
    """Folder with datapackage.json, the datasets and metrics.yml (relative to mkdocs.yml)."""

    catalogue = c.Optional(c.Type(str))
    """KPI catalogue; defaults to <data_dir>/metrics.yml."""

    cache_dir = c.Type(str, default=".handbook-cache")
    """Hidden folder for cached query results, fingerprints and chart SVGs (relative to mkdocs.yml)."""

    validation_enabled = c.Type(bool, default=True)
    """Validate every dataset against its Table Schema before pages render."""

    validation_errors_per_type = c.Type(int, default=5)
    """How many example rows to list for each kind of validation error."""

    table_max_rows = c.Type(int, default=200)
    """Default row limit of table(); past it the macro fails with a clear error."""

    query_timeout = c.Type((int, float), default=30)
    """Seconds one content query (table, chart, KPI) may run; past it the macro fails and names the SQL."""

    memory_limit = _MemorySize(str, default="1GB")
    """Memory DuckDB may hold while validating and querying (1GB, 512MB …); past it, it spills to disk, slower."""

    health_page = c.Type(str, default="health.md")
    """Page that documents each dataset; KPI cards, tables and charts link to it."""

    dictionary_page = c.Type(str, default="dictionary.md")
    """Page that defines every KPI; KPI card titles link to it."""

    publish_dir = c.Type(str, default="public")
    """The publish tree (relative to mkdocs.yml); 本版变化 compares with its newest version."""


def settings(config: HandbookConfig, config_file: str | os.PathLike) -> Settings:
    """Settings from a validated plugin config; paths are relative to the folder of ``config_file``."""
    return Settings.from_options(dict(config), Path(config_file).parent)


def settings_from_file(config_file: str | os.PathLike) -> Settings:
    """Settings from the handbook block of ``config_file``; the defaults when the file does not exist."""
    path = Path(config_file)
    block = _handbook_block(path) if path.is_file() else {}
    config = HandbookConfig(config_file_path=str(path))
    config.load_dict(block)
    failed, _ = config.validate()
    if failed:
        key, error = failed[0]
        raise ConfigError(f"{path}: plugins: handbook: option '{key}': {error}. Fix it in {path.name}.")
    return settings(config, path)


class _Lenient(yaml.SafeLoader):
    """A loader that reads mkdocs.yml's ``!!python/name:`` and ``!ENV`` tags as plain values."""


_Lenient.add_multi_constructor("", lambda loader, suffix, node: None)


def _handbook_block(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Lenient) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read it ({e}). Fix the YAML, or pass --config-file.") from None
    for entry in data.get("plugins") or []:
        if entry == "handbook":
            return {}
        if isinstance(entry, dict) and "handbook" in entry:
            return dict(entry["handbook"] or {})
    return {}
