"""The exports page and its downloads, each behind the policy.

Of a scenario's state (to who may read the whole scenario): the plan folder (a zip, as ``quotaplan
export folder`` writes it), the build outputs (a zip, as ``quotaplan build`` writes them), the Excel
workbook and the Salesforce ForecastingQuota CSV. Of the plan's published version: the quota letters
(a zip of PDF and HTML), each letter only to who may read that seller (a seller: their own; a
manager: their subtree) at ``/plans/{plan}/letters/all.zip``, and one letter as PDF at
``/plans/{plan}/letters/{seller_id}.pdf``.

Files are made in a temporary folder of the request and sent from memory: nothing of the user's is
written or replaced.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from quotaplan.build import BuildResult
from quotaplan.errors import NotFound, QuotaplanError
from quotaplan.interop import salesforce_export as sf
from quotaplan.interop.xlsx_export import tables_from_result, write_workbook
from quotaplan.letters import Version as LetterVersion
from quotaplan.letters import select_letters, write_letters
from quotaplan.letters.model import letter_sellers
from quotaplan.letters.pdf import letter_fonts, render_pdf
from quotaplan.outputs import output_tables, write_output_table
from quotaplan.store.policy import Actor, Resource, can_read, sees_plan
from quotaplan.store.versions import Version
from quotaplan.web.auth import page_actor
from quotaplan.web.errors import WebError, from_exception
from quotaplan.web.render import page
from quotaplan.web.review import attachment, zipped
from quotaplan.web.scenario import Workbench, check_scenario, open_scenario
from quotaplan.workspace.access import territory_path

router = APIRouter()
PageActor = Annotated[Actor, Depends(page_actor)]
EXPORTS = "/plans/{plan}/{scenario}/exports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bench(request: Request) -> Workbench:
    bench: Workbench = request.app.state.bench
    return bench


def _stem(plan: str, scenario: str) -> str:
    return f"{plan}-{scenario}"


def _render(request: Request, actor: Actor, plan: str, scenario: str, *, status_code: int = 200,
            error: WebError | None = None, forecast_type: str = "", period: str = "") -> HTMLResponse:
    check_scenario(request, actor, plan, scenario)
    opened = open_scenario(request, actor, plan, scenario)
    versions = _bench(request).as_actor(actor).versions(plan)
    return page(request, "exports.html", status_code=status_code, plan=plan, scenario=opened.scenario,
                plan_title=opened.plan.settings.plan.name, latest=versions[-1] if versions else None,
                base=f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}", error=error,
                forecast_type=forecast_type, period=period)


@router.get(EXPORTS, response_class=HTMLResponse, include_in_schema=False)
def exports_page(request: Request, plan: str, scenario: str, actor: PageActor) -> HTMLResponse:
    return _render(request, actor, plan, scenario)


def _result(request: Request, actor: Actor, plan: str, scenario: str) -> BuildResult:
    check_scenario(request, actor, plan, scenario)
    return open_scenario(request, actor, plan, scenario).result


def folder_zip(folder: Path) -> bytes:
    """Every file under ``folder``, by its path inside it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@router.get(EXPORTS + "/plan-folder.zip", include_in_schema=False)
def plan_folder(request: Request, plan: str, scenario: str, actor: PageActor) -> Response:
    check_scenario(request, actor, plan, scenario)
    bench = _bench(request)
    with tempfile.TemporaryDirectory() as tmp, bench.lock:
        out = bench.as_actor(actor).export_folder(plan, scenario, Path(tmp) / "plan")
        data = folder_zip(out)
    return attachment(data, f"{_stem(plan, scenario)}-plan.zip", "application/zip")


@router.get(EXPORTS + "/outputs.zip", include_in_schema=False)
def outputs(request: Request, plan: str, scenario: str, actor: PageActor) -> Response:
    result = _result(request, actor, plan, scenario)
    tables: dict[str, bytes] = {}
    for name in (*output_tables(result), "summary.json"):
        buffer = io.BytesIO()
        write_output_table(result, name, buffer)
        tables[name] = buffer.getvalue()
    return attachment(zipped(tables), f"{_stem(plan, scenario)}-outputs.zip", "application/zip")


