"""A plan folder written without quotaplan: the benchmark's check against plans of another shape.

Usage::

    python bench/independent.py OUT --accounts N [--seed S] [--style plain|quoted|crlf|messy]

SPEC's performance contract is judged on "a plan generated independently of the team's
generator", so a benchmark measured only on ``quotaplan generate``'s output could be tuned to
that one shape without anyone noticing. This script writes a valid plan folder (SPEC's plan
folder contract) from the standard library and NumPy alone, deliberately unlike the generator:

* ids of other shapes, compared as text: accounts ``ACC-48213-QX`` (unpadded, so text order is
  not numeric order), sellers as UUID-like strings, territories ``T-EMEA-03-B-017``;
* rows in shuffled order (no file is sorted by id or date), columns in another order, extra
  columns the plan does not use (``country``, ``channel``, ``email``, …);
* amounts with 0, 1 or 2 decimals, names with commas, doubled quotes and non-ASCII letters;
* a fiscal year from February, monthly periods, the root's number both in ``plan.toml`` and in
  ``topdown.csv`` (equal), numbered regions, a numbered area inside one and a numbered district,
  an uneven hierarchy (root, regions, areas, districts, leaves; depth 4), a few districts without
  a manager, ``tbh`` and ``leaving`` seats, hires during the year, accounts whose base-window
  bookings are net negative, inactive accounts, bottom-up inputs (some 0) and overrides.

The settings stay inside what ``bench/floor.py`` implements (``weighted`` on ``prior_bookings``,
the ``targets`` basis with over-assignment, seniority, strategic focus, manual adjustments, ramp
profiles with a ``month_end`` cut-off, end dates, monthly seasonality, hedges, risk and capacity
settings), so the floor can run on these plans and the benchmark can compare against it.

``--style`` changes only the bytes, never the plan (the same seed gives the same figures):

* ``plain``: LF line ends, a cell quoted only when it must be (a comma or a quote inside);
* ``quoted``: every cell quoted, empty ones as ``""`` (like pandas ``QUOTE_ALL``), header too;
* ``crlf``: like ``plain`` with CRLF line ends (``plan.toml`` too);
* ``messy``: text cells quoted and numbers bare (like R's ``write.csv``), CRLF line ends, and a
  UTF-8 byte order mark on ``accounts.csv``.

A 1,000,000-account plan (about 10,000,000 booking rows) takes well under a minute: every column
is drawn with NumPy, and rows are formatted in chunks with one ``str.format`` per row.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Style = Literal["plain", "quoted", "crlf", "messy"]
STYLES: tuple[Style, ...] = ("plain", "quoted", "crlf", "messy")
#: Integers of any width: money in cents is int64, codes and row orders are narrower to save memory.
IntArray = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Accounts per quota carrier (SPEC: 5,000 carriers at 1,000,000 accounts).
ACCOUNTS_PER_CARRIER = 200
#: Mean booking rows per account over the history.
BOOKINGS_PER_ACCOUNT = 10
HISTORY_YEARS = 3
FISCAL_YEAR_START = date(2026, 2, 1)
#: Rows formatted and written at a time: bounds the memory the text needs.
CHUNK_ROWS = 250_000

REGIONS = ("AMER", "EMEA", "APAC", "LATAM", "ANZ", "JAPAN", "INDIA", "MEA")
REGION_NAMES = ("Americas", "Europe, Middle East & Africa", "Asia Pacific", "Latin America",
                "Australia & New Zealand", "Japan", "India", "Middle East")
#: Children per parent aimed at, from the leaves up: leaves per district, districts per area,
#: areas per region.
FANOUT = (12, 6, 5)
LEVEL_NAMES = ("Worldwide", "Region", "Area", "District", "Territory")

INDUSTRIES = ("Healthcare", "Banking", "Insurance", "Telecom", "Automotive", "Retail", "Software",
              "Government", "Utilities", "Education", "")
INDUSTRY_P = (0.12, 0.1, 0.08, 0.08, 0.1, 0.12, 0.16, 0.06, 0.06, 0.07, 0.05)
COUNTRIES = ("US", "CA", "MX", "BR", "GB", "DE", "FR", "NL", "SE", "ES", "IT", "JP", "AU", "IN",
             "AE", "SG", "ZA", "")
PRODUCTS = ("Platform", "Platform", "Add-on: Insights", "Services", "Support, Premium",
            "Training")
CHANNELS = ("Direct", "Partner", "Marketplace", "")
STEMS = ("Åkesson", "Borealis", "Cascade", "Dunmore", "Elmhurst", "Fjord", "Gallant", "Hollis",
         "Ironbridge", "Jasper", "Kestrel", "Lindqvist", "Marlowe", "Nordlys", "Oakridge",
         "Pemberton", "Quillon", "Ravensworth", "Saffron", "Thornbury", "Ulster", "Vantage",
         "Westbrook", "Yarrow", "Zürich Präzision", "北辰", "Crédit Agricole-like", "O'Hara",
         "São Bento", "Møller")
TAILS = ("Industries", "Bank", "Mutual", "Telecom", "Motorworks", "Stores", "Software",
         "Council", "Water", "Academy", "Analytics", "Freight", "Clinics", "Brewing", "Shipping")
FORMS = ("Inc.", "GmbH", "AB", "S.A.", "Ltd", "K.K.", "Pty Ltd", "LLP", "")
#: Names a CSV writer must quote or keep intact: commas, doubled quotes, leading symbols.
ODD_NAMES = ('Cedar, Holt & Sons', 'The "Blue Door" Group', '@Home Retail', "Smith, Jones, and Lee",
             '"Quoted" Holdings, Ltd', '+Plus Media', "株式会社サンプル")
FIRST_NAMES = ("José", "Zoë", "Łukasz", "Søren", "Aiyana", "Chidi", "Priya", "Mateo", "Hana",
               "Oluwaseun", "Ingrid", "Tomás", "Mei", "Rafael", "Annika", "Kwame", "Leilani",
               "Dmitri", "Noor", "Björn")
LAST_NAMES = ("O'Brien", "Nguyễn", "García-Márquez", "Okonkwo", "Lindström", "Kowalczyk",
              "Rahman", "Takahashi", "de la Cruz", "Van der Berg", "Achterberg", "Mbeki",
              "Castellanos", "Halvorsen", "Iyer", "Ferreira", "Novák", "Park", "Quispe", "Yamada")
SENIORITY = ("junior", "mid", "senior", "lead", "")
SENIORITY_P = (0.2, 0.35, 0.25, 0.1, 0.1)
REASONS = ("Renewal slips to next year", "Budget cut, confirmed by the CFO",
           "New subsidiary, onboarding in Q2", 'Customer "at risk" after outage',
           "Contract re-scoped")
ADJUST_REASONS = ("Leave of absence, 3 months", "Product launch in the territory",
                  "Partner transition relief", 'Territory "carve-out" agreed with RVP',
                  "Market shrink after regulation")


# ---------------------------------------------------------------- CSV writing


@dataclass(frozen=True)
class Pooled:
    """A text column as codes into a pool of distinct raw texts (ids, names, dates, labels)."""

    name: str
    pool: Sequence[str]
    codes: IntArray
    numeric: bool = False


@dataclass(frozen=True)
class Money:
    """A decimal column: integer hundredths, written with ``decimals`` (0, 1 or 2) digits after
    the point, or an empty cell where ``decimals`` is -1. Whole units are written with their sign,
    so a negative amount must be at least one unit (no ``-0.50``)."""

    name: str
    cents: IntArray
    decimals: IntArray


Column = Pooled | Money

#: Text after the whole units, by index: "" (0 decimals), ".0"–".9" (1), ".00"–".99" (2).
SUFFIXES = np.array([""] + [f".{d}" for d in range(10)] + [f".{d:02d}" for d in range(100)],
                    dtype=object)


#: A cell holding one of these must be quoted whatever the style.
SPECIAL = re.compile('[,"\r\n]')


def cell(text: str, style: Style, numeric: bool) -> str:
    """One cell as written: quoted as the style says, or when a comma or quote forces it."""
    wrap = style == "quoted" or (style == "messy" and not numeric and text != "")
    if wrap or SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def wrapped(style: Style, numeric: bool) -> bool:
    """Does the style quote a column whose texts never need quotes (numbers)?"""
    return style == "quoted" or (style == "messy" and not numeric)


def write_table(path: Path, columns: Sequence[Column], order: IntArray, style: Style, *,
                bom: bool = False) -> None:
    """Write ``columns`` row by row in ``order`` (a permutation of the rows), in chunks.

    Each chunk is one ``template.format`` per row over per-column lists: pooled texts are styled
    once per distinct value and gathered, money is split into whole units and a suffix."""
    eol = "\r\n" if style in ("crlf", "messy") else "\n"
    styled: list[npt.NDArray[np.object_] | None] = []
    fragments: list[str] = []
    for col in columns:
        if isinstance(col, Pooled):
            styled.append(np.array([cell(t, style, col.numeric) for t in col.pool], dtype=object))
            fragments.append("{}")
        else:
            styled.append(None)
            fragments.append('"{}{}"' if wrapped(style, True) else "{}{}")
    template = ",".join(fragments)
    header = ",".join(cell(c.name, style, numeric=False) if style in ("quoted", "messy")
                      else c.name for c in columns)
    with path.open("w", encoding="utf-8", newline="") as out:
        if bom:
            out.write("\ufeff")
        out.write(header + eol)
        for lo in range(0, len(order), CHUNK_ROWS):
            rows = order[lo:lo + CHUNK_ROWS]
            parts: list[list[object]] = []
            for col, pool in zip(columns, styled, strict=True):
                if isinstance(col, Pooled):
                    assert pool is not None
                    parts.append(pool[col.codes[rows]].tolist())
                else:
                    parts.extend(money_parts(col.cents[rows], col.decimals[rows]))
            out.write(eol.join(map(template.format, *parts)))
            out.write(eol)


def money_parts(cents: IntArray, decimals: IntArray) -> tuple[list[object], list[object]]:
    """(signed whole units, suffix) per row; both empty where ``decimals`` is -1."""
    empty = decimals < 0
    mag = np.abs(cents)
    frac = mag % 100
    suffix = np.where(decimals == 2, 11 + frac, np.where(decimals == 1, 1 + frac // 10, 0))
    whole = (np.sign(cents) * (mag // 100)).astype(object)
    whole[empty] = ""
    suffix[empty] = 0
    return whole.tolist(), SUFFIXES[suffix].tolist()


def round_to(cents: IntArray, decimals: IntArray) -> IntArray:
    """Cents truncated toward zero to what ``decimals`` digits can show, so the text is exact."""
    step = np.where(decimals == 0, 100, np.where(decimals == 1, 10, 1))
    out: IntArray = np.sign(cents) * (np.abs(cents) // step * step)
    return out


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Tree:
    """The territory hierarchy as arrays over nodes 0..T-1 (node 0 is the root)."""

    ids: list[str]
    names: list[str]
    parent: IntArray  # -1 for the root
    depth: IntArray
    #: The node of each leaf, leaf i being the carrier seat i.
    leaves: IntArray
    #: Shape (n_leaves, 4): each leaf's ancestors at depth 0 (the root), 1, 2 and 3 (nodes).
    leaf_up: IntArray


def spread(rng: np.random.Generator, n_children: int, n_parents: int) -> IntArray:
    """Parent (0..n_parents-1) of each child: every parent gets one, the rest unevenly."""
    first = rng.permutation(n_parents)
    weights = rng.lognormal(0.0, 0.6, n_parents)
    rest = rng.choice(n_parents, n_children - n_parents, p=weights / weights.sum())
    parents: IntArray = np.sort(np.concatenate([first, rest])).astype(np.int64)
    return parents


def letters(k: int) -> str:
    """0 → A, 25 → Z, 26 → AA: district codes."""
    text = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        text = chr(65 + r) + text
    return text


def make_tree(rng: np.random.Generator, n_leaves: int) -> Tree:
    """Root → regions → areas → districts → leaves, sized from the leaves up (FANOUT)."""
    n_districts = min(n_leaves, max(2, round(n_leaves / FANOUT[0])))
    n_areas = min(n_districts, max(2, round(n_districts / FANOUT[1])))
    n_regions = min(n_areas, len(REGIONS), max(3, round(n_areas / FANOUT[2])))
    area_region = spread(rng, n_areas, n_regions)
    district_area = spread(rng, n_districts, n_areas)
    leaf_district = spread(rng, n_leaves, n_districts)

    ids = ["T-WW"]
    names = ["Worldwide"]
    parent = [-1]
    depth = [0]

    def add_level(above: list[int], parent_of: Sequence[int], level: int,
                  label: Callable[[int, int], tuple[str, str]]) -> list[int]:
        """One level of nodes: child i hangs under ``above[parent_of[i]]`` and is labelled from
        that node and its number among its siblings (from 1). Returns the new nodes."""
        nodes = []
        seen = [0] * len(above)
        for p in parent_of:
            seen[p] += 1
            node = above[p]
            nodes.append(len(ids))
            node_id, name = label(node, seen[p])
            ids.append(node_id)
            names.append(name)
            parent.append(node)
            depth.append(level)
        return nodes

    region_node = add_level([0], [0] * n_regions, 1,
                            lambda _, k: (f"T-{REGIONS[k - 1]}", REGION_NAMES[k - 1]))
    area_node = add_level(region_node, [int(r) for r in area_region], 2, lambda up, k: (
        f"{ids[up]}-{k:02d}", f"{names[up].split(',')[0]} area {k}"))
    district_node = add_level(area_node, [int(a) for a in district_area], 3, lambda up, k: (
        f"{ids[up]}-{letters(k - 1)}", f"District {letters(k - 1)}, {names[up]}"))
    leaves = add_level(district_node, [int(d) for d in leaf_district], 4, lambda up, k: (
        f"{ids[up]}-{k:03d}", f"Territory {k}"))
    districts = np.array(district_node)[leaf_district]
    areas = np.array(area_node)[district_area][leaf_district]
    regions = np.array(region_node)[area_region][district_area][leaf_district]
    leaf_up = np.stack([np.zeros(n_leaves, dtype=np.int64), regions, areas, districts], axis=1)
    return Tree(ids, names, np.array(parent, dtype=np.int64), np.array(depth, dtype=np.int64),
                np.array(leaves, dtype=np.int64), leaf_up.astype(np.int64))


def shuffled(rng: np.random.Generator, n: int) -> IntArray:
    """A random order of ``n`` rows (int32: a row order for up to 2 billion rows)."""
    order = np.arange(n, dtype=np.int32)
    rng.shuffle(order)
    return order


def decimals_for(rng: np.random.Generator, n: int) -> IntArray:
    """0, 1 or 2 decimals per amount (30 %, 20 %, 50 %)."""
    out: IntArray = rng.choice(np.array([0, 1, 2], dtype=np.int8), n, p=[0.3, 0.2, 0.5])
    return out


def ceil_to(cents: int, step: int) -> int:
    return -(-cents // step) * step


@dataclass
class Plan:
    """Everything the files are written from (arrays; no text formatting yet)."""

    toml: str
    tables: dict[str, tuple[list[Column], IntArray]]


def uuid_like(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct lower-case UUID-shaped strings."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        hi, lo = (int(v) for v in rng.integers(0, 2**63, 2, dtype=np.int64))
        h = f"{hi:016x}{lo:016x}"
        text = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def make_plan(n_accounts: int, seed: int) -> Plan:
    """Draw the whole plan from one seeded generator; the style plays no part here."""
    rng = np.random.default_rng(seed)
    start = FISCAL_YEAR_START
    n_leaves = max(4, round(n_accounts / ACCOUNTS_PER_CARRIER))
    tree = make_tree(rng, n_leaves)
    n_nodes = len(tree.ids)

    # ---- accounts: size drives revenue, bookings and grade; every leaf gets at least one.
    size = rng.lognormal(0.0, 1.2, n_accounts)
    leaf_w = rng.lognormal(0.0, 0.5, n_leaves)
    leaf_of = np.concatenate([np.arange(n_leaves), rng.choice(
        n_leaves, n_accounts - n_leaves, p=leaf_w / leaf_w.sum())]).astype(np.int64)
    rng.shuffle(leaf_of)
    numbers = rng.choice(10 * n_accounts, n_accounts, replace=False) + 1
    tags = rng.integers(0, 26, (n_accounts, 2))
    account_ids = [f"ACC-{n}-{chr(65 + a)}{chr(65 + b)}"
                   for n, (a, b) in zip(numbers.tolist(), tags.tolist(), strict=True)]
    status = rng.choice(3, n_accounts, p=[0.5, 0.485, 0.015])  # active, empty, inactive
    eligible = status != 2

    # ---- bookings: per account ~ Poisson, larger accounts book more often; 4 % have none.
    lam = np.sqrt(size)
    lam = lam / lam.mean() * BOOKINGS_PER_ACCOUNT / 0.96
    lam[rng.random(n_accounts) < 0.04] = 0.0
    per_account = rng.poisson(lam)
    acc = np.repeat(np.arange(n_accounts, dtype=np.int32), per_account)
    n_book = len(acc)
    first_day = date(start.year - HISTORY_YEARS, start.month, start.day).toordinal()
    days = np.arange(first_day, start.toordinal())
    day_dates = [date.fromordinal(int(o)) for o in days]
    # Quarter-end months weigh more, the last days of a month more still; the business grows.
    month_w = np.array([1.8 if d.month % 3 == 1 else 1.0 for d in day_dates])
    month_w *= np.array([1.6 if d.day >= 25 else 1.0 for d in day_dates])
    month_w *= 1.0 + 0.15 * (days - first_day) / 365.0
    day = rng.choice(len(days), n_book, p=month_w / month_w.sum()).astype(np.int16)
    value = size[acc] * 250.0 * rng.lognormal(0.0, 0.6, n_book)
    book_cents: IntArray = np.maximum(np.rint(value * 100), 100).astype(np.int64)
    del value
    refund = rng.random(n_book) < 0.02
    # A couple of accounts whose every booking is a refund: net negative, weight 0, a warning.
    booked = np.flatnonzero(per_account > 0)
    negative_accounts = rng.choice(booked, min(2, len(booked)), replace=False)
    refund |= np.isin(acc, negative_accounts)
    book_cents = np.where(refund, -np.maximum(book_cents * 3 // 10, 100), book_cents)
    book_dec = decimals_for(rng, n_book)
    book_cents = round_to(book_cents, book_dec)

    window_from = date(start.year - 1, start.month, start.day).toordinal()
    in_window = days[day] >= window_from
    prior = np.rint(np.bincount(acc[in_window], weights=book_cents[in_window],
                                minlength=n_accounts)).astype(np.int64)

    # ---- bottom-up inputs (some 0 = no potential) and overrides, on eligible accounts.
    candidates = rng.permutation(np.flatnonzero(eligible))
    n_bu = max(2, n_accounts // 10_000)
    n_ov = max(3, n_accounts // 25_000)
    bu_idx = candidates[:n_bu]
    ov_idx = candidates[n_bu:n_bu + n_ov]
    focus_idx = candidates[n_bu + n_ov:n_bu + n_ov + 3]
    bottom_up: IntArray = np.zeros(n_accounts, dtype=np.int64)
    bu_dec = np.full(n_accounts, -1, dtype=np.int8)
    bu_dec[bu_idx] = decimals_for(rng, n_bu)
    bottom_up[bu_idx] = np.where(np.arange(n_bu) % 2 == 0, 0,
                                 rng.integers(1_000, 500_000, n_bu) * 100 + rng.integers(0, 100, n_bu))
    bottom_up = round_to(bottom_up, np.maximum(bu_dec, 0))
    has_bu = bu_dec >= 0

    # ---- numbered nodes: the root, two regions, an area in the first, a district elsewhere.
    leaf_up = tree.leaf_up[leaf_of]
    regions = np.flatnonzero(tree.depth == 1)
    r1, r2 = (int(r) for r in rng.choice(regions, 2, replace=False))
    areas_r1 = [n for n in range(n_nodes) if tree.depth[n] == 2 and tree.parent[n] == r1]
    a1 = int(rng.choice(areas_r1))
    districts = np.flatnonzero(tree.depth == 3)
    outside = [int(d) for d in districts if tree.parent[tree.parent[d]] != r1]
    d1 = int(rng.choice(outside if outside else districts))
    numbered = [0, r1, r2, a1, d1]
    is_numbered = np.zeros(n_nodes, dtype=bool)
    is_numbered[numbered] = True
    anchor = np.zeros(n_accounts, dtype=np.int64)
    for level in (1, 2, 3):  # deepest numbered ancestor wins
        up = leaf_up[:, level]
        anchor = np.where(is_numbered[up], up, anchor)
    shares = eligible & ~has_bu
    weight = np.where(shares, np.maximum(prior, 0), 0)
    w_sum = np.bincount(anchor, weights=weight, minlength=n_nodes)
    bu_sum = np.bincount(anchor, weights=np.where(eligible & has_bu, bottom_up, 0),
                         minlength=n_nodes)
    number: dict[int, int] = {}
    for node in sorted(numbered, key=lambda n: -int(tree.depth[n])):
        deeper = sum(number[m] for m in numbered
                     if m != node and nearest_numbered(tree, m, is_numbered) == node)
        growth = float(rng.uniform(1.08, 1.25))
        weights, inputs = float(w_sum[node]), round(float(bu_sum[node]))
        step = 1 if node == d1 else 100_000  # the district's number has cents; others thousands
        # With no weight to split, the number leaves nothing to split (Σw = 0 needs R = 0).
        own = ceil_to(round(weights * growth) + inputs, step) if weights > 0 else inputs
        number[node] = deeper + own

    # ---- sellers: one carrier per leaf, managers on upper nodes (a few districts without).
    seller_ids = uuid_like(rng, n_nodes)
    carriers = np.arange(n_leaves)
    kind = np.zeros(n_leaves, dtype=np.int64)  # 0 active, 1 recent, 2 in-year, 3 tbh, 4 leaving
    order = rng.permutation(n_leaves)
    n_tbh, n_leaving = max(1, n_leaves // 150), max(1, n_leaves // 200)
    n_inyear, n_recent = max(1, n_leaves // 60), max(1, n_leaves // 30)
    cut = np.cumsum([n_tbh, n_leaving, n_inyear, n_recent])
    kind[order[:cut[0]]] = 3
    kind[order[cut[0]:cut[1]]] = 4
    kind[order[cut[1]:cut[2]]] = 2
    kind[order[cut[2]:cut[3]]] = 1
    s0 = start.toordinal()
    hire = np.where(kind == 0, s0 - rng.integers(200, 12 * 365, n_leaves),
                    np.where(kind == 1, s0 - rng.integers(1, 150, n_leaves),
                             s0 + rng.integers(0, 280, n_leaves)))
    hire = np.where(kind == 4, s0 - rng.integers(400, 3000, n_leaves), hire)
    end = np.where(kind == 4, s0 + rng.integers(40, 330, n_leaves), -1)
    manager_nodes = [n for n in range(n_nodes) if tree.depth[n] < 4
                     and not (tree.depth[n] == 3 and rng.random() < 0.1)]

    # ---- the tables (columns in another order than quotaplan's, extra columns, rows shuffled).
    tables: dict[str, tuple[list[Column], IntArray]] = {}
    terr_pool = tree.ids
    node_codes = np.arange(n_nodes, dtype=np.int64)
    parent_codes = np.where(tree.parent < 0, n_nodes, tree.parent)
    tables["territories.csv"] = ([
        Pooled("level", LEVEL_NAMES, tree.depth),
        Pooled("name", tree.names, node_codes),
        Pooled("parent_id", [*terr_pool, ""], parent_codes),
        Pooled("territory_id", terr_pool, node_codes),
        Pooled("valid_from", ["2025-11-01"], np.zeros(n_nodes, dtype=np.int64)),
    ], shuffled(rng, n_nodes))

    date_pool = [d.isoformat() for d in day_dates]
    name_pool = [f"{STEMS[i % len(STEMS)]} {TAILS[(i // 7) % len(TAILS)]} "
                 f"{FORMS[(i // 3) % len(FORMS)]}".strip() for i in range(997)] + list(ODD_NAMES)
    revenue = np.rint(size * 2.0e7 * rng.lognormal(0.0, 0.5, n_accounts)).astype(np.int64) * 100
    rev_dec = decimals_for(rng, n_accounts)
    rev_dec[rng.random(n_accounts) < 0.03] = -1
    segment = np.where(revenue >= 1e9 * 100, 0, np.where(revenue >= 1e8 * 100, 1, 2))
    segment[rng.random(n_accounts) < 0.02] = 3
    grade_rank = np.argsort(np.argsort(-size)) / n_accounts
    grade = np.searchsorted(np.array([0.1, 0.35, 0.7]), grade_rank, side="right")
    grade[rng.random(n_accounts) < 0.02] = 4
    employees = np.maximum(1, np.rint(revenue / 100 / 250_000)).astype(np.int64) * 100
    emp_dec = np.where(rng.random(n_accounts) < 0.05, -1, 0)
    tables["accounts.csv"] = ([
        Pooled("territory_id", terr_pool, tree.leaves[leaf_of]),
        Pooled("account_id", account_ids, np.arange(n_accounts, dtype=np.int64)),
        Pooled("name", name_pool, rng.integers(0, len(name_pool), n_accounts)),
        Pooled("status", ("active", "", "inactive"), status),
        Pooled("country", COUNTRIES, rng.integers(0, len(COUNTRIES), n_accounts)),
        Pooled("segment", ("Enterprise", "Commercial", "SMB", ""), segment),
        Pooled("industry", INDUSTRIES, rng.choice(len(INDUSTRIES), n_accounts, p=INDUSTRY_P)),
        Pooled("grade", ("A", "B", "C", "D", ""), grade),
        Money("annual_revenue", round_to(revenue, np.maximum(rev_dec, 0)), rev_dec),
        Money("employees", employees, emp_dec),
        Money("bottom_up_target", bottom_up, bu_dec),
        Pooled("crm_created", [*date_pool, ""],
               np.where(rng.random(n_accounts) < 0.1, len(date_pool),
                        rng.integers(0, len(date_pool), n_accounts))),
    ], shuffled(rng, n_accounts))

    tables["bookings.csv"] = ([
        Pooled("date", date_pool, day),
        Money("amount", book_cents, book_dec),
        Pooled("account_id", account_ids, acc),
        Pooled("channel", CHANNELS, rng.integers(0, len(CHANNELS), n_book, dtype=np.int8)),
        Pooled("product", PRODUCTS, rng.integers(0, len(PRODUCTS), n_book, dtype=np.int8)),
    ], shuffled(rng, n_book))

    tables["sellers.csv"] = sellers_table(rng, tree, seller_ids, carriers, kind, hire, end,
                                          manager_nodes)

    td_nodes = np.array(numbered, dtype=np.int64)
    td_cents = np.array([number[n] for n in numbered], dtype=np.int64)
    td_dec = np.array([0 if c % 100 == 0 and i % 2 == 0 else 2 for i, c in enumerate(td_cents)],
                      dtype=np.int64)
    tables["topdown.csv"] = ([
        Money("amount", td_cents, td_dec),
        Pooled("territory_id", terr_pool, td_nodes),
        Pooled("note", ("Board number", "Region plan, v3", "Carve-out"), np.arange(5) % 3),
    ], shuffled(rng, len(numbered)))

    ov_dec = decimals_for(rng, n_ov)
    ov_cents = round_to(np.where(np.arange(n_ov) == 0, 0,
                                 rng.integers(500, 300_000, n_ov) * 100 + rng.integers(0, 100, n_ov)),
                        ov_dec)
    tables["overrides.csv"] = ([
        Pooled("reason", REASONS, np.arange(n_ov) % len(REASONS)),
        Pooled("account_id", account_ids, ov_idx.astype(np.int64)),
        Money("target", ov_cents, ov_dec),
        Pooled("approved_by", ("VP Sales Ops", "CFO office", ""), np.arange(n_ov) % 3),
    ], shuffled(rng, n_ov))

    tables["adjustments.csv"] = adjustments_table(rng, seller_ids, kind)

    plan_toml = toml_text(n_accounts, seed, number[0], [account_ids[int(i)] for i in focus_idx])
    return Plan(plan_toml, tables)


def nearest_numbered(tree: Tree, node: int, is_numbered: BoolArray) -> int:
    """The nearest strict ancestor of ``node`` that has a number (the root always has one)."""
    up = int(tree.parent[node])
    while up >= 0 and not is_numbered[up]:
        up = int(tree.parent[up])
    return up


def sellers_table(rng: np.random.Generator, tree: Tree, seller_ids: list[str], carriers: IntArray,
                  kind: IntArray, hire: IntArray, end: IntArray, manager_nodes: list[int]
                  ) -> tuple[list[Column], IntArray]:
    """Carriers (one per leaf) and managers, ids UUID-like; ``tbh`` seats start in the year."""
    n_leaves = len(carriers)
    n_managers = len(manager_nodes)
    n = n_leaves + n_managers
    territory = np.concatenate([tree.leaves[carriers], np.array(manager_nodes, dtype=np.int64)])
    people = [f"{FIRST_NAMES[i % 20]} {LAST_NAMES[(i * 7 + i // 20) % 20]}" for i in range(n)]
    names = [("" if i < n_leaves and kind[i] == 3 else people[i]) for i in range(n)]
    emails = [f"{sid[:8]}@example.org" for sid in seller_ids[:n]]
    roles_pool = ("Account Executive", "Senior AE, Strategic", "Chief Sales Officer",
                  "Regional VP", "Area Director", "District Manager")
    depth = tree.depth[territory]
    role = np.where(depth == 4, np.where(rng.random(n) < 0.3, 1, 0), 2 + depth)
    status_pool = ("active", "", "tbh", "leaving")
    status = np.where(rng.random(n) < 0.5, 0, 1)
    status[:n_leaves] = np.where(kind == 3, 2, np.where(kind == 4, 3, status[:n_leaves]))
    manager_hire = FISCAL_YEAR_START.toordinal() - rng.integers(300, 6000, n_managers)
    first_ord = int(min(hire.min(), manager_hire.min(initial=hire.min())))
    last_ord = int(max(hire.max(), end.max()))
    dates = [date.fromordinal(o).isoformat() for o in range(first_ord, last_ord + 1)] + [""]
    empty = len(dates) - 1
    hire_codes = np.concatenate([hire, manager_hire]) - first_ord
    end_codes = np.concatenate([np.where(end < 0, empty, end - first_ord),
                                np.full(n_managers, empty)])
    ote = rng.integers(1_500, 3_300, n) * 10_000 + np.where(rng.random(n) < 0.3,
                                                            rng.integers(0, 10_000, n), 0)
    ote_dec = decimals_for(rng, n)
    ote_dec[rng.choice(n_leaves, min(2, n_leaves), replace=False)] = -1  # OTE not given
    seniority = rng.choice(len(SENIORITY), n, p=SENIORITY_P)
    ramp = np.where(rng.random(n) < 0.12, 1, 0)  # a named fast ramp for some
    ramp[n_leaves:] = 0
    columns: list[Column] = [
        Pooled("status", status_pool, status),
        Pooled("seller_id", seller_ids, np.arange(n, dtype=np.int64)),
        Pooled("territory_id", tree.ids, territory),
        Pooled("name", names, np.arange(n, dtype=np.int64)),
        Pooled("email", emails, np.arange(n, dtype=np.int64)),
        Pooled("role", roles_pool, role),
        Pooled("seniority", SENIORITY, seniority),
        Money("ote", round_to(ote, np.maximum(ote_dec, 0)), ote_dec),
        Pooled("hire_date", dates, hire_codes),
        Pooled("end_date", dates, end_codes),
        Pooled("ramp_profile", ("", "fast"), ramp),
    ]
    return columns, shuffled(rng, n)


def adjustments_table(rng: np.random.Generator, seller_ids: list[str], kind: IntArray
                      ) -> tuple[list[Column], IntArray]:
    """A handful of manual lines on active carriers: rates or amounts (some negative), one
    seller with two lines."""
    active = np.flatnonzero(kind == 0)
    n = max(3, len(kind) // 500)
    who = rng.choice(active, min(n, len(active)), replace=False)
    who = np.concatenate([who, who[:1]])
    n = len(who)
    is_rate = np.arange(n) % 2 == 0
    rate_pool = ("-0.05", "0.1", "0.025", "-0.125", "0.03")
    rate_codes = np.where(is_rate, np.arange(n) % len(rate_pool), len(rate_pool))
    amount = (rng.integers(5_000, 90_000, n) * 100 + rng.integers(0, 100, n)) * np.where(
        rng.random(n) < 0.4, -1, 1)
    amount_dec = np.where(is_rate, -1, decimals_for(rng, n))
    columns: list[Column] = [
        Pooled("reason", ADJUST_REASONS, np.arange(n) % len(ADJUST_REASONS)),
        Pooled("rate", [*rate_pool, ""], rate_codes, numeric=True),
        Pooled("seller_id", seller_ids, who.astype(np.int64)),
        Money("amount", round_to(amount, np.maximum(amount_dec, 0)), amount_dec),
        Pooled("author", ("Sales Operations", "Finance, FP&A", ""), np.arange(n) % 3),
        Pooled("approved_on", ("2026-01-12", "2026-01-20"), np.arange(n) % 2),
    ]
    return columns, shuffled(rng, n)


def toml_text(n_accounts: int, seed: int, root_cents: int, focus_accounts: list[str]) -> str:
    """plan.toml: monthly periods from February, the root's number (equal to topdown.csv's)."""
    whole = root_cents // 100
    units = f"{whole:_}" if root_cents % 100 == 0 else f"{whole}.{root_cents % 100:02d}"
    season = [70, 72, 95, 75, 78, 100, 74, 76, 98, 80, 90, 92]
    assert sum(season) == 1000
    weights = ", ".join(f"{w / 1000:.3f}" for w in season)
    focus = ", ".join(f'"{a}"' for a in focus_accounts)
    return f"""\
