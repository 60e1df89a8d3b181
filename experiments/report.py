"""Markdown report with PNG charts for an experiment: ``python -m experiments report FILE``.

Written to ``results/<experiment>/report/``: ``report.md``, the charts it links
(``fan_<metric>.png``, ``targets.png``, ``levers.png``, ``sobol.png`` / ``morris.png``) and
the tables behind them as CSV (``ensemble.csv``, ``abatement.csv``, ``sensitivity.csv``,
``convergence.csv``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from abm.accounting import COST_PER_TONNE, WINDFALL
from abm.charts import save_figure
from abm.files import write_text
from abm.outputs import output_label
from abm.results import TARGETS
from experiments.analysis import abatement_table, ensemble_summary, series_bands
from experiments.outputs import TARGET_KEYS, output_title

if TYPE_CHECKING:
    from experiments.result import ExperimentResult
    from experiments.spec import ExperimentSpec

COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7")


def _fmt(value: object) -> str:
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "–"
        if abs(value) >= 10_000:
            return f"{value:,.0f}"
        if abs(value) >= 100 or value == int(value):
            return f"{value:.0f}"
        return f"{value:.3g}"
    return str(value)


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return write_text(path, frame.to_csv(index=False))


def md_table(frame: pd.DataFrame, max_rows: int = 60) -> str:
    """A Markdown table (first ``max_rows`` rows)."""
    if frame.empty:
        return "_(no rows)_\n"
    head = frame.head(max_rows)
    lines = ["| " + " | ".join(map(str, head.columns)) + " |",
             "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |"
              for row in head.itertuples(index=False)]
    if len(frame) > max_rows:
        lines.append(f"\n_{len(frame) - max_rows} more rows in the CSV._")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- charts
def fan_chart(result: ExperimentResult, metric: str, path: Path) -> Path | None:
    """Median line and P5-P95 band of an annual series per scenario (and varied lever)."""
    runs = result.runs
    by: tuple[str, ...] = ("scenario",)
    n_groups = runs.groupby(["scenario", "varied"]).ngroups if len(runs) else 0
    if 1 < n_groups <= 6:
        by = ("scenario", "varied")
    bands = series_bands(result, metric, by)
    if result.spec.method == "one_at_a_time" and n_groups > 6:
        series = result.series
        keep = series["varied"].isin(["reference", "all_levers"])
        series = series[keep & (series["metric"] == metric)]
        if len(series):
            by = ("scenario", "varied")
            grouped = series.groupby([*by, "year"])["value"]
            bands = grouped.agg(median="median", p5=lambda s: s.quantile(0.05),
                                p95=lambda s: s.quantile(0.95)).reset_index()
    if bands.empty:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, (key, group) in enumerate(bands.groupby(list(by))):
        label = " / ".join(map(str, key if isinstance(key, tuple) else (key,)))
        colour = COLOURS[i % len(COLOURS)]
        ax.fill_between(group["year"], group["p5"], group["p95"], color=colour, alpha=0.2,
                        linewidth=0)
        ax.plot(group["year"], group["median"], color=colour, label=f"{label} (median)")
    ax.set_xlabel("year")
    ax.set_ylabel(output_label(metric))
    ax.set_title(f"{result.spec.name}: {metric}, median and P5-P95 over seeds and samples")
    if metric == "co2_total":
        ax.axvline(2030, color="grey", linestyle=":", linewidth=1)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def targets_chart(result: ExperimentResult, path: Path) -> tuple[Path | None, pd.DataFrame]:
    """Share of runs meeting each of the plan's targets, per scenario (and varied lever)."""
    ok = result.runs[result.runs["status"] == "ok"] if len(result.runs) else result.runs
    cols = [f"target.{k}" for k in TARGET_KEYS if f"target.{k}" in ok]
    if ok.empty or not cols:
        return None, pd.DataFrame()
    by = ["scenario", "varied"]
    if ok.groupby(by).ngroups > 8:
        if result.spec.method == "one_at_a_time":
            ok = ok[ok["varied"].isin(["reference", "all_levers"])]
        else:
            by = ["scenario"]
    share = ok.groupby(by)[cols].mean()
    share.columns = [c.removeprefix("target.") for c in share.columns]
    labels = {t.key: t.key.replace("_", " ") for t in TARGETS}
    fig, ax = plt.subplots(figsize=(9, 0.5 + 0.45 * len(cols) * max(1, len(share)) ** 0.5))
    height = 0.8 / len(share)
    y = np.arange(len(share.columns))
    for i, (key, row) in enumerate(share.iterrows()):
        label = " / ".join(map(str, key if isinstance(key, tuple) else (key,)))
        ax.barh(y + i * height, row.to_numpy(), height=height, label=label,
                color=COLOURS[i % len(COLOURS)])
    ax.set_yticks(y + 0.4 - height / 2, [labels.get(c, c) for c in share.columns])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of runs meeting the target")
    ax.set_title("The plan's targets met")
    ax.legend(fontsize=7, loc="lower right")
    ax.invert_yaxis()
    return save_figure(fig, path), share.reset_index()


