"""Policies (the plan's levers) as objects applied at one point of the monthly step.

Each policy has a ``kind``, a ``start`` and ``end`` year (inclusive) and declared level fields
with units and ranges. In the step, :meth:`Policy.apply` writes its levels into the month's
lever values while it is in force; after the decisions, :func:`book_spending` books what each
policy instance paid this month (CNY):

* a payment made at the time of a decision (capital subsidies, tax exemption, interest
  support, credit purchases, charge points) is booked to the instance in force that month,
  and only to it (:meth:`Policy.paid` reads the kernels' per-district sums); an instance
  books nothing before its start or after its end;
* feed-in premiums are locked in for the systems built while an instance is in force and
  keep being paid after it ends: each month's premium payments of an agent group are booked
  to the instances in proportion to the premium-weighted capacity each one locked in.

Splitting one policy into back-to-back instances therefore leaves total spending unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from abm.data import SECTOR_LABELS, SECTORS, VEHICLE_TYPE_LABELS, VEHICLE_TYPES
from abm.groups import metric_index
from abm.limits import POLICY_YEARS
from abm.params import ParameterError

OPTION_LABELS: dict[str, tuple[str, str]] = {
    "household": ("households", "居民"), "firm": ("firms", "企业"), "fisher": ("fishery", "渔业"),
    **SECTOR_LABELS, **VEHICLE_TYPE_LABELS,
}
"""English and Chinese name of each option value a policy kind offers (agent groups, sectors)."""


def option_label(value: str, lang: str = "en") -> str:
    """An option value's name in ``lang`` ("en" or "zh"); the value itself if it has none."""
    en, zh = OPTION_LABELS.get(value, (value, value))
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class LevelField:
    """A policy's numeric field: range, unit, default and label (used by validation and UI)."""

    min: float
    max: float
    unit: str
    label: str
    default: float | None = None


@dataclass(frozen=True)
class Lever:
    """A month value that policies set: a field of :class:`abm.market.Month`.

    Attributes:
        neutral: Its value when no policy sets it.
        unit: Unit of the value.
        label: What it means.
        field: The level field the default :meth:`Policy.apply` copies into it ("" when the
            policy computes it).
        stock: A stock the model carries from month to month (its neutral value is last
            month's value, not ``neutral``).

    """

    neutral: float
    unit: str
    label: str
    field: str = ""
    stock: bool = False


