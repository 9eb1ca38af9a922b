"""The column schema of every table, declared once.

Input tables (the plan folder) are described by :data:`INPUTS`: each file's columns with their kind
and whether they are required. The reader turns each kind into one Polars type:

========  ====================================  ===========================================
kind      cell text                             column in the table
========  ====================================  ===========================================
id        any non-empty text                    ``String`` (compared as text)
text      any text                              ``String`` (null when empty)
amount    plain decimal                         ``Int64`` cents, rounded half away from zero
number    plain decimal                         ``Int64`` millionths (10^-6), for weights
rate      plain decimal                         ``String`` (parsed to ``Decimal`` where used)
date      ISO ``YYYY-MM-DD``                    ``Date``
enum      one of a few words                    ``String``
========  ====================================  ===========================================

Every table also keeps ``line`` (``Int64``): the physical line of the row in its file, header = 1.
Output tables are described by :data:`OUTPUTS`: each file's contract columns in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "text", "amount", "number", "rate", "date", "enum"]

#: Scale of ``number`` columns: values are stored as integers of 10^-6.
NUMBER_SCALE = 6


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    #: May the value be negative? (amounts and numbers)
    negative: bool = False
    #: Allowed values for ``enum`` columns; the first is the default for an empty cell.
    values: tuple[str, ...] = ()
    help: str = ""
    #: Is the column kept in the plan? ``False``: accepted and checked, but nothing uses it, so
    #: it is not held in memory (a product name on ten million bookings).
    kept: bool = True


@dataclass(frozen=True, slots=True)
class TableSchema:
    file: str
    columns: tuple[Column, ...]
    required_file: bool = False
    #: Columns whose values must be unique (the table's key).
    key: str | None = None
    help: str = ""
    #: Are columns the schema does not name kept? (Accounts: any may be a weight or a bucket.)
    keep_others: bool = True

    def __post_init__(self) -> None:
        for col in self.columns:
            if not col.kept and (col.required or col.kind not in ("id", "text")):
                raise ValueError(f"{self.file}: {col.name} is checked, so it must be kept")

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def kept(self) -> tuple[Column, ...]:
        """The columns held in the plan's table (after ``line``)."""
        return tuple(c for c in self.columns if c.kept)


TERRITORIES = TableSchema(
    "territories.csv",
    (
        Column("territory_id", "id", required=True),
        Column("name", "text"),
        Column("parent_id", "text", help="empty for the single root"),
        Column("level", "text"),
    ),
    required_file=True,
    key="territory_id",
    help="The territory hierarchy: one root, any depth.",
)

SELLERS = TableSchema(
    "sellers.csv",
    (
        Column("seller_id", "id", required=True),
        Column("name", "text"),
        Column("territory_id", "id", required=True, help="a leaf for a carrier, a non-leaf for its manager"),
        Column("role", "text"),
        Column("hire_date", "date"),
        Column("end_date", "date"),
        Column("ote", "amount"),
        Column("seniority", "text"),
        Column("ramp_profile", "text"),
        Column("status", "enum", values=("active", "tbh", "leaving")),
    ),
    required_file=True,
    key="seller_id",
    help="Quota carriers (on leaves) and managers (on other nodes).",
)

ACCOUNTS = TableSchema(
    "accounts.csv",
    (
        Column("account_id", "id", required=True),
        Column("name", "text"),
        Column("territory_id", "id", required=True, help="a leaf"),
        Column("segment", "text"),
        Column("industry", "text"),
        Column("grade", "text"),
        Column("annual_revenue", "number"),
        Column("employees", "number"),
        Column("bottom_up_target", "amount", help="empty = no input, 0 = no potential"),
        Column("status", "enum", values=("active", "inactive")),
    ),
    required_file=True,
    key="account_id",
    help="Accounts and their territory; any other numeric or text column may serve as weight or bucket.",
)

BOOKINGS = TableSchema(
    "bookings.csv",
    (
        Column("account_id", "id", required=True),
        Column("date", "date", required=True),
        Column("amount", "amount", required=True, negative=True),
        Column("product", "text", kept=False),
    ),
    help="Booking history; negative amounts are refunds or credit notes.",
    keep_others=False,
)

TOPDOWN = TableSchema(
    "topdown.csv",
    (Column("territory_id", "id", required=True), Column("amount", "amount", required=True)),
    key="territory_id",
    help="Top-down numbers for any node.",
)

OVERRIDES = TableSchema(
    "overrides.csv",
    (
        Column("account_id", "id", required=True),
        Column("target", "amount", required=True),
        Column("reason", "text", required=True),
    ),
    key="account_id",
    help="Final account targets set by hand, with the reason.",
)