def lever_label(spec: ExperimentSpec, lever: str, value: float) -> str:
    """``pv_household ×2`` for a scaled policy level, ``grid = 0.035`` otherwise."""
    found = next((lv for lv in spec.levers if lv.name == lever), None)
    if found is None or not np.isfinite(value):
        return lever
    return f"{lever} ×{value:g}" if found.policy and found.mode == "scale" else (
        f"{lever} = {value:g}")


def levers_chart(result: ExperimentResult, table: pd.DataFrame, path: Path) -> Path | None:
    """Abatement (Mt, P5-P95) and public cost per tonne of each lever."""
    if table.empty:
        return None
    frame = table.copy()
    frame["label"] = [lever_label(result.spec, lv, v)
                      for lv, v in zip(frame["lever"], frame["lever_value"], strict=True)]
    frame = frame.sort_values("abated_mt_median")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.8 + 0.35 * len(frame)), sharey=True)
    y = np.arange(len(frame))
    err = np.vstack([frame["abated_mt_median"] - frame["abated_mt_p5"],
                     frame["abated_mt_p95"] - frame["abated_mt_median"]]).clip(min=0)
    ax1.barh(y, frame["abated_mt_median"], xerr=err, color=COLOURS[0])
    ax1.set_yticks(y, frame["label"])
    ax1.set_xlabel("cumulative abatement vs reference (Mt CO2)")
    ax1.axvline(0, color="black", linewidth=0.8)
    cost = frame["cny_per_t_of_medians"]
    ax2.barh(y, cost.fillna(0), color=COLOURS[1])
    for yi, value in zip(y, cost, strict=True):
        if not np.isfinite(value):
            ax2.text(0, yi, " n/a (no abatement)", va="center", fontsize=7)
    ax2.set_xlabel("public cost per tonne (CNY/t)")
    fig.suptitle("What each lever buys (median over seeds, P5-P95)")
    return save_figure(fig, path)


def _panel_grid(data: pd.DataFrame) -> tuple[list, plt.Figure, np.ndarray]:
    """One panel per (scenario, output), three to a row."""
    panels = list(data.groupby(["scenario", "output"], sort=False))
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 0.6 + 2.6 * rows), squeeze=False)
    return panels, fig, axes


def sobol_chart(indices: pd.DataFrame, n: int, path: Path) -> Path | None:
    """First-order and total Sobol indices with 95 % CIs, one panel per scenario × output."""
    data = indices[indices["n"] == n]
    if data.empty:
        return None
    panels, fig, axes = _panel_grid(data)
    for ax, ((scenario, output), frame) in zip(axes.flat, panels, strict=False):
        y = np.arange(len(frame))
        ax.barh(y - 0.2, frame["S1"], 0.4, xerr=frame["S1_conf"], label="S1 (first order)",
                color=COLOURS[0])
        ax.barh(y + 0.2, frame["ST"], 0.4, xerr=frame["ST_conf"], label="ST (total)",
                color=COLOURS[1])
        ax.set_yticks(y, [f.removeprefix("lever.").removeprefix("param.")
                          for f in frame["factor"]], fontsize=7)
        ax.set_title(f"{output_title(output)}\n({scenario})", fontsize=9)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.invert_yaxis()
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Sobol indices (n = {n}; bars: 95 % bootstrap CI)")
    fig.tight_layout()
    return save_figure(fig, path)


def morris_chart(indices: pd.DataFrame, n: int, path: Path) -> Path | None:
    """Morris mu* (with CI) and sigma, normalised by the largest mu* of each output."""
    data = indices[indices["n"] == n]
    if data.empty:
        return None
    panels, fig, axes = _panel_grid(data)
    for ax, ((scenario, output), frame) in zip(axes.flat, panels, strict=False):
        top = max(float(frame["mu_star"].max()), 1e-300)
        y = np.arange(len(frame))
        ax.barh(y - 0.2, frame["mu_star"] / top, 0.4, xerr=frame["mu_star_conf"] / top,
                label="mu* (normalised)", color=COLOURS[2])
        ax.barh(y + 0.2, frame["sigma"] / top, 0.4, label="sigma (normalised)",
                color=COLOURS[3])
        ax.set_yticks(y, [f.removeprefix("lever.").removeprefix("param.")
                          for f in frame["factor"]], fontsize=7)
        ax.set_title(f"{output_title(output)}\n({scenario}; mu* max {top:.3g})",
                     fontsize=9)
        ax.invert_yaxis()
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Morris elementary effects (r = {n} trajectories)")
    fig.tight_layout()
    return save_figure(fig, path)


