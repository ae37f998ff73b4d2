"""The results layer: declarations of what a run and an ensemble produce (outcomes, columns)."""
