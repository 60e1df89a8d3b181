"""Benchmark of the monthly step: kernels vs the reference path, RNG, and the whole city.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_step.py``). Prints a Markdown
table and writes ``benchmarks/out/latest.json``. Speed is reported, never asserted: machines
are shared and noisy.

1. Agent-steps per second of the Numba kernels and of the agents' plain ``step()`` on the
   same population and months (``--compare-scale``, ``--compare-months``), and their ratio.
2. Counter-based random draws vs materialising ``Generator.random`` arrays (ns per number).
3. The whole city (``scale=1``) from 2020 to ``--end-year``: synthesis and run wall time and
   peak resident memory, in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import subprocess
import sys
import time
from pathlib import Path

import numba as nb
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from abm.model import JiangmenModel  # noqa: E402
from abm.population import synthesise  # noqa: E402
from abm.rng import RandomStreams, draw  # noqa: E402
from abm.scenario import load_scenario  # noqa: E402

logging.getLogger("MESA").setLevel(logging.WARNING)


def compare_engines(scale: float, months: int, seed: int = 0) -> dict[str, float]:
    """Agent-steps per second of both engines on the same population and months."""
    scenario = load_scenario("plan")
    population = synthesise(scenario.params, scale, seed)
    n_agents = sum(t.n for t in population.tables.values())
    warm = JiangmenModel(scenario=scenario, rng=seed, end_year=2021, population=population)
    warm.step()  # load or compile the kernels outside the timing
    rates = {}
    for engine in ("numba", "reference"):
        model = JiangmenModel(scenario=scenario, rng=seed, end_year=2060, population=population,
                              engine=engine)
        start = time.perf_counter()
        for _ in range(months):
            model.step()
        seconds = time.perf_counter() - start
        rates[engine] = n_agents * months / seconds
    return {"agents": n_agents, "months": months, "kernel_agent_steps_per_s": rates["numba"],
            "reference_agent_steps_per_s": rates["reference"],
            "ratio": rates["numba"] / rates["reference"]}


@nb.njit(parallel=True, cache=True)
def _sum_draws(key: np.uint64, month: int, n: int) -> float:
    """Draws used in place, as the kernels use them (nothing stored)."""
    total = 0.0
    for i in nb.prange(n):
        total += draw(key, month, i)
    return total


def compare_rng(n: int = 2_500_000, repeats: int = 10) -> dict[str, float]:
    """Nanoseconds per uniform number: counter-based stream vs Generator.random."""
    streams = RandomStreams(0)
    key = streams.key("household_pv")
    streams.uniforms("household_pv", 0, 10)
    _sum_draws(key, 0, 10)
    start = time.perf_counter()
    for month in range(repeats):
        streams.uniforms("household_pv", month, n)
    counter = (time.perf_counter() - start) / (repeats * n) * 1e9
    start = time.perf_counter()
    for month in range(repeats):
        _sum_draws(key, month, n)
    in_place = (time.perf_counter() - start) / (repeats * n) * 1e9
    generator = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(repeats):
        generator.random(n)
    materialised = (time.perf_counter() - start) / (repeats * n) * 1e9
    return {"counter_in_kernel_ns_per_draw": in_place, "counter_array_ns_per_draw": counter,
            "generator_ns_per_draw": materialised}


WHOLE_CITY = """
import json, logging, resource, time
logging.getLogger("MESA").setLevel(logging.WARNING)
from abm.model import JiangmenModel
from abm.population import synthesise
from abm.scenario import load_scenario
scenario = load_scenario("plan")
start = time.perf_counter()
population = synthesise(scenario.params, 1, 0)
synthesis = time.perf_counter() - start
start = time.perf_counter()
model = JiangmenModel(scenario=scenario, rng=0, end_year={end_year}, population=population,
                      agent_views=False)
model.run()
run = time.perf_counter() - start
print(json.dumps({{"agents": sum(t.n for t in population.tables.values()),
                   "months": model.n_months, "synthesis_s": synthesis, "run_s": run,
                   "total_s": synthesis + run,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def whole_city(end_year: int) -> dict[str, float]:
    """Whole-city run in a fresh process (kernels already compiled and cached)."""
    out = subprocess.run([sys.executable, "-c", WHOLE_CITY.format(end_year=end_year)],
                         capture_output=True, text=True, check=True, cwd=HERE.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare-scale", type=float, default=200.0)
    parser.add_argument("--compare-months", type=int, default=12)
    parser.add_argument("--end-year", type=int, default=2060)
    parser.add_argument("--skip-city", action="store_true")
    args = parser.parse_args()
    command = "python benchmarks/bench_step.py " + " ".join(sys.argv[1:])
    result = {"command": command.strip(), "python": platform.python_version(),
              "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
              "engines": compare_engines(args.compare_scale, args.compare_months),
              "rng": compare_rng()}
    if not args.skip_city:
        result["whole_city"] = whole_city(args.end_year)
    e, r = result["engines"], result["rng"]
    lines = [f"Command: `{result['command']}` ({result['machine']}, Python {result['python']})",
             "", "| measure | value |", "|---|---|",
             f"| kernels, agent-steps/s ({e['agents']:,} agents × {e['months']} months) | "
             f"{e['kernel_agent_steps_per_s']:,.0f} |",
             f"| reference step(), agent-steps/s (same) | "
             f"{e['reference_agent_steps_per_s']:,.0f} |",
             f"| kernels / reference | {e['ratio']:,.0f}× |",
             f"| random draw, ns per number: counter-based in the kernel / counter-based "
             f"into an array / Generator.random array | {r['counter_in_kernel_ns_per_draw']:.2f}"
             f" / {r['counter_array_ns_per_draw']:.2f} / {r['generator_ns_per_draw']:.2f} |"]
    if "whole_city" in result:
        c = result["whole_city"]
        lines += [f"| whole city (scale 1, {c['agents']:,} agents), synthesis | "
                  f"{c['synthesis_s']:.1f} s |",
                  f"| whole city, run 2020-{args.end_year} ({c['months']} months) | "
                  f"{c['run_s']:.1f} s |",
                  f"| whole city, total | {c['total_s']:.1f} s |",
                  f"| whole city, peak memory (RSS) | {c['peak_rss_mb']:,.0f} MB |"]
    print("\n".join(lines))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
