"""``sim forecast``: the record to the seam, accepted by its patterns, continued in branches (docs/forecast.md)."""
