"""Strategy Handbook: a static site generator for strategy playbooks and dashboards.

The engine is host-independent: only ``mkdocs/`` imports MkDocs and only
``cli/`` imports click. Everything else works from a REPL (README, "The
engine from Python")::

    >>> from site_build.macros import Handbook
    >>> hb = Handbook.open("data", language="zh")
    >>> hb.metrics.get("conversion_rate").status
"""

__version__ = "0.1.0"
