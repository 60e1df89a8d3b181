"""Hostile input to ``python -m calibration run|validate``: refused cleanly, nothing written.

Every case is a bad config, observed-data file or command-line argument. Each must exit 2
with a message naming the field (and the value where sensible), print no traceback, and
create or change no file (the ``unchanged`` fixture). Bad files are written by the
``inputs`` fixture into the working folder *before* ``unchanged`` takes its snapshot.
"""

from __future__ import annotations

import copy
import math
import os
from typing import Any

import pytest
from conftest import assert_refused, call

from calibration.cli import main

BASE: dict[str, Any] = {
    "name": "tiny",
    "scenario": "history",
    "scale": 5000,
    "seeds": [1],
    "fit_years": [2020, 2021, 2022],
    "holdout_years": [2023],
    "predictive_samples": 3,
    "parameters": [{"key": "behaviour.vehicle_ev.asc_car", "min": -7.0, "max": -1.0}],
    "targets": [{"name": "nev", "series": "nev_share_sales", "region": "China",
                 "metric": "nev_share_sales_car", "kind": "flow", "distance": "rel"}],
    "abc": {"population_size": 4, "max_generations": 1},
    "optuna": {"n_trials": 3},
}
GOOD_CSV = ("series,region,year,value,unit,source\n"
            "nev_share_sales,China,2020,0.054,1,CAAM\n"
            "nev_share_sales,China,2021,0.134,1,CAAM\n"
            "nev_share_sales,China,2022,0.256,1,CAAM\n"
            "nev_share_sales,China,2023,0.316,1,CAAM\n")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_value(v)}' for k, v in value.items()) + "}"
    raise TypeError(value)


