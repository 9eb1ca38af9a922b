"""No input gives exit 3: every reader fuzzed through the real command line.

Random bytes as each plan file, random CSV cells (huge numbers, odd dates, quotes, separators),
random plan.toml settings of the right and the wrong types, and several hundred mutated plans go
through ``quotaplan validate`` and ``quotaplan build --out`` in-process (the entry point
:func:`quotaplan.cli.main`, which turns a bug into exit 3). Each run must end in exit 0, 1 or 2,
print no traceback, name a file in every error, and leave the plan's files byte for byte as they
were.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaplan.cli import main
from quotaplan.generate import GenerateOptions, generate_plan, write_generated
from quotaplan.planfolder.read import PLAN_FILES
from quotaplan.settings import SECTIONS, StrategicFocusRule

#: Examples per fuzz test; set QUOTAPLAN_FUZZ_EXAMPLES for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("QUOTAPLAN_FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CSV_FILES = [name for name in PLAN_FILES if name.endswith(".csv")]
#: Cells that have broken readers before, or look like what spreadsheets write.
NASTY = [
    "", " ", '"', '""', '"x', ",", ";", "\t", "\r", "-", "-0", "0", "0.000", "1e400", "-1e-400",
    "NaN", "inf", "-inf", "=1+1", "@x", "1,5", "1.234,56", "1 234,56", "$5", "5%", "2026-02-30",
    "9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01", "03/15/2026", "15.03.2026",
    "2026-1-5", "2026-01-01T10:00:00", "tbh", "leaving", "inactive", "ACTIVE", "  active ",
    "9" * 16, "9" * 15 + ".99", "-" + "9" * 15, "9" * 40, "0." + "0" * 30 + "1", "1." + "9" * 40,
    "99999999999999.995", "\u00e9", "\ufeff", "x" * 5000, "\x00",
]


@cache
def base_plan() -> dict[str, bytes]:
    """A small but complete generated plan (every file, ramp, seniority, focus, numbers)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "plan"
        write_generated(generate_plan(GenerateOptions(accounts=40, sellers=5,
                                                      bookings_per_account=3)), folder)
        return {p.name: p.read_bytes() for p in folder.iterdir()}


def run_cli(*args: str) -> tuple[int, str]:
    """``quotaplan ARGS`` in-process: (exit code, everything printed)."""
    printed = io.StringIO()
    with redirect_stdout(printed), redirect_stderr(printed):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            code = 0
    return code, printed.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@contextmanager
def written(files: dict[str, bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "plan"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        yield folder


def assert_no_bug(folder: Path, *, build: bool = True) -> int:
    """validate (and build into a fresh folder) end in 0, 1 or 2, say nothing of a bug, name a
    file in every error, and leave the plan as it was. Returns validate's exit code."""
    before = snapshot(folder)
    commands = [["validate", str(folder)]]
    if build:
        commands.append(["build", str(folder), "--out", str(folder.parent / "out")])
    first = -1
    for command in commands:
        code, output = run_cli(*command)
        first = code if first < 0 else first
        assert code in (0, 1, 2), f"{command[0]} gave exit {code}:\n{output}"
        assert "Traceback" not in output, output
        assert "internal error" not in output, output
        for line in output.splitlines():
            if ": error: " in line:
                where = re.split(r"[:( ]", line, maxsplit=1)[0]
                assert where.lower() in PLAN_FILES, f"an error that names no file: {line}"
        assert snapshot(folder) == before, f"{command[0]} changed the plan's files"
    return first


# --- random bytes as each plan file --------------------------------------------------------------


@FUZZ
@given(name=st.sampled_from(list(PLAN_FILES)),
       data=st.one_of(st.binary(max_size=400), st.text(max_size=200).map(str.encode)))
def test_random_bytes_as_any_plan_file(name: str, data: bytes) -> None:
    with written(base_plan() | {name: data}) as folder:
        assert_no_bug(folder)


# --- random CSV cells ----------------------------------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-10**40, max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    st.dates(min_value=date(1, 1, 1)).map(lambda d: f"{d.month}/{d.day}/{d.year}"),
    st.text(max_size=12),
)


def put_cell(data: bytes, row: int, column: int, cell: str, quoted: bool) -> bytes:
    """The CSV ``data`` with the cell at (row, column) replaced (rows and columns wrap)."""
    lines = data.decode("utf-8").split("\n")
    lines = [line for line in lines if line] or [""]
    cells = lines[row % len(lines)].split(",")
    text = '"' + cell.replace('"', '""') + '"' if quoted else cell
    cells[column % len(cells)] = text
    lines[row % len(lines)] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass")


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(sorted(CSV_FILES)), st.integers(0, 60),
                                st.integers(0, 12), CELLS, st.booleans()), min_size=1, max_size=4))
