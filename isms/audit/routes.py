"""JSON API of the audit trail (read-only, ISB and auditors)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from isms.audit import service
from isms.database import SessionDep
from isms.identity.deps import require_roles
from isms.identity.models import Role, User
from isms.pagination import PageDep, PageRead

router = APIRouter(prefix="/api/v1/audit-events", tags=["audit"])
AuditReader = Annotated[User, Depends(require_roles(Role.ISB, Role.AUDITOR))]
Filter = Annotated[str | None, Query(max_length=120)]


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    occurred_at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str | None
    before: str | None
    after: str | None
    remote_addr: str | None
    prev_hash: str
    hash: str


@router.get("", response_model=PageRead[AuditEventRead], summary="Read the audit trail")
def list_events(
    session: SessionDep,
    _: AuditReader,
    page: PageDep,
    action: Filter = None,
    object_type: Filter = None,
    object_id: Filter = None,
    actor_name: Filter = None,
) -> PageRead[AuditEventRead]:
    result = service.list_(
        session,
        page=page,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_name=actor_name,
    )
    return PageRead(
        items=[AuditEventRead.model_validate(e) for e in result.items], total=result.total
    )
