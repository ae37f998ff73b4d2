"""Calibration to the record: patterns, their statistics, rejection ABC and posterior draws."""
