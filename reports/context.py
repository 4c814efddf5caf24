"""Building report contents from the database: one function per document, each returning an
immutable Document (plain strings), so rendering needs no database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from sys import intern
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from controls.catalogs.models import Control
from controls.check import service as check_service
from controls.check.models import CheckEntry, CheckStatus, ModellingDecision
from controls.soa import service as soa_service
from isms.clock import local_text, utcnow
from isms.errors import InvalidInput
from isms.i18n import translate
from isms.identity.models import Department
from isms.pagination import PageParams
from privacy import clocks as privacy_clocks
from privacy import dpia as privacy_dpia
from privacy import incidents as privacy_incidents
from privacy import legal
from privacy import service as privacy_service
from privacy.models import Dpia, Incident, IncidentAsset, ProcessingActivity, ProcessingAsset
from reports.document import Bars, Document, Heat, Meta, Section, Table
from reviews import service as review_service
from risk.analysis import measures
from risk.analysis import service as risks
from risk.analysis.models import Risk, Threat
from risk.assets.levels import LEVEL_TERMS, Level
from risk.assets.models import Asset, AssetCategory, AssetDependency

ORGANISATION = "Landeshauptstadt Hannover"  # vocabulary: the demo city's name (data)


@dataclass(frozen=True)
class Scope:
    """What a report covers: the whole information domain, a department, some objects, or the
    KRITIS critical facilities."""

    department_id: int | None = None
    asset_ids: tuple[int, ...] = ()
    kritis: bool = False


def _translator(language: str) -> Callable[..., str]:
    return lambda key, **params: translate(language, key, **params)


def scope_conditions(scope: Scope) -> list[Any]:
    """The conditions on `asset` that select the objects of the scope."""
    conditions: list[Any] = []
    if scope.department_id is not None:
        conditions.append(col(Asset.department_id) == scope.department_id)
    if scope.asset_ids:
        conditions.append(col(Asset.id).in_(scope.asset_ids))
    if scope.kritis:
        conditions.append(col(Asset.kritis_critical))
    return conditions


def asset_ids(scope: Scope) -> Any:
    """The ids of the objects in scope, as a subquery (no parameter list however many)."""
    return select(col(Asset.id)).where(*scope_conditions(scope))


def scoped_assets(session: Session, scope: Scope) -> list[Asset]:
    query = select(Asset).where(*scope_conditions(scope)).order_by(col(Asset.short_id))
    assets = list(session.scalars(query))
    if scope.asset_ids and len(assets) != len(set(scope.asset_ids)):
        missing = sorted(set(scope.asset_ids) - {a.id for a in assets})
        raise InvalidInput(
            "error.asset_unknown", field="asset_ids", ids=", ".join(map(str, missing))
        )
    if not assets:
        raise InvalidInput("error.report_scope_empty", field="scope")
    return assets


def _scope_text(session: Session, scope: Scope, language: str) -> str:
    t = _translator(language)
    if scope.department_id is not None:
        department = session.get(Department, scope.department_id)
        return t("report.scope.department", name=department.name if department else "?")
    if scope.asset_ids:
        return t("report.scope.assets", count=len(scope.asset_ids))
    if scope.kritis:
        return t("report.scope.kritis")
    return t("report.scope.all")


def meta(
    session: Session, scope: Scope, language: str, *, title_key: str, version: str = "1.0"
) -> Meta:
    t = _translator(language)
    labels = {
        key: t(f"report.label.{key}")
        for key in (
            "organisation",
            "scope",
            "version",
            "date",
            "prepared",
            "checked",
            "approved",
            "role",
            "name",
            "signed",
            "approval",
            "contents",
            "page",
        )
    }
    return Meta(
        title=t(f"{title_key}.title"),
        subtitle=t(f"{title_key}.subtitle"),
        organisation=ORGANISATION,
        scope=_scope_text(session, scope, language),
        version=version,
        created=date.today(),
        language=language,
        labels=labels,
    )


def _level(value: int | None) -> str:
    return LEVEL_TERMS[Level(value)] if value else "–"


def build_a1(session: Session, scope: Scope, language: str = "de") -> Document:
    """A.1 Strukturanalyse: the target objects by type and their dependencies."""
    t = _translator(language)
    assets = scoped_assets(session, scope)
    ids = {a.id for a in assets}
    categories = {c.id: c for c in session.scalars(select(AssetCategory))}
    departments = {d.id: d.name for d in session.scalars(select(Department))}
    by_group: dict[str, list[Asset]] = defaultdict(list)
    for asset in assets:
        category = categories.get(asset.category_id)
        by_group[category.name if category else "–"].append(asset)
    headers = tuple(
        t(f"report.a1.{k}")
        for k in ("id", "name", "department", "responsible", "location", "quantity", "status")
    )
    sections = [
        Section(
            title=name,
            tables=(
                Table(
                    headers=headers,
                    rows=tuple(
                        (
                            a.short_id + (" (KRITIS)" if a.kritis_critical else ""),
                            a.name,
                            departments.get(a.department_id, ""),
                            a.responsible,
                            a.location,
                            str(a.quantity),
                            t(f"asset.status.{a.status.value}"),
                        )
                        for a in group
                    ),
                    widths=(1.1, 3, 2, 1.6, 1.6, 0.6, 1),
                ),
            ),
        )
        for name, group in sorted(by_group.items())
    ]
    short = {a.id: a.short_id for a in assets}
    edges = session.execute(
        select(
            col(AssetDependency.dependent_id),
            col(AssetDependency.dependency_id),
            col(AssetDependency.description),
        ).where(col(AssetDependency.dependent_id).in_(ids))
    ).all()
    names = dict(session.execute(select(col(Asset.id), col(Asset.short_id))).all())
    dependency_rows = tuple(
        (short[a], names.get(b, "?"), description or "")
        for a, b, description in sorted(edges, key=lambda e: (short[e[0]], names.get(e[1], "")))
    )
    intro = (t("report.a1.intro", count=len(assets), groups=len(by_group)),)
    return Document(
        meta=meta(session, scope, language, title_key="report.a1"),
        sections=(
            Section(title=t("report.a1.objects"), text=intro, subsections=tuple(sections)),
            Section(
                title=t("report.a1.dependencies"),
                tables=(
                    Table(
                        headers=(
                            t("report.a1.dependent"),
                            t("report.a1.depends_on"),
                            t("report.a1.description"),
                        ),
                        rows=dependency_rows,
                        widths=(1, 1, 4),
                    ),
                ),
            ),
        ),
    )


def build_a2(session: Session, scope: Scope, language: str = "de") -> Document:
    """A.2 Schutzbedarfsfeststellung: C/I/A per object with the reasons, inherited values
    marked, Kumulations-/Verteilungseffekt named."""
    t = _translator(language)
    assets = scoped_assets(session, scope)
    rows: list[tuple[str, ...]] = []
    for a in assets:
        cells: list[str] = [f"{a.short_id} {a.name}"]
        reasons: list[str] = []
        for prefix, key in (("c", "confidentiality"), ("i", "integrity"), ("a", "availability")):
            level = getattr(a, f"{prefix}_level")
            assessed = getattr(a, f"{prefix}_assessed")
            override = getattr(a, f"{prefix}_override")
            mark = ""
            if override:
                mark = f" ({t('override.' + override)})"
            elif level is not None and assessed is None:
                mark = f" ({t('report.a2.inherited')})"
            cells.append(_level(level) + mark)
            justification = getattr(a, f"{prefix}_justification")
            if justification:
                reasons.append(f"{t('grundwert.short.' + key)}: {justification}")
        cells.append(_level(a.max_level))
        cells.append("\n".join(reasons))
        rows.append(tuple(cells))
    headers = (
        t("report.a2.object"),
        t("grundwert.confidentiality"),
        t("grundwert.integrity"),
        t("grundwert.availability"),
        t("report.a2.max"),
        t("report.a2.reasons"),
    )
    counts = {
        term: sum(1 for a in assets if _level(a.max_level) == term)
        for term in ("normal", "hoch", "sehr hoch")
    }
    intro = (
        t(
            "report.a2.intro",
            count=len(assets),
            **{k.replace(" ", "_"): v for k, v in counts.items()},
        ),
    )
    return Document(
        meta=meta(session, scope, language, title_key="report.a2"),
        sections=(
            Section(
                title=t("report.a2.section"),
                text=intro,
                tables=(
                    Table(headers=headers, rows=tuple(rows), widths=(2.4, 1.1, 1.1, 1.1, 0.9, 4)),
                ),
            ),
        ),
    )


def build_a3(session: Session, scope: Scope, language: str = "de") -> Document:
    """A.3 Modellierung: per object the requirements modelled onto it (by practice) and the
    ISB's decisions to add or exclude requirements, with reasons."""
    t = _translator(language)
    assets = scoped_assets(session, scope)
    per_asset: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for asset_id, practice in session.execute(
        select(col(CheckEntry.asset_id), col(CheckEntry.practice)).where(
            col(CheckEntry.asset_id).in_(asset_ids(scope)), col(CheckEntry.modelled)
        )
    ):
        per_asset[asset_id][practice or "–"] += 1
    categories = {c.id: c.name for c in session.scalars(select(AssetCategory))}
    rows = tuple(
        (
            f"{a.short_id} {a.name}",
            categories.get(a.category_id, ""),
            str(sum(per_asset[a.id or 0].values())),
            ", ".join(f"{p} ({n})" for p, n in sorted(per_asset[a.id or 0].items())),
        )
        for a in assets
    )
    short = {a.id: a.short_id for a in assets}
    decisions = tuple(
        (short[d.asset_id], d.control_ref, t(f"report.a3.decision.{d.decision.value}"), d.reason)
        for d in session.scalars(
            select(ModellingDecision)
            .where(col(ModellingDecision.asset_id).in_(asset_ids(scope)))
            .order_by(col(ModellingDecision.asset_id), col(ModellingDecision.control_ref))
        )
    )
    return Document(
        meta=meta(session, scope, language, title_key="report.a3"),
        sections=(
            Section(
                title=t("report.a3.section"),
                text=(t("report.a3.intro"),),
                tables=(
                    Table(
                        headers=(
                            t("report.a2.object"),
                            t("report.a3.type"),
                            t("report.a3.count"),
                            t("report.a3.practices"),
                        ),
                        rows=rows,
                        widths=(2.5, 1.6, 0.7, 5),
                    ),
                ),
            ),
            Section(
                title=t("report.a3.decisions"),
                tables=(
                    Table(
                        headers=(
                            t("report.a2.object"),
                            t("report.a3.requirement"),
                            t("report.a3.decision"),
                            t("report.a2.reasons"),
                        ),
                        rows=decisions,
                        widths=(1, 1.2, 1, 5),
                    ),
                ),
            ),
        ),
    )


