"""Pydantic models of the OSCAL JSON we read; fields we do not use are ignored."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from controls.catalogs.oscal.model import OscalError

_RAW = "__raw__"  # where a param's JSON object rides along through validation


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PropIn(_In):
    name: str
    value: str
    ns: str | None = None
    class_: str | None = Field(default=None, alias="class")


class PartIn(_In):
    name: str
    id: str | None = None
    title: str | None = None
    prose: str = ""
    props: list[PropIn] = []
    parts: list[PartIn] = []


class ParamIn(_In):
    id: str
    label: str | None = None
    values: list[str] = []
    raw: dict[str, Any] = Field(alias=_RAW)

    @model_validator(mode="before")
    @classmethod
    def _keep_raw(cls, data: Any) -> Any:
        """Keep the JSON object as given next to the validated fields."""
        if isinstance(data, dict):
            return {**data, _RAW: data}
        return data


class ControlIn(_In):
    id: str
    title: str
    class_: str | None = Field(default=None, alias="class")
    params: list[ParamIn] = []
    props: list[PropIn] = []
    parts: list[PartIn] = []
    controls: list[ControlIn] = []


class GroupIn(_In):
    id: str
    title: str
    props: list[PropIn] = []
    parts: list[PartIn] = []
    groups: list[GroupIn] = []
    controls: list[ControlIn] = []


class MetadataIn(_In):
    title: str
    version: str
    oscal_version: str = Field(alias="oscal-version")
    last_modified: str = Field(alias="last-modified")
    published: str | None = None
    remarks: str = ""


class CatalogIn(_In):
    uuid: str
    metadata: MetadataIn
    controls: list[ControlIn] = []
    groups: list[GroupIn] = []


class ItemRefIn(_In):
    id_ref: str = Field(alias="id-ref")


class MapIn(_In):
    uuid: str | None = None
    relationship: str
    sources: list[ItemRefIn]
    targets: list[ItemRefIn]
    props: list[PropIn] = []
    remarks: str = ""


class ResourceRefIn(_In):
    href: str
    props: list[PropIn] = []


class MappingIn(_In):
    uuid: str
    source_resource: ResourceRefIn = Field(alias="source-resource")
    target_resource: ResourceRefIn = Field(alias="target-resource")
    maps: list[MapIn]


class MappingCollectionIn(_In):
    uuid: str
    metadata: MetadataIn
    mappings: list[MappingIn]


class SelectorIn(_In):
    with_ids: list[str] = Field(default=[], alias="with-ids")
    with_child_controls: Literal["yes", "no"] | None = Field(
        default=None, alias="with-child-controls"
    )
    matching: list[Any] = []


class ImportIn(_In):
    href: str
    include_all: dict[str, Any] | None = Field(default=None, alias="include-all")
    include_controls: list[SelectorIn] = Field(default=[], alias="include-controls")
    exclude_controls: list[Any] = Field(default=[], alias="exclude-controls")


class SetParameterIn(_In):
    param_id: str = Field(alias="param-id")
    values: list[str] | None = None


class ModifyIn(_In):
    set_parameters: list[SetParameterIn] = Field(default=[], alias="set-parameters")


class RlinkIn(_In):
    href: str


class ResourceIn(_In):
    uuid: str
    rlinks: list[RlinkIn] = []


class BackMatterIn(_In):
    resources: list[ResourceIn] = []


class ProfileIn(_In):
    uuid: str
    metadata: MetadataIn
    imports: list[ImportIn]
    modify: ModifyIn | None = None
    back_matter: BackMatterIn | None = Field(default=None, alias="back-matter")


_Model = TypeVar("_Model", bound=BaseModel)


def validate(model: type[_Model], body: Any, *, root: str) -> _Model:
    """`body` (the object under the key `root`) as `model`; oscal.invalid at its first error."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = root + "".join(
            f"[{step}]" if isinstance(step, int) else f".{step}" for step in first["loc"]
        )
        raise OscalError("oscal.invalid", where=where, problem=first["msg"]) from None
