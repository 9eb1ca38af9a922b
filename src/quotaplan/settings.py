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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from quotaplan.problems import Problem, error, warning

FILE = "plan.toml"
SUM_TOLERANCE = Decimal("0.000001")
CUTOFF_PATTERN = re.compile(r"^(month_end|prorate|day:([1-9]|[12][0-9]|3[01]))$")


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
    topdown: Decimal | None = Field(
        None, ge=0, description="The root's top-down number; topdown.csv may number any node."
    )
    growth: Decimal = Field(
        Decimal(0), ge=-1, le=100, description="Growth rate g for `growth` and `blend` (0.10 = +10 %)."
    )
    growth_by_segment: dict[str, Decimal] = Field(
        default_factory=dict, description="Growth rate per account segment; overrides `growth`."
    )
    trend: bool = Field(
        False, description="Growth from each account's change between its last two full years."
    )
    trend_band: tuple[Decimal, Decimal] = Field(
        (Decimal("-0.5"), Decimal("1.0")), description="Clamp [low, high] for trend growth rates."
    )
    blend_alpha: Decimal = Field(
        Decimal("0.5"), ge=0, le=1, description="Weight α of the growth target in `blend`."
    )
    bucket_by: str | None = Field(
        None, description="Text column of accounts.csv whose values name the buckets (bucketed)."
    )
    within_bucket: Literal["even", "weighted"] = Field(
        "even", description="How a bucket's share is split over its accounts: even | weighted."
    )
    buckets: dict[str, Decimal] = Field(
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

    @field_validator("trend_band")
    @classmethod
    def _band(cls, value: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
        if value[0] > value[1]:
            raise ValueError("trend_band is [low, high] with low ≤ high; swap the two values")
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
    over_assignment: dict[int, Decimal] = Field(
        default_factory=dict, description="Padding by depth, e.g. { 1 = 0.05, 2 = 0.10 }; absent depths 0."
    )
    hedge: dict[int, Decimal] = Field(
        default_factory=dict, description="Manager hedge by the manager node's depth, e.g. { 1 = 0.05 }."
    )
    adjustment_mode: Literal["multiplicative", "additive"] = Field(
        "multiplicative", description="How seniority, strategic and manual rates combine."
    )

    @field_validator("over_assignment", "hedge")
    @classmethod
    def _depth_rates(cls, value: dict[int, Decimal]) -> dict[int, Decimal]:
        for depth, rate in value.items():
            if depth < 0:
                raise ValueError("depths are 0 (root) or more")
            if not Decimal(-1) < rate < Decimal(10):
                raise ValueError(f"rate {rate} at depth {depth} is out of range (-1, 10)")
        return value


class RampSection(_Section):
    cutoff: str = Field(
        "month_end", description="First ramp month from the hire date: month_end | prorate | day:N (1–31)."
    )
    profiles: dict[str, list[Decimal]] = Field(
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
    factors: dict[str, Decimal] = Field(
        default_factory=dict, description="Quota factor per seniority level, e.g. { junior = 0.9 }."
    )


class StrategicFocusRule(_Section):
    match: dict[str, str | list[str]] = Field(
        description="Which accounts: { segment = … } | { industry = … } | { grade = … } | "
        "{ accounts = [ids] }."
    )
    factor: Decimal = Field(gt=0, le=100, description="Matched accounts' targets count × factor.")
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
    weights: list[Decimal] | None = Field(
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
    high_below: Decimal = Field(Decimal("0.90"), ge=0, description="Coverage below this is high risk.")
    medium_below: Decimal = Field(
        Decimal("1.00"), gt=0, description="Coverage below this is medium risk; also the target coverage."
    )

    @model_validator(mode="after")
    def _order(self) -> RiskSection:
        if self.high_below > self.medium_below:
            raise ValueError(f"high_below: {self.high_below} is above medium_below "
                             f"{self.medium_below}; high risk must start below medium risk")
        return self


class CapacitySection(_Section):
    quota_to_ote: tuple[Decimal, Decimal] = Field(
        (Decimal(4), Decimal(6)), description="Healthy band [low, high] of quota ÷ OTE."
    )
    expected_attainment: Decimal = Field(
        Decimal("0.80"), gt=0, le=10, description="Expected attainment for productive capacity."
    )
    high_value_target: Decimal | None = Field(
        None, ge=0,
        description="Target at or above which an account is high-value; default: the smallest "
        "target among the top 10 % of accounts by target.",
    )
    attrition: Decimal = Field(Decimal("0.25"), ge=0, le=1, description="Annual seller attrition rate.")
    pipeline_coverage: Decimal = Field(
        Decimal("3.0"), ge=0, description="Pipeline needed per unit of gap."
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


def setting_key(loc: tuple[int | str, ...]) -> str:
    """A validation location → the dotted key a planner finds in plan.toml.

    ``("targets", "method")`` → ``targets.method``; the n-th ``[[strategic_focus]]`` table is
    ``strategic_focus[n]`` (counted from 1, as they appear in the file). A position inside a list
    value (``quota_to_ote``, a ramp profile) ends the key: the key is the list's.
    """
    key = ""
    for item in loc:
        if isinstance(item, int):
            if key != "strategic_focus":
                break
            key += f"[{item + 1}]"
        else:
            key += f".{item}" if key else str(item)
    return key


def _position(loc: tuple[int | str, ...]) -> str:
    """``"item 2 of "`` when the location points inside a list value, else ``""``."""
    for i, item in enumerate(loc):
        if isinstance(item, int) and (i == 0 or loc[i - 1] != "strategic_focus"):
            return f"item {item + 1}: "
    return ""


def _toml_value(value: Any) -> str:
    """A value as it would be written in plan.toml (for messages)."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def _message(err: Any) -> tuple[str, str]:
    """A Pydantic error → (dotted key, sentence naming the key and the value given)."""
    key = setting_key(tuple(err["loc"]))
    msg = str(err["msg"]).removeprefix("Value error, ")
    # Cross-field validators name their key first: "weights: …" inside the model at ``loc``.
    named = re.match(r"^([a-z_]+(?:\.[a-z_]+)*): (.*)$", msg, re.DOTALL)
    if err["type"] == "value_error" and named:
        key = f"{key}.{named.group(1)}" if key else named.group(1)
        return key, f"{key}: {named.group(2)}"
    key = key or "plan.toml"
    inside = _position(tuple(err["loc"]))
    if err["type"] == "missing":
        if inside:
            return key, f"{key}: {inside}a value is missing; give the full list"
        return key, f"{key} is required; add it to plan.toml"
    given = err.get("input")
    if given is None or isinstance(given, dict):
        return key, f"{key}: {inside}{msg}"
    return key, f"{key}: {inside}{msg} (got {show_input(given)})"


def show_input(value: Any) -> str:
    text = _toml_value(value)
    return text if len(text) <= 60 else text[:57] + "…"


def parse_settings(text: str) -> tuple[Settings | None, list[Problem]]:
    """``plan.toml`` text → (settings, problems). Every problem names the key."""
    problems: list[Problem] = []
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        found = re.search(r"at line (\d+)", msg)
        line = int(found.group(1)) if found else None
        problems.append(error(FILE, line, None, f"this is not valid TOML ({msg}); fix the syntax: "
                              "text in quotes, one key = value per line, each [section] once",
                              "toml-syntax"))
        return None, problems
    return settings_from_dict(raw, problems)


def settings_from_dict(
    raw: dict[str, Any], problems: list[Problem] | None = None
) -> tuple[Settings | None, list[Problem]]:
    """A parsed ``plan.toml`` → (settings or ``None`` on errors, problems; unknown keys warn)."""
    problems = [] if problems is None else problems
    clean = _drop_unknown(raw, problems)
    try:
        settings = Settings.model_validate(clean)
    except ValidationError as exc:
        for err in exc.errors():
            key, msg = _message(err)
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
