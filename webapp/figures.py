"""Matplotlib charts of the page (drawn to PNG bytes: shown on the page and downloaded).

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state), so several sessions
can draw at once. Chinese labels need a CJK font; when none is installed the charts stay in
English whatever the page's language (the page's own text is still Chinese).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from abm import data
from abm.charts import ADOPTION_PANELS, SECTOR_COLOURS, panel_grid
from abm.outputs import output_label
from abm.results import SECTORS_OUT
from webapp import i18n
from webapp.runner import RunSet

CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                  "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CURRENT, BASELINE, PINNED = "#1f5fa8", "#555555", "#c0392b"


@cache
def cjk_font() -> str | None:
    """Name of an installed CJK font registered with matplotlib, or None."""
    candidates = [Path(p) for p in CJK_FONT_FILES]
    candidates += sorted(Path("/usr/share/fonts").glob("**/*CJK*"))
    for path in candidates:
        if path.exists():
            try:
                font_manager.fontManager.addfont(str(path))
                name = font_manager.FontProperties(fname=str(path)).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
            matplotlib.rcParams["font.family"] = ["DejaVu Sans", name]
            return name
    return None


def chart_lang(lang: str) -> str:
    """The language charts can be drawn in (Chinese only with a CJK font)."""
    return "zh" if lang == "zh" and cjk_font() is not None else "en"


def district_title(code: str, lang: str) -> str:
    """District name for charts: Chinese with pinyin, or pinyin and code without CJK font."""
    row = data.districts().loc[code]
    if chart_lang(lang) == "zh" or (lang == "en" and cjk_font() is not None):
        return f"{row['name_zh']} {row['name_pinyin']}"
    return f"{row['name_pinyin']} ({code})"


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _band(ax, table: pd.DataFrame, colour: str, label: str, style: str = "-") -> None:
    """Mean line, and the lowest-to-highest band when there are several seeds."""
    years = table.index.to_numpy()
    ax.plot(years, table.mean(axis=1), style, color=colour, lw=1.8, label=label)
    if table.shape[1] > 1:
        ax.fill_between(years, table.min(axis=1), table.max(axis=1), color=colour, alpha=0.18,
                        lw=0)


def emissions_figure(runs: RunSet, lang: str) -> Figure:
    """Emissions by sector (mean over seeds), total with seed band, baseline, peak, 2030."""
    cl = chart_lang(lang)
    t = lambda key: i18n.tr(key, cl)  # noqa: E731
    fig = Figure(figsize=(9, 4.6))
    ax = fig.subplots()
    years = runs.years
    stacks = [runs.metric(f"co2_{s}").mean(axis=1).clip(lower=0).to_numpy() for s in SECTORS_OUT]
    ax.stackplot(years, stacks, labels=[i18n.sector_label(s, cl) for s in SECTORS_OUT],
                 colors=[SECTOR_COLOURS[s] for s in SECTORS_OUT], alpha=0.8)
    total = runs.metric("co2_total")
    _band(ax, total, "black", t("total"))
    _band(ax, runs.metric("co2_total", baseline=True), BASELINE, t("baseline_total"), "--")
    mean = total.mean(axis=1)
    i = int(np.argmax(mean.to_numpy()))
    ax.plot(years[i], mean.iloc[i], "v", color="crimson", ms=10)
    ax.annotate(f"{t('peak')} {years[i]}: {mean.iloc[i]:.1f} Mt", (years[i], mean.iloc[i]),
                textcoords="offset points", xytext=(6, 8), color="crimson")
    ax.axvline(2030, color="grey", ls=":", lw=1.2)
    ax.text(2030.2, 1.0, "2030", color="grey")
    ax.set_xlim(years[0], max(years[-1], years[0] + 1))
    ax.set_ylabel(t("mt_per_year"))
    ax.set_xlabel(t("year"))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8, ncol=2)
    ax.set_title(f"{runs.scenario.name}: CO2, {years[0]}–{years[-1]}"
                 + (f" ({len(runs.runs)} seeds; {t('seeds_band')})" if len(runs.runs) > 1
                    else ""), fontsize=10)
    return fig


def adoption_figure(runs: RunSet, lang: str) -> Figure:
    """Adoption curves per technology and agent group; baseline dashed."""
    cl = chart_lang(lang)
    rows, cols = panel_grid(len(ADOPTION_PANELS))
    fig = Figure(figsize=(4.4 * cols, 3 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    colours = ("#1f5fa8", "#e07b00", "#2a9d3a")
    for ax in axes.ravel()[len(ADOPTION_PANELS):]:
        ax.set_visible(False)
    for ax, panel in zip(axes.ravel(), ADOPTION_PANELS, strict=False):
        for j, metric in enumerate(panel.metrics):
            suffix = f" {output_label(metric, cl, short=True)}" if len(panel.metrics) > 1 else ""
            _band(ax, runs.metric(metric), colours[j], f"{runs.scenario.name}{suffix}")
            base = runs.metric(metric, baseline=True).mean(axis=1)
            ax.plot(base.index, base, "--", color=colours[j], lw=1, alpha=0.7,
                    label=f"{i18n.tr('baseline', cl)}{suffix}")
        if panel.target is not None:
            ax.axhline(panel.target, color="crimson", lw=1, ls=":")
            ax.text(runs.years[0], panel.target, f" {i18n.tr('plan_target', cl)}",
                    color="crimson", va="bottom", fontsize=8)
        ax.axvline(2030, color="grey", ls=":", lw=0.8)
        ax.set_xlim(runs.years[0], max(runs.years[-1], runs.years[0] + 1))
        ax.set_title(panel.title[cl == "zh"], fontsize=10)
        ax.set_ylabel(panel.unit[cl == "zh"], fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def districts_figure(runs: RunSet, lang: str) -> Figure:
    """The seven districts side by side: CO2 over time, current vs baseline."""
    cl = chart_lang(lang)
    fig = Figure(figsize=(16, 3.4))
    axes = fig.subplots(1, len(data.DISTRICTS), sharey=True)
    years = runs.years
    for d, (ax, code) in enumerate(zip(axes, data.DISTRICTS, strict=True)):
        for results, colour, style, label in ((runs.runs, CURRENT, "-", runs.scenario.name),
                                              (runs.baselines, BASELINE, "--",
                                               i18n.tr("baseline", cl))):
            table = pd.DataFrame({r.seed: sum(v[:, d] for v in r.districts.values()) / 1e6
                                  for r in results}, index=years)
            _band(ax, table, colour, label, style)
        ax.set_title(district_title(code, lang), fontsize=9)
        ax.axvline(2030, color="grey", ls=":", lw=0.8)
        ax.set_xlim(years[0], max(years[-1], years[0] + 1))
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel(i18n.tr("mt_per_year", cl))
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def spending_table(runs: RunSet) -> pd.Series:
    """Whole-run spending per policy, million CNY (mean over seeds), largest first."""
    frame = pd.DataFrame([{k: v.sum() / 1e6 for k, v in r.spending.items()} for r in runs.runs])
    return frame.mean().sort_values(ascending=False)


def cost_figure(runs: RunSet, lang: str) -> Figure:
    """Spending by policy over the whole run (million CNY)."""
    cl = chart_lang(lang)
    spend = spending_table(runs)
    fig = Figure(figsize=(8, 0.45 * max(len(spend), 2) + 1.2))
    ax = fig.subplots()
    ax.barh(spend.index[::-1], spend.to_numpy()[::-1], color=CURRENT)
    for y, value in enumerate(spend.to_numpy()[::-1]):
        ax.text(value, y, f" {value:,.0f}", va="center", fontsize=8)
    ax.set_xlabel(i18n.tr("million_cny", cl))
    ax.set_title(i18n.tr("spending_by_policy", cl), fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    return fig


def compare_figure(current: RunSet, pinned: RunSet, lang: str) -> Figure:
    """Total emissions of the current and the pinned run, and their difference."""
    cl = chart_lang(lang)
    fig = Figure(figsize=(11, 4))
    left, right = fig.subplots(1, 2)
    _band(left, current.metric("co2_total"), CURRENT,
          f"{i18n.tr('current', cl)}: {current.label}")
    _band(left, pinned.metric("co2_total"), PINNED, f"{i18n.tr('pinned', cl)}: {pinned.label}")
    left.set_ylabel(i18n.tr("mt_per_year", cl))
    left.legend(fontsize=8)
    common = current.metric("co2_total").index.intersection(pinned.metric("co2_total").index)
    cur = current.metric("co2_total").loc[common]
    pin = pinned.metric("co2_total").loc[common]
    if cur.shape[1] == pin.shape[1] and list(cur.columns) == list(pin.columns):
        diff = cur - pin  # same seeds: paired differences (common random numbers)
    else:
        diff = pd.DataFrame({"mean": cur.mean(axis=1) - pin.mean(axis=1)})
    _band(right, diff, "#6a3d9a", i18n.tr("difference", cl))
    right.axhline(0, color="black", lw=0.8)
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.axvline(2030, color="grey", ls=":", lw=0.8)
        ax.grid(alpha=0.3)
        ax.set_xlabel(i18n.tr("year", cl))
    fig.tight_layout()
    return fig


AGENT_PANELS = (("has_pv", "owns_roof"), ("green_home", None), ("ci_member", None),
                ("car_nev", "has_car"))


def agents_figure(sample: pd.DataFrame, lang: str) -> Figure:
    """Each sampled household a square: adopted, not adopted, or cannot (no roof, no car)."""
    cl = chart_lang(lang)
    sample = sample.assign(car_nev=sample["car_powertrain"].isin(["bev", "phev", "hydrogen"]))
    n = len(sample)
    side = max(int(np.ceil(np.sqrt(n))), 1)
    fig = Figure(figsize=(13, 3.8))
    axes = fig.subplots(1, len(AGENT_PANELS))
    x, y = np.arange(n) % side, np.arange(n) // side
    for ax, (column, eligible) in zip(axes, AGENT_PANELS, strict=True):
        yes = sample[column].to_numpy(bool)
        can = sample[eligible].to_numpy(bool) if eligible else np.ones(n, bool)
        colours = np.where(yes, "#2a9d3a", np.where(can, "#d9d9d9", "#ffffff"))
        ax.scatter(x, y, c=colours, marker="s", s=28, edgecolors="#bbbbbb", linewidths=0.3)
        share = yes.mean() if n else 0.0
        ax.set_title(f"{i18n.tr(column, cl)}: {share:.0%}", fontsize=10)
        ax.set_xlim(-1, side)
        ax.set_ylim(side, -1)
        ax.set_aspect("equal")
        ax.axis("off")
    handles = [Patch(facecolor=c, edgecolor="#bbbbbb", label=i18n.tr(k, cl))
               for c, k in (("#2a9d3a", "adopted"), ("#d9d9d9", "not_adopted"),
                            ("#ffffff", "not_eligible"))]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=9)
    return fig


cjk_font()  # register the CJK font (if any) before any figure is made
