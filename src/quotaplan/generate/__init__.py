"""Synthetic plans: a realistic, seeded plan folder of any size (``quotaplan generate``).

:func:`generate_plan` returns the files of a plan folder (file name → table, or text for
``plan.toml``); :func:`quotaplan.planfiles.write_generated` writes them atomically. Everything
is drawn from one ``numpy.random.default_rng(seed)``, column by column, so the same options
always give the same bytes, and a million accounts with ten million bookings take seconds.

What a generated plan holds:

* a root with ``levels`` levels below it (Global → Region → Area → District → Territory for 4);
  the leaves are territories, one quota carrier each, except a few vacant leaves (their accounts
  are uncovered); managers sit on every other node;
* carriers with hire dates (some shortly before the year, so still ramping), ``tbh`` seats that
  start during the year, a couple ``leaving`` with end dates, OTE by seniority;
* accounts with heavy-tailed sizes (lognormal), segments by company revenue, industries, grades;
* ``history_years`` of bookings before the plan year, quarter-end and Q4 heavy, each account with
  its own trend, and a few refunds (negative amounts);
* a handful of bottom-up inputs (some 0 = no potential), overrides and manual adjustments;
* ``plan.toml`` (weighted on prior bookings, the root's number ≈ last year × 1.15–1.25) and
  ``topdown.csv`` numbering one or two regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from quotaplan.calendar import add_months
from quotaplan.generate.options import DEMO_OPTIONS, GenerateOptions, check_options
from quotaplan.generate.settings_text import plan_toml, two_digits
from quotaplan.generate.vocabulary import (
    ADJUSTMENT_REASONS,
    BOOKINGS_PER_CARRIER,
    ENTERPRISE_REVENUE,
    FIRST_NAMES,
    INDUSTRIES,
    INDUSTRY_P,
    LAST_NAMES,
    LEVEL_CODES,
    MANAGER_ROLES,
    MID_MARKET_REVENUE,
    MIDDLE_LEVELS,
    MONTH_WEIGHTS,
    NAME_FORMS,
    NAME_STEMS,
    NAME_TAILS,
    OTE_BANDS,
    OVERRIDE_DOWN,
    OVERRIDE_UP,
    PRODUCT_P,
    PRODUCTS,
    REGION_NAMES,
    ROOT_ID,
    SENIORITY,
)
from quotaplan.money import cents_to_decimal_expr as money
from quotaplan.planfiles import write_files, write_generated


def _draw(rng: np.random.Generator, words: tuple[str, ...], n: int,
          p: tuple[float, ...] | None = None) -> pl.Series:
    index = rng.choice(len(words), size=n, p=None if p is None else np.array(p) / sum(p))
    return _label(words, index)


def _label(words: tuple[str, ...], index: np.ndarray) -> pl.Series:
    """``words[index]`` as a Polars column (much faster than NumPy string arrays)."""
    return pl.Series(list(words)).gather(pl.Series(index))


def _ids(prefix: str, n: int, start: int = 1) -> pl.Series:
    width = len(str(n + start - 1))
    return pl.select(
        pl.concat_str(pl.lit(prefix), pl.int_range(start, n + start).cast(pl.String)
                      .str.pad_start(width, "0"))
    ).to_series()


def _level_names(levels: int) -> list[str]:
    return [*MIDDLE_LEVELS[: levels - 1], "Territory"]


def _level_counts(leaves: int, levels: int) -> list[int]:
    counts: list[int] = []
    prev = 1
    for d in range(1, levels + 1):
        count = leaves if d == levels else min(leaves, max(prev, round(leaves ** (d / levels))))
        counts.append(count)
        prev = count
    return counts


def _territories(rng: np.random.Generator, leaves: int, levels: int) -> tuple[pl.DataFrame, list[np.ndarray]]:
    """The tree, plus for each depth d ≥ 1 the index (at depth 1) of each node's region."""
    names = _level_names(levels)
    counts = _level_counts(leaves, levels)
    frames = [pl.DataFrame({"territory_id": [ROOT_ID], "name": ["Global"], "parent_id": [None],
                            "level": ["Global"]}, schema_overrides={"parent_id": pl.String})]
    regions: list[np.ndarray] = []
    parent_ids = pl.Series([ROOT_ID])
    parent_region = np.zeros(1, dtype=np.int64)
    for depth, (level, count) in enumerate(zip(names, counts, strict=True), start=1):
        before = parent_ids.len()
        # Random cut points give each parent at least one child and an uneven number of them.
        cuts = np.sort(rng.choice(count - 1, size=before - 1, replace=False) + 1) if before > 1 \
            else np.zeros(0, dtype=np.int64)
        parent = np.searchsorted(cuts, np.arange(count), side="right")
        ids = _ids(LEVEL_CODES[level], count)
        if depth == 1 and count <= len(REGION_NAMES):
            label = pl.Series(list(REGION_NAMES[:count]))
        else:
            label = _ids(f"{level} ", count)
        frames.append(pl.DataFrame({"territory_id": ids, "name": label,
                                    "parent_id": parent_ids.gather(pl.Series(parent)),
                                    "level": [level] * count}))
        region = np.arange(count) if depth == 1 else parent_region[parent]
        regions.append(region)
        parent_ids, parent_region = ids, region
    return pl.concat(frames), regions


