"""Fishery-PV (渔光互补) by developers: a project pipeline on leased ponds (not agents).

Utility-scale fishery-PV in Jiangmen is built by a handful of power companies (Hengyun and
Guangdong Electric Power Design Institute at Haiyan, Guangzhou Development, CGN, Tongwei) on
ponds leased from village collectives; each project is one investment decision of tens to
hundreds of MW, with no neighbours to copy and no willingness to draw. A deterministic pipeline
with a hurdle rate describes that better than agents, and one free parameter can be fitted to
the handful of connected projects. Pond farmers keep their own, smaller on-farm option
(:mod:`abm.groups.fishers`); both draw on one pool of suitable ponds.

Economics of a project committed in year ``c`` (per W of capacity, ``t = c − 2020``)::

    K(c)  = pv_cost_fishery_2020 · (1 − decline)^t                       CNY/W  (capex)
    A     = yield/1000 · tariff − O&M − lease · 15 / (1e6 · MW_per_ha)   CNY/W/yr
    NPV(r) = A · (1 − (1 + r)^−n) / r − K(c);   IRR: NPV(IRR) = 0        n = PV lifetime

with ``yield`` kWh/kWp/yr, ``tariff`` the coal benchmark price paid for grid-parity projects
(``prices.export_price``), ``lease`` CNY/mu/yr (15 mu per ha). Developers commit each year::

    commit(c) = min(G · σ((IRR(c) − h_eff) / s),  pool − committed − farmers' MW)   MW
    h_eff     = h − loan_share · green_discount
    capacity(y) = Σ_{c ≤ y − lag} commit(c)                                         MW

``G`` is the MW the grid can connect a year (the fitted parameter), ``h`` the developers'
hurdle IRR, ``s`` the spread of site economics (grid distance, pond depth, rent), ``σ`` the
logistic function, ``pool = pond area · suitable share · MW/ha``. A green-finance rate
discount (the central bank's carbon-emission-reduction facility, not city spending) lowers the
hurdle on the loan share; a land policy lowers the lease; grid investment raises ``G``.
Parameters ``supply.fishery_pv_*`` (units and sources in ``data/parameters.csv``).
"""

from __future__ import annotations

import logging
import math

import numpy as np

from abm import data
from abm.groups.decision import annuity
from abm.growth import pv_cost
from abm.params import Parameters

log = logging.getLogger(__name__)

FIRST_YEAR = 2020
"""First year developers commit projects (Haiyan phase 1 was a 2020 key project of Jiangmen)."""
MU_PER_HA = 15.0
IRR_BRACKET = (-0.99, 1.0)


def annual_cash_per_w(tariff: float, yield_kwh: float, om_w: float, lease_mu: float,
                      mw_per_ha: float) -> float:
    """``A = yield/1000 · tariff − O&M − lease · 15 / (1e6 · MW_per_ha)``, CNY per W a year."""
    if mw_per_ha <= 0.0:
        raise ValueError(f"tech.fishery_pv_mw_per_ha: {mw_per_ha} must be > 0")
    return yield_kwh / 1000.0 * tariff - om_w - lease_mu * MU_PER_HA / (mw_per_ha * 1e6)


def npv_per_w(capex_w: float, cash_w: float, rate: float, life: float) -> float:
    """``NPV = A · (1 − (1 + r)^−n) / r − K``, CNY per W."""
    return cash_w * annuity(rate, life) - capex_w


def irr(capex_w: float, cash_w: float, life: float) -> float:
    """Project IRR: the rate with ``NPV = 0`` (bisection); the bracket's low end if none."""
    low, high = IRR_BRACKET
    if npv_per_w(capex_w, cash_w, low, life) <= 0.0:
        return low
    if npv_per_w(capex_w, cash_w, high, life) >= 0.0:
        return high
    for _ in range(100):
        mid = 0.5 * (low + high)
        if npv_per_w(capex_w, cash_w, mid, life) > 0.0:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def pool_mw(p: Parameters) -> float:
    """Suitable pond area × MW/ha: the MW of fishery-PV Jiangmen's ponds can hold."""
    area = float(data.districts()["pond_area"].sum())
    return area * p["tech.fishery_pv_suitable_share"] * p["tech.fishery_pv_mw_per_ha"]


