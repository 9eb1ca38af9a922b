"""Docs from the code: the README's CLI reference and settings table are generated here.

``python -m quotaplan.docs README.md`` rewrites the blocks between the ``<!-- cli-reference -->`` /
``<!-- settings-table -->`` markers and their ``<!-- end … -->`` twins; a test fails when the README
is not current.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from typer.testing import CliRunner

from quotaplan.cli import app
from quotaplan.settings import settings_table

WIDTH = 100


COMMANDS = ("validate", "build", "report", "simulate", "optimize", "explain", "generate", "import",
            "export", "export folder", "export salesforce", "export xlsx", "letters", "demo",
            "settings", "db upgrade", "load", "plans", "scenario fork", "scenario list", "compare",
            "adjust", "override", "topdown", "move", "seller", "submit", "approve", "reject",
            "publish", "changes", "change approve", "change reject", "versions", "published",
            "log", "user add", "user list",
            "user disable", "user grant", "token create")


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(WIDTH),
                                                             "TERM": "dumb", "NO_COLOR": "1"})
    return "\n".join(line.rstrip() for line in result.output.strip().splitlines())


def cli_reference() -> str:
    """Every command's ``--help``, as the README shows it."""
    parts = ["```\n$ quotaplan --help\n" + _help([]) + "\n```"]
    for name in COMMANDS:
        parts.append(f"### `quotaplan {name}`\n\n```\n$ quotaplan {name} --help\n"
                     + _help(name.split()) + "\n```")
    return "\n\n".join(parts)


def settings_markdown() -> str:
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for row in settings_table():
        lines.append(f"| `{row.key}` | `{row.default}` | {row.help.replace('|', '/')} |")
    return "\n".join(lines)


BLOCKS = {"cli-reference": cli_reference, "settings-table": settings_markdown}


def render(text: str) -> str:
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name} -->\n).*?(<!-- end {name} -->)", re.S)
        body = make()

        def fill(match: re.Match[str], body: str = body) -> str:
            return match.group(1) + body + "\n" + match.group(2)

        text = pattern.sub(fill, text)
    return text


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path("README.md")
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
