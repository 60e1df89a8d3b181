"""The app in a real browser: load offline, levers, runs, compare, downloads, language, errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from abm.results import TARGETS

expect = pytest.importorskip("playwright.sync_api").expect

ROOT = Path(__file__).resolve().parents[2]

PV_HOUSEHOLD = ".lever-pv_subsidy-household-level-input input"


def set_input(page, selector: str, value: str) -> None:
    field = page.locator(selector)
    field.fill(value)
    field.press("Enter")


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


def kpi(page, key: str) -> str:
    return page.locator(f".kpi-{key} .kpi-value").inner_text()


def open_group(page, label: str) -> None:
    page.get_by_text(label, exact=True).click()


def remote(requests: list[str]) -> list[str]:
    return [u for u in requests
            if not re.match(r"^(http://127\.0\.0\.1[:/]|blob:http://127\.0\.0\.1[:/]|data:)", u)]


def test_lever_run_charts_scoreboard_offline(app_page):
    page = app_page.page
    set_run(page)
    run(page, 1)
    assert page.locator(".chart-emissions").is_visible()
    spending_before = kpi(page, "spending")
    chart_before = page.locator(".chart-emissions").get_attribute("src")
    open_group(page, "Rooftop and fishery PV")
    # expect() waits for the server's round trip (a single read raced it under load)
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("0.3")  # the plan's household PV subsidy
    set_input(page, PV_HOUSEHOLD, "3")
    expect(page.locator(PV_HOUSEHOLD)).to_have_value("3")
    app_page.shot("levers")
    run(page, 2)
    expect(page.locator(".kpi-spending .kpi-value")).not_to_have_text(spending_before)
    expect(page.locator(".chart-emissions")).not_to_have_attribute("src", chart_before)
    app_page.shot("emissions")
    page.locator(".tab-targets").click()
    rows = page.locator("tr.target")
    rows.first.wait_for()
    assert rows.count() == len(TARGETS)
    assert page.locator("tr.target-co2_peak td").nth(4).inner_text() in ("yes", "no")
    app_page.shot("targets")
    page.locator(".tab-adoption").click()
    page.locator(".chart-adoption").wait_for()
    page.locator(".tab-districts").click()
    page.locator(".chart-districts").wait_for()
    assert page.locator("tr.district").count() == 7
    page.locator(".tab-cost").click()
    page.locator(".chart-cost").wait_for()
    page.locator(".tab-agents").click()
    page.locator(".chart-agents").wait_for()
    app_page.shot("agents")
    assert remote(app_page.requests) == [], remote(app_page.requests)
    assert any("/_solara/cdn/" in u or "/static/" in u for u in app_page.requests)


def test_compare_with_pinned_run_and_seed_bands(app_page):
    page = app_page.page
    set_run(page, scale="1500", end_year="2030", n_seeds="2")
    run(page, 1)
    page.locator(".tab-compare").click()
    page.locator(".pin-button").click()
    page.locator(".compare-table").wait_for()
    open_group(page, "Industry and fishery")
    set_input(page, ".lever-coal_phaseout-level-input input", "1")
    run(page, 2)
    page.locator(".tab-compare").click()
    table = page.locator(".compare-table")
    table.wait_for()
    assert "#2" in table.inner_text() and "#1" in table.inner_text()
    diff = page.locator("tr.cmp-cumulative_mt td").nth(3).inner_text()
    assert diff not in ("0", "+0", "—"), diff
    page.locator(".chart-compare").wait_for()
    page.locator(".chart-compare").scroll_into_view_if_needed()
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
    assert page.get_by_text("政策杠杆", exact=True).is_visible()
    page.locator(".tab-districts").click()
    table = page.locator(".districts-table")
    table.wait_for()
    assert "蓬江区 Pengjiang" in table.inner_text()
    assert "台山市 Taishan" in table.inner_text()
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
