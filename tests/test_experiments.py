"""Batch experiments: specs and validation, runners, resume after a kill, failures, analysis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import (
    ExperimentError,
    load_experiment,
    load_result,
    parse_experiment,
    run_experiment,
)
from experiments.analysis import abatement_table, ensemble_summary
from experiments.report import make_report
from experiments.runners import DaskRunner, InProcessRunner
from experiments.sensitivity import analyse
from experiments.spec import EXPERIMENT_DIR

ROOT = Path(__file__).resolve().parent.parent
FAST = {"scale": 3000, "end_year": 2031}


def small(name: str, **extra) -> dict:
    tree = {"name": name, "scenarios": ["baseline"], "seeds": [1, 2], **FAST}
    tree.update(extra)
    return tree


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    drop = ["seconds", "worker", "finished_at"]
    return runs.drop(columns=drop).sort_values("run_id").reset_index(drop=True)


# ---------------------------------------------------------------------- specs
@pytest.mark.parametrize(("change", "message"), [
    ({"seeds": [1, 1]}, "'seeds' repeats"),
    ({"scale": 0}, "'scale' is 0; allowed"),
    ({"scenarios": ["nowhere"]}, "scenario 'nowhere' not found"),
    ({"design": {"method": "factorial"}}, "'design.method' is 'factorial'; allowed"),
    ({"design": {"method": "sobol", "n": 12}}, "power of 2"),
    ({"levers": [{"name": "x", "parameter": "economy.industry_growth", "values": [0.5]}]},
     "allowed: a number in [0, 0.12]"),
    ({"levers": [{"name": "x", "parameter": "economy.no_such", "values": [0.1]}]},
     "field 'parameter' is 'economy.no_such'"),
    ({"levers": [{"name": "x", "policy": "pv_subsidy", "group": "robots", "values": [1]}]},
     "field 'group' is 'robots'"),
    ({"levers": [{"name": "x", "policy": "nev_mandate", "group": "rickshaw", "mode": "set",
                  "start": 2026, "end": 2030, "values": [0.5]}]},
     "field 'group' is 'rickshaw'; allowed: ['car', 'taxi', 'van', 'bus', 'truck']"),
    ({"levers": [{"name": "x", "policy": "purchase_tax_exemption", "source": "plan",
                  "values": [2.0]}]}, "allowed: [0, 1]"),
    ({"levers": [{"name": "x", "policy": "pv_subsidy", "group": "firm", "values": [1.0]}]},
     "no 'pv_subsidy' policy for group 'firm'"),
    ({"outputs": ["co2_2030_mt", "happiness"]}, "output 'happiness' is unknown"),
    ({"uncertainty": {"samples": 2, "parameters": {"tech.pv_yield": [100, 900]}}},
     "uncertain parameter 'tech.pv_yield'"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_invalid_specs_name_field_value_and_rule(change, message):
    with pytest.raises(ExperimentError) as error:
        parse_experiment(small("bad", **change))
    assert message in str(error.value)


def test_shipped_experiments_are_valid_and_sized_for_this_machine():
    files = sorted(EXPERIMENT_DIR.glob("*.toml"))
    assert {f.stem for f in files} >= {"levers_vs_baseline", "sensitivity_sobol"}
    for path in files:
        spec = load_experiment(path)
        design = spec.design()
        assert 0 < design["run_id"].nunique() <= 1000, path.name
        assert spec.design()["run_id"].equals(design["run_id"]), "designs are reproducible"
        inputs = [c for c in design if c.startswith(("lever.", "param."))]
        distinct = len(design[["scenario", "seed", *inputs]].astype(str).drop_duplicates())
        assert design["run_id"].nunique() == distinct == len(design), (
            path.name, "one identity per distinct run")


def test_design_sizes_and_lever_application():
    grid = parse_experiment(small("g", levers=[
        {"name": "pv", "policy": "pv_subsidy", "group": "household", "source": "plan",
         "values": [0.5, 1.0]},
        {"name": "growth", "parameter": "economy.industry_growth", "values": [0.04, 0.06]}],
        uncertainty={"samples": 3, "parameters": {"tech.pv_cost_decline": [0.05, 0.09]}}))
    design = grid.design()
    assert len(design) == 2 * 2 * 3 * 2 and design["run_id"].is_unique
    row = design.iloc[0].to_dict()
    scenario = grid.build_scenario(row)
    pv = [p for p in scenario.policies if p.kind == "pv_subsidy"]
    assert [p.levels["level"] for p in pv] == [pytest.approx(0.3 * row["lever.pv"])]
    assert scenario.params["economy.industry_growth"] == row["lever.growth"]
    assert 0.05 <= scenario.params["tech.pv_cost_decline"] <= 0.09
    sobol = parse_experiment(small("s", seeds=[0], design={"method": "sobol", "n": 8}, levers=[
        {"name": "cp", "policy": "carbon_price", "min": 0.0, "max": 2.0}],
        uncertainty={"parameters": {"tech.pv_cost_decline": [0.05, 0.09]}}))
    assert len(sobol.design()) == 8 * (2 + 2)
    morris = parse_experiment(small("m", seeds=[0], design={"method": "morris", "n": 3}, levers=[
        {"name": "cp", "policy": "carbon_price", "min": 0.0, "max": 2.0}],
        uncertainty={"parameters": {"tech.pv_cost_decline": [0.05, 0.09]}}))
    assert len(morris.design()) == 3 * (2 + 1)
    lhs = parse_experiment(small("l", design={"method": "lhs", "n": 5}, levers=[
        {"name": "cp", "policy": "carbon_price", "min": 0.0, "max": 2.0}]))
    design = lhs.design()
    assert len(design) == 5 * 2 and design["lever.cp"].between(0, 2).all()
    assert sorted(np.floor(design["lever.cp"].unique() / 0.4)) == [0, 1, 2, 3, 4], "LHS strata"


def test_a_levers_group_names_the_kinds_option_value():
    """``group`` selects by whatever option the kind has: a vehicle type for the NEV mandate.
    The baseline's bus mandate is left alone and a van mandate is added with vtype 'van'."""
    spec = parse_experiment(small("v", levers=[
        {"name": "vans", "policy": "nev_mandate", "group": "van", "mode": "set",
         "start": 2026, "end": 2035, "values": [0.5]}]))
    scenario = spec.build_scenario(spec.design().iloc[0].to_dict())
    mandates = {p.choice["vtype"]: (p.levels["level"], p.start, p.end)
                for p in scenario.policies if p.kind == "nev_mandate"}
    assert mandates["van"] == (0.5, 2026, 2035)
    assert mandates["bus"] == (1.0, 2020, 2060)


