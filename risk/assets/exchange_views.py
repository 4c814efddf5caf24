"""Import (with preview) and export of the asset register: JSON API and pages."""

import os
import re
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from isms.database import SessionDep
from isms.errors import InvalidInput
from isms.i18n import translate
from isms.identity.deps import department_scope
from isms.web.forms import FormData, read_form
from isms.web.render import render, request_language
from risk.assets import exchange
from risk.assets.deps import AssetReader, StructureAnalyst, UiAssetReader, UiStructureAnalyst
from risk.assets.tabular import COLUMNS, write_csv, write_xlsx

api = APIRouter(prefix="/api/v1/assets", tags=["assets"])
pages = APIRouter(prefix="/assets", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class ImportProblem(BaseModel):
    row: int
    column: str
    message: str


class ImportResult(BaseModel):
    ok: bool
    applied: bool
    creates: list[str]
    updates: list[str]
    errors: list[ImportProblem]


def _column(language: str, column: str) -> str:
    """Database checks name a column by key; show it as the header text."""
    return translate(language, f"asset.column.{column}") if column in COLUMNS else column


def _result(request: Request, result: exchange.ImportPreview, *, applied: bool) -> ImportResult:
    language = request_language(request)
    return ImportResult(
        ok=result.ok,
        applied=applied,
        creates=result.creates,
        updates=result.updates,
        errors=[
            ImportProblem(
                row=e.row,
                column=_column(language, e.column),
                message=translate(language, e.message_key, **e.params),
            )
            for e in result.errors
        ],
    )


def _export(session: Any, user: Any, fmt: str, language: str) -> Response:
    rows = exchange.export_rows(session, scope=department_scope(user))
    if fmt == "xlsx":
        return Response(
            write_xlsx(rows, language=language),
            media_type=XLSX,
            headers={"content-disposition": 'attachment; filename="zielobjekte.xlsx"'},
        )
    return Response(
        write_csv(rows, language=language),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="zielobjekte.csv"'},
    )


@api.get("/export", summary="Export the register as CSV (German Excel) or XLSX")
def export_api(
    request: Request,
    session: SessionDep,
    user: AssetReader,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
) -> Response:
    return _export(session, user, format, request_language(request))


@api.post(
    "/import", response_model=ImportResult, summary="Import assets and dependencies (CSV/XLSX)"
)
def import_api(
    request: Request,
    session: SessionDep,
    _: StructureAnalyst,
    file: Annotated[UploadFile, File(description="CSV or XLSX")],
    dry_run: Annotated[bool, Query(description="Only check and preview")] = True,
) -> Response:
    data = file.file.read(exchange.MAX_IMPORT_BYTES + 1)
    result = exchange.preview(session, data=data, filename=file.filename or "")
    if not dry_run and result.ok:
        exchange.apply(session, data=data, filename=file.filename or "")
    status = 200 if result.ok else 400
    body = _result(request, result, applied=not dry_run and result.ok)
    return JSONResponse(body.model_dump(), status_code=status)


@pages.get("/export.csv")
def export_csv(request: Request, session: SessionDep, user: UiAssetReader) -> Response:
    return _export(session, user, "csv", request_language(request))


@pages.get("/export.xlsx")
def export_xlsx(request: Request, session: SessionDep, user: UiAssetReader) -> Response:
    return _export(session, user, "xlsx", request_language(request))


def _upload_dir(request: Request) -> Path:
    path = Path(request.app.state.settings.data_dir) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@pages.get("/import")
def import_page(request: Request, _: UiStructureAnalyst) -> Response:
    return render(request, "assets/import.html", {"preview": None, "token": None})


@pages.post("/import")
def import_preview(
    request: Request,
    session: SessionDep,
    _: UiStructureAnalyst,
    file: Annotated[UploadFile, File()],
    _form: Annotated[FormData, Depends(read_form)],
) -> Response:
    data = file.file.read(exchange.MAX_IMPORT_BYTES + 1)
    result = exchange.preview(session, data=data, filename=file.filename or "")
    token = None
    if result.ok:
        token = secrets.token_urlsafe(24)
        path = _upload_dir(request) / token
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    return render(
        request,
        "assets/import.html",
        {
            "preview": _result(request, result, applied=False),
            "token": token,
            "filename": file.filename,
        },
        status_code=200 if result.ok else 400,
    )


@pages.post("/import/confirm")
def import_confirm(
    request: Request,
    session: SessionDep,
    _: UiStructureAnalyst,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    token = str(form.get("token") or "")
    path = _upload_dir(request) / token
    if not TOKEN.match(token) or not path.is_file():
        raise InvalidInput("error.import.expired")
    data = path.read_bytes()
    result = exchange.apply(session, data=data, filename="")
    path.unlink(missing_ok=True)
    return RedirectResponse(f"/assets?imported={len(result.rows)}", status_code=303)
