"""Energy supply: the power plants in Jiangmen and the grid's non-fossil share (not agents).

Capacity by type in year ``y`` adds the plants of ``data/power_plants.csv`` online by then and
not yet retired: ``operating`` and ``under_construction`` plants in every scenario, ``plan``
plants (the projects the plan names, §2–§3) only when ``supply.plan_projects`` is 1, except
developers' fishery-PV, which is the project pipeline of :mod:`abm.fishery_pv` (the listed
projects are what it is fitted to and checked against). Offshore
wind rises linearly from 0 in 2025 to ``supply.offshore_wind_mw_2030`` (an assumption: no
project found) and stays there.

The city's electricity comes from the southern grid, not from its own plants (most of Taishan's
nuclear and coal output is used elsewhere in Guangdong), so its non-fossil share of electricity
is the grid's. It is inferred from the grid emission factor the model already uses:
``s_nf(y) = 1 − f_grid(y) / f_fossil``, with ``f_fossil`` the CO2 per kWh of fossil generation
(``supply.fossil_generation_factor``). Electricity counts in energy by the coal-equivalent
(substitution) method: ``ρ(y)`` kgce/kWh, 0.3055 in 2020 (NDRC) falling linearly to
``energy.coal_equivalent_2025`` and flat after.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abm import data
from abm.fishery_pv import developer_capacity_mw
from abm.params import Parameters


def annual_grid_factor(model: Any) -> np.ndarray:
    """Mean grid emission factor of each simulated year, kg CO2/kWh (from the months run)."""
    years = model.month // 12
    grid = np.array([m.grid_factor for m in model.month_log[:years * 12]])
    return grid.reshape(years, 12).mean(axis=1)


def capacity_mw(p: Parameters, years: np.ndarray, farm_pv_mw: np.ndarray | None = None
                ) -> dict[str, np.ndarray]:
    """Installed capacity by plant type (:data:`abm.data.PLANT_TYPES`) at each year end, MW.

    Args:
        p: Parameters.
        years: Calendar years.
        farm_pv_mw: Pond farmers' own fishery-PV at each year end, MW: the sites they took are
            not open to developers (none if not given).

    """
    plants = data.power_plants()
    plants = plants[plants["type"] != "fishery_pv"]
    if p["supply.plan_projects"] < 0.5:
        plants = plants[plants["status"] != "plan"]
    out = {kind: np.zeros(len(years)) for kind in data.PLANT_TYPES}
    for kind, mw, online, retire in zip(plants["type"], plants["capacity_mw"],
                                        plants["online_year"], plants["retire_year"],
                                        strict=True):
        out[kind] += np.where((years >= online) & (years < retire), float(mw), 0.0)
    out["fishery_pv"] += developer_capacity_mw(p, years, farm_pv_mw)
    ramp = np.clip((years - 2025) / 5.0, 0.0, 1.0)
    out["offshore_wind"] += ramp * p["supply.offshore_wind_mw_2030"]
    return out


def coal_equivalent(p: Parameters, years: np.ndarray) -> np.ndarray:
    """ρ(y): kgce per kWh of electricity by the coal-equivalent method."""
    start = data.energy_factors()["electricity_coal_equivalent_2020"]
    share = np.clip((years - 2020) / 5.0, 0.0, 1.0)
    return start + (p["energy.coal_equivalent_2025"] - start) * share


def grid_non_fossil_share(p: Parameters, grid_factor: np.ndarray) -> np.ndarray:
    """Non-fossil share of grid electricity, ``1 − f_grid / f_fossil`` (clipped to [0, 1])."""
    return np.clip(1.0 - grid_factor / p["supply.fossil_generation_factor"], 0.0, 1.0)
