"""Modelling (Modellierung): which controls of the active BSI catalogs apply to which asset.

A control applies to an asset when one of its target-object categories is the asset's category
or one of that category's ancestors in the vocabulary tree. Controls of the raised security level
(`sec_level` RAISED) apply only when some Grundwert of the asset is hoch or sehr hoch, or when the
ISB adds them.
The ISB's decisions (add / exclude, with a reason) hold by catalog family and control ref.
Controls without target-object categories apply once, to the information domain as a whole
(check entries without an asset).

Modelling writes check entries: new ones start `unbearbeitet`; an entry that no longer applies is
deleted while nobody has worked on it, and otherwise kept with `modelled = False`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from controls.catalogs.models import Catalog, Control
from controls.check.models import (
    CheckEntry,
    CheckStatus,
    Decision,
    ModellingDecision,
    Origin,
    priority_of,
)
from controls.evidence.models import CheckEvidence
from isms.audit.service import record
from isms.database import bulk_insert
from isms.errors import InvalidInput
from risk.assets import events
from risk.assets.levels import Level
from risk.assets.models import Asset, AssetCategory

RAISED = "erhöht"  # vocabulary: security_level.csv (for a high protection requirement)
CHUNK = 5000


@dataclass(frozen=True)
class ControlInfo:
    id: int
    catalog_id: int
    family: str
    ref: str
    practice: str | None
    sort_order: int
    modal_verb: str | None
    raised: bool
    categories: tuple[str, ...]


@dataclass
class Result:
    created: int = 0
    reactivated: int = 0
    retired: int = 0  # kept with modelled = False
    removed: int = 0  # deleted (nobody had worked on them)
    assets: int = 0
    by_asset: dict[int, int] = field(default_factory=dict)


def _controls(session: Session) -> list[ControlInfo]:
    rows = session.execute(
        select(
            col(Control.id),
            col(Control.catalog_id),
            col(Catalog.family),
            col(Control.ref),
            col(Control.practice),
            col(Control.sort_order),
            col(Control.modal_verb),
            col(Control.sec_level),
            col(Control.target_categories),
        )
        .join(Catalog, col(Catalog.id) == col(Control.catalog_id))
        .where(col(Catalog.active), col(Catalog.modelled))
        .order_by(col(Catalog.id), col(Control.sort_order))
    )
    seen: set[str] = set()
    result = []
    for cid, catalog_id, family, ref, practice, order, verb, level, categories in rows:
        if ref in seen:  # the same control in two active catalogs: the older one models it
            continue
        seen.add(ref)
        result.append(
            ControlInfo(
                cid or 0,
                catalog_id,
                family,
                ref,
                practice,
                order,
                verb,
                level == RAISED,
                tuple(categories or ()),
            )
        )
    return result


def _category_names(session: Session) -> dict[int, set[str]]:
    """Category id -> the names of the category and all its ancestors."""
    rows = {
        cid: (name, parent)
        for cid, name, parent in session.execute(
            select(col(AssetCategory.id), col(AssetCategory.name), col(AssetCategory.parent_id))
        )
    }
    names: dict[int, set[str]] = {}
    for cid in rows:
        if cid is None:
            continue
        chain: set[str] = set()
        current: int | None = cid
        guard = 0
        while current is not None and current in rows and guard < 50:
            name, parent = rows[current]
            chain.add(name)
            current, guard = parent, guard + 1
        names[cid] = chain
    return names


def model(session: Session, asset_ids: Iterable[int] | None = None, *, actor: str = "") -> Result:
    """Bring the check entries of the given assets (default: all, and the information domain)
    in line with the active catalogs and the ISB's decisions; returns what changed."""
    controls = _controls(session)
    by_category: dict[str, list[ControlInfo]] = defaultdict(list)
    domain = []
    for info in controls:
        if info.categories:
            for name in info.categories:
                by_category[name].append(info)
        else:
            domain.append(info)
    by_key = {(c.family, c.ref): c for c in controls}
    names = _category_names(session)

    query = select(
        col(Asset.id), col(Asset.category_id), col(Asset.department_id), col(Asset.max_level)
    )
    wanted_ids = None if asset_ids is None else sorted(set(asset_ids))
    assets: list[Any] = []
    for chunk in _chunks(wanted_ids):
        part = query if chunk is None else query.where(col(Asset.id).in_(chunk))
        assets.extend(session.execute(part).all())
    decisions: dict[int, dict[tuple[str, str], Decision]] = defaultdict(dict)
    for chunk in _chunks(wanted_ids):
        dq = select(
            col(ModellingDecision.asset_id),
            col(ModellingDecision.family),
            col(ModellingDecision.control_ref),
            col(ModellingDecision.decision),
        )
        if chunk is not None:
            dq = dq.where(col(ModellingDecision.asset_id).in_(chunk))
        for asset_id, family, ref, decision in session.execute(dq):
            decisions[asset_id][(family, ref)] = Decision(decision)

    desired: dict[int | None, dict[int, tuple[ControlInfo, Origin]]] = {}
    for asset_id, category_id, _department, max_level in assets:
        raised_ok = (max_level or 0) >= int(Level.HOCH)
        own = decisions.get(asset_id, {})
        chosen: dict[int, tuple[ControlInfo, Origin]] = {}
        for name in names.get(category_id, ()):
            for info in by_category.get(name, ()):
                if not info.raised or raised_ok:
                    chosen[info.id] = (info, Origin.AUTO)
        for key, decision in own.items():
            picked = by_key.get(key)
            if picked is None:
                continue
            if decision is Decision.ADD and picked.id not in chosen:
                chosen[picked.id] = (picked, Origin.ADDED)
            elif decision is Decision.EXCLUDE:
                chosen.pop(picked.id, None)
        desired[asset_id] = chosen
    if asset_ids is None:
        desired[None] = {info.id: (info, Origin.AUTO) for info in domain}

    departments = {asset_id: department for asset_id, _c, department, _m in assets}
    result = _apply(session, desired, departments)
    result.assets = len(assets)
    if result.created or result.reactivated or result.retired or result.removed:
        record(
            session,
            action="model",
            object_type="check_entry",
            after={
                "assets": result.assets,
                "created": result.created,
                "reactivated": result.reactivated,
                "retired": result.retired,
                "removed": result.removed,
                **({"asset_ids": sorted(result.by_asset)} if len(result.by_asset) <= 50 else {}),
                **({"by": actor} if actor else {}),
            },
        )
    return result


