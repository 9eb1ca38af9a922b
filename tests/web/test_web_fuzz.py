"""The OpenAPI document fuzzed (schemathesis, property-based): every operation, with bodies and
parameters drawn from its schema, signed in with a bearer token as a planner and as a manager. No
answer is a server error, and every error answers the one shape
``{"error": {"code", "message", "field"}}``.

Path parameters are drawn half the time from the plan's real names (so the routes' own rules are
reached, not only the 404 of a name that does not exist). Bounded: a few examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.openapi import from_asgi
from starlette.testclient import TestClient

from quotaplan.demo import demo_plan_path
from quotaplan.store import users
from quotaplan.store.db import Store, open_store, upgrade
from quotaplan.web import create_app
from quotaplan.workspace import Workspace
from web.webteam import PASSWORD, SECRET

REAL = {
    "plan": ["P"],
    "scenario": ["baseline", "draft"],
    "seller_id": ["S01", "S02", "M02", "S30"],
    "territory_id": ["GLOBAL", "RG1", "TR01"],
    "step": ["submit", "approve", "reject", "publish"],
    "name": ["folder", "outputs", "xlsx", "salesforce", "quotas.csv"],
    "number": [1],
    "change_id": [1, 2, 3, 4, 5],
    "decision": ["approve", "reject"],
}
FUZZ_TOKEN: dict[str, str] = {}
EXAMPLES = 20


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'quotaplan.db'}"
    upgrade(url)
    store = open_store(url)
    with store.write() as conn:
        users.add_user(conn, "ada", PASSWORD, actor="ada")
        users.add_user(conn, "pia", PASSWORD, actor="ada")
        users.add_user(conn, "max", PASSWORD, actor="ada")
    Workspace(url, as_user="ada", store=store).load(demo_plan_path(), "P")
    with store.write() as conn:
        users.grant(conn, "pia", "planner", plan="P", actor="ada")
        users.grant(conn, "max", "manager", plan="P", node="RG1", seller="M02", actor="ada")
        FUZZ_TOKEN["pia"] = users.create_token(conn, "pia")
        FUZZ_TOKEN["max"] = users.create_token(conn, "max")
    pia, ada = Workspace(url, as_user="pia", store=store), Workspace(url, as_user="ada", store=store)
    pia.fork("P", "baseline", "draft")  # a draft takes changes; the baseline, published, in-year requests
    pia.transition("P", "baseline", "submit", reason=None)
    ada.transition("P", "baseline", "approve", reason=None)
    pia.transition("P", "baseline", "publish", reason=None)
    pia.request_change("P", "baseline", "adjustment.add", {"seller_id": "S02", "amount": "-100.00"},
                       effective="2027-07-01", reason="a request to decide")
    yield url, store
    store.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_store: tuple[str, Store]) -> Any:
    url, store = fuzz_store
    app = create_app(url, secret=SECRET, store=store)
    with TestClient(app):  # the app's lifespan
        pass
    return from_asgi("/api/v1/openapi.json", app)


def _shape(body: Any) -> None:
    assert isinstance(body, dict), body
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "field"}, body
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["field"] is None or isinstance(error["field"], str)


def _check(case: Any, real: bool, data: Any, who: str) -> None:
    if real and case.path_parameters:
        for key in case.path_parameters:
            if key in REAL:
                case.path_parameters[key] = data.draw(st.sampled_from(REAL[key]))
    response = case.call(headers={"Authorization": f"Bearer {FUZZ_TOKEN[who]}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        media = response.headers.get("content-type") or [""]  # each header's values, as a list
        assert media[0].startswith("application/json"), response.text
        _shape(response.json())


@pytest.mark.parametrize("who", ["pia", "max"])  # a planner; a manager of one region (the policy's rows)
def test_the_api_answers_every_operation_without_a_server_error(api_schema: Any, who: str) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        @given(case=operation.as_strategy(), real=st.booleans(), data=st.data())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: Any, real: bool, data: Any) -> None:
            _check(case, real, data, who)

        fuzz()
