"""Passwords (argon2id) and access tokens (JWT, HS256 pinned, python-jose)."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from jose import JOSEError, jwt

ALGORITHM = "HS256"
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so that both cases take the same time.
    Made on first use: hashing costs argon2's memory, which commands that never log anyone in
    (reports, packs, the scheduler) should not pay."""
    return _hasher.hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    """An argon2id hash of password."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether password matches; never raises on a malformed hash."""
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, username: str) -> str | None:
    """The message key of what makes password unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "error.password_too_short"
    if username.lower() in password.lower():
        return "error.password_contains_username"
    if len(set(password)) < 5:
        return "error.password_too_simple"
    return None


@dataclass(frozen=True)
class TokenClaims:
    """The verified claims of an access token."""

    user_id: int
    jti: str
    token_version: int
    expires_at: datetime


class TokenError(Exception):
    """A token that is missing, malformed, forged, expired or for someone else."""


def create_access_token(
    *, user_id: int, token_version: int, key: str, issuer: str, audience: str, minutes: int
) -> tuple[str, TokenClaims]:
    """A signed JWT with iss, aud, sub, exp, iat, jti and the user's token version."""
    now = datetime.now(UTC).replace(microsecond=0)
    expires = now + timedelta(minutes=minutes)
    jti = secrets.token_hex(16)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": jti,
        "ver": token_version,
    }
    token = jwt.encode(claims, key, algorithm=ALGORITHM)
    return token, TokenClaims(user_id, jti, token_version, expires)


def decode_access_token(token: str, *, key: str, issuer: str, audience: str) -> TokenClaims:
    """Verify signature (HS256 only), expiry, issuer and audience; raise TokenError otherwise."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise TokenError("algorithm not allowed")
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_sub": True,
                "require_jti": True,
                "require_iss": True,
                "require_aud": True,
            },
        )
    except JOSEError as exc:  # JWTError, ExpiredSignatureError, JWKError, JWSError, ...
        raise TokenError(str(exc)) from exc
    try:
        return TokenClaims(
            user_id=int(claims["sub"]),
            jti=str(claims["jti"]),
            token_version=int(claims.get("ver", -1)),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError("malformed claims") from exc
