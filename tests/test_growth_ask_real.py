"""The growth ask on the real data sets, against an independent computation from the raw files.

Each plan is built and written as ``quotaplan build`` writes it; the expected figures are summed
again here from the source files with the ``csv`` module and exact ``Decimal``/``Fraction``
arithmetic (no Polars, no pandas), using only the plan's account → territory placement (the
importer's derivation, not the computation under test). Compared: every carrier's and every
node's ``prior_bookings`` to the cent, ``growth_ask`` to 1e-6, and the root's in summary.json.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import shared_data
from quotaplan.build import build
from quotaplan.importers import import_maven_crm, import_superstore
from quotaplan.outputs import write_outputs
from quotaplan.planfolder.read import read_plan

CENT = Decimal("0.01")
#: A booking: (account_id, date, amount in currency units, exact).
Booking = tuple[str, date, Decimal]


def _rows(path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def _cents(amount: Decimal) -> int:
    """An amount as the plan reads it: cents, half away from zero."""
    sign = -1 if amount < 0 else 1
    return sign * int((abs(amount) / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _read(path: Path) -> dict[str, dict[str, str]]:
    key = "seller_id" if path.name == "gap.csv" else "territory_id"
    return {r[key]: r for r in _rows(path)}


def check_growth_ask(plan_dir: Path, out: Path, bookings: Iterator[Booking], *,
                     window: tuple[date, date]) -> tuple[str, dict[str, int]]:
    """Build ``plan_dir`` into ``out`` and compare its growth ask with one summed from
    ``bookings`` (the raw rows); returns the root and the prior bookings per node (cents)."""
    plan, problems = read_plan(plan_dir)
    assert plan is not None, [p.render() for p in problems]
    write_outputs(build(plan), out)

    territory = {r["account_id"]: r["territory_id"] for r in _rows(plan_dir / "accounts.csv")
                 if r.get("status", "") in ("", "active")}
    parent = {r["territory_id"]: r["parent_id"] or None
              for r in _rows(plan_dir / "territories.csv")}
    first, end = window
    by_account: dict[str, int] = defaultdict(int)
    for account, day, amount in bookings:
        if account in territory and first <= day < end:
            by_account[account] += _cents(amount)
    prior = dict.fromkeys(parent, 0)
    for account, cents in by_account.items():
        node: str | None = territory[account]
        while node is not None:
            prior[node] += cents
            node = parent[node]

    def ask(amount: str, base: int) -> float | None:
        if amount == "" or base <= 0:
            return None
        return float(Fraction(_cents(Decimal(amount)), base) - 1)

    def same(written: str, expected: float | None) -> bool:
        return (written == "") if expected is None else abs(float(written) - expected) < 1e-6

    nodes = _read(out / "rollup.csv")
    assert set(nodes) == set(prior)
    for node, row in nodes.items():
        assert _cents(Decimal(row["prior_bookings"])) == prior[node], node
        assert same(row["growth_ask"], ask(row["topdown"], prior[node])), node
    for seller, row in _read(out / "gap.csv").items():
        assert _cents(Decimal(row["prior_bookings"])) == prior[row["territory_id"]], seller
        assert same(row["growth_ask"], ask(row["final_quota"], prior[row["territory_id"]])), seller
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    root = next(n for n, p in parent.items() if p is None)
    assert _cents(Decimal(summary["prior_bookings"])) == prior[root]
    expected = ask(summary["topdown"], prior[root])
    assert expected is not None
    assert summary["growth_ask"] == pytest.approx(expected, abs=1e-9)
    return root, prior


@pytest.mark.realdata
def test_maven_crm(tmp_path: Path) -> None:
    source = shared_data("maven_crm")
    import_maven_crm(source, tmp_path / "plan")
    won = ((r["account"], date.fromisoformat(r["close_date"]), Decimal(r["close_value"]))
           for r in _rows(source / "sales_pipeline.csv")
           if r["deal_stage"] == "Won" and r["account"])
    root, prior = check_growth_ask(tmp_path / "plan", tmp_path / "out", won,
                                   window=(date(2017, 1, 1), date(2018, 1, 1)))
    # Every won deal closed in 2017: the root's prior is all of them ($10,005,534).
    assert prior[root] == 10_005_534_00


@pytest.mark.realdata
def test_superstore(tmp_path: Path) -> None:
    source = shared_data("superstore")
    import_superstore(source, tmp_path / "plan")
    lines = ((r["Customer ID"], date.fromisoformat(r["Order Date"]), Decimal(r["Sales"]))
             for r in _rows(source / "superstore.csv"))
    root, prior = check_growth_ask(tmp_path / "plan", tmp_path / "out", lines,
                                   window=(date(2017, 1, 1), date(2018, 1, 1)))
    assert prior[root] > 0


def _retail_lines(path: Path) -> Iterator[tuple[str, str, date, Decimal]]:
    """(customer, country, day, quantity × unit price) of every invoice line with a customer."""
    for r in _rows(path):
        if r["CustomerID"]:
            yield (r["CustomerID"].removesuffix(".0"), r["Country"],
                   date.fromisoformat(r["InvoiceDate"][:10]),
                   Decimal(r["Quantity"]) * Decimal(r["UnitPrice"]))


def write_retail_plan(source: Path, folder: Path) -> None:
    """A plan from the Online Retail invoices: countries are leaves under one root, customers
    accounts in the country they bought from most (ties: the first name), one synthetic seller per
    country but "Unspecified" (left uncovered), each line a booking (cancellations negative)."""
    countries: dict[str, Counter[str]] = defaultdict(Counter)
    bookings = folder / "bookings.csv"
    folder.mkdir(parents=True)
    with bookings.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["account_id", "date", "amount"])
        for customer, country, day, amount in _retail_lines(source):
            countries[customer][country] += 1
            out.writerow([customer, day.isoformat(), f"{amount:f}"])
    home = {c: min(n.items(), key=lambda kv: (-kv[1], kv[0]))[0] for c, n in countries.items()}
    leaves = sorted(set(home.values()))
    (folder / "plan.toml").write_text(
        '[plan]\nname = "Online Retail FY2012"\nfiscal_year_start = 2011-12-01\ncurrency = "GBP"\n'
        '[targets]\nmethod = "weighted"\nweight = "prior_bookings"\ntopdown = 10_000_000\n',
        encoding="utf-8")
    tables = {
        "territories.csv": [["territory_id", "parent_id"], ["world", ""]]
        + [[leaf, "world"] for leaf in leaves],
        "sellers.csv": [["seller_id", "territory_id"]]
        + [[f"rep-{i:02d}", leaf] for i, leaf in enumerate(leaves) if leaf != "Unspecified"],
        "accounts.csv": [["account_id", "territory_id"], *sorted([c, t] for c, t in home.items())],
    }
    for name, rows in tables.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)


@pytest.mark.realdata
def test_online_retail(tmp_path: Path) -> None:
    source = shared_data("online_retail", "onlineretail.csv.gz")
    write_retail_plan(source, tmp_path / "plan")
    lines = ((c, day, amount) for c, _, day, amount in _retail_lines(source))
    root, prior = check_growth_ask(tmp_path / "plan", tmp_path / "out", lines,
                                   window=(date(2010, 12, 1), date(2011, 12, 1)))
    # The uncovered leaf has bookings, so the root's sum above counted an uncovered leaf.
    assert prior["Unspecified"] > 0
    assert prior[root] > prior["United Kingdom"] > 0
