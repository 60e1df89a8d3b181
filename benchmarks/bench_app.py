"""How fast the app answers: first run on a fresh install, warm click-to-chart, tab switches.

Numbers, not assertions (the machine's load changes them). Four measurements:

1. **cold first run**: a new process with an empty Numba cache (``NUMBA_CACHE_DIR`` set to a
   fresh folder) runs what the page's first Run runs (the plan and its baseline at the
   default scale) and draws its emissions chart, then the cost accounting's extra runs that
   follow it (the page shows the chart first). Then the same in a second new process with
   that cache filled, as after ``make setup`` (which runs ``python -m webapp.warm``).
2. **warm click-to-chart** in Chromium: a Solara server (``--production``), a lever change and
   Run, timed from the click until plotly.js has drawn the emissions chart of the new run
   (its element's ``data-drawn`` is the run's number, ``webapp/plotly.vue``); repeated.
3. **instant preview**: with *Instant preview* on, from Enter in a lever's field until the
   emissions chart of the preview run (scale 200, one seed) is drawn.
4. **tab switch**: from a click on a tab until its chart is drawn (first visit and revisit).

With 2 and 3 go the CPU seconds that the server's process (all its threads: the model's
kernels, Solara) and Chromium (all its processes) used from the click to the drawn chart:
on a shared machine the wall-clock times grow with the load, the CPU seconds much less.

Usage::

    .venv/bin/python benchmarks/bench_app.py            # all four
    .venv/bin/python benchmarks/bench_app.py --no-cold  # skip the ~1 min cold compile

Writes ``benchmarks/out/bench_app.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
CHROMIUM = "/usr/bin/chromium"
FIRST_RUN = """
import time
begin = time.perf_counter()
from abm.scenario import load_scenario
from webapp import figures
from webapp.runner import RunConfig, add_accounting, run_set
imported = time.perf_counter()
runs = run_set(load_scenario("plan"), RunConfig(), with_accounting=False)
figures.figure_json(figures.emissions_spec(runs, "en"))
charts = time.perf_counter()
add_accounting(runs)
done = time.perf_counter()
print(f"{imported - begin:.3f} {charts - imported:.3f} {done - charts:.3f}")
"""


def first_run(cache_dir: str) -> tuple[float, float, float]:
    """(import, first run to its chart, cost accounting after it) seconds in a new process
    with ``cache_dir`` as Numba's cache: what the page's first Run does."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, OMP_WAIT_POLICY="PASSIVE")
    out = subprocess.run([sys.executable, "-c", FIRST_RUN], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def cold(report: dict) -> None:
    """First run with an empty cache; then, in a fresh cache, ``make setup``'s warm-up and the
    first run after it."""
    with tempfile.TemporaryDirectory() as cache:
        begin = time.perf_counter()
        imp, run, acc = first_run(cache)
        report["cold_first_run_s"] = run
        report["cold_import_s"] = imp
        report["cold_accounting_after_s"] = acc
        report["cold_total_s"] = time.perf_counter() - begin
    with tempfile.TemporaryDirectory() as cache:
        warm_begin = time.perf_counter()
        subprocess.run([sys.executable, "-m", "webapp.warm"], cwd=ROOT, check=True,
                       env=dict(os.environ, NUMBA_CACHE_DIR=cache))
        report["setup_warm_step_s"] = time.perf_counter() - warm_begin
        imp, run, acc = first_run(cache)
        report["first_run_after_setup_s"] = run
        report["first_run_after_setup_import_s"] = imp
        report["accounting_after_setup_s"] = acc


def cpu_seconds(pid: int, name_part: str = "") -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its descendants
    (only those whose name contains ``name_part``, if given)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            if name_part and name_part not in proc.name():
                continue
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


class CpuMeter:
    """CPU seconds of the server and of Chromium between :meth:`start` and :meth:`stop`."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.server: list[float] = []
        self.browser: list[float] = []
        self._at = (0.0, 0.0)

    def _now(self) -> tuple[float, float]:
        # Chromium runs under Playwright's driver, a child of this process
        return cpu_seconds(self.server_pid), cpu_seconds(os.getpid(), "chrom")

    def start(self) -> None:
        self._at = self._now()

    def stop(self) -> None:
        server, browser = self._now()
        self.server.append(server - self._at[0])
        self.browser.append(browser - self._at[1])


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser(report: dict, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    port = _port()
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", OMP_WAIT_POLICY="PASSIVE")
    solara = str(Path(sys.executable).with_name("solara"))
    proc = subprocess.Popen([solara, "run", "app.py", "--host", "127.0.0.1", "--port",
                             str(port), "--no-open", "--production"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu"])
            page = chromium.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(300_000)
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_function("() => { const b = document.querySelector('.run-button');"
                                   " return b && !b.disabled; }")
            report["page_ready_s"] = time.perf_counter() - start
            clicks = []
            meter = CpuMeter(proc.pid)
            lever = ".lever-pv_subsidy-household-level-input input"
            for k in range(repeats + 1):
                if k:
                    page.get_by_text("Rooftop and fishery PV", exact=False).first.click() \
                        if k == 1 else None
                    commit(page, lever, f"{0.3 + 0.1 * k:.1f}", ".stale-banner")
                time.sleep(1.0)  # the lever change's renders are over
                meter.start()
                start = time.perf_counter()
                page.locator(".run-button").click()
                drawn(page, "emissions", k + 1)
                clicks.append(time.perf_counter() - start)
                meter.stop()
            # the same, Run clicked as soon as the results are marked stale (the run made
            # ahead of Run is still under way: the click waits for it)
            at_once = []
            at_once_meter = CpuMeter(proc.pid)
            for k in range(repeats):
                commit(page, lever, f"{0.35 + 0.1 * k:.2f}", ".stale-banner")
                at_once_meter.start()
                start = time.perf_counter()
                page.locator(".run-button").click()
                drawn(page, "emissions", repeats + 2 + k)
                at_once.append(time.perf_counter() - start)
                at_once_meter.stop()
                time.sleep(1.0)
            report["first_click_to_chart_s"] = clicks[0]  # the server prefilled these runs
            report["click_at_once_to_chart_s"] = at_once
            report["click_at_once_to_chart_median_s"] = statistics.median(at_once)
            report["click_at_once_server_cpu_s"] = at_once_meter.server
            report["click_at_once_browser_cpu_s"] = at_once_meter.browser
            report["warm_click_to_chart_s"] = clicks[1:]
            report["warm_click_to_chart_median_s"] = statistics.median(clicks[1:])
            report["warm_click_server_cpu_s"] = meter.server[1:]
            report["warm_click_browser_cpu_s"] = meter.browser[1:]
            # instant preview: a lever change (Enter) until the chart of its preview is drawn
            page.locator(".instant-run").get_by_text("Instant preview", exact=False).click()
            instant = []
            meter = CpuMeter(proc.pid)
            number = 2 * repeats + 1
            for k in range(repeats + 2):
                value = f"{0.35 + 0.1 * k:.2f}"
                field = page.locator(lever)
                field.fill(value)
                time.sleep(1.0)  # the previous run's renders (and its accounting) are over
                meter.start()
                start = time.perf_counter()
                field.press("Enter")
                number += 1
                drawn(page, "emissions", number)
                instant.append(time.perf_counter() - start)
                meter.stop()
                page.locator(".preview-banner").wait_for()
            page.locator(".instant-run").get_by_text("Instant preview", exact=False).click()
            report["instant_change_to_chart_s"] = instant
            report["instant_change_to_chart_median_s"] = statistics.median(instant)
            report["instant_server_cpu_s"] = meter.server
            report["instant_browser_cpu_s"] = meter.browser
            tabs = {}
            for visit in ("first", "again"):
                for tab, name in (("adoption", "adoption"), ("districts", "district_map"),
                                  ("cost", "cost"), ("emissions", "emissions")):
                    start = time.perf_counter()
                    page.locator(f".tab-{tab}").click()
                    appears(page, f".chart-{name} .plotly-chart[data-drawn]")
                    tabs[f"{tab}_{visit}"] = time.perf_counter() - start
            report["tab_switch_s"] = tabs
            chromium.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def appears(page, selector: str) -> None:
    """Wait until ``selector`` matches, checking on every animation frame.

    (A locator's ``wait_for`` checks every 500 ms after its first few tries, which would
    round every time up to the next half second.)
    """
    page.wait_for_function("selector => document.querySelector(selector) !== null",
                           arg=selector, polling="raf")


def commit(page, selector: str, value: str, then: str) -> None:
    """Type ``value`` into a lever's field and press Enter until ``then`` shows.

    An Enter pressed while the field is still being wired up (its group just opened) is lost;
    the benchmark presses it again instead of waiting forever.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    field = page.locator(selector)
    field.fill(value)
    for _ in range(5):
        field.press("Enter")
        try:
            page.locator(then).wait_for(timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    page.locator(then).wait_for()


def drawn(page, chart: str, number: int) -> None:
    """Wait until plotly.js has drawn ``chart`` of run ``number`` (``webapp/plotly.vue``)."""
    appears(page, f'.chart-{chart} .plotly-chart[data-drawn="{number}"]')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-cache runs")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser timings")
    parser.add_argument("--repeats", type=int, default=3, help="warm runs timed (default 3)")
    args = parser.parse_args()
    report: dict = {"cpus": os.cpu_count(), "load_avg_1min": os.getloadavg()[0]}
    if not args.no_cold:
        cold(report)
    if not args.no_browser:
        browser(report, args.repeats)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_app.json").write_text(json.dumps(report, indent=2) + "\n")
    for key, value in report.items():
        if isinstance(value, float):
            value = f"{value:.2f}"
        elif isinstance(value, list):
            value = ", ".join(f"{v:.2f}" for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k} {v:.2f}" for k, v in value.items())
        print(f"{key:32s} {value}")


if __name__ == "__main__":
    main()