@dataclass
class Policy:
    """Base policy: in force from January of ``start`` to December of ``end``."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    label_zh: ClassVar[str] = ""
    """The kind's name in Chinese (the app and the output labels show it)."""
    fields: ClassVar[dict[str, LevelField]] = {}
    options: ClassVar[dict[str, tuple[str, ...]]] = {}
    levers: ClassVar[dict[str, Lever]] = {}
    """The month values this kind writes (see :func:`declared_levers`)."""
    spends_into: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(group, metric) pairs the kernels report this kind's payments in, CNY."""
    pays: ClassVar[bool] = False
    """Whether the policy spends public money (or forgoes revenue); unpaid policies are
    regulations and prices (mandates, phase-outs, the carbon price, ETS coverage)."""

    start: int
    end: int
    levels: dict[str, float] = field(default_factory=dict)
    choice: dict[str, str] = field(default_factory=dict)
    why: str = ""

    def __post_init__(self) -> None:
        """Hook for per-run state of subclasses."""

    def active(self, year: int) -> bool:
        """Whether the policy is in force in ``year``."""
        return self.start <= year <= self.end

    def apply(self, levers: dict[str, float], year: float) -> None:
        """Write this policy's lever values for a month of ``year`` (only while active).

        Default: copy each declared lever's level field into it.
        """
        for name, lever in self.levers.items():
            if lever.field:
                levers[name] = self.levels[lever.field]

    def spend_metrics(self) -> tuple[tuple[str, str], ...]:
        """(group, metric) pairs this instance's payments are reported in."""
        return self.spends_into

    def paid(self, sums: Mapping[str, np.ndarray]) -> float:
        """What the kernels report paid this month under this kind's levers, CNY."""
        total = 0.0
        for group, metric in self.spend_metrics():  # plain left-to-right addition (Python's
            total += _total(sums, group, metric)    # sum() of floats compensates rounding)
        return total

    def spending(self, sums: Mapping[str, np.ndarray], active: bool) -> float:
        """Public spending or forgone revenue of this instance this month, CNY.

        Only an instance in force pays: the kernels' total for the kind's lever is booked to
        it; an inactive instance books nothing.
        """
        return self.paid(sums) if active else 0.0

    @property
    def name(self) -> str:
        """A readable identifier, e.g. ``pv_subsidy[household] 2023-2027``."""
        opts = ",".join(self.choice.values())
        return f"{self.kind}{f'[{opts}]' if opts else ''} {self.start}-{self.end}"

    def progress(self, year: float) -> float:
        """Share of the way from ``start`` to the end of ``end`` reached at this month's end.

        ``(year + 1/12 − start) / (end + 1 − start)``, clipped to [0, 1]; ``year`` is the
        month's start in fractional years.
        """
        span = self.end + 1 - self.start
        return min(max((year + 1.0 / 12.0 - self.start) / span, 0.0), 1.0)

    @property
    def spending_key(self) -> str:
        """The key of its spending output (``spending_<key>``): kind and option values."""
        return self.kind + (f"_{'_'.join(self.choice.values())}" if self.choice else "")

    def label_in(self, lang: str = "en") -> str:
        """The kind's label with its option values, e.g. "PV capital subsidy (households)"."""
        label = self.label_zh if lang == "zh" else self.label
        opts = ", ".join(option_label(v, lang) for v in self.choice.values())
        if not opts:
            return label
        return f"{label}（{opts}）" if lang == "zh" else f"{label} ({opts})"

    def to_toml_table(self) -> dict[str, Any]:
        """The policy as a scenario-file table."""
        return {"kind": self.kind, **self.choice, **self.levels, "start": self.start,
                "end": self.end, **({"why": self.why} if self.why else {})}


def _total(sums: Mapping[str, np.ndarray], group: str, metric: str) -> float:
    return float(sums[group][:, metric_index(group, metric)].sum())


class PVSubsidy(Policy):
    """Capital subsidy per watt of PV installed, for one agent group."""

    kind = "pv_subsidy"
    label = "PV capital subsidy"
    label_zh = "光伏装机补贴"
    pays = True
    fields = {"level": LevelField(0.0, 3.0, "CNY/W", "Subsidy per watt installed")}
    options = {"group": ("household", "firm", "fisher")}
    levers = {f"pv_subsidy_{g}": Lever(0.0, "CNY/W", f"PV capital subsidy for {g}s")
              for g in options["group"]}
    GROUP_OF = {"household": "households", "firm": "firms", "fisher": "fishers"}

    def apply(self, levers: dict[str, float], year: float) -> None:  # noqa: D102
        levers[f"pv_subsidy_{self.choice['group']}"] = self.levels["level"]

    def spend_metrics(self) -> tuple[tuple[str, str], ...]:  # noqa: D102
        return ((self.GROUP_OF[self.choice["group"]], "pv_subsidy_cny"),)


class FeedInPremium(Policy):
    """Premium over the export price for PV power, locked in for systems built meanwhile.

    ``committed[group]`` is the premium-weighted capacity this instance locked in,
    CNY/kWh · kW: Σ over months in force of new PV kW × premium. :func:`book_spending` splits
    each month's premium payments of a group among instances in proportion to it.
    """

    kind = "feed_in_premium"
    label = "Feed-in premium for PV exports"
    label_zh = "光伏上网电价补贴"
    pays = True
    fields = {"level": LevelField(0.0, 0.5, "CNY/kWh", "Premium on exported PV power")}
    levers = {"fit_premium": Lever(0.0, "CNY/kWh", "Feed-in premium locked in at "
                                                   "installation", "level")}
    GROUPS: ClassVar[tuple[str, ...]] = ("households", "firms", "fishers")

    def __post_init__(self) -> None:
        self.committed = dict.fromkeys(self.GROUPS, 0.0)

    def commit(self, sums: Mapping[str, np.ndarray]) -> None:
        """Add this month's new capacity (built at this instance's premium)."""
        for group in self.GROUPS:
            self.committed[group] += _total(sums, group, "new_pv_kw") * self.levels["level"]


