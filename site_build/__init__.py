"""Strategy Handbook: a static site generator for strategy playbooks and dashboards.

The engine is host-independent: only ``plugin.py``, ``macros.py`` and ``cli.py``
import MkDocs or click. Everything else works from a REPL::

    >>> from site_build.session import Handbook
    >>> hb = Handbook.open("data")
    >>> hb.kpi("conversion_rate").status
"""

__version__ = "0.1.0"