def _person_names(rng: np.random.Generator, n: int) -> pl.Series:
    first = _draw(rng, FIRST_NAMES, n)
    last = _draw(rng, LAST_NAMES, n)
    return pl.select(pl.concat_str(pl.lit(first), pl.lit(" "), pl.lit(last))).to_series()


def _days(start: date, offsets: np.ndarray) -> pl.Series:
    base = np.datetime64(start.isoformat(), "D")
    return pl.Series((base + offsets.astype("timedelta64[D]")).astype("datetime64[D]"))


def _carriers(rng: np.random.Generator, options: GenerateOptions, leaf_ids: pl.Series) -> pl.DataFrame:
    n = leaf_ids.len()
    start = options.fiscal_year_start
    order = rng.permutation(n)
    n_tbh = max(1, round(0.04 * n)) if n >= 10 else 0
    n_leaving = max(2, round(0.02 * n)) if n >= 10 else 0
    tbh = np.zeros(n, dtype=bool)
    tbh[order[:n_tbh]] = True
    leaving = np.zeros(n, dtype=bool)
    leaving[order[n_tbh:n_tbh + n_leaving]] = True
    # Tenure in days before the plan year: 15 % hired in the last 8 months (still ramping).
    recent = rng.random(n) < 0.15
    tenure = np.where(recent, rng.integers(1, 240, n),
                      np.clip(rng.lognormal(np.log(3 * 365), 0.7, n), 300, 20 * 365)).astype(np.int64)
    planned = rng.integers(15, 270, n)
    hire_offset = np.where(tbh, planned, -tenure)
    score = np.log(np.maximum(tenure, 30)) + rng.normal(0, 0.6, n)
    level = np.searchsorted(np.quantile(score, [0.25, 0.65, 0.9]), score, side="right")
    low = np.array([b[0] for b in OTE_BANDS])[level]
    high = np.array([b[1] for b in OTE_BANDS])[level]
    ote = (low + (high - low) * rng.random(n)) // 1000 * 1000 * 100
    end_offset = rng.integers(60, 300, n)
    status = np.where(tbh, "tbh", np.where(leaving, "leaving", "active"))
    titles = np.array(["Account Executive", "Account Executive", "Senior Account Executive",
                       "Principal Account Executive"])[level]
    fast = recent & (level >= 2) & ~tbh
    return pl.DataFrame({
        "seller_id": _ids("S", n),
        "name": np.where(tbh, "Open seat", _person_names(rng, n).to_numpy()),
        "territory_id": leaf_ids,
        "role": titles,
        "hire_date": _days(start, hire_offset),
        "end_date": _days(start, end_offset),
        "ote": ote.astype(np.int64),
        "seniority": np.array(SENIORITY)[level],
        "ramp_profile": np.where(fast, "accelerated", ""),
        "status": status,
    }).with_columns(
        pl.when(pl.col("status") == "leaving").then(pl.col("end_date")).alias("end_date"),
        pl.when(pl.col("ramp_profile") != "").then(pl.col("ramp_profile")).alias("ramp_profile"),
    )


