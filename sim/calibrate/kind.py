"""What marks a calibration folder, known without importing the calibration itself: `sim figures`
asks it of every folder, and a run folder should not pay for importing the model to be told no."""

from __future__ import annotations

from pathlib import Path

#: what a calibration folder keeps of the prior sample for its figures: each figure's histograms
HISTOGRAMS = "histograms.json"


def is_calibration_folder(folder: Path) -> bool:
    """Whether ``folder`` is a calibration folder (its manifest says so, or it keeps histograms)."""
    from ..results.verify import load_manifest

    return load_manifest(folder).get("kind") == "calibrate" or (Path(folder) / HISTOGRAMS).is_file()
