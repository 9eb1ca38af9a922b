"""The back-test of the attainment simulation: what each account and each book is drawn from.

Step 1 of :mod:`quotaplan.core.simulate` (SPEC Part 2, "Attainment simulation"):

**Back-test** (:func:`backtest`). The plan is moved one year back (:func:`shifted_plan`: the
same settings and tables with ``fiscal_year_start`` one year earlier, bookings only from before
that day, no overrides and no bottom-up inputs, which are this year's decisions, and every
top-down number × (bookings of that earlier base window ÷ this year's base window): the same
ask over that year's history) and its account targets are computed by the engine's own target
code. Each account's actual bookings in the year that followed (``[start − 1 year, start)``)
are compared with that target: ``ratio = actual ÷ target`` for a target above 0; the actuals of
accounts whose target was 0 form the *new-business* pool. Ratios are pooled per segment and
size band (the quintile of the target among the targets above 0): a pool with fewer than
:data:`MIN_SEGMENT` ratios (or an account without segment, or of a segment the back-test did
not see) gives way to every segment's ratios of that band, then to all ratios. Within a pool
each ratio weighs as its target (:func:`weighted_pool`), so the pool's mean is its Σ actual ÷
Σ target: a tiny account that booked fifty times its target does not lend that ratio to the
largest one. Per carrier of the current plan (its book as it is today), the *residual*
``Σ actual ÷ Σ (target × mean of the account's pool)`` (accounts with a target above 0) says
how far the book as a whole did better or worse than its accounts; the residuals are divided
by their mean (so they spread but do not shift), then pulled towards 1 by as much of their
spread as the independent draws of the books' accounts already give (:func:`book_factors`),
so that the factor adds only the books' common movement; kept at 0 or above.

Pure: a plan in, pools of ratios and the books' factors out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import numpy as np
import polars as pl

from quotaplan.core.hierarchy import Hierarchy, build_hierarchy
from quotaplan.errors import NotEnoughHistory
from quotaplan.plan import Plan
from quotaplan.problems import has_errors

#: A segment (and size band) needs this many back-test ratios to be drawn from on its own.
MIN_SEGMENT = 30
#: Size bands: an account's ratio is drawn among accounts of a similar target (its quintile).
BANDS = 5
ALL = "all segments"
NEW_BUSINESS = "(new business)"


def year_back(day: date, years: int = 1) -> date:
    """``day`` moved back ``years`` years (29 February → 28 February)."""
    if (day.month, day.day) == (2, 29):
        return date(day.year - years, 2, 28)
    return day.replace(year=day.year - years)


def _window_total(plan: Plan, start: date) -> int:
    """Σ bookings (cents) in the base window before ``start``."""
    from quotaplan.core.targets import base_window

    lo, hi = base_window(start, plan.settings.targets.base_window_months)
    day = pl.col("date")
    total = plan.bookings.filter((day >= lo) & (day < hi)).get_column("amount").sum()
    return int(total or 0)


def shifted_plan(plan: Plan, years: int = 1) -> Plan:
    """The plan as it would have been made ``years`` years earlier (see the module docstring)."""
    from quotaplan.money import round_half_away

    now = plan.settings.plan.fiscal_year_start
    start = year_back(now, years)
    section = plan.settings.plan.model_copy(update={"fiscal_year_start": start})
    settings = plan.settings.model_copy(update={"plan": section})
    then_total, now_total = _window_total(plan, start), _window_total(plan, now)
    topdown = plan.topdown
    if then_total > 0 and now_total > 0:  # the same ask over that year's history
        amounts = [round_half_away(Fraction(a * then_total, now_total))
                   for a in topdown.get_column("amount").to_list()]
        topdown = topdown.with_columns(pl.Series("amount", amounts, dtype=topdown.schema["amount"]))
    return plan.with_settings(settings).with_tables(
        topdown=topdown,
        bookings=plan.bookings.filter(pl.col("date") < start),
        overrides=plan.overrides.clear(),
        accounts=plan.accounts.with_columns(pl.lit(None, dtype=plan.accounts.schema["bottom_up_target"])
                                            .alias("bottom_up_target")),
    )


@dataclass(frozen=True)
class Backtest:
    """The back-test of a plan.

    ``accounts``: one row per eligible account: account_id, segment, seller_id (its carrier in the
    current plan, null when uncovered), target (cents, as of ``year_start``), actual (cents booked
    from ``year_start`` to the day before ``year_end``), band (0 … BANDS − 1, null for a target
    of 0), pool (the pool its ratio joins: its segment and band, every segment's of its band,
    :data:`ALL`, or :data:`NEW_BUSINESS` for a target of 0).
    ``pools``: pool name → :data:`GRID` equally likely values to draw (:func:`weighted_pool`:
    ratios weighted by target; new-business amounts in cents, each weighing 1).
    ``residuals``: one per carrier whose book had a target above 0 (see the module docstring).
    ``plan``, ``hierarchy``, ``targets``: the plan one year back, its hierarchy and its account
    targets (with carriers), which last year's simulation reuses (:func:`accuracy`).
    ``counts``: ratios per pool; ``cells`` and ``bands``: the (segment, band) and band pools.
    """

    year_start: date
    year_end: date
    accounts: pl.DataFrame
    pools: dict[str, np.ndarray]
    residuals: np.ndarray
    carriers: int
    plan: Plan
    hierarchy: Hierarchy
    targets: pl.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    cells: frozenset[tuple[str, int]] = frozenset()
    bands: frozenset[int] = frozenset()

    def pool_of(self) -> pl.Expr:
        """The pool an account (columns segment, band, target) draws from."""
        return (pl.when(pl.col("target") == 0).then(pl.lit(NEW_BUSINESS))
                .otherwise(_pool_name(self.cells, self.bands)))


def _actuals(plan: Plan, start: date, end: date) -> pl.DataFrame:
    """account_id, actual (cents booked in ``[start, end)``)."""
    day = pl.col("date")
    return (plan.bookings.lazy().filter((day >= start) & (day < end))
            .group_by("account_id").agg(pl.col("amount").sum().alias("actual")).collect())


def backtest(plan: Plan, hierarchy: Hierarchy) -> Backtest:
    """Targets one year back against what was booked (module docstring). Raises
    :class:`NotEnoughHistory` (naming the bookings' source) when the history cannot support it."""
    from quotaplan.core.targets import base_window, compute_targets

    start = plan.settings.plan.fiscal_year_start
    bookings = plan.source("bookings")
    earlier = shifted_plan(plan)
    year_start = earlier.settings.plan.fiscal_year_start
    first, _ = base_window(year_start, plan.settings.targets.base_window_months)
    span = (f"targets as of {year_start} (from bookings before it) compared with what was booked "
            f"from {year_start} to the day before {start}")
    day = pl.col("date")
    if plan.bookings.filter((day >= year_start) & (day < start)).height == 0:
        raise NotEnoughHistory(f"{bookings}: no bookings dated from {year_start} to the day before "
                               f"{start}; the simulation's back-test needs {span}. Add the last "
                               "year of bookings")
    if earlier.bookings.height == 0:
        raise NotEnoughHistory(f"{bookings}: no bookings dated before {year_start}; the simulation's "
                               f"back-test needs {span}, so bookings from {first} on. Add that year "
                               "of history")
    then = build_hierarchy(earlier)
    found = compute_targets(earlier, then)
    if has_errors(found.problems):
        first_error = next(p for p in found.problems if p.severity == "error")
        raise NotEnoughHistory(f"{bookings}: the back-test cannot compute targets as of "
                               f"{year_start} from the bookings before it ({first_error.message}); "
                               f"it needs {span}")
    carriers = hierarchy.carriers.select("territory_id", "seller_id")
    accounts = (
        found.accounts.select("account_id", "territory_id", "segment", "target")
        .join(_actuals(plan, year_start, start), on="account_id", how="left")
        .join(carriers, on="territory_id", how="left")
        .with_columns(pl.col("actual").fill_null(0))
        .sort("account_id")
    )
    rated = accounts.filter(pl.col("target") > 0)
    if rated.height == 0:
        raise NotEnoughHistory(f"{bookings}: every account's target as of {year_start} is 0, so the "
                               f"back-test has no ratio actual ÷ target; it needs {span}")
    accounts = accounts.with_columns(size_band(pl.col("target")).alias("band"))
    rated = accounts.filter(pl.col("target") > 0)
    cells = rated.group_by("segment", "band").len().filter(
        pl.col("segment").is_not_null() & (pl.col("len") >= MIN_SEGMENT))
    bands = rated.group_by("band").len().filter(pl.col("len") >= MIN_SEGMENT)
    own = {(s, b) for s, b, _ in cells.iter_rows()}
    wide = set(bands.get_column("band").to_list())
    accounts = accounts.with_columns(
        pl.when(pl.col("target") == 0).then(pl.lit(NEW_BUSINESS))
        .otherwise(_pool_name(own, wide)).alias("pool"))
    ratio = (pl.col("actual") / pl.col("target")).alias("ratio")
    rated = accounts.filter(pl.col("target") > 0).with_columns(ratio)
    ratios = rated.get_column("ratio").to_numpy()
    weights = rated.get_column("target").cast(pl.Float64).to_numpy()
    # Segments as integer codes (0 for none): masks of a million accounts on integers, not text.
    coded = rated.select("segment", pl.col("segment").rank("dense").fill_null(0).alias("_code"))
    code = dict(coded.unique("segment").iter_rows())
    segments = coded.get_column("_code").to_numpy()
    in_band = rated.get_column("band").to_numpy()
    pools: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    picks = [(_cell_label(seg, band), (segments == code[seg]) & (in_band == band))
             for seg, band in sorted(own)]
    picks += [(_band_label(band), in_band == band) for band in sorted(wide)]
    picks.append((ALL, np.ones(len(ratios), dtype=bool)))
    for name, pick in picks:  # a few pools, each on whole arrays
        pools[name] = weighted_pool(ratios[pick], weights[pick])
        counts[name] = int(pick.sum())
    fresh = accounts.filter(pl.col("target") == 0).get_column("actual").to_numpy().astype(np.float64)
    pools[NEW_BUSINESS] = weighted_pool(fresh, np.ones(fresh.size)) if fresh.size else np.zeros(1)
    moments = pl.DataFrame({"pool": list(pools),
                            "_mean": [float(v.mean()) for v in pools.values()],
                            "_var": [float(v.var()) for v in pools.values()]})
    books = (
        rated.filter(pl.col("seller_id").is_not_null())
        .join(moments, on="pool", how="left")
        .with_columns(pl.col("target").cast(pl.Float64).alias("_t"))
        .group_by("seller_id")
        .agg(pl.col("actual").sum().cast(pl.Float64).alias("_actual"),
             (pl.col("_t") * pl.col("_mean")).sum().alias("_expected"),
             (pl.col("_t") ** 2 * pl.col("_var")).sum().alias("_noise"))
        .filter(pl.col("_expected") > 0)
        .sort("seller_id")
    )
    expected = books.get_column("_expected").to_numpy()
    raw = books.get_column("_actual").to_numpy() / expected
    noise = books.get_column("_noise").to_numpy() / expected**2
    return Backtest(year_start=year_start, year_end=start, accounts=accounts, pools=pools,
                    plan=earlier, hierarchy=then, targets=with_carriers(found.accounts, then),
                    residuals=book_factors(raw, noise), carriers=int(raw.size), counts=counts,
                    cells=frozenset(own), bands=frozenset(wide))


def book_factors(raw: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """The books' factors from their residuals ``raw`` (booked ÷ expected): divided by their mean,
    then pulled towards 1 so that their variance is what the accounts' own draws do not already
    give (``noise``: each book's variance of booked ÷ expected when its accounts are drawn
    independently; a residual's variance is about that plus the factor's), kept at 0 or above.
    One factor of 1 when fewer than two books or no spread is left."""
    if raw.size < 2 or raw.mean() <= 0:
        return np.ones(1)
    centred = raw / raw.mean()
    spread = centred.var()
    left = spread - float((noise / raw.mean() ** 2).mean())
    if spread <= 0 or left <= 0:
        return np.ones(1)
    factors: np.ndarray = np.maximum(1 + (centred - 1) * np.sqrt(left / spread), 0.0)
    return factors


def size_band(target: pl.Expr) -> pl.Expr:
    """The size band (0 … BANDS − 1) of a target above 0: its quantile among the targets above 0
    (ties in account order); null for a target of 0."""
    positive = target > 0
    count = positive.sum()
    return pl.when(positive).then(
        ((target.rank("ordinal") - (~positive).sum() - 1) * BANDS // count).cast(pl.Int64))


def _cell_label(segment: str, band: int) -> str:
    return f"{segment} · size band {band + 1} of {BANDS}"


def _band_label(band: int) -> str:
    return f"{ALL} · size band {band + 1} of {BANDS}"


#: Values of every pool: its distribution as this many equally likely slices. A few thousand
#: values describe it to 0.03 % of its mass, and a pool this small stays in the processor's
#: cache while millions of draws read it (a pool of a million ratios would not).
GRID = 4096


def weighted_pool(values: np.ndarray, weights: np.ndarray, points: int = GRID) -> np.ndarray:
    """``points`` equally likely values whose distribution is that of ``values`` weighted by
    ``weights`` (a ratio counts as its target; new-business amounts weigh 1 each): value k is the
    weighted mean of the slice from ``k / points`` to ``(k + 1) / points`` of the total weight,
    so the pool's mean is exactly Σ wᵢ·vᵢ ÷ Σ wᵢ (Σ actual ÷ Σ target for ratios) and every
    value lies between the smallest and largest of ``values``."""
    low, high = float(values.min()), float(values.max())
    if low == high:
        return np.full(points, low)
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order].astype(np.float64)
    ends = np.cumsum(w)
    mass = np.concatenate([[0.0], np.cumsum(v * w)])  # ∫ value d(weight) up to each element's end
    cuts = np.arange(points + 1) / points * ends[-1]
    at = np.searchsorted(ends, cuts, side="left").clip(0, len(v) - 1)
    # ∫ up to each cut: whole elements before it, and the part of the element it falls in.
    before = np.where(at > 0, ends[at - 1], 0.0)
    integral = mass[at] + (cuts - before) * v[at]
    slices: np.ndarray = np.clip(np.diff(integral) / (ends[-1] / points), low, high)
    return slices


def _pool_name(cells: set[tuple[str, int]] | frozenset[tuple[str, int]],
               bands: set[int] | frozenset[int]) -> pl.Expr:
    """The pool of an account with a target above 0: its segment and size band when the
    back-test has :data:`MIN_SEGMENT` ratios there, else every segment's ratios of its band,
    else :data:`ALL`."""
    segment, band = pl.col("segment"), pl.col("band")
    keys = [f"{s}\x1f{b}" for s, b in sorted(cells)]
    key = segment + pl.lit("\x1f") + band.cast(pl.String)
    label = pl.format("{} · size band {} of " + str(BANDS), segment, band + 1)
    wide = pl.format("{} · size band {} of " + str(BANDS), pl.lit(ALL), band + 1)
    return (pl.when(key.is_in(keys)).then(label)
            .when(band.is_in(sorted(bands))).then(wide)
            .otherwise(pl.lit(ALL)))


def with_carriers(targets: pl.DataFrame, hierarchy: Hierarchy) -> pl.DataFrame:
    """Account targets with each account's carrier (``seller_id``, null when uncovered)."""
    carriers = hierarchy.carriers.select("territory_id", "seller_id")
    if "seller_id" in targets.columns:
        return targets
    return targets.join(carriers, on="territory_id", how="left")
