"""``quotaplan export xlsx``: a build's outputs as one Excel workbook.

Sheets: **Summary** (the root's headline figures), **Sellers** (quotas.csv and gap.csv joined per
carrier), **Periods** (quota_periods.csv), **Accounts** (account_targets.csv; continued on
``Accounts 2``, … past Excel's row limit), **Roll-up** (rollup.csv) and **Ledger** (every
carrier's quota ledger line by line, with its reason). Each figure is the one the CSV output holds:
amounts to the cent, ratios as written (percentages for coverage and shares), counts, dates; see
:mod:`quotaplan.interop.workbook` for the cell types and formats.

The source is a build in memory (:func:`tables_from_result`) or a build's output folder
(:func:`tables_from_folder`, which has no ledger: the Ledger sheet then says how to get it).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from xlsxwriter.workbook import Workbook

from quotaplan.build import BuildResult
from quotaplan.errors import UsageError
from quotaplan.interop.workbook import (
    Formats,
    Kind,
    cell_writers,
    kinds_from_dtypes,
    open_workbook,
    safe_text,
    write_table,
)
from quotaplan.money import round_half_away
from quotaplan.outputs import SUMMARY_AMOUNTS, output_tables
from quotaplan.schemas import COUNT_COLUMNS, OUTPUTS, WRITTEN_EXTRAS

#: Ratio columns shown as percentages (the others, factors and indices, as plain numbers).
PERCENT_COLUMNS = frozenset({"coverage", "top1_share", "top3_share", "top10_share", "book_share",
                             "growth_ask", "share", "cumulative_share"})
#: Columns that are text whatever their values look like (ids and words).
TEXT_COLUMNS = frozenset({"method", "risk", "abc_class", "override_reason", "status", "ote_flag",
                          "name", "reason", "label", "step"})
OUTPUT_FILES = ("quotas.csv", "gap.csv", "quota_periods.csv", "account_targets.csv", "rollup.csv")

# Bounded so that every match fits its type: cents and counts in Int64, ratios in a finite double.
_AMOUNT = r"^-?[0-9]{1,16}\.[0-9]{2}$"
_INTEGER = r"^-?[0-9]{1,18}$"
_DECIMAL = r"^-?[0-9]{1,30}(\.[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@dataclass(frozen=True)
class OutputTables:
    """A build's output tables typed for a workbook (amounts ``Int64`` cents, ratios ``Float64``,
    counts ``Int64``, ``Date``, ``Boolean``, text), by output file name, with each column's kind.
    ``summary``: summary.json with amounts in cents. ``ledger``: one row per ledger line (``None``
    when the source has no ledgers). ``plan``: the plan's name, year start and currency when known;
    ``names``: seller and territory names by id (empty when unknown)."""

    tables: Mapping[str, pl.DataFrame]
    kinds: Mapping[str, Mapping[str, Kind]]
    summary: Mapping[str, Any]
    ledger: pl.DataFrame | None
    plan: Mapping[str, str]
    currency: str | None
    seller_names: Mapping[str, str]
    territory_names: Mapping[str, str]


def _ordered(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    """The columns in the order the CSV file has them (as :func:`quotaplan.outputs.to_output_frame`
    chooses them)."""
    order = list(OUTPUTS.get(file, ()))
    extras = WRITTEN_EXTRAS.get(file)
    if extras is None:
        extras = tuple(c for c in frame.columns if not c.startswith("_") and c != "line")
    order += [c for c in extras if c not in order]
    return frame.select(pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.String).alias(c)
                        for c in order)


def tables_from_result(result: BuildResult) -> OutputTables:
    """The output tables of a build in memory, with every carrier's ledger."""
    tables = {file: _ordered(frame, file) for file, frame in output_tables(result).items()}
    kinds = {file: kinds_from_dtypes(frame, COUNT_COLUMNS, PERCENT_COLUMNS)
             for file, frame in tables.items()}
    settings = result.plan.settings.plan
    sellers = result.plan.sellers
    territories = result.plan.territories
    return OutputTables(
        tables=tables, kinds=kinds, summary=result.summary,
        ledger=ledger_table(result, tables["quotas.csv"].get_column("seller_id").to_list()),
        plan={"name": settings.name, "fiscal_year_start": settings.fiscal_year_start.isoformat(),
              "currency": settings.currency, "period": settings.period},
        currency=settings.currency,
        seller_names=_names(sellers, "seller_id"),
        territory_names=_names(territories, "territory_id"),
    )


def _names(frame: pl.DataFrame, key: str) -> dict[str, str]:
    if "name" not in frame.columns:
        return {}
    rows = frame.select(key, "name").drop_nulls()
    return dict(zip(rows.get_column(key).to_list(), rows.get_column("name").to_list(), strict=True))


