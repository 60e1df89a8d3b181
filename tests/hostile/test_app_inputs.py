"""Hostile values typed into the app: refused with a message naming the field; nothing runs.

The app checks a request with :func:`webapp.ui.check_request` (the levers' draft through
:func:`webapp.levers.field_errors` and :func:`webapp.levers.build_scenario`, the run inputs
through :func:`webapp.ui.run_config` and :meth:`webapp.runner.RunConfig.problems`) and runs
only when there is no problem. Each case changes one value of a valid request and asserts that
the request is refused (no scenario, no config), that a message names the field and, where
given, the value, that nothing raises, and that no file is written (``unchanged``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from abm.params import parameter_table
from abm.scenario import load_scenario
from webapp import levers, ui

VALID_INPUTS = {"scale": "500", "seed": "0", "n_seeds": "1", "end_year": "2030"}
PV, PV_LABEL = "PV capital subsidy", "Subsidy per watt installed"


@pytest.fixture(scope="module")
def plan_draft() -> dict[str, Any]:
    """The plan as the app's editable draft."""
    return levers.draft_from_scenario(load_scenario("plan"))


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch):
    """A refused request must never start a run."""
    def refuse(*args, **kwargs):
        raise AssertionError("a run was started for refused input")
    monkeypatch.setattr(ui, "run_set", refuse)


def _pv(draft: dict[str, Any]) -> int:
    return next(i for i, p in enumerate(draft["policies"]) if p["kind"] == "pv_subsidy")


def level(value: Any) -> Callable[[dict], dict]:
    """Set the PV subsidy's level."""
    return lambda d: levers.with_policy_value(d, _pv(d), "level", value)


def year(which: str, value: Any) -> Callable[[dict], dict]:
    """Set the PV subsidy's start or end year."""
    return lambda d: levers.with_policy_value(d, _pv(d), which, value)


def param(key: str, value: Any) -> Callable[[dict], dict]:
    """Set a parameter override directly (as a stale or hand-made draft could hold it)."""
    def change(draft: dict) -> dict:
        out = copy.deepcopy(draft)
        out["parameters"][key] = value
        return out
    return change


def name(value: Any) -> Callable[[dict], dict]:
    """Set the scenario name."""
    return lambda d: {**copy.deepcopy(d), "name": value}


def kind(value: Any) -> Callable[[dict], dict]:
    """Change the PV subsidy's kind."""
    def change(draft: dict) -> dict:
        out = copy.deepcopy(draft)
        out["policies"][_pv(out)]["kind"] = value
        return out
    return change


def overlap(draft: dict) -> dict:
    """Add a second PV subsidy for the same group in the same years."""
    out = copy.deepcopy(draft)
    out["policies"].append(copy.deepcopy(out["policies"][_pv(out)]))
    return out


def _label(key: str) -> str:
    return parameter_table()[key].label_en


