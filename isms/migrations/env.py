"""Alembic environment: the engine comes from the caller or from the ISMS_* settings."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine

import isms.models  # noqa: F401  (fills the metadata)
from isms.database import create_db_engine, metadata
from isms.models import JOB_TABLE
from isms.settings import get_settings

config = context.config


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # APScheduler creates and owns its job table.
    return not (type_ == "table" and name == JOB_TABLE)


def run_migrations() -> None:
    engine: Engine = config.attributes.get("engine") or create_db_engine(get_settings())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
