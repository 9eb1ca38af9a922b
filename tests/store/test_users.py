"""Users, grants and tokens in the store: hashed, never kept as text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quotaplan.errors import NotFound, UsageError
from quotaplan.store import plans, users
from quotaplan.store import schema as t
from quotaplan.store.db import Store
from quotaplan.store.policy import Grant

PASSWORD = "correct horse battery"


@pytest.fixture
def team(store: Store) -> Store:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\n"}, actor="root")
        users.add_user(conn, "ana", PASSWORD, email="ana@example.com", actor="root")
        users.add_user(conn, "ben", "ben's own secret", actor="ana")
    return store


def test_the_first_user_is_admin_and_the_next_are_not(team: Store) -> None:
    with team.read() as conn:
        listed = {u.name: (u.email, u.active, g) for u, g in users.list_users(conn)}
    assert listed == {"ana": ("ana@example.com", True, [Grant("admin")]), "ben": (None, True, [])}


def test_passwords_are_argon2_hashes_and_verify(team: Store) -> None:
    with team.read() as conn:
        stored = conn.scalar(select(t.users.c.password_hash).where(t.users.c.name == "ana"))
        assert stored is not None
        assert stored.startswith("$argon2id$")
        assert PASSWORD not in stored
    with team.write() as conn:
        verified = users.verify_password(conn, "ana", PASSWORD)
        assert verified is not None
        assert verified.name == "ana"
        assert users.verify_password(conn, "ana", "wrong password") is None
        assert users.verify_password(conn, "nobody", PASSWORD) is None


def test_a_disabled_user_cannot_sign_in_and_loses_their_tokens(team: Store) -> None:
    with team.write() as conn:
        token = users.create_token(conn, "ben")
        user = users.user_for_token(conn, token)
        assert user is not None
        assert user.name == "ben"
        users.disable_user(conn, "ben")
        assert users.user_for_token(conn, token) is None
        assert users.verify_password(conn, "ben", "ben's own secret") is None
        with pytest.raises(UsageError, match="disabled"):
            users.create_token(conn, "ben")


def test_tokens_are_shown_once_and_stored_as_a_hash(team: Store) -> None:
    with team.write() as conn:
        token = users.create_token(conn, "ana")
        other = users.create_token(conn, "ana")
        hashes = list(conn.scalars(select(t.tokens.c.token_hash)))
        assert token != other
        assert token.startswith("qp_")
        assert len(token) > 40
        assert token not in hashes
        assert other not in hashes
        assert len(hashes) == 2
        assert users.user_for_token(conn, token + "x") is None


def test_grants_are_per_plan_and_not_repeated(team: Store) -> None:
    with team.write() as conn:
        first = users.grant(conn, "ben", "manager", plan="FY27", node="WEST", seller="S10", actor="ana")
        again = users.grant(conn, "ben", "manager", plan="FY27", node="WEST", seller="S10", actor="ana")
        users.grant(conn, "ben", "viewer", plan="FY27", actor="ana")
        actor = users.actor_for(conn, "ben")
    assert first == (Grant("manager", "FY27", "WEST", "S10"), True)
    assert again[1] is False
    assert actor.grants == (Grant("manager", "FY27", "WEST", "S10"), Grant("viewer", "FY27"))


@pytest.mark.parametrize(("role", "options", "message"), [
    ("boss", {"plan": "FY27"}, "role 'boss' is not one of admin, planner, manager, seller, viewer"),
    ("planner", {}, "pass --plan PLAN"),
    ("manager", {"plan": "FY27"}, "pass --node TERRITORY_ID"),
    ("seller", {"plan": "FY27"}, "pass --seller SELLER_ID"),
    ("viewer", {"plan": "FY27", "node": "WEST"}, "--node is for the manager role"),
    ("planner", {"plan": "FY27", "seller": "S1"}, "--seller is for the seller and manager roles"),
    ("admin", {"plan": "FY27"}, "admin is granted on the whole store"),
])
def test_a_grant_whose_options_do_not_fit_the_role_is_a_usage_error(
        team: Store, role: str, options: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message), team.write() as conn:
        users.grant(conn, "ben", role, actor="ana", **options)


def test_granting_on_a_plan_or_to_a_user_that_does_not_exist_names_it(team: Store) -> None:
    with pytest.raises(NotFound, match="plan 'FY99' does not exist"), team.write() as conn:
        users.grant(conn, "ben", "viewer", plan="FY99", actor="ana")
    with pytest.raises(NotFound, match="user 'zoe' does not exist"), team.write() as conn:
        users.grant(conn, "zoe", "viewer", plan="FY27", actor="ana")


@pytest.mark.parametrize(("name", "password", "message"), [
    ("ana", "another password", "exists already"),
    ("cy", "short", "shorter than 8 characters"),
    (" cy", "long enough pw", "without leading or trailing spaces"),
])
def test_adding_a_user_refuses_what_cannot_be_right(team: Store, name: str, password: str,
                                                    message: str) -> None:
    with pytest.raises(UsageError, match=message), team.write() as conn:
        users.add_user(conn, name, password, actor="ana")