DRAFT_CASES: list[tuple[str, Callable[[dict], dict], str, tuple[str, ...]]] = [
    # (id, change, the input's id in field_errors ("" if only build_scenario finds it), names)
    ("level_nan", level(float("nan")), "level", (PV, PV_LABEL, "not a number")),
    ("level_inf", level(float("inf")), "level", (PV, PV_LABEL, "not a number")),
    ("level_minus_inf", level(float("-inf")), "level", (PV, PV_LABEL, "not a number")),
    ("level_negative", level(-0.5), "level", (PV, PV_LABEL, "-0.5", "out of range")),
    ("level_too_big", level(99.0), "level", (PV, PV_LABEL, "99", "0 to 3 CNY/W")),
    ("level_text", level("abc"), "level", (PV, PV_LABEL, "not a number")),
    ("level_none", level(None), "level", (PV, PV_LABEL, "not a number")),
    ("level_bool", level(True), "level", (PV, PV_LABEL, "not a number")),
    ("level_huge_int", level(10**400), "level", (PV, PV_LABEL, "not a number")),
    ("level_list", level([1.0]), "level", (PV, PV_LABEL, "not a number")),
    ("start_fraction", year("start", 2025.5), "start", (PV, "start year", "2025.5")),
    ("start_float", year("start", 2025.0), "start", (PV, "start year", "2025.0")),
    ("start_nan", year("start", float("nan")), "start", (PV, "start year", "nan")),
    ("start_inf", year("start", float("inf")), "start", (PV, "start year", "inf")),
    ("start_text", year("start", "2025"), "start", (PV, "start year", "'2025'")),
    ("start_bool", year("start", True), "start", (PV, "start year", "True")),
    ("start_too_early", year("start", 2019), "start", (PV, "start year", "2019", "2020")),
    ("end_too_late", year("end", 2061), "end", (PV, "end year", "2061", "2060")),
    ("end_before_start", year("end", 2020), "years", (PV, "2020", "empty span")),
    ("name_empty", name(""), "name", ("scenario name",)),
    ("name_path", name("../.."), "name", ("scenario name",)),
    ("name_slashes", name("///"), "name", ("scenario name",)),
    ("name_none", name(None), "name", ("scenario name",)),
    ("name_number", name(3), "name", ("scenario name",)),
    ("name_newline", name("a\nb"), "name", ("scenario name", "one line")),
    ("name_too_long", name("n" * 500), "name", ("scenario name", "200")),
    ("param_unknown", param("grid.nothing", 1.0), "param:grid.nothing", ("grid.nothing",)),
    ("param_nan", param("grid.factor_floor", float("nan")), "param:grid.factor_floor",
     (_label("grid.factor_floor"), "not a number")),
    ("param_inf", param("grid.factor_floor", float("inf")), "param:grid.factor_floor",
     (_label("grid.factor_floor"), "not a number")),
    ("param_text", param("grid.factor_floor", "low"), "param:grid.factor_floor",
     (_label("grid.factor_floor"), "not a number")),
    ("param_none", param("grid.factor_floor", None), "param:grid.factor_floor",
     (_label("grid.factor_floor"), "not a number")),
    ("param_out_of_range", param("grid.factor_floor", 7.0), "param:grid.factor_floor",
     (_label("grid.factor_floor"), "7", "out of range")),
    ("param_int_fraction", param("behaviour.network_degree", 6.5),
     "param:behaviour.network_degree", (_label("behaviour.network_degree"), "6.5",
                                        "whole number")),
    ("param_int_inf", param("behaviour.network_degree", float("inf")),
     "param:behaviour.network_degree", (_label("behaviour.network_degree"), "not a number")),
    ("first_year_out_of_range", param("run.start_year", 2035), "param:run.start_year",
     (_label("run.start_year"), "2035")),
    ("first_year_nan", param("run.start_year", float("nan")), "param:run.start_year",
     (_label("run.start_year"), "not a number")),
    ("policy_kind_unknown", kind("solar_magic"), "kind", ("solar_magic", "unknown")),
    ("policy_kind_list", kind(["pv_subsidy"]), "kind", ("['pv_subsidy']", "unknown")),
    ("policies_overlap", overlap, "", ("overlap",)),
]

