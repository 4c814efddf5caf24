"""Moving the Grundschutz-Check to a newer version of a catalog, when the ISB decides to.

Until then the check keeps the version it was done against. Migrating makes the new version the
active one of its family, carries every check entry over to the control with the same ref in the
new version (status, texts, evidence stay with the entry) and remodels all assets: new controls
appear `unbearbeitet`, controls the new edition dropped are kept with `modelled = False`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from controls.catalogs.models import Catalog, Control
from controls.check import modelling
from controls.check.models import CheckEntry, priority_of
from isms.audit.service import record
from isms.errors import Conflict


@dataclass(frozen=True)
class MigrationResult:
    from_catalog: int | None
    to_catalog: int
    carried: int
    dropped: int
    modelling: modelling.Result


def migrate(session: Session, *, catalog: Catalog, actor: str) -> MigrationResult:
    if catalog.active:
        raise Conflict("error.catalog_already_active", title=catalog.title, version=catalog.version)
    assert catalog.id is not None
    old = session.scalars(
        select(Catalog).where(col(Catalog.family) == catalog.family, col(Catalog.active))
    ).first()
    carried = dropped = 0
    if old is not None and old.id is not None:
        new_controls = {
            ref: (cid, practice, order, verb)
            for cid, ref, practice, order, verb in session.execute(
                select(
                    col(Control.id),
                    col(Control.ref),
                    col(Control.practice),
                    col(Control.sort_order),
                    col(Control.modal_verb),
                ).where(col(Control.catalog_id) == catalog.id)
            )
        }
        entries = session.execute(
            select(col(CheckEntry.id), col(CheckEntry.control_ref)).where(
                col(CheckEntry.catalog_id) == old.id
            )
        ).all()
        moves = []
        gone = []
        for entry_id, ref in entries:
            if ref in new_controls:
                cid, practice, order, verb = new_controls[ref]
                moves.append(
                    {
                        "_id": entry_id,
                        "control_id": cid,
                        "catalog_id": catalog.id,
                        "practice": practice,
                        "sort_order": order,
                        "modal_verb": verb,
                        "priority": priority_of(verb),
                    }
                )
            else:
                gone.append(entry_id)
        if moves:
            table = CheckEntry.__table__  # type: ignore[attr-defined]
            session.execute(
                table.update()
                .where(table.c.id == bindparam("_id"))
                .values({name: bindparam(name) for name in moves[0] if name != "_id"}),
                moves,
            )
        if gone:
            session.execute(
                update(CheckEntry).where(col(CheckEntry.id).in_(gone)).values(modelled=False)
            )
        carried, dropped = len(moves), len(gone)
        old.active = False
        session.add(old)
    catalog.active = True
    session.add(catalog)
    session.flush()
    result = modelling.model(session, actor=actor)
    record(
        session,
        action="migrate",
        object_type="catalog",
        object_id=str(catalog.id),
        before={"active": old.id if old else None},
        after={
            "active": catalog.id,
            "version": catalog.version,
            "carried": carried,
            "dropped": dropped,
            "created": result.created,
        },
    )
    return MigrationResult(old.id if old else None, catalog.id, carried, dropped, result)
