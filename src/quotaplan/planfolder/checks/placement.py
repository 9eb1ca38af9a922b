"""Who and what sits where: sellers' settings and dates, accounts on leaves, one seller per node,
uncovered leaves, assigned quotas."""

from __future__ import annotations

from typing import Any

import polars as pl

from quotaplan.planfolder.checks.registry import (
    ACCOUNTS,
    ASSIGNED,
    SELLERS,
    TERRITORIES,
    Tables,
    check,
    each_row,
)
from quotaplan.planfolder.checks.structure import Structure
from quotaplan.problems import Problem, quoted


@check("seller-settings")
def seller_settings(t: Tables) -> list[Problem]:
    """A seller's ramp_profile and seniority name entries of plan.toml."""
    if t.settings is None or t.sellers is None:
        return []
    problems: list[Problem] = []
    profiles = sorted(t.settings.ramp.profiles)
    names = pl.DataFrame({"ramp_profile": profiles}, schema={"ramp_profile": pl.String})
    rows = t.sellers.filter(pl.col("ramp_profile").is_not_null()).join(names, on="ramp_profile",
                                                                       how="anti")
    listed = ", ".join(profiles) or "none are defined"
    problems += each_row(SELLERS, rows, "ramp_profile",
                      lambda r: f"ramp profile {quoted(r['ramp_profile'])} is not in [ramp] profiles "
                      f"({listed}); define it in plan.toml or correct the name", "unknown-reference")
    factors = t.settings.seniority.factors
    if factors:
        levels = pl.DataFrame({"seniority": sorted(factors)}, schema={"seniority": pl.String})
        rows = t.sellers.filter(pl.col("seniority").is_not_null()).join(levels, on="seniority",
                                                                        how="anti")
        known = ", ".join(sorted(factors))
        problems += each_row(SELLERS, rows, "seniority",
                          lambda r: f"seniority {quoted(r['seniority'])} is not in [seniority] factors "
                          f"({known}); add a factor for it or correct the level",
                          "unknown-reference")
    return problems


@check("seller-dates")
def seller_dates(t: Tables) -> list[Problem]:
    if t.sellers is None:
        return []
    rows = t.sellers.filter(pl.col("end_date") < pl.col("hire_date"))
    return each_row(SELLERS, rows, "end_date",
                 lambda r: f"end_date {r['end_date']} is before hire_date {r['hire_date']}; "
                 "correct one of the dates", "dates")


def _placed(frame: pl.DataFrame, found: Structure) -> pl.DataFrame:
    """``frame`` rows on a known territory, with ``is_leaf``."""
    nodes = found.nodes.select("territory_id", "is_leaf")
    return frame.join(nodes, on="territory_id", how="inner")


@check("accounts-on-leaves")
def accounts_on_leaves(t: Tables) -> list[Problem]:
    found = t.sound
    if found is None or t.accounts is None:
        return []
    # The few inner nodes are looked up, rather than the accounts joined to every node.
    inner = found.nodes.filter(~pl.col("is_leaf")).get_column("territory_id")
    rows = t.accounts.filter(pl.col("territory_id").is_in(inner.implode()))
    return each_row(ACCOUNTS, rows, "territory_id",
                 lambda r: f"territory {quoted(r['territory_id'])} has territories beneath it; "
                 "accounts belong on a leaf — move the account to one of its leaves",
                 "non-leaf")


@check("one-seller-per-node")
def one_seller_per_node(t: Tables) -> list[Problem]:
    """At most one carrier per leaf and one manager per other node."""
    found = t.sound
    if found is None or t.sellers is None:
        return []
    rows = (
        _placed(t.sellers.filter(pl.col("seller_id").is_not_null()), found)
        .with_columns(pl.col("line").min().over("territory_id").alias("_first"))
        .with_columns(
            pl.col("seller_id").sort_by("line").first().over("territory_id").alias("_other")
        )
        .filter(pl.col("line") != pl.col("_first"))
    )

    def say(r: dict[str, Any]) -> str:
        if r["is_leaf"]:
            return (f"leaf {quoted(r['territory_id'])} already has a quota carrier, seller "
                    f"{quoted(r['_other'])} on line {r['_first']}; a leaf has one carrier — give this "
                    "seller another leaf")
        return (f"territory {quoted(r['territory_id'])} already has a manager, seller {quoted(r['_other'])}"
                f" on line {r['_first']}; a node has one manager — move one of them")

    return each_row(SELLERS, rows, "territory_id", say, "one-seller")


@check("uncovered-leaves")
def uncovered_leaves(t: Tables) -> list[Problem]:
    """Leaves without a carrier: their accounts are uncovered (a warning)."""
    found = t.sound
    if found is None or t.sellers is None:
        return []
    taken = t.sellers.select("territory_id").drop_nulls().unique()
    rows = found.nodes.filter(pl.col("is_leaf")).join(taken, on="territory_id", how="anti")
    if t.accounts is not None:
        # Only the uncovered leaves' accounts are counted.
        placed = t.accounts.get_column("territory_id")
        counts = (placed.filter(placed.is_in(rows.get_column("territory_id").implode()))
                  .value_counts(name="_accounts"))
        rows = rows.join(counts, on="territory_id", how="left")
    else:
        rows = rows.with_columns(pl.lit(None, dtype=pl.UInt32).alias("_accounts"))
    return each_row(TERRITORIES, rows.with_columns(pl.col("_accounts").fill_null(0)), "territory_id",
                 lambda r: f"leaf {quoted(r['territory_id'])} has no seller, so its "
                 f"{r['_accounts']} account(s) are uncovered; add a carrier (status tbh for a "
                 "vacant seat) if someone should carry them", "uncovered", "warning")


@check("assigned-quotas")
def assigned_quotas(t: Tables) -> list[Problem]:
    """With ``basis = "assigned"`` every carrier has a row in assigned_quotas.csv."""
    found = t.sound
    if (t.settings is None or t.settings.quotas.basis != "assigned" or found is None
            or t.sellers is None or t.assigned_quotas is None):
        return []
    carriers = _placed(t.sellers.filter(pl.col("seller_id").is_not_null()), found).filter(
        pl.col("is_leaf"))
    given = t.assigned_quotas.select("seller_id").drop_nulls().unique()
    rows = carriers.join(given, on="seller_id", how="anti")
    return each_row(SELLERS, rows, "seller_id",
                 lambda r: f"seller {quoted(r['seller_id'])} carries quota on leaf "
                 f"{quoted(r['territory_id'])} but has no row in {ASSIGNED}; [quotas] basis = "
                 "\"assigned\" needs a quota for every carrier", "assigned")
