"""The page's memory and comparisons without a browser: URL state, import, stale keys,
lever differences, rounding, marginal figures, Chinese messages, scoreboard and compare."""

from __future__ import annotations

import dataclasses
import html
import math
import re
from types import SimpleNamespace

import pytest

from abm.scenario import SCENARIO_DIR, load_scenario
from webapp import i18n, levers, state, ui
from webapp.runner import RunConfig, run_set

LATIN = re.compile(r"[A-Za-z]{2,}")
ALLOWED_LATIN = {"CO", "CNY", "MW", "kW", "kWh", "TOML", "CSV", "PNG", "HTML", "NEV", "ETS",
                 "logit", "Mt", "GW", "PV", "NPV", "LNG", "Mesa", "amap", "cnmaps", "data",
                 "MIT", "vs"}


def leftover_latin(text: str) -> set[str]:
    """Latin words of a Chinese text that are not units, codes or proper names."""
    return {w for w in LATIN.findall(text) if w not in ALLOWED_LATIN}


def test_rounding_never_shows_minus_zero_or_plus_zero():
    assert state.plain(-0.04, 1) == "0.0" and state.signed(-0.04, 1) == "0.0"
    assert state.signed(0.4, 0) == "0" and state.signed(0.6, 0) == "+1"
    assert state.signed(-0.1, 1) == "−0.1" and state.signed(1234.5, 0) == "+1,234"
    assert state.plain(float("nan")) == "—" and state.signed(None) == "—"
    assert state.plain(2030.0, 0, grouping=False) == "2030"


def test_url_state_round_trips_and_ignores_garbage():
    draft = levers.with_parameter(levers.draft_from_scenario(load_scenario("plan")),
                                  "grid.decline_after_2023", 0.05)
    text = state.encode_state({"draft": draft, "lang": "zh"})
    assert re.fullmatch(r"[A-Za-z0-9_-]+", text)
    assert state.decode_state(text)["draft"] == draft
    for junk in ("", None, "abc", "%%%", state.encode_state({"v": 99})[:10]):
        assert state.decode_state(junk) == {}
    assert state.query_value("a=1&s=xyz", "s") == "xyz" and state.query_value(None, "s") is None


def test_initial_state_from_url_and_browser_language():
    assert ui.initial_state(None, {"accept-language": ["zh-CN,zh;q=0.9"]})["lang"] == "zh"
    assert ui.initial_state(None, {"Accept-Language": ["en-GB"]})["lang"] == "en"
    assert ui.initial_state(None, None)["lang"] == "en"
    draft = levers.with_parameter(levers.draft_from_scenario(load_scenario("baseline")),
                                  "grid.decline_after_2023", 0.05)
    inputs = {**ui.DEFAULT_RUN, "scale": "777"}
    search = "s=" + state.encode_state({"scenario": "baseline", "draft": draft,
                                        "inputs": inputs, "lang": "en"})
    first = ui.initial_state(search, {"accept-language": ["zh-CN"]})
    assert first["scenario"] == "baseline" and first["draft"] == draft
    assert first["inputs"]["scale"] == "777" and first["lang"] == "en"  # the URL wins
    broken = "s=" + state.encode_state({"draft": {"parameters": 3}, "inputs": {"scale": 1}})
    assert ui.initial_state(broken, None)["draft"] == levers.draft_from_scenario(
        load_scenario("plan"))


def test_request_key_changes_with_levers_and_inputs_not_with_the_name():
    draft = levers.draft_from_scenario(load_scenario("plan"))
    key = state.request_key(draft, ui.DEFAULT_RUN)
    assert state.request_key({**draft, "name": "other"}, ui.DEFAULT_RUN) == key
    assert state.request_key(levers.with_parameter(draft, "grid.decline_after_2023", 0.05),
                             ui.DEFAULT_RUN) != key
    assert state.request_key(draft, {**ui.DEFAULT_RUN, "seed": "1"}) != key


