"""Recording audit events: automatically for every flushed change, explicitly for the rest.

The events of a transaction are collected as it goes and appended to the chain just before it
commits: the chain's lock is then held for the append and the commit only, not for the whole
request. A rolled-back savepoint drops the events collected in it, a rolled-back (or abandoned)
transaction all of them.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction, UOWTransaction
from sqlmodel import Session, SQLModel, col

from isms.audit.chain import append_events
from isms.audit.models import AuditEvent
from isms.clock import utcnow
from isms.database import run_regardless
from isms.pagination import Page, PageParams, apply_sort

SYSTEM_ACTOR = "system"
PENDING_KEY = "isms_audit_pending"
# Events a transaction collects before they go into the chain early (bounded memory).
MAX_PENDING = 10_000


@dataclass(frozen=True)
class Actor:
    """Who causes the changes of a session."""

    id: int | None
    name: str
    remote_addr: str | None = None


def set_actor(session: OrmSession, actor: Actor) -> None:
    """Attribute every change flushed in this session to actor."""
    session.info["actor"] = actor


def _actor(session: OrmSession) -> Actor:
    actor = session.info.get("actor")
    return actor if isinstance(actor, Actor) else Actor(None, SYSTEM_ACTOR)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def dump(data: dict[str, Any] | None) -> str | None:
    """Canonical JSON text of a before/after snapshot."""
    if data is None:
        return None
    return json.dumps(_jsonable(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _is_audited(obj: Any) -> bool:
    return (
        isinstance(obj, SQLModel)
        and not isinstance(obj, AuditEvent)
        and getattr(obj, "__audit__", True)
    )


def _object_id(obj: Any) -> str:
    # In after_flush new rows have their primary key but not yet an identity key.
    state = inspect(obj)
    key = state.mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in key)


def _related_ids(obj: Any, key: str, values: Any) -> list[Any]:
    return sorted(_object_id(v) for v in values or ())


def _snapshot(obj: Any, *, changed_only: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before and after values of the audited columns (and many-to-many links) of obj."""
    state = inspect(obj)
    excluded: frozenset[str] = getattr(obj, "__audit_exclude__", frozenset())
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in excluded:
            continue
        history = state.attrs[key].history
        if changed_only:
            if not history.has_changes():
                continue
            before[key] = history.deleted[0] if history.deleted else None
            after[key] = history.added[0] if history.added else None
        else:
            after[key] = state.attrs[key].loaded_value if key in state.dict else None
    for rel in state.mapper.relationships:
        if rel.secondary is None or rel.key in excluded:
            continue
        history = state.attrs[rel.key].history
        if changed_only and not history.has_changes():
            continue
        current = list(history.unchanged) + list(history.added)
        after[rel.key] = _related_ids(obj, rel.key, current)
        if changed_only:
            before[rel.key] = _related_ids(
                obj, rel.key, list(history.unchanged) + list(history.deleted)
            )
    return before, after


def _change_events(session: OrmSession) -> list[dict[str, Any]]:
    actor = _actor(session)
    now = utcnow()
    base = {
        "occurred_at": now,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "remote_addr": actor.remote_addr,
    }
    events: list[dict[str, Any]] = []
    for obj in session.new:
        if _is_audited(obj):
            _, after = _snapshot(obj, changed_only=False)
            events.append(base | _event_fields(obj, "create", None, after))
    for obj in session.dirty:
        if _is_audited(obj) and session.is_modified(obj, include_collections=True):
            before, after = _snapshot(obj, changed_only=True)
            if before or after:
                events.append(base | _event_fields(obj, "update", before, after))
    for obj in session.deleted:
        if _is_audited(obj):
            _, before = _snapshot(obj, changed_only=False)
            events.append(base | _event_fields(obj, "delete", before, None))
    return events


def _event_fields(obj: Any, action: str, before: Any, after: Any) -> dict[str, Any]:
    return {
        "action": action,
        "object_type": type(obj).__tablename__,
        "object_id": _object_id(obj),
        "before": dump(before),
        "after": dump(after),
    }


@dataclass
class _Pending:
    """The events of one (root) transaction not yet in the chain."""

    transaction: SessionTransaction
    events: list[dict[str, Any]] = field(default_factory=list)
    # where the events of each savepoint begin in the list, by id (set when one begins)
    savepoints: dict[int, int] = field(default_factory=dict)
    # set once the events are appended before the commit: later ones go straight in
    appended: bool = False


def _pending(session: OrmSession) -> _Pending:
    root = session.get_transaction()
    assert root is not None, "audit events belong to a transaction"
    pending = session.info.get(PENDING_KEY)
    if not isinstance(pending, _Pending) or pending.transaction is not root:
        pending = session.info[PENDING_KEY] = _Pending(root)
    return pending


