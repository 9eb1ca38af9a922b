"""The exports page and its downloads: who may take which file (404 for what they may not read), and
that each file is what the command line writes (the plan folder builds to the same outputs, the
workbook opens, the Salesforce CSV has its header, letters are PDFs; a seller gets only their own)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from starlette.testclient import TestClient

from quotaplan.interop.salesforce_export import HEADER
from quotaplan.outputs import published_tables
from quotaplan.workspace import Workspace
from web.cycleplan import published_plan
from web.webteam import sign_in

PLAN = "EXP"
BASE = f"/plans/{PLAN}/baseline"
FORECAST_TYPE = "0Db5g000000XyZaCAK"


def _as(make_app: Callable[..., FastAPI], name: str) -> TestClient:
    client = TestClient(make_app())
    assert sign_in(client, name).status_code == 303
    return client


@pytest.fixture(scope="module")
def plan(team_url: str) -> str:
    return published_plan(team_url, PLAN)


def _zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


STATE_FILES = ("/exports", "/exports/plan-folder.zip", "/exports/outputs.zip", "/exports/workbook.xlsx",
               f"/exports/salesforce.csv?forecast_type={FORECAST_TYPE}")


@pytest.mark.parametrize("address", STATE_FILES)
@pytest.mark.parametrize(("who", "status"), [("vera", 200), ("cara", 200), ("mila", 404), ("seth", 404),
                                             ("oli", 404), ("zed", 404)])
def test_who_may_export_the_state(plan: str, make_app: Callable[..., FastAPI], address: str, who: str,
                                  status: int) -> None:
    with _as(make_app, who) as client:
        assert client.get(BASE + address).status_code == status


def test_the_files_are_what_the_commands_write(plan: str, make_app: Callable[..., FastAPI],
                                               team_url: str) -> None:
    with Workspace(team_url, as_user="vera") as vera:
        expected = published_tables(vera.open(plan, "baseline").result)
    with _as(make_app, "vera") as client:
        page = client.get(BASE + "/exports").text
        assert "Every quota letter of version 1" in page
        outputs = _zip(client.get(BASE + "/exports/outputs.zip").content)
        assert {name: outputs[name] for name in expected} == expected
        assert "summary.json" in outputs
        folder = _zip(client.get(BASE + "/exports/plan-folder.zip").content)
        assert "plan.toml" in folder
        assert any(name.startswith("accounts") for name in folder)
        book = load_workbook(io.BytesIO(client.get(BASE + "/exports/workbook.xlsx").content), read_only=True)
        assert "Summary" in book.sheetnames
        assert book.properties.creator == "quotaplan"
        book.close()
        csv = client.get(BASE + f"/exports/salesforce.csv?forecast_type={FORECAST_TYPE}&period=quarter")
        assert csv.text.splitlines()[0] == ",".join(HEADER)
        assert len(csv.text.splitlines()) > 10
        bad = client.get(BASE + "/exports/salesforce.csv?forecast_type=nonsense")
        assert bad.status_code == 422
        assert "is not a Salesforce id" in bad.text


def test_letters_only_to_who_may_read_them(plan: str, make_app: Callable[..., FastAPI]) -> None:
    with _as(make_app, "vera") as vera:
        everyone = _zip(vera.get(f"/plans/{plan}/letters/all.zip").content)
        assert "S01.pdf" in everyone
        assert "S30.pdf" in everyone
    with _as(make_app, "seth") as seth:  # seller S01
        own = _zip(seth.get(f"/plans/{plan}/letters/all.zip").content)
        assert sorted(own) == ["S01.html", "S01.pdf"]
        pdf = seth.get(f"/plans/{plan}/letters/S01.pdf")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")
        assert seth.get(f"/plans/{plan}/letters/S02.pdf").status_code == 404
        assert "/letters/S01.pdf" in seth.get(f"{BASE}/sellers/S01").text
    with _as(make_app, "mila") as manager:  # RG1: S01 and S02, not S30 (EMEA)
        theirs = _zip(manager.get(f"/plans/{plan}/letters/all.zip").content)
        assert "S01.pdf" in theirs
        assert "S30.pdf" not in theirs
    for who in ("oli", "zed"):
        with _as(make_app, who) as client:
            assert client.get(f"/plans/{plan}/letters/all.zip").status_code == 404
            assert client.get(f"/plans/{plan}/letters/S01.pdf").status_code == 404


def test_no_letters_before_publishing(make_app: Callable[..., FastAPI], team_url: str) -> None:
    published_plan(team_url, "EX2", publish=False)
    with _as(make_app, "cara") as client:
        assert "none is published yet" in client.get("/plans/EX2/baseline/exports").text
        assert client.get("/plans/EX2/letters/all.zip").status_code == 404