class RetrofitSubsidy(Policy):
    """Subsidy per m² of a household's green retrofit."""

    kind = "retrofit_subsidy"
    label = "Green retrofit subsidy"
    label_zh = "绿色改造补贴"
    pays = True
    fields = {"level": LevelField(0.0, 500.0, "CNY/m2", "Subsidy per m2 of floor retrofitted")}

    levers = {"retrofit_subsidy": Lever(0.0, "CNY/m2", "Retrofit subsidy", "level")}
    spends_into = (("households", "retrofit_subsidy_cny"),)


class EVPurchaseSubsidy(Policy):
    """Purchase subsidy per new-energy vehicle (battery-electric or hydrogen)."""

    kind = "ev_purchase_subsidy"
    label = "NEV purchase subsidy"
    label_zh = "新能源汽车购置补贴"
    pays = True
    fields = {"level": LevelField(0.0, 200_000.0, "CNY/vehicle", "Subsidy per NEV bought")}

    levers = {"ev_subsidy": Lever(0.0, "CNY/vehicle", "NEV purchase subsidy", "level")}
    spends_into = (("vehicles", "ev_subsidy_cny"),)


class PurchaseTaxExemption(Policy):
    """Exemption from the 10 % vehicle purchase tax for NEVs, up to a cap per vehicle."""

    kind = "purchase_tax_exemption"
    label = "NEV purchase-tax exemption"
    label_zh = "新能源汽车购置税减免"
    pays = True
    fields = {"level": LevelField(0.0, 1.0, "1", "Share of the tax exempted"),
              "cap": LevelField(0.0, 200_000.0, "CNY/vehicle", "Largest exemption",
                                default=200_000.0)}

    levers = {"tax_exemption": Lever(0.0, "1", "Share of the purchase tax exempted", "level"),
              "tax_exemption_cap": Lever(0.0, "CNY/vehicle", "Largest exemption", "cap")}
    spends_into = (("vehicles", "tax_exemption_cny"),)


class TradeInSubsidy(Policy):
    """Car trade-in subsidy (以旧换新): paid when an old private car is scrapped or traded in.

    Only replacements qualify (not first-time buyers), and only the ``eligible`` share of
    them (old enough cars); vehicle owners count the expected amount. While it is in force
    it also scraps old cars early (``behaviour.vehicle_ev.trade_in_scrappage``, per 10,000
    CNY of the larger amount), which are paid the whole amount.
    """

    kind = "trade_in_subsidy"
    label = "Car trade-in subsidy (以旧换新)"
    label_zh = "汽车以旧换新补贴"
    pays = True
    fields = {"nev": LevelField(0.0, 100_000.0, "CNY/vehicle",
                                "Subsidy when the new car is new-energy"),
              "ice": LevelField(0.0, 100_000.0, "CNY/vehicle",
                                "Subsidy when the new car is a combustion car", default=0.0),
              "eligible": LevelField(0.0, 1.0, "1", "Share of replaced cars that qualify",
                                     default=0.5)}

    levers = {"trade_in_nev": Lever(0.0, "CNY/vehicle", "Trade-in subsidy for a new NEV", "nev"),
              "trade_in_ice": Lever(0.0, "CNY/vehicle", "Trade-in subsidy for a new "
                                                        "combustion car", "ice"),
              "trade_in_eligible": Lever(0.0, "1", "Share of replaced cars that qualify for "
                                                   "the trade-in subsidy", "eligible")}
    spends_into = (("vehicles", "trade_in_cny"),)


