"""The mkdocs-macros adapter: ``install(env)`` registers the engine's macros.

``macros/__init__.py`` (the team's module) calls ``install`` and may then add
its own macros and chart functions. Every macro catches ``HandbookError``:
the page shows a failure admonition and the build log gets a warning naming
the page, so ``serve`` keeps going and the strict ``build`` fails.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re

from jinja2.exceptions import UndefinedError
from mkdocs.exceptions import PluginError

from site_build.errors import HandbookError, MacroError, suggest
from site_build.macros import NAMES, Macros
from site_build.markup import finalize, plain_text

#: the macro names, for suggestions in error messages
MACROS = NAMES


class Registrar:
    """What ``install`` returns: a way for the team's module to add chart functions."""

    def __init__(self, macros: Macros):
        self.macros = macros

    def chart(self, chart_id: str, *, query: str | None = None, sql: str | None = None):
        """Decorator: register ``fn(result) -> altair.Chart`` as chart ``chart_id``.

        Example::

            @handbook.chart("rfm_bubbles", query="rfm_segments")
            def rfm_bubbles(result):
                return alt.Chart(alt.Data(values=result.records())).mark_circle()...
        """

        def register(fn):
            fn.query, fn.sql = query, sql
            self.macros.chart_functions[chart_id] = fn
            return fn

        return register


def install(env) -> Registrar:
    """Register the engine's macros on a mkdocs-macros ``env``; return a ``Registrar``."""
    plugin = env.conf["plugins"].get("handbook")
    macros = getattr(plugin, "macros", None)
    if macros is None:
        raise PluginError(
            "macros/: the handbook plugin is not active. In mkdocs.yml list '- handbook' under plugins "
            "before '- macros', "
            "and keep 'enabled: true'."
        )
    for name, method_name in NAMES.items():
        env.macro(_guarded(macros, name, getattr(macros, method_name)), name)
    return Registrar(macros)


def harden(macros_plugin, templates=None) -> None:
    """Make mkdocs-macros print data as text: ``{{ page.meta.row.x }}`` can never become markup or code.

    mkdocs-macros builds its Jinja environment after the modules' ``define_env``
    has run, so the host calls this once that environment exists. ``| text``
    keeps a filtered value (``row.x | upper``) inert as well. With ``templates``
    (a store folder), the compiled pages are kept there (``cache_page_templates``).
    """
    env = macros_plugin.env
    previous = env.finalize
    env.finalize = finalize if previous in (None, finalize) else (lambda value: previous(finalize(value)))
    env.filters["text"] = plain_text
    if templates is not None:
        from site_build import render

        cache_page_templates(macros_plugin, render.bytecode_cache(templates))


def cache_page_templates(macros_plugin, cache) -> None:
    """Keep each page's compiled Markdown template in ``cache`` (a Jinja bytecode cache) between builds.

    mkdocs-macros compiles every page with ``from_string``, which Jinja never
    caches: a third of a second on each build. The cache key covers the page's
    source (Jinja's checksum) and everything in the environment that changes
    how a source compiles (delimiters, comment markers, extensions).
    """
    env = macros_plugin.env
    if cache is None or getattr(env.from_string, "cached_pages", False):
        return
    settings = (
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        sorted(env.extensions),
        env.autoescape if isinstance(env.autoescape, bool) else "by name",
        env.optimized,
    )
    name = "page-" + hashlib.sha256(repr(settings).encode()).hexdigest()[:16]
    original = env.from_string

    def from_string(source, globals=None, template_class=None):
        if not isinstance(source, str):
            return original(source, globals, template_class)
        # one entry per source: Jinja keys a bucket by name alone, and checks the source only to reject it
        page = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        bucket = cache.get_bucket(env, f"{name}-{page}", None, source)
        if bucket.code is None:
            bucket.code = env.compile(source)
            cache.set_bucket(bucket)
        return (template_class or env.template_class).from_code(env, bucket.code, env.make_globals(globals), None)

    from_string.cached_pages = True  # type: ignore[attr-defined]
    env.from_string = from_string


def _guarded(macros: Macros, name: str, method):
    signature = inspect.signature(method)

    @functools.wraps(method)
    def macro(*args, **kwargs):
        call = f"{name}({_show(args, kwargs)})"
        try:
            signature.bind(*args, **kwargs)
        except TypeError as e:
            return macros.stash.put(macros.failure(call, MacroError(f"{call}: {e}. Signature: {name}{signature}")))
        try:
            return macros.stash.put(method(*args, **kwargs))
        except HandbookError as e:
            return macros.stash.put(macros.failure(call, e))

    macro.__name__ = name
    return macro


def _show(args, kwargs) -> str:
    parts = [repr(a) if len(repr(a)) < 60 else repr(a)[:57] + "…'" for a in args]
    parts += [f"{k}={v!r}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _format_undefined(error: UndefinedError, markdown: str, page) -> str:
    """mkdocs-macros' message for an unknown name, without its traceback: where, what, and the closest macros."""
    match = re.search(r"'([^']+)' is undefined", str(error))
    name = match.group(1) if match else str(error)
    line = _template_line(error)
    # A page made from a template: the mistake is in the template, whose lines the body keeps.
    src = page.meta.get("generated_from") or page.file.src_path
    where = f"{src}:{line}" if line else src
    return f"{where}: unknown macro or variable '{name}'. {suggest(name, MACROS, noun='macro')} See README 'Macros'."


def _template_line(error: Exception) -> int | None:
    tb, line = error.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


try:  # mkdocs-macros formats errors with a singledispatch function we can extend
    from mkdocs_macros.errors import format_error

    format_error.register(UndefinedError, _format_undefined)
except ImportError:  # pragma: no cover - older mkdocs-macros: its own message stays
    pass
