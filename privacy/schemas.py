"""Input and output shapes of the record of processing activities and the incident register."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from privacy.clocks import ClockState, Deadline
from privacy.legal import LegalBasis
from privacy.models import ActivityStatus, DpiaStatus, IncidentStatus, RiskToRights, Severity
from risk.assets.schemas import AssetRef

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=8000)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8000)]


class DataCategory(BaseModel):
    """A category of personal data and when it is erased (Art. 30(1)(c), (f))."""

    model_config = ConfigDict(extra="forbid")

    name: Line
    erasure: Line = Field(description="Erasure period, e.g. '10 Jahre nach Abschluss'")


class Recipient(BaseModel):
    """Who receives the data (Art. 30(1)(d)); a processor needs its contract (Art. 28)."""

    model_config = ConfigDict(extra="forbid")

    name: Line
    kind: Literal["intern", "extern", "auftragsverarbeiter"]
    contract: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class Transfer(BaseModel):
    """A transfer to a third country and its safeguard (Art. 30(1)(e), Art. 44 ff.)."""

    model_config = ConfigDict(extra="forbid")

    country: Line
    safeguard: Line = Field(description="e.g. Angemessenheitsbeschluss, Standardvertragsklauseln")


class ActivityFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Line
    department_id: int = Field(ge=1, le=2_147_483_647)
    status: ActivityStatus = ActivityStatus.DRAFT
    controller: Required
    joint_controllers: Text = ""
    dpo_contact: Required
    purposes: Required
    legal_bases: list[LegalBasis] = Field(
        min_length=1, max_length=16, description="Art. 6(1) a-f, Art. 9(2) a-j"
    )
    legal_basis_note: Text = Field(default="", description="e.g. the law behind Art. 6(1)(c)/(e)")
    special_categories: bool = Field(default=False, description="Art. 9 data")
    data_subjects: list[Line] = Field(min_length=1, max_length=50)
    data_categories: list[DataCategory] = Field(min_length=1, max_length=100)
    recipients: list[Recipient] = Field(default_factory=list, max_length=100)
    transfers: list[Transfer] = Field(default_factory=list, max_length=50)
    tom_note: Text = ""
    dpia_required: bool = False
    dpia_reason: Text = ""
    asset_ids: list[Id] = Field(default_factory=list, max_length=500)


class ActivityCreate(ActivityFields):
    pass


class ActivityUpdate(ActivityFields):
    version: int | None = Field(default=None, description="Expected version; 409 if stale")


class ActivityRead(BaseModel):
    id: int
    ref: str
    name: str
    department_id: int
    status: ActivityStatus
    controller: str
    joint_controllers: str
    dpo_contact: str
    purposes: str
    legal_bases: list[str]
    legal_basis_note: str
    special_categories: bool
    data_subjects: list[str]
    data_categories: list[DataCategory]
    recipients: list[Recipient]
    transfers: list[Transfer]
    tom_note: str
    dpia_required: bool
    dpia_reason: str
    assets: list[AssetRef]
    created_at: datetime
    updated_at: datetime
    updated_by: str
    version: int


class TomRow(BaseModel):
    """A requirement of a linked object, as it stands in the Grundschutz-Check."""

    asset: AssetRef | None
    ref: str
    title: str
    status: str
    implementation: str


class TomGroup(BaseModel):
    goal: Literal["a", "b", "c", "d"] = Field(description="Art. 32(1) a-d")
    implemented: int
    open: int
    rows: list[TomRow]


class TomRead(BaseModel):
    """Art. 30(1)(g): the measures, derived from the check of the objects that carry the
    activity, grouped by the goals of Art. 32(1); true whenever the check changes."""

    activity_id: int
    note: str
    groups: list[TomGroup]


# Incidents and breaches

Count = Field(default=None, ge=0, le=2_147_483_647)


class IncidentFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Line
    description: Text = ""
    department_id: int = Field(ge=1, le=2_147_483_647)
    severity: Severity = Severity.MEDIUM
    status: IncidentStatus = IncidentStatus.OPEN
    occurred_at: AwareDatetime | None = None
    detected_at: AwareDatetime
    aware_at: AwareDatetime = Field(description="Became aware: the deadlines run from here")
    actions: Text = ""
    asset_ids: list[Id] = Field(default_factory=list, max_length=500)
    activity_ids: list[Id] = Field(default_factory=list, max_length=100)
    personal_data: bool = Field(default=False, description="A personal-data breach")
    risk_to_rights: RiskToRights = RiskToRights.UNASSESSED
    nature: Text = Field(default="", description="Art. 33(3)(a)")
    subject_categories: Text = ""
    subjects_count: int | None = Count
    record_categories: Text = ""
    records_count: int | None = Count
    consequences: Text = Field(default="", description="Art. 33(3)(c)")
    measures: Text = Field(default="", description="Art. 33(3)(d)")
    authority_notified_at: AwareDatetime | None = None
    authority_reason: Text = Field(
        default="", description="Why not notified (Art. 33(5)) or the reasons for a delay"
    )
    subjects_notified_at: AwareDatetime | None = None
    subjects_reason: Text = Field(default="", description="The Art. 34(3) exception that applies")
    kritis: bool = Field(default=False, description="Report under the BSIG (critical facility)")
    early_warning_at: AwareDatetime | None = None
    notification_at: AwareDatetime | None = None
    final_report_at: AwareDatetime | None = None


class IncidentCreate(IncidentFields):
    pass


class IncidentUpdate(IncidentFields):
    version: int | None = Field(default=None, description="Expected version; 409 if stale")


class ClockRead(BaseModel):
    deadline: Deadline
    due: datetime | None
    done: datetime | None
    state: ClockState
    seconds_left: int | None = Field(description="Until the deadline; negative when past")


class IncidentRead(BaseModel):
    id: int
    ref: str
    title: str
    description: str
    department_id: int
    severity: Severity
    status: IncidentStatus
    occurred_at: datetime | None
    detected_at: datetime
    aware_at: datetime
    actions: str
    assets: list[AssetRef]
    activity_ids: list[int]
    personal_data: bool
    risk_to_rights: RiskToRights
    nature: str
    subject_categories: str
    subjects_count: int | None
    record_categories: str
    records_count: int | None
    consequences: str
    measures: str
    authority_notified_at: datetime | None
    authority_reason: str
    subjects_notified_at: datetime | None
    subjects_reason: str
    kritis: bool
    early_warning_at: datetime | None
    notification_at: datetime | None
    final_report_at: datetime | None
    clocks: list[ClockRead]
    created_at: datetime
    created_by: str
    updated_at: datetime
    version: int


class DueClockRead(BaseModel):
    """A deadline still to be met, for the dashboard and the reminders."""

    incident_id: int
    ref: str
    title: str
    clock: ClockRead


# Data protection impact assessments (Art. 35)

Step = Annotated[
    int, Field(ge=1, le=4, description="1 negligible ... 4 maximum (DSK short paper 18)")
]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,40}$")]


class CriterionRead(BaseModel):
    code: str
    title: str
    description: str
    kind: Literal["muss", "indiz"]
    builtin: bool
    active: bool


class CriterionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    title: Line
    description: Text = ""
    kind: Literal["muss", "indiz"] = Field(description="muss: one suffices; indiz: two do")


class CriterionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Line
    description: Text = ""
    kind: Literal["muss", "indiz"]
    active: bool = True


class DpiaRisk(BaseModel):
    """A risk to the rights and freedoms of the data subjects, before and after the measures."""

    model_config = ConfigDict(extra="forbid")

    title: Line
    description: Text = ""
    likelihood: Step
    severity: Step
    measures: Text = ""
    residual_likelihood: Step
    residual_severity: Step


class DpiaRiskRead(DpiaRisk):
    level: Literal["gering", "risiko", "hoch"]
    residual_level: Literal["gering", "risiko", "hoch"]


class DpiaCreate(BaseModel):
    """The threshold check that opens the DPIA of a processing activity."""

    model_config = ConfigDict(extra="forbid")

    activity_id: Id
    criteria: list[Code] = Field(default_factory=list, max_length=50)
    threshold_note: Text = ""


class DpiaUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="Expected version; 409 if stale")
    criteria: list[Code] = Field(default_factory=list, max_length=50)
    threshold_note: Text = ""
    description: Text = Field(default="", description="Art. 35(7)(a) systematic description")
    purposes: Text = ""
    necessity: Text = Field(default="", description="Art. 35(7)(b) necessity, proportionality")
    risks: list[DpiaRisk] = Field(default_factory=list, max_length=100)
    measures: Text = Field(default="", description="Art. 35(7)(d)")
    authority_consulted_at: AwareDatetime | None = Field(
        default=None, description="Prior consultation of the supervisory authority (Art. 36)"
    )


class DpiaOpinion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    opinion: Required


class DpiaSignOff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    review_on: date | None = Field(default=None, description="Next review; default in a year")


class DpiaRead(BaseModel):
    id: int
    ref: str
    activity_id: int
    activity_ref: str
    activity_name: str
    department_id: int
    status: DpiaStatus
    criteria: list[str]
    threshold_note: str
    required: bool
    description: str
    purposes: str
    necessity: str
    risks: list[DpiaRiskRead]
    measures: str
    consultation_required: bool = Field(description="A high risk remains (Art. 36)")
    missing: list[str] = Field(description="What the sign-off still needs (field names)")
    dpo_opinion: str
    dpo_opinion_by: str
    dpo_opinion_at: datetime | None
    authority_consulted_at: datetime | None
    signed_off_by: str
    signed_off_at: datetime | None
    review_on: date | None
    review_due: bool
    review_reason: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    version: int
