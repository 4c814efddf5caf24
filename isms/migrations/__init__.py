"""Alembic migrations: the only way the schema is created or changed."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config for the packaged migrations, bound to engine if given."""
    config = Config()
    config.set_main_option("script_location", "isms:migrations")
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to revision (default: the newest)."""
    command.upgrade(alembic_config(engine), revision)
