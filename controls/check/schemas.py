"""Input and output shapes of modelling and the Grundschutz-Check."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from controls.check.models import CheckStatus, Decision, Origin


class CheckUpdate(BaseModel):
    """What a department or the ISB records for one control on one object."""

    model_config = ConfigDict(extra="forbid")

    status: CheckStatus | None = None
    implementation: str | None = Field(default=None, max_length=8000)
    justification: str | None = Field(default=None, max_length=8000)
    department_id: int | None = None
    responsible: str | None = Field(default=None, max_length=200)
    interview_partners: str | None = Field(default=None, max_length=500)
    checked_on: date | None = None
    target_date: date | None = None
    cost: int | None = Field(default=None, ge=0, le=2_147_483_647, description="Estimate in euros")
    evidence_ids: list[int] | None = Field(default=None, max_length=50)
    version: int | None = Field(default=None, description="The version read; stale writes: 409")


class BulkItem(CheckUpdate):
    id: int


class BulkUpdate(BaseModel):
    """Many check entries at once: all are written, or none (the errors name each row)."""

    model_config = ConfigDict(extra="forbid")

    items: list[BulkItem] = Field(min_length=1, max_length=500)


class AssetRef(BaseModel):
    id: int
    short_id: str
    name: str


class ControlRef(BaseModel):
    id: int
    ref: str
    title: str
    catalog_id: int
    modal_verb: str | None
    sec_level: str | None


class CheckRead(BaseModel):
    id: int
    asset: AssetRef | None  # None: the information domain as a whole
    control: ControlRef
    practice: str | None
    modelled: bool
    origin: Origin
    status: CheckStatus
    implementation: str
    justification: str
    department_id: int | None
    responsible: str
    interview_partners: str
    checked_on: date | None
    target_date: date | None
    cost: int | None
    overdue: bool
    evidence_ids: list[int]
    updated_at: datetime
    version: int


class DecisionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    control_id: int
    decision: Decision
    reason: str = Field(min_length=10, max_length=4000)


class DecisionRead(BaseModel):
    id: int
    asset_id: int
    family: str
    control_ref: str
    decision: Decision
    reason: str
    decided_by: str
    decided_at: datetime


class ProgressRow(BaseModel):
    key: str
    label: str
    total: int
    ja: int
    teilweise: int
    nein: int
    entbehrlich: int
    unbearbeitet: int
    progress: float = Field(description="Share of entries worked on (not unbearbeitet), 0-100")
    compliance: float | None = Field(
        description="(ja + teilweise/2) / (total - entbehrlich), 0-100; None when nothing applies"
    )


class ModellingResult(BaseModel):
    assets: int
    created: int
    reactivated: int
    retired: int
    removed: int
