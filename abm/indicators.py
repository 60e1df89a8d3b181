"""The plan's headline indicators (§一(二)): energy and CO2 per unit of GDP, non-fossil share.

Energy is counted as China's energy statistics count it, for the sectors the model covers
(industry, households, transport, fishery, services):

* final energy by sector and by fuel (:data:`abm.data.FUEL_LABELS`), tce, each fuel at its
  calorific value (``data/energy_factors.csv``, GB/T 2589-2020), electricity at 0.1229
  kgce/kWh; the two add up to the same total;
* total energy consumption, tce, by the **coal-equivalent (substitution) method**: fuels used
  directly at their calorific value, every kWh consumed at ``ρ(y)`` kgce
  (:func:`abm.supply.coal_equivalent`), so electricity carries the coal its generation needs;
* non-fossil energy: the non-fossil kWh consumed at ``ρ(y)`` — the agents' own PV plus grid
  purchases times the grid's non-fossil share (:func:`abm.supply.grid_non_fossil_share`).
  Imported electricity is counted at the grid's mix, not at the mix of Jiangmen's own plants
  (Taishan's nuclear output serves the whole province);
* non-fossil share = non-fossil energy / total energy consumption.

GDP is real, in 2020 prices: 320.1 bn CNY in 2020 grown by the observed real growth to 2024
(``data/economy.csv``), then ``economy.gdp_growth_2025_2030`` and
``economy.gdp_growth_after_2030``. Intensities are per 10,000 CNY of that GDP; their changes are
against the run's first year (2020 for the plan's targets).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abm import data
from abm.params import Parameters
from abm.services import services_year
from abm.supply import annual_grid_factor, capacity_mw, coal_equivalent, grid_non_fossil_share


def gdp_bn(p: Parameters, years: np.ndarray) -> np.ndarray:
    """Real GDP in 2020 prices, billion CNY, for each year (2020 and later)."""
    econ = data.economy()
    growth_observed = econ["real_growth"]
    value = econ["gdp"][2020]
    out = {}
    for year in range(2020, int(years.max()) + 1):
        if year > 2020:
            growth = growth_observed.get(year)
            if growth is None:
                growth = p["economy.gdp_growth_2025_2030" if year <= 2030 else
                           "economy.gdp_growth_after_2030"]
            value *= 1.0 + growth
        out[year] = value
    return np.array([out[int(y)] for y in years])


def indicator_rows(model: Any, years: np.ndarray, annual: Any, co2_total_t: np.ndarray
                   ) -> list[tuple[str, np.ndarray, str]]:
    """Rows of the annual summary: energy, electricity, supply and the headline indicators.

    Args:
        model: The finished run.
        years: Simulated years.
        annual: ``annual(group, metric)``: a metric's annual city total.
        co2_total_t: Total CO2 of each year, t.

    """
    p = model.params
    f = data.energy_factors()
    elec_kgce = f["electricity_calorific"]
    services = services_year(model)
    electricity = {  # kWh
        "residential": annual("households", "electricity_kwh"),
        "transport": annual("vehicles", "ev_kwh"),
        "industry": annual("firms", "electricity_kwh"),
        "fishery": annual("fishers", "electricity_kwh"),
        "services": services["electricity_kwh"],
    }
    by_fuel = {  # kgce of fuels used directly, by sector and fuel (electricity apart)
        "residential": {"oil": annual("households", "lpg_kg") * f["lpg"]},
        "transport": {"oil": annual("vehicles", "oil_l") * p["energy.vehicle_oil_kgce_per_l"],
                      "gas": annual("vehicles", "lng_kg") * f["lng"],
                      "other": annual("vehicles", "hydrogen_kg") * f["hydrogen"]},
        "industry": {fuel: annual("firms", f"{fuel}_tce") * 1000.0
                     for fuel in ("coal", "gas", "oil")},
        "fishery": {"oil": annual("fishers", "diesel_l") * f["diesel"]},
        "services": {},
    }
    fuels = {sector: sum(parts.values(), np.zeros(len(years)))
             for sector, parts in by_fuel.items()}
    rows: list[tuple[str, np.ndarray, str]] = []
    for sector in electricity:
        final = (fuels[sector] + electricity[sector] * elec_kgce) / 1e9
        rows.append((f"energy_final_mtce_{sector}", final, "Mtce"))
        rows.append((f"electricity_gwh_{sector}", electricity[sector] / 1e6, "GWh"))
    for fuel in data.FUEL_LABELS:
        kgce = (sum(electricity.values()) * elec_kgce if fuel == "electricity" else
                sum(parts.get(fuel, 0.0) for parts in by_fuel.values()))
        rows.append((f"energy_by_fuel_mtce_{fuel}", kgce / 1e9 + np.zeros(len(years)), "Mtce"))
    kwh = sum(electricity.values())
    fuel_kgce = sum(fuels.values())
    pv = (annual("households", "pv_kwh") + annual("firms", "pv_kwh")
          + annual("fishers", "pv_kwh"))
    rho = coal_equivalent(p, years)
    grid = annual_grid_factor(model)
    non_fossil_kwh = np.maximum(kwh - pv, 0.0) * grid_non_fossil_share(p, grid) + pv
    total_tce = (fuel_kgce + kwh * rho) / 1000.0
    gdp = gdp_bn(p, years)
    energy_intensity = total_tce / (gdp * 1e5)
    co2_intensity = co2_total_t / (gdp * 1e5)
    capacity = capacity_mw(p, years, annual("fishers", "pv_kw") / 1000.0)
    agent_pv_mw = (annual("households", "pv_kw") + annual("firms", "pv_kw")
                   + annual("fishers", "pv_kw")) / 1000.0
    renewable = agent_pv_mw + sum(capacity[k] for k in data.RENEWABLE_TYPES)
    rows += [
        ("electricity_gwh", kwh / 1e6, "GWh"),
        ("energy_total_mtce", total_tce / 1e6, "Mtce"),
        ("services_floor_mm2", services["floor_m2"] / 1e6, "million m2"),
        ("public_intensity_change", services["public_intensity_change"], "1"),
        ("public_cooling_gain", services["cooling_gain"], "1"),
        ("gdp_bn_cny", gdp, "billion CNY (2020 prices)"),
        ("energy_intensity", energy_intensity, "tce per 10,000 CNY"),
        ("energy_intensity_change", energy_intensity / energy_intensity[0] - 1.0, "1"),
        ("co2_intensity", co2_intensity, "t CO2 per 10,000 CNY"),
        ("co2_intensity_change", co2_intensity / co2_intensity[0] - 1.0, "1"),
        ("grid_non_fossil_share", grid_non_fossil_share(p, grid), "1"),
        ("non_fossil_share", non_fossil_kwh * rho / 1000.0 / total_tce, "1"),
        ("renewable_capacity_mw", renewable, "MW"),
        *[(f"capacity_mw_{kind}", capacity[kind], "MW") for kind in data.PLANT_TYPES],
    ]
    return rows


def territorial_co2_mt(consumption_mt: float, electricity_gwh: float, grid_factor: float,
                       local_generation_twh: dict[str, float],
                       generation_factor: dict[str, float]) -> float:
    """A territorial (CEADs-style) CO2 estimate from the model's consumption-based total, Mt.

    ``territorial = consumption − electricity consumed · grid factor + Σ local generation by
    fuel · its CO2 per kWh``: take the city's scope-2 emissions out and put the CO2 of the
    power plants inside its boundary in (Taishan coal, Shuangshui, the gas plants; nuclear
    adds nothing).

    Args:
        consumption_mt: The model's total CO2 (consumption-based), Mt.
        electricity_gwh: Electricity consumed in the city, GWh.
        grid_factor: Grid emission factor of the year, kg CO2/kWh.
        local_generation_twh: Generation of the city's plants by fuel, TWh.
        generation_factor: CO2 per kWh of each fuel's generation, kg CO2/kWh.

    """
    scope2 = electricity_gwh * grid_factor / 1000.0
    plants = sum(twh * generation_factor[fuel] for fuel, twh in local_generation_twh.items())
    return consumption_mt - scope2 + plants
