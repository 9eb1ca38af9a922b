"""``plan.toml`` as rows of (dotted key, value) and back: the ``plan`` sheet of a workbook.

A section's keys become ``section.key`` rows (``targets.method``); a value that is a table or a
list (``quotas.over_assignment``, ``ramp.profiles``, ``seasonality.weights``) is one cell holding
its TOML text (``{ 1 = 0.03, 3 = 0.05 }``, ``[0.2, 0.23, 0.23, 0.34]``); an array of tables
(``[[strategic_focus]]``) is one row per table, each with the same key. Numbers are read exactly
(``Decimal``) and written without exponent.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
#: Text of a ``plan`` cell read as a TOML value, not as plain text: it opens with one of these …
TOML_OPENERS = ("[", "{", '"')
#: … or is a plain decimal number.
PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


class TomlText(str):
    """A table's or list's value as inline TOML text (not a text value)."""

    __slots__ = ()


def toml_key(key: str) -> str:
    return key if BARE_KEY.match(key) else toml_string(key)


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, but for DEL, which TOML wants escaped)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_decimal(value: Decimal) -> str:
    """A TOML float without exponent (``1E+3`` → ``1000.0``)."""
    text = format(value, "f")
    return text if "." in text else text + ".0"


def toml_value(value: Any) -> str:
    """Any value of a parsed ``plan.toml`` as inline TOML text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return toml_decimal(value)
    if isinstance(value, float):
        return toml_decimal(Decimal(repr(value)))
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(str(k))} = {toml_value(v)}"
                                for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def settings_rows(raw: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """A parsed ``plan.toml`` → (dotted key, value) rows in file order. Values are scalars (text,
    ``Decimal``, ``int``, ``bool``, ``date``) or, for tables and lists, their TOML text."""
    rows: list[tuple[str, Any]] = []
    for name, value in raw.items():
        if isinstance(value, Mapping):
            for key, inner in value.items():
                rows.append((f"{name}.{key}", _cell(inner)))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            rows += [(name, TomlText(toml_value(v))) for v in value]
        else:
            rows.append((name, _cell(value)))
    return rows


def _cell(value: Any) -> Any:
    if isinstance(value, Mapping | list):
        return TomlText(toml_value(value))
    return value


def parse_inline(text: str) -> Any:
    """Inline TOML text (a value) → its value, numbers as ``Decimal``; ``ValueError`` when it is
    not one TOML value."""
    try:
        return tomllib.loads(f"v = {text}", parse_float=Decimal)["v"]
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None


def settings_document(entries: Sequence[tuple[Sequence[str], Any]]) -> str:
    """Dotted keys (split) with their values → a ``plan.toml`` document: one ``[section]`` per
    first key part, after the top-level keys. A key without a dot whose value is a table is one
    table of an array of tables (``[[strategic_focus]]``; give the key once per table).
    ``ValueError`` names a key given twice or one that clashes with another (``a.b`` beside
    ``a.b.c``)."""
    tree: dict[str, Any] = {}
    arrays: dict[str, list[Any]] = {}
    for parts, value in entries:
        dotted = ".".join(parts)
        if len(parts) == 1 and isinstance(value, Mapping):
            arrays.setdefault(parts[0], []).append(value)
            continue
        if len(parts) == 1 and isinstance(value, list) and value and all(
                isinstance(v, Mapping) for v in value):
            arrays.setdefault(parts[0], []).extend(value)
            continue
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"{dotted} clashes with the value given for {part}")
            node = child
        if parts[-1] in node:
            raise ValueError(f"{dotted} is given more than once")
        node[parts[-1]] = value
    for name in arrays:
        if name in tree:
            raise ValueError(f"{name} is given both as a table and as a value")
    top = [(k, v) for k, v in tree.items() if not isinstance(v, dict)]
    top += list(arrays.items())
    sections = [(k, v) for k, v in tree.items() if isinstance(v, dict)]
    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in top]
    for name, body in sections:
        if lines:
            lines.append("")
        lines.append(f"[{toml_key(name)}]")
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


__all__ = ["PLAIN_NUMBER", "TOML_OPENERS", "TomlText", "parse_inline", "settings_document",
           "settings_rows", "toml_value"]
