"""Problems of ``plan.toml`` in a planner's words, on the line of their key.

Pydantic says what is wrong in its own terms ("Input should be a valid decimal", "Datetimes
provided to dates should have zero time"); :func:`sentence` turns each kind of error a plan.toml
can cause into a sentence that names the key and says what to write instead. :func:`key_lines`
finds the line of every key by scanning the TOML text, so that :func:`locate` can put a problem
on its key's line. TOML syntax errors keep the line the parser gives (:func:`syntax_problem`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from quotaplan.problems import Problem, error

FILE = "plan.toml"
#: Labels Pydantic adds to a location inside a union (``match = { segment = … }``: text or list).
UNION_LABELS = frozenset({"str", "list[str]"})
#: Marks a location inside a table's key (``over_assignment = { a = 0.1 }``: depths are numbers).
KEY_MARK = "[key]"

_BARE = r"[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*'"
_DOTTED = rf"(?:{_BARE})(?:\s*\.\s*(?:{_BARE}))*"
_ARRAY_TABLE = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]\s*(?:#.*)?$")
_TABLE = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?$")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_BARE)


def _dotted(text: str) -> str:
    return ".".join(part.strip("\"'") for part in _PART.findall(text))


def key_lines(text: str) -> dict[str, int]:
    """Every key and table of a TOML text → the line (from 1) where it is first written.

    Keys are dotted as :func:`setting_key` writes them: ``targets.method``, and the n-th
    ``[[strategic_focus]]`` table as ``strategic_focus[n]``. A scan of the lines, not a parse: it
    also works on text that does not validate, and a key inside an inline table is found through
    the table's own key (see :func:`line_of`).
    """
    lines: dict[str, int] = {}
    prefix = ""
    arrays: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if found := _ARRAY_TABLE.match(line):
            name = _dotted(found.group(1))
            arrays[name] = arrays.get(name, 0) + 1
            prefix = f"{name}[{arrays[name]}]"
        elif found := _TABLE.match(line):
            prefix = _dotted(found.group(1))
        elif found := _KEY.match(line):
            key = _dotted(found.group(1))
            lines.setdefault(f"{prefix}.{key}" if prefix else key, number)
            continue
        else:
            continue
        lines.setdefault(prefix, number)
    return lines


def line_of(key: str, lines: dict[str, int]) -> int | None:
    """The line of ``key``, else of the nearest enclosing key or table that is written."""
    while key:
        if key in lines:
            return lines[key]
        key = key[: key.rindex("[")] if key.endswith("]") else key.rpartition(".")[0]
    return None


def locate(problems: Iterable[Problem], text: str) -> list[Problem]:
    """``problems`` with each plan.toml problem that names a key put on that key's line."""
    lines: dict[str, int] | None = None
    placed: list[Problem] = []
    for problem in problems:
        line = None
        if problem.file == FILE and problem.line is None and problem.column:
            lines = key_lines(text) if lines is None else lines
            line = line_of(problem.column, lines)
        placed.append(problem if line is None else replace(problem, line=line))
    return placed


_SYNTAX_HINTS = (
    ("Invalid value", "text needs quotes (method = \"weighted\"), a date is written 2026-02-01 "
     "and a number without thousands separators (50000000 or 50_000_000)"),
    ("Invalid date", "write a real date as YYYY-MM-DD, e.g. 2026-02-01"),
    ("Cannot declare", "a [section] is given twice; keep one and move its keys there"),
    ("Cannot overwrite", "a key is given twice; keep one"),
    ("Cannot mutate", "a key is given twice; keep one"),
    ("Expected '='", "write one key = value per line, text in quotes"),
)


def syntax_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    """A TOML syntax error on its line, with what to do."""
    msg = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", msg) or re.search(r"at line (\d+)", msg)
    line = int(found.group(1)) if found else None
    reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
    hint = next((h for start, h in _SYNTAX_HINTS if reason.startswith(start)),
                "fix the syntax: text in quotes, one key = value per line, each [section] once")
    where = f" at column {found.group(2)}" if found and found.lastindex == 2 else ""
    return error(FILE, line, None, f"this is not valid TOML ({reason}{where}); {hint}",
                 "toml-syntax")


def setting_key(loc: tuple[int | str, ...]) -> str:
    """A validation location → the dotted key a planner finds in plan.toml.

    ``("targets", "method")`` → ``targets.method``; the n-th ``[[strategic_focus]]`` table is
    ``strategic_focus[n]`` (counted from 1, as they appear in the file). A position inside a list
    value (``quota_to_ote``, a ramp profile), a table's key and a union's member label end the
    key: the key is the list's or the table's.
    """
    key = ""
    for i, item in enumerate(loc):
        if isinstance(item, int):
            if key != "strategic_focus":
                break
            key += f"[{item + 1}]"
        elif item in UNION_LABELS or item == KEY_MARK or (i + 1 < len(loc) and loc[i + 1] == KEY_MARK):
            break
        else:
            key += f".{item}" if key else str(item)
    return key


