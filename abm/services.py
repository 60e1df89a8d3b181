"""Commercial and public buildings: a non-agent module of the services sector (plan §13).

Services use electricity only in the model (cooking fuels of restaurants and hotels are left
out); their floor area grows at a steady rate and their use per m² falls with an autonomous
trend and with the plan's public-building standards. For year ``y`` (``t = y − 2020``)::

    area(y)  = population_2020 · floor_per_capita · (1 + g)^t                       m²
    e_pub(y) = min((1 − τ)^t, 1 − cut)                     public institutions, per m²
    use(y)   = area · I_2020 · ((1 − P)·(1 − τ)^t + P·e_pub) · (1 − c·L·(1 − 1/(1 + G)))
    CO2(y)   = use · grid factor (the year's mean)                                  kg

with ``τ`` the autonomous trend, ``P`` the public institutions' share of floor, ``cut`` the
cut of their energy per m² from 2020 that the standard requires (the trend counts towards
it), ``c`` the cooling share of use, ``L`` the share of floor in large public buildings and
``G`` their cooling-efficiency gain over 2020 (``cut`` and ``G`` set by the
``public_building_standard`` policy; the standard is assumed to be met). A gain once reached
stays: the module keeps the highest level any month so far has set. Emissions are spread over
the districts by population. Parameters ``services.*`` (units and sources in
``data/parameters.csv``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abm import data
from abm.supply import annual_grid_factor


def _yearly_lever(model: Any, name: str, years: int) -> np.ndarray:
    """The highest value lever ``name`` has reached by the end of each year (a ratchet)."""
    values = np.array([getattr(m, name, 0.0) for m in model.month_log[:years * 12]])
    if values.size == 0:
        return np.zeros(years)
    return np.maximum.accumulate(values).reshape(years, 12)[:, -1]


def services_year(model: Any) -> dict[str, np.ndarray]:
    """Annual services figures of a run (one value per simulated year).

    Returns:
        ``floor_m2``, ``electricity_kwh``, ``co2_kg``, ``cooling_gain`` (large public
        buildings' cooling efficiency over 2020, 1) and ``public_intensity_change`` (public
        institutions' electricity per m² relative to 2020, 1).

    """
    p = model.params
    years = model.month // 12
    t = np.arange(years) + (model.start_year - 2020)
    population = float(data.economy()["population"][2020]) * 1e6
    area = population * p["services.floor_area_per_capita"] * (1 + p["services.floor_growth"]) ** t
    trend = (1.0 - p["services.efficiency_trend"]) ** t
    gain = _yearly_lever(model, "public_cooling_gain", years)
    cut = _yearly_lever(model, "public_intensity_cut", years)
    cooling = 1.0 - p["services.cooling_share"] * p["services.large_building_share"] * (
        1.0 - 1.0 / (1.0 + gain))
    public = np.minimum(trend, 1.0 - cut)
    share = p["services.public_share"]
    use = (area * p["services.electricity_intensity"]
           * ((1.0 - share) * trend + share * public) * cooling)
    return {
        "floor_m2": area, "electricity_kwh": use, "co2_kg": use * annual_grid_factor(model),
        "cooling_gain": gain,
        "public_intensity_change": public - 1.0,
    }


def district_shares() -> np.ndarray:
    """Each district's share of the population (services spread over districts by it)."""
    population = data.districts()["population"].to_numpy(dtype=float)
    return population / population.sum()