# Written by bench/independent.py (seed {seed}): synthetic data, not a real company.
[plan]
name = "Independent plan — {n_accounts:,} accounts"
fiscal_year_start = {FISCAL_YEAR_START.isoformat()}
currency = "EUR"
period = "month"

[targets]
method = "weighted"
weight = "prior_bookings"
topdown = {units}

[quotas]
basis = "targets"
adjustment_mode = "additive"
over_assignment = {{ 2 = 0.04, 4 = 0.06 }}
hedge = {{ 0 = 0.02, 2 = 0.03 }}

[ramp]
cutoff = "month_end"
default_profile = "standard"

[ramp.profiles]
standard = [0.0, 0.2, 0.4, 0.6, 0.8]
fast = [0.5, 1.0]

[seniority.factors]
junior = 0.92
mid = 1.0
senior = 1.08
lead = 1.15

[[strategic_focus]]
match = {{ industry = "Healthcare" }}
factor = 1.06
reason = "Healthcare vertical, second year"

[[strategic_focus]]
match = {{ segment = "Enterprise", grade = "A" }}
factor = 1.1
reason = "Top enterprise accounts"

[[strategic_focus]]
match = {{ accounts = [{focus}] }}
factor = 1.25
reason = "Named lighthouse accounts"

[seasonality]
weights = [{weights}]

