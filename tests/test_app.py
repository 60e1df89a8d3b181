"""The app's pieces without a browser: levers from the declarations, drafts, runs, charts."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import app
from abm.params import ParameterError, parameter_table
from abm.policies import POLICY_TYPES
from abm.results import write_results
from abm.scenario import Scenario, available_scenarios, load_scenario
from abm.simulate import simulate
from webapp import figures, i18n, levers
from webapp.runner import RunConfig, run_set
from webapp.ui import headline_html, parse_int, parse_number, run_config


def test_page_is_a_component():
    assert callable(app.Page)


def test_every_policy_kind_is_in_exactly_one_group():
    kinds = [kind for group in levers.lever_groups() for kind in group.kinds]
    assert sorted(kinds) == sorted(POLICY_TYPES)
    assert len(kinds) == len(set(kinds))


def test_group_parameters_come_from_the_parameter_table():
    table = parameter_table()
    grid = next(g for g in levers.lever_groups() if g.key == "grid")
    specs = levers.group_parameters(grid)
    assert {s.key for s in specs} == {k for k in table if k.startswith("grid.")}
    assert all(s is table[s.key] for s in specs)


def test_every_label_has_a_translation():
    for group in levers.lever_groups():
        assert i18n.tr(group.key, "zh") != group.key
    for kind, cls in POLICY_TYPES.items():
        assert i18n.policy_label(cls, "zh") != cls.label
        for name, spec in cls.fields.items():
            assert i18n.field_label(kind, name, spec.label, "zh") != spec.label


@pytest.mark.parametrize("name", available_scenarios())
def test_draft_round_trips_through_toml(name, tmp_path):
    scenario = load_scenario(name)
    draft = levers.draft_from_scenario(scenario)
    assert levers.field_errors(draft) == {}
    path = tmp_path / f"{name}.toml"
    path.write_text(levers.scenario_toml(draft))
    again = load_scenario(path)
    assert again.params.overrides == scenario.params.overrides
    assert [p.to_toml_table() for p in again.policies] == \
        [p.to_toml_table() for p in scenario.policies]


def test_changed_lever_and_added_policy_reach_the_scenario(tmp_path):
    draft = levers.draft_from_scenario(load_scenario("baseline"))
    draft = levers.with_parameter(draft, "grid.decline_after_2023", 0.05)
    draft["policies"].append(levers.new_policy(draft, "pv_subsidy", {"group": "firm"}))
    draft = levers.with_policy_value(draft, len(draft["policies"]) - 1, "level", 0.7)
    scenario = levers.build_scenario(draft)
    assert scenario.params["grid.decline_after_2023"] == 0.05
    added = scenario.policies[-1]
    assert (added.kind, added.choice, added.levels["level"]) == ("pv_subsidy",
                                                                 {"group": "firm"}, 0.7)
    # a second one of the same kind and option follows the first instead of overlapping
    draft["policies"].append(levers.new_policy(draft, "pv_subsidy", {"group": "firm"}))
    levers.build_scenario(draft)


def test_bad_inputs_give_messages():
    draft = levers.draft_from_scenario(load_scenario("plan"))
    pv = next(i for i, p in enumerate(draft["policies"]) if p["kind"] == "pv_subsidy")
    bad = levers.with_policy_value(draft, pv, "level", 99.0)
    assert "out of range; allowed 0 to 3 CNY/W" in levers.field_errors(bad)[f"policy:{pv}:level"]
    bad = levers.with_policy_value(draft, pv, "level", "abc")
    assert "not a number" in levers.field_errors(bad)[f"policy:{pv}:level"]
    bad = levers.with_policy_value(draft, pv, "end", 2020)
    assert "empty span" in levers.field_errors(bad)[f"policy:{pv}:years"]
    bad = levers.with_parameter(draft, "grid.factor_floor", 7.0)
    assert "out of range" in levers.field_errors(bad)["param:grid.factor_floor"]
    with pytest.raises(ParameterError):
        levers.build_scenario(bad)
    overlap = levers.draft_from_scenario(load_scenario("plan"))
    overlap["policies"].append(dict(overlap["policies"][0]))
    with pytest.raises(ParameterError, match="overlap"):
        levers.build_scenario(overlap)


def test_run_inputs_are_checked():
    assert parse_number("1,000") == 1000.0 and parse_number("x") == "x"
    # a decimal comma is a decimal point, never a thousands separator ("0,5" was read as 5)
    assert parse_number("0,5") == 0.5 and parse_number("1,25") == 1.25
    assert parse_number("０．５") == 0.5 and parse_number("12,500.5") == 12500.5
    assert parse_number("1,2,3") == "1,2,3"
    assert parse_int("2030") == 2030 and parse_int("2030.5") == "2030.5"
    ok = {"scale": "500", "seed": "1", "n_seeds": "2", "end_year": "2030"}
    config, problems = run_config(ok, 2020)
    assert problems == [] and config.seeds == [1, 2]
    _, problems = run_config({**ok, "end_year": "2019"}, 2020)
    assert any("empty span" in p for p in problems)
    _, problems = run_config({**ok, "scale": "0"}, 2020)
    assert any("Scale 0 is out of range" in p for p in problems)
    _, problems = run_config({**ok, "seed": "one"}, 2020)
    assert problems == ["Seed: 'one' is not a whole number."]


def test_run_set_csv_matches_the_cli_path(tmp_path):
    config = RunConfig(scale=2000, seed=4, n_seeds=1, end_year=2024)
    shares = []
    runs = run_set(load_scenario("plan"), config, progress=shares.append)
    assert shares[-1] == 1.0
    reference = simulate("plan", scale=2000, seed=4, end_year=2024)
    paths = write_results(reference.model, tmp_path)
    from io import StringIO

    app_csv = pd.read_csv(StringIO(runs.annual_csv()))
    pd.testing.assert_frame_equal(app_csv, pd.read_csv(paths["annual.csv"]))
    head = runs.headline()
    assert head["abated_mt"] > 0 and math.isfinite(head["cny_per_t"])
    assert runs.runs[0].agents is not None and set(runs.runs[0].agents["district"]) == {
        "PJ", "JH", "XH", "HS", "TS", "KP", "EP"}


def test_run_set_reuses_baselines_and_stops_when_asked():
    cache: dict = {}
    config = RunConfig(scale=2000, seed=0, n_seeds=2, end_year=2022)
    first = run_set(load_scenario("plan"), config, baseline_cache=cache)
    baselines = [key for key in cache if key[0] != "accounting"]
    assert len(baselines) == 2 and len(first.runs) == 2
    second = run_set(load_scenario("plan"), config, baseline_cache=cache)
    assert second.baselines[0] is first.baselines[0]
    # the cost accounting's extra runs (exogenous, regulation, two lifetime runs) are reused
    # (nan-aware: a cost per tonne is nan when a coarse short run abates nothing)
    np.testing.assert_equal(dataclasses.asdict(second.accounting),
                            dataclasses.asdict(first.accounting))
    from webapp.runner import RunCancelled, clear_caches

    clear_caches()  # the server keeps finished runs: a kept run has nothing to stop
    with pytest.raises(RunCancelled):
        run_set(load_scenario("plan"), config, should_stop=lambda: True)
    with pytest.raises(ValueError, match="empty span"):
        run_set(load_scenario("plan"), RunConfig(scale=2000, start_year=2025, end_year=2022))


def test_the_page_shows_cost_per_tonne_of_paid_levers_with_its_definition():
    runs = run_set(load_scenario("plan"), RunConfig(scale=2000, end_year=2030))
    acc = runs.accounting
    assert acc is not None and acc.exogenous_mt > 0
    head = runs.headline()
    assert head["cny_per_t"] == pytest.approx(acc.cny_per_t_paid)
    assert head["cny_per_t"] != pytest.approx(acc.extra_spending_mcny / acc.abated_mt)
    for lang, words in (("en", "extra public spending over the baseline"),
                        ("zh", "相对基准增加的财政支出")):
        session = SimpleNamespace(t=lambda key, lang=lang: i18n.tr(key, lang))
        page = headline_html(session, runs)
        assert words in page and f"{acc.paid_mt:.1f}" in page


@pytest.fixture(scope="module")
def two_seeds():
    runs = run_set(load_scenario("plan"), RunConfig(scale=2000, n_seeds=2, end_year=2023))
    runs.number = 1
    runs.draft = levers.draft_from_scenario(load_scenario("plan"))
    return runs


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_draw_with_whole_years_and_one_legend_entry_each(lang, two_seeds):
    runs = two_seeds
    sample = runs.runs[0].agents.query("district == 'TS'")
    figs = [figures.emissions_figure(runs, lang), figures.adoption_figure(runs, lang),
            figures.map_figure(runs, lang, 2022, "change"),
            figures.district_sectors_figure(runs, lang, 2022), figures.cost_figure(runs, lang),
            figures.compare_figure([runs, runs], ["a", "b"], lang),
            figures.agents_figure(sample, lang)]
    for fig in figs:
        shown = [t.name for t in fig.data if t.showlegend is not False and t.name]
        assert len(shown) == len(set(shown)), shown  # no duplicate legend entries
        legend = fig.layout.legend
        assert legend.y is None or legend.y < 0  # below the plot, never over the data
        assert b"plotly" in figures.html_export(fig)[:5000].lower()
    for fig in (figs[0], figs[1], figs[5]):
        for axis in fig.select_xaxes():
            assert axis.tickformat == "d" and axis.dtick in (1, 5)  # no 2022.5
    map_fig = figs[2]
    assert {t.name for t in map_fig.data} == {i18n.district_label(c, lang)
                                              for c in ("PJ", "JH", "XH", "TS", "KP", "HS",
                                                        "EP")}
    if lang == "zh":
        legend_names = " ".join(t.name or "" for f in figs for t in f.data)
        assert "household" not in legend_names and "baseline" not in legend_names


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nev_panels_show_what_happened(lang, two_seeds):
    """The three NEV-share panels carry China's observed series (data/observed, in %) inside
    the run's years, hover naming the series; no other panel has observed points."""
    from abm.observed import load_observed, observed_series

    fig = figures.adoption_figure(two_seeds, lang)
    observed = [t for t in fig.data if t.legendgroup == "observed"]
    assert len(observed) == 3
    assert sum(t.showlegend is not False for t in observed) == 1
    table = load_observed()
    for trace, series in zip(observed, ("nev_share_retail_passenger", "nev_share_registrations",
                                        "nev_share_stock"), strict=True):
        expected = observed_series(table, series, "China").loc[2020:2023] * 100
        assert list(trace.x) == list(expected.index)
        assert list(trace.y) == pytest.approx(list(expected))
    cars = observed[0]
    assert ("CPCA" if lang == "en" else "乘联会") in cars.hovertemplate
    assert list(cars.y) == pytest.approx([5.8, 14.8, 27.6, 35.7])  # CPCA, widely reported
    axes = {(t.xaxis, t.yaxis) for t in observed}
    assert axes == {("x", "y"), ("x2", "y2"), ("x3", "y3")}  # the first three panels


