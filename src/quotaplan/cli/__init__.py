"""The ``quotaplan`` command: parse → call the library → render.

One module per family of commands; this one puts them on the app, in the order ``quotaplan --help``
and the README's CLI reference list them, and holds :func:`main`, the entry point.

- :mod:`quotaplan.cli.common`: the app, consoles, exit codes (:func:`exit_code`, the one mapping
  from errors to exit codes), shared options and the read/build helpers.
- :mod:`quotaplan.cli.folder`: validate, build, report, explain, generate, import, demo, settings.
- :mod:`quotaplan.cli.interop`: export salesforce, export xlsx, letters.
- :mod:`quotaplan.cli.analysis`: simulate, optimize.
- :mod:`quotaplan.cli.admin`: db upgrade, user add/list/disable/grant, token create, plans.
- :mod:`quotaplan.cli.store`: load, scenario fork/list, compare, adjust, override, topdown, move,
  seller, log.
- :mod:`quotaplan.cli.cycle`: submit, approve, reject, publish, changes, change approve/reject,
  versions, published.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from rich.markup import escape

from quotaplan.cli import admin, analysis, cycle, folder, interop, store
from quotaplan.cli.common import (
    EXIT_BUG,
    EXIT_OK,
    EXIT_PLAN,
    EXIT_USAGE,
    _build,
    _load,
    app,
    err,
    exit_code,
    fail,
    guarded,
    out,
    print_problems,
    step,
)

__all__ = ["EXIT_BUG", "EXIT_OK", "EXIT_PLAN", "EXIT_USAGE", "_build", "_load", "app", "err",
           "exit_code", "fail", "guarded", "main", "out", "print_problems", "step"]

# Commands in the order of `quotaplan --help`, then the groups of sub-commands.
app.command()(folder.validate)
app.command("build")(folder.build_cmd)
app.command()(folder.report)
app.command()(analysis.simulate)
app.command()(folder.explain)
app.command()(folder.generate)
app.command("import")(folder.import_cmd)
app.command()(interop.letters)
app.command()(folder.demo)
app.command()(folder.settings)
app.command("plans")(admin.plans_cmd)
app.command()(analysis.optimize)
app.command()(store.load)
app.add_typer(store.scenario_app, name="scenario")
app.command()(store.compare)
app.command()(store.adjust)
app.command()(store.override)
app.command()(store.topdown)
app.command()(store.move)
app.command()(store.seller)
app.command()(cycle.submit)
app.command()(cycle.approve)
app.command()(cycle.reject)
app.command()(cycle.publish)
app.command("changes")(cycle.changes_cmd)
app.add_typer(cycle.change_app, name="change")
app.command("versions")(cycle.versions_cmd)
app.command()(cycle.published)
app.command()(store.log)
app.add_typer(interop.export_app, name="export")
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.token_app, name="token")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: never a traceback for user errors; a short note for bugs."""
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug in quotaplan, not in the plan
        if os.environ.get("QUOTAPLAN_DEBUG"):
            raise
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
                  "This is a bug in quotaplan, not in your plan. Set QUOTAPLAN_DEBUG=1 to see the "
                  "traceback and report it.")
        sys.exit(EXIT_BUG)

