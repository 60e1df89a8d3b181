"""Loading and checking the data tables in ``data/``.

Every table has a ``source`` column; a row without one, a missing column or a value that
is not a number is an error that names the file, the row and the column.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

DISTRICTS: tuple[str, ...] = ("PJ", "JH", "XH", "HS", "TS", "KP", "EP")
"""District codes in model order (PLAN.md)."""

SECTORS: tuple[str, ...] = (
    "paper",
    "cement",
    "glass",
    "ceramics",
    "textiles",
    "food",
    "metal_products",
    "appliances_electronics",
    "other",
)
"""Industrial sectors the plan names (§9, §25), in model order."""

SECTOR_LABELS: dict[str, tuple[str, str]] = {
    "paper": ("paper", "造纸"), "cement": ("cement", "水泥"), "glass": ("glass", "玻璃"),
    "ceramics": ("ceramics", "陶瓷"), "textiles": ("textiles", "纺织"), "food": ("food", "食品"),
    "metal_products": ("metal products", "金属制品"),
    "appliances_electronics": ("appliances and electronics", "家电与电子"),
    "other": ("other industry", "其他工业"),
}
"""English and Chinese name of each industrial sector."""

FUEL_LABELS: dict[str, tuple[str, str]] = {
    "coal": ("coal", "煤炭"), "oil": ("oil products", "油品"),
    "gas": ("natural gas and LNG", "天然气（含液化天然气）"),
    "electricity": ("electricity", "电力"), "other": ("other (hydrogen)", "其他（氢）"),
}
"""Fuels of the final-energy balance (LPG, petrol and diesel are oil products), with their
English and Chinese names."""

VEHICLE_TYPES: tuple[str, ...] = ("car", "taxi", "van", "bus", "truck")
VEHICLE_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "car": ("private cars", "私人乘用车"), "taxi": ("taxis and ride-hailing", "出租车及网约车"),
    "van": ("delivery vans", "城市物流车"), "bus": ("buses", "公交车"),
    "truck": ("heavy trucks", "重型货车"),
}
"""English and Chinese name of each vehicle type."""
POWERTRAINS: tuple[str, ...] = ("ice", "bev", "phev", "lng", "hydrogen")
"""Combustion, battery-electric, plug-in hybrid, LNG, hydrogen fuel cell; new-energy (NEV) as
the official statistics count them: battery-electric, plug-in hybrid and fuel cell."""


class DataError(ValueError):
    """A data table is malformed; the message names the file, row and column."""


def read_table(name: str, required: list[str], numeric: list[str] | None = None,
               data_dir: Path | None = None) -> pd.DataFrame:
    """Read ``data/<name>`` and check its columns and sources.

    Args:
        name: File name inside the data directory.
        required: Columns that must be present (``source`` is always required).
        numeric: Columns whose every value must parse as a number.
        data_dir: Directory to read from (default: the project's ``data/``).

    Returns:
        The table as a DataFrame.

    Raises:
        DataError: On a missing file, column, source or a non-numeric value.

    """
    path = (data_dir or DATA_DIR) / name
    if not path.exists():
        raise DataError(f"{path}: data table not found")
    frame = pd.read_csv(path, comment=None)
    missing = [c for c in [*required, "source"] if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; present: {list(frame.columns)}")
    for row, src in enumerate(frame["source"], start=2):
        if not isinstance(src, str) or not src.strip():
            raise DataError(f"{path}, row {row}, column 'source': empty; every figure needs one")
    for col in numeric or []:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna() | frame[col].isna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise DataError(
                f"{path}, row {row}, column {col!r}: {frame[col].iloc[row - 2]!r} is not a number"
            )
        frame[col] = values
    return frame


@cache
def districts() -> pd.DataFrame:
    """District figures, wide: one row per district (index: code), one column per variable."""
    tidy = read_table("districts.csv", ["district", "name_zh", "name_pinyin", "variable", "value",
                                        "unit"], numeric=["value"])
    unknown = set(tidy["district"]) - set(DISTRICTS)
    if unknown:
        raise DataError(f"districts.csv, column 'district': unknown {sorted(unknown)}; "
                        f"allowed {list(DISTRICTS)}")
    wide = tidy.pivot(index="district", columns="variable", values="value").reindex(DISTRICTS)
    names = tidy.drop_duplicates("district").set_index("district")[["name_zh", "name_pinyin"]]
    return wide.join(names)


@cache
def firms() -> pd.DataFrame:
    """Firm strata: sector × size with counts, energy, fuel mix and district shares."""
    numeric = ["firms", "energy_tce_per_firm", "roof_m2_per_firm", "ets_covered", "coal_share",
               "gas_share", "oil_share", "electricity_share", "clinker_t_per_firm",
               *[f"share_{d}" for d in DISTRICTS]]
    frame = read_table("firms.csv", ["sector", "size", *numeric], numeric=numeric)
    unknown = set(frame["sector"]) - set(SECTORS)
    if unknown:
        raise DataError(f"firms.csv, column 'sector': unknown {sorted(unknown)}; "
                        f"allowed {list(SECTORS)}")
    mix = frame[["coal_share", "gas_share", "oil_share", "electricity_share"]].sum(axis=1)
    bad = (mix - 1.0).abs() > 1e-6
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise DataError(f"firms.csv, row {row}: fuel shares add up to {mix[row - 2]}, not 1")
    return frame


@cache
def vehicles() -> dict[tuple[str, str, str], float]:
    """Vehicle technical data keyed by (vtype, powertrain, variable)."""
    frame = read_table("vehicles.csv", ["vtype", "powertrain", "variable", "value", "unit"],
                       numeric=["value"])
    return {(r.vtype, r.powertrain, r.variable): float(r.value) for r in frame.itertuples()}


@cache
def vehicle_paths() -> dict[tuple[str, str, str], dict[int, float]]:
    """Observed yearly paths keyed by (vtype, powertrain, variable) → {year: value}.

    ``data/vehicle_paths.csv``: battery pack prices, NEV price premia and stock growth.
    """
    frame = read_table("vehicle_paths.csv", ["year", "vtype", "powertrain", "variable", "value",
                                             "unit"], numeric=["year", "value"])
    out: dict[tuple[str, str, str], dict[int, float]] = {}
    for r in frame.itertuples():
        out.setdefault((r.vtype, r.powertrain, r.variable), {})[int(r.year)] = float(r.value)
    return out


@cache
def emission_factors() -> dict[str, float]:
    """Fuel → emission factor (units in ``data/emission_factors.csv``)."""
    frame = read_table("emission_factors.csv", ["fuel", "value", "unit"], numeric=["value"])
    return dict(zip(frame["fuel"], frame["value"].astype(float), strict=True))


@cache
def grid_factors() -> dict[int, float]:
    """Year → observed grid emission factor, kg CO2/kWh."""
    frame = read_table("grid_factors.csv", ["year", "value", "unit"], numeric=["year", "value"])
    return {int(y): float(v) for y, v in zip(frame["year"], frame["value"], strict=True)}


@cache
def economy() -> dict[str, dict[int, float]]:
    """Variable → year → value of ``data/economy.csv`` (GDP, real growth, population)."""
    frame = read_table("economy.csv", ["year", "variable", "value", "unit"],
                       numeric=["year", "value"])
    out: dict[str, dict[int, float]] = {}
    for year, variable, value in zip(frame["year"], frame["variable"], frame["value"],
                                     strict=True):
        out.setdefault(str(variable), {})[int(year)] = float(value)
    return out


@cache
def energy_factors() -> dict[str, float]:
    """Fuel → energy content, kgce per unit (units in ``data/energy_factors.csv``)."""
    frame = read_table("energy_factors.csv", ["fuel", "value", "unit"], numeric=["value"])
    return dict(zip(frame["fuel"], frame["value"].astype(float), strict=True))


PLANT_TYPES: dict[str, tuple[str, str]] = {
    "nuclear": ("nuclear", "核电"), "coal": ("coal", "煤电"), "gas": ("gas", "气电"),
    "fishery_pv": ("fishery PV (developers)", "渔光互补光伏（开发商）"),
    "utility_pv": ("utility PV", "集中式光伏"), "offshore_wind": ("offshore wind", "海上风电"),
}
"""Power-plant types of ``data/power_plants.csv`` with their English and Chinese names."""
RENEWABLE_TYPES = ("fishery_pv", "utility_pv", "offshore_wind")
PLANT_STATUSES = ("operating", "under_construction", "plan")


@cache
def power_plants() -> pd.DataFrame:
    """Power plants in Jiangmen: type, capacity (MW), online and retire year, status."""
    frame = read_table("power_plants.csv", ["plant", "type", "capacity_mw", "online_year",
                                            "retire_year", "status"],
                       numeric=["capacity_mw", "online_year", "retire_year"])
    for column, allowed in (("type", PLANT_TYPES), ("status", PLANT_STATUSES)):
        unknown = set(frame[column]) - set(allowed)
        if unknown:
            raise DataError(f"power_plants.csv, column {column!r}: unknown {sorted(unknown)}; "
                            f"allowed {list(allowed)}")
    return frame


@cache
def energy_statistics() -> dict[tuple[str, int], float]:
    """(item, year) → value of the published energy figures the base year is checked against."""
    frame = read_table("energy_statistics.csv", ["item", "value", "unit", "year"],
                       numeric=["value", "year"])
    return {(str(i), int(y)): float(v)
            for i, y, v in zip(frame["item"], frame["year"], frame["value"], strict=True)}


class PublishedRange(NamedTuple):
    """A published or documented range the model is checked against, never fitted to."""

    low: float
    high: float
    unit: str
    region: str
    source: str


@cache
def published_ranges() -> dict[str, PublishedRange]:
    """Name → range of ``data/observed/published_ranges.csv``.

    Published figures (the cost per additional NEV of a purchase subsidy, the size of peer
    effects) and each audited lever's documented response range with its evidence
    (``lever_response.<lever>``, :mod:`experiments.levers_audit`).

    Raises:
        DataError: A name given twice or ``low > high``, naming the row.

    """
    name = "observed/published_ranges.csv"
    frame = read_table(name, ["name", "low", "high", "unit", "region"], numeric=["low", "high"])
    out: dict[str, PublishedRange] = {}
    for row, (key, low, high, unit, region, source) in enumerate(zip(
            frame["name"], frame["low"], frame["high"], frame["unit"], frame["region"],
            frame["source"], strict=True), start=2):
        if key in out:
            raise DataError(f"{name}, row {row}, column 'name': {key!r} is given twice; "
                            "allowed: one row per figure")
        if low > high:
            raise DataError(f"{name}, row {row}, columns 'low', 'high': {low:g} > {high:g}; "
                            "allowed: low <= high")
        out[str(key)] = PublishedRange(float(low), float(high), str(unit), str(region),
                                       str(source))
    return out


TABLES = (districts, firms, vehicles, vehicle_paths, emission_factors, grid_factors, economy,
          energy_factors, power_plants, energy_statistics, published_ranges)
"""Every data table's loader (each cached: read once per process)."""


def check_tables() -> None:
    """Read every data table, so a malformed one is refused before a run creates anything.

    Raises:
        DataError: The first malformed table, naming the file, row and column.

    """
    for load in TABLES:
        load()
