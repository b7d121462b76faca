"""Writes the vendored iframe-worker polyfill that mkdocs.yml's extra.polyfills names.

The handbook plugin does this itself; this plain site has no handbook plugin.
"""

from site_build.views import offline


def on_post_build(config):
    offline.install_polyfill(config.site_dir)
