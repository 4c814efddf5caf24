"""The key pair that signs evidence packs (RS256): generated on first use and kept in the data
dir (private key 0600); auditors pin the public key."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jws
from jose.exceptions import JOSEError

KEY_FILE = "pack-signing-key.pem"
PUBLIC_FILE = "pack-signing-key.pub.pem"
ALGORITHM = "RS256"


class SignatureInvalid(Exception):
    """The JWS does not verify with the key."""


def _paths(data_dir: Path) -> tuple[Path, Path]:
    return data_dir / KEY_FILE, data_dir / PUBLIC_FILE


def private_key_pem(data_dir: Path) -> bytes:
    """The private key, generated (3072 bits) and stored 0600 on first use."""
    private, public = _paths(data_dir)
    if not private.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(
            private.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
        )
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        os.replace(private.with_suffix(".tmp"), private)
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return private.read_bytes()


def public_key_pem(data_dir: Path) -> bytes:
    private_key_pem(data_dir)
    return _paths(data_dir)[1].read_bytes()


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
