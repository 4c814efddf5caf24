"""Building assets and edges through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import Engine

from isms.database import session_scope
from risk.assets import graph, service
from risk.assets.models import Asset
from risk.assets.schemas import AssetCreate, ProtectionInput, ProtectionUpdate

_n = itertools.count(1)


def make_asset(engine: Engine, *, category_id: int, department_id: int, **fields: Any) -> Asset:
    n = next(_n)
    data = AssetCreate(
        short_id=fields.pop("short_id", f"Z-{n:04d}"),
        name=fields.pop("name", f"Objekt {n}"),
        category_id=category_id,
        department_id=department_id,
        **fields,
    )
    with session_scope(engine) as session:
        return service.create(session, data=data, scope=None)


def link(engine: Engine, dependent: Asset, dependency: Asset) -> None:
    with session_scope(engine) as session:
        graph.add_dependency(
            session,
            dependent=session.get(Asset, dependent.id),
            dependency=session.get(Asset, dependency.id),
        )  # type: ignore[arg-type]


def assess(engine: Engine, asset: Asset, **values: ProtectionInput) -> Asset:
    with session_scope(engine) as session:
        stored = session.get(Asset, asset.id)
        assert stored is not None
        return service.assess(session, asset=stored, data=ProtectionUpdate(**values))


def load(engine: Engine, asset: Asset) -> Asset:
    with session_scope(engine, write=False) as session:
        stored = session.get(Asset, asset.id)
        assert stored is not None
        return stored
