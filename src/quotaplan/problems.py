"""Problems in a user's plan: returned as data, never raised.

A :class:`Problem` names where it is (file, line, column or key) and says in a plain sentence what is
wrong and what to do. Checks return lists of them; the CLI renders them; the web API will serialise
them. ``line`` is the physical line of the file, the header being line 1; for ``plan.toml`` the
``column`` holds the dotted key and ``line`` is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (error) or worth a look (warning) in a plan."""

    file: str
    line: int | None
    column: str | None
    message: str
    severity: Severity = "error"
    code: str = "invalid"

    def location(self) -> str:
        """``accounts.csv:12 (territory_id)`` or ``plan.toml (targets.method)``."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f" ({self.column})"
        return where

    def render(self) -> str:
        return f"{self.location()}: {self.severity}: {self.message}"


def error(file: str, line: int | None, column: str | None, message: str, code: str) -> Problem:
    return Problem(file, line, column, message, "error", code)


def warning(file: str, line: int | None, column: str | None, message: str, code: str) -> Problem:
    return Problem(file, line, column, message, "warning", code)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def sort_key(problem: Problem) -> tuple[int, str, int, str, str]:
    """Errors first, then by file, line and column, for stable reports."""
    return (
        0 if problem.severity == "error" else 1,
        problem.file,
        problem.line if problem.line is not None else 0,
        problem.column or "",
        problem.message,
    )
