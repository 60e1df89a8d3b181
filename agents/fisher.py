"""The Fisher agent: a pond farm (fishery-PV) or a fishing vessel (replacement choice)."""

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


class Fisher(RowAgent):
    """A view onto one row of ``model.tables["fishers"]``."""

    group = "fishers"
    schema = schemas.FISHER

    def step(self) -> None:
        """Reference path of :func:`abm.kernels.fisher_step` for this farm or vessel."""
        model = self.model
        m, c, coef, keys = model.month_state, model.constants, model.coef, model.streams.keys
        t, i, d, w = int(m.index), self.row, self.district, self.weight
        vis = model.visibility
        sums = model.reference_sums["fishers"][d]
        events = 0
        access = min(c.access_fisher + m.credit_expansion, 1.0)
        rate = financing_rate(self.discount_rate, self.credit_draw, access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        if self.kind == k.KIND_POND:
            if self.suitable_pv and not self.has_pv:
                kw = self.pond_area * c.fishery_pv_kw_per_ha
                econ, net, gross = pv_economics(
                    kw, m.pv_cost_fishery, m.pv_subsidy_fisher, c.pv_yield, 0.05,
                    self.electricity_base, m.tariff_business, m.export_price + m.fit_premium,
                    rate, c.pv_lifetime)
                p = adoption_probability(coef, k.T_FISHER_PV, econ,
                                         share(self.peers_pv, self.degree),
                                         vis[k.T_FISHER_PV, d], self.attitude, 0.0)
                if draw_py(int(keys["fisher_pv"]), t, i) < p:
                    self.has_pv, self.pv_kw, self.pv_fit_premium = True, kw, m.fit_premium
                    events |= k.EV_FISHER_PV
                    sums[k.X_NEW_PV_KW] += w * kw
                    sums[k.X_PV_SUB] += w * (gross - net)
                    sums[k.X_GF] += w * interest_support(net, self.credit_draw, access,
                                                         c.loan_share, m.green_rate_discount,
                                                         c.loan_years)
            elec = self.electricity_base / 12.0
            pv = self.pv_kw * c.pv_yield / 12.0 if self.has_pv else 0.0
            export = max(pv - min(pv * 0.05, elec), 0.0)
            co2 = (elec - pv) * m.grid_factor
            sums[k.X_ELEC] += w * elec
            sums[k.X_PV_KWH] += w * pv
            sums[k.X_FIT] += w * export * self.pv_fit_premium
            sums[k.X_N_FARMS] += w
            if self.suitable_pv:
                sums[k.X_N_SUITABLE] += w
            if self.has_pv:
                sums[k.X_PV_KW] += w * self.pv_kw
                sums[k.X_N_PV] += w
        else:
            self.vessel_age += 1
            if self.vessel_age >= self.vessel_life:
                events |= self._replace_vessel(t, i, d, w, rate, sums)
            diesel = self.diesel_base / 12.0
            elec = 0.0
            if self.vessel_type == k.VESSEL_EFFICIENT:
                diesel *= 1.0 - c.vessel_efficient_saving
            elif self.vessel_type == k.VESSEL_ELECTRIC:
                elec = diesel * c.vessel_kwh_per_litre
                diesel = 0.0
            co2 = diesel * c.ef_diesel + elec * m.grid_factor
            sums[k.X_DIESEL] += w * diesel
            sums[k.X_ELEC] += w * elec
            sums[k.X_N_VESSELS] += w
            if self.vessel_type == k.VESSEL_EFFICIENT:
                sums[k.X_N_EFF] += w
            elif self.vessel_type == k.VESSEL_ELECTRIC:
                sums[k.X_N_ELEC] += w
        self.co2_kg = co2
        self.events = events
        sums[k.X_CO2] += w * co2

    def _replace_vessel(self, t: int, i: int, d: int, w: float, rate: float, sums) -> int:
        """Choose conventional, efficient or electric (logit); return the event bits."""
        model = self.model
        m, c, coef, keys = model.month_state, model.constants, model.coef, model.streams.keys
        beta = [float(x) for x in coef[k.T_FISHER_VESSEL]]
        a = annuity(rate, c.vessel_life_months / 12.0)
        fuel_cost = self.diesel_base * m.price_diesel
        tco_conventional = a * fuel_cost
        tco_efficient = (self.engine_kw * (c.vessel_efficient_premium - m.vessel_subsidy)
                         + a * fuel_cost * (1.0 - c.vessel_efficient_saving))
        tco_electric = (self.engine_kw * (c.vessel_electric_premium - m.vessel_subsidy)
                        + a * self.diesel_base * c.vessel_kwh_per_litre * m.tariff_business)
        scale = max(tco_conventional, 1.0)
        social = (beta[k.B_PEER] * share(self.peers_vessel, self.degree)
                  + beta[k.B_VIS] * model.visibility[k.T_FISHER_VESSEL, d]
                  + beta[k.B_ATT] * self.attitude)
        u_eff = beta[k.B0] + social + beta[k.B_ECON] * (tco_conventional - tco_efficient) / scale
        e_conv, e_eff, e_elec = 1.0, math.exp(min(u_eff, 700.0)), 0.0
        if self.engine_kw <= c.vessel_electric_max_kw:
            u_elec = (beta[k.B0] + c.asc_vessel_electric + social
                      + beta[k.B_ECON] * (tco_conventional - tco_electric) / scale)
            e_elec = math.exp(min(u_elec, 700.0))
        u = draw_py(int(keys["fisher_vessel"]), t, i) * (e_conv + e_eff + e_elec)
        before = self.vessel_type
        if u < e_conv:
            self.vessel_type = k.VESSEL_CONVENTIONAL
        elif u < e_conv + e_eff or e_elec == 0.0:
            self.vessel_type = k.VESSEL_EFFICIENT
        else:
            self.vessel_type = k.VESSEL_ELECTRIC
        events = 0
        if before == k.VESSEL_CONVENTIONAL and self.vessel_type != k.VESSEL_CONVENTIONAL:
            events = k.EV_VESSEL_UP
        elif before != k.VESSEL_CONVENTIONAL and self.vessel_type == k.VESSEL_CONVENTIONAL:
            events = k.EV_VESSEL_DOWN
        if self.vessel_type != k.VESSEL_CONVENTIONAL:
            sums[k.X_VESSEL_SUB] += w * self.engine_kw * m.vessel_subsidy
        sums[k.X_VESSEL_SALES] += w
        self.vessel_age = 0
        self.vessel_life = int(c.vessel_life_months
                               * (0.6 + 0.8 * draw_py(int(keys["fisher_life"]), t, i)))
        return events