def build_a4(session: Session, scope: Scope, language: str = "de") -> Document:
    """A.4 Ergebnis des IT-Grundschutz-Checks: every modelled requirement of the objects in
    scope (and, for the whole domain, of the information domain) with its state, per practice."""
    t = _translator(language)
    assets = scoped_assets(session, scope)
    short = {a.id: a.short_id for a in assets}
    query = (
        select(
            col(CheckEntry.practice),
            col(CheckEntry.asset_id),
            col(CheckEntry.control_ref),
            col(Control.title),
            col(CheckEntry.modal_verb),
            col(CheckEntry.status),
            col(CheckEntry.implementation),
            col(CheckEntry.justification),
            col(CheckEntry.responsible),
            col(CheckEntry.target_date),
        )
        .join(Control, col(Control.id) == col(CheckEntry.control_id))
        .where(col(CheckEntry.modelled))
        .order_by(
            col(CheckEntry.practice),
            col(CheckEntry.asset_id).is_not(None),
            col(CheckEntry.asset_id),
            col(CheckEntry.sort_order),
        )
    )
    whole = scope == Scope()
    condition = col(CheckEntry.asset_id).in_(asset_ids(scope))
    query = (
        query.where(condition | col(CheckEntry.asset_id).is_(None))
        if whole
        else query.where(condition)
    )
    groups: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    domain = t("report.a4.domain")
    # The same texts recur over hundreds of thousands of rows: one string object each.
    labels = {status: t(f"check.status.{status.value}") for status in CheckStatus}
    dates: dict[date | None, str] = {None: ""}

    for (
        practice,
        asset_id,
        ref,
        title,
        verb,
        status,
        implementation,
        reason,
        who,
        target,
    ) in session.execute(query.execution_options(yield_per=5000)):
        counts[status.value] += 1
        note = implementation or reason
        groups[practice or "–"].append(
            (
                short.get(asset_id, domain),
                intern(f"{ref} {title}"),
                intern(verb or ""),
                labels[status],
                intern(note) if len(note) < 200 else note,
                intern(who),
                dates[target]
                if target in dates
                else dates.setdefault(target, f"{target:%d.%m.%Y}"),
            )
        )
    total = sum(counts.values())
    summary = t(
        "report.a4.intro",
        total=total,
        **{s: counts.get(s, 0) for s in ("ja", "teilweise", "nein", "entbehrlich", "unbearbeitet")},
    )
    headers = tuple(
        t(f"report.a4.{k}")
        for k in ("object", "requirement", "verb", "status", "note", "responsible", "target")
    )
    return Document(
        meta=meta(session, scope, language, title_key="report.a4"),
        sections=(
            Section(title=t("report.a4.summary"), text=(summary,)),
            *(
                Section(
                    title=practice,
                    tables=(
                        Table(
                            headers=headers, rows=tuple(rows), widths=(1, 3.2, 0.8, 1, 3.4, 1.2, 1)
                        ),
                    ),
                )
                for practice, rows in sorted(groups.items())
            ),
        ),
    )


