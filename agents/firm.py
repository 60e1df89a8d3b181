"""The Firm agent: factory-roof PV, efficiency retrofits, coal switch, green power."""

from __future__ import annotations

from abm.groups import firms
from agents.base import RowAgent


class Firm(RowAgent):
    """A view onto one row of ``model.tables["firms"]``."""

    group = firms.NAME
    schema = firms.SCHEMA

    def step(self) -> None:
        """Decide and account this firm: :func:`abm.groups.firms.firm_rule`."""
        self.run_phase(firms.GROUP.phases["decide"])
