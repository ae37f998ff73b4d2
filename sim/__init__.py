"""Agent-based simulator of US-China negotiation on separate issue tracks.

Does a narrow frontier-AI safety channel hold while the chip and rare-earth rivalry escalates?
"""

from .ensemble.runner import run_ensemble
from .model.model import NegotiationModel
from .scenario.errors import ScenarioError
from .scenario.load import load_scenario, scenario_from_dict

__version__ = "0.1.0"
__all__ = ["NegotiationModel", "ScenarioError", "load_scenario", "run_ensemble", "scenario_from_dict"]