# ---------------------------------------------------------------------- running
def test_same_results_whichever_runner(tmp_path):
    spec = parse_experiment(small("same", levers=[
        {"name": "pv", "policy": "pv_subsidy", "group": "household", "source": "plan",
         "values": [1.0, 3.0]}], series=["co2_total", "nev_share_sales_all"]))
    local = run_experiment(spec, InProcessRunner(), out=tmp_path / "a", progress=False)
    with DaskRunner(n_workers=2) as dask_runner:
        assert len(dask_runner.client.nthreads()) == 2, "a real two-worker cluster"
        remote = run_experiment(spec, dask_runner, out=tmp_path / "b", progress=False)
    # An existing scheduler, reached by its address (as with --scheduler tcp://host:8786).
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster:
        external = run_experiment(spec, cluster.scheduler_address, out=tmp_path / "c",
                                  progress=False)
    assert external.runner.startswith(f"dask ({cluster.scheduler_address}")
    assert local.new_runs == remote.new_runs == external.new_runs == 4
    assert local.failed == remote.failed == 0
    pd.testing.assert_frame_equal(comparable(local.runs), comparable(remote.runs))
    pd.testing.assert_frame_equal(comparable(local.runs), comparable(external.runs))
    workers = set(remote.runs["worker"])
    assert all(str(os.getpid()) not in w for w in workers), "ran on worker processes"
    key = ["run_id", "metric", "year"]
    pd.testing.assert_frame_equal(
        local.series.sort_values(key).reset_index(drop=True),
        remote.series.sort_values(key).reset_index(drop=True))
    # The Parquet dataset holds each run's inputs, seed and code version.
    records = pd.read_parquet(tmp_path / "b" / "same" / "runs")
    assert len(records) == 4
    assert {"seed", "lever.pv", "code_version", "scenario_settings", "co2_2030_mt"} <= set(
        records.columns)
    assert records["code_version"].str.len().min() > 0