def test_request_key_and_url_keep_what_the_run_is_compared_against():
    """The reference is a run input: a result is current only for its own reference, and the
    choice is saved in the URL; a link saved before the choice existed opens against the
    baseline with its own run settings."""
    draft = levers.draft_from_scenario(load_scenario("plan"))
    key = state.request_key(draft, ui.DEFAULT_RUN)
    assert ui.DEFAULT_RUN["against"] == "baseline"
    assert state.request_key(draft, {**ui.DEFAULT_RUN, "against": "history"}) != key
    inputs = {**ui.DEFAULT_RUN, "scale": "777", "against": "history"}
    s = ui.new_session(ui.initial_state(
        "s=" + state.encode_state({"scenario": "plan", "draft": draft, "inputs": inputs}), None))
    assert s.inputs.value == inputs
    again = ui.initial_state("s=" + ui.url_state(s), None)
    assert again["inputs"] == inputs
    old = {k: v for k, v in inputs.items() if k != "against"}
    first = ui.initial_state("s=" + state.encode_state({"scenario": "plan", "draft": draft,
                                                        "inputs": old}), None)
    assert first["inputs"] == {**old, "against": "baseline"}  # scale 777 kept
    assert ui.initial_state(None, None)["inputs"]["against"] == "baseline"
    # the bands' choice likewise: kept in the key and the URL, a default for old links
    assert ui.DEFAULT_RUN["bands"] == "seeds"
    assert state.request_key(draft, {**ui.DEFAULT_RUN, "bands": "calibration"}) != key
    chosen = {**inputs, "bands": "calibration"}
    url = "s=" + state.encode_state({"scenario": "plan", "draft": draft, "inputs": chosen})
    assert ui.initial_state(url, None)["inputs"] == chosen
    older = {k: v for k, v in inputs.items() if k != "bands"}
    url = "s=" + state.encode_state({"scenario": "plan", "draft": draft, "inputs": older})
    assert ui.initial_state(url, None)["inputs"] == {**older, "bands": "seeds"}


def test_import_validates_like_the_cli():
    draft, error = state.import_scenario((SCENARIO_DIR / "plan.toml").read_bytes(), "plan.toml")
    assert error == "" and draft["policies"] == levers.draft_from_scenario(
        load_scenario("plan"))["policies"]
    cases = [(b"name = ", "not valid TOML"), (b"", "empty"), (b"\xff\xfe", "UTF-8"),
             (b'name = "x"\n[[policies]]\nkind = "pv_subsidy"\ngroup = "household"\n'
              b"level = 99\nstart = 2024\nend = 2030\n", "level"),
             (b'name = "x"\nbogus = 1\n', "bogus"),
             (b'name = "x"\n[[policies]]\nkind = "solar_magic"\nstart = 2024\nend = 2030\n',
              "solar_magic")]
    for content, words in cases:
        draft, error = state.import_scenario(content, "mine.toml")
        assert draft is None and words in error, (content, error)
        assert "mine.toml" in error or words == "empty"


def test_import_messages_in_chinese():
    """The import's own messages are Chinese on a Chinese page (the file name stays as it
    is); the engine's validation detail is quoted inside a Chinese sentence."""
    big = b" " * (state.MAX_IMPORT_BYTES + 1)
    for content in (b"name = ", b"[policies\n", b"", b"\xff\xfe", big):
        draft, error = state.import_scenario(content, "情景.toml", "zh")
        assert draft is None and error.startswith("情景.toml："), error
        assert not leftover_latin(error.replace("情景.toml", "").replace("UTF-8", "")), error
    _, error = state.import_scenario(b'name = "x"\nbogus = 1\n', "情景.toml", "zh")
    assert error.startswith("情景.toml：情景文件中的设定无效") and "bogus" in error


def test_lever_diff_lists_only_what_differs():
    plan = levers.draft_from_scenario(load_scenario("plan"))
    pv = next(i for i, p in enumerate(plan["policies"]) if p["kind"] == "pv_subsidy"
              and p["choice"] == {"group": "household"})
    more = levers.with_policy_value(plan, pv, "level", 0.9)
    rows = state.lever_diff([plan, more, plan])
    assert len(rows) == 1
    label, cells = rows[0]
    assert "PV capital subsidy" in label and cells[1].startswith("0.9")
    zh = state.lever_diff([plan, more], "zh")
    assert zh and not leftover_latin(zh[0][0] + " ".join(zh[0][1]))
    assert state.changed_levers(more, plan) and not state.changed_levers(plan, plan)
    assert state.lever_diff([plan, levers.draft_from_scenario(load_scenario("baseline"))])


