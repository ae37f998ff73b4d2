"""The model: actors (Mesa agents), tracks, strategies, events and outcomes."""
