"""The layout holds: no import cycle, no import up a floor, columns named only in their group.

Floors (docs/ARCHITECTURE.md): data → state → rules → model → results → experiments and
calibration → app. Imports inside ``if TYPE_CHECKING:`` blocks are annotations, not
dependencies, and are left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("abm", "agents", "experiments", "calibration", "webapp")
FLOORS: dict[str, int] = {
    "abm": 1, "abm.data": 1, "abm.params": 1, "abm.limits": 1, "abm.files": 1,
    "abm.identity": 1, "abm.observed": 1,
    "abm.columns": 2, "abm.groups.base": 2,
    "abm.groups.decision": 3, "abm.groups.synthesis": 3, "abm.groups.households": 3,
    "abm.groups.vehicles": 3, "abm.groups.firms": 3, "abm.groups.fishers": 3,
    "abm.kernels": 3, "abm.rng": 3, "abm.growth": 3,
    "abm.groups": 4, "abm.policies": 4, "abm.market": 4, "abm.scenario": 4,
    "abm.population": 4, "abm.model": 4, "agents": 4,
    "abm.results": 5, "abm.headline": 5, "abm.accounting": 5, "abm.simulate": 5,
    "abm.charts": 5, "abm.cli": 5, "abm.__main__": 5, "abm.outputs": 5,
    "abm.indicators": 5, "abm.services": 5, "abm.supply": 5, "abm.fishery_pv": 5,
    "experiments": 6, "calibration": 6,
    "webapp": 7, "app": 7,
}


def modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def floor(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in FLOORS:
            return FLOORS[".".join(parts[:n])]
    raise AssertionError(f"{module}: no floor declared (add it to FLOORS and ARCHITECTURE.md)")


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports() -> dict[str, set[str]]:
    """Runtime imports between the project's modules (module and function level)."""
    mods = modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    target = sub if sub in mods else node.module
                    if target in mods and target != name:
                        graph[name].add(target)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in mods and alias.name != name:
                        graph[name].add(alias.name)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles of a module graph (depth-first search)."""
    state: dict[str, int] = {}
    path: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Imports up a floor (a package's __init__ may gather its own modules)."""
    return sorted(f"{a} (floor {floor(a)}) imports {b} (floor {floor(b)})"
                  for a, targets in graph.items() for b in targets
                  if floor(b) > floor(a) and not b.startswith(a + "."))


def test_no_import_cycle():
    cycles = find_cycles(imports())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_import_up_a_floor():
    up = upward(imports())
    assert not up, "\n".join(up)


def test_columns_are_indexed_only_in_their_group_module():
    """Outside abm/groups, metrics are looked up by name, never by a column constant."""
    constant = re.compile(r"\bk\.(?:[HVFX])_[A-Z_]+\b")
    offenders = [str(path.relative_to(ROOT)) for name, path in modules().items()
                 if not name.startswith("abm.groups") and constant.search(path.read_text())]
    assert not offenders, offenders


def test_the_checks_find_a_planted_cycle_and_upward_import():
    graph = imports()
    graph["abm.data"].add("abm.simulate")  # data (floor 1) importing results (floor 5)
    assert any(c[0] == "abm.data" or "abm.data" in c for c in find_cycles(graph))
    assert "abm.data (floor 1) imports abm.simulate (floor 5)" in upward(graph)


def test_a_new_policy_kind_is_one_class(monkeypatch, small_population):
    """A toy kind declared in one class is validated, writes its lever and books its spending.

    Nothing else is edited: the lever record, scenario validation and spending follow from
    the declarations (``docs/ARCHITECTURE.md``, "A policy kind").
    """
    import numpy as np

    from abm import policies
    from abm.groups import REGISTRY
    from abm.model import JiangmenModel
    from abm.scenario import Scenario, load_scenario

    class TimeOfUseTariff(policies.Policy):
        """Toy: a discount on off-peak household electricity (CNY/kWh)."""

        kind = "time_of_use_tariff"
        label = "Time-of-use tariff"
        pays = True
        fields = {"discount": policies.LevelField(0.0, 0.5, "CNY/kWh", "Off-peak discount")}
        levers = {"tou_discount": policies.Lever(0.0, "CNY/kWh", "Off-peak discount",
                                                 "discount")}
        spends_into = (("households", "pv_subsidy_cny"),)  # a stand-in metric

    monkeypatch.setitem(policies.POLICY_TYPES, TimeOfUseTariff.kind, TimeOfUseTariff)
    toy = policies.make_policy({"kind": "time_of_use_tariff", "discount": 0.1, "start": 2021,
                                "end": 2022}, "toy scenario")
    assert "tou_discount" in policies.declared_levers()
    with pytest.raises(policies.ParameterError, match="discount"):
        policies.make_policy({"kind": "time_of_use_tariff", "discount": 0.9, "start": 2021,
                              "end": 2022})
    model = JiangmenModel(scenario=Scenario("toy", load_scenario("baseline").params, [toy]),
                          scale=2000, rng=0, end_year=2022, population=small_population)
    assert model.month_levers(2020, 0.0)["tou_discount"] == 0.0
    assert model.month_levers(2021, 1.0)["tou_discount"] == 0.1
    group = REGISTRY["households"]
    sums = {name: np.zeros((7, len(g.metric_names))) for name, g in REGISTRY.items()}
    sums["households"][:, group.metric_index("pv_subsidy_cny")] = 1.0
    assert policies.book_spending([toy], sums, 2021)[0] == 7.0
    assert policies.book_spending([toy], sums, 2023)[0] == 0.0


EXAMPLE_RUN = """
import json
from abm.simulate import simulate
out = {}
for engine in ("numba", "reference"):
    run = simulate("plan", scale=500, seed=0, end_year=2023, engine=engine)
    out[engine] = {m: run.series(m).tolist() for m in ("heat_pump_share", "co2_residential")}
print(json.dumps(out))
"""


def test_a_new_technology_is_four_files(tmp_path):
    """docs/examples/heat_pump.py adds a technology in 4 files; both paths then run it.

    The example is applied to a copy of the tracked files; the copy compiles its own kernels
    (its Numba cache is keyed by its code) and runs 2020–2023 with the kernel and with the Mesa
    agents. Households adopt the heat pump, the two paths agree, and it saves electricity.
    """
    import json
    import os
    import shutil
    import subprocess
    import sys

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    copy = tmp_path / "repo"
    for name in files:
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    before = {name: (copy / name).read_bytes() for name in files if (copy / name).is_file()}
    subprocess.run([sys.executable, "docs/examples/heat_pump.py", str(copy)], cwd=ROOT,
                   check=True)
    changed = {name for name, content in before.items() if (copy / name).read_bytes() != content}
    sys.path.insert(0, str(ROOT / "docs" / "examples"))
    try:
        import heat_pump
    finally:
        sys.path.pop(0)
    assert changed == set(heat_pump.FILES) and len(changed) == 4

    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(copy)
    result = subprocess.run([sys.executable, "-c", EXAMPLE_RUN], cwd=copy, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for metric, values in out["numba"].items():
        np.testing.assert_allclose(values, out["reference"][metric], rtol=1e-12, atol=0.0)
    share = out["numba"]["heat_pump_share"]
    assert share[-1] > 0.0 and list(share) == sorted(share), share