def build_a5(session: Session, scope: Scope, language: str = "de") -> Document:
    """A.5 Risikoanalyse: the risks of the objects in scope, rated before and after treatment,
    with treatment and acceptance."""
    t = _translator(language)
    assets = scoped_assets(session, scope)
    short = {a.id: a.short_id for a in assets}
    rows = []
    for risk, threat in session.execute(
        select(Risk, Threat)
        .join(Threat, col(Threat.id) == col(Risk.threat_id))
        .where(col(Risk.asset_id).in_(asset_ids(scope)))
        .order_by(col(Risk.category_rank).desc(), col(Risk.id))
    ):
        grundwerte = "".join(
            t(f"grundwert.short.{g}")
            for g in ("confidentiality", "integrity", "availability")
            if getattr(risk, g)
        )
        decision = t(f"risk.treatment.{risk.treatment.value}") if risk.treatment else "–"
        if risk.accepted_by:
            expires = (
                risk.acceptance_expires.strftime("%d.%m.%Y") if risk.acceptance_expires else ""
            )
            decision += "\n" + t("report.a5.accepted", approver=risk.accepted_by, expires=expires)
        if risk.kritis_flag:
            decision += "\n" + t("risk.kritis_flag")
        rows.append(
            (
                risk.ref,
                f"{short[risk.asset_id]}: {risk.title}",
                f"{threat.ref} {threat.name}",
                grundwerte,
                f"{risk.frequency} / {risk.impact}\n→ {risk.category}",
                f"{risk.residual_category or '–'}",
                decision,
                t(f"risk.status.{risk.status.value}"),
            )
        )
    headers = tuple(
        t(f"report.a5.{k}")
        for k in ("ref", "risk", "threat", "grundwerte", "gross", "residual", "treatment", "status")
    )
    return Document(
        meta=meta(session, scope, language, title_key="report.a5"),
        sections=(
            Section(
                title=t("report.a5.section"),
                text=(t("report.a5.intro", count=len(rows)),),
                tables=(
                    Table(
                        headers=headers,
                        rows=tuple(rows),
                        widths=(0.8, 3, 2, 0.6, 1.6, 0.9, 2.2, 1),
                    ),
                ),
            ),
        ),
    )


