"""Pages of the structure analysis: asset list, detail with graph, forms, Schutzbedarf overview."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from isms.database import SessionDep
from isms.i18n import translate
from isms.identity.deps import department_scope
from isms.identity.models import Role, User
from isms.identity.service import all_departments
from isms.pagination import PageParams
from isms.web.forms import FormData, FormErrors, attempt, list_value, read_form, validate
from isms.web.render import render, request_language
from risk.assets import categories, graph, queries, service
from risk.assets.deps import UiAssetEditor, UiAssetReader, UiStructureAnalyst
from risk.assets.levels import GRUNDWERTE, DamageScenario, Level, Override
from risk.assets.models import KritisSector, LifecycleStatus
from risk.assets.schemas import AssetCreate, AssetUpdate, ProtectionUpdate
from risk.assets.svg import GraphNode, dependency_svg

router = APIRouter(prefix="/assets", include_in_schema=False)
PAGE_SIZE = 50
Text = Annotated[str | None, Query(max_length=100)]


def _choices(session: Session, user: User) -> dict[str, Any]:
    scope = department_scope(user)
    return {
        "categories": categories.list_categories(session),
        "departments": [d for d in all_departments(session) if scope is None or d.id in scope],
        "statuses": list(LifecycleStatus),
        "sectors": list(KritisSector),
        "levels": list(Level),
        "overrides": list(Override),
        "scenarios": list(DamageScenario),
        "grundwerte": GRUNDWERTE,
    }


def _filter_from_query(request: Request) -> tuple[service.AssetFilter, dict[str, str]]:
    params = {
        k: request.query_params.get(k, "")
        for k in ("q", "category_id", "department_id", "level", "kritis", "overridden")
    }

    def number(key: str) -> int | None:
        return int(params[key]) if params[key].isdigit() else None

    level = (
        Level.from_term(params["level"])
        if params["level"] in ("normal", "hoch", "sehr hoch")
        else None
    )
    kritis = {"ja": True, "nein": False}.get(params["kritis"])
    flt = service.AssetFilter(
        category_id=number("category_id"),
        department_id=number("department_id"),
        level=level,
        kritis=kritis,
        overridden={"ja": True, "nein": False}.get(params["overridden"]),
        q=params["q"][:100] or None,
    )
    return flt, params


def _listing(
    request: Request, session: Session, user: User, offset: int, template: str, **extra: Any
) -> Response:
    """A filtered page of the register, as the list or as the Schutzbedarf overview."""
    flt, params = _filter_from_query(request)
    page, sources = service.list_(
        session,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        flt=flt,
        scope=department_scope(user),
    )
    rows = [queries.to_read(r.asset, r.category, r.department, sources) for r in page.items]
    return render(
        request,
        template,
        {
            "page": page,
            "rows": rows,
            "offset": offset,
            "limit": PAGE_SIZE,
            "params": params,
            **extra,
            **_choices(session, user),
        },
    )


@router.get("")
def list_page(
    request: Request,
    session: SessionDep,
    user: UiAssetReader,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    return _listing(
        request,
        session,
        user,
        offset,
        "assets/list.html",
        can_create=user.role in (Role.ISB, Role.DEPARTMENT),
        is_isb=user.role is Role.ISB,
    )


@router.get("/protection")
def protection_overview(
    request: Request,
    session: SessionDep,
    user: UiAssetReader,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    return _listing(request, session, user, offset, "assets/protection_overview.html")


def _graph(request: Request, detail: Any) -> str:
    language = request_language(request)

    def node(ref: Any, level: str | None) -> GraphNode:
        label = (
            translate(language, f"level.{level.replace(' ', '_')}")
            if level
            else translate(language, "level.none")
        )
        return GraphNode(ref.id, ref.short_id, ref.name, level, label)

    return dependency_svg(
        node(detail, detail.max_level),
        [node(d.asset, d.level) for d in detail.required_by],
        [node(d.asset, d.level) for d in detail.depends_on],
        title=translate(language, "assets.graph.title", name=f"{detail.short_id} {detail.name}"),
        description=translate(
            language,
            "assets.graph.desc",
            before=len(detail.required_by),
            after=len(detail.depends_on),
        ),
        more_label=translate(language, "assets.graph.more"),
    )


@router.get("/new")
def new_page(request: Request, session: SessionDep, user: UiAssetEditor) -> Response:
    values = {"quantity": 1, "status": LifecycleStatus.IN_OPERATION.value}
    return render(
        request,
        "assets/form.html",
        {"target": None, "values": values, "errors": FormErrors(), **_choices(session, user)},
    )


def _asset_data(form: FormData) -> dict[str, Any]:
    data = {k: v for k, v in form.items() if k not in ("kritis_critical", "tags")}
    data["kritis_critical"] = form.get("kritis_critical") == "on"
    data["tags"] = [t.strip() for t in str(form.get("tags") or "").split(",") if t.strip()]
    if not data.get("kritis_sector"):
        data["kritis_sector"] = None
    return data


@router.post("/new")
def create(
    request: Request,
    session: SessionDep,
    user: UiAssetEditor,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    errors = FormErrors()
    data = _asset_data(form)
    payload = validate(AssetCreate, data, errors)
    asset = payload and attempt(
        session, errors, lambda: service.create(session, data=payload, scope=department_scope(user))
    )
    if not asset:
        return render(
            request,
            "assets/form.html",
            {"target": None, "values": form, "errors": errors, **_choices(session, user)},
            status_code=400,
        )
    return RedirectResponse(f"/assets/{asset.id}?saved=1", status_code=303)


@router.get("/{asset_id}")
def detail_page(
    request: Request, session: SessionDep, user: UiAssetReader, asset_id: int
) -> Response:
    asset = service.get(session, asset_id=asset_id, scope=department_scope(user))
    detail = queries.detail(session, asset)
    return render(
        request,
        "assets/detail.html",
        {
            "asset": detail,
            "graph": _graph(request, detail),
            "is_isb": user.role is Role.ISB,
            "can_edit": user.role in (Role.ISB, Role.DEPARTMENT),
            "errors": FormErrors(),
        },
    )


@router.get("/{asset_id}/edit")
def edit_page(
    request: Request, session: SessionDep, user: UiAssetEditor, asset_id: int
) -> Response:
    asset = service.get(session, asset_id=asset_id, scope=department_scope(user))
    values = asset.model_dump()
    return render(
        request,
        "assets/form.html",
        {"target": asset, "values": values, "errors": FormErrors(), **_choices(session, user)},
    )


@router.post("/{asset_id}/edit")
def update(
    request: Request,
    session: SessionDep,
    user: UiAssetEditor,
    asset_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    scope = department_scope(user)
    asset = service.get(session, asset_id=asset_id, scope=scope)
    errors = FormErrors()
    payload = validate(AssetUpdate, _asset_data(form), errors)
    done = payload and attempt(
        session, errors, lambda: service.update(session, asset=asset, data=payload, scope=scope)
    )
    if not done:
        return render(
            request,
            "assets/form.html",
            {"target": asset, "values": form, "errors": errors, **_choices(session, user)},
            status_code=400,
        )
    return RedirectResponse(f"/assets/{asset_id}?saved=1", status_code=303)


def _protection_payload(form: FormData) -> dict[str, Any]:
    payload: dict[str, Any] = {"version": form.get("version") or None}
    for g in GRUNDWERTE:
        payload[g] = {
            "level": form.get(f"{g}_level") or None,
            "override": form.get(f"{g}_override") or None,
            "justification": form.get(f"{g}_justification") or "",
            "scenarios": list_value(form, f"{g}_scenarios"),
        }
    return payload


@router.get("/{asset_id}/protection")
def protection_page(
    request: Request, session: SessionDep, user: UiStructureAnalyst, asset_id: int
) -> Response:
    asset = service.get(session, asset_id=asset_id, scope=None)
    detail = queries.detail(session, asset)
    values: dict[str, Any] = {"version": asset.version}
    for g in GRUNDWERTE:
        p = getattr(detail, g)
        values |= {
            f"{g}_level": p.assessed or "",
            f"{g}_override": p.override.value if p.override else "",
            f"{g}_justification": p.justification,
            f"{g}_scenarios": [s.value for s in p.scenarios],
        }
    return render(
        request,
        "assets/protection_form.html",
        {"asset": detail, "values": values, "errors": FormErrors(), **_choices(session, user)},
    )


@router.post("/{asset_id}/protection")
def assess(
    request: Request,
    session: SessionDep,
    user: UiStructureAnalyst,
    asset_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    asset = service.get(session, asset_id=asset_id, scope=None)
    errors = FormErrors()
    payload = validate(ProtectionUpdate, _protection_payload(form), errors)
    done = payload and attempt(
        session, errors, lambda: service.assess(session, asset=asset, data=payload)
    )
    if not done:
        detail = queries.detail(session, service.get(session, asset_id=asset_id, scope=None))
        return render(
            request,
            "assets/protection_form.html",
            {"asset": detail, "values": form, "errors": errors, **_choices(session, user)},
            status_code=400,
        )
    return RedirectResponse(f"/assets/{asset_id}?saved=1", status_code=303)


@router.post("/{asset_id}/dependencies")
def add_dependency(
    request: Request,
    session: SessionDep,
    user: UiStructureAnalyst,
    asset_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    asset = service.get(session, asset_id=asset_id, scope=None)
    errors = FormErrors()
    target = service.get_by_short_id(session, short_id=str(form.get("dependency") or "").strip())
    if target is None:
        errors.add(
            "dependency", "error.asset_short_id_unknown", short_id=str(form.get("dependency") or "")
        )
    else:
        attempt(
            session,
            errors,
            lambda: graph.add_dependency(
                session,
                dependent=asset,
                dependency=target,
                description=str(form.get("description") or "")[:500],
            ),
            field_name="dependency",
        )
    if errors:
        detail = queries.detail(session, service.get(session, asset_id=asset_id, scope=None))
        return render(
            request,
            "assets/detail.html",
            {
                "asset": detail,
                "graph": _graph(request, detail),
                "is_isb": True,
                "can_edit": True,
                "errors": errors,
                "values": form,
            },
            status_code=409 if target else 400,
        )
    return RedirectResponse(f"/assets/{asset_id}?saved=1#dependencies", status_code=303)


@router.post("/{asset_id}/dependencies/{dependency_id}/delete")
def remove_dependency(
    session: SessionDep,
    _: UiStructureAnalyst,
    asset_id: int,
    dependency_id: int,
    _form: Annotated[FormData, Depends(read_form)],
) -> Response:
    edge = graph.get_edge(session, dependent_id=asset_id, dependency_id=dependency_id)
    graph.remove_dependency(session, edge=edge)
    return RedirectResponse(f"/assets/{asset_id}?saved=1#dependencies", status_code=303)


@router.post("/{asset_id}/delete")
def delete(
    session: SessionDep,
    _: UiStructureAnalyst,
    asset_id: int,
    _form: Annotated[FormData, Depends(read_form)],
) -> Response:
    service.delete(session, asset=service.get(session, asset_id=asset_id, scope=None))
    return RedirectResponse("/assets?deleted=1", status_code=303)
