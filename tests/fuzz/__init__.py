"""Fuzzing the scenario loader and the CLI: generic mutations (mutate.py), one case's verdict
(check.py), the CI test (tests/test_fuzz.py) and the long campaign (campaign.py)."""
