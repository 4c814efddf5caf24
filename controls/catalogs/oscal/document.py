"""Read bytes into an OSCAL document: size, JSON, document type, version, then the model."""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

from controls.catalogs.oscal.catalog import build_catalog
from controls.catalogs.oscal.mapping import build_mapping_collection
from controls.catalogs.oscal.model import Catalog, MappingCollection, OscalError, Profile
from controls.catalogs.oscal.profile import build_profile
from controls.catalogs.oscal.schema import CatalogIn, MappingCollectionIn, ProfileIn, validate

ROOTS = ("catalog", "mapping-collection", "profile")


class Document(NamedTuple):
    """A JSON document whose root key is known and whose OSCAL version is supported."""

    root: str
    body: Any
    sha256: str


def read(
    data: bytes, *, max_bytes: int, supported: tuple[str, ...], expect: str | None = None
) -> Document:
    """The document in `data` (of type `expect` if given), checked up to its model."""
    if len(data) > max_bytes:
        raise OscalError("oscal.too_large", max=max_bytes)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise OscalError("oscal.not_json") from None
    roots = [key for key in document if key != "$schema"] if isinstance(document, dict) else []
    if len(roots) != 1 or roots[0] not in ROOTS or expect not in (None, roots[0]):
        raise OscalError("oscal.not_oscal")
    body = document[roots[0]]
    metadata = body.get("metadata") if isinstance(body, dict) else None
    version = metadata.get("oscal-version") if isinstance(metadata, dict) else None
    # A missing or malformed version is left to the model, which reports where it is.
    if isinstance(version, str) and not any(
        version == prefix or version.startswith(f"{prefix}.") for prefix in supported
    ):
        raise OscalError("oscal.unsupported_version", version=version)
    return Document(roots[0], body, hashlib.sha256(data).hexdigest())


def build(document: Document) -> Catalog | MappingCollection | Profile:
    """The validated dataclasses for a document read by `read`."""
    if document.root == "catalog":
        return as_catalog(document)
    if document.root == "mapping-collection":
        return as_mapping_collection(document)
    return as_profile(document)


def as_catalog(document: Document) -> Catalog:
    """The catalog a document read by `read` holds."""
    raw = validate(CatalogIn, document.body, root=document.root)
    return build_catalog(raw, sha256=document.sha256)


def as_mapping_collection(document: Document) -> MappingCollection:
    """The mapping collection a document read by `read` holds."""
    raw = validate(MappingCollectionIn, document.body, root=document.root)
    return build_mapping_collection(raw, sha256=document.sha256)


def as_profile(document: Document) -> Profile:
    """The profile a document read by `read` holds."""
    raw = validate(ProfileIn, document.body, root=document.root)
    return build_profile(raw, sha256=document.sha256)
