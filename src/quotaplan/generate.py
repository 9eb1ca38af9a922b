"""Synthetic plans: a realistic, seeded plan folder of any size (``quotaplan generate``).

:func:`generate_plan` returns the files of a plan folder (file name → table, or text for
``plan.toml``); :func:`write_generated` writes them atomically. Everything is drawn from one
``numpy.random.default_rng(seed)``, column by column, so the same options always give the same
bytes, and a million accounts with ten million bookings take seconds.

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
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from quotaplan.errors import UsageError
from quotaplan.outsafe import write_folder

#: Level names below the root, top first; the last level is always "Territory".
MIDDLE_LEVELS = ("Region", "Area", "District", "Zone", "Sector", "Unit")
LEVEL_CODES = {"Region": "RG", "Area": "AR", "District": "DI", "Zone": "ZO", "Sector": "SC",
               "Unit": "UN", "Territory": "TR"}
MAX_LEVELS = len(MIDDLE_LEVELS) + 1
ROOT_ID = "GLOBAL"
REGION_NAMES = ("North America", "EMEA", "APAC", "Latin America", "Japan", "ANZ", "India",
                "Middle East", "Africa", "Nordics", "DACH", "Benelux")
MANAGER_ROLES = ("Chief Revenue Officer", "Regional Vice President", "Area Vice President",
                 "District Manager")
FIRST_NAMES = ("Ava", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jonas",
               "Kavya", "Liam", "Maya", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tara",
               "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dmitri",
               "Esther", "Felix", "Gita", "Hugo", "Ines", "Jamal", "Keiko", "Lars", "Mina", "Nikhil")
LAST_NAMES = ("Abbott", "Becker", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
              "Ito", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Patel",
              "Quintero", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Wagner", "Xu", "Yilmaz",
              "Zhang", "Alvarez", "Brennan", "Chen", "Dlamini", "Evans", "Ferreira", "Gupta",
              "Horvat", "Ivanova", "Johansson", "Kim", "Lopez", "Mensah", "Novak")
NAME_STEMS = ("Acme", "Blue", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
              "Juniper", "Keystone", "Lumen", "Meridian", "Northwind", "Orion", "Pioneer", "Quartz",
              "Redwood", "Summit", "Titan", "Umber", "Vertex", "Willow", "Xenon", "Yellowstone",
              "Zenith", "Atlas", "Beacon", "Cobalt", "Dynamo")
NAME_TAILS = ("Systems", "Holdings", "Labs", "Logistics", "Health", "Foods", "Energy", "Capital",
              "Retail", "Media", "Motors", "Networks", "Pharma", "Works", "Group", "Partners")
NAME_FORMS = ("Inc", "Ltd", "GmbH", "SA", "LLC", "plc")
INDUSTRIES = ("Technology", "Financial Services", "Healthcare", "Manufacturing", "Retail",
              "Energy", "Media", "Public Sector", "Logistics", "Education")
INDUSTRY_P = (0.18, 0.14, 0.12, 0.14, 0.11, 0.07, 0.06, 0.07, 0.06, 0.05)
PRODUCTS = ("Core Platform", "Analytics Suite", "Data Connectors", "Premium Support",
            "Professional Services")
PRODUCT_P = (0.38, 0.22, 0.15, 0.15, 0.10)
#: Share of the year's bookings by month of the fiscal year: quarter ends and Q4 heavy
#: (quarters 20 %, 23 %, 23 %, 34 %).
MONTH_WEIGHTS = np.array([5, 6, 9, 6, 7, 10, 6, 7, 10, 8, 10, 16], dtype=np.float64) / 100
SENIORITY = ("junior", "mid", "senior", "principal")
SENIORITY_FACTORS = (0.9, 1.0, 1.1, 1.2)
#: OTE band (currency units) by seniority, same order as :data:`SENIORITY`.
OTE_BANDS = ((150_000, 180_000), (180_000, 220_000), (220_000, 260_000), (260_000, 300_000))
#: Last year's bookings per quota carrier, in currency units: ≈ 4 × a mid OTE, so that quotas
#: (last year × ~1.2, padded) land mid-way in the healthy quota : OTE band [4, 6].
BOOKINGS_PER_CARRIER = 800_000
ENTERPRISE_REVENUE = 500_000_000
MID_MARKET_REVENUE = 50_000_000
OVERRIDE_DOWN = ("Customer consolidating vendors", "Budget freeze announced by the customer",
                 "Renewal moved to next fiscal year")
OVERRIDE_UP = ("Signed expansion commitment", "New division onboarding")
ADJUSTMENT_REASONS = ("Territory realignment relief", "Carry-over pipeline from last year",
                      "Leave of absence in Q2", "Strategic partner launch")


@dataclass(frozen=True)
class GenerateOptions:
    """What to generate.

    ``accounts`` ≥ 1; ``sellers`` ≥ 1 is the number of quota-carrier seats (leaves with a carrier,
    ``tbh`` seats included; managers come on top, one per non-leaf node); ``levels`` 1–7 below the
    root; ``history_years`` 1–10 of bookings before ``fiscal_year_start``; about
    ``accounts × bookings_per_account`` booking rows in all (≥ 0).
    """

    accounts: int = 2000
    sellers: int = 40
    seed: int = 7
    fiscal_year_start: date = date(2027, 1, 1)
    levels: int = 4
    history_years: int = 3
    bookings_per_account: float = 10.0
    name: str = "Synthetic plan"


#: The options of the embedded demo plan (``quotaplan/demo``).
DEMO_OPTIONS = GenerateOptions(name="Demo FY2027 Global")


def _check(options: GenerateOptions) -> None:
    if options.accounts < 1:
        raise UsageError(f"--accounts must be 1 or more (got {options.accounts})")
    if options.sellers < 1:
        raise UsageError(f"--sellers must be 1 or more (got {options.sellers})")
    if not 1 <= options.levels <= MAX_LEVELS:
        raise UsageError(f"levels must be from 1 to {MAX_LEVELS} (got {options.levels})")
    if not 1 <= options.history_years <= 10:
        raise UsageError(f"history_years must be from 1 to 10 (got {options.history_years})")
    if not 0 <= options.bookings_per_account <= 1000:
        raise UsageError("bookings_per_account must be from 0 to 1000 "
                         f"(got {options.bookings_per_account})")
    if "\n" in options.name or '"' in options.name or "\\" in options.name:
        raise UsageError("the plan name must be one line without quotes or backslashes")


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (the day clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last = (first_next - timedelta(days=1)).day
    return date(year, month + 1, min(day.day, last))


def money(cents: pl.Expr) -> pl.Expr:
    """Int64 cents → a Decimal column with two decimals (written as ``1234.50``)."""
    return cents.cast(pl.Decimal(38, 2)) / 100


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
    _check(options)
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
    high_value = _two_digits(float(np.quantile(positive, 0.9)) / 100) if positive.size else 100_000

    sellers = pl.concat([managers, carriers]).with_columns(ote=money(pl.col("ote")))
    return {
        "plan.toml": _plan_toml(options, root_number, high_value),
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


def _two_digits(value: float) -> int:
    """``value`` rounded to two significant digits (at least 1,000)."""
    if value < 1000:
        return 1000
    magnitude = int(10 ** (len(str(int(value))) - 2))
    return round(value / magnitude) * magnitude


def _plan_toml(options: GenerateOptions, topdown: int, high_value: int) -> str:
    levels = options.levels
    over = {1: "0.03"} if levels < 2 else {1: "0.03", max(2, levels - 1): "0.05"}
    hedge = {d: r for d, r in ((1, "0.05"), (2, "0.03")) if d < levels}
    seniority = ", ".join(f"{s} = {f}" for s, f in zip(SENIORITY, SENIORITY_FACTORS, strict=True))
    return f'''# Generated by `quotaplan generate` (seed {options.seed}): synthetic data, not a real company.
[plan]
name = "{options.name}"
fiscal_year_start = {options.fiscal_year_start.isoformat()}
currency = "USD"
period = "quarter"

[targets]
method = "weighted"
weight = "prior_bookings"
base_window_months = 12
topdown = {topdown}

[quotas]
basis = "targets"
over_assignment = {_inline(over)}
hedge = {_inline(hedge)}
adjustment_mode = "multiplicative"

[ramp]
cutoff = "day:15"
profiles = {{ standard = [0.0, 0.25, 0.5, 0.75, 1.0], accelerated = [0.25, 0.5, 1.0] }}
default_profile = "standard"

[seniority]
factors = {{ {seniority} }}

[[strategic_focus]]
match = {{ segment = "Enterprise" }}
factor = 1.05
reason = "Enterprise expansion push"

[seasonality]
weights = [0.2, 0.23, 0.23, 0.34]

[risk]
high_below = 0.90
medium_below = 1.00

[capacity]
quota_to_ote = [4.0, 6.0]
expected_attainment = 0.80
high_value_target = {high_value}
attrition = 0.20
pipeline_coverage = 3.0
'''


def _inline(table: dict[int, str]) -> str:
    return "{ " + ", ".join(f"{k} = {v}" for k, v in table.items()) + " }" if table else "{}"


def write_generated(files: dict[str, pl.DataFrame | str], out: Path, *, command: str = "import",
                    force: bool = False) -> None:
    """Write a plan folder's files into ``out``, atomically and only as
    :func:`quotaplan.outsafe.write_folder` allows: an existing non-empty ``out`` is replaced only
    with ``force`` and only when the same command (``"generate"`` or ``"import"``) wrote it."""

    def write(staging: Path) -> None:
        for name, content in files.items():
            if isinstance(content, str):
                (staging / name).write_text(content, encoding="utf-8", newline="\n")
            else:
                content.write_csv(staging / name, null_value="")

    write_folder(out, command, write, force=force)


def regenerate_demo() -> Path:
    """Rewrite the embedded demo plan's files from :data:`DEMO_OPTIONS` (a development tool)."""
    from quotaplan.demo import demo_plan_path

    folder = demo_plan_path()
    for name, content in generate_plan(DEMO_OPTIONS).items():
        if isinstance(content, str):
            (folder / name).write_text(content, encoding="utf-8", newline="\n")
        else:
            content.write_csv(folder / name, null_value="")
    return folder
