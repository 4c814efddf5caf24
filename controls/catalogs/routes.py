"""JSON API of the control catalogs and mappings."""

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.responses import Response

from controls.catalogs import oscal, service
from controls.catalogs.models import Catalog, Control
from controls.catalogs.schemas import (
    CatalogDetail,
    CatalogRead,
    ControlDetail,
    ControlSummary,
    GroupRead,
    ImportRead,
    ImportUrl,
    MappingCollectionRead,
    MappingRead,
)
from controls.deps import CatalogManager, CatalogReader
from controls.evidence.routes import ONE_FILE, FileParts
from controls.evidence.storage import sanitise_name
from isms.database import SessionDep
from isms.download import fetch
from isms.pagination import PageDep, PageRead

router = APIRouter(prefix="/api/v1", tags=["catalogs"])
Text = Annotated[str | None, Query(max_length=100)]


def _imported(
    request: Request, session: SessionDep, data: bytes, source: str, actor: str
) -> Response:
    outcome = service.import_document(
        session, data, source=source, actor=actor, raw_dir=request.app.state.settings.data_dir
    )
    body = ImportRead(**outcome.__dict__)
    code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
    return JSONResponse(body.model_dump(), status_code=code)


@router.get("/catalogs", response_model=list[CatalogRead], summary="Imported catalog versions")
def list_catalogs(session: SessionDep, _: CatalogReader) -> list[Catalog]:
    return service.list_catalogs(session)


@router.post(
    "/catalogs",
    response_model=ImportRead,
    status_code=status.HTTP_201_CREATED,
    summary="Import an OSCAL catalog, resolved profile catalog, profile or mapping collection",
    responses={200: {"description": "The same file was imported before; nothing changed"}},
)
def import_upload(
    request: Request,
    session: SessionDep,
    user: CatalogManager,
    file: Annotated[UploadFile, File(description="OSCAL JSON")],
    parts: FileParts,
) -> Response:
    if parts > 1:  # FastAPI keeps the last of several: refuse rather than guess
        raise RequestValidationError([ONE_FILE])
    data = file.file.read(oscal.MAX_BYTES + 1)
    source = sanitise_name(file.filename) if file.filename else "upload.json"
    return _imported(request, session, data, source, user.username)


@router.post(
    "/catalogs/import-url",
    response_model=ImportRead,
    status_code=status.HTTP_201_CREATED,
    summary="Download and import an OSCAL file (https only)",
    responses={200: {"description": "The same file was imported before; nothing changed"}},
)
def import_url(
    request: Request, session: SessionDep, user: CatalogManager, data: ImportUrl
) -> Response:
    content = fetch(data.url, limit=oscal.MAX_BYTES)
    return _imported(request, session, content, data.url, user.username)


@router.get("/catalogs/{catalog_id}", response_model=CatalogDetail)
def get_catalog(session: SessionDep, _: CatalogReader, catalog_id: int) -> CatalogDetail:
    catalog = service.get_catalog(session, catalog_id)
    return CatalogDetail(
        **CatalogRead.model_validate(catalog).model_dump(),
        remarks=catalog.remarks,
        groups=[GroupRead.model_validate(g) for g in service.groups(session, catalog_id)],
    )


@router.get(
    "/catalogs/{catalog_id}/controls",
    response_model=PageRead[ControlSummary],
    summary="Browse and search the controls of a catalog version",
)
def list_controls(
    session: SessionDep,
    _: CatalogReader,
    catalog_id: int,
    page: PageDep,
    q: Text = None,
    practice: Text = None,
    group: Text = None,
    modal_verb: Text = None,
    sec_level: Text = None,
) -> PageRead[ControlSummary]:
    service.get_catalog(session, catalog_id)
    result = service.search_controls(
        session,
        catalog_id=catalog_id,
        page=page,
        q=q,
        practice=practice,
        group_ref=group,
        modal_verb=modal_verb,
        sec_level=sec_level,
    )
    return PageRead(
        items=[ControlSummary.model_validate(c) for c in result.items], total=result.total
    )


def control_detail(session: SessionDep, control: Control) -> ControlDetail:
    mappings = [
        MappingRead(
            direction=m.direction,
            relationship=m.relationship,
            ref=m.ref,
            family=m.family,
            collection=m.collection,
            control=ControlSummary.model_validate(m.control) if m.control else None,
            threats=list(m.threats),
        )
        for m in service.mappings_of(session, control)
    ]
    return ControlDetail(
        **ControlSummary.model_validate(control).model_dump(),
        statement=control.statement,
        guidance=control.guidance,
        props=control.props,
        parts=control.parts,
        params=control.params,
        sub_controls=[
            ControlSummary.model_validate(c) for c in service.sub_controls(session, control)
        ],
        mappings=mappings,
    )


@router.get(
    "/controls/{control_id}",
    response_model=ControlDetail,
    summary="A control with its sub-controls and what it maps to in other catalogs",
)
def get_control(session: SessionDep, _: CatalogReader, control_id: int) -> ControlDetail:
    return control_detail(session, service.get_control(session, control_id))


@router.get("/mapping-collections", response_model=list[MappingCollectionRead])
def list_mapping_collections(session: SessionDep, _: CatalogReader) -> list[object]:
    return list(service.list_mapping_collections(session))
