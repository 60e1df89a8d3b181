"""Growth factors of activity relative to 2020 (pure functions of the parameters).

Kept apart from :mod:`abm.market` (which builds the month record from the policies'
declared levers) so the agent groups (:mod:`abm.groups`) can use them without importing the
policies: data → params → growth → groups → policies → market → model.
"""

from __future__ import annotations

from typing import Any

from abm.params import Parameters


def growth(rate: float, years: float) -> float:
    """Compound growth factor ``(1 + rate)^years``."""
    return (1.0 + rate) ** years


def pv_cost(p: Parameters, kind: str, years: Any) -> Any:
    """PV capital cost on its learning curve, CNY/W: ``cost_2020 · (1 − decline)^years``.

    Args:
        p: Parameters (``tech.pv_cost_<kind>_2020``, ``tech.pv_cost_decline``).
        kind: ``household``, ``business`` or ``fishery``.
        years: Years since the start of 2020 (a number or an array).

    """
    return p[f"tech.pv_cost_{kind}_2020"] * (1.0 - p["tech.pv_cost_decline"]) ** years


def industry_growth_factor(p: Parameters, years: float) -> float:
    """Industrial output relative to 2020, net of the autonomous efficiency trend.

    ``g(y) = (1+g1)^min(y, 10) · (1+g2)^max(y−10, 0) · (1−aeei)^y`` with ``g1`` the growth to
    2030 and ``g2`` after it (y in years since 2020).
    """
    g1 = p["economy.industry_growth"]
    g2 = p["economy.industry_growth_after_2030"]
    aeei = p["economy.energy_efficiency_trend"]
    return growth(g1, min(years, 10.0)) * growth(g2, max(years - 10.0, 0.0)) * (1 - aeei) ** years