def build_a6(session: Session, scope: Scope, language: str = "de") -> Document:
    """A.6 Realisierungsplan: every open measure (check and risk treatment) of the scope, by
    priority and due date."""
    t = _translator(language)
    scoped_assets(session, scope)  # an empty or unknown scope: a clear error
    departments = {d.id: d.name for d in session.scalars(select(Department))}
    # Every item on the objects in scope, whoever owns it; the totals over the same items.
    page, summary = measures.plan(
        session,
        page=PageParams(limit=MAX_PLAN, offset=0),
        flt=measures.PlanFilter(asset_ids=asset_ids(scope), with_domain=scope == Scope()),
        scope=None,
    )
    rows = tuple(
        (
            (f"{i.ref} " if i.ref else "") + i.title,
            i.asset_short_id or t("report.a4.domain"),
            t(f"plan.priority.{i.priority}"),
            departments.get(i.owner_department_id, "") if i.owner_department_id else "",
            i.responsible,
            i.due_date.strftime("%d.%m.%Y") if i.due_date else "",
            f"{i.cost:,}".replace(",", ".") if i.cost is not None else "",
            t(f"check.status.{i.status}") if i.kind == "check" else t(f"measure.status.{i.status}"),
        )
        for i in page.items
    )
    headers = tuple(
        t(f"report.a6.{k}")
        for k in (
            "measure",
            "object",
            "priority",
            "department",
            "responsible",
            "due",
            "cost",
            "status",
        )
    )
    return Document(
        meta=meta(session, scope, language, title_key="report.a6"),
        sections=(
            Section(
                title=t("report.a6.section"),
                text=(
                    t("report.a6.intro", count=summary.total, overdue=summary.overdue),
                    *((t("report.a6.cut", shown=len(rows)),) if summary.total > len(rows) else ()),
                ),
                tables=(
                    Table(
                        headers=headers,
                        rows=rows,
                        widths=(3.4, 1, 0.8, 1.6, 1.2, 1, 0.9, 1),
                    ),
                ),
            ),
        ),
    )


def build_soa(session: Session, scope: Scope, language: str = "de") -> Document:
    """The ISO/IEC 27001 Statement of Applicability (for the whole organisation)."""
    t = _translator(language)
    rows = tuple(
        (
            r.control.ref,
            (r.control.alt_titles.get("de") if language == "de" else None) or r.control.title,
            t("form.yes") if r.applicable else t("form.no"),
            r.justification,
            t(f"soa.implementation.{r.effective.value}") if r.effective else "–",
            ", ".join(m.ref for m in r.mapped),
        )
        for r in soa_service.rows(session)
    )
    headers = tuple(
        t(f"report.soa.{k}")
        for k in ("ref", "control", "applicable", "justification", "state", "mapped")
    )
    return Document(
        meta=meta(session, Scope(), language, title_key="report.soa"),
        sections=(
            Section(
                title=t("report.soa.section"),
                tables=(Table(headers=headers, rows=rows, widths=(0.6, 2.6, 0.8, 3.2, 1.1, 1.7)),),
            ),
        ),
    )