def test_observed_points_stay_inside_the_run_and_survive_a_bad_table(monkeypatch, tmp_path,
                                                                     caplog):
    from abm import charts

    points = charts.observed_points("nev_share_sales", "China", [2020, 2021, 2022])
    assert list(points.index) == [2020, 2021, 2022]
    assert charts.observed_points("no_such_series", "China", [2020, 2030]).empty
    bad = tmp_path / "observed.csv"
    bad.write_text("series,region,year,value,unit,source\nnev_share_sales,China,20x0,0.1,1,s\n")
    monkeypatch.setattr("abm.observed.OBSERVED_PATH", bad)
    charts._observed_table.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="abm.charts"):
            assert charts.observed_points("nev_share_sales", "China", [2020, 2030]).empty
        assert "observed data not drawn" in caplog.text and "'20x0'" in caplog.text
    finally:
        charts._observed_table.cache_clear()


def test_page_series_and_headline_are_the_engines(two_seeds):
    """The page's per-run series and headline (read through NumPy, kept with the run) are
    exactly what :mod:`abm.headline` gives from the run's summary."""
    from abm.headline import headline as engine_headline
    from abm.headline import series as engine_series

    run = two_seeds.runs[0]
    for metric in run.summary["metric"].unique():
        expected = engine_series(run.summary, metric)
        for _ in range(2):  # computed, then kept
            got = run.series(metric)
            pd.testing.assert_series_equal(got, expected)
    got.iloc[0] = -1.0  # a caller's change does not reach the kept series
    assert run.series(metric).iloc[0] == expected.iloc[0]
    assert run.headline_numbers() == pytest.approx(engine_headline(run.summary, run.targets),
                                                   rel=0, abs=0, nan_ok=True)


