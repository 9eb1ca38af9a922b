"""Writing a build's outputs: SPEC's file formats, atomically.

Amounts (``Int64`` cents) are written with exactly two decimals and no separator; ratios
(``Float64``) with six decimals; absent values as empty cells; dates ISO; booleans
``true``/``false``. Text cells that begin with
``=``, ``+``, ``-`` or ``@`` are prefixed with ``'`` so that a spreadsheet does not run them as
formulas. ``--out DIR`` is replaced only when every file was written, and only as
:mod:`quotaplan.outsafe` allows: a failed build leaves ``DIR`` as it was, and a folder quotaplan's
``build`` did not write is never replaced.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.money import cents_to_decimal_expr, format_cents
from quotaplan.outsafe import write_folder
from quotaplan.schemas import COUNT_COLUMNS, OUTPUTS, WRITTEN_EXTRAS

RATIO_DIGITS = 6
FORMULA_START = ("=", "+", "-", "@")
#: summary.json keys whose values are amounts (cents in memory, strings with two decimals on disk).
SUMMARY_AMOUNTS = frozenset(
    {"topdown", "account_target_sum", "street_quota", "strategic_gap", "quota_gap",
     "uncovered_target", "productive_capacity", "expected_attrition_loss", "calculated_target_sum",
     "manager_quota", "hire_contribution", "high_value_target", "prior_bookings"}
)


def _risky(expr: pl.Expr) -> pl.Expr:
    """Text that a spreadsheet would take for a formula: it begins with one of
    :data:`FORMULA_START`, i.e. it sorts from that character up to the next one (comparisons of
    text read only each cell's first bytes, several times cheaper than a pattern)."""
    return pl.any_horizontal(
        (expr >= start) & (expr < chr(ord(start) + 1)) for start in FORMULA_START
    )


def neutralise(expr: pl.Expr) -> pl.Expr:
    """Prefix text that a spreadsheet would take for a formula with ``'``."""
    return pl.when(_risky(expr)).then(pl.lit("'") + expr).otherwise(expr)


def to_output_frame(
    frame: pl.DataFrame,
    columns: tuple[str, ...] | None = None,
    extras: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """A result table → the table as written: contract columns first, then ``extras`` (by
    default every other column but internal ones), amounts as two-decimal decimals, text
    neutralised. Ratios stay floats and are written with :data:`RATIO_DIGITS` decimals by
    :func:`write_table`."""
    order = list(columns or ())
    if extras is None:
        extras = tuple(c for c in frame.columns if not c.startswith("_") and c != "line")
    order += [c for c in extras if c not in order]
    texts = [n for n in order if n in frame.columns and frame.schema[n] == pl.String]
    # Text is rewritten only in the columns that hold a risky cell (one cheap pass finds them):
    # rewriting a million clean ids would copy them for nothing.
    risky = frame.select(_risky(pl.col(n)).any() for n in texts).row(0) if texts else ()
    to_neutralise = {n for n, hit in zip(texts, risky, strict=True) if hit}
    exprs: list[pl.Expr] = []
    for name in order:
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(name))
            continue
        dtype = frame.schema[name]
        col = pl.col(name)
        if dtype.is_integer() and name not in COUNT_COLUMNS:
            col = cents_to_decimal_expr(col)
        elif name in to_neutralise:
            col = neutralise(col)
        exprs.append(col.alias(name))
    return frame.select(exprs)


def write_table(
    frame: pl.DataFrame,
    path: Path | IO[bytes],
    columns: tuple[str, ...] | None = None,
    extras: tuple[str, ...] | None = None,
) -> None:
    """Write one result table in SPEC's CSV format (absent values as empty cells), to a file or
    to a binary stream: the one CSV serialiser of every output."""
    to_output_frame(frame, columns, extras).write_csv(
        path, null_value="", float_precision=RATIO_DIGITS, date_format="%Y-%m-%d"
    )


def summary_json(summary: Mapping[str, Any]) -> str:
    """summary dict (cents as int) → SPEC's JSON: amounts as strings with two decimals."""
    return json.dumps(_jsonable(summary), indent=2, ensure_ascii=False) + "\n"


def _jsonable(value: Any, key: str = "") -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, key) for v in value]
    if key in SUMMARY_AMOUNTS and isinstance(value, int) and not isinstance(value, bool):
        return format_cents(value)
    return value


def output_tables(result: BuildResult) -> dict[str, pl.DataFrame]:
    """File name → the result table that is written to it."""
    return {
        "account_targets.csv": result.account_targets,
        "quotas.csv": result.quotas,
        "quota_periods.csv": result.quota_periods,
        "gap.csv": result.gap,
        "rollup.csv": result.rollup,
    }


def write_output_table(result: BuildResult, name: str, target: Path | IO[bytes]) -> None:
    """Write the build's file ``name`` (one of :func:`output_tables` or ``summary.json``) to a
    file or a binary stream: what ``build --out`` and a published version both hold."""
    if name == "summary.json":
        data = summary_json(result.summary).encode("utf-8")
        if isinstance(target, Path):
            target.write_bytes(data)
        else:
            target.write(data)
        return
    write_table(output_tables(result)[name], target, OUTPUTS.get(name), WRITTEN_EXTRAS.get(name))


#: The build's files a published version keeps (SPEC "Command line for the store").
PUBLISHED_FILES = ("quotas.csv", "quota_periods.csv", "gap.csv", "rollup.csv", "summary.json",
                   "account_targets.csv")


def published_tables(result: BuildResult) -> dict[str, bytes]:
    """File name → exactly the bytes ``quotaplan build`` writes to it, for every published file."""
    tables: dict[str, bytes] = {}
    for name in PUBLISHED_FILES:
        buffer = io.BytesIO()
        write_output_table(result, name, buffer)
        tables[name] = buffer.getvalue()
    return tables


def write_outputs(result: BuildResult, out: Path, extra: Mapping[str, str] | None = None, *,
                  force: bool = False, protect: Sequence[Path] = (), command: str = "build") -> None:
    """Write every output file into ``out``, replacing it only once all are written, and only
    as :func:`quotaplan.outsafe.write_folder` allows (``protect``: the plan folders read)."""

    def write(staging: Path) -> None:
        for name in (*output_tables(result), "summary.json"):
            write_output_table(result, name, staging / name)
        for name, text in (extra or {}).items():
            (staging / name).write_text(text, encoding="utf-8")

    write_folder(out, command, write, force=force, protect=protect)
