"""Fishers: fishery-PV (渔光互补) over ponds and the vessel type at each replacement.

A row is a pond farm (``kind == KIND_POND``) or a fishing vessel (``KIND_VESSEL``). State,
metrics, technologies and the monthly rule of the group: :func:`fisher_rule` decides for one
farm or vessel and accounts its CO2; :func:`fisher_kernel` runs it over fixed chunks of rows
in parallel, and the Mesa ``Fisher.step()`` runs its ``py_func`` for one row.
"""

from __future__ import annotations

import math
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
    B0,
    B_ATT,
    B_ECON,
    B_PEER,
    B_VIS,
    N_CHUNKS,
    RATE,
    WILLINGNESS_MONTH,
    annuity,
    book_support,
    financing_rate,
    pv_adoption_probability,
    pv_economics,
    share,
)
from abm.groups.synthesis import behaviour_columns, fill, mean_one_lognormal, stratum_sizes
from abm.params import Parameters
from abm.rng import draw

NAME = "fishers"

SCHEMA = (
    C("district", "int8", 0, "index", "District"),
    C("kind", "int8", 0, "index", "0 pond farm, 1 fishing vessel"),
    C("weight", "float64", 1.0, "units/agent", "Real farms or vessels this agent stands for"),
    C("pond_area", "float64", 0.0, "ha", "Pond area (farms)"),
    C("electricity_base", "float64", 0.0, "kWh/yr", "Aerator and pump electricity (farms)"),
    C("suitable_pv", "bool", False, "bool", "Ponds suitable for fishery-PV"),
    C("engine_kw", "float64", 0.0, "kW", "Engine power (vessels)"),
    C("diesel_base", "float64", 0.0, "L/yr", "Diesel use of a conventional vessel"),
    C("vessel_age", "int32", 0, "months", "Vessel age"),
    C("vessel_life", "int32", 240, "months", "Age at which the vessel is replaced"),
    C("vessel_type", "int8", 0, "index", "0 conventional, 1 efficient, 2 electric"),
    *COMMON_BEHAVIOUR,
    C("peers_pv", "int32", 0, "links", "Neighbours with fishery-PV"),
    C("peers_vessel", "int32", 0, "links", "Neighbours with efficient or electric vessels"),
    *pv_columns("fishery-PV over its ponds"),
    C("co2_kg", "float64", 0.0, "kg CO2/month", "Emissions this month"),
    C("events", "int8", 0, "bitmask", "What happened this month (EV_* bits)"),
)

KIND_POND, KIND_VESSEL = 0, 1
VESSEL_CONVENTIONAL, VESSEL_EFFICIENT, VESSEL_ELECTRIC = 0, 1, 2
FISHERY_PV_SELF_USE = 0.05
"""Share of fishery-PV output used on the farm (aerators, pumps); the rest is exported."""

METRICS = (
    Metric("co2_kg", "kg CO2"), Metric("electricity_kwh", "kWh"), Metric("pv_kwh", "kWh"),
    Metric("pv_kw", "kW", "stock"), Metric("adopters_pv", "count", "stock"),
    Metric("vessels_efficient", "count", "stock"), Metric("vessels_electric", "count", "stock"),
    Metric("diesel_l", "L"), Metric("new_pv_kw", "kW"), Metric("pv_subsidy_cny", "CNY"),
    Metric("fit_cny", "CNY"), Metric("vessel_subsidy_cny", "CNY"),
    Metric("green_finance_cny", "CNY"), Metric("vessels", "count", "stock"),
    Metric("farms", "count", "stock"), Metric("vessel_sales", "count"),
    Metric("suitable_farms", "count", "stock"), Metric("pv_subsidised", "count"),
    Metric("vessels_subsidised", "count"),
)
(X_CO2, X_ELEC, X_PV_KWH, X_PV_KW, X_N_PV, X_N_EFF, X_N_ELEC, X_DIESEL, X_NEW_PV_KW, X_PV_SUB,
 X_FIT, X_VESSEL_SUB, X_GF, X_N_VESSELS, X_N_FARMS, X_VESSEL_SALES,
 X_N_SUITABLE, X_PV_SUBSIDISED, X_VESSELS_SUBSIDISED) = range(len(METRICS))

EV_FISHER_PV, EV_VESSEL_UP, EV_VESSEL_DOWN = 1, 2, 4
"""Event bits: fishery-PV installed; conventional vessel replaced by an improved one, or the
reverse."""