def build_ropa(
    session: Session,
    scope: Scope,
    language: str = "de",
    *,
    activity_ids: tuple[int, ...] = (),
    department_scope: set[int] | None = None,
) -> Document:
    """The record of processing activities (Art. 30(1) GDPR): an overview, then every entry of
    the scope (or the entries asked for) with all its fields and the state of its measures
    (derived from the check, by the goals of Art. 32(1)); a department user sees the objects
    and measures of their own departments."""
    t = _translator(language)
    department_scope = _linked_scope(scope, department_scope)
    query = select(ProcessingActivity).order_by(col(ProcessingActivity.id))
    if activity_ids:
        query = query.where(col(ProcessingActivity.id).in_(activity_ids))
    if scope.department_id is not None:
        query = query.where(col(ProcessingActivity.department_id) == scope.department_id)
    if scope.asset_ids or scope.kritis:
        carried = select(col(ProcessingAsset.activity_id)).where(
            col(ProcessingAsset.asset_id).in_(asset_ids(scope))
        )
        query = query.where(col(ProcessingActivity.id).in_(carried))
    activities = list(session.scalars(query))
    if not activities:
        raise InvalidInput("error.report_no_activities", field="scope")
    departments = {d.id: d.name for d in session.scalars(select(Department))}
    objects = privacy_service.assets_of(session, [a.id or 0 for a in activities], department_scope)
    yes, no = t("form.yes"), t("form.no")

    def bases(activity: ProcessingActivity) -> str:
        return ", ".join(legal.basis_text(b, language) for b in activity.legal_bases)

    overview = Table(
        headers=tuple(
            t(f"report.ropa.{k}") for k in ("ref", "name", "department", "bases", "dpia")
        ),
        rows=tuple(
            (
                a.ref,
                a.name,
                departments.get(a.department_id, ""),
                bases(a),
                yes if a.dpia_required else no,
            )
            for a in activities
        ),
        widths=(0.7, 2.6, 1.4, 2.4, 0.6),
    )
    entries = []
    for activity in activities:
        fields = (
            ("controller", activity.controller),
            ("joint_controllers", activity.joint_controllers or "–"),
            ("dpo_contact", activity.dpo_contact),
            ("purposes", activity.purposes),
            (
                "bases",
                bases(activity)
                + (f" ({activity.legal_basis_note})" if activity.legal_basis_note else ""),
            ),
            ("special", yes if activity.special_categories else no),
            ("subjects", "; ".join(activity.data_subjects)),
            (
                "categories",
                "; ".join(f"{c['name']} ({c['erasure']})" for c in activity.data_categories),
            ),
            (
                "recipients",
                "; ".join(
                    f"{r['name']} ({t('privacy.recipient.' + r['kind'])}"
                    + (f", {r['contract']}" if r.get("contract") else "")
                    + ")"
                    for r in activity.recipients
                )
                or "–",
            ),
            (
                "transfers",
                "; ".join(f"{x['country']}: {x['safeguard']}" for x in activity.transfers) or "–",
            ),
            (
                "objects",
                ", ".join(f"{o.short_id} {o.name}" for o in objects.get(activity.id or 0, []))
                or "–",
            ),
            ("tom_note", activity.tom_note or "–"),
            ("dpia", (yes + f": {activity.dpia_reason}") if activity.dpia_required else no),
        )
        toms = privacy_service.toms(session, activity, department_scope)
        entries.append(
            Section(
                title=f"{activity.ref} {activity.name}",
                tables=(
                    Table(
                        headers=(t("report.ropa.field"), t("report.ropa.value")),
                        rows=tuple((t(f"report.ropa.{k}"), v) for k, v in fields),
                        widths=(1.2, 4),
                    ),
                    Table(
                        caption=t("report.ropa.toms"),
                        headers=tuple(
                            t(f"report.ropa.{k}") for k in ("goal", "implemented", "open")
                        ),
                        rows=tuple(
                            (t(f"privacy.art32.{g.goal}"), str(g.implemented), str(g.open))
                            for g in toms
                        ),
                        widths=(4, 0.8, 0.8),
                    ),
                ),
            )
        )
    return Document(
        meta=meta(session, scope, language, title_key="report.ropa"),
        sections=(
            Section(
                title=t("report.ropa.overview"),
                text=(t("report.ropa.intro", count=len(activities)),),
                tables=(overview,),
            ),
            Section(title=t("report.ropa.entries"), subsections=tuple(entries)),
        ),
    )


def _linked_scope(scope: Scope, department_scope: set[int] | None) -> set[int] | None:
    """Whose linked objects and records a GDPR document names: a department's document (also
    built by a job or for a pack) only its own, like its pages."""
    if department_scope is not None:
        return department_scope
    return {scope.department_id} if scope.department_id is not None else None


def build_breach_notification(
    session: Session, incident: Incident, language: str = "de", scope: set[int] | None = None
) -> Document:
    """A draft of the notification to the supervisory authority (Art. 33 GDPR) with every item
    of Art. 33(3), the times the deadline runs from, and the processing activities concerned."""
    t = _translator(language)
    return Document(
        meta=Meta(
            title=t("report.breach.title"),
            subtitle=f"{incident.ref} {incident.title}",
            organisation=ORGANISATION,
            scope=t("report.breach.scope"),
            version=t("report.breach.draft"),
            created=date.today(),
            language=language,
            labels=meta(session, Scope(), language, title_key="report.breach").labels,
        ),
        sections=(_breach_section(session, incident, language, scope, t("report.breach.section")),),
    )


