"""``fix-coverage``: account moves between sibling carriers that lift high-risk carriers. Pure.

Carriers trade accounts only within a *group*: the carriers whose leaves share a parent (by
default), or every carrier beneath one node (``within``). Quotas stay as they are: a move changes
two books, never a quota. Only carriers with a final quota above 0 take part.

- A **receiver** is a high-risk carrier (coverage < ``[risk] high_below``); it is *fixed* when its
  coverage reaches ``[risk] medium_below``: it needs ``need = ⌈medium_below·q − b⌉`` cents of
  target (b its book target, q its final quota).
- A **donor** is any other carrier of the group that is not high risk; it may give up to
  ``spare = ⌊b − high_below·q⌋`` cents: no move makes a carrier high risk.
- A **movable** account sits in a donor's book, has a target above 0, is not locked, and matches
  no ``[[strategic_focus]]`` rule.

**Candidates.** For each receiver, the :data:`DONORS` donors of its group with the most spare
(ties by seller id), and of each only the movable accounts that fit best: the :data:`ABOVE`
smallest whose target covers the receiver's need on its own, and the :data:`BELOW` largest that
do not (for fixes that take two accounts or more), never one larger than the donor's spare. This
keeps a 5,000-carrier plan to at most 60 binary variables per receiver.

**Formulation (one mixed-integer program per group).** Binary ``y`` per candidate (account →
receiver) and ``z_r`` per receiver (fixed or not):

    minimise   (n + 1)·(−Σ z_r) + Σ y, then Σ target·y            (lexicographic: two solves)
    subject to Σ_{a→r} target_a·y ≥ need_r·z_r       every receiver
               Σ_{a from d} target_a·y ≤ spare_d     every donor
               Σ_{r} y_{a→r} ≤ 1                     every account

With n candidates there are at most n moves, so one more receiver fixed outweighs any number of
moves: the first objective is "most receivers fixed, then fewest moves", in whole numbers, which
lets the solver prove it optimal quickly. The second only chooses the least target among those
answers; it gets a short time (see :class:`quotaplan.solver.HighsSolver`), so when the time runs
out it is the one left short (the gap reported is the largest of the two).
Receivers get a valid cut (at least as many moves as the fewest of their candidates that reach
the need), which tightens the relaxation. Rows are in cents, with half a cent of slack (whole
cents cannot use it; the solver's tolerance is far below it). The answer is then checked in
integers: moves to a receiver they do not fix, and moves out of a donor they would make high
risk, are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from quotaplan.core.linear import LinearProgram, ProgramBuilder, Solution, Solver, solve_all
from quotaplan.core.optimize import (
    Optimisation,
    RiskBands,
    ceil_of,
    floor_of,
    headline,
    proposals_frame,
    with_risk,
)
from quotaplan.core.strategic import rule_mask
from quotaplan.settings import StrategicFocusRule

#: Candidates per receiver and donor: accounts that fix the receiver on their own, and that don't.
ABOVE, BELOW = 2, 4
#: Donors per receiver: those with the most spare target (a large group has dozens of siblings).
DONORS = 10
#: Rows hold whole cents, so half a cent of slack changes no answer and is far beyond the
#: solver's tolerance (1e-7): it cannot accept a cent short.
HALF_CENT = 0.5


@dataclass(frozen=True)
class _Group:
    node: str
    pairs: pl.DataFrame  # account_id, target, donor, receiver (one row per candidate)
    needs: dict[str, int]  # receiver → cents
    spares: dict[str, int]  # donor → cents


def groups_of(carriers: pl.DataFrame, territories: pl.DataFrame, closure: pl.DataFrame,
              within: str | None) -> pl.DataFrame:
    """seller_id → ``group``: the parent of the carrier's leaf, or ``within`` for the carriers
    beneath that node (the others are left out). ``territories``: territory_id, parent_id;
    ``closure``: territory_id, ancestor_id (every node and ancestor-or-self)."""
    if within is None:
        return carriers.join(territories.select("territory_id", "parent_id"), on="territory_id",
                             how="left").select(
            "seller_id", pl.col("parent_id").fill_null(pl.col("territory_id")).alias("group"))
    if not (territories.get_column("territory_id") == within).any():
        raise ValueError(f"no territory {within!r}")
    beneath = closure.filter(pl.col("ancestor_id") == within).select("territory_id")
    return carriers.join(beneath, on="territory_id", how="semi").select(
        "seller_id", pl.lit(within).alias("group"))


def movable_accounts(accounts: pl.DataFrame, locked: frozenset[str],
                     rules: Sequence[StrategicFocusRule]) -> pl.DataFrame:
    """The accounts that may move: target above 0, not in ``locked``, matching no rule."""
    keep = (pl.col("target").fill_null(0) > 0) & ~pl.col("account_id").is_in(sorted(locked))
    for rule in rules:
        keep = keep & ~rule_mask(rule, accounts.columns)
    return accounts.filter(keep).select("account_id", "territory_id",
                                        pl.col("target").cast(pl.Int64))


def _roles(carriers: pl.DataFrame, bands: RiskBands) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(receivers: receiver, group, need; donors: donor, territory_id, group, spare), from
    carriers with seller_id, territory_id, group, book_target, final_quota and risk."""
    rows = carriers.filter(pl.col("final_quota") > 0).select(
        "seller_id", "territory_id", "group", "book_target", "final_quota", "risk")
    receivers, donors = [], []
    for seller, territory, group, book, quota, risk in rows.iter_rows():
        if risk == "high":
            receivers.append((seller, group, ceil_of(bands.medium_below * quota - book)))
        else:
            spare = floor_of(book - bands.high_below * quota)
            if spare > 0:
                donors.append((seller, territory, group, spare))
    return (
        pl.DataFrame(receivers, schema={"receiver": pl.String(), "group": pl.String(),
                                        "need": pl.Int64()}, orient="row"),
        pl.DataFrame(donors, schema={"donor": pl.String(), "territory_id": pl.String(),
                                     "group": pl.String(), "spare": pl.Int64()}, orient="row"),
    )