def test_plotly_json_of_a_figure_is_made_once(two_seeds):
    fig = figures.emissions_figure(two_seeds, "en")
    spec = figures.figure_json(fig)
    assert figures.figure_json(fig) is spec
    assert b"plotly" in figures.html_from_json(spec)[:5000].lower()
    assert figures.chart(two_seeds, "emissions", "en", lambda: fig) is \
        figures.chart(two_seeds, "emissions", "en", lambda: None)


def test_agent_sample_made_when_asked_is_the_runs():
    """The page runs without the agent sample; asked for later, it is the run's own."""
    from webapp.runner import agents_of, clear_caches

    config = RunConfig(scale=3000, end_year=2022)
    clear_caches()
    lazy = run_set(load_scenario("plan"), config, with_accounting=False, with_agents=False)
    assert lazy.runs[0].agents is None
    later = agents_of(lazy)  # runs the seed again, with its agents
    clear_caches()
    eager = run_set(load_scenario("plan"), config, with_accounting=False)
    pd.testing.assert_frame_equal(later, eager.runs[0].agents)
    assert agents_of(eager) is eager.runs[0].agents


def test_figures_are_cached_with_their_run(two_seeds):
    made = []
    first = figures.cached(two_seeds, "x", "en", lambda: made.append(1) or "fig")
    again = figures.cached(two_seeds, "x", "en", lambda: made.append(1) or "other")
    assert first == again == "fig" and made == [1]


