"""Observed data: tidy tables of what is known, with sources.

Columns: ``series, region, year, value, unit, source, notes``. The shipped table is
``data/observed/observed.csv``; users may bring any CSV of that shape. A malformed file is
rejected with an error naming the file, the row and the column: an empty file, a value that
is not a finite number, one series in two units, a duplicated (series, region, year). A
share is given as a fraction with unit ``1``; calibration checks that a share target's
observations are shares from 0 to 1.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd

from abm.data import DATA_DIR
from abm.files import read_user_text
from abm.params import ParameterError

OBSERVED_PATH = DATA_DIR / "observed" / "observed.csv"
COLUMNS = ("series", "region", "year", "value", "unit", "source", "notes")
SHARE_UNIT = "1"
"""Unit of a share (a fraction from 0 to 1)."""
MAX_BYTES = 20_000_000
"""Largest observed-data file accepted, bytes."""
YEARS = (1900, 2100)


class ObservedDataError(ParameterError):
    """An observed-data file is malformed; the message names the row and the column."""


def load_observed(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate an observed-data CSV.

    Args:
        path: The CSV (default: the shipped ``data/observed/observed.csv``).

    Returns:
        The table with ``year`` as int and ``value`` as float.

    Raises:
        ObservedDataError: Missing, unreadable, huge or non-UTF-8 file; missing column; no
            rows; empty required cell; a year or value that is not a (finite) number; a series
            given in two units; a duplicated (series, region, year).

    """
    path = Path(path) if path is not None else OBSERVED_PATH
    try:
        text = read_user_text(path, MAX_BYTES, "observed-data file")
    except ParameterError as error:
        raise ObservedDataError(str(error)) from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ObservedDataError(f"{path}: not a readable CSV ({error})") from None
    missing = [c for c in COLUMNS if c not in frame.columns and c != "notes"]
    if missing:
        raise ObservedDataError(f"{path}: missing column(s) {missing}; required: "
                                f"{list(COLUMNS[:-1])} (notes optional)")
    if frame.empty:
        raise ObservedDataError(f"{path}: no observations (only a header); allowed: at least "
                                "one row")
    if "notes" not in frame.columns:
        frame["notes"] = ""
    frame = frame.reset_index(drop=True)
    years, values = [], []
    for index, row in frame.iterrows():
        line = int(index) + 2  # header is line 1
        for column in ("series", "region", "unit", "source"):
            if not str(row[column]).strip():
                raise ObservedDataError(f"{path}, row {line}, column {column!r}: empty; every "
                                        "observation needs a series, region, unit and source")
        try:
            year = int(str(row["year"]).strip())
        except ValueError:
            raise ObservedDataError(f"{path}, row {line}, column 'year': {row['year']!r} is not "
                                    "a whole number") from None
        if not YEARS[0] <= year <= YEARS[1]:
            raise ObservedDataError(f"{path}, row {line}, column 'year': {year} is out of "
                                    f"range; allowed {YEARS[0]}-{YEARS[1]}")
        try:
            value = float(row["value"])
        except ValueError:
            raise ObservedDataError(f"{path}, row {line}, column 'value': {row['value']!r} is "
                                    "not a number") from None
        if not math.isfinite(value):
            raise ObservedDataError(f"{path}, row {line}, column 'value': {row['value']!r} is "
                                    "not a finite number")
        years.append(year)
        values.append(value)
    for column in ("series", "region", "unit"):
        frame[column] = frame[column].str.strip()
    frame["year"] = years
    frame["value"] = values
    units = frame.groupby(["series", "region"])["unit"].nunique()
    if (units > 1).any():
        series, region = units[units > 1].index[0]
        found = sorted(frame.loc[(frame["series"] == series) & (frame["region"] == region),
                                 "unit"].unique())
        raise ObservedDataError(f"{path}: column 'unit': series {series!r} in {region!r} is "
                                f"given in several units {found}; allowed: one unit per series")
    duplicated = frame.duplicated(["series", "region", "year"], keep=False)
    if duplicated.any():
        line = int(duplicated.to_numpy().nonzero()[0][1]) + 2
        raise ObservedDataError(f"{path}, row {line}: (series, region, year) appears twice")
    return frame[list(COLUMNS)]


def observed_series(frame: pd.DataFrame, series: str, region: str) -> pd.Series:
    """Values of one series in one region, indexed by year."""
    rows = frame[(frame["series"] == series) & (frame["region"] == region)]
    if rows.empty:
        known = sorted(set(zip(frame["series"], frame["region"], strict=True)))
        raise ObservedDataError(f"no observations of series {series!r} in region {region!r}; "
                                f"available: {known}")
    return rows.set_index("year")["value"].sort_index()


def observed_unit(frame: pd.DataFrame, series: str, region: str) -> str:
    """The unit of one series in one region (the table holds one unit per series)."""
    rows = frame[(frame["series"] == series) & (frame["region"] == region)]
    return str(rows["unit"].iloc[0]) if not rows.empty else ""
