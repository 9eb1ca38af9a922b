"""Numbers and the settings that use them: the root's top-down number, bottom-up inputs above a
number, weights, buckets, totals that stay exact, adjustments, overrides on inactive accounts."""

from __future__ import annotations

from typing import Any

import polars as pl

from quotaplan.core.split_inputs import (
    bucket_column_problem,
    bucket_problems,
    unfilled_weight_problem,
    weight_cell_problems,
    weight_column_problem,
    weight_used,
)
from quotaplan.money import (
    MAX_CENTS,
    MAX_INT_DIGITS,
    to_cents,
)
from quotaplan.planfolder.checks.registry import (
    ACCOUNTS,
    ADJUSTMENTS,
    OVERRIDES,
    TOPDOWN,
    Tables,
    check,
    each_row,
    money_text,
)
from quotaplan.planfolder.hints import number_hint
from quotaplan.problems import Problem, error, line_of, quoted, warning
from quotaplan.schemas import INPUTS
from quotaplan.settings import FILE as SETTINGS_FILE

#: Methods that split a top-down number and so need one at the root.
SPLITTING_METHODS = frozenset({"even", "weighted", "bucketed", "blend"})


@check("root-number")
def root_number(t: Tables) -> list[Problem]:
    """The root's number: not given twice differently; present when the method splits it."""
    found = t.structure
    if t.settings is None or found is None or found.root is None or t.topdown is None:
        return []
    root = found.root
    rows = t.topdown.filter(pl.col("territory_id") == root).sort("line").head(1)
    problems: list[Problem] = []
    toml_number = t.settings.targets.topdown
    if toml_number is not None and rows.height:
        csv_cents = rows.get_column("amount")[0]
        toml_cents = to_cents(toml_number)
        if csv_cents is not None and csv_cents != toml_cents:
            problems.append(error(
                TOPDOWN, int(rows.get_column("line")[0]), "amount",
                f"the root {quoted(root)} is numbered {money_text(csv_cents)} here but "
                f"{money_text(toml_cents)} in plan.toml ([targets] topdown); give the root's number "
                "in one place, or make them equal", "topdown"))
    method = t.settings.targets.method
    if method in SPLITTING_METHODS and toml_number is None and rows.height == 0:
        problems.append(error(
            SETTINGS_FILE, None, "targets.topdown",
            f"method {method!r} splits the root's top-down number, but the root {quoted(root)} has "
            f"none; set [targets] topdown in plan.toml, add a row for {quoted(root)} to {TOPDOWN}, "
            "or use method \"growth\"", "topdown"))
    return problems


@check("bottom-up-above-number")
def bottom_up_above_number(t: Tables) -> list[Problem]:
    """A numbered node whose preserved inputs (and deeper numbers) exceed its number (a warning)."""
    found = t.sound
    if t.settings is None or found is None or t.topdown is None or t.accounts is None:
        return []
    numbers = (
        t.topdown.filter(pl.col("territory_id").is_not_null() & (pl.col("amount") >= 0))
        .sort("line")
        .unique("territory_id", keep="first", maintain_order=True)
        .join(found.nodes.select("territory_id"), on="territory_id", how="semi")
        .select("territory_id", "line", "amount")
    )
    root = found.root
    toml_number = t.settings.targets.topdown
    if toml_number is not None and root not in numbers.get_column("territory_id").to_list():
        numbers = pl.concat([numbers, pl.DataFrame(
            {"territory_id": [root], "line": [None], "amount": [to_cents(toml_number)]},
            schema={"territory_id": pl.String, "line": pl.Int64, "amount": pl.Int64})])
    if numbers.height == 0:
        return []
    anchor = found.anchors(set(numbers.get_column("territory_id").to_list()))
    parent = dict(zip(found.nodes["territory_id"].to_list(), found.nodes["parent_id"].to_list(),
                      strict=True))
    anchors = pl.DataFrame(
        {"territory_id": list(anchor), "_anchor": list(anchor.values())},
        schema={"territory_id": pl.String, "_anchor": pl.String},
    )
    inputs = (
        t.accounts.filter((pl.col("status") == "active") & (pl.col("bottom_up_target") >= 0))
        .join(anchors, on="territory_id", how="inner")
        .group_by("_anchor")
        .agg(pl.col("bottom_up_target").sum().alias("_inputs"))
    )
    outer = pl.DataFrame(
        {"territory_id": numbers["territory_id"].to_list(),
         "_anchor": [_outer(anchor, parent.get(n)) for n in numbers["territory_id"].to_list()]},
        schema={"territory_id": pl.String, "_anchor": pl.String},
    )
    deeper = (
        numbers.join(outer, on="territory_id")
        .group_by("_anchor")
        .agg(pl.col("amount").sum().alias("_deeper"))
    )
    rows = (
        numbers.join(inputs.rename({"_anchor": "territory_id"}), on="territory_id", how="left")
        .join(deeper.rename({"_anchor": "territory_id"}), on="territory_id", how="left")
        .with_columns(pl.col("_inputs").fill_null(0), pl.col("_deeper").fill_null(0))
        .filter(pl.col("_inputs") + pl.col("_deeper") > pl.col("amount"))
    )
    splits = t.settings.targets.method in SPLITTING_METHODS
    tail = (" the accounts without an input beneath it will get 0;" if splits else "")

    def say(r: dict[str, Any]) -> str:
        total = r["_inputs"] + r["_deeper"]
        return (f"beneath {quoted(r['territory_id'])} the bottom-up inputs ({money_text(r['_inputs'])}) and"
                f" the numbers of numbered nodes ({money_text(r['_deeper'])}) sum to {money_text(total)}, "
                f"above its top-down number {money_text(r['amount'])};{tail} raise the number or "
                "review the inputs")

    in_csv = rows.filter(pl.col("line").is_not_null())
    problems = each_row(TOPDOWN, in_csv, "amount", say, "bottom-up-above", "warning")
    for r in rows.filter(pl.col("line").is_null()).iter_rows(named=True):
        problems.append(warning(SETTINGS_FILE, None, "targets.topdown", say(r), "bottom-up-above"))
    return problems


