"""The English test site's macros module: the engine's macros only."""

from site_build.mkdocs.macros import install


def define_env(env):
    install(env)
