"""Mesa agent classes: thin views onto rows of the model's column arrays.

Each class names its group (``abm.groups``) and runs the group's rule for its own row in
plain Python (:meth:`agents.base.RowAgent.run_phase`).
"""

from agents.base import RowAgent
from agents.firm import Firm
from agents.fisher import Fisher
from agents.household import Household
from agents.vehicle_owner import VehicleOwner

AGENT_CLASSES: dict[str, type[RowAgent]] = {
    cls.group: cls for cls in (Household, VehicleOwner, Firm, Fisher)}
"""The Mesa agent class of each group."""

__all__ = ["AGENT_CLASSES", "Firm", "Fisher", "Household", "RowAgent", "VehicleOwner"]