def test_failing_run_is_recorded_and_others_finish(tmp_path):
    # A bad combination: a start year after the end year (each value alone is in range).
    spec = parse_experiment(small("failing", end_year=2025, levers=[
        {"name": "start", "parameter": "run.start_year", "values": [2020, 2030]}]))
    result = run_experiment(spec, "inprocess", out=tmp_path, progress=False)
    assert result.new_runs == 4 and result.failed == 2
    runs = result.runs
    bad = runs[runs["lever.start"] == 2030]
    assert (bad["status"] == "failed").all()
    assert bad["error"].str.contains("end_year").all()
    assert bad["co2_end_mt"].isna().all()
    assert "co2_2030_mt" not in spec.outputs, "2030 outputs are left out of a run to 2025"
    good = runs[runs["lever.start"] == 2020]
    assert (good["status"] == "ok").all() and good["co2_end_mt"].gt(0).all()
    again = run_experiment(spec, "inprocess", out=tmp_path, progress=False)
    assert again.new_runs == 0 and again.skipped == 4, "failed runs count as finished"
    retry = run_experiment(spec, "inprocess", out=tmp_path, progress=False,
                           retry_failed=True)
    assert retry.new_runs == 2 and retry.failed == 2
    report = make_report(retry)
    assert "Failed runs" in report.read_text()


def test_resume_after_kill_keeps_finished_runs_and_completes_the_rest(tmp_path):
    spec = tmp_path / "resume.toml"
    spec.write_text('name = "resume"\nscenarios = ["baseline", "plan"]\nseeds = 10\n'
                    'scale = 1500\nend_year = 2030\n')
    total = 20
    runs_dir = tmp_path / "res" / "resume" / "runs"
    command = [sys.executable, "-m", "experiments", "run", str(spec), "--out",
               str(tmp_path / "res"), "--no-report", "--no-progress"]
    proc = subprocess.Popen([*command, "--runner", "local", "--workers", "2"], cwd=ROOT,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list(runs_dir.glob("*.parquet"))) < 4:
            assert proc.poll() is None, "the experiment ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its Dask workers
        proc.wait(timeout=30)
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
              for p in runs_dir.glob("*.parquet")}
    assert 4 <= len(before) < total, "killed mid-experiment"
    for path in runs_dir.glob("*.parquet"):
        assert len(pd.read_parquet(path)) == 1, "every visible file is whole"
    rerun = subprocess.run([*command, "--runner", "inprocess"], cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert (f"{total - len(before)} runs done now (0 failed), {len(before)} reused "
            "(identical inputs and code; code version(s): ") in rerun.stdout
    assert "0 still to run" in rerun.stdout
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
             for p in runs_dir.glob("*.parquet")}
    assert len(after) == total
    assert all(after[name] == stamp for name, stamp in before.items()), "nothing redone"
    runs = pd.read_parquet(runs_dir)
    assert (runs["status"] == "ok").all() and runs["run_id"].is_unique


