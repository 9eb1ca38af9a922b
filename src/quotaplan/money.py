"""Money: integer cents in tables, ``Decimal``/``Fraction`` at the edges, one rounding rule.

Every amount in a table is an ``Int64`` number of cents. Every split of an amount into parts uses
the largest-remainder method on cents, ties broken by ascending id compared as text, so the parts
always sum exactly to the whole. Every amount computed from a rate is rounded to the cent, half
away from zero (:func:`round_half_away`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl

CENTS = 100
#: Largest number of integer digits accepted in an amount: 10^15 in the plan currency.
MAX_INT_DIGITS = 15
#: The largest amount in cents kept exact: 15 digits before the point, two after.
MAX_CENTS: int = 10 ** (MAX_INT_DIGITS + 2) - 1
#: Pattern of a plain decimal as the plan folder accepts it (no separators, exponents, NaN, inf).
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"

Number = int | Decimal | Fraction
#: Bits of each of the three limbs :func:`sums_by_index` cuts a 64-bit amount into.
LIMB_BITS = 22


def round_ratio(num: int, den: int) -> int:
    """``num ÷ den`` (``den > 0``) rounded to the nearest integer, halves away from zero: the one
    rounding rule of every amount (:func:`round_half_away` for exact values, :func:`round_div`
    for columns)."""
    whole, rest = divmod(abs(num), den)
    if 2 * rest >= den:
        whole += 1
    return whole if num >= 0 else -whole


def round_half_away(value: Number) -> int:
    """Round an exact value to the nearest integer, halves away from zero."""
    if isinstance(value, int):
        return value
    frac = value if isinstance(value, Fraction) else Fraction(value)
    return round_ratio(frac.numerator, frac.denominator)


def round_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Columnar :func:`round_ratio`: ``numerator ÷ denominator`` (``Int128``, denominator > 0)
    rounded half away from zero, as ``Int64``, named as ``numerator``; null stays null."""
    two = pl.lit(2, dtype=pl.Int128)
    magnitude = (numerator.abs() * two + denominator) // (two * denominator)
    # Int128 has no negation in Polars: multiply by -1 instead (keeps the column's name).
    negative = magnitude * pl.lit(-1, dtype=pl.Int128)
    return pl.when(numerator < 0).then(negative).otherwise(magnitude).cast(pl.Int64)


def times_rate(expr: pl.Expr, rate: Fraction | Decimal | int) -> pl.Expr:
    """Cents × an exact rate, rounded half away from zero, as ``Int64`` cents (vectorised).

    Exact for any cents below 10^17 and rates with numerator and denominator below 10^18
    (computed in ``Int128``); null stays null.
    """
    frac = Fraction(rate)
    product = expr.cast(pl.Int128) * pl.lit(frac.numerator, dtype=pl.Int128)
    return round_div(product, pl.lit(frac.denominator, dtype=pl.Int128))


def to_cents(amount: Number) -> int:
    """An amount in currency units (exact) → integer cents, rounded half away from zero."""
    return round_half_away(Fraction(amount) * CENTS)


def cents_to_decimal(cents: int) -> Decimal:
    """Integer cents → ``Decimal`` currency units with exactly two decimals."""
    return (Decimal(cents) / CENTS).quantize(Decimal("0.01"))


def cents_to_decimal_expr(expr: pl.Expr) -> pl.Expr:
    """Int64 cents → ``Decimal(38, 2)``: written as ``-1234.56`` (exact: scale 4 divided by 100)."""
    return (expr.cast(pl.Decimal(38, 4)) / 100).cast(pl.Decimal(38, 2))


def _format(cents: int, grouping: str) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), CENTS)
    return f"{sign}{whole:{grouping}}.{rest:02d}"


def format_cents(cents: int | None) -> str:
    """Integer cents → ``"1234.56"`` (empty for ``None``), as every output writes amounts."""
    return "" if cents is None else _format(cents, "")


def format_cents_grouped(cents: int | None) -> str:
    """Integer cents → ``"1,234.56"`` for people (terminal and HTML), never for files."""
    return "—" if cents is None else _format(cents, ",")