def build_breaches(
    session: Session,
    scope: Scope,
    language: str = "de",
    *,
    department_scope: set[int] | None = None,
) -> Document:
    """Every personal-data breach of the scope with the items of Art. 33(3), its deadlines and
    what was notified: the documentation of Art. 33(5), also of breaches not notified."""
    t = _translator(language)
    department_scope = _linked_scope(scope, department_scope)
    query = select(Incident).where(col(Incident.personal_data)).order_by(col(Incident.id))
    if scope.department_id is not None:
        query = query.where(col(Incident.department_id) == scope.department_id)
    if scope.asset_ids or scope.kritis:
        touched = select(col(IncidentAsset.incident_id)).where(
            col(IncidentAsset.asset_id).in_(asset_ids(scope))
        )
        query = query.where(col(Incident.id).in_(touched))
    breaches = list(session.scalars(query))
    if not breaches:
        raise InvalidInput("error.report_no_breaches", field="scope")
    now = utcnow()
    overview = Table(
        headers=tuple(t(f"report.breaches.{k}") for k in ("ref", "title_column", "aware", "art33")),
        rows=tuple(
            (
                b.ref,
                b.title,
                local_text(b.aware_at),
                next(
                    (
                        t(f"clock.state.{c.state.value}")
                        for c in privacy_clocks.clocks(b, now)
                        if c.deadline == privacy_clocks.Deadline.ART33
                    ),
                    "–",
                ),
            )
            for b in breaches
        ),
        widths=(0.8, 3, 1.3, 1.2),
    )
    return Document(
        meta=meta(session, scope, language, title_key="report.breaches"),
        sections=(
            Section(
                title=t("report.ropa.overview"),
                text=(t("report.breaches.intro", count=len(breaches)),),
                tables=(overview,),
            ),
            *(
                _breach_section(session, b, language, department_scope, f"{b.ref} {b.title}")
                for b in breaches
            ),
        ),
    )


def _breach_section(
    session: Session, incident: Incident, language: str, scope: set[int] | None, title: str
) -> Section:
    t = _translator(language)
    now = utcnow()
    _, linked = privacy_incidents.links(session, [incident.id or 0], scope)
    activities = [
        a
        for a in (session.get(ProcessingActivity, i) for i in linked[incident.id or 0])
        if a is not None
    ]
    controller = activities[0].controller if activities else ORGANISATION
    dpo = activities[0].dpo_contact if activities else ""
    missing = t("report.breach.missing")

    def when(moment: Any) -> str:
        return local_text(moment) or missing

    def count(number: int | None) -> str:
        return t("report.breach.approx", count=number) if number is not None else missing

    art33 = next(
        (
            c
            for c in privacy_clocks.clocks(incident, now)
            if c.deadline == privacy_clocks.Deadline.ART33
        ),
        None,
    )
    rows = (
        ("controller", controller),
        ("dpo", dpo or missing),
        ("nature", incident.nature or missing),
        ("occurred", when(incident.occurred_at)),
        ("detected", when(incident.detected_at)),
        ("aware", when(incident.aware_at)),
        ("due", when(art33.due) if art33 else missing),
        ("subjects", f"{incident.subject_categories or missing}; {count(incident.subjects_count)}"),
        ("records", f"{incident.record_categories or missing}; {count(incident.records_count)}"),
        ("consequences", incident.consequences or missing),
        ("measures", incident.measures or incident.actions or missing),
        ("risk", t(f"incident.risk.{incident.risk_to_rights.value}")),
        ("delay", incident.authority_reason or "–"),
        ("activities", ", ".join(f"{a.ref} {a.name}" for a in activities) or "–"),
    )
    gaps = [t(f"report.breach.{k}") for k, v in rows if missing in v]
    return Section(
        title=title,
        text=(
            t("report.breach.intro"),
            *((t("report.breach.gaps", items=", ".join(gaps)),) if gaps else ()),
        ),
        tables=(
            Table(
                headers=(t("report.ropa.field"), t("report.ropa.value")),
                rows=tuple((t(f"report.breach.{k}"), v) for k, v in rows),
                widths=(1.3, 4),
            ),
        ),
    )


