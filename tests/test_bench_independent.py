"""Plans from another writer (bench/independent.py): valid in every style, and the floor agrees.

The benchmark must also run on plans that ``quotaplan generate`` did not shape; these tests keep
that writer honest (its plans are valid per SPEC whatever the CSV dialect) and check that the
engine and the floor give the same account targets on them. Not timed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from quotaplan.cli import app
from quotaplan.schemas import OUTPUTS
from test_bench import floor, load, read

independent = load("independent")
runner = CliRunner()
ACCOUNTS = 2_000
OUTPUT_FILES = (*OUTPUTS, "summary.json")


@dataclass(frozen=True)
class Built:
    style: str
    plan: Path
    out: Path
    validate_exit: int
    validate_output: str
    build_exit: int
    build_output: str


@pytest.fixture(scope="module", params=independent.STYLES)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One plan per style (same seed), validated and built once through the command line."""
    style: str = request.param
    root = tmp_path_factory.mktemp(f"independent-{style}")
    plan = independent.write_plan(root / "plan", ACCOUNTS, seed=5, style=style)
    checked = runner.invoke(app, ["validate", str(plan)])
    done = runner.invoke(app, ["build", str(plan), "--out", str(root / "build")])
    return Built(style, plan, root / "build", checked.exit_code, checked.output,
                 done.exit_code, done.output)


def test_every_style_is_a_valid_plan(built: Built) -> None:
    assert built.validate_exit == 0, built.validate_output
    assert "0 error(s)" in built.validate_output or "is valid" in built.validate_output
    assert built.build_exit == 0, built.build_output


@pytest.fixture(scope="module")
def plain_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outputs of the plain style's plan, to compare the other styles with."""
    plain: Path = independent.write_plan(tmp_path_factory.mktemp("plain") / "plan", ACCOUNTS,
                                         seed=5)
    out = plain.parent / "build"
    assert runner.invoke(app, ["build", str(plain), "--out", str(out)]).exit_code == 0
    return out


def test_the_style_changes_the_bytes_not_the_figures(built: Built, plain_out: Path) -> None:
    for name in OUTPUT_FILES:
        assert (built.out / name).read_bytes() == (plain_out / name).read_bytes(), name


def test_the_dialect_is_what_the_style_says(built: Built) -> None:
    accounts = (built.plan / "accounts.csv").read_bytes()
    sellers = (built.plan / "sellers.csv").read_bytes()
    crlf = built.style in ("crlf", "messy")
    assert (b"\r\n" in accounts) == crlf
    assert accounts.startswith(b"\xef\xbb\xbf") == (built.style == "messy")
    header = sellers.split(b"\n", 1)[0].rstrip(b"\r")
    if built.style == "quoted":
        assert header.startswith(b'"status","seller_id"')
        assert b',"",' in sellers  # empty cells quoted too, as pandas' QUOTE_ALL writes them
    elif built.style == "messy":
        assert header.startswith(b'"status","seller_id"')
        assert b',"",' not in sellers  # text quoted, numbers and empty cells bare
    else:
        assert header.startswith(b"status,seller_id,territory_id,name")


def test_rows_are_not_in_id_order_and_amounts_vary_in_decimals(built: Built) -> None:
    accounts = pl.read_csv(built.plan / "accounts.csv", infer_schema=False)
    ids = accounts.get_column("account_id").to_list()
    assert ids != sorted(ids)
    assert accounts.columns[:2] == ["territory_id", "account_id"]
    amounts = pl.read_csv(built.plan / "bookings.csv", infer_schema=False).get_column("amount")
    decimals = amounts.str.extract(r"\.(\d*)$").str.len_chars().fill_null(0)
    assert set(decimals.unique().to_list()) == {0, 1, 2}
    assert (amounts.str.starts_with("-")).any()


def test_floor_writes_the_engines_account_targets(
    built: Built, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp(f"floor-{built.style}")
    floor.run(built.plan, out)
    columns = OUTPUTS["account_targets.csv"]
    engine = read(built.out, "account_targets.csv").select(columns)
    mine = read(out, "account_targets.csv").select(columns)
    assert engine.height == mine.height
    assert engine.equals(mine)
