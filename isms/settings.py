"""One typed settings class; every value comes from ISMS_* environment variables."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

KNOWN_WEAK_KEYS = frozenset(
    {"secret", "changeme", "change-me", "changethis", "password", "isms", "development", "test"}
)
MIN_KEY_LENGTH = 32
SECRET_KEY_FILE = "secret.key"  # noqa: S105 (a file name)


class InsecureConfigurationError(RuntimeError):
    """Raised at start-up when production mode meets an unsafe setting."""


class Settings(BaseSettings):
    """Settings of the ISMS service (environment prefix ISMS_)."""

    model_config = SettingsConfigDict(env_prefix="ISMS_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("./data")
    catalog_dir: Path | None = None
    database_url: str | None = None
    secret_key: SecretStr | None = None
    token_issuer: str = "isms"  # noqa: S105
    token_audience: str = "isms-api"  # noqa: S105
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    max_request_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    default_language: Literal["de", "en"] = "de"
    scheduler_enabled: bool = True
    cookie_secure: bool | None = None
    # E-mail (notifications of review tasks); no host: in-app notifications only.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "isms@localhost"
    mail_digest: bool = False  # one daily mail per user instead of one per notification
    public_url: str = "http://127.0.0.1:8000"  # for links in mails and the calendar feed
    log_level: str = "INFO"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL: PostgreSQL when configured, else SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'isms.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "files"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def _is_weak(key: str) -> bool:
    return len(key) < MIN_KEY_LENGTH or key.lower() in KNOWN_WEAK_KEYS or len(set(key)) < 10


def resolve_secret_key(settings: Settings) -> str:
    """The token signing key: ISMS_SECRET_KEY, else one generated once and kept 0600."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if _is_weak(key) and settings.environment == "production":
            raise InsecureConfigurationError(
                f"ISMS_SECRET_KEY is too weak: use at least {MIN_KEY_LENGTH} random characters"
            )
        return key
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if (path.stat().st_mode & 0o077) and settings.environment == "production":
            raise InsecureConfigurationError(
                f"{path} is readable by others: chmod 600 it"
            ) from None
        if _is_weak(key):
            raise InsecureConfigurationError(
                f"{path} holds a weak key: delete it to generate one"
            ) from None
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