class NEVMandate(Policy):
    """A minimum new-energy share of new vehicles of one type (e.g. city buses electric).

    That share of the non-NEV choices of the type becomes NEV (the provincial guideline for
    buses is a rule, not a behaviour coefficient).
    """

    kind = "nev_mandate"
    label = "NEV mandate for new vehicles of a type"
    label_zh = "新车新能源比例要求"
    fields = {"level": LevelField(0.0, 1.0, "1", "Share of new vehicles of the type required "
                                                 "to be new-energy")}
    options = {"vtype": VEHICLE_TYPES}
    levers = {f"nev_mandate_{v}": Lever(0.0, "1", f"NEV share required of new {v}s")
              for v in VEHICLE_TYPES}

    def apply(self, levers: dict[str, float], year: float) -> None:  # noqa: D102
        levers[f"nev_mandate_{self.choice['vtype']}"] = self.levels["level"]


class GreenFinance(Policy):
    """Green-loan rate discount (paid as interest support) and wider credit access (§31)."""

    kind = "green_finance"
    label = "Green finance"
    label_zh = "绿色金融"
    pays = True
    fields = {"rate_discount": LevelField(0.0, 0.05, "1/yr", "Green-loan rate discount"),
              "credit_expansion": LevelField(0.0, 1.0, "1", "Extra share of agents with credit",
                                             default=0.0)}

    levers = {"green_rate_discount": Lever(0.0, "1/yr", "Green-loan rate discount",
                                           "rate_discount"),
              "credit_expansion": Lever(0.0, "1", "Extra share of agents with credit",
                                        "credit_expansion")}
    spends_into = tuple((g, "green_finance_cny")
                        for g in ("households", "vehicles", "firms", "fishers"))


class CarbonInclusive(Policy):
    """Guangdong's carbon-inclusive scheme (碳普惠): credits bought per tonne, and outreach."""

    kind = "carbon_inclusive"
    label = "Carbon-inclusive scheme"
    label_zh = "碳普惠机制"
    pays = True
    fields = {"credit_price": LevelField(0.0, 1000.0, "CNY/t CO2", "Price paid per credit"),
              "outreach": LevelField(0.0, 3.0, "logit", "Campaign boost to joining", default=0.0)}

    levers = {"ci_credit_price": Lever(0.0, "CNY/t CO2", "Carbon-inclusive credit price",
                                       "credit_price"),
              "ci_outreach": Lever(0.0, "logit", "Campaign boost to joining", "outreach")}
    spends_into = (("households", "ci_credit_cny"), ("vehicles", "ci_credit_cny"))


class CarbonPrice(Policy):
    """Allowance price paid by firms in Guangdong's ETS (revenue, not spending)."""

    kind = "carbon_price"
    label = "Carbon price for ETS firms"
    label_zh = "控排企业碳价"
    fields = {"level": LevelField(0.0, 1000.0, "CNY/t CO2", "Allowance price")}

    levers = {"carbon_price": Lever(0.0, "CNY/t CO2", "Allowance price for ETS firms",
                                    "level")}