def to_toml(tree: dict[str, Any]) -> str:
    """A minimal TOML writer: top-level keys, tables and arrays of tables."""
    lines = [f"{k} = {_value(v)}" for k, v in tree.items()
             if not isinstance(v, dict) and not (isinstance(v, list) and v
                                                 and all(isinstance(i, dict) for i in v))]
    for key, value in tree.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]"] + [f"{k} = {_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            for item in value:
                lines += ["", f"[[{key}]]"] + [f"{k} = {_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def changed(path: str, value: Any) -> dict[str, Any]:
    """BASE with one dotted field set (``parameters.0.min``); a value of DROP removes it."""
    tree = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    holder: Any = tree
    for part in parents:
        holder = holder[int(part)] if part.isdigit() else holder[part]
    if value is DROP:
        del holder[int(last) if last.isdigit() else last]
    elif isinstance(holder, list):
        holder[int(last)] = value
    else:
        holder[last] = value
    return tree


DROP = object()
INF, NAN = float("inf"), float("nan")

# (id, config tree or raw text, names the message must contain)
CONFIG_CASES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("unknown-top-key", changed("colour", "red"), ("colour", "allowed")),
    ("unknown-abc-key", changed("abc.population", 3), ("abc.population", "population_size")),
    ("unknown-optuna-key", changed("optuna.trials", 3), ("optuna.trials", "n_trials")),
    ("population-size-zero", changed("abc.population_size", 0), ("population_size", "0")),
    ("population-size-text", changed("abc.population_size", "ten"),
     ("population_size", "ten")),
    ("population-size-float", changed("abc.population_size", 4.5), ("population_size", "4.5")),
    ("population-size-inf", changed("abc.population_size", INF), ("population_size", "inf")),
    ("generations-zero", changed("abc.max_generations", 0), ("max_generations", "0")),
    ("generations-nan", changed("abc.max_generations", NAN), ("max_generations", "nan")),
    ("generations-bool", changed("abc.max_generations", True), ("max_generations",)),
    ("min-epsilon-negative", changed("abc.min_epsilon", -1.0), ("min_epsilon", "-1")),
    ("min-epsilon-nan", changed("abc.min_epsilon", NAN), ("min_epsilon", "nan")),
    ("trials-zero", changed("optuna.n_trials", 0), ("n_trials", "0")),
    ("predictive-samples-zero", changed("predictive_samples", 0), ("predictive_samples", "0")),
    ("predictive-samples-text", changed("predictive_samples", "many"),
     ("predictive_samples", "many")),
    ("scale-zero", changed("scale", 0), ("scale", "0")),
    ("scale-inf", changed("scale", INF), ("scale", "inf")),
    ("scale-nan", changed("scale", NAN), ("scale", "nan")),
    ("scale-text", changed("scale", "big"), ("scale", "big")),
    ("scale-missing", changed("scale", DROP), ("scale", "required")),
    ("seeds-empty", changed("seeds", []), ("seeds",)),
    ("seeds-negative", changed("seeds", [-1]), ("seeds", "-1")),
    ("seeds-float", changed("seeds", [1.0]), ("seeds", "1.0")),
    ("seeds-inf", changed("seeds", [INF]), ("seeds", "inf")),
    ("seeds-duplicate", changed("seeds", [1, 1]), ("seeds", "twice")),
    ("fit-years-empty", changed("fit_years", []), ("fit_years",)),
    ("fit-years-before-model", changed("fit_years", [2019, 2020]), ("fit_years", "2019")),
    ("fit-years-inf", changed("fit_years", [INF]), ("fit_years", "inf")),
    ("fit-years-nan", changed("fit_years", [2020, NAN]), ("fit_years", "nan")),
    ("fit-years-float", changed("fit_years", [2020.0]), ("fit_years", "2020.0")),
    ("fit-years-duplicate", changed("fit_years", [2020, 2020]), ("fit_years", "twice")),
    ("fit-years-text", changed("fit_years", "2020-2022"), ("fit_years", "2020-2022")),
    ("fit-years-without-observations", changed("fit_years", [2030, 2031]),
     ("fit_years", "no observation")),
    ("holdout-overlaps-fit", changed("holdout_years", [2022, 2023]),
     ("holdout_years", "2022")),
    ("holdout-years-nan", changed("holdout_years", [NAN]), ("holdout_years", "nan")),
    ("holdout-years-without-observations", changed("holdout_years", [2040]),
     ("holdout_years", "2040")),
    ("no-parameters", changed("parameters", []), ("parameters",)),
    ("parameter-unknown", changed("parameters.0.key", "behaviour.nope"),
     ("key", "behaviour.nope")),
    ("parameter-low-above-high", changed("parameters.0.min", -0.5), ("min", "max", "-0.5")),
    ("parameter-low-equals-high", changed("parameters.0.max", -7.0), ("min", "max", "-7")),
    ("parameter-outside-table", changed("parameters.0.min", -1000.0), ("min", "-1000")),
    ("parameter-nan-bound", changed("parameters.0.max", NAN), ("max", "nan")),
    ("parameter-extra-key", changed("parameters.0.prior", "normal"), ("prior", "allowed")),
    ("parameter-duplicate", changed("parameters", BASE["parameters"] * 2),
     ("parameters.key", "twice")),
    ("no-targets", changed("targets", []), ("targets",)),
    ("target-unknown-metric", changed("targets.0.metric", "nev_share_sales_plane"),
     ("metric", "nev_share_sales_plane")),
    ("target-empty-metric-list", changed("targets.0.metric", []), ("metric",)),
    ("target-metric-number", changed("targets.0.metric", 3), ("metric", "3")),
    ("target-mixed-units", changed("targets.0.metric", ["nev_share_sales_car", "sales_car"]),
     ("metric", "units")),
    ("target-kind-unknown", changed("targets.0.kind", "level"), ("kind", "level")),
    ("target-kind-mismatch", changed("targets.0.kind", "stock"), ("kind", "stock", "flow")),
    ("target-distance-unknown", changed("targets.0.distance", "squared"),
     ("distance", "squared")),
    ("target-weight-negative", changed("targets.0.weight", -1.0), ("weight", "-1")),
    ("target-weight-nan", changed("targets.0.weight", NAN), ("weight", "nan")),
    ("target-factor-zero", changed("targets.0.factor", 0.0), ("factor", "0")),
    ("target-factor-inf", changed("targets.0.factor", INF), ("factor", "inf")),
    ("target-factor-breaks-share", changed("targets.0.factor", 5.0), ("share", "1.28")),
    ("target-unknown-series", changed("targets.0.series", "nev_share_flying"),
     ("nev_share_flying",)),
    ("target-share-from-gw", changed("targets.0.series", "distributed_pv_cumulative"),
     ("unit", "GW", "share")),
    ("target-share-onto-mw", changed("targets.0", {**BASE["targets"][0], "kind": "stock",
                                                    "metric": "pv_capacity_mw_total"}),
     ("share", "'MW'")),
    ("target-gw-onto-mw-without-factor", changed("targets.0", {
        **BASE["targets"][0], "kind": "stock", "metric": "pv_capacity_mw_total",
        "series": "distributed_pv_cumulative"}), ("factor", "'GW'", "'MW'")),
    ("target-duplicate-name", changed("targets", BASE["targets"] * 2), ("targets.name",)),
    ("target-name-unusable", changed("targets.0.name", "/../"), ("name", "/../")),
    ("target-extra-key", changed("targets.0.unit", "1"), ("targets[0].unit", "allowed")),
    ("name-empty", changed("name", ""), ("name",)),
    ("name-only-slashes", changed("name", "///"), ("name", "///")),
    ("name-missing", changed("name", DROP), ("name", "required")),
    ("scenario-unknown", changed("scenario", "no-such-scenario"),
     ("scenario", "no-such-scenario")),
    ("scenario-traversal", changed("scenario", "../../etc/passwd"), ("scenario",)),
    ("description-number", changed("description", 5), ("description", "5")),
    ("observed-missing-file", changed("observed", "nowhere.csv"), ("observed", "nowhere.csv")),
    ("observed-is-folder", changed("observed", "."), ("observed", "folder")),
    ("abc-not-a-table", changed("abc", 3), ("abc", "3")),
    ("observed-is-device", changed("observed", "/dev/zero"), ("observed", "/dev/zero")),
    ("predictive-samples-huge", changed("predictive_samples", 10**9),
     ("predictive_samples", "1000000000")),
    ("scale-huge", changed("scale", 1e12), ("scale", "1000000000000")),
    ("seeds-huge", changed("seeds", [2**40]), ("seeds", str(2**40))),
    ("metric-list-duplicate", changed("targets.0.metric", ["nev_share_sales_car"] * 2),
     ("metric", "twice")),
    ("not-toml", "name = [unclosed\n", ("TOML",)),
    ("deep-nesting", "x = " + "[" * 50_000 + "]" * 50_000 + "\n", ("nested",)),
    ("huge-config", "# " + "x" * 1_100_000 + "\n", ("bytes",)),
]

# (id, CSV text or bytes, names); the config targets the shipped NEV share series
CSV_CASES: list[tuple[str, str | bytes, tuple[str, ...]]] = [
    ("csv-empty", "", ("observed", "csv")),
    ("csv-header-only", "series,region,year,value,unit,source\n", ("no observations",)),
    ("csv-value-inf", GOOD_CSV + "nev_share_sales,China,2024,inf,1,CAAM\n", ("value", "inf")),
    ("csv-value-nan", GOOD_CSV + "nev_share_sales,China,2024,nan,1,CAAM\n", ("value", "nan")),
    ("csv-value-negative-share", GOOD_CSV.replace("0.054", "-0.1"), ("share", "-0.1")),
    ("csv-value-share-above-one", GOOD_CSV.replace("0.134", "1.5"), ("share", "1.5")),
    ("csv-value-text", GOOD_CSV.replace("0.134", "lots"), ("value", "lots")),
    ("csv-year-fraction", GOOD_CSV.replace("2021", "2021.5"), ("year", "2021.5")),
    ("csv-year-inf", GOOD_CSV.replace("2021", "inf"), ("year", "inf")),
    ("csv-year-far", GOOD_CSV.replace("2021", "99999"), ("year", "99999")),
    ("csv-two-units", GOOD_CSV.replace("2021,0.134,1", "2021,0.134,%"), ("unit", "%")),
    ("csv-missing-column", "series,region,year,value,unit\nnev_share_sales,China,2020,0.1,1\n",
     ("source",)),
    ("csv-duplicate-row", GOOD_CSV + "nev_share_sales,China,2020,0.06,1,other\n", ("twice",)),
    ("csv-empty-source", GOOD_CSV.replace("2022,0.256,1,CAAM", "2022,0.256,1,"), ("source",)),
    ("csv-not-utf8", GOOD_CSV.encode() + "nev_share_sales,China,2024,0.4,1,é\n".encode("latin-1"),
     ("utf-8", "observed.csv")),
    ("csv-relative-to-zero", GOOD_CSV.replace("0.054", "0").replace("0.134", "0")
     .replace("0.256", "0"), ("distance", "'rel'", "abs")),
    ("csv-no-fit-year-rows", GOOD_CSV.replace("2020", "2016").replace("2021", "2017")
     .replace("2022", "2018"), ("fit_years",)),
]

# (id, extra arguments, names); the config itself is good
ARG_CASES: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("arg-population-size-zero", ["--population-size", "0"], ("--population-size", "0")),
    ("arg-population-size-text", ["--population-size", "ten"], ("--population-size", "ten")),
    ("arg-population-size-huge", ["--population-size", "10000000"], ("--population-size",)),
    ("arg-generations-zero", ["--generations", "0"], ("--generations", "0")),
    ("arg-generations-float", ["--generations", "2.5"], ("--generations", "2.5")),
    ("arg-trials-negative", ["--trials", "-3"], ("--trials", "-3")),
    ("arg-scale-inf", ["--scale", "inf"], ("--scale", "inf")),
    ("arg-scale-nan", ["--scale", "nan"], ("--scale", "nan")),
    ("arg-scale-negative", ["--scale", "-5"], ("--scale", "-5")),
    ("arg-scale-text", ["--scale", "coarse"], ("--scale", "coarse")),
    ("arg-seeds-text", ["--seeds", "a,b"], ("--seeds", "a,b")),
    ("arg-seeds-negative", ["--seeds", "-1"], ("--seeds", "-1")),
    ("arg-seeds-duplicate", ["--seeds", "2,2"], ("--seeds", "twice")),
    ("arg-seeds-empty", ["--seeds", ""], ("--seeds",)),
    ("arg-method-unknown", ["--method", "grid"], ("--method", "grid")),
    ("arg-unknown-option", ["--colour", "red"], ("--colour",)),
]

