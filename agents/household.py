"""The Household agent: rooftop PV, green home, carbon-inclusive participation."""

from __future__ import annotations

import math

from abm import kernels as k
from abm.rng import draw_py
from agents import schemas
from agents.base import RowAgent
from agents.decision import (
    adoption_probability,
    annuity,
    financing_rate,
    interest_support,
    pv_economics,
    share,
)


class Household(RowAgent):
    """A view onto one row of ``model.tables["households"]``."""

    group = "households"
    schema = schemas.HOUSEHOLD

    def step(self) -> None:
        """Reference path of :func:`abm.kernels.household_step` for this household."""
        model = self.model
        m, c, coef, keys = model.month_state, model.constants, model.coef, model.streams.keys
        t, i, d, w = int(m.index), self.row, self.district, self.weight
        sums = model.reference_sums["households"][d]
        vis = model.visibility
        events = 0
        access = min(c.access_household + m.credit_expansion, 1.0)
        rate = financing_rate(self.discount_rate, self.credit_draw, access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        attitude = self.attitude + (c.ci_attitude_boost if self.ci_member else 0.0)
        use_year = self.electricity_base * 12.0 * m.household_growth

        if self.owns_roof and not self.has_pv:
            kw = min(self.roof_area * c.pv_kw_per_m2, c.pv_household_max_kw)
            if kw >= 1.0:
                econ, net, gross = pv_economics(
                    kw, m.pv_cost_household, m.pv_subsidy_household, c.pv_yield,
                    c.pv_self_use_household, use_year, m.tariff_residential,
                    m.export_price + m.fit_premium, rate, c.pv_lifetime)
                p = adoption_probability(coef, k.T_HOUSEHOLD_PV, econ,
                                         share(self.peers_pv, self.degree),
                                         vis[k.T_HOUSEHOLD_PV, d], attitude, 0.0)
                if draw_py(int(keys["household_pv"]), t, i) < p:
                    self.has_pv, self.pv_kw, self.pv_fit_premium = True, kw, m.fit_premium
                    events |= k.EV_PV
                    sums[k.H_NEW_PV_KW] += w * kw
                    sums[k.H_PV_SUB] += w * (gross - net)
                    sums[k.H_GF] += w * interest_support(net, self.credit_draw, access,
                                                         c.loan_share, m.green_rate_discount,
                                                         c.loan_years)

        if not self.green_home:
            u_new = draw_py(int(keys["household_newbuild"]), t, i)
            if u_new < c.new_dwelling_rate_month:
                if u_new / c.new_dwelling_rate_month < max(c.green_share_new, m.green_mandate):
                    self.green_home = True
                    events |= k.EV_GREEN
            else:
                gross = self.floor_area * c.retrofit_cost_m2
                net = max(gross - self.floor_area * m.retrofit_subsidy, 0.0)
                value = use_year * c.retrofit_saving * m.tariff_residential
                econ = (value * annuity(rate, c.retrofit_lifetime) - net) / gross
                p = adoption_probability(coef, k.T_HOUSEHOLD_RETROFIT, econ,
                                         share(self.peers_green, self.degree),
                                         vis[k.T_HOUSEHOLD_RETROFIT, d], attitude, 0.0)
                if draw_py(int(keys["household_retrofit"]), t, i) < p:
                    self.green_home = True
                    events |= k.EV_GREEN
                    sums[k.H_RETRO_SUB] += w * (gross - net)
                    sums[k.H_GF] += w * interest_support(net, self.credit_draw, access,
                                                         c.loan_share, m.green_rate_discount,
                                                         c.loan_years)

        # Carbon-inclusive scheme: the yearly reward for recorded savings decides.
        elec_now = use_year / 12.0 * (1.0 - c.retrofit_saving if self.green_home else 1.0)
        saving_kg_year = elec_now * 12.0 * c.ci_electricity_saving * m.grid_factor
        if self.car >= 0:
            vehicles = model.tables["vehicles"]
            v, j = vehicles.vtype[self.car], vehicles.powertrain[self.car]
            kg_per_km = float(model.veh_energy[v, j]) * float(model.vehicle_month["unit_co2"][v, j])
            saving_kg_year += (float(vehicles.km_year[self.car]) * m.km_growth
                               * c.ci_km_reduction * kg_per_km)
        reward_year = m.ci_credit_price * saving_kg_year / 1000.0
        if self.ci_member:
            p_drop = c.ci_dropout_base * math.exp(-reward_year / c.ci_dropout_scale)
            if draw_py(int(keys["household_ci_drop"]), t, i) < p_drop:
                self.ci_member = False
                events |= k.EV_CI_DROP
                sums[k.H_CI_DROP] += w
        elif m.ci_credit_price > 0.0 or m.ci_outreach > 0.0:
            p = adoption_probability(coef, k.T_HOUSEHOLD_CI, reward_year / 100.0,
                                     share(self.peers_ci, self.degree), vis[k.T_HOUSEHOLD_CI, d],
                                     self.attitude, m.ci_outreach)
            if draw_py(int(keys["household_ci_join"]), t, i) < p:
                self.ci_member = True
                events |= k.EV_CI_JOIN
                sums[k.H_CI_JOIN] += w

        # Energy and emissions: grid electricity minus PV, plus cooking LPG.
        elec = elec_now
        saving = elec * c.ci_electricity_saving if self.ci_member else 0.0
        elec -= saving
        pv = self.pv_kw * c.pv_yield / 12.0 if self.has_pv else 0.0
        export = max(pv - min(pv * c.pv_self_use_household, elec), 0.0)
        co2 = (elec - pv) * m.grid_factor + self.lpg * c.ef_lpg
        self.co2_kg = co2
        self.events = events
        sums[k.H_CO2] += w * co2
        sums[k.H_ELEC] += w * elec
        sums[k.H_PV_KWH] += w * pv
        sums[k.H_EXPORT] += w * export
        sums[k.H_FIT] += w * export * self.pv_fit_premium
        sums[k.H_N] += w
        if self.has_pv:
            sums[k.H_PV_KW] += w * self.pv_kw
            sums[k.H_N_PV] += w
        if self.green_home:
            sums[k.H_N_GREEN] += w
        if self.ci_member:
            sums[k.H_N_CI] += w
            sums[k.H_CI_SAVING] += w * saving * m.grid_factor
            sums[k.H_CI_CREDIT] += w * saving * m.grid_factor / 1000.0 * m.ci_credit_price
