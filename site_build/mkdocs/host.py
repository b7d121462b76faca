"""What the handbook needs from ``mkdocs.yml``, checked when the plugin starts.

A handbook with the macros plugin left out builds, strict, and publishes raw
``{{ kpi(...) }}`` text; one with web fonts or without the offline plugin
builds too, and breaks from ``file://``. So the plugin checks its host first
and fails with every fix in one message that names ``mkdocs.yml``. One
setting it makes itself, because every handbook needs it the same way:
mkdocs-macros' Jinja comments become ``{## … ##}``, so that the ``{#id}``
heading ids of ``attr_list`` stay Markdown.

This is an adapter: it reads MkDocs' config, and holds no handbook logic.
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.exceptions import PluginError

#: mkdocs-macros' default comment markers, which swallow "{#id}" heading ids
_JINJA_COMMENT = ("{#", "#}")
_OURS = ("{##", "##}")

_MACROS_BLOCK = """  - macros:
      module_name: macros
      on_undefined: strict
      on_error_fail: true"""


def prepare(config) -> None:
    """Fail with every fix ``config`` needs, in one message; else set the comment markers."""
    found = problems(config)
    if found:
        raise PluginError(message(config.config_file_path, found))
    comment_markers(config)


def problems(config) -> list[str]:
    """Each thing ``config`` lacks for a handbook, with its fix; empty when it has them all."""
    found = []
    names = list(config.plugins)
    if "macros" not in config.plugins:
        found.append(
            "the macros plugin is missing: without it, pages show raw {{ kpi(...) }} text. "
            f"Add it under plugins, after '- handbook':\n{_MACROS_BLOCK}"
        )
    elif names.index("macros") < names.index("handbook"):
        found.append("'- macros' comes before '- handbook' under plugins: list handbook first (macros/ uses it).")
    else:
        module = _missing_module(config)
        if module:
            found.append(module)
    if config.theme.name == "material":
        if config.theme.get("font") is not False:
            found.append(
                "theme.font is not false: Material would load Google Fonts from the web, and the handbook must work "
                "with no network. Under theme, set 'font: false'."
            )
        if not any(name.rpartition("/")[2] == "offline" for name in names):
            found.append("the offline plugin is missing: search needs it from file://. Add '- offline' under plugins.")
    return found


def comment_markers(config) -> None:
    """Make mkdocs-macros' Jinja comments ``{## ##}`` when the project left them at ``{# #}``."""
    if "macros" not in config.plugins:
        return
    options = config.plugins["macros"].config
    markers = (options.get("j2_comment_start_string") or "{#", options.get("j2_comment_end_string") or "#}")
    if markers == _JINJA_COMMENT:
        options["j2_comment_start_string"], options["j2_comment_end_string"] = _OURS


def message(config_file: str, found: list[str]) -> str:
    where = os.path.relpath(config_file)
    if len(found) == 1:
        return f"{where}: {found[0]}"
    return f"{where}: the handbook needs {len(found)} changes:\n" + "\n".join(f"  - {p}" for p in found)


def _missing_module(config) -> str | None:
    module = config.plugins["macros"].config.get("module_name") or "main"
    root = Path(config.config_file_path).parent
    if (root / f"{module}.py").is_file() or (root / module / "__init__.py").is_file():
        return None
    return (
        f"the macros module '{module}' (macros: module_name) is not in {root.name or '.'}/: create "
        f"{module}/__init__.py with\n    from site_build.mkdocs.macros import install\n\n"
        "    def define_env(env):\n        install(env)\n(handbook new writes one), or fix module_name."
    )
