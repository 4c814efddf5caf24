"""The Statement of Applicability: one row per Annex A control (by catalog family and ref)."""

import enum
from datetime import datetime

from sqlalchemy import Column, Integer, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


class Implementation(enum.StrEnum):
    """Implementation state of an Annex A control."""

    UMGESETZT = "umgesetzt"
    TEILWEISE = "teilweise"
    NICHT_UMGESETZT = "nicht_umgesetzt"
    NICHT_BEWERTET = "nicht_bewertet"


_soa_version = Column("version", Integer, nullable=False, default=1)


class SoaEntry(SQLModel, table=True):
    __tablename__ = "soa_entry"
    __mapper_args__ = {"version_id_col": _soa_version}
    __table_args__ = (UniqueConstraint("family", "control_ref", name="uq_soa_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    family: str = Field(max_length=120)
    control_ref: str = Field(max_length=100)
    applicable: bool = True
    justification: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    override: Implementation | None = Field(
        default=None,
        sa_type=SAEnum(
            Implementation,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
    )
    override_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=120)
    version: int = Field(default=1, sa_column=_soa_version)
