"""The VehicleOwner agent: one vehicle, a powertrain choice at each replacement."""

from __future__ import annotations

from abm.groups import vehicles
from agents.base import RowAgent


class VehicleOwner(RowAgent):
    """A view onto one row of ``model.tables["vehicles"]``."""

    group = vehicles.NAME
    schema = vehicles.SCHEMA

    def step(self) -> None:
        """Age; at the end of life choose a powertrain (``vehicles.replacement_rule``)."""
        self.run_phase(vehicles.GROUP.phases["replace"])

    def account(self) -> None:
        """Energy and CO2 of the month (:func:`~abm.groups.vehicles.emissions_rule`)."""
        self.run_phase(vehicles.GROUP.phases["account"])
