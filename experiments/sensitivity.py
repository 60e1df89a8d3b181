"""Global sensitivity (SALib): Sobol and Morris indices of key outputs, with a convergence check.

A ``sobol`` design has ``n × (factors + 2)`` points (Saltelli/Sobol' sampling without
second-order terms); a ``morris`` design has ``n × (factors + 1)`` points (``n``
trajectories on ``num_levels`` levels). Each point's output is the mean over its seeds.

Recommended sizes (per scenario and seed):

* Sobol: ``n`` = 512-1024 base samples for first-order and total indices within about ±0.05
  (runs = n × (k + 2)); ``n`` = 64-128 ranks the main factors only. ``n`` must be a power
  of 2.
* Morris: ``n`` = 10-20 trajectories on 4 levels to screen factors (runs = n × (k + 1)),
  enough to separate influential from negligible ones; more for a stable ranking.

Convergence check: the indices are computed on all ``n`` samples and on the first ``n/2``
(the first half of a Sobol' sequence, or of the trajectories, is itself a valid design).
The report shows both, their largest difference and the bootstrap 95 % confidence
intervals; an output is flagged ``converged`` when the largest change of a total index
(Sobol) or of a normalised ``mu_star`` (Morris) is below 0.1 and the largest confidence
half-width is below 0.1 (Sobol) or 0.2 (Morris, normalised).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from experiments.result import ExperimentResult

TOLERANCE = 0.1


def _outputs_by_sample(result: ExperimentResult, scenario: str) -> tuple[pd.DataFrame, int]:
    """Mean over seeds of each output per sample index; NaNs filled with the output mean."""
    spec = result.spec
    design = result.design[result.design["scenario"] == scenario]
    n_samples = int(design["sample"].max()) + 1
    runs = result.runs
    ok = runs[(runs["scenario"] == scenario) & (runs["status"] == "ok")]
    means = ok.groupby("sample")[spec.outputs].mean().reindex(range(n_samples))
    missing = int(means.isna().any(axis=1).sum())
    return means.fillna(means.mean()), missing


def _sobol(problem: dict, y: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    from SALib.analyze import sobol

    if np.nanstd(y) == 0:
        zero = np.zeros(problem["num_vars"])
        return {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=200,
                            seed=seed)
    return {k: np.asarray(res[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def _morris(problem: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int
            ) -> dict[str, np.ndarray]:
    from SALib.analyze import morris

    if np.nanstd(y) == 0:
        zero = np.zeros(problem["num_vars"])
        return {"mu": zero, "mu_star": zero, "mu_star_conf": zero, "sigma": zero}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = morris.analyze(problem, x, y, num_resamples=200, num_levels=levels, seed=seed)
    return {k: np.asarray(res[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf",
                                                           "sigma")}


def analyse(result: ExperimentResult) -> dict[str, pd.DataFrame]:
    """Sobol or Morris indices per scenario and output, and the convergence table.

    Returns:
        ``{"indices": ..., "convergence": ...}``. ``indices`` is tidy: ``scenario, output,
        factor, method, n`` and ``S1, S1_conf, ST, ST_conf`` (Sobol) or ``mu, mu_star,
        mu_star_conf, sigma, mu_star_norm`` (Morris), for ``n`` and ``n/2`` samples.

    Raises:
        ValueError: If the design is not ``sobol`` or ``morris``.

    """
    from experiments.spec import sample_matrix

    spec = result.spec
    if spec.method not in ("sobol", "morris"):
        raise ValueError(f"experiment {spec.name!r}: design.method is {spec.method!r}; "
                         "sensitivity indices need 'sobol' or 'morris'")
    problem = spec.salib_problem()
    names = problem["names"]
    k = problem["num_vars"]
    x = sample_matrix(spec)
    block = k + 2 if spec.method == "sobol" else k + 1
    rows, conv = [], []
    for scenario in [s.name for s in spec.scenarios]:
        if result.runs.empty or not (result.runs["scenario"] == scenario).any():
            continue
        y_all, missing = _outputs_by_sample(result, scenario)
        for output in spec.outputs:
            y = y_all[output].to_numpy(dtype=float)
            by_n = {}
            for n in (spec.n, spec.n // 2):
                if n < 2:
                    continue
                m = n * block
                if spec.method == "sobol":
                    ind = _sobol(problem, y[:m], spec.design_seed)
                else:
                    ind = _morris(problem, x[:m], y[:m], spec.num_levels, spec.design_seed)
                    top = max(float(np.max(ind["mu_star"])), 1e-300)
                    ind["mu_star_norm"] = ind["mu_star"] / top
                    ind["mu_star_conf_norm"] = ind["mu_star_conf"] / top
                by_n[n] = ind
                for j, name in enumerate(names):
                    rows.append({"scenario": scenario, "output": output, "factor": name,
                                 "method": spec.method, "n": n, "runs": m * len(spec.seeds),
                                 "missing_points": missing,
                                 **{key: float(v[j]) for key, v in ind.items()}})
            conv.append(_convergence(spec.method, scenario, output, by_n, spec.n))
    return {"indices": pd.DataFrame(rows), "convergence": pd.DataFrame(conv)}


def _convergence(method: str, scenario: str, output: str, by_n: dict[int, dict], n: int
                 ) -> dict[str, object]:
    full = by_n.get(n)
    half = by_n.get(n // 2)
    row: dict[str, object] = {"scenario": scenario, "output": output, "method": method, "n": n}
    if full is None:
        return row
    key, conf, conf_tol = (("ST", "ST_conf", TOLERANCE) if method == "sobol"
                           else ("mu_star_norm", "mu_star_conf_norm", 2 * TOLERANCE))
    row["max_conf"] = float(np.nanmax(full[conf])) if len(full[conf]) else np.nan
    if half is not None:
        row["max_change_vs_half"] = float(np.nanmax(np.abs(full[key] - half[key])))
        row["same_top_factor"] = bool(np.argmax(full[key]) == np.argmax(half[key]))
    else:
        row["max_change_vs_half"] = np.nan
        row["same_top_factor"] = False
    row["converged"] = bool(row["max_change_vs_half"] < TOLERANCE
                            and row["max_conf"] < conf_tol)
    return row
