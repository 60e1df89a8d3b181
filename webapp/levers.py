"""The levers of the page, generated from the policy declarations and the parameter table.

Nothing about a lever (range, unit, label, default) is written here: policy fields come from
:data:`abm.policies.POLICY_TYPES` (their :class:`~abm.policies.LevelField`), parameters from
:func:`abm.params.parameter_table`. This module only says which plan group each policy kind
and parameter section belongs to, and keeps the page's editable copy of a scenario (a
*draft*): plain dictionaries that the page changes and that become a validated
:class:`~abm.scenario.Scenario` through :func:`abm.scenario.parse_scenario`.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

from abm import files
from abm.limits import FIRST_YEAR, LAST_YEAR
from abm.params import ParameterError, ParamSpec, parameter_table
from abm.policies import POLICY_TYPES, LevelField, Policy
from abm.scenario import MAX_NAME_CHARS, Scenario, parse_scenario
from webapp import i18n

YEAR_MIN, YEAR_MAX = FIRST_YEAR, LAST_YEAR
"""Years the model can simulate (policies may be given for these years)."""


@dataclass(frozen=True)
class LeverGroup:
    """A group of levers as the plan groups them: policy kinds and parameter sections."""

    key: str
    kinds: tuple[str, ...]
    param_prefixes: tuple[str, ...] = ()


GROUPS: tuple[LeverGroup, ...] = (
    LeverGroup("rooftop_pv", ("pv_subsidy", "feed_in_premium")),
    LeverGroup("vehicles", ("ev_purchase_subsidy", "purchase_tax_exemption",
                            "charging_buildout")),
    LeverGroup("buildings", ("retrofit_subsidy", "green_building_mandate")),
    LeverGroup("carbon_inclusive", ("carbon_inclusive",), ("carbon_inclusive.",)),
    LeverGroup("green_finance", ("green_finance",), ("finance.",)),
    LeverGroup("carbon_price", ("carbon_price", "ets_expansion")),
    LeverGroup("grid", (), ("grid.",)),
    LeverGroup("industry_fishery", ("coal_phaseout", "vessel_replacement_subsidy",
                                    "green_power_subsidy")),
)


def lever_groups() -> list[LeverGroup]:
    """The groups, plus an ``other`` group for any policy kind no group names."""
    named = {kind for g in GROUPS for kind in g.kinds}
    rest = tuple(kind for kind in POLICY_TYPES if kind not in named)
    return [*GROUPS, *([LeverGroup("other", rest)] if rest else [])]


def group_parameters(group: LeverGroup) -> list[ParamSpec]:
    """Parameter-table rows shown as levers in ``group``."""
    return [spec for key, spec in parameter_table().items()
            if any(key.startswith(prefix) for prefix in group.param_prefixes)]


def explanation(cls: type[Policy]) -> str:
    """One-line explanation of a policy kind: the first line of its docstring."""
    return (cls.__doc__ or cls.label).strip().splitlines()[0]


def step_of(spec: LevelField | ParamSpec) -> float:
    """A slider step: about a hundredth of the range, rounded to 1, 2 or 5 × 10^n."""
    span = spec.max - spec.min
    if span <= 0:
        return 1.0
    raw = span / 100.0
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


# --------------------------------------------------------------------------- drafts
def draft_from_scenario(scenario: Scenario) -> dict[str, Any]:
    """An editable copy of a scenario (plain, deep-copied data)."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "parameters": dict(scenario.params.overrides),
        "policies": [{"kind": p.kind, "choice": dict(p.choice), "levels": dict(p.levels),
                      "start": p.start, "end": p.end, "why": p.why}
                     for p in scenario.policies],
    }


def policy_table(entry: dict[str, Any]) -> dict[str, Any]:
    """A draft policy as a scenario-file table."""
    return {"kind": entry["kind"], **entry["choice"], **entry["levels"], "start": entry["start"],
            "end": entry["end"], **({"why": entry["why"]} if entry.get("why") else {})}


def scenario_tree(draft: dict[str, Any]) -> dict[str, Any]:
    """A draft as a parsed scenario file (the tree :func:`parse_scenario` validates)."""
    return {"name": draft["name"], "description": draft.get("description", ""),
            "parameters": dict(draft["parameters"]),
            "policies": [policy_table(p) for p in draft["policies"]]}


def safe_name(name: Any) -> str:
    """A scenario name usable as a file name (:func:`abm.files.safe_name`); ``""`` if none.

    The same rule as the CLI's: letters, digits, ``_``, ``-`` and ``.``, never a path.
    """
    try:
        return files.safe_name(name)
    except ParameterError:
        return ""