def candidates(movable: pl.DataFrame, receivers: pl.DataFrame, donors: pl.DataFrame
               ) -> pl.DataFrame:
    """account_id, target, donor, receiver, group, need, spare: the best-fitting accounts of each
    donor for each receiver of its group (see the module's docstring), sorted."""
    nearest = (
        receivers.join(donors, on="group", how="inner")
        .sort("receiver", "spare", "donor", descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("receiver") < DONORS)
        .select("receiver", "donor")
    )
    pairs = (
        movable.join(donors, on="territory_id", how="inner")
        .filter(pl.col("target") <= pl.col("spare"))
        .join(receivers, on="group", how="inner")
        .join(nearest, on=["receiver", "donor"], how="semi")
        .with_columns((pl.col("target") >= pl.col("need")).alias("_covers"))
        .with_columns(pl.when(pl.col("_covers")).then(pl.col("target"))
                      .otherwise(-pl.col("target")).alias("_fit"))
        .sort("receiver", "donor", "_covers", "_fit", "account_id")
        .with_columns(pl.int_range(pl.len()).over("receiver", "donor", "_covers").alias("_rank"))
        .filter(pl.when(pl.col("_covers")).then(pl.col("_rank") < ABOVE)
                .otherwise(pl.col("_rank") < BELOW))
    )
    return pairs.select("account_id", "target", "donor", "receiver", "group", "need",
                        "spare").sort("group", "receiver", "donor", "account_id")


def _program(group: _Group) -> LinearProgram:
    pairs = group.pairs
    targets = pairs.get_column("target").to_list()
    build = ProgramBuilder()
    y = build.add_variables([0.0] * len(targets), [1.0] * len(targets), integer=True)
    receivers = sorted(group.needs)
    z = build.add_variables([0.0] * len(receivers), [1.0] * len(receivers), integer=True)
    index = np.arange(len(targets))
    for k, receiver in enumerate(receivers):
        mine = index[(pairs.get_column("receiver") == receiver).to_numpy()]
        need = group.needs[receiver]
        build.add_row([y[i] for i in mine] + [z[k]], [float(targets[i]) for i in mine]
                      + [-float(need)], lower=-HALF_CENT)
        # A valid cut that tightens the relaxation: a fix takes at least as many accounts as
        # the fewest of its largest candidates that reach the need.
        fewest = _fewest([targets[i] for i in mine], need)
        if fewest > 1:
            build.add_row([y[i] for i in mine] + [z[k]], [1.0] * len(mine) + [-float(fewest)],
                          lower=0.0)
    for donor, spare in sorted(group.spares.items()):
        mine = index[(pairs.get_column("donor") == donor).to_numpy()]
        if len(mine):
            build.add_row([y[i] for i in mine], [float(targets[i]) for i in mine],
                          upper=spare + HALF_CENT)
    for rows in pairs.with_row_index("_i").group_by("account_id").agg("_i").get_column("_i"):
        if len(rows) > 1:
            build.add_row([y[i] for i in rows], [1.0] * len(rows), upper=1.0)
    # One more receiver fixed outweighs every move (there are fewer moves than candidates), so
    # the first objective is "most fixed, then fewest moves" in whole numbers.
    weight = float(len(targets) + 1)
    scale = float(sum(targets) or 1)
    return build.build([
        {**dict.fromkeys(z, -weight), **dict.fromkeys(y, 1.0)},
        {y[i]: t / scale for i, t in enumerate(targets)},
    ])


def _fewest(targets: list[int], need: int) -> int:
    """The fewest of ``targets`` whose sum reaches ``need`` (their count + 1 when all fall short:
    the receiver cannot be fixed)."""
    total = 0
    for count, target in enumerate(sorted(targets, reverse=True), start=1):
        total += target
        if total >= need:
            return count
    return len(targets) + 1


