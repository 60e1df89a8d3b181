"""Results: declared outputs, tidy DataFrames, the annual summary and the plan's targets.

Monthly outputs are per district and per metric of each agent group, as the group declares
them (:mod:`abm.groups`: name, unit, stock or flow). Tidy frames have the columns
``year, month, district, group, metric, value, unit``. The annual summary is city-wide:
``year, metric, value, unit`` (flows summed over the year, stocks taken in December).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from abm import data
from abm.files import inside, safe_name, write_atomic
from abm.groups import GROUP_METRICS, metric_units, stock_metrics
from abm.indicators import indicator_rows
from abm.services import district_shares, services_year

if TYPE_CHECKING:
    from abm.model import JiangmenModel

STOCK_METRICS = stock_metrics()
"""Metrics that are stocks (a level at the end of a month); the rest are monthly flows.
Declared with each group's metrics (:mod:`abm.groups`)."""

_METRIC_UNITS = metric_units()


def metric_unit(metric: str) -> str:
    """Unit of a per-district metric, as its group declares it (:mod:`abm.groups`)."""
    return _METRIC_UNITS[metric]


EMISSION_SECTOR_LABELS: dict[str, tuple[str, str]] = {
    "residential": ("residential", "居民"), "transport": ("transport", "交通"),
    "industry": ("industry (energy)", "工业（能源）"),
    "industry_process": ("industry (process)", "工业（过程）"), "fishery": ("fishery", "渔业"),
    "services": ("services (commercial and public buildings)", "服务业（公共及商业建筑）"),
}
"""English and Chinese name of each emitting sector of :func:`sector_emissions`."""
SECTORS_OUT = tuple(EMISSION_SECTOR_LABELS)


@dataclass(frozen=True)
class Target:
    """One of the plan's trackable targets and how the model measures it."""

    key: str
    label: str
    section: str
    year: int
    threshold: float
    unit: str
    direction: str  # "at_least", "at_most", "before" (peak year before `year`)
    metric: str
    note: str = ""


TARGETS = (
    Target("co2_peak", "CO2 emissions peak before 2030", "一(二)", 2030, 2030, "year", "before",
           "peak_year", "modelled sectors only (consumption-based; power plants via grid factor)"),
    Target("nev_share_new_vehicles", "≈40 % of newly added vehicles new/clean energy by 2030",
           "§14", 2030, 0.40, "1", "at_least", "clean_share_sales_all",
           "new vehicles: replacements and first purchases; NEV plus LNG (clean energy)"),
    Target("ev_share_new_cars", "≥30 % of new passenger-car sales electric by 2030", "§14",
           2030, 0.30, "1", "at_least", "nev_share_sales_car"),
    Target("operating_vehicle_intensity", "CO2 per unit of operating transport −10 % vs 2020 by "
           "2030", "§14", 2030, -0.10, "1", "at_most", "operating_co2_per_km_change",
           "proxy: CO2 per vehicle-km of taxis, vans, buses and trucks"),
    Target("land_oil_peak", "Land-transport oil use peaks before 2030", "§14", 2030, 2030,
           "year", "before", "oil_peak_year"),
    Target("green_travel", "≥70 % green share of urban trips by 2030", "§15", 2030, 0.70, "1",
           "at_least", "green_travel_share"),
    Target("green_new_buildings", "All new urban buildings green by 2025", "§12", 2025, 1.0,
           "1", "at_least", "green_share_new_homes"),
    Target("cement_intensity", "Clinker CO2 per tonne −8 % vs 2020 by 2030", "§9", 2030, -0.08,
           "1", "at_most", "clinker_intensity_change"),
    Target("renewable_capacity", "≥7 GW renewable generating capacity by 2030", "§2",
           2030, 7000.0, "MW", "at_least", "renewable_capacity_mw",
           "agents' PV plus the developers' fishery-PV and offshore wind of data/power_plants.csv; "
           "biomass and waste-to-energy not found, left out"),
    Target("energy_intensity", "Energy use per unit of GDP −14 % vs 2020 by 2025", "一(二)",
           2025, -0.14, "1", "at_most", "energy_intensity_change",
           "modelled sectors; coal-equivalent method; real GDP (abm.indicators)"),
    Target("co2_intensity", "CO2 per unit of GDP −20.5 % vs 2020 by 2025 (Guangdong's share)",
           "一(二)", 2025, -0.205, "1", "at_most", "co2_intensity_change",
           "the plan defers to the province; Guangdong's 14th-FYP target (widely reported)"),
    Target("non_fossil_2025", "Non-fossil share of energy consumption ≈32 % by 2025", "一(二)",
           2025, 0.32, "1", "at_least", "non_fossil_share",
           "coal-equivalent method; grid electricity at the grid's non-fossil share"),
    Target("non_fossil_2030", "Non-fossil share of energy consumption ≈35 % by 2030", "一(二)",
           2030, 0.35, "1", "at_least", "non_fossil_share",
           "coal-equivalent method; grid electricity at the grid's non-fossil share"),
    Target("gas_capacity", "≥3 GW gas-fired generating capacity by 2025", "§3", 2025, 3000.0,
           "MW", "at_least", "capacity_mw_gas",
           "the named projects' capacities are assumptions (data/power_plants.csv)"),
    Target("public_building_energy", "Public institutions' energy per m² −7 % vs 2020 by 2030",
           "§13", 2030, -0.07, "1", "at_most", "public_intensity_change",
           "services module; the standard is assumed to be met where a policy sets it"),
    Target("public_building_cooling", "Large public buildings' cooling efficiency +20 % vs 2020 "
           "by 2030", "§13", 2030, 0.20, "1", "at_least", "public_cooling_gain"),
)