def _ponds(table: Any) -> Any:
    return table.kind == KIND_POND


def _vessels(table: Any) -> Any:
    return table.kind == KIND_VESSEL


T_PV, T_VESSEL = 0, 1
TECHNOLOGIES = (
    Technology("fisher_pv", column_is_set("has_pv"), "peers_pv", EV_FISHER_PV, 0,
               ("fisher_pv",), (("adopters_pv",), ("farms",)), eligible=_ponds),
    Technology("fisher_vessel", column_is_set("vessel_type"), "peers_vessel", EV_VESSEL_UP,
               EV_VESSEL_DOWN, ("fisher_vessel", "fisher_life"),
               (("vessels_efficient", "vessels_electric"), ("vessels",)), eligible=_vessels),
)
STREAMS = ("fisher_pv", "fisher_vessel", "fisher_life")
RULE_COLUMNS = ("district", "kind", "weight", "pond_area", "electricity_base", "suitable_pv",
                "engine_kw", "diesel_base", "vessel_age", "vessel_life", "vessel_type",
                "attitude", "discount_rate", "credit_draw", "degree", "peers_pv",
                "peers_vessel", "has_pv", "pv_kw", "pv_fit_premium", "co2_kg", "events")
_rule_columns = itemgetter(*RULE_COLUMNS)