def _chunks(ids: list[int] | None) -> Iterable[list[int] | None]:
    if ids is None:
        yield None
        return
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _apply(
    session: Session,
    desired: dict[int | None, dict[int, tuple[ControlInfo, Origin]]],
    departments: dict[int, int],
) -> Result:
    result = Result()
    existing: dict[int | None, dict[int, tuple[int, bool, bool]]] = defaultdict(dict)
    worked = (
        (col(CheckEntry.status) != CheckStatus.UNBEARBEITET)
        | (col(CheckEntry.implementation) != "")
        | (col(CheckEntry.justification) != "")
        | exists().where(col(CheckEvidence.check_entry_id) == col(CheckEntry.id))
    )
    base = select(
        col(CheckEntry.asset_id),
        col(CheckEntry.control_id),
        col(CheckEntry.id),
        col(CheckEntry.modelled),
        worked.label("worked"),
    )
    asset_keys = [k for k in desired if k is not None]
    for chunk in _chunks(asset_keys):
        assert chunk is not None
        for asset_id, control_id, entry_id, modelled, has_work in session.execute(
            base.where(col(CheckEntry.asset_id).in_(chunk))
        ):
            existing[asset_id][control_id] = (entry_id or 0, modelled, bool(has_work))
    if None in desired:
        for _a, control_id, entry_id, modelled, has_work in session.execute(
            base.where(col(CheckEntry.asset_id).is_(None))
        ):
            existing[None][control_id] = (entry_id or 0, modelled, bool(has_work))

    inserts: list[dict[str, Any]] = []
    reactivate: list[int] = []
    retire: list[int] = []
    remove: list[int] = []
    for asset_id, chosen in desired.items():
        have = existing.get(asset_id, {})
        changed = 0
        for control_id, (info, origin) in chosen.items():
            if control_id not in have:
                inserts.append(_new_entry(asset_id, info, origin, departments.get(asset_id or 0)))
                changed += 1
            elif not have[control_id][1]:
                reactivate.append(have[control_id][0])
                changed += 1
        for control_id, (entry_id, modelled, has_work) in have.items():
            if control_id in chosen or not modelled:
                continue
            (retire if has_work else remove).append(entry_id)
            changed += 1
        if changed and asset_id is not None:
            result.by_asset[asset_id] = changed
    bulk_insert(session, CheckEntry.__table__, inserts)  # type: ignore[attr-defined]
    for ids, values in ((reactivate, {"modelled": True}), (retire, {"modelled": False})):
        for start in range(0, len(ids), CHUNK):
            session.execute(
                update(CheckEntry)
                .where(col(CheckEntry.id).in_(ids[start : start + CHUNK]))
                .values(values)
            )
    for start in range(0, len(remove), CHUNK):
        session.execute(
            delete(CheckEntry).where(col(CheckEntry.id).in_(remove[start : start + CHUNK]))
        )
    result.created, result.reactivated = len(inserts), len(reactivate)
    result.retired, result.removed = len(retire), len(remove)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, CheckEntry):
            session.expire(obj)
    return result