ADJUSTMENTS = TableSchema(
    "adjustments.csv",
    (
        Column("seller_id", "id", required=True),
        Column("amount", "amount", negative=True),
        Column("rate", "rate", negative=True),
        Column("reason", "text", required=True),
        Column("author", "text"),
    ),
    help="Manual quota changes: exactly one of amount or rate per line.",
)

ASSIGNED_QUOTAS = TableSchema(
    "assigned_quotas.csv",
    (
        Column("seller_id", "id", required=True),
        Column("quota", "amount", required=True),
        Column("reason", "text"),
    ),
    key="seller_id",
    help="Annual base quotas set by the planner (basis = assigned).",
)

#: Every CSV input, by the name of the table in :class:`~quotaplan.plan.Plan`.
INPUTS: dict[str, TableSchema] = {
    "territories": TERRITORIES,
    "sellers": SELLERS,
    "accounts": ACCOUNTS,
    "bookings": BOOKINGS,
    "topdown": TOPDOWN,
    "overrides": OVERRIDES,
    "adjustments": ADJUSTMENTS,
    "assigned_quotas": ASSIGNED_QUOTAS,
}

#: The contract columns of every output file, in order (more may follow them).
OUTPUTS: dict[str, tuple[str, ...]] = {
    "account_targets.csv": (
        "account_id", "territory_id", "seller_id", "method", "calculated_target", "target",
        "override_reason", "abc_class",
    ),
    "quotas.csv": (
        "seller_id", "territory_id", "book_target", "base_quota", "seniority_factor",
        "strategic_factor", "manual_adjustment", "full_year_quota", "ramp_factor", "final_quota",
        "quota_to_ote",
    ),
    "quota_periods.csv": ("seller_id", "period_start", "period_end", "quota"),
    "gap.csv": (
        "seller_id", "final_quota", "book_target", "gap", "coverage", "risk", "top1_share",
        "top3_share", "top10_share", "accounts_for_80pct", "hhi", "high_value_accounts",
        "high_value_target_sum", "accounts_to_add", "pipeline_needed", "quota_at_target_coverage",
        "prior_bookings", "growth_ask",
    ),
    "rollup.csv": (
        "territory_id", "parent_id", "depth", "manager_id", "topdown", "calculated_target_sum",
        "account_target_sum", "quota_sum", "manager_quota", "strategic_gap", "quota_gap",
        "attainment_factor", "productive_capacity", "uncovered_target", "headcount_to_close",
        "prior_bookings", "growth_ask",
    ),
}

#: The columns the build adds after the contract ones, in order, for files that carry every
#: column it computes.
OUTPUT_EXTRAS: dict[str, tuple[str, ...]] = {
    "quotas.csv": ("ote", "depth", "anchor_id", "status", "starts_after_year"),
    "gap.csv": (
        "territory_id", "accounts", "median_target", "quota_to_ote", "ote_flag",
        "accounts_to_add_exceeds_book",
    ),
    "rollup.csv": (
        "is_leaf", "carriers", "ramped_carriers", "ramped_full_year_sum", "high_risk_carriers",
        "uncovered_accounts", "expected_attrition_loss", "pushed_above_support",
    ),
}

#: The quota, roll-up and gap tables' columns as the core builds them: contract columns, then
#: extras; a carrier's period quotas have the contract columns only.
QUOTAS_COLUMNS = OUTPUTS["quotas.csv"]
QUOTAS_EXTRA = OUTPUT_EXTRAS["quotas.csv"]
PERIODS_COLUMNS = OUTPUTS["quota_periods.csv"]
ROLLUP_COLUMNS = OUTPUTS["rollup.csv"]
ROLLUP_EXTRA = OUTPUT_EXTRAS["rollup.csv"]
GAP_COLUMNS = OUTPUTS["gap.csv"]
GAP_EXTRA = OUTPUT_EXTRAS["gap.csv"]

#: Files whose extra columns (after the contract's) are chosen, not everything the build knows:
#: the account file has a row per account, so it carries only what explains a target (the
#: account's bookings in the base window, its share of its book), not echoes of accounts.csv.
WRITTEN_EXTRAS: dict[str, tuple[str, ...]] = {
    "account_targets.csv": ("base_bookings", "book_share"),
}

#: Integer output columns that are counts; every other integer output column is cents.
COUNT_COLUMNS = frozenset(
    {"depth", "accounts_for_80pct", "high_value_accounts", "accounts_to_add", "headcount_to_close",
     "accounts", "carriers", "rank", "ramped_carriers", "high_risk_carriers", "uncovered_accounts",
     "hires_to_close_in_year"}
)
