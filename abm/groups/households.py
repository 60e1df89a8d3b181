"""Households: rooftop PV, green home (retrofit or green new build), carbon-inclusive scheme.

State, metrics, technologies and the monthly rule of the group. The rule
:func:`household_rule` decides for one household and accounts its residential CO2; the
kernel :func:`household_kernel` runs it over fixed chunks of rows in parallel, and the Mesa
``Household.step()`` runs its ``py_func`` for one row.
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
    N_CHUNKS,
    RATE,
    WILLINGNESS_MONTH,
    adoption_probability,
    annuity,
    book_support,
    financing_rate,
    pv_adoption_probability,
    pv_economics,
    share,
)
from abm.groups.synthesis import behaviour_columns, fill, mean_one_lognormal, stratum_sizes
from abm.params import Parameters
from abm.rng import counter_hash, draw, draw_hashed

NAME = "households"

SCHEMA = (
    C("district", "int8", 0, "index", "District (abm.data.DISTRICTS)"),
    C("urban", "bool", True, "bool", "Lives in an urban area"),
    C("weight", "float64", 1.0, "households/agent", "Real households this agent stands for"),
    C("income", "float64", 0.0, "CNY/yr", "Household disposable income"),
    C("owns_roof", "bool", False, "bool", "Owns a roof PV can go on"),
    C("roof_area", "float64", 0.0, "m2", "Gross roof area"),
    C("floor_area", "float64", 0.0, "m2", "Floor area of the home"),
    C("electricity_base", "float64", 0.0, "kWh/month", "Electricity use in 2020"),
    C("lpg", "float64", 0.0, "kg/month", "Cooking LPG use"),
    *COMMON_BEHAVIOUR,
    C("car", "int32", -1, "row", "Row of the household's private car (-1: none)"),
    C("peers_pv", "int32", 0, "links", "Neighbours with rooftop PV"),
    C("peers_green", "int32", 0, "links", "Neighbours in green homes"),
    C("peers_ci", "int32", 0, "links", "Neighbours in the carbon-inclusive scheme"),
    *pv_columns("rooftop PV"),
    C("green_home", "bool", False, "bool", "Lives in a green (retrofitted or green-built) home"),
    C("ci_member", "bool", False, "bool", "Takes part in the carbon-inclusive scheme"),
    C("co2_kg", "float64", 0.0, "kg CO2/month", "Emissions this month"),
    C("events", "int8", 0, "bitmask", "What happened this month (EV_* bits)"),
)

METRICS = (
    Metric("co2_kg", "kg CO2"), Metric("electricity_kwh", "kWh"), Metric("pv_kwh", "kWh"),
    Metric("pv_kw", "kW", "stock"), Metric("adopters_pv", "count", "stock"),
    Metric("adopters_green", "count", "stock"), Metric("adopters_ci", "count", "stock"),
    Metric("new_pv_kw", "kW"), Metric("pv_subsidy_cny", "CNY"),
    Metric("retrofit_subsidy_cny", "CNY"), Metric("fit_cny", "CNY"),
    Metric("ci_credit_cny", "CNY"), Metric("green_finance_cny", "CNY"),
    Metric("agents", "count", "stock"), Metric("ci_joins", "count"),
    Metric("ci_dropouts", "count"), Metric("ci_saving_kg", "kg CO2"),
    Metric("pv_export_kwh", "kWh"), Metric("lpg_kg", "kg"), Metric("pv_subsidised", "count"),
    Metric("retrofit_subsidised", "count"),
)
(H_CO2, H_ELEC, H_PV_KWH, H_PV_KW, H_N_PV, H_N_GREEN, H_N_CI, H_NEW_PV_KW, H_PV_SUB,
 H_RETRO_SUB, H_FIT, H_CI_CREDIT, H_GF, H_N, H_CI_JOIN, H_CI_DROP, H_CI_SAVING,
 H_EXPORT, H_LPG, H_PV_SUBSIDISED, H_RETRO_SUBSIDISED) = range(len(METRICS))

EV_PV, EV_GREEN, EV_CI_JOIN, EV_CI_DROP = 1, 2, 4, 8
"""Event bits of a household's month."""

T_PV, T_RETROFIT, T_CI = 0, 1, 2
TECHNOLOGIES = (
    Technology("household_pv", column_is_set("has_pv"), "peers_pv", EV_PV, 0,
               ("household_pv",), (("adopters_pv",), ("agents",))),
    Technology("household_retrofit", column_is_set("green_home"), "peers_green", EV_GREEN, 0,
               ("household_retrofit", "household_newbuild"), (("adopters_green",), ("agents",))),
    Technology("household_ci", column_is_set("ci_member"), "peers_ci", EV_CI_JOIN, EV_CI_DROP,
               ("household_ci_join", "household_ci_drop"), (("adopters_ci",), ("agents",))),
)
STREAMS = ("household_pv", "household_retrofit", "household_newbuild", "household_ci_join",
           "household_ci_drop")


