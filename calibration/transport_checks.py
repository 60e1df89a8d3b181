"""Data-anchored checks of the transport model against 2020-2024 (issue 10).

``python -m calibration.transport_checks [--scale 200] [--seeds 1,2]`` runs the ``history``
scenario with the shipped fit (``data/calibrated/transport.toml``, or ``--fit FILE``) and the
same history without the 2020-22 national purchase subsidy, and prints:

* the NEV share of new private cars against China's passenger-car retail series (CPCA; the
  fitted mapping of ``calibration/configs/transport.toml``) and beside it the CAAM all-vehicle
  series (2020-2022 fitted, 2023-2024 held out);
* the NEV share of the stock, all vehicles, against China's all-vehicle series (MPS; held
  out, like for like) and of private cars; and the car-stock share the observed sales shares
  would give through the model's own fleet, which separates the fleet from the choice model;
  and, for all vehicles, the model's NEV share of sales against China's NEV share of new
  registrations (MPS, the inflow of its stock series) and the stock those registrations give
  through the model's fleet, which separates the fleet from the sales mapping;
* the scrappage rate of cars against China's (registrations minus stock growth);
* the vehicle stock in 2021 against the Jiangmen statistical bulletin (1,046,400);
* per vehicle type the NEV share of sales 2020-2024 (heavy trucks against China's new-energy
  share of domestic heavy-truck sales, and their LNG share against China's; delivery vans
  against China's new-energy share of light-duty commercial vehicles, 2023-2024; buses under
  the electrification guideline);
* the fitted social influence as additional NEV purchases per extra NEV in a quarter
  (:func:`installed_base_multiplier`) beside a published peer effect;
* the cost per additional NEV of the 2020-22 subsidy: subsidy paid in 2020-22 divided by the
  NEVs (all types) it added in those years, against the published range.

``--posterior FOLDER [--draws 12]`` runs the same checks at weighted draws of an ABC fit's
posterior (``posterior.csv``; :func:`posterior_draw_checks`) and prints, per draw, issue 10's
held-out criteria (:data:`ISSUE_TOLERANCE`) and the cost per additional NEV: which particles
of a fit meet them all.

Shares of sales are the model's choice probabilities (``nev_share_sales_expected_*``), which
the drawn choices scatter around: a few thousand heavy-truck purchases a year are a few dozen
agents at scale 100.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.data import DATA_DIR, published_ranges
from abm.limits import SCALE_MAX, SCALE_MIN
from abm.observed import load_observed, observed_series
from abm.params import ParameterError
from calibration.cli import _seeds

log = logging.getLogger(__name__)
SHIPPED_FIT = DATA_DIR / "calibrated" / "transport.toml"
"""The shipped private-car choice fit (``python -m calibration run transport``)."""
ISSUE_TOLERANCE = {"sales": 0.03, "stock": 0.01}
"""Issue 10's held-out criteria (shares): the NEV share of new cars within 3 points of the
national series, of the stock within 1 point."""
HELD_OUT_YEARS = (2023, 2024)
DRAWS_MAX = 200
"""Most posterior draws ``--draws`` accepts (each is two runs per seed)."""
DRAW_COLOURS = ("tab:blue", "tab:orange", "tab:purple", "tab:red", "tab:brown", "tab:pink",
                "tab:olive", "tab:cyan")
"""One colour per fit in :func:`draws_chart`, reused in turn past eight fits."""


def installed_base_multiplier(wide: pd.DataFrame, params: Any) -> dict[int, tuple[float, float]]:
    """Additional NEV purchases in a quarter caused by one more NEV car, by year (model).

    The fitted social influence, derived from the choice rule (README, Transport) at the
    city's car-stock share ``s`` (mean of the year's start and end; districts ignored):
    consideration ``F = 1 − (1 − F_2020)·exp(−k·(s − s_2020))``, the NEV share among those who
    consider ``P_c = P_nev / F`` and the quarterly purchase rate ``q`` (car sales / 4 / car
    stock). One more NEV raises ``s`` by ``1/N`` for the ``N`` cars of its district, whose
    ``q·N`` buyers a quarter then choose an NEV ``P_c·k·(1 − F)/N`` more often:
    ``consideration = q·P_c·k·(1 − F)``; and its ``deg`` network neighbours' peer share by
    ``1/deg``: ``peer = q·β_peer·F·P_c·(1 − P_c)``.

    Returns:
        ``{year: (consideration, peer)}``, NEVs per NEV per quarter.

    """
    f0 = params["behaviour.vehicle_ev.familiarity_2020"]
    k = params["behaviour.vehicle_ev.familiarity_rate"]
    beta_peer = params["behaviour.vehicle_ev.beta_peer"]
    s0 = max(params["init.ev_share_car"], 1e-3)
    start = params["init.ev_share_car"]
    out = {}
    for y in range(2020, 2025):
        end = float(wide.loc["nev_share_stock_car", y])
        s = 0.5 * (start + end)
        start = end
        known = 1.0 - (1.0 - f0) * math.exp(-k * max(s - s0, 0.0))
        p_c = float(wide.loc["nev_share_sales_expected_car", y]) / known
        q = float(wide.loc["sales_car", y]) / 4.0 / float(wide.loc["stock_car", y])
        out[y] = (q * p_c * k * (1.0 - known), q * beta_peer * known * p_c * (1.0 - p_c))
    return out


def stock_share_through_fleet(nev_start: float, stock: pd.Series, inflow: pd.Series,
                              nev_share: pd.Series,
                              years: range = range(2021, 2025)) -> dict[int, float]:
    """The NEV share of a stock whose new vehicles have the NEV share ``nev_share``.

    ``NEV_y = NEV_{y−1} + share_y · inflow_y`` from ``nev_start`` NEVs (no NEV scrapped:
    they are young; China's NEV stock grew 7.31 M in 2023 against 7.43 M registered), and
    the share ``NEV_y / S_y`` (vehicles; ``stock`` and ``inflow`` indexed by year).
    """
    nev = float(nev_start)
    out = {}
    for y in years:
        nev += float(nev_share[y]) * float(inflow[y])
        out[y] = nev / float(stock[y])
    return out


def _stock_share_through_fleet(wide: pd.DataFrame, kind: str, nev_share: pd.Series,
                               sales: pd.Series) -> dict[int, float]:
    """:func:`stock_share_through_fleet` through the model's fleet of ``kind``.

    ``kind`` is ``car`` or ``all``: the model's 2020 NEV stock of it, its sales and its stock.
    """
    nev = float(wide.loc[f"nev_share_stock_{kind}", 2020] * wide.loc[f"stock_{kind}", 2020])
    return stock_share_through_fleet(nev, wide.loc[f"stock_{kind}"], sales, nev_share)


def national_stock_through_fleet(observed: pd.DataFrame) -> dict[str, dict[int, float]]:
    """China's NEV stock share as each national sales series would give it: data only.

    Through China's own fleet (MPS: 汽车 stock, new registrations, 4.92 M NEVs at end-2020)
    with :func:`stock_share_through_fleet`, the NEV share of new vehicles taken from
    ``registrations`` (MPS, the inflow of its stock series) or ``cpca`` (passenger-car retail,
    the fitted mapping of the model's private cars), beside ``observed`` (MPS stock share).
    If the first misses the observed stock, the accounting is wrong; the gap of the second
    is how far a fleet whose new vehicles follow CPCA must sit above the MPS stock.
    """
    stock = observed_series(observed, "car_stock", "China")
    inflow = observed_series(observed, "car_registrations", "China")
    nev_share_stock = observed_series(observed, "nev_share_stock", "China")
    start = float(nev_share_stock[2020] * stock[2020])
    out = {"observed": {y: float(v) for y, v in nev_share_stock.items() if y > 2020}}
    for name, series in (("registrations", "nev_share_registrations"),
                         ("cpca", "nev_share_retail_passenger")):
        out[name] = stock_share_through_fleet(start, stock, inflow,
                                              observed_series(observed, series, "China"))
    return out


def _wide(run: Any) -> pd.DataFrame:
    return run.summary.pivot(index="metric", columns="year", values="value")


def _subsidy_paid(run: Any, years: range) -> float:
    model = run.model
    paid = 0.0
    for j, policy in enumerate(model.policies):
        if policy.kind == "ev_purchase_subsidy":
            months = [t for t in range(model.month) if model.start_year + t // 12 in years]
            paid += float(model.spending[months, j].sum())
    return paid


def transport_checks(scale: float = 200.0, seeds: tuple[int, ...] = (1, 2),
                     fit: Path | None = None, parameters: dict[str, float] | None = None
                     ) -> dict[str, Any]:
    """Run ``history`` (with the fit's parameters) with and without the 2020-22 subsidy.

    Args:
        scale: People per agent.
        seeds: Model seeds (the checks are their means).
        fit: A ``calibrated.toml`` (default: the shipped fit).
        parameters: The fit's parameters themselves, instead of ``fit``.

    Returns:
        The checks' numbers (seed means).

    """
    from abm.data import VEHICLE_TYPES
    from abm.files import read_user_toml
    from abm.scenario import load_scenario
    from abm.simulate import simulate

    logging.getLogger("MESA").setLevel(logging.WARNING)
    fitted = dict(parameters) if parameters is not None else dict(read_user_toml(
        Path(fit or SHIPPED_FIT), "calibrated file").get("parameters", {}))
    history = load_scenario("history").with_parameters(fitted)
    without = dataclasses.replace(
        history, name="history_without_subsidy",
        policies=[p for p in history.policies if p.kind != "ev_purchase_subsidy"])
    years = range(2020, 2023)
    runs, counterfactual = [], []
    for seed in seeds:
        runs.append(simulate(history, scale=scale, seed=seed, end_year=2024))
        counterfactual.append(simulate(without, scale=scale, seed=seed, end_year=2024))
    wide = sum(_wide(r) for r in runs) / len(runs)
    wide_cf = sum(_wide(r) for r in counterfactual) / len(runs)
    nev_sales = sum(wide.loc[f"sales_{v}"]
                    * wide.loc[f"nev_share_sales_expected_{v}"].fillna(0.0)
                    for v in VEHICLE_TYPES)
    nev_sales_cf = sum(wide_cf.loc[f"sales_{v}"]
                       * wide_cf.loc[f"nev_share_sales_expected_{v}"].fillna(0.0)
                       for v in VEHICLE_TYPES)
    added = float(sum(nev_sales[y] - nev_sales_cf[y] for y in years))
    paid = float(np.mean([_subsidy_paid(r, years) for r in runs]))
    observed = load_observed()
    sales_obs = observed_series(observed, "nev_share_retail_passenger", "China")
    caam_obs = observed_series(observed, "nev_share_sales", "China")
    stock_obs = observed_series(observed, "nev_share_stock", "China")
    out: dict[str, Any] = {"scale": scale, "seeds": list(seeds)}
    years_all = range(2020, 2025)
    car = wide.loc["nev_share_sales_expected_car"]
    out["nev_share_sales_car"] = {y: (float(car[y]), float(sales_obs[y])) for y in years_all}
    out["nev_share_sales_car_vs_caam"] = {y: (float(car[y]), float(caam_obs[y]))
                                          for y in years_all}
    phev_obs = observed_series(observed, "phev_share_sales_nev", "China")
    out["phev_share_sales_nev"] = {y: (float(wide.loc["phev_share_sales_expected_nev", y]),
                                       float(phev_obs[y])) for y in years_all}
    out["nev_share_stock_all"] = {y: (float(wide.loc["nev_share_stock_all", y]),
                                      float(stock_obs[y])) for y in years_all}
    out["nev_share_stock_car"] = {y: (float(wide.loc["nev_share_stock_car", y]),
                                      float(stock_obs[y])) for y in years_all}
    scrappage_obs = observed_series(observed, "car_scrappage_rate", "China")
    out["car_scrappage_rate"] = {
        y: (float((wide.loc["sales_car", y] - wide.loc["first_purchases", y])
                  / wide.loc["stock_car", y - 1]), float(scrappage_obs[y]))
        for y in range(2021, 2025)}
    truck_obs = observed_series(observed, "nev_share_sales_heavy_truck", "China")
    out["nev_share_sales_truck"] = {y: (float(wide.loc["nev_share_sales_expected_truck", y]),
                                        float(truck_obs[y])) for y in years_all}
    # The stock share the observed sales shares would give through this fleet (the model's
    # car sales, first purchases and 2020 NEVs): the national stock series is consistent
    # with the national sales series only if Jiangmen's fleet turns over as China's does.
    out["nev_share_stock_car_implied"] = _stock_share_through_fleet(
        wide, "car", sales_obs, wide.loc["sales_car"])
    # The same for all vehicles with China's registrations (MPS: the inflow of its own stock
    # series): separates the fleet (growth, scrappage, 2020 stock) from the sales mapping.
    registrations = observed_series(observed, "nev_share_registrations", "China")
    sales_all = sum(wide.loc[f"sales_{v}"] for v in VEHICLE_TYPES)
    out["nev_share_sales_all_vs_registrations"] = {
        y: (float(nev_sales[y] / sales_all[y]), float(registrations[y])) for y in range(2021, 2025)}
    out["nev_share_stock_all_registrations"] = _stock_share_through_fleet(
        wide, "all", registrations, sales_all)
    out["national_stock_through_fleet"] = national_stock_through_fleet(observed)
    bulletin = observed_series(observed, "civilian_cars", "Jiangmen")
    out["stock_2021"] = (float(wide.loc["stock_all", 2021]), float(bulletin[2021]))
    out["first_purchases_2021"] = float(wide.loc["first_purchases", 2021])
    out["nev_share_sales_by_type"] = {
        v: {y: float(wide.loc[f"nev_share_sales_expected_{v}", y]) for y in years_all}
        for v in VEHICLE_TYPES}
    out["lng_share_sales_truck"] = {y: float(wide.loc["lng_share_sales_expected_truck", y])
                                    for y in years_all}
    van_obs = observed_series(observed, "nev_share_sales_light_commercial", "China")
    out["nev_share_sales_van_china"] = {int(y): float(v) for y, v in van_obs.items()}
    lng_obs = observed_series(observed, "lng_share_sales_heavy_truck", "China")
    out["lng_share_sales_truck_china"] = {int(y): float(v) for y, v in lng_obs.items()}
    out["subsidy_paid_2020_22"] = paid
    out["nev_added_2020_22"] = added
    out["nev_without_subsidy_share_2020_22"] = float(
        sum(nev_sales_cf[y] for y in years) / sum(nev_sales[y] for y in years))
    out["cost_per_additional_nev"] = paid / added if added > 0 else float("inf")
    out["installed_base_multiplier"] = installed_base_multiplier(wide, history.params)
    return out


def report(result: dict[str, Any]) -> str:
    """The checks as a Markdown report."""
    held = {y: " (held out)" if y >= 2023 else "" for y in range(2020, 2025)}
    lines = [f"Transport checks: history at scale {result['scale']:g}, seeds {result['seeds']} "
             "(mean); 2020-2022 fitted, 2023-2024 held out. Shares of sales are choice "
             "probabilities.", "",
             "| year | NEV share of new cars (model / China, CPCA passenger retail) "
             "| error, points | (CAAM all vehicles) | error, points |",
             "|---|---|---|---|---|"]
    for y in range(2020, 2025):
        s, so = result["nev_share_sales_car"][y]
        _, ca = result["nev_share_sales_car_vs_caam"][y]
        lines.append(f"| {y}{held[y]} | {s:.3f} / {so:.3f} | {100 * (s - so):+.1f} | "
                     f"{ca:.3f} | {100 * (s - ca):+.1f} |")
    implied = result["nev_share_stock_car_implied"]
    lines += ["", "| year | NEV share of the stock, all vehicles (model / China, MPS) "
                  "| error, points | private cars (model) | private cars, observed sales "
                  "through the model's fleet |", "|---|---|---|---|---|"]
    for y in range(2020, 2025):
        k, ko = result["nev_share_stock_all"][y]
        car, _ = result["nev_share_stock_car"][y]
        through = f"{implied[y]:.3f}" if y in implied else "—"
        lines.append(f"| {y}{' (not fitted)' if y < 2023 else held[y]} | {k:.3f} / {ko:.3f} | "
                     f"{100 * (k - ko):+.1f} | {car:.3f} | {through} |")
    lines += ["", "All vehicles, China's registrations through the model's fleet (MPS: the NEV "
                  "share of newly registered vehicles, the inflow of its stock series; no NEV "
                  "scrapped):",
              "", "| year | NEV share of sales, all vehicles (model / China, MPS registrations) "
                  "| error, points | stock those registrations give (2020 stock: the model's) "
                  "| against China's stock, points |", "|---|---|---|---|---|"]
    for y, (m, o) in result["nev_share_sales_all_vs_registrations"].items():
        via = result["nev_share_stock_all_registrations"][y]
        _, ko = result["nev_share_stock_all"][y]
        lines.append(f"| {y}{held[y]} | {m:.3f} / {o:.3f} | {100 * (m - o):+.1f} | {via:.3f} "
                     f"| {100 * (via - ko):+.1f} |")
    national = result["national_stock_through_fleet"]
    lines += ["", "China only, no model: the NEV share of China's stock that each national sales "
                  "series gives through China's own fleet (MPS 汽车 stock and registrations; "
                  "CPCA applied to every new 汽车, commercial vehicles included): " + ", ".join(
                      f"{y} registrations {100 * national['registrations'][y]:.2f} %, CPCA "
                      f"{100 * national['cpca'][y]:.2f} % vs MPS stock "
                      f"{100 * national['observed'][y]:.2f} %" for y in range(2021, 2025))
              + "."]
    lines += ["", "Scrappage of cars (replacements / stock at the start of the year; model / "
                  "China, registrations minus stock growth): " + ", ".join(
                      f"{y} {100 * m:.2f} / {100 * o:.2f} %"
                      for y, (m, o) in result["car_scrappage_rate"].items()) + "."]
    lines += ["", "Plug-in hybrid share of NEV sales (model / China, CAAM): " + ", ".join(
        f"{y} {m:.3f} / {o:.3f}" for y, (m, o) in result["phev_share_sales_nev"].items())
        + "."]
    stock, bulletin = result["stock_2021"]
    lines += ["", f"Vehicle stock end-2021: {stock:,.0f} vs bulletin {bulletin:,.0f} "
                  f"({100 * (stock / bulletin - 1):+.1f} %); first purchases 2021: "
                  f"{result['first_purchases_2021']:,.0f}.", "",
              "| type | NEV share of sales 2020 | 2021 | 2022 | 2023 | 2024 |",
              "|---|---|---|---|---|---|"]
    for v, shares in result["nev_share_sales_by_type"].items():
        lines.append(f"| {v} | " + " | ".join(f"{shares[y]:.3f}" for y in range(2020, 2025))
                     + " |")
    van_china = result["nev_share_sales_van_china"]
    lines.append("| van, China (light commercial: BloombergNEF 2020 upper bound, 2022; "
                 "ICCT 2023-24) | " + " | ".join(
                     f"{van_china[y]:.3f}" if y in van_china else "—"
                     for y in range(2020, 2025)) + " |")
    lines.append("| truck, China (domestic sales) | " + " | ".join(
        f"{result['nev_share_sales_truck'][y][1]:.3f}" for y in range(2020, 2025)) + " |")
    lines.append("| truck LNG | " + " | ".join(
        f"{result['lng_share_sales_truck'][y]:.3f}" for y in range(2020, 2025)) + " |")
    lng_china = result["lng_share_sales_truck_china"]
    lines.append("| truck LNG, China (domestic sales) | " + " | ".join(
        f"{lng_china[y]:.3f}" if y in lng_china else "—" for y in range(2020, 2025)) + " |")
    cost = published_ranges()["cost_per_additional_nev"]
    lines += ["", f"2020-22 purchase subsidy: {result['subsidy_paid_2020_22'] / 1e6:,.1f} M CNY "
                  f"paid; {result['nev_added_2020_22']:,.0f} NEVs added (without it, "
                  f"{100 * result['nev_without_subsidy_share_2020_22']:.0f} % of the NEVs are "
                  f"still bought); cost per additional NEV "
                  f"{result['cost_per_additional_nev']:,.0f} CNY "
                  f"(published {cost.low:,.0f}-{cost.high:,.0f})."]
    peers = published_ranges()["peer_effect_per_quarter"]
    lines += ["", "Social influence: additional NEV purchases in a quarter per extra NEV car "
                  "(consideration + neighbours; published, Sweden: "
                  f"{peers.low} from neighbours, {peers.high} from all "
                  "peer groups): " + ", ".join(
                      f"{y} {c + n:.3f} ({c:.3f} + {n:.4f})"
                      for y, (c, n) in result["installed_base_multiplier"].items()) + "."]
    return "\n".join(lines)


def checks_chart(result: dict[str, Any], path: Path) -> Path:
    """Three panels, model against observed: NEV share of new cars, of the stock, of new trucks.

    Held-out years (2023-2024) are shaded and their observations drawn hollow; the stock
    panel (not fitted in any year) adds private cars, the share the observed car sales would
    give through the model's fleet, the all-vehicle share China's registrations would, and
    (data only) the share China's CPCA shares give through China's own fleet;
    the truck panel adds the LNG share (not NEV) against China's (2022-2024).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from abm.charts import save_figure

    years = list(range(2020, 2025))
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.6))
    panels = (("nev_share_sales_car", "NEV share of new private cars",
               "China, CPCA passenger retail"),
              ("nev_share_stock_all", "NEV share of the vehicle stock (not fitted)",
               "China, MPS all vehicles"),
              ("nev_share_sales_truck", "NEV and LNG share of new heavy trucks",
               "China, domestic heavy-truck sales"))
    for ax, (key, title, observed_label) in zip(axes, panels, strict=True):
        model = [100 * result[key][y][0] for y in years]
        observed = [100 * result[key][y][1] for y in years]
        ax.axvspan(2022.5, 2024.5, color="0.92", label="held out (not fitted)")
        ax.plot(years, model, "-o", color="tab:blue",
                label=f"model (scale {result['scale']:g}, seeds {result['seeds']})")
        fitted = ", fitted" if key == "nev_share_sales_car" else " (not fitted)"
        ax.plot(years[:3], observed[:3], "o", color="black", label=f"{observed_label}{fitted}")
        ax.plot(years[3:], observed[3:], "o", color="black", mfc="white",
                label=f"{observed_label}, held out")
        if key == "nev_share_sales_car":
            caam = [100 * result["nev_share_sales_car_vs_caam"][y][1] for y in years]
            ax.plot(years, caam, ":", color="0.4", label="China, CAAM all vehicles")
        elif key == "nev_share_stock_all":
            cars = [100 * result["nev_share_stock_car"][y][0] for y in years]
            ax.plot(years, cars, "-", color="tab:blue", alpha=0.4, label="model, private cars")
            implied = result["nev_share_stock_car_implied"]
            ax.plot(list(implied), [100 * v for v in implied.values()], "--", color="tab:green",
                    label="private cars: observed sales through the model's fleet")
            through = result["nev_share_stock_all_registrations"]
            ax.plot(list(through), [100 * v for v in through.values()], "-.", color="tab:red",
                    label="all vehicles: China's registrations (MPS) through the model's fleet")
            china_cpca = result["national_stock_through_fleet"]["cpca"]
            ax.plot(list(china_cpca), [100 * v for v in china_cpca.values()], ":",
                    color="black", label="China only, no model: CPCA shares through China's "
                    "fleet (the series conflict)")
        else:
            lng = [100 * result["lng_share_sales_truck"][y] for y in years]
            ax.plot(years, lng, "-s", color="tab:orange", label="model, LNG (not NEV)")
            lng_china = result["lng_share_sales_truck_china"]
            ax.plot(list(lng_china), [100 * v for v in lng_china.values()], "s", color="0.3",
                    mfc="white", label="China, LNG share of domestic sales (not fitted)")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(years)
        ax.set_ylabel("%")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    fig.subplots_adjust(bottom=0.33, wspace=0.25)
    return save_figure(fig, path)


def posterior_draw_checks(folder: Path, draws: int = 12, scale: float = 100.0,
                          seeds: tuple[int, ...] = (1, 2)) -> pd.DataFrame:
    """Issue 10's held-out criteria at ``draws`` weighted draws of an ABC fit's posterior.

    The draws are :func:`abm.posterior.draw_particles` of ``folder/posterior.csv`` (stream
    index 0, seed 0: the same draws on every machine); each is checked as
    :func:`transport_checks` checks a fit.

    Returns:
        One row per draw: its parameters, the errors (model − observed, points) of the NEV share
        of new cars (CPCA) and of the stock (MPS) in 2023 and 2024, the cost per additional NEV
        (CNY) and ``all_met`` (both errors inside :data:`ISSUE_TOLERANCE` in both years and the
        cost inside the published range).

    Raises:
        abm.posterior.PosteriorError: If ``posterior.csv`` is missing or malformed.

    """
    from abm.params import parameter_table
    from abm.posterior import PosteriorError, draw_particles, read_particles

    path = Path(folder) / "posterior.csv"
    if not path.is_file():
        raise PosteriorError(f"--posterior: {str(folder)!r} has no posterior.csv; allowed: an "
                             "ABC fit's folder (python -m calibration run ... --method abc)")
    particles = read_particles(path, parameter_table(), str(path))
    cost_range = published_ranges()["cost_per_additional_nev"]
    rows = []
    for index, draw in draw_particles(particles, draws, 0, 0).iterrows():
        params = {k: float(v) for k, v in draw.items()}
        log.info("draw %d of %d", index + 1, draws)
        result = transport_checks(scale, seeds, parameters=params)
        row: dict[str, Any] = {k.rsplit(".", 1)[-1]: v for k, v in params.items()}
        met = cost_range.low <= result["cost_per_additional_nev"] <= cost_range.high
        for year in HELD_OUT_YEARS:
            for name, key, tolerance in (("cars", "nev_share_sales_car", "sales"),
                                         ("stock", "nev_share_stock_all", "stock")):
                model, observed = result[key][year]
                row[f"{name}_{year}"] = 100.0 * (model - observed)
                met = met and abs(model - observed) < ISSUE_TOLERANCE[tolerance]
        row["cost_per_additional_nev"] = result["cost_per_additional_nev"]
        row["all_met"] = met
        rows.append(row)
    return pd.DataFrame(rows)


def draws_report(table: pd.DataFrame, folder: Path) -> str:
    """Markdown of :func:`posterior_draw_checks`: one line per draw, then how many meet all."""
    lines = [f"Issue 10's criteria at {len(table)} weighted posterior draws of {folder} "
             "(errors in points: new cars against CPCA, stock against MPS; cost per additional "
             "NEV of the 2020-22 subsidy, CNY):", "",
             "| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(
            f"{v:+.1f}" if k.startswith(("cars_", "stock_"))
            else f"{v:,.0f}" if k == "cost_per_additional_nev"
            else str(v) if isinstance(v, (bool, np.bool_)) else f"{v:.3g}"
            for k, v in row.items()) + " |")
    slope, intercept = np.polyfit(table["cars_2024"], table["stock_2024"], 1)
    lines += ["", f"All criteria met: {int(table['all_met'].sum())} of {len(table)} draws. "
              f"Across the draws, the 2024 stock error ≈ {intercept:+.2f} + {slope:.3f} × the "
              "2024 new-car error (least squares): at the new-car criterion's edge (−3 points) "
              f"the stock is {intercept - 3 * slope:+.2f} points."]
    return "\n".join(lines)


