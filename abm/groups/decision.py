"""The decision model shared by every (group × technology) pair, as inlined Numba helpers.

README "How an agent decides":

* profitability index ``econ = NPV / gross capital cost`` with
  ``NPV = annual_value · A(r, life) − (capex − subsidy)`` and the annuity factor
  ``A(r, n) = (1 − (1 + r)^−n) / r``; ``r`` is the agent's own discount rate, or for an agent
  with credit access ``(1 − s)·r_own + s·max(r_loan − green_discount, 0)`` (loan share ``s``);
* utility ``U = β0 + β_econ·econ + β_peer·(adopted neighbours / degree)
  + β_vis·(district adoption share last month) + β_att·attitude``;
* monthly adoption probability ``p = rate_max · σ(U)`` with ``σ(x) = 1/(1 + e^−x)``, drawn
  against the named stream's uniform number; replacement choices (vehicles, vessels) use
  a multinomial logit over the options, ``P_j = e^{V_j} / Σ_k e^{V_k}``;
* PV (households, firms, fishers) is diffusion within a market potential, as in NREL's
  dGen: an agent is in the market while its own fixed willingness draw ``v`` (uniform, the
  same every month) is below ``MMS(payback · f)``, dGen's maximum market share against
  simple payback (:data:`MMS_PAYBACK_YEARS`, :data:`MMS_SHARE`), with ``payback = net
  capital cost / annual value`` and ``f`` the group's payback factor; in the market it adopts
  with the hazard ``p = rate_max · σ(U)``, outside it not at all. ``σ(U)`` may saturate
  (peers, attitude), the potential does not: a subsidy shortens the payback and brings the
  agents with ``MMS(before) ≤ v < MMS(after)`` into the market for good.

Each group's rule (``abm.groups.<group>``) is one ``@njit`` function of one agent; these
helpers are called from it, compiled in both paths (the kernel and the rule's ``py_func``).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

N_CHUNKS = 64
"""Fixed blocks of rows, each with its own per-district sums: results do not depend on the
number of threads."""

B0, B_ECON, B_PEER, B_VIS, B_ATT, RATE = 0, 1, 2, 3, 4, 5
COEFFICIENTS = ("beta0", "beta_econ", "beta_peer", "beta_visibility", "beta_attitude",
                "max_rate")
"""Columns of the behaviour coefficient table (one row per technology, parameters
``behaviour.<technology>.<coefficient>``)."""


@nb.njit(inline="always", cache=True)
def annuity(rate: float, years: float) -> float:
    """Present value of 1 CNY a year for ``years`` years at ``rate``: (1 − (1+r)^−n)/r."""
    if rate < 1e-9:
        return years
    return (1.0 - (1.0 + rate) ** (-years)) / rate


@nb.njit(inline="always", cache=True)
def logistic(x: float) -> float:
    """σ(x) = 1 / (1 + e^−x)."""
    return 1.0 / (1.0 + math.exp(-x))


@nb.njit(inline="always", cache=True)
def financing_rate(own_rate: float, credit_draw: float, access: float, loan_share: float,
                   loan_rate: float, green_discount: float) -> float:
    """Discount rate of an investment: own rate, blended with a green loan if credit is had."""
    if credit_draw < access:
        return (1.0 - loan_share) * own_rate + loan_share * max(loan_rate - green_discount, 0.0)
    return own_rate


@nb.njit(inline="always", cache=True)
def interest_support(net_capex: float, credit_draw: float, access: float, loan_share: float,
                     green_discount: float, loan_years: float) -> float:
    """Public cost of the green-loan rate discount, CNY: loan · discount · term / 2."""
    if credit_draw < access and green_discount > 0.0:
        return net_capex * loan_share * green_discount * loan_years * 0.5
    return 0.0


@nb.njit(inline="always", cache=True)
def book_support(row: np.ndarray, w: float, gross: float, net: float, col_subsidy: int,
                 col_subsidised: int, col_green_finance: int, credit_draw: float, access: float,
                 c, m) -> None:
    """Book the public support of an investment just made into a district's sums ``row``.

    ``row[subsidy] += w · (gross − net)`` (CNY); ``row[subsidised] += w`` if a subsidy was
    paid (``gross > net``); ``row[green finance] += w ·`` :func:`interest_support` of the net
    cost. ``c``: run constants (loan share, years), ``m``: the month (green rate discount).
    """
    row[col_subsidy] += w * (gross - net)
    if gross > net:
        row[col_subsidised] += w
    row[col_green_finance] += w * interest_support(net, credit_draw, access, c.loan_share,
                                                   m.green_rate_discount, c.loan_years)


@nb.njit(inline="always", cache=True)
def adoption_probability(coef: np.ndarray, tech: int, econ: float, peer_share: float,
                         district_share: float, attitude: float, extra: float) -> float:
    """P = rate_max · σ(β0 + β_econ·econ + β_peer·peer + β_vis·district + β_att·att + extra)."""
    u = (coef[tech, B0] + coef[tech, B_ECON] * econ + coef[tech, B_PEER] * peer_share
         + coef[tech, B_VIS] * district_share + coef[tech, B_ATT] * attitude + extra)
    return coef[tech, RATE] * logistic(u)


MMS_PAYBACK_YEARS = np.array([1.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 25.0])
MMS_SHARE = np.array([0.93, 0.78, 0.64, 0.41, 0.26, 0.12, 0.045, 0.018])
"""NREL dGen's maximum market share of residential PV against simple payback (years → share of
the market that would ever adopt; published, /work/shared/reference/DATA_NOTES.md "Behaviour
coefficients from the literature"). Linear between the points, flat outside them."""


