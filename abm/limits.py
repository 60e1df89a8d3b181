"""What the model can run: scale and years, defined once for every interface.

The CLI, the app, experiments, calibration and the model itself check their inputs against
these numbers, so a limit changes in one place.
"""

from __future__ import annotations

SCALE_MIN = 1.0
"""Smallest scale: one agent per real household, vehicle, firm and fishing unit."""
SCALE_MAX = 100_000.0
"""Largest scale, real entities per agent (coarser runs have too few agents to mean much)."""
FIRST_YEAR = 2020
"""First simulated year: the plan's base year (the data tables describe 2020)."""
LAST_YEAR = 2060
"""Last simulated year: China's carbon-neutrality year."""
POLICY_YEARS = (2000, 2100)
"""Years a policy may start or end in (it acts only inside the simulated years)."""