def _number(value: Any) -> float | None:
    """``value`` as a finite number, or None (text, ``None``, ``bool``, ``inf``, ``nan``...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _name_error(name: Any, lang: str = "en") -> str:
    """What is wrong with a scenario name ("" if nothing)."""
    if not isinstance(name, str) or not safe_name(name):
        return i18n.message("name", lang)
    if len(name) > MAX_NAME_CHARS or re.search(r"[\x00-\x1f\x7f]", name):
        return i18n.message("name_long", lang, n=MAX_NAME_CHARS)
    return ""


def field_errors(draft: dict[str, Any], lang: str = "en") -> dict[str, str]:
    """Every invalid input of a draft, keyed by the input's id, with a readable message.

    Ids: ``name``, ``param:<key>``, ``policy:<i>:<field>``, ``policy:<i>:start`` / ``end``,
    ``policy:<i>:years`` for an empty span and ``policy:<i>:kind`` for an unknown kind.
    Messages are in ``lang`` ("en" or "zh"; :data:`webapp.i18n.MESSAGES`).
    """
    errors: dict[str, str] = {}
    msg = lambda which, **v: i18n.message(which, lang, **v)  # noqa: E731
    if message := _name_error(draft.get("name"), lang):
        errors["name"] = message
    table = parameter_table()
    for key, value in draft["parameters"].items():
        spec = table.get(key)
        number = _number(value)
        if spec is None:
            errors[f"param:{key}"] = msg("param_unknown", key=key)
            continue
        label = spec.label_zh if lang == "zh" else spec.label_en
        bounds = {"label": label, "lo": spec.min, "hi": spec.max,
                  "unit": i18n.unit_label(spec.unit, lang) if lang == "zh" else spec.unit}
        if number is None:
            errors[f"param:{key}"] = msg("not_number", **bounds)
        elif not spec.min <= number <= spec.max:
            errors[f"param:{key}"] = msg("out_of_range", value=number, **bounds)
        elif spec.type == "int" and not number.is_integer():
            errors[f"param:{key}"] = msg("not_whole", value=number, **bounds)
    for i, entry in enumerate(draft["policies"]):
        kind = entry.get("kind")
        cls = POLICY_TYPES.get(kind) if isinstance(kind, str) else None
        if cls is None:
            errors[f"policy:{i}:kind"] = msg("kind_unknown", kind=kind,
                                             allowed=sorted(POLICY_TYPES))
            continue
        policy = i18n.policy_label(cls, lang)
        for name, spec in cls.fields.items():
            value = _number(entry["levels"].get(name))
            bounds = {"policy": policy, "label": i18n.field_label(cls.kind, name, spec.label,
                                                                  lang),
                      "lo": spec.min, "hi": spec.max,
                      "unit": i18n.unit_label(spec.unit, lang) if lang == "zh" else spec.unit}
            if value is None:
                errors[f"policy:{i}:{name}"] = msg("field_not_number", **bounds)
            elif not spec.min <= value <= spec.max:
                errors[f"policy:{i}:{name}"] = msg("field_range", value=value, **bounds)
        for end in ("start", "end"):
            year = entry.get(end)
            if (isinstance(year, bool) or not isinstance(year, int)
                    or not YEAR_MIN <= year <= YEAR_MAX):
                word = i18n.END_WORDS[end][1 if lang == "zh" else 0]
                errors[f"policy:{i}:{end}"] = msg("year_bad", policy=policy, end=word,
                                                  year=year, lo=YEAR_MIN, hi=YEAR_MAX)
        start, end = entry.get("start"), entry.get("end")
        if isinstance(start, int) and isinstance(end, int) and end < start:
            errors[f"policy:{i}:years"] = msg("empty_span", policy=policy, start=start, end=end)
    return errors


def build_scenario(draft: dict[str, Any]) -> Scenario:
    """The validated scenario of a draft.

    Raises:
        ParameterError: The first problem (from :func:`field_errors`, or from the engine's
            own validation, e.g. two policies of a kind in force in the same year).

    """
    errors = field_errors(draft)
    if errors:
        raise ParameterError(next(iter(errors.values())))
    return parse_scenario(scenario_tree(draft), f"levers of {draft['name']!r}")


def scenario_toml(draft: dict[str, Any]) -> str:
    """The draft as a scenario TOML file the CLI runs unchanged."""
    scenario = build_scenario(draft)
    scenario.name = safe_name(scenario.name)
    return scenario.to_toml()


def new_policy(draft: dict[str, Any], kind: str, choice: dict[str, str] | None = None
               ) -> dict[str, Any]:
    """A new policy entry of ``kind``: declared defaults (or the neutral minimum).

    Its years follow any policy of the same kind and option already in the draft, so that
    adding does not create an overlap; otherwise 2024–2030.
    """
    cls = POLICY_TYPES[kind]
    choice = dict(choice or {name: values[0] for name, values in cls.options.items()})
    same = [p for p in draft["policies"] if p["kind"] == kind and p["choice"] == choice]
    ends = [p["end"] for p in same if isinstance(p["end"], int)]
    start = max(ends) + 1 if ends else 2024
    start = min(start, YEAR_MAX)
    end = min(max(start, 2030), YEAR_MAX)
    levels = {name: spec.default if spec.default is not None else spec.min
              for name, spec in cls.fields.items()}
    return {"kind": kind, "choice": choice, "levels": levels, "start": start, "end": end,
            "why": "added in the app"}


def with_policy_value(draft: dict[str, Any], index: int, field: str, value: Any
                      ) -> dict[str, Any]:
    """A copy of the draft with one policy field (a level, ``start`` or ``end``) changed."""
    out = copy.deepcopy(draft)
    entry = out["policies"][index]
    if field in ("start", "end"):
        entry[field] = value
    else:
        entry["levels"][field] = value
    return out


def with_parameter(draft: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A copy of the draft with a parameter override set (``None`` removes it)."""
    out = copy.deepcopy(draft)
    if value is None:
        out["parameters"].pop(key, None)
    else:
        out["parameters"][key] = value
    return out
