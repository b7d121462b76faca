"""Who wants to know which resources the queries read: the page being rendered, the KPI being evaluated.

``handbook serve`` rebuilds a page after a data edit only when the page read
the edited resource, so the engine reports every query's resources, run or
taken from a cache, to each set that is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class Readers:
    def __init__(self):
        self.open: list[set[str]] = []

    def add(self, names: Iterable[str]) -> None:
        for reads in self.open:
            reads.update(names)

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """The names of the resources read by the queries inside the block (and by any open set's too)."""
        reads: set[str] = set()
        self.open.append(reads)
        try:
            yield reads
        finally:
            self.open.remove(reads)

    def only(self, reads: set[str]) -> None:
        """From now on, ``reads`` alone records: a page starts (one whose render failed never closed its set)."""
        self.open[:] = [reads]

    def clear(self) -> None:
        self.open.clear()