def test_runs_kept_by_the_server_are_the_same_runs():
    """A run asked for again (a lever put back, another session's baseline) comes from the
    server's cache under its identity, equal to a fresh run of the same content."""
    from webapp.runner import clear_caches, run_one

    config = RunConfig(scale=3000, end_year=2022)
    plan = load_scenario("plan")
    first = run_one(plan, config, 0)
    assert run_one(plan, config, 0) is first
    renamed = Scenario("other-name", plan.params, plan.fresh_policies(), "")
    again = run_one(renamed, config, 0, keep_agents=False)
    assert again.scenario == "other-name" and again.agents is None
    pd.testing.assert_frame_equal(again.summary, first.summary)
    clear_caches()
    fresh = run_one(plan, config, 0)
    assert fresh is not first
    pd.testing.assert_frame_equal(fresh.summary, first.summary)
    pd.testing.assert_frame_equal(fresh.agents, first.agents)
    other_seed = run_one(plan, config, 1, keep_agents=False)
    assert not other_seed.summary.equals(first.summary)


def test_district_adoption_is_what_the_agents_see_and_the_map_draws_it():
    """Year-end district shares of each technology; the last one is the model's own
    visibility after its last month (the same declared numerators and denominators)."""
    from abm.groups import REGISTRY, TECHNOLOGY_ROWS
    from webapp.runner import district_adoption

    run = simulate("plan", scale=3000, seed=0, end_year=2023)
    shares = district_adoption(run.model)
    assert set(shares) == set(figures.MAP_TECHNOLOGIES)
    for name, group in REGISTRY.items():
        for row, tech in enumerate(group.technologies, TECHNOLOGY_ROWS[name].start):
            table = shares[tech.name]
            assert table.shape == (4, 7) and ((table >= 0) & (table <= 1)).all()
            np.testing.assert_allclose(table[-1], run.model.visibility[row])
    runs = run_set(load_scenario("plan"), RunConfig(scale=3000, end_year=2023))
    for lang in ("en", "zh"):
        fig = figures.map_figure(runs, lang, 2023, "adoption", "vehicle_ev")
        assert i18n.tr("tech_vehicle_ev", lang) in fig.layout.title.text
        assert len({t.fillcolor for t in fig.data}) > 1
    expected = 100 * runs.runs[0].adoption["household_pv"][-1]
    np.testing.assert_allclose(figures.district_adoption_share(runs, 2023, "household_pv"),
                               expected)
    with pytest.raises(ValueError, match="technology"):
        figures.map_figure(runs, "en", 2023, "adoption", "rockets")


