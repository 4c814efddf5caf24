"""The audit trail page (ISB and auditors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from isms.audit import service
from isms.database import SessionDep
from isms.identity.deps import require_roles
from isms.identity.models import Role, User
from isms.pagination import PageParams
from isms.web.render import render

router = APIRouter(include_in_schema=False)
UiAuditReader = Annotated[User, Depends(require_roles(Role.ISB, Role.AUDITOR, ui=True))]
Filter = Annotated[str | None, Query(max_length=120)]
PAGE_SIZE = 50


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    _: UiAuditReader,
    offset: Annotated[int, Query(ge=0)] = 0,
    action: Filter = None,
    object_type: Filter = None,
    actor_name: Filter = None,
) -> Response:
    page = service.list_(
        session,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        action=action or None,
        object_type=object_type or None,
        actor_name=actor_name or None,
    )
    filters = {
        "action": action or "",
        "object_type": object_type or "",
        "actor_name": actor_name or "",
    }
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "offset": offset,
            "limit": PAGE_SIZE,
            "filters": filters,
        },
    )
