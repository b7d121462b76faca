"""Charts too specific for a declarative entry in data/metrics.yml.

Each function receives a ``QueryResult`` (``result.records()`` gives rows as
dicts) and returns an Altair chart; the engine inlines the data, adds the
static fallback and the accessible description. Register them in ``register``.
"""


def register(handbook):
    """Called by define_env with the engine's Registrar."""
