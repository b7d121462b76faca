"""kpis layer."""