class ChargingBuildout(Policy):
    """Public charging build-out: the charging index rises linearly to a target (§16).

    Spending: new points × cost per point, where points = index × points at full coverage.
    """

    kind = "charging_buildout"
    label = "Charging build-out"
    label_zh = "充电设施建设"
    pays = True
    fields = {"target": LevelField(0.0, 1.0, "1", "Charging index reached at the end year"),
              "points_at_full": LevelField(0.0, 500_000.0, "points",
                                           "Public charge points at index 1 (assumption)",
                                           default=40_000.0),
              "cost_per_point": LevelField(0.0, 500_000.0, "CNY/point",
                                           "Public cost per charge point (assumption, inside "
                                           "city construction subsidies: data/RESEARCH.md)",
                                           default=20_000.0)}

    levers = {"charging_index": Lever(0.0, "1", "Charging availability (1 = ubiquitous)",
                                      stock=True)}

    def __post_init__(self) -> None:
        self._start_index: float | None = None
        self._spent = 0.0

    def apply(self, levers: dict[str, float], year: float) -> None:
        """Raise the charging stock along the path to ``target``; cost the points added.

        ``levers["charging_index"]`` holds the stock built so far (the model carries it
        from month to month); the index never falls because of this policy.
        """
        before = levers["charging_index"]
        if self._start_index is None:
            self._start_index = before
        progress = self.progress(year)
        index = max(before, self._start_index
                    + (self.levels["target"] - self._start_index) * progress)
        levers["charging_index"] = index
        self._spent = (index - before) * self.levels["points_at_full"] \
            * self.levels["cost_per_point"]

    def spending(self, sums: Mapping[str, np.ndarray], active: bool) -> float:  # noqa: D102
        spent, self._spent = (self._spent if active else 0.0), 0.0
        return spent


class GreenPowerSubsidy(Policy):
    """Support per green kWh firms buy (plan §7, §20: green-power trading and certificates).

    Lowers the green-power premium firms weigh when deciding to buy (at most to zero) and
    pays every buyer ``min(level, premium)`` per green kWh while in force.
    """

    kind = "green_power_subsidy"
    label = "Green-power purchase support"
    label_zh = "企业绿电购买补贴"
    pays = True
    fields = {"level": LevelField(0.0, 0.3, "CNY/kWh", "Support per green kWh bought")}

    levers = {"green_power_subsidy": Lever(0.0, "CNY/kWh", "Support per green kWh bought",
                                           "level")}
    spends_into = (("firms", "green_power_subsidy_cny"),)


class GreenBuildingMandate(Policy):
    """Share of newly built homes that must be green (§12: all new urban buildings by 2025)."""

    kind = "green_building_mandate"
    label = "Green-building mandate"
    label_zh = "绿色建筑强制要求"
    fields = {"level": LevelField(0.0, 1.0, "1", "Share of new homes required to be green")}

    levers = {"green_mandate": Lever(0.0, "1", "Share of new homes required to be green",
                                     "level")}


class PublicBuildingStandard(Policy):
    """Efficiency standards for public buildings (§13), reached linearly by the end year.

    Large public buildings' cooling efficiency rises by ``cooling_gain`` over 2020 and public
    institutions' energy per m² falls by ``intensity_cut``; both are assumed to be met, and
    what is reached stays (:mod:`abm.services`). No public spending is modelled.
    """

    kind = "public_building_standard"
    label = "Public-building efficiency standard"
    label_zh = "公共建筑能效标准"
    fields = {"cooling_gain": LevelField(0.0, 1.0, "1", "Cooling efficiency gain of large "
                                         "public buildings over 2020, reached at the end year"),
              "intensity_cut": LevelField(0.0, 0.5, "1", "Cut of public institutions' energy "
                                          "per m² from 2020, reached at the end year")}
    levers = {"public_cooling_gain": Lever(0.0, "1", "Cooling efficiency gain of large public "
                                                     "buildings over 2020"),
              "public_intensity_cut": Lever(0.0, "1", "Cut of public institutions' energy per "
                                                      "m² from 2020")}

    def apply(self, levers: dict[str, float], year: float) -> None:  # noqa: D102
        progress = self.progress(year)
        levers["public_cooling_gain"] = self.levels["cooling_gain"] * progress
        levers["public_intensity_cut"] = self.levels["intensity_cut"] * progress


class VesselReplacementSubsidy(Policy):
    """Subsidy per kW of engine for an efficient or electric fishing vessel (§19)."""

    kind = "vessel_replacement_subsidy"
    label = "Vessel replacement subsidy"
    label_zh = "渔船更新补贴"
    pays = True
    fields = {"level": LevelField(0.0, 10_000.0, "CNY/kW", "Subsidy per kW of engine")}

    levers = {"vessel_subsidy": Lever(0.0, "CNY/kW", "Vessel replacement subsidy", "level")}
    spends_into = (("fishers", "vessel_subsidy_cny"),)


