"""Mesa agent classes: views onto the model's column arrays, with the reference ``step()``."""

from agents.firm import Firm
from agents.fisher import Fisher
from agents.household import Household
from agents.vehicle_owner import VehicleOwner

__all__ = ["Firm", "Fisher", "Household", "VehicleOwner"]
