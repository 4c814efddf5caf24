"""Validated input and output shapes of assets, dependencies and protection requirements."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from risk.assets.levels import DamageScenario, Override
from risk.assets.models import KritisSector, LifecycleStatus

LevelTerm = Literal["normal", "hoch", "sehr hoch"]
ShortId = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9._-]{0,19}$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=40, pattern=r"^[^,;]+$"
    ),
]


class ProtectionInput(BaseModel):
    """The ISB's assessment of one Grundwert."""

    model_config = ConfigDict(extra="forbid")

    level: LevelTerm | None = None
    override: Override | None = None
    justification: str = Field(default="", max_length=4000)
    scenarios: list[DamageScenario] = Field(default_factory=list, max_length=6)


class AssetFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    category_id: int
    department_id: int
    responsible: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=10000)
    location: str = Field(default="", max_length=200)
    quantity: int = Field(default=1, ge=1, le=1_000_000)
    status: LifecycleStatus = LifecycleStatus.IN_OPERATION
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    kritis_sector: KritisSector | None = None
    kritis_critical: bool = False


class AssetCreate(AssetFields):
    short_id: ShortId
    confidentiality: ProtectionInput | None = None
    integrity: ProtectionInput | None = None
    availability: ProtectionInput | None = None


class AssetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    short_id: ShortId | None = None
    name: Name | None = None
    category_id: int | None = None
    department_id: int | None = None
    responsible: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=10000)
    location: str | None = Field(default=None, max_length=200)
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    status: LifecycleStatus | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    kritis_sector: KritisSector | None = None
    kritis_critical: bool | None = None
    version: int | None = Field(default=None, description="Expected version; 409 if stale")


class ProtectionUpdate(BaseModel):
    """New assessments; a Grundwert left out keeps its assessment."""

    model_config = ConfigDict(extra="forbid")

    confidentiality: ProtectionInput | None = None
    integrity: ProtectionInput | None = None
    availability: ProtectionInput | None = None
    version: int | None = None


class AssetRef(BaseModel):
    id: int
    short_id: str
    name: str


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uuid: str
    name: str
    group: str
    kind: str
    parent_id: int | None
    source: str


class DepartmentRef(BaseModel):
    id: int
    code: str
    name: str


class ProtectionRead(BaseModel):
    assessed: LevelTerm | None
    override: Override | None
    justification: str
    scenarios: list[DamageScenario]
    inherited: LevelTerm | None
    level: LevelTerm | None
    source: AssetRef | None = Field(description="The dependent object the value is inherited from")


class AssetRead(BaseModel):
    id: int
    short_id: str
    name: str
    category: CategoryRead
    department: DepartmentRef
    responsible: str
    description: str
    location: str
    quantity: int
    status: LifecycleStatus
    tags: list[str]
    kritis_sector: KritisSector | None
    kritis_critical: bool
    confidentiality: ProtectionRead
    integrity: ProtectionRead
    availability: ProtectionRead
    max_level: LevelTerm | None
    created_at: datetime
    updated_at: datetime
    version: int


class DependencyRead(BaseModel):
    id: int
    asset: AssetRef
    description: str
    level: LevelTerm | None = Field(
        default=None, description="Highest of C/I/A of the other object"
    )


class ChainLink(BaseModel):
    asset: AssetRef
    level: LevelTerm | None
    reason: Literal["own", "inherited", "kumulationseffekt", "verteilungseffekt"]


class AssetDetail(AssetRead):
    depends_on: list[DependencyRead]
    required_by: list[DependencyRead]
    explanation: dict[str, list[ChainLink]] = Field(
        description="Per Grundwert: the chain of objects the value comes from, this object first"
    )


class DependencyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dependency_id: int
    description: str = Field(default="", max_length=500)