def round_shares(numerators: Sequence[int], denominator: int, total: int,
                 ties: Sequence[Any] | None = None) -> list[int]:
    """The largest-remainder rule on exact shares ``numerators[i] ÷ denominator`` (each ≥ 0,
    ``denominator > 0``): each part is its share's floor, then the ``total − Σ floors`` units
    left go one each to the largest remainders, ties by ``ties[i]`` (ascending), then by index.
    Every split of an amount in quotaplan ends here (:func:`split_frame` is its columnar twin)."""
    split = [divmod(n, denominator) for n in numerators]
    parts = [q for q, _ in split]
    left = total - sum(parts)
    if left > 0:
        keys = ties if ties is not None else range(len(parts))
        order = sorted((-rest, key, i) for i, ((_, rest), key) in enumerate(zip(split, keys,
                                                                                strict=True)))
        for _, _, i in order[:left]:
            parts[i] += 1
    return parts


def largest_remainder(total: int, weights: Sequence[int], ids: Sequence[str]) -> list[int]:
    """Split ``total`` (integer, e.g. cents) over parts in proportion to ``weights``.

    Each part gets ``floor(total * w / W)``; the cents left over go one each to the parts with the
    largest remainders, ties broken by ascending id (compared as text). The parts sum exactly to
    ``total``. Weights must be ≥ 0 with a positive sum, or all zero with ``total == 0``.
    A negative total is split as the negation of the split of its magnitude.
    """
    if len(weights) != len(ids):
        raise ValueError("weights and ids differ in length")
    if not weights:
        if total != 0:
            raise ValueError("cannot split a non-zero total over no parts")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    whole = sum(weights)
    if whole == 0:
        if total != 0:
            raise ValueError("cannot split a non-zero total over zero weights")
        return [0] * len(weights)
    if total < 0:
        return [-p for p in largest_remainder(-total, weights, ids)]
    return round_shares([total * w for w in weights], whole, total, ids)


