"""Firms: factory-roof PV, efficiency retrofits, coal to gas or electricity, green power.

State, metrics, technologies and the monthly rule of the group. :func:`firm_rule` decides for
one firm and accounts its energy, CO2 and cement process emissions; :func:`firm_kernel` runs
it over fixed chunks of rows in parallel, and the Mesa ``Firm.step()`` runs its ``py_func``
for one row.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numba as nb
import numpy as np

from abm import data
from abm.columns import AgentTable
from abm.groups.base import (
    COMMON_BEHAVIOUR,
    Group,
    Metric,
    Phase,
    Technology,
    column_is_set,
    pv_columns,
)
from abm.groups.base import Column as C
from abm.groups.decision import (
    N_CHUNKS,
    RATE,
    WILLINGNESS_MONTH,
    adoption_probability,
    annuity,
    book_support,
    financing_rate,
    interest_support,
    pv_adoption_probability,
    pv_economics,
    share,
)
from abm.groups.synthesis import (
    allocate,
    behaviour_columns,
    fill,
    mean_one_lognormal,
    stratum_sizes,
)
from abm.growth import industry_growth_factor
from abm.params import Parameters
from abm.rng import draw

NAME = "firms"

SCHEMA = (
    C("district", "int8", 0, "index", "District"),
    C("sector", "int8", 0, "index", "Sector (abm.data.SECTORS)"),
    C("size", "int8", 2, "index", "Size class: 0 large, 1 medium, 2 small"),
    C("weight", "float64", 1.0, "firms/agent", "Real firms this agent stands for"),
    C("energy_base", "float64", 0.0, "tce/yr", "Final energy use in 2020"),
    C("coal_share", "float64", 0.0, "1", "Coal share of final energy (2020)"),
    C("gas_share", "float64", 0.0, "1", "Gas share of final energy (2020)"),
    C("oil_share", "float64", 0.0, "1", "Oil share of final energy (2020)"),
    C("electricity_share", "float64", 0.0, "1", "Electricity share of final energy (2020)"),
    C("clinker_base", "float64", 0.0, "t/yr", "Clinker output in 2020 (cement)"),
    C("roof_area", "float64", 0.0, "m2", "Factory roof area"),
    C("ets", "bool", False, "bool", "Covered by Guangdong's emissions trading scheme"),
    C("switch_to", "int8", 0, "index", "Coal replaced by: 0 gas, 1 electricity"),
    C("cycle_phase", "int32", 0, "months", "Offset of the firm's investment cycle"),
    *COMMON_BEHAVIOUR,
    C("peers_pv", "int32", 0, "links", "Neighbours with roof PV"),
    C("peers_retrofit", "int32", 0, "links", "Neighbours with an efficiency retrofit"),
    C("peers_switch", "int32", 0, "links", "Neighbours that left coal"),
    C("peers_green_power", "int32", 0, "links", "Neighbours buying green power"),
    *pv_columns("factory-roof PV"),
    C("retrofits", "int8", 0, "count", "Efficiency retrofits done (at most 2)"),
    C("switched", "bool", False, "bool", "Has switched its coal use to gas or electricity"),
    C("green_power", "bool", False, "bool", "Buys green power"),
    C("co2_kg", "float64", 0.0, "kg CO2/month", "Emissions this month (energy and process)"),
    C("events", "int8", 0, "bitmask", "What happened this month (EV_* bits)"),
)

SWITCH_TO_GAS_SECTORS = {"paper", "glass", "ceramics"}
"""Sectors whose coal use moves to gas (kilns, dryers); the others electrify (assumption:
high-temperature heat is easier to supply with gas, low-temperature steam with electricity)."""

N_SECTORS = len(data.SECTORS)
SECTOR_CEMENT = data.SECTORS.index("cement")

METRICS = (
    Metric("co2_kg", "kg CO2"), Metric("process_co2_kg", "kg CO2"), Metric("energy_tce", "tce"),
    Metric("coal_tce", "tce"), Metric("electricity_kwh", "kWh"), Metric("pv_kwh", "kWh"),
    Metric("pv_kw", "kW", "stock"), Metric("adopters_pv", "count", "stock"),
    Metric("adopters_retrofit", "count", "stock"), Metric("adopters_switch", "count", "stock"),
    Metric("adopters_green_power", "count", "stock"), Metric("new_pv_kw", "kW"),
    Metric("pv_subsidy_cny", "CNY"), Metric("fit_cny", "CNY"),
    Metric("green_finance_cny", "CNY"), Metric("clinker_t", "t"),
    Metric("agents", "count", "stock"), Metric("cement_co2_kg", "kg CO2"),
    *[Metric(f"co2_kg_{sector}", "kg CO2") for sector in data.SECTORS],
    Metric("green_power_subsidy_cny", "CNY"), Metric("pv_subsidised", "count"),
    Metric("gas_tce", "tce"), Metric("oil_tce", "tce"),
    *[Metric(f"energy_tce_{sector}", "tce") for sector in data.SECTORS],
)
(F_CO2, F_PROCESS, F_ENERGY, F_COAL, F_ELEC, F_PV_KWH, F_PV_KW, F_N_PV, F_N_RETRO, F_N_SWITCH,
 F_N_GP, F_NEW_PV_KW, F_PV_SUB, F_FIT, F_GF, F_CLINKER, F_N, F_CEMENT_CO2) = range(18)
F_CO2_SECTOR = 18
"""First column of the per-sector CO2 block (+ sector)."""
F_GP_SUB = F_CO2_SECTOR + N_SECTORS
F_PV_SUBSIDISED = F_GP_SUB + 1
F_GAS = F_PV_SUBSIDISED + 1
F_OIL = F_GAS + 1
F_ENERGY_SECTOR = F_OIL + 1
"""First column of the per-sector final energy block (+ sector)."""

EV_FIRM_PV, EV_FIRM_RETROFIT, EV_FIRM_SWITCH, EV_FIRM_GREEN_POWER = 1, 2, 4, 8
"""Event bits of a firm's month."""

