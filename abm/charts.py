"""PNG charts of one or more runs: emissions by sector, adoption, targets, districts."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from abm import data
from abm.files import write_atomic
from abm.observed import ObservedDataError, load_observed
from abm.outputs import output_label
from abm.results import EMISSION_SECTOR_LABELS, SECTORS_OUT

logger = logging.getLogger(__name__)

SECTOR_COLOURS = {"residential": "#4e79a7", "transport": "#f28e2b", "industry": "#76b7b2",
                  "industry_process": "#59a14f", "fishery": "#edc948",
                  "services": "#b07aa1"}
LINESTYLES = ("-", "--", ":", "-.")


def _wide(summary: pd.DataFrame) -> pd.DataFrame:
    return summary.pivot(index="year", columns="metric", values="value")


def save_figure(fig: plt.Figure, path: Path) -> Path:
    """Save a figure as PNG atomically (:func:`abm.files.write_atomic`) and close it."""
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110,
                                                          bbox_inches="tight"))
    finally:
        plt.close(fig)


def emissions_chart(summaries: dict[str, pd.DataFrame], path: Path) -> Path:
    """Stacked emissions by sector per scenario, with the peak marked and the 2030 line."""
    fig, axes = plt.subplots(1, len(summaries), figsize=(6 * len(summaries), 4.2), sharey=True,
                             squeeze=False)
    for ax, (name, summary) in zip(axes[0], summaries.items(), strict=True):
        wide = _wide(summary)
        years = wide.index.to_numpy()
        stacks = [wide[f"co2_{s}"].clip(lower=0).to_numpy() for s in SECTORS_OUT]
        ax.stackplot(years, stacks, labels=[EMISSION_SECTOR_LABELS[s][0] for s in SECTORS_OUT],
                     colors=[SECTOR_COLOURS[s] for s in SECTORS_OUT], alpha=0.85)
        total = wide["co2_total"].to_numpy()
        ax.plot(years, total, color="black", lw=1.5, label="total (net of PV)")
        i = int(np.argmax(total))
        ax.plot(years[i], total[i], "v", color="crimson", ms=9)
        ax.annotate(f"peak {years[i]}: {total[i]:.1f} Mt", (years[i], total[i]),
                    textcoords="offset points", xytext=(5, 8), color="crimson")
        ax.axvline(2030, color="grey", ls="--", lw=1)
        ax.text(2030.2, ax.get_ylim()[1] * 0.05, "2030", color="grey")
        ax.set_title(f"{name}: CO2 by sector")
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("Mt CO2 per year")
    axes[0][-1].legend(loc="lower left", fontsize=8)
    return save_figure(fig, path)


@dataclass(frozen=True)
class Observed:
    """What really happened, drawn beside a panel's output: a series of the observed table.

    Attributes:
        series: Its ``series`` in ``data/observed/observed.csv`` (same unit as the panel).
        region: Its ``region`` there.
        source: (English, Chinese) what it is, short (a legend entry).
        note: (English, Chinese) how it stands for Jiangmen and whether it was fitted.

    """

    series: str
    region: str
    source: tuple[str, str]
    note: tuple[str, str]

    def label(self, lang: str) -> str:
        """Source and note in ``lang`` ("en" or "zh")."""
        zh = lang == "zh"
        return f"{self.source[zh]}{'；' if zh else '; '}{self.note[zh]}"


@dataclass(frozen=True)
class Panel:
    """One panel of the adoption charts: outputs (:mod:`abm.outputs`) on one axis.

    Attributes:
        title: (English, Chinese) title; its series are named by their outputs' short labels.
        metrics: Annual outputs drawn in it.
        unit: (English, Chinese) axis label.
        target: The plan's target level drawn as a line (same unit), or None.
        observed: The observed series the app draws beside it, or None.

    """

    title: tuple[str, str]
    metrics: tuple[str, ...]
    unit: tuple[str, str]
    target: float | None = None
    observed: Observed | None = None


SHARE = ("share", "比例")
ADOPTION_PANELS: tuple[Panel, ...] = (
    Panel(("NEV share of new cars", "新乘用车中新能源占比"), ("nev_share_sales_car",), SHARE,
          0.30, Observed("nev_share_retail_passenger", "China",
                         ("China, passenger-car retail (CPCA)", "全国乘用车零售（乘联会）"),
                         ("the transport fit's mapping, 2020-22 fitted, 2023-24 held out",
                          "交通校准所用映射，2020-22年用于拟合，2023-24年留作检验"))),
    Panel(("NEV share of all new vehicles", "全部新增车辆中新能源占比"),
          ("nev_share_sales_all",), SHARE, 0.40,
          Observed("nev_share_registrations", "China",
                   ("China, new registrations of all vehicles (Ministry of Public Security)",
                    "全国全部新注册登记汽车（公安部）"), ("not fitted", "未用于拟合"))),
    Panel(("NEV share of the vehicle stock", "保有量中新能源占比"), ("nev_share_stock_all",),
          SHARE, None,
          Observed("nev_share_stock", "China",
                   ("China, all vehicles (Ministry of Public Security)",
                    "全国汽车保有量（公安部）"),
                   ("not fitted", "未用于拟合"))),
    Panel(("PV capacity by group (MW)", "各主体光伏装机（兆瓦）"),
          ("pv_capacity_mw_household", "pv_capacity_mw_firm", "pv_capacity_mw_fisher"),
          ("MW", "兆瓦")),
    Panel(("Households in green homes", "居住绿色住宅的住户"), ("green_home_share",), SHARE),
    Panel(("Carbon-inclusive participants", "碳普惠参与者"), ("ci_share",),
          ("share of households", "占住户比例")),
    Panel(("Firms: retrofit / left coal / green power", "企业：节能改造/弃煤/绿电"),
          ("firm_retrofit_share", "firm_switch_share", "firm_green_power_share"), SHARE),
    Panel(("Efficient or electric fishing vessels", "节能或电动渔船"),
          ("improved_vessel_share",), SHARE),
    Panel(("Green travel share of urban trips", "城区绿色出行比例"), ("green_travel_share",),
          SHARE, 0.70),
)
"""The adoption charts of the CLI and the app, in order."""


@functools.cache
def _observed_table() -> pd.DataFrame | None:
    """The observed table (``data/observed/observed.csv``), read once; None if unreadable."""
    try:
        return load_observed()
    except ObservedDataError as error:
        logger.warning("observed data not drawn: %s", error)
        return None


def observed_points(series: str, region: str, years: Any) -> pd.Series:
    """One observed series by year inside ``[years[0], years[-1]]``.

    Empty if the series is absent or the table unreadable; what a panel's :class:`Observed`
    draws.
    """
    table = _observed_table()
    if table is None:
        return pd.Series(dtype=float)
    rows = table[(table["series"] == series) & (table["region"] == region)]
    values = rows.set_index("year")["value"].sort_index().astype(float)
    return values[(values.index >= years[0]) & (values.index <= years[-1])]


def panel_grid(n_panels: int, columns: int = 3) -> tuple[int, int]:
    """Rows and columns of a grid that holds ``n_panels`` panels (at most ``columns`` wide)."""
    cols = max(1, min(columns, n_panels))
    return -(-n_panels // cols), cols


def adoption_chart(summaries: dict[str, pd.DataFrame], path: Path,
                   panels: tuple[Panel, ...] = ADOPTION_PANELS) -> Path:
    """Adoption curves per technology and group; scenarios as line styles.

    A panel's observed series (what happened, :class:`Observed`) is drawn as open circles.
    """
    rows, cols = panel_grid(len(panels))
    years = sorted(next(iter(summaries.values()))["year"].unique())
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes.ravel(), panels, strict=False):
        for s, (name, summary) in enumerate(summaries.items()):
            wide = _wide(summary)
            for metric in panel.metrics:
                label = (f"{name}: {output_label(metric, short=True)}"
                         if len(panel.metrics) > 1 else name)
                ax.plot(wide.index, wide[metric], LINESTYLES[s % len(LINESTYLES)], label=label)
        if panel.observed is not None:
            points = observed_points(panel.observed.series, panel.observed.region, years)
            if len(points):
                ax.plot(points.index, points.to_numpy(), "o", mfc="none", color="black",
                        label=f"observed: {panel.observed.source[0]}")
        if panel.target is not None:
            ax.axhline(panel.target, color="crimson", lw=1, ls=":")
            ax.text(ax.get_xlim()[0], panel.target, " plan target", color="crimson",
                    va="bottom", fontsize=8)
        ax.axvline(2030, color="grey", ls="--", lw=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no 2022.5
        ax.set_title(panel.title[0], fontsize=10)
        ax.set_ylabel(panel.unit[0], fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def _section(section: str) -> str:
    """The plan's section for a chart label (CJK numbering needs a font charts may lack)."""
    return "headline" if any("\u4e00" <= ch <= "\u9fff" for ch in section) else section