def test_accounting_can_follow_the_charts():
    from webapp.runner import add_accounting

    partial = run_set(load_scenario("plan"), RunConfig(scale=3000, end_year=2023),
                      with_accounting=False)
    assert partial.pending and partial.accounting is None
    done = add_accounting(partial)
    assert not done.pending and done.accounting is not None and partial.pending
    assert done.extras is partial.extras and done.runs is partial.runs
    full = run_set(load_scenario("plan"), RunConfig(scale=3000, end_year=2023))
    np.testing.assert_equal(dataclasses.asdict(full.accounting),
                            dataclasses.asdict(done.accounting))


def test_instant_preview_is_coarser_and_one_seed():
    from webapp.runner import INSTANT_SCALE, instant_config

    coarse = instant_config(RunConfig(scale=50, n_seeds=3))
    assert coarse.scale == INSTANT_SCALE and coarse.n_seeds == 1
    assert instant_config(RunConfig(scale=1000)).scale == 1000


def test_charts_come_before_the_cost_accounting():
    shown = []
    runs = run_set(load_scenario("plan"), RunConfig(scale=3000, end_year=2023),
                   on_ready=shown.append)
    assert len(shown) == 1 and shown[0].pending and shown[0].accounting is None
    assert shown[0].extras is runs.extras and not runs.pending and runs.accounting is not None
    assert shown[0].runs is runs.runs


def test_levers_are_run_ahead_of_run_and_never_shown_stale(monkeypatch):
    """A lever change runs the levers ahead of *Run* (webapp.ui.prerun); *Run* takes that run
    only for the same levers and config, once; newer levers or a click first stop it."""
    from webapp import state, ui

    monkeypatch.setattr(ui, "PRERUN_DELAY", 0.0)
    s = ui.new_session(ui.initial_state(None, None))
    s.inputs.value = {**s.inputs.value, "scale": "3000", "end_year": "2023"}
    scenario, config, problems = ui.checked_request(s)
    assert not problems
    key = state.request_key(s.draft.value, s.inputs.value)
    ui.stop_prerun(s)
    ui.prerun(s, key, scenario, config, s.prepared[1])
    assert ui.prepared_runs(s, key + "x", config) is None  # other levers: not theirs
    runs = ui.prepared_runs(s, key, config)
    assert runs is not None and runs.scenario == scenario and runs.config == config
    assert ("emissions", s.lang.value) in runs.extras["figures"]  # its chart is made too
    assert ui.prepared_runs(s, key, config) is None  # used once
    generation = s.prepared[1]
    ui.stop_prerun(s)  # the levers changed while it would run: nothing is kept
    ui.prerun(s, key, scenario, config, generation)
    assert s.prepared[0] is None
    ui.stop_prerun(s)
    s.prepared[2] = s.prepared[1]  # Run was pressed before it started: it stays off
    ui.prerun(s, key, scenario, config, s.prepared[1])
    assert s.prepared[0] is None


def test_replaced_edits_can_be_undone():
    """A scenario switch, *Reset* or import that replaces edited levers keeps them for *Undo*
    (webapp.ui.replace_levers); levers without edits leave nothing to undo."""
    from webapp import state, ui

    s = ui.new_session(ui.initial_state(None, None))
    ui.pick_scenario(s, "baseline")
    assert s.undo.value is None  # the plan's levers had no edits
    draft = levers.draft_from_scenario(load_scenario("baseline"))
    index = next(i for i, p in enumerate(draft["policies"]) if p["kind"] == "carbon_price")
    edited = levers.with_policy_value(draft, index, "level", 77.0)
    s.draft.value = edited
    assert state.changed_levers(s.draft.value, s.base.value)
    ui.pick_scenario(s, "plan")
    assert s.scenario.value == "plan" and s.undo.value["draft"] == edited
    ui.undo_replace(s)
    assert s.scenario.value == "baseline" and s.draft.value == edited
    assert s.undo.value is None  # the plan's levers it replaced had no edits
    ui.replace_levers(s, s.scenario.value, s.base.value, s.base.value, "")  # Reset
    assert s.draft.value == s.base.value and s.undo.value["draft"] == edited
    ui.undo_replace(s)
    assert s.draft.value == edited


