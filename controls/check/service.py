"""The Grundschutz-Check: listing, recording and summarising check entries; flush, never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import load_only
from sqlmodel import Session, col

from controls.catalogs.models import Catalog, Control
from controls.check.models import CheckEntry, CheckStatus
from controls.check.schemas import BulkUpdate, CheckUpdate, ProgressRow
from controls.evidence.models import CheckEvidence, Evidence
from isms.clock import utcnow
from isms.errors import Conflict, InvalidInput, NotFound
from isms.identity.models import Department
from isms.identity.service import check_version
from isms.pagination import Page, PageParams, apply_sort
from risk.assets.models import Asset

OPEN = (CheckStatus.TEILWEISE, CheckStatus.NEIN)
SORT = {
    "asset": col(Asset.short_id),
    "control": col(CheckEntry.sort_order),
    "status": col(CheckEntry.status),
    "target_date": col(CheckEntry.target_date),
    "updated_at": col(CheckEntry.updated_at),
}


LIST_CONTROL_FIELDS: tuple[Any, ...] = (
    Control.id,
    Control.catalog_id,
    Control.ref,
    Control.title,
    Control.modal_verb,
    Control.sec_level,
)


@dataclass(frozen=True)
class CheckFilter:
    asset_id: int | None = None
    domain: bool = False  # only the entries of the information domain as a whole
    department_id: int | None = None  # the owning department of the asset (or of the entry)
    status: CheckStatus | None = None
    practice: str | None = None
    catalog_id: int | None = None
    modal_verb: str | None = None
    q: str | None = None
    overdue: bool = False
    modelled: bool | None = True
    ids: tuple[int, ...] | None = None  # only these entries


@dataclass(frozen=True)
class CheckRow:
    entry: CheckEntry
    control: Control
    asset: Asset | None


def is_overdue(entry: CheckEntry, today: date | None = None) -> bool:
    """An open item (teilweise, nein) past its target date."""
    return (
        entry.status in OPEN
        and entry.target_date is not None
        and entry.target_date < (today or date.today())
    )


def _owner() -> Any:
    """The department an entry belongs to: its asset's, or for domain-wide entries the
    responsible one (kept on the entry, so lists filter on an index)."""
    return col(CheckEntry.owner_department_id)


def _filtered(query: Any, flt: CheckFilter, scope: set[int] | None) -> Any:
    if scope is not None:
        query = query.where(_owner().in_(scope))
    if flt.ids is not None:
        query = query.where(col(CheckEntry.id).in_(flt.ids))
    if flt.asset_id is not None:
        query = query.where(col(CheckEntry.asset_id) == flt.asset_id)
    if flt.domain:
        query = query.where(col(CheckEntry.asset_id).is_(None))
    if flt.department_id is not None:
        query = query.where(_owner() == flt.department_id)
    if flt.status is not None:
        query = query.where(col(CheckEntry.status) == flt.status)
    if flt.practice:
        query = query.where(col(CheckEntry.practice) == flt.practice)
    if flt.catalog_id is not None:
        query = query.where(col(CheckEntry.catalog_id) == flt.catalog_id)
    if flt.modal_verb:
        query = query.where(col(CheckEntry.modal_verb) == flt.modal_verb)
    if flt.modelled is not None:
        query = query.where(col(CheckEntry.modelled) == flt.modelled)
    if flt.overdue:
        query = query.where(
            col(CheckEntry.status).in_(OPEN), col(CheckEntry.target_date) < date.today()
        )
    if flt.q:
        like = f"%{flt.q.lower()}%"
        query = query.where(
            or_(
                func.lower(col(CheckEntry.control_ref)).like(like),
                col(CheckEntry.control_id).in_(
                    select(col(Control.id)).where(func.lower(col(Control.title)).like(like))
                ),
            )
        )
    return query


def list_entries(
    session: Session, *, page: PageParams, flt: CheckFilter, scope: set[int] | None
) -> tuple[Page[CheckRow], dict[int, list[int]]]:
    """One page of check entries with control and asset (3 queries: count, page, evidence).

    The page is chosen on the entries alone (an index range and a short sort), and only its rows
    are joined with their control and asset: joining first made the database join every
    matching entry before cutting out 50.
    """
    counted = _filtered(select(func.count()).select_from(CheckEntry), flt, scope)
    total = session.scalar(counted) or 0

    def ordered(query: Any) -> Any:
        if page.sort:
            query = apply_sort(query, page.sort, SORT)
        else:
            query = query.order_by(col(CheckEntry.asset_id), col(CheckEntry.sort_order))
        return query.order_by(col(CheckEntry.id))

    chosen = select(col(CheckEntry.id))
    if page.sort and page.sort.lstrip("-") == "asset":
        chosen = chosen.outerjoin(Asset, col(Asset.id) == col(CheckEntry.asset_id))
    chosen = ordered(_filtered(chosen, flt, scope)).limit(page.limit).offset(page.offset)
    query = ordered(
        select(CheckEntry, Control, Asset)
        .join(Control, col(Control.id) == col(CheckEntry.control_id))
        .outerjoin(Asset, col(Asset.id) == col(CheckEntry.asset_id))
        # A list row needs the control's name, not its texts and OSCAL parts (kilobytes each).
        .options(load_only(*LIST_CONTROL_FIELDS))
        .where(col(CheckEntry.id).in_(chosen.scalar_subquery()))
    )
    rows = [CheckRow(e, c, a) for e, c, a in session.execute(query)]
    return Page(items=rows, total=total), evidence_of(session, [r.entry.id or 0 for r in rows])


def evidence_of(session: Session, entry_ids: Sequence[int]) -> dict[int, list[int]]:
    links: dict[int, list[int]] = defaultdict(list)
    if entry_ids:
        for entry_id, evidence_id in session.execute(
            select(col(CheckEvidence.check_entry_id), col(CheckEvidence.evidence_id))
            .where(col(CheckEvidence.check_entry_id).in_(entry_ids))
            .order_by(col(CheckEvidence.evidence_id))
        ):
            links[entry_id].append(evidence_id)
    return links


def get_entry(session: Session, *, entry_id: int, scope: set[int] | None) -> CheckRow:
    row = session.execute(
        _filtered(
            select(CheckEntry, Control, Asset)
            .join(Control, col(Control.id) == col(CheckEntry.control_id))
            .outerjoin(Asset, col(Asset.id) == col(CheckEntry.asset_id))
            .where(col(CheckEntry.id) == entry_id),
            CheckFilter(modelled=None),
            scope,
        )
    ).first()
    if row is None:
        raise NotFound("error.check_entry_not_found", id=entry_id)
    return CheckRow(*row)


def requirement_problem(
    modal_verb: str | None, status: CheckStatus, justification: str
) -> str | None:
    """Why an entry cannot be saved like this, as a message key, or None."""
    if justification.strip():
        return None
    if status == CheckStatus.ENTBEHRLICH:
        return "error.check_dispensable_needs_reason"
    if modal_verb == "MUSS" and status in OPEN:
        return "error.check_muss_needs_reason"
    return None


def update_entry(
    session: Session,
    *,
    row: CheckRow,
    data: CheckUpdate,
    scope: set[int] | None,
    evidence_scope: set[int] | None = None,
) -> CheckEntry:
    """Record the state of one entry; stale versions answer 409, missing reasons 400."""
    entry = row.entry
    check_version(entry.version, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "evidence_ids", "id"})
    if "status" in changes and changes["status"] is None:
        raise InvalidInput("error.field_required", field="status")
    department_id = changes.get("department_id")
    if department_id is not None and (
        session.get(Department, department_id) is None
        or (scope is not None and department_id not in scope)
    ):
        raise InvalidInput(
            "error.department_unknown", ids=str(department_id), field="department_id"
        )
    for key, value in changes.items():
        setattr(entry, key, value.strip() if type(value) is str else value)
    if entry.asset_id is None and "department_id" in changes:
        entry.owner_department_id = entry.department_id
    problem = requirement_problem(entry.modal_verb, entry.status, entry.justification)
    if problem:
        raise InvalidInput(problem, control=entry.control_ref, field="justification")
    if (
        "status" in changes
        and entry.checked_on is None
        and entry.status != CheckStatus.UNBEARBEITET
    ):
        entry.checked_on = date.today()
    if data.evidence_ids is not None:
        _link_evidence(session, entry, data.evidence_ids, evidence_scope)
    entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    return entry


def _link_evidence(
    session: Session, entry: CheckEntry, evidence_ids: list[int], scope: set[int] | None
) -> None:
    wanted = set(evidence_ids)
    query = select(col(Evidence.id)).where(col(Evidence.id).in_(wanted))
    if scope is not None:
        query = query.where(
            or_(col(Evidence.department_id).in_(scope), col(Evidence.department_id).is_(None))
        )
    found = set(session.scalars(query))
    if wanted - found:
        raise InvalidInput(
            "error.evidence_unknown",
            ids=", ".join(map(str, sorted(wanted - found))),
            field="evidence_ids",
        )
    current = {
        link.evidence_id: link
        for link in session.scalars(
            select(CheckEvidence).where(col(CheckEvidence.check_entry_id) == entry.id)
        )
    }
    for evidence_id, link in current.items():
        if evidence_id not in wanted:
            session.delete(link)
    for evidence_id in sorted(wanted - set(current)):
        session.add(CheckEvidence(check_entry_id=entry.id or 0, evidence_id=evidence_id))


@dataclass(frozen=True)
class RowProblem:
    id: int
    field: str | None
    key: str
    params: dict[str, Any]


def bulk_update(
    session: Session, *, data: BulkUpdate, scope: set[int] | None
) -> tuple[list[CheckEntry], list[RowProblem]]:
    """Apply every item or none: problems are collected per row; the caller rolls back on any."""
    seen: set[int] = set()
    updated: list[CheckEntry] = []
    problems: list[RowProblem] = []
    for item in data.items:
        if item.id in seen:
            problems.append(RowProblem(item.id, "id", "error.duplicate_row", {"id": item.id}))
            continue
        seen.add(item.id)
        try:
            row = get_entry(session, entry_id=item.id, scope=scope)
            updated.append(
                update_entry(session, row=row, data=item, scope=scope, evidence_scope=scope)
            )
        except (InvalidInput, NotFound, Conflict) as error:
            problems.append(
                RowProblem(item.id, error.params.get("field"), error.message_key, error.params)
            )
    return updated, problems


# Progress and compliance


def progress(
    session: Session, *, by: str, scope: set[int] | None, catalog_id: int | None = None
) -> list[ProgressRow]:
    """Counts per status and the two figures, grouped by asset, department, practice or catalog.

    progress = entries worked on (not unbearbeitet) / all entries;
    compliance = (ja + ½ teilweise) / (all - entbehrlich).
    """
    keys: dict[str, Any] = {
        "asset": col(CheckEntry.asset_id),
        "department": _owner(),
        "practice": col(CheckEntry.practice),
        "catalog": col(CheckEntry.catalog_id),
    }
    if by not in keys:
        raise InvalidInput("error.unknown_grouping", field="by", allowed=", ".join(sorted(keys)))
    key = keys[by]
    # Counted on the entries alone (off an index for departments), labelled afterwards: joining
    # asset, department and catalog to every entry cost ten times the count at city scale.
    query = (
        select(key, col(CheckEntry.status), func.count())
        .where(col(CheckEntry.modelled))
        .group_by(key, col(CheckEntry.status))
    )
    if scope is not None:
        query = query.where(_owner().in_(scope))
    if catalog_id is not None:
        query = query.where(col(CheckEntry.catalog_id) == catalog_id)
    counts: dict[Any, dict[str, int]] = defaultdict(dict)
    for group, status, number in session.execute(query):
        counts[group][CheckStatus(status).value] = number
    labels = _progress_labels(session, by, [k for k in counts if k is not None])
    rows = [_progress_row(k, labels.get(k, ""), values) for k, values in counts.items()]
    return sorted(rows, key=lambda row: (row.label, row.key))


def _progress_labels(session: Session, by: str, keys: list[Any]) -> dict[Any, str]:
    """What each group is called: the object's short id, the department's or catalog's name."""
    if by == "practice":
        return {k: k for k in keys}
    ids, name = {
        "asset": (col(Asset.id), col(Asset.short_id)),
        "department": (col(Department.id), col(Department.name)),
        "catalog": (col(Catalog.id), col(Catalog.title)),
    }[by]
    labels: dict[Any, str] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for key, label in session.execute(select(ids, name).where(ids.in_(chunk))):
            labels[key] = label or ""
    return labels


def _progress_row(key: Any, label: str, counted: dict[str, int]) -> ProgressRow:
    values = {s.value: counted.get(s.value, 0) for s in CheckStatus}
    total = sum(values.values())
    relevant = total - values["entbehrlich"]
    worked = total - values["unbearbeitet"]
    compliance = (
        round(100 * (values["ja"] + values["teilweise"] / 2) / relevant, 1) if relevant else None
    )
    return ProgressRow(
        key="" if key is None else str(key),
        label=label or "",
        total=total,
        **values,
        progress=round(100 * worked / total, 1) if total else 0.0,
        compliance=compliance,
    )