def ledger_table(result: BuildResult, seller_ids: Sequence[str]) -> pl.DataFrame:
    """Every carrier's ledger, one row per line: the step, its factor, the change it made and the
    quota after it (cents, as written: the running value rounded to the cent) and the reason."""
    rows: dict[str, list[Any]] = {k: [] for k in ("seller_id", "territory_id", "line", "step",
                                                  "label", "factor", "change", "quota", "reason")}
    for sid in seller_ids:
        ledger = result.ledgers[sid]
        for number, line in enumerate(ledger.lines, start=1):
            quota = ledger.final_quota if line.step == "final" else round_half_away(line.value)
            for key, value in (("seller_id", sid), ("territory_id", ledger.territory_id),
                               ("line", number), ("step", line.step), ("label", line.label),
                               ("factor", None if line.factor is None else float(line.factor)),
                               ("change", line.amount), ("quota", quota),
                               ("reason", line.reason)):
                rows[key].append(value)
    schema = {"seller_id": pl.String, "territory_id": pl.String, "line": pl.Int64,
              "step": pl.String, "label": pl.String, "factor": pl.Float64, "change": pl.Int64,
              "quota": pl.Int64, "reason": pl.String}
    return pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------------------------------------
# A build's output folder


def tables_from_folder(folder: Path) -> OutputTables:
    """The output tables of a build output folder (the CSV files and summary.json). A missing or
    unreadable file is a :class:`UsageError` naming it."""
    tables: dict[str, pl.DataFrame] = {}
    kinds: dict[str, dict[str, Kind]] = {}
    for file in OUTPUT_FILES:
        path = folder / file
        if not path.is_file():
            raise UsageError(f"{path} is missing: {str(folder)!r} is not a build's output folder; "
                             "pass a plan folder or the --out folder of `quotaplan build`")
        try:
            raw = pl.read_csv(io.BytesIO(path.read_bytes()), infer_schema=False)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise UsageError(f"{path} cannot be read as CSV ({str(exc).splitlines()[0]}); build "
                             "the plan again") from None
        missing = [c for c in OUTPUTS[file] if c not in raw.columns]
        if missing:
            raise UsageError(f"{path} lacks the column(s) {', '.join(missing)}; it is not what "
                             "`quotaplan build` writes: build the plan again")
        tables[file], kinds[file] = _typed(raw)
    summary_path = folder / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{summary_path} cannot be read ({exc}); build the plan again") from None
    if not isinstance(summary, dict):
        raise UsageError(f"{summary_path} is not a JSON object; build the plan again")
    return OutputTables(tables=tables, kinds=kinds, summary=_summary_cents(summary), ledger=None,
                        plan={}, currency=None, seller_names={}, territory_names={})


def _typed(raw: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, Kind]]:
    """CSV text columns → typed columns, each kind told by its values: two decimals → amount
    (exact cents), integers → count, other decimals → ratio, ISO dates → date, true/false → bool;
    ids and words stay text."""
    kinds: dict[str, Kind] = {}
    exprs: list[pl.Expr] = []
    for name in raw.columns:
        col = pl.col(name)
        values = raw.get_column(name).drop_nulls()
        kind: Kind = "text"
        if values.len() and not (name.endswith("_id") or name in TEXT_COLUMNS):
            if values.str.contains(_AMOUNT).all():
                kind = "amount"
                exprs.append((col.str.replace(r"\.", "").cast(pl.Int64)).alias(name))
            elif values.str.contains(_INTEGER).all():
                kind = "count"
                exprs.append(col.cast(pl.Int64).alias(name))
            elif values.str.contains(_DECIMAL).all():
                kind = "percent" if name in PERCENT_COLUMNS else "ratio"
                exprs.append(col.cast(pl.Float64).alias(name))
            elif (values.str.contains(_DATE).all()
                  and values.str.to_date("%Y-%m-%d", strict=False).null_count() == 0):
                kind = "date"
                exprs.append(col.str.to_date("%Y-%m-%d", strict=False).alias(name))
            elif values.is_in(["true", "false"]).all():
                kind = "bool"
                exprs.append((col == "true").alias(name))
        if kind == "text":
            exprs.append(col)
        kinds[name] = kind
    return raw.select(exprs), kinds


