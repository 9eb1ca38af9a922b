"""Writing a build's outputs: SPEC's file formats, atomically.

Amounts (``Int64`` cents) are written with exactly two decimals and no separator; ratios
(``Float64``) with six decimals; absent values as empty cells; dates ISO. Text cells that begin with
``=``, ``+``, ``-`` or ``@`` are prefixed with ``'`` so that a spreadsheet does not run them as
formulas. ``--out DIR`` is replaced only when every file was written: the files go to a temporary
sibling folder that is then renamed into place, so a failed build leaves ``DIR`` as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.money import cents_to_text, format_cents
from quotaplan.schemas import COUNT_COLUMNS, OUTPUTS

RATIO_DIGITS = 6
FORMULA_START = ("=", "+", "-", "@")
#: summary.json keys whose values are amounts (cents in memory, strings with two decimals on disk).
SUMMARY_AMOUNTS = frozenset(
    {"topdown", "account_target_sum", "street_quota", "strategic_gap", "quota_gap",
     "uncovered_target", "productive_capacity", "expected_attrition_loss", "calculated_target_sum",
     "manager_quota", "hire_contribution", "high_value_target"}
)


def ratio_to_text(expr: pl.Expr, digits: int = RATIO_DIGITS) -> pl.Expr:
    """Float ratio → fixed ``digits`` decimals (``0.912345``); null stays null."""
    scaled = (expr * (10**digits)).round(0).cast(pl.Int64)
    mag = scaled.abs()
    sign = pl.when(scaled < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(
        [sign, (mag // 10**digits).cast(pl.String), pl.lit("."),
         (mag % 10**digits).cast(pl.String).str.pad_start(digits, "0")]
    )


def neutralise(expr: pl.Expr) -> pl.Expr:
    """Prefix text that a spreadsheet would take for a formula with ``'``."""
    risky = expr.str.contains(r"^[=+\-@]")
    return pl.when(risky).then(pl.lit("'") + expr).otherwise(expr)


def to_text_frame(frame: pl.DataFrame, columns: tuple[str, ...] | None = None) -> pl.DataFrame:
    """A result table → all-text table in SPEC's output format (contract columns first)."""
    order = list(columns or ())
    order += [c for c in frame.columns if c not in order and not c.startswith("_") and c != "line"]
    exprs: list[pl.Expr] = []
    for name in order:
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(name))
            continue
        dtype = frame.schema[name]
        col = pl.col(name)
        if dtype.is_integer():
            text = col.cast(pl.String) if name in COUNT_COLUMNS else cents_to_text(col)
        elif dtype.is_float():
            text = ratio_to_text(col)
        elif dtype == pl.Boolean:
            text = pl.when(col).then(pl.lit("true")).otherwise(pl.lit("false"))
        elif dtype == pl.Date:
            text = col.dt.strftime("%Y-%m-%d")
        elif dtype == pl.String:
            text = neutralise(col)
        else:
            text = col.cast(pl.String)
        exprs.append(text.alias(name))
    return frame.select(exprs)


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


def write_outputs(result: BuildResult, out: Path, extra: Mapping[str, str] | None = None) -> None:
    """Write every output file into ``out``, replacing it only once all are written."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for name, frame in output_tables(result).items():
            to_text_frame(frame, OUTPUTS.get(name)).write_csv(staging / name, null_value="")
        (staging / "summary.json").write_text(summary_json(result.summary), encoding="utf-8")
        for name, text in (extra or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        replace_dir(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_dir(staging: Path, out: Path) -> None:
    """Move ``staging`` to ``out``; an existing ``out`` is removed only after the move succeeds."""
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder")
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
