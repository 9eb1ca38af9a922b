"""The API's exports of a scenario's head, as files to download (whole-scenario readers only).

``GET …/scenarios/{scenario}/exports`` lists them; ``…/exports/{name}`` answers one:

| name | what | as |
|---|---|---|
| ``folder`` | the plan folder of the state (it builds to these figures) | zip |
| ``outputs`` | the build's output files (``quotaplan build --out``) | zip |
| ``xlsx`` | the Excel workbook (``quotaplan export xlsx``) | xlsx |
| ``salesforce`` | ForecastingQuota rows for Data Loader (``forecast_type`` required) | csv |
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from quotaplan.outputs import output_tables, write_output_table
from quotaplan.store.policy import Actor
from quotaplan.web.api import ERRORS
from quotaplan.web.api_rows import attachment
from quotaplan.web.auth import api_actor
from quotaplan.web.errors import WebError
from quotaplan.web.scenario import Workbench, check_scenario, open_scenario

ActorDep = Annotated[Actor, Depends(api_actor)]
router = APIRouter(responses=ERRORS, tags=["exports"])
ExportName = Literal["folder", "outputs", "xlsx", "salesforce"]
EXPORTS: dict[str, tuple[str, str, str]] = {
    # name: (what, file suffix, media type)
    "folder": ("the plan folder of the scenario's head (zip)", "zip", "application/zip"),
    "outputs": ("the build's output files (zip)", "zip", "application/zip"),
    "xlsx": ("the Excel workbook: summary, sellers, periods, accounts, roll-up, ledger", "xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "salesforce": ("ForecastingQuota rows for Data Loader (give forecast_type)", "csv",
                   "text/csv; charset=utf-8"),
}


class ExportOut(BaseModel):
    name: str
    what: str
    address: str = Field(description="GET it to download")


class ExportsOut(BaseModel):
    plan: str
    scenario: str
    exports: list[ExportOut]


@router.get("/plans/{plan}/scenarios/{scenario}/exports", response_model=ExportsOut)
def exports(plan: str, scenario: str, actor: ActorDep, request: Request) -> ExportsOut:
    """The files a scenario can be downloaded as."""
    check_scenario(request, actor, plan, scenario)
    base = f"{request.scope.get('root_path', '')}/plans/{plan}/scenarios/{scenario}/exports"
    return ExportsOut(plan=plan, scenario=scenario, exports=[
        ExportOut(name=name, what=what, address=f"{base}/{name}")
        for name, (what, _s, _m) in EXPORTS.items()])


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@router.get("/plans/{plan}/scenarios/{scenario}/exports/{name}", response_class=Response,
            responses={200: {"content": {m: {} for _w, _s, m in EXPORTS.values()},
                             "description": "the file"}})
def export(plan: str, scenario: str, name: ExportName, actor: ActorDep, request: Request,
           forecast_type: Annotated[str | None, Query(max_length=18)] = None,
           period: Annotated[Literal["month", "quarter"] | None, Query()] = None) -> Response:
    """Download one export of the scenario's head (see ``…/exports``)."""
    check_scenario(request, actor, plan, scenario)
    bench: Workbench = request.app.state.bench
    opened = open_scenario(request, actor, plan, scenario)
    with tempfile.TemporaryDirectory(prefix="quotaplan-export-") as tmp:
        folder = Path(tmp)
        if name == "folder":
            with bench.lock:
                bench.as_actor(actor).export_folder(plan, scenario, folder / "plan", as_of=opened.seq)
            data = _zip(folder / "plan")
        elif name == "outputs":
            (folder / "out").mkdir()
            for file in (*output_tables(opened.result), "summary.json"):
                write_output_table(opened.result, file, folder / "out" / file)
            data = _zip(folder / "out")
        elif name == "xlsx":
            from quotaplan.interop.xlsx_export import tables_from_result, write_workbook

            write_workbook(tables_from_result(opened.result), folder / "plan.xlsx")
            data = (folder / "plan.xlsx").read_bytes()
        else:
            from quotaplan.interop import salesforce_export as sf

            if not forecast_type:
                raise WebError(422, "forecast_type: give the ForecastingType Id the quotas belong to",
                               field="forecast_type")
            options = sf.ExportOptions.parse(forecast_type, period, None, None)
            sf.write_rows(sf.forecasting_quotas(sf.from_build(opened.result), options),
                          folder / "quotas.csv")
            data = (folder / "quotas.csv").read_bytes()
    _what, suffix, media = EXPORTS[name]
    filename = f"{plan}-{scenario}-{opened.seq}{'-' + name if name != 'xlsx' else ''}.{suffix}"
    return Response(data, media_type=media, headers=attachment(filename))
