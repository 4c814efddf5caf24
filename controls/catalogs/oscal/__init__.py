"""OSCAL import: catalogs, mapping collections and profiles, from bytes to frozen dataclasses.

Pure: no database, no I/O. Errors are `OscalError` with a message key and parameters.
"""

from __future__ import annotations

from controls.catalogs.oscal import document as _document
from controls.catalogs.oscal.model import (
    Catalog,
    Control,
    Group,
    MapEntry,
    Mapping,
    MappingCollection,
    OscalError,
    Param,
    Part,
    Profile,
    ProfileImport,
    Prop,
)
from controls.catalogs.oscal.profile import resolve_profile

__all__ = [
    "MAX_BYTES",
    "SUPPORTED",
    "Catalog",
    "Control",
    "Group",
    "MapEntry",
    "Mapping",
    "MappingCollection",
    "OscalError",
    "Param",
    "Part",
    "Profile",
    "ProfileImport",
    "Prop",
    "parse_catalog",
    "parse_document",
    "parse_mapping_collection",
    "parse_profile",
    "resolve_profile",
]

MAX_BYTES = 50 * 1024 * 1024
SUPPORTED = ("1.0", "1.1", "1.2")  # accepted major.minor prefixes of metadata.oscal-version


def _read(data: bytes, expect: str | None = None) -> _document.Document:
    # The limits are read here, at call time, so that they can be changed on this module.
    return _document.read(data, max_bytes=MAX_BYTES, supported=SUPPORTED, expect=expect)


def parse_document(data: bytes) -> Catalog | MappingCollection | Profile:
    """The catalog, mapping collection or profile in `data`."""
    return _document.build(_read(data))


def parse_catalog(data: bytes) -> Catalog:
    """The catalog in `data`; another document type is oscal.not_oscal."""
    return _document.as_catalog(_read(data, "catalog"))


def parse_mapping_collection(data: bytes) -> MappingCollection:
    """The mapping collection in `data`; another document type is oscal.not_oscal."""
    return _document.as_mapping_collection(_read(data, "mapping-collection"))


def parse_profile(data: bytes) -> Profile:
    """The profile in `data`; another document type is oscal.not_oscal."""
    return _document.as_profile(_read(data, "profile"))