def _managers(rng: np.random.Generator, options: GenerateOptions, territories: pl.DataFrame,
              levels: int) -> pl.DataFrame:
    names = ["Global", *_level_names(levels)]
    inner = territories.filter(pl.col("level") != "Territory")
    n = inner.height
    depth = np.array([names.index(v) for v in inner.get_column("level").to_list()], dtype=np.int64)
    roles = np.array([MANAGER_ROLES[min(d, len(MANAGER_ROLES) - 1)] for d in depth])
    tenure = np.clip(rng.lognormal(np.log(5 * 365), 0.5, n), 400, 25 * 365).astype(np.int64)
    ote = (300_000 + 40_000 * np.maximum(0, 3 - depth) + rng.integers(0, 60, n) * 1000) * 100
    return pl.DataFrame({
        "seller_id": _ids("M", n),
        "name": _person_names(rng, n),
        "territory_id": inner.get_column("territory_id"),
        "role": roles,
        "hire_date": _days(options.fiscal_year_start, -tenure),
        "end_date": pl.Series([None] * n, dtype=pl.Date),
        "ote": ote.astype(np.int64),
        "seniority": pl.Series([None] * n, dtype=pl.String),
        "ramp_profile": pl.Series([None] * n, dtype=pl.String),
        "status": ["active"] * n,
    })


@dataclass(frozen=True)
class _Accounts:
    frame: pl.DataFrame
    spend: np.ndarray
    region: np.ndarray
    inactive: np.ndarray


def _accounts(rng: np.random.Generator, n: int, leaf_ids: pl.Series,
              leaf_region: np.ndarray) -> _Accounts:
    leaves = leaf_ids.len()
    revenue = np.clip(rng.lognormal(np.log(40e6), 1.8, n), 5e5, 5e11) // 1000 * 1000
    employees = np.maximum(1, revenue / rng.uniform(150_000, 450_000, n)).astype(np.int64)
    spend = revenue**0.8 * rng.lognormal(0.0, 0.6, n)
    score = np.log(spend) + rng.normal(0, 0.5, n)
    grade = np.searchsorted(np.quantile(score, [0.5, 0.8]), score, side="right")
    segment = (revenue >= MID_MARKET_REVENUE).astype(np.int64) + (revenue >= ENTERPRISE_REVENUE)
    # Every leaf gets an account first (when there are enough), the rest by uneven leaf sizes.
    leaf_size = rng.gamma(4.0, 1.0, leaves)
    leaf = rng.choice(leaves, size=n, p=leaf_size / leaf_size.sum())
    first = rng.permutation(n)[: min(n, leaves)]
    leaf[first] = np.arange(first.size)
    inactive = rng.random(n) < 0.01
    names = pl.select(pl.concat_str(
        pl.lit(_draw(rng, NAME_STEMS, n)), pl.lit(" "), pl.lit(_draw(rng, NAME_TAILS, n)),
        pl.lit(" "), pl.lit(_draw(rng, NAME_FORMS, n)))).to_series()
    frame = pl.DataFrame({
        "account_id": _ids("A", n),
        "name": names,
        "territory_id": leaf_ids.gather(pl.Series(leaf)),
        "segment": _label(("SMB", "Mid-Market", "Enterprise"), segment),
        "industry": _draw(rng, INDUSTRIES, n, INDUSTRY_P),
        "grade": _label(("C", "B", "A"), grade),
        "annual_revenue": revenue.astype(np.int64),
        "employees": employees,
        "status": _label(("active", "inactive"), inactive.astype(np.int64)),
    })
    return _Accounts(frame, spend, leaf_region[leaf], inactive)


