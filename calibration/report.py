"""Calibration outputs: the calibrated parameter file, fit charts and a Markdown report."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from abm.charts import save_figure
from abm.files import write_text
from calibration.config import CalibrationConfig


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML): quotes and newlines stay inside."""
    return json.dumps(text, ensure_ascii=False)


def calibrated_toml(config: CalibrationConfig, point: dict[str, float], method: str) -> str:
    """A parameter file that scenarios can ``include`` unchanged."""
    fitted = ", ".join(t.name for t in config.targets)
    description = (f"Calibrated by {method} against {fitted}; fit years {config.fit_years}, "
                   f"held out {config.holdout_years}")
    command = f"python -m calibration run {config.name} --method {method}"
    lines = [f"name = {_toml_string(f'calibrated-{config.name}')}",
             f"description = {_toml_string(description)}",
             f"source = {_toml_string(command)}",
             "", "[parameters]"]
    lines += [f"{_toml_string(key)} = {float(value)!r}" for key, value in point.items()]
    return "\n".join(lines) + "\n"


def fit_charts(bands: pd.DataFrame, config: CalibrationConfig, out_dir: Path) -> list[Path]:
    """One PNG per target: observations (fit and held-out), predictive band, median and point.

    The point is the path of the point values scenarios include (``bands["point"]``).
    """
    paths = []
    for target in config.targets:
        rows = bands[bands["target"] == target.name]
        fig, ax = plt.subplots(figsize=(6.5, 4))
        if "obs_p05" in rows:
            ax.fill_between(rows["year"], rows["obs_p05"], rows["obs_p95"], alpha=0.12,
                            color="tab:blue",
                            label=f"observation 5-95 % (model + error sd {target.noise_sd:g})")
        ax.fill_between(rows["year"], rows["p05"], rows["p95"], alpha=0.3,
                        label="model 5-95 %")
        ax.plot(rows["year"], rows["median"], label="model median")
        if "point" in rows:
            ax.plot(rows["year"], rows["point"], "--", color="tab:red",
                    label="point values (calibrated.toml)")
        for part, marker in (("fit", "o"), ("holdout", "s")):
            sel = rows[rows["part"] == part]
            ax.plot(sel["year"], sel["observed"], marker, color="black",
                    mfc="black" if part == "fit" else "white",
                    label=f"observed ({'fitted' if part == 'fit' else 'held out'})")
        ax.set_title(f"{target.name}: {target.series} ({target.region})", fontsize=10)
        ax.set_xticks(sorted(rows["year"].unique()))
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
        paths.append(save_figure(fig, out_dir / f"fit_{target.file_name}.png"))
    return paths


def write_report(config: CalibrationConfig, method: str, summary: pd.DataFrame,
                 error_table: pd.DataFrame, charts: list[Path], out_dir: Path,
                 seconds: float, extra: str = "") -> Path:
    """The Markdown report: targets and mappings, posterior summaries, errors, charts."""
    lines = [f"# Calibration `{config.name}` ({method})", "", config.description.strip(), "",
             f"Scenario `{config.scenario}`, scale {config.scale:g}, seeds {config.seeds}; "
             f"fitted years {config.fit_years}; held-out years {config.holdout_years}; "
             f"{seconds:.0f} s.", "", "## Targets and how the model maps onto them", "",
             "| target | observed series | model metric(s) | kind | factor | weight | noise sd "
             "| mapping |", "|---|---|---|---|---|---|---|---|"]
    for t in config.targets:
        weight = "–" if config.noise_model else f"{t.weight:g}"
        sd = "–" if t.noise_sd is None else f"{t.noise_sd:g}"
        lines.append(f"| {t.name} | {t.series} ({t.region}) | {' + '.join(t.metrics)} | "
                     f"{t.kind} | {t.factor:g} | {weight} | {sd} | {t.mapping} |")
    if config.noise_model:
        lines += ["", "Acceptance: the noise model (each observation is the model's value plus "
                  "a Gaussian error of the target's noise sd; the last generation is at "
                  "temperature 1, the exact posterior of that error model)."]
    lines += ["", "## Parameters", "", "```", summary.to_string(index=False), "```"]
    lines += ["", "## Error of the predictive median (`mae`) and of the point values' path "
              "(`mae_point`), fit and held-out years", "", "```",
              error_table.to_string(index=False), "```", ""]
    if extra:
        lines += [extra, ""]
    lines += ["## Fit charts", ""] + [f"![{p.stem}]({p.name})" for p in charts]
    path = out_dir / "report.md"
    write_text(path, "\n".join(lines) + "\n")
    return path
