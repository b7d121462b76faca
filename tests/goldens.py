"""Golden files for chart specs that survive an Altair or vl-convert upgrade.

A new Altair writes a new ``$schema`` URL (v6.4.1 → v6.5.0) and a new
vl-convert may reword its zh-CN locale; neither changes what a chart shows, so
both are replaced by placeholders before a spec is compared or saved. Anything
else that changes is a real change and fails. Regenerate with
``HANDBOOK_REGEN_GOLDEN=1``, never in CI.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

SCHEMA = "<vega-lite $schema>"
LOCALE = "<zh-CN locale>"
_SCHEMA_URL = re.compile(r"https://vega\.github\.io/schema/vega-lite/v\d+(\.\d+)*\.json")


def normalise_chart(spec: dict) -> dict:
    """``spec`` with its ``$schema`` URL and embedded locale replaced by placeholders.

    Only what the placeholders stand for is replaced: a spec for another
    grammar (Vega, not Vega-Lite) or a locale without number and time parts
    is refused, so the placeholders cannot hide a real change.
    """
    spec = dict(spec)
    if "$schema" in spec:
        assert _SCHEMA_URL.fullmatch(spec["$schema"]), f"not a Vega-Lite $schema: {spec['$schema']!r}"
        spec["$schema"] = SCHEMA
    config = spec.get("config")
    if isinstance(config, dict) and "locale" in config:
        assert sorted(config["locale"]) == ["number", "time"], f"unexpected locale keys: {sorted(config['locale'])}"
        spec["config"] = {**config, "locale": LOCALE}
    return spec


def chart_text(spec: dict) -> str:
    """The golden text of a chart spec: normalised, keys sorted, indented."""
    return json.dumps(normalise_chart(spec), ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def assert_golden(path: Path, text: str) -> None:
    """Fail unless ``path`` holds ``text``; with ``HANDBOOK_REGEN_GOLDEN=1``, write it first."""
    if os.environ.get("HANDBOOK_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