def test_enter_commits_the_text_last_typed_even_after_a_stale_render():
    """A render that started before the last keystroke arrived (another thread: a run ending)
    writes its older text into the field just before Enter is handled; Enter must still
    commit what was typed (the rare lost edit of the browser test of stale results)."""
    import reacton.core
    import solara

    from webapp.ui import NumberField

    committed = []
    _, rc = solara.render(NumberField("level", 0.6, committed.append), handle_error=False)
    widget = rc.find(v_model="0.6").widget
    widget.v_model = "0.9"  # the browser's keystrokes
    with reacton.core.suppress_events():  # what a render begun before them writes back
        widget.v_model = "0.6"
    widget.fire_event("keyup.enter", {})
    assert committed == ["0.9"]
    widget.fire_event("focusout", {})
    assert committed == ["0.9", "0.9"]
    rc.close()


# --------------------------------------------------------------------------- compare against
def test_cost_against_policies_in_force_is_the_command_lines(tmp_path, monkeypatch):
    """Against ``history`` the plan's cost per tonne is the one the download tab's command
    (``--scenario history ... --baseline history``) writes, and not the one against baseline."""
    import shlex

    from abm import cli
    from webapp.ui import cli_commands

    config = RunConfig(scale=2000, seed=0, end_year=2026, against="history")
    vs_history = run_set(load_scenario("plan"), config)
    vs_baseline = run_set(load_scenario("plan"), dataclasses.replace(config, against="baseline"))
    assert vs_history.baselines[0].scenario == "history"
    assert vs_baseline.baselines[0].scenario == "baseline"
    # the 2020-25 spending already decided counts as the plan's only against baseline
    assert vs_history.accounting.extra_spending_mcny < vs_baseline.accounting.extra_spending_mcny
    assert vs_history.headline()["cny_per_t"] != pytest.approx(
        vs_baseline.headline()["cny_per_t"], rel=0.05)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.toml").write_text(levers.scenario_toml(
        levers.draft_from_scenario(load_scenario("plan"))))
    [command] = cli_commands(vs_history, "plan.toml")
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "abm"]
    assert cli.main([*words[3:], "--no-charts", "--out", "out"]) == 0
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", index_col="scenario")
    assert summary.loc["plan", "costed_against"] == "history"
    acc = vs_history.accounting
    for column, value in (("cny_per_t_paid", acc.cny_per_t_paid),
                          ("abated_paid_mt", acc.paid_mt), ("abated_mt", acc.abated_mt),
                          ("extra_spending_mcny", acc.extra_spending_mcny)):
        assert summary.loc["plan", column] == pytest.approx(value, rel=1e-9), column
    assert vs_history.headline()["cny_per_t"] == pytest.approx(acc.cny_per_t_paid)


def test_cli_command_names_the_reference_only_when_it_is_not_the_baseline():
    from webapp.ui import cli_commands

    runs = SimpleNamespace(config=RunConfig(scale=2000, seed=3, n_seeds=2, end_year=2026))
    assert cli_commands(runs, "mine.toml") == [
        f"python -m abm run --scenario mine.toml --scale 2000 --seed {s} --end-year 2026"
        for s in (3, 4)]
    runs.config = dataclasses.replace(runs.config, against="history", start_year=2025)
    assert cli_commands(runs, "mine.toml")[0] == (
        "python -m abm run --scenario history --scenario mine.toml --baseline history "
        "--set run.start_year=2025 --scale 2000 --seed 3 --end-year 2026")
    # two scenarios of one name cannot run together: the levers alone
    assert cli_commands(runs, "history.toml")[0].startswith(
        "python -m abm run --scenario history.toml --scale")


def test_an_unknown_reference_is_refused_naming_field_value_and_allowed():
    with pytest.raises(ParameterError,
                       match=r"Compare against: 'nowhere' is not a reference scenario; "
                             r"allowed: baseline, history \(policies in force\)\."):
        run_set(load_scenario("plan"), RunConfig(scale=2000, end_year=2022, against="nowhere"))
    ok = {"scale": "500", "seed": "1", "n_seeds": "1", "end_year": "2030"}
    assert run_config(ok, 2020)[0].against == "baseline"  # no choice: the baseline
    _, problems = run_config({**ok, "against": "nowhere"}, 2020, "zh")
    assert problems == ["对照情景：'nowhere' 不是可用的对照情景；"
                        "允许：baseline（基准）、history（现行政策）。"]


