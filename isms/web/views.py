"""Kernel pages: dashboard, language switch, health and the API reference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text
from sqlmodel import Session
from starlette.responses import Response

from isms.database import SessionDep
from isms.i18n import LANGUAGES
from isms.identity.deps import UiUser, get_optional_ui_user
from isms.identity.models import Role, User
from isms.web.forms import FormData, read_form
from isms.web.render import LANG_COOKIE, render, secure_cookies

router = APIRouter(include_in_schema=False)
health_router = APIRouter(tags=["health"])


@dataclass(frozen=True)
class Widget:
    """A dashboard panel: its template and the function that fills it."""

    template: str
    roles: frozenset[Role]
    context: Callable[[Session, User], dict[str, Any]]


DASHBOARD: list[Widget] = []


def register_widget(
    template: str, roles: set[Role], context: Callable[[Session, User], dict[str, Any]]
) -> None:
    """Add a dashboard panel (called by the app factory for each domain)."""
    if all(w.template != template for w in DASHBOARD):
        DASHBOARD.append(Widget(template, frozenset(roles), context))


@router.get("/")
def dashboard(request: Request, session: SessionDep, user: UiUser) -> Response:
    widgets = [
        {"template": w.template, **w.context(session, user)}
        for w in DASHBOARD
        if user.role in w.roles
    ]
    return render(request, "dashboard.html", {"widgets": widgets})


@router.post("/language")
def switch_language(request: Request, form: Annotated[FormData, Depends(read_form)]) -> Response:
    language = form.get("language") if form.get("language") in LANGUAGES else "de"
    back = str(form.get("next") or "/")
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        str(language),
        max_age=365 * 24 * 3600,
        samesite="strict",
        httponly=True,
        secure=secure_cookies(request),
    )
    return response


@router.get("/api/docs")
def api_reference(
    request: Request, _user: Annotated[User | None, Depends(get_optional_ui_user)]
) -> Response:
    """The OpenAPI description rendered as a plain page (no CDN, no script)."""
    spec = request.app.openapi()
    operations = []
    for path, methods in sorted(spec.get("paths", {}).items()):
        for method, op in methods.items():
            operations.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary", ""),
                    "tag": (op.get("tags") or ["other"])[0],
                    "parameters": op.get("parameters", []),
                    "body": bool(op.get("requestBody")),
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return render(request, "api_docs.html", {"operations": operations, "spec": spec})


@health_router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health_router.get("/readyz", summary="Readiness (database reachable)")
def readyz(session: SessionDep) -> Response:
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # any driver error means: not ready
        return JSONResponse({"error": "service_unavailable", "detail": "database unreachable"}, 503)
    return JSONResponse({"status": "ok"})
