"""Agent-based model of the Jiangmen Carbon Peaking Implementation Plan."""

from abm.params import ParameterError, Parameters
from abm.scenario import Scenario, load_scenario

__all__ = ["ParameterError", "Parameters", "Scenario", "load_scenario"]