[risk]
high_below = 0.85
medium_below = 0.98

[capacity]
quota_to_ote = [3.5, 6.5]
expected_attainment = 0.75
attrition = 0.18
pipeline_coverage = 3.5
"""


def write_plan(out: Path, n_accounts: int, seed: int = 1, style: Style = "plain") -> Path:
    """Write the plan folder ``out`` (created if needed; our files in it are replaced)."""
    if n_accounts < 20:
        raise ValueError("--accounts must be at least 20")
    plan = make_plan(n_accounts, seed)
    out.mkdir(parents=True, exist_ok=True)
    toml = plan.toml.replace("\n", "\r\n") if style in ("crlf", "messy") else plan.toml
    (out / "plan.toml").write_bytes(toml.encode("utf-8"))
    for name, (columns, order) in plan.tables.items():
        write_table(out / name, columns, order, style,
                    bom=style == "messy" and name == "accounts.csv")
    return out


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/independent.py",
        description="Write a plan folder without quotaplan's generator (another shape of plan).")
    parser.add_argument("out", type=Path, help="plan folder to write")
    parser.add_argument("--accounts", type=int, required=True, help="number of accounts (≥ 20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--style", choices=STYLES, default="plain",
                        help="how the CSV bytes look (default plain)")
    args = parser.parse_args(argv)
    if args.accounts < 20:
        parser.error("--accounts must be at least 20")
    write_plan(args.out, args.accounts, args.seed, args.style)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