T_PV, T_RETROFIT, T_SWITCH, T_GREEN_POWER = 0, 1, 2, 3
TECHNOLOGIES = (
    Technology("firm_pv", column_is_set("has_pv"), "peers_pv", EV_FIRM_PV, 0, ("firm_pv",),
               (("adopters_pv",), ("agents",))),
    Technology("firm_retrofit", column_is_set("retrofits"), "peers_retrofit", EV_FIRM_RETROFIT,
               0, ("firm_retrofit",), (("adopters_retrofit",), ("agents",))),
    Technology("firm_switch", column_is_set("switched"), "peers_switch", EV_FIRM_SWITCH, 0,
               ("firm_switch",), (("adopters_switch",), ("agents",))),
    Technology("firm_green_power", column_is_set("green_power"), "peers_green_power",
               EV_FIRM_GREEN_POWER, 0, ("firm_green_power",),
               (("adopters_green_power",), ("agents",))),
)
STREAMS = ("firm_pv", "firm_retrofit", "firm_switch", "firm_green_power")
RULE_COLUMNS = ("district", "sector", "size", "weight", "energy_base", "coal_share", "gas_share",
                "oil_share", "electricity_share", "clinker_base", "roof_area", "ets",
                "switch_to", "cycle_phase", "attitude", "discount_rate", "credit_draw", "degree",
                "peers_pv", "peers_retrofit", "peers_switch", "peers_green_power", "has_pv",
                "pv_kw", "pv_fit_premium", "retrofits", "switched", "green_power", "co2_kg",
                "events")
_rule_columns = itemgetter(*RULE_COLUMNS)


