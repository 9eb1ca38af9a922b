"""Maven Analytics "CRM + Sales + Opportunities" (MavenTech) → a plan folder.

The source folder holds ``accounts.csv``, ``sales_pipeline.csv``, ``sales_teams.csv`` and
``products.csv``. The plan: territories root → regional office → manager's team → one leaf per
agent; agents carry quota on their leaves, managers sit on their team nodes; each account belongs
to the agent with the most won value on it; bookings are the Won deals (close date, close value).
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

FILES = ("accounts.csv", "sales_pipeline.csv", "sales_teams.csv", "products.csv")
#: Misspelt sectors in the source, fixed on import.
SECTOR_FIXES = {"technolgy": "technology"}
#: Segments by company revenue (the source's ``revenue`` is in millions): ≥ 1,000 Enterprise,
#: ≥ 100 Mid-Market, else SMB.
ENTERPRISE_MILLIONS = 1000
MID_MARKET_MILLIONS = 100
ROOT = "maventech"
UNASSIGNED = "unassigned"


def import_maven_crm(source: Path, out: Path, *, fiscal_year_start: date | None = None) -> ImportReport:
    """Import the MavenTech CRM folder ``source`` into the plan folder ``out`` (written atomically)."""
    return maven_crm_plan(source, fiscal_year_start=fiscal_year_start).write(out, protect=(source,))


def maven_crm_plan(source: Path, *, fiscal_year_start: date | None = None) -> PlanImport:
    """The plan of the MavenTech CRM folder ``source``, and what the import derived."""
    if not source.is_dir():
        raise UsageError(f"{source} is not a folder; pass the Maven CRM folder holding "
                         f"{', '.join(FILES)}")
    derivations: list[Derivation] = []
    teams_path = source / "sales_teams.csv"
    teams = read_source_csv(teams_path, ("sales_agent", "manager", "regional_office"),
                            "the sales teams (one row per agent)")
    teams = teams.select(pl.col("sales_agent", "manager", "regional_office").str.strip_chars())
    for col in ("sales_agent", "manager", "regional_office"):
        malformed(teams_path, teams, pl.col(col).is_null() | (pl.col(col) == ""), col, "filled in")
    malformed(teams_path, teams, pl.col("sales_agent").is_duplicated(), "sales_agent",
              "listed once (agents must be unique)")
    malformed(teams_path, teams, pl.col("regional_office").n_unique().over("manager") > 1,
              "manager", "in a single regional office")

    accounts_path = source / "accounts.csv"
    raw_accounts = read_source_csv(accounts_path, ("account", "sector", "revenue", "employees"),
                                   "the accounts")
    pipeline_path = source / "sales_pipeline.csv"
    pipeline = read_source_csv(
        pipeline_path,
        ("opportunity_id", "sales_agent", "product", "account", "deal_stage", "close_date",
         "close_value"),
        "the opportunities")
    products = read_source_csv(source / "products.csv", ("product",), "the product list")

    bookings, agent_won = _bookings(pipeline_path, pipeline, products, derivations)
    if bookings.height == 0:
        raise UsageError(f"{pipeline_path} has no Won deals; a plan needs booking history")
    start, derived = plan_year(bookings.get_column("date").max(), fiscal_year_start)  # type: ignore[arg-type]
    derivations.append(derived)

    territories, sellers = _organisation(teams, derivations)
    accounts = _accounts(accounts_path, raw_accounts, bookings, derivations)
    accounts = _owners(accounts, agent_won, pipeline, teams, derivations)
    if accounts.filter(pl.col("territory_id") == UNASSIGNED).height:
        territories = pl.concat([territories, pl.DataFrame(
            {"territory_id": [UNASSIGNED], "name": ["Unassigned accounts"], "parent_id": [ROOT],
             "level": ["Agent"]})])

    return booked_plan("MavenTech", start, territories, sellers, accounts, bookings, derivations)


def _bookings(path: Path, pipeline: pl.DataFrame, products: pl.DataFrame,
              derivations: list[Derivation]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Won deals → bookings (account_id, date, amount in cents, product, opportunity_id), and
    won value per (account, agent)."""
    stage = pl.col("deal_stage").str.strip_chars().str.to_lowercase()
    is_won = stage == "won"
    open_no_account = pipeline.filter(~is_won & pl.col("account").is_null()).height
    valid, cents = parse_scaled(pl.col("close_value"), 2)
    malformed(path, pipeline, is_won & (~valid | pl.col("close_value").is_null()),
              "close_value", "an amount (plain number) on a Won deal")
    malformed(path, pipeline, is_won & pl.col("close_date").is_null(), "close_date",
              "filled in on a Won deal")
    won = pipeline.with_columns(
        date=parse_dates(path, pipeline, "close_date"), amount=cents,
        account=pl.col("account").str.strip_chars(),
        sales_agent=pl.col("sales_agent").str.strip_chars(),
    ).filter(is_won)
    no_account = won.filter(pl.col("account").is_null()).height
    won = won.filter(pl.col("account").is_not_null())
    derivations.append(Derivation(
        "bookings", "Won deals only, on their close_date for their close_value; Lost, Engaging "
        f"and Prospecting deals are not bookings ({open_no_account} of those have no account; "
        f"{no_account} Won deals without an account were left out)", won.height))

    # Product names: match products.csv ignoring case and spaces ("GTXPro" → "GTX Pro").
    canon = products.select(
        key=pl.col("product").str.to_lowercase().str.replace_all(r"\s+", ""),
        canonical=pl.col("product").str.strip_chars(),
    ).unique("key", keep="first")
    won = won.with_columns(key=pl.col("product").str.to_lowercase().str.replace_all(r"\s+", ""))
    won = won.join(canon, on="key", how="left").with_columns(
        product_name=pl.coalesce("canonical", pl.col("product").str.strip_chars()))
    renamed = won.filter(pl.col("canonical").is_not_null()
                         & (pl.col("canonical") != pl.col("product"))).height
    unknown = won.filter(pl.col("canonical").is_null()).height
    derivations.append(Derivation(
        "product names", "matched to products.csv ignoring case and spaces (e.g. GTXPro → "
        f"GTX Pro); {unknown} booking(s) name a product not in products.csv and keep their name",
        renamed))
    bookings = won.select(
        account_id=pl.col("account"), date=pl.col("date"), amount=pl.col("amount"),
        product=pl.col("product_name"), opportunity_id=pl.col("opportunity_id"),
    ).sort("date", "opportunity_id")
    agent_won = won.group_by("account", "sales_agent").agg(
        value=pl.col("amount").sum(), deals=pl.len())
    return bookings, agent_won


