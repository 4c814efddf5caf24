"""The risk register: rating, treatment, acceptance, closing, history, heat map and the objects
that need an analysis. Plain functions that flush, never commit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from controls.catalogs.models import ControlMapping
from controls.check.models import CheckEntry, CheckStatus
from isms.clock import utcnow
from isms.database import flush_or_conflict, next_ref
from isms.errors import Conflict, InvalidInput, NotFound
from isms.i18n import translate
from isms.identity.models import Department
from isms.identity.service import check_version
from isms.pagination import Page, PageParams, apply_sort
from risk.analysis.matrix import BSI_200_3, MatrixSpec, build_spec
from risk.analysis.models import (
    OPEN_MEASURE,
    AssetThreat,
    Measure,
    Risk,
    RiskEvent,
    RiskMatrix,
    RiskRequirement,
    RiskStatus,
    Threat,
    Treatment,
)
from risk.analysis.schemas import (
    AcceptanceInput,
    MatrixCreate,
    RiskCreate,
    RiskUpdate,
    TreatmentInput,
)
from risk.analysis.threats import MAPPED_THREAT
from risk.assets.levels import Level
from risk.assets.models import Asset, LifecycleStatus

BSI_MATRIX_NAME = "BSI 200-3"
MAX_ACCEPTANCE = timedelta(days=3 * 366)  # an acceptance is reviewed at least every 3 years
OPEN_CHECK = (CheckStatus.TEILWEISE, CheckStatus.NEIN)
SORT = {
    "ref": col(Risk.id),
    "title": col(Risk.title),
    "category": col(Risk.category_rank),
    "status": col(Risk.status),
    "updated_at": col(Risk.updated_at),
}


# Matrices


def spec_of(matrix: RiskMatrix) -> MatrixSpec:
    return MatrixSpec(
        tuple(matrix.frequencies),
        tuple(matrix.impacts),
        tuple(matrix.categories),
        tuple(tuple(row) for row in matrix.cells),
    )


def term_labels(spec: MatrixSpec, language: str) -> dict[str, str]:
    """The matrix's terms in a language: the BSI's have translations, an own matrix's terms
    are shown as they are."""
    labels = {}
    for term in (*spec.frequencies, *spec.impacts, *spec.categories):
        key = "risk.term." + term.replace(" ", "_")
        text = translate(language, key)
        labels[term] = term if text == key else text
    return labels


def list_matrices(session: Session) -> list[RiskMatrix]:
    return list(session.scalars(select(RiskMatrix).order_by(col(RiskMatrix.id))))


def active_matrix(session: Session) -> RiskMatrix | None:
    return session.scalars(select(RiskMatrix).where(col(RiskMatrix.active))).first()


def matrix_for_new_risks(session: Session) -> RiskMatrix:
    """The active matrix; the BSI 200-3 matrix is stored on first use."""
    matrix = active_matrix(session)
    if matrix is None:
        matrix = _new_matrix(BSI_MATRIX_NAME, BSI_200_3, active=True, actor="system")
        session.add(matrix)
        session.flush()
    return matrix


def _new_matrix(name: str, spec: MatrixSpec, *, active: bool, actor: str) -> RiskMatrix:
    return RiskMatrix(name=name, active=active, created_by=actor, **spec.as_dict())


def create_matrix(session: Session, *, data: MatrixCreate, actor: str) -> RiskMatrix:
    """A new matrix for new analyses; existing risks keep the one they were rated with."""
    spec = build_spec(data.frequencies, data.impacts, data.categories, data.cells)
    name = data.name.strip()
    if not name:
        raise InvalidInput("error.field_required", field="name")
    if session.scalar(select(col(RiskMatrix.id)).where(col(RiskMatrix.name) == name)) is not None:
        raise Conflict("error.matrix_name_taken", field="name", name=name)
    if data.activate:
        matrix_for_new_risks(session)  # the BSI matrix stays on record for risks rated with it
        for other in session.scalars(select(RiskMatrix).where(col(RiskMatrix.active))):
            other.active = False
            session.add(other)
    matrix = _new_matrix(name, spec, active=data.activate, actor=actor)
    session.add(matrix)
    session.flush()
    return matrix


def activate_matrix(session: Session, *, matrix_id: int) -> RiskMatrix:
    matrix = session.get(RiskMatrix, matrix_id)
    if matrix is None:
        raise NotFound("error.matrix_not_found", id=matrix_id)
    for other in session.scalars(select(RiskMatrix).where(col(RiskMatrix.active))):
        other.active = False
        session.add(other)
    session.flush()
    matrix.active = True
    session.add(matrix)
    session.flush()
    return matrix


# Reading


@dataclass(frozen=True)
class RiskFilter:
    status: RiskStatus | None = None
    open_only: bool = False  # every status but geschlossen
    category: str | None = None
    residual_category: str | None = None
    treatment: Treatment | None = None
    department_id: int | None = None
    asset_id: int | None = None
    threat_id: int | None = None
    matrix_id: int | None = None
    frequency: str | None = None
    impact: str | None = None
    basis: str = "gross"  # which rating frequency/impact filter: gross | residual
    kritis: bool | None = None
    expired: bool = False  # accepted, and the acceptance has expired
    flagged: bool = False  # accepted on a KRITIS facility although measures exist
    q: str | None = None


@dataclass(frozen=True)
class RiskRow:
    risk: Risk
    asset: Asset
    threat: Threat


def _rating_columns(basis: str) -> tuple[Any, Any]:
    """Frequency and impact before treatment, or after it (where rated, else before)."""
    if basis == "residual":
        return (
            func.coalesce(col(Risk.residual_frequency), col(Risk.frequency)),
            func.coalesce(col(Risk.residual_impact), col(Risk.impact)),
        )
    return col(Risk.frequency), col(Risk.impact)


def _filtered(query: Any, flt: RiskFilter, scope: set[int] | None) -> Any:
    if scope is not None:
        query = query.where(col(Risk.owner_department_id).in_(scope))
    simple = (
        (col(Risk.status), flt.status),
        (col(Risk.category), flt.category),
        (col(Risk.residual_category), flt.residual_category),
        (col(Risk.treatment), flt.treatment),
        (col(Risk.owner_department_id), flt.department_id),
        (col(Risk.asset_id), flt.asset_id),
        (col(Risk.threat_id), flt.threat_id),
        (col(Risk.matrix_id), flt.matrix_id),
    )
    for column, value in simple:
        if value is not None:
            query = query.where(column == value)
    if flt.open_only:
        query = query.where(col(Risk.status) != RiskStatus.CLOSED)
    frequency, impact = _rating_columns(flt.basis)
    if flt.frequency is not None:
        query = query.where(frequency == flt.frequency)
    if flt.impact is not None:
        query = query.where(impact == flt.impact)
    if flt.kritis is not None:
        query = query.where(
            col(Risk.asset_id).in_(
                select(col(Asset.id)).where(col(Asset.kritis_critical) == flt.kritis)
            )
        )
    if flt.expired:
        query = query.where(
            col(Risk.status) == RiskStatus.ACCEPTED, col(Risk.acceptance_expires) < date.today()
        )
    if flt.flagged:
        query = query.where(col(Risk.kritis_flag))
    if flt.q:
        like = f"%{flt.q.lower()}%"
        query = query.where(
            or_(func.lower(col(Risk.title)).like(like), func.lower(col(Risk.ref)).like(like))
        )
    return query


def list_risks(
    session: Session, *, page: PageParams, flt: RiskFilter, scope: set[int] | None
) -> Page[RiskRow]:
    """One page of risks with asset and threat (2 queries: count, page).

    The page is chosen on the risks alone, read off an index in the order asked for (ties
    broken by id in the same direction), and only its rows are joined with asset and threat:
    joining first made the database sort every matching row, texts and all, to keep 50.
    """
    total = session.scalar(_filtered(select(func.count()).select_from(Risk), flt, scope)) or 0

    def ordered(query: Any) -> Any:
        sort = page.sort or "-category"
        query = apply_sort(query, sort, SORT)
        if sort.lstrip("-") == "ref":
            return query
        return query.order_by(col(Risk.id).desc() if sort.startswith("-") else col(Risk.id))

    chosen = ordered(_filtered(select(col(Risk.id)), flt, scope))
    chosen = chosen.limit(page.limit).offset(page.offset)
    query = ordered(
        select(Risk, Asset, Threat)
        .join(Asset, col(Asset.id) == col(Risk.asset_id))
        .join(Threat, col(Threat.id) == col(Risk.threat_id))
        .where(col(Risk.id).in_(chosen.scalar_subquery()))
    )
    return Page(items=[RiskRow(*row) for row in session.execute(query)], total=total)


def get_risk(session: Session, *, risk_id: int, scope: set[int] | None) -> RiskRow:
    row = session.execute(
        _filtered(
            select(Risk, Asset, Threat)
            .join(Asset, col(Asset.id) == col(Risk.asset_id))
            .join(Threat, col(Threat.id) == col(Risk.threat_id))
            .where(col(Risk.id) == risk_id),
            RiskFilter(),
            scope,
        )
    ).first()
    if row is None:
        raise NotFound("error.risk_not_found", id=risk_id)
    return RiskRow(*row)


def requirement_ids(session: Session, risk_ids: Sequence[int]) -> dict[int, list[int]]:
    links: dict[int, list[int]] = {r: [] for r in risk_ids}
    if risk_ids:
        for risk_id, entry_id in session.execute(
            select(col(RiskRequirement.risk_id), col(RiskRequirement.check_entry_id))
            .where(col(RiskRequirement.risk_id).in_(risk_ids))
            .order_by(col(RiskRequirement.check_entry_id))
        ):
            links[risk_id].append(entry_id)
    return links


def open_measures(session: Session, risk_ids: Sequence[int]) -> dict[int, int]:
    if not risk_ids:
        return {}
    return {
        risk_id: int(count)
        for risk_id, count in session.execute(
            select(col(Measure.risk_id), func.count())
            .where(col(Measure.risk_id).in_(risk_ids), col(Measure.status).in_(OPEN_MEASURE))
            .group_by(col(Measure.risk_id))
        )
    }


def history(session: Session, *, risk_id: int) -> list[RiskEvent]:
    return list(
        session.scalars(
            select(RiskEvent)
            .where(col(RiskEvent.risk_id) == risk_id)
            .order_by(col(RiskEvent.occurred_at).desc(), col(RiskEvent.id).desc())
        )
    )


def acceptance_expired(risk: Risk, today: date | None = None) -> bool:
    return (
        risk.status == RiskStatus.ACCEPTED
        and risk.acceptance_expires is not None
        and risk.acceptance_expires < (today or date.today())
    )


# Writing


def _event(session: Session, risk: Risk, action: str, actor: str, **details: Any) -> None:
    session.add(RiskEvent(risk_id=risk.id or 0, action=action, actor=actor, details=details))


def _rating(risk: Risk) -> dict[str, Any]:
    return {
        "frequency": risk.frequency,
        "impact": risk.impact,
        "category": risk.category,
        "residual_category": risk.residual_category,
        "status": risk.status.value,
    }


def _check_open(risk: Risk) -> None:
    if risk.status == RiskStatus.CLOSED:
        raise Conflict("error.risk_closed", ref=risk.ref)


def _check_not_accepted(risk: Risk) -> None:
    """An accepted risk is changed only after the acceptance is withdrawn with a reason: the
    management accepted this rating and these causes, not another."""
    if risk.status == RiskStatus.ACCEPTED:
        raise Conflict("error.risk_accepted_withdraw_first", ref=risk.ref)


def check_department(
    session: Session,
    department_id: int,
    scope: set[int] | None,
    *,
    field: str = "owner_department_id",
) -> None:
    """The department exists and, for a department user, is one of theirs (else a 400)."""
    if session.get(Department, department_id) is None or (
        scope is not None and department_id not in scope
    ):
        raise InvalidInput("error.department_unknown", ids=str(department_id), field=field)


def _check_grundwerte(risk: Risk) -> None:
    if not (risk.confidentiality or risk.integrity or risk.availability):
        raise InvalidInput("error.risk_needs_grundwert", field="confidentiality")


def _link_requirements(session: Session, risk: Risk, entry_ids: Sequence[int]) -> None:
    """The check entries (of the risk's object or of the whole information domain) whose gaps
    the risk stems from."""
    wanted = set(entry_ids)
    found = set(
        session.scalars(
            select(col(CheckEntry.id)).where(
                col(CheckEntry.id).in_(wanted),
                or_(
                    col(CheckEntry.asset_id) == risk.asset_id,
                    col(CheckEntry.asset_id).is_(None),  # the information domain's
                ),
            )
        )
    )
    if wanted - found:
        raise InvalidInput(
            "error.requirement_unknown",
            field="requirement_ids",
            ids=", ".join(map(str, sorted(wanted - found))),
        )
    current = {
        link.check_entry_id: link
        for link in session.scalars(
            select(RiskRequirement).where(col(RiskRequirement.risk_id) == risk.id)
        )
    }
    for entry_id, link in current.items():
        if entry_id not in wanted:
            session.delete(link)
    for entry_id in sorted(wanted - set(current)):
        session.add(RiskRequirement(risk_id=risk.id or 0, check_entry_id=entry_id))


def requirements_by_ref(session: Session, *, asset_id: int, refs: Sequence[str]) -> list[int]:
    """The modelled check entries of the object (or of the information domain) with these
    control refs, for the forms that name requirements by ref; unknown refs are a 400."""
    wanted = {r.strip() for r in refs if r.strip()}
    if not wanted:
        return []
    found: dict[str, int] = {}
    for entry_id, ref in session.execute(
        select(col(CheckEntry.id), col(CheckEntry.control_ref))
        .where(
            col(CheckEntry.control_ref).in_(wanted),
            col(CheckEntry.modelled),
            or_(col(CheckEntry.asset_id) == asset_id, col(CheckEntry.asset_id).is_(None)),
        )
        .order_by(col(CheckEntry.id))
    ):
        found.setdefault(ref, entry_id)
    missing = sorted(wanted - set(found))
    if missing:
        raise InvalidInput(
            "error.requirement_ref_unknown", field="requirements", refs=", ".join(missing)
        )
    return sorted(found.values())


def _rate(session: Session, risk: Risk, frequency: str, impact: str) -> None:
    spec = spec_of(matrix_of(session, risk.matrix_id))
    risk.frequency, risk.impact = frequency, impact
    risk.category = spec.category(frequency, impact)
    risk.category_rank = spec.rank(risk.category)


def _rate_residual(session: Session, risk: Risk, frequency: str | None, impact: str | None) -> None:
    """The rating after treatment; both levels or neither, never above the rating before."""
    if frequency is None and impact is None:
        return
    if frequency is None or impact is None:
        field = "residual_frequency" if frequency is None else "residual_impact"
        raise InvalidInput("error.residual_needs_both", field=field)
    spec = spec_of(matrix_of(session, risk.matrix_id))
    category = spec.category(frequency, impact, ("residual_frequency", "residual_impact"))
    if spec.rank(category) > spec.rank(risk.category):
        raise InvalidInput(
            "error.residual_above_gross",
            field="residual_frequency",
            residual=category,
            gross=risk.category,
        )
    risk.residual_frequency, risk.residual_impact = frequency, impact
    risk.residual_category = category


def matrix_of(session: Session, matrix_id: int) -> RiskMatrix:
    matrix = session.get(RiskMatrix, matrix_id)
    if matrix is None:  # pragma: no cover - the foreign key keeps it
        raise NotFound("error.matrix_not_found", id=matrix_id)
    return matrix


def _flush(session: Session, risk: Risk) -> None:
    flush_or_conflict(session, "error.risk_conflict", ref=risk.ref)


def create_risk(session: Session, *, data: RiskCreate, scope: set[int] | None, actor: str) -> Risk:
    asset = session.get(Asset, data.asset_id)
    if asset is None or (scope is not None and asset.department_id not in scope):
        raise InvalidInput("error.asset_unknown", field="asset_id", ids=str(data.asset_id))
    if session.get(Threat, data.threat_id) is None:
        raise InvalidInput("error.threat_unknown", field="threat_id", ids=str(data.threat_id))
    department_id = data.owner_department_id or asset.department_id
    check_department(session, department_id, scope)
    matrix = matrix_for_new_risks(session)
    risk = Risk(
        ref=next_ref(session, Risk, "R"),
        title=data.title.strip(),
        scenario=data.scenario.strip(),
        asset_id=asset.id or 0,
        threat_id=data.threat_id,
        confidentiality=data.confidentiality,
        integrity=data.integrity,
        availability=data.availability,
        owner_department_id=department_id,
        owner=data.owner.strip(),
        matrix_id=matrix.id or 0,
        frequency="",
        impact="",
        category="",
        created_by=actor,
    )
    if not risk.title:
        raise InvalidInput("error.field_required", field="title")
    _check_grundwerte(risk)
    _rate(session, risk, data.frequency, data.impact)
    session.add(risk)
    _flush(session, risk)
    _link_requirements(session, risk, data.requirement_ids)
    _event(session, risk, "created", actor, **_rating(risk))
    session.flush()
    return risk


def update_risk(
    session: Session, *, risk: Risk, data: RiskUpdate, scope: set[int] | None, actor: str
) -> Risk:
    """Edit the analysis of an open risk; a new rating is recorded in the history."""
    check_version(risk.version, data.version)
    _check_open(risk)
    _check_not_accepted(risk)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "requirement_ids"})
    before = _rating(risk)
    for key in ("title", "confidentiality", "integrity", "availability"):
        if key in changes and changes[key] is None:
            raise InvalidInput("error.field_required", field=key)
    if changes.get("owner_department_id") is not None:
        check_department(session, changes["owner_department_id"], scope)
    else:
        changes.pop("owner_department_id", None)
    for key in ("title", "scenario", "owner", "confidentiality", "integrity", "availability"):
        if key in changes and changes[key] is not None:
            value = changes[key]
            setattr(risk, key, value.strip() if type(value) is str else value)
    if "owner_department_id" in changes:
        risk.owner_department_id = changes["owner_department_id"]
    if not risk.title:
        raise InvalidInput("error.field_required", field="title")
    _check_grundwerte(risk)
    if "frequency" in changes or "impact" in changes:
        _rate(
            session,
            risk,
            changes.get("frequency") or risk.frequency,
            changes.get("impact") or risk.impact,
        )
    if "residual_frequency" in changes or "residual_impact" in changes:
        _rate_residual(
            session, risk, changes.get("residual_frequency"), changes.get("residual_impact")
        )
    elif risk.residual_category is not None and ("frequency" in changes or "impact" in changes):
        # the residual rating stays, checked against the new rating before treatment
        _rate_residual(session, risk, risk.residual_frequency, risk.residual_impact)
    if data.requirement_ids is not None:
        _link_requirements(session, risk, data.requirement_ids)
    risk.updated_at = utcnow()
    session.add(risk)
    _flush(session, risk)
    after = _rating(risk)
    if after != before:
        _event(session, risk, "rated", actor, before=before, after=after)
    else:
        _event(session, risk, "updated", actor, fields=sorted(changes))
    session.flush()
    return risk


def _clear_acceptance(risk: Risk) -> None:
    risk.accepted_by = risk.acceptance_justification = risk.kritis_note = ""
    risk.acceptance_expires = risk.accepted_at = None
    risk.kritis_flag = False


def treat(session: Session, *, risk: Risk, data: TreatmentInput, actor: str) -> Risk:
    """Decide to avoid, reduce or transfer the risk (acceptance: `accept`)."""
    check_version(risk.version, data.version)
    _check_open(risk)
    _check_not_accepted(risk)
    if data.treatment == Treatment.ACCEPT:
        raise InvalidInput("error.risk_accept_via_acceptance", field="treatment")
    note = data.note.strip()
    if data.treatment in (Treatment.AVOID, Treatment.TRANSFER) and not note:
        raise InvalidInput("error.risk_treatment_needs_note", field="note")
    before = _rating(risk)
    _clear_acceptance(risk)
    risk.treatment, risk.treatment_note = data.treatment, note
    risk.status = RiskStatus.IN_TREATMENT
    _rate_residual(session, risk, data.residual_frequency, data.residual_impact)
    risk.updated_at = utcnow()
    session.add(risk)
    _flush(session, risk)
    _event(
        session,
        risk,
        "treatment",
        actor,
        treatment=data.treatment.value,
        note=note[:500],
        before=before,
        after=_rating(risk),
    )
    session.flush()
    return risk


@dataclass(frozen=True)
class AcceptanceOutcome:
    risk: Risk
    warnings: list[str]


def unmet_muss(session: Session, risk: Risk) -> list[str]:
    """The MUSS requirements the risk stems from that are not (fully) met."""
    return list(
        session.scalars(
            select(col(CheckEntry.control_ref))
            .join(RiskRequirement, col(RiskRequirement.check_entry_id) == col(CheckEntry.id))
            .where(
                col(RiskRequirement.risk_id) == risk.id,
                col(CheckEntry.modal_verb) == "MUSS",
                col(CheckEntry.status).in_([*OPEN_CHECK, CheckStatus.UNBEARBEITET]),
            )
            .order_by(col(CheckEntry.control_ref))
        )
    )


def available_measures(session: Session, risk: Risk, threat: Threat) -> list[str]:
    """Measures that exist against the risk but are not in place: its open measures and the
    object's modelled requirements that the mapping attaches to the threat and that are open."""
    found = [
        m.control_ref or m.title
        for m in session.scalars(
            select(Measure).where(
                col(Measure.risk_id) == risk.id, col(Measure.status).in_(OPEN_MEASURE)
            )
        )
    ]
    rows = session.execute(
        select(col(CheckEntry.control_ref), col(ControlMapping.threats))
        .join(ControlMapping, col(ControlMapping.target_ref) == col(CheckEntry.control_ref))
        .where(
            col(CheckEntry.asset_id) == risk.asset_id,
            col(CheckEntry.modelled),
            col(CheckEntry.status).in_([*OPEN_CHECK, CheckStatus.UNBEARBEITET]),
        )
    )
    for control_ref, threats in rows:
        refs = {m.group(1) for t in threats or () if (m := MAPPED_THREAT.match(str(t)))}
        if threat.ref in refs and control_ref not in found:
            found.append(control_ref)
    return found


def accept(
    session: Session, *, risk: Risk, data: AcceptanceInput, actor: str, today: date | None = None
) -> AcceptanceOutcome:
    """Accept the (residual) risk: a named approver, a justification and an expiry date.

    Refused when the risk stems from an unmet MUSS requirement (those are implemented, not
    accepted). On a KRITIS critical facility the acceptance is flagged when measures against
    the risk exist but are not in place (BSIG: appropriate measures per the state of the art).
    """
    today = today or date.today()
    check_version(risk.version, data.version)
    _check_open(risk)
    _check_not_accepted(risk)
    approver, justification = data.approver.strip(), data.justification.strip()
    if not approver:
        raise InvalidInput("error.acceptance_needs_approver", field="approver")
    if len(justification) < 10:
        raise InvalidInput("error.acceptance_needs_justification", field="justification")
    if data.expires_on is None:
        raise InvalidInput("error.acceptance_needs_expiry", field="expires_on")
    if data.expires_on <= today:
        raise InvalidInput("error.acceptance_expiry_past", field="expires_on")
    if data.expires_on > today + MAX_ACCEPTANCE:
        raise InvalidInput("error.acceptance_expiry_too_far", field="expires_on", years=3)
    unmet = unmet_muss(session, risk)
    if unmet:
        raise Conflict("error.risk_accept_muss", ref=risk.ref, requirements=", ".join(unmet))
    before = _rating(risk)
    _rate_residual(session, risk, data.residual_frequency, data.residual_impact)
    if risk.residual_category is None:  # what is accepted is the risk as it stands
        _rate_residual(session, risk, risk.frequency, risk.impact)
    asset = session.get(Asset, risk.asset_id)
    threat = session.get(Threat, risk.threat_id)
    warnings: list[str] = []
    risk.kritis_flag, risk.kritis_note = False, ""
    if asset is not None and threat is not None and asset.kritis_critical:
        measures = available_measures(session, risk, threat)
        if measures:
            risk.kritis_flag = True
            risk.kritis_note = ", ".join(measures)
            warnings.append("kritis_measures_exist")
    risk.treatment, risk.status = Treatment.ACCEPT, RiskStatus.ACCEPTED
    risk.accepted_by, risk.acceptance_justification = approver, justification
    risk.acceptance_expires, risk.accepted_at = data.expires_on, utcnow()
    risk.updated_at = utcnow()
    session.add(risk)
    _flush(session, risk)
    _event(
        session,
        risk,
        "accepted",
        actor,
        approver=approver,
        expires_on=data.expires_on.isoformat(),
        kritis_flag=risk.kritis_flag,
        before=before,
        after=_rating(risk),
    )
    session.flush()
    return AcceptanceOutcome(risk, warnings)


def close(session: Session, *, risk: Risk, reason: str, version: int | None, actor: str) -> Risk:
    """Close a risk that no longer exists (object retired, threat gone); the record stays."""
    check_version(risk.version, version)
    _check_open(risk)
    if len(reason.strip()) < 5:
        raise InvalidInput("error.field_required", field="reason")
    risk.status, risk.closed_reason = RiskStatus.CLOSED, reason.strip()
    risk.updated_at = utcnow()
    session.add(risk)
    _flush(session, risk)
    _event(session, risk, "closed", actor, reason=reason.strip()[:500])
    session.flush()
    return risk


def reopen(session: Session, *, risk: Risk, reason: str, version: int | None, actor: str) -> Risk:
    """Reopen a closed risk or withdraw an acceptance: the risk is open again."""
    check_version(risk.version, version)
    if risk.status not in (RiskStatus.CLOSED, RiskStatus.ACCEPTED):
        raise Conflict("error.risk_not_reopenable", ref=risk.ref)
    if len(reason.strip()) < 5:
        raise InvalidInput("error.field_required", field="reason")
    if risk.status == RiskStatus.ACCEPTED or risk.treatment == Treatment.ACCEPT:
        _clear_acceptance(risk)
        risk.treatment = None
    risk.status = RiskStatus.IN_TREATMENT if risk.treatment else RiskStatus.OPEN
    risk.closed_reason = ""
    risk.updated_at = utcnow()
    session.add(risk)
    _flush(session, risk)
    _event(session, risk, "reopened", actor, reason=reason.strip()[:500])
    session.flush()
    return risk


def record_measure_event(
    session: Session, risk: Risk, action: str, actor: str, **details: Any
) -> None:
    _event(session, risk, action, actor, **details)


# Aggregates


@dataclass(frozen=True)
class Heatmap:
    spec: MatrixSpec
    matrix: RiskMatrix | None
    basis: str
    counts: list[list[int]]
    by_category: dict[str, int]
    total: int
    other_matrices: int


def heatmap(
    session: Session,
    *,
    scope: set[int] | None,
    basis: str = "gross",
    matrix_id: int | None = None,
    department_id: int | None = None,
) -> Heatmap:
    """Counts of the open risks per cell of one matrix (default: the active one), one query."""
    matrix = session.get(RiskMatrix, matrix_id) if matrix_id else active_matrix(session)
    if matrix_id and matrix is None:
        raise NotFound("error.matrix_not_found", id=matrix_id)
    spec = spec_of(matrix) if matrix else BSI_200_3
    frequency, impact = _rating_columns(basis)
    query = (
        select(col(Risk.matrix_id), impact, frequency, func.count())
        .where(col(Risk.status) != RiskStatus.CLOSED)
        .group_by(col(Risk.matrix_id), impact, frequency)
    )
    if scope is not None:
        query = query.where(col(Risk.owner_department_id).in_(scope))
    if department_id is not None:
        query = query.where(col(Risk.owner_department_id) == department_id)
    counts = [[0] * len(spec.frequencies) for _ in spec.impacts]
    by_category: Counter[str] = Counter({c: 0 for c in spec.categories})
    other = 0
    for row_matrix, row_impact, row_frequency, count in session.execute(query):
        if matrix is None or row_matrix != matrix.id:
            other += count
            continue
        i, j = spec.impacts.index(row_impact), spec.frequencies.index(row_frequency)
        counts[i][j] += count
        by_category[spec.cells[i][j]] += count
    total = sum(map(sum, counts))
    return Heatmap(spec, matrix, basis, counts, dict(by_category), total, other)


@dataclass(frozen=True)
class Candidate:
    asset: Asset
    high_protection: bool
    no_fitting_controls: bool
    risks: int
    overview_confirmed: bool


def candidates(
    session: Session, *, page: PageParams, scope: set[int] | None, pending_only: bool = False
) -> Page[Candidate]:
    """Objects that need a risk analysis (BSI 200-3): protection requirement hoch or sehr hoch,
    or no fitting requirements modelled; retired objects excluded. pending_only: no risk yet."""
    modelled = select(col(CheckEntry.asset_id)).where(
        col(CheckEntry.modelled), col(CheckEntry.asset_id).is_not(None)
    )
    risk_count = (
        select(func.count())
        .where(col(Risk.asset_id) == col(Asset.id))
        .correlate(Asset)
        .scalar_subquery()
    )
    base = select(Asset).where(
        col(Asset.status) != LifecycleStatus.RETIRED,
        or_(col(Asset.max_level) >= int(Level.HOCH), col(Asset.id).not_in(modelled)),
    )
    if scope is not None:
        base = base.where(col(Asset.department_id).in_(scope))
    if pending_only:
        base = base.where(risk_count == 0)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    assets = list(
        session.scalars(
            base.order_by(
                col(Asset.max_level).desc().nulls_last(),
                col(Asset.kritis_critical).desc(),
                col(Asset.short_id),
            )
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    ids = [a.id or 0 for a in assets]
    with_controls = set(
        session.scalars(
            select(col(CheckEntry.asset_id))
            .where(col(CheckEntry.asset_id).in_(ids), col(CheckEntry.modelled))
            .distinct()
        )
    )
    risks = dict(
        session.execute(
            select(col(Risk.asset_id), func.count())
            .where(col(Risk.asset_id).in_(ids))
            .group_by(col(Risk.asset_id))
        ).all()
    )
    confirmed = set(
        session.scalars(
            select(col(AssetThreat.asset_id)).where(col(AssetThreat.asset_id).in_(ids)).distinct()
        )
    )
    return Page(
        items=[
            Candidate(
                asset=a,
                high_protection=(a.max_level or 0) >= int(Level.HOCH),
                no_fitting_controls=a.id not in with_controls,
                risks=int(risks.get(a.id, 0)),
                overview_confirmed=a.id in confirmed,
            )
            for a in assets
        ],
        total=total,
    )
