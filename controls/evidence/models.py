"""Evidence files and their links to check entries."""

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


class Evidence(SQLModel, table=True):
    """An uploaded file, stored once by its SHA-256 under the data dir (see storage.py)."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    size: int
    media_type: str = Field(max_length=120)
    original_name: str = Field(max_length=200)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    valid_until: date = Field(index=True)
    department_id: int | None = Field(
        default=None, foreign_key="department.id", ondelete="SET NULL", index=True
    )
    uploaded_by: str = Field(default="", max_length=120)
    uploaded_at: datetime = Field(default_factory=utcnow)


class CheckEvidence(SQLModel, table=True):
    """Evidence linked to a check entry."""

    __tablename__ = "check_evidence"

    check_entry_id: int = Field(foreign_key="check_entry.id", ondelete="CASCADE", primary_key=True)
    evidence_id: int = Field(
        foreign_key="evidence.id", ondelete="CASCADE", primary_key=True, index=True
    )
