"""One exception hierarchy for every mistake a user can make.

Each message has three parts: what failed and where (relative path, line or
row), the cause, and the fix or the valid choices. Adapters turn these into
clean build failures with no traceback.
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable


class HandbookError(Exception):
    """Base class: a user-facing error with a message that can be shown as is."""

    #: kebab-case slug, in the style of frictionless error types
    type = "handbook-error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class PackageError(HandbookError):
    """The data package descriptor or one of its files cannot be used."""

    type = "package-error"


class DataInvalid(HandbookError):
    """The data failed validation; ``report`` holds every error found."""

    type = "data-invalid"

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class CatalogueError(HandbookError):
    """The KPI catalogue (data/metrics.yml) is malformed or refers to unknown names."""

    type = "catalogue-error"


class ConfigError(HandbookError):
    """The handbook's block in mkdocs.yml, or an environment setting, cannot be used."""

    type = "config-error"


class QueryError(HandbookError):
    """A query failed: bad SQL, an unknown column, or a forbidden statement."""

    type = "query-error"


class RowLimitError(QueryError):
    """A table query returned more rows than a page should show."""

    type = "row-limit"


class MacroError(HandbookError):
    """A macro was called with unknown names or bad arguments."""

    type = "macro-error"


class ChartError(HandbookError):
    """A chart could not be declared or rendered."""

    type = "chart-error"


class PublishError(HandbookError):
    """Publishing or archiving refused to run, or could not finish."""

    type = "publish-error"


class WriteError(HandbookError):
    """Writing the site, the publish tree or an archive failed: a full disk, a quota, a size limit, no permission."""

    type = "write-error"


#: errors that mean "this disk has no room for it"; their fix is the same: free space or write elsewhere
DISK_FULL = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large (over the file size limit)",
}


def os_cause(error: OSError) -> str:
    """The cause of an OSError in plain words, without the path: 'no space left on device'."""
    full = DISK_FULL.get(error.errno) if error.errno is not None else None
    cause = full or error.strerror or str(error)
    return cause[:1].lower() + cause[1:]


def suggest(name: str, choices: Iterable[str], *, noun: str = "name") -> str:
    """Return a 'Did you mean …? Available: …' sentence for an unknown name."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    parts = []
    if close:
        parts.append("Did you mean " + " or ".join(f"'{c}'" for c in close) + "?")
    if choices:
        shown = ", ".join(choices[:20]) + (", …" if len(choices) > 20 else "")
        parts.append(f"Available {noun}s: {shown}.")
    else:
        parts.append(f"No {noun}s are defined.")
    return " ".join(parts)


def is_out_of_memory(error: Exception) -> bool:
    """True when DuckDB stopped because it ran out of memory (its error text is all that says so)."""
    return "Out of Memory" in str(error)


def is_disk_full(error: Exception) -> bool:
    """True when DuckDB could not write its temporary files: the disk is full."""
    return "No space left on device" in str(error)


def out_of_room(where: str, step: str, error: Exception, limit: str | None) -> str | None:
    """The message for DuckDB out of memory or disk space (the data is fine, the machine's room is not); else None."""
    first = str(error).strip().splitlines()[0]
    if is_out_of_memory(error):
        now = f" (now {limit})" if limit else ""
        return (
            f"{where}: {step} ran out of memory: {first}\n"
            f"Fix: raise memory_limit under the handbook plugin in mkdocs.yml{now}, for example to 2GB; "
            "past it DuckDB spills to disk, but some steps need a minimum in memory."
        )
    if is_disk_full(error):
        return (
            f"{where}: {step} ran out of disk space: {first}\n"
            "Fix: free space on that disk, or point TMPDIR at a folder on a larger one: DuckDB keeps the tables "
            "it loads, and what spills past memory_limit, in a temporary folder there."
        )
    return None
