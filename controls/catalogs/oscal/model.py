"""The parsed OSCAL documents as plain frozen dataclasses (no pydantic, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class OscalError(Exception):
    """The document is not usable; .key is a message key, .params its parameters."""

    def __init__(self, key: str, /, **params: str | int) -> None:
        self.key = key
        self.params = params
        super().__init__(key, params)


@dataclass(frozen=True)
class Prop:
    """A name/value property; OSCAL's "class" is `cls`."""

    name: str
    value: str
    ns: str | None = None
    cls: str | None = None


@dataclass(frozen=True)
class Part:
    """A part of a control or group (statement, guidance, ...), possibly with sub-parts."""

    name: str
    id: str | None
    title: str | None
    prose: str
    props: tuple[Prop, ...]
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Param:
    """A control parameter; `raw` is its JSON object as given (with set-parameters applied)."""

    id: str
    label: str | None
    values: tuple[str, ...]
    raw: dict[str, Any]


@dataclass(frozen=True)
class Control:
    """A control or sub-control, flattened: its position is given by refs, depth and sort order."""

    ref: str
    title: str
    cls: str | None
    parent_ref: str | None
    group_ref: str | None
    practice: str | None
    depth: int
    sort_order: int
    props: tuple[Prop, ...]
    parts: tuple[Part, ...]
    params: tuple[Param, ...]
    sec_level: str | None
    effort_level: int | None
    modal_verb: str | None
    target_categories: tuple[str, ...]
    tags: tuple[str, ...]
    statement: str
    guidance: str
    alt_titles: dict[str, str]


@dataclass(frozen=True)
class Group:
    """A group of controls (a BSI practice or one of its subdivisions), flattened."""

    ref: str
    title: str
    parent_ref: str | None
    depth: int
    sort_order: int
    props: tuple[Prop, ...]
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Catalog:
    """A catalog with all groups and controls in document order, every level flattened."""

    uuid: str
    title: str
    version: str
    oscal_version: str
    published: str | None
    last_modified: str
    remarks: str
    groups: tuple[Group, ...]
    controls: tuple[Control, ...]
    sha256: str


@dataclass(frozen=True)
class MapEntry:
    """One map of a mapping: sources relate to targets."""

    uuid: str | None
    relationship: str
    source_refs: tuple[str, ...]
    target_refs: tuple[str, ...]
    threats: tuple[str, ...]
    remarks: str
    props: tuple[Prop, ...]


@dataclass(frozen=True)
class Mapping:
    """The maps from one source catalog to one target catalog."""

    uuid: str
    source_href: str
    target_href: str
    source_title: str | None
    target_title: str | None
    maps: tuple[MapEntry, ...]


@dataclass(frozen=True)
class MappingCollection:
    """An OSCAL mapping collection."""

    uuid: str
    title: str
    version: str
    oscal_version: str
    last_modified: str
    mappings: tuple[Mapping, ...]
    sha256: str


@dataclass(frozen=True)
class ProfileImport:
    """What a profile takes from one catalog; `href` is already resolved through back-matter."""

    href: str
    include_all: bool
    include_ids: tuple[str, ...]
    with_child_controls: bool


@dataclass(frozen=True)
class Profile:
    """An OSCAL profile: imports and parameter settings (resolve it with `resolve_profile`)."""

    uuid: str
    title: str
    version: str
    oscal_version: str
    last_modified: str
    imports: tuple[ProfileImport, ...]
    set_parameters: dict[str, tuple[str, ...]]
    sha256: str