# ---------------------------------------------------------------------- report
def _ensemble_table(result: ExperimentResult) -> pd.DataFrame:
    summary = ensemble_summary(result)
    if summary.empty:
        return summary
    summary["cell"] = [f"{_fmt(m)} [{_fmt(a)}–{_fmt(b)}]"
                       for m, a, b in zip(summary["median"], summary["p5"], summary["p95"],
                                          strict=True)]
    wide = summary.pivot_table(index=["scenario", "point", "varied"], columns="output",
                               values="cell", aggfunc="first")
    order = [o for o in result.spec.outputs if o in wide.columns]
    wide = wide[order].reset_index()
    points = result.design.drop_duplicates(["scenario", "point"]).set_index(
        ["scenario", "point"])
    wide.insert(3, "setting", [_setting(result.spec, points.loc[(s, p)])
                               for s, p in zip(wide["scenario"], wide["point"], strict=True)])
    return wide


def _setting(spec: ExperimentSpec, row: pd.Series) -> str:
    parts = [lever_label(spec, lv.name, float(row[lv.column])) for lv in spec.levers
             if np.isfinite(row[lv.column])]
    return ", ".join(parts) or "as written"


def make_report(result: ExperimentResult) -> Path:
    """Write report.md, charts and CSV tables; return the report's path."""
    spec = result.spec
    out = result.store.report_dir
    out.mkdir(parents=True, exist_ok=True)
    runs = result.runs
    n_planned = result.design["run_id"].nunique()
    n_done = runs["run_id"].nunique() if len(runs) else 0
    n_failed = runs.loc[runs["status"] == "failed", "run_id"].nunique() if len(runs) else 0
    versions = sorted(runs["code_version"].dropna().unique()) if len(runs) else []
    lines = [f"# Experiment `{spec.name}`", "", spec.description.strip(), "",
             f"- Design: **{spec.method}**" + (f", n = {spec.n}" if spec.n else "")
             + f"; scenarios: {', '.join(s.name for s in spec.scenarios)}; seeds: "
             f"{len(spec.seeds)}; scale {spec.scale:g}; to {spec.end_year}",
             f"- Levers: {', '.join(lv.name for lv in spec.levers) or 'none'}; uncertain "
             f"parameters: {', '.join(spec.uncertain) or 'none'}",
             f"- Runs: {n_done} of {n_planned} finished, {n_failed} failed"
             + (f" (**{n_planned - n_done} still to run**)" if n_done < n_planned else ""),
             f"- Reused: {result.reused} run(s) finished before with identical inputs and "
             f"code (code version(s): {', '.join(result.reused_versions) or '–'}); computed "
             f"now: {result.new_runs}",
             f"- Code version(s) of the results: {', '.join(versions) or '–'}"]
    if result.stale:
        lines.append(f"- {result.stale} stored run(s) of other inputs or code in "
                     f"`{result.store.dir.name}/runs/` are not used")
    lines += [f"- {note}" for note in result.notes]
    lines.append("")
    lines += _posterior_lines(spec)
    if n_failed:
        fails = runs[runs["status"] == "failed"].drop_duplicates("run_id")
        fails = fails.assign(error=fails["error"].str.split("\n").str[0])
        lines += ["## Failed runs", "", md_table(fails[["run_id", "scenario", "seed", "varied",
                                                        "error"]], 20)]
    if n_done - n_failed <= 0:
        lines.append("No finished runs yet.")
        return write_text(out / "report.md", "\n".join(lines) + "\n")

    lines += ["## Emission pathways", ""]
    for metric in spec.series:
        if metric == "spending_total":
            continue
        png = fan_chart(result, metric, out / f"fan_{metric}.png")
        if png:
            lines += [f"![{metric}]({png.name})", ""]

    png, share = targets_chart(result, out / "targets.png")
    if png:
        _write_csv(share, out / "targets.csv")
        lines += ["## Targets met", "", "Share of runs meeting each trackable target of the "
                  "plan (1 = every seed and sample).", "", f"![targets]({png.name})", ""]

    if spec.method == "one_at_a_time":
        table = abatement_table(result)
        if not table.empty:
            _write_csv(table, out / "abatement.csv")
            png = levers_chart(result, table, out / "levers.png")
            cols = ["scenario", "lever", "lever_kind", "lever_value", "abated_mt_median",
                    "abated_mt_p5", "abated_mt_p95", "extra_cost_mcny_median",
                    "cny_per_t_of_medians", "windfall_share_median", "windfall_share_p5",
                    "windfall_share_p95"]
            lines += ["## What each lever buys", "",
                      "Each lever applied alone against the reference run of the same seed "
                      "(common random numbers); abatement is cumulative over the run "
                      f"(2020-{spec.end_year}), cost is the extra public spending and forgone "
                      "revenue; CNY/t is the ratio of the medians. Definition (abm.accounting): "
                      f"{COST_PER_TONNE}. So only a *paid lever* has a cost per tonne; a "
                      "*regulation* (mandate, carbon price, phase-out), an *assumption* (a "
                      "parameter) and the *combined* point (all levers, paid and unpaid) show "
                      "their abatement without one (`python -m abm run` splits a whole "
                      "scenario's abatement by cause). Windfall (subsidies of PV, retrofits "
                      f"and vessels, where the run keeps the series): {WINDFALL}.", "",
                      f"![levers]({png.name})" if png else "", "",
                      md_table(table[[c for c in cols if c in table]])]

    if spec.method in ("sobol", "morris"):
        from experiments.sensitivity import analyse

        sens = analyse(result)
        indices, conv = sens["indices"], sens["convergence"]
        if not indices.empty:
            _write_csv(indices, out / "sensitivity.csv")
            _write_csv(conv, out / "convergence.csv")
            chart = sobol_chart if spec.method == "sobol" else morris_chart
            png = chart(indices, spec.n, out / f"{spec.method}.png")
            keys = ["S1", "S1_conf", "ST", "ST_conf"] if spec.method == "sobol" else [
                "mu_star_norm", "mu_star_conf_norm", "sigma"]
            top = indices[indices["n"] == spec.n][["scenario", "output", "factor", *keys]]
            lines += [f"## Global sensitivity ({spec.method})", "",
                      f"![{spec.method}]({png.name})" if png else "", "",
                      "### Convergence check", "",
                      f"Indices from all n = {spec.n} and from the first n/2 = {spec.n // 2}; "
                      "`converged` needs the largest change below 0.1 and the largest 95 % "
                      "CI half-width below 0.1 (Sobol ST) or 0.2 (Morris, normalised mu*). "
                      "Recommended: Sobol n = 512-1024, Morris r = 10-20 (see "
                      "docs/experiments.md).", "", md_table(conv), "",
                      "### Indices", "", md_table(top, 120)]

    table = _ensemble_table(result)
    if not table.empty:
        _write_csv(ensemble_summary(result), out / "ensemble.csv")
        lines += ["## Outputs per point: median [P5–P95] over seeds and samples", "",
                  md_table(table, 40)]
    return write_text(out / "report.md", "\n".join(lines) + "\n")


