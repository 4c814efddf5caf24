"""Flatten a validated OSCAL catalog into groups and controls in document order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from controls.catalogs.oscal.model import Catalog, Control, Group, OscalError, Param, Part, Prop
from controls.catalogs.oscal.schema import CatalogIn, ControlIn, GroupIn, PartIn, PropIn


def build_catalog(raw: CatalogIn, *, sha256: str) -> Catalog:
    """The catalog with every level of groups and controls flattened; ids must be unique."""
    walker = _Walker()
    # A container's own controls come before its sub-groups (the BSI files never mix the two).
    for i, control in enumerate(raw.controls):
        walker.control(control, f"catalog.controls[{i}]", parent=None, group=None, practice=None)
    for i, group in enumerate(raw.groups):
        walker.group(group, f"catalog.groups[{i}]", parent=None, practice=None, depth=0)
    meta = raw.metadata
    return Catalog(
        uuid=raw.uuid,
        title=meta.title,
        version=meta.version,
        oscal_version=meta.oscal_version,
        published=meta.published,
        last_modified=meta.last_modified,
        remarks=meta.remarks,
        groups=tuple(walker.groups),
        controls=tuple(walker.controls),
        sha256=sha256,
    )


class _Walker:
    """Collects groups and controls depth-first, numbering them in the order met."""

    def __init__(self) -> None:
        self.groups: list[Group] = []
        self.controls: list[Control] = []
        self.seen: set[str] = set()

    def claim(self, ref: str) -> None:
        if ref in self.seen:
            raise OscalError("oscal.duplicate_id", id=ref)
        self.seen.add(ref)

    def group(
        self, raw: GroupIn, where: str, *, parent: str | None, practice: str | None, depth: int
    ) -> None:
        self.claim(raw.id)
        self.groups.append(
            Group(
                ref=raw.id,
                title=raw.title,
                parent_ref=parent,
                depth=depth,
                sort_order=len(self.groups),
                props=props_of(raw.props),
                parts=parts_of(raw.parts),
            )
        )
        practice = practice or raw.id
        for i, control in enumerate(raw.controls):
            self.control(
                control, f"{where}.controls[{i}]", parent=None, group=raw.id, practice=practice
            )
        for i, group in enumerate(raw.groups):
            self.group(
                group, f"{where}.groups[{i}]", parent=raw.id, practice=practice, depth=depth + 1
            )

    def control(
        self,
        raw: ControlIn,
        where: str,
        *,
        parent: str | None,
        group: str | None,
        practice: str | None,
        depth: int = 0,
        inherited: tuple[str, ...] = (),
    ) -> None:
        self.claim(raw.id)
        props = props_of(raw.props)
        parts = parts_of(raw.parts)
        statement_props = [p for part in parts if part.name == "statement" for p in part.props]
        categories = _split(_values(statement_props, "target_object_categories")) or inherited
        self.controls.append(
            Control(
                ref=raw.id,
                title=raw.title,
                cls=raw.class_,
                parent_ref=parent,
                group_ref=group,
                practice=practice,
                depth=depth,
                sort_order=len(self.controls),
                props=props,
                parts=parts,
                params=tuple(
                    Param(id=p.id, label=p.label, values=tuple(p.values), raw=p.raw)
                    for p in raw.params
                ),
                sec_level=next(_values(props, "sec_level"), None),
                effort_level=_effort_level(props, where),
                modal_verb=next(_values(statement_props, "modal_verb"), None),
                target_categories=categories,
                tags=_split(_values(props, "tags")),
                statement=_prose(parts, "statement"),
                guidance=_prose(parts, "guidance"),
                alt_titles={
                    prop.name.removesuffix("-title"): prop.value
                    for prop in props
                    if prop.name.endswith("-title") and prop.name != "-title"
                },
            )
        )
        for i, control in enumerate(raw.controls):
            self.control(
                control,
                f"{where}.controls[{i}]",
                parent=raw.id,
                group=group,
                practice=practice,
                depth=depth + 1,
                inherited=categories,
            )


def props_of(raw: Iterable[PropIn]) -> tuple[Prop, ...]:
    """The props as dataclasses."""
    return tuple(Prop(name=p.name, value=p.value, ns=p.ns, cls=p.class_) for p in raw)


def parts_of(raw: Iterable[PartIn]) -> tuple[Part, ...]:
    """The parts, recursively, as dataclasses."""
    return tuple(
        Part(
            name=p.name,
            id=p.id,
            title=p.title,
            prose=p.prose,
            props=props_of(p.props),
            parts=parts_of(p.parts),
        )
        for p in raw
    )


def _values(props: Iterable[Prop], name: str) -> Iterator[str]:
    return (prop.value for prop in props if prop.name == name)


def _split(values: Iterable[str]) -> tuple[str, ...]:
    """Comma-separated values as one tuple, stripped, without blanks and repetitions."""
    items = (item.strip() for value in values for item in value.split(","))
    return tuple(dict.fromkeys(item for item in items if item))


def _prose(parts: Sequence[Part], name: str) -> str:
    """The prose of the parts named `name`, their sub-parts included, one per line."""
    lines: list[str] = []

    def collect(part: Part) -> None:
        if part.prose:
            lines.append(part.prose)
        for sub in part.parts:
            collect(sub)

    for part in parts:
        if part.name == name:
            collect(part)
    return "\n".join(lines)


def _effort_level(props: Sequence[Prop], where: str) -> int | None:
    for i, prop in enumerate(props):
        if prop.name == "effort_level":
            try:
                return int(prop.value)
            except ValueError:
                raise OscalError(
                    "oscal.invalid", where=f"{where}.props[{i}].value", problem="not an integer"
                ) from None
    return None