def _collect(session: OrmSession, events: list[dict[str, Any]]) -> None:
    if not events:
        return
    pending = _pending(session)
    pending.events.extend(events)
    # After the append before the commit (a later flush) everything goes straight in; so does
    # a very long list (bulk work), outside savepoints, whose rows would take others' events
    # with them when rolled back.
    if pending.appended or (
        len(pending.events) >= MAX_PENDING and not session.in_nested_transaction()
    ):
        _append_collected(session, pending)


def _append_collected(session: OrmSession, pending: _Pending) -> None:
    # only ever outside savepoints: rows inserted in one would go if it were rolled back
    events, pending.events = pending.events, []
    pending.savepoints.clear()
    if events:
        append_events(session.connection(), events)


def append_pending(session: OrmSession) -> None:
    """Flush, and put the events collected so far into the chain now rather than at commit.

    Only for code that must read the audit events of its own, uncommitted transaction: from
    here to the commit this transaction holds the chain's lock (on PostgreSQL)."""
    if session.in_nested_transaction():
        raise RuntimeError("audit events can only be appended outside a savepoint")
    session.flush()
    if session.get_transaction() is not None:
        _append_collected(session, _pending(session))


@event.listens_for(OrmSession, "after_flush")
def _audit_after_flush(session: OrmSession, _flush: UOWTransaction) -> None:
    # In after_flush the new/dirty/deleted sets and attribute histories still describe the
    # flush just done, and new rows have their ids; the events are appended before the commit.
    _collect(session, _change_events(session))


@event.listens_for(OrmSession, "before_commit")
def _audit_before_commit(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released: its events stay with the transaction
    # Session.commit() flushes only after this hook: flush here, so that the events of the
    # last changes are in the list; a flush after the append (by another hook) appends its
    # events itself.
    session.flush()
    pending = _pending(session)
    pending.appended = True
    _append_collected(session, pending)


@event.listens_for(OrmSession, "after_transaction_create")
def _audit_savepoint_begins(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.nested:
        pending = _pending(session)
        pending.savepoints[id(transaction)] = len(pending.events)


@event.listens_for(OrmSession, "after_soft_rollback")
def _audit_rolled_back(session: OrmSession, previous: SessionTransaction) -> None:
    pending = session.info.get(PENDING_KEY)
    if not isinstance(pending, _Pending):
        return
    # What the database rolled back: the innermost savepoint or the transaction itself
    # (a failed flush rolls back its enclosing one).
    boundary: SessionTransaction | None = previous
    while boundary is not None and not boundary.nested and boundary.parent is not None:
        boundary = boundary.parent
    if boundary is not None and boundary.nested:
        del pending.events[pending.savepoints.get(id(boundary), len(pending.events)) :]
    else:
        session.info.pop(PENDING_KEY, None)


@event.listens_for(OrmSession, "after_transaction_end")
def _audit_transaction_ends(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # committed (the events are in) or closed without commit (they are dropped)
        session.info.pop(PENDING_KEY, None)


def record(
    session: OrmSession,
    *,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    """Add one explicit event (login, logout, denial, ...) to the session's transaction."""
    who = actor or _actor(session)
    session.connection()  # begins the transaction the event belongs to
    _collect(
        session,
        [
            {
                "occurred_at": utcnow(),
                "actor_id": who.id,
                "actor_name": who.name,
                "remote_addr": who.remote_addr,
                "action": action,
                "object_type": object_type,
                "object_id": None if object_id is None else str(object_id),
                "before": dump(before),
                "after": dump(after),
            }
        ],
    )


def record_regardless(session: Session, **kwargs: Any) -> None:
    """Append an event that is kept even when the session's transaction fails (denials)."""
    run_regardless(session, lambda own: record(own, **kwargs))


SORTABLE = {"seq": col(AuditEvent.seq), "occurred_at": col(AuditEvent.occurred_at)}


def list_(
    session: Session,
    *,
    page: PageParams,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_name: str | None = None,
) -> Page[AuditEvent]:
    """Audit events, newest first by default, with filters."""
    query = select(AuditEvent)
    for column, value in (
        (col(AuditEvent.action), action),
        (col(AuditEvent.object_type), object_type),
        (col(AuditEvent.object_id), object_id),
        (col(AuditEvent.actor_name), actor_name),
    ):
        if value:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = apply_sort(query, page.sort or "-seq", SORTABLE)
    items = list(session.scalars(query.limit(page.limit).offset(page.offset)))
    return Page(items=items, total=total)