def monthly_frame(model: JiangmenModel) -> pd.DataFrame:
    """All per-district monthly metrics of the months run, tidy."""
    months = model.month
    frames = []
    for group, metrics in GROUP_METRICS.items():
        hist = model.history[group][:months]  # (T, D, M)
        t, d, m = np.meshgrid(np.arange(months), np.arange(len(data.DISTRICTS)),
                              np.arange(len(metrics)), indexing="ij")
        frames.append(pd.DataFrame({
            "year": model.start_year + t.ravel() // 12,
            "month": t.ravel() % 12 + 1,
            "district": np.asarray(data.DISTRICTS)[d.ravel()],
            "group": group,
            "metric": np.asarray(metrics)[m.ravel()],
            "value": hist.ravel(),
        }))
    frame = pd.concat(frames, ignore_index=True)
    frame["unit"] = frame["metric"].map(metric_unit)
    return frame


def _annual(model: JiangmenModel, group: str, metric: str, by_district: bool = False
            ) -> np.ndarray:
    """Year × (district) values of a metric: flows summed, stocks at the year's last month."""
    idx = GROUP_METRICS[group].index(metric)
    hist = model.history[group][:model.month, :, idx]
    years = model.month // 12
    hist = hist[:years * 12].reshape(years, 12, -1)
    values = hist[:, -1, :] if metric in STOCK_METRICS else hist.sum(axis=1)
    return values if by_district else values.sum(axis=1)


def sector_emissions(model: JiangmenModel, by_district: bool = False) -> dict[str, np.ndarray]:
    """Annual CO2 by sector, t CO2 (year × district if ``by_district``)."""
    a = lambda g, m: _annual(model, g, m, by_district) / 1000.0  # noqa: E731
    return {"residential": a("households", "co2_kg"), "transport": a("vehicles", "co2_kg"),
            "industry": a("firms", "co2_kg"), "industry_process": a("firms", "process_co2_kg"),
            "fishery": a("fishers", "co2_kg"), "services": _services_co2(model, by_district)}


def _services_co2(model: JiangmenModel, by_district: bool) -> np.ndarray:
    """Annual services CO2, t (year × district if ``by_district``): :mod:`abm.services`."""
    co2_t = services_year(model)["co2_kg"] / 1000.0
    return np.outer(co2_t, district_shares()) if by_district else co2_t


