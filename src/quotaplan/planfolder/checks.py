"""The registry of plan checks: small named functions, each returning problems.

Each check takes the :class:`Tables` read so far (any may be ``None`` when its file was unreadable)
and returns a list of :class:`~quotaplan.problems.Problem`. A check must cope with missing tables
by returning nothing for them. Add a check by decorating it with :func:`check`; checks run in the
order they are registered, and every one runs (a plan's problems are all reported in one run).

Checks are vectorised (Polars joins, anti-joins and window counts); only the territory hierarchy is
walked in Python, once, in linear time (:class:`Structure`). Checks that need leaves, carriers or
numbered ancestors run only on a *sound* hierarchy: exactly one root and no cycle. Each check lists
at most :data:`~quotaplan.problems.MAX_LISTED` rows (unless every problem is listed), then one
"… and N more" record that counts the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import polars as pl

from quotaplan.money import (
    DECIMAL_PATTERN,
    MAX_CENTS,
    MAX_INT_DIGITS,
    format_cents_grouped,
    to_cents,
)
from quotaplan.planfolder.cells import show_value
from quotaplan.planfolder.hints import number_hint
from quotaplan.problems import Problem, Severity, error, listed, more, warning
from quotaplan.schemas import INPUTS
from quotaplan.settings import FILE as SETTINGS_FILE
from quotaplan.settings import Settings

TERRITORIES = INPUTS["territories"].file
SELLERS = INPUTS["sellers"].file
ACCOUNTS = INPUTS["accounts"].file
BOOKINGS = INPUTS["bookings"].file
TOPDOWN = INPUTS["topdown"].file
OVERRIDES = INPUTS["overrides"].file
ADJUSTMENTS = INPUTS["adjustments"].file
ASSIGNED = INPUTS["assigned_quotas"].file

#: Methods that split a top-down number and so need one at the root.
SPLITTING_METHODS = frozenset({"even", "weighted", "bucketed", "blend"})
#: Deepest hierarchy accepted (root = depth 0). Real ones have a handful of levels; the roll-ups
#: hold a row per (node, ancestor), so an absurdly deep chain would exhaust memory.
MAX_DEPTH = 64
#: From this many rows on, unknown ids are looked for by their hashes first (see :func:`_unknown`).
HASHED_PROBE_ROWS = 1_000_000
#: Largest integer part of a weight cell (weights are stored as millionths in Int64).
MAX_WEIGHT_DIGITS = 12


@dataclass(frozen=True)
class Structure:
    """The territory hierarchy as far as it can be read (first row of a repeated id wins).

    ``nodes``: territory_id, line, parent_id, is_leaf (a leaf: no territory names it as parent).
    ``roots``: ids with an empty parent_id, in file order. ``cycles``: each cycle's ids, in
    parent order starting at the member with the smallest line.
    """

    nodes: pl.DataFrame
    roots: list[str]
    cycles: list[list[str]]

    @property
    def sound(self) -> bool:
        """Exactly one root and no cycle: leaves, carriers and anchors are meaningful."""
        return len(self.roots) == 1 and not self.cycles

    @property
    def root(self) -> str | None:
        return self.roots[0] if len(self.roots) == 1 else None

    def deepest(self) -> tuple[str, int] | None:
        """The deepest node and its depth (root = 0), in linear time; ``None`` with a cycle."""
        if self.cycles:
            return None
        parent = dict(zip(self.nodes["territory_id"].to_list(), self.nodes["parent_id"].to_list(),
                          strict=True))
        depth: dict[str, int] = {}
        best: tuple[str, int] | None = None
        for start in parent:
            path: list[str] = []
            node: str | None = start
            while node is not None and node in parent and node not in depth:
                path.append(node)
                node = parent[node]
            known = depth[node] if node is not None and node in depth else -1
            for offset, item in enumerate(reversed(path), start=1):
                depth[item] = known + offset
            if best is None or depth[start] > best[1]:
                best = (start, depth[start])
        return best

    def anchors(self, numbered: set[str]) -> dict[str, str | None]:
        """Each node → its nearest numbered ancestor-or-self (``None`` when there is none).

        Linear: every node is resolved once, following parents until a resolved or numbered node.
        Only meaningful when there is no cycle (a cycle's members resolve to ``None``).
        """
        parent = dict(zip(self.nodes["territory_id"].to_list(), self.nodes["parent_id"].to_list(),
                          strict=True))
        anchor: dict[str, str | None] = {}
        for start in parent:
            path: list[str] = []
            node: str | None = start
            found: str | None = None
            seen: set[str] = set()
            while node is not None and node in parent and node not in seen:
                if node in anchor:
                    found = anchor[node]
                    break
                if node in numbered:
                    found = node
                    break
                seen.add(node)
                path.append(node)
                node = parent[node]
            for item in path:
                anchor[item] = found
            if start in numbered:
                anchor[start] = start
        return anchor


def _structure(territories: pl.DataFrame) -> Structure:
    terr = (
        territories.filter(pl.col("territory_id").is_not_null())
        .sort("line")
        .unique("territory_id", keep="first", maintain_order=True)
        .select("territory_id", "line", "parent_id")
    )
    parents = terr.filter(pl.col("parent_id").is_not_null()).select(
        pl.col("parent_id").unique().alias("territory_id"), pl.lit(False).alias("is_leaf")
    )
    nodes = terr.join(parents, on="territory_id", how="left", maintain_order="left").with_columns(
        pl.col("is_leaf").fill_null(True)
    )
    roots = terr.filter(pl.col("parent_id").is_null()).get_column("territory_id").to_list()
    return Structure(nodes=nodes, roots=roots, cycles=_cycles(terr))


def _cycles(terr: pl.DataFrame) -> list[list[str]]:
    """Every cycle of parent links, in linear time (each node is walked once)."""
    ids: list[str] = terr.get_column("territory_id").to_list()
    parent_of: dict[str, str | None] = dict(
        zip(ids, terr.get_column("parent_id").to_list(), strict=True)
    )
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = finished
    cycles: list[list[str]] = []
    for start in ids:
        if start in state:
            continue
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in state:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            cycles.append(path[path.index(node):])
        for item in path:
            state[item] = 2
    order = {tid: i for i, tid in enumerate(ids)}
    rotated = []
    for cycle in cycles:
        first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
        rotated.append(cycle[first:] + cycle[:first])
    return sorted(rotated, key=lambda c: order[c[0]])


@dataclass(frozen=True)
class Tables:
    settings: Settings | None
    territories: pl.DataFrame | None
    sellers: pl.DataFrame | None
    accounts: pl.DataFrame | None
    bookings: pl.DataFrame | None
    topdown: pl.DataFrame | None
    overrides: pl.DataFrame | None
    adjustments: pl.DataFrame | None
    assigned_quotas: pl.DataFrame | None

    @cached_property
    def structure(self) -> Structure | None:
        """The hierarchy, computed once per run (``None`` when territories.csv is unreadable)."""
        return None if self.territories is None else _structure(self.territories)

    @property
    def sound(self) -> Structure | None:
        """The hierarchy when it is sound (one root, no cycle), else ``None``."""
        found = self.structure
        return found if found is not None and found.sound else None


Check = Callable[[Tables], list[Problem]]
REGISTRY: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        REGISTRY[name] = fn
        return fn

    return register


def run_checks(settings: Settings | None, tables: dict[str, pl.DataFrame | None]) -> list[Problem]:
    view = Tables(settings=settings, **tables)
    problems: list[Problem] = []
    for fn in REGISTRY.values():
        problems += fn(view)
    return problems


def merged_topdown(
    settings: Settings, territories: pl.DataFrame, topdown: pl.DataFrame
) -> pl.DataFrame:
    """topdown.csv plus the root's ``[targets] topdown`` (line null) when only plan.toml gives it."""
    number = settings.targets.topdown
    if number is None:
        return topdown
    roots = territories.filter(pl.col("parent_id").is_null()).get_column("territory_id")
    if roots.len() != 1:
        return topdown
    root = roots[0]
    if root in topdown.get_column("territory_id").to_list():
        return topdown
    row = pl.DataFrame(
        {"line": [None], "territory_id": [root], "amount": [to_cents(number)]},
        schema={"line": pl.Int64, "territory_id": pl.String, "amount": pl.Int64},
    )
    return pl.concat([topdown.select("line", "territory_id", "amount"), row])


# --- helpers -------------------------------------------------------------------------------------


def _each(
    file: str,
    rows: pl.DataFrame,
    column: str | None,
    say: Callable[[dict[str, Any]], str],
    code: str,
    severity: Severity = "error",
) -> list[Problem]:
    """One problem per row of ``rows`` (by line; the first
    :data:`~quotaplan.problems.MAX_LISTED`, then one record that counts the rest)."""
    if rows.height == 0:
        return []
    make = error if severity == "error" else warning
    rows = rows.sort("line", nulls_last=True)
    count = listed(rows.height)
    problems = [
        make(file, _line(row["line"]), column, say(row), code)
        for row in rows.head(count).iter_rows(named=True)
    ]
    if rows.height > count:
        rest = rows.height - count
        problems.append(more(file, _line(rows.get_column("line")[count]), column,
                             f"… and {rest} more rows like this", severity, code, rest))
    return problems


def _line(value: object) -> int | None:
    return int(value) if isinstance(value, int) else None


def _q(value: object) -> str:
    return f"'{show_value(value)}'"


def _money(cents: int) -> str:
    return format_cents_grouped(cents)


def _unknown(
    frame: pl.DataFrame | None,
    file: str,
    column: str,
    known: pl.DataFrame | None,
    known_column: str,
    known_file: str,
    noun: str,
) -> list[Problem]:
    """Rows of ``frame`` whose ``column`` names no row of ``known`` (anti-join).

    Only the line and the id travel through the anti-join. From :data:`HASHED_PROBE_ROWS` rows up
    (bookings), the ids are first compared by their 64-bit hashes, which costs about half the
    anti-join: a row whose hash is not among the known ids' is certainly unknown, and only those
    rows go through the exact anti-join. An unknown id whose hash equals a known id's would pass
    (odds about 1 in 10^13 for one unknown id against a million accounts); its rows then match
    no account and count nowhere. When ``frame`` is much smaller than ``known`` (overrides
    against a million accounts), the known ids are first narrowed to those ``frame`` names,
    so that the anti-join does not build a table of all of them.
    """
    if frame is None or known is None or column not in frame.columns:
        return []
    keys = known.select(pl.col(known_column).alias(column))
    if 8 * frame.height < keys.height:
        # A few ids against many (overrides against a million accounts): the known ids are
        # probed against the few, instead of a table of all of them built for the anti-join.
        known_ids = keys.get_column(column)
        keys = known_ids.filter(known_ids.is_in(frame.get_column(column).implode())).to_frame()
    given = pl.col(column).is_not_null()
    if frame.height >= HASHED_PROBE_ROWS:
        hashes = keys.get_column(column).drop_nulls().hash().implode()
        given = given & ~pl.col(column).hash().is_in(hashes)
    rows = frame.select("line", column).filter(given)
    rows = rows.join(keys, on=column, how="anti", maintain_order="left")
    return _each(file, rows, column,
                 lambda r: f"{noun} {_q(r[column])} is not in {known_file}; add it there or "
                 "correct the id", "unknown-reference")


# --- duplicates ----------------------------------------------------------------------------------


def _duplicates(frame: pl.DataFrame | None, file: str, column: str, what: str) -> list[Problem]:
    if frame is None or column not in frame.columns:
        return []
    ids = pl.col(column).drop_nulls()
    # Distinct 64-bit hashes prove distinct ids (and cost a fraction of comparing the text); only
    # when two hashes agree are the ids themselves compared.
    if frame.select(ids.hash().n_unique() == ids.len()).item():
        return []
    if frame.select(ids.n_unique() == ids.len()).item():
        return []
    rows = (
        frame.filter(pl.col(column).is_not_null())
        .with_columns(pl.col("line").min().over(column).alias("_first"))
        .filter(pl.col("line") != pl.col("_first"))
    )
    return _each(file, rows, column,
                 lambda r: f"{what} {_q(r[column])} is already on line {r['_first']}; each "
                 f"{column} may appear once — remove or rename this row", "duplicate")


@check("duplicate-ids")
def duplicate_ids(t: Tables) -> list[Problem]:
    """Repeated ids in every table keyed by one (reported on the repeated line)."""
    return (
        _duplicates(t.territories, TERRITORIES, "territory_id", "territory")
        + _duplicates(t.sellers, SELLERS, "seller_id", "seller")
        + _duplicates(t.accounts, ACCOUNTS, "account_id", "account")
        + _duplicates(t.topdown, TOPDOWN, "territory_id", "territory")
        + _duplicates(t.overrides, OVERRIDES, "account_id", "account")
        + _duplicates(t.assigned_quotas, ASSIGNED, "seller_id", "seller")
    )


# --- the hierarchy -------------------------------------------------------------------------------


@check("roots")
def roots(t: Tables) -> list[Problem]:
    """Exactly one territory has an empty parent_id."""
    found = t.structure
    if found is None:
        return []
    if not found.roots:
        return [error(TERRITORIES, 1, "parent_id", "no territory has an empty parent_id, so the "
                      "hierarchy has no root; leave parent_id empty for the one top territory",
                      "roots")]
    if len(found.roots) == 1:
        return []
    first = found.roots[0]
    extra = found.nodes.filter(pl.col("parent_id").is_null()).slice(1)
    first_line = found.nodes.filter(pl.col("territory_id") == first).get_column("line")[0]
    return _each(TERRITORIES, extra, "parent_id",
                 lambda r: f"territory {_q(r['territory_id'])} has no parent_id, but "
                 f"{_q(first)} on line {first_line} is already the root; a plan has one root — "
                 "give this territory a parent", "roots")


@check("depth")
def hierarchy_depth(t: Tables) -> list[Problem]:
    """A hierarchy deeper than :data:`MAX_DEPTH` levels (named at its deepest territory)."""
    found = t.structure
    deepest = found.deepest() if found is not None else None
    if found is None or deepest is None or deepest[1] <= MAX_DEPTH:
        return []
    node, depth = deepest
    line = found.nodes.filter(pl.col("territory_id") == node).get_column("line")[0]
    return [error(TERRITORIES, int(line), "parent_id", f"territory {_q(node)} is {depth} levels "
                  f"below the root; quotaplan takes hierarchies of up to {MAX_DEPTH} levels — "
                  "check the parent_id links (a chain this deep is usually an export error)",
                  "depth")]


@check("cycles")
def cycles(t: Tables) -> list[Problem]:
    """Parent links that loop back (reported once per cycle, at its first line)."""
    found = t.structure
    if found is None or not found.cycles:
        return []
    lines = dict(zip(found.nodes["territory_id"].to_list(), found.nodes["line"].to_list(),
                     strict=True))
    problems = []
    count = listed(len(found.cycles))
    for cycle in found.cycles[:count]:
        shown = cycle if len(cycle) <= 10 else [*cycle[:10], "…"]
        path = " → ".join(f"'{c}'" for c in [*shown, cycle[0]])
        problems.append(error(TERRITORIES, lines[cycle[0]], "parent_id",
                              f"the parent links form a cycle ({path}, child → parent); a "
                              "territory cannot be beneath itself — correct one parent_id",
                              "cycle"))
    if len(found.cycles) > count:
        rest = len(found.cycles) - count
        problems.append(more(TERRITORIES, lines[found.cycles[count][0]], "parent_id",
                             f"… and {rest} more cycles", "error", "cycle", rest))
    return problems


@check("unknown-parent")
def unknown_parent(t: Tables) -> list[Problem]:
    return _unknown(t.territories, TERRITORIES, "parent_id", t.territories, "territory_id",
                    TERRITORIES, "parent territory")


# --- references ----------------------------------------------------------------------------------


@check("unknown-references")
def unknown_references(t: Tables) -> list[Problem]:
    """Every id that names a row of another file names one that exists."""
    return (
        _unknown(t.sellers, SELLERS, "territory_id", t.territories, "territory_id", TERRITORIES,
                 "territory")
        + _unknown(t.accounts, ACCOUNTS, "territory_id", t.territories, "territory_id",
                   TERRITORIES, "territory")
        + _unknown(t.bookings, BOOKINGS, "account_id", t.accounts, "account_id", ACCOUNTS,
                   "account")
        + _unknown(t.overrides, OVERRIDES, "account_id", t.accounts, "account_id", ACCOUNTS,
                   "account")
        + _unknown(t.adjustments, ADJUSTMENTS, "seller_id", t.sellers, "seller_id", SELLERS,
                   "seller")
        + _unknown(t.assigned_quotas, ASSIGNED, "seller_id", t.sellers, "seller_id", SELLERS,
                   "seller")
        + _unknown(t.topdown, TOPDOWN, "territory_id", t.territories, "territory_id",
                   TERRITORIES, "territory")
    )


@check("strategic-focus-accounts")
def strategic_focus_accounts(t: Tables) -> list[Problem]:
    """``[[strategic_focus]] match.accounts`` names accounts of accounts.csv."""
    if t.settings is None or t.accounts is None:
        return []
    problems: list[Problem] = []
    for number, rule in enumerate(t.settings.strategic_focus, start=1):
        ids = rule.match.get("accounts")
        if ids is None:
            continue
        wanted = pl.Series("account_id", [ids] if isinstance(ids, str) else ids, dtype=pl.String)
        # The accounts are probed against the rule's few ids (no table of a million ids built).
        ids_column = t.accounts.get_column("account_id")
        present = set(ids_column.filter(ids_column.is_in(wanted.implode())).to_list())
        missing = [a for a in dict.fromkeys(wanted.to_list()) if a not in present]
        key = f"strategic_focus[{number}].match.accounts"
        problems += [
            error(SETTINGS_FILE, None, key, f"account {_q(a)} in [[strategic_focus]] rule {number} "
                  f"is not in {ACCOUNTS}; correct the id or remove it", "unknown-reference")
            for a in missing[:listed(len(missing))]
        ]
        rest = len(missing) - listed(len(missing))
        if rest:
            problems.append(more(SETTINGS_FILE, None, key, f"… and {rest} more unknown accounts",
                                 "error", "unknown-reference", rest))
    return problems


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
    problems += _each(SELLERS, rows, "ramp_profile",
                      lambda r: f"ramp profile {_q(r['ramp_profile'])} is not in [ramp] profiles "
                      f"({listed}); define it in plan.toml or correct the name", "unknown-reference")
    factors = t.settings.seniority.factors
    if factors:
        levels = pl.DataFrame({"seniority": sorted(factors)}, schema={"seniority": pl.String})
        rows = t.sellers.filter(pl.col("seniority").is_not_null()).join(levels, on="seniority",
                                                                        how="anti")
        known = ", ".join(sorted(factors))
        problems += _each(SELLERS, rows, "seniority",
                          lambda r: f"seniority {_q(r['seniority'])} is not in [seniority] factors "
                          f"({known}); add a factor for it or correct the level",
                          "unknown-reference")
    return problems


@check("seller-dates")
def seller_dates(t: Tables) -> list[Problem]:
    if t.sellers is None:
        return []
    rows = t.sellers.filter(pl.col("end_date") < pl.col("hire_date"))
    return _each(SELLERS, rows, "end_date",
                 lambda r: f"end_date {r['end_date']} is before hire_date {r['hire_date']}; "
                 "correct one of the dates", "dates")


# --- placement on the hierarchy -------------------------------------------------------------------


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
    return _each(ACCOUNTS, rows, "territory_id",
                 lambda r: f"territory {_q(r['territory_id'])} has territories beneath it; "
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
            return (f"leaf {_q(r['territory_id'])} already has a quota carrier, seller "
                    f"{_q(r['_other'])} on line {r['_first']}; a leaf has one carrier — give this "
                    "seller another leaf")
        return (f"territory {_q(r['territory_id'])} already has a manager, seller {_q(r['_other'])}"
                f" on line {r['_first']}; a node has one manager — move one of them")

    return _each(SELLERS, rows, "territory_id", say, "one-seller")


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
    return _each(TERRITORIES, rows.with_columns(pl.col("_accounts").fill_null(0)), "territory_id",
                 lambda r: f"leaf {_q(r['territory_id'])} has no seller, so its "
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
    return _each(SELLERS, rows, "seller_id",
                 lambda r: f"seller {_q(r['seller_id'])} carries quota on leaf "
                 f"{_q(r['territory_id'])} but has no row in {ASSIGNED}; [quotas] basis = "
                 "\"assigned\" needs a quota for every carrier", "assigned")


# --- top-down numbers ----------------------------------------------------------------------------


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
                f"the root {_q(root)} is numbered {_money(csv_cents)} here but "
                f"{_money(toml_cents)} in plan.toml ([targets] topdown); give the root's number "
                "in one place, or make them equal", "topdown"))
    method = t.settings.targets.method
    if method in SPLITTING_METHODS and toml_number is None and rows.height == 0:
        problems.append(error(
            SETTINGS_FILE, None, "targets.topdown",
            f"method {method!r} splits the root's top-down number, but the root {_q(root)} has "
            f"none; set [targets] topdown in plan.toml, add a row for {_q(root)} to {TOPDOWN}, "
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
        return (f"beneath {_q(r['territory_id'])} the bottom-up inputs ({_money(r['_inputs'])}) and"
                f" the numbers of numbered nodes ({_money(r['_deeper'])}) sum to {_money(total)}, "
                f"above its top-down number {_money(r['amount'])};{tail} raise the number or "
                "review the inputs")

    in_csv = rows.filter(pl.col("line").is_not_null())
    problems = _each(TOPDOWN, in_csv, "amount", say, "bottom-up-above", "warning")
    for r in rows.filter(pl.col("line").is_null()).iter_rows(named=True):
        problems.append(warning(SETTINGS_FILE, None, "targets.topdown", say(r), "bottom-up-above"))
    return problems


def _outer(anchor: dict[str, str | None], parent: str | None) -> str | None:
    """The nearest numbered strict ancestor of a node whose parent is ``parent``."""
    return anchor.get(parent) if parent is not None else None


# --- methods and their columns -------------------------------------------------------------------


def _weight_used(settings: Settings) -> bool:
    targets = settings.targets
    return targets.method in ("weighted", "blend") or (
        targets.method == "bucketed" and targets.within_bucket == "weighted"
    )


@check("target-weight")
def target_weight(t: Tables) -> list[Problem]:
    """``targets.weight`` is ``prior_bookings`` or a numeric column of accounts.csv."""
    if t.settings is None or t.accounts is None or not _weight_used(t.settings):
        return []
    name = t.settings.targets.weight
    if name == "prior_bookings":
        return []
    schema = INPUTS["accounts"]
    key = "targets.weight"
    if name in schema.names:
        if schema.column(name).kind != "number":
            numeric = [c.name for c in schema.columns if c.kind == "number"]
            return [error(SETTINGS_FILE, None, key, f"weight {name!r} is not a numeric column of "
                          f"{ACCOUNTS}; use prior_bookings, {', '.join(numeric)} or another "
                          "column of plain numbers", "weight")]
        sharing = t.accounts.filter(
            (pl.col("status") == "active") & pl.col("bottom_up_target").is_null())
        if sharing.height and sharing.get_column(name).null_count() == sharing.height:
            return [error(SETTINGS_FILE, None, key, f"weight {name!r} has no values among the "
                          f"accounts that share a top-down number; fill the {name} column of "
                          f"{ACCOUNTS} or choose another weight", "weight")]
        return []
    if name not in t.accounts.columns or name == "line":
        return [error(SETTINGS_FILE, None, key, f"weight {name!r} is neither prior_bookings nor a "
                      f"column of {ACCOUNTS}; add the column or correct the name", "weight")]
    text = pl.col(name).cast(pl.String).str.strip_chars()
    present = text.is_not_null() & (text != "")
    digits = text.str.extract(r"^-?([0-9]+)", 1).str.len_chars()
    frame = t.accounts.with_columns(text.alias("_w"))
    bad = frame.filter(present & (~text.str.contains(DECIMAL_PATTERN)
                                  | (digits > MAX_WEIGHT_DIGITS)))
    negative = frame.filter(present & text.str.contains(DECIMAL_PATTERN)
                            & text.str.starts_with("-") & text.str.contains("[1-9]"))
    def say(r: dict[str, Any]) -> str:
        hint = number_hint(str(r["_w"]))
        return (f"{_q(r['_w'])} is not a plain number, but [targets] weight uses {name}; " + (
            hint or f"write digits with an optional '.' (at most {MAX_WEIGHT_DIGITS} before it), "
            "without separators or exponents"))

    return _each(ACCOUNTS, bad, name, say, "weight") + _each(
        ACCOUNTS, negative, name,
        lambda r: f"{_q(r['_w'])} is negative, but [targets] weight uses {name}; weights are 0 or "
        "more", "weight")


@check("buckets")
def buckets(t: Tables) -> list[Problem]:
    """Bucketed targets: the bucket column exists and every bucket in use has a share."""
    if t.settings is None or t.accounts is None or t.settings.targets.method != "bucketed":
        return []
    targets = t.settings.targets
    name = targets.bucket_by
    if not name:
        return []  # settings already require it
    if name not in t.accounts.columns or name == "line":
        return [error(SETTINGS_FILE, None, "targets.bucket_by", f"bucket_by names column {name!r}"
                      f", which {ACCOUNTS} does not have; add the column or correct the name",
                      "bucket")]
    value = pl.col(name).cast(pl.String).str.strip_chars()
    sharing = t.accounts.filter(
        (pl.col("status") == "active") & pl.col("bottom_up_target").is_null()
    ).with_columns(value.alias("_bucket"))
    empty = sharing.filter(pl.col("_bucket").is_null() | (pl.col("_bucket") == ""))
    problems = _each(ACCOUNTS, empty, name,
                     lambda r: f"account {_q(r['account_id'])} has no {name}, but targets are "
                     f"bucketed by {name}; give it a value that [targets.buckets] has a share for",
                     "bucket")
    shares = pl.DataFrame({"_bucket": sorted(targets.buckets)}, schema={"_bucket": pl.String})
    unshared = (
        sharing.filter(pl.col("_bucket").is_not_null() & (pl.col("_bucket") != ""))
        .join(shares, on="_bucket", how="anti")
        .group_by("_bucket")
        .agg(pl.col("line").min(), pl.len().alias("_count"))
    )
    known = ", ".join(sorted(targets.buckets))
    problems += _each(ACCOUNTS, unshared, name,
                      lambda r: f"{name} {_q(r['_bucket'])} ({r['_count']} eligible account(s), "
                      f"the first here) has no share in [targets.buckets] ({known}); add a share "
                      "for it (the shares must still sum to 1) or change these accounts", "bucket")
    return problems


# --- other files ---------------------------------------------------------------------------------


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
            problems.append(error(schema.file, _line(line), name, f"the {name} amounts add up to "
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
    return _each(ADJUSTMENTS, both, "rate",
                 lambda r: "this line gives both an amount and a rate; keep exactly one (split it "
                 "into two lines if both are meant)", "adjustment") + _each(
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
    return _each(OVERRIDES, rows, "account_id",
                 lambda r: f"account {_q(r['account_id'])} is inactive ({ACCOUNTS} line "
                 f"{r['_account_line']}), so this override does not count; remove it or make the "
                 "account active", "inactive-override", "warning")
