"""A calibration's posterior: its weighted ABC particles, read, checked and drawn from.

``python -m calibration run NAME --method abc`` writes ``posterior.csv`` (one row per
particle: the fitted parameters and ``weight``) beside the ``calibrated.toml`` whose point
values the scenarios include. Experiments (``[uncertainty] posterior``) and the web page's
*calibration* bands draw whole particles from it, so the fitted coefficients keep their joint
posterior (their correlations) instead of being varied one at a time.

A draw is reproducible: the generator of fit ``index`` (its place in the list of fits) for
seed ``seed`` is ``numpy.random.default_rng([seed, 2, index])``; an experiment passes its
design seed, the page the run's seed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.data import DATA_DIR

CALIBRATED_DIR = DATA_DIR / "calibrated"
SHIPPED_FITS: tuple[str, ...] = ("transport", "pv")
"""The fits every shipped scenario includes (``data/calibrated/<fit>.toml`` and, beside it,
``data/calibrated/<fit>/posterior.csv``), in the order their draws are seeded."""
STREAM = 2
"""The middle entry of a draw's seed sequence ``[seed, STREAM, fit index]`` (an experiment's
Latin hypercube uses ``design seed + 1``; the two never share a stream)."""


class PosteriorError(ValueError):
    """A posterior file that cannot be drawn from (the message names file, field and value)."""


def read_particles(path: Path, specs: Mapping[str, Any], shown: str | None = None
                   ) -> pd.DataFrame:
    """A fit's particles (parameter columns and ``weight``), checked against the table.

    Args:
        path: The ``posterior.csv`` file.
        specs: The parameter table (:func:`abm.params.parameter_table`): every column but
            ``weight`` must be one of its keys, every value inside its range.
        shown: How messages name the file (default: ``path``).

    Raises:
        PosteriorError: Naming the file, the column or value and what is allowed.

    """
    where = shown or str(path)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise PosteriorError(f"{where}: cannot be read ({error}); allowed: a CSV of "
                             "parameter columns and 'weight'") from None
    if "weight" not in frame.columns or len(frame.columns) < 2 or frame.empty:
        raise PosteriorError(f"{where}: columns {list(frame.columns)}, {len(frame)} rows; "
                             "allowed: parameter columns and 'weight', at least one row")
    for key in frame.columns.drop("weight"):
        if key not in specs:
            raise PosteriorError(f"{where}: column {key!r} is not in data/parameters.csv; "
                                 "allowed: its keys and 'weight'")
    values = frame.apply(pd.to_numeric, errors="coerce")
    if not np.isfinite(values.to_numpy(dtype=float)).all():
        raise PosteriorError(f"{where}: a value is not a finite number; allowed: numbers")
    weights = values["weight"]
    if (weights < 0).any() or weights.sum() <= 0:
        raise PosteriorError(f"{where}: weights {weights.min():g} to {weights.max():g}, sum "
                             f"{weights.sum():g}; allowed: weights ≥ 0 with a positive sum")
    for key in values.columns.drop("weight"):
        spec = specs[key]
        lo, hi = float(values[key].min()), float(values[key].max())
        if lo < spec.min or hi > spec.max:
            raise PosteriorError(f"{where}: {key!r} ranges [{lo:g}, {hi:g}]; allowed: "
                                 f"[{spec.min:g}, {spec.max:g}] {spec.unit}")
    return values


def draw_particles(particles: pd.DataFrame, size: int, seed: int, index: int) -> pd.DataFrame:
    """``size`` particles drawn with replacement, each with probability ∝ its ``weight``.

    Returns the drawn rows' parameter columns (``weight`` dropped), indexed 0…size−1; the
    generator is ``default_rng([seed, STREAM, index])`` (module docstring).
    """
    weights = particles["weight"].to_numpy(dtype=float)
    rng = np.random.default_rng([seed, STREAM, index])
    chosen = rng.choice(len(particles), size=size, p=weights / weights.sum())
    return particles.drop(columns="weight").iloc[chosen].reset_index(drop=True)


def point_values(fit: str) -> dict[str, float]:
    """The point values a shipped fit's ``data/calibrated/<fit>.toml`` sets (its parameters)."""
    with (CALIBRATED_DIR / f"{fit}.toml").open("rb") as handle:
        return {k: float(v) for k, v in tomllib.load(handle).get("parameters", {}).items()}


def fits_in_use(params: Mapping[str, Any]) -> list[str]:
    """The shipped fits whose point values ``params`` holds, every coefficient of them."""
    return [fit for fit in SHIPPED_FITS
            if all(np.isclose(float(params[k]), v, rtol=1e-12, atol=0.0)
                   for k, v in point_values(fit).items())]


def shipped_draw(params: Mapping[str, Any], specs: Mapping[str, Any], seed: int
                 ) -> tuple[dict[str, float], list[str]]:
    """One particle of each shipped fit a run uses, for the run of ``seed``.

    A fit is drawn only where ``params`` holds its point values (the run uses the shipped fit:
    a scenario that sets one of its coefficients itself keeps them all).

    Returns:
        The parameter overrides (one particle per drawn fit) and the names of the fits drawn.

    Raises:
        PosteriorError: If a shipped ``posterior.csv`` cannot be drawn from.

    """
    overrides: dict[str, float] = {}
    drawn = fits_in_use(params)
    for index, fit in enumerate(SHIPPED_FITS):
        if fit not in drawn:
            continue
        path = CALIBRATED_DIR / fit / "posterior.csv"
        particles = read_particles(path, specs, f"data/calibrated/{fit}/posterior.csv")
        row = draw_particles(particles, 1, seed, index).iloc[0]
        overrides.update({k: float(v) for k, v in row.items()})
    return overrides, drawn