class CoalPhaseout(Policy):
    """Required switch of small and medium non-ETS coal users (§3 scattered boilers)."""

    kind = "coal_phaseout"
    label = "Coal boiler phase-out"
    label_zh = "燃煤锅炉淘汰"
    fields = {"level": LevelField(0.0, 1.0, "1/yr", "Share of remaining coal users forced "
                                                   "to switch each year")}

    levers = {"coal_phaseout": Lever(0.0, "1/yr", "Share of remaining small coal users "
                                                  "forced to switch", "level")}


class ETSExpansion(Policy):
    """Extends the ETS (and its carbon price) to a sector's large and medium firms.

    Guangdong's 2023-2030 ETS plan extends coverage to textiles, ceramics, data centres,
    transport and construction (ICAP, August 2023).
    """

    kind = "ets_expansion"
    label = "ETS extended to a sector"
    label_zh = "碳市场扩围至行业"
    fields = {}
    options = {"sector": SECTORS}
    levers = {"ets_sector_mask": Lever(0.0, "bit mask", "Sectors added to the ETS (bit i: "
                                                        "sector i of data.SECTORS)")}

    def apply(self, levers: dict[str, float], year: float) -> None:  # noqa: D102
        bit = 1 << SECTORS.index(self.choice["sector"])
        levers["ets_sector_mask"] = float(int(levers["ets_sector_mask"]) | bit)


POLICY_TYPES: dict[str, type[Policy]] = {
    cls.kind: cls for cls in (PVSubsidy, FeedInPremium, RetrofitSubsidy, EVPurchaseSubsidy,
                              PurchaseTaxExemption, GreenFinance, CarbonInclusive, CarbonPrice,
                              ChargingBuildout, GreenBuildingMandate, PublicBuildingStandard,
                              VesselReplacementSubsidy, CoalPhaseout, ETSExpansion,
                              TradeInSubsidy, NEVMandate, GreenPowerSubsidy)
}


def declared_levers() -> dict[str, Lever]:
    """Every lever of every policy kind (a lever may be declared by one kind only)."""
    out: dict[str, Lever] = {}
    for cls in POLICY_TYPES.values():
        for name, lever in cls.levers.items():
            if name in out:
                raise ValueError(f"lever {name!r} declared by two policy kinds")
            out[name] = lever
    return out


def neutral_levers(stocks: Mapping[str, float]) -> dict[str, float]:
    """The month's lever record before any policy applies: neutral values and stocks."""
    return {name: (stocks[name] if lever.stock else lever.neutral)
            for name, lever in declared_levers().items()}


def book_spending(policies: list[Policy], sums: Mapping[str, np.ndarray], year: int
                  ) -> np.ndarray:
    """What each policy instance paid this month, CNY (see the module docstring).

    Args:
        policies: The run's policy instances.
        sums: City-district sums of the month per group (district × metric).
        year: The calendar year of the month.

    """
    spent = np.zeros(len(policies))
    premiums = [j for j, p in enumerate(policies) if isinstance(p, FeedInPremium)]
    for j, policy in enumerate(policies):
        active = policy.active(year)
        if isinstance(policy, FeedInPremium):
            if active:
                policy.commit(sums)
        else:
            spent[j] = policy.spending(sums, active)
    for group in FeedInPremium.GROUPS:
        weights = np.array([policies[j].committed[group] for j in premiums])  # type: ignore[attr-defined]
        if weights.sum() > 0:
            spent[premiums] += _total(sums, group, "fit_cny") * weights / weights.sum()
    return spent


YEAR_RANGE = POLICY_YEARS
"""Years a policy may start or end in (inclusive)."""


