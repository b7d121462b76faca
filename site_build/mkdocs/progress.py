"""A transient progress bar for a build's pages and charts, drawn only when stderr is a terminal.

The only module that imports ``rich``. While the bar is up, the log handlers
that write to the terminal write through rich's console instead, so each log
line prints whole above the bar rather than across it; when the build is done
the bar disappears and the log reads as it would have without it. In CI, or
when stderr is piped, nothing is drawn: the stage lines say the same in plain
text.
"""

from __future__ import annotations

import logging
import sys
from typing import IO

from rich.console import Console
from rich.file_proxy import FileProxy
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

#: the loggers whose handlers may write to the terminal during a build: MkDocs' (the plugins' included) and the root
_LOGGERS = ("mkdocs", "")


class Bar:
    """Pages done out of the total, with the charts made so far beside them. Draws nothing unless started."""

    def __init__(self, console: Console | None):
        self.console = console
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        #: (handler, its own stream) for each log handler that writes through the console while the bar is up
        self._swapped: list[tuple[logging.StreamHandler, IO[str]]] = []

    @classmethod
    def for_stderr(cls) -> Bar:
        """A bar on stderr if it is a terminal (not a dumb one); otherwise one that never draws."""
        if not sys.stderr.isatty():
            return cls(None)
        console = Console(stderr=True)
        return cls(None if console.is_dumb_terminal else console)

    @property
    def drawing(self) -> bool:
        return self.progress is not None

    def start(self, description: str, total: int) -> None:
        """Show the bar at 0 of ``total``; a second call starts it again from 0 with a new description."""
        if self.console is None or total <= 0:
            return
        if self.progress is None:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
                # Only the log handlers are redirected (below): rich would otherwise replace sys.stderr itself.
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self.task = self.progress.add_task(description, total=total, detail="")
            self._redirect_log()
            self.progress.start()
        else:
            assert self.task is not None
            self.progress.reset(self.task, total=total, description=description, detail="")

    def advance(self, detail: str | None = None) -> None:
        """One more page done; ``detail`` replaces the text beside the count."""
        if self.progress is None or self.task is None:
            return
        if detail is None:
            self.progress.update(self.task, advance=1)
        else:
            self.progress.update(self.task, advance=1, detail=detail)

    def stop(self) -> None:
        """Remove the bar and give the log handlers their stream back. Safe to call at any time, and again."""
        if self.progress is None:
            return
        try:
            self.progress.stop()
        finally:
            for handler, stream in self._swapped:
                handler.setStream(stream)
            self._swapped.clear()
            self.progress = self.task = None

    def _redirect_log(self) -> None:
        assert self.console is not None
        for name in _LOGGERS:
            for handler in logging.getLogger(name).handlers:
                if isinstance(handler, logging.StreamHandler) and _is_terminal(handler.stream):
                    stream = handler.stream
                    handler.setStream(FileProxy(self.console, stream))
                    self._swapped.append((handler, stream))


def _is_terminal(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