@nb.njit(inline="always", cache=True)
def ci_reward_year(m, c, elec_month, car, car_km_year, car_vtype, car_powertrain, energy,
                   unit_co2) -> float:
    """Yearly carbon-inclusive reward, CNY: credit price × (electricity + car-km savings), t.

    ``saving = elec · 12 · s_elec · grid factor + [car] km_year · growth · r_km · energy ·
    unit CO2`` (kg/yr); ``reward = credit price · saving / 1000``.
    """
    saving_kg = elec_month * 12.0 * c.ci_electricity_saving * m.grid_factor
    if car >= 0:
        v = car_vtype[car]
        j = car_powertrain[car]
        saving_kg += (car_km_year[car] * m.km_growth * c.ci_km_reduction
                      * (energy[v, j] * unit_co2[v, j]))
    return m.ci_credit_price * saving_kg / 1000.0


@nb.njit(inline="always", cache=True)
def household_rule(first, last, m, c, coef, vis, keys, arrays, sums) -> None:
    """Decide PV, green home and carbon-inclusive participation; account residential CO2.

    The rule of one household ``i``, applied to rows ``first ≤ i < last`` (a chunk of the
    kernel, or one Mesa agent):

    * PV (owner-occupied roof, permanent): ``kW = min(roof · kW/m², max)`` if ≥ 1 kW, economics
      by :func:`~abm.groups.decision.pv_economics` at the residential tariff and export price
      plus feed-in premium; ``p = rate_max · σ(U)`` if the household's fixed willingness
      draw is below ``MMS(payback · f_household)`` (dGen's market potential against payback:
      the subsidy response does not saturate), else 0.
    * Green home: moving into a new build with probability ``new_dwelling_rate``, green with
      ``max(green share new, mandate)``; otherwise a retrofit with
      ``econ = (use · saving · tariff · A(r, life) − (area · cost − area · subsidy)) / gross``.
    * Carbon-inclusive scheme: join with ``p = rate_max · σ(U(reward/100) + outreach)``
      (attitude without the members' boost); members drop out with
      ``p = drop_base · exp(−reward / drop_scale)``.
    * CO2 (kg/month) ``= (elec − PV) · grid factor + LPG · ef_LPG``, ``elec = use/12 ·
      (1 − retrofit saving)[green] − member saving``.

    Args:
        first, last: Rows to decide.
        m: The month (:class:`abm.market.Month`).
        c: Run constants (:class:`abm.market.Constants`).
        coef: The group's behaviour coefficients, rows ``T_PV, T_RETROFIT, T_CI``.
        vis: The group's district adoption shares last month, (3, n_districts).
        keys: Stream keys (uint64) of :data:`STREAMS`.
        arrays: Household columns (:data:`RULE_COLUMNS`), then the vehicle columns
            ``km_year, vtype, powertrain`` (for the scheme's travel credits) and ``energy``,
            ``unit_co2``: per-km energy and CO2 per energy unit by (vehicle type, powertrain).
        sums: Per-district sums of these rows, (n_districts, len(METRICS)), added to.

    """
    (district, weight, owns_roof, roof_area, floor_area, electricity_base, lpg, attitude,
     discount_rate, credit_draw, car, degree, peers_pv, peers_green, peers_ci, has_pv, pv_kw,
     pv_fit_premium, green_home, ci_member, co2_kg, events, car_km_year, car_vtype,
     car_powertrain, energy, unit_co2) = arrays
    t = int(m.index)
    access = min(c.access_household + m.credit_expansion, 1.0)
    for i in range(first, last):
        d = district[i]
        w = weight[i]
        ev = 0
        rate = financing_rate(discount_rate[i], credit_draw[i], access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        att = attitude[i] + (c.ci_attitude_boost if ci_member[i] else 0.0)
        # this month's draws of the household, on any stream (np.uint64: a no-op compiled;
        # in the plain path it keeps the hash unsigned)
        hashed = np.uint64(counter_hash(t, i))
        use_year = electricity_base[i] * 12.0 * m.household_growth
        # Rooftop PV: owner-occupied roofs only, adoption is permanent.
        # p ≤ rate_max, so a draw above rate_max cannot lead to adoption: the economics
        # are computed only for the few agents whose draw is below it (exact shortcut; the
        # draws are pure, so one not needed is not made).
        if owns_roof[i] and not has_pv[i]:
            u = draw_hashed(keys[0], hashed)
            if u < coef[T_PV, RATE]:
                kw = min(roof_area[i] * c.pv_kw_per_m2, c.pv_household_max_kw)
                if kw >= 1.0:
                    econ, net, gross, payback = pv_economics(
                        kw, m.pv_cost_household, m.pv_subsidy_household, c.pv_yield,
                        c.pv_self_use_household, use_year, m.tariff_residential,
                        m.export_price + m.fit_premium, rate, c.pv_lifetime)
                    p = pv_adoption_probability(coef, T_PV, econ,
                                                payback * c.pv_payback_factor_household,
                                                draw(keys[0], WILLINGNESS_MONTH, i),
                                                share(peers_pv[i], degree[i]), vis[T_PV, d], att)
                    if u < p:
                        has_pv[i] = True
                        pv_kw[i] = kw
                        pv_fit_premium[i] = m.fit_premium
                        ev |= EV_PV
                        sums[d, H_NEW_PV_KW] += w * kw
                        book_support(sums[d], w, gross, net, H_PV_SUB, H_PV_SUBSIDISED, H_GF,
                                     credit_draw[i], access, c, m)
        # Green home: a retrofit, or moving into a new build (green by mandate or choice).
        if not green_home[i]:
            u_new = draw_hashed(keys[2], hashed)
            if u_new < c.new_dwelling_rate_month:
                green_new = max(c.green_share_new, m.green_mandate)
                if u_new / c.new_dwelling_rate_month < green_new:
                    green_home[i] = True
                    ev |= EV_GREEN
            else:
                u = draw_hashed(keys[1], hashed)
                if u < coef[T_RETROFIT, RATE]:
                    gross = floor_area[i] * c.retrofit_cost_m2
                    net = max(gross - floor_area[i] * m.retrofit_subsidy, 0.0)
                    value = use_year * c.retrofit_saving * m.tariff_residential
                    econ = (value * annuity(rate, c.retrofit_lifetime) - net) / gross
                    p = adoption_probability(coef, T_RETROFIT, econ,
                                             share(peers_green[i], degree[i]),
                                             vis[T_RETROFIT, d], att, 0.0)
                    if u < p:
                        green_home[i] = True
                        ev |= EV_GREEN
                        book_support(sums[d], w, gross, net, H_RETRO_SUB, H_RETRO_SUBSIDISED,
                                     H_GF, credit_draw[i], access, c, m)
        # Carbon-inclusive scheme: credits for recorded savings; join, or drop out.
        elec_now = use_year / 12.0 * (1.0 - c.retrofit_saving if green_home[i] else 1.0)
        if ci_member[i]:
            u = draw_hashed(keys[4], hashed)
            if u < c.ci_dropout_base:
                reward = ci_reward_year(m, c, elec_now, car[i], car_km_year, car_vtype,
                                        car_powertrain, energy, unit_co2)
                if u < c.ci_dropout_base * math.exp(-reward / c.ci_dropout_scale):
                    ci_member[i] = False
                    ev |= EV_CI_DROP
                    sums[d, H_CI_DROP] += w
        elif m.ci_credit_price > 0.0 or m.ci_outreach > 0.0:
            u = draw_hashed(keys[3], hashed)
            if u < coef[T_CI, RATE]:
                reward = ci_reward_year(m, c, elec_now, car[i], car_km_year, car_vtype,
                                        car_powertrain, energy, unit_co2)
                p = adoption_probability(coef, T_CI, reward / 100.0, share(peers_ci[i], degree[i]),
                                         vis[T_CI, d], attitude[i], m.ci_outreach)
                if u < p:
                    ci_member[i] = True
                    ev |= EV_CI_JOIN
                    sums[d, H_CI_JOIN] += w
        # Energy and emissions this month.
        elec = elec_now
        saving = 0.0
        if ci_member[i]:
            saving = elec * c.ci_electricity_saving
            elec -= saving
        pv = pv_kw[i] * c.pv_yield / 12.0 if has_pv[i] else 0.0
        export = max(pv - min(pv * c.pv_self_use_household, elec), 0.0)
        co2 = (elec - pv) * m.grid_factor + lpg[i] * c.ef_lpg
        co2_kg[i] = co2
        events[i] = ev
        s = sums[d]
        s[H_CO2] += w * co2
        s[H_ELEC] += w * elec
        s[H_PV_KWH] += w * pv
        s[H_EXPORT] += w * export
        s[H_FIT] += w * export * pv_fit_premium[i]
        s[H_LPG] += w * lpg[i]
        s[H_N] += w
        if has_pv[i]:
            s[H_PV_KW] += w * pv_kw[i]
            s[H_N_PV] += w
        if green_home[i]:
            s[H_N_GREEN] += w
        if ci_member[i]:
            s[H_N_CI] += w
            s[H_CI_SAVING] += w * saving * m.grid_factor
            s[H_CI_CREDIT] += w * saving * m.grid_factor / 1000.0 * m.ci_credit_price


@nb.njit(parallel=True, cache=True)
def household_kernel(m, c, coef, vis, keys, arrays, sums) -> None:
    """:func:`household_rule` over all rows, in ``N_CHUNKS`` fixed chunks (chunk b → sums[b])."""
    n = arrays[0].size
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for b in nb.prange(N_CHUNKS):
        household_rule(b * chunk, min(n, (b + 1) * chunk), m, c, coef, vis, keys, arrays,
                       sums[b])


RULE_COLUMNS = ("district", "weight", "owns_roof", "roof_area", "floor_area", "electricity_base",
                "lpg", "attitude", "discount_rate", "credit_draw", "car", "degree", "peers_pv",
                "peers_green", "peers_ci", "has_pv", "pv_kw", "pv_fit_premium", "green_home",
                "ci_member", "co2_kg", "events")
_rule_columns = itemgetter(*RULE_COLUMNS)


def arguments(model: Any, m: Any) -> tuple:
    """The rule's ``arrays``: household columns, car columns, vehicle energy tables."""
    table = model.tables[NAME]
    vehicles = model.tables["vehicles"]
    vehicle_month = model.month_inputs["vehicles"]
    return (*_rule_columns(table.arrays), vehicles.km_year, vehicles.vtype,
            vehicles.powertrain, vehicle_month["energy"], vehicle_month["unit_co2"])


def synthesise(p: Parameters, scale: float, rng: np.random.Generator,
               tables: dict[str, AgentTable]) -> AgentTable:
    """Households by district × urban/rural, with 2020 PV, green homes and scheme members."""
    districts = data.districts()
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    for d, code in enumerate(data.DISTRICTS):
        row = districts.loc[code]
        total = row["population"] / row["persons_per_household"]
        for urban in (True, False):
            share = row["urban_share"] if urban else 1.0 - row["urban_share"]
            n, w = stratum_sizes(total * share, scale)
            if n == 0:
                continue
            income_pc = row["income_urban"] if urban else row["income_rural"]
            income = income_pc * row["persons_per_household"] * mean_one_lognormal(rng, 0.5, n)
            own_share = row["own_roof_share_urban"] if urban else row["own_roof_share_rural"]
            owns = rng.random(n) < own_share
            roof = np.where(owns, (70.0 if urban else 100.0) * rng.lognormal(0, 0.35, n), 0.0)
            floor = (90.0 if urban else 130.0) * mean_one_lognormal(rng, 0.3, n)
            use = (row["electricity_per_household"] / 12.0
                   * (income / income.mean()) ** 0.3 * mean_one_lognormal(rng, 0.3, n))
            use *= row["electricity_per_household"] / 12.0 / use.mean()
            add("district", np.full(n, d))
            add("urban", np.full(n, urban))
            add("weight", np.full(n, w))
            add("income", income)
            add("owns_roof", owns)
            add("roof_area", roof)
            add("floor_area", floor)
            add("electricity_base", use)
            add("lpg", np.full(n, row["lpg_per_household"] / 12.0))
            rate = p["behaviour.discount_rate_household"]
            for k, v in behaviour_columns(rng, p, n, rate).items():
                add(k, v)
    n_total = sum(len(x) for x in cols["district"])
    table = AgentTable(SCHEMA, n_total)
    fill(table, cols)
    # Adoption in 2020: PV among owners whose roof takes at least 1 kWp.
    kw = np.minimum(table.roof_area * p["tech.pv_kw_per_m2"], p["tech.pv_household_max_kw"])
    eligible = table.owns_roof & (kw >= 1.0)
    target = p["init.household_pv_share"]
    p_pv = min(1.0, target / max(eligible.mean(), 1e-9))
    has_pv = eligible & (rng.random(n_total) < p_pv)
    table.set("has_pv", has_pv)
    table.set("pv_kw", np.where(has_pv, kw, 0.0))
    table.set("green_home", rng.random(n_total) < p["init.household_green_share"])
    table.set("ci_member", rng.random(n_total) < p["init.household_ci_share"])
    return table


GROUP = Group(NAME, SCHEMA, METRICS, TECHNOLOGIES,
              {"decide": Phase("decide", household_rule, household_kernel, arguments, STREAMS)},
    synthesise=synthesise)
