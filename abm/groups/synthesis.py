"""Helpers of the groups' synthesis: strata, weights, spreads and column filling.

Stratified synthesis with weights: each stratum of ``N`` real entities gets
``n = max(1, round(N / scale))`` agents, each of weight ``N / n``; attributes drawn within a
stratum are normalised to the stratum mean, so city totals agree across scales up to
sampling noise. Each group's ``synthesise`` (``abm.groups.<group>``) uses these.
"""

from __future__ import annotations

import numpy as np

from abm.columns import AgentTable
from abm.params import Parameters


def stratum_sizes(count: float, scale: float) -> tuple[int, float]:
    """Agents and weight for a stratum of ``count`` real entities at ``scale``."""
    if count <= 0:
        return 0, 0.0
    n = max(1, round(count / scale))
    return n, count / n


def mean_one_lognormal(rng: np.random.Generator, sigma: float, n: int) -> np.ndarray:
    """Log-normal multipliers rescaled to mean exactly 1 (exact totals per stratum)."""
    if n == 1 or sigma == 0:
        return np.ones(n)
    x = rng.lognormal(0.0, sigma, n)
    return x / x.mean()


def behaviour_columns(rng: np.random.Generator, p: Parameters, n: int, median_rate: float
               ) -> dict[str, np.ndarray]:
    """Attitude ~ N(0, s_a), discount rate = median · exp(s_r · N(0,1)), credit draw ~ U(0,1)."""
    return {
        "attitude": rng.normal(0.0, p["behaviour.attitude_spread"], n),
        "discount_rate": np.clip(median_rate * np.exp(
            p["behaviour.discount_rate_spread"] * rng.standard_normal(n)), 0.01, 0.6),
        "credit_draw": rng.random(n),
    }


def fill(table: AgentTable, columns: dict[str, list[np.ndarray]]) -> None:
    """Set each column of ``table`` to the concatenation of its parts."""
    for name, parts in columns.items():
        table.set(name, np.concatenate(parts) if parts else np.empty(0))


def allocate(count: int, shares: np.ndarray) -> np.ndarray:
    """Split an integer count over districts by shares (largest remainder)."""
    raw = count * shares / shares.sum()
    whole = np.floor(raw).astype(int)
    rest = count - whole.sum()
    if rest > 0:
        whole[np.argsort(-(raw - whole), kind="stable")[:rest]] += 1
    return whole
