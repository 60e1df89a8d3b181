"""The shared decision model in plain Python: the reference twin of ``abm.kernels``.

Same equations as the kernels (see ``abm/kernels.py`` module docstring), written for one
agent at a time with the ``math`` module, so the kernels can be checked against them.
"""

from __future__ import annotations

import math

import numpy as np

from abm import kernels as k


def annuity(rate: float, years: float) -> float:
    """Present value of 1 CNY a year for ``years`` years: (1 − (1+r)^−n)/r."""
    if rate < 1e-9:
        return years
    return (1.0 - (1.0 + rate) ** (-years)) / rate


def logistic(x: float) -> float:
    """σ(x) = 1 / (1 + e^−x)."""
    return 1.0 / (1.0 + math.exp(-x))


def financing_rate(own_rate: float, credit_draw: float, access: float, loan_share: float,
                   loan_rate: float, green_discount: float) -> float:
    """Own discount rate, blended with a green loan when the agent has credit access."""
    if credit_draw < access:
        return (1.0 - loan_share) * own_rate + loan_share * max(loan_rate - green_discount, 0.0)
    return own_rate


def interest_support(net_capex: float, credit_draw: float, access: float, loan_share: float,
                     green_discount: float, loan_years: float) -> float:
    """Public cost of the green-loan rate discount, CNY."""
    if credit_draw < access and green_discount > 0.0:
        return net_capex * loan_share * green_discount * loan_years * 0.5
    return 0.0


def adoption_probability(coef: np.ndarray, tech: int, econ: float, peer_share: float,
                         district_share: float, attitude: float, extra: float) -> float:
    """P = rate_max · σ(β0 + β_econ·econ + β_peer·peer + β_vis·district + β_att·att + extra)."""
    row = [float(x) for x in coef[tech]]
    u = (row[k.B0] + row[k.B_ECON] * econ + row[k.B_PEER] * peer_share
         + row[k.B_VIS] * district_share + row[k.B_ATT] * attitude + extra)
    return row[k.RATE] * logistic(u)


def share(count: int, degree: int) -> float:
    """Adopted share of the neighbours."""
    return count / degree if degree > 0 else 0.0


def pv_economics(kw: float, cost_w: float, subsidy_w: float, yield_kwh: float,
                 self_share: float, own_use_kwh: float, tariff: float, export_price: float,
                 rate: float, life: float) -> tuple[float, float, float]:
    """(NPV / gross capex, net capex CNY, gross capex CNY) of a PV system of ``kw`` kWp."""
    gen = kw * yield_kwh
    self_use = min(gen * self_share, own_use_kwh)
    value = self_use * tariff + (gen - self_use) * export_price
    gross = kw * 1000.0 * cost_w
    net = max(gross - kw * 1000.0 * subsidy_w, 0.0)
    return (value * annuity(rate, life) - net) / gross, net, gross
