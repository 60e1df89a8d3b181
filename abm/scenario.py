"""Scenarios: a named set of parameter overrides plus a list of policies, from TOML.

File layout (``data/scenarios/<name>.toml``)::

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

Everything is validated on load (the file's structure and each policy table with pydantic,
parameter values against the parameter table); errors name the file, the key, the value and
what is allowed. A TOML file must be a regular UTF-8 file of at most :data:`MAX_TOML_BYTES`
nested at most :data:`MAX_TOML_DEPTH` levels.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from abm.files import read_user_toml, safe_name
from abm.params import ParameterError, Parameters
from abm.policies import Policy, check_overlaps, make_policy

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
MAX_NAME_CHARS = 200
"""Longest scenario name, characters."""


def show(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _ScenarioFile(BaseModel):
    """The top level of a scenario file (types only; contents are checked elsewhere)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(None, description="one line of text with letters or digits, at "
                                               f"most {MAX_NAME_CHARS} characters")
    description: str = Field("", description="text")
    include: list[str] = Field([], description="a list of file paths (text)")
    parameters: dict[str, Any] = Field({}, description="a table of parameter keys and numbers "
                                                       "([parameters])")
    policies: list[dict[str, Any]] = Field([], description="an array of tables ([[policies]])")

    @field_validator("name")
    @classmethod
    def _one_line_name(cls, name: str | None) -> str | None:
        if name is not None:
            if (not name.strip() or len(name) > MAX_NAME_CHARS
                    or re.search(r"[\x00-\x1f\x7f]", name)):
                raise ValueError("bad name")
            safe_name(name)
        return name


class _IncludedFile(BaseModel):
    """An included parameter file: only [parameters] (and name, description, source)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field("", description="text")
    description: str = Field("", description="text")
    source: str = Field("", description="text")
    parameters: dict[str, Any] = Field({}, description="a table of parameter keys and numbers "
                                                       "([parameters])")


def _checked(model: type[BaseModel], tree: Any, where: str, what: str) -> BaseModel:
    """``tree`` validated by ``model``; the first problem as a ParameterError."""
    if not isinstance(tree, dict):
        raise ParameterError(f"{where}: got {show(tree)}; allowed: a table ({what})")
    try:
        return model.model_validate(tree)
    except ValidationError as error:
        problem = min(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
        key = str(problem["loc"][0])
        if problem["type"] == "extra_forbidden":
            raise ParameterError(f"{where}: unknown top-level key {key!r}; allowed: "
                                 f"{sorted(model.model_fields)} ({what})") from None
        item = (f" item {problem['loc'][1] + 1}" if len(problem["loc"]) > 1
                and isinstance(problem["loc"][1], int) else "")
        allowed = model.model_fields[key].description
        raise ParameterError(f"{where}: field {key!r}{item}: got {show(problem['input'])}; "
                             f"allowed: {allowed}") from None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a scenario or included TOML file (:func:`abm.files.read_user_toml`).

    Raises:
        ParameterError: Naming the file and the problem (missing, a folder or device, too
            big, not UTF-8, not TOML, nested too deeply).

    """
    return read_user_toml(path, "scenario file")


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


def scenario_path(name_or_path: str | Path) -> Path:
    """Resolve a scenario name (``plan``) or a path to its TOML file."""
    text = str(name_or_path)
    candidate = Path(name_or_path)
    if not text.strip():
        raise ParameterError("scenario: empty name; allowed: a scenario name "
                             f"{available_scenarios()} or a path to a .toml file")
    if candidate.suffix == ".toml" or candidate.exists() or not re.fullmatch(r"[\w-]+", text):
        return candidate
    path = SCENARIO_DIR / f"{text}.toml"
    if not path.exists():
        raise ParameterError(f"scenario {text!r} not found; known: {available_scenarios()} "
                             "(or give a path to a .toml file)")
    return path


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped in data/scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def parse_scenario(tree: dict[str, Any], where: str, base_dir: Path | None = None) -> Scenario:
    """Validate a scenario given as a parsed TOML tree.

    Args:
        tree: The parsed file.
        where: Where it comes from (a file name), for messages.
        base_dir: Folder that ``include`` paths are relative to (default: the scenarios).

    Raises:
        ParameterError: Naming ``where``, the field, the value and what is allowed.

    """
    top = _checked(_ScenarioFile, tree, where, "a scenario file")
    overrides: dict[str, Any] = {}
    for include in top.include:
        path = (base_dir or SCENARIO_DIR) / include
        try:
            tree = read_toml(path)
        except ParameterError as error:
            raise ParameterError(f"{where}: include {show(include)}: {error}") from None
        included = _checked(_IncludedFile, tree, str(path),
                            "an included file holds only parameters")
        overrides.update(Parameters(included.parameters, str(path)).overrides)
    params = Parameters({**overrides, **Parameters(top.parameters, where).overrides}, where)
    policies = [make_policy(p, f"{where}, policy {i + 1}") for i, p in enumerate(top.policies)]
    check_overlaps(policies, where)
    name = top.name if top.name is not None else Path(where).stem
    return Scenario(name, params, policies, top.description)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario by name or path."""
    path = scenario_path(name_or_path)
    tree = read_toml(path)
    if not tree:
        raise ParameterError(f"{path}: the file is empty; allowed: a scenario file with "
                             f"{sorted(_ScenarioFile.model_fields)}")
    return parse_scenario(tree, str(path), path.parent)