def test_random_cells_in_the_csv_files(edits: list[tuple[str, int, int, str, bool]]) -> None:
    files = dict(base_plan())
    for name, row, column, cell, quoted in edits:
        files[name] = put_cell(files.get(name, b"x\n"), row, column, cell, quoted)
    with written(files) as folder:
        assert_no_bug(folder)


# --- random plan.toml settings -------------------------------------------------------------------

SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("1E+400"), Decimal("1E-400"), Decimal("-0"), Decimal("0.1"),
                     Decimal("99999999999999999"), Decimal("1.0000000000000000000000000001")]),
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(min_value=datetime(1, 1, 1)),
    st.booleans(),
    st.text(max_size=10),
    st.sampled_from(["even", "weighted", "bucketed", "growth", "blend", "targets", "topdown",
                     "assigned", "month", "quarter", "day:15", "day:31", "prorate", "standard",
                     "prior_bookings", "annual_revenue", "grade", "Enterprise", "zero"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5),
    st.dictionaries(st.one_of(st.sampled_from(["1", "2", "0", "A", "junior", "standard"]),
                              st.text(min_size=1, max_size=5)), inner, max_size=3)),
    max_leaves=8)
KEYS = [(section, name) for section, model in SECTIONS.items() for name in model.model_fields]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        if value.is_nan():
            return "nan"
        if value.is_infinite():
            return "-inf" if value < 0 else "inf"
        text = str(value)
        return text if re.search(r"[.eE]", text) else text + ".0"
    if isinstance(value, date | int):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


@st.composite
def plan_toml(draw: st.DrawFn) -> str:
    """A plan.toml: the plan section (perhaps altered) and random keys of the known sections."""
    sections: dict[str, dict[str, Any]] = {
        "plan": {"name": "Fuzz", "fiscal_year_start": date(2027, 1, 1)}}
    for section, name in draw(st.lists(st.sampled_from(KEYS), max_size=6)):
        sections.setdefault(section, {})[name] = draw(VALUES)
    if draw(st.booleans()):
        sections.setdefault("targets", {})["topdown"] = draw(SCALARS)
    text = "".join(f"[{section}]\n" + "".join(f"{key} = {toml_value(v)}\n"
                                               for key, v in body.items())
                   for section, body in sections.items())
    for _ in range(draw(st.integers(0, 2))):
        rule = draw(st.dictionaries(st.sampled_from(sorted(StrategicFocusRule.model_fields)),
                                    VALUES, max_size=3))
        text += "[[strategic_focus]]\n" + "".join(f"{k} = {toml_value(v)}\n"
                                                  for k, v in rule.items())
    return text


@FUZZ
@given(text=plan_toml())
def test_random_settings_in_plan_toml(text: str) -> None:
    with written(base_plan() | {"plan.toml": text.encode("utf-8", errors="surrogatepass")}) as folder:
        assert_no_bug(folder)


# --- several hundred mutated plans ---------------------------------------------------------------