def _month_starts(start: date, years: int) -> tuple[np.ndarray, np.ndarray]:
    """First day (days since 1970-01-01) and length in days of each fiscal month of the history,
    oldest first."""
    starts = [add_months(start, k) for k in range(-12 * years, 1)]
    epoch = date(1970, 1, 1)
    as_days = np.array([(s - epoch).days for s in starts], dtype=np.int64)
    return as_days[:-1], np.diff(as_days)


@dataclass(frozen=True)
class _History:
    frame: pl.DataFrame
    #: Each account's bookings in the last year of history, in cents.
    last_year: np.ndarray
    #: Index (at depth 1) of the region whose accounts decline as a whole.
    declining: int


def _bookings(rng: np.random.Generator, options: GenerateOptions, acc: _Accounts,
              n_regions: int) -> _History:
    """Booking rows sorted by date then account: ``_account`` (index), ``date``, ``amount``
    (cents), ``_product`` (index)."""
    n = acc.spend.size
    years = options.history_years
    rows = round(n * options.bookings_per_account)
    # Bigger accounts book more often (and much more per booking, below).
    freq = acc.spend**0.35
    count = rng.multinomial(rows, freq / freq.sum())
    # Each account trends up or down; one region declines as a whole.
    region_trend = rng.normal(0.0, 0.04, n_regions)
    declining = int(rng.integers(0, n_regions))
    region_trend[declining] = -0.12
    trend = np.clip(rng.normal(0.08, 0.18, n) + region_trend[acc.region], -0.6, 1.0)
    year_w = (1 + trend[:, None]) ** np.arange(years)[None, :]
    if years > 1:
        year_w[acc.inactive, -1] = 0.0  # churned: nothing in the last year
    per_year = rng.multinomial(count, year_w / year_w.sum(axis=1, keepdims=True))
    # Rows come out grouped by account, then year: no row-by-row work.
    account, year = np.divmod(np.repeat(np.arange(n * years), per_year.ravel()), years)
    month = rng.choice(12, size=rows, p=MONTH_WEIGHTS)
    starts, lengths = _month_starts(options.fiscal_year_start, years)
    k = year * 12 + month
    day = starts[k] + (rng.random(rows) * lengths[k]).astype(np.int64)
    amount = (acc.spend * years / np.maximum(count, 1))[account] * rng.lognormal(-0.125, 0.5, rows)
    refund = rng.random(rows) < 0.015
    amount = np.where(refund, -amount * rng.uniform(0.05, 0.5, rows), amount)
    last = year == years - 1
    scale = (BOOKINGS_PER_CARRIER * options.sellers) / max(float(amount[last].sum()), 1.0)
    cents = np.rint(amount * scale * 100).astype(np.int64)
    cents = np.where(refund, np.minimum(cents, -100), np.maximum(cents, 100))
    last_year = np.bincount(account[last], weights=cents[last].astype(np.float64), minlength=n)
    products = rng.choice(len(PRODUCTS), size=rows, p=np.array(PRODUCT_P))
    # A stable sort on the day (16-bit keys: a radix sort) keeps accounts in order within a day.
    order = np.argsort((day - starts[0]).astype(np.uint16), kind="stable")
    frame = pl.DataFrame({
        "_account": account[order],
        "date": pl.Series(day[order].astype(np.int32)).cast(pl.Date),
        "amount": cents[order],
        "_product": products[order],
    })
    return _History(frame, np.rint(last_year).astype(np.int64), declining)


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    """Up to ``k`` distinct values of ``pool``, sorted."""
    return np.sort(rng.choice(pool, size=min(k, pool.size), replace=False))


