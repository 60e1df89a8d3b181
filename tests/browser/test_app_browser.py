"""The app in a real browser: load offline, levers, runs, compare, downloads, language, errors."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from abm.results import TARGETS
from abm.scenario import load_scenario
from webapp import levers, state

_playwright = pytest.importorskip("playwright.sync_api")
expect = _playwright.expect
PlaywrightTimeout = _playwright.TimeoutError

ROOT = Path(__file__).resolve().parents[2]

PV_HOUSEHOLD = ".lever-pv_subsidy-household-level-input input"


def set_input(page, selector: str, value: str) -> None:
    field = page.locator(selector)
    field.fill(value)
    field.press("Enter")


def type_value(page, selector: str, value: str) -> None:
    """Type a value and wait until the server has taken it (typed once: a re-render of the
    page while typing keeps the typed text, ``webapp.ui.NumberField``)."""
    set_input(page, selector, value)
    expect(page.locator(selector)).to_have_value(value)


def set_run(page, scale: str = "1000", end_year: str = "2030", seed: str = "0",
            n_seeds: str = "1") -> None:
    set_input(page, ".scale input", scale)
    set_input(page, ".last-year input", end_year)
    set_input(page, ".seed input", seed)
    set_input(page, ".n-seeds input", n_seeds)


def run(page, number: int) -> None:
    """Press Run and wait until run number ``number`` is shown."""
    page.locator(".run-button").click()
    page.locator(".run-label", has_text=f"#{number} ").wait_for()
    page.locator(".run-done").wait_for()


def press_run_and_see_it_running(page, tries: int = 4) -> None:
    """Press Run and wait until its progress shows.

    The page runs the levers ahead of the click (``webapp.ui.prerun``), so a run may already
    be done when Run is pressed (the page was slow to take the click) and never show as
    running; then a new seed (a new population to synthesise) and an immediate click again.
    """
    for attempt in range(tries):
        if attempt:
            set_input(page, ".seed input", str(attempt))
            expect(page.locator(".stale-banner")).to_have_count(1)
        page.locator(".run-button").click()
        page.locator(".run-status, .run-done").first.wait_for()
        if page.locator(".run-status").count():
            return
    pytest.fail(f"Run never showed as running in {tries} tries (each run was done at once)")


def kpi(page, key: str) -> str:
    return page.locator(f".kpi-{key} .kpi-value").inner_text()


def open_group(page, label: str) -> None:
    page.get_by_text(label, exact=True).click()


def remote(requests: list[str]) -> list[str]:
    return [u for u in requests
            if not re.match(r"^(http://127\.0\.0\.1[:/]|blob:http://127\.0\.0\.1[:/]|data:)", u)]


def chart(page, name: str):
    """The plotly chart ``name`` once drawn."""
    locator = page.locator(f".chart-{name} .js-plotly-plot")
    locator.wait_for()
    return locator


def test_lever_run_charts_scoreboard_offline(app_page):
    page = app_page.page
    set_run(page)
    run(page, 1)
    assert chart(page, "emissions").is_visible()
    spending_before = kpi(page, "spending")
    open_group(page, "Rooftop and fishery PV")
    # expect() waits for the server's round trip (a single read raced it under load)
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("0.3")  # the plan's household PV subsidy
    type_value(page, PV_HOUSEHOLD, "3")
    app_page.shot("levers")
    run(page, 2)
    expect(page.locator(".kpi-spending .kpi-value")).not_to_have_text(spending_before)
    chart(page, "emissions")
    # integer year ticks only (no 2022.5)
    ticks = page.locator(".chart-emissions .xtick text").all_text_contents()
    assert ticks and all(re.fullmatch(r"20\d\d", t) for t in ticks), ticks
    app_page.shot("emissions")
    page.locator(".tab-adoption").click()
    chart(page, "adoption")
    # what really happened beside the model: China's observed NEV shares, one legend entry
    legend = page.locator(".chart-adoption .legendtext").all_text_contents()
    assert sum(t.startswith("what happened") for t in legend) == 1, legend
    app_page.shot("adoption")
    page.locator(".tab-targets").click()
    rows = page.locator("tr.target")
    rows.first.wait_for()
    # the previous tab's chart is gone as soon as the new tab shows
    assert page.locator(".chart-adoption").count() == 0
    assert rows.count() == len(TARGETS)
    assert page.locator("tr.target-co2_peak td").nth(6).inner_text() in (
        "yes", "not yet", "later than the target year")
    assert "30.0" in page.locator("tr.target-ev_share_new_cars").inner_text()  # in %
    assert "agent" in page.locator(".scope-notes").inner_text()
    app_page.shot("targets")
    page.locator(".tab-districts").click()
    chart(page, "district_map")
    chart(page, "district_sectors")
    assert page.locator("tr.district").count() == 7
    app_page.shot("map")
    # coloured by adoption: rooftop PV first, then NEVs, for the year chosen
    page.locator(".map-metric").get_by_text("Adoption", exact=True).click()
    title = page.locator(".chart-district_map .gtitle")
    expect(title).to_contain_text("rooftop PV (share of households)")
    page.locator(".map-technology .v-select__slot").click()
    page.get_by_role("option", name=re.compile("NEVs")).click()
    expect(title).to_contain_text("NEVs (share of cars on the road)")
    app_page.shot("map_adoption")
    page.locator(".tab-cost").click()
    chart(page, "cost")
    page.locator(".tab-agents").click()
    chart(page, "agents")
    app_page.shot("agents")
    assert remote(app_page.requests) == [], remote(app_page.requests)
    assert any("/_solara/cdn/" in u or "/static/" in u for u in app_page.requests)


def pin(page) -> None:
    page.locator(".tab-compare").click()
    page.locator(".pin-button").click()
    expect(page.locator(".pin-button")).to_be_disabled()  # a run is pinned once


def test_compare_three_runs_with_levers_that_differ_and_seed_bands(app_page):
    page = app_page.page
    set_run(page, scale="1500", end_year="2030", n_seeds="2")
    run(page, 1)
    pin(page)
    expect(page.locator(".compare-table")).to_have_count(0)  # never a run against itself
    open_group(page, "Industry and fishery")
    set_input(page, ".lever-coal_phaseout-level-input input", "1")
    run(page, 2)
    pin(page)
    set_input(page, ".lever-coal_phaseout-level-input input", "0.5")
    run(page, 3)
    page.locator(".tab-compare").click()
    table = page.locator(".compare-table")
    expect(table).to_contain_text("#3", timeout=90_000)  # the new run's table, not the last
    text = table.inner_text()
    assert "#1" in text and "#2" in text and "#3" in text
    cells = page.locator("tr.cmp-cumulative_mt td")
    assert cells.count() == 6  # label, three runs, current − #1, current − #2
    for k in (4, 5):
        assert cells.nth(k).inner_text() not in ("0", "+0", "−0.0", "—")
    assert page.locator("tr.marginal").count() == 4
    diff = page.locator(".levers-diff")
    assert "Coal boiler phase-out" in diff.inner_text()
    assert page.locator("tr.lever-diff").count() == 1
    chart(page, "compare").scroll_into_view_if_needed()
    app_page.shot("compare")


def test_download_csv_matches_cli_and_toml_round_trips(app_page, tmp_path):
    page = app_page.page
    open_group(page, "Vehicles")
    set_input(page, ".lever-ev_purchase_subsidy-level-input input >> nth=0", "20000")
    set_input(page, ".scenario-name input", "app_test")
    set_run(page, scale="1500", end_year="2026", seed="3")
    run(page, 1)
    page.locator(".tab-download").click()
    with page.expect_download() as csv_info:
        page.get_by_role("button", name=re.compile(r"app_test_annual\.csv")).click()
    with page.expect_download() as toml_info:
        page.get_by_role("button", name=re.compile(r"app_test\.toml")).click()
    csv_path, toml_path = tmp_path / "app.csv", tmp_path / "app_test.toml"
    csv_info.value.save_as(csv_path)
    toml_info.value.save_as(toml_path)
    out = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, "-m", "abm", "run", "--scenario", str(toml_path), "--scale", "1500",
         "--seed", "3", "--end-year", "2026", "--no-charts", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    app = pd.read_csv(csv_path)
    cli = pd.read_csv(out / "app_test_annual.csv")
    pd.testing.assert_frame_equal(app, cli, check_exact=False, rtol=1e-12, atol=0)
    assert "ev_purchase_subsidy" in toml_path.read_text()
    assert "level = 20000.0" in toml_path.read_text()


def test_language_switch_and_district_names(app_page):
    page = app_page.page
    set_run(page, scale="2000", end_year="2025")
    run(page, 1)
    page.get_by_text("中文", exact=True).click()
    page.locator(".run-button", has_text="运行").wait_for()
    expect(page.get_by_text("政策杠杆", exact=True)).to_be_visible()
    page.locator(".tab-districts").click()
    table = page.locator(".districts-table")
    table.wait_for()
    # in Chinese the names stand alone (no pinyin); the English page shows both
    assert "蓬江区" in table.inner_text() and "台山市" in table.inner_text()
    assert "Pengjiang" not in table.inner_text()
    app_page.shot("chinese")
    page.get_by_text("EN", exact=True).click()
    page.locator(".run-button", has_text="Run").wait_for()


def test_bad_inputs_show_messages(app_page):
    page = app_page.page
    open_group(page, "Rooftop and fishery PV")
    set_input(page, PV_HOUSEHOLD, "99")
    problems = page.locator(".input-problems")
    problems.wait_for()
    assert "out of range" in problems.inner_text()
    assert "allowed 0 to 3 CNY/W" in problems.inner_text()
    expect(page.locator(".run-button")).to_be_disabled()
    set_input(page, PV_HOUSEHOLD, "abc")
    page.locator(".input-problem", has_text="not a number").first.wait_for()
    set_input(page, PV_HOUSEHOLD, "0.5")
    set_input(page, ".lever-pv_subsidy-household-end input", "2021")
    page.locator(".span-error", has_text="empty span").wait_for()
    set_input(page, ".lever-pv_subsidy-household-end input", "2027")
    set_input(page, ".last-year input", "2010")
    page.locator(".input-problem", has_text="Last year 2010").first.wait_for()
    app_page.shot("bad_input")
    set_input(page, ".last-year input", "2025")
    set_input(page, ".scale input", "2000")
    page.locator(".input-problems").wait_for(state="detached")
    expect(page.locator(".run-button")).to_be_enabled()


def test_sessions_do_not_see_each_other(app_page, new_app_page):
    other = new_app_page()
    try:
        set_run(app_page.page, scale="2000", end_year="2025")
        run(app_page.page, 1)
        other.page.locator(".no-run").wait_for()
        assert other.page.locator(".run-label").count() == 0
        set_run(other.page, scale="2000", end_year="2024")
        run(other.page, 1)  # its own counter: also run #1
    finally:
        other.page.context.close()


def test_long_run_shows_progress_page_stays_live_and_cancels(app_page):
    page = app_page.page
    set_run(page, scale="10", end_year="2060", n_seeds="5")
    page.locator(".run-button").click()
    status = page.locator(".run-status")
    status.wait_for()
    page.wait_for_function(
        "() => { const e = document.querySelector('.run-status');"
        " return e && parseFloat(e.textContent.replace(/[^0-9.]/g, '')) > 0; }")
    page.get_by_text("中文", exact=True).click()  # the page still answers during the run
    page.locator(".run-status", has_text="运行中").wait_for()
    app_page.shot("progress")
    page.locator(".cancel-button").click()
    page.locator(".run-message", has_text="运行已取消").wait_for()
    expect(page.locator(".run-button")).to_be_enabled()


def test_stale_results_are_marked_and_exports_are_of_the_run_on_screen(app_page, tmp_path):
    page = app_page.page
    set_run(page, scale="2000", end_year="2026")
    open_group(page, "Rooftop and fishery PV")
    type_value(page, PV_HOUSEHOLD, "0.6")
    run(page, 1)
    expect(page.locator(".stale-banner")).to_have_count(0)
    type_value(page, PV_HOUSEHOLD, "0.9")
    page.locator(".stale-banner").wait_for()
    expect(page.locator(".results.stale")).to_have_count(1)  # may arrive just after the banner
    expect(page.locator(".lever-pv_subsidy-household-level.lever-changed")).to_have_count(1)
    app_page.shot("stale")
    page.locator(".tab-download").click()
    with page.expect_download() as toml_info:
        page.get_by_role("button", name=re.compile(r"plan\.toml")).click()
    toml_path = tmp_path / "plan.toml"
    toml_info.value.save_as(toml_path)
    text = toml_path.read_text()
    assert "level = 0.6" in text and "level = 0.9" not in text  # the run's levers, not 0.9
    assert "--scale 2000 --seed 0 --end-year 2026" in page.locator(".cli-hint").inner_text()
    # putting the lever back makes the results current again
    type_value(page, PV_HOUSEHOLD, "0.6")
    page.locator(".stale-banner").wait_for(state="detached")
    # with auto-run on, a change runs by itself
    page.locator(".auto-run").get_by_text("Run on every change").click()
    set_input(page, PV_HOUSEHOLD, "1,5")  # a decimal comma is read as 1.5
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("1.5")
    page.locator(".run-label", has_text="#2 ").wait_for()
    page.locator(".stale-banner").wait_for(state="detached")


def test_typed_text_survives_a_rerender_of_the_page(app_page):
    """Text typed but not yet entered stays when the page re-renders (here: a run ends).

    It used to be replaced by the last entered value: every re-render wrote the field's
    server-side value back over the keystrokes the browser had sent."""
    page = app_page.page
    open_group(page, "Rooftop and fishery PV")
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("0.3")
    # a run of a few seconds (scale 4, to 2030), so that the typing happens during it
    set_run(page, scale="4", end_year="2030")
    press_run_and_see_it_running(page)
    page.locator(PV_HOUSEHOLD).fill("0.7")  # no Enter yet
    page.locator(".run-done").wait_for()  # the page re-rendered with the run's results
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("0.7")
    page.locator(PV_HOUSEHOLD).press("Enter")
    expect(page.locator(".lever-pv_subsidy-household-level.lever-changed")).to_have_count(1)
    page.locator(".stale-banner").wait_for()


def test_import_a_scenario_toml(app_page, tmp_path):
    """A TOML chosen in the file dialog replaces the levers; a bad one says what is wrong."""
    page = app_page.page
    draft = levers.draft_from_scenario(load_scenario("plan"))
    pv = next(i for i, p in enumerate(draft["policies"]) if p["kind"] == "pv_subsidy"
              and p["choice"] == {"group": "household"})
    draft = {**levers.with_policy_value(draft, pv, "level", 0.77), "name": "my_plan"}
    good = tmp_path / "my_plan.toml"
    good.write_text(levers.scenario_toml(draft))
    bad = tmp_path / "broken.toml"
    bad.write_text('name = "broken"\n[parameters]\n"prices.no_such_price" = 1\n')
    page.get_by_text("Import a scenario file (TOML)").click()
    page.locator(".toml-import-input").set_input_files(str(bad))
    expect(page.locator(".import-error")).to_contain_text("prices.no_such_price")
    page.locator(".toml-import-input").set_input_files(str(good))
    expect(page.locator(".import-ok")).to_contain_text("my_plan")
    expect(page.locator(".import-error")).to_have_count(0)
    expect(page.locator(".scenario-name input")).to_have_value("my_plan")
    open_group(page, "Rooftop and fishery PV")
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("0.77")
    app_page.shot("import")


def test_reload_keeps_levers_language_and_scenario(app_page):
    page = app_page.page
    open_group(page, "Rooftop and fishery PV")
    set_input(page, PV_HOUSEHOLD, "0.9")
    page.locator(".v-expansion-panel-header", has_text="(1 changed)").wait_for()
    page.get_by_text("中文", exact=True).click()
    page.locator(".run-button", has_text="运行").wait_for()

    def saved() -> dict:
        href = page.evaluate("() => location.href")  # history.replaceState, not navigation
        return state.decode_state(state.query_value(urlparse(href).query, "s"))

    def pv(draft: dict) -> float | None:
        return next((p["levels"]["level"] for p in draft.get("policies", [])
                     if p["kind"] == "pv_subsidy" and p["choice"] == {"group": "household"}),
                    None)

    deadline = time.monotonic() + 60
    while not (saved().get("lang") == "zh" and pv(saved().get("draft", {})) == 0.9):
        assert time.monotonic() < deadline, saved()
        page.wait_for_timeout(200)
    assert saved()["scenario"] == "plan"
    page.reload()
    page.locator(".no-run").wait_for()
    page.locator(".run-button", has_text="运行").wait_for()
    page.locator(".v-expansion-panel-header", has_text="屋顶").click()
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("0.9")
    assert "规划" in page.locator(".scenario-select").inner_text()



def test_switching_scenario_or_reset_keeps_edits_for_undo(app_page):
    """A scenario switch or *Reset* that replaces edited levers says so and offers *Undo*."""
    page = app_page.page
    open_group(page, "Rooftop and fishery PV")
    set_input(page, PV_HOUSEHOLD, "0.9")
    page.locator(".v-expansion-panel-header", has_text="(1 changed)").wait_for()
    page.locator(".scenario-select .v-select__slot").click()
    page.get_by_role("option", name=re.compile("^baseline")).click()
    undo = page.locator(".undo-button")
    undo.wait_for()
    assert "plan" in page.locator(".undo-row").inner_text()
    app_page.shot("undo")
    undo.click()
    expect(page.locator(".scenario-select")).to_contain_text("plan")
    page.locator(".v-expansion-panel-header", has_text="(1 changed)").wait_for()
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("0.9")
    page.locator(".reset-button").click()
    expect(page.locator(PV_HOUSEHOLD)).not_to_have_value("0.9")
    page.locator(".undo-button").click()
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("0.9")

CJK = re.compile(r"[\u4e00-\u9fff]")
ALLOWED_LATIN = {"EN", "CO", "CNY", "MW", "kW", "kWh", "TOML", "CSV", "PNG", "HTML", "NEV", "ETS",
                 "logit", "GW", "PV", "LNG", "Mesa", "amap", "cnmaps", "data", "MIT", "toml",
                 "csv", "html", "png", "python", "abm", "run", "scenario", "scale", "seed",
                 "end", "year", "plan", "annual", "targets", "emissions", "adoption", "cost",
                 "agents", "district_map", "district_sectors", "compare", "plan_annual",
                 "plan_targets", "wedge", "cost_curve", "experiments", "calibration_uncertainty",
                 "README"}
"""Units, codes, file names and the command line (the CLI's own words) may stay Latin."""


def leftover_latin(text: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z_]+", text))
    return {w for w in words if w not in ALLOWED_LATIN and w.lower() not in ALLOWED_LATIN}


def test_chinese_browser_opens_in_chinese_and_leaves_no_english(new_app_page, tmp_path):
    app = new_app_page(locale="zh-CN", width=1280, height=720)
    page = app.page
    try:
        page.locator(".run-button", has_text="运行").wait_for()
        set_run(page, scale="2000", end_year="2030")
        page.locator(".run-button").click()
        page.locator(".run-label", has_text="#1 ").wait_for()
        for tab in ("emissions", "adoption", "districts", "targets", "cost", "compare",
                    "agents", "download"):
            page.locator(f".tab-{tab}").click()
            page.locator(".tab-loading").wait_for(state="detached")
            if tab in ("emissions", "adoption", "districts", "cost", "agents"):
                page.locator(".chart .js-plotly-plot").first.wait_for()
            text = page.evaluate("() => document.body.innerText")
            svg = " ".join(page.locator(".chart svg text").all_text_contents())
            left = leftover_latin(text + " " + svg)
            assert not left, (tab, sorted(left))
        page.locator(".tab-districts").click()
        chart(page, "district_map")
        app.shot("chinese")
        # a scenario file that cannot be read: the message is Chinese too
        bad = tmp_path / "情景.toml"
        bad.write_text("name = \n", encoding="utf-8")
        page.get_by_text("导入情景文件（TOML）").click()
        page.locator(".toml-import-input").set_input_files(str(bad))
        error = page.locator(".import-error")
        expect(error).to_contain_text("不是有效的 TOML 文件")
        assert not leftover_latin(error.inner_text()), error.inner_text()
    finally:
        page.context.close()


def test_layout_at_1280_by_720_keeps_run_and_chart_in_reach(new_app_page):
    app = new_app_page(width=1280, height=720)
    page = app.page
    try:
        set_run(page, scale="2000", end_year="2030")
        run(page, 1)
        plot = chart(page, "emissions")
        assert plot.bounding_box()["y"] < 720  # the chart starts above the fold
        open_group(page, "Vehicles")
        lever = page.locator(".lever-ev_purchase_subsidy-level-input input").first
        lever.scroll_into_view_if_needed()
        # Run stays reachable (sticky) however far the sidebar is scrolled: to its very end.
        # (It scrolled away once the sidebar passed its first screen while the drawer's
        # content box was one screen high: sticky holds only inside its parent's box.)
        page.evaluate("() => { const d = document.querySelector("
                      "'.v-navigation-drawer__content'); d.scrollTop = d.scrollHeight; }")
        assert page.evaluate("() => document.querySelector("
                             "'.v-navigation-drawer__content').scrollTop") > 720
        # under load the page may still be laying out after the scroll: wait (up to 5 s) for
        # the settled position before measuring it
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(
                "() => { const b = document.querySelector('.run-button');"
                " if (!b) return false; const r = b.getBoundingClientRect();"
                " return r.top >= 0 && r.top < 720; }", timeout=5000)
        box = page.locator(".run-button").bounding_box()
        assert box is not None and 0 <= box["y"] < 720
        app.shot("layout_1280")
    finally:
        page.context.close()


def test_wedge_chart_and_cost_curve(app_page):
    page = app_page.page
    set_run(page, scale="3000", end_year="2026")
    run(page, 1)
    page.locator(".tab-cost").click()
    chart(page, "cost")
    page.locator(".contributions-button").click()
    chart(page, "wedge")
    chart(page, "cost_curve")
    bars = page.locator(".chart-wedge .ytick text").all_text_contents()
    assert any("PV capital subsidy" in b for b in bars), bars
    assert "assumptions and interactions" in bars
    chart(page, "wedge").scroll_into_view_if_needed()
    app_page.shot("wedge")


def test_compare_against_policies_in_force(app_page):
    """Chosen in the run settings, the policies in force are what the run is measured against:
    its label and KPIs say so, the command line hint runs them too, a reload keeps the choice,
    and going back to the baseline makes the results stale."""
    page = app_page.page
    set_run(page, scale="2000", end_year="2026")
    choice = page.locator(".compare-against")
    expect(choice).to_contain_text("baseline: no new policy after 2020")
    choice.locator(".v-select__slot").click()
    page.get_by_role("option", name=re.compile("^policies in force")).click()
    expect(choice).to_contain_text("policies in force")
    run(page, 1)
    expect(page.locator(".run-label")).to_contain_text("Compared with policies in force")
    expect(page.locator(".run-label")).not_to_contain_text("vs policies in force")  # once
    expect(page.locator(".kpi-abated .kpi-label")).to_have_text(
        "Abated vs policies in force (Mt CO2)")
    chart(page, "emissions")
    app_page.shot("compare_against")
    page.locator(".tab-download").click()
    expect(page.locator(".cli-hint")).to_contain_text(
        "--scenario history --scenario plan.toml --baseline history --scale 2000")
    choice.locator(".v-select__slot").click()
    page.get_by_role("option", name=re.compile("^baseline")).click()
    page.locator(".stale-banner").wait_for()
    choice.locator(".v-select__slot").click()
    page.get_by_role("option", name=re.compile("^policies in force")).click()
    page.locator(".stale-banner").wait_for(state="detached")
    def saved() -> str | None:
        href = page.evaluate("() => location.href")  # history.replaceState, not navigation
        return state.decode_state(state.query_value(urlparse(href).query, "s")).get(
            "inputs", {}).get("against")

    deadline = time.monotonic() + 60
    while saved() != "history":  # the URL follows the page's state a moment later
        assert time.monotonic() < deadline, saved()
        page.wait_for_timeout(200)
    page.reload()
    page.locator(".no-run").wait_for()
    expect(page.locator(".compare-against")).to_contain_text("policies in force")


def test_compare_warns_when_runs_have_different_references(app_page):
    """A run against the baseline pinned, the same levers run against the policies in force:
    the Compare tab warns and shows "—" where the two references would be subtracted."""
    page = app_page.page
    set_run(page, scale="2000", end_year="2026")
    run(page, 1)
    pin(page)
    choice = page.locator(".compare-against")
    choice.locator(".v-select__slot").click()
    page.get_by_role("option", name=re.compile("^policies in force")).click()
    run(page, 2)
    page.locator(".tab-compare").click()
    expect(page.locator(".compare-table")).to_contain_text("#2")
    expect(page.locator(".mixed-references")).to_be_visible()
    expect(page.locator("tr.cmp-abated_mt td").last).to_have_text("—")
    expect(page.locator("tr.marginal-cny_per_t td").last).to_have_text("—")
    expect(page.locator("tr.cmp-cumulative_mt td").last).not_to_have_text("—")


def test_calibration_bands_draw_the_posterior_and_say_so(app_page):
    """Chosen in the run settings, the bands of a two-seed run add a posterior draw: the note
    under the chart names the fits drawn, the command line hint sets the drawn coefficients,
    and going back to seeds makes the results stale."""
    page = app_page.page
    set_run(page, scale="2000", end_year="2026", n_seeds="2")
    choice = page.locator(".bands-choice")
    expect(choice).to_contain_text("seeds only")
    choice.locator(".v-select__slot").click()
    page.get_by_role("option", name=re.compile("^seeds and calibration")).click()
    expect(choice).to_contain_text("seeds and calibration")
    run(page, 1)
    chart(page, "emissions")
    note = page.locator(".band-note").first
    expect(note).to_contain_text("one draw from the posterior of the vehicle-choice and "
                                 "rooftop-PV fit")
    app_page.shot("calibration_bands")
    page.locator(".tab-download").click()
    hint = page.locator(".cli-hint")
    expect(hint).to_contain_text("--seed 1")
    expect(hint).to_contain_text("--set behaviour.vehicle_ev.beta_econ=")
    choice.locator(".v-select__slot").click()
    page.get_by_role("option", name=re.compile("^seeds only")).click()
    page.locator(".stale-banner").wait_for()