@router.get(EXPORTS + "/workbook.xlsx", include_in_schema=False)
def workbook(request: Request, plan: str, scenario: str, actor: PageActor) -> Response:
    result = _result(request, actor, plan, scenario)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "workbook.xlsx"
        write_workbook(tables_from_result(result), path)
        data = path.read_bytes()
    return attachment(data, f"{_stem(plan, scenario)}.xlsx", XLSX)


@router.get(EXPORTS + "/salesforce.csv", include_in_schema=False)
def salesforce(request: Request, plan: str, scenario: str, actor: PageActor, forecast_type: str = "",
               period: str = "") -> Response:
    result = _result(request, actor, plan, scenario)
    try:
        options = sf.ExportOptions.parse(forecast_type[:40], period or None, None, None)
    except QuotaplanError as exc:
        error = from_exception(exc)
        return _render(request, actor, plan, scenario, status_code=422,
                       error=WebError(422, error.message.replace("--forecast-type", "the forecast type")
                                      .replace("--period", "the period"), field="forecast_type"),
                       forecast_type=forecast_type[:40], period=period[:10])
    rows = sf.forecasting_quotas(sf.from_build(result), options)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "quotas.csv"
        sf.write_rows(rows, path)
        data = path.read_bytes()
    return attachment(data, f"{_stem(plan, scenario)}-ForecastingQuota.csv", "text/csv; charset=utf-8")


def _published(request: Request, actor: Actor, plan: str) -> tuple[Version, BuildResult]:
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    bench = _bench(request)
    workspace = bench.as_actor(actor)
    if not workspace.versions(plan):
        raise NotFound("published version of plan", plan,
                       "a quota letter is always of a published version: publish the plan first")
    with bench.lock:
        return workspace.version_result(plan)


def readable_letters(actor: Actor, plan: str, result: BuildResult) -> list[str]:
    """The sellers with a letter whose figures the actor may read (asked once per seller)."""
    ids = sorted(letter_sellers(result))
    if can_read(actor, Resource("scenario", plan, status="published")):
        return ids
    where = dict(result.plan.sellers.select("seller_id", "territory_id").iter_rows())
    return [s for s in ids if can_read(actor, Resource(
        "seller", plan, territory_path(result.plan, where.get(s)), seller=s, status="published"))]


def _letter_version(found: Version, result: BuildResult) -> LetterVersion:
    return LetterVersion(f"version {found.number}",
                         found.effective or result.plan.settings.plan.fiscal_year_start)


@router.get("/plans/{plan}/letters/all.zip", include_in_schema=False)
def letters_zip(request: Request, plan: str, actor: PageActor) -> Response:
    found, result = _published(request, actor, plan)
    allowed = readable_letters(actor, plan, result)
    if not allowed:
        raise NotFound("quota letters of plan", plan)
    version = _letter_version(found, result)
    chosen = [letter for letter in select_letters(result, version) if letter.seller_id in set(allowed)]
    with tempfile.TemporaryDirectory() as tmp:
        write_letters(chosen, Path(tmp))
        data = folder_zip(Path(tmp))
    return attachment(data, f"{plan}-v{found.number}-letters.zip", "application/zip")


@router.get("/plans/{plan}/letters/{seller_id}.pdf", include_in_schema=False)
def letter_pdf(request: Request, plan: str, seller_id: str, actor: PageActor) -> Response:
    found, result = _published(request, actor, plan)
    if seller_id not in readable_letters(actor, plan, result):
        raise NotFound("quota letter of seller", seller_id)
    letter = select_letters(result, _letter_version(found, result), seller_id)
    with letter_fonts() as fonts:
        data = render_pdf(letter[0], fonts)
    return attachment(data, f"{plan}-v{found.number}-{seller_id}.pdf", "application/pdf")


def letter_address(request: Request, actor: Actor, plan: str, seller_id: str) -> str | None:
    """Where the seller's quota letter is, once the plan has a published version (the letter itself
    is checked again when asked for)."""
    if not _bench(request).as_actor(actor).versions(plan):
        return None
    return f"/plans/{quote(plan, safe='')}/letters/{quote(seller_id, safe='')}.pdf"
