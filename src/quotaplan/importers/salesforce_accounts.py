"""Accounts of a Salesforce export and their territory; won opportunities as bookings.

An account in several territories of the model goes to its manual (``Territory2Manual``)
association, else to the first by territory id, with a warning listing them. Accounts on a
territory with territories beneath it sit on a leaf added beneath it (``<id>-accounts``);
accounts in no territory on an ``unassigned`` leaf under the root; both are uncovered. Won
opportunities (``IsWon``) are bookings on their ``CloseDate`` for their ``Amount``.
"""

from __future__ import annotations

import polars as pl

from quotaplan.importers import Derivation
from quotaplan.interop.sfcsv import booleans, cents, dates, ids, listed, present
from quotaplan.money import cents_to_decimal
from quotaplan.problems import Problem

MANUAL = "territory2manual"
UNASSIGNED = "unassigned"
DIRECT_SUFFIX = "-accounts"


def placed_accounts(accounts: pl.DataFrame, ota: pl.DataFrame, territories: pl.DataFrame,
              problems: list[Problem], derivations: list[Derivation]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accounts with their territory: a manual association first, else the first by territory id.
    Accounts on a territory with territories beneath it go to a leaf added beneath it; accounts
    without any association to an 'unassigned' leaf under the root (both uncovered)."""
    cause = (pl.col("AssociationCause").str.to_lowercase() if "AssociationCause" in ota.columns
             else pl.lit(""))
    ranked = ota.with_columns(manual=cause == MANUAL).sort(
        ["ObjectId", "manual", "Territory2Id", "line"], descending=[False, True, False, False])
    several = ranked.filter(pl.col("ObjectId").is_duplicated()).group_by(
        "ObjectId", maintain_order=True).agg(pl.col("Territory2Id"), pl.col("manual").first(),
                                             pl.col("line").first())
    chosen = ranked.unique("ObjectId", keep="first", maintain_order=True)
    for row in several.head(20).iter_rows(named=True):
        problems.append(Problem(
            str(ota.get_column("_file")[0]), row["line"], "ObjectId",
            f"account {row['ObjectId']} is in {len(row['Territory2Id'])} territories "
            f"({', '.join(row['Territory2Id'])}); it goes to {row['Territory2Id'][0]} ("
            + ("its manual association" if row["manual"] else "the first by territory id, none "
               "is manual") + ")", "warning", "several-territories"))
    if several.height > 20:
        problems.append(Problem(str(ota.get_column("_file")[0]), None, "ObjectId",
                                f"… and {several.height - 20} more accounts in several territories",
                                "warning", "several-territories"))
    derivations.append(Derivation("accounts in several territories", "each goes to its manual "
                                  "(Territory2Manual) association, else the first by territory id",
                                  several.height))
    inner = territories.get_column("parent_id").drop_nulls().unique().implode()
    root = territories.filter(pl.col("parent_id").is_null()).get_column("territory_id")[0]
    placed = accounts.join(chosen.select(pl.col("ObjectId").alias("Id"), "Territory2Id"),
                           on="Id", how="left").with_columns(
        territory_id=pl.when(pl.col("Territory2Id").is_null()).then(pl.lit(UNASSIGNED))
        .when(pl.col("Territory2Id").is_in(inner)).then(pl.col("Territory2Id") + DIRECT_SUFFIX)
        .otherwise(pl.col("Territory2Id")))
    direct = placed.filter(pl.col("territory_id").str.ends_with(DIRECT_SUFFIX)).get_column(
        "Territory2Id").unique().sort()
    names = dict(zip(territories.get_column("territory_id").to_list(),
                     territories.get_column("name").to_list(), strict=True))
    added = [(f"{t}{DIRECT_SUFFIX}", f"{names[t]} (accounts held at this level)", t)
             for t in direct.to_list()]
    if placed.filter(pl.col("territory_id") == UNASSIGNED).height:
        added.append((UNASSIGNED, "Accounts in no territory of the model", root))
    if added:
        territories = pl.concat([territories, pl.DataFrame(
            {"territory_id": [a[0] for a in added], "name": [a[1] for a in added],
             "parent_id": [a[2] for a in added], "level": ["Added by import"] * len(added),
             "line": [None] * len(added), "_file": [None] * len(added)}, schema=territories.schema)])
    derivations.append(Derivation("accounts above the leaves", "accounts of a territory with "
                                  "territories beneath it sit on a leaf added beneath it "
                                  "('<id>-accounts', uncovered)", placed.filter(
                                      pl.col("territory_id").str.ends_with(DIRECT_SUFFIX)).height))
    derivations.append(Derivation("accounts in no territory", "on an 'unassigned' leaf under the "
                                  "root (uncovered)",
                                  placed.filter(pl.col("territory_id") == UNASSIGNED).height))
    revenue = cents(placed, "AnnualRevenue", problems, negative=False) \
        if "AnnualRevenue" in placed.columns else pl.Series([None] * placed.height, dtype=pl.Int64)
    staff = cents(placed, "NumberOfEmployees", problems, what="a number of employees",
                  negative=False) if "NumberOfEmployees" in placed.columns \
        else pl.Series([None] * placed.height, dtype=pl.Int64)
    placed = placed.with_columns(pl.Series("_revenue", revenue), pl.Series("_staff", staff))
    listed(placed, pl.col("_staff") % 100 != 0, "NumberOfEmployees",
           lambda v: f"{v} is not a whole number of employees", problems, "bad-number")
    text = {c: (pl.when(present(c)).then(pl.col(c)) if c in placed.columns else pl.lit(None, pl.String))
            for c in ("Name", "Industry", "Type", "Rating")}
    result = placed.select(
        account_id="Id", name=text["Name"], territory_id="territory_id",
        industry=text["Industry"], grade=text["Rating"], annual_revenue_cents="_revenue",
        employees=(pl.col("_staff") // 100), type=text["Type"]).sort("account_id")
    derivations.append(Derivation("accounts", "one per Account row: Id, Name, Industry, "
                                  "AnnualRevenue → annual_revenue, NumberOfEmployees → employees, "
                                  "Rating → grade, Type → type; segment is left empty",
                                  result.height))
    return result, territories


def bookings_of(opps: pl.DataFrame, problems: list[Problem],
              derivations: list[Derivation]) -> pl.DataFrame:
    """Won opportunities → bookings (account_id, date, amount in cents, opportunity_id)."""
    frame = opps.with_columns(
        ids(opps, "AccountId", problems, required=False),
        booleans(opps, "IsWon", problems), booleans(opps, "IsClosed", problems),
        dates(opps, "CloseDate", problems, required=True),
        pl.Series("amount", cents(opps, "Amount", problems)))
    won = frame.filter(pl.col("IsWon"))
    lost = frame.filter(pl.col("IsClosed") & ~pl.col("IsWon")).height
    open_ = frame.filter(~pl.col("IsClosed")).height
    no_amount = won.filter(pl.col("amount").is_null()).height
    no_account = won.filter(pl.col("AccountId").is_null()).height
    bookings = won.filter(pl.col("amount").is_not_null() & pl.col("AccountId").is_not_null())
    derivations.append(Derivation(
        "bookings", f"won opportunities (IsWon) on their CloseDate for their Amount; {lost} lost "
        f"and {open_} open opportunities are not bookings; {no_amount} won without an Amount and "
        f"{no_account} won without an AccountId are left out", bookings.height))
    return bookings.select(account_id="AccountId", date="CloseDate", amount="amount",
                           opportunity_id="Id", line="line", _file="_file")


def known_accounts(bookings: pl.DataFrame, accounts: pl.DataFrame, problems: list[Problem],
                    derivations: list[Derivation]) -> pl.DataFrame:
    """Bookings of accounts that Account.csv does not hold are left out, with a warning."""
    unknown = ~pl.col("account_id").is_in(accounts.get_column("account_id").implode())
    missing = bookings.filter(unknown)
    if missing.height:
        total = cents_to_decimal(int(missing.get_column("amount").sum()))
        problems.append(Problem(
            str(missing.get_column("_file")[0]), int(missing.get_column("line")[0]), "AccountId",
            f"{missing.height} won opportunities ({total} in all, the first on this line) are on "
            "accounts that Account.csv does not hold; they are left out — export those accounts "
            "to count them", "warning", "unknown-account"))
    derivations.append(Derivation("bookings of accounts not exported", "left out", missing.height))
    return bookings.filter(~unknown).drop("line", "_file").sort("date", "opportunity_id")