def draws_chart(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """The 2024 held-out errors of posterior draws, one marker per draw, one colour per fit.

    x: the NEV share of new cars against CPCA, y: the NEV share of the stock against MPS
    (points); the shaded box is issue 10's criteria (:data:`ISSUE_TOLERANCE`), each fit's
    least-squares line runs through its draws, and a draw whose cost per additional NEV is
    outside the published range is drawn hollow.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from abm.charts import save_figure

    cost = published_ranges()["cost_per_additional_nev"]
    sales, stock = 100 * ISSUE_TOLERANCE["sales"], 100 * ISSUE_TOLERANCE["stock"]
    fig, ax = plt.subplots(figsize=(7.5, 6.8))
    ax.add_patch(plt.Rectangle((-sales, -stock), 2 * sales, 2 * stock, color="tab:green",
                               alpha=0.15, label="issue 10's criteria (new cars ±3, stock ±1)"))
    for number, (label, table) in enumerate(tables.items()):
        colour = DRAW_COLOURS[number % len(DRAW_COLOURS)]
        x, y = table["cars_2024"], table["stock_2024"]
        inside = table["cost_per_additional_nev"].between(cost.low, cost.high)
        ax.scatter(x[inside], y[inside], color=colour, zorder=3,
                   label=f"{label}: draws, cost per additional NEV in range")
        ax.scatter(x[~inside], y[~inside], facecolors="white", edgecolors=colour, zorder=3,
                   label=f"{label}: draws, cost under / over the published range")
        slope, intercept = np.polyfit(x, y, 1)
        line = np.array([min(x.min(), -sales) - 1, max(x.max(), sales) + 1])
        ax.plot(line, intercept + slope * line, "--", color=colour, alpha=0.7)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlabel("NEV share of new cars 2024, model − China (CPCA), points")
    ax.set_ylabel("NEV share of the stock 2024, model − China (MPS), points")
    ax.set_title("Held-out 2024 errors at posterior draws (dashed: each fit's least-squares "
                 "line)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.subplots_adjust(bottom=0.3)
    return save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: print the checks."""
    parser = argparse.ArgumentParser(prog="python -m calibration.transport_checks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=_scale, default=200.0,
                        help=f"people per agent, {SCALE_MIN:g}-{SCALE_MAX:g}")
    parser.add_argument("--seeds", type=_seeds, default=[1, 2],
                        help="comma-separated model seeds, e.g. 1,2")
    parser.add_argument("--fit", type=Path, help="a calibrated.toml (default: the shipped fit)")
    parser.add_argument("--chart", type=Path,
                        help="also draw the fit (new cars, stock, new heavy trucks) to this PNG; "
                        "with --posterior, the draws' 2024 errors")
    parser.add_argument("--posterior", type=Path, metavar="FOLDER", action="append",
                        help="check weighted draws of this ABC fit's posterior.csv instead "
                        "(repeat to compare fits; --chart then draws their 2024 errors)")
    parser.add_argument("--draws", type=_draws, default=12,
                        help=f"posterior draws with --posterior, 1-{DRAWS_MAX} (default 12)")
    args = parser.parse_args(argv)
    if args.chart is not None and (args.chart.suffix.lower() != ".png"
                                   or not args.chart.parent.is_dir()):
        print(f"error: --chart: {str(args.chart)!r}; allowed: a .png file in an existing "
              "folder", file=sys.stderr)
        return 2
    if args.posterior:
        from abm.posterior import PosteriorError

        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        log.setLevel(logging.INFO)
        tables = {}
        try:
            for folder in args.posterior:
                tables[str(folder)] = posterior_draw_checks(folder, args.draws, args.scale,
                                                            tuple(args.seeds))
        except (PosteriorError, ParameterError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print("\n\n".join(draws_report(t, Path(f)) for f, t in tables.items()))
        if args.chart:
            return _write_chart(draws_chart, tables, args.chart)
        return 0
    try:
        result = transport_checks(args.scale, tuple(args.seeds), args.fit)
    except ParameterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report(result))
    if args.chart:
        return _write_chart(checks_chart, result, args.chart)
    return 0


def _write_chart(draw: Callable[[Any, Path], Path], data: Any, path: Path) -> int:
    """Write ``draw(data, path)``; 0, or 2 with a message naming ``--chart`` if it fails."""
    try:
        print(f"\nWrote {draw(data, path)}")
    except OSError as error:
        print(f"error: --chart {str(path)!r}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 0


def _draws(text: str) -> int:
    """``--draws``: a whole number of posterior draws, 1 to :data:`DRAWS_MAX`."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= DRAWS_MAX:
        raise argparse.ArgumentTypeError(f"{text!r}; allowed: a whole number 1-{DRAWS_MAX}")
    return value


def _scale(text: str) -> float:
    """``--scale``: a number within the model's limits."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not SCALE_MIN <= value <= SCALE_MAX:
        raise argparse.ArgumentTypeError(f"{text!r}; allowed: a number in [{SCALE_MIN:g}, "
                                         f"{SCALE_MAX:g}]")
    return value


if __name__ == "__main__":
    sys.exit(main())
