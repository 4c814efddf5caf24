"""The key pair that signs evidence packs (RS256): generated on first use and kept in the data
dir (private key 0600); auditors pin the public key."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jws
from jose.exceptions import JOSEError

KEY_FILE = "pack-signing-key.pem"
ALGORITHM = "RS256"


class SignatureInvalid(Exception):
    """The JWS does not verify with the key."""


def private_key_pem(data_dir: Path) -> bytes:
    """The private key, generated (3072 bits) and stored 0600 on first use. Callers racing on
    first use (a web worker, a job, the CLI) all end with the one key that was stored first:
    the file is linked into place, which fails if another got there before."""
    private = data_dir / KEY_FILE
    if not private.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor, temporary = tempfile.mkstemp(prefix=".signing-", dir=data_dir)  # 0600
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another stored its key first: it counts
                os.link(temporary, private)
        finally:
            os.unlink(temporary)
    return private.read_bytes()


def _public_of(private_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_pem(data_dir: Path) -> bytes:
    """The public key (made with the key pair on first use), always derived from the private
    key: it cannot go missing or disagree."""
    return _public_of(private_key_pem(data_dir))


def existing_public_key(data_dir: Path) -> bytes | None:
    """The installation's public key if it has one; verifying never creates a key."""
    private = data_dir / KEY_FILE
    return _public_of(private.read_bytes()) if private.exists() else None


def sign(data_dir: Path, payload: bytes) -> str:
    """A compact JWS (RS256) over payload."""
    return jws.sign(payload, private_key_pem(data_dir).decode(), algorithm=ALGORITHM)


def verify(token: str, public_pem: bytes) -> bytes:
    """The signed payload; SignatureInvalid when the token does not verify with the key."""
    try:
        payload = jws.verify(token, public_pem.decode(), algorithms=[ALGORITHM])
    except (JOSEError, ValueError) as exc:
        raise SignatureInvalid(str(exc)) from exc
    return payload if isinstance(payload, bytes) else str(payload).encode()
