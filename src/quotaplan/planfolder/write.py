"""A :class:`~quotaplan.plan.Plan` → a plan folder that reads back to an equal plan.

``plan.toml`` holds every setting that differs from its default, numbers exact (``Decimal`` text,
never a float); each table is one CSV file in the plan's column order (optional columns empty on
every row are left out), amounts with two decimals, weights (``number`` columns) with the
decimals they need, dates ISO, empty cells for nulls. Required files are always written (a header
at least); an optional table without rows is left out, as a folder would. The ``line`` column is
where a row was read from, not part of the plan: reading the folder numbers the rows again.

The folder is written through :func:`quotaplan.outsafe.write_folder`: atomically, and never over
a folder quotaplan did not write for the same command (unless forced).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import polars as pl

from quotaplan.interop.tomltext import settings_document
from quotaplan.money import to_cents
from quotaplan.outsafe import write_folder
from quotaplan.plan import Plan
from quotaplan.schemas import INPUTS, NUMBER_SCALE, TableSchema
from quotaplan.settings import FILE as SETTINGS_FILE
from quotaplan.settings import Settings

HEADER = "# Written by quotaplan: every setting that differs from its default.\n"


def write_plan(plan: Plan, folder: Path, *, command: str, force: bool = False,
               protect: tuple[Path, ...] = (), shown: Collection[str] = (),
               note: str = HEADER) -> Path:
    """Write ``plan`` as a plan folder at ``folder`` (see the module); returns the folder.

    ``shown``: dotted keys (``"targets.method"``) written even at their default, for a planner to
    see and edit; ``note``: the comment that opens ``plan.toml``."""

    def write(staging: Path) -> None:
        text = settings_toml(plan.settings, shown=shown, note=note)
        (staging / SETTINGS_FILE).write_text(text, encoding="utf-8", newline="\n")
        for table, schema in INPUTS.items():
            frame = plan_table(plan, table)
            if frame.height or schema.required_file:
                csv_table(frame, schema).write_csv(staging / schema.file, null_value="")

    return write_folder(folder, command, write, force=force, protect=protect)


def settings_toml(settings: Settings, *, shown: Collection[str] = (), note: str = HEADER) -> str:
    """``plan.toml`` text of every setting that differs from its default (and the required ones),
    plus the dotted keys ``shown``, in the settings' own order."""
    given: dict[str, Any] = settings.model_dump(exclude_defaults=True)
    every: dict[str, Any] = settings.model_dump()
    entries: list[tuple[tuple[str, ...], Any]] = []
    for section, body in every.items():
        if isinstance(body, dict):
            entries += [((section, key), value) for key, value in body.items()
                        if key in given.get(section, {}) or f"{section}.{key}" in shown]
        elif section in given:  # [[strategic_focus]]: a list of tables
            entries.append(((section,), body))
    return note + settings_document(entries)


def plan_table(plan: Plan, table: str) -> pl.DataFrame:
    """A plan's table as its file holds it: ``topdown`` without the root's number that
    ``plan.toml`` already gives (the reader adds it back, with no line)."""
    frame: pl.DataFrame = getattr(plan, table)
    number = plan.settings.targets.topdown
    if table != "topdown" or number is None:
        return frame
    roots = plan.territories.filter(pl.col("parent_id").is_null()).get_column("territory_id")
    if roots.len() != 1:
        return frame
    from_toml = (pl.col("line").is_null() & (pl.col("territory_id") == roots[0])
                 & (pl.col("amount") == to_cents(number)))
    return frame.filter(~from_toml)


def csv_table(frame: pl.DataFrame, schema: TableSchema) -> pl.DataFrame:
    """A typed table → its cells as the plan file writes them: without ``line``, nor the
    optional columns of the schema that are empty on every row (reading fills them in again)."""
    kinds = {c.name: c.kind for c in schema.columns}
    empty = [c.name for c in schema.columns if not c.required and c.name in frame.columns
             and c.kind != "enum" and frame.get_column(c.name).null_count() == frame.height]
    return frame.drop("line", *empty).with_columns(
        *(scaled_text(pl.col(name), 2).alias(name)
          for name in frame.columns if kinds.get(name) == "amount" and name not in empty),
        *(scaled_text(pl.col(name), NUMBER_SCALE, trim=True).alias(name)
          for name in frame.columns if kinds.get(name) == "number" and name not in empty),
    )


def scaled_text(units: pl.Expr, scale: int, *, trim: bool = False) -> pl.Expr:
    """Int64 at ``10**scale`` → exact decimal text (``-12.30`` at scale 2); ``trim`` drops
    trailing zeros and a bare point (``12.5``, ``100``)."""
    size = 10**scale
    whole = (units.abs() // size).cast(pl.String)
    part = (units.abs() % size).cast(pl.String).str.zfill(scale)
    text = pl.when(units < 0).then(pl.lit("-")).otherwise(pl.lit("")) + whole + "." + part
    if trim:
        text = text.str.strip_chars_end("0").str.strip_chars_end(".")
    return pl.when(units.is_null()).then(None).otherwise(text)
