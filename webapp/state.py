"""What the page remembers and compares, without Solara.

Request keys, URL state, imports, lever differences, rounding and the marginal figures of a
comparison.

Everything here is a plain function of drafts (``webapp.levers``), run inputs and
:class:`webapp.runner.RunSet`, so it is tested without a browser.
"""

from __future__ import annotations

import base64
import json
import math
import re
import tomllib
import unicodedata
import zlib
from typing import Any

from abm.params import ParameterError, parameter_table
from abm.policies import POLICY_TYPES
from abm.scenario import parse_scenario
from webapp import i18n, levers

URL_VERSION = 1
MAX_IMPORT_BYTES = 200_000
"""A scenario file larger than this is refused (the shipped ones are a few kB)."""
MIN_MARGINAL_MT = 0.05
"""Below this difference in paid-lever abatement (Mt) a marginal cost per tonne is not shown."""


# --------------------------------------------------------------------------- numbers
def parse_number(text: Any) -> float | str:
    """A typed number, or the text itself when it is not a finite number.

    Full-width digits (``０．５``) are read as ASCII. A comma is a thousands separator only
    between groups of three digits (``1,000`` and ``12,500.5``); a single comma between digits
    otherwise is a decimal comma (``0,5`` is 0.5, never 5).
    """
    raw = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    if re.fullmatch(r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?", raw):
        raw = raw.replace(",", "")
    elif re.fullmatch(r"[+-]?\d+,\d+", raw):
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return str(text)
    return value if math.isfinite(value) else str(text)


def parse_int(text: Any) -> int | str:
    """A typed whole number, or the text itself."""
    value = parse_number(text)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return str(text)


def plain(value: Any, digits: int = 1, grouping: bool = True) -> str:
    """A number for a table cell: rounded, never ``-0.0``; ``—`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    rounded = round(float(value), digits)
    if rounded == 0:
        rounded = 0.0
    text = f"{rounded:,.{digits}f}" if grouping else f"{rounded:.{digits}f}"
    return text.replace("-", "−")


def signed(value: Any, digits: int = 1) -> str:
    """A difference: ``+1.2``, ``−0.3`` or ``0.0`` (no ``+0`` or ``−0.0``)."""
    text = plain(value, digits)
    if text == "—":
        return text
    rounded = round(float(value), digits)
    return f"+{text}" if rounded > 0 else text


# --------------------------------------------------------------------------- request keys
def request_key(draft: dict[str, Any], inputs: dict[str, str]) -> str:
    """A text that is equal for two requests exactly when they would run the same thing.

    ``inputs`` are the run inputs, the reference compared against (``against``) among them:
    a result is reused, and stays current, only for the same reference. The scenario's name
    and description are left out: renaming does not change results.
    """
    body = {k: v for k, v in draft.items() if k not in ("name", "description")}
    return json.dumps({"draft": body, "inputs": inputs}, sort_keys=True, default=str)


# --------------------------------------------------------------------------- URL state
def encode_state(state: dict[str, Any]) -> str:
    """The page's state as a URL-safe text (compressed JSON)."""
    raw = json.dumps({"v": URL_VERSION, **state}, sort_keys=True, default=str,
                     separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode_state(text: str | None) -> dict[str, Any]:
    """The state :func:`encode_state` wrote, or ``{}`` for anything else (never raises)."""
    if not text:
        return {}
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)),
                              bufsize=1 << 16)
        state = json.loads(raw)
    except (ValueError, zlib.error, TypeError):
        return {}
    if not isinstance(state, dict) or state.get("v") != URL_VERSION:
        return {}
    return state


def query_value(search: str | None, name: str) -> str | None:
    """One value of a URL query string (``a=1&b=2``)."""
    for part in (search or "").split("&"):
        key, _, value = part.partition("=")
        if key == name:
            return value
    return None


def valid_draft(draft: Any) -> bool:
    """Whether ``draft`` has the shape of a lever draft (its values are checked later)."""
    return (isinstance(draft, dict) and isinstance(draft.get("parameters"), dict)
            and isinstance(draft.get("policies"), list)
            and all(isinstance(p, dict) and isinstance(p.get("levels"), dict)
                    and isinstance(p.get("choice"), dict) and "start" in p and "end" in p
                    for p in draft["policies"]))


def valid_inputs(inputs: Any, keys: tuple[str, ...]) -> bool:
    """Whether ``inputs`` has every run input as text."""
    return isinstance(inputs, dict) and all(isinstance(inputs.get(k), str) for k in keys)


