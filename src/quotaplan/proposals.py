"""``quotaplan optimize``: run a goal of :mod:`quotaplan.core.optimize` on a built plan, with
HiGHS, and write its proposals. The edge around the pure core: the lock file is read here, the
``--within`` node checked here, the solver chosen here, and the files written here.

Files (in ``--out DIR``, written through :func:`quotaplan.outsafe.write_folder`):

- ``proposals.csv``: :data:`~quotaplan.core.optimize.PROPOSAL_COLUMNS`; amounts with two
  decimals, coverages with six, absent values empty.
- ``optimize.json``: the headline (:func:`quotaplan.core.optimize.headline`); amounts as strings
  with two decimals, ratios as numbers, an absent figure ``null``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from quotaplan.build import BuildResult
from quotaplan.core.linear import Solver
from quotaplan.core.optimize import PROPOSAL_COLUMNS, Optimisation, RiskBands
from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.money import format_cents
from quotaplan.outputs import write_table
from quotaplan.problems import Problem, error

#: Headline keys whose values are amounts (cents in memory, two-decimal strings on disk).
AMOUNT_KEYS = frozenset({"street_quota", "book_target_sum", "target_moved"})
#: Time kept after the last solve for building the proposals: half a second and 2 % of
#: ``--time-limit`` (at most a tenth of it).
RESERVE_SECONDS, RESERVE = 0.5, 0.02
#: Longest line a lock file may have (bytes); a longer one is an error, not a memory hog.
MAX_LOCK_LINE = 1 << 20


@dataclass(frozen=True)
class OptimizeOptions:
    """What ``quotaplan optimize`` was asked. ``max_change``: 0.15 = ±15 %; ``time_limit`` in
    seconds; ``locked``: account ids that never move."""

    goal: str
    max_change: Fraction = Fraction(3, 20)
    within: str | None = None
    locked: frozenset[str] = frozenset()
    time_limit: float = 60.0


def read_lock_file(path: Path, known: frozenset[str]) -> frozenset[str]:
    """The account ids of a lock file: a CSV with an ``account_id`` column (other columns are
    ignored). Raises :class:`UsageError` when the file cannot be read at all, and
    :class:`PlanInvalid` naming each bad line (no ``account_id`` column, an empty id, an id that
    is not in accounts.csv, a line that is not CSV text)."""
    name = str(path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise UsageError(f"--lock {name!r} {what}; pass a CSV file with an account_id column")
    lines = _lock_lines(path)
    problems: list[Problem] = []
    ids: set[str] = set()
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
        names = [h.strip() for h in header or []]
        if "account_id" not in names:
            raise PlanInvalid([error(name, 1, "account_id", "the lock file needs a header line "
                                     "with an account_id column", "missing-column")])
        column = names.index("account_id")
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            value = row[column].strip() if column < len(row) else ""
            if not value:
                problems.append(error(name, line, "account_id", "empty account id; give the id "
                                      "of an account to lock, or remove the line", "empty-id"))
            elif value not in known:
                problems.append(error(name, line, "account_id", f"account {value!r} is not in "
                                      "accounts.csv; correct the id or remove the line",
                                      "unknown-account"))
            else:
                ids.add(value)
    except csv.Error as exc:
        raise PlanInvalid([error(name, max(reader.line_num, 1), None, f"not CSV text ({exc}); save "
                                 "the file as comma-separated UTF-8 text", "not-csv")]) from None
    if problems:
        raise PlanInvalid(problems)
    return frozenset(ids)


def _lock_lines(path: Path) -> list[str]:
    """The lock file's lines as text (a BOM dropped), never reading more than 1 MiB a line."""
    name = str(path)
    lines: list[str] = []
    try:
        with path.open("rb") as handle:
            while raw := handle.readline(MAX_LOCK_LINE + 1):
                number = len(lines) + 1
                if len(raw) > MAX_LOCK_LINE:
                    raise PlanInvalid([error(name, number, None, "the line is longer than "
                                             "1 MiB; a lock file holds one account id a line",
                                             "long-line")])
                if b"\x00" in raw:
                    raise PlanInvalid([error(name, number, None, "the line holds a NUL byte; "
                                             "save the file as UTF-8 CSV text", "nul-byte")])
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise PlanInvalid([error(name, number, None, "not UTF-8 text; save the "
                                             "file as UTF-8 CSV", "encoding")]) from None
                lines.append(text.removeprefix("\ufeff") if number == 1 else text)
    except OSError as exc:
        raise UsageError(f"--lock {name!r} cannot be read ({exc.strerror or exc}); pass a "
                         "readable CSV file") from None
    return lines


def optimize(result: BuildResult, options: OptimizeOptions, solver: Solver | None = None
             ) -> Optimisation:
    """Run ``options.goal`` on a built plan (HiGHS unless another ``solver`` is given)."""
    from quotaplan.core.balance import balance_quotas
    from quotaplan.core.moves import fix_coverage

    if solver is None:
        import time

        from quotaplan.solver import HighsSolver

        # The limit covers the whole step (candidates, programs, proposals), not only the solves:
        # these stop a little early, leaving the time to turn their answers into proposals.
        limit = options.time_limit
        reserve = min(limit / 10, RESERVE_SECONDS + limit * RESERVE)
        solver = HighsSolver(deadline=time.perf_counter() + limit - reserve)
    settings = result.plan.settings
    bands = RiskBands.of(settings.risk.high_below, settings.risk.medium_below)
    nodes = result.hierarchy.nodes
    if options.within is not None and options.within not in set(
            nodes.get_column("territory_id").to_list()):
        raise UsageError(f"--within {options.within!r}: no such territory in territories.csv; "
                         "pass a territory_id")
    if options.goal == "balance-quotas":
        if options.within is not None or options.locked:
            raise UsageError("--within and --lock apply to --goal fix-coverage only")
        return balance_quotas(result.quotas, root=result.hierarchy.root, bands=bands,
                              max_change=options.max_change, solver=solver,
                              time_limit=options.time_limit)
    if options.goal == "fix-coverage":
        return fix_coverage(result.quotas, result.account_targets, territories=nodes,
                            closure=result.hierarchy.closure, bands=bands, solver=solver,
                            time_limit=options.time_limit, within=options.within,
                            locked=options.locked, rules=settings.strategic_focus)
    raise UsageError(f"--goal {options.goal!r} is not a goal; use balance-quotas or fix-coverage")


def headline_json(headline: Mapping[str, Any]) -> str:
    """optimize.json: amounts as two-decimal strings."""
    return json.dumps(_jsonable(headline), indent=2, ensure_ascii=False) + "\n"


def _jsonable(value: Any, key: str = "") -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v, str(k)) for k, v in value.items()}
    if key in AMOUNT_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return format_cents(value)
    return value


def write_proposals(optimisation: Optimisation, folder: Path) -> None:
    """proposals.csv and optimize.json into ``folder`` (a staging folder of ``write_folder``)."""
    write_table(optimisation.proposals, folder / "proposals.csv", PROPOSAL_COLUMNS, ())
    (folder / "optimize.json").write_text(headline_json(optimisation.headline), encoding="utf-8")
