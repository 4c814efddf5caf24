"""Passwords, tokens and the attacks a token endpoint must withstand."""

from __future__ import annotations

import base64
import json
import os
import stat
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jose import jwt
from sqlalchemy import Engine

from isms.identity.models import Role
from isms.security import (
    ALGORITHM,
    TokenError,
    create_access_token,
    decode_access_token,
    hash_password,
    verify_password,
)
from isms.settings import InsecureConfigurationError, Settings, resolve_secret_key
from tests.conftest import SECRET
from tests.factories import make_user, token_for

ISS, AUD = "isms", "isms-api"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(user_id: int = 1, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISS,
        "aud": AUD,
        "sub": str(user_id),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "a" * 32,
        "ver": 0,
    }
    claims.update(overrides)
    return claims


def test_passwords_are_hashed_with_argon2id_and_verified() -> None:
    hashed = hash_password("korrekt-Pferd-Batterie")
    assert hashed.startswith("$argon2id$")
    assert verify_password("korrekt-Pferd-Batterie", hashed)
    assert not verify_password("falsch-Pferd-Batterie", hashed)
    assert not verify_password("anything", "not-a-hash")
    assert not verify_password("anything", None)


def test_token_round_trip_carries_the_required_claims() -> None:
    token, issued = create_access_token(
        user_id=7, token_version=3, key=SECRET, issuer=ISS, audience=AUD, minutes=30
    )
    claims = jwt.get_unverified_claims(token)
    assert {"iss", "aud", "sub", "exp", "iat", "jti"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 30 * 60
    decoded = decode_access_token(token, key=SECRET, issuer=ISS, audience=AUD)
    assert (decoded.user_id, decoded.token_version, decoded.jti) == (7, 3, issued.jti)


def _forgeries() -> dict[str, str]:
    good = jwt.encode(_claims(), SECRET, algorithm=ALGORITHM)
    header, payload, signature = good.split(".")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg none with signature": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.{signature}",
        "tampered payload": f"{header}.{_b64(_claims(user_id=2))}.{signature}",
        "expired": jwt.encode(_claims(exp=int(time.time()) - 10), SECRET, algorithm=ALGORITHM),
        "wrong key": jwt.encode(_claims(), "another-key-" * 4, algorithm=ALGORITHM),
        "RS256 token": jwt.encode(_claims(), private, algorithm="RS256"),
        "HS256 signed with the RSA public key": _hs256_with_key(public_pem),
        "wrong audience": jwt.encode(_claims(aud="other"), SECRET, algorithm=ALGORITHM),
        "wrong issuer": jwt.encode(_claims(iss="other"), SECRET, algorithm=ALGORITHM),
        "missing jti": jwt.encode(
            {k: v for k, v in _claims().items() if k != "jti"}, SECRET, algorithm=ALGORITHM
        ),
        "garbage": "not.a.token",
        "empty segments": "..",
    }


def _hs256_with_key(key: bytes) -> str:
    """An HS256 token whose HMAC key is a public key (the classic key-confusion attack)."""
    import hashlib
    import hmac

    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64(_claims())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.mark.parametrize("name", sorted(_forgeries()))
def test_forged_tokens_are_rejected_by_the_decoder(name: str) -> None:
    with pytest.raises(TokenError):
        decode_access_token(_forgeries()[name], key=SECRET, issuer=ISS, audience=AUD)


@pytest.mark.parametrize("name", sorted(_forgeries()))
def test_forged_tokens_get_401_from_the_api(client: TestClient, engine: Engine, name: str) -> None:
    make_user(engine, role=Role.ISB)  # user id 1 exists, so only the forgery can fail
    response = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {_forgeries()[name]}"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_valid_token_for_a_deactivated_user_gets_401(client: TestClient, engine: Engine) -> None:
    user = make_user(engine, role=Role.ISB)
    token = token_for(client, user.username)
    from isms.database import session_scope
    from isms.identity.models import User

    with session_scope(engine) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.is_active = False
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_secret_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = resolve_secret_key(settings)
    path = tmp_path / "secret.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 32
    assert resolve_secret_key(settings) == first


@pytest.mark.parametrize("key", ["secret", "changeme", "x" * 40, "short-but-random"])
def test_production_refuses_weak_keys(tmp_path: Path, key: str) -> None:
    settings = Settings(data_dir=tmp_path, environment="production", secret_key=key)  # type: ignore[arg-type]
    with pytest.raises(InsecureConfigurationError):
        resolve_secret_key(settings)


def test_production_refuses_a_key_file_readable_by_others(tmp_path: Path) -> None:
    resolve_secret_key(Settings(data_dir=tmp_path))
    os.chmod(tmp_path / "secret.key", 0o644)
    with pytest.raises(InsecureConfigurationError):
        resolve_secret_key(Settings(data_dir=tmp_path, environment="production"))