@functools.cache
def _table_model(cls: type[Policy]) -> type[BaseModel]:
    """A pydantic model of ``cls``'s scenario-file table (strict types, no unknown fields)."""
    year = Annotated[int, Field(strict=True, ge=YEAR_RANGE[0], le=YEAR_RANGE[1])]
    fields: dict[str, Any] = {"kind": (Literal[cls.kind], ...), "start": (year, ...),
                              "end": (year, ...), "why": (str, "")}
    for name, spec in cls.fields.items():
        level = Annotated[float, Field(ge=spec.min, le=spec.max, allow_inf_nan=False)]
        fields[name] = (level, ... if spec.default is None else spec.default)
    for name, values in cls.options.items():
        fields[name] = (Literal[values], ...)
    return create_model(f"{cls.__name__}Table", __config__=ConfigDict(extra="forbid",
                                                                      strict=True), **fields)


def _field_message(cls: type[Policy], name: str, value: Any, missing: bool) -> str:
    """What is wrong with field ``name`` of a ``cls`` table, and what is allowed."""
    if name in cls.fields:
        spec = cls.fields[name]
        if missing:
            return (f"field {name!r} is required ({spec.label}, {spec.unit}, in "
                    f"[{spec.min:g}, {spec.max:g}])")
        return (f"field {name!r} is {value!r}; allowed: a number in [{spec.min:g}, "
                f"{spec.max:g}] {spec.unit}")
    if name in cls.options:
        return f"field {name!r} is {value!r}; allowed: {list(cls.options[name])}"
    if name == "why":
        return f"field 'why' is {value!r}; allowed: text"
    return (f"field {name!r} is {value!r}; allowed: a year (integer) in "
            f"[{YEAR_RANGE[0]}, {YEAR_RANGE[1]}]")


def make_policy(table: Mapping[str, Any], where: str = "") -> Policy:
    """Build and validate a policy from a scenario-file table.

    Raises:
        ParameterError: Naming the field, the value and what is allowed.

    """
    place = f"{where}: " if where else ""
    if not isinstance(table, Mapping):
        raise ParameterError(f"{place}policy: got {table!r}; allowed: a table with a kind")
    kind = table.get("kind")
    if not isinstance(kind, str) or kind not in POLICY_TYPES:
        raise ParameterError(f"{place}policy kind {kind!r} is unknown; allowed: "
                             f"{sorted(POLICY_TYPES)}")
    cls = POLICY_TYPES[kind]
    try:
        checked = _table_model(cls).model_validate(dict(table))
    except ValidationError as error:
        problem = min(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
        name = str(problem["loc"][0])
        if problem["type"] == "extra_forbidden":
            allowed = {"kind", "start", "end", "why", *cls.fields, *cls.options}
            raise ParameterError(f"{place}policy {kind!r}: unknown field {name!r}; allowed: "
                                 f"{sorted(allowed)}") from None
        message = _field_message(cls, name, table.get(name), problem["type"] == "missing")
        raise ParameterError(f"{place}policy {kind!r}: {message}") from None
    if checked.end < checked.start:
        raise ParameterError(f"{place}policy {kind!r}: end {checked.end} is before start "
                             f"{checked.start}")
    return cls(start=checked.start, end=checked.end,
               levels={name: float(getattr(checked, name)) for name in cls.fields},
               choice={name: getattr(checked, name) for name in cls.options}, why=checked.why)


def check_overlaps(policies: list[Policy], where: str = "") -> None:
    """Two policies of the same kind (and group) may not be in force in the same year."""
    seen: dict[tuple[str, tuple[str, ...]], list[Policy]] = {}
    for policy in policies:
        key = (policy.kind, tuple(policy.choice.values()))
        for other in seen.get(key, []):
            if policy.start <= other.end and other.start <= policy.end:
                place = f"{where}: " if where else ""
                raise ParameterError(f"{place}policies {other.name!r} and {policy.name!r} "
                                     "overlap; allowed: one policy of a kind in force at a time")
        seen.setdefault(key, []).append(policy)