def _organisation(teams: pl.DataFrame, derivations: list[Derivation]) -> tuple[pl.DataFrame, pl.DataFrame]:
    offices = teams.select("regional_office").unique().sort("regional_office")
    managers = teams.select("manager", "regional_office").unique().sort("manager")
    agents = teams.sort("sales_agent")
    territories = pl.concat([
        pl.DataFrame({"territory_id": [ROOT], "name": ["MavenTech"], "parent_id": [None],
                      "level": ["Company"]}, schema_overrides={"parent_id": pl.String}),
        offices.select(territory_id=pl.lit("office-") + slug(pl.col("regional_office")),
                       name=pl.col("regional_office"), parent_id=pl.lit(ROOT),
                       level=pl.lit("Regional office")),
        managers.select(territory_id=pl.lit("team-") + slug(pl.col("manager")),
                        name=pl.col("manager") + pl.lit(" team"),
                        parent_id=pl.lit("office-") + slug(pl.col("regional_office")),
                        level=pl.lit("Team")),
        agents.select(territory_id=pl.lit("agent-") + slug(pl.col("sales_agent")),
                      name=pl.col("sales_agent"),
                      parent_id=pl.lit("team-") + slug(pl.col("manager")), level=pl.lit("Agent")),
    ])
    duplicate = territories.filter(pl.col("territory_id").is_duplicated())
    if duplicate.height:
        raise UsageError(f"sales_teams.csv: names {duplicate.get_column('name').to_list()} give the "
                         "same id; make agent and manager names distinct")
    empty = pl.lit(None, dtype=pl.String)
    sellers = pl.concat([
        agents.select(seller_id=slug(pl.col("sales_agent")), name=pl.col("sales_agent"),
                      territory_id=pl.lit("agent-") + slug(pl.col("sales_agent")),
                      role=pl.lit("Sales agent")),
        managers.select(seller_id=slug(pl.col("manager")), name=pl.col("manager"),
                        territory_id=pl.lit("team-") + slug(pl.col("manager")),
                        role=pl.lit("Sales manager")),
    ]).with_columns(hire_date=empty, end_date=empty, ote_cents=pl.lit(None, dtype=pl.Int64),
                    seniority=empty, ramp_profile=empty, status=pl.lit("active"))
    if sellers.get_column("seller_id").is_duplicated().any():
        raise UsageError("sales_teams.csv: an agent and a manager share a name; make them distinct")
    derivations.append(Derivation(
        "territories", f"root → {offices.height} regional offices → {managers.height} manager "
        f"teams → one leaf per agent ({agents.height})", territories.height))
    derivations.append(Derivation(
        "sellers", f"{agents.height} agents carry quota on their own leaves; {managers.height} "
        "managers sit on their team nodes; regional offices have no manager in the source; no "
        "hire dates, OTE or seniority in the source, so none are set (no ramp, no quota : OTE)",
        sellers.height))
    return territories, sellers