# ---------------------------------------------------------------------- analysis, report
def test_one_at_a_time_abatement_and_report(tmp_path):
    spec = parse_experiment(small("oat", design={"method": "one_at_a_time",
                                                 "all_levers": True}, levers=[
        {"name": "grid", "parameter": "grid.decline_after_2023", "values": [0.05]},
        {"name": "pv", "policy": "pv_subsidy", "group": "household", "source": "plan",
         "values": [3.0]}]))
    result = run_experiment(spec, "inprocess", out=tmp_path, progress=False)
    assert result.new_runs == 2 * 4
    table = abatement_table(result)
    assert set(table["lever"]) == {"grid", "pv", "all_levers"}
    grid = table[table["lever"] == "grid"].iloc[0]
    # a free assumption abates without a cost per tonne (it used to show 0 CNY/t)
    assert grid["abated_mt_median"] > 0 and grid["lever_kind"] == "assumption"
    assert np.isnan(grid["cny_per_t_of_medians"])
    pv = table[table["lever"] == "pv"].iloc[0]
    assert pv["extra_cost_mcny_median"] > 0 and pv["lever_kind"] == "paid lever"
    assert pv["cny_per_t_of_medians"] > 0
    combined = table[table["lever"] == "all_levers"].iloc[0]
    assert combined["lever_kind"] == "combined" and np.isnan(combined["cny_per_t_of_medians"])
    ens = ensemble_summary(result)
    assert {"median", "p5", "p95"} <= set(ens.columns)
    assert (ens["p5"] <= ens["median"]).all() and (ens["median"] <= ens["p95"]).all()
    report = make_report(result)
    text = report.read_text()
    assert "What each lever buys" in text and "levers.png" in text
    assert "extra public spending over the baseline" in text and "paid lever" in text
    for png in ("fan_co2_total.png", "targets.png", "levers.png"):
        assert (report.parent / png).stat().st_size > 1000, png


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_indices_convergence_and_charts(tmp_path, method):
    spec = parse_experiment(small(
        f"sa_{method}", seeds=[0], design={"method": method, "n": 4, "seed": 3},
        outputs=["co2_2030_mt", "pv_capacity_mw_2030", "public_cost_mcny", "peak_year"],
        levers=[{"name": "pv", "policy": "pv_subsidy", "group": "household", "source": "plan",
                 "min": 0.0, "max": 3.0},
                {"name": "grid", "parameter": "grid.decline_after_2023", "min": 0.02,
                 "max": 0.06}]))
    result = run_experiment(spec, "inprocess", out=tmp_path, progress=False)
    sens = analyse(result)
    indices, conv = sens["indices"], sens["convergence"]
    assert set(indices["n"]) == {4, 2}
    assert set(indices["factor"]) == {"lever.pv", "lever.grid"}
    key = "ST" if method == "sobol" else "mu_star"
    co2 = indices[(indices["output"] == "co2_2030_mt") & (indices["n"] == 4)].set_index(
        "factor")[key]
    assert np.isfinite(co2).all()
    assert co2["lever.grid"] > co2["lever.pv"], "the grid moves 2030 CO2 more than home PV"
    assert len(conv) == 4 and {"max_change_vs_half", "converged"} <= set(conv.columns)
    report = make_report(result)
    assert (report.parent / f"{method}.png").stat().st_size > 1000
    assert "Convergence check" in report.read_text()


