"""The team's mkdocs-macros module.

``install`` adds the engine's macros (kpi, kpi_grid, value, target, table,
chart, data_as_of, …). Complex charts live in ``macros/charts.py`` as
functions that receive a query result and return an Altair chart.
"""

from macros import charts
from site_build.mkdocs.macros import install


def define_env(env):
    handbook = install(env)
    charts.register(handbook)
