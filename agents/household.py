"""The Household agent: rooftop PV, green home, carbon-inclusive participation."""

from __future__ import annotations

from abm.groups import households
from agents.base import RowAgent


class Household(RowAgent):
    """A view onto one row of ``model.tables["households"]``."""

    group = households.NAME
    schema = households.SCHEMA

    def step(self) -> None:
        """Decide and account this household: :func:`abm.groups.households.household_rule`."""
        self.run_phase(households.GROUP.phases["decide"])