def _round_thousands(cents: np.ndarray) -> np.ndarray:
    return (cents // 100_000 * 100_000).astype(np.int64)


def generate_plan(options: GenerateOptions) -> dict[str, pl.DataFrame | str]:
    """A whole synthetic plan: file name → table (a CSV file) or text (``plan.toml``).

    Deterministic for the same options. Tables hold amounts as two-decimal ``Decimal`` columns and
    dates as ``Date``, ready for :func:`write_generated`.
    """
    check_options(options)
    rng = np.random.default_rng(options.seed)
    levels = options.levels
    n = options.accounts
    n_vacant = round(0.04 * options.sellers) if options.sellers >= 10 else 0
    territories, regions = _territories(rng, options.sellers + n_vacant, levels)
    leaf_ids = territories.filter(pl.col("level") == "Territory").get_column("territory_id")
    n_regions = int(regions[0].size)
    covered = np.ones(leaf_ids.len(), dtype=bool)
    covered[rng.choice(leaf_ids.len(), size=n_vacant, replace=False)] = False
    carriers = _carriers(rng, options, leaf_ids.filter(pl.Series(covered)))
    managers = _managers(rng, options, territories, levels)
    acc = _accounts(rng, n, leaf_ids, regions[-1])
    history = _bookings(rng, options, acc, n_regions)
    last_year = history.last_year
    ids = acc.frame.get_column("account_id")

    # Key accounts: active, in the top 30 % by last year's bookings.
    active = ~acc.inactive & (last_year > 0)
    cut = np.quantile(last_year[active], 0.7) if active.any() else 0
    big = active & (last_year >= cut)
    # Bottom-up inputs on key accounts, and a few "no potential" (0) on smaller ones.
    k_input = min(max(3, n // 200), 500, n // 10)
    inputs = _pick(rng, np.flatnonzero(big), k_input)
    zeros = _pick(rng, np.flatnonzero(active & ~big), max(1, k_input // 3) if k_input else 0)
    bottom_up = np.full(n, -1, dtype=np.int64)
    bottom_up[inputs] = _round_thousands(last_year[inputs] * rng.uniform(1.0, 1.5, inputs.size))
    bottom_up[zeros] = 0
    accounts = acc.frame.with_columns(
        bottom_up_target=money(pl.when(pl.Series(bottom_up) >= 0).then(pl.Series(bottom_up)))
    ).select("account_id", "name", "territory_id", "segment", "industry", "grade",
             "annual_revenue", "employees", "bottom_up_target", "status")

    # Overrides: cuts on the largest accounts of the declining region (its strategic gap), and
    # a few raises elsewhere.
    free = big.copy()
    free[inputs] = False
    free[zeros] = False
    k_over = min(max(8, n // 250), 200)
    top = active & (last_year >= (np.quantile(last_year[active], 0.9) if active.any() else 0))
    in_decline = free & top & (acc.region == history.declining)
    chosen = _pick(rng, np.flatnonzero(in_decline), k_over - k_over // 4)
    free[chosen] = False
    raised = _pick(rng, np.flatnonzero(free), k_over // 4)
    factor = np.concatenate([rng.uniform(0.5, 0.8, chosen.size), rng.uniform(1.3, 1.6, raised.size)])
    reasons = np.concatenate([rng.integers(0, len(OVERRIDE_DOWN), chosen.size),
                              len(OVERRIDE_DOWN) + rng.integers(0, len(OVERRIDE_UP), raised.size)])
    which = np.concatenate([chosen, raised])
    overrides = pl.DataFrame({
        "account_id": ids.gather(pl.Series(which, dtype=pl.Int64)),
        "target": _round_thousands(last_year[which] * factor),
        "reason": _label(OVERRIDE_DOWN + OVERRIDE_UP, reasons),
    }, schema={"account_id": pl.String, "target": pl.Int64, "reason": pl.String}).with_columns(
        target=money(pl.col("target"))).sort("account_id")

    book = history.frame
    bookings = book.select(
        account_id=ids.gather(book.get_column("_account")),
        date=pl.col("date"),
        amount=money(pl.col("amount")),
        product=_label(PRODUCTS, book.get_column("_product").to_numpy()),
    )

    region_ids = territories.filter(pl.col("level") == _level_names(levels)[0]).get_column("territory_id")
    region_last = np.bincount(acc.region, weights=last_year.astype(np.float64), minlength=n_regions)
    sharing = active & (bottom_up < 0)  # accounts that take a share of a number
    numbered = _numbered_regions(rng, history.declining, n_regions,
                                 np.bincount(acc.region[sharing], minlength=n_regions) > 0)
    topdown = pl.DataFrame({
        "territory_id": region_ids.gather(pl.Series(numbered)),
        "amount": _round_thousands(region_last[numbered] * rng.uniform(1.05, 1.2, numbered.size)),
    }).with_columns(amount=money(pl.col("amount")))
    uplift = rng.uniform(1.15, 1.25)
    root_number = round(int(last_year.sum()) * uplift / 100_000) * 1000 if sharing.any() else 0
    positive = last_year[last_year > 0]
    high_value = two_digits(float(np.quantile(positive, 0.9)) / 100) if positive.size else 100_000

    sellers = pl.concat([managers, carriers]).with_columns(ote=money(pl.col("ote")))
    return {
        "plan.toml": plan_toml(options, root_number, high_value),
        "territories.csv": territories,
        "sellers.csv": sellers,
        "accounts.csv": accounts,
        "bookings.csv": bookings,
        "topdown.csv": topdown,
        "overrides.csv": overrides,
        "adjustments.csv": _adjustments(rng, carriers, options.sellers),
    }


def _numbered_regions(rng: np.random.Generator, declining: int, n_regions: int,
                      can_share: np.ndarray) -> np.ndarray:
    """The declining region (leadership still expects growth there) and, with 3+ regions, one
    other; a region is numbered only if it has accounts to share its number and some region left
    unnumbered still has accounts to share the root's remainder."""
    others = np.delete(np.arange(n_regions), declining)
    candidates = [declining, *_pick(rng, others, 1 if n_regions >= 3 else 0).tolist()]
    numbered = np.zeros(n_regions, dtype=bool)
    for region in candidates:
        numbered[region] = True
        if not can_share[region] or not (can_share & ~numbered).any():
            numbered[region] = False
    return np.flatnonzero(numbered)


def _adjustments(rng: np.random.Generator, carriers: pl.DataFrame, sellers: int) -> pl.DataFrame:
    pool = np.flatnonzero((carriers.get_column("status") == "active").to_numpy())
    chosen = _pick(rng, pool, min(max(2, sellers // 15), 300))
    k = chosen.size
    is_rate = rng.random(k) < 0.5
    rates = np.array(["-0.05", "-0.03", "0.05"])[rng.integers(0, 3, k)]
    amounts = rng.integers(-20, 21, k) * 5_000 * 100
    amounts = np.where(amounts == 0, 25_000 * 100, amounts)
    return pl.DataFrame({
        "seller_id": carriers.get_column("seller_id").gather(pl.Series(chosen)),
        "amount": pl.Series(np.where(is_rate, 0, amounts)),
        "rate": np.where(is_rate, rates, ""),
        "reason": np.array(ADJUSTMENT_REASONS)[rng.integers(0, len(ADJUSTMENT_REASONS), k)],
        "author": ["Sales Operations"] * k,
    }).with_columns(
        amount=pl.when(pl.col("rate") == "").then(money(pl.col("amount"))),
        rate=pl.when(pl.col("rate") != "").then(pl.col("rate")),
    )


def regenerate_demo() -> Path:
    """Rewrite the embedded demo plan's files from :data:`DEMO_OPTIONS` (a development tool)."""
    from quotaplan.demo import demo_plan_path

    folder = demo_plan_path()
    write_files(folder, generate_plan(DEMO_OPTIONS))
    return folder


__all__ = [
    "DEMO_OPTIONS",
    "GenerateOptions",
    "add_months",
    "generate_plan",
    "money",
    "regenerate_demo",
    "write_generated",
]