def _position(loc: tuple[int | str, ...]) -> str:
    """``"item 2: "`` when the location points inside a list value, else ``""``."""
    for i, item in enumerate(loc):
        if isinstance(item, int) and (i == 0 or loc[i - 1] != "strategic_focus"):
            return f"item {item + 1}: "
    return ""


def _toml_value(value: Any) -> str:
    """A value as it would be written in plan.toml (for messages)."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def show_input(value: Any) -> str:
    text = _toml_value(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _expected(err: dict[str, Any]) -> str:
    return str(err.get("ctx", {}).get("expected", "")).replace("'", '"')


def _bound(name: str) -> Callable[[dict[str, Any]], str]:
    words = {"ge": "{} or more", "gt": "above {}", "le": "{} or less", "lt": "below {}"}[name]
    return lambda err: "must be " + words.format(err.get("ctx", {}).get(name))


_NUMBER = "write a number such as 0.05 (digits, an optional '-' and '.', no quotes)"
_DATE = "write a date as YYYY-MM-DD without quotes, e.g. fiscal_year_start = 2026-02-01"
#: Each kind of Pydantic error a plan.toml can cause → what to tell the planner.
SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
    "string_type": lambda err: "write text in quotes, e.g. \"Enterprise\"",
    "bool_type": lambda err: "write true or false (no quotes)",
    "bool_parsing": lambda err: "write true or false (no quotes)",
    "int_type": lambda err: "write a whole number such as 12",
    "int_parsing": lambda err: "write a whole number such as 12",
    "int_from_float": lambda err: "write a whole number such as 12 (no decimals)",
    "int_parsing_size": lambda err: "this whole number is too large",
    "decimal_type": lambda err: _NUMBER,
    "decimal_parsing": lambda err: _NUMBER,
    "float_type": lambda err: _NUMBER,
    "float_parsing": lambda err: _NUMBER,
    "finite_number": lambda err: "write a finite number (nan and inf cannot be planned with)",
    "greater_than_equal": _bound("ge"),
    "greater_than": _bound("gt"),
    "less_than_equal": _bound("le"),
    "less_than": _bound("lt"),
    "literal_error": lambda err: f"must be one of {_expected(err)}",
    "date_type": lambda err: _DATE,
    "date_parsing": lambda err: _DATE,
    "date_from_datetime_parsing": lambda err: _DATE,
    "date_from_datetime_inexact": lambda err: "give a date without a time of day, e.g. "
    "2026-02-01",
    "dict_type": lambda err: "write a table of names and values, e.g. { A = 0.5, B = 0.5 }",
    "list_type": lambda err: "write a list in square brackets, e.g. [0.25, 0.5, 1.0]",
    "tuple_type": lambda err: "write a list of two numbers [low, high], e.g. [4.0, 6.0]",
    "too_long": lambda err: f"give exactly {err.get('ctx', {}).get('max_length', 2)} values",
    "too_short": lambda err: f"give at least {err.get('ctx', {}).get('min_length', 1)} value(s)",
    "extra_forbidden": lambda err: "is not a setting; check its spelling",
    "model_type": lambda err: "must be a section of settings (a table), not a single value",
    "model_attributes_type": lambda err: "must be a section of settings (a table), not a single "
    "value",
}


def sentence(err: dict[str, Any]) -> tuple[str, str]:
    """A Pydantic error → (dotted key, sentence naming the key, what is wrong and what to do)."""
    loc = tuple(err["loc"])
    key = setting_key(loc)
    kind = err["type"]
    msg = str(err["msg"]).removeprefix("Value error, ")
    # Cross-field validators name their key first: "weights: …" inside the model at ``loc``.
    named = re.match(r"^([a-z_]+(?:\.[a-z_]+)*): (.*)$", msg, re.DOTALL)
    if kind == "value_error" and named:
        key = f"{key}.{named.group(1)}" if key else named.group(1)
        return key, f"{key}: {named.group(2)}"
    key = key or "plan.toml"
    inside = _position(loc)
    if kind == "missing":
        if inside:
            return key, f"{key}: {inside}a value is missing; give the full list"
        return key, f"{key} is required; add it to plan.toml"
    if any(item in UNION_LABELS for item in loc):
        said = "write text in quotes or a list of texts, e.g. segment = \"Enterprise\""
    elif KEY_MARK in loc:
        said = "its keys must be whole numbers (depths: 0 for the root, 1, 2, …)"
        inside = ""
    elif kind == "value_error":
        said = msg
    elif kind in SENTENCES:
        said = SENTENCES[kind](err)
    else:
        said = ("this value cannot be used here; `quotaplan settings` lists what each setting "
                "takes")
    given = err.get("input")
    if KEY_MARK in loc:
        given = loc[loc.index(KEY_MARK) - 1]
    if given is None or (isinstance(given, dict) and kind != "model_type"):
        return key, f"{key}: {inside}{said}"
    shown = show_input(given)
    if kind == "value_error" and (shown in said or str(given) in said):  # quoted already
        return key, f"{key}: {inside}{said}"
    return key, f"{key}: {inside}{said} (got {shown})"