def test_marginal_cost_per_tonne_uses_paid_abatement():
    a = {"abated_mt": 20.0, "abated_paid_mt": 10.0, "extra_spending_mcny": 6000.0}
    b = {"abated_mt": 18.0, "abated_paid_mt": 8.0, "extra_spending_mcny": 5000.0}
    m = state.marginal(a, b)
    assert m == {"abatement_mt": 2.0, "paid_mt": 2.0, "spending_mcny": 1000.0,
                 "cny_per_t": 500.0}
    c = {**b, "abated_paid_mt": 9.99}
    assert state.marginal(a, c)["cny_per_t"] != state.marginal(a, c)["cny_per_t"]  # NaN


@pytest.mark.parametrize("bad", [("level", 99.0), ("level", "abc"), ("end", 2010)])
def test_validation_messages_in_chinese(bad):
    draft = levers.draft_from_scenario(load_scenario("plan"))
    pv = next(i for i, p in enumerate(draft["policies"]) if p["kind"] == "pv_subsidy")
    errors = levers.field_errors(levers.with_policy_value(draft, pv, *bad), "zh")
    assert errors
    for message in errors.values():
        assert not leftover_latin(message), message
    session = SimpleNamespace(draft=SimpleNamespace(value=draft),
                              inputs=SimpleNamespace(value={**ui.DEFAULT_RUN, "scale": "0,5x",
                                                            "end_year": "2019"}),
                              lang=SimpleNamespace(value="zh"))
    _, _, problems = ui.check_request(session)
    assert problems and not any(leftover_latin(p) for p in problems), problems


def test_units_are_plain_words():
    assert i18n.unit_label("1/month", "en") == "chance per month"
    assert i18n.unit_label("logit", "zh") == "选择权重（logit）"
    from abm.params import parameter_table
    from abm.policies import POLICY_TYPES

    units = {s.unit for s in parameter_table().values()}
    units |= {f.unit for c in POLICY_TYPES.values() for f in c.fields.values()}
    for unit in units:
        assert not leftover_latin(i18n.unit_label(unit, "zh")), unit


@pytest.fixture(scope="module")
def three_runs():
    plan = levers.draft_from_scenario(load_scenario("plan"))
    pv = next(i for i, p in enumerate(plan["policies"]) if p["kind"] == "pv_subsidy"
              and p["choice"] == {"group": "household"})
    out = []
    cache: dict = {}
    for number, level in enumerate((0.3, 0.9, 2.0), start=1):
        draft = levers.with_policy_value(plan, pv, "level", level)
        runs = run_set(levers.build_scenario(draft), RunConfig(scale=2000, end_year=2026),
                       baseline_cache=cache)
        runs.number, runs.draft = number, draft
        out.append(runs)
    return plan, out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_three_runs_lists_levers_and_marginals(lang, three_runs):
    plan, (a, b, c) = three_runs
    s = SimpleNamespace(lang=SimpleNamespace(value=lang), base=SimpleNamespace(value=plan),
                        t=lambda key: i18n.tr(key, lang))
    s.label = lambda r: ui.run_label(r, lang, plan)
    page = ui.compare_html(s, c, [a, b])
    assert "−0.0" not in page and "+0<" not in page and ">-0" not in page
    assert page.count('class="cmp marginal') == 4
    assert page.count('class="lever-diff"') == 1  # only the household PV subsidy differs
    assert "#1" in page and "#2" in page and "#3" in page
    assert ui.run_label(a, lang, plan) != ui.run_label(b, lang, plan)
    if lang == "zh":
        text = re.sub(r"<[^>]+>", " ", page)
        assert not leftover_latin(text), leftover_latin(text)


