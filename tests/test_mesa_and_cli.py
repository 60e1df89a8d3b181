"""The Mesa API works on the column-backed agents; the CLI writes results and charts."""

import json
import subprocess
import sys
from pathlib import Path

import mesa
import pandas as pd
import pytest

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
    assert "Plan targets (value in the target year" in result.stdout
    assert "non_fossil_2030" in result.stdout and "7,000 MW" in result.stdout
    for name in ("summary.csv", "baseline_annual.parquet", "plan_monthly.parquet",
                 "plan_targets.csv", "emissions_by_sector.png", "adoption.png", "targets.png",
                 "districts.png"):
        assert (out / name).stat().st_size > 0, name
    annual = pd.read_parquet(out / "plan_annual.parquet")
    assert set(annual.columns) >= {"year", "metric", "value", "unit", "scenario", "seed"}
    monthly = pd.read_parquet(out / "plan_monthly.parquet")
    assert set(monthly["district"]) == {"PJ", "JH", "XH", "HS", "TS", "KP", "EP"}
    assert not list(out.glob("*.tmp*"))


def test_cli_costs_against_the_chosen_baseline(tmp_path):
    """``--baseline history``: the plan is costed against the policies in force (its
    abatement is history's CO2 minus its own over the run, summed from the annual files),
    and the summary says against what; without the option nothing is costed (no baseline)."""
    from abm import cli

    out = tmp_path / "res"
    argv = ["run", "--scenario", "history", "--scenario", "plan", "--baseline", "history",
            "--scale", "5000", "--end-year", "2022", "--no-charts", "--out", str(out)]
    assert cli.main(argv) == 0
    summary = pd.read_csv(out / "summary.csv", index_col="scenario")
    assert summary.loc["plan", "costed_against"] == "history"
    assert pd.isna(summary.loc["history", "abated_mt"])

    def co2(name: str) -> float:
        annual = pd.read_csv(out / f"{name}_annual.csv")
        return float(annual[annual["metric"] == "co2_total"]["value"].sum())

    assert summary.loc["plan", "abated_mt"] == pytest.approx(co2("history") - co2("plan"))
    argv[argv.index("--baseline"):argv.index("--baseline") + 2] = []
    assert cli.main([*argv[:-1], str(tmp_path / "plain")]) == 0
    assert "abated_mt" not in pd.read_csv(tmp_path / "plain" / "summary.csv").columns


def test_cli_help_and_listing():
    result = subprocess.run([sys.executable, "-m", "abm", "run", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert "--scale" in result.stdout and "--end-year" in result.stdout
    result = subprocess.run([sys.executable, "-m", "abm", "policies"], capture_output=True,
                            text=True, timeout=120)
    assert "green_finance" in result.stdout


TINY = ["--scale", "5000", "--end-year", "2020", "--no-charts"]
"""The cheapest real run (one year, about 500 agents)."""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_run_folder_holds_the_files_of_one_run(tmp_path, monkeypatch, capsys):
    """A new run replaces exactly the files the previous run's manifest lists."""
    from abm import cli

    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    (tmp_path / "outside.txt").write_text("not the run's\n")
    escape = tmp_path / "escape.toml"
    escape.write_text('name = "../../escape"\n')
    absolute = tmp_path / "absolute.toml"
    absolute.write_text('name = "/tmp/absolute x"\n')
    assert cli.main(["run", *TINY, "--scenario", str(escape), "--scenario", str(absolute),
                     "--out", str(out)]) == 0
    manifest = json.loads((out / "run.json").read_text())
    assert {"escape_monthly.parquet", "tmp_absolute_x_annual.csv",
            "summary.csv"} <= set(manifest["files"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["out", "outside.txt", "escape.toml", "absolute.toml"]), "nothing outside --out"
    assert [s["name"] for s in manifest["scenarios"]] == ["../../escape", "/tmp/absolute x"]
    assert all(len(s["run_identity"]) == 24 for s in manifest["scenarios"])
    assert manifest["seed"] == 0 and manifest["code_version"]

    # a tampered manifest cannot make a run delete anything but plain files of the folder
    manifest["files"] += ["../outside.txt", str(tmp_path / "outside.txt"), ".lock", "run.json",
                          {"odd": 1}, None, ""]
    (out / "run.json").write_text(json.dumps(manifest))
    assert cli.main(["run", *TINY, "--scenario", "baseline", "--seed", "1",
                     "--out", str(out)]) == 0
    assert (tmp_path / "outside.txt").exists() and (out / "notes.txt").read_text() == "mine\n"
    names = {p.name for p in out.iterdir()}
    assert names == {"notes.txt", ".lock", "run.json", "summary.csv", "baseline_monthly.parquet",
                     "baseline_annual.parquet", "baseline_annual.csv",
                     "baseline_targets.parquet", "baseline_targets.csv"}, names
    assert json.loads((out / "run.json").read_text())["seed"] == 1
    for parquet in out.glob("*.parquet"):
        assert set(pd.read_parquet(parquet)["seed"]) == {1}, parquet

    # an interrupted run leaves the previous complete set and no staging folder
    before = _files(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "simulate", interrupted)
    assert cli.main(["run", *TINY, "--scenario", "plan", "--out", str(out)]) == 130
    assert _files(out) == before
    assert not [p for p in out.iterdir() if p.is_dir()], "the staging folder is removed"
    capsys.readouterr()


def test_concurrent_runs_into_one_folder(tmp_path):
    """Four runs at once into one folder: one writes, the others are refused at once."""
    out = tmp_path / "shared"
    procs = [subprocess.Popen([sys.executable, "-m", "abm", "run", *TINY, "--scenario",
                               "baseline", "--seed", str(seed), "--out", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in range(4)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = [code for code, _, _ in results]
    assert set(codes) <= {0, 2} and 0 in codes, results
    for code, _, err in results:
        assert "Traceback" not in err, err
        if code == 2:
            assert "is in use by another 'python -m abm run'" in err, err
    winners = {seed for seed, code in enumerate(codes) if code == 0}
    seed = json.loads((out / "run.json").read_text())["seed"]
    assert seed in winners
    for parquet in out.glob("*.parquet"):
        assert set(pd.read_parquet(parquet)["seed"]) == {seed}, parquet
    assert not list(out.glob(".*.tmp")) and not [p for p in out.iterdir() if p.is_dir()]


def test_params_grep_without_match_says_so(capsys):
    from abm import cli

    assert cli.main(["params", "--grep", "nomatch"]) == 0
    assert "no parameter key contains 'nomatch'" in capsys.readouterr().out
    assert cli.main(["params", "--grep", "network_degree"]) == 0
    assert "behaviour.network_degree" in capsys.readouterr().out


def test_validate_accepts_the_shipped_scenarios(capsys):
    from abm import cli

    assert cli.main(["validate", "plan", "baseline"]) == 0
    assert "ok (" in capsys.readouterr().out
