"""Route the library's ``handbook.*`` loggers into the host's logger.

The library logs under ``handbook`` and never imports MkDocs; the plugin calls
``forward_to(plugin_logger)`` so that warnings count in MkDocs' strict mode.
"""

from __future__ import annotations

import logging

_ROOT = logging.getLogger("handbook")


class _Forward(logging.Handler):
    def __init__(self, target: logging.LoggerAdapter | logging.Logger):
        super().__init__()
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        self.target.log(record.levelno, record.getMessage())


def forward_to(target) -> None:
    """Send every ``handbook.*`` record to ``target`` instead of the root logger."""
    for handler in list(_ROOT.handlers):
        if isinstance(handler, _Forward):
            _ROOT.removeHandler(handler)
    _ROOT.addHandler(_Forward(target))
    _ROOT.setLevel(logging.DEBUG)
    _ROOT.propagate = False


def to_terminal(verbose: bool) -> None:
    """The commands' log on stderr, as MkDocs prints it; queries and MkDocs' debug lines only when ``verbose``."""
    from mkdocs.__main__ import ColorFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(ColorFormatter())
    logger = logging.getLogger("mkdocs")
    logger.handlers = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("mkdocs.plugins.mkdocs_macros").setLevel(logging.DEBUG if verbose else logging.WARNING)
    try:
        import jieba  # Material's search imports it later and would log at DEBUG to stderr

        jieba.setLogLevel(logging.WARNING)
    except ImportError:
        pass