def _chosen(group: _Group, solution: Solution) -> pl.DataFrame:
    """The candidates the solution moves, checked exactly (see the module's docstring)."""
    if solution.x is None:
        return group.pairs.clear()
    picked = solution.x[: group.pairs.height] > 0.5
    moves = group.pairs.filter(pl.Series(picked)).unique("account_id", keep="first",
                                                         maintain_order=True)
    while moves.height:
        given = moves.group_by("receiver").agg(pl.col("target").sum().alias("_in"))
        taken = moves.group_by("donor").agg(pl.col("target").sum().alias("_out"))
        short = {r for r, got in given.iter_rows() if got < group.needs[r]}
        over = {d for d, out in taken.iter_rows() if out > group.spares[d]}
        if not short and not over:
            break
        moves = moves.filter(~pl.col("receiver").is_in(sorted(short))
                             & ~pl.col("donor").is_in(sorted(over)))
    return moves


def fix_coverage(carriers: pl.DataFrame, accounts: pl.DataFrame, *, territories: pl.DataFrame,
                 closure: pl.DataFrame, bands: RiskBands, solver: Solver, time_limit: float,
                 within: str | None = None, locked: frozenset[str] = frozenset(),
                 rules: Sequence[StrategicFocusRule] = ()) -> Optimisation:
    """Propose account moves (see the module's docstring).

    ``carriers``: seller_id, territory_id, book_target, final_quota (cents). ``accounts``:
    account_id, territory_id, target (cents) and the columns the rules match on.
    ``territories`` / ``closure`` / ``within``: as :func:`groups_of`. ``locked``: account ids that
    never move. Raises ``ValueError`` for a ``within`` that is not a territory.
    """
    frame = carriers.select("seller_id", "territory_id", "book_target", "final_quota").sort(
        "seller_id")
    grouped = groups_of(frame, territories, closure, within)
    before = with_risk(frame.join(grouped, on="seller_id", how="left"), bands)
    receivers, donors = _roles(before.filter(pl.col("group").is_not_null()), bands)
    pairs = candidates(movable_accounts(accounts, locked, rules), receivers, donors)
    needs = dict(receivers.select("receiver", "need").iter_rows())
    spares = dict(donors.select("donor", "spare").iter_rows())
    groups = [
        _Group(str(name), part.drop("group"),
               {r: needs[r] for r in part.get_column("receiver").unique()},
               {d: spares[d] for d in part.get_column("donor").unique()})
        for (name,), part in pairs.group_by(["group"], maintain_order=True)
    ]
    solutions = solve_all(solver, [_program(g) for g in groups], time_limit)
    chosen = [_chosen(g, s).with_columns(pl.lit(g.node).alias("node"))
              for g, s in zip(groups, solutions, strict=True)]
    moves = pl.concat(chosen) if chosen else pairs.drop("group").with_columns(
        pl.lit(None, dtype=pl.String).alias("node"))
    delta = pl.concat([
        moves.group_by("receiver").agg(pl.col("target").sum()).rename({"receiver": "seller_id"}),
        moves.group_by("donor").agg(-pl.col("target").sum()).rename({"donor": "seller_id"}),
    ]).group_by("seller_id").agg(pl.col("target").sum().alias("_delta"))
    after = with_risk(
        before.drop("coverage", "risk").join(delta, on="seller_id", how="left").with_columns(
            (pl.col("book_target") + pl.col("_delta").fill_null(0)).alias("book_target")
        ).drop("_delta"), bands)
    coverage = {s: (b, a) for s, b, a in before.select("seller_id", "coverage").join(
        after.select("seller_id", pl.col("coverage").alias("_a")), on="seller_id").iter_rows()}
    rows = [
        {"kind": "move", "account_id": m["account_id"], "from_seller": m["donor"],
         "to_seller": m["receiver"], "target": m["target"],
         "coverage_before": coverage[m["receiver"]][0],
         "coverage_after": coverage[m["receiver"]][1],
         "from_coverage_before": coverage[m["donor"]][0],
         "from_coverage_after": coverage[m["donor"]][1], "node": m["node"]}
        for m in moves.sort("node", "receiver", "account_id").iter_rows(named=True)
    ]
    proposals = proposals_frame(rows)
    # Fixed: coverage at or above medium_below, i.e. low risk.
    fixed = after.join(receivers.select(pl.col("receiver").alias("seller_id")), on="seller_id",
                       how="semi").filter(pl.col("risk") == "low")
    extra = {
        "within": within,
        "groups": len(groups),
        "high_risk_before": receivers.height,
        "fixed": fixed.height,
        "candidates": pairs.height,
        "locked": len(locked),
    }
    return Optimisation("fix-coverage", proposals, before, after,
                        headline("fix-coverage", before, after, proposals, tuple(solutions),
                                 **extra), tuple(solutions))


__all__ = ["candidates", "fix_coverage", "groups_of", "movable_accounts"]