def test_runs_against_different_references_are_not_subtracted(three_runs):
    """A run against the policies in force beside one against the baseline: no difference of
    abatement or cost per tonne and no marginal figure (each would mix two references);
    emissions still compare, and the last table says which reference each run used."""
    plan, (a, _, _) = three_runs
    other = run_set(levers.build_scenario(a.draft),
                    dataclasses.replace(a.config, against="history"))
    other.number, other.draft = 4, a.draft
    s = SimpleNamespace(lang=SimpleNamespace(value="en"), base=SimpleNamespace(value=plan),
                        t=lambda key: i18n.tr(key, "en"))
    s.label = lambda r: ui.run_label(r, "en", plan)
    assert ui.mixed_references([other, a]) and not ui.mixed_references([a, a])
    page = ui.compare_html(s, other, [a])

    def cells(row: str) -> list[str]:
        match = re.search(rf'<tr class="cmp[^"]*{row}">(.*?)</tr>', page)
        return re.findall(r"<td>(.*?)</td>", match.group(1))

    assert cells("cmp-abated_mt")[-1] == "—" and cells("cmp-cny_per_t")[-1] == "—"
    assert cells("marginal-abatement_mt")[-1] == "—"
    assert cells("cmp-cumulative_mt")[-1] == "0.0"  # same levers and seed: same emissions
    assert cells("cmp-abated_mt")[1] != cells("cmp-abated_mt")[2]  # the two references differ
    assert "policies in force" in page and "baseline" in page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_scoreboard_in_percent_with_gap_unit_and_scope_notes(lang, three_runs):
    _, (a, _, _) = three_runs
    s = SimpleNamespace(lang=SimpleNamespace(value=lang), t=lambda key: i18n.tr(key, lang))
    page = ui.scoreboard_html(s, a)
    assert page.count('<tr class="target') == len(a.runs[0].targets)
    assert "30.0" in page and "%" in page  # a 0.30 share shown as 30.0 %
    assert i18n.tr("gap", lang) in page
    assert html.escape(i18n.tr("scope_renewable", lang)) in page
    assert ">no<" not in page and ">否<" not in page
    if lang == "zh":
        text = re.sub(r"<[^>]+>", " ", page)
        assert not leftover_latin(text), leftover_latin(text)


def test_lever_contributions_wedge_and_cost_curve(three_runs):
    from webapp import figures
    from webapp.runner import lever_contributions
    from webapp.ui import contributions_html

    _, (a, _, _) = three_runs
    shares = []
    contributions = lever_contributions(a, {}, progress=shares.append)
    assert shares[-1] == 1.0
    kinds = {c.kind for c in contributions}
    assert {"pv_subsidy", "carbon_price", "coal_phaseout"} <= kinds
    # a paid lever that abates (household PV may abate nothing in a short coarse run)
    household = max((c for c in contributions if c.pays and c.spending_mcny > 0),
                    key=lambda c: c.abated_mt)
    assert household.abated_mt > 0
    assert household.cny_per_t == pytest.approx(household.spending_mcny / household.abated_mt)
    # an unpaid regulation moves spending only through its interactions with paid levers
    # (e.g. the bus mandate shifts NEV subsidies): small next to what the paid levers spend
    paid = sum(c.spending_mcny for c in contributions if c.pays)
    assert all(c.pays or abs(c.spending_mcny) < 0.05 * paid for c in contributions)
    total = a.headline()["abated_mt"]
    wedge = figures.wedge_figure(contributions, total, "zh")
    bars = wedge.data[0]
    assert sum(bars.x) == pytest.approx(total)  # levers + the rest = abatement vs baseline
    assert not leftover_latin(" ".join(bars.y))
    curve = figures.cost_curve_figure(contributions, "en")
    useful = [c for c in contributions if c.abated_mt > 0]
    heights = [t.y[0] for t in curve.data[:len(useful)]]
    assert heights == sorted(heights)  # cheapest first
    # windfall: the subsidy's share paid to adopters who would have adopted anyway, shown as
    # the top of the paid lever's bar; regulations have none
    pv = next(c for c in contributions if c.key == "pv_subsidy_household")
    assert 0 <= pv.windfall_share <= 1
    assert pv.windfall_mcny == pytest.approx(pv.spending_mcny * pv.windfall_share)
    assert all(math.isnan(c.windfall_share) for c in contributions if not c.pays)
    tops = curve.data[len(useful):]
    paid_with_windfall = [c for c in useful if c.pays and c.windfall_share > 0]
    assert len(tops) == len(paid_with_windfall)
    for top, c in zip(tops, sorted(paid_with_windfall, key=lambda c: c.cny_per_t), strict=True):
        assert top.y[0] + top.base[0] == pytest.approx(c.cny_per_t)
        assert top.y[0] == pytest.approx(c.cny_per_t * c.windfall_share)
    for lang in ("en", "zh"):
        s = SimpleNamespace(lang=SimpleNamespace(value=lang),
                            t=lambda key, lang=lang: i18n.tr(key, lang))
        table = contributions_html(s, contributions)
        assert table.count("lever-row-paid") == sum(c.pays for c in contributions)
        assert f"{pv.windfall_share:.0%}" in table
        if lang == "zh":
            text = re.sub(r"<[^>]+>", " ", table)
            assert not leftover_latin(text), leftover_latin(text)


