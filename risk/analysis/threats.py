"""Threats: the BSI's elementary threats (imported from its CSV at run time), the organisation's
own, and the threat overview (Gefaehrdungsuebersicht) of an object proposed from its modelled
controls through the ITGS-to-GS++ mapping."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from controls.catalogs.models import ControlMapping
from controls.check.models import CheckEntry
from isms.clock import utcnow
from isms.download import fetch
from isms.errors import Conflict, InvalidInput, NotFound
from risk.analysis.models import AssetThreat, Risk, Threat, ThreatSource
from risk.assets.categories import PROJECT_ROOT, SHARED_SUBDIR
from risk.assets.models import Asset

THREATS_FILE = "basethreats.csv"
THREATS_URL = (
    "https://raw.githubusercontent.com/BSI-Bund/Stand-der-Technik-Bibliothek/main/"
    "documentation/namespaces/basethreats.csv"
)
REQUIRED_COLUMNS = {"ID", "Begriff", "Definition"}
BSI_REF = re.compile(r"^G (\d{1,3})\.(\d{1,3})$")
# The mapping names a threat as "G 0.18: Fehlplanung oder fehlende Anpassung".
MAPPED_THREAT = re.compile(r"^\s*(G \d+\.\d+)\b")


def sort_key(ref: str) -> int:
    """G 0.9 before G 0.10; own threats after the BSI's, in the order of their refs."""
    match = BSI_REF.match(ref)
    return int(match.group(1)) * 1000 + int(match.group(2)) if match else 1_000_000


@dataclass(frozen=True)
class ThreatSpec:
    ref: str
    name: str
    description: str
    uuid: str | None


def parse_threats(data: bytes) -> list[ThreatSpec]:
    """The rows of the BSI's basethreats.csv (ID, Begriff, Definition, uuid)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("error.threats_file_invalid", reason="not UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = REQUIRED_COLUMNS - set(reader.fieldnames or ())
    if missing:
        raise InvalidInput("error.threats_file_invalid", reason=", ".join(sorted(missing)))
    specs: list[ThreatSpec] = []
    for number, row in enumerate(reader, start=2):
        ref = (row.get("ID") or "").strip()
        name = (row.get("Begriff") or "").strip()
        uuid = (row.get("uuid") or "").strip()
        if not BSI_REF.match(ref) or not name or len(uuid) > 36:
            raise InvalidInput("error.threats_file_invalid", reason=f"record {number}: {ref!r}")
        specs.append(
            ThreatSpec(
                ref=ref,
                name=name[:200],
                description=(row.get("Definition") or "").strip(),
                uuid=uuid or None,
            )
        )
    if not specs:
        raise InvalidInput("error.threats_file_invalid", reason="no threats")
    return specs


def import_threats(session: Session, data: bytes) -> int:
    """Insert or update the elementary threats by ref; returns how many changed."""
    existing = {t.ref: t for t in session.scalars(select(Threat))}
    changed = 0
    for spec in parse_threats(data):
        threat = existing.get(spec.ref)
        if threat is not None and threat.source != ThreatSource.BSI:
            raise Conflict("error.threat_ref_taken", ref=spec.ref)
        if threat is None:
            threat = Threat(
                ref=spec.ref, name=spec.name, source=ThreatSource.BSI, sort_key=sort_key(spec.ref)
            )
        elif (threat.name, threat.description, threat.uuid) == (
            spec.name,
            spec.description,
            spec.uuid,
        ):
            continue
        threat.name, threat.description, threat.uuid = spec.name, spec.description, spec.uuid
        session.add(threat)
        changed += 1
    session.flush()
    return changed


def locate_threats(catalog_dir: Path | None) -> Path | None:
    candidates = [catalog_dir / THREATS_FILE] if catalog_dir else []
    candidates += [
        base.parent / SHARED_SUBDIR / THREATS_FILE for base in (PROJECT_ROOT, Path.cwd())
    ]
    return next((path for path in candidates if path.is_file()), None)


def import_default_threats(session: Session, catalog_dir: Path | None) -> int:
    """From a local copy when there is one, else from the BSI's published file."""
    path = locate_threats(catalog_dir)
    return import_threats(session, path.read_bytes() if path else fetch(THREATS_URL))


def list_threats(session: Session, *, q: str | None = None) -> list[Threat]:
    query = select(Threat).order_by(col(Threat.sort_key), col(Threat.ref))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            func.lower(col(Threat.name)).like(like) | func.lower(col(Threat.ref)).like(like)
        )
    return list(session.scalars(query))


def get_threat(session: Session, *, threat_id: int) -> Threat:
    threat = session.get(Threat, threat_id)
    if threat is None:
        raise NotFound("error.threat_not_found", id=threat_id)
    return threat


