"""Tables of the risk analysis: threats, matrices, the threat overview per object, risks, their
measures and their history."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Integer, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


def _enum(cls: type[enum.Enum], length: int = 20) -> SAEnum:
    return SAEnum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class ThreatSource(enum.StrEnum):
    BSI = "bsi"  # an elementary threat G 0.x
    OWN = "own"  # an additional threat of the organisation


class Threat(SQLModel, table=True):
    __tablename__ = "threat"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)  # G 0.1 ... G 0.47, or the organisation's own
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: ThreatSource = Field(default=ThreatSource.OWN, sa_type=_enum(ThreatSource, 10))
    uuid: str | None = Field(default=None, max_length=36)
    sort_key: int = 0  # G 0.9 before G 0.10
    created_at: datetime = Field(default_factory=utcnow)


class RiskMatrix(SQLModel, table=True):
    """A frequency x impact matrix; the active one is used for new analyses."""

    __tablename__ = "risk_matrix"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    frequencies: list[str] = Field(sa_column=Column(JSON, nullable=False))
    impacts: list[str] = Field(sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(sa_column=Column(JSON, nullable=False))
    cells: list[list[str]] = Field(sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=False, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=120)


class AssetThreat(SQLModel, table=True):
    """The threat overview (Gefaehrdungsuebersicht) of an object as the ISB confirmed it."""

    __tablename__ = "asset_threat"
    __table_args__ = (UniqueConstraint("asset_id", "threat_id", name="uq_asset_threat"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE", index=True)
    threat_id: int = Field(foreign_key="threat.id", ondelete="CASCADE")
    relevant: bool = True
    proposed: bool = False  # the mapping proposed it (else added by hand)
    note: str = Field(default="", max_length=2000)
    decided_by: str = Field(default="", max_length=120)
    decided_at: datetime = Field(default_factory=utcnow)


class RiskStatus(enum.StrEnum):
    OPEN = "offen"  # assessed, treatment not decided
    IN_TREATMENT = "in_behandlung"
    ACCEPTED = "akzeptiert"
    CLOSED = "geschlossen"


class Treatment(enum.StrEnum):
    AVOID = "vermeiden"
    REDUCE = "reduzieren"
    TRANSFER = "transferieren"
    ACCEPT = "akzeptieren"


_risk_version = Column("version", Integer, nullable=False, default=1)


class Risk(SQLModel, table=True):
    """An object (or group) x threat with a scenario, rated before and after treatment."""

    __tablename__ = "risk"
    __mapper_args__ = {"version_id_col": _risk_version}
    # The list is read off these in its orders (category first, or last changed), filtered by
    # department, status or category; the heat map is counted off a covering index.
    __table_args__ = (
        Index("ix_risk_rank", "category_rank", "id"),
        Index("ix_risk_updated", "updated_at", "id"),
        Index("ix_risk_owner_rank", "owner_department_id", "category_rank", "id"),
        Index("ix_risk_status_rank", "status", "category_rank", "id"),
        Index("ix_risk_category_rank", "category", "category_rank", "id"),
        Index(
            "ix_risk_matrix_cell",
            "matrix_id",
            "impact",
            "frequency",
            "residual_impact",
            "residual_frequency",
            "status",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)  # R-0001
    title: str = Field(max_length=200)
    scenario: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE", index=True)
    threat_id: int = Field(foreign_key="threat.id", ondelete="RESTRICT", index=True)
    confidentiality: bool = False
    integrity: bool = False
    availability: bool = False
    owner_department_id: int = Field(foreign_key="department.id", ondelete="RESTRICT")
    owner: str = Field(default="", max_length=200)
    matrix_id: int = Field(foreign_key="risk_matrix.id", ondelete="RESTRICT")
    frequency: str = Field(max_length=40)
    impact: str = Field(max_length=40)
    category: str = Field(max_length=40)
    category_rank: int = 0  # position of category in its matrix, for sorting and thresholds
    residual_frequency: str | None = Field(default=None, max_length=40)
    residual_impact: str | None = Field(default=None, max_length=40)
    residual_category: str | None = Field(default=None, max_length=40)
    status: RiskStatus = Field(default=RiskStatus.OPEN, sa_type=_enum(RiskStatus))
    treatment: Treatment | None = Field(default=None, sa_type=_enum(Treatment))
    treatment_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Acceptance: a named approver (management), the reason and an expiry date.
    accepted_by: str = Field(default="", max_length=200)
    acceptance_justification: str = Field(
        default="", sa_column=Column(Text, nullable=False, default="")
    )
    acceptance_expires: date | None = None
    accepted_at: datetime | None = None
    kritis_flag: bool = False  # accepted on a KRITIS facility although measures exist
    kritis_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    closed_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_risk_version)


class RiskRequirement(SQLModel, table=True):
    """A requirement of the Grundschutz-Check whose gap the risk stems from."""

    __tablename__ = "risk_requirement"
    __table_args__ = (UniqueConstraint("risk_id", "check_entry_id", name="uq_risk_requirement"),)

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id", ondelete="CASCADE", index=True)
    check_entry_id: int = Field(foreign_key="check_entry.id", ondelete="CASCADE", index=True)


class MeasureStatus(enum.StrEnum):
    PLANNED = "geplant"
    IN_PROGRESS = "in_umsetzung"
    DONE = "umgesetzt"
    DROPPED = "verworfen"


OPEN_MEASURE = (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)

_measure_version = Column("version", Integer, nullable=False, default=1)


class Measure(SQLModel, table=True):
    """A measure of risk reduction: a catalog control or one of the organisation's own."""

    __tablename__ = "measure"
    __mapper_args__ = {"version_id_col": _measure_version}
    __table_args__ = (
        Index("ix_measure_owner_status_due", "owner_department_id", "status", "due_date"),
        Index("ix_measure_status_due", "status", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id", ondelete="CASCADE", index=True)
    control_id: int | None = Field(default=None, foreign_key="control.id", ondelete="SET NULL")
    control_ref: str = Field(default="", max_length=100)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    owner_department_id: int = Field(foreign_key="department.id", ondelete="RESTRICT")
    responsible: str = Field(default="", max_length=200)
    due_date: date | None = None
    cost: int | None = None  # estimated, in whole euros
    priority: int = 2  # 1 hoch, 2 mittel, 3 niedrig
    status: MeasureStatus = Field(default=MeasureStatus.PLANNED, sa_type=_enum(MeasureStatus))
    completed_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_measure_version)


class RiskEvent(SQLModel, table=True):
    """The history of a risk in words: rated, treated, accepted, a measure added, closed.
    (The audit trail keeps every field change as well.)"""

    __tablename__ = "risk_event"
    __audit__ = False  # the audit trail already records the changes this summarises

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id", ondelete="CASCADE", index=True)
    occurred_at: datetime = Field(default_factory=utcnow)
    actor: str = Field(default="", max_length=120)
    action: str = Field(max_length=40)
    details: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
