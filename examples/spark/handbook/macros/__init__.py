"""This handbook's mkdocs-macros module: the engine's macros, plus any of your own.

Add chart functions with ``@handbook.chart("id", query="…")`` (see the
engine's README, "Macros").
"""

from site_build.mkdocs.macros import install


def define_env(env):
    install(env)