@nb.njit(inline="always", cache=True)
def firm_rule(first, last, m, c, coef, vis, keys, arrays, sums) -> None:
    """Decide roof PV, retrofit, coal switch and green power; account industry CO2.

    The rule of one firm ``i``, applied to rows ``first ≤ i < last``. Energy
    ``E = E_2020 · g_sector(t) · (1 − s_retrofit)^n_retrofits`` (tce/yr); after a switch the
    coal share moves to gas (1:1) or electricity (÷ efficiency gain). A firm pays the carbon
    price if ETS-covered, or large/medium in a sector the ETS has been extended to.

    * Operational response of firms paying the carbon price (every month): energy use is
      scaled by ``((P + cp · k) / (P + cp_ref · k))^−ε`` with ``P`` the firm's energy price
      mix (CNY/tce), ``k`` its CO2 per tce (t) and ``cp_ref`` the price its 2020 use was
      observed at (the pilot price for firms covered in 2020, 0 for newly covered ones);
      cement's clinker (and kiln energy) by ``((C + cp · e) / (C + cp_ref · e))^−ε_clinker``
      with clinker cost ``C`` and process factor ``e`` (clinker-to-cement ratio).
    * PV: ``kW = roof · kW/m²`` (≥ 1 kW), economics at the business tariff,
      ``p = rate_max · σ(U)`` if the firm's willingness draw is below ``MMS(payback ·
      f_firm)``, else 0.
    * Retrofit (at the investment cycle, at most two): saves ``s · E`` tce/yr worth the fuel
      mix price plus carbon cost; ``econ = (value · A(r, life) − capex) / capex``.
    * Coal switch (not cement): ``econ = ((old − new) fuel and carbon cost · A − capex) /
      capex``; decided at the investment cycle; non-ETS large/medium firms also face the
      phase-out hazard ``max(p, phase-out/12)``.
    * Green power: ``econ = −green share · max(premium − subsidy, 0) / tariff``; buyers are
      paid ``min(subsidy, premium)`` per green kWh while a subsidy is in force.
    * CO2 = Σ fuel · factor + grid kWh · grid factor · (1 − green share) − PV kWh · grid
      factor; cement adds clinker · process factor.

    Args:
        first, last: Rows.
        m, c: The month and the run's constants (:mod:`abm.market`).
        coef: The group's coefficient rows (``T_PV, T_RETROFIT, T_SWITCH, T_GREEN_POWER``);
            vis: their district shares last month.
        keys: Stream keys of :data:`STREAMS`.
        arrays: ``sector_growth`` (energy growth factor by sector), then the firm columns of
            :data:`RULE_COLUMNS`.
        sums: Per-district sums of these rows, (n_districts, len(METRICS)), added to.

    """
    (sector_growth, district, sector, size, weight, energy_base, coal_share, gas_share, oil_share,
     electricity_share, clinker_base, roof_area, ets, switch_to, cycle_phase, attitude,
     discount_rate, credit_draw, degree, peers_pv, peers_retrofit, peers_switch,
     peers_green_power, has_pv, pv_kw, pv_fit_premium, retrofits, switched, green_power, co2_kg,
     events) = arrays
    t = int(m.index)
    access = min(c.access_firm + m.credit_expansion, 1.0)
    tce_price_elec = m.tariff_business / (c.kgce_per_kwh / 1000.0)
    for i in range(first, last):
        d = district[i]
        w = weight[i]
        ev = 0
        rate = financing_rate(discount_rate[i], credit_draw[i], access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        att = attitude[i]
        energy = energy_base[i] * sector_growth[sector[i]] \
            * (1.0 - c.firm_retrofit_saving) ** retrofits[i]
        coal = coal_share[i]
        gas = gas_share[i]
        elec_share = electricity_share[i]
        if switched[i]:
            if switch_to[i] == 0:
                gas += coal
            else:
                elec_share += coal / c.electric_heat_gain
            coal = 0.0
        # Pays the carbon price: ETS-covered since 2020, or large/medium firm of a sector
        # the ETS has been extended to (bit `sector` of the month's mask).
        covered = ets[i] or (size[i] != 2 and (int(m.ets_sector_mask) >> sector[i]) & 1)
        cp = m.carbon_price if covered else 0.0
        # Operational response to the carbon price (output, efficiency, fuel at the margin;
        # for cement the clinker-to-cement ratio), against the price 2020 use was seen at.
        clinker_factor = 1.0
        if covered:
            cp_ref = c.ets_reference_price if ets[i] else 0.0
            if sector[i] == SECTOR_CEMENT:
                k = c.ef_clinker / 1000.0
                clinker_factor = ((c.clinker_cost + cp * k) / (c.clinker_cost + cp_ref * k)) \
                    ** (-c.clinker_price_elasticity)
                energy *= clinker_factor
            else:
                k = ((coal * c.ef_coal + gas * c.ef_gas + oil_share[i] * c.ef_oil) / 1000.0
                     + elec_share / (c.kgce_per_kwh / 1000.0) * m.grid_factor / 1000.0)
                mix = (coal * m.price_coal + gas * m.price_gas + oil_share[i] * m.price_oil
                       + elec_share * tce_price_elec)
                energy *= ((mix + cp * k) / (mix + cp_ref * k)) ** (-c.energy_price_elasticity)
        elec_kwh_year = energy * elec_share / (c.kgce_per_kwh / 1000.0)
        investing = (t + cycle_phase[i]) % int(c.firm_cycle_months) == 0
        # Roof PV.
        u = draw(keys[0], t, i)
        if not has_pv[i] and u < coef[T_PV, RATE]:
            kw = roof_area[i] * c.pv_kw_per_m2
            if kw >= 1.0:
                econ, net, gross, payback = pv_economics(
                    kw, m.pv_cost_business, m.pv_subsidy_firm, c.pv_yield,
                    c.pv_self_use_business, elec_kwh_year, m.tariff_business,
                    m.export_price + m.fit_premium, rate, c.pv_lifetime)
                p = pv_adoption_probability(coef, T_PV, econ, payback * c.pv_payback_factor_firm,
                                            draw(keys[0], WILLINGNESS_MONTH, i),
                                            share(peers_pv[i], degree[i]), vis[T_PV, d], att)
                if u < p:
                    has_pv[i] = True
                    pv_kw[i] = kw
                    pv_fit_premium[i] = m.fit_premium
                    ev |= EV_FIRM_PV
                    sums[d, F_NEW_PV_KW] += w * kw
                    book_support(sums[d], w, gross, net, F_PV_SUB, F_PV_SUBSIDISED, F_GF,
                                 credit_draw[i], access, c, m)
        # Efficiency retrofit at the investment cycle (at most two).
        if investing and retrofits[i] < 2:
            saved = energy * c.firm_retrofit_saving
            fuel_co2 = (coal * c.ef_coal + gas * c.ef_gas + oil_share[i] * c.ef_oil) / 1000.0
            price_mix = (coal * m.price_coal + gas * m.price_gas + oil_share[i] * m.price_oil
                         + elec_share * tce_price_elec)
            value = saved * (price_mix + cp * (fuel_co2 + elec_share / (
                c.kgce_per_kwh / 1000.0) * m.grid_factor / 1000.0))
            capex = saved * c.firm_retrofit_cost
            econ = (value * annuity(rate, c.firm_retrofit_lifetime) - capex) / capex
            p = adoption_probability(coef, T_RETROFIT, econ,
                                     share(peers_retrofit[i], degree[i]),
                                     vis[T_RETROFIT, d], att, 0.0)
            if draw(keys[1], t, i) < p:
                if retrofits[i] == 0:
                    ev |= EV_FIRM_RETROFIT
                retrofits[i] += 1
                energy *= 1.0 - c.firm_retrofit_saving
                elec_kwh_year *= 1.0 - c.firm_retrofit_saving
                sums[d, F_GF] += w * interest_support(
                    capex, credit_draw[i], access, c.loan_share, m.green_rate_discount,
                    c.loan_years)
        # Coal to gas or electricity (not cement kilns).
        if not switched[i] and coal > 0.0 and sector[i] != SECTOR_CEMENT:
            coal_tce = energy * coal
            old = coal_tce * (m.price_coal + cp * c.ef_coal / 1000.0)
            if switch_to[i] == 0:
                new = coal_tce * (m.price_gas + cp * c.ef_gas / 1000.0)
            else:
                new = coal_tce / c.electric_heat_gain * tce_price_elec
            capex = coal_tce * c.fuel_switch_cost
            econ = ((old - new) * annuity(rate, c.firm_retrofit_lifetime) - capex) / capex
            p = 0.0
            if investing:
                p = adoption_probability(coef, T_SWITCH, econ,
                                         share(peers_switch[i], degree[i]),
                                         vis[T_SWITCH, d], att, 0.0)
            if size[i] != 0 and not ets[i]:
                p = max(p, m.coal_phaseout / 12.0)
            if draw(keys[2], t, i) < p:
                switched[i] = True
                ev |= EV_FIRM_SWITCH
                if switch_to[i] == 0:
                    gas += coal
                else:
                    elec_share += coal / c.electric_heat_gain
                    elec_kwh_year = energy * elec_share / (c.kgce_per_kwh / 1000.0)
                coal = 0.0
        # Green power purchase.
        u = draw(keys[3], t, i)
        if not green_power[i] and u < coef[T_GREEN_POWER, RATE]:
            bill = elec_kwh_year * m.tariff_business
            cost = elec_kwh_year * c.green_power_share * max(
                c.green_power_premium - m.green_power_subsidy, 0.0)
            econ = -cost / bill if bill > 0.0 else 0.0
            p = adoption_probability(coef, T_GREEN_POWER, econ,
                                     share(peers_green_power[i], degree[i]),
                                     vis[T_GREEN_POWER, d], att, 0.0)
            if u < p:
                green_power[i] = True
                ev |= EV_FIRM_GREEN_POWER
        # Energy and emissions this month.
        month_energy = energy / 12.0
        elec = elec_kwh_year / 12.0
        grid_share = 1.0 - (c.green_power_share if green_power[i] else 0.0)
        pv = pv_kw[i] * c.pv_yield / 12.0 if has_pv[i] else 0.0
        export = max(pv - min(pv * c.pv_self_use_business, elec), 0.0)
        fuel_co2 = month_energy * (coal * c.ef_coal + gas * c.ef_gas + oil_share[i] * c.ef_oil)
        co2 = fuel_co2 + (elec * grid_share - pv) * m.grid_factor
        clinker = clinker_base[i] * m.clinker_growth / 12.0 * clinker_factor
        process = clinker * c.ef_clinker
        co2_kg[i] = co2 + process
        events[i] = ev
        s = sums[d]
        s[F_CO2] += w * co2
        s[F_CO2_SECTOR + sector[i]] += w * (co2 + process)
        s[F_PROCESS] += w * process
        # Final energy by fuel; after a switch to electricity the shares sum to less than 1
        # (electric heat needs less final energy), so the total is the sum of the fuels.
        final = month_energy * (coal + gas + oil_share[i] + elec_share)
        s[F_ENERGY] += w * final
        s[F_ENERGY_SECTOR + sector[i]] += w * final
        s[F_COAL] += w * month_energy * coal
        s[F_GAS] += w * month_energy * gas
        s[F_OIL] += w * month_energy * oil_share[i]
        s[F_ELEC] += w * elec
        s[F_PV_KWH] += w * pv
        s[F_FIT] += w * export * pv_fit_premium[i]
        s[F_CLINKER] += w * clinker
        s[F_N] += w
        if sector[i] == SECTOR_CEMENT:
            s[F_CEMENT_CO2] += w * (fuel_co2 + process)
        if has_pv[i]:
            s[F_PV_KW] += w * pv_kw[i]
            s[F_N_PV] += w
        if retrofits[i] > 0:
            s[F_N_RETRO] += w
        if switched[i]:
            s[F_N_SWITCH] += w
        if green_power[i]:
            s[F_N_GP] += w
            s[F_GP_SUB] += w * elec * c.green_power_share * min(m.green_power_subsidy,
                                                                c.green_power_premium)

@nb.njit(parallel=True, cache=True)
def firm_kernel(m, c, coef, vis, keys, arrays, sums) -> None:
    """:func:`firm_rule` over all rows, in ``N_CHUNKS`` fixed chunks (chunk b → sums[b])."""
    n = arrays[1].size
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for b in nb.prange(N_CHUNKS):
        firm_rule(b * chunk, min(n, (b + 1) * chunk), m, c, coef, vis, keys, arrays, sums[b])


def sector_growth(params: Any, years: float) -> np.ndarray:
    """Energy-use growth factor of each sector after ``years`` (cement follows clinker).

    Other sectors: :func:`abm.growth.industry_growth_factor`; cement:
    ``(1 + g_cement)^y · (1 − aeei)^y``.
    """
    g = np.full(N_SECTORS, industry_growth_factor(params, years))
    aeei = params["economy.energy_efficiency_trend"]
    g[SECTOR_CEMENT] = ((1.0 + params["economy.cement_growth"]) ** years
                        * (1.0 - aeei) ** years)
    return g


def prepare_month(model: Any, m: Any) -> dict[str, np.ndarray]:
    """The month's sector growth factors."""
    return {"sector_growth": sector_growth(model.params, m.years)}


def arguments(model: Any, m: Any) -> tuple:
    """The rule's ``arrays`` (see :func:`firm_rule`)."""
    table = model.tables[NAME]
    return (model.month_inputs[NAME]["sector_growth"],
            *_rule_columns(table.arrays))


def synthesise(p: Parameters, scale: float, rng: np.random.Generator,
               tables: dict[str, AgentTable]) -> AgentTable:
    """Firms by sector × size × district (``data/firms.csv``), with 2020 roof PV."""
    strata = data.firms()
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    cycle = round(p["tech.firm_investment_cycle"] * 12)
    for row in strata.itertuples():
        shares = np.array([getattr(row, f"share_{d}") for d in data.DISTRICTS], dtype=float)
        per_district = allocate(int(row.firms), shares)
        sector = data.SECTORS.index(row.sector)
        size = ("large", "medium", "small").index(row.size)
        # Firms are few (about 10,000): large and ETS-covered ones at most
        # synthesis.large_firm_max_scale real firms per agent (1: one agent each), the others
        # at most synthesis.firm_max_scale, so firm levers are not sampling noise.
        if size == 0 or row.ets_covered:
            stratum_scale = min(scale, p["synthesis.large_firm_max_scale"])
        else:
            stratum_scale = min(scale, p["synthesis.firm_max_scale"])
        for d, count in enumerate(per_district):
            n, w = stratum_sizes(count, stratum_scale)
            if n == 0:
                continue
            add("district", np.full(n, d))
            add("sector", np.full(n, sector))
            add("size", np.full(n, size))
            add("weight", np.full(n, w))
            # One size draw for energy and clinker: a kiln's fuel use follows its output.
            size_draw = mean_one_lognormal(rng, 0.5, n)
            add("energy_base", row.energy_tce_per_firm * size_draw)
            for fuel in ("coal_share", "gas_share", "oil_share", "electricity_share"):
                add(fuel, np.full(n, getattr(row, fuel)))
            add("clinker_base", row.clinker_t_per_firm * size_draw)
            add("roof_area", row.roof_m2_per_firm * mean_one_lognormal(rng, 0.4, n))
            add("ets", np.full(n, bool(row.ets_covered)))
            add("switch_to", np.full(n, 0 if row.sector in SWITCH_TO_GAS_SECTORS else 1))
            add("cycle_phase", rng.integers(0, cycle, n))
            for k, v in behaviour_columns(rng, p, n, p["behaviour.discount_rate_firm"]).items():
                add(k, v)
    n_total = sum(len(x) for x in cols["district"])
    table = AgentTable(SCHEMA, n_total)
    fill(table, cols)
    kw = table.roof_area * p["tech.pv_kw_per_m2"]
    has_pv = (kw >= 1.0) & (rng.random(n_total) < p["init.firm_pv_share"])
    table.set("has_pv", has_pv)
    table.set("pv_kw", np.where(has_pv, kw, 0.0))
    return table


GROUP = Group(NAME, SCHEMA, METRICS, TECHNOLOGIES,
              {"decide": Phase("decide", firm_rule, firm_kernel, arguments, STREAMS)},
              prepare_month=prepare_month,
    synthesise=synthesise)