def _accounts(path: Path, raw: pl.DataFrame, bookings: pl.DataFrame,
              derivations: list[Derivation]) -> pl.DataFrame:
    frame = raw.with_columns(pl.col(c).str.strip_chars() for c in raw.columns)
    malformed(path, frame, pl.col("account").is_null(), "account", "filled in")
    malformed(path, frame, pl.col("account").is_duplicated(), "account", "listed once")
    valid_rev, revenue = parse_scaled(pl.col("revenue"), 2)
    malformed(path, frame, ~valid_rev, "revenue", "a plain number (millions)")
    valid_emp, employees = parse_scaled(pl.col("employees"), 0)
    malformed(path, frame, ~valid_emp, "employees", "a plain number")
    sector = pl.col("sector").str.to_lowercase()
    fixed = frame.filter(sector.is_in(list(SECTOR_FIXES))).height
    extra = [c for c in ("year_established", "office_location", "subsidiary_of") if c in frame.columns]
    accounts = frame.select(
        pl.col("account").alias("account_id"),
        pl.col("account").alias("name"),
        pl.when(revenue >= ENTERPRISE_MILLIONS * 100).then(pl.lit("Enterprise"))
        .when(revenue >= MID_MARKET_MILLIONS * 100).then(pl.lit("Mid-Market"))
        .when(revenue.is_not_null()).then(pl.lit("SMB")).alias("segment"),
        sector.replace(SECTOR_FIXES).alias("industry"),
        (revenue * 10_000).alias("annual_revenue"),  # cents of millions → currency units
        employees.alias("employees"),
        *[pl.col(c) for c in extra],
    )
    # Accounts with Won deals but not in accounts.csv still need a row for their bookings.
    missing = (bookings.select("account_id").unique()
               .join(accounts.select("account_id"), on="account_id", how="anti").sort("account_id"))
    if missing.height:
        accounts = pl.concat([accounts, missing.with_columns(name=pl.col("account_id"))],
                             how="diagonal_relaxed")
    derivations.append(Derivation(
        "accounts", f"one per row of accounts.csv, plus {missing.height} named only on Won deals",
        accounts.height))
    derivations.append(Derivation("industry", "the source's sector, with the misspelling "
                                  "'technolgy' fixed to 'technology'", fixed))
    derivations.append(Derivation(
        "annual_revenue and segment", "annual_revenue = revenue (in millions) × 1,000,000; "
        f"segment Enterprise from {ENTERPRISE_MILLIONS:,} million, Mid-Market from "
        f"{MID_MARKET_MILLIONS} million, SMB below", accounts.height))
    return accounts


def _owners(accounts: pl.DataFrame, agent_won: pl.DataFrame, pipeline: pl.DataFrame,
            teams: pl.DataFrame, derivations: list[Derivation]) -> pl.DataFrame:
    """Each account's territory: the leaf of the agent with the most won value on it (ties: more
    won deals, then the agent's name); with no won deal, the agent with the most deals of any
    stage; with no deal at all, an unassigned leaf (uncovered)."""
    known = teams.select("sales_agent")
    ranked = (agent_won.join(known, on="sales_agent", how="semi")
              .sort(["account", "value", "deals", "sales_agent"],
                    descending=[False, True, True, False]))
    owners = ranked.group_by("account", maintain_order=True).first()
    ties = (ranked.with_columns(top=pl.col("value").max().over("account"))
            .filter(pl.col("value") == pl.col("top"))
            .group_by("account").len().filter(pl.col("len") > 1).height)
    any_deal = (pipeline.filter(pl.col("account").is_not_null())
                .with_columns(pl.col("account", "sales_agent").str.strip_chars())
                .join(known, on="sales_agent", how="semi")
                .group_by("account", "sales_agent").agg(deals=pl.len())
                .join(owners.select("account"), on="account", how="anti")
                .sort(["account", "deals", "sales_agent"], descending=[False, True, False])
                .group_by("account", maintain_order=True).first())
    chosen = pl.concat([owners.select("account", "sales_agent"),
                        any_deal.select("account", "sales_agent")])
    result = accounts.join(chosen.rename({"account": "account_id"}), on="account_id", how="left")
    result = result.with_columns(
        territory_id=pl.when(pl.col("sales_agent").is_null()).then(pl.lit(UNASSIGNED))
        .otherwise(pl.lit("agent-") + slug(pl.col("sales_agent")))
    ).drop("sales_agent").sort("account_id")
    owning = chosen.get_column("sales_agent").n_unique()
    derivations.append(Derivation(
        "account owner", "the agent with the most won value on the account (each account is "
        "worked by many agents); ties broken by more won deals, then the agent's name", owners.height))
    derivations.append(Derivation("owner ties", "accounts where two agents had the same top won "
                                  "value (broken as above)", ties))
    derivations.append(Derivation("owner without a win", "accounts with no Won deal go to the "
                                  "agent with the most deals of any stage on them", any_deal.height))
    unassigned = result.filter(pl.col("territory_id") == UNASSIGNED).height
    derivations.append(Derivation("unassigned accounts", "accounts with no deal at all sit on an "
                                  "'unassigned' leaf without a seller (uncovered)", unassigned))
    derivations.append(Derivation("agents without accounts", "agents who own no account carry an "
                                  "empty book", teams.height - owning))
    cols = ["account_id", "name", "territory_id", "segment", "industry", "annual_revenue",
            "employees"]
    return result.select(cols + [c for c in result.columns if c not in cols])