def targets_chart(targets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Scoreboard: each target × scenario, green when met (with the year met)."""
    names = list(targets)
    first = targets[names[0]]
    fig, ax = plt.subplots(figsize=(3 + 2.6 * len(names), 0.55 * len(first) + 1.2))
    for j, name in enumerate(names):
        for i, row in enumerate(targets[name].itertuples()):
            colour = "#59a14f" if row.met else "#e15759"
            ax.add_patch(plt.Rectangle((j, i), 0.95, 0.9, color=colour, alpha=0.8))
            value = f"{row.value:.0f}" if row.unit in ("year", "MW") else f"{row.value:.2f}"
            when = f" (met {int(row.year_met)})" if not np.isnan(row.year_met) else ""
            ax.text(j + 0.47, i + 0.45, f"{value}{when}", ha="center", va="center", fontsize=8,
                    color="white")
    ax.set_xlim(0, len(names))
    ax.set_ylim(len(first), 0)
    ax.set_xticks(np.arange(len(names)) + 0.47, names)
    ax.set_yticks(np.arange(len(first)) + 0.45,
                  [f"{r.label} [{_section(r.section)}]" for r in first.itertuples()], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_title("The plan's trackable targets (green: met in the target year)", pad=28)
    for side in ("right", "bottom", "left", "top"):
        ax.spines[side].set_visible(False)
    return save_figure(fig, path)


def districts_chart(district_emissions: dict[str, dict[str, np.ndarray]], years: np.ndarray,
                    path: Path) -> Path:
    """Small multiples: each district's CO2 over time, one line per scenario."""
    fig, axes = plt.subplots(1, len(data.DISTRICTS), figsize=(18, 3), sharey=True)
    names = data.districts()
    for d, (ax, code) in enumerate(zip(axes, data.DISTRICTS, strict=True)):
        for s, (name, sectors) in enumerate(district_emissions.items()):
            total = sum(v[:, d] for v in sectors.values()) / 1e6
            ax.plot(years, total, LINESTYLES[s % len(LINESTYLES)], label=name)
        ax.set_title(f"{names.loc[code, 'name_pinyin']} {code}", fontsize=9)
        ax.axvline(2030, color="grey", ls="--", lw=0.8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("Mt CO2 per year")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)
