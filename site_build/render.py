"""HTML fragments from autoescaped Jinja templates in ``site_build/templates/``.

Never build HTML by concatenating data values: pass them to a template.
Data for ``<script>`` blocks goes through ``script_json`` so that a value
holding ``</script>`` stays inert. Every printed value is also made inert for
Markdown (``markup.inline_text``): fragments sit inside Markdown pages, where
a cell such as ``[x](javascript:…)`` would otherwise become a link.
"""

from __future__ import annotations

import json
import pickle
from functools import lru_cache
from pathlib import Path

import jinja2
import jinja2.bccache
from markupsafe import Markup

from site_build import i18n
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
    env.globals.update(_=translate, ngettext=translate_plural)
    return env


class BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between builds (a warm build compiles none: about 0.5 s).

    Jinja checks each entry's source checksum and its own version, and writes
    atomically. An entry that cannot be read is a miss and is removed, as in
    ``data.store``.
    """

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, OSError):
            bucket.reset()
            Path(self._get_cache_filename(bucket)).unlink(missing_ok=True)


def bytecode_cache(folder: Path | None) -> BytecodeCache | None:
    """A ``BytecodeCache`` in ``folder`` (a store namespace), or None when the store is disabled."""
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return BytecodeCache(str(folder), "%s.jinja")


def translate(message: str, **variables) -> Markup:
    """``message`` in the build's language (``i18n``), with each variable printed as text.

    The catalogue is the engine's own, so a translation may hold markup
    (``<code>``); the variables are data, escaped for HTML and Markdown.
    """
    return _fill(i18n.gettext(message), variables)


def translate_plural(singular: str, plural: str, num: int, **variables) -> Markup:
    """The form of ``singular``/``plural`` for ``num`` in the build's language; ``%(num)s`` is ``num``."""
    return _fill(i18n.ngettext(singular, plural, num), {"num": num, **variables})


def _fill(text: str, variables: dict) -> Markup:
    if not variables:
        return Markup(text)
    return Markup(text) % {name: inline_text(value) for name, value in variables.items()}


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