def test_levers_equal_to_the_reference_abate_nothing_and_are_not_costed():
    cache: dict = {}
    config = RunConfig(scale=2000, end_year=2022, against="history")
    runs = run_set(load_scenario("history"), config, baseline_cache=cache)
    assert runs.accounting is None and not runs.pending
    head = runs.headline()
    assert head["abated_mt"] == 0 and head["extra_spending_mcny"] == 0
    assert math.isnan(head["cny_per_t"])
    # against the baseline the same levers are costed; each reference has its own cache entry
    costed = run_set(load_scenario("history"), dataclasses.replace(config, against="baseline"),
                     baseline_cache=cache, with_accounting=False)
    assert costed.pending and costed.headline()["abated_mt"] != 0
    kept = [key for key in cache if key[0] != "accounting"]
    assert len(kept) == 2 and len({key[0] for key in kept}) == 2


def test_the_page_names_the_reference_it_compares_against():
    from webapp import ui

    runs = run_set(load_scenario("plan"), RunConfig(scale=2000, end_year=2023,
                                                    against="history"))
    runs.number = 1
    for lang, words in (("en", "policies in force"), ("zh", "现行政策")):
        s = SimpleNamespace(t=lambda key, lang=lang: i18n.tr(key, lang),
                            lang=SimpleNamespace(value=lang))
        page = headline_html(s, runs)
        assert f"{i18n.tr('abated', lang).format(ref=words)}" in page
        assert i18n.tr("cost_definition", lang).format(ref=words) in page
        assert "{ref}" not in page and words in ui.districts_html(s, runs)
        assert words in ui.run_label(runs, lang)
        legend = [t.name for t in figures.district_sectors_figure(runs, lang, 2023).data]
        assert i18n.tr("baseline_total", lang).format(ref=words) in legend
        emissions = [t.name for t in figures.emissions_figure(runs, lang).data]
        assert any(words in (name or "") for name in emissions)
    runs.config = dataclasses.replace(runs.config, against="baseline")
    assert "vs" not in ui.run_label(runs, "en")  # the default's label is as it was


def test_every_reference_has_labels_in_both_languages():
    from webapp.runner import REFERENCES

    for name in REFERENCES:
        for key in (f"against_{name}", f"against_option_{name}"):
            english, chinese = i18n.UI[key]
            assert english and chinese and english != chinese
    assert i18n.reference_name("nowhere", "en") == "nowhere"


# --------------------------------------------------------------------------- calibration bands
def test_calibration_bands_run_each_further_seed_on_a_draw_of_the_shipped_posteriors():
    """Seed 0 runs the fitted point values (as every command does); seeds 1, 2, 3 each run one
    particle of the transport and the PV posterior, reproducibly; with seeds bands nothing is
    drawn."""
    from abm import posterior
    from webapp.runner import seed_overrides

    plan = load_scenario("plan")
    config = RunConfig(scale=2000, seed=0, n_seeds=4, end_year=2022, bands="calibration")
    particles = {fit: pd.read_csv(posterior.CALIBRATED_DIR / fit / "posterior.csv")
                 for fit in posterior.SHIPPED_FITS}
    points = {fit: posterior.point_values(fit) for fit in posterior.SHIPPED_FITS}
    assert posterior.fits_in_use(plan.params) == ["transport", "pv"]
    assert all(plan.params[k] == v for fit in points for k, v in points[fit].items())
    assert seed_overrides(plan, config, 0) == {}  # the first seed: the point values
    drawn_rows = set()
    for seed in (1, 2, 3):
        overrides = seed_overrides(plan, config, seed)
        assert set(overrides) == {k for fit in points for k in points[fit]}
        for fit, frame in particles.items():
            values = [overrides[k] for k in points[fit]]
            match = (frame[list(points[fit])] == values).all(axis=1)
            assert match.sum() >= 1, f"seed {seed}: {fit} values are not one of its particles"
            drawn_rows.add((fit, int(match.idxmax())))
        assert seed_overrides(plan, config, seed) == overrides  # reproducible from the seed
        assert seed_overrides(plan, dataclasses.replace(config, bands="seeds"), seed) == {}
    assert len(drawn_rows) > 2  # three seeds do not all land on one particle of each fit