def _summary_cents(summary: Mapping[str, Any]) -> dict[str, Any]:
    """summary.json's amounts (strings with two decimals) → cents; anything else as it is."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if key in SUMMARY_AMOUNTS and isinstance(value, str) and re.match(_AMOUNT, value):
            out[key] = int(value.replace(".", ""))
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# The workbook


def sellers_table(tables: OutputTables) -> tuple[pl.DataFrame, dict[str, Kind]]:
    """quotas.csv with gap.csv's columns that it does not have, one row per carrier; the seller's
    name second when known."""
    quotas = tables.tables["quotas.csv"]
    gap = tables.tables["gap.csv"]
    extra = [c for c in gap.columns if c not in quotas.columns]
    joined = (quotas.join(gap.select("seller_id", *extra), on="seller_id", how="left")
              .sort("seller_id"))
    kinds = {**tables.kinds["quotas.csv"], **{c: tables.kinds["gap.csv"][c] for c in extra}}
    if tables.seller_names:
        names = pl.DataFrame({"seller_id": list(tables.seller_names),
                              "name": list(tables.seller_names.values())},
                             schema={"seller_id": pl.String, "name": pl.String})
        joined = joined.join(names, on="seller_id", how="left").select(
            "seller_id", "name", *[c for c in joined.columns if c != "seller_id"]
        ).sort("seller_id")
        kinds["name"] = "text"
    return joined, kinds


def rollup_table(tables: OutputTables) -> tuple[pl.DataFrame, dict[str, Kind]]:
    rollup = tables.tables["rollup.csv"]
    kinds = dict(tables.kinds["rollup.csv"])
    if tables.territory_names:
        names = pl.DataFrame({"territory_id": list(tables.territory_names),
                              "name": list(tables.territory_names.values())},
                             schema={"territory_id": pl.String, "name": pl.String})
        order = rollup.columns
        rollup = (rollup.with_row_index("_order").join(names, on="territory_id", how="left")
                  .sort("_order").select("territory_id", "name", *order[1:]))
        kinds["name"] = "text"
    return rollup, kinds


def _summary_cell(key: str, value: Any) -> tuple[Kind, Any]:
    """A summary figure's kind and value: amounts (cents), counts, ratios, text (lists joined,
    yes/no for booleans); ``None`` stays empty."""
    if value is None:
        return "text", None
    if isinstance(value, bool):
        return "text", "yes" if value else "no"
    if isinstance(value, int):
        if abs(value) >= 2**53:
            return "text", str(value)
        return ("amount" if key in SUMMARY_AMOUNTS else "count"), value
    if isinstance(value, float) and math.isfinite(value):
        return ("percent" if key in PERCENT_COLUMNS else "ratio"), value
    if isinstance(value, list):
        return "text", ", ".join(str(v) for v in value) or None
    return "text", str(value)


def summary_rows(tables: OutputTables) -> list[tuple[str, str, Kind, Any]]:
    """The Summary sheet: one row per figure (label, the summary.json ``key``, the kind that
    decides its cell, the value)."""
    rows: list[tuple[str, str, Kind, Any]] = []
    labels = {"name": "Plan", "fiscal_year_start": "Fiscal year start", "currency": "Currency",
              "period": "Quota period"}
    for key, value in tables.plan.items():
        if key == "fiscal_year_start":
            rows.append((labels[key], f"plan.{key}", "date", date.fromisoformat(value)))
        else:
            rows.append((labels.get(key, key), f"plan.{key}", "text", value))
    for key, value in tables.summary.items():
        label = key.replace("_", " ").capitalize()
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                rows.append((f"{label}: {sub}", f"{key}.{sub}", *_summary_cell(str(sub), inner)))
        else:
            rows.append((label, key, *_summary_cell(key, value)))
    return rows


def _write_summary(book: Workbook, formats: Formats, tables: OutputTables) -> None:
    rows = summary_rows(tables)
    ws = book.add_worksheet("Summary")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 28)
    ws.freeze_panes(1, 0)
    for c, name in enumerate(("figure", "value", "key")):
        ws.write_string(0, c, name, formats.header)
    writers = cell_writers(formats)
    for r, (figure, key, kind, value) in enumerate(rows, start=1):
        ws.write_string(r, 0, safe_text(figure))
        if value is not None:
            writers[kind](ws, r, 1, value)
        ws.write_string(r, 2, safe_text(key))
    if tables.ledger is None:
        ws.write_string(len(rows) + 2, 0, "Written from a build's output folder: amounts in the "
                        "plan currency.", formats.note)


def write_workbook(tables: OutputTables, path: Path) -> list[str]:
    """Write the workbook to ``path`` (a new file); returns its sheet names in order."""
    book = open_workbook(path)
    formats = Formats(book, tables.currency)
    sheets = ["Summary"]
    _write_summary(book, formats, tables)
    sellers, seller_kinds = sellers_table(tables)
    sheets += write_table(book, formats, "Sellers", sellers, seller_kinds, risk_column="risk")
    sheets += write_table(book, formats, "Periods", tables.tables["quota_periods.csv"],
                          dict(tables.kinds["quota_periods.csv"]))
    sheets += write_table(book, formats, "Accounts", tables.tables["account_targets.csv"],
                          dict(tables.kinds["account_targets.csv"]))
    rollup, rollup_kinds = rollup_table(tables)
    sheets += write_table(book, formats, "Roll-up", rollup, rollup_kinds)
    if tables.ledger is not None:
        ledger_kinds: dict[str, Kind] = {
            "seller_id": "text", "territory_id": "text", "line": "count", "step": "text",
            "label": "text", "factor": "ratio", "change": "amount", "quota": "amount",
            "reason": "text"}
        sheets += write_table(book, formats, "Ledger", tables.ledger, ledger_kinds)
    else:
        ws = book.add_worksheet("Ledger")
        ws.set_column(0, 0, 110)
        ws.write_string(0, 0, "The quota ledgers are computed from the plan, not kept in a "
                        "build's output folder: run `quotaplan export xlsx PLAN --out FILE.xlsx` "
                        "on the plan folder to include them.", formats.note)
        sheets.append("Ledger")
    book.close()
    return sheets


__all__ = ["OutputTables", "tables_from_folder", "tables_from_result", "write_workbook"]