# (id, extra arguments, names) that only `run` takes
RUN_ARG_CASES: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("run-workers-zero", ["--workers", "0"], ("--workers", "0")),
    ("run-workers-text", ["--workers", "two"], ("--workers", "two")),
    ("run-out-is-a-file", ["--out", "a-file"], ("--out", "a-file")),
    ("run-out-under-a-file", ["--out", "a-file/sub"], ("--out", "a-file")),
    ("run-out-empty", ["--out", ""], ("--out",)),
    ("run-folder-is-a-file", ["--out", "occupied"], ("--out", "tiny")),
    ("run-foreign-database", ["--out", "foreign"], ("--out", "abc.db", "--fresh")),
    ("run-other-config-run", ["--out", "other-run"], ("--out", "config hash", "--fresh")),
    ("run-unreadable-record", ["--out", "broken-record"], ("--out", "run.json", "--fresh")),
    ("run-folder-busy", ["--out", "busy"], ("in use", "busy")),
    ("run-folder-symlink-out", ["--out", "linked"], ("tiny", "leave")),
    ("run-scheduler-not-an-address", ["--scheduler", "my laptop"],
     ("--scheduler", "my laptop")),
]


def config_file(case_id: str) -> str:
    """A neutral file name, so a message cannot name a field merely by naming the file."""
    return f"c{[c for c, _, _ in CONFIG_CASES].index(case_id):03d}.toml"