# --------------------------------------------------------------------------- import
def import_scenario(content: bytes, filename: str, lang: str = "en"
                    ) -> tuple[dict[str, Any] | None, str]:
    """A scenario TOML file as a draft, validated as the CLI validates it.

    Returns ``(draft, "")`` or ``(None, message)``; the message (in ``lang``, from
    :data:`webapp.i18n.MESSAGES`) names the file and, from the engine's validation
    (:func:`abm.scenario.parse_scenario`), the field and what is allowed.
    """
    name = str(filename or "scenario.toml")
    if len(content) > MAX_IMPORT_BYTES:
        return None, i18n.message("import_too_big", lang, name=name,
                                  kb=MAX_IMPORT_BYTES // 1000)
    try:
        tree = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        return None, i18n.message("import_not_text", lang, name=name)
    except tomllib.TOMLDecodeError as error:
        return None, i18n.message("import_not_toml", lang, name=name, error=error,
                                  where=toml_place(error, lang))
    if not tree:
        return None, i18n.message("import_empty", lang, name=name)
    try:
        scenario = parse_scenario(tree, name)
    except ParameterError as error:
        return None, i18n.message("import_invalid", lang, name=name, error=error)
    draft = levers.draft_from_scenario(scenario)
    if not levers.safe_name(draft["name"]):
        draft["name"] = "imported"
    return draft, ""


def toml_place(error: tomllib.TOMLDecodeError, lang: str) -> str:
    """Where in the file a TOML error is, in ``lang`` (``""`` if the error does not say)."""
    place = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
    if place:
        return i18n.message("toml_at", lang, line=place[1], column=place[2])
    return i18n.message("toml_at_end", lang) if "end of document" in str(error) else ""


# --------------------------------------------------------------------------- lever diffs
def lever_values(draft: dict[str, Any], lang: str = "en") -> dict[tuple, tuple[str, str]]:
    """Every lever of a draft: ``{key: (label, value as text)}``.

    Policies are keyed by kind, option and their order among the same kind and option (the
    first and a second period of a PV subsidy are two levers); parameters by their key, with
    the table's default when the draft does not override them.
    """
    out: dict[tuple, tuple[str, str]] = {}
    seen: dict[tuple, int] = {}
    for entry in draft["policies"]:
        cls = POLICY_TYPES.get(entry.get("kind"))
        if cls is None:
            continue
        choice = tuple(sorted(entry["choice"].items()))
        nth = seen.get((cls.kind, choice), 0)
        seen[(cls.kind, choice)] = nth + 1
        options = " · ".join(i18n.option_label(v, lang) for _, v in choice)
        title = i18n.policy_label(cls, lang) + (f" [{options}]" if options
                                                                else "")
        if nth:
            title += f" ({nth + 1})"
        for name, spec in cls.fields.items():
            value = entry["levels"].get(name)
            shown = (f"{value:g} {i18n.unit_label(spec.unit, lang)}".strip()
                     if isinstance(value, int | float) else str(value))
            out[("policy", cls.kind, choice, nth, name)] = (
                f"{title}: {i18n.field_label(cls.kind, name, spec.label, lang)}", shown)
        out[("policy", cls.kind, choice, nth, "years")] = (
            f"{title}: {i18n.tr('years', lang)}", f"{entry['start']}–{entry['end']}")
    table = parameter_table()
    for key, spec in table.items():
        value = draft["parameters"].get(key, spec.default)
        label = spec.label_zh if lang == "zh" else spec.label_en
        shown = (f"{value:g} {i18n.unit_label(spec.unit, lang)}".strip()
                 if isinstance(value, int | float) else str(value))
        out[("param", key)] = (label, shown)
    return out


def lever_diff(drafts: list[dict[str, Any]], lang: str = "en") -> list[tuple[str, list[str]]]:
    """The levers whose values are not the same in every draft: ``[(label, [values])]``.

    A lever a draft lacks (a policy it does not have) shows as ``—``.
    """
    values = [lever_values(d, lang) for d in drafts]
    keys: list[tuple] = []
    for one in values:
        keys += [k for k in one if k not in keys]
    rows = []
    for key in keys:
        cells = [one[key][1] if key in one else "—" for one in values]
        if len(set(cells)) > 1:
            label = next(one[key][0] for one in values if key in one)
            rows.append((label, cells))
    return rows


def changed_levers(draft: dict[str, Any], base: dict[str, Any]) -> set[tuple]:
    """Keys of :func:`lever_values` whose value differs from the scenario's (``base``)."""
    now, then = lever_values(draft), lever_values(base)
    return {k for k in now if then.get(k, (None, None))[1] != now[k][1]} | \
        {k for k in then if k not in now}


def policy_key(draft: dict[str, Any], index: int) -> tuple:
    """``(kind, option, nth)`` of the draft's policy ``index`` (the prefix of its lever keys)."""
    entry = draft["policies"][index]
    choice = tuple(sorted(entry["choice"].items()))
    nth = sum(1 for p in draft["policies"][:index]
              if p.get("kind") == entry.get("kind") and tuple(sorted(p["choice"].items()))
              == choice)
    return (entry.get("kind"), choice, nth)


# --------------------------------------------------------------------------- comparisons
def marginal(current: dict[str, float], pinned: dict[str, float]) -> dict[str, float]:
    """Marginal figures of the current run against a pinned one (both vs the same baseline).

    ``abatement_mt``: the change in abatement against the baseline (Mt CO2, cumulative over
    the run's years). ``paid_mt``: the change in abatement of the paid levers
    (:mod:`abm.accounting`). ``spending_mcny``: the change in extra public spending over the
    baseline. ``cny_per_t``: that change in spending per tonne of the change in paid-lever
    abatement, NaN when the latter is below :data:`MIN_MARGINAL_MT` (a ratio of noise).
    """
    d_abated = current["abated_mt"] - pinned["abated_mt"]
    d_paid = current["abated_paid_mt"] - pinned["abated_paid_mt"]
    d_spend = current["extra_spending_mcny"] - pinned["extra_spending_mcny"]
    per_t = d_spend / d_paid if abs(d_paid) >= MIN_MARGINAL_MT else float("nan")
    return {"abatement_mt": d_abated, "paid_mt": d_paid, "spending_mcny": d_spend,
            "cny_per_t": per_t}