RUN_CASES: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
    ("scale_nan", {"scale": "nan"}, ("Scale", "'nan'")),
    ("scale_inf", {"scale": "inf"}, ("Scale", "'inf'")),
    ("scale_1e309", {"scale": "1e309"}, ("Scale", "'1e309'")),
    ("scale_negative", {"scale": "-1"}, ("Scale", "-1", "out of range")),
    ("scale_zero", {"scale": "0"}, ("Scale", "0", "out of range")),
    ("scale_too_big", {"scale": "200000"}, ("Scale", "200000", "out of range")),
    ("scale_text", {"scale": "big"}, ("Scale", "'big'")),
    ("scale_empty", {"scale": ""}, ("Scale", "not a number")),
    ("seed_negative", {"seed": "-1"}, ("Seed", "-1", "negative")),
    ("seed_fraction", {"seed": "1.5"}, ("Seed", "'1.5'")),
    ("seed_nan", {"seed": "nan"}, ("Seed", "'nan'")),
    ("seed_too_large", {"seed": "1e30"}, ("Seed", "too large")),
    ("seed_plus_seeds_too_large", {"seed": str(2**63 - 1), "n_seeds": "2"},
     ("Seed", "too large")),
    ("n_seeds_zero", {"n_seeds": "0"}, ("Number of seeds", "0")),
    ("n_seeds_too_many", {"n_seeds": "11"}, ("Number of seeds", "11")),
    ("n_seeds_fraction", {"n_seeds": "2.5"}, ("Number of seeds", "'2.5'")),
    ("end_year_early", {"end_year": "2019"}, ("Last year", "2019")),
    ("end_year_late", {"end_year": "2061"}, ("Last year", "2061")),
    ("end_year_fraction", {"end_year": "2030.5"}, ("Last year", "'2030.5'")),
    ("end_year_inf", {"end_year": "inf"}, ("Last year", "'inf'")),
    ("end_year_empty", {"end_year": ""}, ("Last year", "whole number")),
    ("against_unknown", {"against": "nowhere"}, ("Compare against", "'nowhere'", "history")),
    ("bands_unknown", {"bands": "posterior!"}, ("Bands", "'posterior!'", "calibration")),
    ("bands_empty", {"bands": ""}, ("Bands", "''", "seeds")),
]


def _session(draft: dict[str, Any], inputs: dict[str, str]) -> SimpleNamespace:
    """What :func:`webapp.ui.check_request` reads of a page session."""
    return SimpleNamespace(draft=SimpleNamespace(value=draft),
                           inputs=SimpleNamespace(value=inputs))


def _assert_refused(draft: dict[str, Any], inputs: dict[str, str], names: tuple[str, ...]
                    ) -> list[str]:
    session = _session(draft, inputs)
    assert ui.current_request(session) == (None, None), "the app would run this request"
    scenario, _, problems = ui.check_request(session)
    assert scenario is None or problems
    text = " ".join(problems)
    for expected in names:
        assert expected.lower() in text.lower(), f"{expected!r} not named in: {problems}"
    return problems


def test_the_valid_request_runs(plan_draft):
    scenario, config, problems = ui.check_request(_session(plan_draft, VALID_INPUTS))
    assert problems == [] and scenario is not None and config is not None


@pytest.mark.parametrize(("change", "field", "names"), [c[1:] for c in DRAFT_CASES],
                         ids=[c[0] for c in DRAFT_CASES])
def test_bad_lever_is_refused(change, field, names, plan_draft, unchanged):
    draft = change(plan_draft)
    errors = levers.field_errors(draft)
    if field:
        key = field if ":" in field or field == "name" else f"policy:{_pv(plan_draft)}:{field}"
        assert key in errors, errors
        for expected in names:
            assert expected.lower() in errors[key].lower(), (expected, errors[key])
    _assert_refused(draft, VALID_INPUTS, names)


@pytest.mark.parametrize(("change", "names"), [c[1:] for c in RUN_CASES],
                         ids=[c[0] for c in RUN_CASES])
def test_bad_run_input_is_refused(change, names, plan_draft, unchanged):
    _assert_refused(plan_draft, {**VALID_INPUTS, **change}, names)


def test_last_year_before_first_year_is_refused(plan_draft, unchanged):
    draft = levers.with_parameter(plan_draft, "run.start_year", 2030)
    _assert_refused(draft, {**VALID_INPUTS, "end_year": "2025"}, ("2030", "2025", "empty span"))


def test_app_file_name_is_the_cli_rule():
    from abm import files

    assert levers.safe_name("../../etc/x") == files.safe_name("../../etc/x") == "etc_x"
    assert levers.safe_name("///") == "" and levers.safe_name(None) == ""
    assert levers.safe_name("plan v2") == "plan_v2"