def csv_file(case_id: str) -> str:
    """A neutral path for a CSV case: ``csv/<number>/observed.csv``."""
    return f"csv/{[c for c, _, _ in CSV_CASES].index(case_id):03d}/observed.csv"


@pytest.fixture
def inputs(workdir):
    """Write every bad config and CSV (and occupied output folders) into the working folder."""
    (workdir / "good.toml").write_text(to_toml(BASE))
    for case_id, tree, _ in CONFIG_CASES:
        text = tree if isinstance(tree, str) else to_toml(tree)
        (workdir / config_file(case_id)).write_text(text)
    for case_id, text, _ in CSV_CASES:
        path = workdir / csv_file(case_id)
        path.parent.mkdir(parents=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    (workdir / "latin1.toml").write_bytes(to_toml(BASE).replace("tiny", "tïny").encode("latin-1"))
    (workdir / "a-file").write_text("not a folder\n")
    (workdir / "occupied").mkdir()
    (workdir / "occupied" / "tiny").write_text("a file where the run folder would go\n")
    (workdir / "foreign" / "tiny").mkdir(parents=True)
    (workdir / "foreign" / "tiny" / "abc.db").write_bytes(b"someone else's database")
    (workdir / "other-run" / "tiny").mkdir(parents=True)
    (workdir / "other-run" / "tiny" / "run.json").write_text(
        '{"identity": "0123", "config_hash": "abcd", "code_version": "old", "method": "abc"}')
    (workdir / "other-run" / "tiny" / "abc.db").write_bytes(b"db")
    (workdir / "broken-record" / "tiny").mkdir(parents=True)
    (workdir / "broken-record" / "tiny" / "run.json").write_text("{not json")
    (workdir / "linked").mkdir()
    (workdir / "linked" / "tiny").symlink_to(workdir / "foreign")
    (workdir / "busy" / "tiny").mkdir(parents=True)
    (workdir / "busy" / "tiny" / ".lock").write_text("")
    return workdir


COMMANDS = ("run", "validate")


def refuse(argv: list[str], names: tuple[str, ...] | list[str]) -> None:
    assert_refused(call(main, argv), *names)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("case_id", "names"), [(c, n) for c, _, n in CONFIG_CASES],
                         ids=[c for c, _, _ in CONFIG_CASES])
