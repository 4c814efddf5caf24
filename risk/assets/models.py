"""Tables of the structure analysis: categories, target objects (assets) and dependencies."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Integer, SmallInteger, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


def _enum(cls: type[enum.Enum], length: int = 40) -> SAEnum:
    return SAEnum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class LifecycleStatus(enum.StrEnum):
    PLANNED = "geplant"
    IN_OPERATION = "in_betrieb"
    RETIRING = "in_aussonderung"
    RETIRED = "ausgesondert"


class KritisSector(enum.StrEnum):
    """Sectors of critical infrastructure (BSIG / BSI-KritisV)."""

    ENERGIE = "energie"
    WASSER = "wasser"  # Wasser/Abwasser
    ERNAEHRUNG = "ernaehrung"
    IT_TK = "informationstechnik_telekommunikation"
    GESUNDHEIT = "gesundheit"
    FINANZEN = "finanz_versicherungswesen"
    TRANSPORT = "transport_verkehr"
    STAAT = "staat_verwaltung"
    MEDIEN = "medien_kultur"
    ABFALL = "siedlungsabfallentsorgung"


class AssetCategory(SQLModel, table=True):
    """A target object type (Zielobjekt-Typ) from the BSI vocabulary, or one of our own."""

    __tablename__ = "asset_category"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=36, unique=True)
    name: str = Field(max_length=120, unique=True)
    definition: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    group: str = Field(default="", max_length=120)  # the vocabulary's "Typ", e.g. Anwendungen
    kind: str = Field(default="", max_length=60)  # Organisatorisch / Technisch / ...
    synonyms: str = Field(default="", max_length=500)
    parent_id: int | None = Field(
        default=None, foreign_key="asset_category.id", ondelete="SET NULL"
    )
    source: str = Field(default="bsi", max_length=20)  # bsi | isms (our additions, e.g. ICS/OT)


_asset_version = Column("version", Integer, nullable=False, default=1)


class Asset(SQLModel, table=True):
    """A target object (Zielobjekt) of the information domain, possibly a group of like items."""

    __tablename__ = "asset"
    __mapper_args__ = {"version_id_col": _asset_version}
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        Index("ix_asset_department_max", "department_id", "max_level"),
        Index("ix_asset_category_max", "category_id", "max_level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    short_id: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200, index=True)
    category_id: int = Field(foreign_key="asset_category.id", ondelete="RESTRICT", index=True)
    department_id: int = Field(foreign_key="department.id", ondelete="RESTRICT", index=True)
    responsible: str = Field(default="", max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    location: str = Field(default="", max_length=200)
    quantity: int = 1
    status: LifecycleStatus = Field(
        default=LifecycleStatus.IN_OPERATION, sa_type=_enum(LifecycleStatus)
    )
    tags: str = Field(default="", max_length=500)  # comma separated, normalised lower-case
    kritis_sector: KritisSector | None = Field(default=None, sa_type=_enum(KritisSector))
    kritis_critical: bool = Field(default=False, index=True)

    # Protection requirement per Grundwert: own assessment, override, computed values.
    c_assessed: int | None = Field(default=None, sa_type=SmallInteger)
    c_override: str | None = Field(default=None, max_length=20)
    c_justification: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    c_scenarios: str = Field(default="", max_length=300)
    c_inherited: int | None = Field(default=None, sa_type=SmallInteger)
    c_level: int | None = Field(default=None, sa_type=SmallInteger)
    c_source_id: int | None = Field(default=None)
    i_assessed: int | None = Field(default=None, sa_type=SmallInteger)
    i_override: str | None = Field(default=None, max_length=20)
    i_justification: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    i_scenarios: str = Field(default="", max_length=300)
    i_inherited: int | None = Field(default=None, sa_type=SmallInteger)
    i_level: int | None = Field(default=None, sa_type=SmallInteger)
    i_source_id: int | None = Field(default=None)
    a_assessed: int | None = Field(default=None, sa_type=SmallInteger)
    a_override: str | None = Field(default=None, max_length=20)
    a_justification: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    a_scenarios: str = Field(default="", max_length=300)
    a_inherited: int | None = Field(default=None, sa_type=SmallInteger)
    a_level: int | None = Field(default=None, sa_type=SmallInteger)
    a_source_id: int | None = Field(default=None)
    max_level: int | None = Field(default=None, sa_type=SmallInteger, index=True)

    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_asset_version)


class AssetDependency(SQLModel, table=True):
    """`dependent` depends on `dependency` (process -> information -> application -> system)."""

    __tablename__ = "asset_dependency"
    __table_args__ = (
        UniqueConstraint("dependent_id", "dependency_id", name="uq_asset_dependency_pair"),
        CheckConstraint("dependent_id <> dependency_id", name="not_self"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dependent_id: int = Field(foreign_key="asset.id", ondelete="CASCADE", index=True)
    dependency_id: int = Field(foreign_key="asset.id", ondelete="CASCADE", index=True)
    description: str = Field(default="", max_length=500)
