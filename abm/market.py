"""Month-by-month prices, costs and policy levels, as plain scalars for the kernels.

:class:`Constants` holds the run's fixed technical and behavioural numbers; :class:`Month`
holds what changes each month (prices, costs on their learning curves, the grid factor,
growth factors and the levels the active policies set). Both are ``NamedTuple`` of floats,
which Numba passes to kernels as typed tuples. Units are in the field comments' source:
``data/parameters.csv`` and the ``data/*.csv`` tables.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from abm import data
from abm.growth import growth, industry_growth_factor  # noqa: F401  (re-exported)
from abm.params import Parameters
from abm.policies import declared_levers

KGCE_PER_KWH = 0.1229
"""Calorific equivalent of electricity, kgce/kWh (GB/T 2589; data/emission_factors.csv)."""


class Constants(NamedTuple):
    """Fixed numbers of a run (units as in data/parameters.csv)."""

    pv_yield: float
    pv_lifetime: float
    pv_kw_per_m2: float
    pv_household_max_kw: float
    pv_self_use_household: float
    pv_self_use_business: float
    fishery_pv_kw_per_ha: float
    retrofit_cost_m2: float
    retrofit_saving: float
    retrofit_lifetime: float
    new_dwelling_rate_month: float
    green_share_new: float
    firm_retrofit_saving: float
    firm_retrofit_cost: float
    firm_cycle_months: float
    firm_retrofit_lifetime: float
    fuel_switch_cost: float
    electric_heat_gain: float
    green_power_share: float
    green_power_premium: float
    vessel_efficient_saving: float
    vessel_efficient_premium: float
    vessel_electric_premium: float
    vessel_electric_max_kw: float
    vessel_kwh_per_litre: float
    vessel_life_months: float
    loan_share: float
    loan_rate: float
    loan_years: float
    access_household: float
    access_vehicle: float
    access_firm: float
    access_fisher: float
    ci_electricity_saving: float
    ci_km_reduction: float
    ci_attitude_boost: float
    ci_dropout_base: float
    ci_dropout_scale: float
    ef_coal: float
    ef_gas: float
    ef_oil: float
    ef_petrol: float
    ef_diesel: float
    ef_lpg: float
    ef_clinker: float
    kgce_per_kwh: float
    maintenance_saving_bev: float
    purchase_tax_rate: float
    beta_charging: float
    charging_weight_phev: float
    familiarity_2020: float
    familiarity_rate: float
    trade_in_scrappage: float
    trade_in_scrappage_age_months: float
    asc_vessel_electric: float
    pv_payback_factor_household: float
    pv_payback_factor_firm: float
    pv_payback_factor_fisher: float
    energy_price_elasticity: float
    clinker_price_elasticity: float
    clinker_cost: float
    ets_reference_price: float


MONTH_FIELDS: dict[str, str] = {
    "index": "month number since the start (0 = January of the first year)",
    "years": "years since the start, t/12",
    "grid_factor": "grid emission factor, kg CO2/kWh",
    "tariff_residential": "residential tariff, CNY/kWh",
    "tariff_business": "business tariff, CNY/kWh",
    "export_price": "price of exported PV power, CNY/kWh",
    "pv_cost_household": "household PV cost, CNY/W",
    "pv_cost_business": "business PV cost, CNY/W",
    "pv_cost_fishery": "fishery-PV cost, CNY/W",
    "premium_factor": "NEV price premium relative to 2020, 1",
    "household_growth": "household electricity use relative to 2020, 1",
    "km_growth": "vehicle-km relative to 2020, 1",
    "clinker_growth": "clinker output relative to 2020, 1",
    "price_coal": "coal price, CNY/tce",
    "price_gas": "gas price, CNY/tce",
    "price_oil": "fuel-oil price, CNY/tce",
    "price_diesel": "diesel price, CNY/L",
}
"""The month's market values (prices, costs, growth), with their units."""

Month = NamedTuple("Month", [(name, float) for name in (*MONTH_FIELDS, *declared_levers())])
Month.__doc__ = ("What the kernels need to know about one month: the market values of "
                 ":data:`MONTH_FIELDS` and the levers the policy kinds declare "
                 "(:func:`abm.policies.declared_levers`; units there).")