def test_bad_config_is_refused(inputs, unchanged, command, case_id, names):
    refuse([command, config_file(case_id), *(["--in-process"] if command == "run" else [])],
           [*names, config_file(case_id)])


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("case_id", "names"), [(c, n) for c, _, n in CSV_CASES],
                         ids=[c for c, _, _ in CSV_CASES])
def test_bad_observed_data_is_refused(inputs, unchanged, command, case_id, names):
    argv = [command, "good.toml", "--observed", csv_file(case_id)]
    refuse(argv + (["--in-process"] if command == "run" else []), names)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("case_id", "extra", "names"), ARG_CASES,
                         ids=[c for c, _, _ in ARG_CASES])
def test_bad_argument_is_refused(inputs, unchanged, command, case_id, extra, names):
    refuse([command, "good.toml", *extra, *(["--in-process"] if command == "run" else [])],
           names)


@pytest.mark.parametrize(("case_id", "extra", "names"), RUN_ARG_CASES,
                         ids=[c for c, _, _ in RUN_ARG_CASES])
def test_bad_run_argument_or_folder_is_refused(inputs, unchanged, case_id, extra, names):
    if case_id == "run-folder-busy":
        from abm.files import folder_lock

        with folder_lock(inputs / "busy" / "tiny"):
            refuse(["run", "good.toml", "--in-process", *extra], names)
        return
    refuse(["run", "good.toml", "--in-process", *extra], names)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("case_id", "config", "names"), [
    ("config-is-folder", "csv", ("csv", "folder")),
    ("config-is-device", "/dev/zero", ("/dev/zero", "regular file")),
    ("config-not-found", "no-such-config", ("no-such-config", "not found")),
    ("config-not-utf8", "latin1.toml", ("latin1.toml", "utf-8")),
    ("observed-is-device", "good.toml --observed /dev/zero", ("/dev/zero",)),
    ("observed-is-folder", "good.toml --observed csv", ("csv", "folder")),
], ids=lambda v: v if isinstance(v, str) and " " not in v and "/" not in v else None)
def test_bad_file_is_refused(inputs, unchanged, command, case_id, config, names):
    refuse([command, *config.split(), *(["--in-process"] if command == "run" else [])], names)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_out_is_refused(inputs, unchanged):
    locked = inputs / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        refuse(["run", "good.toml", "--in-process", "--out", "locked"], ("--out", "locked"))
    finally:
        locked.chmod(0o700)


def test_refused_runs_leave_the_foreign_database_intact(inputs):
    before = (inputs / "foreign" / "tiny" / "abc.db").read_bytes()
    outcome = call(main, ["run", "good.toml", "--in-process", "--out", "foreign"])
    assert outcome.code == 2
    assert (inputs / "foreign" / "tiny" / "abc.db").read_bytes() == before
    assert sorted(p.name for p in (inputs / "foreign").iterdir()) == ["tiny"]


@pytest.mark.parametrize(("argv", "names"), [
    (["--scale", "0"], ("--scale", "'0'", "allowed")),
    (["--scale", "big"], ("--scale", "'big'", "allowed")),
    (["--seeds", "1,x"], ("--seeds", "'1,x'", "whole")),
    (["--fit", "missing.toml"], ("missing.toml",)),
])
def test_transport_checks_refuse_bad_arguments(unchanged, argv, names):
    from calibration.transport_checks import main as checks_main

    assert_refused(call(checks_main, argv), *names)
