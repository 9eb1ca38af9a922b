"""The store's command line: db upgrade, users, grants, tokens, plans — exit codes and messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

from quotaplan.cli import app
from quotaplan.store import plans, users
from quotaplan.store.db import head_revision, make_engine, open_store

runner = CliRunner()
PASSWORD = "correct horse battery"


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def os_user(monkeypatch: pytest.MonkeyPatch) -> str:
    """The OS account the command line runs as (getpass reads LOGNAME first)."""
    monkeypatch.setenv("LOGNAME", "localops")
    return "localops"


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


@pytest.fixture
def team(db_url: str, password_file: Path, os_user: str) -> str:
    """A store with plan FY27, admin ana (the first user) and ben, planner of FY27."""
    assert run("db", "upgrade", "--db", db_url)[0] == 0
    store = open_store(db_url)
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\n"}, actor=os_user)
        plans.add_plan(conn, "FY28", {"plan.toml": b"[plan]\n"}, actor=os_user)
    store.close()
    assert run("user", "add", "ana", "--password-file", str(password_file), "--db", db_url)[0] == 0
    for args in (["user", "add", "ben", "--password-file", str(password_file)],
                 ["user", "add", "cy", "--password-file", str(password_file)],
                 ["user", "grant", "ben", "planner", "--plan", "FY27"]):
        code, output = run(*args, "--db", db_url, "--as", "ana")
        assert code == 0, output
    return db_url


def test_db_upgrade_creates_the_schema_then_says_it_is_current(db_url: str) -> None:
    code, output = run("db", "upgrade", "--db", db_url)
    assert code == 0
    head = head_revision()
    assert f"from an empty database to schema {head}" in output
    code, output = run("db", "upgrade", "--db", db_url)
    assert (code, f"is at the current schema ({head})" in output) == (0, True)


def test_the_database_comes_from_quotaplan_db_when_no_option_is_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("QUOTAPLAN_DB", url)
    assert run("db", "upgrade")[0] == 0
    assert (tmp_path / "team.db").exists()


def test_a_store_never_upgraded_says_to_run_db_upgrade(db_url: str, os_user: str) -> None:
    code, output = run("user", "list", "--db", db_url)
    assert code == 1
    assert "run `quotaplan db upgrade` (with the same --db) first" in output


def test_a_database_of_a_newer_quotaplan_is_refused(db_url: str, os_user: str) -> None:
    assert run("db", "upgrade", "--db", db_url)[0] == 0
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'a1b2c3'"))
    engine.dispose()
    for args in (["db", "upgrade"], ["user", "list"]):
        code, output = run(*args, "--db", db_url)
        assert code == 1
        assert "written by a newer quotaplan" in output


def test_the_first_user_is_admin_and_the_os_user_may_set_up_only_an_empty_store(
        team: str, password_file: Path) -> None:
    code, output = run("user", "list", "--db", team, "--as", "ana")
    assert code == 0
    assert "admin of the store" in output
    assert "planner on plan FY27" in output
    code, output = run("user", "add", "dee", "--password-file", str(password_file), "--db", team)
    assert code == 1
    assert "user 'localops' does not exist; pass --as USER" in output


def test_the_first_user_is_announced_as_admin(db_url: str, password_file: Path, os_user: str) -> None:
    run("db", "upgrade", "--db", db_url)
    code, output = run("user", "add", "ana", "--password-file", str(password_file), "--db", db_url)
    assert (code, output.strip()) == (0, "Added user ana (admin: the store's first user)")
    code, output = run("user", "add", "ben", "--password-file", "-", "--db", db_url, "--as", "ana",
                       stdin=PASSWORD + "\n")
    assert (code, output.strip()) == (0, "Added user ben")


def test_a_planner_grants_roles_on_their_plan_only(team: str) -> None:
    code, output = run("user", "grant", "cy", "manager", "--plan", "FY27", "--node", "WEST",
                       "--seller", "M1", "--db", team, "--as", "ben")
    assert (code, output.strip()) == (0, "Granted cy manager of node WEST (seller M1) on plan FY27")
    code, output = run("user", "grant", "cy", "manager", "--plan", "FY27", "--node", "WEST",
                       "--seller", "M1", "--db", team, "--as", "ben")
    assert (code, "cy is already manager of node WEST" in output) == (0, True)
    code, output = run("user", "grant", "cy", "viewer", "--plan", "FY28", "--db", team, "--as", "ben")
    assert (code, output.strip()) == (1, "error: plan 'FY28' does not exist")  # not revealed to ben
    code, output = run("user", "grant", "cy", "admin", "--db", team, "--as", "ben")
    assert code == 1
    assert "ben may not grant admin (the store): only an admin may grant admin" in output


def test_a_manager_cannot_grant(team: str) -> None:
    assert run("user", "grant", "cy", "viewer", "--plan", "FY27", "--db", team, "--as", "ana")[0] == 0
    code, output = run("user", "grant", "ben", "viewer", "--plan", "FY27", "--db", team, "--as", "cy")
    assert code == 1
    assert "cy is viewer on plan FY27: that role may not grant" in output


@pytest.mark.parametrize(("args", "code", "message"), [
    (["user", "grant", "zoe", "viewer", "--plan", "FY27"], 1, "user 'zoe' does not exist"),
    (["user", "grant", "cy", "viewer", "--plan", "FY99"], 1, "plan 'FY99' does not exist"),
    (["user", "grant", "cy", "boss", "--plan", "FY27"], 2, "role 'boss' is not one of"),
    (["user", "grant", "cy", "manager", "--plan", "FY27"], 2, "pass --node TERRITORY_ID"),
    (["user", "disable", "zoe"], 1, "user 'zoe' does not exist"),
    (["token", "create", "zoe"], 1, "user 'zoe' does not exist"),
    (["user", "add", "cy", "--password-file", "/nonexistent/pw"], 2,
     "--password-file '/nonexistent/pw' cannot"),
    (["user", "list", "--db", "mysql://h/db"], 2, "SQLite or PostgreSQL only"),
    (["user", "grant", "cy"], 2, "Missing argument"),
])
def test_errors_name_what_does_not_exist_and_usage_errors_exit_2(
        team: str, args: list[str], code: int, message: str) -> None:
    db = [] if "--db" in args else ["--db", team]
    got, output = run(*args, *db, "--as", "ana")
    assert got == code, output
    assert message in output


def test_a_token_is_printed_once_and_stored_only_as_a_hash(team: str) -> None:
    result = runner.invoke(app, ["token", "create", "ben", "--db", team, "--as", "ben"])
    assert result.exit_code == 0
    token = result.stdout.strip()  # alone on standard output; the note goes to standard error
    assert "shown only now" in result.stderr
    store = open_store(team)
    with store.write() as conn:
        user = users.user_for_token(conn, token)
        assert user is not None
        assert user.name == "ben"
        dumped = [str(row) for table in ("tokens", "users", "events")
                  for row in conn.execute(text(f"SELECT * FROM {table}"))]
    store.close()
    assert not any(token in row or PASSWORD in row for row in dumped)
    code, output = run("token", "create", "ana", "--db", team, "--as", "ben")  # a planner sees users
    assert (code, "only the user themself or an admin may create their token" in output) == (1, True)
    code, output = run("token", "create", "ana", "--db", team, "--as", "cy")  # cy sees nobody
    assert (code, output.strip()) == (1, "error: user 'ana' does not exist")


def test_a_disabled_user_can_no_longer_act_and_their_token_stops_working(team: str) -> None:
    result = runner.invoke(app, ["token", "create", "ben", "--db", team, "--as", "ben"])
    assert result.exit_code == 0
    token = result.stdout.strip()
    code, output = run("user", "disable", "ben", "--db", team, "--as", "ana")
    assert (code, output.strip()) == (0, "Disabled ben; their API tokens no longer work")
    code, output = run("user", "grant", "cy", "viewer", "--plan", "FY27", "--db", team, "--as", "ben")
    assert (code, "user ben is disabled" in output) == (1, True)
    store = open_store(team)
    with store.read() as conn:
        assert users.user_for_token(conn, token) is None
    store.close()
    code, output = run("user", "list", "--db", team, "--as", "ana")
    assert "│ ben  │" in output
    assert "│ no " in output


def test_plans_lists_only_the_plans_the_actor_has_a_role_on(team: str) -> None:
    code, output = run("plans", "--db", team, "--as", "ana")
    assert code == 0
    assert "FY27" in output
    assert "FY28" in output
    code, output = run("plans", "--db", team, "--as", "ben")
    assert "FY27" in output
    assert "FY28" not in output
    code, output = run("plans", "--db", team, "--as", "cy")
    assert (code, output.strip()) == (0, "No plans in this store that you have a role on.")


def test_every_store_command_is_in_the_readme_reference() -> None:
    import typer

    from quotaplan.docs import COMMANDS

    def leaves(group: Any, prefix: str = "") -> list[str]:
        found = []
        for name, command in group.commands.items():
            if hasattr(command, "commands"):  # a group of commands (db, user, token)
                found += leaves(command, f"{prefix}{name} ")
            else:
                found.append(prefix + name)
        return found

    commands = leaves(typer.main.get_command(app))
    assert {"db upgrade", "user add", "user list", "user disable", "user grant", "token create",
            "plans"} <= set(commands)
    assert sorted(set(commands) - set(COMMANDS)) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=250), plan=st.text(max_size=250), node=st.text(max_size=30),
       email=st.text(max_size=40))
def test_no_name_or_option_text_makes_a_store_command_fail_as_a_bug(
        team: str, password_file: Path, name: str, plan: str, node: str, email: str) -> None:
    if any(s.startswith("-") for s in (name, plan, node, email)):
        return  # an option-looking argument is the command line's business, tested elsewhere
    for args in (["user", "add", name, "--password-file", str(password_file), "--email", email],
                 ["user", "grant", name, "manager", "--plan", plan, "--node", node],
                 ["user", "disable", name], ["token", "create", name], ["plans"]):
        result = runner.invoke(app, [*args, "--db", team, "--as", "ana"])
        assert result.exit_code in (0, 1, 2), (args, result.output, result.exception)
        assert "internal error" not in result.output


def test_exit_codes_of_the_store_errors() -> None:
    from quotaplan.cli import exit_code
    from quotaplan.errors import Conflict, Forbidden, NotFound, StoreError, UsageError

    assert exit_code(NotFound("plan", "FY27")) == 1
    assert exit_code(Forbidden("ben", "grant", "viewer")) == 1
    assert exit_code(Conflict("baseline", 3, [(4, "2026-03-02 10:15:00 UTC", "ben", "adjustment.add",
                                               "seller S1")])) == 1
    assert exit_code(StoreError("run `quotaplan db upgrade`")) == 1
    assert exit_code(UsageError("--db")) == 2