def _outer(anchor: dict[str, str | None], parent: str | None) -> str | None:
    """The nearest numbered strict ancestor of a node whose parent is ``parent``."""
    return anchor.get(parent) if parent is not None else None


#: The accounts that share a top-down number (beneath a numbered node: any, once one is given).
SHARING = (pl.col("status") == "active") & pl.col("bottom_up_target").is_null()


@check("target-weight")
def target_weight(t: Tables) -> list[Problem]:
    """``targets.weight`` is ``prior_bookings`` or a numeric column of accounts.csv, with plain
    numbers of 0 or more (:mod:`quotaplan.core.split_inputs`)."""
    if t.settings is None or t.accounts is None or not weight_used(t.settings.targets):
        return []
    targets = t.settings.targets
    wrong = weight_column_problem(targets, t.accounts.columns, SETTINGS_FILE, ACCOUNTS)
    if wrong is not None:
        return [wrong]
    name = targets.weight
    if name == "prior_bookings":
        return []
    if name in INPUTS["accounts"].names:  # its cells were read as numbers already
        unfilled = unfilled_weight_problem(t.accounts, name, SHARING, SETTINGS_FILE, ACCOUNTS)
        return [] if unfilled is None else [unfilled]
    return weight_cell_problems(t.accounts, name, pl.lit(True), ACCOUNTS, number_hint)


@check("buckets")
def buckets(t: Tables) -> list[Problem]:
    """Bucketed targets: the bucket column is a text column and every bucket in use has a share."""
    if t.settings is None or t.accounts is None or t.settings.targets.method != "bucketed":
        return []
    targets = t.settings.targets
    name = targets.bucket_by
    if not name:
        return []  # settings already require it
    wrong = bucket_column_problem(targets, t.accounts.schema, SETTINGS_FILE, ACCOUNTS)
    if wrong is not None:
        return [wrong]
    return bucket_problems(t.accounts, name, targets.buckets, SHARING, ACCOUNTS)


@check("amount-totals")
def amount_totals(t: Tables) -> list[Problem]:
    """Every amount column adds up within 15 digits before the point (sums are kept exact).

    Each cell already has at most 15; a column of many such cells would add up beyond what a
    sum holds exactly. Reported on the line where the running total of sizes passes the limit.
    """
    problems: list[Problem] = []
    for table, schema in INPUTS.items():
        frame = getattr(t, table)
        names = [c.name for c in schema.columns if c.kind == "amount" and c.name in
                 (frame.columns if frame is not None else ())]
        if frame is None or not names or frame.height == 0:
            continue
        # The largest size times the rows bounds the total: the exact sum (in Int128, which
        # costs memory on ten million rows) is needed only when that bound is too large.
        bounds = frame.select(pl.max_horizontal(pl.col(n).max().abs(), pl.col(n).min().abs())
                              for n in names).row(0)
        for name, bound in zip(names, bounds, strict=True):
            size = pl.col(name).cast(pl.Int128).abs()
            if (bound or 0) * frame.height <= MAX_CENTS or frame.select(size.sum()).item() <= (
                    MAX_CENTS):
                continue
            running = frame.select("line", size.cum_sum().alias("_run"))
            line = running.filter(pl.col("_run") > MAX_CENTS).get_column("line")[0]
            problems.append(error(schema.file, line_of(line), name, f"the {name} amounts add up to "
                                  f"more than {MAX_INT_DIGITS} digits before the decimal point "
                                  "(from this line on), beyond what quotaplan keeps exact; check "
                                  "for a misplaced decimal point", "out-of-range"))
    return problems


@check("adjustment-amount-or-rate")
def adjustment_amount_or_rate(t: Tables) -> list[Problem]:
    if t.adjustments is None:
        return []
    both = t.adjustments.filter(pl.col("amount").is_not_null() & pl.col("rate").is_not_null())
    neither = t.adjustments.filter(pl.col("amount").is_null() & pl.col("rate").is_null())
    return each_row(ADJUSTMENTS, both, "rate",
                 lambda r: "this line gives both an amount and a rate; keep exactly one (split it "
                 "into two lines if both are meant)", "adjustment") + each_row(
        ADJUSTMENTS, neither, "amount",
        lambda r: "this line gives neither an amount nor a rate; fill exactly one of them",
        "adjustment")


@check("overrides-inactive")
def overrides_inactive(t: Tables) -> list[Problem]:
    """An override on an inactive account has no effect on any book (a warning)."""
    if t.overrides is None or t.accounts is None:
        return []
    inactive = (
        t.accounts.filter(pl.col("status") == "inactive")
        .select("account_id", pl.col("line").alias("_account_line"))
        .unique("account_id", keep="first")
    )
    rows = t.overrides.join(inactive, on="account_id", how="inner")
    return each_row(OVERRIDES, rows, "account_id",
                 lambda r: f"account {quoted(r['account_id'])} is inactive ({ACCOUNTS} line "
                 f"{r['_account_line']}), so this override does not count; remove it or make the "
                 "account active", "inactive-override", "warning")
