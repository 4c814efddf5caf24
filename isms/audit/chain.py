"""Appending to and verifying the SHA-256 hash chain of audit events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from isms.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
# Any fixed number: PostgreSQL advisory lock that serialises appends to the chain.
CHAIN_LOCK_KEY = 0x15A5_A0D1
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "remote_addr",
    "prev_hash",
)


def event_digest(row: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an event's hashed fields."""
    content = {name: row.get(name) for name in HASHED_FIELDS}
    occurred = content["occurred_at"]
    if isinstance(occurred, datetime):
        content["occurred_at"] = occurred.astimezone(UTC).isoformat(timespec="microseconds")
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append_events(connection: Connection, events: list[dict[str, Any]]) -> None:
    """Chain and insert events in the caller's transaction, one appender at a time.

    On PostgreSQL the lock is held until that transaction ends: append just before the commit
    (isms.audit.service collects a transaction's events and does so)."""
    if not events:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    last = connection.execute(
        select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    rows = []
    for event in events:
        seq += 1
        row = {name: event.get(name) for name in HASHED_FIELDS}
        row.update(seq=seq, prev_hash=prev_hash)
        row["hash"] = prev_hash = event_digest(row)
        rows.append(row)
    connection.execute(insert(table), rows)


@dataclass(frozen=True)
class ChainBreak:
    """Where and why the chain stopped being intact."""

    seq: int
    event_id: int | None
    reason: str


def iter_events(connection: Connection, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """All events in chain order, read in batches."""
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    last_seq = 0
    while True:
        rows = connection.execute(
            select(table).where(table.c.seq > last_seq).order_by(table.c.seq).limit(batch)
        ).mappings()
        chunk = [dict(row) for row in rows]
        if not chunk:
            return
        yield from chunk
        last_seq = chunk[-1]["seq"]


def verify_chain(events: Iterable[dict[str, Any]]) -> tuple[int, ChainBreak | None]:
    """Check sequence, links and hashes; return the number checked and the first break."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for event in events:
        count += 1
        if event["seq"] != expected_seq:
            reason = f"event #{expected_seq} is missing (next is #{event['seq']})"
            return count, ChainBreak(expected_seq, None, reason)
        if event["prev_hash"] != prev_hash:
            return count, ChainBreak(event["seq"], event["id"], "link to previous event broken")
        if event_digest(event) != event["hash"]:
            return count, ChainBreak(event["seq"], event["id"], "content altered (hash mismatch)")
        prev_hash, expected_seq = event["hash"], expected_seq + 1
    return count, None