@nb.njit(inline="always", cache=True)
def fisher_rule(first, last, m, c, coef, vis, keys, arrays, sums) -> None:
    """Decide fishery-PV over ponds and the vessel type at replacement; account fishery CO2.

    The rule of one farm or vessel ``i``, applied to rows ``first ≤ i < last``.

    * Farm: fishery-PV over suitable ponds, ``kW = area · kW/ha``, economics at the business
      tariff with on-farm use :data:`FISHERY_PV_SELF_USE`, ``p = rate_max · σ(U)`` if the
      farm's willingness draw is below ``MMS(payback · f_fisher)``, else 0; CO2 =
      (electricity − PV) · grid factor.
    * Vessel, at the end of its life: logit over conventional, efficient (−s diesel, premium
      per kW) and electric (engines up to a size limit; diesel litres × kWh/L at the business
      tariff): ``V_j = β0 [+ asc_electric] + social + β_econ · (TCO_conv − TCO_j) / TCO_conv``,
      ``V_conv = 0``, ``social = β_peer·peer + β_vis·district + β_att·attitude``; the new vessel
      lives ``life · (0.6 + 0.8 u)`` months. CO2 = diesel · ef_diesel + kWh · grid factor.

    Args:
        first, last: Rows.
        m, c: The month and the run's constants (:mod:`abm.market`).
        coef: The group's coefficient rows (``T_PV, T_VESSEL``); vis: their district shares.
        keys: Stream keys of :data:`STREAMS` (pv, vessel choice, vessel life).
        arrays: The fisher columns of :data:`RULE_COLUMNS`.
        sums: Per-district sums of these rows, (n_districts, len(METRICS)), added to.

    """
    (district, kind, weight, pond_area, electricity_base, suitable_pv, engine_kw, diesel_base,
     vessel_age, vessel_life, vessel_type, attitude, discount_rate, credit_draw, degree,
     peers_pv, peers_vessel, has_pv, pv_kw, pv_fit_premium, co2_kg, events) = arrays
    t = int(m.index)
    access = min(c.access_fisher + m.credit_expansion, 1.0)
    for i in range(first, last):
        d = district[i]
        w = weight[i]
        ev = 0
        rate = financing_rate(discount_rate[i], credit_draw[i], access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        s = sums[d]
        if kind[i] == KIND_POND:
            u = draw(keys[0], t, i)
            if suitable_pv[i] and not has_pv[i] and u < coef[T_PV, RATE]:
                kw = pond_area[i] * c.fishery_pv_kw_per_ha
                econ, net, gross, payback = pv_economics(
                    kw, m.pv_cost_fishery, m.pv_subsidy_fisher, c.pv_yield, FISHERY_PV_SELF_USE,
                    electricity_base[i], m.tariff_business, m.export_price + m.fit_premium,
                    rate, c.pv_lifetime)
                p = pv_adoption_probability(coef, T_PV, econ,
                                            payback * c.pv_payback_factor_fisher,
                                            draw(keys[0], WILLINGNESS_MONTH, i),
                                            share(peers_pv[i], degree[i]), vis[T_PV, d],
                                            attitude[i])
                if u < p:
                    has_pv[i] = True
                    pv_kw[i] = kw
                    pv_fit_premium[i] = m.fit_premium
                    ev |= EV_FISHER_PV
                    s[X_NEW_PV_KW] += w * kw
                    book_support(s, w, gross, net, X_PV_SUB, X_PV_SUBSIDISED, X_GF,
                                 credit_draw[i], access, c, m)
            elec = electricity_base[i] / 12.0
            pv = pv_kw[i] * c.pv_yield / 12.0 if has_pv[i] else 0.0
            export = max(pv - min(pv * FISHERY_PV_SELF_USE, elec), 0.0)
            co2 = (elec - pv) * m.grid_factor
            s[X_ELEC] += w * elec
            s[X_PV_KWH] += w * pv
            s[X_FIT] += w * export * pv_fit_premium[i]
            s[X_N_FARMS] += w
            if suitable_pv[i]:
                s[X_N_SUITABLE] += w
            if has_pv[i]:
                s[X_PV_KW] += w * pv_kw[i]
                s[X_N_PV] += w
        else:
            vessel_age[i] += 1
            if vessel_age[i] >= vessel_life[i]:
                diesel_year = diesel_base[i]
                a = annuity(rate, c.vessel_life_months / 12.0)
                fuel_cost = diesel_year * m.price_diesel
                tco_conv = a * fuel_cost
                tco_eff = (engine_kw[i] * (c.vessel_efficient_premium - m.vessel_subsidy)
                           + a * fuel_cost * (1.0 - c.vessel_efficient_saving))
                tco_elec = (engine_kw[i] * (c.vessel_electric_premium - m.vessel_subsidy)
                            + a * diesel_year * c.vessel_kwh_per_litre * m.tariff_business)
                scale = max(tco_conv, 1.0)
                peer = share(peers_vessel[i], degree[i])
                social = (coef[T_VESSEL, B_PEER] * peer
                          + coef[T_VESSEL, B_VIS] * vis[T_VESSEL, d]
                          + coef[T_VESSEL, B_ATT] * attitude[i])
                u_eff = (coef[T_VESSEL, B0] + social
                         + coef[T_VESSEL, B_ECON] * (tco_conv - tco_eff) / scale)
                e_conv = 1.0
                e_eff = math.exp(min(u_eff, 700.0))
                e_elec = 0.0
                if engine_kw[i] <= c.vessel_electric_max_kw:
                    u_elec = (coef[T_VESSEL, B0] + c.asc_vessel_electric + social
                              + coef[T_VESSEL, B_ECON] * (tco_conv - tco_elec) / scale)
                    e_elec = math.exp(min(u_elec, 700.0))
                u = draw(keys[1], t, i) * (e_conv + e_eff + e_elec)
                before = vessel_type[i]
                if u < e_conv:
                    vessel_type[i] = VESSEL_CONVENTIONAL
                elif u < e_conv + e_eff or e_elec == 0.0:
                    vessel_type[i] = VESSEL_EFFICIENT
                else:
                    vessel_type[i] = VESSEL_ELECTRIC
                if before == VESSEL_CONVENTIONAL and vessel_type[i] != VESSEL_CONVENTIONAL:
                    ev |= EV_VESSEL_UP
                elif before != VESSEL_CONVENTIONAL and vessel_type[i] == VESSEL_CONVENTIONAL:
                    ev |= EV_VESSEL_DOWN
                if vessel_type[i] != VESSEL_CONVENTIONAL:
                    s[X_VESSEL_SUB] += w * engine_kw[i] * m.vessel_subsidy
                    if m.vessel_subsidy > 0.0:
                        s[X_VESSELS_SUBSIDISED] += w
                s[X_VESSEL_SALES] += w
                vessel_age[i] = 0
                vessel_life[i] = int(c.vessel_life_months * (0.6 + 0.8 * draw(keys[2], t, i)))
            diesel = diesel_base[i] / 12.0
            elec = 0.0
            if vessel_type[i] == VESSEL_EFFICIENT:
                diesel *= 1.0 - c.vessel_efficient_saving
            elif vessel_type[i] == VESSEL_ELECTRIC:
                elec = diesel * c.vessel_kwh_per_litre
                diesel = 0.0
            co2 = diesel * c.ef_diesel + elec * m.grid_factor
            s[X_DIESEL] += w * diesel
            s[X_ELEC] += w * elec
            s[X_N_VESSELS] += w
            if vessel_type[i] == VESSEL_EFFICIENT:
                s[X_N_EFF] += w
            elif vessel_type[i] == VESSEL_ELECTRIC:
                s[X_N_ELEC] += w
        co2_kg[i] = co2
        events[i] = ev
        s[X_CO2] += w * co2

@nb.njit(parallel=True, cache=True)
def fisher_kernel(m, c, coef, vis, keys, arrays, sums) -> None:
    """:func:`fisher_rule` over all rows, in ``N_CHUNKS`` fixed chunks (chunk b → sums[b])."""
    n = arrays[0].size
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for b in nb.prange(N_CHUNKS):
        fisher_rule(b * chunk, min(n, (b + 1) * chunk), m, c, coef, vis, keys, arrays, sums[b])


def arguments(model: Any, m: Any) -> tuple:
    """The rule's ``arrays``: the fisher columns of :data:`RULE_COLUMNS`."""
    table = model.tables[NAME]
    return _rule_columns(table.arrays)


def synthesise(p: Parameters, scale: float, rng: np.random.Generator,
               tables: dict[str, AgentTable]) -> AgentTable:
    """Pond farms and fishing vessels by district, with 2020 fishery-PV."""
    districts = data.districts()
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    life_mean = p["tech.vessel_life"] * 12.0
    for d, code in enumerate(data.DISTRICTS):
        row = districts.loc[code]
        farms = row["pond_area"] / row["pond_farm_size"]
        suitable_share = p["tech.fishery_pv_suitable_share"]
        # Strata: farms suitable for fishery-PV, the other farms, vessels. The few that decide
        # (suitable farms, vessels) are sampled at most synthesis.*_max_scale per agent, so a
        # lever aimed at them moves more than sampling noise; the other farms only use power.
        for kind, suitable, count, cap in (
                (0, True, farms * suitable_share, p["synthesis.pond_max_scale"]),
                (0, False, farms * (1.0 - suitable_share), scale),
                (1, False, row["fishing_vessels"], p["synthesis.vessel_max_scale"])):
            n, w = stratum_sizes(count, min(scale, cap))
            if n == 0:
                continue
            add("district", np.full(n, d))
            add("kind", np.full(n, kind))
            add("weight", np.full(n, w))
            if kind == 0:
                area = row["pond_farm_size"] * mean_one_lognormal(rng, 0.5, n)
                add("pond_area", area)
                add("electricity_base", area * row["pond_electricity"])
                add("suitable_pv", np.full(n, suitable))
                zeros = np.zeros(n)
                add("engine_kw", zeros)
                add("diesel_base", zeros)
                add("vessel_age", zeros)
                add("vessel_life", np.full(n, 1 << 30))
            else:
                engine = row["vessel_engine"] * mean_one_lognormal(rng, 0.6, n)
                life = (life_mean * (0.6 + 0.8 * rng.random(n))).astype(np.int32)
                add("pond_area", np.zeros(n))
                add("electricity_base", np.zeros(n))
                add("suitable_pv", np.zeros(n, dtype=bool))
                add("engine_kw", engine)
                add("diesel_base", row["vessel_diesel"] * engine / row["vessel_engine"])
                add("vessel_age", (rng.random(n) * life).astype(np.int32))
                add("vessel_life", life)
            for k, v in behaviour_columns(rng, p, n, p["behaviour.discount_rate_fisher"]).items():
                add(k, v)
    n_total = sum(len(x) for x in cols["district"])
    table = AgentTable(SCHEMA, n_total)
    fill(table, cols)
    has_pv = table.suitable_pv & (rng.random(n_total) < p["init.fisher_pv_share"])
    table.set("has_pv", has_pv)
    table.set("pv_kw", np.where(has_pv, table.pond_area * p["tech.fishery_pv_mw_per_ha"] * 1e3,
                                0.0))
    return table


GROUP = Group(NAME, SCHEMA, METRICS, TECHNOLOGIES,
              {"decide": Phase("decide", fisher_rule, fisher_kernel, arguments, STREAMS)},
    synthesise=synthesise)
