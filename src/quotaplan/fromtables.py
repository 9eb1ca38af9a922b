"""Tables of text cells from any source → a checked :class:`~quotaplan.plan.Plan` and its problems.

A plan folder, a store or a workbook each hand the plan's tables as text, the way a CSV reader
sees them: every column ``String`` and a ``line`` column (``Int64``) that says where the row came
from — a file's line, or a store's row id. :func:`plan_from_tables` types the cells with the
schema (:mod:`quotaplan.planfolder.cells`), runs every check ``validate`` runs
(:mod:`quotaplan.planfolder.checks`) and locates each problem by the table's source name and the
row's line. The folder reader shares the checks through :func:`checked_plan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import polars as pl

from quotaplan.plan import FOLDER_SOURCES, Plan
from quotaplan.planfolder import checks
from quotaplan.planfolder.cells import convert, dtype, header_problems
from quotaplan.problems import Problem, error, has_errors, sort_key
from quotaplan.schemas import INPUTS, TableSchema
from quotaplan.settings import Settings


def empty_table(schema: TableSchema) -> pl.DataFrame:
    """A table with the schema's columns and no rows (an absent optional file)."""
    return pl.DataFrame(
        {"line": pl.Series([], dtype=pl.Int64)}
        | {c.name: pl.Series([], dtype=dtype(c)) for c in schema.kept}
    )


def plan_from_tables(
    settings: Settings,
    tables: Mapping[str, pl.DataFrame],
    sources: Mapping[str, str] | None = None,
    *,
    passthrough: bool = False,
) -> tuple[Plan | None, list[Problem]]:
    """Tables of text cells by table name (``"accounts"``, …) → (plan, or ``None`` on errors;
    every problem, sorted).

    Each table holds text columns (any other type is taken as its text) and ``line``: the row's
    location (rows are numbered from 1 when it is absent). An absent optional table is empty; an
    absent required one is a problem. ``sources`` names each table (and ``"settings"``) as
    problems show it, e.g. ``{"accounts": "store:accounts"}``; unnamed ones keep their plan file
    names. Nothing is raised for bad cells or broken references: they are problems.
    """
    named = {**FOLDER_SOURCES, **(sources or {})}
    problems: list[Problem] = []
    typed: dict[str, pl.DataFrame | None] = {}
    for table, schema in INPUTS.items():
        source = named[table]
        frame = tables.get(table)
        if frame is None:
            if schema.required_file:
                problems.append(error(source, None, None, f"the plan has no {table} table; a plan "
                                      f"needs it ({schema.help})", "missing-file"))
            typed[table] = None if schema.required_file else empty_table(schema)
            continue
        typed[table], found = _typed(source, frame, schema, passthrough)
        problems += found
    for name in sorted(set(tables) - set(INPUTS)):
        problems.append(error(named.get(name, name), None, None, f"{name} is not a table of a "
                              f"plan (those are {', '.join(INPUTS)}); it is not read",
                              "unknown-table"))
    plan, problems = checked_plan(settings, typed, problems, named)
    return plan, sorted(problems, key=sort_key)


def _typed(
    source: str, frame: pl.DataFrame, schema: TableSchema, passthrough: bool
) -> tuple[pl.DataFrame | None, list[Problem]]:
    """One table of text cells → (typed table, or ``None`` when its columns do not fit; problems)."""
    if "line" not in frame.columns:
        frame = frame.with_row_index("line", offset=1)
    frame = frame.with_columns(
        pl.col("line").cast(pl.Int64),
        *(pl.col(c).cast(pl.String) for c in frame.columns
          if c != "line" and frame.schema[c] != pl.String),
    )
    header = [c for c in frame.columns if c != "line"]
    problems = header_problems(source, header, schema)
    if problems:
        return None, problems
    typed, problems = convert(source, frame, schema)
    if passthrough:
        rest = [c for c in frame.columns if c not in typed.columns]
        typed = typed.with_columns(
            pl.when(frame.get_column(c) == "").then(None).otherwise(frame.get_column(c)).alias(c)
            for c in rest)
    return typed, problems


def checked_plan(
    settings: Settings | None,
    tables: Mapping[str, pl.DataFrame | None],
    problems: list[Problem],
    sources: Mapping[str, str] = FOLDER_SOURCES,
) -> tuple[Plan | None, list[Problem]]:
    """Typed tables (``None``: unreadable) and the problems found reading them → (plan, or ``None``
    on errors; those problems plus the checks', located by ``sources``; unsorted)."""
    problems = problems + _located(checks.run_checks(settings, dict(tables)), sources)
    if settings is None or has_errors(problems) or any(t is None for t in tables.values()):
        return None, problems
    ready = {k: v for k, v in tables.items() if v is not None}
    ready["topdown"] = checks.merged_topdown(settings, ready["territories"], ready["topdown"])
    return Plan(settings, ready["territories"], ready["sellers"], ready["accounts"],
                ready["bookings"], ready["topdown"], ready["overrides"], ready["adjustments"],
                ready["assigned_quotas"], sources=dict(sources)), problems


def _located(problems: list[Problem], sources: Mapping[str, str]) -> list[Problem]:
    """The checks name plan files (where a problem is, and the files its message refers to); a
    plan from elsewhere shows its own source names in both."""
    renamed = {FOLDER_SOURCES[t]: s for t, s in sources.items()
               if t in FOLDER_SOURCES and FOLDER_SOURCES[t] != s}
    if not renamed:
        return problems

    def said(message: str) -> str:
        for file, source in renamed.items():
            message = message.replace(file, source)
        return message

    return [replace(p, file=renamed.get(p.file, p.file), message=said(p.message))
            for p in problems]
