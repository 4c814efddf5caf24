"""Tables of the control catalogs: catalog versions, their groups and controls, mappings.

Catalog content is written in bulk by the importer and never edited; one audit event records
each import (the rows themselves are not audited one by one: `__audit__ = False`).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from isms.clock import utcnow


class Catalog(SQLModel, table=True):
    """One imported version (edition) of an OSCAL catalog; `family` ties the versions together."""

    __tablename__ = "catalog"
    __table_args__ = (UniqueConstraint("family", "sha256", name="uq_catalog_family_content"),)

    id: int | None = Field(default=None, primary_key=True)
    family: str = Field(
        max_length=120, index=True
    )  # slug of the title, e.g. bsi-stand-der-technik-kernel
    title: str = Field(max_length=300)
    version: str = Field(max_length=120)  # metadata.version as published
    oscal_uuid: str = Field(max_length=36)
    oscal_version: str = Field(max_length=20)
    published: str | None = Field(default=None, max_length=40)
    last_modified: str = Field(max_length=40)
    remarks: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: str = Field(default="", max_length=500)  # file name or URL it came from
    sha256: str = Field(max_length=64)
    control_count: int = 0
    group_count: int = 0
    # The version the Grundschutz-Check works with; a newer import waits until the ISB migrates.
    active: bool = Field(default=False, index=True)
    # Whether modelling puts its controls onto assets (BSI catalogs) or not (ISO Annex A: SoA).
    modelled: bool = False
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = Field(default="", max_length=120)


class CatalogGroup(SQLModel, table=True):
    __tablename__ = "catalog_group"
    __audit__ = False
    __table_args__ = (UniqueConstraint("catalog_id", "ref", name="uq_catalog_group_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    catalog_id: int = Field(foreign_key="catalog.id", ondelete="CASCADE", index=True)
    ref: str = Field(max_length=100)
    title: str = Field(max_length=300)
    parent_ref: str | None = Field(default=None, max_length=100)
    depth: int = 0
    sort_order: int = 0


class Control(SQLModel, table=True):
    """A control or sub-control of one catalog version, with the BSI props pulled out."""

    __tablename__ = "control"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("catalog_id", "ref", name="uq_control_ref"),
        Index("ix_control_catalog_order", "catalog_id", "sort_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    catalog_id: int = Field(foreign_key="catalog.id", ondelete="CASCADE")
    ref: str = Field(max_length=100)
    title: str = Field(max_length=500)
    parent_ref: str | None = Field(default=None, max_length=100)
    group_ref: str | None = Field(default=None, max_length=100)
    practice: str | None = Field(default=None, max_length=100, index=True)
    depth: int = 0
    sort_order: int = 0
    sec_level: str | None = Field(default=None, max_length=40)
    effort_level: int | None = None
    modal_verb: str | None = Field(default=None, max_length=20)
    target_categories: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    alt_titles: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    statement: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    guidance: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    props: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    parts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    params: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class MappingCollection(SQLModel, table=True):
    __tablename__ = "mapping_collection"
    __table_args__ = (UniqueConstraint("sha256", name="uq_mapping_collection_content"),)

    id: int | None = Field(default=None, primary_key=True)
    oscal_uuid: str = Field(max_length=36)
    title: str = Field(max_length=300)
    version: str = Field(max_length=120)
    last_modified: str = Field(max_length=40)
    source: str = Field(default="", max_length=500)
    sha256: str = Field(max_length=64)
    entry_count: int = 0
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = Field(default="", max_length=120)


class ControlMapping(SQLModel, table=True):
    """source control -relationship-> target control, by catalog family and control ref, so a
    mapping holds for every version of the catalogs it names."""

    __tablename__ = "control_mapping"
    __audit__ = False
    __table_args__ = (
        Index("ix_control_mapping_source", "source_family", "source_ref"),
        Index("ix_control_mapping_target", "target_family", "target_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    collection_id: int = Field(foreign_key="mapping_collection.id", ondelete="CASCADE", index=True)
    relationship: str = Field(max_length=40)
    source_family: str = Field(max_length=120)  # family slug, or the resource href if unknown
    source_ref: str = Field(max_length=100)
    target_family: str = Field(max_length=120)
    target_ref: str = Field(max_length=100)
    threats: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    remarks: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
