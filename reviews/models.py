"""Tables of the periodic reviews: policies (data the ISB edits), review tasks and in-app
notifications."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Integer, Text, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


def _enum(cls: type[enum.Enum], length: int = 20) -> SAEnum:
    return SAEnum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Subject(enum.StrEnum):
    """What a policy reviews."""

    PROTECTION = "protection"  # an asset's Schutzbedarf
    RISK = "risk"  # an open risk
    ACCEPTANCE = "acceptance"  # a risk acceptance before it expires
    CHECK_GAP = "check_gap"  # one check entry teilweise/nein until its target date
    # the open requirements (teilweise/nein) of one target object, or of the information domain
    # as a whole (object id 0, the ISB's): one task per object and period, however many
    CHECK_GAPS = "check_gaps"
    EVIDENCE = "evidence"  # an evidence file before its valid-until date
    KRITIS = "kritis"  # the KRITIS evidence cycle of a critical facility
    PROCESSING = "processing"  # an entry of the record of processing (Art. 30 GDPR), yearly
    DPIA = "dpia"  # a signed-off impact assessment before its review date (Art. 35(11))


# The GDPR records are the DPO's: the DPO decides their reviews and hears when they are late.
PRIVACY_SUBJECTS = (Subject.PROCESSING, Subject.DPIA)


class Schedule(enum.StrEnum):
    PERIODIC = "periodic"  # every interval_months, calendar-aligned
    DEADLINE = "deadline"  # before the object's own date


_policy_version = Column("version", Integer, nullable=False, default=1)


class ReviewPolicy(SQLModel, table=True):
    __tablename__ = "review_policy"
    __mapper_args__ = {"version_id_col": _policy_version}

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)  # stable key, e.g. "schutzbedarf"
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    subject: Subject = Field(sa_type=_enum(Subject))
    schedule: Schedule = Field(default=Schedule.PERIODIC, sa_type=_enum(Schedule))
    interval_months: int = 12
    lead_days: int = 30
    # Which objects: e.g. {"min_level": 3} or {"max_level": 2} for the Schutzbedarf.
    condition: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_policy_version)


class TaskState(enum.StrEnum):
    OPEN = "offen"
    ANSWERED = "beantwortet"
    ACCEPTED = "angenommen"
    RETURNED = "zurueckgegeben"
    OBSOLETE = "entfallen"  # the object no longer needs this review (retired, closed, ...)


OPEN_STATES = (TaskState.OPEN, TaskState.RETURNED)

_task_version = Column("version", Integer, nullable=False, default=1)


class ReviewTask(SQLModel, table=True):
    """One review of one object for one period; the unique key makes generation idempotent."""

    __tablename__ = "review_task"
    __mapper_args__ = {"version_id_col": _task_version}
    __table_args__ = (
        UniqueConstraint("policy_id", "object_id", "period_key", name="uq_review_task_period"),
        Index("ix_review_task_inbox", "department_id", "state", "due_date", "id"),
        Index("ix_review_task_state_due", "state", "due_date", "id"),
        Index("ix_review_task_due", "due_date", "id"),
        # the ISB's inbox: every open or returned task, by due date
        Index(
            "ix_review_task_open_due",
            "due_date",
            "id",
            postgresql_where=text("state IN ('offen', 'zurueckgegeben')"),
            sqlite_where=text("state IN ('offen', 'zurueckgegeben')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="review_policy.id", ondelete="CASCADE")
    subject: Subject = Field(sa_type=_enum(Subject))
    object_id: int
    object_label: str = Field(default="", max_length=300)
    object_version: int | None = None  # the object as it was when the task was created
    period_key: str = Field(max_length=40)
    department_id: int | None = Field(
        default=None, foreign_key="department.id", ondelete="SET NULL"
    )
    due_date: date
    state: TaskState = Field(default=TaskState.OPEN, sa_type=_enum(TaskState))
    # The department's answer: unchanged, or proposed changes to named fields; a comment; an
    # evidence file.
    unchanged: bool | None = None
    proposed: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id", ondelete="SET NULL")
    answered_by: str = Field(default="", max_length=120)
    answered_at: datetime | None = None
    # The ISB's decision.
    decision_comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    decided_by: str = Field(default="", max_length=120)
    decided_at: datetime | None = None
    reminded_on: date | None = None  # the last reminder sent
    escalated_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_task_version)


class NoticeKind(enum.StrEnum):
    NEW = "neu"  # a task for the department
    REMINDER = "erinnerung"  # 7 days before the due date
    DUE = "faellig"  # on the due date
    ESCALATION = "eskalation"  # overdue: to the ISB
    ANSWERED = "beantwortet"  # a department answered: to the ISB
    RETURNED = "zurueck"  # the ISB returned the task: to the department


class ReviewNotice(SQLModel, table=True):
    """An in-app notification, and the mail queue: one per user, task and kind."""

    __tablename__ = "review_notice"
    __audit__ = False  # derived from the tasks; the audit trail keeps the tasks themselves
    __table_args__ = (
        UniqueConstraint("user_id", "task_id", "kind", name="uq_review_notice"),
        Index("ix_review_notice_user", "user_id", "read_at", "id"),
        Index("ix_review_notice_unsent", "mailed_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    task_id: int = Field(foreign_key="review_task.id", ondelete="CASCADE", index=True)
    kind: NoticeKind = Field(sa_type=_enum(NoticeKind))
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    mailed_at: datetime | None = None
    mail_error: str = Field(default="", max_length=300)


class DeadlineStage(enum.StrEnum):
    RUNNING = "laeuft"  # a legal deadline started
    SOON = "bald"  # little of it is left
    OVERDUE = "ueberfaellig"


class DeadlineNotice(SQLModel, table=True):
    """An in-app notification and mail about a legal deadline of an incident (GDPR Art. 33/34,
    BSIG reporting stages): one per user, incident, deadline, its due time and stage."""

    __tablename__ = "deadline_notice"
    __audit__ = False  # derived from the incidents, whose changes the audit trail keeps
    __table_args__ = (
        UniqueConstraint(
            "user_id", "incident_id", "deadline", "due_key", "stage", name="uq_deadline_notice"
        ),
        Index("ix_deadline_notice_user", "user_id", "read_at", "id"),
        Index("ix_deadline_notice_unsent", "mailed_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    incident_id: int = Field(foreign_key="incident.id", ondelete="CASCADE", index=True)
    deadline: str = Field(max_length=30)  # privacy.clocks.Deadline
    due_at: datetime | None = None  # None: "without undue delay" (Art. 34)
    due_key: str = Field(max_length=40)  # due_at as text, "-" without: part of the unique key
    stage: DeadlineStage = Field(sa_type=_enum(DeadlineStage))
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    mailed_at: datetime | None = None
    mail_error: str = Field(default="", max_length=300)
