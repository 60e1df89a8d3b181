"""The Fisher agent: a pond farm (fishery-PV) or a fishing vessel (type at replacement)."""

from __future__ import annotations

from abm.groups import fishers
from agents.base import RowAgent


class Fisher(RowAgent):
    """A view onto one row of ``model.tables["fishers"]``."""

    group = fishers.NAME
    schema = fishers.SCHEMA

    def step(self) -> None:
        """Decide and account this farm or vessel: :func:`abm.groups.fishers.fisher_rule`."""
        self.run_phase(fishers.GROUP.phases["decide"])