def _new_entry(
    asset_id: int | None, info: ControlInfo, origin: Origin, department_id: int | None
) -> dict[str, Any]:
    return {
        "asset_id": asset_id,
        "control_id": info.id,
        "catalog_id": info.catalog_id,
        "control_ref": info.ref,
        "practice": info.practice,
        "sort_order": info.sort_order,
        "modal_verb": info.modal_verb,
        "priority": priority_of(info.modal_verb),
        "modelled": True,
        "origin": origin.value,
        "status": CheckStatus.UNBEARBEITET.value,
        "department_id": department_id,
        "owner_department_id": department_id,
        "version": 1,
    }


def follow_assets(session: Session, asset_ids: set[int]) -> None:
    """Listener for the asset register: remodel assets that were created or changed, and keep
    their entries with the department that owns the asset."""
    model(session, asset_ids)
    owner = (
        select(col(Asset.department_id))
        .where(col(Asset.id) == col(CheckEntry.asset_id))
        .scalar_subquery()
    )
    ids = sorted(asset_ids)
    for start in range(0, len(ids), CHUNK):
        session.execute(
            update(CheckEntry)
            .where(col(CheckEntry.asset_id).in_(ids[start : start + CHUNK]))
            .values(owner_department_id=owner)
        )


def subscribe() -> None:
    """Let modelling follow changes of the asset register (called by the app and the CLI)."""
    events.subscribe(follow_assets)


def decide(
    session: Session, *, asset: Asset, control: Control, decision: Decision, reason: str, actor: str
) -> ModellingDecision:
    """The ISB adds or excludes a control for an asset; the asset is remodelled at once."""
    if len(reason.strip()) < 10:
        raise InvalidInput("error.modelling_needs_reason", field="reason")
    catalog = session.get(Catalog, control.catalog_id)
    assert catalog is not None
    assert asset.id is not None
    existing = session.scalars(
        select(ModellingDecision).where(
            col(ModellingDecision.asset_id) == asset.id,
            col(ModellingDecision.family) == catalog.family,
            col(ModellingDecision.control_ref) == control.ref,
        )
    ).first()
    if existing is None:
        existing = ModellingDecision(
            asset_id=asset.id,
            family=catalog.family,
            control_ref=control.ref,
            decision=decision,
            reason=reason.strip(),
            decided_by=actor,
        )
    else:
        existing.decision, existing.reason, existing.decided_by = decision, reason.strip(), actor
    session.add(existing)
    session.flush()
    model(session, [asset.id])
    return existing


def withdraw(session: Session, *, decision: ModellingDecision) -> None:
    asset_id = decision.asset_id
    session.delete(decision)
    session.flush()
    model(session, [asset_id])
