"""Tables of modelling and the Grundschutz-Check."""

import enum
from datetime import date, datetime

from sqlalchemy import Column, Index, Integer, Text, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


class CheckStatus(enum.StrEnum):
    """Implementation status of a control on a target object (BSI 200-2, Grundschutz-Check)."""

    JA = "ja"
    TEILWEISE = "teilweise"
    NEIN = "nein"
    ENTBEHRLICH = "entbehrlich"
    UNBEARBEITET = "unbearbeitet"


# The Realisierungsplan's priority of an open requirement, from its modal verb: MUSS 1, SOLLTE 2,
# anything else (KANN) 3. Stored on the entry, so the plan reads its order off an index.
PRIORITY_OF_VERB = {"MUSS": 1, "SOLLTE": 2}
LOWEST_PRIORITY = 3


def priority_of(modal_verb: str | None) -> int:
    return PRIORITY_OF_VERB.get(modal_verb or "", LOWEST_PRIORITY)


class Origin(enum.StrEnum):
    AUTO = "auto"  # through the target-object categories (and sec_level)
    ADDED = "added"  # selected by the ISB


class Decision(enum.StrEnum):
    ADD = "add"
    EXCLUDE = "exclude"


class ModellingDecision(SQLModel, table=True):
    """The ISB adds or excludes a control for an asset, with a reason. Held by catalog family
    and control ref, so the decision survives the migration to a newer catalog version."""

    __tablename__ = "modelling_decision"
    __table_args__ = (
        UniqueConstraint("asset_id", "family", "control_ref", name="uq_modelling_decision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE", index=True)
    family: str = Field(max_length=120)
    control_ref: str = Field(max_length=100)
    decision: Decision = Field(
        sa_type=SAEnum(
            Decision, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]
        )
    )
    reason: str = Field(sa_column=Column(Text, nullable=False))
    decided_by: str = Field(default="", max_length=120)
    decided_at: datetime = Field(default_factory=utcnow)


_entry_version = Column("version", Integer, nullable=False, default=1)


class CheckEntry(SQLModel, table=True):
    """One control on one target object (asset_id None: the information domain as a whole)."""

    __tablename__ = "check_entry"
    __mapper_args__ = {"version_id_col": _entry_version}
    __table_args__ = (
        UniqueConstraint("asset_id", "control_id", name="uq_check_entry_asset_control"),
        Index(
            "uq_check_entry_domain_control",
            "control_id",
            unique=True,
            sqlite_where=text("asset_id IS NULL"),
            postgresql_where=text("asset_id IS NULL"),
        ),
        # The list's filters, then its order: a page is read off the index without sorting.
        # `modelled` is in every list's filter; with it the progress per department counts
        # off the first index alone.
        Index(
            "ix_check_entry_owner_status",
            "owner_department_id",
            "status",
            "modelled",
            "asset_id",
            "sort_order",
        ),
        Index("ix_check_entry_status_order", "status", "modelled", "asset_id", "sort_order"),
        # a department's whole check in list order (75,000 entries each at ten times the city)
        Index(
            "ix_check_entry_owner_order",
            "owner_department_id",
            "modelled",
            "asset_id",
            "sort_order",
        ),
        Index(
            "ix_check_entry_owner_practice",
            "owner_department_id",
            "practice",
            "asset_id",
            "sort_order",
        ),
        Index("ix_check_entry_asset_order", "asset_id", "sort_order"),
        # The Realisierungsplan: per open status, a page in plan order (priority, due date, id)
        # and the totals, read off the index alone. Entries without a target date come last
        # in the plan and have their own index, in which the order needs no sort either.
        Index(
            "ix_check_entry_plan",
            "status",
            "modelled",
            "priority",
            "target_date",
            "id",
            "owner_department_id",
            "asset_id",
            "cost",
        ),
        Index(
            "ix_check_entry_plan_undated",
            "status",
            "modelled",
            "priority",
            "id",
            "owner_department_id",
            "asset_id",
            "cost",
            "target_date",  # always NULL here; makes the index covering on SQLite
            sqlite_where=text("target_date IS NULL"),
            postgresql_where=text("target_date IS NULL"),
        ),
        Index("ix_check_entry_practice_status", "practice", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int | None = Field(default=None, foreign_key="asset.id", ondelete="CASCADE")
    control_id: int = Field(foreign_key="control.id", ondelete="RESTRICT", index=True)
    catalog_id: int = Field(foreign_key="catalog.id", ondelete="RESTRICT", index=True)
    control_ref: str = Field(max_length=100)
    practice: str | None = Field(default=None, max_length=100)
    sort_order: int = 0
    modal_verb: str | None = Field(default=None, max_length=20)
    priority: int = LOWEST_PRIORITY  # priority_of(modal_verb), kept in step with it
    modelled: bool = True  # False: no longer applies, kept for history
    origin: Origin = Field(
        default=Origin.AUTO,
        sa_type=SAEnum(
            Origin, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]
        ),
    )
    status: CheckStatus = Field(
        default=CheckStatus.UNBEARBEITET,
        sa_type=SAEnum(
            CheckStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
    )
    implementation: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    justification: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    department_id: int | None = Field(
        default=None, foreign_key="department.id", ondelete="SET NULL"
    )
    # Whose entry it is, for department scoping: the asset's department (kept in step by
    # modelling), or for entries of the information domain the responsible department.
    owner_department_id: int | None = Field(
        default=None, foreign_key="department.id", ondelete="SET NULL"
    )
    responsible: str = Field(default="", max_length=200)
    interview_partners: str = Field(default="", max_length=500)
    checked_on: date | None = None
    target_date: date | None = None
    cost: int | None = None  # estimated cost of closing the gap, in whole euros (Realisierungsplan)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_entry_version)
