"""Tableau "Sample – Superstore" (US order lines) → a plan folder.

The source (``superstore.csv``, or a folder holding it) has customers, order lines, regions,
states and segments, but no sellers. The plan: territories root → Region → one leaf per customer
segment in that region (Central Consumer, …); one synthetic seller per leaf; accounts are the
customers, placed by their main state (the state with the most sales) and their segment; bookings
are the order lines (Order Date, Sales rounded half away from zero to the cent).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from quotaplan.errors import UsageError
from quotaplan.importers import (
    Derivation,
    ImportReport,
    PlanImport,
    booked_plan,
    malformed,
    parse_dates,
    plan_year,
    read_source_csv,
    slug,
)
from quotaplan.money import parse_scaled

FILE = "superstore.csv"
REQUIRED = ("Order Date", "Customer ID", "Customer Name", "Segment", "State", "Region", "Sales")
ROOT = "superstore"


def import_superstore(source: Path, out: Path, *, fiscal_year_start: date | None = None) -> ImportReport:
    """Import Superstore order lines (``source``: the CSV file or its folder) into ``out``."""
    return superstore_plan(source, fiscal_year_start=fiscal_year_start).write(out, protect=(source,))


def superstore_plan(source: Path, *, fiscal_year_start: date | None = None) -> PlanImport:
    """The plan of Superstore order lines (``source``: the CSV file or its folder), and what the
    import derived."""
    path = source / FILE if source.is_dir() else source
    raw = read_source_csv(path, REQUIRED, "Superstore order lines")
    derivations: list[Derivation] = []
    frame = raw.with_columns(pl.col(c).str.strip_chars() for c in REQUIRED)
    for col in ("Customer ID", "Segment", "State", "Region"):
        malformed(path, frame, pl.col(col).is_null() | (pl.col(col) == ""), col, "filled in")
    valid, cents = parse_scaled(pl.col("Sales"), 2)
    malformed(path, frame, ~valid | pl.col("Sales").is_null(), "Sales", "an amount (plain number)")
    product = pl.col("Sub-Category") if "Sub-Category" in frame.columns else pl.lit(None, pl.String)
    order = pl.col("Order ID") if "Order ID" in frame.columns else pl.lit(None, pl.String)
    lines = frame.select(
        account_id=pl.col("Customer ID"),
        date=parse_dates(path, frame, "Order Date"),
        amount=cents,
        product=product,
        order_id=order,
        name=pl.col("Customer Name"),
        segment=pl.col("Segment"),
        state=pl.col("State"),
        region=pl.col("Region"),
    )
    malformed(path, frame, pl.col("Order Date").is_null(), "Order Date", "filled in")
    if lines.height == 0:
        raise UsageError(f"{path} has no order lines; a plan needs booking history")
    start, derived = plan_year(lines.get_column("date").max(), fiscal_year_start)  # type: ignore[arg-type]
    derivations.append(derived)
    bookings = lines.select("account_id", "date", "amount", "product", "order_id")
    derivations.append(Derivation(
        "bookings", "every order line on its Order Date for its Sales, rounded half away from zero "
        "to the cent; product = Sub-Category", bookings.height))

    accounts = _customers(lines, derivations)
    territories, sellers = _organisation(accounts, derivations)
    return booked_plan("Superstore", start, territories, sellers, accounts, bookings, derivations)


def _customers(lines: pl.DataFrame, derivations: list[Derivation]) -> pl.DataFrame:
    """One account per customer: the main state (most sales; ties: more lines, then the state's
    name) with its region, and the segment (the one with most sales if a customer has several)."""
    def main(column: str, *group: str) -> pl.DataFrame:
        return (lines.group_by("account_id", *group)
                .agg(sales=pl.col("amount").sum(), n=pl.len())
                .sort(["account_id", "sales", "n", *group], descending=[False, True, True]
                      + [False] * len(group))
                .group_by("account_id", maintain_order=True).first()
                .select("account_id", *group))

    place = main("state", "state", "region")
    segment = main("segment", "segment")
    names = main("name", "name")
    spread = lines.group_by("account_id").agg(
        states=pl.col("state").n_unique(), segments=pl.col("segment").n_unique())
    accounts = (names.join(place, on="account_id").join(segment, on="account_id")
                .with_columns(territory_id=slug(pl.col("region")) + pl.lit("-")
                              + slug(pl.col("segment")))
                .select("account_id", "name", "territory_id", "segment", "state", "region")
                .sort("account_id"))
    derivations.append(Derivation(
        "accounts", "one per Customer ID, placed by the main state (the state with the most "
        "sales; ties: more lines, then the state's name) and that state's region",
        accounts.height))
    derivations.append(Derivation(
        "customers buying in several states", "placed by their main state only",
        spread.filter(pl.col("states") > 1).height))
    derivations.append(Derivation(
        "customers in several segments", "the segment with the most sales",
        spread.filter(pl.col("segments") > 1).height))
    return accounts


def _organisation(accounts: pl.DataFrame, derivations: list[Derivation]) -> tuple[pl.DataFrame, pl.DataFrame]:
    leaves = (accounts.select("region", "segment", "territory_id").unique()
              .sort("region", "segment"))
    regions = leaves.select("region").unique().sort("region")
    territories = pl.concat([
        pl.DataFrame({"territory_id": [ROOT], "name": ["Superstore US"], "parent_id": [None],
                      "level": ["Company"]}, schema_overrides={"parent_id": pl.String}),
        regions.select(territory_id=slug(pl.col("region")), name=pl.col("region"),
                       parent_id=pl.lit(ROOT), level=pl.lit("Region")),
        leaves.select("territory_id", name=pl.col("region") + pl.lit(" ") + pl.col("segment"),
                      parent_id=slug(pl.col("region")), level=pl.lit("Region segment")),
    ])
    if territories.get_column("territory_id").is_duplicated().any():
        raise UsageError(f"{FILE}: region and segment names give clashing territory ids")
    empty = pl.lit(None, dtype=pl.String)
    sellers = leaves.select(
        seller_id=pl.lit("rep-") + pl.col("territory_id"),
        name=pl.lit("Synthetic seller ") + pl.col("region") + pl.lit(" ") + pl.col("segment"),
        territory_id=pl.col("territory_id"),
        role=pl.lit("Synthetic account executive (not in the source)"),
    ).with_columns(hire_date=empty, end_date=empty, ote_cents=pl.lit(None, dtype=pl.Int64),
                   seniority=empty, ramp_profile=empty, status=pl.lit("active"))
    derivations.append(Derivation(
        "territories", f"root → {regions.height} regions → one leaf per customer segment in each "
        f"region ({leaves.height} leaves): a leaf per state would give 49 books, many of one or "
        "two customers", territories.height))
    derivations.append(Derivation(
        "sellers", "the source has no sellers: one SYNTHETIC seller per leaf, named as such, "
        "without hire date, OTE or seniority", sellers.height))
    return territories, sellers
