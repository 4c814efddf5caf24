"""Tables of the GDPR documentation: records of processing activities and the objects that
carry them."""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Integer, Text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


class ActivityStatus(enum.StrEnum):
    DRAFT = "entwurf"
    ACTIVE = "aktiv"
    ENDED = "eingestellt"


_activity_version = Column("version", Integer, nullable=False, default=1)


class ProcessingActivity(SQLModel, table=True):
    """One entry of the record of processing activities (Art. 30(1) GDPR)."""

    __tablename__ = "processing_activity"
    __mapper_args__ = {"version_id_col": _activity_version}

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)  # VVT-0001
    name: str = Field(max_length=300, index=True)
    department_id: int = Field(foreign_key="department.id", ondelete="RESTRICT", index=True)
    status: ActivityStatus = Field(
        default=ActivityStatus.DRAFT,
        sa_type=SAEnum(
            ActivityStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
    )
    # Art. 30(1)(a): controller, joint controllers, the DPO's contact
    controller: str = Field(sa_column=Column(Text, nullable=False))
    joint_controllers: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    dpo_contact: str = Field(sa_column=Column(Text, nullable=False))
    # (b) purposes and the legal basis (Art. 6(1), Art. 9(2) for special categories)
    purposes: str = Field(sa_column=Column(Text, nullable=False))
    legal_bases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    legal_basis_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    special_categories: bool = False
    # (c) categories of data subjects and of personal data, (f) erasure period per category
    data_subjects: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data_categories: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # (d) recipients (internal, external, processors with their contract), (e) third countries
    recipients: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    transfers: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # (g) the measures: derived from the check of the linked objects, plus this note
    tom_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    dpia_required: bool = False
    dpia_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=120)
    version: int = Field(default=1, sa_column=_activity_version)


class ProcessingAsset(SQLModel, table=True):
    """A target object (process, application, system) that carries a processing activity."""

    __tablename__ = "processing_asset"

    activity_id: int = Field(
        foreign_key="processing_activity.id", ondelete="CASCADE", primary_key=True
    )
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE", primary_key=True, index=True)


class Severity(enum.StrEnum):
    LOW = "niedrig"
    MEDIUM = "mittel"
    HIGH = "hoch"
    CRITICAL = "kritisch"


class IncidentStatus(enum.StrEnum):
    OPEN = "offen"
    CONTAINED = "eingedaemmt"
    CLOSED = "abgeschlossen"


class RiskToRights(enum.StrEnum):
    """The risk a personal-data breach poses to the rights and freedoms of the data subjects:
    it decides the notification to the authority (Art. 33) and to the subjects (Art. 34)."""

    UNASSESSED = "offen"
    NONE = "kein_risiko"
    RISK = "risiko"
    HIGH = "hohes_risiko"


def _enum(cls: type[enum.Enum]) -> SAEnum:
    return SAEnum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


_incident_version = Column("version", Integer, nullable=False, default=1)


class Incident(SQLModel, table=True):
    """A security incident or a personal-data breach, with the times the legal clocks run from
    and the notifications made (GDPR Art. 33/34, BSIG reporting of critical facilities)."""

    __tablename__ = "incident"
    __mapper_args__ = {"version_id_col": _incident_version}

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)  # SV-0001
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    department_id: int = Field(foreign_key="department.id", ondelete="RESTRICT", index=True)
    severity: Severity = Field(default=Severity.MEDIUM, sa_type=_enum(Severity))
    status: IncidentStatus = Field(default=IncidentStatus.OPEN, sa_type=_enum(IncidentStatus))
    occurred_at: datetime | None = None
    detected_at: datetime
    aware_at: datetime  # the clocks run from here (Art. 33(1): "after having become aware")
    actions: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Personal-data breach (Art. 4(12)) and what Art. 33(3) asks for
    personal_data: bool = Field(default=False, index=True)
    risk_to_rights: RiskToRights = Field(
        default=RiskToRights.UNASSESSED, sa_type=_enum(RiskToRights)
    )
    nature: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    subject_categories: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    subjects_count: int | None = None
    record_categories: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    records_count: int | None = None
    consequences: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    measures: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    authority_notified_at: datetime | None = None
    authority_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    subjects_notified_at: datetime | None = None
    subjects_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # BSIG reporting of critical facilities: early warning, notification, final report
    kritis: bool = Field(default=False, index=True)
    early_warning_at: datetime | None = None
    notification_at: datetime | None = None
    final_report_at: datetime | None = None
    closed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=120)
    version: int = Field(default=1, sa_column=_incident_version)


class IncidentAsset(SQLModel, table=True):
    __tablename__ = "incident_asset"

    incident_id: int = Field(foreign_key="incident.id", ondelete="CASCADE", primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE", primary_key=True, index=True)


class IncidentActivity(SQLModel, table=True):
    """A processing activity whose personal data the incident touches."""

    __tablename__ = "incident_activity"

    incident_id: int = Field(foreign_key="incident.id", ondelete="CASCADE", primary_key=True)
    activity_id: int = Field(
        foreign_key="processing_activity.id", ondelete="CASCADE", primary_key=True, index=True
    )


class DpiaStatus(enum.StrEnum):
    NOT_REQUIRED = "nicht_erforderlich"  # the threshold check found no DPIA needed
    DRAFT = "entwurf"
    APPROVED = "freigegeben"  # signed off by the controller, after the DPO's opinion
    REVIEW = "zu_pruefen"  # the processing changed (or the review date passed) since


class DpiaCriterion(SQLModel, table=True):
    """A threshold criterion the DPO adds to the built-in ones (Art. 35(3), WP 248), e.g. from
    the supervisory authorities' list of processing that always needs a DPIA (Art. 35(4))."""

    __tablename__ = "dpia_criterion"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    kind: str = Field(max_length=10)  # legal.MUST or legal.INDICATOR
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=120)


_dpia_version = Column("version", Integer, nullable=False, default=1)


class Dpia(SQLModel, table=True):
    """The data protection impact assessment (Art. 35) of one processing activity: threshold
    check, assessment, the DPO's opinion, the controller's sign-off and its review."""

    __tablename__ = "dpia"
    __mapper_args__ = {"version_id_col": _dpia_version}

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)  # DSFA-0001
    activity_id: int = Field(foreign_key="processing_activity.id", ondelete="RESTRICT", unique=True)
    status: DpiaStatus = Field(default=DpiaStatus.DRAFT, sa_type=_enum(DpiaStatus))
    # Threshold check: the criteria that apply (codes), a note, and the result
    criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    threshold_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    required: bool = False
    # Art. 35(7): (a) systematic description and purposes, (b) necessity and proportionality,
    # (c) the risks to the rights and freedoms of the data subjects, (d) the measures
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    purposes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    necessity: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    risks: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    measures: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Art. 35(2): the DPO's advice; Art. 36: prior consultation where a high risk remains
    dpo_opinion: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    dpo_opinion_by: str = Field(default="", max_length=120)
    dpo_opinion_at: datetime | None = None
    authority_consulted_at: datetime | None = None
    signed_off_by: str = Field(default="", max_length=120)
    signed_off_at: datetime | None = None
    review_on: date | None = None  # the next regular review (Art. 35(11))
    review_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=120)
    version: int = Field(default=1, sa_column=_dpia_version)
