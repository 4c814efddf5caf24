"""Audit trail table."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class AuditEvent(SQLModel, table=True):
    """One appended audit event; `hash` chains it to the event before."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    occurred_at: datetime = Field(index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_name: str = Field(max_length=150)
    action: str = Field(max_length=40, index=True)
    object_type: str = Field(max_length=60, index=True)
    object_id: str | None = Field(default=None, max_length=120, index=True)
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))
    remote_addr: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