def build_dpias(
    session: Session,
    scope: Scope,
    language: str = "de",
    *,
    dpia_ids: tuple[int, ...] = (),
    department_scope: set[int] | None = None,
) -> Document:
    """The impact assessments (Art. 35 GDPR) of the scope, or the ones asked for: threshold
    check, the assessment by Art. 35(7) a-d, the risks to the data subjects before and after the
    measures (with a matrix of the remaining risks), the measures derived from the check, the
    DPO's opinion, the consultation of the authority (Art. 36), the sign-off and its review."""
    t = _translator(language)
    department_scope = _linked_scope(scope, department_scope)
    query = (
        select(Dpia, ProcessingActivity)
        .join(ProcessingActivity, col(ProcessingActivity.id) == col(Dpia.activity_id))
        .where(col(Dpia.required))
        .order_by(col(Dpia.id))
    )
    if dpia_ids:
        query = query.where(col(Dpia.id).in_(dpia_ids))
    if scope.department_id is not None:
        query = query.where(col(ProcessingActivity.department_id) == scope.department_id)
    if scope.asset_ids or scope.kritis:
        carried = select(col(ProcessingAsset.activity_id)).where(
            col(ProcessingAsset.asset_id).in_(asset_ids(scope))
        )
        query = query.where(col(ProcessingActivity.id).in_(carried))
    found = session.execute(query).all()
    if not found:
        raise InvalidInput("error.report_no_dpias", field="scope")
    departments = {d.id: d.name for d in session.scalars(select(Department))}
    criteria = {c.code: c.title for c in privacy_dpia.criteria(session, language)}
    steps = {n: t(f"dpia.step.{n}") for n in legal.STEPS}
    levels = {n: t(f"dpia.level.{n}") for n in (legal.LOW, legal.RISK, legal.HIGH)}
    field_names = (t("report.ropa.field"), t("report.ropa.value"))

    def when(moment: Any) -> str:
        return local_text(moment) or "–"

    sections = []
    for dpia, activity in found:
        risks = dpia.risks
        overview = (
            ("status", t(f"dpia.status.{dpia.status.value}")),
            ("activity", f"{activity.ref} {activity.name}"),
            ("department", departments.get(activity.department_id, "")),
            ("criteria", "; ".join(criteria.get(c, c) for c in dpia.criteria) or "–"),
            ("threshold_note", dpia.threshold_note or "–"),
        )
        content = (
            ("description", dpia.description or "–"),
            ("purposes", dpia.purposes or "–"),
            ("necessity", dpia.necessity or "–"),
            ("measures", dpia.measures or "–"),
        )
        consultation = privacy_dpia.consultation_required(dpia)
        decision = (
            ("opinion", dpia.dpo_opinion or "–"),
            ("opinion_by", f"{dpia.dpo_opinion_by} {when(dpia.dpo_opinion_at)}".strip()),
            (
                "consultation",
                (t("form.yes") + f", {when(dpia.authority_consulted_at)}")
                if consultation
                else t("form.no"),
            ),
            ("signed_off", f"{dpia.signed_off_by} {when(dpia.signed_off_at)}".strip()),
            ("review_on", f"{dpia.review_on:%d.%m.%Y}" if dpia.review_on else "–"),
            ("review_reason", dpia.review_reason or "–"),
        )
        rows_high_first = tuple(reversed(legal.STEPS))
        heat = Heat(
            title=t("report.dpia.matrix"),
            rows=tuple(steps[n] for n in rows_high_first),
            columns=tuple(steps[n] for n in legal.STEPS),
            counts=tuple(
                tuple(
                    sum(
                        1
                        for r in risks
                        if (r["residual_severity"], r["residual_likelihood"]) == (sev, lik)
                    )
                    for lik in legal.STEPS
                )
                for sev in rows_high_first
            ),
            categories=tuple(
                tuple(levels[legal.rights_risk(lik, sev)] for lik in legal.STEPS)
                for sev in rows_high_first
            ),
            ranks=tuple(
                tuple(
                    {legal.LOW: 0, legal.RISK: 2, legal.HIGH: 3}[legal.rights_risk(lik, sev)]
                    for lik in legal.STEPS
                )
                for sev in rows_high_first
            ),
        )
        toms = privacy_service.toms(session, activity, department_scope)
        gaps = privacy_dpia.missing(dpia)
        sections.append(
            Section(
                title=f"{dpia.ref} {activity.name}",
                text=(
                    (t("report.dpia.gaps", items=", ".join(t(f"dpia.field.{g}") for g in gaps)),)
                    if gaps
                    else ()
                ),
                tables=(
                    Table(
                        caption=t("report.dpia.threshold"),
                        headers=field_names,
                        rows=tuple((t(f"dpia.field.{k}"), v) for k, v in overview),
                        widths=(1.3, 4),
                    ),
                    Table(
                        caption=t("report.dpia.assessment"),
                        headers=field_names,
                        rows=tuple((t(f"dpia.field.{k}"), v) for k, v in content),
                        widths=(1.3, 4),
                    ),
                    Table(
                        caption=t("report.dpia.risks"),
                        headers=tuple(
                            t(f"report.dpia.{k}") for k in ("risk", "before", "measures", "after")
                        ),
                        rows=tuple(
                            (
                                r["title"] + (f": {r['description']}" if r["description"] else ""),
                                f"{steps[r['likelihood']]} × {steps[r['severity']]} = "
                                + levels[legal.rights_risk(r["likelihood"], r["severity"])],
                                r["measures"] or "–",
                                f"{steps[r['residual_likelihood']]} × "
                                f"{steps[r['residual_severity']]} = "
                                + levels[
                                    legal.rights_risk(
                                        r["residual_likelihood"], r["residual_severity"]
                                    )
                                ],
                            )
                            for r in risks
                        ),
                        widths=(2, 1.4, 2, 1.4),
                    ),
                    Table(
                        caption=t("report.ropa.toms"),
                        headers=tuple(
                            t(f"report.ropa.{k}") for k in ("goal", "implemented", "open")
                        ),
                        rows=tuple(
                            (t(f"privacy.art32.{g.goal}"), str(g.implemented), str(g.open))
                            for g in toms
                        ),
                        widths=(4, 0.8, 0.8),
                    ),
                    Table(
                        caption=t("report.dpia.decision"),
                        headers=field_names,
                        rows=tuple((t(f"dpia.field.{k}"), v) for k, v in decision),
                        widths=(1.3, 4),
                    ),
                ),
                charts=(heat,) if risks else (),
            )
        )
    return Document(
        meta=meta(session, scope, language, title_key="report.dpia"),
        sections=(
            Section(
                title=t("report.dpia.overview"),
                text=(t("report.dpia.intro", count=len(found)),),
                tables=(
                    Table(
                        headers=tuple(
                            t(f"report.dpia.{k}") for k in ("ref", "activity", "status", "review")
                        ),
                        rows=tuple(
                            (
                                d.ref,
                                f"{a.ref} {a.name}",
                                t(f"dpia.status.{d.status.value}"),
                                f"{d.review_on:%d.%m.%Y}" if d.review_on else "–",
                            )
                            for d, a in found
                        ),
                        widths=(0.9, 3, 1.3, 1),
                    ),
                ),
            ),
            *sections,
        ),
    )