def create_threat(session: Session, *, ref: str, name: str, description: str) -> Threat:
    """An additional threat of the organisation; the BSI's G 0.x refs are reserved."""
    ref, name = ref.strip(), name.strip()
    if BSI_REF.match(ref) or ref.upper().startswith("G 0."):
        raise InvalidInput("error.threat_ref_reserved", field="ref", ref=ref)
    if not ref:
        raise InvalidInput("error.field_required", field="ref")
    if not name:
        raise InvalidInput("error.field_required", field="name")
    if session.scalar(select(col(Threat.id)).where(col(Threat.ref) == ref)) is not None:
        raise Conflict("error.threat_ref_taken", field="ref", ref=ref)
    threat = Threat(ref=ref, name=name, description=description.strip(), source=ThreatSource.OWN)
    threat.sort_key = sort_key(ref)
    session.add(threat)
    session.flush()
    return threat


def update_threat(session: Session, *, threat: Threat, name: str, description: str) -> Threat:
    if threat.source == ThreatSource.BSI:
        raise Conflict("error.threat_is_bsi", ref=threat.ref)
    if not name.strip():
        raise InvalidInput("error.field_required", field="name")
    threat.name, threat.description = name.strip(), description.strip()
    session.add(threat)
    session.flush()
    return threat


def delete_threat(session: Session, *, threat: Threat) -> None:
    if threat.source == ThreatSource.BSI:
        raise Conflict("error.threat_is_bsi", ref=threat.ref)
    used = session.scalar(select(func.count()).where(col(Risk.threat_id) == threat.id)) or 0
    if used:
        raise Conflict("error.threat_in_use", ref=threat.ref, count=used)
    session.delete(threat)
    session.flush()


# The threat overview of an object


@dataclass
class OverviewRow:
    threat: Threat
    proposed: bool  # the mapping attaches it to a modelled control of the object
    controls: list[str] = field(default_factory=list)  # those controls' refs
    decision: AssetThreat | None = None
    risks: int = 0

    @property
    def relevant(self) -> bool:
        """Confirmed relevant, or proposed and not yet decided."""
        return self.decision.relevant if self.decision else self.proposed


def mapped_threats(session: Session, asset_ids: Sequence[int]) -> dict[int, dict[str, set[str]]]:
    """Per asset: threat ref -> the refs of its modelled controls the mapping attaches it to."""
    result: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    if not asset_ids:
        return result
    rows = session.execute(
        select(col(CheckEntry.asset_id), col(CheckEntry.control_ref), col(ControlMapping.threats))
        # Matched by ref, as everywhere: the catalogs' ids do not overlap (see mappings_of).
        .join(ControlMapping, col(ControlMapping.target_ref) == col(CheckEntry.control_ref))
        .where(col(CheckEntry.asset_id).in_(asset_ids), col(CheckEntry.modelled))
    )
    for asset_id, control_ref, threats in rows:
        for text in threats or ():
            match = MAPPED_THREAT.match(str(text))
            if match:
                result[asset_id][match.group(1)].add(control_ref)
    return result


def overview(session: Session, *, asset: Asset) -> list[OverviewRow]:
    """Every threat with whether the mapping proposes it for the object, the ISB's decision and
    the number of risks already analysed; proposed and decided ones first."""
    mapped = mapped_threats(session, [asset.id or 0]).get(asset.id or 0, {})
    decisions = {
        d.threat_id: d
        for d in session.scalars(select(AssetThreat).where(col(AssetThreat.asset_id) == asset.id))
    }
    risks = dict(
        session.execute(
            select(col(Risk.threat_id), func.count())
            .where(col(Risk.asset_id) == asset.id)
            .group_by(col(Risk.threat_id))
        ).all()
    )
    rows = [
        OverviewRow(
            threat=t,
            proposed=t.ref in mapped,
            controls=sorted(mapped.get(t.ref, ())),
            decision=decisions.get(t.id or 0),
            risks=int(risks.get(t.id, 0)),
        )
        for t in list_threats(session)
    ]
    rows.sort(key=lambda r: (not (r.proposed or r.decision or r.risks), r.threat.sort_key))
    return rows


def decide_overview(
    session: Session,
    *,
    asset: Asset,
    relevant: Sequence[int],
    notes: dict[int, str] | None = None,
    actor: str,
) -> list[OverviewRow]:
    """Confirm the overview: the threats listed are relevant, every other proposed or decided
    one is not. Unknown threat ids are a 400 naming them; nothing is written then."""
    wanted = set(relevant)
    known = {t.id for t in session.scalars(select(Threat).where(col(Threat.id).in_(wanted)))}
    if wanted - known:
        raise InvalidInput(
            "error.threat_unknown",
            field="relevant",
            ids=", ".join(map(str, sorted(wanted - known))),
        )
    notes = notes or {}
    rows = overview(session, asset=asset)
    now = utcnow()
    for row in rows:
        threat_id = row.threat.id or 0
        is_relevant = threat_id in wanted
        if row.decision is None and not is_relevant and not row.proposed:
            continue
        decision = row.decision or AssetThreat(
            asset_id=asset.id or 0, threat_id=threat_id, proposed=row.proposed
        )
        note = notes.get(threat_id, decision.note)[:2000]
        if row.decision is not None and (decision.relevant, decision.note) == (is_relevant, note):
            continue
        decision.relevant, decision.note = is_relevant, note
        decision.proposed = row.proposed
        decision.decided_by, decision.decided_at = actor, now
        session.add(decision)
    session.flush()
    return overview(session, asset=asset)
