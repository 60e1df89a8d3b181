"""Scenarios: a named set of parameter overrides plus a list of policies, from TOML.

File layout (``experiments/scenarios/<name>.toml``)::

    name = "plan"
    description = "..."
    include = ["../calibrated.toml"]   # optional: parameter files merged first, in order
    [parameters]
    "economy.industry_growth" = 0.05    # dotted keys or nested tables
    [[policies]]
    kind = "pv_subsidy"
    group = "household"
    level = 0.3
    start = 2023
    end = 2027
    why = "..."

Everything is validated on load; errors name the file, the key, the value and what is
allowed.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abm.params import ParameterError, Parameters
from abm.policies import Policy, check_overlaps, make_policy

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"
_TOP_LEVEL = {"name", "description", "include", "parameters", "policies"}


@dataclass
class Scenario:
    """A validated scenario."""

    name: str
    params: Parameters = field(default_factory=Parameters)
    policies: list[Policy] = field(default_factory=list)
    description: str = ""

    def fresh_policies(self) -> list[Policy]:
        """Independent copies of the policies (they keep per-run state)."""
        return copy.deepcopy(self.policies)

    def with_parameters(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with further parameter overrides (validated)."""
        return Scenario(self.name, self.params.with_overrides(overrides, self.name),
                        self.fresh_policies(), self.description)

    def to_toml(self) -> str:
        """The scenario as a TOML file that :func:`load_scenario` reads back unchanged."""
        lines = [f"name = {_toml_value(self.name)}",
                 f"description = {_toml_value(self.description)}", "", "[parameters]"]
        lines += [f'"{k}" = {_toml_value(v)}' for k, v in sorted(self.params.overrides.items())]
        for policy in self.policies:
            lines += ["", "[[policies]]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in policy.to_toml_table().items()]
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ParameterError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ParameterError(f"{path}: not valid TOML ({error})") from None


def scenario_path(name_or_path: str | Path) -> Path:
    """Resolve a scenario name (``plan``) or a path to its TOML file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return candidate
    path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.exists():
        known = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
        raise ParameterError(f"scenario {str(name_or_path)!r} not found; known: {known} "
                             "(or give a path to a .toml file)")
    return path


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped in experiments/scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def parse_scenario(tree: dict[str, Any], where: str, base_dir: Path | None = None) -> Scenario:
    """Validate a scenario given as a parsed TOML tree."""
    for key in tree:
        if key not in _TOP_LEVEL:
            raise ParameterError(f"{where}: unknown top-level key {key!r}; allowed: "
                                 f"{sorted(_TOP_LEVEL)}")
    name = tree.get("name", Path(where).stem)
    if not isinstance(name, str) or not name:
        raise ParameterError(f"{where}: 'name' must be non-empty text, got {name!r}")
    overrides: dict[str, Any] = {}
    includes = tree.get("include", [])
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ParameterError(f"{where}: 'include' must be a list of file paths")
    for include in includes:
        path = (base_dir or SCENARIO_DIR) / include
        included = _read_toml(path)
        extra = set(included) - {"parameters", "name", "description", "source"}
        if extra:
            raise ParameterError(f"{path}: an included file may hold only [parameters] "
                                 f"(and name, description, source); found {sorted(extra)}")
        overrides.update(Parameters(included.get("parameters", {}), str(path)).overrides)
    params_table = tree.get("parameters", {})
    if not isinstance(params_table, dict):
        raise ParameterError(f"{where}: 'parameters' must be a table")
    params = Parameters({**overrides, **Parameters(params_table, where).overrides}, where)
    raw_policies = tree.get("policies", [])
    if not isinstance(raw_policies, list):
        raise ParameterError(f"{where}: 'policies' must be an array of tables ([[policies]])")
    policies = [make_policy(p, f"{where}, policy {i + 1}") for i, p in enumerate(raw_policies)]
    check_overlaps(policies, where)
    return Scenario(name, params, policies, str(tree.get("description", "")))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario by name or path."""
    path = scenario_path(name_or_path)
    return parse_scenario(_read_toml(path), str(path), path.parent)