def constants(p: Parameters) -> Constants:
    """Build the run's constants from a parameter set and the data tables."""
    ef = data.emission_factors()
    veh = data.vehicles()
    return Constants(
        pv_yield=p["tech.pv_yield"],
        pv_lifetime=p["tech.pv_lifetime"],
        pv_kw_per_m2=p["tech.pv_kw_per_m2"],
        pv_household_max_kw=p["tech.pv_household_max_kw"],
        pv_self_use_household=p["tech.pv_self_use_household"],
        pv_self_use_business=p["tech.pv_self_use_business"],
        fishery_pv_kw_per_ha=p["tech.fishery_pv_mw_per_ha"] * 1000.0,
        retrofit_cost_m2=p["tech.retrofit_cost_m2"],
        retrofit_saving=p["tech.retrofit_saving"],
        retrofit_lifetime=p["tech.retrofit_lifetime"],
        new_dwelling_rate_month=p["tech.new_dwelling_rate"] / 12.0,
        green_share_new=p["tech.green_share_new_2020"],
        firm_retrofit_saving=p["tech.firm_retrofit_saving"],
        firm_retrofit_cost=p["tech.firm_retrofit_cost"],
        firm_cycle_months=round(p["tech.firm_investment_cycle"] * 12.0),
        firm_retrofit_lifetime=p["tech.firm_retrofit_lifetime"],
        fuel_switch_cost=p["tech.fuel_switch_cost"],
        electric_heat_gain=p["tech.electric_heat_efficiency_gain"],
        green_power_share=p["tech.green_power_share"],
        green_power_premium=p["tech.green_power_premium"],
        vessel_efficient_saving=p["tech.vessel_efficient_saving"],
        vessel_efficient_premium=p["tech.vessel_efficient_premium"],
        vessel_electric_premium=p["tech.vessel_electric_premium"],
        vessel_electric_max_kw=p["tech.vessel_electric_max_kw"],
        vessel_kwh_per_litre=p["tech.vessel_kwh_per_litre"],
        vessel_life_months=p["tech.vessel_life"] * 12.0,
        loan_share=p["finance.loan_share"],
        loan_rate=p["finance.loan_rate"],
        loan_years=p["finance.loan_years"],
        access_household=p["finance.credit_access_household"],
        access_vehicle=p["finance.credit_access_vehicle"],
        access_firm=p["finance.credit_access_firm"],
        access_fisher=p["finance.credit_access_fisher"],
        ci_electricity_saving=p["carbon_inclusive.electricity_saving"],
        ci_km_reduction=p["carbon_inclusive.car_km_reduction"],
        ci_attitude_boost=p["carbon_inclusive.attitude_boost"],
        ci_dropout_base=p["carbon_inclusive.dropout_base"],
        ci_dropout_scale=p["carbon_inclusive.dropout_reward_scale"],
        ef_coal=ef["coal"] * 1000.0,  # kg CO2/tce
        ef_gas=ef["natural_gas"] * 1000.0,
        ef_oil=ef["fuel_oil"] * 1000.0,
        ef_petrol=ef["petrol"],  # kg CO2/L
        ef_diesel=ef["diesel"],
        ef_lpg=ef["lpg"],  # kg CO2/kg
        ef_clinker=ef["clinker_process"] * 1000.0,  # kg CO2/t clinker
        kgce_per_kwh=ef["electricity_tce"],
        maintenance_saving_bev=veh[("all", "all", "maintenance_saving_bev")],
        purchase_tax_rate=veh[("all", "all", "purchase_tax_rate")],
        beta_charging=p["behaviour.vehicle_ev.beta_charging"],
        charging_weight_phev=p["behaviour.vehicle_ev.charging_weight_phev"],
        familiarity_2020=p["behaviour.vehicle_ev.familiarity_2020"],
        familiarity_rate=p["behaviour.vehicle_ev.familiarity_rate"],
        trade_in_scrappage=p["behaviour.vehicle_ev.trade_in_scrappage"],
        trade_in_scrappage_age_months=p["behaviour.vehicle_ev.trade_in_scrappage_age"] * 12.0,
        asc_vessel_electric=p["behaviour.fisher_vessel.asc_electric"],
        pv_payback_factor_household=p["behaviour.pv_payback_factor_household"],
        pv_payback_factor_firm=p["behaviour.pv_payback_factor_firm"],
        pv_payback_factor_fisher=p["behaviour.pv_payback_factor_fisher"],
        energy_price_elasticity=p["behaviour.firm_energy_price_elasticity"],
        clinker_price_elasticity=p["behaviour.clinker_price_elasticity"],
        clinker_cost=p["prices.clinker_cost"],
        ets_reference_price=p["prices.ets_reference_price"],
    )


def grid_factor(p: Parameters, year: float) -> float:
    """Grid emission factor in ``year``, kg CO2/kWh.

    Observed values (data/grid_factors.csv) up to their last year; after it
    ``f(y) = max(floor, f_last · (1 − d)^(y − y_last))`` with ``d = grid.decline_after_2023``.
    """
    observed = data.grid_factors()
    last = max(observed)
    whole = int(np.floor(year))
    if whole <= last:
        return observed.get(whole, observed[min(observed)])
    factor = observed[last] * (1.0 - p["grid.decline_after_2023"]) ** (year - last)
    return max(p["grid.factor_floor"], factor)
