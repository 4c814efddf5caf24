"""Report and pack jobs: what was asked for, its progress, and the file it produced."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


class JobState(enum.StrEnum):
    QUEUED = "wartend"
    RUNNING = "laeuft"
    DONE = "fertig"
    FAILED = "fehlgeschlagen"


class ReportJob(SQLModel, table=True):
    __tablename__ = "report_job"
    __table_args__ = (Index("ix_report_job_owner", "created_by_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    document: str = Field(max_length=20)  # a1 ... a6, soa, pack
    department_id: int | None = Field(
        default=None, foreign_key="department.id", ondelete="SET NULL"
    )
    asset_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    kritis: bool = False
    period_start: date | None = None
    period_end: date | None = None
    language: str = Field(default="de", max_length=5)
    state: JobState = Field(
        default=JobState.QUEUED,
        sa_type=SAEnum(
            JobState, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        ),
    )
    progress: int = 0  # percent
    step: str = Field(default="", max_length=40)
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    file_name: str = Field(default="", max_length=200)
    sha256: str = Field(default="", max_length=64)
    size: int = 0
    created_by: str = Field(default="", max_length=120)
    created_by_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
