"""Pages of the incident register: the list with each incident's most urgent deadline, the
incident with its running clocks, and the dashboard panel of deadlines still to be met."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlmodel import Session
from starlette.responses import Response

from isms.clock import local_text, utcnow
from isms.database import SessionDep
from isms.identity.deps import department_scope
from isms.identity.models import Role, User
from isms.pagination import PageParams
from isms.web.render import render
from privacy import clocks, incidents
from privacy.deps import UiIncidentReader

router = APIRouter(include_in_schema=False)
PAGE = 50


def clock_row(clock: clocks.Clock, now: datetime) -> dict[str, Any]:
    left = clock.left(now)
    # whole hours, rounded up: 30 minutes late is "1 h late", 59 minutes left "1 h left"
    hours = None if left is None else math.ceil(abs(left.total_seconds()) / 3600)
    return {
        "deadline": clock.deadline.value,
        "due": local_text(clock.due),
        "done": local_text(clock.done),
        "state": clock.state.value,
        "hours": hours,  # negative: overdue by that many hours
    }


def _flag(value: str | None) -> bool | None:
    return {"ja": True, "nein": False}.get(value or "")


@router.get("/incidents")
def incident_list(
    request: Request,
    session: SessionDep,
    user: UiIncidentReader,
    state: Annotated[str | None, Query(max_length=10)] = "offen",
    breach: Annotated[str | None, Query(max_length=10)] = None,
    kritis: Annotated[str | None, Query(max_length=10)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    now = utcnow()
    flt = incidents.IncidentFilter(
        open=True if state == "offen" else None,
        personal_data=_flag(breach),
        kritis=_flag(kritis),
    )
    result = incidents.list_incidents(
        session,
        page=PageParams(limit=PAGE, offset=offset),
        flt=flt,
        scope=department_scope(user),
    )
    rows = []
    for incident in result.items:
        pending = [
            c
            for c in clocks.clocks(incident, now)
            if c.state in (clocks.ClockState.RUNNING, clocks.ClockState.OVERDUE)
        ]
        pending.sort(key=lambda c: c.due or datetime.max.replace(tzinfo=now.tzinfo))
        rows.append(
            {
                "incident": incident,
                "aware": local_text(incident.aware_at),
                "next": clock_row(pending[0], now) if pending else None,
            }
        )
    return render(
        request,
        "privacy/incidents.html",
        {
            "rows": rows,
            "page": result,
            "offset": offset,
            "limit": PAGE,
            "params": {"state": state or "", "breach": breach or "", "kritis": kritis or ""},
            "can_report": user.role in (Role.ISB, Role.DPO, Role.DEPARTMENT),
        },
    )


@router.get("/incidents/{incident_id}")
def incident_page(
    request: Request, session: SessionDep, user: UiIncidentReader, incident_id: int
) -> Response:
    now = utcnow()
    scope = department_scope(user)
    incident = incidents.get_incident(session, incident_id=incident_id, scope=scope)
    assets, activities = incidents.links(session, [incident.id or 0], scope)
    return render(
        request,
        "privacy/incident.html",
        {
            "incident": incident,
            "assets": assets[incident.id or 0],
            "activity_ids": activities[incident.id or 0],
            "clocks": [clock_row(c, now) for c in clocks.clocks(incident, now)],
            "can_edit": user.role in (Role.ISB, Role.DPO, Role.DEPARTMENT),
            "times": {
                name: local_text(getattr(incident, name))
                for name in (
                    "occurred_at",
                    "detected_at",
                    "aware_at",
                    "authority_notified_at",
                    "subjects_notified_at",
                    "early_warning_at",
                    "notification_at",
                    "final_report_at",
                    "closed_at",
                )
            },
        },
    )


def dashboard_widget(session: Session, user: User) -> dict[str, Any]:
    """The incident deadlines still to be met, most urgent first."""
    now = utcnow()
    due = incidents.due_clocks(session, scope=department_scope(user), now=now)
    return {
        "due": [{"incident": d.incident, **clock_row(d.clock, now)} for d in due[:5]],
        "total": len(due),
        "overdue": sum(1 for d in due if d.clock.state is clocks.ClockState.OVERDUE),
    }
