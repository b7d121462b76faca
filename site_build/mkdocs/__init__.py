"""mkdocs layer."""
