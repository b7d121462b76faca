"""The language of the engine's own words: gettext catalogues read through Babel.

Every string the engine writes on a page (a card's 目标, the dictionary's
headings, a status) is an English message id, marked ``_("…")`` in Python
and ``{{ _("…") }}`` in the fragments, and translated by the catalogue
``site_build/locales/<language>.po``. English needs no catalogue; a new
language is one ``.po`` file (``make messages`` lists what it must cover).
KPI labels, descriptions and plays stay as the author wrote them.

The language is set once per build (``use``, from the handbook plugin's
``language``, else ``theme.language``) and read where a string is made, so
renderers need no language argument.
"""

from __future__ import annotations

import contextvars
import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from site_build.errors import ConfigError

LOCALES = Path(__file__).parent / "locales"
#: the language of the message ids themselves
SOURCE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("handbook_language", default=SOURCE)
#: the site's currency, an ISO 4217 code: what ``format: currency`` means
_currency: contextvars.ContextVar[str | None] = contextvars.ContextVar("handbook_currency", default=None)


def languages() -> list[str]:
    """The languages the engine speaks: English and one per catalogue."""
    return sorted({SOURCE, *(p.stem for p in LOCALES.glob("*.po"))})


def language_of(code: str | None) -> str:
    """The engine language for a site language code ('zh', 'zh-Hans', 'en_US'); ConfigError when there is none."""
    if not code:
        return SOURCE
    wanted = code.replace("_", "-").lower()
    known = languages()
    for candidate in (wanted, wanted.split("-")[0]):
        if candidate in known:
            return candidate
    raise ConfigError(
        f"language '{code}': the engine has no catalogue for it (it speaks {', '.join(known)}). "
        f"Set 'language:' under the handbook plugin in mkdocs.yml to one of those, or add "
        f"site_build/locales/{wanted.split('-')[0]}.po (see README 'Languages')."
    )


@functools.cache
def translations(language: str) -> NullTranslations:
    if language == SOURCE:
        return NullTranslations()
    path = LOCALES / f"{language}.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def current() -> str:
    return _current.get()


def currency() -> str | None:
    return _currency.get()


@contextmanager
def use(language: str, currency: str | None = None) -> Iterator[None]:
    """Speak ``language`` (and count money in ``currency``) inside the block."""
    token, money = _current.set(language), _currency.set(currency)
    try:
        yield
    finally:
        _current.reset(token)
        _currency.reset(money)


def activate(language: str, currency: str | None = None) -> None:
    """Speak ``language`` and count money in ``currency`` from now on, in this thread: a build sets them."""
    _current.set(language)
    _currency.set(currency.upper() if currency else None)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues where it is defined; ``_`` translates it where it is used."""
    return message


def missing(language: str) -> list[str]:
    """The engine's message ids that the ``language`` catalogue does not translate (``make messages``)."""
    with (LOCALES / f"{language}.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    translated = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog if message.string}
    return sorted(used() - translated)


def used() -> set[str]:
    """Every message id the engine's code and fragments use (the singular form of a plural)."""
    from babel.messages.extract import extract_from_dir

    methods = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        Path(__file__).parent, methods, keywords=keywords, comment_tags=()
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids
