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