@pytest.mark.parametrize("n_seeds", [1, 3])
def test_the_band_note_says_what_the_bands_are_and_leave_out(n_seeds):
    """Under the Emissions and Adoption charts: seeds only, and where the calibration's
    uncertainty is measured instead, in both languages."""
    for lang in ("en", "zh"):
        note = i18n.band_note(n_seeds, lang)
        assert i18n.POSTERIOR_COMMAND in note and "README" in note, note
        assert (str(n_seeds) in note) == (n_seeds > 1), note
    assert "lowest to highest of the 3 seeds" in i18n.band_note(3, "en")
    assert "no bands" in i18n.band_note(1, "en")
    zh = i18n.band_note(n_seeds, "zh").replace(i18n.POSTERIOR_COMMAND, "")
    assert not leftover_latin(zh.replace("README", "")), zh
    from experiments import load_experiment

    assert load_experiment(i18n.POSTERIOR_COMMAND.split()[-1]).posterior_draws, (
        "the command the note names runs the calibration's posterior")


@pytest.mark.parametrize("n_seeds", [1, 3])
def test_the_band_note_of_calibration_bands_names_the_fits_drawn(n_seeds):
    for lang in ("en", "zh"):
        note = i18n.band_note(n_seeds, lang, "calibration", ["transport", "pv"])
        for fit in ("transport", "pv"):
            assert i18n.tr(f"fit_{fit}", lang) in note, note
        assert (str(n_seeds) in note) == (n_seeds > 1), note
        zh = note.replace(i18n.POSTERIOR_COMMAND, "").replace("README", "")
        assert lang == "en" or not leftover_latin(zh), zh
    assert "posterior" in i18n.band_note(3, "en", "calibration", ["pv"])
    assert "point values" in i18n.band_note(n_seeds, "en", "calibration", ["pv"])
    # nothing to draw: the scenario sets the fitted coefficients itself
    assert "no posterior is drawn" in i18n.band_note(3, "en", "calibration", [])
    assert i18n.band_note(3, "en", "calibration", []) != i18n.band_note(3, "en")



def test_a_run_with_calibration_bands_says_so_in_its_label():
    runs = SimpleNamespace(number=2, scenario=SimpleNamespace(name="plan"), draft=None,
                           preview=False,
                           config=RunConfig(scale=500, n_seeds=3, bands="calibration"))
    assert "with posterior draws" in ui.run_label(runs, "en")
    assert "含后验抽样" in ui.run_label(runs, "zh")
    runs.config = RunConfig(scale=500, n_seeds=3)
    assert "posterior" not in ui.run_label(runs, "en")
    runs.config = RunConfig(scale=500, n_seeds=1, bands="calibration")  # nothing drawn
    assert "posterior" not in ui.run_label(runs, "en")
