"""An evidence-pack verifier written apart from the production code (no `reports` import):
zipfile, hashlib and the cryptography package only, following the pack format."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def check(pack: Path, public_pem: bytes) -> list[str]:
    """Problems found; an empty list means the pack is intact and signed by the key."""
    try:
        archive = zipfile.ZipFile(pack)
    except zipfile.BadZipFile:
        return ["not a zip"]
    with archive:
        try:
            manifest = archive.read("manifest.json")
            token = archive.read("manifest.jws").decode()
        except KeyError as exc:
            return [f"missing {exc}"]
        header, payload, signature = token.split(".")
        if json.loads(_b64(header)).get("alg") != "RS256":
            return ["not RS256"]
        key = serialization.load_pem_public_key(public_pem)
        try:
            key.verify(  # type: ignore[union-attr, call-arg]
                _b64(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),  # type: ignore[arg-type]
                hashes.SHA256(),  # type: ignore[arg-type]
            )
        except InvalidSignature:
            return ["bad signature"]
        if _b64(payload) != manifest:
            return ["manifest differs from the signed one"]
        problems = []
        listed = json.loads(manifest)["files"]
        names = set(archive.namelist())
        for entry in listed:
            if entry["path"] not in names:
                problems.append(f"missing {entry['path']}")
                continue
            data = archive.read(entry["path"])
            if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["size"]:
                problems.append(f"changed {entry['path']}")
        extra = names - {e["path"] for e in listed} - {"manifest.json", "manifest.jws"}
        problems += [f"extra {name}" for name in sorted(extra)]
        return problems