@nb.njit(inline="always", cache=True)
def max_market_share(payback_years: float) -> float:
    """The maximum market share (dGen) at a simple payback (0 if the option never pays back)."""
    if not payback_years < 1e6:
        return 0.0
    return np.interp(payback_years, MMS_PAYBACK_YEARS, MMS_SHARE)


WILLINGNESS_MONTH = 1 << 40
"""Counter (in place of a month, never reached) of an agent's fixed willingness draw on its
decision's stream: ``v = draw(key, WILLINGNESS_MONTH, i)``."""


@nb.njit(inline="always", cache=True)
def pv_adoption_probability(coef: np.ndarray, tech: int, econ: float, payback_years: float,
                            willingness: float, peer_share: float, district_share: float,
                            attitude: float) -> float:
    """P = rate_max · σ(U) in the market (``v < MMS(payback)``), else 0."""
    if willingness >= max_market_share(payback_years):
        return 0.0
    return adoption_probability(coef, tech, econ, peer_share, district_share, attitude, 0.0)


@nb.njit(inline="always", cache=True)
def share(count: int, degree: int) -> float:
    """Adopted share of an agent's neighbours (0 without neighbours)."""
    return count / degree if degree > 0 else 0.0


@nb.njit(inline="always", cache=True)
def pv_economics(kw: float, cost_w: float, subsidy_w: float, yield_kwh: float, self_share: float,
                 own_use_kwh: float, tariff: float, export_price: float, rate: float,
                 life: float) -> tuple[float, float, float, float]:
    """PV profitability index, net and gross capital cost (CNY) and simple payback (years).

    ``gen = kW · yield``; ``self = min(gen · self_share, own use)``;
    ``value = self · tariff + (gen − self) · export price`` (CNY/yr);
    ``gross = kW · 1000 · cost_W``; ``net = max(gross − kW · 1000 · subsidy_W, 0)``;
    ``econ = (value · A(r, life) − net) / gross``; ``payback = net / value`` (∞ if value ≤ 0).
    """
    gen = kw * yield_kwh
    self_use = min(gen * self_share, own_use_kwh)
    value = self_use * tariff + (gen - self_use) * export_price
    gross = kw * 1000.0 * cost_w
    net = max(gross - kw * 1000.0 * subsidy_w, 0.0)
    payback = net / value if value > 0.0 else np.inf
    return (value * annuity(rate, life) - net) / gross, net, gross, payback
