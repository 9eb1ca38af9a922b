"""Commands on the store: database, users, roles, tokens, and the plans it holds.

Thin: parse, call quotaplan.store.admin (which opens the store, finds the actor and asks the
policy), print. ``db_app``, ``user_app`` and ``token_app`` hold the sub-commands; :mod:`quotaplan.cli`
adds them and ``plans`` to the app, in the order of ``quotaplan --help``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from quotaplan.cli.common import AsOpt, DbOpt, err, guarded, out
from quotaplan.errors import UsageError
from quotaplan.store.policy import Grant


def _sub(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, rich_markup_mode=None)


db_app = _sub("The store's database: bring it to the current schema.")
user_app = _sub("Users of the store and their roles per plan.")
token_app = _sub("API tokens for scripts (shown once, stored hashed).")


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Create or upgrade the store's tables (one transaction). A database of a newer quotaplan is refused."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url, safe_url

    def run() -> None:
        url = resolve_url(db)
        before, after = admin.db_upgrade(url)
        if before == after:
            out.print(f"{safe_url(url)} is at the current schema ({after})", markup=False)
        else:
            out.print(f"Upgraded {safe_url(url)} from {before or 'an empty database'} to schema {after}",
                      markup=False)

    guarded(run)


def _read_password(path: Path) -> str:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--password-file {str(path)!r} cannot be read: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
    return text.removesuffix("\n").removesuffix("\r")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The user's name (what --as and sign-in use).")],
    password_file: Annotated[Path, typer.Option(
        "--password-file", help="A file holding the password (its last line feed is dropped); - reads "
        "standard input. Never on the command line, where other users of the machine can see it.")],
    email: Annotated[str | None, typer.Option(help="The user's e-mail address.")] = None,
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Add a user. The store's first user is its admin; after that, only an admin adds users."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        password = _read_password(password_file)
        user, is_admin = admin.add_user(resolve_url(db), name, password, email=email, as_user=as_user)
        out.print(f"Added user {user.name}" + (" (admin: the store's first user)" if is_admin else ""),
                  markup=False)

    guarded(run)


@user_app.command("list")
def user_list(db: DbOpt = None, as_user: AsOpt = None) -> None:
    """The users, whether they are active, and their roles."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        table = Table(title="Users")
        for column in ("user", "email", "active", "roles"):
            table.add_column(column)
        for user, grants in admin.list_users(resolve_url(db), as_user=as_user):
            roles = "; ".join(_grant_text(g) for g in grants) or "-"
            table.add_row(escape(user.name), escape(user.email or ""), "yes" if user.active else "no",
                          escape(roles))
        out.print(table)

    guarded(run)


def _grant_text(grant: Grant) -> str:
    text = grant.role
    if grant.node:
        text += f" of node {grant.node}"
    if grant.seller:
        text += f" (seller {grant.seller})"
    return text + (f" on plan {grant.plan}" if grant.plan else " of the store")


@user_app.command("disable")
def user_disable(
    name: Annotated[str, typer.Argument(help="The user to disable.")],
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Disable a user: they can no longer sign in or act, their tokens stop working; history stays."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        user = admin.disable_user(resolve_url(db), name, as_user=as_user)
        out.print(f"Disabled {user.name}; their API tokens no longer work", markup=False)

    guarded(run)


@user_app.command("grant")
def user_grant(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="admin | planner | manager | seller | viewer.")],
    plan: Annotated[str | None, typer.Option(help="The plan the role is on (every role but admin).")] = None,
    node: Annotated[str | None, typer.Option(help="A manager's node (territory_id).")] = None,
    seller: Annotated[str | None, typer.Option(
        help="A seller's own seller_id (for a manager: their own seat, whose quota they never change).")
    ] = None,
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Grant a role on a plan (admin: on the whole store). Needs an admin or a planner of that plan."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        grant, added = admin.grant(resolve_url(db), name, role, plan=plan, node=node, seller=seller,
                                   as_user=as_user)
        what = _grant_text(grant)
        out.print(f"Granted {name} {what}" if added else f"{name} is already {what}", markup=False)

    guarded(run)


def plans_cmd(db: DbOpt = None, as_user: AsOpt = None) -> None:
    """The plans in the store that you have a role on."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        stored = admin.list_plans(resolve_url(db), as_user=as_user)
        if not stored:
            out.print("No plans in this store that you have a role on.", markup=False)
            return
        table = Table(title="Plans")
        for column in ("plan", "loaded", "by"):
            table.add_column(column)
        for plan in stored:
            table.add_row(escape(plan.name), plan.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                          escape(plan.created_by))
        out.print(table)

    guarded(run)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Create an API token for a user (themself, or any user for an admin). Printed once: keep it."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        token = admin.create_token(resolve_url(db), name, as_user=as_user)
        print(token)  # alone on standard output, for a script to capture
        err.print(f"This token acts as {escape(name)}. It is shown only now: store it safely.")

    guarded(run)
