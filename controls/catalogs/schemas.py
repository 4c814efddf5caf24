"""Output shapes of catalogs, controls and mappings."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CatalogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    family: str
    title: str
    version: str
    oscal_version: str
    published: str | None
    last_modified: str
    source: str
    sha256: str
    control_count: int = Field(description="All controls including sub-controls")
    group_count: int
    active: bool = Field(description="The version the Grundschutz-Check works with")
    modelled: bool = Field(description="Its controls are modelled onto assets")
    imported_at: datetime
    imported_by: str


class GroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ref: str
    title: str
    parent_ref: str | None
    depth: int


class CatalogDetail(CatalogRead):
    remarks: str
    groups: list[GroupRead]


class ControlSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    catalog_id: int
    ref: str
    title: str
    parent_ref: str | None
    group_ref: str | None
    practice: str | None
    depth: int
    sec_level: str | None
    effort_level: int | None
    modal_verb: str | None
    target_categories: list[str]
    tags: list[str]
    alt_titles: dict[str, str]


class MappingRead(BaseModel):
    direction: str = Field(description='"to": this control is the source; "from": the target')
    relationship: str
    ref: str
    family: str
    collection: str
    control: ControlSummary | None = Field(description="The other control, if imported")
    threats: list[str]


class ControlDetail(ControlSummary):
    statement: str
    guidance: str
    props: list[dict[str, Any]]
    parts: list[dict[str, Any]]
    params: list[dict[str, Any]]
    sub_controls: list[ControlSummary]
    mappings: list[MappingRead]


class ImportRead(BaseModel):
    kind: str = Field(description="catalog or mapping")
    id: int
    title: str
    version: str
    created: bool = Field(description="False: the same file was imported before; nothing changed")
    count: int = Field(description="Controls (incl. sub-controls) or mapping entries")


class CatalogUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    modelled: bool


class ImportUrl(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https://", max_length=500)


class MappingCollectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    version: str
    source: str
    entry_count: int
    imported_at: datetime


class MigrationRead(BaseModel):
    from_catalog: int | None
    to_catalog: int
    carried: int = Field(description="Check entries carried over to the same control ref")
    dropped: int = Field(description="Entries whose control the new version no longer has")
    created: int = Field(description="New check entries from modelling")