def annual_summary(model: JiangmenModel) -> pd.DataFrame:
    """City-wide annual outputs: ``year, metric, value, unit``."""
    years = np.arange(model.start_year, model.start_year + model.month // 12)
    rows: list[tuple[str, np.ndarray, str]] = []
    sectors = sector_emissions(model)
    total = sum(sectors.values())
    for name, values in sectors.items():
        rows.append((f"co2_{name}", values / 1e6, "Mt CO2"))
    rows.append(("co2_total", total / 1e6, "Mt CO2"))

    def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.divide(a, b, out=np.full_like(a, np.nan, dtype=float), where=b > 0)

    a = lambda g, m: _annual(model, g, m)  # noqa: E731
    pv = {"household": a("households", "pv_kw"), "firm": a("firms", "pv_kw"),
          "fisher": a("fishers", "pv_kw")}
    for group, kw in pv.items():
        rows.append((f"pv_capacity_mw_{group}", kw / 1000.0, "MW"))
    rows.append(("pv_capacity_mw_total", sum(pv.values()) / 1000.0, "MW"))
    rows.append(("pv_generation_gwh", (a("households", "pv_kwh") + a("firms", "pv_kwh")
                                       + a("fishers", "pv_kwh")) / 1e6, "GWh"))
    sales_all = np.zeros(len(years))
    nev_sales_all = np.zeros(len(years))
    for v in data.VEHICLE_TYPES:
        sales, nev = a("vehicles", f"sales_{v}"), a("vehicles", f"nev_sales_{v}")
        sales_all += sales
        nev_sales_all += nev
        rows.append((f"sales_{v}", sales, "vehicles"))
        rows.append((f"nev_share_sales_{v}", ratio(nev, sales), "1"))
        rows.append((f"nev_share_sales_expected_{v}",
                     ratio(a("vehicles", f"nev_sales_expected_{v}"), sales), "1"))
        rows.append((f"stock_{v}", a("vehicles", f"stock_{v}"), "vehicles"))
        rows.append((f"nev_share_stock_{v}", ratio(a("vehicles", f"nev_stock_{v}"),
                                                   a("vehicles", f"stock_{v}")), "1"))
    rows.append(("nev_share_sales_all", ratio(nev_sales_all, sales_all), "1"))
    rows.append(("clean_share_sales_all", ratio(nev_sales_all + a("vehicles", "lng_sales"),
                                                sales_all), "1"))
    rows.append(("phev_share_sales_nev", ratio(a("vehicles", "phev_sales"), nev_sales_all), "1"))
    nev_expected_all = sum(a("vehicles", f"nev_sales_expected_{v}") for v in data.VEHICLE_TYPES)
    rows.append(("nev_share_sales_expected_all", ratio(nev_expected_all, sales_all), "1"))
    rows.append(("phev_share_sales_expected_nev", ratio(a("vehicles", "phev_sales_expected"),
                                                        nev_expected_all), "1"))
    rows.append(("lng_share_sales_truck", ratio(a("vehicles", "lng_sales"),
                                                a("vehicles", "sales_truck")), "1"))
    rows.append(("lng_share_sales_expected_truck", ratio(a("vehicles", "lng_sales_expected"),
                                                         a("vehicles", "sales_truck")), "1"))
    rows.append(("first_purchases", a("vehicles", "first_purchases"), "vehicles"))
    stock = sum(a("vehicles", f"stock_{v}") for v in data.VEHICLE_TYPES)
    rows.append(("stock_all", stock, "vehicles"))
    nev_stock = sum(a("vehicles", f"nev_stock_{v}") for v in data.VEHICLE_TYPES)
    rows.append(("nev_share_stock_all", ratio(nev_stock, stock), "1"))
    rows.append(("land_transport_oil_ml", a("vehicles", "oil_l") / 1e6, "million L"))
    rows.append(("ev_electricity_gwh", a("vehicles", "ev_kwh") / 1e6, "GWh"))
    operating = ("taxi", "van", "bus", "truck")
    op_co2 = sum(a("vehicles", f"co2_kg_{v}") for v in operating)
    op_km = sum(a("vehicles", f"km_{v}") for v in operating)
    op_intensity = ratio(op_co2, op_km)
    rows.append(("operating_co2_per_km", op_intensity, "kg CO2/km"))
    rows.append(("operating_co2_per_km_change", op_intensity / op_intensity[0] - 1.0, "1"))
    households = a("households", "agents")
    rows.append(("green_home_share", ratio(a("households", "adopters_green"), households), "1"))
    rows.append(("ci_participants", a("households", "adopters_ci"), "households"))
    rows.append(("ci_share", ratio(a("households", "adopters_ci"), households), "1"))
    rows.append(("household_pv_share", ratio(a("households", "adopters_pv"), households), "1"))
    december = [model.month_log[min(12 * i + 11, model.month - 1)] for i in range(len(years))]
    green_share_new = np.array([max(model.params["tech.green_share_new_2020"], m.green_mandate)
                                for m in december])
    rows.append(("green_share_new_homes", green_share_new, "1"))
    # Green travel: non-green trips shrink with car km cut by scheme participants.
    p = model.params
    base = ratio(a("vehicles", "car_km"), a("vehicles", "car_km_base"))
    nongreen0 = 1.0 - p["travel.green_share_2020"]
    trend = p["travel.green_trend"] * (years - model.start_year)
    car_part = p["travel.car_trip_share_of_nongreen"]
    nongreen = np.maximum(nongreen0 - trend, 0.0) * (1.0 - car_part * (1.0 - base))
    rows.append(("green_travel_share", 1.0 - nongreen, "1"))
    firms = a("firms", "agents")
    rows.append(("firm_pv_share", ratio(a("firms", "adopters_pv"), firms), "1"))
    rows.append(("firm_retrofit_share", ratio(a("firms", "adopters_retrofit"), firms), "1"))
    rows.append(("firm_switch_share", ratio(a("firms", "adopters_switch"), firms), "1"))
    rows.append(("firm_green_power_share", ratio(a("firms", "adopters_green_power"), firms),
                 "1"))
    rows.append(("industry_energy_mtce", a("firms", "energy_tce") / 1e6, "Mtce"))
    rows.append(("industry_coal_mtce", a("firms", "coal_tce") / 1e6, "Mtce"))
    for sector in data.SECTORS:
        rows.append((f"industry_energy_mtce_{sector}", a("firms", f"energy_tce_{sector}") / 1e6,
                     "Mtce"))
    intensity = ratio(a("firms", "cement_co2_kg") / 1000.0, a("firms", "clinker_t"))
    rows.append(("clinker_intensity", intensity, "t CO2/t clinker"))
    rows.append(("clinker_intensity_change", intensity / intensity[0] - 1.0, "1"))
    vessels = a("fishers", "vessels")
    rows.append(("improved_vessel_share", ratio(a("fishers", "vessels_efficient")
                                                + a("fishers", "vessels_electric"), vessels),
                 "1"))
    rows.append(("fishery_pv_share", ratio(a("fishers", "adopters_pv"),
                                           a("fishers", "suitable_farms")), "1"))
    rows += indicator_rows(model, years, a, total)
    # Windfall and additionality (abm.accounting.windfall_shares): adopters at the end of
    # each year and, cumulated, those among them who received a subsidy.
    improved = a("fishers", "vessels_efficient") + a("fishers", "vessels_electric")
    for tech, adopters, group, subsidised in (
            ("household_pv", a("households", "adopters_pv"), "households", "pv_subsidised"),
            ("household_retrofit", a("households", "adopters_green"), "households",
             "retrofit_subsidised"),
            ("firm_pv", a("firms", "adopters_pv"), "firms", "pv_subsidised"),
            ("fishery_pv", a("fishers", "adopters_pv"), "fishers", "pv_subsidised"),
            ("vessel", improved, "fishers", "vessels_subsidised")):
        rows.append((f"adopters_{tech}", adopters, "count"))
        rows.append((f"subsidised_adopters_{tech}", np.cumsum(a(group, subsidised)), "count"))
    spend = spending_by_policy(model)
    for name, values in spend.items():
        rows.append((f"spending_{name}", values / 1e6, "million CNY"))
    rows.append(("spending_total", sum(spend.values(), np.zeros(len(years))) / 1e6,
                 "million CNY"))
    frame = pd.DataFrame([(int(y), name, float(v[i]), unit) for name, v, unit in rows
                          for i, y in enumerate(years)],
                         columns=["year", "metric", "value", "unit"])
    return frame


def spending_by_policy(model: JiangmenModel) -> dict[str, np.ndarray]:
    """Annual spending (CNY) of each policy kind (policies of one kind added up)."""
    years = model.month // 12
    out: dict[str, np.ndarray] = {}
    for j, policy in enumerate(model.policies):
        key = policy.spending_key
        annual = model.spending[:years * 12, j].reshape(years, 12).sum(axis=1)
        out[key] = out.get(key, np.zeros(years)) + annual
    return out


def peak(years: np.ndarray, values: np.ndarray) -> tuple[int, float, bool]:
    """Peak year and value; ``True`` if the peak is inside the run (values fall after it)."""
    i = int(np.nanargmax(values))
    return int(years[i]), float(values[i]), i < len(values) - 1


PLATEAU_TOLERANCE = 0.01
"""Share of the peak within which a year counts as on the peak's plateau (1).

Assumption: about one year of the baseline's growth before its peak (+0.9 %/yr in 2025-2030),
and above the model's seed noise around a flat peak: in ``plan`` at scale 50 the highest year
is 2029 for four seeds of six and 2023 for two (``python -m experiments run peak_seeds``;
2029 − 2023 was −0.04 to +0.10 Mt, up to 0.5 % of the 21.3 Mt peak), while the plateau
starts in 2023 for four seeds and 2025 for two, whose 2024 is 1.0 % under their peak. Years
this close to the peak cannot be ranked by one run, so the headline gives the plateau's start
beside the peak year."""


def plateau_start(years: np.ndarray, values: np.ndarray,
                  tolerance: float = PLATEAU_TOLERANCE) -> int:
    """First year of the plateau that ends in the peak year.

    The earliest year ``y`` such that every year from ``y`` to the peak year has
    ``value ≥ (1 − tolerance)·peak``; the peak year itself when the year before it is lower
    than that (or missing). A plateau start before the peak year says emissions stopped rising
    then, within ``tolerance`` of the peak.
    """
    i = int(np.nanargmax(values))
    floor = (1.0 - tolerance) * float(values[i])
    j = i
    while j > 0 and float(values[j - 1]) >= floor:
        j -= 1
    return int(years[j])


def targets_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Each trackable target: value in its year, met or not, and the first year it holds."""
    wide = summary.pivot(index="year", columns="metric", values="value")
    years = wide.index.to_numpy()
    rows = []
    for target in TARGETS:
        value: float = np.nan
        met = False
        year_met: float = np.nan
        if target.direction == "before":
            series = wide["co2_total" if target.key == "co2_peak" else "land_transport_oil_ml"]
            peak_year, _, inside = peak(years, series.to_numpy())
            value = float(peak_year)
            met = inside and peak_year < target.threshold
            year_met = float(peak_year) if met else np.nan
        elif target.metric in wide:
            series = wide[target.metric]
            holds = series >= target.threshold if target.direction == "at_least" else \
                series <= target.threshold
            if target.year in series.index:
                value = float(series.loc[target.year])
                met = bool(holds.loc[target.year])
            first = series.index[holds.to_numpy()]
            year_met = float(first[0]) if len(first) else np.nan
        rows.append({"target": target.key, "label": target.label, "section": target.section,
                     "year": target.year, "threshold": target.threshold, "unit": target.unit,
                     "value": value, "met": met, "year_met": year_met, "note": target.note})
    return pd.DataFrame(rows)


def write_results(model: JiangmenModel, out_dir: Path, stem: str | None = None
                  ) -> dict[str, Path]:
    """Write monthly, annual and target tables as Parquet (and CSV for the small ones).

    Files are ``<stem>_{monthly,annual,targets}.*`` in ``out_dir``; ``stem`` defaults to the
    scenario name made safe for a file name (:func:`abm.files.safe_name`), so a name read
    from a file never leads outside ``out_dir``. Each file is written atomically under a
    unique temporary name (:func:`abm.files.write_atomic`).
    """
    stem = safe_name(model.scenario.name, "scenario name") if stem is None else stem
    summary = annual_summary(model)
    tables = {"monthly": monthly_frame(model), "annual": summary,
              "targets": targets_table(summary)}
    paths = {}
    for kind, frame in tables.items():
        frame = frame.assign(scenario=model.scenario.name, seed=model.seed, scale=model.scale)
        for ext in ("parquet", "csv") if kind != "monthly" else ("parquet",):
            path = inside(out_dir, f"{stem}_{kind}.{ext}")
            if ext == "parquet":
                write_atomic(path, lambda tmp, frame=frame: frame.to_parquet(tmp, index=False))
            else:
                write_atomic(path, lambda tmp, frame=frame: frame.to_csv(tmp, index=False))
            paths[f"{kind}.{ext}"] = path
    return paths
