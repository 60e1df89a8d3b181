"""Solara web app (minimal for now): pick a scenario, run it, see emissions and targets.

Serve with ``make app`` (``solara run app.py``). Each browser session keeps its own state in
Solara component state; nothing is shared at module level.
"""

from __future__ import annotations

import solara
from matplotlib.figure import Figure

from abm.charts import SECTOR_COLOURS
from abm.results import SECTORS_OUT
from abm.scenario import available_scenarios
from abm.simulate import Run, simulate


def emissions_figure(run: Run) -> Figure:
    """Stacked CO2 by sector of a run, Mt per year, with the 2030 line."""
    wide = run.summary.pivot(index="year", columns="metric", values="value")
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.stackplot(wide.index, [wide[f"co2_{s}"].clip(lower=0) for s in SECTORS_OUT],
                 labels=list(SECTORS_OUT), colors=[SECTOR_COLOURS[s] for s in SECTORS_OUT])
    ax.plot(wide.index, wide["co2_total"], color="black", label="total")
    ax.axvline(2030, color="grey", ls="--")
    ax.set_ylabel("Mt CO2 per year")
    ax.legend(fontsize=7, loc="lower left")
    return fig


@solara.component
def Page() -> None:  # noqa: N802 (Solara looks for "Page")
    """The page: controls, a run button, the emissions chart and the targets table."""
    scenario, set_scenario = solara.use_state("plan")
    end_year, set_end_year = solara.use_state(2035)
    scale, set_scale = solara.use_state(100.0)
    run, set_run = solara.use_state(None)
    error, set_error = solara.use_state("")

    def start() -> None:
        try:
            set_run(simulate(scenario, scale=scale, seed=0, end_year=end_year))
            set_error("")
        except ValueError as exc:
            set_error(str(exc))

    solara.Title("Jiangmen carbon peaking ABM")
    with solara.Sidebar():
        solara.Select("Scenario", values=available_scenarios(), value=scenario,
                      on_value=set_scenario)
        solara.SliderInt("Last year", value=end_year, min=2021, max=2060, on_value=set_end_year)
        solara.SliderFloat("Scale (entities per agent)", value=scale, min=20, max=1000,
                           on_value=set_scale)
        solara.Button("Run", on_click=start, color="primary")
    if error:
        solara.Error(error)
    if run is not None:
        solara.FigureMatplotlib(emissions_figure(run))
        solara.DataFrame(run.targets[["label", "value", "met", "year_met"]])
    else:
        solara.Info("Choose a scenario and press Run.")