def _posterior_lines(spec: ExperimentSpec) -> list[str]:
    """What the report says about varied parameters that a calibration fitted."""
    lines = _draw_lines(spec)
    if not spec.posterior:
        return lines
    lines += ["## Calibrated parameters varied here", "",
             "| parameter | varied as | range | posterior 5-95 % | source | inside | reason |",
             "|---|---|---|---|---|---|---|"]
    for c in spec.posterior:
        lines.append(f"| {c.parameter} | {c.role} | [{c.low:g}, {c.high:g}] | "
                     f"[{c.p05:.4g}, {c.p95:.4g}] | {c.source} | "
                     f"{'yes' if c.inside else '**no**'} | {c.reason or '–'} |")
    outside = [c for c in spec.posterior if not c.inside]
    if outside:
        lines += ["", f"**{len(outside)} range(s) leave the calibrated posterior** (reasons as "
                      "stated in the experiment file)."]
    return [*lines, ""]


def _draw_lines(spec: ExperimentSpec) -> list[str]:
    """The fits whose posterior particles the uncertainty samples draw, and what was drawn."""
    if not spec.posterior_draws:
        return []
    lines = ["## Calibration uncertainty: posterior draws", "",
             f"Each of the {spec.uncertainty_samples} uncertainty samples runs one particle of "
             "each fit's posterior (drawn with the particles' weights), so the fitted "
             "parameters vary jointly, as the observations left them.", "",
             "| fit | particles (file) | parameter | drawn: median [min–max] |",
             "|---|---|---|---|"]
    for draw in spec.posterior_draws:
        for key in draw.draws.columns:
            values = draw.draws[key]
            lines.append(f"| {draw.fit} | {draw.particles} ({draw.source}) | {key} | "
                         f"{values.median():.4g} [{values.min():.4g}–{values.max():.4g}] |")
    return [*lines, ""]