def test_cli_validate_and_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nseeds = [1]\n[design]\nmethod = "sobol"\nn = 10\n')
    out = subprocess.run([sys.executable, "-m", "experiments", "validate", str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "power of 2" in out.stderr
    good = subprocess.run([sys.executable, "-m", "experiments", "validate",
                           "levers_vs_baseline"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert good.returncode == 0 and "valid" in good.stdout


# ---------------------------------------------------------------------- identity, reuse
def _identity_setup(folder: Path, level: float = 0.3, decline: float = 0.07,
                    outputs: tuple[str, ...] = ("public_cost_mcny", "co2_end_mt")) -> Path:
    """A scenario that includes a parameter file, and an experiment of one run on it."""
    (folder / "calib.toml").write_text(f'[parameters]\n"tech.pv_cost_decline" = {decline}\n')
    (folder / "mine.toml").write_text(
        'name = "mine"\ninclude = ["calib.toml"]\n[[policies]]\nkind = "pv_subsidy"\n'
        f'group = "household"\nlevel = {level}\nstart = 2023\nend = 2030\n')
    spec = folder / "ident.toml"
    spec.write_text('name = "ident"\nscenarios = ["mine.toml"]\nseeds = [1]\nscale = 3000\n'
                    f'end_year = 2030\noutputs = {list(outputs)!r}\n'.replace("'", '"'))
    return spec


def test_changed_inputs_or_code_are_recomputed_and_identical_runs_reused(tmp_path,
                                                                         monkeypatch):
    import abm.identity

    out = tmp_path / "res"
    spec = _identity_setup(tmp_path)
    first = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (first.new_runs, first.reused) == (1, 0)
    cost = first.runs["public_cost_mcny"].iloc[0]
    again = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (again.new_runs, again.reused) == (0, 1), "identical run reused"
    assert again.reused_versions == [abm.identity.code_version()]
    # A scenario level changed in the file: recomputed, with the new cost.
    _identity_setup(tmp_path, level=3.0)
    level = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (level.new_runs, level.reused) == (1, 0)
    assert level.runs["public_cost_mcny"].iloc[0] > 2 * cost
    assert level.stale == 1, "the old run is kept but not used"
    # A parameter file the scenario includes changed: recomputed.
    _identity_setup(tmp_path, level=3.0, decline=0.09)
    include = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (include.new_runs, include.reused) == (1, 0)
    # The model code changed: recomputed.
    monkeypatch.setattr(abm.identity, "code_hash", lambda: "0123456789abcdef")
    code = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (code.new_runs, code.reused) == (1, 0)
    reused = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (reused.new_runs, reused.reused) == (0, 1)


def test_cli_summary_and_report_say_how_many_runs_were_reused(tmp_path):
    from experiments.__main__ import main

    spec = _identity_setup(tmp_path)
    out = str(tmp_path / "res")
    assert main(["run", str(spec), "--runner", "inprocess", "--out", out, "--no-progress",
                 "--no-report"]) == 0
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["run", str(spec), "--runner", "inprocess", "--out", out,
                     "--no-progress"]) == 0
    from abm.identity import code_version

    assert f"0 runs done now (0 failed), 1 reused (identical inputs and code; code version(s): " \
           f"{code_version()})" in buffer.getvalue()
    text = (tmp_path / "res" / "ident" / "report" / "report.md").read_text()
    assert f"Reused: 1 run(s) finished before with identical inputs and code (code version(s): " \
           f"{code_version()})" in text


def test_adding_an_output_reuses_stored_series_or_reruns_what_is_missing(tmp_path):
    out = tmp_path / "res"
    spec = _identity_setup(tmp_path)
    run_experiment(spec, "inprocess", out=out, progress=False)
    # co2_total is stored with every run: a new output read from it needs no new run.
    _identity_setup(tmp_path, outputs=("public_cost_mcny", "co2_end_mt", "co2_total@2028",
                                       "peak_year"))
    loaded = load_result(spec, out=out)
    assert loaded.runs["co2_total@2028"].notna().all()
    assert loaded.runs["peak_year"].between(2020, 2030).all()
    report = make_report(loaded).read_text()
    assert "output `co2_total@2028` was not stored by 1 run(s); computed from their stored " \
           "series" in report
    derived = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (derived.new_runs, derived.reused) == (0, 1)
    # targets_met needs the run itself: the report still works, and `run` computes it.
    _identity_setup(tmp_path, outputs=("co2_end_mt", "targets_met"))
    loaded = load_result(spec, out=out)
    assert loaded.runs["targets_met"].isna().all()
    assert "could not be" in make_report(loaded).read_text()
    rerun = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (rerun.new_runs, rerun.reused) == (1, 0)
    assert rerun.runs["targets_met"].notna().all()


# ---------------------------------------------------------------------- calibration ranges
def _fit_summary(fit: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "calibrated" / fit / "parameters.csv",
                       index_col="parameter")


def test_shipped_experiments_stay_inside_calibrated_posteriors():
    from experiments.spec import posterior_ranges

    ranges = posterior_ranges(["baseline", "plan"])
    transport = _fit_summary("transport")
    assert ranges["behaviour.vehicle_ev.beta_econ"][:2] == pytest.approx(
        tuple(transport.loc["behaviour.vehicle_ev.beta_econ", ["p05", "p95"]]))
    # The older single-BEV fit (data/calibrated/small/) fitted the premium decline; no
    # scenario includes it, so it does not bind (its parameter is now an assumption).
    assert "tech.vehicle_premium_decline" not in ranges
    assert (ROOT / "data" / "calibrated" / "small" / "parameters.csv").is_file()
    for path in sorted(EXPERIMENT_DIR.glob("*.toml")):
        spec = load_experiment(path)
        for check in spec.posterior:
            assert check.inside or check.reason, (path.name, check)
    ensemble = load_experiment(EXPERIMENT_DIR / "ensemble_scenarios.toml")
    assert [d.fit for d in ensemble.posterior_draws] == ["transport", "pv"]


def test_range_outside_the_posterior_needs_a_reason_and_the_report_states_it(tmp_path):
    key = "behaviour.vehicle_ev.beta_econ"
    p05, p95 = _fit_summary("transport").loc[key, ["p05", "p95"]]
    unc = {key: [0.5, 3.0]}
    tree = small("outside", uncertainty={"samples": 1, "parameters": unc})
    with pytest.raises(ExperimentError) as error:
        parse_experiment(tree)
    message = str(error.value)
    for part in (key, "[0.5, 3]", f"[{p05:.4g}, {p95:.4g}]", "outside_posterior"):
        assert part in message, message
    lever = small("outside_lever", levers=[{"name": "econ", "values": [0.5],
                                            "parameter": key}])
    with pytest.raises(ExperimentError, match="lever 'econ'"):
        parse_experiment(lever)
    inside = small("inside", uncertainty={"samples": 1, "parameters": {
        key: [float(p05) + 0.01, float(p95) - 0.01]}})
    assert [c.inside for c in parse_experiment(inside).posterior] == [True]
    why = "testing a wider literature range"
    tree["uncertainty"]["parameters"] = {key: {"range": [0.5, 3.0], "outside_posterior": why}}
    spec = parse_experiment(tree)
    assert [c.reason for c in spec.posterior] == [why]
    from experiments.result import ExperimentResult
    from experiments.store import Store

    empty = ExperimentResult(spec=spec, store=Store(tmp_path, spec.name),
                             design=spec.design(), runs=pd.DataFrame(
                                 columns=["run_id", "status"]))
    text = make_report(empty).read_text()
    assert "leave the calibrated posterior" in text and why in text


# ---------------------------------------------------------------------- posterior draws
def test_posterior_draws_are_particles_of_the_fit_in_force_reproducibly(tmp_path):
    particles = pd.read_csv(ROOT / "data" / "calibrated" / "transport" / "posterior.csv")
    keys = list(particles.columns.drop("weight"))
    tree = small("draws", scenarios=["baseline", "plan"], seeds=[1], uncertainty={
        "samples": 5, "posterior": ["transport"],
        "parameters": {"economy.industry_growth": [0.03, 0.07]}})
    spec = parse_experiment(tree)
    design = spec.design()
    assert len(design) == 2 * 5 and design["sample"].nunique() == 5
    drawn = design[[f"param.{k}" for k in keys]].to_numpy()
    for row in drawn:  # every sample is one whole particle: the parameters vary jointly
        assert np.isclose(particles[keys].to_numpy(), row, rtol=0, atol=0).all(axis=1).any()
    by_scenario = design.groupby("scenario")[[f"param.{k}" for k in keys]]
    assert by_scenario.get_group("baseline").to_numpy().tolist() == \
        by_scenario.get_group("plan").to_numpy().tolist(), "common draws across scenarios"
    assert design["param.economy.industry_growth"].between(0.03, 0.07).all()
    assert parse_experiment(tree).design()["run_id"].equals(design["run_id"])
    other = parse_experiment({**tree, "design": {"seed": 8}}).design()
    assert not np.array_equal(other[[f"param.{k}" for k in keys]].to_numpy(), drawn)
    row = design.iloc[0]
    scenario = spec.build_scenario(row)
    for key in keys:
        assert scenario.params[key] == row[f"param.{key}"]
    assert not spec.posterior, "drawn parameters are inside their posterior by construction"
    from experiments.result import ExperimentResult
    from experiments.store import Store

    report = make_report(ExperimentResult(spec=spec, store=Store(tmp_path, spec.name),
                                          design=design,
                                          runs=pd.DataFrame(columns=["run_id", "status"])))
    text = report.read_text()
    assert "Calibration uncertainty: posterior draws" in text
    assert "data/calibrated/transport/posterior.csv" in text


def test_posterior_draws_follow_the_particles_weights(tmp_path):
    fit = tmp_path / "fit"
    fit.mkdir()
    (tmp_path / "fit.toml").write_text(
        'name = "fit"\n[parameters]\n"behaviour.vehicle_ev.beta_econ" = 1.5\n')
    (fit / "posterior.csv").write_text("behaviour.vehicle_ev.beta_econ,weight\n"
                                       "1.2,0.0\n2.2,1.0\n")
    (tmp_path / "mine.toml").write_text(
        'name = "mine"\ninclude = ["fit.toml"]\n[parameters]\n')
    tree = small("weights", scenarios=["mine.toml"],
                 uncertainty={"samples": 20, "posterior": ["fit"]})
    spec = parse_experiment(tree, "weights.toml", tmp_path)
    assert set(spec.design()["param.behaviour.vehicle_ev.beta_econ"]) == {2.2}
    (fit / "posterior.csv").write_text("behaviour.vehicle_ev.beta_econ,weight\n"
                                       "1.2,1.0\n2.2,1.0\n")
    draws = parse_experiment(tree, "weights.toml", tmp_path).design()
    assert set(draws["param.behaviour.vehicle_ev.beta_econ"]) == {1.2, 2.2}


@pytest.mark.parametrize(("uncertainty", "design", "message"), [
    ({"samples": 2, "posterior": ["nowhere"]}, {},
     "'nowhere' is not a calibration every scenario includes; allowed: ['transport', 'pv']"),
    ({"samples": 0, "posterior": ["transport"]}, {}, "uncertainty.samples is 0"),
    ({"posterior": ["transport"]}, {"method": "lhs", "n": 4},
     "allowed: design.method 'grid' or 'one_at_a_time'"),
    ({"samples": 2, "posterior": ["transport", "transport"]}, {}, "repeats a fit"),
    ({"samples": 2, "posterior": ["transport"],
      "parameters": {"behaviour.vehicle_ev.beta_econ": [1.2, 2.0]}}, {},
     "also ranged in uncertainty.parameters"),
    ({"samples": 2, "posterior": ["../transport"]}, {}, "uncertainty.posterior"),
])
def test_bad_posterior_requests_name_field_value_and_rule(uncertainty, design, message):
    with pytest.raises(ExperimentError) as error:
        parse_experiment(small("bad", uncertainty=uncertainty, design=design))
    assert message in str(error.value)


@pytest.mark.parametrize(("content", "message"), [
    ("behaviour.vehicle_ev.beta_econ\n1.5\n", "allowed: parameter columns and 'weight'"),
    ("behaviour.vehicle_ev.nope,weight\n1.5,1\n", "'behaviour.vehicle_ev.nope' is not in"),
    ("behaviour.vehicle_ev.beta_econ,weight\n1.5,0\n", "weights ≥ 0 with a positive sum"),
    ("behaviour.vehicle_ev.beta_econ,weight\n1.5,-1\n2,2\n", "weights ≥ 0"),
    ("behaviour.vehicle_ev.beta_econ,weight\nabc,1\n", "not a finite number"),
    ("behaviour.vehicle_ev.beta_econ,weight\n99,1\n", "ranges [99, 99]; allowed: [0, 40]"),
])
def test_a_bad_posterior_file_is_refused_naming_file_and_rule(tmp_path, content, message):
    (tmp_path / "fit").mkdir()
    (tmp_path / "fit.toml").write_text('name = "fit"\n[parameters]\n')
    (tmp_path / "fit" / "posterior.csv").write_text(content)
    (tmp_path / "mine.toml").write_text('name = "mine"\ninclude = ["fit.toml"]\n')
    tree = small("badfile", scenarios=["mine.toml"], uncertainty={"samples": 2,
                                                                  "posterior": ["fit"]})
    with pytest.raises(ExperimentError) as error:
        parse_experiment(tree, "badfile.toml", tmp_path)
    assert "fit/posterior.csv" in str(error.value) and message in str(error.value)


# ---------------------------------------------------------------------- concurrency, cluster
def test_two_runs_on_one_store_do_not_both_compute(tmp_path):
    spec = tmp_path / "busy.toml"
    spec.write_text('name = "busy"\nscenarios = ["baseline"]\nseeds = 60\nscale = 600\n'
                    'end_year = 2035\n')
    runs_dir = tmp_path / "res" / "busy" / "runs"
    command = [sys.executable, "-m", "experiments", "run", str(spec), "--out",
               str(tmp_path / "res"), "--no-report", "--no-progress", "--runner", "inprocess"]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not list(runs_dir.glob("*.parquet")):
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert first.poll() is None, "the first run was still going when the second was refused"
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert second.returncode == 2, (second.stdout, second.stderr)
    assert "in use" in second.stderr and "Traceback" not in second.stderr
    assert "60 runs done now" in out
    runs = pd.read_parquet(runs_dir)
    assert len(runs) == 60 and runs["run_id"].is_unique
    assert runs["worker"].str.endswith(f":{first.pid}").all(), "all computed by the first"


def test_local_cluster_listens_on_localhost_only():
    import psutil

    with DaskRunner(n_workers=1) as runner:
        cluster = runner.cluster
        assert "127.0.0.1" in cluster.dashboard_link
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        workers = runner.client.scheduler_info()["workers"]
        assert workers and all(w.startswith("tcp://127.0.0.1:") for w in workers)
        pids = [os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))]
        listening = [c.laddr for pid in pids for c in psutil.Process(pid).net_connections("inet")
                     if c.status == psutil.CONN_LISTEN]
        assert listening, "the scheduler and dashboard listen somewhere"
        assert {addr.ip for addr in listening} == {"127.0.0.1"}, listening


# ---------------------------------------------------------------------- names, sizes
def test_store_never_leaves_the_output_folder(tmp_path):
    from experiments.store import Store

    for name in ("/tmp/x", "../../x", "a\nb", 'q"uote', ".."):
        try:
            store = Store(tmp_path, name)
        except ExperimentError:
            continue
        except ValueError:
            continue
        assert store.dir.resolve().parent == tmp_path.resolve(), name
    for name in ("/tmp/x", "../../x", "a\nb", 'q"uote'):
        with pytest.raises(ExperimentError, match="field 'name'"):
            parse_experiment(small(name))


def test_huge_designs_are_refused_by_arithmetic_before_anything_is_built():
    start = time.perf_counter()
    tree = small("huge", seeds=[0], design={"method": "lhs", "n": 1_000_000}, levers=[
        {"name": "cp", "policy": "carbon_price", "min": 0.0, "max": 2.0}])
    with pytest.raises(ExperimentError, match="1,000,000 runs"):
        parse_experiment(tree)
    with pytest.raises(ExperimentError, match="allowed: at most 200,000"):
        parse_experiment(tree, allow_large=True)
    assert time.perf_counter() - start < 5
    tree["design"]["n"] = 30_000
    assert parse_experiment(tree, allow_large=True).run_count() == 30_000


def test_a_damaged_run_file_is_computed_again(tmp_path):
    out = tmp_path / "res"
    spec = _identity_setup(tmp_path)
    first = run_experiment(spec, "inprocess", out=out, progress=False)
    path = out / "ident" / "runs" / f"{first.runs['run_id'].iloc[0]}.parquet"
    path.write_bytes(b"not parquet")
    again = run_experiment(spec, "inprocess", out=out, progress=False)
    assert (again.new_runs, again.reused) == (1, 0)
    assert len(pd.read_parquet(path)) == 1, "replaced by a whole file"
