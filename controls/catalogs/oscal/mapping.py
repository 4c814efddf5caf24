"""Turn a validated OSCAL mapping collection into dataclasses."""

from __future__ import annotations

from controls.catalogs.oscal.catalog import props_of
from controls.catalogs.oscal.model import MapEntry, Mapping, MappingCollection
from controls.catalogs.oscal.schema import MapIn, MappingCollectionIn, MappingIn, ResourceRefIn

THREAT_PROP = "elementare_gefaehrdung"  # the ITGS mapping names the elementary threat per map


def build_mapping_collection(raw: MappingCollectionIn, *, sha256: str) -> MappingCollection:
    """The collection with its mappings and their maps in document order."""
    meta = raw.metadata
    return MappingCollection(
        uuid=raw.uuid,
        title=meta.title,
        version=meta.version,
        oscal_version=meta.oscal_version,
        last_modified=meta.last_modified,
        mappings=tuple(_mapping(mapping) for mapping in raw.mappings),
        sha256=sha256,
    )


def _mapping(raw: MappingIn) -> Mapping:
    return Mapping(
        uuid=raw.uuid,
        source_href=raw.source_resource.href,
        target_href=raw.target_resource.href,
        source_title=_catalog_title(raw.source_resource),
        target_title=_catalog_title(raw.target_resource),
        maps=tuple(_entry(entry) for entry in raw.maps),
    )


def _catalog_title(raw: ResourceRefIn) -> str | None:
    return next((prop.value for prop in raw.props if prop.name == "catalog_title"), None)


def _entry(raw: MapIn) -> MapEntry:
    return MapEntry(
        uuid=raw.uuid,
        relationship=raw.relationship,
        source_refs=tuple(item.id_ref for item in raw.sources),
        target_refs=tuple(item.id_ref for item in raw.targets),
        threats=tuple(prop.value for prop in raw.props if prop.name == THREAT_PROP),
        remarks=raw.remarks,
        props=props_of(raw.props),
    )
