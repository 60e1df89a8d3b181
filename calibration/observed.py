"""Observed data: tidy tables of what is known, with sources.

Columns: ``series, region, year, value, unit, source, notes``. The shipped table is
``data/observed/observed.csv``; users may bring any CSV of that shape. A malformed file is
rejected with an error naming the file, the row and the column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from abm.data import DATA_DIR

OBSERVED_PATH = DATA_DIR / "observed" / "observed.csv"
COLUMNS = ("series", "region", "year", "value", "unit", "source", "notes")


class ObservedDataError(ValueError):
    """An observed-data file is malformed; the message names the row and the column."""


def load_observed(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate an observed-data CSV.

    Args:
        path: The CSV (default: the shipped ``data/observed/observed.csv``).

    Returns:
        The table with ``year`` as int and ``value`` as float.

    Raises:
        ObservedDataError: Missing file or column, empty required cell, a year or value that
            is not a number, or a duplicated (series, region, year).

    """
    path = Path(path) if path is not None else OBSERVED_PATH
    if not path.exists():
        raise ObservedDataError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ObservedDataError(f"{path}: not a readable CSV ({error})") from None
    missing = [c for c in COLUMNS if c not in frame.columns and c != "notes"]
    if missing:
        raise ObservedDataError(f"{path}: missing column(s) {missing}; required: "
                                f"{list(COLUMNS[:-1])} (notes optional)")
    if "notes" not in frame.columns:
        frame["notes"] = ""
    for index, row in frame.iterrows():
        line = int(index) + 2  # header is line 1
        for column in ("series", "region", "unit", "source"):
            if not str(row[column]).strip():
                raise ObservedDataError(f"{path}, row {line}, column {column!r}: empty; every "
                                        "observation needs a series, region, unit and source")
        for column, kind in (("year", int), ("value", float)):
            try:
                kind(row[column])
            except ValueError:
                raise ObservedDataError(f"{path}, row {line}, column {column!r}: "
                                        f"{row[column]!r} is not a {kind.__name__}") from None
        if not 1900 <= int(row["year"]) <= 2100:
            raise ObservedDataError(f"{path}, row {line}, column 'year': {row['year']} is out of "
                                    "range; allowed 1900-2100")
    frame["year"] = frame["year"].astype(int)
    frame["value"] = frame["value"].astype(float)
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
