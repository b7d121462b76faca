"""HTML fragments from autoescaped Jinja templates in ``site_build/templates/``.

Never build HTML by concatenating data values: pass them to a template.
Data for ``<script>`` blocks goes through ``script_json`` so that a value
holding ``</script>`` stays inert. Every printed value is also made inert for
Markdown (``markup.inline_text``): fragments sit inside Markdown pages, where
a cell such as ``[x](javascript:…)`` would otherwise become a link.
"""

from __future__ import annotations

import json
from functools import lru_cache

import jinja2
from markupsafe import Markup

from site_build.markup import inline_text


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("site_build.views", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=inline_text,
    )
    env.filters["script_json"] = script_json
    return env


def template(name: str) -> jinja2.Template:
    return environment().get_template(name)


def fragment(name: str, **context) -> Markup:
    """Render ``templates/<name>`` and return it as safe markup.

    Fragments are collapsed onto as few lines as possible: Python-Markdown
    would otherwise treat indented lines inside a page as code blocks.
    """
    html = template(name).render(**context)
    return Markup("\n".join(line.strip() for line in html.splitlines() if line.strip()))


def script_json(value) -> Markup:
    """JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)