MAX_PLAN = 100_000


def documents() -> dict[str, Any]:
    return {
        "a1": build_a1,
        "a2": build_a2,
        "a3": build_a3,
        "a4": build_a4,
        "a5": build_a5,
        "a6": build_a6,
        "soa": build_soa,
        "ropa": build_ropa,
        "dpia": build_dpias,
        "breaches": build_breaches,
        "management": build_management,
    }


def build_management(session: Session, scope: Scope, language: str = "de") -> Document:
    """The management report for the steering group: check progress by practice and by
    department, the risk matrix, overdue reviews and measures."""
    t = _translator(language)
    by_practice = check_service.progress(session, by="practice", scope=None)
    by_department = check_service.progress(session, by="department", scope=None)
    heat = risks.heatmap(session, scope=None)
    spec = heat.spec
    labels = risks.term_labels(spec, language)
    rows_high_first = list(range(len(spec.impacts)))[::-1]
    chart = Heat(
        title=t("report.management.heatmap"),
        rows=tuple(labels[spec.impacts[i]] for i in rows_high_first),
        columns=tuple(labels[f] for f in spec.frequencies),
        counts=tuple(tuple(heat.counts[i]) for i in rows_high_first),
        categories=tuple(tuple(labels[c] for c in spec.cells[i]) for i in rows_high_first),
        ranks=tuple(
            tuple(round(3 * spec.rank(c) / max(len(spec.categories) - 1, 1)) for c in spec.cells[i])
            for i in rows_high_first
        ),
    )
    overdue_reviews = review_service.list_tasks(
        session,
        page=PageParams(limit=1),
        flt=review_service.TaskFilter(overdue=True),
        scope=None,
    ).total
    plan_summary = measures.plan_summary(session, flt=measures.PlanFilter(overdue=True), scope=None)
    total = sum(r.total for r in by_practice)
    worked = sum(r.total - r.unbearbeitet for r in by_practice)
    facts = (
        t("report.management.check", worked=worked, total=total),
        t(
            "report.management.risks",
            total=heat.total,
            high=heat.by_category.get(spec.categories[-1], 0),
        ),
        t("report.management.overdue", reviews=overdue_reviews, measures=plan_summary.total),
    )
    return Document(
        meta=meta(session, scope, language, title_key="report.management"),
        sections=(
            Section(title=t("report.management.summary"), text=facts),
            Section(
                title=t("report.management.check_title"),
                charts=(
                    Bars(
                        t("report.management.by_practice"),
                        tuple(r.label or "–" for r in by_practice),
                        tuple(r.progress for r in by_practice),
                    ),
                    Bars(
                        t("report.management.by_department"),
                        tuple(r.label or t("report.a4.domain") for r in by_department),
                        tuple(r.compliance or 0.0 for r in by_department),
                    ),
                ),
            ),
            Section(
                title=t("report.management.risk_title"),
                charts=(chart,),
                tables=(
                    Table(
                        headers=(t("risk.category"), t("risk.risks")),
                        rows=tuple(
                            (labels[c], str(heat.by_category.get(c, 0)))
                            for c in reversed(spec.categories)
                        ),
                        widths=(2, 1),
                    ),
                ),
            ),
        ),
    )
