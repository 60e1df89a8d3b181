"""The identity of a result: a hash of everything that produced it.

A stored result may be reused only when its identity matches. The identity covers

* the **resolved scenario**: every parameter override after all included files are merged
  (so a new ``calibrated.toml`` changes it) and every policy with its levels and years;
* the **data**: the content of every table under ``data/`` (the parameter table included;
  scenarios and calibrated parameter files count through the resolved scenario);
* the **code**: the content of every Python file of the model (``abm/``, ``agents/``);
* the **run settings**: scale, seed, end year and engine.

Names, descriptions and ``why`` notes do not change results and are left out. Content
hashes (not git) are used so that the identity is the same on every worker and in a tree
with uncommitted changes; :func:`code_version` adds the git commit for people to read.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from abm.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
MODEL_CODE = ("abm", "agents")
"""Folders whose Python files make up the model's code."""
SCENARIO_DATA = ("scenarios", "calibrated")
"""Folders of ``data/`` that enter a result through its resolved scenario, not the data hash
(so editing one scenario does not change the identity of another's runs)."""


def _hash_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def code_hash() -> str:
    """Content hash of the model's Python files (16 hex digits)."""
    return _hash_files([p for folder in MODEL_CODE for p in (ROOT / folder).rglob("*.py")])


@functools.cache
def data_hash() -> str:
    """Content hash of the data tables under ``data/`` (16 hex digits)."""
    return _hash_files([p for p in (ROOT / "data").rglob("*") if p.is_file()
                        and p.suffix in (".csv", ".toml", ".json")
                        and p.relative_to(ROOT / "data").parts[0] not in SCENARIO_DATA])


@functools.cache
def git_commit() -> str:
    """The git commit of the tree (12 hex digits, ``-dirty`` if the model has changes)."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                "--untracked-files=no", "--", *MODEL_CODE, "data"],
                               capture_output=True, text=True, timeout=10, check=True)
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "no-git"


def code_version() -> str:
    """Readable code version: ``<git commit> code <code hash> data <data hash>``."""
    return f"{git_commit()} code {code_hash()} data {data_hash()}"


def scenario_content(scenario: Scenario) -> dict[str, Any]:
    """What in a scenario changes results: resolved overrides and policies (sorted)."""
    policies = [{k: v for k, v in p.to_toml_table().items() if k != "why"}
                for p in scenario.policies]
    return {"parameters": dict(sorted(scenario.params.overrides.items())),
            "policies": policies}


def scenario_hash(scenario: Scenario) -> str:
    """Content hash of a resolved scenario (16 hex digits)."""
    text = json.dumps(scenario_content(scenario), sort_keys=True, default=float)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def population_identity(params: Mapping[str, Any], *, scale: float, seed: int) -> str:
    """Identity of a synthesised population (24 hex digits).

    Every parameter value, scale, seed, data and code: all that
    :func:`abm.population.synthesise` reads.
    """
    payload = {"params": dict(sorted(params.items())), "scale": float(scale), "seed": int(seed),
               "data": data_hash(), "code": code_hash()}
    text = json.dumps(payload, sort_keys=True, default=float)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def run_identity(scenario: Scenario, *, scale: float, seed: int, end_year: int,
                 engine: str = "numba", **extra: Any) -> str:
    """Identity of one run (24 hex digits): scenario content, settings, data and code.

    ``extra`` holds anything else that produced the result (e.g. an experiment's start
    year); it must be JSON-serialisable.
    """
    payload = {"scenario": scenario_content(scenario), "scale": float(scale), "seed": int(seed),
               "end_year": int(end_year), "engine": engine, "data": data_hash(),
               "code": code_hash(), **extra}
    text = json.dumps(payload, sort_keys=True, default=float)
    return hashlib.sha256(text.encode()).hexdigest()[:24]
