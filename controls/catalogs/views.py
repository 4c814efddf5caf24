"""Pages of the control catalogs: imported versions, import, migration, browsing, one control."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from controls.catalogs import oscal, service
from controls.catalogs.models import Catalog
from controls.check import migration, modelling
from controls.deps import UiCatalogManager, UiCatalogReader
from controls.evidence.routes import FileParts
from controls.evidence.storage import sanitise_name
from isms.database import SessionDep
from isms.errors import DomainError
from isms.identity.models import Role, User
from isms.pagination import PageParams
from isms.web.forms import FormData, FormErrors, read_form
from isms.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
Text = Annotated[str | None, Query(max_length=100)]
MODAL_VERBS = ("MUSS", "SOLLTE", "KANN")
# sec_level as the BSI writes it -> message key of its label
SEC_LEVELS = {
    "normal-SdT": "catalogs.sec_level.normal",
    modelling.RAISED: "catalogs.sec_level.raised",
}


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _states(catalogs: list[Catalog]) -> dict[int, str]:
    """Catalog id -> active | newer (imported after the active one) | older."""
    active = {c.family: c.id or 0 for c in catalogs if c.active}
    return {
        c.id or 0: "active"
        if c.active
        else ("newer" if (c.id or 0) > active.get(c.family, 0) else "older")
        for c in catalogs
    }


def _notice(request: Request, catalogs: list[Catalog], collections: list[Any]) -> dict[str, Any]:
    """What the redirect after an import, a migration or a modelling switch reports."""
    params = request.query_params
    if params.get("imported"):
        wanted = _number(params.get("imported"))
        pool = collections if params.get("kind") == "mapping" else catalogs
        item = next((x for x in pool if x.id == wanted), None)
        if item is not None:
            return {
                "key": "catalogs.unchanged" if params.get("unchanged") else "catalogs.imported",
                "params": {"title": item.title, "version": item.version},
            }
    if params.get("migrated"):
        item = next((c for c in catalogs if c.id == _number(params.get("migrated"))), None)
        if item is not None:
            return {
                "key": "catalogs.migrated",
                "params": {
                    "title": item.title,
                    "version": item.version,
                    "carried": _number(params.get("carried")),
                    "dropped": _number(params.get("dropped")),
                    "created": _number(params.get("created")),
                },
            }
    if params.get("modelled"):
        item = next((c for c in catalogs if c.id == _number(params.get("modelled"))), None)
        if item is not None:
            key = "catalogs.modelled_on" if item.modelled else "catalogs.modelled_off"
            return {"key": key, "params": {"title": item.title, "version": item.version}}
    return {}


def _list_page(
    request: Request,
    session: Session,
    user: User,
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    catalogs = service.list_catalogs(session)
    collections = service.list_mapping_collections(session)
    return render(
        request,
        "catalogs/list.html",
        {
            "catalogs": catalogs,
            "states": _states(catalogs),
            "collections": collections,
            "notice": _notice(request, catalogs, collections) if status_code == 200 else {},
            "is_isb": user.role is Role.ISB,
            "errors": errors or FormErrors(),
            "max_mb": oscal.MAX_BYTES // (1024 * 1024),
        },
        status_code=status_code,
    )


@router.get("/catalogs")
def list_page(request: Request, session: SessionDep, user: UiCatalogReader) -> Response:
    return _list_page(request, session, user)


@router.post("/catalogs/import")
def import_upload(
    request: Request,
    session: SessionDep,
    user: UiCatalogManager,
    _form: Annotated[FormData, Depends(read_form)],
    parts: FileParts,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    errors = FormErrors()
    if file is None or not file.filename:
        errors.add("file", "validation.missing")
        return _list_page(request, session, user, errors=errors, status_code=400)
    if parts > 1:  # only the last would be imported
        errors.add("file", "validation.too_long")
        return _list_page(request, session, user, errors=errors, status_code=400)
    data = file.file.read(oscal.MAX_BYTES + 1)
    try:
        with session.begin_nested():  # a refused file leaves nothing behind
            outcome = service.import_document(
                session,
                data,
                source=sanitise_name(file.filename),
                actor=user.username,
                raw_dir=request.app.state.settings.data_dir,
            )
    except DomainError as error:
        errors.add(str(error.params.get("field", "file")), error.message_key, **error.params)
        return _list_page(request, session, user, errors=errors, status_code=error.status_code)
    query = f"imported={outcome.id}&kind={outcome.kind}"
    if not outcome.created:
        query += "&unchanged=1"
    return RedirectResponse(f"/catalogs?{query}", status_code=303)


@router.post("/catalogs/{catalog_id}/activate")
def activate(
    request: Request,
    session: SessionDep,
    user: UiCatalogManager,
    catalog_id: int,
    _form: Annotated[FormData, Depends(read_form)],
) -> Response:
    catalog = service.get_catalog(session, catalog_id)
    errors = FormErrors()
    try:
        with session.begin_nested():
            result = migration.migrate(session, catalog=catalog, actor=user.username)
    except DomainError as error:
        errors.add("form", error.message_key, **error.params)
        return _list_page(request, session, user, errors=errors, status_code=error.status_code)
    return RedirectResponse(
        f"/catalogs?migrated={catalog_id}&carried={result.carried}"
        f"&dropped={result.dropped}&created={result.modelling.created}",
        status_code=303,
    )


@router.post("/catalogs/{catalog_id}/modelled")
def switch_modelling(
    session: SessionDep,
    user: UiCatalogManager,
    catalog_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    catalog = service.get_catalog(session, catalog_id)
    modelled = form.get("modelled") == "ja"
    if catalog.modelled != modelled:
        catalog.modelled = modelled
        session.add(catalog)
        session.flush()
        if catalog.active:
            modelling.model(session, actor=user.username)
    return RedirectResponse(f"/catalogs?modelled={catalog_id}", status_code=303)


@router.get("/catalogs/{catalog_id}")
def browse_page(
    request: Request,
    session: SessionDep,
    _: UiCatalogReader,
    catalog_id: int,
    offset: Annotated[int, Query(ge=0)] = 0,
    q: Text = None,
    group: Text = None,
    modal_verb: Text = None,
    sec_level: Text = None,
) -> Response:
    catalog = service.get_catalog(session, catalog_id)
    groups = service.groups(session, catalog_id)
    page = service.search_controls(
        session,
        catalog_id=catalog_id,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        q=(q or "").strip() or None,
        group_ref=group or None,
        modal_verb=modal_verb if modal_verb in MODAL_VERBS else None,
        sec_level=sec_level if sec_level in SEC_LEVELS else None,
    )
    params = {
        "q": q or "",
        "group": group or "",
        "modal_verb": modal_verb or "",
        "sec_level": sec_level or "",
    }
    practices = [g for g in groups if g.depth == 0]
    return render(
        request,
        "catalogs/browse.html",
        {
            "catalog": catalog,
            "practices": practices,
            "selected_group": next((g for g in groups if g.ref == group), None),
            "page": page,
            "offset": offset,
            "limit": PAGE_SIZE,
            "params": params,
            "modal_verbs": MODAL_VERBS,
            "sec_levels": SEC_LEVELS,
        },
    )


@router.get("/controls/{control_id}")
def control_page(
    request: Request, session: SessionDep, _: UiCatalogReader, control_id: int
) -> Response:
    control = service.get_control(session, control_id)
    catalog = service.get_catalog(session, control.catalog_id)
    groups = {g.ref: g for g in service.groups(session, control.catalog_id)}
    return render(
        request,
        "catalogs/control.html",
        {
            "control": control,
            "catalog": catalog,
            "group": groups.get(control.group_ref or ""),
            "practice": groups.get(control.practice or ""),
            "parent": service.parent_of(session, control),
            "sub_controls": service.sub_controls(session, control),
            "mappings": service.mappings_of(session, control),
            "sec_levels": SEC_LEVELS,
        },
    )