def mutate(files: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    """The plan with one to three random edits: lines deleted, repeated, swapped or altered,
    cells replaced, columns dropped, files cut short, emptied, removed or renamed."""
    files = dict(files)
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(sorted(files))
        lines = files[name].split(b"\n")
        op = rng.randrange(11)
        at = rng.randrange(len(lines))
        if op == 0:
            del lines[at]
        elif op == 1:
            lines.insert(at, lines[rng.randrange(len(lines))])
        elif op == 2:
            other = rng.randrange(len(lines))
            lines[at], lines[other] = lines[other], lines[at]
        elif op in (3, 4, 5):
            separator = b" = " if name.endswith(".toml") else b","
            cells = lines[at].split(separator)
            cells[rng.randrange(len(cells))] = rng.choice(NASTY).encode("utf-8")
            lines[at] = separator.join(cells)
        elif op == 6 and name.endswith(".csv"):
            column = rng.randrange(max(1, lines[0].count(b",") + 1))
            lines = [b",".join(c for i, c in enumerate(line.split(b",")) if i != column)
                     for line in lines]
        elif op == 7:
            data = b"\n".join(lines)
            lines = data[: rng.randrange(len(data) + 1)].split(b"\n")
        elif op == 8:
            del files[name]
            continue
        elif op == 9:
            files[rng.choice([name.upper(), name.capitalize(), name.replace(".", ". ")])] = (
                files.pop(name))
            continue
        else:
            lines = [line + rng.choice([b"\r", b"", b'"', b",", b";"]) for line in lines]
        files[name] = b"\n".join(lines)
    return files


def test_several_hundred_mutated_plans_never_give_exit_3() -> None:
    rng = random.Random(20270101)
    codes: dict[int, int] = {}
    for number in range(300):
        with written(mutate(base_plan(), rng)) as folder:
            code = assert_no_bug(folder, build=number % 6 == 0)
        codes[code] = codes.get(code, 0) + 1
    # The mutations must reach both sides: plans still valid and plans with errors.
    assert codes.get(1, 0) > 100
    assert codes.get(0, 0) > 10


# --- plans that are valid but extreme ------------------------------------------------------------

BIG = "999999999999999.99"
EXTREME_SETTINGS = {
    ("targets", "method"): ['"even"', '"weighted"', '"growth"', '"blend"'],
    ("targets", "topdown"): ["0", "0.01", BIG],
    ("targets", "growth"): ["-1", "0", "100"],
    ("targets", "trend"): ["true", "false"],
    ("targets", "trend_band"): ["[-1, 100]", "[-99999999999999, 99999999999999]", "[0, 0]"],
    ("targets", "base_window_months"): ["1", "120"],
    ("targets", "missing_weight"): ['"zero"'],
    ("quotas", "basis"): ['"targets"', '"topdown"', '"even"'],
    ("quotas", "over_assignment"): ["{ 0 = 9.99, 1 = 9.99, 2 = 9.99, 3 = 9.99, 4 = 9.99 }",
                                    "{ 1 = -0.99, 2 = -0.99 }"],
    ("quotas", "hedge"): ["{ 0 = 9.99, 1 = -0.99 }", "{ 1 = 0.5 }"],
    ("quotas", "adjustment_mode"): ['"additive"', '"multiplicative"'],
    ("ramp", "cutoff"): ['"prorate"', '"day:31"', '"day:1"', '"month_end"'],
    ("seniority", "factors"): ["{ junior = 100, mid = 100, senior = 100, principal = 100 }",
                               "{ junior = 0.0001, mid = 0.0001, senior = 0.0001, "
                               "principal = 0.0001 }"],
    ("seasonality", "weights"): ["[1, 0, 0, 0]", "[0, 0, 0, 1]"],
    ("risk", "high_below"): ["0", "1"],
    ("capacity", "expected_attainment"): ["0.000000001", "10"],
    ("capacity", "high_value_target"): ["0", BIG],
    ("capacity", "attrition"): ["0", "1"],
    ("capacity", "pipeline_coverage"): ["0", "20"],
    ("capacity", "quota_to_ote"): ["[0, 0]", f"[{BIG}, {BIG}]"],
    ("plan", "fiscal_year_start"): ["1900-01-01", "2200-12-01", "1901-02-01"],
    ("plan", "period"): ['"month"', '"quarter"'],
}
EXTREME_CELLS = {
    "bookings.csv": (2, [BIG, "-" + BIG, "0.01", "0"]),
    "accounts.csv": (None, [BIG, "0", "999999999999"]),
    "sellers.csv": (None, ["1900-01-01", "2200-12-31", "0", BIG]),
    "adjustments.csv": (None, [BIG, "-" + BIG, "99999999999999999999", "-1", "0.5"]),
    "overrides.csv": (None, [BIG, "0"]),
    "topdown.csv": (None, [BIG, "0"]),
}


def set_setting(text: str, section: str, key: str, value: str) -> str:
    """plan.toml with ``key`` of ``[section]`` set to ``value`` (added when absent)."""
    lines = text.split("\n")
    header = f"[{section}]"
    if header not in lines:
        return text + f"\n{header}\n{key} = {value}\n"
    start = lines.index(header)
    for at in range(start + 1, len(lines)):
        if lines[at].startswith("["):
            break
        if lines[at].split("=")[0].strip() == key:
            lines[at] = f"{key} = {value}"
            return "\n".join(lines)
    lines.insert(start + 1, f"{key} = {value}")
    return "\n".join(lines)


@FUZZ
@given(data=st.data())
def test_valid_but_extreme_plans(data: st.DataObject) -> None:
    files = dict(base_plan())
    text = files["plan.toml"].decode()
    for (section, key), choices in data.draw(st.lists(
            st.sampled_from(sorted(EXTREME_SETTINGS.items())), max_size=8)):
        text = set_setting(text, section, key, data.draw(st.sampled_from(choices)))
    files["plan.toml"] = text.encode()
    for name, (column, cells) in data.draw(st.lists(
            st.sampled_from(sorted(EXTREME_CELLS.items())), max_size=4)):
        lines = files[name].decode().rstrip("\n").split("\n")
        header = lines[0].split(",")
        row = data.draw(st.integers(1, max(1, len(lines) - 1))) % len(lines) or 1
        if row >= len(lines):
            continue
        at = column if column is not None else data.draw(st.integers(0, len(header) - 1))
        cells_of_row = lines[row].split(",")
        cells_of_row[at] = data.draw(st.sampled_from(cells))
        every = data.draw(st.booleans())
        lines = [lines[0]] + [",".join(cells_of_row) if every or i == row else line
                              for i, line in enumerate(lines[1:], start=1)]
        files[name] = ("\n".join(lines) + "\n").encode()
    with written(files) as folder:
        assert_no_bug(folder)
