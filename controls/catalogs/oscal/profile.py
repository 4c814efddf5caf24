"""OSCAL profiles: read the selection, and resolve it against parsed catalogs (merge as-is)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urlsplit

from controls.catalogs.oscal.model import (
    Catalog,
    Control,
    Group,
    OscalError,
    Param,
    Profile,
    ProfileImport,
)
from controls.catalogs.oscal.schema import ImportIn, ProfileIn


def build_profile(raw: ProfileIn, *, sha256: str) -> Profile:
    """The profile with import hrefs resolved through its back-matter."""
    resources = raw.back_matter.resources if raw.back_matter else []
    links = {resource.uuid: resource.rlinks[0].href for resource in resources if resource.rlinks}
    settings = raw.modify.set_parameters if raw.modify else []
    meta = raw.metadata
    return Profile(
        uuid=raw.uuid,
        title=meta.title,
        version=meta.version,
        oscal_version=meta.oscal_version,
        last_modified=meta.last_modified,
        imports=tuple(
            _import(item, f"profile.imports[{i}]", links) for i, item in enumerate(raw.imports)
        ),
        # A setting without values only relabels the parameter; it leaves the values alone.
        set_parameters={s.param_id: tuple(s.values) for s in settings if s.values is not None},
        sha256=sha256,
    )


def _import(raw: ImportIn, where: str, links: Mapping[str, str]) -> ProfileImport:
    """One import; selections we cannot express exactly are refused rather than approximated."""
    href = links.get(raw.href[1:], raw.href) if raw.href.startswith("#") else raw.href
    if raw.exclude_controls:
        _refuse(f"{where}.exclude-controls", "exclude-controls is not supported")
    if raw.include_all is not None and raw.include_controls:
        _refuse(where, "include-all and include-controls exclude each other")
    if raw.include_all is None and not raw.include_controls:
        _refuse(where, "neither include-all nor include-controls")
    ids: list[str] = []
    with_children: set[bool] = set()
    for i, selector in enumerate(raw.include_controls):
        if selector.matching:
            _refuse(f"{where}.include-controls[{i}].matching", "matching is not supported")
        ids.extend(selector.with_ids)
        with_children.add(selector.with_child_controls == "yes")
    if len(with_children) > 1:
        _refuse(f"{where}.include-controls", "selectors differ in with-child-controls")
    return ProfileImport(
        href=href,
        include_all=raw.include_all is not None,
        include_ids=tuple(dict.fromkeys(ids)),
        with_child_controls=with_children == {True},
    )


def _refuse(where: str, problem: str) -> None:
    raise OscalError("oscal.invalid", where=where, problem=problem)


def resolve_profile(profile: Profile, catalogs: Mapping[str, Catalog]) -> Catalog:
    """A resolved profile catalog (merge as-is): `catalogs` maps each import href's file name
    (last path segment, e.g. "BSI-Methodik-Grundschutz++-catalog.json") to its parsed catalog;
    include-all takes all groups/controls, include-controls with-ids takes those controls (and
    their sub-controls if with-child-controls is "yes") keeping their enclosing groups;
    set-parameters replaces param values. Missing catalog -> OscalError("oscal.profile_unresolved",
    href=...). The result's title/version/uuid are the profile's; sha256 is the profile's;
    sort_order renumbered; duplicate control ids across imports -> oscal.duplicate_id.

    A group met again in a later import is kept once (as-is merge combines equal groups).
    """
    groups: dict[str, Group] = {}
    controls: list[Control] = []
    taken: set[str] = set()
    for i, item in enumerate(profile.imports):
        catalog = catalogs.get(urlsplit(item.href).path.rsplit("/", 1)[-1])
        if catalog is None:
            raise OscalError("oscal.profile_unresolved", href=item.href)
        chosen = _select(catalog, item, f"profile.imports[{i}]")
        for group in _enclosing_groups(catalog, chosen):
            if group.ref in taken:
                raise OscalError("oscal.duplicate_id", id=group.ref)
            groups.setdefault(group.ref, replace(group, sort_order=len(groups)))
        for control in chosen:
            if control.ref in taken or control.ref in groups:
                raise OscalError("oscal.duplicate_id", id=control.ref)
            taken.add(control.ref)
            params = _set_parameters(control.params, profile.set_parameters)
            controls.append(replace(control, sort_order=len(controls), params=params))
    return Catalog(
        uuid=profile.uuid,
        title=profile.title,
        version=profile.version,
        oscal_version=profile.oscal_version,
        published=None,
        last_modified=profile.last_modified,
        remarks="",
        groups=tuple(groups.values()),
        controls=tuple(controls),
        sha256=profile.sha256,
    )


def _select(catalog: Catalog, item: ProfileImport, where: str) -> list[Control]:
    """The controls an import takes, in catalog order, re-attached to what is taken with them."""
    if item.include_all:
        return list(catalog.controls)
    parent_of = {control.ref: control.parent_ref for control in catalog.controls}
    for ref in item.include_ids:
        if ref not in parent_of:
            # A silently empty selection would hide a typo or a renumbered catalog.
            _refuse(f"{where}.include-controls", f"control {ref} is not in the catalog")
    wanted = set(item.include_ids)
    inside: set[str] = set()
    for control in catalog.controls:  # parents come before their sub-controls
        if control.ref in wanted or (item.with_child_controls and control.parent_ref in inside):
            inside.add(control.ref)
    return [
        _reattach(control, inside, parent_of)
        for control in catalog.controls
        if control.ref in inside
    ]


def _reattach(control: Control, inside: set[str], parent_of: Mapping[str, str | None]) -> Control:
    """The control under its nearest taken ancestor (or at the top if none is taken)."""
    ancestors: list[str] = []
    ref = control.parent_ref
    while ref is not None:
        ancestors.append(ref)
        ref = parent_of[ref]
    kept = [ancestor for ancestor in ancestors if ancestor in inside]
    if len(kept) == len(ancestors):
        return control
    return replace(control, parent_ref=kept[0] if kept else None, depth=len(kept))


def _enclosing_groups(catalog: Catalog, chosen: list[Control]) -> list[Group]:
    """The catalog's groups that contain a chosen control, at any level, in catalog order."""
    parent_of = {group.ref: group.parent_ref for group in catalog.groups}
    needed: set[str] = set()
    for control in chosen:
        ref = control.group_ref
        while ref is not None and ref not in needed:
            needed.add(ref)
            ref = parent_of[ref]
    return [group for group in catalog.groups if group.ref in needed]


def _with_values(param: Param, values: tuple[str, ...]) -> Param:
    return replace(param, values=values, raw={**param.raw, "values": list(values)})


def _set_parameters(
    params: tuple[Param, ...], settings: Mapping[str, tuple[str, ...]]
) -> tuple[Param, ...]:
    if not any(param.id in settings for param in params):
        return params
    return tuple(
        _with_values(param, settings[param.id]) if param.id in settings else param
        for param in params
    )
