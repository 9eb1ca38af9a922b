"""The plan settings (``plan.toml``): one declarative table, validated when the plan is read.

Each section is a frozen Pydantic model; every field carries its default and its help text, and
:func:`settings_table` turns them into the documented table (README and ``quotaplan settings``).
A test fails if a setting has no help. Numbers are read exactly (``tomllib`` with
``parse_float=Decimal``); rates and factors are ``Decimal`` fractions (0.10 = +10 %).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from quotaplan.money import MAX_INT_DIGITS
from quotaplan.problems import Problem, error, warning
from quotaplan.settings_problems import FILE as _FILE
from quotaplan.settings_problems import locate, sentence, syntax_problem

FILE = _FILE

#: Dates a plan may hold: years 1900 to 2200 (a year 9999 is a typing slip, not a plan).
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2200, 12, 31)
SUM_TOLERANCE = Decimal("0.000001")
CUTOFF_PATTERN = re.compile(r"^(month_end|prorate|day:([1-9]|[12][0-9]|3[01]))$")


def _exact(value: Decimal) -> Decimal:
    """A number kept exact to the cent: at most :data:`MAX_INT_DIGITS` digits before the point."""
    if value.is_finite() and value != 0 and value.adjusted() >= MAX_INT_DIGITS:
        raise ValueError(f"{value:f} has more than {MAX_INT_DIGITS} digits before the decimal "
                         "point, more than quotaplan keeps exact to the cent; check the number")
    return value


#: Every number of plan.toml: a Decimal of at most 15 digits before the point.
Number = Annotated[Decimal, AfterValidator(_exact)]


def _band(value: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    if value[0] > value[1]:
        raise ValueError(f"the band is [low, high] but {value[0]} is above {value[1]}; swap the "
                         "two values")
    return value


#: A band [low, high] with low ≤ high.
Band = Annotated[tuple[Number, Number], AfterValidator(_band)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class PlanSection(_Section):
    name: str = Field(description="The plan's name, shown in reports (required).")
    fiscal_year_start: date = Field(
        description="First day of the plan year, an ISO date such as 2026-02-01 (required)."
    )
    currency: str = Field("USD", description="Plan currency code, shown next to amounts.")
    period: Literal["quarter", "month"] = Field(
        "quarter", description="Quota periods: `quarter` (4 a year) or `month` (12)."
    )

    @field_validator("fiscal_year_start")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if not FIRST_DATE <= value <= LAST_DATE:
            raise ValueError(f"{value.isoformat()} is outside the years {FIRST_DATE.year}–"
                             f"{LAST_DATE.year}; check the year")
        return value


class TargetsSection(_Section):
    method: Literal["even", "weighted", "bucketed", "growth", "blend"] = Field(
        "weighted",
        description="How account targets are computed: even | weighted | bucketed | growth | blend.",
    )
    weight: str = Field(
        "prior_bookings",
        description="Weight for `weighted` (and `blend`, `bucketed` within buckets): `prior_bookings` "
        "or any numeric column of accounts.csv.",
    )
    base_window_months: int = Field(
        12, ge=1, le=120, description="Months before the plan year whose bookings form the base."
    )
    missing_weight: Literal["error", "zero"] = Field(
        "error", description="An eligible account with an empty weight: `error`, or `zero` (weight 0)."
    )
    topdown: Number | None = Field(
        None, ge=0, description="The root's top-down number; topdown.csv may number any node."
    )
    growth: Number = Field(
        Decimal(0), ge=-1, le=100, description="Growth rate g for `growth` and `blend` (0.10 = +10 %)."
    )
    growth_by_segment: dict[str, Annotated[Number, Field(ge=-1, le=100)]] = Field(
        default_factory=dict, description="Growth rate per account segment; overrides `growth`."
    )
    trend: bool = Field(
        False, description="Growth from each account's change between its last two full years."
    )
    trend_band: Band = Field(
        (Decimal("-0.5"), Decimal("1.0")), description="Clamp [low, high] for trend growth rates."
    )
    blend_alpha: Number = Field(
        Decimal("0.5"), ge=0, le=1, description="Weight α of the growth target in `blend`."
    )
    bucket_by: str | None = Field(
        None, description="Text column of accounts.csv whose values name the buckets (bucketed)."
    )
    within_bucket: Literal["even", "weighted"] = Field(
        "even", description="How a bucket's share is split over its accounts: even | weighted."
    )
    buckets: dict[str, Number] = Field(
        default_factory=dict,
        description="Share of each bucket, e.g. { A = 0.5, B = 0.3, C = 0.2 }, summing to 1.",
    )

    @field_validator("buckets")
    @classmethod
    def _shares(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        if any(v < 0 for v in value.values()):
            raise ValueError("bucket shares must not be negative; use 0 or more")
        if value and abs(sum(value.values(), Decimal(0)) - 1) > SUM_TOLERANCE:
            total = sum(value.values(), Decimal(0))
            raise ValueError(f"bucket shares sum to {total}, not 1; make them add up to 1")
        return value

    @model_validator(mode="after")
    def _bucketed_needs(self) -> TargetsSection:
        if self.method == "bucketed" and (not self.bucket_by or not self.buckets):
            missing = "bucket_by" if not self.bucket_by else "buckets"
            raise ValueError(f"{missing}: method \"bucketed\" needs [targets] bucket_by (a text "
                             "column of accounts.csv) and [targets.buckets] (a share per value)")
        return self


class QuotasSection(_Section):
    basis: Literal["targets", "topdown", "even", "assigned"] = Field(
        "targets", description="Base quota: targets | topdown | even | assigned (assigned_quotas.csv)."
    )
    over_assignment: dict[int, Number] = Field(
        default_factory=dict, description="Padding by depth, e.g. { 1 = 0.05, 2 = 0.10 }; absent depths 0."
    )
    hedge: dict[int, Number] = Field(
        default_factory=dict, description="Manager hedge by the manager node's depth, e.g. { 1 = 0.05 }."
    )
    adjustment_mode: Literal["multiplicative", "additive"] = Field(
        "multiplicative", description="How seniority, strategic and manual rates combine."
    )

    @field_validator("over_assignment", "hedge")
    @classmethod
    def _depth_rates(cls, value: dict[int, Decimal], info: ValidationInfo) -> dict[int, Decimal]:
        # A hedge takes a share off the manager's sum: (1 − hedge) multiplies a quota, so a
        # hedge of 1 or more would make it 0 or negative.
        top = Decimal(1) if info.field_name == "hedge" else Decimal(10)
        for depth, rate in value.items():
            if depth < 0:
                raise ValueError("depths are 0 (root) or more")
            if not Decimal(-1) < rate < top:
                raise ValueError(f"rate {rate} at depth {depth} is out of range (-1, {top})")
        return value


class RampSection(_Section):
    cutoff: str = Field(
        "month_end", description="First ramp month from the hire date: month_end | prorate | day:N (1–31)."
    )
    profiles: dict[str, list[Number]] = Field(
        default_factory=dict,
        description="Ramp profiles: monthly factors by month of tenure (1 after the list).",
    )
    default_profile: str | None = Field(
        None, description="Profile for sellers without their own `ramp_profile`; absent: no ramp."
    )

    @field_validator("cutoff")
    @classmethod
    def _cutoff(cls, value: str) -> str:
        if not CUTOFF_PATTERN.match(value):
            raise ValueError(f"cutoff {value!r} is not month_end, prorate or day:N with N from 1 to 31")
        return value

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, value: dict[str, list[Decimal]]) -> dict[str, list[Decimal]]:
        for name, factors in value.items():
            if any(f < 0 or f > 10 for f in factors):
                raise ValueError(f"profile {name!r} has a factor outside 0–10")
        return value

    @model_validator(mode="after")
    def _default_known(self) -> RampSection:
        if self.default_profile is not None and self.default_profile not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none are defined"
            raise ValueError(f"default_profile: {self.default_profile!r} is not in [ramp] profiles "
                             f"({known}); define it or correct the name")
        return self

    def cutoff_day(self) -> int | None:
        """N for ``day:N``; ``None`` for month_end and prorate."""
        return int(self.cutoff[4:]) if self.cutoff.startswith("day:") else None


class SenioritySection(_Section):
    factors: dict[str, Annotated[Number, Field(gt=0, le=100)]] = Field(
        default_factory=dict, description="Quota factor per seniority level, e.g. { junior = 0.9 }."
    )


class StrategicFocusRule(_Section):
    match: dict[str, str | list[str]] = Field(
        description="Which accounts: { segment = … } | { industry = … } | { grade = … } | "
        "{ accounts = [ids] }."
    )
    factor: Number = Field(gt=0, le=100, description="Matched accounts' targets count × factor.")
    reason: str = Field("", description="Why; shown in the quota ledger.")

    @field_validator("match")
    @classmethod
    def _match(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        allowed = {"segment", "industry", "grade", "accounts"}
        if not value:
            raise ValueError("match needs at least one of segment, industry, grade, accounts")
        for key in value:
            if key not in allowed:
                raise ValueError(f"match key {key!r} is not one of {', '.join(sorted(allowed))}")
        return value


class SeasonalitySection(_Section):
    weights: list[Number] | None = Field(
        None, description="Period weights, 4 (quarters) or 12 (months), summing to 1; default even."
    )

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: list[Decimal] | None) -> list[Decimal] | None:
        if value is None:
            return value
        if any(v < 0 for v in value):
            raise ValueError("seasonality weights must not be negative; use 0 or more")
        total = sum(value, Decimal(0))
        if abs(total - 1) > SUM_TOLERANCE:
            raise ValueError(f"seasonality weights sum to {total}, not 1; make them add up to 1")
        return value


class RiskSection(_Section):
    high_below: Number = Field(Decimal("0.90"), ge=0, description="Coverage below this is high risk.")
    medium_below: Number = Field(
        Decimal("1.00"), gt=0, description="Coverage below this is medium risk; also the target coverage."
    )

    @model_validator(mode="after")
    def _order(self) -> RiskSection:
        if self.high_below > self.medium_below:
            raise ValueError(f"high_below: {self.high_below} is above medium_below "
                             f"{self.medium_below}; high risk must start below medium risk")
        return self


class CapacitySection(_Section):
    quota_to_ote: Band = Field(
        (Decimal(4), Decimal(6)), description="Healthy band [low, high] of quota ÷ OTE."
    )
    expected_attainment: Number = Field(
        Decimal("0.80"), gt=0, le=10, description="Expected attainment for productive capacity."
    )
    high_value_target: Number | None = Field(
        None, ge=0,
        description="Target at or above which an account is high-value; default: the smallest "
        "target among the top 10 % of accounts by target.",
    )
    attrition: Number = Field(Decimal("0.25"), ge=0, le=1, description="Annual seller attrition rate.")
    pipeline_coverage: Number = Field(
        Decimal("3.0"), ge=0, le=20, description="Pipeline needed per unit of gap."
    )


class ChangesSection(_Section):
    relief: Literal["target", "quota_share", "none"] = Field(
        "target",
        description="In-year account move: what quota moves with the account from the effective "
        "date: target (its target) | quota_share (its share of the losing carrier's quota) | none.",
    )


class Settings(_Section):
    plan: PlanSection
    targets: TargetsSection = TargetsSection()
    quotas: QuotasSection = QuotasSection()
    ramp: RampSection = RampSection()
    seniority: SenioritySection = SenioritySection()
    strategic_focus: list[StrategicFocusRule] = Field(default_factory=list)
    seasonality: SeasonalitySection = SeasonalitySection()
    risk: RiskSection = RiskSection()
    capacity: CapacitySection = CapacitySection()
    changes: ChangesSection = ChangesSection()

    @model_validator(mode="after")
    def _cross(self) -> Settings:
        weights = self.seasonality.weights
        expected = 4 if self.plan.period == "quarter" else 12
        if weights is not None and len(weights) != expected:
            raise ValueError(
                f"seasonality.weights: {len(weights)} weights given but [plan] period = "
                f"{self.plan.period!r} needs {expected}; give one weight per period"
            )
        return self

    @property
    def periods_per_year(self) -> int:
        return 4 if self.plan.period == "quarter" else 12


SECTIONS: dict[str, type[_Section]] = {
    "plan": PlanSection,
    "targets": TargetsSection,
    "quotas": QuotasSection,
    "ramp": RampSection,
    "seniority": SenioritySection,
    "seasonality": SeasonalitySection,
    "risk": RiskSection,
    "capacity": CapacitySection,
    "changes": ChangesSection,
}


@dataclass(frozen=True)
class SettingDoc:
    key: str
    default: str
    help: str


def settings_table() -> list[SettingDoc]:
    """Every setting with its default and help, in section order: the documented table."""
    rows: list[SettingDoc] = []
    for section, model in SECTIONS.items():
        for name, field in model.model_fields.items():
            if field.is_required():
                default = "(required)"
            elif field.default_factory is not None:
                default = "none"
            else:
                default = "none" if field.default is None else _show(field.default)
            rows.append(SettingDoc(f"{section}.{name}", default, field.description or ""))
    for name, field in StrategicFocusRule.model_fields.items():
        rows.append(SettingDoc(f"strategic_focus[].{name}", "(required)" if field.is_required()
                               else _show(field.default), field.description or ""))
    return rows


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def _unknown_key(key: str, problems: list[Problem]) -> None:
    problems.append(warning(FILE, None, key, f"unknown setting {key} is ignored; check its "
                            "spelling", "unknown-setting"))


def _known_keys(model: type[_Section], body: dict[str, Any], prefix: str,
                problems: list[Problem]) -> dict[str, Any]:
    kept = {}
    for key, value in body.items():
        if key in model.model_fields:
            kept[key] = value
        else:
            _unknown_key(f"{prefix}.{key}", problems)
    return kept


def _drop_unknown(raw: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """Unknown sections and keys are warnings (likely typos), not errors; they are dropped."""
    clean: dict[str, Any] = {}
    for section, body in raw.items():
        if section == "strategic_focus":
            clean[section] = [
                _known_keys(StrategicFocusRule, rule, f"strategic_focus[{n}]", problems)
                if isinstance(rule, dict) else rule
                for n, rule in enumerate(body, start=1)
            ] if isinstance(body, list) else body
            continue
        model = SECTIONS.get(section)
        if model is None:
            problems.append(warning(FILE, None, section, f"unknown section [{section}] is ignored; "
                                    "check its spelling", "unknown-setting"))
            continue
        clean[section] = _known_keys(model, body, section, problems) if isinstance(body, dict) else body
    return clean


def parse_settings(text: str) -> tuple[Settings | None, list[Problem]]:
    """``plan.toml`` text → (settings, problems). Every problem names the key, on its line."""
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        return None, [syntax_problem(exc)]
    settings, problems = settings_from_dict(raw)
    return settings, locate(problems, text)


def settings_from_dict(
    raw: dict[str, Any], problems: list[Problem] | None = None
) -> tuple[Settings | None, list[Problem]]:
    """A parsed ``plan.toml`` → (settings or ``None`` on errors, problems; unknown keys warn)."""
    problems = [] if problems is None else problems
    clean = _drop_unknown(raw, problems)
    try:
        settings = Settings.model_validate(clean)
    except ValidationError as exc:
        said: set[tuple[str, str]] = set()
        for err in exc.errors():
            key, msg = sentence(dict(err))
            if (key, msg) not in said:  # a union's members each report the same value
                said.add((key, msg))
                problems.append(error(FILE, None, key, msg, "setting"))
        return None, problems
    return settings, problems


def read_settings(path: Path) -> tuple[Settings | None, list[Problem]]:
    """Read ``plan.toml`` (UTF-8, a BOM accepted) into settings and problems."""
    return settings_from_bytes(path.read_bytes())


def settings_from_bytes(data: bytes) -> tuple[Settings | None, list[Problem]]:
    """``plan.toml`` as bytes → settings and problems (encoding and NUL bytes checked first)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [error(FILE, line, None, "plan.toml is not UTF-8 (it looks like another "
                            "encoding, e.g. Windows-1252 or Latin-1); save it as UTF-8", "encoding")]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [error(FILE, line, None, "plan.toml contains a NUL byte; save it as plain "
                            "UTF-8 text", "encoding")]
    return parse_settings(text)
