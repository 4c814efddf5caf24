"""Input and output shapes of threats, matrices, risks, measures and the Realisierungsplan."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from risk.analysis.models import MeasureStatus, RiskStatus, ThreatSource, Treatment
from risk.assets.schemas import AssetRef

MAX_COST = 2_147_483_647  # an integer column on PostgreSQL
Level = Field(max_length=40, description="A level of the risk's matrix, e.g. selten, begrenzt")


class ThreatCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=8000)


class ThreatUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=8000)


class ThreatRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ref: str
    name: str
    description: str
    source: ThreatSource


class ThreatRef(BaseModel):
    id: int
    ref: str
    name: str


class OverviewRowRead(BaseModel):
    threat: ThreatRef
    proposed: bool = Field(description="The ITGS-to-GS++ mapping attaches it to modelled controls")
    controls: list[str] = Field(description="Those modelled controls")
    decided: bool = Field(description="The ISB confirmed or excluded it")
    relevant: bool
    note: str
    decided_by: str | None
    risks: int


class OverviewUpdate(BaseModel):
    """The confirmed threat overview: every listed threat is relevant, the others are not."""

    model_config = ConfigDict(extra="forbid")

    relevant: list[int] = Field(max_length=500)
    notes: dict[int, str] = Field(default_factory=dict, max_length=500)


class MatrixCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    frequencies: list[str] = Field(min_length=1, max_length=7, description="Lowest first")
    impacts: list[str] = Field(min_length=1, max_length=7, description="Lowest first")
    categories: list[str] = Field(min_length=1, max_length=7, description="Lowest first")
    cells: list[list[str]] = Field(
        description="cells[impact][frequency]: the category, lowest impact first"
    )
    activate: bool = Field(default=True, description="Use it for new analyses")


class MatrixRead(BaseModel):
    id: int | None = Field(description="None: the built-in BSI 200-3 matrix, not yet stored")
    name: str
    frequencies: list[str]
    impacts: list[str]
    categories: list[str]
    cells: list[list[str]]
    active: bool


class RiskFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    scenario: str = Field(default="", max_length=8000)
    confidentiality: bool = False
    integrity: bool = False
    availability: bool = False
    owner_department_id: int | None = Field(default=None, description="Default: the asset's")
    owner: str = Field(default="", max_length=200)
    frequency: str = Level
    impact: str = Level
    requirement_ids: list[int] = Field(
        default_factory=list,
        max_length=100,
        description="Check entries whose gap the risk stems from",
    )


class RiskCreate(RiskFields):
    asset_id: int
    threat_id: int


class RiskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    scenario: str | None = Field(default=None, max_length=8000)
    confidentiality: bool | None = None
    integrity: bool | None = None
    availability: bool | None = None
    owner_department_id: int | None = None
    owner: str | None = Field(default=None, max_length=200)
    frequency: str | None = Field(default=None, max_length=40)
    impact: str | None = Field(default=None, max_length=40)
    residual_frequency: str | None = Field(default=None, max_length=40)
    residual_impact: str | None = Field(default=None, max_length=40)
    requirement_ids: list[int] | None = Field(default=None, max_length=100)
    version: int | None = Field(default=None, description="The version read; stale writes: 409")


class TreatmentInput(BaseModel):
    """Avoid, reduce or transfer (acceptance has its own form with the approver)."""

    model_config = ConfigDict(extra="forbid")

    treatment: Treatment
    note: str = Field(default="", max_length=8000)
    residual_frequency: str | None = Field(default=None, max_length=40)
    residual_impact: str | None = Field(default=None, max_length=40)
    version: int | None = None


class AcceptanceInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approver: str = Field(max_length=200, description="Who accepts for the management")
    justification: str = Field(max_length=8000)
    expires_on: date | None = Field(description="The acceptance must be reviewed by then")
    residual_frequency: str | None = Field(default=None, max_length=40)
    residual_impact: str | None = Field(default=None, max_length=40)
    version: int | None = None


class ReasonInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=4000)
    version: int | None = None


class AcceptanceRead(BaseModel):
    approver: str
    justification: str
    expires_on: date | None
    accepted_at: datetime | None
    expired: bool


class RiskRead(BaseModel):
    id: int
    ref: str
    title: str
    scenario: str
    asset: AssetRef
    kritis_critical: bool
    threat: ThreatRef
    confidentiality: bool
    integrity: bool
    availability: bool
    owner_department_id: int
    owner: str
    matrix_id: int
    frequency: str
    impact: str
    category: str = Field(description="Before treatment")
    residual_frequency: str | None
    residual_impact: str | None
    residual_category: str | None = Field(description="After treatment")
    status: RiskStatus
    treatment: Treatment | None
    treatment_note: str
    acceptance: AcceptanceRead | None
    kritis_flag: bool = Field(description="Accepted on a KRITIS facility though measures exist")
    kritis_note: str
    closed_reason: str
    requirement_ids: list[int]
    open_measures: int
    created_at: datetime
    updated_at: datetime
    version: int


class RiskDecision(RiskRead):
    warnings: list[str] = Field(default_factory=list, description="E.g. the KRITIS flag")


class RiskEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    occurred_at: datetime
    actor: str
    action: str
    details: dict[str, object]


class HeatmapRead(BaseModel):
    matrix: MatrixRead
    basis: Literal["gross", "residual"]
    counts: list[list[int]] = Field(description="counts[impact][frequency], lowest impact first")
    by_category: dict[str, int]
    total: int
    other_matrices: int = Field(description="Risks rated on another matrix, not in this map")


class CandidateRead(BaseModel):
    asset: AssetRef
    max_level: str | None
    kritis_critical: bool
    high_protection: bool
    no_fitting_controls: bool
    risks: int
    overview_confirmed: bool


class MeasureFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=300, description="Default: the control's title")
    description: str = Field(default="", max_length=8000)
    owner_department_id: int | None = Field(default=None, description="Default: the risk's")
    responsible: str = Field(default="", max_length=200)
    due_date: date | None = None
    cost: int | None = Field(default=None, ge=0, le=MAX_COST, description="Estimate in euros")
    priority: int | None = Field(default=None, ge=1, le=3, description="1 hoch, 3 niedrig")
    status: MeasureStatus = MeasureStatus.PLANNED


class MeasureCreate(MeasureFields):
    risk_id: int
    control_id: int | None = Field(default=None, description="A catalog control, or none: own")


class MeasureUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=8000)
    owner_department_id: int | None = None
    responsible: str | None = Field(default=None, max_length=200)
    due_date: date | None = None
    cost: int | None = Field(default=None, ge=0, le=MAX_COST, description="Estimate in euros")
    priority: int | None = Field(default=None, ge=1, le=3)
    status: MeasureStatus | None = None
    version: int | None = None


class MeasureRead(BaseModel):
    id: int
    risk_id: int
    risk_ref: str
    control_id: int | None
    control_ref: str
    title: str
    description: str
    owner_department_id: int
    responsible: str
    due_date: date | None
    cost: int | None
    priority: int
    status: MeasureStatus
    completed_on: date | None
    overdue: bool
    version: int


class PlanItemRead(BaseModel):
    kind: Literal["check", "measure"]
    id: int
    ref: str = Field(description="The control's ref, or the measure's control ref")
    title: str
    asset: AssetRef | None
    risk_ref: str | None
    owner_department_id: int | None
    responsible: str
    due_date: date | None
    cost: int | None
    priority: int = Field(description="1 hoch, 2 mittel, 3 niedrig")
    status: str
    overdue: bool