def test_a_fit_the_scenario_sets_itself_is_not_drawn():
    from abm import posterior
    from webapp.runner import seed_overrides

    own = load_scenario("plan").with_parameters({"behaviour.vehicle_ev.beta_econ": 2.0})
    assert posterior.fits_in_use(own.params) == ["pv"]
    config = RunConfig(scale=2000, n_seeds=2, end_year=2022, bands="calibration")
    overrides = seed_overrides(own, config, 1)
    assert set(overrides) == set(posterior.point_values("pv"))


def test_draws_follow_the_particle_weights():
    """20,000 draws of three particles weighted 0.2 / 0.3 / 0.5: each frequency within 0.015
    (more than 4 standard errors) of its weight."""

    from abm.posterior import draw_particles

    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "weight": [2.0, 3.0, 5.0]})
    draws = draw_particles(frame, 20_000, seed=7, index=0)
    shares = draws["x"].value_counts(normalize=True).sort_index().to_numpy()
    assert abs(shares - [0.2, 0.3, 0.5]).max() < 0.015
    assert draws.equals(draw_particles(frame, 20_000, seed=7, index=0))
    assert not draws.equals(draw_particles(frame, 20_000, seed=7, index=1))


def test_calibration_bands_widen_the_runs_and_keep_the_first_seed_and_its_accounting(
        tmp_path, monkeypatch):
    seeds = RunConfig(scale=2000, seed=0, n_seeds=2, end_year=2023)
    calibration = dataclasses.replace(seeds, bands="calibration")
    a, b = run_set(load_scenario("plan"), seeds), run_set(load_scenario("plan"), calibration)
    nev = "nev_share_sales_expected_car"
    assert a.metric(nev)[0].equals(b.metric(nev)[0])  # seed 0: the point values
    assert a.accounting.cny_per_t_paid == b.accounting.cny_per_t_paid
    assert not a.metric(nev)[1].equals(b.metric(nev)[1])  # seed 1: a posterior draw
    assert not a.metric(nev, baseline=True)[1].equals(b.metric(nev, baseline=True)[1])
    # the command line runs the same: the drawn seed's coefficients given with --set
    from webapp.runner import seed_overrides
    from webapp.ui import cli_commands

    first, second = cli_commands(b, "plan.toml")
    assert "--set" not in first and "--seed 0" in first
    drawn = seed_overrides(b.scenario, b.config, 1)
    assert all(f"--set {k}={v!r}" in second for k, v in drawn.items())
    assert all(float(part.split("=")[1]) == drawn[part.split("=")[0]]
               for part in second.split(" --set ")[1:])
    import shlex

    from abm import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.toml").write_text(levers.scenario_toml(
        levers.draft_from_scenario(load_scenario("plan"))))
    assert cli.main([*shlex.split(second)[3:], "--no-charts", "--out", "out"]) == 0
    annual = pd.read_csv(tmp_path / "out" / "plan_annual.csv")
    line = annual[annual.metric == nev].set_index("year")["value"]
    assert np.allclose(line.to_numpy(), b.metric(nev)[1].loc[line.index].to_numpy(),
                       rtol=1e-12, atol=0.0)


def test_an_unknown_kind_of_band_is_refused_naming_field_value_and_allowed():
    with pytest.raises(ParameterError, match=r"Bands: 'nowhere' is not a kind of band; allowed: "
                                             r"seeds \(.*\), calibration \(.*\)\."):
        run_set(load_scenario("plan"), RunConfig(scale=2000, end_year=2022, bands="nowhere"))
    ok = {"scale": "500", "seed": "1", "n_seeds": "1", "end_year": "2030"}
    assert run_config(ok, 2020)[0].bands == "seeds"  # no choice: the seeds
    _, problems = run_config({**ok, "bands": "nowhere"}, 2020, "zh")
    assert len(problems) == 1 and problems[0].startswith("阴影区间：'nowhere'")
    assert "calibration（种子及校准）" in problems[0]