def split_frame(
    frame: pl.DataFrame,
    *,
    group: str,
    total: str,
    weight: str,
    id_col: str,
    out: str,
) -> pl.DataFrame:
    """Vectorised largest-remainder split of ``total`` (cents, constant per ``group``).

    ``weight`` is a non-negative integer column; within a group whose weights sum to 0 every part
    is 0 (callers report that case when the total is not 0). Returns ``frame`` with ``out``
    (Int64 cents) added; row order is not kept.
    """
    w = pl.col(weight).cast(pl.Int128)
    t = pl.col(total).cast(pl.Int128)
    wsum = w.sum().over(group)
    safe = pl.when(wsum == 0).then(pl.lit(1, dtype=pl.Int128)).otherwise(wsum)
    sign = pl.when(t < 0).then(pl.lit(-1, dtype=pl.Int128)).otherwise(pl.lit(1, dtype=pl.Int128))
    mag = t.abs()
    prod = mag * w
    staged = frame.with_columns(
        _q=(prod // safe),
        _r=(prod % safe),
        _sign=sign,
        _zero=(wsum == 0),
    ).with_columns(_left=(pl.col(total).cast(pl.Int128).abs() - pl.col("_q").sum().over(group)))
    # Sorting by remainder then id is enough: the rank over each group counts its rows in that order.
    staged = staged.sort(["_r", id_col], descending=[True, False])
    staged = staged.with_columns(_rank=pl.int_range(pl.len()).over(group).cast(pl.Int128))
    part = pl.col("_q") + pl.when(pl.col("_rank") < pl.col("_left")).then(1).otherwise(0)
    result = pl.when(pl.col("_zero")).then(0).otherwise(part * pl.col("_sign"))
    return staged.with_columns(result.cast(pl.Int64).alias(out)).drop(
        ["_q", "_r", "_sign", "_zero", "_left", "_rank"]
    )


def parse_scaled(expr: pl.Expr, scale: int) -> tuple[pl.Expr, pl.Expr]:
    """Parse a text column of plain decimals into integers at ``10**scale``.

    Returns ``(valid, value)``: ``valid`` is false where the text is not a plain decimal (or has
    more than :data:`MAX_INT_DIGITS` integer digits); ``value`` is the number × 10^scale rounded
    half away from zero (null where invalid or empty). Empty text is null and valid.
    """
    text = expr.str.strip_chars()
    present = text.is_not_null() & (text != "")
    ok = text.str.contains(DECIMAL_PATTERN) & (
        text.str.extract(r"^-?([0-9]+)", 1).str.len_chars() <= MAX_INT_DIGITS
    )
    valid = ~present | ok
    neg = text.str.starts_with("-")
    int_part = text.str.extract(r"^-?([0-9]+)", 1).cast(pl.Int64, strict=False)
    frac_digits = text.str.extract(r"\.([0-9]+)$", 1).fill_null("")
    kept = frac_digits.str.slice(0, scale).str.pad_end(scale, "0") if scale else pl.lit("0")
    kept_val = kept.cast(pl.Int64, strict=False) if scale else pl.lit(0, dtype=pl.Int64)
    next_digit = frac_digits.str.slice(scale, 1).cast(pl.Int64, strict=False).fill_null(0)
    magnitude = int_part * (10**scale) + kept_val + (next_digit >= 5).cast(pl.Int64)
    value = pl.when(present & ok).then(pl.when(neg).then(-magnitude).otherwise(magnitude))
    return valid, value.cast(pl.Int64)


def sums_by_index(index: np.ndarray, cents: np.ndarray, size: int) -> np.ndarray:
    """``Σ cents[i]`` for each value of ``index`` in ``[0, size)``: exact ``int64`` sums (modulo
    2^64 as Polars' sum of an ``Int64`` column, so exact whenever the true sum fits).

    NumPy's ``bincount`` sums its weights as doubles, so each amount is cut into three 22-bit
    limbs (of its two's-complement bits); a limb's sum stays below 2^53, exact in a double, for
    up to 2^31 amounts per index. The limbs' sums are joined again in wrapping 64-bit integers.
    When no sum of the amounts' magnitudes reaches 2^53 (the usual case), one pass on the amounts
    themselves is already exact. Several times faster than grouping a table by the index.
    """
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    index = np.asarray(index, dtype=np.intp)
    if cents.size == 0:
        return np.zeros(size, dtype=np.int64)
    largest = max(abs(int(cents.min())), abs(int(cents.max())))
    if largest * cents.size < 2**53:
        # Every partial sum is an integer below 2^53: the doubles' sums are already exact.
        return np.bincount(index, weights=cents.astype(np.float64), minlength=size).astype(np.int64)
    bits = cents.view(np.uint64)
    total = np.zeros(size, dtype=np.uint64)
    mask = np.uint64((1 << LIMB_BITS) - 1)
    for shift in range(0, 64, LIMB_BITS):
        limb = ((bits >> np.uint64(shift)) & mask).astype(np.float64)
        part = np.bincount(index, weights=limb, minlength=size).astype(np.uint64)
        total += part << np.uint64(shift)
    return total.view(np.int64)


def round_to_total(
    values: Sequence[Fraction],
    total: int,
    ids: Sequence[str],
    lower: Sequence[int],
    upper: Sequence[int],
) -> list[int]:
    """Round exact ``values`` to integers (cents) that sum exactly to ``total``, each within its
    ``[lower, upper]`` (integers).

    Each part starts as the floor of its value, held within its bounds; the units still missing go
    one each to the largest remainders (ties by ascending id, compared as text); units in excess
    are taken back one each from the smallest remainders (same ties). When more units are missing
    (or in excess) than there are parts with room, every such part first takes an equal whole
    share, capped by its bounds. When the values already sum to ``total`` and lie within the
    bounds this is the largest-remainder rounding of :func:`largest_remainder`. Raises
    ``ValueError`` when the bounds cannot hold ``total`` (Σ lower > total or Σ upper < total).
    """
    n = len(values)
    if not len(ids) == len(lower) == len(upper) == n:
        raise ValueError("values, ids and bounds differ in length")
    if sum(lower) > total or sum(upper) < total or any(lo > hi for lo, hi in zip(lower, upper,
                                                                                  strict=True)):
        raise ValueError(f"bounds cannot hold a total of {total}")
    parts = [min(max(v.numerator // v.denominator, lo), hi)
             for v, lo, hi in zip(values, lower, upper, strict=True)]
    left = total - sum(parts)
    if left == 0:
        return parts
    sign = 1 if left > 0 else -1
    room = [(hi - p) if sign > 0 else (p - lo) for p, lo, hi in zip(parts, lower, upper,
                                                                    strict=True)]
    # Far from the total (more units than parts with room): equal whole shares first, capped
    # by each part's room, so the unit-by-unit pass below stays short.
    while True:
        open_parts = [i for i in range(n) if room[i] > 0]
        share = abs(left) // len(open_parts) if open_parts else 0
        if share == 0:
            break
        for i in open_parts:
            step = min(share, room[i])
            parts[i] += sign * step
            room[i] -= step
            left -= sign * step
    # Largest remainders first when adding, smallest first when taking back; ties by id.
    order = sorted(range(n), key=lambda i: (sign * (parts[i] - values[i]), ids[i]))
    for i in order:
        if left == 0:
            break
        if room[i] > 0:
            parts[i] += sign
            left -= sign
    return parts
