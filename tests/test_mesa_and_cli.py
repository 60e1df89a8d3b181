"""The Mesa API works on the column-backed agents; the CLI writes results and charts."""

import subprocess
import sys

import mesa
import pandas as pd

from abm.model import JiangmenModel
from agents import Firm, Fisher, Household, VehicleOwner


def test_agents_are_views_onto_columns():
    model = JiangmenModel(scenario="plan", scale=2000, rng=1, end_year=2021)
    households = model.agents_by_type[Household]
    assert len(households) == model.tables["households"].n
    agent = households.to_list()[3]
    assert agent.income == model.tables["households"].income[agent.row]
    agent.has_pv = True
    assert model.tables["households"].has_pv[agent.row]
    assert {type(a) for a in model.agents} == {Household, VehicleOwner, Firm, Fisher}
    assert households.agg("weight", sum) > 1e6
    model.run()
    assert model.agents_by_type[VehicleOwner].select(lambda a: a.powertrain > 0)


def test_mesa_batch_run():
    results = mesa.batch_run(JiangmenModel, parameters={"scale": 3000, "end_year": 2020,
                                                        "rng": [1, 2], "collect_every": 1},
                             max_steps=3, number_processes=1, display_progress=False)
    frame = pd.DataFrame(results)
    assert len(frame) == 2
    assert (frame["co2_kt"] > 100).all()
    assert frame["co2_kt"].nunique() == 2, "the two seeds give two different cities"


def test_cli_run_writes_results_and_charts(tmp_path):
    out = tmp_path / "res"
    result = subprocess.run([sys.executable, "-m", "abm", "run", "--scale", "1500",
                             "--end-year", "2023", "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "Plan targets met" in result.stdout
    for name in ("summary.csv", "baseline_annual.parquet", "plan_monthly.parquet",
                 "plan_targets.csv", "emissions_by_sector.png", "adoption.png", "targets.png",
                 "districts.png"):
        assert (out / name).stat().st_size > 0, name
    annual = pd.read_parquet(out / "plan_annual.parquet")
    assert set(annual.columns) >= {"year", "metric", "value", "unit", "scenario", "seed"}
    monthly = pd.read_parquet(out / "plan_monthly.parquet")
    assert set(monthly["district"]) == {"PJ", "JH", "XH", "HS", "TS", "KP", "EP"}
    assert not list(out.glob("*.tmp*"))


def test_cli_help_and_listing():
    result = subprocess.run([sys.executable, "-m", "abm", "run", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert "--scale" in result.stdout and "--end-year" in result.stdout
    result = subprocess.run([sys.executable, "-m", "abm", "policies"], capture_output=True,
                            text=True, timeout=120)
    assert "green_finance" in result.stdout