def project_irr(p: Parameters, year: int) -> float:
    """IRR of a fishery-PV project committed in ``year`` (capex on the PV learning curve)."""
    cash = annual_cash_per_w(p["prices.export_price"], p["tech.pv_yield"],
                             p["supply.fishery_pv_om"], p["supply.fishery_pv_lease"],
                             p["tech.fishery_pv_mw_per_ha"])
    return irr(float(pv_cost(p, "fishery", year - 2020)), cash, p["tech.pv_lifetime"])


def commitments_mw(p: Parameters, last_year: int, farm_mw: dict[int, float] | None = None,
                   grid_mw: float | None = None) -> dict[int, float]:
    """MW committed in each year ``FIRST_YEAR..last_year``.

    Args:
        p: Parameters.
        last_year: Last year of commitments.
        farm_mw: Pond farmers' own fishery-PV at each year end, MW (sites they took first).
        grid_mw: ``G`` in place of ``supply.fishery_pv_grid_mw_per_year`` (for fitting).

    """
    grid = p["supply.fishery_pv_grid_mw_per_year"] if grid_mw is None else grid_mw
    hurdle = p["supply.fishery_pv_hurdle_irr"] - (p["finance.loan_share"]
                                                 * p["supply.fishery_pv_green_discount"])
    spread = p["supply.fishery_pv_irr_spread"]
    pool = pool_mw(p)
    farm_mw = farm_mw or {}
    committed = 0.0
    out = {}
    for year in range(FIRST_YEAR, last_year + 1):
        x = (project_irr(p, year) - hurdle) / spread
        wanted = grid / (1.0 + math.exp(-x))
        mw = max(min(wanted, pool - committed - farm_mw.get(year, 0.0)), 0.0)
        committed += mw
        out[year] = mw
    return out


def developer_capacity_mw(p: Parameters, years: np.ndarray,
                          farm_mw: np.ndarray | None = None,
                          grid_mw: float | None = None) -> np.ndarray:
    """Developers' fishery-PV connected at each year end, MW (commitments ``lag`` years on).

    Args:
        p: Parameters.
        years: Calendar years.
        farm_mw: Pond farmers' fishery-PV at the end of each of ``years``, MW (or none).
        grid_mw: ``G`` in place of the parameter (for fitting).

    """
    years = np.asarray(years, dtype=int)
    lag = round(p["supply.fishery_pv_lag"])
    farms = {} if farm_mw is None else dict(zip(years.tolist(), np.asarray(farm_mw, float),
                                                strict=True))
    commits = commitments_mw(p, int(years.max()), farms, grid_mw)
    return np.array([sum(mw for c, mw in commits.items() if c <= y - lag) for y in years])


def connected_projects_mw(years: np.ndarray) -> np.ndarray:
    """Developers' fishery-PV projects in ``data/power_plants.csv`` online by each year end, MW."""
    plants = data.power_plants()
    plants = plants[plants["type"] == "fishery_pv"]
    return np.array([float(plants.loc[plants["online_year"] <= y, "capacity_mw"].sum())
                     for y in np.asarray(years)])


FITTED_YEARS = (2021,)
"""Years ``G`` is fitted to: Haiyan phase 1's 200 MW connected on 2021-12-28 (published)."""
HELD_OUT_YEARS = (2022, 2023, 2024)
"""Years held out: the other listed projects, online years from their announced schedules."""


def fit_grid_mw(p: Parameters) -> float:
    """``G`` that reproduces the connected capacity of :data:`FITTED_YEARS` (least squares).

    Capacity is linear in ``G`` while the pond pool is not binding, so the fit is closed-form:
    ``G = Σ x·y / Σ x²`` with ``x`` the capacity at ``G = 1`` and ``y`` the connected MW.
    """
    years = np.array(FITTED_YEARS)
    unit = developer_capacity_mw(p, years, grid_mw=1.0)
    observed = connected_projects_mw(years)
    fitted = float(unit @ observed / (unit @ unit))
    log.info("fishery-PV: G = %.1f MW/yr fitted to %s MW in %s", fitted, observed.tolist(),
             years.tolist())
    return fitted
