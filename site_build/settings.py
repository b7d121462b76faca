"""What one build is configured with: the handbook plugin's block in ``mkdocs.yml``.

``Settings.from_options`` is the one place the block's keys become settings;
the MkDocs plugin and the CLI both use it, so ``handbook publish`` and the
build agree on ``publish_dir`` and the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

#: plugin option -> Settings field, where the names differ
RENAMED = {"validation_enabled": "validate", "validation_errors_per_type": "errors_per_type"}
PATHS = ("data_dir", "catalogue", "cache_dir", "publish_dir")


@dataclass(frozen=True)
class Settings:
    """Paths and limits for a build."""

    data_dir: Path = Path("data")
    catalogue: Path | None = None
    cache_dir: Path | None = Path(".handbook-cache")
    table_max_rows: int = 200
    query_timeout: float = 30.0
    #: what DuckDB may hold in memory while validating and querying; past it, it spills to a temporary folder
    memory_limit: str = "1GB"
    health_page: str = "health.md"
    dictionary_page: str = "dictionary.md"
    validate: bool = True
    errors_per_type: int = 5
    publish_dir: Path | None = Path("public")
    #: the engine's words and number formats (None: English); the money of format 'currency'
    language: str | None = None
    currency: str | None = None

    @classmethod
    def from_options(cls, options: Mapping, root: Path) -> Settings:
        """Settings from the plugin's options (validated by the host); relative paths are relative to ``root``."""
        names = {f.name for f in fields(cls)}
        values = {}
        for key, value in options.items():
            name = RENAMED.get(key, key)
            if name not in names:
                continue  # host-only options such as 'enabled'
            if name in PATHS and value is not None:
                value = Path(root) / value
            values[name] = value
        return cls(**values)
