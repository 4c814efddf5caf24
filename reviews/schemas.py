"""Input and output shapes of review tasks and policies."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reviews.models import Schedule, Subject, TaskState

# What a department may propose to change, per subject (applied by the object's own service).
PROPOSABLE: dict[Subject, tuple[str, ...]] = {
    Subject.PROTECTION: ("confidentiality", "integrity", "availability", "justification"),
    Subject.RISK: ("frequency", "impact", "scenario"),
    Subject.CHECK_GAP: ("status", "target_date", "justification", "implementation"),
    Subject.CHECK_GAPS: (),  # the requirements are updated in the Grundschutz-Check itself
    Subject.ACCEPTANCE: (),
    Subject.EVIDENCE: (),
    Subject.KRITIS: (),
    Subject.PROCESSING: (),  # changes are made in the record itself
    Subject.DPIA: (),
}


class ReviewAnswer(BaseModel):
    """The department's answer: unchanged, or proposed changes to named fields; a comment; for
    evidence reviews the new evidence file."""

    model_config = ConfigDict(extra="forbid")

    unchanged: bool
    proposed: dict[str, Any] = Field(default_factory=dict, max_length=10)
    comment: str = Field(default="", max_length=8000)
    evidence_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    version: int = Field(description="The task's version as read; a changed task answers 409")


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=8000)
    version: int


class ReviewRead(BaseModel):
    id: int
    policy: str
    policy_title: str
    subject: Subject
    object_id: int
    object_label: str
    period_key: str
    department_id: int | None
    due_date: date
    overdue: bool
    state: TaskState
    unchanged: bool | None
    proposed: dict[str, Any]
    proposable: list[str]
    comment: str
    evidence_id: int | None
    answered_by: str
    answered_at: datetime | None
    decision_comment: str
    decided_by: str
    decided_at: datetime | None
    next_review: date | None = Field(description="When the object is next due, once accepted")
    version: int


class PolicyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    interval_months: int | None = Field(default=None, ge=1, le=60)
    lead_days: int | None = Field(default=None, ge=0, le=366)
    condition: dict[str, int] | None = None
    active: bool | None = None
    version: int | None = None


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    title: str
    description: str
    subject: Subject
    schedule: Schedule
    interval_months: int
    lead_days: int
    condition: dict[str, Any]
    active: bool
    updated_by: str
    updated_at: datetime
    version: int
